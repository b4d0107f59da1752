//! Static files for the provider finder on `/providers/`:
//! - `finder/providers.json`: one column per provider fact (facet values as small integers),
//!   rows in search-document order (by id), so row `i` is search document `guides + i`;
//! - `finder/pc/<OUTCODE>.json`: the postcodes of one outward code (inward code → lat/lon)
//!   and the outcode's centre, so resolving a postcode loads a few kilobytes;
//! - `finder/outcodes.json`: the outward codes the site knows.
//!
//! A site with `mask_exact_address` is placed at its district's centre here, never at its
//! own position.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::vocab::*;
use crate::render::view;
use crate::render::{Body, OutputFile};
use crate::site::Site;
use crate::validate::ValidProvider;

pub const DAY6: u32 = 1;
pub const PEX: u32 = 2;
pub const EHCP: u32 = 4;
pub const LAC: u32 = 8;

fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

/// The Ofsted facet value of a provider: a legacy grade, "report card", or not inspected.
fn ofsted_key(vp: &ValidProvider) -> (&'static str, &'static str) {
    let ins = &vp.provider.inspection;
    if ins.body == InspectionBody::None {
        return ("none", "Not inspected");
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

pub fn providers_json(site: &Site) -> Value {
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
    ] {
        ofsted.index(k, l);
    }

    let mut providers: Vec<&ValidProvider> = site.providers.iter().collect();
    providers.sort_by(|a, b| a.provider.id.cmp(&b.provider.id));
    let rows: Vec<Value> = providers
        .iter()
        .map(|vp| {
            let p = &vp.provider;
            let o = &p.offer;
            let districts: Vec<usize> = view::districts_served(vp).iter().map(|c| district.index(c, c)).collect();
            let mut tiers: Vec<usize> = o.tiers.iter().map(|t| tier.index(&t.to_string(), view::tier_label(*t))).collect();
            tiers.sort();
            tiers.dedup();
            let kss: Vec<usize> = o.key_stages.iter().map(|k| ks.index(k.key(), k.label())).collect();
            let needs: Vec<usize> = o.needs.iter().map(|n| need.index(n.key(), n.label())).collect();
            let (ok, ol) = ofsted_key(vp);
            let mut flags = 0;
            if o.day6_start {
                flags |= DAY6;
            }
            if o.accepts_permanently_excluded {
                flags |= PEX;
            }
            if o.accepts_ehcp {
                flags |= EHCP;
            }
            if o.accepts_looked_after {
                flags |= LAC;
            }
            let sites: Vec<Value> = p
                .locations
                .iter()
                .zip(&vp.sites)
                .map(|(loc, s)| {
                    if loc.mask_exact_address {
                        let (lon, lat) = site.area(&s.district).map(|a| a.centre).unwrap_or((s.lon, s.lat));
                        json!([round(lat, 2), round(lon, 2)])
                    } else {
                        json!([round(s.lat, 3), round(s.lon, 3)])
                    }
                })
                .collect();
            json!([
                p.id,
                p.name,
                districts,
                tiers,
                kss,
                needs,
                reg.index(p.registration.kind.key(), p.registration.kind.label()),
                qa.index(p.quality_assurance.list_status.key(), p.quality_assurance.list_status.label()),
                ofsted.index(ok, ol),
                o.age_min,
                o.age_max,
                p.capacity.vacancies,
                flags,
                sites,
            ])
        })
        .collect();
    let columns = ["id", "name", "district", "tier", "ks", "need", "reg", "qa", "ofsted", "age_min", "age_max", "vacancies", "flags", "sites"];
    // Column by column: similar values sit together and compress better.
    let cols: serde_json::Map<String, Value> =
        columns.iter().enumerate().map(|(i, c)| (c.to_string(), Value::Array(rows.iter().map(|r| r[i].clone()).collect()))).collect();
    json!({
        "columns": columns,
        "n": rows.len(),
        "cols": cols,
        "flags": { "day6": DAY6, "pex": PEX, "ehcp": EHCP, "lac": LAC },
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

/// Postcode shards: outcode → (inward code → [lat, lon]) and the outcode's centre.
/// Each outward code's shard (`finder/pc/<outcode>.json`): `{"centre": [lat, lon], "p":
/// {"<inward>": [lat, lon], …}}`, coordinates to 4 places, inward codes in order. Written
/// straight to bytes, a shard per core, exactly as serialising that JSON tree would.
pub fn postcode_shards(site: &Site) -> Vec<(String, Vec<u8>)> {
    use rayon::prelude::*;
    let mut by_out: BTreeMap<&str, BTreeMap<&str, (f64, f64)>> = BTreeMap::new();
    for (pc, e) in site.postcodes.iter() {
        if let Some((out, inward)) = pc.split_once(' ') {
            by_out.entry(out).or_default().insert(inward, (e.lat, e.lon));
        }
    }
    let by_out: Vec<_> = by_out.into_iter().collect();
    by_out
        .into_par_iter()
        .map(|(out, map)| {
            // Writing JSON into memory cannot fail.
            let mut b: Vec<u8> = Vec::with_capacity(32 + map.len() * 32);
            let pair = |b: &mut Vec<u8>, la: f64, lo: f64| {
                b.push(b'[');
                let _ = serde_json::to_writer(&mut *b, &round(la, 4));
                b.push(b',');
                let _ = serde_json::to_writer(&mut *b, &round(lo, 4));
                b.push(b']');
            };
            let n = map.len() as f64;
            let (sl, so) = map.values().fold((0.0, 0.0), |(a, c), (la, lo)| (a + la, c + lo));
            b.extend_from_slice(b"{\"centre\":");
            pair(&mut b, sl / n, so / n);
            b.extend_from_slice(b",\"p\":{");
            for (i, (inward, (la, lo))) in map.iter().enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                let _ = serde_json::to_writer(&mut b, inward);
                b.push(b':');
                pair(&mut b, *la, *lo);
            }
            b.extend_from_slice(b"}}");
            (out.to_string(), b)
        })
        .collect()
}

pub fn files(site: &Site) -> Vec<OutputFile> {
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap_or_default();
    let mut out = vec![OutputFile { path: "finder/providers.json".into(), body: Body::Bytes(bytes(&providers_json(site))) }];
    let shards = postcode_shards(site);
    let outcodes: Vec<&String> = shards.iter().map(|(o, _)| o).collect();
    out.push(OutputFile { path: "finder/outcodes.json".into(), body: Body::Bytes(bytes(&json!(outcodes))) });
    for (out_code, v) in shards {
        out.push(OutputFile { path: format!("finder/pc/{out_code}.json"), body: Body::Bytes(v) });
    }
    out
}
