//! A scenario's before and after: the internal pages `/scenarios/` and `/scenarios/<name>/`,
//! and the terminal text of `apdir gaps --scenario NAME`. Never built for the public site.

use serde::Serialize;
use serde_json::json;
use tera::Context;

use super::{Outcome, Scenario};
use crate::analyse::{AreaGaps, GapReport, PublishedArea, Suppression, fmt_rate};
use crate::diagnostics::Diagnostic;
use crate::history::change::Difference;
use crate::history::pages::{internal_inputs, render};
use crate::render::OutputFile;
use crate::render::areas::{self, LegendItem};
use crate::render::maps;
use crate::render::templates::Templates;
use crate::site::Site;

/// The index page's address.
pub const URL: &str = "/scenarios/";
/// Every scenario page's description.
const DESCRIPTION: &str = "Gap measures before and after a planned change (internal).";

type Page = Result<OutputFile, Diagnostic>;

/// The scenario pages of an internal build (none for the public one); a scenario with any
/// problem stops the build of either profile.
pub fn pages(site: &Site, current: &GapReport, templates: &Templates) -> Vec<Page> {
    let scenarios = match internal_inputs(site, super::check::load(site)) {
        Ok(s) => s,
        Err(pages) => return pages,
    };
    let mut out = Vec::new();
    let mut listed = Vec::new();
    for s in &scenarios {
        let o = super::run(site, current, s);
        listed.push(json!({"name": s.name, "title": s.title, "description": s.description, "url": format!("{URL}{}/", s.name), "summary": summary(&o.differences)}));
        out.push(scenario_page(site, templates, s, &o));
    }
    let mut c = Context::new();
    c.insert("scenarios", &listed);
    c.insert("dir", super::DIR);
    out.push(render(templates, "scenarios.html", URL, ("What-if scenarios", DESCRIPTION), &[("Home", "/"), ("Areas", "/areas/")], c));
    out
}

/// "2 gaps closed, 1 new".
pub fn summary(d: &[Difference]) -> String {
    let n = |k: &str| d.iter().filter(|x| x.kind == k).count();
    format!(
        "{} gap{} closed, {} new, {} narrowing, {} widening",
        n("closed"),
        if n("closed") == 1 { "" } else { "s" },
        n("new"),
        n("narrowing"),
        n("widening")
    )
}

/// One area's gaps before and after, side by side.
#[derive(Serialize)]
struct Row {
    name: String,
    changed: bool,
    before: Vec<String>,
    after: Vec<String>,
}

/// What the page compares for one area: places, places per 1,000, access per tier, gaps.
fn measures(a: &AreaGaps) -> (String, String, Vec<String>) {
    let access: Vec<String> = (0..3).map(|t| a.access_to_tier(t).map_or("–".into(), pct)).collect();
    (format!("{:.1}", a.places), access.join(" / "), a.gaps.iter().map(|g| g.text.clone()).collect())
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// The areas whose places, access or gaps the scenario changes (by code).
fn changed_areas(o: &Outcome) -> Vec<&str> {
    o.after
        .areas
        .iter()
        .filter(|a| o.before.areas.iter().find(|b| b.code == a.code).is_some_and(|b| measures(a) != measures(b)))
        .map(|a| a.code.as_str())
        .collect()
}

fn rows(o: &Outcome, changed: &[&str]) -> Vec<Row> {
    o.after
        .areas
        .iter()
        .filter_map(|a| {
            let b = o.before.areas.iter().find(|b| b.code == a.code)?;
            let gaps = |x: &AreaGaps| x.gaps.iter().map(|g| g.text.clone()).collect();
            Some(Row { name: a.name.clone(), changed: changed.contains(&a.code.as_str()), before: gaps(b), after: gaps(a) })
        })
        .collect()
}

/// One measure drawn twice, before and after, with one key, and its table twin.
#[derive(Serialize)]
struct MapPair {
    id: String,
    title: String,
    description: String,
    /// Before, then after.
    sides: [Drawn; 2],
    columns: Vec<String>,
    rows: Vec<TwinRow>,
}

#[derive(Serialize)]
struct Drawn {
    /// "before" or "after".
    side: &'static str,
    svg: String,
    legend: Vec<LegendItem>,
}

#[derive(Serialize)]
struct TwinRow {
    name: String,
    url: String,
    changed: bool,
    values: Vec<String>,
}

/// How one measure is drawn and tabled.
struct Measure<'a> {
    id: String,
    title: String,
    description: String,
    value: &'a dyn Fn(&PublishedArea) -> Option<f64>,
    fixed_max: Option<f64>,
    fmt: &'a dyn Fn(f64) -> String,
    /// What a figure is, after it, for the map's links ("places per 1,000 pupils").
    unit: String,
    /// The table's figures for one side, under `columns` (each said "before" then "after").
    cells: &'a dyn Fn(&PublishedArea) -> Vec<String>,
    columns: &'a [&'a str],
}

/// The maps before and after: places per 1,000 pupils, then access to each tier.
fn map_pairs(site: &Site, o: &Outcome, changed: &[&str]) -> Vec<MapPair> {
    let per_1000 = |a: &PublishedArea| a.places_per_1000;
    let per_1000_cells =
        |a: &PublishedArea| vec![crate::analyse::fmt_num((a.places * 10.0).round() / 10.0), a.places_per_1000.map_or("no figures".into(), fmt_rate)];
    let rate = |v: f64| fmt_rate(v);
    let mut out = vec![map_pair(
        site,
        o,
        changed,
        Measure {
            id: "map-places".into(),
            title: "Places per 1,000 pupils".into(),
            description: "Places counted in each area per 1,000 resident pupils aged 5 to 16.".into(),
            value: &per_1000,
            fixed_max: None,
            fmt: &rate,
            unit: "places per 1,000 pupils".into(),
            cells: &per_1000_cells,
            columns: &["Places", "Per 1,000"],
        },
    )];
    for t in 0..3 {
        let access = move |a: &PublishedArea| a.access_tier[t];
        let access_cells = move |a: &PublishedArea| vec![a.access_tier[t].map_or("–".into(), pct)];
        out.push(map_pair(
            site,
            o,
            changed,
            Measure {
                id: format!("map-access-tier{}", t + 1),
                title: format!("Access to tier {} places", t + 1),
                description: format!(
                    "The share of each area's pupils who live within its travel target of a provider offering tier {} to their key stage.",
                    t + 1
                ),
                value: &access,
                fixed_max: Some(1.0),
                fmt: &pct,
                unit: format!("of pupils within reach of a tier {} place", t + 1),
                cells: &access_cells,
                columns: &["Access"],
            },
        ));
    }
    out
}

fn map_pair(site: &Site, o: &Outcome, changed: &[&str], m: Measure) -> MapPair {
    let (before, after) = (o.before.publish(Suppression::Off), o.after.publish(Suppression::Off));
    let values = before.areas.iter().chain(&after.areas).filter_map(|a| (m.value)(a));
    // One key for both maps, so the same colour means the same figure before and after.
    let breaks = maps::breaks(values, m.fixed_max);
    let describe = |a: &PublishedArea| (m.value)(a).map_or("no figures".into(), |v| format!("{} {}", (m.fmt)(v), m.unit));
    let draw = |report: &GapReport, side: &'static str| {
        let (svg, legend) = areas::main_layer_map(site, report, &format!("{}-{side}", m.id), m.value, &breaks, m.fmt, &describe);
        Drawn { side, svg, legend }
    };
    let rows = after
        .areas
        .iter()
        .filter_map(|a| {
            let b = before.areas.iter().find(|b| b.code == a.code)?;
            let values = (m.cells)(b).into_iter().chain((m.cells)(a)).collect();
            Some(TwinRow { name: a.name.clone(), url: areas::area_url(&a.slug), changed: changed.contains(&a.code.as_str()), values })
        })
        .collect();
    let columns = ["before", "after"].iter().flat_map(|side| m.columns.iter().map(move |c| format!("{c} {side}"))).collect();
    MapPair { sides: [draw(&o.before, "before"), draw(&o.after, "after")], id: m.id, title: m.title, description: m.description, columns, rows }
}

fn scenario_page(site: &Site, templates: &Templates, s: &Scenario, o: &Outcome) -> Page {
    let changed = changed_areas(o);
    let mut c = Context::new();
    c.insert("scenario", s);
    c.insert("differences", &o.differences);
    c.insert("summary", &summary(&o.differences));
    c.insert("maps", &map_pairs(site, o, &changed));
    c.insert("rows", &rows(o, &changed));
    c.insert("scenarios_url", URL);
    let url = format!("{URL}{}/", s.name);
    render(templates, "scenario.html", &url, (&format!("What if: {}", s.title), DESCRIPTION), &[("Home", "/"), ("What-if scenarios", URL)], c)
}

/// `apdir gaps --scenario NAME`: what the scenario changes, then the differences in words.
pub fn text(s: &Scenario, o: &Outcome) -> String {
    let mut out = format!("What if: {}\n", s.title);
    for a in &s.add {
        let tiers: Vec<String> = a.tiers.iter().map(|t| t.to_string()).collect();
        out.push_str(&format!(
            "- adds {} at {}: tier {}, {}, {} places\n",
            a.name,
            a.postcode,
            tiers.join(" and "),
            a.key_stages.join("/"),
            a.places
        ));
    }
    for c in &s.close {
        out.push_str(&format!("- closes {}\n", c.provider));
    }
    for c in &s.change {
        out.push_str(&format!("- changes {} to {} places\n", c.provider, c.places));
    }
    out.push_str(&format!("\nBefore → after ({}):\n", summary(&o.differences)));
    if o.differences.is_empty() {
        out.push_str("No gap measure changed.\n");
    }
    for d in &o.differences {
        out.push_str(&format!("- {}\n", d.text));
    }
    out
}
