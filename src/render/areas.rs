//! The gap-analysis part of the site: `/areas/` (county maps with tables), `/areas/<slug>/`
//! (one page per area), the provider locator maps, and the downloads `/data/gaps.csv` and
//! `/data/areas.geojson`, for the main boundary layer and each `[[area_layers]]` entry
//! (`/areas/<key>/`, `/data/gaps-<key>.csv`). Everything here reads the *published* figures.
//!
//! Why this file stays whole (about 690 lines): every function draws one layer's published
//! report through the same [`Layer`] (its areas, addresses and downloads) and the same map
//! shapes; split apart, each part would need the layer, the shapes and the table rows exported
//! to the others. Each function is short and does one page part.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::maps::{self, Projection, esc};
use super::view::{Row, district_url, districts_served};
use super::{Body, OutputFile, base_context, crumbs_with, link};
use crate::analyse::report::{self, Selection};
use crate::analyse::{AreaGaps, GapReport, KEY_STAGES, PublishedArea, PublishedReport, Shown, fmt_num, fmt_rate};
use crate::geo::Area;
use crate::model::area::Count;
use crate::model::text::thousands;
use crate::site::Site;
use crate::validate::ValidProvider;

/// Attribution for the boundaries and postcodes the maps draw on.
pub const ATTRIBUTION: &str = "Boundaries: Contains Ordnance Survey data © Crown copyright and database right 2014–2025; Contains National Statistics data © Crown copyright and database right. Office for National Statistics, Open Government Licence v3.0 (district outlines via Martin Chorley's UK-GeoJSON, CC BY 4.0). Pupil numbers: ONS Census 2021, Open Government Licence v3.0.";

const MAP_WIDTH: f64 = 600.0;

/// The one place the rendered pages and downloads choose their disclosure policy: the
/// internal profile (the AP team's own site) shows the raw figures; the public site is
/// always suppressed.
fn policy(site: &Site) -> crate::analyse::Suppression {
    if site.profile.is_internal() { crate::analyse::Suppression::Off } else { crate::analyse::Suppression::public(site) }
}

pub fn area_url(slug: &str) -> String {
    format!("/areas/{slug}/")
}

/// One boundary layer as the pages draw it: its report, its areas and where its pages live
/// (`/areas/` for the main layer, `/areas/<key>/` for the others).
struct Layer<'a> {
    report: &'a GapReport,
    areas: &'a [Area],
    base: String,
    main: bool,
    /// Position in `areas` by code, so finding an area is one lookup, not a scan.
    index: HashMap<&'a str, usize>,
    /// Each area's bounding box, in `areas` order (for the neighbours on an area's map).
    boxes: Vec<(f64, f64, f64, f64)>,
}

impl<'a> Layer<'a> {
    /// Every layer of the site, the main one first.
    fn all(site: &'a Site, report: &'a GapReport) -> Vec<Layer<'a>> {
        let mut out = vec![Layer::new(report, &site.areas, "/areas/".into(), true)];
        for r in &report.layers {
            if let Some(l) = site.area_layers.iter().find(|l| l.key == r.layer.key) {
                out.push(Layer::new(r, &l.areas, format!("/areas/{}/", r.layer.key), false));
            }
        }
        out
    }
    fn new(report: &'a GapReport, areas: &'a [Area], base: String, main: bool) -> Layer<'a> {
        let mut index = HashMap::with_capacity(areas.len());
        for (i, a) in areas.iter().enumerate() {
            index.entry(a.code.as_str()).or_insert(i); // the first of a code, as a scan would find
        }
        let boxes = areas.iter().map(|a| maps::bbox([a])).collect();
        Layer { report, areas, base, main, index, boxes }
    }
    fn url(&self, slug: &str) -> String {
        format!("{}{slug}/", self.base)
    }
    fn area(&self, code: &str) -> Option<&'a Area> {
        self.index.get(code).map(|&i| &self.areas[i])
    }
    fn has(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }
    /// For each provider, each site: whether the layer knows neither its district nor its
    /// ward code (so the site is placed by location).
    fn by_location(&self, site: &Site) -> Vec<Vec<bool>> {
        site.providers.iter().map(|vp| vp.sites.iter().map(|p| !self.has(&p.district) && !self.has(&p.ward)).collect()).collect()
    }
    /// Where a context area (outside the authority) links: its listing for the main layer,
    /// the layer's own index for the others.
    fn context_url(&self, slug: &str) -> String {
        if self.main { district_url(slug) } else { self.base.clone() }
    }
    /// The downloads of this layer: (gap report CSV, GeoJSON).
    fn downloads(&self) -> (String, String) {
        if self.main {
            ("data/gaps.csv".into(), "data/areas.geojson".into())
        } else {
            (format!("data/gaps-{}.csv", self.report.layer.key), format!("data/areas-{}.geojson", self.report.layer.key))
        }
    }
}

/// A link to one boundary layer, for the switch at the top of each `/areas/` index.
#[derive(Serialize)]
struct LayerLink {
    name: String,
    url: String,
    current: bool,
    areas: usize,
}

fn layer_links(layers: &[Layer], current: usize) -> Vec<LayerLink> {
    if layers.len() < 2 {
        return Vec::new();
    }
    layers
        .iter()
        .enumerate()
        .map(|(i, l)| LayerLink { name: l.report.layer.name.clone(), url: l.base.clone(), current: i == current, areas: l.report.areas.len() })
        .collect()
}

#[derive(Serialize)]
pub(crate) struct LegendItem {
    colour: &'static str,
    label: String,
    outline: bool,
}

#[derive(Serialize)]
struct TableRow {
    name: String,
    url: String,
    values: Vec<String>,
    #[serde(skip)]
    code: String,
}

/// Rows of one larger area (a district's wards), folded on long pages.
#[derive(Serialize)]
struct RowGroup {
    name: String,
    rows: Vec<TableRow>,
}

/// More areas than this: the tables are grouped by their larger area and folded.
const FOLD_OVER: usize = 30;

/// The name of the larger area `code` lies in, when the boundary file says.
fn parent_label(site: &Site, layer: &Layer, code: &str) -> Option<String> {
    let a = layer.area(code)?;
    a.parent_name
        .clone()
        .or_else(|| a.parent.as_deref().and_then(|p| layer.area(p).or_else(|| site.area(p))).map(|p| p.name.clone()))
        .or_else(|| a.parent.clone())
}

#[derive(Serialize)]
struct GapGroup {
    name: String,
    gaps: Vec<String>,
}

/// The gaps in words of long lists, folded by larger area (empty for short lists).
fn group_gaps(site: &Site, layer: &Layer, published: &PublishedReport) -> Vec<GapGroup> {
    if published.areas.len() <= FOLD_OVER {
        return Vec::new();
    }
    let mut groups: Vec<GapGroup> = Vec::new();
    for a in &published.areas {
        let name = parent_label(site, layer, &a.code).unwrap_or_else(|| a.name.clone());
        let texts = a.gaps.iter().map(|g| g.text.clone());
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.gaps.extend(texts),
            None => groups.push(GapGroup { name, gaps: texts.collect() }),
        }
    }
    groups.retain(|g| !g.gaps.is_empty());
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    groups
}

/// Groups `rows` by the larger area of each (in order of first appearance; areas the file
/// does not nest go last under "Other areas"). Empty when the list is short or not nested.
fn group_rows(site: &Site, layer: &Layer, rows: &mut Vec<TableRow>) -> Vec<RowGroup> {
    if rows.len() <= FOLD_OVER {
        return Vec::new();
    }
    let parent = |code: &str| parent_label(site, layer, code);
    if !rows.iter().any(|r| parent(&r.code).is_some()) {
        return Vec::new();
    }
    let mut groups: Vec<RowGroup> = Vec::new();
    let mut other = Vec::new();
    for r in rows.drain(..) {
        match parent(&r.code) {
            Some(p) => match groups.iter_mut().find(|g| g.name == p) {
                Some(g) => g.rows.push(r),
                None => groups.push(RowGroup { name: p, rows: vec![r] }),
            },
            None => other.push(r),
        }
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    if !other.is_empty() {
        groups.push(RowGroup { name: "Other areas".into(), rows: other });
    }
    groups
}

#[derive(Serialize)]
struct MapView {
    id: String,
    title: String,
    description: String,
    svg: String,
    legend: Vec<LegendItem>,
    columns: Vec<String>,
    rows: Vec<TableRow>,
    /// For long lists: the rows grouped by larger area (then `rows` is empty).
    groups: Vec<RowGroup>,
}

#[derive(Serialize)]
struct ProviderLink<'a> {
    name: &'a str,
    url: &'a str,
    how: &'static str,
    /// How its places are counted: as declared per tier in the record, or split equally.
    places: &'a str,
}

/// What every area page says of one provider, made once per build (a provider is listed on
/// the page of every area it serves, in every layer; a ward's page lists hundreds).
struct ProviderText {
    name: String,
    url: String,
    places: String,
    /// Its place in the order area pages list providers in: by the name in lower case, then
    /// in the site's order (the pages sort by this number, not by comparing names).
    rank: usize,
    /// The district listings (`/districts/<slug>/`) it is on, by code: the one rule of the
    /// listings ([`districts_served`]), so an area page that sends readers to a listing for
    /// the providers serving it from elsewhere knows that the listing holds them.
    listings: Vec<String>,
    /// Its entry in an area page's list as a template value, made when first listed, for an
    /// area it has a site in and one it serves from elsewhere: the pages share the values (a
    /// template value is reference-counted) instead of each making its own.
    here: OnceLock<tera::Value>,
    elsewhere: OnceLock<tera::Value>,
}

impl ProviderText {
    fn all(site: &Site) -> Vec<ProviderText> {
        let names: Vec<String> = site.providers.par_iter().map(|vp| vp.provider.name.to_lowercase()).collect();
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b])); // stable: the site's order among equal names
        let mut rank = vec![0; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        site.providers
            .par_iter()
            .zip(rank)
            .map(|(vp, rank)| ProviderText {
                name: vp.provider.name.clone(),
                url: crate::markdown::provider_url(&vp.provider.id),
                places: places_split(vp),
                rank,
                listings: districts_served(vp),
                here: OnceLock::new(),
                elsewhere: OnceLock::new(),
            })
            .collect()
    }

    /// Its entry in the list of an area it has a site in (`here`), or serves from elsewhere.
    fn link(&self, here: bool) -> tera::Value {
        let (cell, how) = if here { (&self.here, "Has a site here") } else { (&self.elsewhere, "Serves this area from elsewhere") };
        cell.get_or_init(|| tera::Value::from_serializable(&ProviderLink { name: &self.name, url: &self.url, how, places: &self.places })).clone()
    }
}

/// How a provider's places are counted in the cells, in words a reader can check against the
/// record (`capacity.places_by_tier`, or the equal split: `analyse::cells`).
fn places_split(vp: &ValidProvider) -> String {
    let cap = &vp.provider.capacity;
    let Some(places) = cap.places else { return "places not given".into() };
    if crate::analyse::cells::declares_tiers(cap) {
        let per: Vec<String> = cap.places_by_tier.iter().map(|(k, n)| format!("{} in {}", n, k.replace("tier", "tier "))).collect();
        return format!("{places} places: {} (declared per tier in its record)", per.join(", "));
    }
    let mut tiers = vp.provider.offer.tiers.clone();
    tiers.sort_unstable();
    tiers.dedup();
    match tiers.len() {
        0 => format!("{places} places, no tier given"),
        1 => format!("{places} places, all tier {}", tiers[0]),
        _ => {
            let names: Vec<String> = tiers.iter().map(|t| t.to_string()).collect();
            format!("{places} places split equally between tiers {} (not declared per tier in its record)", names.join(" and "))
        }
    }
}

/// One tier × key stage cell of an area's supply table: demand as the policy shows it, the
/// places counted and open, access, and whether a gap rule fired in it (as published).
#[derive(Serialize)]
struct SupplyCell {
    demand: String,
    counted: String,
    open: String,
    access: String,
    gap: bool,
}

/// One need's row under a tier in an area's supply table: per key stage, the placements with
/// the need (as the policy shows them; "not given" where the figures do not say), the places
/// open to the need, and whether the `places-for-need` rule fired there (as published).
#[derive(Serialize)]
struct NeedRow {
    label: String,
    cells: Vec<NeedCell>,
}

#[derive(Serialize)]
struct NeedCell {
    demand: String,
    open: String,
    gap: bool,
}

/// The need rows of tier `t` (0-based): one per need the area's figures give in that tier.
fn need_rows(
    published: &PublishedReport,
    a: &PublishedArea,
    raw: &AreaGaps,
    t: usize,
    given: &[(usize, usize, &'static str, Count)],
) -> Vec<NeedRow> {
    let mut needs: Vec<&'static str> = given.iter().filter(|g| g.0 == t).map(|g| g.2).collect();
    needs.sort_unstable();
    needs.dedup();
    needs
        .into_iter()
        .map(|n| NeedRow {
            label: format!("Tier {}: {}", t + 1, crate::analyse::rules::need_title(n)),
            cells: (0..4)
                .map(|k| NeedCell {
                    demand: match published.need_cell(a, t, k, n) {
                        Shown::Missing => "not given".into(),
                        v => v.text(),
                    },
                    open: fmt_places(raw.places_open_to_need(t, k, n).unwrap_or(0.0)),
                    gap: a.gaps.iter().any(|g| {
                        g.rule == "places-for-need" && g.need == Some(n) && g.tier == Some(t as i64 + 1) && g.key_stage == Some(KEY_STAGES[k])
                    }),
                })
                .collect(),
        })
        .collect()
}

/// What one area looks like on a map.
struct Shape<'a> {
    area: &'a Area,
    fill: &'static str,
    href: String,
    name: String,
    class: &'static str,
}

fn svg_open(out: &mut String, proj: &Projection, labelled_by: &str, class: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" viewBox="0 0 {:.0} {:.0}" role="group" aria-labelledby="{labelled_by}">"#,
        proj.width, proj.height
    );
}

fn shapes_svg(out: &mut String, shapes: &[Shape], proj: &Projection, tolerance: f64) {
    for s in shapes {
        let d = maps::path_data(s.area, proj, tolerance);
        if d.is_empty() {
            continue;
        }
        let _ = write!(out, r#"<a href="{}" aria-label="{}"><path class="{}" fill="{}" d="{d}"/></a>"#, esc(&s.href), esc(&s.name), s.class, s.fill);
    }
}

fn labels_svg(out: &mut String, areas: &[&Area], proj: &Projection) {
    if areas.len() > 30 {
        return; // too many to read; the table names them
    }
    out.push_str(r#"<g class="map-labels" aria-hidden="true">"#);
    for a in areas {
        let (x, y) = proj.point(a.centre.0, a.centre.1);
        let _ = write!(out, r#"<text x="{x:.0}" y="{y:.0}" text-anchor="middle">{}</text>"#, esc(&a.name));
    }
    out.push_str("</g>");
}

/// A county map coloured by `value` (None: hidden or not given).
fn choropleth(
    layer: &Layer,
    published: &PublishedReport,
    id: &str,
    value: &dyn Fn(&PublishedArea) -> Option<f64>,
    breaks: &[f64; 6],
    describe: &dyn Fn(&PublishedArea) -> String,
) -> String {
    let proj = Projection::fit(maps::bbox(layer.areas), MAP_WIDTH, 8.0);
    let by_code: HashMap<&str, &PublishedArea> = published.areas.iter().map(|a| (a.code.as_str(), a)).collect();
    let shapes: Vec<Shape> = layer
        .areas
        .iter()
        .map(|a| match by_code.get(a.code.as_str()) {
            Some(p) => Shape {
                area: a,
                fill: value(p).map_or(maps::NO_DATA, |v| maps::colour(v, breaks)),
                href: layer.url(&a.slug),
                name: format!("{}: {}", a.name, describe(p)),
                class: "map-area",
            },
            None => Shape {
                area: a,
                fill: maps::CONTEXT,
                href: layer.context_url(&a.slug),
                name: format!("{}: outside the authority, not counted", a.name),
                class: "map-area map-area--context",
            },
        })
        .collect();
    let mut out = String::new();
    svg_open(&mut out, &proj, &format!("{id}-title"), "map");
    // Many small areas (wards): simplify harder so the page stays light.
    shapes_svg(&mut out, &shapes, &proj, if layer.areas.len() > 30 { 1.6 } else { 1.0 });
    // Label the areas the figures cover; context areas are named by their links and the key.
    labels_svg(&mut out, &layer.areas.iter().filter(|a| by_code.contains_key(a.code.as_str())).collect::<Vec<_>>(), &proj);
    out.push_str("</svg>");
    out
}

/// The main layer's map of one measure of `report`, with its key, for the internal pages
/// that draw other reports the same way (a scenario's before and after). `breaks` come from
/// the caller, so that two maps drawn with the same breaks compare.
pub(crate) fn main_layer_map(
    site: &Site,
    report: &GapReport,
    id: &str,
    value: &dyn Fn(&PublishedArea) -> Option<f64>,
    breaks: &[f64; 6],
    fmt: &dyn Fn(f64) -> String,
    describe: &dyn Fn(&PublishedArea) -> String,
) -> (String, Vec<LegendItem>) {
    let layer = Layer::new(report, &site.areas, "/areas/".into(), true);
    let published = report.publish(policy(site));
    let has_context = site.areas.iter().any(|a| !published.areas.iter().any(|p| p.code == a.code));
    (choropleth(&layer, &published, id, value, breaks, describe), legend(breaks, fmt, has_context))
}

fn legend(breaks: &[f64; 6], fmt: &dyn Fn(f64) -> String, has_context: bool) -> Vec<LegendItem> {
    let mut items: Vec<LegendItem> = (0..5)
        .map(|i| LegendItem {
            colour: maps::PALETTE[i],
            label: if i == 4 { format!("{} or more", fmt(breaks[4])) } else { format!("{} to under {}", fmt(breaks[i]), fmt(breaks[i + 1])) },
            outline: false,
        })
        .collect();
    items.push(LegendItem { colour: maps::NO_DATA, label: "Hidden (c) or no figures".into(), outline: false });
    if has_context {
        items.push(LegendItem { colour: maps::CONTEXT, label: "Outside the authority".into(), outline: true });
    }
    items
}

/// Places to one decimal, without a trailing `.0`.
fn fmt_places(v: f64) -> String {
    fmt_num((v * 10.0).round() / 10.0)
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn demand_text(a: &PublishedArea, v: Option<f64>, f: fn(f64) -> String) -> String {
    match v {
        Some(v) => f(v),
        None if a.demand_hidden => "c".into(),
        None => "no figures".into(),
    }
}

/// `/areas/` and `/areas/<slug>/` (the main layer), then `/areas/<key>/` and
/// `/areas/<key>/<slug>/` for each further layer, as (url, template, context) jobs.
pub fn pages(site: &Site, report: &GapReport) -> Vec<(String, &'static str, Context)> {
    let layers = Layer::all(site, report);
    let providers = ProviderText::all(site);
    let mut listing_sizes: HashMap<&str, usize> = HashMap::new();
    for code in providers.iter().flat_map(|p| &p.listings) {
        *listing_sizes.entry(code.as_str()).or_default() += 1;
    }
    let per_layer: Vec<Vec<_>> = (0..layers.len()).into_par_iter().map(|i| layer_pages(site, &layers, i, &providers, &listing_sizes)).collect();
    per_layer.into_iter().flatten().collect()
}

/// One layer's index and area pages.
fn layer_pages(
    site: &Site,
    layers: &[Layer],
    current: usize,
    providers: &[ProviderText],
    listing_sizes: &HashMap<&str, usize>,
) -> Vec<(String, &'static str, Context)> {
    let layer = &layers[current];
    let report = layer.report;
    let published = report.publish(policy(site));
    let listed: HashSet<&str> = published.areas.iter().map(|a| a.code.as_str()).collect();
    let has_context = layer.areas.iter().any(|a| !listed.contains(a.code.as_str()));
    let rows = |f: &dyn Fn(&PublishedArea) -> Vec<String>| -> Vec<TableRow> {
        published.areas.iter().map(|a| TableRow { name: a.name.clone(), url: layer.url(&a.slug), values: f(a), code: a.code.clone() }).collect()
    };
    let mut map_views = Vec::new();

    // Places per 1,000 pupils.
    {
        let b = maps::breaks(published.areas.iter().filter_map(|a| a.places_per_1000), None);
        let svg = choropleth(layer, &published, "map-places", &|a| a.places_per_1000, &b, &|a| {
            a.places_per_1000.map_or("no pupil figures".into(), |v| {
                format!("{} places per 1,000 pupils (target {})", fmt_rate(v), fmt_rate(a.places_per_1000_target))
            })
        });
        map_views.push(MapView {
            id: "map-places".into(),
            title: "Places per 1,000 pupils".into(),
            description: "Places at providers counted in each area (a provider's places are shared between the areas it serves), per 1,000 resident pupils aged 5 to 16, against the authority's target.".into(),
            svg,
            legend: legend(&b, &|v| fmt_rate(v), has_context),
            columns: vec!["Places per 1,000".into(), "Target".into(), "Places".into()],
            groups: Vec::new(),
            rows: rows(&|a| vec![a.places_per_1000.map_or("no figures".into(), fmt_rate), fmt_rate(a.places_per_1000_target), format!("{:.0}", a.places)]),
        });
    }
    // Demand per 1,000 pupils.
    {
        let b = maps::breaks(published.areas.iter().filter_map(|a| a.demand_per_1000), None);
        let svg = choropleth(layer, &published, "map-demand", &|a| a.demand_per_1000, &b, &|a| {
            format!("demand {} per 1,000 pupils", demand_text(a, a.demand_per_1000, fmt_rate))
        });
        map_views.push(MapView {
            id: "map-demand".into(),
            title: "Demand per 1,000 pupils".into(),
            description: "Permanent exclusions, AP placements (LA- and school-arranged), Section 19 medical referrals, home tuition and part-time timetables, per 1,000 pupils.".into(),
            svg,
            legend: legend(&b, &|v| fmt_rate(v), has_context),
            columns: vec!["Demand per 1,000".into(), "Places for each pupil in demand".into()],
            groups: Vec::new(),
            rows: rows(&|a| vec![demand_text(a, a.demand_per_1000, fmt_rate), demand_text(a, a.places_to_demand, |v| format!("{v:.2}"))]),
        });
    }
    // Access per tier.
    for t in 0..3 {
        let b = maps::breaks([], Some(1.0));
        let id = format!("map-access-tier{}", t + 1);
        let svg = choropleth(layer, &published, &id, &|a| a.access_tier[t], &b, &|a| {
            a.access_tier[t].map_or("no postcodes".into(), |v| {
                format!("{} of pupils within {} miles of a tier {} place", pct(v), fmt_num(a.max_travel_miles), t + 1)
            })
        });
        let r = &report;
        map_views.push(MapView {
            id,
            title: format!("Access to tier {} places", t + 1),
            description: format!("The share of the area's pupils (weighted by postcode) who live within the area's travel target of a provider offering tier {} to their key stage, averaged over key stages 1 to 4.", t + 1),
            svg,
            legend: legend(&b, &pct, has_context),
            groups: Vec::new(),
            columns: std::iter::once("All key stages".to_string()).chain(KEY_STAGES.iter().map(|k| k.to_string())).chain(std::iter::once("Travel target".into())).collect(),
            rows: published
                .areas
                .iter()
                .zip(&r.areas)
                .map(|(a, raw)| TableRow {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    url: layer.url(&a.slug),
                    values: std::iter::once(a.access_tier[t].map_or("–".into(), pct))
                        .chain((0..4).map(|k| raw.access[t][k].map_or("–".into(), pct)))
                        .chain(std::iter::once(format!("{} miles", fmt_num(a.max_travel_miles))))
                        .collect(),
                })
                .collect(),
        });
    }

    for m in &mut map_views {
        m.groups = group_rows(site, layer, &mut m.rows);
    }
    let gaps: Vec<&str> = published.areas.iter().flat_map(|a| a.gaps.iter().map(|g| g.text.as_str())).collect();
    let period = published.areas.iter().find(|a| !a.period.is_empty()).map(|a| a.period.clone()).unwrap_or_default();
    let mut jobs = Vec::new();
    let intro = "Where the supply of alternative provision falls short of demand, area by area: places, demand and how far pupils live from a suitable provider. Every map has a table with the same figures.";
    let heading = if layer.main { "Gaps in provision by area".to_string() } else { format!("Gaps in provision by area: {}", report.layer.name) };
    let crumbs = if layer.main { vec![] } else { crumbs_with(&[link("Gaps by area", "/areas/")]) };
    let mut c = base_context(&heading, intro, &layer.base, crumbs);
    c.insert("heading", &heading);
    c.insert("intro", intro);
    c.insert("layers", &layer_links(layers, current));
    c.insert("layer_name", &report.layer.name);
    let (csv, geojson) = layer.downloads();
    c.insert("download_csv", &format!("/{csv}"));
    c.insert("download_geojson", &format!("/{geojson}"));
    c.insert("period", &period);
    c.insert("maps", &map_views);
    c.insert("gaps", &gaps);
    c.insert("gap_groups", &group_gaps(site, layer, &published));
    c.insert("threshold", &published.threshold);
    c.insert("attribution", ATTRIBUTION);
    c.insert("county", &county_rows(&published));
    jobs.push((layer.base.clone(), "areas.html", c));

    let by_location = layer.by_location(site);
    let view = LayerView { layer, published: &published, listed: &listed, providers, by_location, listing_sizes };
    jobs.par_extend(published.areas.par_iter().enumerate().map(|(i, a)| area_page(site, &view, i, a)));
    jobs
}

/// What every area page of one layer draws on: the layer, its published report, the codes
/// of its listed (in-scope) areas and the providers' texts.
struct LayerView<'a> {
    layer: &'a Layer<'a>,
    published: &'a PublishedReport,
    listed: &'a HashSet<&'a str>,
    /// [`Layer::by_location`], worked out once for all the layer's pages.
    by_location: Vec<Vec<bool>>,
    providers: &'a [ProviderText],
    /// How many providers each district listing holds, by code.
    listing_sizes: &'a HashMap<&'a str, usize>,
}

fn county_rows(p: &PublishedReport) -> Vec<Row> {
    p.count_keys
        .iter()
        .zip(&p.county)
        .filter(|(_, c)| **c != Shown::Missing)
        .map(|((_, label), c)| Row { key: label.clone(), value: c.text(), href: None, tag: None })
        .collect()
}

fn area_page(site: &Site, view: &LayerView, i: usize, a: &PublishedArea) -> (String, &'static str, Context) {
    let (layer, published) = (view.layer, view.published);
    let raw = &layer.report.areas[i];
    let url = layer.url(&a.slug);
    let area = layer.area(&a.code).expect("published areas come from the boundary file");
    let title = format!("Provision in {}", a.name);
    let intro = format!(
        "Supply of alternative provision against demand in {}{}.",
        a.name,
        if a.period.is_empty() { String::new() } else { format!(", {}", a.period) }
    );
    let crumbs = if layer.main {
        crumbs_with(&[link("Gaps by area", "/areas/")])
    } else {
        crumbs_with(&[link("Gaps by area", "/areas/"), link(&layer.report.layer.name, &layer.base)])
    };
    let mut c = base_context(&title, &intro, &url, crumbs);
    c.insert("heading", &title);
    c.insert("intro", &intro);
    c.insert(
        "area",
        &serde_json::json!({"name": a.name, "code": a.code, "period": a.period, "has_figures": a.has_figures,
            "listing_url": if layer.main { district_url(&a.slug) } else { String::new() }, "layer": layer.report.layer.name, "layer_url": layer.base}),
    );
    let source = raw.figures.as_ref().map(|f| f.source.clone()).unwrap_or_default();
    c.insert("source", &source);

    // Map: zoomed to the area, neighbours for context, markers for sites with public addresses.
    let b = maps::bbox([area]);
    let (w, h) = (b.2 - b.0, b.3 - b.1);
    let frame = (b.0 - w * 0.15, b.1 - h * 0.15, b.2 + w * 0.15, b.3 + h * 0.15);
    let proj = Projection::fit(frame, 500.0, 4.0);
    let neighbours: Vec<&Area> = layer.areas.iter().zip(&layer.boxes).filter(|(_, b)| maps::intersects(**b, frame)).map(|(x, _)| x).collect();
    let shapes: Vec<Shape> = neighbours
        .iter()
        .map(|x| {
            let current = x.code == a.code;
            let listed = view.listed.contains(x.code.as_str());
            Shape {
                area: x,
                fill: if current { maps::PALETTE[1] } else { "#f3f2f1" },
                href: if listed { layer.url(&x.slug) } else { layer.context_url(&x.slug) },
                name: if current { format!("{} (this area)", x.name) } else { x.name.clone() },
                class: if current { "map-area map-area--current" } else { "map-area map-area--neighbour" },
            }
        })
        .collect();
    let mut svg = String::new();
    svg_open(&mut svg, &proj, "area-map-title", "map map--area");
    shapes_svg(&mut svg, &shapes, &proj, 1.0);
    let listing = elsewhere_listing(site, layer, area);
    let mut providers = Vec::new();
    let mut on_listing = 0;
    let mut masked = 0;
    svg.push_str(r#"<g class="map-markers">"#);
    for &pi in &raw.providers {
        let vp = &site.providers[pi];
        let text = &view.providers[pi];
        let mut has_site = false;
        for s in (0..vp.sites.len()).filter(|&s| site_in(vp, s, view.by_location[pi][s], area)) {
            has_site = true;
            let loc = &vp.provider.locations[s];
            if loc.mask_exact_address {
                masked += 1;
                continue;
            }
            let (x, y) = proj.point(vp.sites[s].lon, vp.sites[s].lat);
            let _ = write!(
                svg,
                r#"<a href="{}" aria-label="{}"><circle class="map-marker" cx="{x:.1}" cy="{y:.1}" r="6"/></a>"#,
                text.url,
                esc(&format!("{}{}", vp.provider.name, if loc.name.is_empty() { String::new() } else { format!(", {}", loc.name) }))
            );
        }
        if !has_site && listing.is_some_and(|l| text.listings.contains(&l.code)) {
            on_listing += 1; // counted, and found on the listing the page links to
            continue;
        }
        providers.push((text.rank, has_site, text.link(has_site)));
    }
    svg.push_str("</g>");
    labels_svg(&mut svg, &neighbours, &proj);
    svg.push_str("</svg>");
    providers.sort_unstable_by_key(|&(rank, ..)| rank);
    let (providers, unlisted) = cap_elsewhere(providers);
    c.insert("map_svg", &svg);
    c.insert("masked_sites", &masked);
    c.insert_value("providers", tera::Value::from(providers));
    c.insert("unlisted_more", &unlisted);
    c.insert("unlisted_more_text", &thousands(unlisted as u64));
    if let Some(l) = listing.filter(|_| on_listing > 0) {
        let total = view.listing_sizes.get(l.code.as_str()).copied().unwrap_or(0);
        c.insert(
            "elsewhere",
            &serde_json::json!({"count": on_listing, "count_text": thousands(on_listing as u64), "url": district_url(&l.slug), "name": l.name,
                "total": thousands(total as u64), "own": layer.main}),
        );
    }

    let mut summary = vec![
        Row { key: "Pupils aged 5 to 16".into(), value: a.pupils.map_or("no figures".into(), |p| format!("{p}")), href: None, tag: None },
        Row { key: "Places counted here".into(), value: format!("{:.0}", a.places), href: None, tag: None },
        Row {
            key: "Places per 1,000 pupils".into(),
            value: a.places_per_1000.map_or("no figures".into(), |v| format!("{} (target {})", fmt_rate(v), fmt_rate(a.places_per_1000_target))),
            href: None,
            tag: None,
        },
        Row { key: "Demand per 1,000 pupils".into(), value: demand_text(a, a.demand_per_1000, fmt_rate), href: None, tag: None },
        Row {
            key: "Places for each pupil in demand".into(),
            value: demand_text(a, a.places_to_demand, |v| format!("{v:.2}")),
            href: None,
            tag: None,
        },
        Row { key: "Travel target".into(), value: format!("{} miles", fmt_num(a.max_travel_miles)), href: None, tag: None },
    ];
    if let Some(m) = raw.figures.as_ref().and_then(|f| f.targets.max_travel_minutes) {
        summary.push(Row { key: "Journey time target".into(), value: format!("{m} minutes"), href: None, tag: None });
    }
    c.insert("summary", &summary);
    // Supply: places and access by tier × key stage, then the need cells of each tier.
    let gap_in = |t: usize, k: usize| {
        a.gaps.iter().any(|g| g.rule != "withheld" && g.need.is_none() && g.tier == Some(t as i64 + 1) && g.key_stage == Some(KEY_STAGES[k]))
    };
    let given = raw.figures.as_ref().map(|f| f.demand.need_cells()).unwrap_or_default();
    let supply: Vec<serde_json::Value> = (0..3)
        .map(|t| {
            let cells: Vec<SupplyCell> = (0..4)
                .map(|k| SupplyCell {
                    demand: match published.cell(a, t, k) {
                        Shown::Missing => "not given".into(),
                        v => v.text(),
                    },
                    counted: fmt_places(raw.places_cell[t][k]),
                    open: format!("{:.0}", raw.places_tier_ks[t][k]),
                    access: raw.access[t][k].map_or("–".into(), pct),
                    gap: gap_in(t, k),
                })
                .collect();
            serde_json::json!({ "tier": format!("Tier {}", t + 1), "cells": cells, "needs": need_rows(published, a, raw, t, &given) })
        })
        .collect();
    c.insert("need_rows", &!given.is_empty());
    let by_need: Vec<Row> =
        raw.places_need.iter().map(|(n, v)| Row { key: crate::analyse::need_label(n), value: format!("{v:.0}"), href: None, tag: None }).collect();
    c.insert("places_by_need", &by_need);
    c.insert("key_stages", &KEY_STAGES);
    c.insert("supply", &supply);
    // The need cells this area does not give are left out (they are another area's).
    let demand: Vec<Row> = published
        .count_keys
        .iter()
        .zip(&a.counts)
        .enumerate()
        .filter(|(i, (_, v))| *i < published.need_cells_at || **v != Shown::Missing)
        .map(|(_, ((_, label), v))| Row { key: label.clone(), value: v.text(), href: None, tag: None })
        .collect();
    c.insert("demand", &demand);
    c.insert("gaps", &a.gaps.iter().map(|g| g.text.as_str()).collect::<Vec<_>>());
    c.insert("threshold", &published.threshold);
    c.insert("attribution", ATTRIBUTION);
    (url, "area.html", c)
}

/// Providers serving an area from elsewhere that no listing linked from its page holds are
/// listed on the page in full, up to this many (the rest are counted and the page links to
/// the directory). Only areas with no district of the main layer around them get here.
const ELSEWHERE_IN_FULL: usize = 100;

/// The provider listing an area page links to for the providers serving the area from sites
/// elsewhere: a district's own listing on its page; for an area of another layer, the
/// listing of the district it lies in (its parent code, else the district holding its
/// centre). None when the main layer has no such district.
fn elsewhere_listing<'s>(site: &'s Site, layer: &Layer, area: &Area) -> Option<&'s Area> {
    if layer.main {
        return site.area(&area.code);
    }
    area.parent.as_deref().and_then(|p| site.area(p)).or_else(|| site.areas.iter().find(|d| d.in_scope && d.contains(area.centre.0, area.centre.1)))
}

/// An area page's list in order of `(rank, has a site here, entry)`: every provider with a
/// site here, and those from elsewhere up to [`ELSEWHERE_IN_FULL`]; with how many were left out.
fn cap_elsewhere(entries: Vec<(usize, bool, tera::Value)>) -> (Vec<tera::Value>, usize) {
    let (mut out, mut elsewhere, mut left_out) = (Vec::with_capacity(entries.len()), 0, 0);
    for (_, here, entry) in entries {
        if !here {
            elsewhere += 1;
            if elsewhere > ELSEWHERE_IN_FULL {
                left_out += 1;
                continue;
            }
        }
        out.push(entry);
    }
    (out, left_out)
}

/// Whether site `s` of a provider lies in `area` (by district, ward or, when the layer knows
/// neither code, `by_location`, by shape).
fn site_in(vp: &ValidProvider, s: usize, by_location: bool, area: &Area) -> bool {
    let p = &vp.sites[s];
    p.district == area.code || p.ward == area.code || (by_location && area.contains(p.lon, p.lat))
}

/// The downloads and the shared locator image.
pub fn files(site: &Site, report: &GapReport) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for layer in Layer::all(site, report) {
        let published = layer.report.publish(policy(site));
        let (csv, geojson_path) = layer.downloads();
        let text = report::csv(layer.report, &published, &Selection::default());
        files.push(OutputFile { path: csv, body: Body::Bytes(text.into_bytes()) });
        files.push(OutputFile { path: geojson_path, body: Body::Bytes(geojson(&layer, &published).into_bytes()) });
    }
    // The locator base map: every area, outlines only.
    let proj = super::locator::projection(site);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {:.0} {:.0}" width="{:.0}" height="{:.0}">"#,
        proj.width, proj.height, proj.width, proj.height
    );
    for a in &site.areas {
        let fill = if a.in_scope { "#f3f2f1" } else { "#ffffff" };
        let _ = write!(svg, r##"<path fill="{fill}" stroke="#505a5f" stroke-width="0.6" d="{}"/>"##, maps::path_data(a, &proj, 0.8));
    }
    svg.push_str("</svg>");
    files.push(OutputFile { path: "areas/locator.svg".into(), body: Body::Bytes(svg.into_bytes()) });
    files
}

/// The areas as GeoJSON with their published measures (suppressed like the pages).
fn geojson(layer: &Layer, published: &PublishedReport) -> String {
    let json = report::json(layer.report, published, &Selection::default());
    let measures: HashMap<String, &serde_json::Value> =
        json["areas"].as_array().map(|a| a.iter().map(|x| (x["code"].as_str().unwrap_or("").to_string(), x)).collect()).unwrap_or_default();
    let round = |v: f64| (v * 1e5).round() / 1e5;
    let features: Vec<serde_json::Value> = layer
        .areas
        .iter()
        .map(|a| {
            let polys: Vec<serde_json::Value> =
                a.rings.iter().map(|r| serde_json::json!([r.iter().map(|&(x, y)| [round(x), round(y)]).collect::<Vec<_>>()])).collect();
            let mut props =
                serde_json::json!({"code": a.code, "name": a.name, "in_scope": measures.contains_key(&a.code), "url": layer.url(&a.slug)});
            if let Some(m) = measures.get(&a.code) {
                props["measures"] = (*m).clone();
            }
            serde_json::json!({"type": "Feature", "properties": props, "geometry": {"type": "MultiPolygon", "coordinates": polys}})
        })
        .collect();
    serde_json::json!({
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "suppression": format!("Counts from 1 to {} are shown as \"c\", with secondary suppression", published.threshold),
        "features": features,
    })
    .to_string()
}
