//! The gap rules: the one place that decides when supply falls short of demand. The area
//! pages, `apdir gaps`, `/data/gaps.csv` and `/data/areas.geojson` all print what these rules
//! find (through [`super::GapReport::publish`]). Thresholds: `[gaps]` in apdir.toml (headroom,
//! access share) and each area file's `[targets]` (places per 1,000, travel miles).
//!
//! | rule | fires when |
//! |---|---|
//! | `places-per-1000` | the area's places per 1,000 pupils are below its target |
//! | `places-for-demand` | the area's places are fewer than (1 + headroom) × its total demand |
//! | `places-for-placements` | in a tier × key stage cell (or, without cells, a tier or a key stage), the places counted are fewer than (1 + headroom) × the placements |
//! | `places-for-need` | in a tier × key stage cell, the places open to a need are fewer than (1 + headroom) × the placements with that need (`demand.by_tier_key_stage_need`) |
//! | `access` | in a tier × key stage cell not known to be empty of demand, fewer than `min_access_share` of the pupils live within the travel target of a place |

use serde::Serialize;

use super::{AreaGaps, KEY_STAGES, fmt_num, fmt_rate};
use crate::config::{Config, GapSettings};
use crate::model::area::Count;

/// The thresholds the rules measure against (the targets per area come from its file).
#[derive(Clone, Copy, Debug)]
pub struct GapRules {
    /// Extra places wanted over demand (0.1: 1.1 places for each pupil in demand).
    pub headroom: f64,
    /// The share of pupils that should live within the travel target of a suitable place.
    pub min_access_share: f64,
}

impl GapRules {
    pub fn of(config: &Config) -> GapRules {
        GapRules::from_settings(&config.gaps)
    }
    pub fn from_settings(s: &GapSettings) -> GapRules {
        GapRules { headroom: s.headroom.max(0.0), min_access_share: s.min_access_share.clamp(0.0, 1.0) }
    }
    /// Places wanted for each pupil in demand.
    pub fn places_per_pupil(&self) -> f64 {
        1.0 + self.headroom
    }
}

impl Default for GapRules {
    fn default() -> Self {
        GapRules::from_settings(&GapSettings::default())
    }
}

/// Which published count a gap's numbers are worked out from. When the published report hides
/// that count, the gap's numbers are withheld with it (they would give it away).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Basis {
    /// Public figures only (places, pupils, postcodes).
    Public,
    DemandTotal,
    Tier(usize),
    KeyStage(usize),
    Cell(usize, usize),
    /// Placements with a need (its key) in a tier × key stage cell.
    NeedCell(usize, usize, &'static str),
}

impl Basis {
    /// How the count is named in words ("tier 3 placements in KS4").
    pub fn words(self) -> String {
        match self {
            Basis::Public => String::new(),
            Basis::DemandTotal => "the pupils in demand".into(),
            Basis::Tier(t) => format!("tier {} placements", t + 1),
            Basis::KeyStage(k) => format!("{} placements", KEY_STAGES[k]),
            Basis::Cell(t, k) => format!("tier {} placements in {}", t + 1, KEY_STAGES[k]),
            Basis::NeedCell(t, k, n) => format!("tier {} placements in {} (need: {})", t + 1, KEY_STAGES[k], need_words(n)),
        }
    }
}

/// A need's label as a heading: the vocabulary's, or for `medical` (either medical need)
/// "Medical needs (physical or mental health)".
pub fn need_title(key: &str) -> String {
    if key == crate::model::area::MEDICAL { "Medical needs (physical or mental health)".into() } else { super::need_label(key) }
}

/// A need's label as it reads inside a sentence: "social, emotional and mental health
/// (SEMH)", "autism", but "SEND with …" kept in capitals.
pub fn need_words(key: &str) -> String {
    if key == crate::model::area::MEDICAL {
        return "medical needs (physical or mental health)".into();
    }
    let label = super::need_label(key);
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => first.to_lowercase().chain(label.chars().skip(1)).collect(),
        _ => label,
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// The rule that fired (`places-per-1000`, `places-for-demand`, `places-for-placements`,
    /// `places-for-need`, `access`).
    pub rule: &'static str,
    pub tier: Option<i64>,
    pub key_stage: Option<&'static str>,
    pub basis: Basis,
    /// The gap in words, with its numbers (raw: publish through the report).
    pub text: String,
}

/// What the rules found in one area: the gaps, and every count a rule compared supply with
/// (fired or not), so a hidden count can be reported as "not compared" rather than as no gap.
pub struct Findings {
    pub gaps: Vec<Gap>,
    pub compared: Vec<Basis>,
}

/// "short by 41 places" (rounded up: a part of a place still has to be found).
fn short_by(wanted: f64, have: f64) -> String {
    let n = (wanted - have - 1e-9).ceil().max(1.0) as u64;
    format!("short by {n} place{}", if n == 1 { "" } else { "s" })
}

fn places(v: f64) -> String {
    let s = fmt_num((v * 10.0).round() / 10.0);
    format!("{s} place{}", if s == "1" { "" } else { "s" })
}

/// Runs every rule on one area.
#[allow(clippy::needless_range_loop)] // tiers and key stages index several arrays at once
pub fn check(a: &AreaGaps, rules: &GapRules) -> Findings {
    let mut gaps = Vec::new();
    let mut compared = Vec::new();
    let name = &a.name;
    let per_pupil = rules.places_per_pupil();

    // Places per 1,000 pupils against the area's target.
    if let Some(pupils) = a.pupils()
        && let Some(rate) = a.places_per_1000()
        && rate < a.places_per_1000_target
    {
        let wanted = a.places_per_1000_target * pupils as f64 / 1000.0;
        gaps.push(Gap {
            rule: "places-per-1000",
            tier: None,
            key_stage: None,
            basis: Basis::Public,
            text: format!(
                "{name}: {} places per 1,000 pupils (target {}) — {}",
                fmt_rate(rate),
                fmt_rate(a.places_per_1000_target),
                short_by(wanted, a.places)
            ),
        });
    }

    let Some(f) = &a.figures else {
        access(a, rules, &|_, _| false, &mut gaps);
        return Findings { gaps, compared };
    };
    let d = &f.demand;

    // Places against total demand.
    let total: Option<Option<u64>> =
        d.components().iter().map(|c| c.2.map(Count::value)).collect::<Option<Vec<_>>>().map(|v| v.into_iter().sum::<Option<u64>>());
    if let Some(total) = total {
        compared.push(Basis::DemandTotal);
        if let Some(demand) = total.filter(|&n| n > 0)
            && a.places < demand as f64 * per_pupil
        {
            gaps.push(Gap {
                rule: "places-for-demand",
                tier: None,
                key_stage: None,
                basis: Basis::DemandTotal,
                text: format!(
                    "{name}: {:.2} places for each pupil in demand (target {:.1}) — {}",
                    a.places / demand as f64,
                    per_pupil,
                    short_by(demand as f64 * per_pupil, a.places)
                ),
            });
        }
    }

    // Places against placements, in the finest cells the file gives.
    let mut placements = |basis: Basis, count: Option<Count>, have: f64, tier: Option<i64>, ks: Option<&'static str>| {
        let Some(count) = count else { return };
        compared.push(basis);
        let Count::Value(n) = count else { return };
        if n > 0 && have < n as f64 * per_pupil {
            gaps.push(Gap {
                rule: "places-for-placements",
                tier,
                key_stage: ks,
                basis,
                text: format!(
                    "{name}: {} counted for {n} {} (target {:.1} for each) — {}",
                    places(have),
                    basis.words(),
                    per_pupil,
                    short_by(n as f64 * per_pupil, have)
                ),
            });
        }
    };
    if d.by_tier_key_stage.is_empty() {
        for t in 0..3 {
            let have: f64 = a.places_cell[t].iter().sum();
            placements(Basis::Tier(t), d.by_tier.get(&format!("tier{}", t + 1)).copied(), have, Some(t as i64 + 1), None);
        }
        for k in 0..4 {
            let have: f64 = (0..3).map(|t| a.places_cell[t][k]).sum();
            placements(Basis::KeyStage(k), d.by_key_stage.get(&format!("ks{}", k + 1)).copied(), have, None, Some(KEY_STAGES[k]));
        }
    } else {
        for t in 0..3 {
            for k in 0..4 {
                placements(Basis::Cell(t, k), d.cell(t, k), a.places_cell[t][k], Some(t as i64 + 1), Some(KEY_STAGES[k]));
            }
        }
    }
    need_cells(a, per_pupil, &mut gaps, &mut compared);

    // Access, except in cells the figures say nobody needs.
    let zero = |c: Option<Count>| c == Some(Count::Value(0));
    let no_demand = |t: usize, k: usize| {
        if d.by_tier_key_stage.is_empty() {
            zero(d.by_tier.get(&format!("tier{}", t + 1)).copied()) || zero(d.by_key_stage.get(&format!("ks{}", k + 1)).copied())
        } else {
            zero(d.cell(t, k))
        }
    };
    access(a, rules, &no_demand, &mut gaps);
    Findings { gaps, compared }
}

/// Places open to each need against its placements, in every tier × key stage × need cell
/// the figures give, when the area's supply by need is known (for a past period, the cells
/// its snapshot recorded): "Burnley, tier 3, KS4, social, emotional and mental health (SEMH):
/// 4 places open to this need for 11 placements (target 1.0 for each) — short by 7 places".
fn need_cells(a: &AreaGaps, per_pupil: f64, gaps: &mut Vec<Gap>, compared: &mut Vec<Basis>) {
    let Some(f) = &a.figures else { return };
    for (t, k, need, count) in f.demand.need_cells() {
        let Some(have) = a.places_open_to_need(t, k, need) else { continue };
        let basis = Basis::NeedCell(t, k, need);
        compared.push(basis);
        let Count::Value(n) = count else { continue };
        if n > 0 && have < n as f64 * per_pupil {
            gaps.push(Gap {
                rule: "places-for-need",
                tier: Some(t as i64 + 1),
                key_stage: Some(KEY_STAGES[k]),
                basis,
                text: format!(
                    "{}, tier {}, {}, {}: {} open to this need for {n} placement{} (target {:.1} for each) — {}",
                    a.name,
                    t + 1,
                    KEY_STAGES[k],
                    need_words(need),
                    places(have),
                    if n == 1 { "" } else { "s" },
                    per_pupil,
                    short_by(n as f64 * per_pupil, have)
                ),
            });
        }
    }
}

/// "Pendle: no tier 2 place for KS2 within 10 miles", "only 40% of pupils …".
#[allow(clippy::needless_range_loop)]
fn access(a: &AreaGaps, rules: &GapRules, no_demand: &dyn Fn(usize, usize) -> bool, gaps: &mut Vec<Gap>) {
    let miles = fmt_num(a.max_travel_miles);
    let target = format!("{:.0}%", rules.min_access_share * 100.0);
    for t in 0..3 {
        for k in 0..4 {
            let Some(share) = a.access[t][k] else { continue };
            if share >= rules.min_access_share || no_demand(t, k) {
                continue;
            }
            let text = if share == 0.0 {
                format!("{}: no tier {} place for {} within {miles} miles (target: {target} of pupils within reach)", a.name, t + 1, KEY_STAGES[k])
            } else {
                let pct = (share * 100.0).round();
                format!(
                    "{}: only {} of pupils live within {miles} miles of a tier {} place for {} (target {target})",
                    a.name,
                    if pct < 1.0 { "under 1%".to_string() } else { format!("{pct}%") },
                    t + 1,
                    KEY_STAGES[k]
                )
            };
            gaps.push(Gap { rule: "access", tier: Some(t as i64 + 1), key_stage: Some(KEY_STAGES[k]), basis: Basis::Public, text });
        }
    }
}
