//! The orchestrator: one build run as a short list of stages (as Zola's `Site::build`):
//! read the inputs → validate → analyse → render the pages → the features (search, exports,
//! the dashboard) → publish. Each stage lives in its own module, lower down (see
//! docs/architecture.md); this module only calls them in order and keeps the run's state
//! (the build cache, the memos a preview keeps between rebuilds, the staged search index),
//! which is not part of the site.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analyse::AccessMemo;
use crate::cache::CacheUse;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::export::cache::ExportMemo;
use crate::model::file::Sink;
use crate::render::{Lap, Selection, templates::Templates};
use crate::search::cache::SearchMemo;
use crate::search::index::StagedIndex;
use crate::site::{LoadOptions, Site};
use crate::{analyse, dashboard, disclosure, export, history, output, render, scenarios, search, site};

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
    pub cache: Option<crate::cache::CacheReport>,
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
    let run = Run {
        build_cache: (!options.no_cache).then(|| options.root.join(BUILD_CACHE_DIR)),
        index_dir: Some(search::index_path(&options.root)),
        ..Run::default()
    };
    let output = options.output.clone().unwrap_or_else(|| site.config.output_path_for(&site.root, site.profile));
    // Internal records never go into a published folder.
    disclosure::check_output(&site, &output)?;
    // Refuses a dangerous output folder before any time is spent rendering.
    let staging = output::Staging::create(&output, &site.root)?;
    let t = Instant::now();
    // On error the staging folder is dropped, and with it every file written so far.
    render_once(&mut site, &run, &staging)?;
    timings.push(("render and write", t.elapsed()));
    let t = Instant::now();
    let published = staging.publish()?;
    timings.push(("publish", t.elapsed()));
    // The index of record for `apdir search`, kept beside the inputs (never published), was
    // staged while the site was written; it goes in place now. Saving it is best effort: the
    // published site is complete without it.
    let mut warnings = site.warnings.clone();
    if let Some(staged) = run.staged_index.into_inner() {
        let t = Instant::now();
        if let Err(e) = staged.and_then(StagedIndex::commit) {
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
        cache: run.build_cache.is_some().then(|| run.cache_use.report()),
    };
    // Freeing a large site's records and index takes a noticeable moment; nothing waits for it.
    std::thread::spawn(move || drop(site));
    Ok(report)
}

/// Loads and validates without writing anything. Returns the warnings, or every problem.
pub fn check(options: &BuildOptions) -> Result<Diagnostics, Error> {
    check_report(options).map(|(warnings, _)| warnings)
}

/// `apdir check`'s warnings and the reading age of every guide page: (file, age, words).
pub fn check_report(options: &BuildOptions) -> Result<(Diagnostics, crate::guide_checks::ReadingAges), Error> {
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    // Render the pages too, so template errors are found, but write nothing. The search index
    // and the exports cannot find a problem in the content: they are left out.
    render_selected(&site, &Run::default(), &output::Discard, &render::PagesOnly)?;
    let ages = crate::guide_checks::reading_ages(&site.pages);
    Ok((site.warnings, ages))
}

/// The state of one build run (or one render of the preview): what it may reuse and what it
/// made along the way. Kept apart from [`Site`], which is only the validated model.
#[derive(Default)]
pub struct Run {
    /// Where this run may keep what it can reuse next time (`.apdir/cache/`); `None` (the
    /// default) for runs that must write nothing beside the site, such as `apdir check`.
    pub build_cache: Option<PathBuf>,
    /// What this run took from the build cache or the memos.
    pub cache_use: CacheUse,
    /// Where a build saves the search index for `apdir search` (`.apdir/index`); `None` for
    /// runs that must write nothing beside the site. A freshly made index is staged there
    /// while the site is being written ([`Run::staged_index`]) and put in place once the
    /// site is published.
    pub index_dir: Option<PathBuf>,
    /// The index staged for `index_dir`, or why it could not be.
    pub staged_index: OnceLock<Result<StagedIndex, String>>,
    /// An export cache kept in memory between renders (`apdir serve`), used instead of the
    /// one in `build_cache`.
    pub export_memo: Option<Arc<ExportMemo>>,
    /// The search files kept in memory between renders (`apdir serve`), used instead of the
    /// search cache in `build_cache`.
    pub search_memo: Option<Arc<SearchMemo>>,
    /// The gap analysis's access figures kept in memory between renders (`apdir serve`).
    pub access_memo: Option<Arc<AccessMemo>>,
}

/// Renders every file of the site into `sink`, in parallel. On error the sink holds a partial
/// site: the caller discards it.
pub fn render(site: &Site, run: &Run, sink: &dyn Sink) -> Result<(), Error> {
    render_selected(site, run, sink, &render::Everything)
}

/// [`render`] for a build, which renders its site once: the guide's pages are written first
/// and their sources (from which their HTML is made) let go before the search index is made,
/// the build's peak (10,000 pages' sources are about 28 MB; docs/benchmarks.md). A problem in
/// the guide's templates does not stop the rest: every page's problems are reported together.
fn render_once(site: &mut Site, run: &Run, sink: &dyn Sink) -> Result<(), Error> {
    let lap = Lap::new();
    let templates = render::templates(site)?;
    let guide = render::guide_pages_alone(site, &templates, sink)?;
    site.let_go_of_guide_sources();
    lap.mark("guide pages");
    render_stages(site, run, sink, &templates, &render::AllButGuidePages, guide, &lap)
}

/// [`render`], writing only the pages `selection` picks (the rest are known to be unchanged).
/// The stages: the search index beside the gap analysis, then the pages (with the analysis
/// they show and the dashboard) and the exports side by side, then the feeds, downloads and
/// static files.
pub fn render_selected(site: &Site, run: &Run, sink: &dyn Sink, selection: &dyn Selection) -> Result<(), Error> {
    let templates = render::templates(site)?;
    render_stages(site, run, sink, &templates, selection, render::RenderedPages::default(), &Lap::new())
}

/// The stages of [`render_selected`], with the templates loaded and what an earlier render
/// of some of the pages found.
fn render_stages(
    site: &Site,
    run: &Run,
    sink: &dyn Sink,
    templates: &Templates,
    selection: &dyn Selection,
    earlier: render::RenderedPages,
    lap: &Lap,
) -> Result<(), Error> {
    let search_and_exports = selection.search_and_exports();
    // The search index first, on every core: the gap analysis (one core, needed by the pages)
    // runs beside it. Started beside the pages instead, it got one core of the two for its
    // whole length (rayon has no priorities), and so took as long as its CPU time
    // (docs/search.md, "Measurements"); the pages and exports, made next, keep both cores busy.
    let (search, (report, outcomes)) = rayon::join(
        || if search_and_exports { search_files(site, run, sink, lap) } else { Ok(()) },
        || (analyse::analyse(site, run.access_memo.as_deref()), crate::tracking::provider_outcomes(site)),
    );
    lap.mark("search, gap analysis");
    // Pages and exports are independent: run them side by side, so that one's sequential
    // parts (the pages' contexts, joining the export lists) overlap the other.
    let (pages, exports) = rayon::join(
        || pages(site, &report, &outcomes, templates, sink, selection, earlier, lap),
        || if search_and_exports { export_files(site, run, sink, lap) } else { Ok(()) },
    );
    // A template problem is told first, as before the search ran on its own.
    let page_urls = pages?;
    search?;
    exports?;
    lap.mark("pages, exports");
    let files = render::other_files(site, &report, &page_urls);
    lap.mark("feeds and areas");
    files.into_par_iter().try_for_each(|f| sink.put(f))?;
    lap.mark("assets and the rest");
    Ok(())
}

/// The pages of the providers `selection` picks, alone: what the preview serves first after a
/// record is saved, before [`render_selected`] makes the rest.
pub fn render_provider_pages(site: &Site, sink: &dyn Sink, selection: &dyn Selection) -> Result<(), Error> {
    let templates = render::templates(site)?;
    let outcomes = crate::tracking::provider_outcomes(site);
    let rendered = render::provider_pages_alone(site, &outcomes, &templates, sink, selection)?;
    if rendered.errors.is_empty() { Ok(()) } else { Err(Error::Content(Diagnostics { items: rendered.errors })) }
}

/// The search files and the open data exports alone, side by side: what the preview makes
/// after it has published a rebuild's pages.
pub fn render_search_and_exports(site: &Site, run: &Run, sink: &dyn Sink) -> Result<(), Error> {
    let lap = Lap::new();
    let (search, exports) = rayon::join(|| search_files(site, run, sink, &lap), || export_files(site, run, sink, &lap));
    search?;
    exports
}

/// Every page: the template pages, the QA dashboard (internal only) and the 404 page, showing
/// the gap analysis `report`. Returns the pages' URLs (with those `earlier` rendered), or every
/// template problem (with those `earlier` found).
#[allow(clippy::too_many_arguments)]
fn pages(
    site: &Site,
    report: &analyse::GapReport,
    outcomes: &render::ProviderOutcomes,
    templates: &Templates,
    sink: &dyn Sink,
    selection: &dyn Selection,
    earlier: render::RenderedPages,
    lap: &Lap,
) -> Result<Vec<String>, Error> {
    let mut rendered = earlier.and(render::pages(site, report, outcomes, templates, sink, selection, lap)?);
    let over_time = history::pages::pages(site, report, templates).into_iter().chain(scenarios::pages::pages(site, report, templates));
    for page in dashboard::pages(site, templates).into_iter().chain(over_time) {
        match page {
            Ok(f) => sink.put(f)?,
            Err(d) => rendered.errors.push(d),
        }
    }
    match render::not_found(templates) {
        Ok(f) => sink.put(f)?,
        Err(d) => rendered.errors.push(d),
    }
    if !rendered.errors.is_empty() {
        return Err(Error::Content(Diagnostics { items: rendered.errors }));
    }
    Ok(rendered.urls)
}

/// The search index and its static export (and the finder's files). A build stages a freshly
/// made index for `apdir search`: written beside `.apdir/index` now, while the pages and
/// exports are still being made, and put in place after the site is published.
fn search_files(site: &Site, run: &Run, sink: &dyn Sink, lap: &Lap) -> Result<(), Error> {
    let t = Instant::now();
    let search = search::build(site, sink, run.build_cache.as_deref(), run.search_memo.as_deref(), &run.cache_use)?;
    search.files.into_par_iter().try_for_each(|f| sink.put(f))?;
    if let (Some(index), Some(dir)) = (search.index, &run.index_dir) {
        let _ = run.staged_index.set(index.stage(dir));
    }
    lap.mark_from(&t, "search");
    Ok(())
}

/// The open data exports the site publishes.
fn export_files(site: &Site, run: &Run, sink: &dyn Sink, lap: &Lap) -> Result<(), Error> {
    let t = Instant::now();
    export::write_site_files(site, sink, run.build_cache.as_deref(), run.export_memo.as_ref(), &run.cache_use)?;
    lap.mark_from(&t, "exports");
    Ok(())
}
