//! Supply and demand by cell (tier × key stage).
//!
//! Demand: `[demand.by_tier_key_stage]` in an area file gives placements per cell; without it
//! the margins `by_tier` and `by_key_stage` are the finest figures. Supply: a provider's places
//! in an area are *apportioned* over the cells it offers, equally, so a place offered to three
//! tiers counts as a third of a place in each and the cells add up to the provider's places.
//! A record may declare its places per tier (`capacity.places_by_tier`, checked to add up
//! to `places` by validation): then each tier's declared places are split equally over the key
//! stages it offers, and the equal split between tiers is not used.

use crate::model::area::{AreaFigures, Count};
use crate::model::provider::{Capacity, Offer};

use super::{KEY_STAGES, TIERS};

/// The share of a provider's places counted in each tier (row) × key stage (column) of the
/// gap report. Cells it offers outside the report (a tier other than 1 to 3, KS5) take their
/// share too, so a place is never counted twice and never stretched over fewer cells.
pub fn apportion(offer: &Offer) -> [[f64; 4]; 3] {
    let mut out = [[0.0; 4]; 3];
    let mut tiers: Vec<i64> = offer.tiers.clone();
    tiers.sort_unstable();
    tiers.dedup();
    let mut stages: Vec<&str> = offer.key_stages.iter().map(|k| k.key()).collect();
    stages.sort_unstable();
    stages.dedup();
    let n = tiers.len() * stages.len();
    if n == 0 {
        return out;
    }
    let each = 1.0 / n as f64;
    for (t, tier) in TIERS.iter().enumerate() {
        for (k, ks) in KEY_STAGES.iter().enumerate() {
            if tiers.contains(tier) && stages.contains(ks) {
                out[t][k] = each;
            }
        }
    }
    out
}

/// Whether a provider's places are counted per tier as its record declares them (else they
/// are split equally between its tiers): the one test the analysis and the pages share.
pub fn declares_tiers(capacity: &Capacity) -> bool {
    !capacity.places_by_tier.is_empty()
}

/// The share of a provider's places counted in each tier × key stage: the declared places per
/// tier when the record gives them ([`declares_tiers`]), each tier's spread equally over the
/// key stages offered (KS5 included); otherwise the equal split of [`apportion`].
pub fn apportion_places(offer: &Offer, capacity: &Capacity) -> [[f64; 4]; 3] {
    let places = capacity.places.unwrap_or(0);
    if !declares_tiers(capacity) || places == 0 {
        return apportion(offer);
    }
    let mut out = [[0.0; 4]; 3];
    let mut stages: Vec<&str> = offer.key_stages.iter().map(|k| k.key()).collect();
    stages.sort_unstable();
    stages.dedup();
    if stages.is_empty() {
        return out;
    }
    for (t, row) in out.iter_mut().enumerate() {
        let declared = capacity.places_by_tier.get(&format!("tier{}", t + 1)).copied().unwrap_or(0).max(0);
        let each = declared as f64 / places as f64 / stages.len() as f64;
        for (k, cell) in row.iter_mut().enumerate() {
            if stages.contains(&KEY_STAGES[k]) {
                *cell = each;
            }
        }
    }
    out
}

/// The published columns of the cell counts, after the layout and the needs: (key, label).
pub fn cell_columns() -> Vec<(String, String)> {
    (0..3)
        .flat_map(|t| (0..4).map(move |k| (format!("tier{}_ks{}", t + 1, k + 1), format!("Tier {} placements in {}", t + 1, KEY_STAGES[k]))))
        .collect()
}

/// Whether any area file gives demand by cell (the report then publishes the cells).
pub fn any_cells<'a>(figures: impl IntoIterator<Item = Option<&'a AreaFigures>>) -> bool {
    figures.into_iter().flatten().any(|f| !f.demand.by_tier_key_stage.is_empty())
}

/// The 12 cell counts of an area, tier by tier (a cell the file leaves out is `None`).
pub fn cell_counts(f: Option<&AreaFigures>) -> [Option<Count>; 12] {
    let mut out = [None; 12];
    if let Some(f) = f {
        for t in 0..3 {
            for k in 0..4 {
                out[t * 4 + k] = f.demand.cell(t, k);
            }
        }
    }
    out
}

/// The need cells any area file gives (`demand.by_tier_key_stage_need`), as (tier, key stage,
/// need key) in that order: the published columns after the cells. At most 3 × 4 × the needs
/// allowed.
pub fn need_cell_columns<'a>(figures: impl IntoIterator<Item = Option<&'a AreaFigures>>) -> Vec<(usize, usize, &'static str)> {
    let mut out: Vec<(usize, usize, &'static str)> =
        figures.into_iter().flatten().flat_map(|f| f.demand.need_cells().into_iter().map(|(t, k, n, _)| (t, k, n))).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The name of a need cell's column (`tier3_ks4_semh`, tier and key stage 0-based here): in
/// the downloads and in a snapshot's `places_for_need`.
pub fn need_cell_key(t: usize, k: usize, need: &str) -> String {
    format!("tier{}_ks{}_{need}", t + 1, k + 1)
}

/// The tier, key stage (0-based) and need of a [`need_cell_key`]; `None` unless the tier is
/// 1 to 3, the key stage 1 to 4 and the need one allowed in area figures.
pub fn parse_need_cell_key(key: &str) -> Option<(usize, usize, &'static str)> {
    let rest = key.strip_prefix("tier")?;
    let (tier, rest) = rest.split_once("_ks")?;
    let (ks, need) = rest.split_once('_')?;
    let t = crate::model::area::TIER_KEYS.iter().position(|x| x.strip_prefix("tier") == Some(tier))?;
    let k = crate::model::area::KEY_STAGE_KEYS.iter().position(|x| x.strip_prefix("ks") == Some(ks))?;
    Some((t, k, crate::model::area::demand_need_key(need)?))
}
