//! Search: one index of record (apdir's own postings, ranked with tantivy's BM25); the
//! browser gets a static, sharded copy of the same bytes.
//!
//! One analysis pipeline, two consumers:
//! - [`index`] turns the validated site into search documents (guide pages first, then
//!   providers; the order is the document number) and the vocabulary; [`postings`] makes
//!   every term's postings and the word pairs in one pass over each document, on every core.
//! - [`query`] plans a query against the surface-word vocabulary (exact word, prefix of the
//!   last word, one typo) and ranks it from the postings (`apdir search`).
//! - [`export`] writes the terms, postings (with frequencies and field lengths) and the
//!   vocabulary as sharded static files for `/js/search-core.js`, which plans and ranks the
//!   same way (BM25, same boosts, same rounding), so both agree.
//! - [`finder`] writes the provider finder's facet table and the postcode shards.
//!
//! See `docs/search.md` for the file formats and the reasons behind them.

pub mod cache;
pub mod export;
pub mod finder;
pub mod index;
pub mod postings;
pub mod query;
pub mod synonyms;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::cache::CacheUse;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::file::{OutputError, Sink};
use crate::model::lock::LockExt;
use crate::render::OutputFile;
use crate::site::Site;

pub use index::{Kind, SearchIndex};
pub use query::{Hit, SearchOptions};

/// Where the build keeps the tantivy index, relative to the site root (git-ignored).
pub const INDEX_DIR: &str = ".apdir/index";

/// Everything the build gets from the search stage.
pub struct SearchBuild {
    /// The freshly made index, for the build to save for `apdir search`; `None` when the
    /// searchable text has not changed since the index the last build saved.
    pub index: Option<SearchIndex>,
    /// Static files for the published site (`search/...`, `finder/...`).
    pub files: Vec<OutputFile>,
}

/// Indexes the site and exports the static search and finder files. With a build cache, the
/// search files are reused when every search document is what it was at the last build whose
/// index was saved (see docs/build-cache.md).
/// The files of the preview's last render come from `memo`; a build uses the `build_cache`
/// folder. Whether the files were reused is recorded in `used`. The documents' files
/// (`search/d/`, most of the bytes) go to `sink` as they are made; the others are returned.
pub fn build(
    site: &Site,
    sink: &dyn Sink,
    build_cache: Option<&Path>,
    memo: Option<&cache::SearchMemo>,
    used: &CacheUse,
) -> Result<SearchBuild, crate::Error> {
    let fail = |e: String| {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::error("search", format!("cannot build the search index: {e}")));
        crate::Error::Content(d)
    };
    let t = std::time::Instant::now();
    let sink_error: OnceLock<OutputError> = OnceLock::new();
    let (indexed, finder_files) = rayon::join(
        || -> Result<(Option<SearchIndex>, Vec<OutputFile>), String> {
            let docs = index::documents(site);
            // The files of the last render kept in memory (a preview), else the build cache.
            let memo = memo.map(|m| (m, cache::SearchMemo::key(&docs)));
            let cached = match memo {
                Some(_) => None,
                None => build_cache.and_then(|dir| cache::SearchCache::new(dir, &index_path(&site.root), &docs)),
            };
            let reused = match memo {
                Some((m, key)) => m.get(key),
                None => cached.as_ref().and_then(cache::SearchCache::get),
            };
            if let Some(files) = reused {
                used.search_reused.store(true, std::sync::atomic::Ordering::Relaxed);
                return Ok((None, files));
            }
            let mut index = SearchIndex::from_documents(&docs);
            // Only the snippets are read from here on: what else was made for the index goes.
            let mut docs = docs;
            docs.iter_mut().for_each(index::SearchDoc::keep_only_snippet);
            // Each file handed over goes to the cache entry (or the preview's memo) and out.
            let entry = cached.as_ref().map(cache::SearchCache::writer);
            let kept = memo.map(|_| Mutex::new(Vec::new()));
            let keep = |f: &OutputFile| {
                if let Some(e) = &entry {
                    e.add(f);
                }
                if let Some(k) = &kept {
                    k.lock_unpoisoned().extend(copy_of(f));
                }
            };
            let hand_over = |f: OutputFile| {
                keep(&f);
                if let Err(e) = sink.put(f) {
                    let _ = sink_error.set(e);
                }
            };
            let files = export::files_handing_over(&index, &docs, &hand_over)?;
            drop(docs);
            files.iter().for_each(keep);
            if let (Some((m, key)), Some(k)) = (memo, kept) {
                m.put(key, &k.into_inner_unpoisoned());
            }
            if let (Some(c), Some(e)) = (&cached, entry) {
                e.finish();
                index.cache_key = Some(c.key());
            }
            Ok((Some(index), files))
        },
        || finder::files(site),
    );
    if let Some(e) = sink_error.into_inner() {
        return Err(crate::Error::Output(e));
    }
    let synonyms = synonyms::Synonyms::load(&site.root).map_err(crate::Error::Content)?;
    let (mut index, mut files) = indexed.map_err(fail)?;
    files.push(export::synonyms_file(&synonyms).map_err(crate::Error::Content)?);
    let places: Vec<(String, String)> = site.areas.iter().map(|a| (a.name.clone(), crate::render::view::district_url(&a.slug))).collect();
    files.push(OutputFile { path: "search/places.json".into(), body: crate::render::Body::Bytes(serde_json::to_vec(&places).unwrap_or_default()) });
    if let Some(ix) = &mut index {
        ix.synonyms = synonyms;
    }
    if std::env::var_os("APDIR_SEARCH_TIMINGS").is_some() {
        eprintln!("search: {} {:?}", if index.is_some() { "indexed and exported" } else { "reused" }, t.elapsed());
    }
    files.extend(finder_files);
    Ok(SearchBuild { index, files })
}

/// A copy of a file made in memory (the search's files all are).
fn copy_of(f: &OutputFile) -> Option<OutputFile> {
    match &f.body {
        crate::render::Body::Bytes(b) => Some(OutputFile { path: f.path.clone(), body: crate::render::Body::Bytes(b.clone()) }),
        crate::render::Body::Copy(_) => None,
    }
}

/// The index folder of a site.
pub fn index_path(root: &Path) -> PathBuf {
    root.join(INDEX_DIR)
}
