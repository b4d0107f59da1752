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

use crate::output::{OutputError, Sink};
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

/// Writes the export files the site publishes into `sink` (the public profile's records,
/// whatever the build's profile: the internal site's open data links show what the public
/// sees).
pub fn write_site_files(site: &Site, sink: &dyn Sink) -> Result<usize, OutputError> {
    let e = &site.config.exports;
    let formats: Vec<Format> = Format::ALL.iter().copied().filter(|f| if *f == Format::Oruk { e.oruk } else { e.data }).collect();
    write(site, &formats, Profile::Public, sink)
}

/// The files of `formats`, with records as `profile` may see them, in memory (sorted by path).
pub fn files(site: &Site, formats: &[Format], profile: Profile) -> Vec<OutputFile> {
    let memory = crate::output::Memory::default();
    // Memory only refuses unsafe paths, and export paths are fixed.
    let _ = write(site, formats, profile, &memory);
    memory.into_files().into_iter().map(|(path, b)| OutputFile { path, body: Body::Bytes(b) }).collect()
}

/// What one provider contributes to each export, already serialised.
#[derive(Default)]
struct Pieces {
    json: Vec<u8>,
    csv: Vec<u8>,
    features: Vec<Vec<u8>>,
    oruk: Option<oruk::Pieces>,
}

/// Writes the files of `formats` into `sink`, with records as `profile` may see them (Open
/// Referral UK is always public). Records are made, serialised and dropped one provider at a
/// time on every core, so memory stays near the size of the output, not of the records as
/// trees. Returns the number of files written.
pub fn write(site: &Site, formats: &[Format], profile: Profile, sink: &dyn Sink) -> Result<usize, OutputError> {
    let want = |f: Format| formats.contains(&f);
    let written = std::sync::atomic::AtomicUsize::new(0);
    let put = |path: String, mut bytes: Vec<u8>| -> Result<(), OutputError> {
        bytes.push(b'\n');
        written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sink.put(OutputFile { path, body: Body::Bytes(bytes) })
    };
    // A large file given in parts (the lists), ending with a line break like the others.
    let put_parts = |path: String, parts: &[&[u8]]| -> Result<(), OutputError> {
        let mut all = parts.to_vec();
        all.push(b"\n");
        written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sink.put_parts(&path, &all)
    };
    let costs = site.providers.iter().map(|vp| vp.provider.costs.len()).max().unwrap_or(1);
    let columns = table::columns(costs, profile);
    let terms = oruk::Terms::new();
    let mut pieces: Vec<Pieces> = directory_order(site)
        .into_par_iter()
        .map(|vp| -> Result<Pieces, OutputError> {
            let mut p = Pieces::default();
            let data = want(Format::Json) || want(Format::Csv) || want(Format::Geojson);
            let record = data.then(|| crate::disclosure::provider_record(vp, site, profile));
            if let Some(r) = &record {
                if want(Format::Json) {
                    p.json = serde_json::to_vec(r).unwrap_or_default();
                }
                if want(Format::Csv) {
                    p.csv = table::rows(r, &columns);
                }
                if want(Format::Geojson) {
                    p.features = features(r).iter().map(|f| serde_json::to_vec(f).unwrap_or_default()).collect();
                }
            }
            if want(Format::Oruk) {
                // ORUK is always public: reuse the record when it is the public one.
                let public = match record {
                    Some(r) if !profile.is_internal() => r,
                    _ => crate::disclosure::provider_record(vp, site, Profile::Public),
                };
                p.oruk = Some(oruk::record_pieces(site, &terms, &public, &put)?);
            }
            Ok(p)
        })
        .collect::<Result<_, _>>()?;
    for f in formats {
        match f {
            Format::Json => {
                let Value::Object(fields) = json_envelope(site, pieces.len(), profile) else { unreachable!("an object") };
                put_parts("data/providers.json".into(), &oruk::object_with_list(fields, "providers", pieces.iter().map(|p| p.json.as_slice())).slices())?;
            }
            Format::Csv => {
                let header = table::header(&columns);
                let parts: Vec<&[u8]> = std::iter::once(header.as_slice()).chain(pieces.iter().map(|p| p.csv.as_slice())).collect();
                // The CSV ends with its last row's line break.
                written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sink.put_parts("data/providers.csv", &parts)?;
            }
            Format::Geojson => {
                let Value::Object(fields) = json!({ "type": "FeatureCollection" }) else { unreachable!("an object") };
                put_parts("data/providers.geojson".into(), &oruk::object_with_list(fields, "features", pieces.iter().flat_map(|p| p.features.iter().map(Vec::as_slice))).slices())?;
            }
            Format::Oruk => {
                let oruk: Vec<oruk::Pieces> = pieces.iter_mut().filter_map(|p| p.oruk.take()).collect();
                oruk::finish(&oruk, &put_parts)?;
            }
        }
    }
    Ok(written.into_inner())
}

/// Providers in directory order (by name, then id).
fn directory_order(site: &Site) -> Vec<&crate::validate::ValidProvider> {
    let mut order: Vec<&crate::validate::ValidProvider> = site.providers.iter().collect();
    order.sort_by(|a, b| {
        a.provider.name.to_lowercase().cmp(&b.provider.name.to_lowercase()).then(a.provider.id.cmp(&b.provider.id))
    });
    order
}

/// Provider records in directory order (by name, then id).
pub fn records(site: &Site, profile: Profile) -> Vec<Value> {
    directory_order(site).into_par_iter().map(|vp| crate::disclosure::provider_record(vp, site, profile)).collect()
}

/// `/data/providers.json`: a versioned envelope; `providers` (the records) goes beside these.
fn json_envelope(site: &Site, provider_count: usize, profile: Profile) -> Value {
    json!({
        "format": "apdir-providers",
        "version": FORMAT_VERSION,
        "profile": profile,
        "publisher": site.config.authority,
        "source": format!("{}/", site.config.base()),
        "generated": site.today.iso(),
        "documentation": "docs/data.md in the apdir source describes every field",
        "provider_count": provider_count,
    })
}

/// A record's features in `/data/providers.geojson`: one Point per provider site. Masked
/// sites sit at their district's centre (the record's `lat`/`lon` already say so) and carry
/// `masked: true`.
fn features(r: &Value) -> Vec<Value> {
    let mut features = Vec::new();
    let Some(locations) = r.get("locations").and_then(Value::as_array) else { return features };
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
    features
}
