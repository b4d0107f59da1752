//! Static files for the provider finder on `/providers/` (see docs/finder.md):
//! - `finder/providers.json`: the compact first shard, one column per filterable fact (multi-
//!   valued facets as bit masks, flags packed), rows in name order (the default sort, so no
//!   column says it); no names, ids or places;
//! - `finder/c/<k>.json`: what results `k * per .. (k + 1) * per` show ([`ResultCard`]s, `per`
//!   = [`CARDS_PER_FILE`]), fetched for the results on screen;
//! - `finder/docs.json`: row → search document (among providers), fetched once words are typed;
//! - `finder/ids.json`: provider id → row, for the shortlist and the compare page;
//! - `finder/sites.json`: site positions and which are masked, fetched once a postcode is given;
//! - `finder/pc/<OUTCODE>.json`: the postcodes of one outward code (inward code → lat/lon,
//!   district) and the outcode's centre; `finder/outcodes.json`: the outward codes known.
//!
//! A site with `mask_exact_address` is placed at its district's centre here, never at its
//! own position.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::provider::InspectionState;
use crate::model::vocab::*;
use crate::render::{Body, OutputFile};
use crate::render::{result_card, view};
use crate::site::Site;
use crate::validate::ValidProvider;

pub const DAY6: u32 = 1;
pub const PEX: u32 = 2;
pub const EHCP: u32 = 4;
pub const LAC: u32 = 8;
/// Fresh vacancy figures of at least one place, from a provider taking placements.
pub const FREE: u32 = 16;
/// Multi-valued facets with at most this many values are bit masks; more, and lists.
const MASK_BITS: usize = 30;
/// Site positions are kept to 1/SITE_SCALE of a degree (about 100 m).
const SITE_SCALE: f64 = 1000.0;
/// Result cards per file: the file count grows by one per this many providers, not one per
/// provider (issue 25), and a page sorted by distance, whose cards are scattered through
/// name order, stays small (docs/finder.md).
pub const CARDS_PER_FILE: usize = 16;

fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

/// The Ofsted facet value of a provider: a legacy grade, "report card", or not inspected.
fn ofsted_key(vp: &ValidProvider) -> (&'static str, &'static str) {
    let ins = &vp.provider.inspection;
    match ins.state() {
        InspectionState::NotRecorded => return ("not_recorded", "Inspection not recorded"),
        InspectionState::NotInspected => return ("none", "Not inspected"),
        InspectionState::By(_) => {}
    }
    match &ins.legacy_overall {
        Some(LegacyGrade::Outstanding) => ("outstanding", "Outstanding"),
        Some(LegacyGrade::Good) => ("good", "Good"),
        Some(LegacyGrade::RequiresImprovement) => ("requires_improvement", "Requires improvement"),
        Some(LegacyGrade::Inadequate) => ("inadequate", "Inadequate"),
        _ if ins.framework == InspectionFramework::ReportCard2025 => ("report_card", "Report card (2025 framework)"),
        _ => ("other", "Inspected, no overall grade"),
    }
}

/// A facet's values in a fixed order, and each value's index.
#[derive(Default)]
struct Facet {
    values: Vec<(String, String)>,
}

impl Facet {
    fn index(&mut self, key: &str, label: &str) -> usize {
        if let Some(i) = self.values.iter().position(|(k, _)| k == key) {
            return i;
        }
        self.values.push((key.to_string(), label.to_string()));
        self.values.len() - 1
    }
    fn to_json(&self) -> Value {
        Value::Array(self.values.iter().map(|(k, l)| json!([k, l])).collect())
    }
}

/// A multi-valued fact: a bit mask when the facet is small enough, else the sorted indexes.
fn set_value(mut idx: Vec<usize>, facet_len: usize) -> Value {
    if facet_len <= MASK_BITS {
        return json!(idx.iter().fold(0u32, |m, i| m | (1 << i)));
    }
    idx.sort();
    idx.dedup();
    json!(idx)
}

/// The status values of the finder's `status` column: `[key, label, left out by default]`;
/// index 0 is plain active.
const STATUSES: [(&str, &str, bool); 7] = [
    ("active", "Active", false),
    ("under_review", "Under review", false),
    ("temporarily_closed", "Temporarily closed", false),
    ("suspended", "Suspended", true),
    ("removed", "Removed from the list", true),
    ("inactive", "Inactive", true),
    ("defunct", "Closed", true),
];

fn status_index(p: &crate::model::provider::Provider) -> usize {
    let key = result_card::status_note(p).map(|s| s.key).unwrap_or("active");
    STATUSES.iter().position(|(k, _, _)| *k == key).unwrap_or(0)
}

/// Providers in name order (the finder's rows) and each one's search document among the
/// providers (the search index holds providers in id order, after the guide pages).
fn ordered(site: &Site) -> (Vec<&ValidProvider>, Vec<usize>) {
    let mut by_id: Vec<&ValidProvider> = site.providers.iter().collect();
    by_id.sort_by(|a, b| a.provider.id.cmp(&b.provider.id));
    let mut rows: Vec<usize> = (0..by_id.len()).collect();
    rows.sort_by_cached_key(|&i| (by_id[i].provider.name.to_lowercase(), i));
    (rows.iter().map(|&i| by_id[i]).collect(), rows)
}

/// The finder's table: `providers` are the rows, in name order ([`ordered`]).
pub fn providers_json(site: &Site, providers: &[&ValidProvider]) -> Value {
    let mut district = Facet::default();
    for a in &site.areas {
        district.index(&a.code, &a.name);
    }
    let mut tier = Facet::default();
    for t in 1..=3 {
        tier.index(&t.to_string(), view::tier_label(t));
    }
    let mut ks = Facet::default();
    for k in KeyStage::ALL {
        ks.index(k.key(), k.label());
    }
    let mut need = Facet::default();
    for n in Need::ALL {
        need.index(n.key(), n.label());
    }
    let mut reg = Facet::default();
    for r in RegistrationType::ALL {
        reg.index(r.key(), r.label());
    }
    let mut qa = Facet::default();
    for s in ListStatus::ALL {
        qa.index(s.key(), s.label());
    }
    let mut ofsted = Facet::default();
    for (k, l) in [
        ("outstanding", "Outstanding"),
        ("good", "Good"),
        ("requires_improvement", "Requires improvement"),
        ("inadequate", "Inadequate"),
        ("report_card", "Report card (2025 framework)"),
        ("other", "Inspected, no overall grade"),
        ("none", "Not inspected"),
        ("not_recorded", "Inspection not recorded"),
    ] {
        ofsted.index(k, l);
    }
    // Districts a provider serves that are not areas are added while the rows are made.
    let rows: Vec<[Value; 10]> = providers
        .iter()
        .map(|vp| {
            let p = &vp.provider;
            let o = &p.offer;
            // Only the card's "places free" is needed here, not the whole card.
            let places_free = result_card::places_free(p, &view::freshness(p, site));
            let districts: Vec<usize> = view::districts_served(vp).iter().map(|c| district.index(c, c)).collect();
            let tiers: Vec<usize> = o.tiers.iter().map(|t| tier.index(&t.to_string(), view::tier_label(*t))).collect();
            let kss: Vec<usize> = o.key_stages.iter().map(|k| ks.index(k.key(), k.label())).collect();
            let needs: Vec<usize> = o.needs.iter().map(|n| need.index(n.key(), n.label())).collect();
            let (ok, ol) = ofsted_key(vp);
            let mut flags = 0;
            for (on, bit) in [
                (o.day6_start == Some(true), DAY6),
                (o.accepts_permanently_excluded == Some(true), PEX),
                (o.accepts_ehcp == Some(true), EHCP),
                (o.accepts_looked_after == Some(true), LAC),
                (places_free, FREE),
            ] {
                if on {
                    flags |= bit;
                }
            }
            // Ages 0..=31: a missing lower bound is 0, a missing upper bound 31.
            let age = o.age_min.unwrap_or(0).min(31) * 32 + o.age_max.unwrap_or(31).min(31);
            [
                json!(districts),
                json!(tiers),
                json!(kss),
                json!(needs),
                json!(reg.index(p.registration.kind.key(), p.registration.kind.label())),
                json!(qa.index(p.quality_assurance.list_status.key(), p.quality_assurance.list_status.label())),
                json!(ofsted.index(ok, ol)),
                json!(age),
                json!(flags),
                json!(status_index(p)),
            ]
        })
        .collect();
    let lens = [district.values.len(), tier.values.len(), ks.values.len(), need.values.len()];
    let columns = ["district", "tier", "ks", "need", "reg", "qa", "ofsted", "age", "flags", "status"];
    // Column by column: similar values sit together and compress better.
    let cols: serde_json::Map<String, Value> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values = rows.iter().map(|r| match (i < 4, &r[i]) {
                (true, Value::Array(a)) => set_value(a.iter().filter_map(|v| v.as_u64()).map(|v| v as usize).collect(), lens[i]),
                (_, v) => v.clone(),
            });
            (c.to_string(), Value::Array(values.collect()))
        })
        .collect();
    let travel: Vec<Value> = district
        .values
        .iter()
        .map(|(code, _)| json!(site.area_figures.iter().find(|a| &a.code == code).map(|a| a.targets.max_travel_miles)))
        .collect();
    json!({
        "format": 3,
        "n": rows.len(),
        "per": CARDS_PER_FILE,
        "cols": cols,
        "masks": { "district": lens[0] <= MASK_BITS, "tier": lens[1] <= MASK_BITS, "ks": lens[2] <= MASK_BITS, "need": lens[3] <= MASK_BITS },
        "flags": { "day6": DAY6, "pex": PEX, "ehcp": EHCP, "lac": LAC, "free": FREE },
        "status": STATUSES.iter().map(|(k, l, out)| json!([k, l, out])).collect::<Vec<_>>(),
        "travel": travel,
        "facets": {
            "district": district.to_json(),
            "tier": tier.to_json(),
            "ks": ks.to_json(),
            "need": need.to_json(),
            "reg": reg.to_json(),
            "qa": qa.to_json(),
            "ofsted": ofsted.to_json(),
        },
    })
}

/// Site positions, fetched once a postcode is given: for row `i`, `count[i]` sites follow in
/// `pts`, each `lat_q * m + lon_q` where `lat = lat0 + lat_q / scale` (and the same for lon).
/// `masked` lists the indexes into `pts` of sites whose address is withheld: those points are
/// their district's centre to 2 places, never the site's own position.
pub fn sites_json(site: &Site, providers: &[&ValidProvider]) -> Value {
    let mut counts = Vec::with_capacity(providers.len());
    let mut pts: Vec<(f64, f64)> = Vec::new();
    let mut masked: Vec<usize> = Vec::new();
    for vp in providers {
        counts.push(vp.sites.len());
        for (loc, s) in vp.provider.locations.iter().zip(&vp.sites) {
            pts.push(if loc.mask_exact_address {
                masked.push(pts.len());
                let (lon, lat) = site.area(&s.district).map(|a| a.centre).unwrap_or((s.lon, s.lat));
                (round(lat, 2), round(lon, 2))
            } else {
                (s.lat, s.lon)
            });
        }
    }
    let lat0 = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let lon0 = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let (lat0, lon0) = if pts.is_empty() { (0.0, 0.0) } else { ((lat0 * SITE_SCALE).floor() / SITE_SCALE, (lon0 * SITE_SCALE).floor() / SITE_SCALE) };
    let q = |x: f64, x0: f64| ((x - x0) * SITE_SCALE).round().max(0.0) as u64;
    let m = pts.iter().map(|p| q(p.1, lon0)).max().unwrap_or(0) + 1;
    let packed: Vec<u64> = pts.iter().map(|p| q(p.0, lat0) * m + q(p.1, lon0)).collect();
    json!({ "scale": SITE_SCALE, "lat0": lat0, "lon0": lon0, "m": m, "count": counts, "pts": packed, "masked": masked })
}

/// The result cards, [`CARDS_PER_FILE`] rows to a file (`finder/c/<k>.json`, a JSON array);
/// the id → row map (`finder/ids.json`: `{"per": …, "rows": {id: row}}`); and the row →
/// search document map (`finder/docs.json`).
fn card_files(site: &Site, providers: &[&ValidProvider], docs: &[usize]) -> Vec<OutputFile> {
    use rayon::prelude::*;
    let rows: serde_json::Map<String, Value> = providers.iter().enumerate().map(|(r, vp)| (vp.provider.id.clone(), json!(r))).collect();
    let mut out: Vec<OutputFile> = providers
        .par_chunks(CARDS_PER_FILE)
        .enumerate()
        .map(|(k, chunk)| {
            let cards: Vec<result_card::ResultCard> = chunk.iter().map(|vp| result_card::build(vp, site)).collect();
            super::export::file(format!("finder/c/{k}.json"), serde_json::to_vec(&cards).unwrap_or_default())
        })
        .collect();
    let ids = json!({ "per": CARDS_PER_FILE, "rows": rows });
    out.push(OutputFile { path: "finder/ids.json".into(), body: Body::Bytes(serde_json::to_vec(&ids).unwrap_or_default()) });
    out.push(OutputFile { path: "finder/docs.json".into(), body: Body::Bytes(serde_json::to_vec(&docs).unwrap_or_default()) });
    out
}

/// Postcode shards: outcode → (inward code → [lat, lon, district]) and the outcode's centre.
/// Each outward code's shard (`finder/pc/<outcode>.json`): `{"centre": [lat, lon], "d":
/// "<district of most of its postcodes>", "p": {"<inward>": [lat, lon, "<district>"], …}}`,
/// coordinates to 4 places, inward codes in order. The district gives the pupil's area's
/// travel target. Written straight to bytes, a shard per core, exactly as serialising that
/// JSON tree would.
pub fn postcode_shards(site: &Site) -> Vec<(String, Vec<u8>)> {
    use rayon::prelude::*;
    type Entry<'a> = (f64, f64, &'a str);
    let mut by_out: BTreeMap<&str, BTreeMap<&str, Entry>> = BTreeMap::new();
    for (pc, e) in site.postcodes.iter() {
        if let Some((out, inward)) = pc.split_once(' ') {
            by_out.entry(out).or_default().insert(inward, (e.lat, e.lon, e.district.as_str()));
        }
    }
    let by_out: Vec<_> = by_out.into_iter().collect();
    by_out
        .into_par_iter()
        .map(|(out, map)| {
            // Writing JSON into memory cannot fail.
            let mut b: Vec<u8> = Vec::with_capacity(32 + map.len() * 48);
            let point = |b: &mut Vec<u8>, la: f64, lo: f64, d: Option<&str>| {
                b.push(b'[');
                let _ = serde_json::to_writer(&mut *b, &round(la, 4));
                b.push(b',');
                let _ = serde_json::to_writer(&mut *b, &round(lo, 4));
                if let Some(d) = d {
                    b.push(b',');
                    let _ = serde_json::to_writer(&mut *b, d);
                }
                b.push(b']');
            };
            let n = map.len() as f64;
            let (sl, so) = map.values().fold((0.0, 0.0), |(a, c), (la, lo, _)| (a + la, c + lo));
            let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
            for (_, _, d) in map.values() {
                *tally.entry(d).or_default() += 1;
            }
            let main = tally.iter().max_by_key(|(d, c)| (**c, std::cmp::Reverse(**d))).map(|(d, _)| *d).unwrap_or("");
            b.extend_from_slice(b"{\"centre\":");
            point(&mut b, sl / n, so / n, None);
            b.extend_from_slice(b",\"d\":");
            let _ = serde_json::to_writer(&mut b, main);
            b.extend_from_slice(b",\"p\":{");
            for (i, (inward, (la, lo, d))) in map.iter().enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                let _ = serde_json::to_writer(&mut b, inward);
                b.push(b':');
                point(&mut b, *la, *lo, Some(d));
            }
            b.extend_from_slice(b"}}");
            (out.to_string(), b)
        })
        .collect()
}

/// Every finder file, the four kinds made side by side, the rows put in order once.
pub fn files(site: &Site) -> Vec<OutputFile> {
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap_or_default();
    let (providers, docs) = ordered(site);
    let ((table, sites), (cards, shards)) = rayon::join(
        || rayon::join(|| bytes(&providers_json(site, &providers)), || bytes(&sites_json(site, &providers))),
        || rayon::join(|| card_files(site, &providers, &docs), || postcode_shards(site)),
    );
    let mut out = vec![
        OutputFile { path: "finder/providers.json".into(), body: Body::Bytes(table) },
        OutputFile { path: "finder/sites.json".into(), body: Body::Bytes(sites) },
    ];
    out.extend(cards);
    let outcodes: Vec<&String> = shards.iter().map(|(o, _)| o).collect();
    out.push(OutputFile { path: "finder/outcodes.json".into(), body: Body::Bytes(bytes(&json!(outcodes))) });
    for (out_code, v) in shards {
        out.push(OutputFile { path: format!("finder/pc/{out_code}.json"), body: Body::Bytes(v) });
    }
    out
}
