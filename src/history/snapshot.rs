//! One period's snapshot (`history/<period>.toml`): each area's supply as the gap analysis
//! worked it out at the period's end, the providers (id and share of places) that make it
//! up, and the period's pupils and demand when the area files held them then.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::PeriodReport;
use crate::analyse::{AreaGaps, GapReport, GapRules, KEY_STAGES, TIERS, cells, rules};
use crate::model::area::{Demand, Pupils};
use crate::model::date::Date;
use crate::site::Site;
use crate::validate::ValidProvider;

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Snapshot {
    /// The academic year, `2023/24`; the file is `history/2023-24.toml`.
    pub period: String,
    /// When it was taken.
    pub taken: Date,
    #[serde(default, rename = "area")]
    pub areas: Vec<AreaSupply>,
    /// Each further boundary layer's areas (`[[area_layers]]`), by key. Snapshots taken
    /// before 7 December 2026, or of a site with one layer, have none.
    #[serde(default, rename = "layer", skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerSupply>,
}

/// One further boundary layer's areas in the period (`[[layer]]`, its `key` as in
/// `[[area_layers]]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct LayerSupply {
    pub key: String,
    #[serde(default, rename = "area")]
    pub areas: Vec<AreaSupply>,
}

/// One area's supply in the period (and its demand, when recorded).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AreaSupply {
    pub code: String,
    pub name: String,
    /// The area's share of places.
    pub places: f64,
    /// Places offered per tier (1 to 3).
    pub places_tier: [f64; 3],
    /// Places offered per key stage (KS1 to KS4).
    pub places_ks: [f64; 4],
    /// Places offered per tier (rows) × key stage (columns).
    pub places_offered: [[f64; 4]; 3],
    /// Places counted per tier × key stage (apportioned, adding up to `places`).
    pub places_cell: [[f64; 4]; 3],
    /// Postcodes in the area (0: no access figures).
    pub postcodes: usize,
    /// Share of the area's postcodes within reach, per tier × key stage.
    #[serde(default)]
    pub access: [[f64; 4]; 3],
    /// The period's pupils, when the area file described this period when the snapshot was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pupils: Option<Pupils>,
    /// The period's demand, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand: Option<Demand>,
    /// The places open to a need in each need cell the area's figures gave
    /// (`demand.by_tier_key_stage_need`), by the cell's column name (`tier3_ks4_semh = 4.0`),
    /// so the period's need cells are compared too. Snapshots taken before 8 December 2026
    /// have none: their need cells are not compared.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub places_for_need: BTreeMap<String, f64>,
    /// The providers counted here, with their share of places.
    #[serde(default, rename = "provider")]
    pub providers: Vec<ProviderShare>,
}

/// A provider counted in an area: its record's id, its places and this area's share.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ProviderShare {
    pub id: String,
    pub places: u32,
    pub share: f64,
    pub tiers: Vec<i64>,
    pub key_stages: Vec<String>,
}

/// The snapshot of `site` for `period` from its gap `report` (`apdir snapshot`).
/// Every layer is recorded: the main one as `[[area]]`, each further one as `[[layer]]`.
pub fn take(site: &Site, report: &GapReport, period: &str) -> Snapshot {
    let layers = report.layers.iter().map(|r| LayerSupply { key: r.layer.key.clone(), areas: layer_supply(site, r, period) }).collect();
    Snapshot { period: period.to_string(), taken: site.today, areas: layer_supply(site, report, period), layers }
}

/// One layer's areas: a provider's places are split between the areas of that layer it serves.
fn layer_supply(site: &Site, report: &GapReport, period: &str) -> Vec<AreaSupply> {
    let mut served = vec![0usize; site.providers.len()];
    for &i in report.areas.iter().flat_map(|a| &a.providers) {
        served[i] += 1;
    }
    report.areas.iter().map(|a| area_supply(site, a, period, &served)).collect()
}

fn area_supply(site: &Site, a: &AreaGaps, period: &str, served: &[usize]) -> AreaSupply {
    let own = a.figures.as_ref().filter(|f| f.period == period);
    AreaSupply {
        code: a.code.clone(),
        name: a.name.clone(),
        places: round(a.places),
        places_tier: a.places_tier.map(round),
        places_ks: a.places_ks.map(round),
        places_offered: a.places_tier_ks.map(|r| r.map(round)),
        places_cell: a.places_cell.map(|r| r.map(round)),
        postcodes: a.postcodes,
        access: a.access.map(|r| r.map(|v| v.map_or(0.0, |v| (v * 10_000.0).round() / 10_000.0))),
        pupils: own.map(|f| f.pupils.clone()),
        demand: own.map(|f| f.demand.clone()),
        places_for_need: places_for_need(a),
        providers: a.providers.iter().filter_map(|&i| share(&site.providers[i], served[i])).collect(),
    }
}

/// The places open to each need cell the area's figures give (as the gap rule compares them).
fn places_for_need(a: &AreaGaps) -> BTreeMap<String, f64> {
    let Some(f) = &a.figures else { return BTreeMap::new() };
    let open = |(t, k, n, _)| Some((cells::need_cell_key(t, k, n), round(a.places_open_to_need(t, k, n)?)));
    f.demand.need_cells().into_iter().filter_map(open).collect()
}

/// A provider's row, when it counts towards supply: its places split the way the analysis
/// split them, equally between the `served` areas it is listed in.
fn share(vp: &ValidProvider, served: usize) -> Option<ProviderShare> {
    if !crate::analyse::counts_towards_supply(vp) {
        return None;
    }
    let places = vp.provider.capacity.places.unwrap_or(0);
    let served = served.max(1);
    Some(ProviderShare {
        id: vp.provider.id.clone(),
        places,
        share: round(places as f64 / served as f64),
        tiers: vp.provider.offer.tiers.clone(),
        key_stages: vp.provider.offer.key_stages.iter().map(|k| k.key().to_string()).collect(),
    })
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The gap report of a past period: each area of `current` with the snapshot's supply and,
/// when it recorded them, the period's pupils and demand; then the same gap rules. A further
/// layer is in it only when the snapshot recorded that layer.
pub fn report(site: &Site, s: &Snapshot, current: &GapReport) -> PeriodReport {
    let gap_rules = GapRules::of(&site.config);
    let mut borrowed = Vec::new();
    let areas = past_areas(&s.areas, current, &s.period, &gap_rules, &mut borrowed);
    let layers = current
        .layers
        .iter()
        .filter_map(|now| {
            let recorded = s.layers.iter().find(|l| l.key == now.layer.key)?;
            let areas = past_areas(&recorded.areas, now, &s.period, &gap_rules, &mut borrowed);
            Some(GapReport { areas, layers: Vec::new(), need_keys: now.need_keys.clone(), layer: now.layer.clone() })
        })
        .collect();
    let report = GapReport { areas, layers, need_keys: current.need_keys.clone(), layer: current.layer.clone() };
    PeriodReport { period: s.period.clone(), current: false, borrowed_demand: borrowed, report }
}

/// One layer's areas as recorded, with the gap rules run again; the names of those whose
/// demand is the current period's go into `borrowed`.
fn past_areas(supplies: &[AreaSupply], current: &GapReport, period: &str, gap_rules: &GapRules, borrowed: &mut Vec<String>) -> Vec<AreaGaps> {
    let mut areas = Vec::new();
    for supply in supplies {
        let Some(now) = current.areas.iter().find(|a| a.code == supply.code) else { continue };
        let mut a = now.clone();
        apply_supply(&mut a, supply);
        if !apply_demand(&mut a, supply, period) {
            borrowed.push(a.name.clone());
        }
        let found = rules::check(&a, gap_rules);
        a.gaps = found.gaps;
        a.compared = found.compared;
        areas.push(a);
    }
    areas
}

fn apply_supply(a: &mut AreaGaps, s: &AreaSupply) {
    a.places = s.places;
    a.places_tier = s.places_tier;
    a.places_ks = s.places_ks;
    a.places_tier_ks = s.places_offered;
    a.places_cell = s.places_cell;
    a.postcodes = s.postcodes;
    a.access = s.access.map(|r| r.map(|v| (s.postcodes > 0).then_some(v)));
    a.providers.clear();
    a.places_need.clear();
    // The need cells recorded (none in snapshots older than the field: not compared).
    a.supply = s
        .places_for_need
        .iter()
        .filter_map(|(key, &v)| cells::parse_need_cell_key(key).map(|(t, k, n)| ((TIERS[t], KEY_STAGES[k], n.to_string()), v)))
        .collect();
}

/// The period's own pupils and demand; false when the snapshot has none (the current
/// figures stay, and the period label says whose they are).
fn apply_demand(a: &mut AreaGaps, s: &AreaSupply, period: &str) -> bool {
    let Some(f) = a.figures.as_mut() else { return true };
    match (&s.pupils, &s.demand) {
        (Some(p), Some(d)) => {
            f.pupils = p.clone();
            f.demand = d.clone();
            f.period = period.to_string();
            true
        }
        _ => {
            f.period = format!("{period} (demand from {})", f.period);
            false
        }
    }
}
