//! Gap analysis: supply of alternative provision against demand, area by area.
//!
//! [`analyse`] produces raw figures ([`GapReport`]); [`GapReport::publish`] applies a
//! [`Suppression`] policy to produce the figures a reader may see. The public site always
//! publishes with suppression on; the internal profile and `apdir gaps --raw` may turn it off.
//! Decisions (how places are shared between areas, what counts as access) are in docs/areas.md.

pub mod cells;
pub mod report;
pub mod rules;
mod supply;
pub mod suppress;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::area::{AreaFigures, Count};
use crate::model::vocab::{ListStatus, ServiceStatus};
use crate::validate::ValidProvider;
pub use rules::{Basis, Gap, GapRules};
pub use supply::{AccessMemo, analyse};
pub use suppress::{Shown, Sum, Suppression};

pub const KEY_STAGES: [&str; 4] = ["KS1", "KS2", "KS3", "KS4"];
pub const TIERS: [i64; 3] = [1, 2, 3];

/// Raw results for every in-scope area, in the boundary file's (name) order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GapReport {
    pub areas: Vec<AreaGaps>,
    /// Need keys found in any area's `demand.by_need`, sorted.
    pub need_keys: Vec<String>,
    /// Which boundary layer these areas are (the main one has the key "").
    pub layer: LayerInfo,
    /// The further boundary layers (`[[area_layers]]`), each a report of its own (with no
    /// `layers`); empty in a layer's report.
    pub layers: Vec<GapReport>,
}

/// A boundary layer's key (its part of the URL, "" for the main layer at `/areas/`) and name.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LayerInfo {
    pub key: String,
    pub name: String,
}

impl GapReport {
    /// Every layer's report, the main one first.
    pub fn all_layers(&self) -> impl Iterator<Item = &GapReport> {
        std::iter::once(self).chain(&self.layers)
    }
}

/// One area's supply, demand and access, unsuppressed.
#[derive(Clone, Debug, Serialize)]
pub struct AreaGaps {
    pub code: String,
    pub name: String,
    pub slug: String,
    #[serde(skip)]
    pub figures: Option<AreaFigures>,
    /// Providers counted here (a site in the area, or the area in their service area):
    /// indices into `Site::providers`.
    #[serde(skip)]
    pub providers: Vec<usize>,
    /// This area's share of places (a provider's places are shared equally between the
    /// in-scope areas it serves).
    pub places: f64,
    /// Places offered to each tier × key stage (a provider counts in every cell it offers).
    pub places_tier_ks: [[f64; 4]; 3],
    /// Places *counted* in each tier × key stage: a provider's share apportioned equally over
    /// the cells it offers (see [`cells::apportion`]), so the cells add up to `places`. The
    /// gap rules compare these with demand.
    pub places_cell: [[f64; 4]; 3],
    /// Places offered by key stage, whatever the tier.
    pub places_ks: [f64; 4],
    /// Places offered by tier, whatever the key stage.
    pub places_tier: [f64; 3],
    /// Places offered to each need (need key), whatever the tier and key stage.
    pub places_need: BTreeMap<String, f64>,
    /// Places *open* by tier × key stage × need key, for the needs the area's figures give in
    /// their cells (`demand.by_tier_key_stage_need`; the rule and the area page read no
    /// others): every tier × key stage with places, `medical` for a provider meeting either
    /// medical need (counted once), and every need cell the figures give (0 when nobody
    /// offers it). Empty for an area whose figures give no need cells. For a past period, the need cells its snapshot
    /// recorded (`places_for_need`); empty when supply by need is not known (a snapshot older
    /// than that field), so its need cells are not compared.
    #[serde(skip)]
    pub supply: BTreeMap<(i64, &'static str, String), f64>,
    /// Postcodes in the area (the weights of the access measure).
    pub postcodes: usize,
    /// Share of the area's postcodes within `max_travel_miles` of a site offering tier × key
    /// stage; `None` when the area has no postcodes.
    pub access: [[Option<f64>; 4]; 3],
    pub places_per_1000_target: f64,
    pub max_travel_miles: f64,
    /// Gaps the rules found ([`rules::check`]), raw: publish them through the report, which
    /// withholds the numbers of any gap worked out from a hidden count.
    pub gaps: Vec<Gap>,
    /// Every count a rule compared supply with, fired or not.
    pub compared: Vec<Basis>,
}

fn count_cell(c: Option<Count>) -> Shown {
    match c {
        Some(Count::Value(v)) => Shown::Value(v),
        Some(Count::Suppressed) => Shown::Hidden,
        None => Shown::Missing,
    }
}

/// Sum of cells: hidden if any is hidden, missing if any is missing.
fn sum_cells(cells: &[Shown]) -> Shown {
    let mut total = 0;
    let mut hidden = false;
    for c in cells {
        match c {
            Shown::Value(v) => total += v,
            Shown::Hidden => hidden = true,
            Shown::Missing => return Shown::Missing,
        }
    }
    if hidden { Shown::Hidden } else { Shown::Value(total) }
}

impl AreaGaps {
    pub fn pupils(&self) -> Option<u64> {
        self.figures.as_ref()?.pupils.total_5_16.filter(|&p| p > 0)
    }
    pub fn pupils_in(&self, ks: usize) -> Option<u64> {
        self.figures.as_ref()?.pupils.in_key_stage(KEY_STAGES[ks]).filter(|&p| p > 0)
    }
    pub fn places_per_1000(&self) -> Option<f64> {
        self.pupils().map(|p| self.places / p as f64 * 1000.0)
    }
    /// Share of pupils within reach of tier `t`, averaging the key stages weighted by pupils.
    pub fn access_to_tier(&self, t: usize) -> Option<f64> {
        let (mut num, mut den) = (0.0, 0.0);
        for k in 0..4 {
            if let Some(a) = self.access[t][k] {
                let w = self.pupils_in(k).map_or(1.0, |p| p as f64);
                num += a * w;
                den += w;
            }
        }
        (den > 0.0).then(|| num / den)
    }
    /// The raw counts in [`COUNT_LAYOUT`] order, then one per need key.
    pub fn raw_counts(&self, need_keys: &[String]) -> Vec<Shown> {
        let Some(f) = &self.figures else {
            return vec![Shown::Missing; COUNT_LAYOUT.len() + need_keys.len()];
        };
        let d = &f.demand;
        let comps: Vec<Shown> = d.components().iter().map(|c| count_cell(c.2)).collect();
        let mut cells = comps.clone();
        cells.push(sum_cells(&comps));
        cells.push(sum_cells(&[comps[1], comps[2]]));
        cells.push(count_cell(d.suspensions));
        for k in ["ks1", "ks2", "ks3", "ks4"] {
            cells.push(count_cell(d.by_key_stage.get(k).copied()));
        }
        for t in ["tier1", "tier2", "tier3"] {
            cells.push(count_cell(d.by_tier.get(t).copied()));
        }
        for n in need_keys {
            cells.push(count_cell(d.by_need.get(n).copied()));
        }
        cells
    }
    /// The 12 tier × key stage placement counts (published after the needs when any area
    /// gives them).
    pub fn raw_cells(&self) -> Vec<Shown> {
        cells::cell_counts(self.figures.as_ref()).iter().map(|c| count_cell(*c)).collect()
    }
    /// The placements of each need cell in `columns` (tier, key stage, need), `Missing` where
    /// the area's figures do not give it.
    pub fn raw_need_cells(&self, columns: &[(usize, usize, &'static str)]) -> Vec<Shown> {
        columns.iter().map(|&(t, k, n)| count_cell(self.figures.as_ref().and_then(|f| f.demand.need_cell(t, k, n)))).collect()
    }
    /// The places open to need `need` in tier `t` × key stage `k` (0-based), when the area's
    /// supply by need is known (see [`AreaGaps::supply`]).
    pub fn places_open_to_need(&self, t: usize, k: usize, need: &str) -> Option<f64> {
        self.supply.get(&(TIERS[t], KEY_STAGES[k], need.to_string())).copied()
    }
}

/// The counts published per area, in order: (key, label).
pub const COUNT_LAYOUT: [(&str, &str); 16] = [
    ("permanent_exclusions", "Permanent exclusions"),
    ("la_arranged_ap", "LA-arranged AP placements"),
    ("school_arranged_ap", "School-arranged AP placements"),
    ("section19_health", "Section 19 medical referrals"),
    ("home_tuition", "Home tuition"),
    ("part_time_timetables", "Part-time timetables"),
    ("demand_total", "Total demand"),
    ("ap_placements", "AP placements (LA- and school-arranged)"),
    ("suspensions", "Suspensions"),
    ("ks1", "Placements in key stage 1"),
    ("ks2", "Placements in key stage 2"),
    ("ks3", "Placements in key stage 3"),
    ("ks4", "Placements in key stage 4"),
    ("tier1", "Tier 1 placements"),
    ("tier2", "Tier 2 placements"),
    ("tier3", "Tier 3 placements"),
];
pub const DEMAND_TOTAL: usize = 6;
pub const AP_PLACEMENTS: usize = 7;

/// The sums published within one row of counts (offset `base`).
fn row_sums(base: usize) -> Vec<Sum> {
    let s = |members: &[usize], total: usize| Sum { members: members.iter().map(|m| base + m).collect(), total: base + total };
    vec![
        s(&[0, 1, 2, 3, 4, 5], DEMAND_TOTAL),
        s(&[0, AP_PLACEMENTS, 3, 4, 5], DEMAND_TOTAL),
        s(&[1, 2], AP_PLACEMENTS),
        s(&[9, 10, 11, 12], AP_PLACEMENTS),
        s(&[13, 14, 15], AP_PLACEMENTS),
    ]
}

/// Whether a provider counts towards supply and access.
pub fn counts_towards_supply(vp: &ValidProvider) -> bool {
    matches!(vp.provider.status, ServiceStatus::Active)
        && !matches!(vp.provider.quality_assurance.list_status, ListStatus::Suspended | ListStatus::Removed)
}

pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}
pub fn fmt_rate(v: f64) -> String {
    format!("{v:.1}")
}

/// Figures a reader may see, after the suppression policy.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedReport {
    pub suppressed: bool,
    pub threshold: u64,
    /// Labels of the count columns, in order (layout, then needs, then the cells and the
    /// need cells when any area gives them).
    pub count_keys: Vec<(String, String)>,
    /// The first need cell column (`count_keys.len()` when no area gives need cells).
    #[serde(skip)]
    pub need_cells_at: usize,
    pub areas: Vec<PublishedArea>,
    /// In-scope areas with figures, added up (suppressed the same way).
    pub county: Vec<Shown>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PublishedArea {
    pub code: String,
    pub name: String,
    pub slug: String,
    pub has_figures: bool,
    pub period: String,
    pub pupils: Option<u64>,
    pub places: f64,
    pub places_per_1000: Option<f64>,
    pub places_per_1000_target: f64,
    pub max_travel_miles: f64,
    /// Hidden when total demand is hidden.
    pub demand_per_1000: Option<f64>,
    /// Places per unit of demand; hidden when total demand is hidden.
    pub places_to_demand: Option<f64>,
    pub demand_hidden: bool,
    pub access_tier: [Option<f64>; 3],
    pub counts: Vec<Shown>,
    /// The gaps as this policy may show them (see [`GapReport::publish`]).
    pub gaps: Vec<PublishedGap>,
}

/// A gap a reader may see: its numbers, or, when they come from a hidden count, a sentence
/// saying the comparison is withheld (never silence: a hidden count is not "no gap").
#[derive(Clone, Debug, Serialize)]
pub struct PublishedGap {
    pub rule: &'static str,
    pub tier: Option<i64>,
    pub key_stage: Option<&'static str>,
    /// The need (its key) of a gap in a need cell (`places-for-need`).
    pub need: Option<&'static str>,
    pub text: String,
}

/// Where the optional columns sit among the published counts: the 12 tier × key stage cells
/// (when any area gives them), then the need cells any area gives.
#[derive(Clone, Debug, Default)]
struct Columns {
    cells_at: Option<usize>,
    need_cells_at: usize,
    /// (tier, key stage, need key) of each need cell column, in that order.
    need_cells: Vec<(usize, usize, &'static str)>,
}

impl Columns {
    /// The published column holding the count a gap is worked out from.
    fn of(&self, b: Basis) -> Option<usize> {
        match b {
            Basis::Public => None,
            Basis::DemandTotal => Some(DEMAND_TOTAL),
            Basis::KeyStage(k) => Some(9 + k),
            Basis::Tier(t) => Some(13 + t),
            Basis::Cell(t, k) => self.cells_at.map(|c| c + t * 4 + k),
            Basis::NeedCell(t, k, n) => self.need_cells.iter().position(|&x| x == (t, k, n)).map(|i| self.need_cells_at + i),
        }
    }
}

/// The gaps of area `a` as they may be shown beside `counts` (its published counts).
fn publish_gaps(a: &AreaGaps, counts: &[Shown], columns: &Columns) -> Vec<PublishedGap> {
    let shown = |b: Basis| columns.of(b).is_none_or(|c| counts.get(c).is_some_and(|v| v.is_shown()));
    let need = |b: Basis| match b {
        Basis::NeedCell(_, _, n) => Some(n),
        _ => None,
    };
    let mut out: Vec<PublishedGap> = a
        .gaps
        .iter()
        .filter(|g| shown(g.basis))
        .map(|g| PublishedGap { rule: g.rule, tier: g.tier, key_stage: g.key_stage, need: need(g.basis), text: g.text.clone() })
        .collect();
    for &b in a.compared.iter().filter(|&&b| !shown(b)) {
        let (tier, key_stage) = match b {
            Basis::Tier(t) => (Some(TIERS[t]), None),
            Basis::KeyStage(k) => (None, Some(KEY_STAGES[k])),
            Basis::Cell(t, k) | Basis::NeedCell(t, k, _) => (Some(TIERS[t]), Some(KEY_STAGES[k])),
            _ => (None, None),
        };
        out.push(PublishedGap {
            rule: "withheld",
            tier,
            key_stage,
            need: need(b),
            text: format!(
                "{}: {} are too few to publish (c), so the places cannot be compared with them here — a gap may be hidden",
                a.name,
                b.words()
            ),
        });
    }
    out
}

impl GapReport {
    /// Applies `policy` to the counts; rates whose numerator is hidden are hidden.
    pub fn publish(&self, policy: Suppression) -> PublishedReport {
        let with_cells = cells::any_cells(self.areas.iter().map(|a| a.figures.as_ref()));
        let cells_at = with_cells.then_some(COUNT_LAYOUT.len() + self.need_keys.len());
        let need_cells = cells::need_cell_columns(self.areas.iter().map(|a| a.figures.as_ref()));
        let need_cells_at = COUNT_LAYOUT.len() + self.need_keys.len() + if with_cells { 12 } else { 0 };
        let width = need_cells_at + need_cells.len();
        let columns = Columns { cells_at, need_cells_at, need_cells };
        let with_figures: Vec<usize> = (0..self.areas.len()).filter(|&i| self.areas[i].figures.is_some()).collect();
        let mut cells: Vec<Shown> = Vec::with_capacity((self.areas.len() + 1) * width);
        for a in &self.areas {
            cells.extend(a.raw_counts(&self.need_keys));
            if with_cells {
                cells.extend(a.raw_cells());
            }
            cells.extend(a.raw_need_cells(&columns.need_cells));
        }
        // The county row: the sum of the areas with figures.
        let county_base = cells.len();
        for k in 0..width {
            let col: Vec<Shown> = with_figures.iter().map(|&i| cells[i * width + k]).collect();
            cells.push(if col.is_empty() { Shown::Missing } else { sum_cells(&col) });
        }
        let mut sums = Vec::new();
        for i in 0..=self.areas.len() {
            sums.extend(row_sums(i * width));
            if let Some(c) = cells_at {
                // The cells split the AP placements, and each tier's cells its tier count.
                sums.push(Sum { members: (0..12).map(|m| i * width + c + m).collect(), total: i * width + AP_PLACEMENTS });
                for t in 0..3 {
                    sums.push(Sum { members: (0..4).map(|k| i * width + c + t * 4 + k).collect(), total: i * width + 13 + t });
                }
                for k in 0..4 {
                    sums.push(Sum { members: (0..3).map(|t| i * width + c + t * 4 + k).collect(), total: i * width + 9 + k });
                }
            }
        }
        for k in 0..width {
            sums.push(Sum { members: with_figures.iter().map(|&i| i * width + k).collect(), total: county_base + k });
        }
        let mut shown = suppress::apply(&cells, &sums, policy);
        if policy != Suppression::Off && with_cells {
            hide_needs_of_hidden_cells(&mut shown, &sums, policy, width, &columns);
        }
        let areas = self
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let counts = shown[i * width..(i + 1) * width].to_vec();
                let raw_total = cells[i * width + DEMAND_TOTAL].value();
                let demand = counts[DEMAND_TOTAL].value().and(raw_total);
                let pupils = a.pupils();
                PublishedArea {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    slug: a.slug.clone(),
                    has_figures: a.figures.is_some(),
                    period: a.figures.as_ref().map(|f| f.period.clone()).unwrap_or_default(),
                    pupils,
                    places: a.places,
                    places_per_1000: a.places_per_1000(),
                    places_per_1000_target: a.places_per_1000_target,
                    max_travel_miles: a.max_travel_miles,
                    demand_per_1000: demand.zip(pupils).map(|(d, p)| d as f64 / p as f64 * 1000.0),
                    places_to_demand: demand.filter(|&d| d > 0).map(|d| a.places / d as f64),
                    demand_hidden: counts[DEMAND_TOTAL] == Shown::Hidden,
                    access_tier: [a.access_to_tier(0), a.access_to_tier(1), a.access_to_tier(2)],
                    gaps: publish_gaps(a, &counts, &columns),
                    counts,
                }
            })
            .collect();
        let mut count_keys: Vec<(String, String)> = COUNT_LAYOUT.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect();
        for n in &self.need_keys {
            count_keys.push((format!("need_{n}"), format!("Placements for need: {}", need_label(n))));
        }
        if with_cells {
            count_keys.extend(cells::cell_columns());
        }
        count_keys.extend(columns.need_cells.iter().map(|&(t, k, n)| {
            (cells::need_cell_key(t, k, n), format!("Tier {} placements in {} (need: {})", t + 1, KEY_STAGES[k], rules::need_words(n)))
        }));
        PublishedReport {
            suppressed: policy != Suppression::Off,
            threshold: match policy {
                Suppression::Off => 0,
                Suppression::Public { threshold } => threshold,
            },
            count_keys,
            need_cells_at: columns.need_cells_at,
            areas,
            county: shown[county_base..county_base + width].to_vec(),
        }
    }
}

/// On top of the suppression of `shown` (every row: the areas, then the county): a need cell
/// is hidden when its tier × key stage cell is (one need's count is a lower bound on its
/// cell, so it could narrow a hidden cell down), then the secondary suppression runs again
/// on the result, until nothing changes. True zeros stay 0. Each round hides at least one
/// more count, so it ends.
fn hide_needs_of_hidden_cells(shown: &mut Vec<Shown>, sums: &[Sum], policy: Suppression, width: usize, columns: &Columns) {
    let Some(cells_at) = columns.cells_at else { return };
    loop {
        let mut changed = false;
        for row in shown.chunks_mut(width) {
            for (j, &(t, k, _)) in columns.need_cells.iter().enumerate() {
                let need = columns.need_cells_at + j;
                if row[cells_at + t * 4 + k] == Shown::Hidden && matches!(row[need], Shown::Value(v) if v > 0) {
                    row[need] = Shown::Hidden;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
        *shown = suppress::apply(shown, sums, policy);
    }
}

impl PublishedReport {
    /// The published placements of tier `t` × key stage `k` (0-based) in `area`, as the
    /// policy shows them (suppressed with the rest on the public site); `Missing` when no area
    /// file gives cells.
    pub fn cell(&self, area: &PublishedArea, t: usize, k: usize) -> Shown {
        let key = format!("tier{}_ks{}", t + 1, k + 1);
        self.count_keys.iter().position(|(c, _)| *c == key).and_then(|i| area.counts.get(i).copied()).unwrap_or(Shown::Missing)
    }

    /// The published placements with need `need` in tier `t` × key stage `k` (0-based) in
    /// `area`; `Missing` when no area file gives that need cell.
    pub fn need_cell(&self, area: &PublishedArea, t: usize, k: usize, need: &str) -> Shown {
        let key = cells::need_cell_key(t, k, need);
        self.count_keys.iter().position(|(c, _)| *c == key).and_then(|i| area.counts.get(i).copied()).unwrap_or(Shown::Missing)
    }
}

/// A need's label: the vocabulary's, or the key made readable (`medical` is allowed in area
/// figures for either medical need).
pub fn need_label(key: &str) -> String {
    let n = crate::model::vocab::Need::from_key(key);
    if n.is_known() { n.label().to_string() } else { crate::model::text::humanise(key) }
}
