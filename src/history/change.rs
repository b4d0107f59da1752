//! Two gap reports compared in words: one period with the next, or the records before and
//! after a what-if scenario. Whether a gap is open comes only from the gap rules (a gap is
//! open in a report when a rule fired there); this module only reads the measure each rule
//! compares, to say which way it moved ("Pendle tier 2 KS3 access 48% → 91%: gap closed").

use serde::Serialize;

use crate::analyse::rules::need_words;
use crate::analyse::{AreaGaps, Basis, Gap, GapReport, KEY_STAGES, fmt_rate};
use crate::model::area::Count;

/// One difference between two reports, in words.
#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    /// The area's code and name.
    pub code: String,
    pub area: String,
    /// `closed`, `new`, `narrowing`, `widening`, `moved` (a measure moved with no gap either
    /// side), or `uncompared` (a gap before whose count the later figures did not compare:
    /// not known to be closed).
    pub kind: &'static str,
    pub text: String,
}

/// A gap's identity across reports: the rule and the tier, key stage and need it is about
/// (two needs of one cell are two gaps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rule: &'static str,
    tier: Option<i64>,
    key_stage: Option<&'static str>,
    need: Option<&'static str>,
}

/// Every difference between `before` and `after`, area by area (areas matched by code).
pub fn differences(before: &GapReport, after: &GapReport) -> Vec<Difference> {
    let mut out = Vec::new();
    for a in &after.areas {
        let Some(b) = before.areas.iter().find(|b| b.code == a.code) else { continue };
        out.extend(area_differences(b, a));
    }
    out
}

fn key(g: &Gap) -> Key {
    let need = match g.basis {
        Basis::NeedCell(_, _, n) => Some(n),
        _ => None,
    };
    Key { rule: g.rule, tier: g.tier, key_stage: g.key_stage, need }
}

fn keys(a: &AreaGaps) -> Vec<Key> {
    a.gaps.iter().map(key).collect()
}

/// Whether `other` compared the count the gap `key` of `with_gap` was worked out from: a
/// count the other report did not compare (a need cell a snapshot kept no supply for), or
/// whose figure was suppressed at source ("c": the rule saw no number), leaves the gap
/// neither closed nor new there, only unknown.
fn compared_in(other: &AreaGaps, with_gap: &AreaGaps, k: Key) -> bool {
    match with_gap.gaps.iter().find(|g| key(g) == k).map(|g| g.basis) {
        Some(Basis::Public) | None => true,
        Some(b) => other.compared.contains(&b) && given(other, b),
    }
}

/// Whether `a`'s figures give the count `b` as a number (not "c", not left out). The rules
/// list a count suppressed at source as compared, so that the published pages can say a
/// gap may be hidden there; over time it is no comparison at all.
fn given(a: &AreaGaps, b: Basis) -> bool {
    let Some(d) = a.figures.as_ref().map(|f| &f.demand) else { return false };
    let count = match b {
        Basis::Public => return true,
        Basis::DemandTotal => return demand_total(a).is_some(),
        Basis::Tier(t) => d.by_tier.get(&format!("tier{}", t + 1)).copied(),
        Basis::KeyStage(k) => d.by_key_stage.get(&format!("ks{}", k + 1)).copied(),
        Basis::Cell(t, k) => d.cell(t, k),
        Basis::NeedCell(t, k, n) => d.need_cell(t, k, n),
    };
    count.and_then(Count::value).is_some()
}

fn area_differences(b: &AreaGaps, a: &AreaGaps) -> Vec<Difference> {
    let (was, now) = (keys(b), keys(a));
    let mut all: Vec<Key> = was.iter().chain(&now).copied().collect();
    all.extend(access_keys());
    all.sort();
    all.dedup();
    let mut out = Vec::new();
    for key in all {
        let (m0, m1) = (measure(b, key), measure(a, key));
        let moved = match (m0, m1) {
            (Some(x), Some(y)) => shown(key, x) != shown(key, y),
            (x, y) => x.is_some() != y.is_some(),
        };
        let kind = match (was.contains(&key), now.contains(&key)) {
            (true, false) if !compared_in(a, b, key) => "uncompared",
            (true, false) => "closed",
            (false, true) if !compared_in(b, a, key) => "new-uncompared",
            (false, true) => "new",
            // Still open and unmoved: not a difference (each report lists its gaps).
            (true, true) if !moved => continue,
            (true, true) if m1 > m0 => "narrowing",
            (true, true) => "widening",
            (false, false) if moved => "moved",
            (false, false) => continue,
        };
        let text = sentence(&a.name, key, kind, m0, m1);
        // A gap where nothing was compared before is new to the reader all the same.
        let kind = if kind == "new-uncompared" { "new" } else { kind };
        out.push(Difference { code: a.code.clone(), area: a.name.clone(), kind, text });
    }
    out
}

fn access_keys() -> impl Iterator<Item = Key> {
    (0..3).flat_map(|t| (0..4).map(move |k| Key { rule: "access", tier: Some(t as i64 + 1), key_stage: Some(KEY_STAGES[k]), need: None }))
}

/// "Pendle tier 2 KS3 access 48% → 91%: gap closed".
fn sentence(area: &str, key: Key, kind: &str, m0: Option<f64>, m1: Option<f64>) -> String {
    let show = |m: Option<f64>| m.map_or("not known".to_string(), |v| shown(key, v));
    let verdict = match kind {
        "closed" => ": gap closed",
        "new" => ": new gap",
        "narrowing" => ": gap still open, narrowing",
        "widening" => ": gap still open, widening",
        "uncompared" => ": not compared in the later figures, so not known to be closed",
        "new-uncompared" => ": gap (not compared before)",
        _ => "",
    };
    let figures = if m0.is_none() && m1.is_none() { String::new() } else { format!(" {} → {}", show(m0), show(m1)) };
    format!("{area} {}{figures}{verdict}", label(key))
}

/// The measure's name, with its tier and key stage ("tier 2 KS3 access").
fn label(key: Key) -> String {
    let mut s = String::new();
    if let Some(t) = key.tier {
        s.push_str(&format!("tier {t} "));
    }
    if let Some(k) = key.key_stage {
        s.push_str(k);
        s.push(' ');
    }
    match (key.rule, key.need) {
        ("places-for-need", Some(n)) => s.push_str(&format!("places open to {} for each such placement", need_words(n))),
        (rule, _) => s.push_str(match rule {
            "places-per-1000" => "places per 1,000 pupils",
            "places-for-demand" => "places for each pupil in demand",
            "places-for-placements" => "places for each placement",
            "access" => "access",
            other => other,
        }),
    }
    s
}

fn shown(key: Key, v: f64) -> String {
    match key.rule {
        "access" => format!("{:.0}%", v * 100.0),
        "places-per-1000" => fmt_rate(v),
        _ => format!("{v:.2}"),
    }
}

fn tier_ks(key: Key) -> (Option<usize>, Option<usize>) {
    let t = key.tier.and_then(|t| usize::try_from(t - 1).ok()).filter(|&t| t < 3);
    let k = key.key_stage.and_then(|k| KEY_STAGES.iter().position(|x| *x == k));
    (t, k)
}

/// The figure the rule compares, higher being better: the access share, places per 1,000,
/// or places for each pupil in demand (or each placement, or each placement with the need)
/// in the gap's cell.
fn measure(a: &AreaGaps, key: Key) -> Option<f64> {
    let (t, k) = tier_ks(key);
    match key.rule {
        "access" => a.access[t?][k?],
        "places-per-1000" => a.places_per_1000(),
        "places-for-demand" => demand_total(a).filter(|&d| d > 0).map(|d| a.places / d as f64),
        "places-for-placements" => placements(a, t, k).filter(|&n| n > 0).map(|n| places_in(a, t, k) / n as f64),
        "places-for-need" => {
            let (t, k, need) = (t?, k?, key.need?);
            let n = a.figures.as_ref()?.demand.need_cell(t, k, need)?.value().filter(|&n| n > 0)?;
            a.places_open_to_need(t, k, need).map(|open| open / n as f64)
        }
        _ => None,
    }
}

/// The area's pupils in demand: the six components added up (unknown when any is).
pub fn demand_total(a: &AreaGaps) -> Option<u64> {
    let d = &a.figures.as_ref()?.demand;
    d.components().iter().map(|c| c.2.and_then(Count::value)).sum()
}

fn placements(a: &AreaGaps, t: Option<usize>, k: Option<usize>) -> Option<u64> {
    let d = &a.figures.as_ref()?.demand;
    let c = match (t, k) {
        (Some(t), Some(k)) => d.cell(t, k),
        (Some(t), None) => d.by_tier.get(&format!("tier{}", t + 1)).copied(),
        (None, Some(k)) => d.by_key_stage.get(&format!("ks{}", k + 1)).copied(),
        (None, None) => None,
    };
    c.and_then(Count::value)
}

fn places_in(a: &AreaGaps, t: Option<usize>, k: Option<usize>) -> f64 {
    match (t, k) {
        (Some(t), Some(k)) => a.places_cell[t][k],
        (Some(t), None) => a.places_cell[t].iter().sum(),
        (None, Some(k)) => (0..3).map(|t| a.places_cell[t][k]).sum(),
        (None, None) => a.places,
    }
}
