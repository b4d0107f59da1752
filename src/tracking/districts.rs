//! Suspension and permanent-exclusion tracking per district over time (`/dashboard/exclusions/`),
//! built only in the internal profile (issue 5). Raw counts from the area figures: never
//! suppressed, so this page must never be produced for the public site.

use std::fmt::Write as _;

use serde::Serialize;
use tera::Context;

use crate::diagnostics::Diagnostic;
use crate::model::area::{AreaFigures, Count};
use crate::model::text::thousands;
use crate::render::templates::Templates;
use crate::render::{Body, OutputFile};
use crate::site::Site;

/// The page's address.
pub const URL: &str = "/dashboard/exclusions/";
/// A rise of this many per cent or more from the previous period is tagged "Rising".
pub const RISE_PERCENT: u64 = 20;

/// Okabe–Ito blue and vermilion: distinguishable with the common colour-vision deficiencies.
const PEX_COLOUR: &str = "#0072B2";
const SUS_COLOUR: &str = "#D55E00";

/// One measure (permanent exclusions or suspensions) in one period.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// The count as printed: a number, `c` (suppressed at source) or `x` (not recorded).
    pub count: String,
    /// Per 1,000 pupils, one decimal, or `c`/`x`.
    pub rate: String,
    /// Change from the previous period (`+6 (+12.2%)`), or empty for the first period.
    pub change: String,
    /// A rise of `RISE_PERCENT`% or more from the previous period.
    pub rising: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub period: String,
    pub current: bool,
    /// The pupils aged 5 to 16 the period's rates are per (`14,845`), or `x`.
    pub pupils: String,
    /// The period gave no pupil numbers of its own, so its rates use the latest period's.
    pub pupils_from_latest: bool,
    pub pex: Cell,
    pub sus: Cell,
}

/// A district's table and chart.
#[derive(Clone, Debug, Serialize)]
pub struct District {
    pub code: String,
    pub name: String,
    /// Fragment id of the district's heading.
    pub id: String,
    /// The latest period's pupils aged 5 to 16.
    pub pupils: String,
    pub source: String,
    pub rows: Vec<Row>,
    /// The inline SVG chart (escaped, well-formed XML).
    pub svg: String,
    pub has_suppressed: bool,
    pub has_missing: bool,
    /// Some earlier period's rates use the latest period's pupil numbers.
    pub pupils_from_latest: bool,
    /// Rises in the latest period, in words ("suspensions up 22.7% (1,286 to 1,578)").
    pub rises: Vec<String>,
}

fn show(c: Option<Count>) -> String {
    match c {
        Some(Count::Value(v)) => thousands(v),
        Some(Count::Suppressed) => "c".into(),
        None => "x".into(),
    }
}

/// True for a rise of `RISE_PERCENT`% or more (or any rise from zero).
pub fn is_rise(prev: u64, now: u64) -> bool {
    now > prev && (prev == 0 || (now - prev) * 100 >= prev * RISE_PERCENT)
}

fn change(prev: Option<Count>, now: Option<Count>) -> (String, bool) {
    match (prev.and_then(Count::value), now.and_then(Count::value)) {
        (Some(p), Some(n)) => {
            let d = n as i64 - p as i64;
            let sign = if d > 0 {
                "+"
            } else if d < 0 {
                "−"
            } else {
                ""
            };
            let abs = thousands(d.unsigned_abs());
            let text = if p == 0 {
                format!("{sign}{abs}")
            } else {
                let pct = d as f64 / p as f64 * 100.0;
                format!("{sign}{abs} ({sign}{:.1}%)", pct.abs())
            };
            (text, is_rise(p, n))
        }
        _ => ("Not known".into(), false),
    }
}

fn rate(c: Option<Count>, pupils: Option<u64>) -> String {
    match (c, pupils) {
        (Some(Count::Value(v)), Some(p)) if p > 0 => format!("{:.1}", v as f64 / p as f64 * 1000.0),
        (Some(Count::Suppressed), _) => "c".into(),
        _ => "x".into(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v` (at least 1).
fn nice_max(v: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= v.max(1) {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// The periods, oldest first, with both counts.
pub fn series(f: &AreaFigures) -> Vec<(String, Option<Count>, Option<Count>)> {
    let mut out: Vec<_> = f.history.iter().map(|h| (h.period.clone(), h.permanent_exclusions, h.suspensions)).collect();
    out.push((f.period.clone(), f.demand.permanent_exclusions, f.demand.suspensions));
    out
}

/// Each period's pupils aged 5 to 16, in the order of [`series`], and whether they are the
/// latest period's standing in for an earlier period that gave none.
pub fn pupils(f: &AreaFigures) -> Vec<(Option<u64>, bool)> {
    let latest = f.pupils.total_5_16;
    let mut out: Vec<_> = f
        .history
        .iter()
        .map(|h| match h.pupils_5_16 {
            Some(p) => (Some(p), false),
            None => (latest, latest.is_some()),
        })
        .collect();
    out.push((latest, false));
    out
}

/// Two panels side by side (each measure on its own scale: suspensions run about 30 times
/// permanent exclusions), with a shared legend. Gaps where a value is `c` or missing.
pub fn chart(name: &str, periods: &[String], pex: &[Option<u64>], sus: &[Option<u64>]) -> String {
    const W: f64 = 600.0;
    const H: f64 = 210.0;
    let first = periods.first().map(String::as_str).unwrap_or("");
    let last = periods.last().map(String::as_str).unwrap_or("");
    let label =
        format!("Chart of permanent exclusions and suspensions in {name}, {first} to {last}. The same figures are in the table that follows.");
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(&label),
        esc(&label)
    );
    // Legend.
    let _ = write!(
        s,
        r##"<g class="trend-chart__legend" font-size="13" fill="#0b0c0c"><line x1="50" y1="14" x2="80" y2="14" stroke="{PEX_COLOUR}" stroke-width="2.5"/><circle cx="65" cy="14" r="4.5" fill="{PEX_COLOUR}"/><text x="86" y="18">Permanent exclusions (solid, circles)</text><line x1="330" y1="14" x2="360" y2="14" stroke="{SUS_COLOUR}" stroke-width="2.5" stroke-dasharray="6 3"/><rect x="341" y="10" width="8" height="8" fill="{SUS_COLOUR}"/><text x="366" y="18">Suspensions (dashed, squares)</text></g>"##
    );
    for (panel, (title, values, colour, dashed, square)) in
        [("Permanent exclusions", pex, PEX_COLOUR, false, false), ("Suspensions", sus, SUS_COLOUR, true, true)].into_iter().enumerate()
    {
        let x0 = panel as f64 * (W / 2.0) + 50.0;
        let x1 = panel as f64 * (W / 2.0) + W / 2.0 - 20.0;
        let (y0, y1) = (H - 34.0, 50.0);
        let max = nice_max(values.iter().flatten().copied().max().unwrap_or(0));
        let n = values.len().max(1);
        let x = |i: usize| if n == 1 { (x0 + x1) / 2.0 } else { x0 + (x1 - x0) * i as f64 / (n - 1) as f64 };
        let y = |v: u64| y0 - (y0 - y1) * v as f64 / max as f64;
        let _ = write!(s, r##"<g font-size="12" fill="#0b0c0c"><text x="{x0}" y="40" font-weight="bold">{}</text>"##, esc(title));
        // Axes, gridline at the middle, and tick labels.
        let _ = write!(
            s,
            r##"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#505a5f"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#505a5f"/>"##
        );
        for v in [0, max / 2, max] {
            let yy = y(v);
            if v > 0 {
                let _ = write!(s, r##"<line x1="{x0}" y1="{yy:.1}" x2="{x1}" y2="{yy:.1}" stroke="#b1b4b6" stroke-dasharray="2 2"/>"##);
            }
            let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#, x0 - 6.0, yy + 4.0, thousands(v));
        }
        for (i, p) in periods.iter().enumerate() {
            let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#, x(i), y0 + 18.0, esc(p));
        }
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">Academic year</text>"#, (x0 + x1) / 2.0, H - 2.0);
        s.push_str("</g>");
        // The line, broken where a value is unknown.
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(d, "{}{:.1} {:.1}", if pen_down { " L" } else { " M" }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            let dash = if dashed { r#" stroke-dasharray="6 3""# } else { "" };
            let _ = write!(s, r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#, d.trim());
        }
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                let (cx, cy) = (x(i), y(*v));
                if square {
                    let _ = write!(s, r#"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="{colour}"/>"#, cx - 4.5, cy - 4.5);
                } else {
                    let _ = write!(s, r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="5" fill="{colour}"/>"#);
                }
            } else {
                let _ = write!(s, r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#0b0c0c">c</text>"##, x(i), y0 - 6.0);
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// Every in-scope area with figures, sorted by name.
pub fn districts(site: &Site) -> Vec<District> {
    let mut figs: Vec<&AreaFigures> =
        site.area_figures.iter().filter(|f| f.in_scope && site.areas.iter().find(|a| a.code == f.code).is_none_or(|a| a.in_scope)).collect();
    figs.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.code.cmp(&b.code)));
    figs.into_iter()
        .map(|f| {
            let series = series(f);
            let period_pupils = pupils(f);
            let latest_pupils = f.pupils.total_5_16;
            let mut rows = Vec::new();
            for (i, ((period, pex, sus), &(pupils, from_latest))) in series.iter().zip(&period_pupils).enumerate() {
                let cell = |c: Option<Count>, prev: Option<Option<Count>>| {
                    let (change, rising) = match prev {
                        Some(p) => change(p, c),
                        None => (String::new(), false),
                    };
                    Cell { count: show(c), rate: rate(c, pupils), change, rising }
                };
                let prev = i.checked_sub(1).map(|j| &series[j]);
                rows.push(Row {
                    period: period.clone(),
                    current: i + 1 == series.len(),
                    pupils: pupils.map(thousands).unwrap_or_else(|| "x".into()),
                    pupils_from_latest: from_latest,
                    pex: cell(*pex, prev.map(|p| p.1)),
                    sus: cell(*sus, prev.map(|p| p.2)),
                });
            }
            let mut rises = Vec::new();
            if series.len() >= 2 {
                let (prev, now) = (&series[series.len() - 2], &series[series.len() - 1]);
                for (what, p, n) in [("permanent exclusions", prev.1, now.1), ("suspensions", prev.2, now.2)] {
                    if let (Some(p), Some(n)) = (p.and_then(Count::value), n.and_then(Count::value))
                        && is_rise(p, n)
                    {
                        let pct = if p == 0 { String::new() } else { format!(" {:.1}%", (n - p) as f64 / p as f64 * 100.0) };
                        rises.push(format!("{what} up{pct} ({} to {})", thousands(p), thousands(n)));
                    }
                }
            }
            let all = series.iter().flat_map(|s| [s.1, s.2]);
            let has_suppressed = all.clone().any(|c| c == Some(Count::Suppressed));
            let has_missing = all.clone().any(|c| c.is_none()) || period_pupils.iter().any(|(p, _)| p.is_none());
            let periods: Vec<String> = series.iter().map(|s| s.0.clone()).collect();
            let pex: Vec<Option<u64>> = series.iter().map(|s| s.1.and_then(Count::value)).collect();
            let sus: Vec<Option<u64>> = series.iter().map(|s| s.2.and_then(Count::value)).collect();
            District {
                code: f.code.clone(),
                name: f.name.clone(),
                id: format!("district-{}", f.code.to_ascii_lowercase()),
                pupils: latest_pupils.map(thousands).unwrap_or_else(|| "not recorded".into()),
                source: f.source.clone(),
                rows,
                svg: chart(&f.name, &periods, &pex, &sus),
                has_suppressed,
                has_missing,
                pupils_from_latest: period_pupils.iter().any(|&(_, from_latest)| from_latest),
                rises,
            }
        })
        .collect()
}

/// The page, or nothing for the public profile.
pub fn pages(site: &Site, templates: &Templates) -> Vec<Result<OutputFile, Diagnostic>> {
    if !site.profile.is_internal() {
        return Vec::new();
    }
    let districts = districts(site);
    let rising: Vec<&District> = districts.iter().filter(|d| !d.rises.is_empty()).collect();
    let mut c = Context::new();
    c.insert("page_title", "Suspensions and permanent exclusions by district");
    c.insert("page_description", "Suspensions and permanent exclusions per district over time, with rises flagged.");
    c.insert("current_url", URL);
    c.insert(
        "breadcrumbs",
        &vec![serde_json::json!({"title": "Home", "url": "/"}), serde_json::json!({"title": "QA dashboard", "url": "/dashboard/"})],
    );
    c.insert("districts", &districts);
    c.insert("rising", &rising);
    c.insert("rise_percent", &RISE_PERCENT);
    vec![
        templates
            .render("dashboard_exclusions.html", &c)
            .map(|html| OutputFile { path: "dashboard/exclusions/index.html".into(), body: Body::Bytes(html.into_bytes()) }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_and_numbers() {
        assert!(is_rise(10, 12) && !is_rise(10, 11) && is_rise(0, 1) && !is_rise(5, 5) && !is_rise(10, 8));
        assert_eq!(thousands(1578), "1,578");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(nice_max(54), 100);
        assert_eq!(nice_max(0), 1);
        assert_eq!(change(Some(Count::Value(40)), Some(Count::Value(49))).0, "+9 (+22.5%)");
        assert_eq!(change(Some(Count::Suppressed), Some(Count::Value(49))).0, "Not known");
    }
}
