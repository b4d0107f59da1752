//! The internal pages over time: `/history/` (every area's direction and the snapshots read)
//! and `/areas/<slug>/over-time/`, `/areas/<layer>/<slug>/over-time/` (a chart and a table of supply, demand and the gap per
//! period, and what changed in words). Never built for the public site.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;
use tera::Context;

use super::change::{Difference, demand_total, differences};
use super::{PeriodReport, Timeline};
use crate::analyse::{AreaGaps, GapReport, GapRules};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::templates::Templates;
use crate::render::{Body, OutputFile};
use crate::site::Site;

/// The index page's address.
pub const URL: &str = "/history/";
/// Every history page's description.
const DESCRIPTION: &str = "Supply, demand and gaps per period (internal).";

type Page = Result<OutputFile, Diagnostic>;

/// The history pages of an internal build (none for the public one); a snapshot with any
/// problem stops the build of either profile.
pub fn pages(site: &Site, current: &GapReport, templates: &Templates) -> Vec<Page> {
    let snapshots = match internal_inputs(site, super::files::load(site)) {
        Ok(s) => s,
        Err(pages) => return pages,
    };
    let timeline = Timeline::new(site, current, &snapshots);
    let rules = GapRules::of(&site.config);
    let areas = layer_histories(&timeline, current, "/areas/", &rules);
    let mut out: Vec<Page> = areas.iter().map(|a| area_page(templates, a)).collect();
    // Each further layer's areas (`/areas/<key>/<slug>/over-time/`), over the periods whose
    // snapshot recorded that layer (the current period always has it).
    for layer in &current.layers {
        let base = format!("/areas/{}/", layer.layer.key);
        let histories = layer_histories(&timeline.layer(&layer.layer.key), layer, &base, &rules);
        out.extend(histories.iter().map(|a| area_page(templates, a)));
    }
    out.push(index_page(templates, &timeline, &areas));
    out
}

/// The history of each area of one layer (`report`), whose pages live under `base`.
fn layer_histories(t: &Timeline, report: &GapReport, base: &str, rules: &GapRules) -> Vec<AreaHistory> {
    let steps = steps(t);
    report.areas.iter().map(|a| area_history(t, &steps, a, rules, base)).collect()
}

/// The checked files internal pages are made from (snapshots, scenarios), or the pages to
/// return instead: the problems, which stop the build of either profile, or nothing for the
/// public profile.
pub(crate) fn internal_inputs<T>(site: &Site, (items, problems): (Vec<T>, Diagnostics)) -> Result<Vec<T>, Vec<Page>> {
    if problems.has_errors() {
        return Err(problems.errors().cloned().map(Err).collect());
    }
    if !site.profile.is_internal() {
        return Err(Vec::new());
    }
    Ok(items)
}

/// One period of one area, as the table shows it.
#[derive(Serialize)]
struct Row {
    period: String,
    current: bool,
    borrowed_demand: bool,
    places: String,
    demand: String,
    wanted: String,
    balance: String,
    gaps: Vec<String>,
}

/// What changed from one period to the next.
#[derive(Serialize)]
struct Step {
    from: String,
    to: String,
    differences: Vec<Difference>,
}

#[derive(Serialize)]
struct AreaHistory {
    name: String,
    slug: String,
    url: String,
    /// The area's own page.
    area_url: String,
    rows: Vec<Row>,
    svg: String,
    /// From each period to the next, what changed in words.
    changes: Vec<Step>,
    /// The latest change's closing and widening, in a few words, for the index.
    summary: String,
}

fn area_history(t: &Timeline, steps: &[Step], area: &AreaGaps, rules: &GapRules, base: &str) -> AreaHistory {
    let per_pupil = rules.places_per_pupil();
    let mut rows = Vec::new();
    let mut series: Vec<(String, Option<f64>, Option<f64>)> = Vec::new();
    for p in &t.periods {
        let Some(a) = p.report.areas.iter().find(|x| x.code == area.code) else { continue };
        let demand = demand_total(a);
        let wanted = demand.map(|d| d as f64 * per_pupil);
        series.push((p.period.clone(), Some(a.places), wanted));
        rows.push(row(p, a, demand, wanted));
    }
    let changes: Vec<Step> = steps
        .iter()
        .map(|s| Step {
            from: s.from.clone(),
            to: s.to.clone(),
            differences: s.differences.iter().filter(|d| d.code == area.code).cloned().collect(),
        })
        .collect();
    let summary = changes.last().map(|s| summary(&s.to, &s.differences)).unwrap_or_else(|| "One period only: no change to show yet.".into());
    AreaHistory {
        name: area.name.clone(),
        slug: area.slug.clone(),
        url: format!("{base}{}/over-time/", area.slug),
        area_url: format!("{base}{}/", area.slug),
        svg: chart(&area.name, &series),
        rows,
        changes,
        summary,
    }
}

fn row(p: &PeriodReport, a: &AreaGaps, demand: Option<u64>, wanted: Option<f64>) -> Row {
    let balance = wanted.map_or("not known".into(), |w| {
        let d = a.places - w;
        if d < 0.0 { format!("short by {:.0}", (-d).ceil()) } else { format!("{d:.0} spare") }
    });
    Row {
        period: p.period.clone(),
        current: p.current,
        borrowed_demand: p.borrowed_demand.contains(&a.name),
        places: format!("{:.1}", a.places),
        demand: demand.map_or("x".into(), |d| d.to_string()),
        wanted: wanted.map_or("x".into(), |w| format!("{w:.1}")),
        balance,
        gaps: a.gaps.iter().map(|g| g.text.clone()).collect(),
    }
}

/// What changed from each period to the next, in every area.
fn steps(t: &Timeline) -> Vec<Step> {
    t.periods
        .windows(2)
        .map(|w| Step { from: w[0].period.clone(), to: w[1].period.clone(), differences: differences(&w[0].report, &w[1].report) })
        .collect()
}

fn summary(to: &str, d: &[Difference]) -> String {
    let n = |k: &str| d.iter().filter(|x| x.kind == k).count();
    let closing = n("closed") + n("narrowing");
    let widening = n("new") + n("widening");
    format!("In {to}: {closing} gap{} closed or closing, {widening} new or widening.", if closing == 1 { "" } else { "s" })
}

/// Renders one internal page at `url` (its `index.html`).
pub(crate) fn render(
    templates: &Templates,
    template: &str,
    url: &str,
    (title, description): (&str, &str),
    crumbs: &[(&str, &str)],
    mut c: Context,
) -> Page {
    c.insert("page_title", title);
    c.insert("page_description", description);
    c.insert("current_url", url);
    let crumbs: Vec<_> = crumbs.iter().map(|(t, u)| json!({"title": t, "url": u})).collect();
    c.insert("breadcrumbs", &crumbs);
    templates
        .render(template, &c)
        .map(|html| OutputFile { path: format!("{}index.html", url.trim_start_matches('/')), body: Body::Bytes(html.into_bytes()) })
}

fn area_page(templates: &Templates, a: &AreaHistory) -> Page {
    let mut c = Context::new();
    c.insert("area", a);
    c.insert("history_url", URL);
    let title = format!("{}: supply, demand and gaps over time", a.name);
    render(templates, "history_area.html", &a.url, (&title, DESCRIPTION), &[("Home", "/"), ("Areas", "/areas/"), (&a.name, &a.area_url)], c)
}

fn index_page(templates: &Templates, t: &Timeline, areas: &[AreaHistory]) -> Page {
    let mut c = Context::new();
    c.insert("areas", areas);
    let periods: Vec<_> = t.periods.iter().map(|p| json!({"period": p.period, "current": p.current, "borrowed": p.borrowed_demand.len()})).collect();
    c.insert("periods", &periods);
    c.insert("dir", super::DIR);
    render(templates, "history_index.html", URL, ("Supply, demand and gaps over time", DESCRIPTION), &[("Home", "/"), ("Areas", "/areas/")], c)
}

/// Okabe–Ito blue, vermilion and black: told apart with the common colour-vision deficiencies,
/// and each line also has its own dash and marker.
const SUPPLY: &str = "#0072B2";
const WANTED: &str = "#D55E00";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A line chart of places (supply) and places wanted for the demand, per period; the gap is
/// the distance between them, shaded where places fall short. The table repeats every figure.
fn chart(name: &str, series: &[(String, Option<f64>, Option<f64>)]) -> String {
    const W: f64 = 600.0;
    const H: f64 = 240.0;
    let (x0, x1, y0, y1) = (60.0, W - 30.0, H - 40.0, 40.0);
    let max = series.iter().flat_map(|s| [s.1, s.2]).flatten().fold(1.0, f64::max);
    let max = nice(max);
    let n = series.len().max(1);
    let x = |i: usize| if n == 1 { (x0 + x1) / 2.0 } else { x0 + (x1 - x0) * i as f64 / (n - 1) as f64 };
    let y = |v: f64| y0 - (y0 - y1) * v / max;
    let label = format!("Chart of places and places wanted for the demand in {name}, by period. The same figures are in the table that follows.");
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{l}"><title>{l}</title><g font-size="13" fill="#0b0c0c"><line x1="60" y1="14" x2="90" y2="14" stroke="{SUPPLY}" stroke-width="2.5"/><circle cx="75" cy="14" r="4.5" fill="{SUPPLY}"/><text x="96" y="18">Places (solid, circles)</text><line x1="290" y1="14" x2="320" y2="14" stroke="{WANTED}" stroke-width="2.5" stroke-dasharray="6 3"/><rect x="301" y="10" width="8" height="8" fill="{WANTED}"/><text x="326" y="18">Places wanted for the demand (dashed, squares)</text></g>"##,
        l = esc(&label)
    );
    let _ = write!(
        s,
        r##"<g font-size="12" fill="#0b0c0c"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#505a5f"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#505a5f"/>"##
    );
    for v in [0.0, max / 2.0, max] {
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v:.0}</text>"#, x0 - 6.0, y(v) + 4.0);
    }
    for (i, p) in series.iter().enumerate() {
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#, x(i), y0 + 18.0, esc(&p.0));
        if let (Some(have), Some(want)) = (p.1, p.2)
            && have < want
        {
            let _ = write!(s, r##"<rect x="{:.1}" y="{:.1}" width="10" height="{:.1}" fill="#b1b4b6"/>"##, x(i) - 5.0, y(want), y(have) - y(want));
        }
    }
    s.push_str("</g>");
    line(&mut s, series.iter().map(|p| p.1).enumerate().map(|(i, v)| v.map(|v| (x(i), y(v)))).collect(), SUPPLY, false);
    line(&mut s, series.iter().map(|p| p.2).enumerate().map(|(i, v)| v.map(|v| (x(i), y(v)))).collect(), WANTED, true);
    s.push_str("</svg>");
    s
}

fn line(s: &mut String, points: Vec<Option<(f64, f64)>>, colour: &str, dashed: bool) {
    let mut d = String::new();
    let mut pen = false;
    for p in &points {
        match p {
            Some((x, y)) => {
                let _ = write!(d, "{}{x:.1} {y:.1}", if pen { " L" } else { " M" });
                pen = true;
            }
            None => pen = false,
        }
    }
    let dash = if dashed { r#" stroke-dasharray="6 3""# } else { "" };
    if !d.is_empty() {
        let _ = write!(s, r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#, d.trim());
    }
    for &(x, y) in points.iter().flatten() {
        if dashed {
            let _ = write!(s, r#"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="{colour}"/>"#, x - 4.5, y - 4.5);
        } else {
            let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{colour}"/>"#);
        }
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v`.
fn nice(v: f64) -> f64 {
    if !v.is_finite() {
        return 1.0;
    }
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if step * m >= v {
                return step * m;
            }
        }
        step *= 10.0;
    }
}
