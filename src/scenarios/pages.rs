//! A scenario's before and after: the internal pages `/scenarios/` and `/scenarios/<name>/`,
//! and the terminal text of `apdir gaps --scenario NAME`. Never built for the public site.

use serde::Serialize;
use serde_json::json;
use tera::Context;

use super::{Outcome, Scenario};
use crate::analyse::{AreaGaps, GapReport};
use crate::diagnostics::Diagnostic;
use crate::history::change::Difference;
use crate::render::templates::Templates;
use crate::render::{Body, OutputFile};
use crate::site::Site;

/// The index page's address.
pub const URL: &str = "/scenarios/";

type Page = Result<OutputFile, Diagnostic>;

/// The scenario pages of an internal build (none for the public one); a scenario with any
/// problem stops the build of either profile.
pub fn pages(site: &Site, current: &GapReport, templates: &Templates) -> Vec<Page> {
    let (scenarios, problems) = super::check::load(site);
    if problems.has_errors() {
        return problems.errors().cloned().map(Err).collect();
    }
    if !site.profile.is_internal() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut listed = Vec::new();
    for s in &scenarios {
        let o = super::run(site, current, s);
        listed.push(json!({"name": s.name, "title": s.title, "description": s.description, "url": format!("{URL}{}/", s.name), "summary": summary(&o.differences)}));
        out.push(scenario_page(templates, s, &o));
    }
    let mut c = Context::new();
    c.insert("scenarios", &listed);
    c.insert("dir", super::DIR);
    out.push(render(templates, "scenarios.html", URL, "What-if scenarios", &[("Home", "/"), ("Areas", "/areas/")], c));
    out
}

fn render(templates: &Templates, template: &str, url: &str, title: &str, crumbs: &[(&str, &str)], mut c: Context) -> Page {
    c.insert("page_title", title);
    c.insert("page_description", "Gap measures before and after a planned change (internal).");
    c.insert("current_url", url);
    let crumbs: Vec<_> = crumbs.iter().map(|(t, u)| json!({"title": t, "url": u})).collect();
    c.insert("breadcrumbs", &crumbs);
    templates
        .render(template, &c)
        .map(|html| OutputFile { path: format!("{}index.html", url.trim_start_matches('/')), body: Body::Bytes(html.into_bytes()) })
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

/// One area's measures before and after, side by side.
#[derive(Serialize)]
struct Row {
    name: String,
    changed: bool,
    places: BeforeAfter<String>,
    per_1000: BeforeAfter<String>,
    access: BeforeAfter<String>,
    gaps: BeforeAfter<Vec<String>>,
}

#[derive(Serialize)]
struct BeforeAfter<T> {
    before: T,
    after: T,
}

fn pair<T>(before: T, after: T) -> BeforeAfter<T> {
    BeforeAfter { before, after }
}

fn measures(a: &AreaGaps) -> (String, String, String, Vec<String>) {
    let access: Vec<String> = (0..3).map(|t| a.access_to_tier(t).map_or("–".into(), |v| format!("{:.0}%", v * 100.0))).collect();
    (
        format!("{:.1}", a.places),
        a.places_per_1000().map_or("–".into(), crate::analyse::fmt_rate),
        access.join(" / "),
        a.gaps.iter().map(|g| g.text.clone()).collect(),
    )
}

fn rows(o: &Outcome) -> Vec<Row> {
    o.after
        .areas
        .iter()
        .filter_map(|a| {
            let b = o.before.areas.iter().find(|b| b.code == a.code)?;
            let (p0, r0, a0, g0) = measures(b);
            let (p1, r1, a1, g1) = measures(a);
            let changed = p0 != p1 || a0 != a1 || g0 != g1;
            Some(Row { name: a.name.clone(), changed, places: pair(p0, p1), per_1000: pair(r0, r1), access: pair(a0, a1), gaps: pair(g0, g1) })
        })
        .collect()
}

fn scenario_page(templates: &Templates, s: &Scenario, o: &Outcome) -> Page {
    let mut c = Context::new();
    c.insert("scenario", s);
    c.insert("differences", &o.differences);
    c.insert("summary", &summary(&o.differences));
    c.insert("rows", &rows(o));
    c.insert("scenarios_url", URL);
    let url = format!("{URL}{}/", s.name);
    render(templates, "scenario.html", &url, &format!("What if: {}", s.title), &[("Home", "/"), ("What-if scenarios", URL)], c)
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
