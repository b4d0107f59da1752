//! apdir builds a local authority's alternative-provision directory and good-practice guide
//! as a static website.
//!
//! Data flows one way: **load** (`load`, `config`, `geo`) → **validate** (`validate`) →
//! **model** (`site::Site`) → **render** (`render`) → **write** (`output`). The CLI in
//! `main.rs` only parses arguments and calls [`build`], [`check`] and the scaffolding in
//! [`scaffold`].

// A `Diagnostic` is the error of every loading step and carries its source file and span;
// it is the cold path, and boxing it everywhere would only add noise.
#![allow(clippy::result_large_err)]

pub mod analyse;
pub mod audit;
pub mod cache;
pub mod config;
pub mod dashboard;
pub mod diagnostics;
pub mod disclosure;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod geo;
pub mod import;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod tracking;
pub mod validate;

use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

/// mimalloc, entered through its plain functions when a word's alignment is enough. The
/// `mimalloc` crate sends every call through `mi_malloc_aligned`, whose extra steps were
/// about 2% of a build's instructions; every block mimalloc hands out is word-aligned, so
/// only larger alignments need that path.
struct Allocator;

/// The alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

// SAFETY: each function forwards to mimalloc, which meets `GlobalAlloc`'s contract for any
// layout through its aligned entry points (the `mimalloc` crate's implementation), and
// through its plain ones for alignments up to a word (blocks are always word-aligned).
// Memory from either is freed with `mi_free`.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_malloc(layout.size()).cast() }
        } else {
            // SAFETY: the caller's contract is passed on unchanged.
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()).cast() }
        } else {
            // SAFETY: the caller's contract is passed on unchanged.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: `ptr` came from mimalloc; the new block keeps a word's alignment.
            unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            // SAFETY: the caller's contract is passed on unchanged.
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (the same position in its v2 and v3 option lists;
/// `the_purge_delay_option_is_the_one_set` checks it).
const MI_OPTION_PURGE_DELAY: i32 = 15;

unsafe extern "C" {
    fn mi_option_set(option: i32, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: i32) -> std::ffi::c_long;
}

/// For a command that runs once and exits (`build`, `check`, `export`): memory freed by one
/// stage stays with the process for the next, instead of going back to the system after a
/// second and being faulted in and zeroed again. A first build of 10,000 providers spent
/// about 0.1 s of kernel time on that; its peak memory is unchanged, since the next stage
/// reuses the pages. An `MIMALLOC_PURGE_DELAY` in the environment still wins.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options; any value is valid for this one.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    }
}

pub use diagnostics::{Diagnostic, Diagnostics};
pub use model::date::Date;
pub use site::{LoadOptions, Profile, Site};

/// What went wrong with a build, typed by how the caller should react.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs have problems (exit code 1). Carries every problem found.
    #[error("{}", .0.summary())]
    Content(Diagnostics),
    /// The output could not be written, or the output folder is unsafe (exit code 2).
    #[error(transparent)]
    Output(#[from] output::OutputError),
    /// Another I/O or usage problem (exit code 2).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Content(_) => 1,
            Error::Output(_) | Error::Usage(_) => 2,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The site folder (holding apdir.toml).
    pub root: PathBuf,
    /// Overrides `output_dir`.
    pub output: Option<PathBuf>,
    pub load: LoadOptions,
    /// Neither read nor write the build cache (`.apdir/cache/`).
    pub no_cache: bool,
}

/// Where `apdir build` keeps what the next build can reuse (see docs/build-cache.md).
pub const BUILD_CACHE_DIR: &str = ".apdir/cache";

#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub warnings: Diagnostics,
    pub providers: usize,
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    /// Time spent in each stage.
    pub timings: Vec<(&'static str, Duration)>,
    /// What the build took from the build cache (`None` with `--no-cache`).
    pub cache: Option<cache::CacheReport>,
}

/// Loads, validates, renders and publishes the site. Nothing is written unless every stage
/// succeeds.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Error> {
    let mut timings = Vec::new();
    let t = Instant::now();
    let inputs = site::Inputs::read(&options.root, &options.load).map_err(Error::Content)?;
    timings.push(("read and parse", t.elapsed()));
    let t = Instant::now();
    let mut site = Site::from_inputs(&options.root, inputs).map_err(Error::Content)?;
    timings.push(("validate", t.elapsed()));
    if !options.no_cache {
        site.build_cache = Some(options.root.join(BUILD_CACHE_DIR));
    }
    site.index_dir = Some(search::index_path(&options.root));
    // The gap analysis is worked out when the area pages first need it, while the search
    // index and the exports are being made.
    let output = options.output.clone().unwrap_or_else(|| site.config.output_path_for(&site.root, site.profile));
    // Internal records never go into a published folder.
    disclosure::check_output(&site, &output)?;
    // Refuses a dangerous output folder before any time is spent rendering.
    let staging = output::Staging::create(&output, &site.root)?;
    let t = Instant::now();
    // On error the staging folder is dropped, and with it every file written so far.
    render::render(&site, &staging)?;
    timings.push(("render and write", t.elapsed()));
    let t = Instant::now();
    let published = staging.publish()?;
    timings.push(("publish", t.elapsed()));
    // The index of record for `apdir search`, kept beside the inputs (never published), was
    // staged while the site was written; it goes in place now. Saving it is best effort: the
    // published site is complete without it.
    let mut warnings = site.warnings.clone();
    if let Some(staged) = site.staged_index.take() {
        let t = Instant::now();
        if let Err(e) = staged.and_then(search::index::StagedIndex::commit) {
            warnings.push(
                Diagnostic::warning("search-index", format!("the search index for `apdir search` was not saved: {e}"))
                    .help("`apdir search` will index the site in memory instead; check that the site folder is writable"),
            );
        }
        timings.push(("save search index", t.elapsed()));
    }
    let report = BuildReport {
        output,
        providers: site.providers.len(),
        pages: site.pages.len(),
        warnings,
        files: published.files,
        bytes: published.bytes,
        timings,
        cache: site.build_cache.is_some().then(|| site.cache_use.report()),
    };
    // Freeing a large site's records and index takes a noticeable moment; nothing waits for it.
    std::thread::spawn(move || drop(site));
    Ok(report)
}

/// Loads and validates without writing anything. Returns the warnings, or every problem.
pub fn check(options: &BuildOptions) -> Result<Diagnostics, Error> {
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    // Render the pages too, so template errors are found, but write nothing. The search index
    // and the exports cannot find a problem in the content: they are left out.
    render::render_selected(&site, &output::Discard, &render::PagesOnly)?;
    Ok(site.warnings)
}

/// How `apdir gaps` prints the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapsFormat {
    Table,
    Csv,
    Json,
}

/// `apdir gaps`: the gap report as text. Suppressed like the public site unless `raw`.
pub fn gaps_report(
    options: &BuildOptions,
    selection: &analyse::report::Selection,
    format: GapsFormat,
    raw: bool,
) -> Result<(String, Diagnostics), Error> {
    selection.check().map_err(Error::Usage)?;
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    let policy = if raw { analyse::Suppression::Off } else { site.public_suppression() };
    let report = site.gaps();
    let public = report.publish(policy);
    let text = match format {
        GapsFormat::Table => analyse::report::table(report, &public, selection),
        GapsFormat::Csv => analyse::report::csv(report, &public, selection),
        GapsFormat::Json => format!("{:#}\n", analyse::report::json(report, &public, selection)),
    };
    Ok((text, site.warnings))
}

/// `apdir export`: writes the export files of `formats` into `out` (records as `profile`
/// may see them). Returns the number of files written.
pub fn export(options: &BuildOptions, formats: &[export::Format], out: &std::path::Path) -> Result<usize, Error> {
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    // Internal records never go into a published folder.
    disclosure::check_output(&site, out)?;
    Ok(export::write(&site, formats, site.profile, &output::Folder::new(out))?)
}

/// Searches the index the last build saved (or, when there is none, a fresh in-memory index
/// of the site). Returns the hits and whether the saved index was used.
pub fn search(options: &BuildOptions, query: &str, search_options: &search::SearchOptions) -> Result<(Vec<search::Hit>, bool), Error> {
    let dir = search::index_path(&options.root);
    let (index, saved) = match search::SearchIndex::open(&dir) {
        Ok(ix) => (ix, true),
        Err(_) => {
            let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
            (search::SearchIndex::build(&site).map_err(Error::Usage)?, false)
        }
    };
    let mut index = index;
    index.synonyms = search::synonyms::Synonyms::load(&options.root).map_err(Error::Content)?;
    let hits = index.search(query, search_options).map_err(Error::Usage)?;
    Ok((hits, saved))
}

#[cfg(test)]
mod allocator_tests {
    use std::alloc::{GlobalAlloc, Layout};

    #[test]
    fn blocks_are_aligned_zeroed_and_kept_on_realloc() {
        let a = super::Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 7, 8, 24, 100, 5000, 300_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size; every block is freed with its layout.
                unsafe {
                    let p = a.alloc_zeroed(layout);
                    assert!(!p.is_null() && (p as usize).is_multiple_of(align), "size {size}, align {align}");
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                    std::ptr::write_bytes(p, 0xa5, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert!(!q.is_null() && (q as usize).is_multiple_of(align), "realloc: size {size}, align {align}");
                    assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 0xa5), "realloc keeps the contents");
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let r = a.alloc(layout);
                    assert!(!r.is_null() && (r as usize).is_multiple_of(align));
                    a.dealloc(r, layout);
                }
            }
        }
    }

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // mimalloc 3's purge delay defaults to 1000 ms (no other option does); a wrong option
        // number would read and set another option, and this would fail.
        // SAFETY: reads and sets one of mimalloc's options.
        unsafe {
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), 1000);
            super::mi_option_set(super::MI_OPTION_PURGE_DELAY, -1);
            assert_eq!(super::mi_option_get(super::MI_OPTION_PURGE_DELAY), -1);
            super::mi_option_set(super::MI_OPTION_PURGE_DELAY, 1000);
        }
    }
}
