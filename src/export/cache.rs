//! The export cache: what each provider contributed to the open data exports at the last
//! build, kept under `.apdir/cache/exports/` so that a rebuild serialises only the providers
//! whose inputs changed (see docs/build-cache.md; the file format is in `crate::cache`).
//!
//! An entry holds one provider's list entries and its own Open Referral UK files, already
//! serialised, under a key of everything they are made from:
//! - the build: apdir's binary, the export formats and profile, the site's base address and
//!   the cost columns;
//! - the provider: its record file's text, where its sites were placed (district and
//!   coordinates) and the name and centre of every area it names.

use std::hash::Hasher;
use std::path::PathBuf;

use super::{Format, Pieces};
use crate::cache::{Dec, Enc, Hasher128, KeyHasher, hash_bytes};
use crate::site::{Profile, Site};
use crate::validate::ValidProvider;

/// Changes whenever the layout of an entry changes.
const MAGIC: &[u8] = b"apdir export cache 1\n";

/// One provider's cached contribution: its list entries and its own files (path, bytes
/// without the final line break).
pub(super) struct Entry {
    pub pieces: Pieces,
    pub files: Vec<(String, Vec<u8>)>,
}

pub(super) struct ExportCache {
    dir: PathBuf,
    build: u128,
}

impl ExportCache {
    /// The cache in `dir` for this build's exports, or `None` when apdir cannot tell which
    /// binary it is (then nothing is cached).
    pub(super) fn open(dir: PathBuf, site: &Site, formats: &[Format], profile: Profile, costs: usize) -> Option<ExportCache> {
        let mut h = crate::cache::keyed_to_this_binary(MAGIC)?;
        std::fs::create_dir_all(&dir).ok()?;
        h.write_u32(super::FORMAT_VERSION);
        hash_bytes(&mut h, format!("{formats:?} {profile:?}").as_bytes());
        hash_bytes(&mut h, site.config.base().as_bytes());
        h.write_usize(costs);
        Some(ExportCache { dir, build: h.finish128().as_u128() })
    }

    /// The key of everything `vp`'s exports are made from.
    pub(super) fn key(&self, vp: &ValidProvider, site: &Site) -> u128 {
        let mut h = KeyHasher::new();
        h.write_u128(self.build);
        hash_bytes(&mut h, vp.file.text.as_bytes());
        let mut codes: Vec<&str> = Vec::new();
        for s in &vp.sites {
            h.write_u64(s.lat.to_bits());
            h.write_u64(s.lon.to_bits());
            hash_bytes(&mut h, s.district.as_bytes());
            codes.push(&s.district);
        }
        codes.extend(vp.provider.service_area.iter().map(String::as_str));
        for code in codes {
            hash_bytes(&mut h, code.as_bytes());
            match site.area(code) {
                Some(a) => {
                    hash_bytes(&mut h, a.name.as_bytes());
                    h.write_u64(a.centre.0.to_bits());
                    h.write_u64(a.centre.1.to_bits());
                }
                None => h.write_u8(0),
            }
        }
        h.finish128().as_u128()
    }

    fn path(&self, vp: &ValidProvider) -> PathBuf {
        let mut h = KeyHasher::new();
        hash_bytes(&mut h, vp.provider.id.as_bytes());
        self.dir.join(format!("{:032x}.bin", h.finish128().as_u128()))
    }

    /// `vp`'s entry, if the cache holds one made from the same inputs.
    pub(super) fn get(&self, vp: &ValidProvider, key: u128) -> Option<Entry> {
        let contents = crate::cache::read_entry(&self.path(vp), MAGIC, key)?;
        let mut d = Dec(&contents);
        let pieces = Pieces::decode(&mut d)?;
        let n = d.count()?;
        let mut files = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let path = String::from_utf8(d.bytes()?.to_vec()).ok()?;
            files.push((path, d.bytes()?.to_vec()));
        }
        d.is_done().then_some(Entry { pieces, files })
    }

    /// Keeps `pieces` and `files` as `vp`'s entry, replacing any other (best effort).
    pub(super) fn put(&self, vp: &ValidProvider, key: u128, pieces: &Pieces, files: &[(String, Vec<u8>)]) {
        let mut e = Enc::default();
        pieces.encode(&mut e);
        e.count(files.len());
        for (path, bytes) in files {
            e.bytes(path.as_bytes());
            e.bytes(bytes);
        }
        crate::cache::write_entry(&self.path(vp), MAGIC, key, &e.0);
    }

    /// Removes the entries of providers the site no longer has.
    pub(super) fn prune(&self, providers: &[&ValidProvider]) {
        let keep: std::collections::HashSet<PathBuf> = providers.iter().map(|vp| self.path(vp)).collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for e in entries.filter_map(Result::ok) {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "bin") && !keep.contains(&path) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
