//! Open data exports: `/data/providers.json`, `/data/providers.csv`,
//! `/data/providers.geojson` and the Open Referral UK v3 static API under `/api/v3/`.
//!
//! Every export reads provider records through `disclosure::provider_record`, so what a file
//! may hold is decided in the same place as what a page may show. The build writes the public
//! exports into the site; `apdir export` writes any of them on demand (and, with
//! `--profile internal`, the AP team's full records for a round trip through `apdir import`).

pub mod cache;
pub mod oruk;
pub mod table;

use rayon::prelude::*;
use serde_json::{Value, json};

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cache::CacheUse;
use crate::model::lock::LockExt;
use crate::output::{FileWriter, OutputError, Sink};
use crate::render::{Body, OutputFile};
use crate::site::{Profile, Site};
use crate::validate::ValidProvider;

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
/// Reuses what it can from the preview's `memo`, else from the `build_cache` folder, and
/// counts what it reused in `used`.
pub fn write_site_files(
    site: &Site,
    sink: &dyn Sink,
    build_cache: Option<&std::path::Path>,
    memo: Option<&std::sync::Arc<cache::ExportMemo>>,
    used: &CacheUse,
) -> Result<usize, OutputError> {
    let e = &site.config.exports;
    let formats: Vec<Format> = Format::ALL.iter().copied().filter(|f| if *f == Format::Oruk { e.oruk } else { e.data }).collect();
    let cache = match (memo, build_cache) {
        (Some(memo), _) => Some(CacheAt::Memory(memo)),
        (None, Some(dir)) => Some(CacheAt::Folder(dir)),
        (None, None) => None,
    };
    write_cached(site, &formats, Profile::Public, sink, oruk::RecordFiles::of_site(site), cache, used)
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

impl Pieces {
    fn encode(&self, e: &mut crate::cache::Enc) {
        e.bytes(&self.json);
        e.bytes(&self.csv);
        e.list(&self.features);
        match &self.oruk {
            Some(o) => {
                e.count(1);
                o.encode(e);
            }
            None => e.count(0),
        }
    }

    fn decode(d: &mut crate::cache::Dec) -> Option<Pieces> {
        Some(Pieces {
            json: d.bytes()?.to_vec(),
            csv: d.bytes()?.to_vec(),
            features: d.list()?,
            oruk: match d.count()? {
                0 => None,
                1 => Some(oruk::Pieces::decode(d)?),
                _ => return None,
            },
        })
    }
}

/// A provider's export cache entry, gathering its own files as they are written.
type OwnFiles = std::sync::Mutex<cache::EntryWriter>;

/// Providers are exported in chunks of this many: each chunk's records are made on every
/// core, then appended to the list files, so memory does not grow with the directory.
const CHUNK: usize = 512;

/// Writes the files of `formats` into `sink`, with records as `profile` may see them (Open
/// Referral UK is always public). Records are made, serialised and dropped a chunk of
/// providers at a time, and the list files (`providers.json`, the ORUK lists, …) are streamed
/// to the sink as they grow, so memory stays flat however many providers there are. Returns
/// the number of files written.
pub fn write(site: &Site, formats: &[Format], profile: Profile, sink: &dyn Sink) -> Result<usize, OutputError> {
    write_cached(site, formats, profile, sink, oruk::RecordFiles::of_export(site), None, &CacheUse::default())
}

/// Where an export cache is kept.
enum CacheAt<'a> {
    /// The build cache folder (`.apdir/cache/`).
    Folder(&'a std::path::Path),
    /// A preview's memory.
    Memory(&'a std::sync::Arc<cache::ExportMemo>),
}

/// [`write`] with the record files `own`, reusing the pieces of providers whose inputs have
/// not changed since they were kept in the export cache `cache_at` (and keeping the others'
/// there).
fn write_cached(
    site: &Site,
    formats: &[Format],
    profile: Profile,
    sink: &dyn Sink,
    own: oruk::RecordFiles,
    cache_at: Option<CacheAt>,
    used: &CacheUse,
) -> Result<usize, OutputError> {
    let out = Out { sink, written: AtomicUsize::new(0) };
    let costs = site.providers.iter().map(|vp| vp.provider.costs.len()).max().unwrap_or(1);
    let cache = match cache_at {
        Some(CacheAt::Memory(memo)) => Some(cache::ExportCache::in_memory(memo, site, formats, profile, costs, own)),
        Some(CacheAt::Folder(dir)) => cache::ExportCache::open(dir, site, formats, profile, costs, own),
        None => None,
    };
    let maker = Maker { site, formats, profile, own, columns: table::columns(costs, profile), terms: oruk::Terms::new(), cache, out: &out, used };
    let order = directory_order(site);
    let mut lists = Lists::open(&maker, &order)?;
    // Each chunk is made while the one before it is appended to the lists.
    let mut made: Option<Vec<Pieces>> = None;
    for chunk in order.chunks(CHUNK) {
        let previous = made.take();
        let (next, appended) = rayon::join(|| maker.chunk(chunk), || previous.map_or(Ok(()), |p| lists.append(p)));
        appended?;
        made = Some(next?);
    }
    if let Some(last) = made {
        lists.append(last)?;
    }
    if let Some(cache) = maker.cache {
        cache.finish();
    }
    lists.finish(&out)?;
    Ok(out.written.into_inner())
}

/// Hands the export files to the sink, counting them.
struct Out<'a> {
    sink: &'a dyn Sink,
    written: AtomicUsize,
}

impl Out<'_> {
    /// Writes a file, ending it with a line break.
    fn put(&self, path: String, mut bytes: Vec<u8>) -> Result<(), OutputError> {
        bytes.push(b'\n');
        self.written.fetch_add(1, Ordering::Relaxed);
        self.sink.put(OutputFile { path, body: Body::Bytes(bytes) })
    }

    /// Writes a file given in parts, ending with a line break like the others.
    fn put_parts(&self, path: String, parts: &[&[u8]]) -> Result<(), OutputError> {
        let mut all = parts.to_vec();
        all.push(b"\n");
        self.written.fetch_add(1, Ordering::Relaxed);
        self.sink.put_parts(&path, &all)
    }

    /// Counts files written some other way.
    fn count(&self, n: usize) {
        self.written.fetch_add(n, Ordering::Relaxed);
    }
}

/// What makes each provider's pieces: the formats asked for, the CSV columns, the ORUK terms
/// and the export cache.
struct Maker<'a> {
    site: &'a Site,
    formats: &'a [Format],
    profile: Profile,
    /// Which ORUK record files are written besides the lists.
    own: oruk::RecordFiles,
    columns: Vec<table::Column>,
    terms: oruk::Terms,
    cache: Option<cache::ExportCache>,
    out: &'a Out<'a>,
    used: &'a CacheUse,
}

impl Maker<'_> {
    fn want(&self, f: Format) -> bool {
        self.formats.contains(&f)
    }

    /// A chunk's pieces, made on every core (from the cache where it can).
    fn chunk(&self, chunk: &[&ValidProvider]) -> Result<Vec<Pieces>, OutputError> {
        chunk.par_iter().map(|vp| self.cached(vp)).collect()
    }

    /// One provider's pieces, from the cache when its entry is there (writing the files the
    /// entry kept); else made, and kept in the cache.
    fn cached(&self, vp: &ValidProvider) -> Result<Pieces, OutputError> {
        let Some(cache) = &self.cache else { return self.pieces(vp, None) };
        let key = cache.key(vp, self.site);
        if let Some(entry) = cache.get(vp, key) {
            for (path, bytes) in entry.files() {
                self.out.put_parts(path.to_string(), &[bytes])?;
            }
            self.used.exports_reused.fetch_add(1, Ordering::Relaxed);
            return Ok(entry.pieces);
        }
        let files = std::sync::Mutex::new(cache::EntryWriter::new());
        let pieces = self.pieces(vp, Some(&files))?;
        cache.put(vp, key, &files.into_inner_unpoisoned().finish(&pieces));
        self.used.exports_made.fetch_add(1, Ordering::Relaxed);
        Ok(pieces)
    }

    /// One provider's pieces; its own files go to the sink, and to `files` when given.
    fn pieces(&self, vp: &ValidProvider, files: Option<&OwnFiles>) -> Result<Pieces, OutputError> {
        let (site, profile) = (self.site, self.profile);
        let mut p = Pieces::default();
        let data = self.want(Format::Json) || self.want(Format::Csv) || self.want(Format::Geojson);
        let record = data.then(|| crate::disclosure::provider_record(vp, site, profile));
        if let Some(r) = &record {
            if self.want(Format::Json) {
                p.json = serde_json::to_vec(r).unwrap_or_default();
            }
            if self.want(Format::Csv) {
                p.csv = table::rows(r, &self.columns);
            }
            if self.want(Format::Geojson) {
                p.features = features(r).iter().map(|f| serde_json::to_vec(f).unwrap_or_default()).collect();
            }
        }
        if self.want(Format::Oruk) {
            // ORUK is always public: reuse the record when it is the public one.
            let public = match record {
                Some(r) if !profile.is_internal() => r,
                _ => crate::disclosure::provider_record(vp, site, Profile::Public),
            };
            let put_and_keep = |path: String, bytes: Vec<u8>| {
                if let Some(files) = files {
                    files.lock_unpoisoned().file(&path, &bytes);
                }
                self.out.put(path, bytes)
            };
            p.oruk = Some(oruk::record_pieces(site, &self.terms, &public, self.own, &put_and_keep)?);
        }
        Ok(p)
    }
}

/// The list files of the formats asked for, streamed to the sink as providers are added.
struct Lists<'a> {
    json: Option<ListWriter<'a>>,
    csv: Option<Box<dyn FileWriter + 'a>>,
    features: Option<ListWriter<'a>>,
    oruk: Option<oruk::Lists<'a>>,
}

impl<'a> Lists<'a> {
    fn open(m: &Maker<'a>, order: &[&ValidProvider]) -> Result<Lists<'a>, OutputError> {
        let (site, sink) = (m.site, m.out.sink);
        let object = |v: Value| match v {
            Value::Object(m) => m,
            _ => unreachable!("json! of an object is an object"),
        };
        let json = match m.want(Format::Json) {
            true => Some(ListWriter::open(sink, "data/providers.json", object(json_envelope(site, order.len(), m.profile)), "providers")?),
            false => None,
        };
        let csv = match m.want(Format::Csv) {
            true => {
                let mut w = sink.writer("data/providers.csv")?;
                w.write(&table::header(&m.columns))?;
                Some(w)
            }
            false => None,
        };
        let features = match m.want(Format::Geojson) {
            true => Some(ListWriter::open(sink, "data/providers.geojson", object(json!({ "type": "FeatureCollection" })), "features")?),
            false => None,
        };
        let locations: usize = order.iter().map(|vp| vp.provider.locations.len()).sum();
        let oruk = match m.want(Format::Oruk) {
            true => Some(oruk::Lists::open(sink, order.len(), locations, m.own.extras)?),
            false => None,
        };
        Ok(Lists { json, csv, features, oruk })
    }

    /// Appends a chunk's pieces to the list files, in directory order.
    fn append(&mut self, pieces: Vec<Pieces>) -> Result<(), OutputError> {
        for p in pieces {
            if let Some(w) = &mut self.json {
                w.item(&p.json)?;
            }
            if let Some(w) = &mut self.csv {
                w.write(&p.csv)?;
            }
            if let Some(w) = &mut self.features {
                for f in &p.features {
                    w.item(f)?;
                }
            }
            if let (Some(lists), Some(o)) = (&mut self.oruk, p.oruk) {
                lists.add(o)?;
            }
        }
        Ok(())
    }

    /// Ends every list file.
    fn finish(self, out: &Out) -> Result<(), OutputError> {
        if let Some(w) = self.json {
            out.count(1);
            w.finish()?;
        }
        if let Some(w) = self.csv {
            // The CSV ends with its last row's line break.
            out.count(1);
            w.finish()?;
        }
        if let Some(w) = self.features {
            out.count(1);
            w.finish()?;
        }
        if let Some(lists) = self.oruk {
            out.count(oruk::Lists::FILES);
            lists.finish(&|path, bytes| out.put(path, bytes), &|path, parts| out.put_parts(path, parts))?;
        }
        Ok(())
    }
}

/// A JSON file that is one object with one list member, streamed: the members before the
/// list, then each item as it comes, then the members after it and a line break.
pub(crate) struct ListWriter<'a> {
    out: Box<dyn FileWriter + 'a>,
    after: Vec<u8>,
    first: bool,
}

impl<'a> ListWriter<'a> {
    pub(crate) fn open(
        sink: &'a dyn Sink,
        path: &str,
        fields: serde_json::Map<String, Value>,
        list_key: &str,
    ) -> Result<ListWriter<'a>, OutputError> {
        let empty = oruk::object_with_list(fields, list_key, std::iter::empty());
        let [before, after] = empty.slices()[..] else { unreachable!("an object around an empty list is two parts") };
        let mut out = sink.writer(path)?;
        out.write(before)?;
        Ok(ListWriter { out, after: after.to_vec(), first: true })
    }

    pub(crate) fn item(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        if !self.first {
            self.out.write(b",")?;
        }
        self.first = false;
        self.out.write(bytes)
    }

    pub(crate) fn finish(mut self) -> Result<(), OutputError> {
        self.out.write(&self.after)?;
        self.out.write(b"\n")?;
        self.out.finish()
    }
}

/// Providers in directory order (by name, then id).
fn directory_order(site: &Site) -> Vec<&crate::validate::ValidProvider> {
    site.directory_order().into_iter().map(|i| &site.providers[i]).collect()
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
