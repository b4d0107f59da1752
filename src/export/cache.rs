//! The export cache: what each provider contributed to the open data exports at the last
//! build, kept under `.apdir/cache/exports/` so that a rebuild serialises only the providers
//! whose inputs changed (see docs/build-cache.md).
//!
//! An entry holds one provider's list entries and its own Open Referral UK files, already
//! serialised, under a 128-bit key of everything they are made from:
//! - the build: the cache format, apdir's version and binary (its path, size and time), the
//!   export formats and profile, the site's base address and the cost columns;
//! - the provider: its record file's text, where its sites were placed (district and
//!   coordinates) and the name and centre of every area it names.
//!
//! The key is checked on every read, so a stale, foreign or damaged entry is a miss, never a
//! wrong record. Reading or writing the cache never fails a build: any problem is a miss.

use std::hash::Hasher;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use siphasher::sip128::{Hasher128, SipHasher13};

use super::{Format, Pieces};
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

fn text(h: &mut SipHasher13, s: &[u8]) {
    h.write_usize(s.len());
    h.write(s);
}

impl ExportCache {
    /// The cache in `dir` for this build's exports, or `None` when apdir cannot tell which
    /// binary it is (then nothing is cached).
    pub(super) fn open(dir: PathBuf, site: &Site, formats: &[Format], profile: Profile, costs: usize) -> Option<ExportCache> {
        let exe = std::env::current_exe().ok()?;
        let meta = std::fs::metadata(&exe).ok()?;
        let built = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        std::fs::create_dir_all(&dir).ok()?;
        let mut h = SipHasher13::new();
        text(&mut h, MAGIC);
        text(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
        text(&mut h, exe.as_os_str().as_encoded_bytes());
        h.write_u64(meta.len());
        h.write_u128(built.as_nanos());
        h.write_u32(super::FORMAT_VERSION);
        text(&mut h, format!("{formats:?} {profile:?}").as_bytes());
        text(&mut h, site.config.base().as_bytes());
        h.write_usize(costs);
        Some(ExportCache { dir, build: h.finish128().as_u128() })
    }

    /// The key of everything `vp`'s exports are made from.
    pub(super) fn key(&self, vp: &ValidProvider, site: &Site) -> u128 {
        let mut h = SipHasher13::new();
        h.write_u128(self.build);
        text(&mut h, vp.file.text.as_bytes());
        let mut codes: Vec<&str> = Vec::new();
        for s in &vp.sites {
            h.write_u64(s.lat.to_bits());
            h.write_u64(s.lon.to_bits());
            text(&mut h, s.district.as_bytes());
            codes.push(&s.district);
        }
        codes.extend(vp.provider.service_area.iter().map(String::as_str));
        for code in codes {
            text(&mut h, code.as_bytes());
            match site.area(code) {
                Some(a) => {
                    text(&mut h, a.name.as_bytes());
                    h.write_u64(a.centre.0.to_bits());
                    h.write_u64(a.centre.1.to_bits());
                }
                None => h.write_u8(0),
            }
        }
        h.finish128().as_u128()
    }

    fn path(&self, vp: &ValidProvider) -> PathBuf {
        let mut h = SipHasher13::new();
        text(&mut h, vp.provider.id.as_bytes());
        self.dir.join(format!("{:032x}.bin", h.finish128().as_u128()))
    }

    /// `vp`'s entry, if the cache holds one made from the same inputs.
    pub(super) fn get(&self, vp: &ValidProvider, key: u128) -> Option<Entry> {
        let bytes = read(&self.path(vp)).ok()?;
        let mut d = Dec(bytes.strip_prefix(MAGIC)?);
        if d.u128()? != key {
            return None;
        }
        // A torn or damaged entry (two builds writing at once, a full disk) fails its checksum.
        let sum = u32::from_le_bytes(d.take(4)?.try_into().ok()?);
        if crc32fast::hash(d.0) != sum {
            return None;
        }
        let pieces = Pieces::decode(&mut d)?;
        let n = d.len()?;
        let mut files = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let path = String::from_utf8(d.bytes()?.to_vec()).ok()?;
            files.push((path, d.bytes()?.to_vec()));
        }
        d.0.is_empty().then_some(Entry { pieces, files })
    }

    /// Keeps `pieces` and `files` as `vp`'s entry, replacing any other (best effort). An entry
    /// is rewritten in place: replacing files costs far more on some file systems, and a
    /// reader that catches it half written sees a bad checksum, which is a miss.
    pub(super) fn put(&self, vp: &ValidProvider, key: u128, pieces: &Pieces, files: &[(String, Vec<u8>)]) {
        let mut payload = Enc(Vec::new());
        pieces.encode(&mut payload);
        payload.len(files.len());
        for (path, bytes) in files {
            payload.bytes(path.as_bytes());
            payload.bytes(bytes);
        }
        let mut entry = Vec::with_capacity(MAGIC.len() + 20 + payload.0.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&key.to_le_bytes());
        entry.extend_from_slice(&crc32fast::hash(&payload.0).to_le_bytes());
        entry.extend_from_slice(&payload.0);
        let _ = overwrite(&self.path(vp), &entry);
    }

    /// Removes the entries of providers the site no longer has.
    pub(super) fn prune(&self, providers: &[&ValidProvider]) {
        let keep: std::collections::HashSet<PathBuf> = providers.iter().map(|vp| self.path(vp)).collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for e in entries.filter_map(Result::ok) {
            let path = e.path();
            let stale = match path.extension().and_then(|x| x.to_str()) {
                Some("bin") => !keep.contains(&path),
                _ => false,
            };
            if stale {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

fn open_options() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    // An entry is never read or written through a link.
    o.custom_flags(libc::O_NOFOLLOW);
    o
}

fn read(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    open_options().read(true).open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes `bytes` over the file at `path`, then cuts it to length. Anything else found there
/// (a link, a file with other names) is replaced, never written through.
fn overwrite(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    let mut f = match open_options().write(true).create(true).truncate(false).open(path) {
        Ok(f) if f.metadata().is_ok_and(|m| m.is_file() && m.nlink() == 1) => f,
        _ => {
            let _ = std::fs::remove_file(path);
            open_options().write(true).create_new(true).open(path)?
        }
    };
    f.write_all(bytes)?;
    f.set_len(bytes.len() as u64)
}

/// Writes an entry: byte strings and counts, each length a little-endian u64.
pub(super) struct Enc(Vec<u8>);

impl Enc {
    pub(super) fn len(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
    pub(super) fn list(&mut self, items: &[Vec<u8>]) {
        self.len(items.len());
        for i in items {
            self.bytes(i);
        }
    }
}

/// Reads what [`Enc`] wrote; `None` at anything out of bounds.
pub(super) struct Dec<'a>(&'a [u8]);

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }
    pub(super) fn len(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.take(8)?.try_into().ok()?)).ok()
    }
    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }
    pub(super) fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.len()?;
        // Each item takes at least its 8-byte length: a damaged count cannot reserve much.
        let mut out = Vec::with_capacity(n.min(self.0.len() / 8));
        for _ in 0..n {
            out.push(self.bytes()?.to_vec());
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_entries_read_as_nothing() {
        let mut e = Enc(Vec::new());
        e.list(&[b"one".to_vec(), b"two".to_vec()]);
        let whole = e.0.clone();
        assert_eq!(Dec(&whole).list(), Some(vec![b"one".to_vec(), b"two".to_vec()]));
        for cut in 0..whole.len() {
            assert_eq!(Dec(&whole[..cut]).list(), None, "cut at {cut}");
        }
        let mut huge = whole.clone();
        huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(Dec(&huge).list(), None);
    }
}
