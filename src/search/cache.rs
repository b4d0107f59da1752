//! The search cache: the static search files of the last build whose index was saved, kept in
//! `.apdir/cache/search.bin` under a key of every search document (see docs/build-cache.md).
//! A daily rebuild in which no provider or guide page changed reuses them instead of indexing
//! the site again; any change to any document's text makes the whole index afresh.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use super::index::SearchDoc;
use crate::cache::{Dec, Hasher128, hash_bytes, len_prefix};
use crate::model::lock::LockExt;
use crate::render::{Body, OutputFile};

/// Changes whenever the layout of the entry changes.
const MAGIC: &[u8] = b"apdir search cache 2\n";

/// The file in the saved index folder that names the documents it was made from.
pub const INDEX_KEY_FILE: &str = "apdir-cache-key";

pub struct SearchCache {
    entry: PathBuf,
    index_dir: PathBuf,
    key: u128,
}

impl SearchCache {
    /// The search cache in the build cache folder `dir` for these documents; `index_dir` is
    /// where builds save the index for `apdir search`.
    pub fn new(dir: &Path, index_dir: &Path, docs: &[SearchDoc]) -> Option<SearchCache> {
        let mut h = crate::cache::keyed_to_this_binary(MAGIC)?;
        hash_docs(&mut h, docs);
        Some(SearchCache { entry: dir.join("search.bin"), index_dir: index_dir.to_path_buf(), key: h.finish128().as_u128() })
    }

    pub fn key(&self) -> u128 {
        self.key
    }

    /// The static search files made from these documents, if the cache holds them and the
    /// saved index was made from the same documents (so `apdir search` agrees with the site).
    pub fn get(&self) -> Option<Vec<OutputFile>> {
        let saved = std::fs::read_to_string(self.index_dir.join(INDEX_KEY_FILE)).ok()?;
        if saved.trim() != key_text(self.key) {
            return None;
        }
        let contents = crate::cache::read_entry(&self.entry, MAGIC, self.key)?;
        let mut d = Dec(&contents);
        let mut files = Vec::new();
        while !d.is_done() {
            let path = String::from_utf8(d.bytes()?.to_vec()).ok()?;
            files.push(OutputFile { path, body: Body::Bytes(d.bytes()?.to_vec()) });
        }
        Some(files)
    }

    /// Starts the entry, for files added as they are made.
    pub fn writer(&self) -> SearchEntry {
        SearchEntry(std::sync::Mutex::new(Some(crate::cache::EntryWriter::new(&self.entry, MAGIC, self.key))))
    }
}

/// A search cache entry being written: each file's path and bytes, one after another (no
/// count: the entry ends with its last file), from any thread.
pub struct SearchEntry(std::sync::Mutex<Option<crate::cache::EntryWriter>>);

impl SearchEntry {
    pub fn add(&self, file: &OutputFile) {
        let mut w = self.0.lock_unpoisoned();
        let Some(entry) = w.as_mut() else { return };
        match &file.body {
            Body::Bytes(bytes) => {
                for part in [&len_prefix(file.path.len())[..], file.path.as_bytes(), &len_prefix(bytes.len())[..], bytes] {
                    entry.write(part);
                }
            }
            // A file copied rather than made cannot be kept: the entry is left unfinished.
            Body::Copy(_) => *w = None,
        }
    }

    pub fn finish(self) {
        if let Some(w) = self.0.into_inner_unpoisoned() {
            w.finish();
        }
    }
}

fn hash_docs(h: &mut crate::cache::KeyHasher, docs: &[SearchDoc]) {
    h.write_usize(docs.len());
    for d in docs {
        hash_bytes(h, d.kind.key().as_bytes());
        hash_bytes(h, d.title.as_bytes());
        hash_bytes(h, d.url.as_bytes());
        for f in &d.fields {
            hash_bytes(h, f.as_bytes());
        }
        // As one length-prefixed string (the hasher streams, so pieces hash as their join).
        let pieces = d.snippet_pieces();
        h.write_usize(pieces.iter().map(|p| p.len()).sum());
        for p in pieces {
            h.write(p.as_bytes());
        }
    }
}

/// The static search files of the last render, kept in memory by `apdir serve` under a key of
/// every search document: a saved record whose searchable text did not change (vacancies,
/// dates, contacts, costs) reuses them instead of indexing the site again.
#[derive(Default)]
pub struct SearchMemo(std::sync::Mutex<Option<(u128, KeptFiles)>>);

/// Files as a memo keeps them: path and bytes.
type KeptFiles = Vec<(String, std::sync::Arc<[u8]>)>;

impl SearchMemo {
    /// The key of these documents.
    pub fn key(docs: &[SearchDoc]) -> u128 {
        let mut h = crate::cache::KeyHasher::new();
        h.write(MAGIC);
        hash_docs(&mut h, docs);
        h.finish128().as_u128()
    }

    /// The files made from the documents of `key`, if they are the ones kept.
    pub fn get(&self, key: u128) -> Option<Vec<OutputFile>> {
        let kept = self.0.lock_unpoisoned();
        let (k, files) = kept.as_ref()?;
        (*k == key).then(|| files.iter().map(|(path, bytes)| OutputFile { path: path.clone(), body: Body::Bytes(bytes.to_vec()) }).collect())
    }

    /// Keeps `files` as the ones made from the documents of `key` (files that are copies of
    /// others are never kept).
    pub fn put(&self, key: u128, files: &[OutputFile]) {
        let kept: Option<KeptFiles> = files
            .iter()
            .map(|f| match &f.body {
                Body::Bytes(b) => Some((f.path.clone(), std::sync::Arc::from(b.as_slice()))),
                _ => None,
            })
            .collect();
        *self.0.lock_unpoisoned() = kept.map(|k| (key, k));
    }
}

/// How a key is written in the saved index folder.
pub fn key_text(key: u128) -> String {
    format!("{key:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_hashed_in_pieces_hashes_as_its_join() {
        // `hash_docs` hashes a snippet's pieces one after another: the key must be the one of
        // the whole text, as when the snippet was kept as one string.
        let mut whole = crate::cache::KeyHasher::new();
        hash_bytes(&mut whole, "A summary\nand the body".as_bytes());
        let mut pieces = crate::cache::KeyHasher::new();
        pieces.write_usize("A summary\nand the body".len());
        for p in ["A summary", "\n", "and the body"] {
            pieces.write(p.as_bytes());
        }
        assert_eq!(whole.finish128().as_u128(), pieces.finish128().as_u128());
    }
}
