//! The build cache's shared parts (see docs/build-cache.md): what `apdir build` keeps in
//! `.apdir/cache/` so the next build can reuse work whose inputs have not changed.
//!
//! An entry is one file: a magic line naming its kind and layout, a 128-bit key of everything
//! its contents were made from, a CRC-32 of the rest, and the contents. A wrong magic, key or
//! checksum is a miss, never wrong output; so is any problem reading or writing: the cache can
//! only make a build faster. Entries are read and written without following links, and are
//! rewritten in place (on some file systems replacing thousands of files by rename costs more
//! than the work the cache saves).

use std::hash::Hasher;
use std::path::Path;
use std::time::UNIX_EPOCH;

pub use siphasher::sip128::{Hasher128, SipHasher13 as KeyHasher};

/// What a build took from its cache and what it made afresh (`apdir build --timings`).
#[derive(Debug, Default)]
pub struct CacheUse {
    pub exports_reused: std::sync::atomic::AtomicUsize,
    pub exports_made: std::sync::atomic::AtomicUsize,
    pub search_reused: std::sync::atomic::AtomicBool,
}

/// [`CacheUse`] once the build is done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheReport {
    /// Providers whose exports came from the cache.
    pub exports_reused: usize,
    /// Providers whose exports were made (and kept in the cache).
    pub exports_made: usize,
    /// Whether the search files came from the cache.
    pub search_reused: bool,
}

impl CacheUse {
    pub fn report(&self) -> CacheReport {
        use std::sync::atomic::Ordering::Relaxed;
        CacheReport {
            exports_reused: self.exports_reused.load(Relaxed),
            exports_made: self.exports_made.load(Relaxed),
            search_reused: self.search_reused.load(Relaxed),
        }
    }
}

/// Adds a length-prefixed byte string to a key.
pub fn hash_bytes(h: &mut KeyHasher, s: &[u8]) {
    h.write_usize(s.len());
    h.write(s);
}

/// A key hasher that starts with this apdir binary's identity: its version, path, size and
/// modification time, so that any new build of apdir starts afresh. `None` when the binary
/// cannot be found (then nothing is cached).
pub fn keyed_to_this_binary(magic: &[u8]) -> Option<KeyHasher> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let built = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let mut h = KeyHasher::new();
    hash_bytes(&mut h, magic);
    hash_bytes(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
    hash_bytes(&mut h, exe.as_os_str().as_encoded_bytes());
    h.write_u64(meta.len());
    h.write_u128(built.as_nanos());
    Some(h)
}

/// The contents of the entry at `path`, if it is a `magic` entry made under `key` and intact.
pub fn read_entry(path: &Path, magic: &[u8], key: u128) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    crate::output::open_for_rewrite(path).ok()?.read_to_end(&mut bytes).ok()?;
    let rest = bytes.strip_prefix(magic)?;
    let (k, rest) = rest.split_first_chunk::<16>()?;
    let (sum, contents) = rest.split_first_chunk::<4>()?;
    if u128::from_le_bytes(*k) != key || u32::from_le_bytes(*sum) != crc32fast::hash(contents) {
        return None;
    }
    let start = bytes.len() - contents.len();
    bytes.drain(..start);
    Some(bytes)
}

/// Keeps `contents` as the entry at `path` (best effort).
pub fn write_entry(path: &Path, magic: &[u8], key: u128, contents: &[u8]) {
    write_entry_parts(path, magic, key, &[contents]);
}

/// Keeps the concatenation of `parts` as the entry at `path` (best effort), without joining
/// them in memory first.
pub fn write_entry_parts(path: &Path, magic: &[u8], key: u128, parts: &[&[u8]]) {
    let mut crc = crc32fast::Hasher::new();
    parts.iter().for_each(|p| crc.update(p));
    let mut head = magic.to_vec();
    head.extend_from_slice(&key.to_le_bytes());
    head.extend_from_slice(&crc.finalize().to_le_bytes());
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = overwrite(path, &head, parts);
}

/// Writes `head` and `parts` over the file at `path`, then cuts it to length. Anything else found there
/// (a link, a file with other names) is replaced, never written through. Two builds writing
/// one entry at once can leave it torn: its checksum makes that a miss.
fn overwrite(path: &Path, head: &[u8], parts: &[&[u8]]) -> std::io::Result<()> {
    use std::io::Write;
    // The same checks as the output's spare site: never through a link or a shared file.
    let f = match crate::output::open_for_rewrite(path) {
        Ok(f) if f.metadata().is_ok_and(|m| m.is_file() && !crate::output::has_other_links(&m)) => f,
        _ => {
            let _ = std::fs::remove_file(path);
            // `create_new` never follows a link: a link put back in the meantime is an error.
            std::fs::OpenOptions::new().write(true).create_new(true).open(path)?
        }
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, f);
    out.write_all(head)?;
    for p in parts {
        out.write_all(p)?;
    }
    let f = out.into_inner().map_err(|e| e.into_error())?;
    f.set_len((head.len() + parts.iter().map(|p| p.len()).sum::<usize>()) as u64)
}

/// Writes an entry's contents: byte strings and counts, each length a little-endian u64.
#[derive(Default)]
pub struct Enc(pub Vec<u8>);

impl Enc {
    /// Writes a count or a length.
    pub fn count(&mut self, n: usize) {
        self.0.extend_from_slice(&len_prefix(n));
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.count(b.len());
        self.0.extend_from_slice(b);
    }
    pub fn list(&mut self, items: &[Vec<u8>]) {
        self.count(items.len());
        for i in items {
            self.bytes(i);
        }
    }
}

/// The prefix [`Enc`] writes for a count or length `n` (for entries written in parts).
pub fn len_prefix(n: usize) -> [u8; 8] {
    (n as u64).to_le_bytes()
}

/// Reads what [`Enc`] wrote; `None` at anything out of bounds.
pub struct Dec<'a>(pub &'a [u8]);

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    /// Reads a count or a length.
    pub fn count(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.take(8)?.try_into().ok()?)).ok()
    }
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }
    pub fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.count()?;
        // Each item takes at least its 8-byte length: a damaged count cannot reserve much.
        let mut out = Vec::with_capacity(n.min(self.0.len() / 8));
        for _ in 0..n {
            out.push(self.bytes()?.to_vec());
        }
        Some(out)
    }
    /// True when every byte has been read.
    pub fn is_done(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_contents_read_as_nothing() {
        let mut e = Enc::default();
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

    #[test]
    fn an_entry_is_read_back_only_with_its_magic_key_and_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/entry.bin");
        write_entry(&path, b"test 1\n", 7, b"contents");
        assert_eq!(read_entry(&path, b"test 1\n", 7).as_deref(), Some(&b"contents"[..]));
        assert_eq!(read_entry(&path, b"test 2\n", 7), None, "another kind of entry");
        assert_eq!(read_entry(&path, b"test 1\n", 8), None, "another key");
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_entry(&path, b"test 1\n", 7), None, "a changed byte");
        // A shorter entry written over a longer one is cut to length.
        write_entry(&path, b"test 1\n", 7, b"c");
        assert_eq!(read_entry(&path, b"test 1\n", 7).as_deref(), Some(&b"c"[..]));
    }
}
