//! Working out the raw figures of the gap report: which in-scope area each postcode and site
//! is in, each area's share of places (supply), and the share of its postcodes within reach
//! of a site for each tier and key stage (access). Then the gap rules run on each area.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{AreaGaps, GapReport, GapRules, KEY_STAGES, LayerInfo, TIERS, cells, counts_towards_supply, rules};
use crate::geo::assign::AreaIndex;
use crate::geo::{Area, PostcodeEntry};
use crate::model::area::{AreaFigures, MEDICAL};
use crate::model::lock::LockExt;
use crate::model::vocab::Need;
use crate::site::Site;
use crate::validate::ValidProvider;

/// Runs the analysis over the validated site: the main boundary layer (`report.areas`), then
/// each of `[[area_layers]]` (`report.layers`, in the configuration's order).
pub fn analyse(site: &Site, memo: Option<&AccessMemo>) -> GapReport {
    // Every postcode once, in one order, so the layers can share what is worked out per postcode.
    let points: Vec<&PostcodeEntry> = site.postcodes.iter().map(|(_, e)| e).collect();
    let main = LayerInput { key: "", name: &site.config.area_layer_name, areas: &site.areas, figures: &site.area_figures, main: true };
    let inputs: Vec<LayerInput> = std::iter::once(main)
        .chain(site.area_layers.iter().map(|l| LayerInput { key: &l.key, name: &l.name, areas: &l.areas, figures: &l.figures, main: false }))
        .collect();
    // The layers are independent: their areas and supply side by side; then access, worked
    // out once for every postcode and travel target any layer asks about (two layers over
    // the same county ask about the same postcodes); then each layer's figures and rules.
    let mut layers: Vec<LayerWork> = inputs.par_iter().map(|l| prepare_layer(site, &points, l)).collect();
    let reach = Reach::of(site, &points, &layers, memo);
    layers.par_iter_mut().for_each(|l| finish_layer(site, l, &reach));
    let mut reports = layers.into_iter().map(|l| l.report);
    let mut report = reports.next().expect("the main layer is always analysed");
    report.layers = reports.collect();
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

/// One layer's report while it is made, and each of its areas' postcodes (indices into the
/// analysis's list of every postcode), the weights of the access measure.
struct LayerWork {
    report: GapReport,
    postcodes: Vec<Vec<u32>>,
}

/// One layer's areas, figures, targets and supply: everything but access and the rules.
fn prepare_layer(site: &Site, points: &[&PostcodeEntry], layer: &LayerInput) -> LayerWork {
    let figures: HashMap<&str, &AreaFigures> = layer.figures.iter().map(|f| (f.code.as_str(), f)).collect();
    let areas = InScope::new(layer.areas, &figures);
    let (postcodes, districts_of) = postcodes_by_area(points, &areas);
    let children = nested_areas(layer.areas, &areas, &districts_of);
    let mut out: Vec<AreaGaps> = areas.in_scope.iter().map(|&i| empty_area(&layer.areas[i], &figures)).collect();
    // A service area the layer does not know (a ward code, seen from a district layer) is
    // placed by the main layer's area of that code, at its centre.
    let elsewhere = if layer.main { None } else { Some(site.areas.as_slice()) };
    add_supply(site, &areas, &children, elsewhere, &mut out);
    let mut need_keys: Vec<String> = layer.figures.iter().flat_map(|f| f.demand.by_need.keys().cloned()).collect();
    need_keys.sort();
    need_keys.dedup();
    let layer = LayerInfo { key: layer.key.to_string(), name: layer.name.to_string() };
    LayerWork { report: GapReport { areas: out, need_keys, layer, layers: Vec::new() }, postcodes }
}

/// Adds access to a prepared layer's areas, then runs the gap rules on each.
fn finish_layer(site: &Site, layer: &mut LayerWork, reach: &Reach) {
    let out = &mut layer.report.areas;
    for (a, pcs) in out.iter_mut().zip(&layer.postcodes) {
        a.postcodes = pcs.len();
        a.access = reach.access(pcs, a.max_travel_miles);
    }
    let rules = GapRules::of(&site.config);
    for a in out.iter_mut() {
        let found = rules::check(a, &rules);
        a.gaps = found.gaps;
        a.compared = found.compared;
    }
}

/// The areas the report covers, and how to find which of them a point is in.
struct InScope<'a> {
    /// Indexes into `site.areas` of the areas in scope; the report's areas are in this order.
    in_scope: Vec<usize>,
    /// Position in `in_scope` by area code.
    index_of: HashMap<&'a str, usize>,
    by_location: AreaIndex<'a>,
    /// Codes that put a point outside the report: context areas, and parents that only
    /// context areas name. (A parent of an area in scope, a ward's district, says only which
    /// district a point is in: such a point is placed in its ward by location.)
    outside: HashSet<&'a str>,
}

impl<'a> InScope<'a> {
    fn new(all: &'a [Area], figures: &HashMap<&str, &AreaFigures>) -> InScope<'a> {
        let in_scope: Vec<usize> =
            (0..all.len()).filter(|&i| all[i].in_scope && figures.get(all[i].code.as_str()).is_none_or(|f| f.in_scope)).collect();
        let index_of: HashMap<&str, usize> = in_scope.iter().enumerate().map(|(pos, &i)| (all[i].code.as_str(), pos)).collect();
        // By code when the boundary file is the postcode file's geography (districts, wards);
        // else by location (electoral divisions, planning areas: any polygons).
        let by_location = AreaIndex::new(in_scope.iter().map(|&i| &all[i]).collect());
        let parents_in_scope: HashSet<&str> = in_scope.iter().filter_map(|&i| all[i].parent.as_deref()).collect();
        let scoped: HashSet<usize> = in_scope.iter().copied().collect();
        let outside = (0..all.len())
            .filter(|i| !scoped.contains(i))
            .flat_map(|i| std::iter::once(all[i].code.as_str()).chain(all[i].parent.as_deref()))
            .filter(|code| !parents_in_scope.contains(code) && !index_of.contains_key(code))
            .collect();
        InScope { in_scope, index_of, by_location, outside }
    }

    /// The in-scope area (position) a postcode or site is in.
    fn area_of_point(&self, district: &str, ward: &str, lon: f64, lat: f64) -> Option<usize> {
        if let Some(&p) = self.index_of.get(district).or_else(|| self.index_of.get(ward)) {
            return Some(p);
        }
        // A code of the boundary file outside the figures (a context area) stays outside.
        if self.outside.contains(district) || self.outside.contains(ward) {
            return None;
        }
        self.by_location.locate(lon, lat)
    }
}

/// Each area's postcodes (indices into `points`: the weights of the access measure), and the
/// district codes the postcode file gives them.
#[allow(clippy::type_complexity)]
fn postcodes_by_area<'s>(points: &[&'s PostcodeEntry], areas: &InScope) -> (Vec<Vec<u32>>, Vec<HashMap<&'s str, usize>>) {
    let mut postcodes: Vec<Vec<u32>> = vec![Vec::new(); areas.in_scope.len()];
    let mut districts_of: Vec<HashMap<&str, usize>> = vec![HashMap::new(); areas.in_scope.len()];
    for (i, e) in points.iter().enumerate() {
        if let Some(p) = areas.area_of_point(&e.district, &e.ward, e.lon, e.lat) {
            postcodes[p].push(i as u32);
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
    let mut keys = NeedKeys::default();
    // Places open to a need are worked out for the needs an area's figures give in their
    // cells (the rule and the area page compare those, in every tier and key stage).
    let mut by_need: Vec<AreaNeeds> = out
        .iter()
        .map(|a| {
            let given = a.figures.as_ref().map(|f| f.demand.need_cells()).unwrap_or_default();
            let mut wanted: Vec<usize> = given.iter().map(|&(_, _, n, _)| keys.number(n)).collect();
            wanted.sort_unstable();
            wanted.dedup();
            AreaNeeds { wanted, ..AreaNeeds::default() }
        })
        .collect();
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
        let c = Contribution::of(vp, served.len(), &mut keys);
        for &p in &served {
            add_share(&mut out[p], &mut by_need[p], &c);
        }
    }
    for (a, needs) in out.iter_mut().zip(by_need) {
        for (n, cells) in needs.cells {
            for (t, row) in cells.iter().enumerate() {
                for (k, v) in row.iter().enumerate() {
                    if let Some(v) = v {
                        a.supply.insert((TIERS[t], KEY_STAGES[k], keys.names[n].to_string()), *v);
                    }
                }
            }
        }
        a.places_need = needs.places.into_iter().map(|(n, v)| (keys.names[n].to_string(), v)).collect();
        // A need cell of the figures that no provider offers has no places: 0, not unknown.
        let given = a.figures.as_ref().map(|f| f.demand.need_cells()).unwrap_or_default();
        for (t, k, n, _) in given {
            a.supply.entry((TIERS[t], KEY_STAGES[k], n.to_string())).or_insert(0.0);
        }
    }
}

/// The need keys of one layer's figures and providers, numbered as first met, so adding a
/// provider to an area compares numbers, not strings (a few dozen at most: the vocabulary).
#[derive(Default)]
struct NeedKeys<'s> {
    names: Vec<&'s str>,
}

impl<'s> NeedKeys<'s> {
    fn number(&mut self, key: &'s str) -> usize {
        self.names.iter().position(|n| *n == key).unwrap_or_else(|| {
            self.names.push(key);
            self.names.len() - 1
        })
    }
}

/// One area's places by need (numbered by [`NeedKeys`]): per tier × key stage for the
/// `wanted` needs (`None`: no provider offers the cell), and in all. Gathered in short lists
/// while the providers are added, then moved into [`AreaGaps::supply`] and
/// [`AreaGaps::places_need`] once, so adding a provider makes no key strings.
#[derive(Clone, Default)]
struct AreaNeeds {
    /// The needs the area's figures give in their cells, sorted.
    wanted: Vec<usize>,
    cells: Vec<(usize, [[Option<f64>; 4]; 3])>,
    places: Vec<(usize, f64)>,
}

/// What a provider counting towards supply adds to each area it serves, worked out once for
/// all of them (a provider serving a district serves each of its wards).
struct Contribution {
    /// Its places divided by the number of areas it serves.
    share: f64,
    /// The share of its places counted in each tier × key stage ([`cells::apportion_places`]).
    fractions: [[f64; 4]; 3],
    tiers: [bool; 3],
    key_stages: [bool; 4],
    /// The tier × key stage cells it offers (tier, key stage), in that order.
    open: Vec<(usize, usize)>,
    /// The needs of the cells it opens: the record's, then `medical` when it meets either
    /// medical need (area figures' `medical` stands for both: counted once).
    cell_needs: Vec<usize>,
    /// The record's needs, each once.
    needs: Vec<usize>,
}

impl Contribution {
    fn of<'s>(vp: &'s ValidProvider, served: usize, keys: &mut NeedKeys<'s>) -> Contribution {
        let o = &vp.provider.offer;
        let mut cell_needs: Vec<usize> = o.needs.iter().map(|n| keys.number(n.key())).collect();
        let mut needs = cell_needs.clone();
        needs.sort_unstable();
        needs.dedup();
        if o.needs.iter().any(|n| matches!(n, Need::MedicalPhysical | Need::MedicalMentalHealth)) {
            cell_needs.push(keys.number(MEDICAL));
        }
        let tiers: [bool; 3] = std::array::from_fn(|t| o.tiers.contains(&TIERS[t]));
        let key_stages: [bool; 4] = std::array::from_fn(|k| o.key_stages.iter().any(|x| x.key() == KEY_STAGES[k]));
        let open = (0..3).flat_map(|t| (0..4).map(move |k| (t, k))).filter(|&(t, k)| tiers[t] && key_stages[k]).collect();
        Contribution {
            share: vp.provider.capacity.places.unwrap_or(0) as f64 / served as f64,
            fractions: cells::apportion_places(o, &vp.provider.capacity),
            tiers,
            key_stages,
            open,
            cell_needs,
            needs,
        }
    }
}

/// Adds one provider's share of places to an area: in total, per counted cell, per tier,
/// key stage and need.
fn add_share(a: &mut AreaGaps, by_need: &mut AreaNeeds, c: &Contribution) {
    let share = c.share;
    a.places += share;
    for (row, fr) in a.places_cell.iter_mut().zip(&c.fractions) {
        for (cell, f) in row.iter_mut().zip(fr) {
            *cell += share * f;
        }
    }
    for (places, _) in a.places_tier.iter_mut().zip(c.tiers).filter(|(_, offered)| *offered) {
        *places += share;
    }
    for &(t, k) in &c.open {
        a.places_tier_ks[t][k] += share;
    }
    if !c.open.is_empty() && !by_need.wanted.is_empty() {
        for &n in c.cell_needs.iter().filter(|n| by_need.wanted.binary_search(n).is_ok()) {
            let cells = need_cells(&mut by_need.cells, n);
            for &(t, k) in &c.open {
                *cells[t][k].get_or_insert(0.0) += share;
            }
        }
    }
    for (places, _) in a.places_ks.iter_mut().zip(c.key_stages).filter(|(_, offered)| *offered) {
        *places += share;
    }
    for &n in &c.needs {
        match by_need.places.iter_mut().find(|(x, _)| *x == n) {
            Some((_, v)) => *v += share,
            None => by_need.places.push((n, share)),
        }
    }
}

/// The cells of need `n` in an area's list, added when new.
fn need_cells(cells: &mut Vec<(usize, [[Option<f64>; 4]; 3])>, n: usize) -> &mut [[Option<f64>; 4]; 3] {
    let i = match cells.iter().position(|(x, _)| *x == n) {
        Some(i) => i,
        None => {
            cells.push((n, [[None; 4]; 3]));
            cells.len() - 1
        }
    };
    &mut cells[i].1
}

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

/// The sites offering each tier × key stage (tier, then key stage: bit `t * 4 + k` of a
/// [`Reach`] mask), of the providers counting towards supply.
fn combo_sites(site: &Site) -> Vec<Vec<(f64, f64)>> {
    let combos = (0..3).flat_map(|t| (0..4).map(move |k| (t, k)));
    combos
        .map(|(t, k)| {
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
        .collect()
}

/// Access, worked out once for all the layers: for each postcode an area of some layer
/// holds, and each travel target asked of it, which tier × key stage cells have a site
/// within that many miles (one bit per cell). Two layers over the same county with the same
/// travel targets ask the same questions, so they are answered once.
pub struct Reach {
    /// The travel targets asked for (every area's `max_travel_miles`, once each).
    miles: Vec<f64>,
    /// (position in `miles`, postcode) of each question, sorted.
    asked: Vec<(u32, u32)>,
    /// The answer to each question of `asked`: bit `t * 4 + k` for a site offering tier `t`
    /// × key stage `k` within reach.
    masks: Vec<u16>,
}

impl Reach {
    /// Every layer's questions, answered (or taken from `memo` when nothing they depend on
    /// changed).
    fn of(site: &Site, points: &[&PostcodeEntry], layers: &[LayerWork], memo: Option<&AccessMemo>) -> Arc<Reach> {
        let mut miles: Vec<f64> = Vec::new();
        let mut asked: Vec<(u32, u32)> = Vec::new();
        for l in layers {
            for (a, pcs) in l.report.areas.iter().zip(&l.postcodes) {
                let m = a.max_travel_miles;
                let j = miles.iter().position(|x| x.to_bits() == m.to_bits()).unwrap_or_else(|| {
                    miles.push(m);
                    miles.len() - 1
                });
                asked.extend(pcs.iter().map(|&p| (j as u32, p)));
            }
        }
        asked.par_sort_unstable();
        asked.dedup();
        let combo_sites = combo_sites(site);
        let memo = memo.map(|m| (m, AccessKey::of(&combo_sites, points, &miles, &asked)));
        if let Some(r) = memo.and_then(|(m, key)| m.get(key)) {
            return r;
        }
        let masks = answer(&combo_sites, points, &miles, &asked);
        let r = Arc::new(Reach { miles, asked, masks });
        if let Some((m, key)) = memo {
            m.put(key, &r);
        }
        r
    }

    /// Per tier × key stage, the share of `postcodes` within `miles` of a site offering it;
    /// `None` for an area without postcodes.
    fn access(&self, postcodes: &[u32], miles: f64) -> [[Option<f64>; 4]; 3] {
        let j = self.miles.iter().position(|x| x.to_bits() == miles.to_bits());
        let (Some(j), false) = (j, postcodes.is_empty()) else { return [[None; 4]; 3] };
        let mut near = [0usize; 12];
        for &p in postcodes {
            let mask = self.asked.binary_search(&(j as u32, p)).map_or(0, |i| self.masks[i]);
            for (c, n) in near.iter_mut().enumerate() {
                *n += usize::from(mask >> c & 1 == 1);
            }
        }
        let share = |c: usize| Some(near[c] as f64 / postcodes.len() as f64);
        std::array::from_fn(|t| std::array::from_fn(|k| share(t * 4 + k)))
    }
}

/// The answer to each question (travel target, postcode) of `asked`: one grid of sites per
/// tier × key stage over the extent of the postcodes asked about.
fn answer(combo_sites: &[Vec<(f64, f64)>], points: &[&PostcodeEntry], miles: &[f64], asked: &[(u32, u32)]) -> Vec<u16> {
    let Some(extent) = extent(asked.iter().map(|&(_, p)| points[p as usize])) else { return Vec::new() };
    let max_miles = miles.iter().copied().fold(0.0, f64::max);
    let grids: Vec<Grid> = combo_sites.par_iter().map(|sites| Grid::new(sites, extent, max_miles)).collect();
    // The occupancy dilated by each travel target's reach, per grid.
    let reach: Vec<Vec<ReachMap>> = miles
        .iter()
        .map(|&m| {
            let (ry, rx) = Grid::radius_cells(extent.2, m);
            grids.iter().map(|g| g.reach_map(ry, rx)).collect()
        })
        .collect();
    asked
        .par_iter()
        .map(|&(j, p)| {
            let (e, m) = (points[p as usize], miles[j as usize]);
            let within = |(c, g): (usize, &Grid)| u16::from(g.any_within(e.lat, e.lon, m, &reach[j as usize][c])) << c;
            grids.iter().enumerate().map(within).fold(0, |mask, bit| mask | bit)
        })
        .collect()
}

/// (min_lat, min_lon, max_lat, max_lon) of `points`; None when there are none.
fn extent<'p>(points: impl Iterator<Item = &'p PostcodeEntry>) -> Option<(f64, f64, f64, f64)> {
    let mut extent = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for e in points {
        extent = (extent.0.min(e.lat), extent.1.min(e.lon), extent.2.max(e.lat), extent.3.max(e.lon));
    }
    (extent.0 <= extent.2).then_some(extent)
}

/// Everything the access figures are worked out from: the sites offering each tier and key
/// stage, the travel targets and the postcodes asked about.
#[derive(Clone, Copy, PartialEq, Eq)]
struct AccessKey(u128);

/// The access figures of the last analysis, kept by `apdir serve` between rebuilds (as
/// the preview session's `build::Run::access_memo`): they take most of the analysis's time
/// and seldom change when one record is saved, so they are reused while their [`AccessKey`]
/// matches exactly.
#[derive(Default)]
pub struct AccessMemo(std::sync::Mutex<Vec<(AccessKey, Arc<Reach>)>>);

/// The memo keeps the figures of this many analyses (one per build: every layer's together).
const MEMO_ENTRIES: usize = 2;

impl AccessMemo {
    fn get(&self, key: AccessKey) -> Option<Arc<Reach>> {
        let last = self.0.lock_unpoisoned();
        last.iter().find(|(k, _)| *k == key).map(|(_, r)| r.clone())
    }

    fn put(&self, key: AccessKey, r: &Arc<Reach>) {
        let mut kept = self.0.lock_unpoisoned();
        kept.retain(|(k, _)| *k != key);
        if kept.len() >= MEMO_ENTRIES {
            kept.remove(0);
        }
        kept.push((key, r.clone()));
    }
}

impl AccessKey {
    fn of(combo_sites: &[Vec<(f64, f64)>], points: &[&PostcodeEntry], miles: &[f64], asked: &[(u32, u32)]) -> AccessKey {
        use siphasher::sip128::{Hasher128, SipHasher13 as KeyHasher};
        use std::hash::Hasher;
        let mut h = KeyHasher::new();
        for sites in combo_sites {
            h.write_usize(sites.len());
            for &(lat, lon) in sites {
                h.write_u64(lat.to_bits());
                h.write_u64(lon.to_bits());
            }
        }
        h.write_usize(miles.len());
        for m in miles {
            h.write_u64(m.to_bits());
        }
        h.write_usize(asked.len());
        for &(j, p) in asked {
            let e = points[p as usize];
            h.write_u32(j);
            h.write_u64(e.lat.to_bits());
            h.write_u64(e.lon.to_bits());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, parent: &str, in_scope: bool, x: f64) -> Area {
        let rings = vec![vec![(x, 0.0), (x + 1.0, 0.0), (x + 1.0, 1.0), (x, 1.0), (x, 0.0)]];
        Area {
            code: code.into(),
            name: code.into(),
            slug: code.to_lowercase(),
            in_scope,
            parent: Some(parent.into()),
            parent_name: None,
            centre: (x + 0.5, 0.5),
            rings,
        }
    }

    #[test]
    fn a_postcode_without_a_ward_code_is_placed_in_its_ward_by_location_unless_its_district_is_outside() {
        // Two wards of district D in scope, one ward of a neighbouring district N for context.
        let all = vec![square("W1", "D", true, 0.0), square("W2", "D", true, 1.0), square("N1", "N", false, 2.0)];
        let scope = InScope::new(&all, &HashMap::new());
        assert_eq!(scope.area_of_point("D", "", 1.5, 0.5), Some(1), "district D names wards in scope: found by location");
        assert_eq!(scope.area_of_point("D", "W1", 1.5, 0.5), Some(0), "a ward code wins over the location");
        assert_eq!(scope.area_of_point("N", "", 1.5, 0.5), None, "district N only names context wards: outside");
        assert_eq!(scope.area_of_point("X", "N1", 0.5, 0.5), None, "a context ward's code: outside");
        assert_eq!(scope.area_of_point("X", "", 0.5, 0.5), Some(0), "an unknown code: by location");
    }
}
