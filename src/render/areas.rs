//! The gap-analysis part of the site: `/areas/` (county maps with tables), `/areas/<slug>/`
//! (one page per area), the provider locator maps, and the downloads `/data/gaps.csv` and
//! `/data/areas.geojson`. Everything here reads the *published* figures (suppression on).

use std::collections::HashMap;
use std::fmt::Write;

use serde::Serialize;
use tera::Context;

use super::maps::{self, Projection, esc};
use super::view::{Row, district_url};
use super::{Body, OutputFile, base_context, crumbs_with, link};
use crate::analyse::report::{self, Selection};
use crate::analyse::{GapReport, KEY_STAGES, PublishedArea, PublishedReport, Shown, fmt_num, fmt_rate};
use crate::geo::Area;
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

#[derive(Serialize)]
struct LegendItem {
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
fn parent_label(site: &Site, code: &str) -> Option<String> {
    let a = site.area(code)?;
    a.parent_name.clone().or_else(|| a.parent.as_deref().and_then(|p| site.area(p)).map(|p| p.name.clone())).or_else(|| a.parent.clone())
}

#[derive(Serialize)]
struct GapGroup {
    name: String,
    gaps: Vec<String>,
}

/// The gaps in words of long lists, folded by larger area (empty for short lists).
fn group_gaps(site: &Site, published: &PublishedReport) -> Vec<GapGroup> {
    if published.areas.len() <= FOLD_OVER {
        return Vec::new();
    }
    let mut groups: Vec<GapGroup> = Vec::new();
    for a in &published.areas {
        let name = parent_label(site, &a.code).unwrap_or_else(|| a.name.clone());
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
fn group_rows(site: &Site, rows: &mut Vec<TableRow>) -> Vec<RowGroup> {
    if rows.len() <= FOLD_OVER {
        return Vec::new();
    }
    let parent = |code: &str| parent_label(site, code);
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
struct ProviderLink {
    name: String,
    url: String,
    how: String,
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
    site: &Site,
    published: &PublishedReport,
    id: &str,
    value: &dyn Fn(&PublishedArea) -> Option<f64>,
    breaks: &[f64; 6],
    describe: &dyn Fn(&PublishedArea) -> String,
) -> String {
    let proj = Projection::fit(maps::bbox(&site.areas), MAP_WIDTH, 8.0);
    let by_code: HashMap<&str, &PublishedArea> = published.areas.iter().map(|a| (a.code.as_str(), a)).collect();
    let shapes: Vec<Shape> = site
        .areas
        .iter()
        .map(|a| match by_code.get(a.code.as_str()) {
            Some(p) => Shape {
                area: a,
                fill: value(p).map_or(maps::NO_DATA, |v| maps::colour(v, breaks)),
                href: area_url(&a.slug),
                name: format!("{}: {}", a.name, describe(p)),
                class: "map-area",
            },
            None => Shape {
                area: a,
                fill: maps::CONTEXT,
                href: district_url(&a.slug),
                name: format!("{}: outside the authority, not counted", a.name),
                class: "map-area map-area--context",
            },
        })
        .collect();
    let mut out = String::new();
    svg_open(&mut out, &proj, &format!("{id}-title"), "map");
    // Many small areas (wards): simplify harder so the page stays light.
    shapes_svg(&mut out, &shapes, &proj, if site.areas.len() > 30 { 1.6 } else { 1.0 });
    // Label the areas the figures cover; context areas are named by their links and the key.
    labels_svg(&mut out, &site.areas.iter().filter(|a| by_code.contains_key(a.code.as_str())).collect::<Vec<_>>(), &proj);
    out.push_str("</svg>");
    out
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

/// `/areas/` and `/areas/<slug>/`, as (url, template, context) jobs for the renderer.
pub fn pages(site: &Site, report: &GapReport) -> Vec<(String, &'static str, Context)> {
    let published = report.publish(policy(site));
    let has_context = site.areas.iter().any(|a| !published.areas.iter().any(|p| p.code == a.code));
    let rows = |f: &dyn Fn(&PublishedArea) -> Vec<String>| -> Vec<TableRow> {
        published.areas.iter().map(|a| TableRow { name: a.name.clone(), url: area_url(&a.slug), values: f(a), code: a.code.clone() }).collect()
    };
    let mut map_views = Vec::new();

    // Places per 1,000 pupils.
    {
        let b = maps::breaks(published.areas.iter().filter_map(|a| a.places_per_1000), None);
        let svg = choropleth(site, &published, "map-places", &|a| a.places_per_1000, &b, &|a| {
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
        let svg = choropleth(site, &published, "map-demand", &|a| a.demand_per_1000, &b, &|a| {
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
        let svg = choropleth(site, &published, &id, &|a| a.access_tier[t], &b, &|a| {
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
                    url: area_url(&a.slug),
                    values: std::iter::once(a.access_tier[t].map_or("–".into(), pct))
                        .chain((0..4).map(|k| raw.access[t][k].map_or("–".into(), pct)))
                        .chain(std::iter::once(format!("{} miles", fmt_num(a.max_travel_miles))))
                        .collect(),
                })
                .collect(),
        });
    }

    for m in &mut map_views {
        m.groups = group_rows(site, &mut m.rows);
    }
    let gaps: Vec<&str> = published.areas.iter().flat_map(|a| a.gaps.iter().map(|g| g.text.as_str())).collect();
    let period = published.areas.iter().find(|a| !a.period.is_empty()).map(|a| a.period.clone()).unwrap_or_default();
    let mut jobs = Vec::new();
    let intro = "Where the supply of alternative provision falls short of demand, area by area: places, demand and how far pupils live from a suitable provider. Every map has a table with the same figures.";
    let mut c = base_context("Gaps in provision by area", intro, "/areas/", vec![]);
    c.insert("heading", "Gaps in provision by area");
    c.insert("intro", intro);
    c.insert("period", &period);
    c.insert("maps", &map_views);
    c.insert("gaps", &gaps);
    c.insert("gap_groups", &group_gaps(site, &published));
    c.insert("threshold", &published.threshold);
    c.insert("attribution", ATTRIBUTION);
    c.insert("county", &county_rows(&published));
    jobs.push(("/areas/".to_string(), "areas.html", c));

    for (i, a) in published.areas.iter().enumerate() {
        jobs.push(area_page(site, report, &published, i, a));
    }
    jobs
}

fn county_rows(p: &PublishedReport) -> Vec<Row> {
    p.count_keys
        .iter()
        .zip(&p.county)
        .filter(|(_, c)| **c != Shown::Missing)
        .map(|((_, label), c)| Row { key: label.clone(), value: c.text(), href: None, tag: None })
        .collect()
}

fn area_page(site: &Site, report: &GapReport, published: &PublishedReport, i: usize, a: &PublishedArea) -> (String, &'static str, Context) {
    let raw = &report.areas[i];
    let url = area_url(&a.slug);
    let area = site.area(&a.code).expect("published areas come from the boundary file");
    let title = format!("Provision in {}", a.name);
    let intro = format!(
        "Supply of alternative provision against demand in {}{}.",
        a.name,
        if a.period.is_empty() { String::new() } else { format!(", {}", a.period) }
    );
    let mut c = base_context(&title, &intro, &url, crumbs_with(&[link("Gaps by area", "/areas/")]));
    c.insert("heading", &title);
    c.insert("intro", &intro);
    c.insert(
        "area",
        &serde_json::json!({"name": a.name, "code": a.code, "period": a.period, "has_figures": a.has_figures, "listing_url": district_url(&a.slug)}),
    );
    let source = raw.figures.as_ref().map(|f| f.source.clone()).unwrap_or_default();
    c.insert("source", &source);

    // Map: zoomed to the area, neighbours for context, markers for sites with public addresses.
    let view = maps::bbox([area]);
    let (w, h) = (view.2 - view.0, view.3 - view.1);
    let view = (view.0 - w * 0.15, view.1 - h * 0.15, view.2 + w * 0.15, view.3 + h * 0.15);
    let proj = Projection::fit(view, 500.0, 4.0);
    let neighbours: Vec<&Area> = site.areas.iter().filter(|x| maps::intersects(maps::bbox([*x]), view)).collect();
    let shapes: Vec<Shape> = neighbours
        .iter()
        .map(|x| {
            let current = x.code == a.code;
            let listed = published.areas.iter().any(|p| p.code == x.code);
            Shape {
                area: x,
                fill: if current { maps::PALETTE[1] } else { "#f3f2f1" },
                href: if listed { area_url(&x.slug) } else { district_url(&x.slug) },
                name: if current { format!("{} (this area)", x.name) } else { x.name.clone() },
                class: if current { "map-area map-area--current" } else { "map-area map-area--neighbour" },
            }
        })
        .collect();
    let mut svg = String::new();
    svg_open(&mut svg, &proj, "area-map-title", "map map--area");
    shapes_svg(&mut svg, &shapes, &proj, 1.0);
    let mut providers = Vec::new();
    let mut masked = 0;
    svg.push_str(r#"<g class="map-markers">"#);
    for &pi in &raw.providers {
        let vp = &site.providers[pi];
        let here: Vec<usize> = (0..vp.sites.len()).filter(|&s| site_in(site, vp, s, &a.code)).collect();
        providers.push(ProviderLink {
            name: vp.provider.name.clone(),
            url: crate::markdown::provider_url(&vp.provider.id),
            how: if here.is_empty() { "Serves this area from elsewhere".into() } else { "Has a site here".into() },
        });
        for s in here {
            let loc = &vp.provider.locations[s];
            if loc.mask_exact_address {
                masked += 1;
                continue;
            }
            let (x, y) = proj.point(vp.sites[s].lon, vp.sites[s].lat);
            let _ = write!(
                svg,
                r#"<a href="{}" aria-label="{}"><circle class="map-marker" cx="{x:.1}" cy="{y:.1}" r="6"/></a>"#,
                crate::markdown::provider_url(&vp.provider.id),
                esc(&format!("{}{}", vp.provider.name, if loc.name.is_empty() { String::new() } else { format!(", {}", loc.name) }))
            );
        }
    }
    svg.push_str("</g>");
    labels_svg(&mut svg, &neighbours, &proj);
    svg.push_str("</svg>");
    providers.sort_by_key(|x| x.name.to_lowercase());
    c.insert("map_svg", &svg);
    c.insert("masked_sites", &masked);
    c.insert("providers", &providers);

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
    // Supply: places and access by tier × key stage.
    let supply: Vec<serde_json::Value> = (0..3)
        .map(|t| {
            serde_json::json!({
                "tier": format!("Tier {}", t + 1),
                "cells": (0..4).map(|k| format!("{} counted ({:.0} open), {}", fmt_places(raw.places_cell[t][k]), raw.places_tier_ks[t][k], raw.access[t][k].map_or("–".into(), pct))).collect::<Vec<_>>(),
            })
        })
        .collect();
    let by_need: Vec<Row> =
        raw.places_need.iter().map(|(n, v)| Row { key: crate::analyse::need_label(n), value: format!("{v:.0}"), href: None, tag: None }).collect();
    c.insert("places_by_need", &by_need);
    c.insert("key_stages", &KEY_STAGES);
    c.insert("supply", &supply);
    let demand: Vec<Row> = published
        .count_keys
        .iter()
        .zip(&a.counts)
        .map(|((_, label), v)| Row { key: label.clone(), value: v.text(), href: None, tag: None })
        .collect();
    c.insert("demand", &demand);
    c.insert("gaps", &a.gaps.iter().map(|g| g.text.as_str()).collect::<Vec<_>>());
    c.insert("threshold", &published.threshold);
    c.insert("attribution", ATTRIBUTION);
    (url, "area.html", c)
}

/// Whether site `s` of a provider lies in the area `code` (by district, ward or shape).
fn site_in(site: &Site, vp: &ValidProvider, s: usize, code: &str) -> bool {
    let p = &vp.sites[s];
    p.district == code || p.ward == code || (site.area(&p.district).is_none() && site.area(code).is_some_and(|a| a.contains(p.lon, p.lat)))
}

/// The downloads and the shared locator image.
pub fn files(site: &Site, report: &GapReport) -> Vec<OutputFile> {
    let published = report.publish(policy(site));
    let mut files =
        vec![OutputFile { path: "data/gaps.csv".into(), body: Body::Bytes(report::csv(report, &published, &Selection::default()).into_bytes()) }];
    files.push(OutputFile { path: "data/areas.geojson".into(), body: Body::Bytes(geojson(site, report, &published).into_bytes()) });
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
fn geojson(site: &Site, report: &GapReport, published: &PublishedReport) -> String {
    let json = report::json(report, published, &Selection::default());
    let measures: HashMap<String, &serde_json::Value> =
        json["areas"].as_array().map(|a| a.iter().map(|x| (x["code"].as_str().unwrap_or("").to_string(), x)).collect()).unwrap_or_default();
    let round = |v: f64| (v * 1e5).round() / 1e5;
    let features: Vec<serde_json::Value> = site
        .areas
        .iter()
        .map(|a| {
            let polys: Vec<serde_json::Value> =
                a.rings.iter().map(|r| serde_json::json!([r.iter().map(|&(x, y)| [round(x), round(y)]).collect::<Vec<_>>()])).collect();
            let mut props = serde_json::json!({"code": a.code, "name": a.name, "in_scope": measures.contains_key(&a.code), "url": area_url(&a.slug)});
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
