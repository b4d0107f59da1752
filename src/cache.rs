//! The build cache's shared parts (see docs/build-cache.md): what `apdir build` keeps in
//! `.apdir/cache/` so the next build can reuse work whose inputs have not changed.
//!
//! An entry has a 128-bit key of everything its contents were made from and a CRC-32 of its
//! contents. It is either a file of its own (a magic line naming its kind and layout, the key,
//! the CRC-32 and the contents: [`read_entry`], [`write_entry`]) or one of many in a
//! [`Pack`]. A wrong magic, key or checksum is a miss, never wrong output; so is any problem
//! reading or writing: the cache can only make a build faster. Files are read and written
//! without following links, and rewritten in place.
//!
//! Why this file stays whole: its code is about 460 lines. The rest is the tests of the entry
//! and pack formats, which sit beside the formats they check.

use crate::model::lock::LockExt;
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
    let mut w = EntryWriter::new(path, magic, key);
    parts.iter().for_each(|p| w.write(p));
    w.finish();
}

/// An entry written as its contents are made (the search files of a big site are too large to
/// hold at once): a magic line, the key, the CRC-32 of the contents (filled in by
/// [`EntryWriter::finish`]), then the contents, written over whatever file was at the path and
/// cut to length. Anything else found there (a link, a file with other names) is replaced,
/// never written through. Best effort: after any error it writes nothing more. An entry left
/// unfinished, or torn by two builds writing it at once, fails its checksum: a miss.
pub struct EntryWriter {
    out: Option<std::io::BufWriter<std::fs::File>>,
    crc: crc32fast::Hasher,
    /// Where the checksum goes (after the magic and the key), and the bytes written so far.
    sum_at: u64,
    len: u64,
}

impl EntryWriter {
    pub fn new(path: &Path, magic: &[u8], key: u128) -> EntryWriter {
        use std::io::Write;
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut head = magic.to_vec();
        head.extend_from_slice(&key.to_le_bytes());
        let sum_at = head.len() as u64;
        head.extend_from_slice(&[0; 4]);
        let out = open_own_file(path).ok().map(|f| std::io::BufWriter::with_capacity(1 << 16, f));
        let mut w = EntryWriter { out, crc: crc32fast::Hasher::new(), sum_at, len: 0 };
        if let Some(o) = &mut w.out
            && o.write_all(&head).is_err()
        {
            w.out = None;
        }
        w.len = head.len() as u64;
        w
    }

    pub fn write(&mut self, bytes: &[u8]) {
        use std::io::Write;
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
        if let Some(o) = &mut self.out
            && o.write_all(bytes).is_err()
        {
            self.out = None;
        }
    }

    /// Writes the checksum and cuts the file to what was written.
    pub fn finish(self) {
        use std::io::{Seek, SeekFrom, Write};
        let Some(out) = self.out else { return };
        let Ok(mut f) = out.into_inner() else { return };
        let sum = self.crc.finalize().to_le_bytes();
        let _ = f.seek(SeekFrom::Start(self.sum_at)).and_then(|_| f.write_all(&sum)).and_then(|_| f.set_len(self.len));
    }
}

/// Opens the cache file at `path` to read and write it, with the same checks as the output's
/// spare site: never through a link or into a file with other names. Anything else found
/// there is replaced by a new empty file.
fn open_own_file(path: &Path) -> std::io::Result<std::fs::File> {
    match crate::output::open_for_rewrite(path) {
        Ok(f) if f.metadata().is_ok_and(|m| m.is_file() && !crate::output::has_other_links(&m)) => Ok(f),
        _ => {
            let _ = std::fs::remove_file(path);
            // `create_new` never follows a link: a link put back in the meantime is an error.
            std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(path)
        }
    }
}

/// Many entries in one file: a header, the entries one after another, then an index of them
/// and a trailer (layout in docs/build-cache.md). A build reads the entries it can reuse and
/// appends the ones it makes after the old trailer, then writes a new index and trailer; the
/// entries no longer indexed are garbage, and the pack is compacted once they are more than
/// half of it. One file instead of one per entry: creating ten thousand small files cost a
/// first build a third of a second.
///
/// Like an entry file, a pack only ever makes a build faster: a wrong magic, build key,
/// checksum or length, a link, a file with other names, or any error reading or writing is a
/// miss (at worst the whole pack starts afresh), never wrong output. A build that stops before
/// [`Pack::finish`] cuts the file back to what it found, so the old entries stay readable.
pub struct Pack {
    path: std::path::PathBuf,
    file: std::fs::File,
    /// The entries found in the pack when it was opened.
    found: std::collections::HashMap<u128, Slot>,
    /// Length of the header (magic and build key).
    head_len: u64,
    /// Length of the file when opened, and where appends start.
    opened_len: u64,
    /// Where the next entry goes.
    end: std::sync::Mutex<u64>,
    /// The entries of the new index: reused or appended by this build.
    kept: std::sync::Mutex<Vec<(u128, Slot)>>,
    /// Set when a write failed: the pack is then dropped, not finished.
    failed: std::sync::atomic::AtomicBool,
    finished: bool,
}

/// Where an entry sits in a pack, and what it must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    key: u128,
    offset: u64,
    len: u64,
    crc: u32,
}

/// The end of a pack: index offset, index length, index CRC-32, then this.
const PACK_END: &[u8; 8] = b"apdirpk\n";
const TRAILER_LEN: u64 = 8 + 8 + 4 + 8;
/// One index record: id, key, offset, length, CRC-32.
const SLOT_LEN: usize = 16 + 16 + 8 + 8 + 4;

impl Pack {
    /// Opens (or starts) the pack at `path` for entries of kind `magic` made by the build
    /// `build` (a pack of another build is started afresh). `None` when the pack cannot be
    /// written at all; then nothing is cached.
    pub fn open(path: &Path, magic: &[u8], build: u128) -> Option<Pack> {
        if cfg!(not(unix)) {
            return None;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        let file = open_own_file(path).ok()?;
        let mut head = magic.to_vec();
        head.extend_from_slice(&build.to_le_bytes());
        let len = file.metadata().ok()?.len();
        let found = Pack::read_index(&file, &head, len);
        let (found, opened_len) = match found {
            Some(found) => (found, len),
            None => {
                // Not a pack of this build (or none yet, or damaged): start afresh.
                file.set_len(0).ok()?;
                write_at(&file, &head, 0).ok()?;
                (std::collections::HashMap::new(), head.len() as u64)
            }
        };
        Some(Pack {
            path: path.to_path_buf(),
            file,
            found,
            head_len: head.len() as u64,
            opened_len,
            end: std::sync::Mutex::new(opened_len),
            kept: std::sync::Mutex::new(Vec::new()),
            failed: std::sync::atomic::AtomicBool::new(false),
            finished: false,
        })
    }

    /// The index of a pack that starts with `head` and is `len` bytes long, if it is intact.
    fn read_index(file: &std::fs::File, head: &[u8], len: u64) -> Option<std::collections::HashMap<u128, Slot>> {
        let body_start = head.len() as u64;
        if len < body_start + TRAILER_LEN {
            return None;
        }
        let mut found_head = vec![0; head.len()];
        read_at(file, &mut found_head, 0).ok()?;
        if found_head != head {
            return None;
        }
        let (offset, index_len, crc) = read_trailer(file, len)?;
        if offset < body_start || offset.checked_add(index_len)? != len - TRAILER_LEN || index_len % SLOT_LEN as u64 != 0 {
            return None;
        }
        let mut index = vec![0; usize::try_from(index_len).ok()?];
        read_at(file, &mut index, offset).ok()?;
        if crc32fast::hash(&index) != crc {
            return None;
        }
        let mut found = std::collections::HashMap::with_capacity(index.len() / SLOT_LEN);
        for r in index.chunks_exact(SLOT_LEN) {
            let id = u128::from_le_bytes(r[0..16].try_into().ok()?);
            let slot = Slot {
                key: u128::from_le_bytes(r[16..32].try_into().ok()?),
                offset: u64::from_le_bytes(r[32..40].try_into().ok()?),
                len: u64::from_le_bytes(r[40..48].try_into().ok()?),
                crc: u32::from_le_bytes(r[48..52].try_into().ok()?),
            };
            if slot.offset < body_start || slot.offset.checked_add(slot.len)? > offset {
                return None;
            }
            found.insert(id, slot);
        }
        Some(found)
    }

    /// The contents of entry `id`, if the pack holds one made under `key` and it is intact;
    /// it is then kept in the new index.
    pub fn get(&self, id: u128, key: u128) -> Option<Vec<u8>> {
        let slot = *self.found.get(&id).filter(|s| s.key == key)?;
        let mut contents = vec![0; usize::try_from(slot.len).ok()?];
        read_at(&self.file, &mut contents, slot.offset).ok()?;
        if crc32fast::hash(&contents) != slot.crc {
            return None;
        }
        self.kept.lock_unpoisoned().push((id, slot));
        Some(contents)
    }

    /// Appends `contents` as entry `id` made under `key` (best effort).
    pub fn put(&self, id: u128, key: u128, contents: &[u8]) {
        let len = contents.len() as u64;
        let offset = {
            let mut end = self.end.lock_unpoisoned();
            let at = *end;
            *end += len;
            at
        };
        if write_at(&self.file, contents, offset).is_err() {
            self.failed.store(true, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        let slot = Slot { key, offset, len, crc: crc32fast::hash(contents) };
        self.kept.lock_unpoisoned().push((id, slot));
    }

    /// Writes the new index (the entries this build got or put) and trailer, and compacts
    /// the pack when most of it is garbage (best effort).
    pub fn finish(mut self) {
        self.finished = true;
        if self.failed.load(std::sync::atomic::Ordering::Relaxed) || self.write_index().is_err() {
            // Start afresh next time rather than trust a half-written pack.
            let _ = self.file.set_len(0);
        }
    }

    fn write_index(&mut self) -> std::io::Result<()> {
        let mut kept = std::mem::take(self.kept.get_mut_unpoisoned());
        kept.sort_by_key(|(id, _)| *id);
        kept.dedup_by_key(|(id, _)| *id);
        let end = *self.end.get_mut_unpoisoned();
        let live: u64 = kept.iter().map(|(_, s)| s.len).sum();
        if live.saturating_mul(2) < end - self.head_len {
            return self.compact(&kept);
        }
        let index = index_and_trailer(&kept, end);
        write_at(&self.file, &index, end)?;
        self.file.set_len(end + index.len() as u64)
    }

    /// Copies the `kept` entries into a new pack beside this one and puts it in its place.
    fn compact(&mut self, kept: &[(u128, Slot)]) -> std::io::Result<()> {
        let tmp = self.path.with_extension(format!("pack.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let out = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let result = (|| {
            let mut head = vec![0; self.head_len as usize];
            read_at(&self.file, &mut head, 0)?;
            write_at(&out, &head, 0)?;
            let mut at = self.head_len;
            let mut moved = Vec::with_capacity(kept.len());
            let mut buf = Vec::new();
            for (id, s) in kept {
                buf.resize(usize::try_from(s.len).map_err(std::io::Error::other)?, 0);
                read_at(&self.file, &mut buf, s.offset)?;
                write_at(&out, &buf, at)?;
                moved.push((*id, Slot { offset: at, ..*s }));
                at += s.len;
            }
            write_at(&out, &index_and_trailer(&moved, at), at)?;
            std::fs::rename(&tmp, &self.path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// The index of `slots` and the trailer, for an index written at offset `at`.
fn index_and_trailer(slots: &[(u128, Slot)], at: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(slots.len() * SLOT_LEN + TRAILER_LEN as usize);
    for (id, s) in slots {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&s.key.to_le_bytes());
        out.extend_from_slice(&s.offset.to_le_bytes());
        out.extend_from_slice(&s.len.to_le_bytes());
        out.extend_from_slice(&s.crc.to_le_bytes());
    }
    let crc = crc32fast::hash(&out);
    let len = out.len() as u64;
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(PACK_END);
    out
}

/// Positional reads and writes, so every core can read and append pack entries through one
/// open file. Unix only; elsewhere the pack is never opened (nothing is cached).
#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}
#[cfg(unix)]
fn write_at(file: &std::fs::File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}
#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}
#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// How many entries the index of the pack at `path` lists, if it has an intact trailer (for
/// tests and `--timings`-style reports; it does not check the entries).
pub fn pack_entries(path: &Path) -> Option<usize> {
    let file = crate::output::open_for_rewrite(path).ok()?;
    let (_, index_len, _) = read_trailer(&file, file.metadata().ok()?.len())?;
    Some((index_len / SLOT_LEN as u64) as usize)
}

/// The trailer of a pack `len` bytes long: index offset, index length and index CRC-32.
fn read_trailer(file: &std::fs::File, len: u64) -> Option<(u64, u64, u32)> {
    let mut trailer = [0; TRAILER_LEN as usize];
    read_at(file, &mut trailer, len.checked_sub(TRAILER_LEN)?).ok()?;
    let mut d = Dec(&trailer);
    let (offset, index_len) = (d.count()? as u64, d.count()? as u64);
    let crc = u32::from_le_bytes(d.0[..4].try_into().ok()?);
    (&d.0[4..] == PACK_END).then_some((offset, index_len, crc))
}

impl Drop for Pack {
    fn drop(&mut self) {
        if !self.finished {
            // An unfinished build: leave the pack as it was found.
            let _ = self.file.set_len(self.opened_len);
        }
    }
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

    #[test]
    fn an_entry_written_as_it_goes_reads_back_only_once_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/entry.bin");
        write_entry(&path, b"test 1\n", 7, b"a longer entry that was there before");
        let mut w = EntryWriter::new(&path, b"test 1\n", 7);
        w.write(b"con");
        w.write(b"tents");
        w.finish();
        assert_eq!(read_entry(&path, b"test 1\n", 7).as_deref(), Some(&b"contents"[..]));
        let mut w = EntryWriter::new(&path, b"test 1\n", 7);
        w.write(b"cut short");
        drop(w);
        assert_eq!(read_entry(&path, b"test 1\n", 7), None, "left unfinished: a miss");
    }

    #[cfg(unix)]
    fn pack_at(dir: &Path, build: u128) -> Pack {
        Pack::open(&dir.join("p.pack"), b"test pack\n", build).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_pack_keeps_the_entries_of_the_last_build() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.pack");
        let pack = pack_at(dir.path(), 1);
        assert_eq!(pack.get(10, 100), None, "a new pack is empty");
        pack.put(10, 100, b"ten");
        pack.put(11, 110, b"eleven");
        pack.finish();
        assert_eq!(pack_entries(&path), Some(2));

        let pack = pack_at(dir.path(), 1);
        assert_eq!(pack.get(10, 101), None, "another key");
        assert_eq!(pack.get(10, 100).as_deref(), Some(&b"ten"[..]));
        pack.put(12, 120, b"twelve");
        pack.finish();
        // 11 was neither read nor written by that build: it is gone from the index.
        assert_eq!(pack_entries(&path), Some(2));
        let pack = pack_at(dir.path(), 1);
        assert_eq!(pack.get(11, 110), None);
        assert_eq!(pack.get(12, 120).as_deref(), Some(&b"twelve"[..]));
        assert_eq!(pack.get(10, 100).as_deref(), Some(&b"ten"[..]));
        pack.finish();

        let pack = pack_at(dir.path(), 2);
        assert_eq!(pack.get(10, 100), None, "another build starts afresh");
    }

    #[cfg(unix)]
    #[test]
    fn an_unfinished_build_leaves_the_pack_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.pack");
        let pack = pack_at(dir.path(), 1);
        pack.put(10, 100, b"ten");
        pack.finish();
        let before = std::fs::read(&path).unwrap();
        let pack = pack_at(dir.path(), 1);
        pack.put(11, 110, &[7; 1000]);
        drop(pack);
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(pack_at(dir.path(), 1).get(10, 100).as_deref(), Some(&b"ten"[..]));
    }

    #[cfg(unix)]
    #[test]
    fn a_damaged_pack_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.pack");
        let pack = pack_at(dir.path(), 1);
        pack.put(10, 100, b"first entry");
        pack.put(11, 110, b"second entry");
        pack.finish();
        let whole = std::fs::read(&path).unwrap();
        // A byte changed inside an entry: that entry only is a miss.
        let at = whole.windows(5).position(|w| w == b"first").unwrap();
        let mut flipped = whole.clone();
        flipped[at] ^= 0x20;
        std::fs::write(&path, &flipped).unwrap();
        let pack = pack_at(dir.path(), 1);
        assert_eq!(pack.get(10, 100), None);
        assert_eq!(pack.get(11, 110).as_deref(), Some(&b"second entry"[..]));
        drop(pack);
        // Cut anywhere, or a byte changed in the index: nothing is read, and the pack works again.
        for cut in [0, 10, whole.len() / 2, whole.len() - 1] {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let pack = pack_at(dir.path(), 1);
            assert_eq!(pack.get(11, 110), None, "cut at {cut}");
            pack.put(11, 110, b"again");
            pack.finish();
            assert_eq!(pack_at(dir.path(), 1).get(11, 110).as_deref(), Some(&b"again"[..]));
        }
        let mut index_flipped = whole.clone();
        let at = whole.len() - TRAILER_LEN as usize - 3;
        index_flipped[at] ^= 1;
        std::fs::write(&path, &index_flipped).unwrap();
        assert_eq!(pack_at(dir.path(), 1).get(11, 110), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_pack_is_compacted_when_most_of_it_is_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.pack");
        let big = |n: u8| vec![n; 10_000];
        for round in 0..6u8 {
            let pack = pack_at(dir.path(), 1);
            for id in 0..4 {
                // Every entry changes each round: the old ones are garbage.
                pack.put(id, u128::from(round), &big(round));
            }
            pack.finish();
            let len = std::fs::metadata(&path).unwrap().len();
            assert!(len < 4 * 10_000 * 2 + 1000, "round {round}: {len} bytes");
        }
        let pack = pack_at(dir.path(), 1);
        for id in 0..4 {
            assert_eq!(pack.get(id, 5), Some(big(5)));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pack_is_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "outside the cache").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("p.pack")).unwrap();
        let pack = pack_at(dir.path(), 1);
        pack.put(1, 1, b"entry");
        pack.finish();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "outside the cache");
        let linked = dir.path().join("linked");
        std::fs::hard_link(dir.path().join("p.pack"), &linked).unwrap();
        let before = std::fs::read(&linked).unwrap();
        let pack = pack_at(dir.path(), 1);
        assert_eq!(pack.get(1, 1), None, "a pack with another name is not trusted");
        pack.put(2, 2, b"other");
        pack.finish();
        assert_eq!(std::fs::read(&linked).unwrap(), before, "the other name's file is untouched");
    }
}
