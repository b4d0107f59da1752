//! A strategy measure as a chart: its baseline and the value of each period since (a solid line
//! with circles) against its target (a dashed line), drawn on the server as an accessible SVG
//! (a title, and the same figures in the table beside it); no script and no other host.
//! A value the public page hides (`c`) is left out of the public chart, leaving a gap.

use std::fmt::Write as _;

use super::strategy::{Measure, Unit, Value, public_value};
use crate::analyse::suppress::Suppression;

const W: f64 = 600.0;
const H: f64 = 240.0;
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#D55E00";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn number(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count => format!("{v:.0}"),
        Unit::Percent => format!("{v:.0}%"),
    }
}

/// The points the chart may show: the baseline, then each period's value; `None` where the
/// policy hides the value.
fn points(m: &Measure, policy: Suppression) -> Vec<(String, Option<f64>)> {
    let baseline = Value { period: m.baseline_period.clone(), value: m.baseline, base: m.baseline_base };
    std::iter::once(&baseline).chain(&m.values).map(|v| (v.period.clone(), (public_value(m.unit, v, policy) != "c").then_some(v.value))).collect()
}

/// The chart of one measure (an empty string when it has no value to draw).
pub fn chart(m: &Measure, policy: Suppression) -> String {
    let pts = points(m, policy);
    if pts.iter().all(|(_, v)| v.is_none()) {
        return String::new();
    }
    let (x0, x1, y0, y1) = (56.0, W - 20.0, H - 40.0, 40.0);
    let max = pts.iter().filter_map(|p| p.1).fold(m.target, f64::max).max(1.0) * 1.1;
    let n = pts.len();
    let x = |i: usize| if n == 1 { (x0 + x1) / 2.0 } else { x0 + (x1 - x0) * i as f64 / (n - 1) as f64 };
    let y = |v: f64| y0 - (y0 - y1) * v.max(0.0) / max;
    let label = format!(
        "Chart of {}: the baseline and each period's value against the target of {} by {}. The same figures are in the table that follows.",
        m.name,
        number(m.unit, m.target),
        m.target_by
    );
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{0}"><title>{0}</title>"#,
        esc(&label)
    );
    let _ = write!(
        s,
        r##"<g font-size="13" fill="#0b0c0c"><line x1="56" y1="14" x2="86" y2="14" stroke="{BLUE}" stroke-width="2.5"/><circle cx="71" cy="14" r="4.5" fill="{BLUE}"/><text x="92" y="18">Recorded (solid, circles)</text><line x1="330" y1="14" x2="360" y2="14" stroke="{ORANGE}" stroke-width="2.5" stroke-dasharray="6 3"/><text x="366" y="18">Target (dashed)</text></g>"##
    );
    let _ = write!(
        s,
        r##"<g font-size="12" fill="#0b0c0c"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#505a5f"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#505a5f"/>"##
    );
    for v in [0.0, max / 2.0, max] {
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#, x0 - 6.0, y(v) + 4.0, number(m.unit, v));
    }
    for (i, (period, _)) in pts.iter().enumerate() {
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#, x(i), y0 + 18.0, esc(period));
    }
    let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">Baseline, then each period</text></g>"#, (x0 + x1) / 2.0, H - 4.0);
    let ty = y(m.target);
    let _ = write!(s, r#"<line x1="{x0}" y1="{ty:.1}" x2="{x1}" y2="{ty:.1}" stroke="{ORANGE}" stroke-width="2.5" stroke-dasharray="6 3"/>"#);
    let mut d = String::new();
    let mut down = false;
    for (i, (_, v)) in pts.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(d, "{}{:.1} {:.1}", if down { " L" } else { " M" }, x(i), y(*v));
                down = true;
            }
            None => down = false,
        }
    }
    let _ = write!(s, r#"<path d="{}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>"#, d.trim());
    for (i, (_, v)) in pts.iter().enumerate() {
        if let Some(v) = v {
            let _ = write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{BLUE}"/>"#, x(i), y(*v));
        }
    }
    s.push_str("</svg>");
    s
}
