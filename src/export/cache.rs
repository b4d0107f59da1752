//! The export cache: what each provider contributed to the open data exports at the last
//! build, kept in `.apdir/cache/exports.pack` so that a rebuild serialises only the providers
//! whose inputs changed (see docs/build-cache.md; the pack's layout is in `crate::cache`).
//!
//! An entry holds one provider's own Open Referral UK files and its list entries, already
//! serialised, under a key of everything they are made from:
//! - the build: apdir's binary, the export formats and profile, the site's base address, the
//!   cost columns and `[exports] oruk_extras`;
//! - the provider: its record file's text, where its sites were placed (district and
//!   coordinates) and the name and centre of every area it names.

use std::hash::Hasher;
use std::path::Path;

use super::{Format, Pieces};
use crate::cache::{Dec, Enc, Hasher128, KeyHasher, Pack, hash_bytes};
use crate::model::lock::LockExt;
use crate::site::{Profile, Site};
use crate::validate::ValidProvider;

/// Changes whenever the layout of an entry changes.
const MAGIC: &[u8] = b"apdir export cache 2\n";

/// One provider's cached contribution: its own files and its list entries.
pub(super) struct Entry {
    /// The entry as read; the files are slices of it.
    contents: Vec<u8>,
    /// Each own file's path and where its bytes (without the final line break) sit in
    /// `contents`.
    files: Vec<(String, std::ops::Range<usize>)>,
    pub pieces: Pieces,
}

impl Entry {
    /// The provider's own files: path and bytes, without the final line break.
    pub(super) fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(path, at)| (path.as_str(), &self.contents[at.clone()]))
    }
}

/// An entry's contents as they are made: the provider's own files as the exports write them,
/// then its pieces ([`EntryWriter::finish`]).
pub(super) struct EntryWriter {
    enc: Enc,
    files: usize,
}

impl EntryWriter {
    pub(super) fn new() -> EntryWriter {
        // The file count goes first; it is filled in by `finish`.
        EntryWriter { enc: Enc(vec![0; 8]), files: 0 }
    }
    pub(super) fn file(&mut self, path: &str, bytes: &[u8]) {
        self.enc.bytes(path.as_bytes());
        self.enc.bytes(bytes);
        self.files += 1;
    }
    pub(super) fn finish(mut self, pieces: &Pieces) -> Vec<u8> {
        self.enc.0[..8].copy_from_slice(&crate::cache::len_prefix(self.files));
        pieces.encode(&mut self.enc);
        self.enc.0
    }
}

pub(super) struct ExportCache {
    store: Store,
    build: u128,
}

/// Where entries are kept: the build cache's pack on disk, or a preview's memory.
enum Store {
    Pack(Pack),
    Memory(std::sync::Arc<ExportMemo>),
}

/// A kept entry: its key and contents.
type MemoEntry = (u128, std::sync::Arc<[u8]>);

/// An export cache held in memory by `apdir serve` between rebuilds, so that saving one
/// record serialises only that provider's exports again. Entries are the pack's, keyed the
/// same way; those no render used are dropped when it finishes.
#[derive(Default)]
pub struct ExportMemo {
    /// Provider entry id → (key, contents).
    entries: std::sync::Mutex<std::collections::HashMap<u128, MemoEntry>>,
    /// Entry ids used by the render in progress.
    used: std::sync::Mutex<std::collections::HashSet<u128>>,
}

impl ExportCache {
    /// The export cache in the build cache folder `dir`, for this build's exports, or `None`
    /// when apdir cannot tell which binary it is or cannot write there (then nothing is
    /// cached).
    pub(super) fn open(
        dir: &Path,
        site: &Site,
        formats: &[Format],
        profile: Profile,
        costs: usize,
        own: super::oruk::RecordFiles,
    ) -> Option<ExportCache> {
        let mut h = crate::cache::keyed_to_this_binary(MAGIC)?;
        ExportCache::hash_build(&mut h, site, formats, profile, costs, own);
        let build = h.finish128().as_u128();
        // Earlier versions kept one file per provider in `exports/`.
        let legacy = dir.join("exports");
        if legacy.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            let _ = std::fs::remove_dir_all(&legacy);
        }
        Some(ExportCache { store: Store::Pack(Pack::open(&dir.join("exports.pack"), MAGIC, build)?), build })
    }

    /// The export cache kept in `memo`, for this render's exports.
    pub(super) fn in_memory(
        memo: &std::sync::Arc<ExportMemo>,
        site: &Site,
        formats: &[Format],
        profile: Profile,
        costs: usize,
        own: super::oruk::RecordFiles,
    ) -> ExportCache {
        let mut h = KeyHasher::new();
        ExportCache::hash_build(&mut h, site, formats, profile, costs, own);
        memo.used.lock_unpoisoned().clear();
        ExportCache { store: Store::Memory(memo.clone()), build: h.finish128().as_u128() }
    }

    /// Adds what every entry of this build depends on, besides the binary, to `h`.
    fn hash_build(h: &mut KeyHasher, site: &Site, formats: &[Format], profile: Profile, costs: usize, own: super::oruk::RecordFiles) {
        h.write_u32(super::FORMAT_VERSION);
        hash_bytes(h, format!("{formats:?} {profile:?}").as_bytes());
        hash_bytes(h, site.config.base().as_bytes());
        h.write_usize(costs);
        h.write_u8(u8::from(own.records) | u8::from(own.extras) << 1);
    }

    /// The key of everything `vp`'s exports are made from.
    pub(super) fn key(&self, vp: &ValidProvider, site: &Site) -> u128 {
        let mut h = KeyHasher::new();
        h.write_u128(self.build);
        h.write_u128(vp.source_digest);
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

    /// Which entry of the pack is `vp`'s.
    fn id(vp: &ValidProvider) -> u128 {
        let mut h = KeyHasher::new();
        hash_bytes(&mut h, vp.provider.id.as_bytes());
        h.finish128().as_u128()
    }

    /// `vp`'s entry, if the cache holds one made from the same inputs.
    pub(super) fn get(&self, vp: &ValidProvider, key: u128) -> Option<Entry> {
        let id = ExportCache::id(vp);
        let contents = match &self.store {
            Store::Pack(pack) => pack.get(id, key)?,
            Store::Memory(memo) => {
                let found = memo.entries.lock_unpoisoned().get(&id).filter(|(k, _)| *k == key).map(|(_, c)| c.to_vec());
                memo.used.lock_unpoisoned().insert(id);
                found?
            }
        };
        let mut d = Dec(&contents);
        let n = d.count()?;
        let mut files = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let path = String::from_utf8(d.bytes()?.to_vec()).ok()?;
            let bytes = d.bytes()?;
            let start = bytes.as_ptr() as usize - contents.as_ptr() as usize;
            files.push((path, start..start + bytes.len()));
        }
        let pieces = Pieces::decode(&mut d)?;
        d.is_done().then_some(())?;
        Some(Entry { contents, files, pieces })
    }

    /// Keeps `contents` (made by an [`EntryWriter`]) as `vp`'s entry (best effort).
    pub(super) fn put(&self, vp: &ValidProvider, key: u128, contents: &[u8]) {
        let id = ExportCache::id(vp);
        match &self.store {
            Store::Pack(pack) => pack.put(id, key, contents),
            Store::Memory(memo) => {
                memo.entries.lock_unpoisoned().insert(id, (key, contents.into()));
                memo.used.lock_unpoisoned().insert(id);
            }
        }
    }

    /// Writes the pack's new index: the entries of the providers this build exported. The
    /// others' entries are left behind as garbage until the pack is compacted (in memory,
    /// they are dropped).
    pub(super) fn finish(self) {
        match self.store {
            Store::Pack(pack) => pack.finish(),
            Store::Memory(memo) => {
                let used = std::mem::take(&mut *memo.used.lock_unpoisoned());
                memo.entries.lock_unpoisoned().retain(|id, _| used.contains(id));
            }
        }
    }
}
