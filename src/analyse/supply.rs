//! Working out the raw figures of the gap report: which in-scope area each postcode and site
//! is in, each area's share of places (supply), and the share of its postcodes within reach
//! of a site for each tier and key stage (access). Then the gap rules run on each area.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{AreaGaps, GapReport, GapRules, KEY_STAGES, LayerInfo, TIERS, cells, counts_towards_supply, rules};
use crate::geo::Area;
use crate::geo::assign::AreaIndex;
use crate::model::area::{AreaFigures, MEDICAL};
use crate::model::lock::LockExt;
use crate::model::provider::Offer;
use crate::model::vocab::Need;
use crate::site::Site;
use crate::validate::ValidProvider;

/// Runs the analysis over the validated site: the main boundary layer (`report.areas`), then
/// each of `[[area_layers]]` (`report.layers`, in the configuration's order).
pub fn analyse(site: &Site, memo: Option<&AccessMemo>) -> GapReport {
    let main = LayerInput { key: "", name: &site.config.area_layer_name, areas: &site.areas, figures: &site.area_figures, main: true };
    // The layers are independent: all of them side by side.
    let (mut report, layers) = rayon::join(
        || analyse_layer(site, &main, memo),
        || {
            site.area_layers
                .par_iter()
                .map(|l| analyse_layer(site, &LayerInput { key: &l.key, name: &l.name, areas: &l.areas, figures: &l.figures, main: false }, memo))
                .collect()
        },
    );
    report.layers = layers;
    report
}

/// One boundary layer's areas and figures.
struct LayerInput<'a> {
    key: &'a str,
    name: &'a str,
    areas: &'a [Area],
    figures: &'a [AreaFigures],
    /// The main layer (providers' codes were checked against it).
    main: bool,
}

/// The analysis of one layer.
fn analyse_layer(site: &Site, layer: &LayerInput, memo: Option<&AccessMemo>) -> GapReport {
    let figures: HashMap<&str, &AreaFigures> = layer.figures.iter().map(|f| (f.code.as_str(), f)).collect();
    let areas = InScope::new(layer.areas, &figures);
    let (postcodes, districts_of) = postcodes_by_area(site, &areas);
    let children = nested_areas(layer.areas, &areas, &districts_of);
    let mut out: Vec<AreaGaps> = areas.in_scope.iter().map(|&i| empty_area(&layer.areas[i], &figures)).collect();
    // A service area the layer does not know (a ward code, seen from a district layer) is
    // placed by the main layer's area of that code, at its centre.
    let elsewhere = if layer.main { None } else { Some(site.areas.as_slice()) };
    add_supply(site, &areas, &children, elsewhere, &mut out);
    add_access(site, &postcodes, memo, &mut out);
    let rules = GapRules::of(&site.config);
    for a in &mut out {
        let found = rules::check(a, &rules);
        a.gaps = found.gaps;
        a.compared = found.compared;
    }
    let mut need_keys: Vec<String> = layer.figures.iter().flat_map(|f| f.demand.by_need.keys().cloned()).collect();
    need_keys.sort();
    need_keys.dedup();
    GapReport { areas: out, need_keys, layer: LayerInfo { key: layer.key.to_string(), name: layer.name.to_string() }, layers: Vec::new() }
}

/// The areas the report covers, and how to find which of them a point is in.
struct InScope<'a> {
    /// Indexes into `site.areas` of the areas in scope; the report's areas are in this order.
    in_scope: Vec<usize>,
    /// Position in `in_scope` by area code.
    index_of: HashMap<&'a str, usize>,
    by_location: AreaIndex<'a>,
    /// Every code the boundary file names (areas and their parents).
    known: HashSet<&'a str>,
}

impl<'a> InScope<'a> {
    fn new(all: &'a [Area], figures: &HashMap<&str, &AreaFigures>) -> InScope<'a> {
        let in_scope: Vec<usize> =
            (0..all.len()).filter(|&i| all[i].in_scope && figures.get(all[i].code.as_str()).is_none_or(|f| f.in_scope)).collect();
        let index_of = in_scope.iter().enumerate().map(|(pos, &i)| (all[i].code.as_str(), pos)).collect();
        // By code when the boundary file is the postcode file's geography (districts, wards);
        // else by location (electoral divisions, planning areas: any polygons).
        let by_location = AreaIndex::new(in_scope.iter().map(|&i| &all[i]).collect());
        let known = all.iter().flat_map(|a| std::iter::once(a.code.as_str()).chain(a.parent.as_deref())).collect();
        InScope { in_scope, index_of, by_location, known }
    }

    /// The in-scope area (position) a postcode or site is in.
    fn area_of_point(&self, district: &str, ward: &str, lon: f64, lat: f64) -> Option<usize> {
        if let Some(&p) = self.index_of.get(district).or_else(|| self.index_of.get(ward)) {
            return Some(p);
        }
        // A code of the boundary file outside the figures (a context area) stays outside.
        if self.known.contains(district) || self.known.contains(ward) {
            return None;
        }
        self.by_location.locate(lon, lat)
    }
}

/// Each area's postcodes (the weights of the access measure), and the district codes the
/// postcode file gives them.
#[allow(clippy::type_complexity)]
fn postcodes_by_area<'s>(site: &'s Site, areas: &InScope) -> (Vec<Vec<(f64, f64)>>, Vec<HashMap<&'s str, usize>>) {
    let mut postcodes: Vec<Vec<(f64, f64)>> = vec![Vec::new(); areas.in_scope.len()];
    let mut districts_of: Vec<HashMap<&str, usize>> = vec![HashMap::new(); areas.in_scope.len()];
    for (_, e) in site.postcodes.iter() {
        if let Some(p) = areas.area_of_point(&e.district, &e.ward, e.lon, e.lat) {
            postcodes[p].push((e.lat, e.lon));
            *districts_of[p].entry(e.district.as_str()).or_default() += 1;
        }
    }
    (postcodes, districts_of)
}

/// Areas nested in a larger one (wards in a district), for service areas given as districts:
/// the parent the boundary file names, else the district most of the area's postcodes are in.
fn nested_areas<'s>(all: &'s [Area], areas: &InScope, districts_of: &[HashMap<&'s str, usize>]) -> HashMap<&'s str, Vec<usize>> {
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (pos, &i) in areas.in_scope.iter().enumerate() {
        let derived = || districts_of[pos].iter().max_by_key(|(code, n)| (**n, std::cmp::Reverse(**code))).map(|(code, _)| *code);
        if let Some(p) = all[i].parent.as_deref().or_else(derived)
            && p != all[i].code
        {
            children.entry(p).or_default().push(pos);
        }
    }
    children
}

/// An area with its figures and targets and no supply or access yet.
fn empty_area(a: &Area, figures: &HashMap<&str, &AreaFigures>) -> AreaGaps {
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
}

/// Supply: each provider is listed in every area it serves, and one that counts towards
/// supply shares its places equally between them.
fn add_supply(site: &Site, areas: &InScope, children: &HashMap<&str, Vec<usize>>, elsewhere: Option<&[Area]>, out: &mut [AreaGaps]) {
    let mut by_need: Vec<NeedCells> = vec![Vec::new(); out.len()];
    for (pi, vp) in site.providers.iter().enumerate() {
        let served = served_areas(vp, areas, children, elsewhere);
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
        let fractions = cells::apportion_places(o, &vp.provider.capacity);
        for &p in &served {
            add_share(&mut out[p], &mut by_need[p], o, share, &fractions);
        }
    }
    for (a, needs) in out.iter_mut().zip(by_need) {
        for (n, cells) in needs {
            for (t, row) in cells.iter().enumerate() {
                for (k, v) in row.iter().enumerate() {
                    if let Some(v) = v {
                        a.supply.insert((TIERS[t], KEY_STAGES[k], n.to_string()), *v);
                    }
                }
            }
        }
        // A need cell of the figures that no provider offers has no places: 0, not unknown.
        let given = a.figures.as_ref().map(|f| f.demand.need_cells()).unwrap_or_default();
        for (t, k, n, _) in given {
            a.supply.entry((TIERS[t], KEY_STAGES[k], n.to_string())).or_insert(0.0);
        }
    }
}

/// One area's places by need key, then tier × key stage (`None`: no provider offers the
/// cell): gathered in a short list while the providers are added, then moved into
/// [`AreaGaps::supply`] once, so adding a provider makes no key strings.
type NeedCells<'s> = Vec<(&'s str, [[Option<f64>; 4]; 3])>;

/// The areas (positions) a provider serves: those its sites are in, then those of its
/// service area (a district stands for the areas nested in it; a code only `elsewhere` knows
/// stands for the area holding its centre).
fn served_areas(vp: &ValidProvider, areas: &InScope, children: &HashMap<&str, Vec<usize>>, elsewhere: Option<&[Area]>) -> Vec<usize> {
    let mut served: Vec<usize> = Vec::new();
    for s in &vp.sites {
        if let Some(p) = areas.area_of_point(&s.district, &s.ward, s.lon, s.lat)
            && !served.contains(&p)
        {
            served.push(p);
        }
    }
    for code in &vp.provider.service_area {
        let direct = areas.index_of.get(code.as_str()).map(|&p| vec![p]);
        let by_centre = || {
            let a = elsewhere?.iter().find(|a| a.code == *code)?;
            areas.by_location.locate(a.centre.0, a.centre.1).map(|p| vec![p])
        };
        for p in direct.or_else(|| children.get(code.as_str()).cloned()).or_else(by_centre).unwrap_or_default() {
            if !served.contains(&p) {
                served.push(p);
            }
        }
    }
    served
}

/// Adds one provider's share of places to an area: in total, per counted cell, per tier,
/// key stage and need.
#[allow(clippy::needless_range_loop)] // tiers and key stages index several arrays at once
fn add_share<'s>(a: &mut AreaGaps, by_need: &mut NeedCells<'s>, o: &'s Offer, share: f64, fractions: &[[f64; 4]; 3]) {
    let ks: [bool; 4] = std::array::from_fn(|k| o.key_stages.iter().any(|x| x.key() == KEY_STAGES[k]));
    let tiers: [bool; 3] = std::array::from_fn(|t| o.tiers.contains(&TIERS[t]));
    let offers_ks = |k: usize| ks[k];
    let offers_tier = |t: usize| tiers[t];
    // `medical` in area figures stands for either medical need: a provider meeting both
    // counts once.
    let medical = o.needs.iter().any(|n| matches!(n, Need::MedicalPhysical | Need::MedicalMentalHealth));
    a.places += share;
    for (row, fr) in a.places_cell.iter_mut().zip(fractions) {
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
                    *need_cells(by_need, n.key())[t][k].get_or_insert(0.0) += share;
                }
                if medical {
                    *need_cells(by_need, MEDICAL)[t][k].get_or_insert(0.0) += share;
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
        match a.places_need.get_mut(n) {
            Some(v) => *v += share,
            None => {
                a.places_need.insert(n.to_string(), 0.0 + share);
            }
        }
    }
}

/// The cells of need `key` in an area's list, added when new.
fn need_cells<'l, 's>(by_need: &'l mut NeedCells<'s>, key: &'s str) -> &'l mut [[Option<f64>; 4]; 3] {
    let i = match by_need.iter().position(|(n, _)| *n == key) {
        Some(i) => i,
        None => {
            by_need.push((key, [[None; 4]; 3]));
            by_need.len() - 1
        }
    };
    &mut by_need[i].1
}

/// Access: postcodes within reach of a site offering each tier × key stage.
fn add_access(site: &Site, postcodes: &[Vec<(f64, f64)>], memo: Option<&AccessMemo>, out: &mut [AreaGaps]) {
    for (p, pcs) in postcodes.iter().enumerate() {
        out[p].postcodes = pcs.len();
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
    let memo = memo.map(|m| (m, AccessKey::of(&combo_sites, postcodes, &miles)));
    let results: Access = if let Some(r) = memo.and_then(|(m, key)| m.get(key)) {
        r
    } else if let Some(extent) = extent(postcodes) {
        let r = access_figures(&combo_sites, postcodes, &miles, extent);
        if let Some((m, key)) = memo {
            m.put(key, &r);
        }
        r
    } else {
        Arc::new(vec![vec![None; out.len()]; combos.len()])
    };
    for (c, &(t, k)) in combos.iter().enumerate() {
        for (p, a) in out.iter_mut().enumerate() {
            a.access[t][k] = results[c][p];
        }
    }
}

/// (min_lat, min_lon, max_lat, max_lon) of all the postcodes; None when there are none.
fn extent(postcodes: &[Vec<(f64, f64)>]) -> Option<(f64, f64, f64, f64)> {
    let mut extent = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(lat, lon) in postcodes.iter().flatten() {
        extent = (extent.0.min(lat), extent.1.min(lon), extent.2.max(lat), extent.3.max(lon));
    }
    (extent.0 <= extent.2).then_some(extent)
}

/// For each set of sites (one per tier and key stage), per area: the share of the area's
/// postcodes within the area's travel limit (`miles`) of a site; None for an area without
/// postcodes.
fn access_figures(combo_sites: &[Vec<(f64, f64)>], postcodes: &[Vec<(f64, f64)>], miles: &[f64], extent: (f64, f64, f64, f64)) -> Access {
    let max_miles = miles.iter().copied().fold(0.0, f64::max);
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
                    let miles = miles[p];
                    let (ry, rx) = Grid::radius_cells(extent.2, miles);
                    let reach = grid.reach_map(ry, rx);
                    let near = pcs.iter().filter(|&&(lat, lon)| grid.any_within(lat, lon, miles, &reach)).count();
                    Some(near as f64 / pcs.len() as f64)
                })
                .collect()
        })
        .collect();
    Arc::new(r)
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
pub struct AccessMemo(std::sync::Mutex<Vec<(AccessKey, Access)>>);

/// The memo keeps one set of figures per boundary layer, at most this many.
const MEMO_ENTRIES: usize = crate::config::MAX_AREA_LAYERS + 1;

impl AccessMemo {
    fn get(&self, key: AccessKey) -> Option<Access> {
        let last = self.0.lock_unpoisoned();
        last.iter().find(|(k, _)| *k == key).map(|(_, r)| r.clone())
    }

    fn put(&self, key: AccessKey, r: &Access) {
        let mut kept = self.0.lock_unpoisoned();
        kept.retain(|(k, _)| *k != key);
        if kept.len() >= MEMO_ENTRIES {
            kept.remove(0);
        }
        kept.push((key, r.clone()));
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
