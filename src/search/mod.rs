//! Search: tantivy is the index of record; the browser gets a static export of the same index.
//!
//! One analysis pipeline, two consumers:
//! - [`index::build`] turns the validated site into search documents (guide pages first, then
//!   providers) and indexes them with tantivy in one segment, so tantivy's doc ids are our
//!   document numbers.
//! - [`query`] plans a query against the surface-word vocabulary (exact word, prefix of the
//!   last word, one typo) and runs it with tantivy (`apdir search`).
//! - [`export`] writes the terms, postings (with frequencies and field lengths) and the
//!   vocabulary as sharded static files for `/js/search-core.js`, which plans and ranks the
//!   same way (BM25, same boosts), so both agree.
//! - [`finder`] writes the provider finder's facet table and the postcode shards.
//!
//! See `docs/search.md` for the file formats and the reasons behind them.

pub mod export;
pub mod finder;
pub mod index;
pub mod query;

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::OutputFile;
use crate::site::Site;

pub use index::{Kind, SearchIndex};
pub use query::{Hit, SearchOptions};

/// Where the build keeps the tantivy index, relative to the site root (git-ignored).
pub const INDEX_DIR: &str = ".apdir/index";

/// Everything the build gets from the search stage.
pub struct SearchBuild {
    pub index: SearchIndex,
    /// Static files for the published site (`search/...`, `finder/...`).
    pub files: Vec<OutputFile>,
}

/// Indexes the site and exports the static search and finder files.
pub fn build(site: &Site) -> Result<SearchBuild, Diagnostics> {
    let fail = |e: String| {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::error("search", format!("cannot build the search index: {e}")));
        d
    };
    let t = std::time::Instant::now();
    let (index, finder_files) = rayon::join(|| SearchIndex::build(site), || finder::files(site));
    let index = index.map_err(fail)?;
    let t_index = t.elapsed();
    let mut files = export::files(&index).map_err(fail)?;
    if std::env::var_os("APDIR_SEARCH_TIMINGS").is_some() {
        eprintln!("search: index+finder {:?}, export {:?}", t_index, t.elapsed() - t_index);
    }
    files.extend(finder_files);
    Ok(SearchBuild { index, files })
}

/// The index folder of a site.
pub fn index_path(root: &Path) -> PathBuf {
    root.join(INDEX_DIR)
}
