//! Gap analysis: supply of alternative provision against demand, area by area.
//!
//! [`analyse`] produces raw figures ([`GapReport`]); [`GapReport::publish`] applies a
//! [`Suppression`] policy to produce the figures a reader may see. The public site always
//! publishes with suppression on; the internal profile and `apdir gaps --raw` may turn it off.
//! Decisions (how places are shared between areas, what counts as access) are in docs/areas.md.

pub mod cells;
pub mod report;
pub mod rules;
pub mod suppress;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::area::{AreaFigures, Count};
use crate::model::lock::LockExt;
use crate::model::vocab::{ListStatus, ServiceStatus};
use crate::site::Site;
use crate::validate::ValidProvider;
pub use rules::{Basis, Gap, GapRules};
pub use suppress::{Shown, Sum, Suppression};

pub const KEY_STAGES: [&str; 4] = ["KS1", "KS2", "KS3", "KS4"];
pub const TIERS: [i64; 3] = [1, 2, 3];

/// Raw results for every in-scope area, in the boundary file's (name) order.
#[derive(Clone, Debug, Serialize)]
pub struct GapReport {
    pub areas: Vec<AreaGaps>,
    /// Need keys found in any area's `demand.by_need`, sorted.
    pub need_keys: Vec<String>,
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
    /// Places by tier × key stage × need key (only cells with places).
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

/// Runs the analysis over the validated site.
#[allow(clippy::needless_range_loop)] // tiers and key stages index several arrays at once
pub fn analyse(site: &Site, memo: Option<&AccessMemo>) -> GapReport {
    let figures: HashMap<&str, &AreaFigures> = site.area_figures.iter().map(|f| (f.code.as_str(), f)).collect();
    let in_scope: Vec<usize> =
        (0..site.areas.len()).filter(|&i| site.areas[i].in_scope && figures.get(site.areas[i].code.as_str()).is_none_or(|f| f.in_scope)).collect();
    let index_of: HashMap<&str, usize> = in_scope.iter().enumerate().map(|(pos, &i)| (site.areas[i].code.as_str(), pos)).collect();
    // By code when the boundary file is the postcode file's geography (districts, wards);
    // else by location (electoral divisions, planning areas: any polygons).
    let by_location = crate::geo::assign::AreaIndex::new(in_scope.iter().map(|&i| &site.areas[i]).collect());
    let known: std::collections::HashSet<&str> =
        site.areas.iter().flat_map(|a| std::iter::once(a.code.as_str()).chain(a.parent.as_deref())).collect();
    let area_of_point = |district: &str, ward: &str, lon: f64, lat: f64| -> Option<usize> {
        if let Some(&p) = index_of.get(district).or_else(|| index_of.get(ward)) {
            return Some(p);
        }
        // A code of the boundary file outside the figures (a context area) stays outside.
        if known.contains(district) || known.contains(ward) {
            return None;
        }
        by_location.locate(lon, lat)
    };
    // Each area's postcodes (the weights of the access measure), and the district codes the
    // postcode file gives them.
    let mut postcodes: Vec<Vec<(f64, f64)>> = vec![Vec::new(); in_scope.len()];
    let mut districts_of: Vec<HashMap<&str, usize>> = vec![HashMap::new(); in_scope.len()];
    for (_, e) in site.postcodes.iter() {
        if let Some(p) = area_of_point(&e.district, &e.ward, e.lon, e.lat) {
            postcodes[p].push((e.lat, e.lon));
            *districts_of[p].entry(e.district.as_str()).or_default() += 1;
        }
    }
    // Areas nested in a larger one (wards in a district), for service areas given as districts:
    // the parent the boundary file names, else the district most of the area's postcodes are in.
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (pos, &i) in in_scope.iter().enumerate() {
        let derived = || districts_of[pos].iter().max_by_key(|(code, n)| (**n, std::cmp::Reverse(**code))).map(|(code, _)| *code);
        if let Some(p) = site.areas[i].parent.as_deref().or_else(derived)
            && p != site.areas[i].code
        {
            children.entry(p).or_default().push(pos);
        }
    }

    let mut out: Vec<AreaGaps> = in_scope
        .iter()
        .map(|&i| {
            let a = &site.areas[i];
            let f = figures.get(a.code.as_str()).map(|f| (*f).clone());
            let targets = f.as_ref().map(|f| f.targets.clone()).unwrap_or_default();
            AreaGaps {
                code: a.code.clone(),
                name: a.name.clone(),
                slug: a.slug.clone(),
                figures: f,
                providers: Vec::new(),
                places: 0.0,
                places_tier_ks: [[0.0; 4]; 3],
                places_cell: [[0.0; 4]; 3],
                places_ks: [0.0; 4],
                places_tier: [0.0; 3],
                places_need: BTreeMap::new(),
                supply: BTreeMap::new(),
                postcodes: 0,
                access: [[None; 4]; 3],
                places_per_1000_target: targets.places_per_1000_target,
                max_travel_miles: targets.max_travel_miles,
                gaps: Vec::new(),
                compared: Vec::new(),
            }
        })
        .collect();

    // Supply.
    for (pi, vp) in site.providers.iter().enumerate() {
        let mut served: Vec<usize> = Vec::new();
        for s in &vp.sites {
            if let Some(p) = area_of_point(&s.district, &s.ward, s.lon, s.lat)
                && !served.contains(&p)
            {
                served.push(p);
            }
        }
        for code in &vp.provider.service_area {
            let direct = index_of.get(code.as_str()).map(|&p| vec![p]);
            for p in direct.or_else(|| children.get(code.as_str()).cloned()).unwrap_or_default() {
                if !served.contains(&p) {
                    served.push(p);
                }
            }
        }
        if served.is_empty() {
            continue;
        }
        for &p in &served {
            out[p].providers.push(pi);
        }
        if !counts_towards_supply(vp) {
            continue;
        }
        let o = &vp.provider.offer;
        let share = vp.provider.capacity.places.unwrap_or(0) as f64 / served.len() as f64;
        let offers_ks = |k: usize| o.key_stages.iter().any(|x| x.key() == KEY_STAGES[k]);
        let offers_tier = |t: usize| o.tiers.contains(&TIERS[t]);
        let fractions = cells::apportion(o);
        for &p in &served {
            let a = &mut out[p];
            a.places += share;
            for (row, fr) in a.places_cell.iter_mut().zip(&fractions) {
                for (cell, f) in row.iter_mut().zip(fr) {
                    *cell += share * f;
                }
            }
            for t in 0..3 {
                if offers_tier(t) {
                    a.places_tier[t] += share;
                }
                for k in 0..4 {
                    if offers_tier(t) && offers_ks(k) {
                        a.places_tier_ks[t][k] += share;
                        for n in &o.needs {
                            *a.supply.entry((TIERS[t], KEY_STAGES[k], n.key().to_string())).or_insert(0.0) += share;
                        }
                    }
                }
            }
            for k in 0..4 {
                if offers_ks(k) {
                    a.places_ks[k] += share;
                }
            }
            let mut needs: Vec<&str> = o.needs.iter().map(|n| n.key()).collect();
            needs.sort_unstable();
            needs.dedup();
            for n in needs {
                *a.places_need.entry(n.to_string()).or_insert(0.0) += share;
            }
        }
    }

    // Access: postcodes within reach of a site offering each tier × key stage.
    for (p, pcs) in postcodes.iter().enumerate() {
        out[p].postcodes = pcs.len();
    }
    let max_miles = out.iter().map(|a| a.max_travel_miles).fold(0.0, f64::max);
    let mut extent = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(lat, lon) in postcodes.iter().flatten() {
        extent = (extent.0.min(lat), extent.1.min(lon), extent.2.max(lat), extent.3.max(lon));
    }
    let combos: Vec<(usize, usize)> = (0..3).flat_map(|t| (0..4).map(move |k| (t, k))).collect();
    // The sites offering each tier and key stage.
    let combo_sites: Vec<Vec<(f64, f64)>> = combos
        .iter()
        .map(|&(t, k)| {
            site.providers
                .iter()
                .filter(|vp| {
                    counts_towards_supply(vp)
                        && vp.provider.offer.tiers.contains(&TIERS[t])
                        && vp.provider.offer.key_stages.iter().any(|x| x.key() == KEY_STAGES[k])
                })
                .flat_map(|vp| vp.sites.iter().map(|s| (s.lat, s.lon)))
                .collect()
        })
        .collect();
    let miles: Vec<f64> = out.iter().map(|a| a.max_travel_miles).collect();
    let memo = memo.map(|m| (m, AccessKey::of(&combo_sites, &postcodes, &miles)));
    let results: Access = if let Some(r) = memo.and_then(|(m, key)| m.get(key)) {
        r
    } else if extent.0 > extent.2 {
        Arc::new(vec![vec![None; out.len()]; combos.len()])
    } else {
        let r: Vec<Vec<Option<f64>>> = combo_sites
            .par_iter()
            .map(|sites| {
                let grid = Grid::new(sites, extent, max_miles);
                postcodes
                    .iter()
                    .enumerate()
                    .map(|(p, pcs)| {
                        if pcs.is_empty() {
                            return None;
                        }
                        let miles = out[p].max_travel_miles;
                        let (ry, rx) = Grid::radius_cells(extent.2, miles);
                        let reach = grid.reach_map(ry, rx);
                        let near = pcs.iter().filter(|&&(lat, lon)| grid.any_within(lat, lon, miles, &reach)).count();
                        Some(near as f64 / pcs.len() as f64)
                    })
                    .collect()
            })
            .collect();
        let r = Arc::new(r);
        if let Some((m, key)) = memo {
            m.put(key, &r);
        }
        r
    };
    for (c, &(t, k)) in combos.iter().enumerate() {
        for (p, a) in out.iter_mut().enumerate() {
            a.access[t][k] = results[c][p];
        }
    }

    let rules = GapRules::of(&site.config);
    for a in &mut out {
        let found = rules::check(a, &rules);
        a.gaps = found.gaps;
        a.compared = found.compared;
    }
    let mut need_keys: Vec<String> = site.area_figures.iter().flat_map(|f| f.demand.by_need.keys().cloned()).collect();
    need_keys.sort();
    need_keys.dedup();
    GapReport { areas: out, need_keys }
}

/// Everything the access figures are worked out from: the sites offering each tier and key
/// stage, each area's postcodes and its travel limit.
#[derive(Clone, Copy, PartialEq, Eq)]
struct AccessKey(u128);

/// Access figures: per tier and key stage, per area, the share of postcodes within reach.
type Access = Arc<Vec<Vec<Option<f64>>>>;

/// The access figures of the last analysis, kept by `apdir serve` between rebuilds (as
/// the preview session's `build::Run::access_memo`): they take most of the analysis's time and seldom change when one
/// record is saved, so they are reused while their [`AccessKey`] matches exactly.
#[derive(Default)]
pub struct AccessMemo(std::sync::Mutex<Option<(AccessKey, Access)>>);

impl AccessMemo {
    fn get(&self, key: AccessKey) -> Option<Access> {
        let last = self.0.lock_unpoisoned();
        last.as_ref().filter(|(k, _)| *k == key).map(|(_, r)| r.clone())
    }

    fn put(&self, key: AccessKey, r: &Access) {
        *self.0.lock_unpoisoned() = Some((key, r.clone()));
    }
}

impl AccessKey {
    fn of(combo_sites: &[Vec<(f64, f64)>], postcodes: &[Vec<(f64, f64)>], miles: &[f64]) -> AccessKey {
        use siphasher::sip128::{Hasher128, SipHasher13 as KeyHasher};
        use std::hash::Hasher;
        let mut h = KeyHasher::new();
        for points in combo_sites.iter().chain(postcodes) {
            h.write_usize(points.len());
            for &(lat, lon) in points {
                h.write_u64(lat.to_bits());
                h.write_u64(lon.to_bits());
            }
        }
        h.write_usize(miles.len());
        for m in miles {
            h.write_u64(m.to_bits());
        }
        AccessKey(h.finish128().as_u128())
    }
}

pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}
pub fn fmt_rate(v: f64) -> String {
    format!("{v:.1}")
}

/// Sites bucketed on a dense grid of cells about 3 miles square over the postcodes' extent,
/// for "any site within N miles" queries. A dilated occupancy map answers most "no" queries
/// at once; "yes" queries search outwards from the nearest cells and stop at the first hit.
struct Grid {
    min_lat: f64,
    min_lon: f64,
    rows: i32,
    cols: i32,
    cells: Vec<Vec<(f64, f64)>>,
    /// For each reach (rows, cols) asked for: whether any site lies within that many cells.
    reach: std::sync::Mutex<HashMap<(i32, i32), ReachMap>>,
}

type ReachMap = std::sync::Arc<Vec<bool>>;

const CELL_LAT: f64 = 0.05; // about 3.5 miles
const CELL_LON: f64 = 0.08; // about 3.3 miles at 54°N

impl Grid {
    /// `extent` is (min_lat, min_lon, max_lat, max_lon) of the points that will be asked about.
    fn new(sites: &[(f64, f64)], extent: (f64, f64, f64, f64), max_miles: f64) -> Grid {
        let margin_lat = max_miles / 69.0 + CELL_LAT;
        let margin_lon = max_miles / (69.0 * extent.2.to_radians().cos().max(0.1)) + CELL_LON;
        let (min_lat, min_lon) = (extent.0 - margin_lat, extent.1 - margin_lon);
        let rows = (((extent.2 + margin_lat - min_lat) / CELL_LAT).ceil() as i32).max(1);
        let cols = (((extent.3 + margin_lon - min_lon) / CELL_LON).ceil() as i32).max(1);
        let mut g = Grid { min_lat, min_lon, rows, cols, cells: vec![Vec::new(); (rows * cols) as usize], reach: Default::default() };
        for &(lat, lon) in sites {
            if let Some(i) = g.index(g.key(lat, lon)) {
                g.cells[i].push((lat, lon));
            }
        }
        g
    }
    fn key(&self, lat: f64, lon: f64) -> (i32, i32) {
        (((lat - self.min_lat) / CELL_LAT).floor() as i32, ((lon - self.min_lon) / CELL_LON).floor() as i32)
    }
    fn index(&self, (r, c): (i32, i32)) -> Option<usize> {
        (r >= 0 && c >= 0 && r < self.rows && c < self.cols).then(|| (r * self.cols + c) as usize)
    }
    /// Occupancy dilated by `ry` rows and `rx` columns (separable: rows, then columns).
    fn reach_map(&self, ry: i32, rx: i32) -> std::sync::Arc<Vec<bool>> {
        let mut cache = self.reach.lock_unpoisoned();
        cache
            .entry((ry, rx))
            .or_insert_with(|| {
                let (rows, cols) = (self.rows, self.cols);
                let occ: Vec<bool> = self.cells.iter().map(|c| !c.is_empty()).collect();
                let mut across = vec![false; occ.len()];
                for r in 0..rows {
                    for c in 0..cols {
                        let lo = (c - rx).max(0);
                        let hi = (c + rx).min(cols - 1);
                        across[(r * cols + c) as usize] = (lo..=hi).any(|x| occ[(r * cols + x) as usize]);
                    }
                }
                let mut both = vec![false; occ.len()];
                for r in 0..rows {
                    for c in 0..cols {
                        let lo = (r - ry).max(0);
                        let hi = (r + ry).min(rows - 1);
                        both[(r * cols + c) as usize] = (lo..=hi).any(|y| across[(y * cols + c) as usize]);
                    }
                }
                std::sync::Arc::new(both)
            })
            .clone()
    }
    fn radius_cells(lat: f64, miles: f64) -> (i32, i32) {
        ((miles / 69.0 / CELL_LAT).ceil() as i32, (miles / (69.0 * lat.to_radians().cos().max(0.1)) / CELL_LON).ceil() as i32)
    }
    fn any_within(&self, lat: f64, lon: f64, miles: f64, reach: &[bool]) -> bool {
        let (cy, cx) = self.key(lat, lon);
        if self.index((cy, cx)).is_some_and(|i| !reach[i]) {
            return false;
        }
        let (ry, rx) = Self::radius_cells(lat, miles);
        // Nearest rings first, so most queries stop early.
        for r in 0..=ry.max(rx) {
            for dy in -r.min(ry)..=r.min(ry) {
                for dx in -r.min(rx)..=r.min(rx) {
                    if dy.abs() != r && dx.abs() != r {
                        continue;
                    }
                    if let Some(i) = self.index((cy + dy, cx + dx))
                        && self.cells[i].iter().any(|&(la, lo)| crate::geo::miles_between(lat, lon, la, lo) <= miles)
                    {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Figures a reader may see, after the suppression policy.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedReport {
    pub suppressed: bool,
    pub threshold: u64,
    /// Labels of the count columns, in order (layout, then needs).
    pub count_keys: Vec<(String, String)>,
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
    pub text: String,
}

/// The published column holding the count a gap is worked out from.
fn basis_column(b: Basis, cells_at: Option<usize>) -> Option<usize> {
    match b {
        Basis::Public => None,
        Basis::DemandTotal => Some(DEMAND_TOTAL),
        Basis::KeyStage(k) => Some(9 + k),
        Basis::Tier(t) => Some(13 + t),
        Basis::Cell(t, k) => cells_at.map(|c| c + t * 4 + k),
    }
}

/// The gaps of area `a` as they may be shown beside `counts` (its published counts).
fn publish_gaps(a: &AreaGaps, counts: &[Shown], cells_at: Option<usize>) -> Vec<PublishedGap> {
    let shown = |b: Basis| basis_column(b, cells_at).is_none_or(|c| counts.get(c).is_some_and(|v| v.is_shown()));
    let mut out: Vec<PublishedGap> = a
        .gaps
        .iter()
        .filter(|g| shown(g.basis))
        .map(|g| PublishedGap { rule: g.rule, tier: g.tier, key_stage: g.key_stage, text: g.text.clone() })
        .collect();
    for &b in a.compared.iter().filter(|&&b| !shown(b)) {
        let (tier, key_stage) = match b {
            Basis::Tier(t) => (Some(TIERS[t]), None),
            Basis::KeyStage(k) => (None, Some(KEY_STAGES[k])),
            Basis::Cell(t, k) => (Some(TIERS[t]), Some(KEY_STAGES[k])),
            _ => (None, None),
        };
        out.push(PublishedGap {
            rule: "withheld",
            tier,
            key_stage,
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
        let width = COUNT_LAYOUT.len() + self.need_keys.len() + if with_cells { 12 } else { 0 };
        let with_figures: Vec<usize> = (0..self.areas.len()).filter(|&i| self.areas[i].figures.is_some()).collect();
        let mut cells: Vec<Shown> = Vec::with_capacity((self.areas.len() + 1) * width);
        for a in &self.areas {
            cells.extend(a.raw_counts(&self.need_keys));
            if with_cells {
                cells.extend(a.raw_cells());
            }
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
        let shown = suppress::apply(&cells, &sums, policy);
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
                    gaps: publish_gaps(a, &counts, cells_at),
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
        PublishedReport {
            suppressed: policy != Suppression::Off,
            threshold: match policy {
                Suppression::Off => 0,
                Suppression::Public { threshold } => threshold,
            },
            count_keys,
            areas,
            county: shown[county_base..county_base + width].to_vec(),
        }
    }
}

/// A need's label: the vocabulary's, or the key made readable (`medical` is allowed in area
/// figures for either medical need).
pub fn need_label(key: &str) -> String {
    let n = crate::model::vocab::Need::from_key(key);
    if n.is_known() { n.label().to_string() } else { crate::model::text::humanise(key) }
}
