//! Open data exports: `/data/providers.json`, `/data/providers.csv`,
//! `/data/providers.geojson` and the Open Referral UK v3 static API under `/api/v3/`.
//!
//! Every export reads provider records through `disclosure::provider_record`, so what a file
//! may hold is decided in the same place as what a page may show. The build writes the public
//! exports into the site; `apdir export` writes any of them on demand (and, with
//! `--profile internal`, the AP team's full records for a round trip through `apdir import`).

pub mod oruk;
pub mod table;

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::render::{Body, OutputFile};
use crate::site::{Profile, Site};

/// The version of the JSON and CSV export formats (see docs/data.md).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Geojson,
    Oruk,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::Json, Format::Csv, Format::Geojson, Format::Oruk];
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "geojson" => Some(Format::Geojson),
            "oruk" => Some(Format::Oruk),
            _ => None,
        }
    }
}

/// The export files the site publishes (the public profile's records, whatever the build's
/// profile: the internal site's open data links show what the public sees).
pub fn site_files(site: &Site) -> Vec<OutputFile> {
    let e = &site.config.exports;
    let formats: Vec<Format> = Format::ALL.iter().copied().filter(|f| if *f == Format::Oruk { e.oruk } else { e.data }).collect();
    files(site, &formats, Profile::Public)
}

/// The files of `formats`, with records as `profile` may see them. Paths are relative to
/// the output folder.
pub fn files(site: &Site, formats: &[Format], profile: Profile) -> Vec<OutputFile> {
    let recs = records(site, profile);
    let mut out = Vec::new();
    for f in formats {
        match f {
            Format::Json => out.push(bytes("data/providers.json", compact(&json_document(site, &recs, profile)))),
            Format::Csv => out.push(bytes("data/providers.csv", table::to_csv(&recs, profile).into_bytes())),
            Format::Geojson => out.push(bytes("data/providers.geojson", compact(&geojson(&recs)))),
            Format::Oruk => {
                // ORUK is always public.
                let public;
                let public_recs: &[Value] = if profile.is_internal() {
                    public = records(site, Profile::Public);
                    &public
                } else {
                    &recs
                };
                let files: Vec<OutputFile> = oruk::files(site, public_recs).into_par_iter().map(|(p, v)| bytes(&p, compact(&v))).collect();
                out.extend(files);
            }
        }
    }
    out
}

/// Provider records in directory order (by name, then id).
pub fn records(site: &Site, profile: Profile) -> Vec<Value> {
    let mut order: Vec<&crate::validate::ValidProvider> = site.providers.iter().collect();
    order.sort_by(|a, b| {
        a.provider.name.to_lowercase().cmp(&b.provider.name.to_lowercase()).then(a.provider.id.cmp(&b.provider.id))
    });
    order.into_par_iter().map(|vp| crate::disclosure::provider_record(vp, site, profile)).collect()
}

fn bytes(path: &str, b: Vec<u8>) -> OutputFile {
    OutputFile { path: path.into(), body: Body::Bytes(b) }
}

/// Compact JSON with a final newline (the files are for programs; 10,000 providers make
/// about 40,000 ORUK files, so every byte counts).
fn compact(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_vec(v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// `/data/providers.json`: a versioned envelope around the records.
pub fn json_document(site: &Site, records: &[Value], profile: Profile) -> Value {
    json!({
        "format": "apdir-providers",
        "version": FORMAT_VERSION,
        "profile": profile,
        "publisher": site.config.authority,
        "source": format!("{}/", site.config.base()),
        "generated": site.today.iso(),
        "documentation": "docs/data.md in the apdir source describes every field",
        "provider_count": records.len(),
        "providers": records,
    })
}

/// `/data/providers.geojson`: one Point feature per provider site. Masked sites sit at their
/// district's centre (the record's `lat`/`lon` already say so) and carry `masked: true`.
pub fn geojson(records: &[Value]) -> Value {
    let mut features = Vec::new();
    for r in records {
        let Some(locations) = r.get("locations").and_then(Value::as_array) else { continue };
        for l in locations {
            let (Some(lat), Some(lon)) = (l.get("lat").and_then(Value::as_f64), l.get("lon").and_then(Value::as_f64)) else { continue };
            features.push(json!({
                "type": "Feature",
                "id": format!("{}/{}", r["id"].as_str().unwrap_or(""), l["id"].as_str().unwrap_or("")),
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": {
                    "provider_id": r["id"],
                    "name": r["name"],
                    "site": l["name"],
                    "status": r["status"],
                    "registration_type": r["registration"]["type"],
                    "list_status": r["quality_assurance"]["list_status"],
                    "tiers": r["offer"]["tiers"],
                    "district": l["district"],
                    "district_name": l["district_name"],
                    "postcode": l["postcode"],
                    "masked": l["mask_exact_address"],
                    "url": r["url"],
                },
            }));
        }
    }
    json!({ "type": "FeatureCollection", "features": features })
}
