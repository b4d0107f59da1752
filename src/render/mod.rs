//! Render: turn the validated site into files in memory (pages, feeds, sitemap, assets).
//! Pages render in parallel; nothing is written to disk here.

pub mod areas;
pub mod events;
pub mod feeds;
mod guide;
pub mod ical;
mod listings;
pub mod locator;
pub mod maps;
pub mod result_card;
mod summary_list;
pub mod templates;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::analyse::GapReport;
use crate::diagnostics::Diagnostic;
pub use crate::model::file::{Body, OutputFile};
use crate::model::file::{OutputError, Sink};
use crate::model::lock::LockExt;
use crate::site::Site;
use listings::Directory;
use templates::Templates;
use view::*;

impl OutputFile {
    fn page(url: &str, html: String) -> OutputFile {
        let path = format!("{}index.html", url.trim_start_matches('/'));
        OutputFile { path, body: Body::Bytes(html.into_bytes()) }
    }
}

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

fn link(title: impl Into<String>, url: impl Into<String>) -> Link {
    Link { title: title.into(), url: url.into() }
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    authority: &'a str,
    base_url: &'a str,
    contact_email: &'a str,
    description: &'a str,
    build_date: String,
    build_date_iso: String,
    nav: Vec<Link>,
    /// True for the AP team's build: pages carry the OFFICIAL-SENSITIVE banner and noindex.
    internal: bool,
    /// The Content-Security-Policy every page declares (`audit::CONTENT_SECURITY_POLICY`).
    content_security_policy: &'static str,
}

/// A counted link on an index page ("Preston (12)").
#[derive(Serialize, Clone)]
struct CountedLink {
    title: String,
    url: String,
    count: usize,
    description: String,
}

#[derive(Serialize)]
struct Pagination {
    current: usize,
    total_pages: usize,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<PageLink>,
    first_item: usize,
    last_item: usize,
    total_items: usize,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    url: String,
    current: bool,
}

/// Base context every page gets.
fn base_context(title: &str, description: &str, url: &str, breadcrumbs: Vec<Link>) -> Context {
    let mut c = Context::new();
    c.insert("page_title", title);
    c.insert("page_description", description);
    c.insert("current_url", url);
    c.insert("breadcrumbs", &breadcrumbs);
    c
}

/// Chooses which pages a render writes. A full build writes every page ([`Everything`]); the
/// preview server (`crate::serve`) writes only pages whose inputs changed since its last render.
/// Files other than template pages (404, feeds, static files) are always written.
pub trait Selection: Sync {
    /// Whether to build the page of this provider at all (false: it is known to be unchanged).
    fn provider_page(&self, _id: &str) -> bool {
        true
    }
    /// Whether to render this page, given the template and context it would be rendered with.
    fn page(&self, _url: &str, _template: &str, _context: &Context) -> bool {
        true
    }
    /// Whether to build a listing page's context at all, given a fingerprint of everything on it
    /// but the cards, and the ids of the providers whose cards it shows (false: unchanged).
    fn listing_page(&self, _url: &str, _fingerprint: u64, _providers: &[&str]) -> bool {
        true
    }
    /// Whether to make the search index and the open data exports. Neither can find a problem
    /// in the content, so `apdir check` leaves them out.
    fn search_and_exports(&self) -> bool {
        true
    }
    /// Whether to render the guide's pages (false: already written, by [`guide_pages_alone`]).
    fn guide_pages(&self) -> bool {
        true
    }
}

/// Selects every page: what `build::render` renders. A build writes the guide's pages first
/// and then [`AllButGuidePages`].
pub struct Everything;
impl Selection for Everything {}

/// Every page but the guide's, which a build has already written ([`guide_pages_alone`]).
pub struct AllButGuidePages;
impl Selection for AllButGuidePages {
    fn guide_pages(&self) -> bool {
        false
    }
}

/// Every page, without the search index and the exports: what `apdir check` renders to find
/// template problems.
pub struct PagesOnly;
impl Selection for PagesOnly {
    fn search_and_exports(&self) -> bool {
        false
    }
}

/// The site's templates, with the globals every page reads (the site's name, the navigation).
pub fn templates(site: &Site) -> Result<Templates, crate::Error> {
    let theme_dir = site.config.theme_path(&site.root);
    let mut templates = Templates::load(&site.root, &theme_dir).map_err(crate::Error::Content)?;
    let mut nav = vec![
        link("Find a provider", "/providers/"),
        link("Districts", "/districts/"),
        link("Gaps by area", "/areas/"),
        link("Good-practice guide", "/guide/"),
    ];
    if site.profile.is_internal() {
        nav.push(link("QA dashboard", "/dashboard/"));
    }
    let site_view = SiteView {
        title: &site.config.title,
        authority: &site.config.authority,
        base_url: site.config.base(),
        contact_email: &site.config.contact_email,
        description: &site.config.description,
        build_date: site.today.long(),
        build_date_iso: site.today.iso(),
        nav,
        internal: site.profile.is_internal(),
        content_security_policy: crate::audit::CONTENT_SECURITY_POLICY,
    };
    templates.tera.global_context().insert("site", &site_view);
    Ok(templates)
}

/// What rendering the pages found: the URL of every page (for the sitemap) and each template
/// problem once.
#[derive(Default)]
pub struct RenderedPages {
    pub urls: Vec<String>,
    pub errors: Vec<Diagnostic>,
}

impl RenderedPages {
    /// What two renders found together: a problem both found is kept once.
    pub fn and(mut self, later: RenderedPages) -> RenderedPages {
        self.urls.extend(later.urls);
        for d in later.errors {
            if !self.errors.iter().any(|x| x.message == d.message && x.span == d.span) {
                self.errors.push(d);
            }
        }
        self
    }
}

/// A page to render: its URL, template and context.
type Job = (String, &'static str, Context);

/// Renders pages into the sink, skipping those the selection leaves out, and keeps what the
/// render found: the URL of every page and each template problem once.
struct Renderer<'a> {
    templates: &'a Templates,
    sink: &'a dyn Sink,
    selection: &'a dyn Selection,
    urls: Mutex<Vec<String>>,
    errors: Mutex<Vec<Diagnostic>>,
}

impl Renderer<'_> {
    /// Keeps a template problem. One template error tends to repeat on every page: each is
    /// kept once.
    fn template_error(&self, d: Diagnostic) {
        let mut errs = self.errors.lock_unpoisoned();
        if !errs.iter().any(|x| x.message == d.message && x.span == d.span) {
            errs.push(d);
        }
    }

    /// Notes the URL of a page, rendered or left unchanged, for the sitemap.
    fn listed(&self, url: String) {
        self.urls.lock_unpoisoned().push(url);
    }

    /// Renders one page and hands it to the sink; template problems are collected.
    fn emit(&self, url: &str, template: &str, c: &Context) -> Result<(), OutputError> {
        if !self.selection.page(url, template, c) {
            self.listed(url.to_string());
            return Ok(());
        }
        match self.templates.render(template, c) {
            Ok(html) => {
                self.listed(url.to_string());
                self.sink.put(OutputFile::page(url, html))
            }
            Err(d) => {
                self.template_error(d);
                Ok(())
            }
        }
    }

    fn finish(self) -> RenderedPages {
        RenderedPages { urls: self.urls.into_inner_unpoisoned(), errors: self.errors.into_inner_unpoisoned() }
    }
}

/// Renders every template page (providers, listings, areas, guide, home) into `sink`, in
/// parallel, writing only the pages `selection` picks. Template problems are collected, not
/// returned as errors: the caller reports them all together.
/// What the orchestrator hands the provider pages from the features above render: each
/// provider's outcomes (issue 23), by provider id, already through the profile's disclosure control.
pub type ProviderOutcomes = std::collections::BTreeMap<String, serde_json::Value>;

pub fn pages(
    site: &Site,
    report: &GapReport,
    outcomes: &ProviderOutcomes,
    templates: &Templates,
    sink: &dyn Sink,
    selection: &dyn Selection,
    lap: &Lap,
) -> Result<RenderedPages, crate::Error> {
    let out = Renderer { templates, sink, selection, urls: Mutex::default(), errors: Mutex::default() };
    let directory = Directory::new(site);
    let page_size = site.config.listing.page_size.max(1);
    let listing_jobs = listings::jobs(site, &directory, page_size);
    // Every other page to render.
    let mut jobs = listings::index_pages(&directory);
    lap.mark("listing contexts");
    jobs.extend(areas::pages(site, report));
    lap.mark("area contexts");
    let guide = guide::Guide::new(site);
    jobs.extend(guide.jobs(&directory, templates));
    lap.mark("contexts");

    let cards = listings::Cards::new(site, &directory, templates);
    let t = Instant::now();
    provider_pages(site, outcomes, &out, Some(&cards))?;
    lap.mark_from(&t, "provider pages");
    if selection.guide_pages() {
        let t = Instant::now();
        guide.render_pages(&out)?;
        lap.mark_from(&t, "guide pages");
    }
    let t = Instant::now();
    jobs.into_par_iter().try_for_each(|(url, template, c)| out.emit(&url, template, &c))?;
    lap.mark_from(&t, "other pages");
    let t = Instant::now();
    listings::render(&directory, cards, &listing_jobs, page_size, &out)?;
    lap.mark_from(&t, "listing pages");
    Ok(out.finish())
}

/// The guide's pages and nothing else (the home page, whose intro is a guide page, is rendered
/// with the others): a build writes them first, so that their source can go before the search
/// index is made.
pub fn guide_pages_alone(site: &Site, templates: &Templates, sink: &dyn Sink) -> Result<RenderedPages, crate::Error> {
    let out = Renderer { templates, sink, selection: &Everything, urls: Mutex::default(), errors: Mutex::default() };
    guide::Guide::new(site).render_pages(&out)?;
    Ok(out.finish())
}

/// The pages of the providers `selection` picks and nothing else (the preview serves a saved
/// record's page before it renders the rest of the site).
pub fn provider_pages_alone(
    site: &Site,
    outcomes: &ProviderOutcomes,
    templates: &Templates,
    sink: &dyn Sink,
    selection: &dyn Selection,
) -> Result<RenderedPages, crate::Error> {
    let out = Renderer { templates, sink, selection, urls: Mutex::default(), errors: Mutex::default() };
    provider_pages(site, outcomes, &out, None)?;
    Ok(out.finish())
}

/// Renders the page of every provider the selection picks, in parallel, handing each page's
/// card to the listings' `cards` when given.
fn provider_pages(site: &Site, outcomes: &ProviderOutcomes, out: &Renderer, cards: Option<&listings::Cards>) -> Result<(), OutputError> {
    let locator = locator::Locator::new(site);
    site.providers.par_iter().enumerate().try_for_each(|(index, vp)| {
        if !out.selection.provider_page(&vp.provider.id) {
            out.listed(crate::markdown::provider_url(&vp.provider.id));
            return Ok(());
        }
        let pv = provider_page(vp, site);
        let crumbs = vec![link("Find a provider", "/providers/")];
        let mut c = base_context(&pv.card.name, &pv.card.summary, &pv.card.url, crumbs_with(&crumbs));
        let provider = tera::Value::from_serializable(&pv);
        if let (Some(cards), Some(card)) = (cards, provider.get_from_path("card")) {
            cards.offer(index, card, out);
        }
        c.insert_value("provider", provider);
        c.insert("locator_map", &locator.html(site, vp));
        if let Some(o) = outcomes.get(&vp.provider.id) {
            c.insert("outcomes", o);
        }
        out.emit(&pv.card.url, "provider.html", &c)
    })
}

/// The "page not found" page.
pub fn not_found(templates: &Templates) -> Result<OutputFile, Diagnostic> {
    let c = base_context("Page not found", "", "/404.html", vec![]);
    let html = templates.render("404.html", &c)?;
    Ok(OutputFile { path: "404.html".into(), body: Body::Bytes(html.into_bytes()) })
}

/// Every file but the pages: the sitemap, robots.txt and the feed, the gap report's
/// downloads, and the static assets (the theme's, then the site's own `static/`, then files
/// beside the content; a later one wins over an earlier one at the same path).
pub fn other_files(site: &Site, report: &GapReport, page_urls: &[String]) -> Vec<OutputFile> {
    let theme_dir = site.config.theme_path(&site.root);
    let mut files = vec![feeds::sitemap(site, page_urls), feeds::robots(site), feeds::atom(site), ical::calendar(site)];
    files.extend(areas::files(site, report));
    // Static assets: the theme's, then the site's own `static/`, then files beside content.
    copy_tree(&theme_dir.join("static"), &mut files);
    copy_tree(&site.root.join("static"), &mut files);
    for a in &site.assets {
        files.push(OutputFile { path: a.rel_path.clone(), body: Body::Copy(a.source.clone()) });
    }
    // Later entries win (site overrides theme).
    let mut seen = std::collections::HashSet::new();
    files.reverse();
    files.retain(|f| seen.insert(f.path.clone()));
    files
}

/// With `APDIR_RENDER_TIMINGS` set, prints how long each part of rendering took (for
/// `scripts/bench` and profiling; `--timings` shows the stages).
pub struct Lap(Option<std::sync::Mutex<std::time::Instant>>);

impl Default for Lap {
    fn default() -> Self {
        Lap::new()
    }
}

impl Lap {
    pub fn new() -> Lap {
        Lap(std::env::var_os("APDIR_RENDER_TIMINGS").map(|_| std::sync::Mutex::new(std::time::Instant::now())))
    }
    /// The time since the last mark.
    pub fn mark(&self, what: &str) {
        if let Some(t) = &self.0 {
            let mut t = t.lock_unpoisoned();
            eprintln!("render: {what:<24} {:>8.1} ms", t.elapsed().as_secs_f64() * 1000.0);
            *t = std::time::Instant::now();
        }
    }
    /// The time since `start` (for parts that run side by side).
    pub fn mark_from(&self, start: &std::time::Instant, what: &str) {
        if self.0.is_some() {
            eprintln!("render:   {what:<22} {:>8.1} ms", start.elapsed().as_secs_f64() * 1000.0);
        }
    }
}

fn sp_parent(url: &str) -> Option<String> {
    let u = url.trim_end_matches('/');
    if u.is_empty() {
        return None;
    }
    u.rfind('/').map(|i| format!("{}/", &u[..i]))
}

fn crumbs_with(extra: &[Link]) -> Vec<Link> {
    let mut v = vec![link("Home", "/")];
    v.extend(extra.iter().map(|l| link(l.title.clone(), l.url.clone())));
    v
}

fn pagination(base: &str, current: usize, total_pages: usize, page_size: usize, total_items: usize) -> Pagination {
    let url = |n: usize| if n == 1 { base.to_string() } else { format!("{base}page/{n}/") };
    // Show the first, last, and two either side of the current page.
    let pages = (1..=total_pages)
        .filter(|&n| n == 1 || n == total_pages || n.abs_diff(current) <= 2)
        .map(|n| PageLink { number: n, url: url(n), current: n == current })
        .collect();
    Pagination {
        current,
        total_pages,
        prev: (current > 1).then(|| url(current - 1)),
        next: (current < total_pages).then(|| url(current + 1)),
        pages,
        first_item: if total_items == 0 { 0 } else { (current - 1) * page_size + 1 },
        last_item: (current * page_size).min(total_items),
        total_items,
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn copy_tree(dir: &Path, files: &mut Vec<OutputFile>) {
    if !dir.is_dir() {
        return;
    }
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(16)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    found.sort();
    for path in found {
        let rel = crate::diagnostics::display_path(dir, &path);
        if rel.split('/').any(|p| p.starts_with('.')) {
            continue;
        }
        files.push(OutputFile { path: rel, body: Body::Copy(path) });
    }
}
