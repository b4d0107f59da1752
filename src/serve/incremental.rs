//! Incremental rebuilds for the preview server.
//!
//! A [`Preview`] keeps what the last rebuild read ([`Inputs`], one entry per provider record and
//! guide page) and what it rendered (each page's template fingerprint and Tera context). A
//! rebuild re-reads only the files that changed, validates the whole site again (cheap, and the
//! same code as `apdir build`), then renders through [`crate::build::render_selected`] with a
//! [`Selection`] that skips every page whose template and context are unchanged. Files that are
//! not template pages (feeds, sitemap, 404, static files, anything another stage adds) are
//! always written again. The result is the same set of bytes a clean `apdir build` writes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use rayon::prelude::*;
use tera::Context;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::providers::LoadedProvider;
use crate::model::file::absolute;
use crate::model::guide::GuidePage;
use crate::model::lock::LockExt;
use crate::output::Memory;
use crate::render::Selection;
use crate::site::{Inputs, LoadOptions, Site};

/// The files of the last good site: path inside the site (no leading slash) → bytes.
pub type Files = BTreeMap<String, Arc<[u8]>>;

/// A file's identity on disk, to notice changes the watcher did not report.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp { modified: m.modified().ok(), len: m.len() })
}

struct CachedProvider {
    stamp: Option<Stamp>,
    loaded: Option<LoadedProvider>,
    diagnostics: Vec<Diagnostic>,
}

struct CachedPage {
    stamp: Option<Stamp>,
    page: Option<GuidePage>,
    diagnostics: Vec<Diagnostic>,
}

/// What one rebuild did.
#[derive(Debug)]
pub struct Rebuild {
    /// Whether every input was read again (configuration, geography or first build).
    pub full: bool,
    /// Files re-read.
    pub reread: usize,
    /// Pages rendered (the rest were unchanged).
    pub rendered: usize,
    /// Providers whose open data exports were made again (the rest came from memory).
    pub exports_made: usize,
    /// Whether the search files were the last render's (no searchable text changed).
    pub search_reused: bool,
    /// Paths (inside the site) whose bytes changed, were added or were removed.
    pub changed: Vec<String>,
    pub warnings: Diagnostics,
    pub elapsed: std::time::Duration,
    /// Time spent in each stage.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// A site kept in memory and rebuilt incrementally.
pub struct Preview {
    root: PathBuf,
    options: LoadOptions,
    /// Configuration and geography of the last read (providers/pages are kept per file below).
    base: Option<Inputs>,
    providers: BTreeMap<PathBuf, CachedProvider>,
    pages: BTreeMap<PathBuf, CachedPage>,
    /// Per page URL: the template fingerprint and context it was last rendered with.
    rendered: HashMap<String, (u64, Context)>,
    /// Per listing page URL: its fingerprint (all but the cards) and its template's.
    listings: HashMap<String, (u64, u64)>,
    /// Fingerprint of every template's closure (itself and what it extends or includes).
    template_keys: HashMap<String, u64>,
    files: Arc<Files>,
    /// A full read or a new day happened and no render has succeeded since: render everything.
    render_all: bool,
    /// Each provider's open data exports as the last render made them.
    export_memo: Arc<crate::export::cache::ExportMemo>,
    /// The search files as the last render made them.
    search_memo: Arc<crate::search::cache::SearchMemo>,
    /// The gap analysis's access figures as the last render worked them out.
    access_memo: Arc<crate::analyse::AccessMemo>,
    /// Each record's own checks as the last validation made them (new on every full read).
    record_checks: crate::validate::RecordChecks,
    /// The paths the last search and export render wrote: pages are published without
    /// waiting for them, so a pages-only rebuild keeps them.
    late_paths: HashSet<String>,
    /// The site a pages-only rebuild published, whose search files and exports are still to
    /// be made ([`Preview::finish`]).
    pending: Option<(Site, crate::build::Run)>,
}

/// What making the search files and exports after a pages-only rebuild did.
#[derive(Debug)]
pub struct Late {
    /// Providers whose open data exports were made again.
    pub exports_made: usize,
    /// Whether the search files were the last render's.
    pub search_reused: bool,
    /// Paths whose bytes changed, were added or were removed.
    pub changed: Vec<String>,
    pub elapsed: std::time::Duration,
}

/// Decides, during a render, which pages must be rendered again.
struct Memo<'a> {
    /// Nothing may be skipped (first build, settings changed).
    all: bool,
    /// Provider pages to build even though nothing says they changed: None means every one.
    providers: Option<&'a HashSet<String>>,
    previous: &'a HashMap<String, (u64, Context)>,
    previous_listings: &'a HashMap<String, (u64, u64)>,
    /// Listing pages built this time, with their fingerprints.
    fresh_listings: Mutex<Vec<(String, u64, u64)>>,
    template_keys: &'a HashMap<String, u64>,
    /// Every page URL the render produced, skipped or not.
    seen: Mutex<Vec<String>>,
    /// Pages rendered this time, with what they were rendered from.
    fresh: Mutex<Vec<(String, u64, Context)>>,
    /// Pages published before this render ([`Preview::publish_edited`]), with what they were
    /// rendered from: not rendered again when this render would give them the same.
    early: &'a HashMap<String, (u64, Context)>,
}

impl<'a> Memo<'a> {
    fn new(
        all: bool,
        providers: Option<&'a HashSet<String>>,
        previous: &'a HashMap<String, (u64, Context)>,
        previous_listings: &'a HashMap<String, (u64, u64)>,
        template_keys: &'a HashMap<String, u64>,
        early: &'a HashMap<String, (u64, Context)>,
    ) -> Memo<'a> {
        Memo {
            all,
            providers,
            previous,
            previous_listings,
            fresh_listings: Mutex::default(),
            template_keys,
            seen: Mutex::default(),
            fresh: Mutex::default(),
            early,
        }
    }
}

/// A rebuild read and validated ([`Preview::check`]), not yet rendered.
pub struct Checked {
    site: Site,
    /// The ids of the providers whose records changed, were added or were removed.
    changed_ids: HashSet<String>,
    reread: usize,
    timings: Vec<(&'static str, std::time::Duration)>,
    started: Instant,
    /// The template fingerprints, once worked out.
    template_keys: Option<HashMap<String, u64>>,
    /// The pages [`Preview::publish_edited`] published, with what they were rendered from.
    early: HashMap<String, (u64, Context)>,
    /// The site before that, brought back if the rest of the render fails.
    before_early: Option<Arc<Files>>,
}

impl Checked {
    /// How long reading and validating took so far.
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

impl Selection for Memo<'_> {
    /// The preview makes them apart from the pages ([`Preview::finish`]).
    fn search_and_exports(&self) -> bool {
        false
    }

    fn provider_page(&self, id: &str) -> bool {
        let wanted = self.all || self.providers.is_none_or(|ids| ids.contains(id));
        if !wanted {
            self.seen.lock_unpoisoned().push(crate::markdown::provider_url(id));
        }
        wanted
    }

    fn listing_page(&self, url: &str, fingerprint: u64, providers: &[&str]) -> bool {
        let key = self.template_keys.get("listing.html").copied().unwrap_or(0);
        let unchanged = !self.all
            && self.previous_listings.get(url) == Some(&(fingerprint, key))
            && self.providers.is_some_and(|changed| !providers.iter().any(|id| changed.contains(*id)));
        if unchanged {
            self.seen.lock_unpoisoned().push(url.to_string());
            return false;
        }
        self.fresh_listings.lock_unpoisoned().push((url.to_string(), fingerprint, key));
        true
    }

    fn page(&self, url: &str, template: &str, context: &Context) -> bool {
        // A template the scan did not find (a site override added since) is never skipped.
        let key = self.template_keys.get(template).copied();
        if let Some((early_key, early_context)) = self.early.get(url)
            && key == Some(*early_key)
            && early_context == context
        {
            // Already published with these very bytes: remembered as rendered.
            self.seen.lock_unpoisoned().push(url.to_string());
            self.fresh.lock_unpoisoned().push((url.to_string(), *early_key, context.clone()));
            return false;
        }
        let unchanged = !self.all && key.is_some_and(|k| self.previous.get(url).is_some_and(|(pk, pc)| *pk == k && pc == context));
        if unchanged {
            self.seen.lock_unpoisoned().push(url.to_string());
            return false;
        }
        self.fresh.lock_unpoisoned().push((url.to_string(), key.unwrap_or(0), context.clone()));
        true
    }
}

impl Preview {
    pub fn new(root: &Path, options: LoadOptions) -> Preview {
        Preview {
            // Canonical, so that the paths the watcher reports compare equal to listed ones.
            root: absolute(root),
            options,
            base: None,
            providers: BTreeMap::new(),
            pages: BTreeMap::new(),
            rendered: HashMap::new(),
            listings: HashMap::new(),
            template_keys: HashMap::new(),
            files: Arc::new(Files::new()),
            render_all: true,
            export_memo: Arc::default(),
            search_memo: Arc::default(),
            access_memo: Arc::default(),
            record_checks: Default::default(),
            late_paths: HashSet::new(),
            pending: None,
        }
    }

    /// The last good site.
    pub fn files(&self) -> Arc<Files> {
        Arc::clone(&self.files)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folders and files whose changes matter, for the watcher.
    pub fn output_dir(&self) -> Option<PathBuf> {
        self.base.as_ref().map(|b| b.config.output_path(&self.root))
    }

    pub fn theme_dir(&self) -> Option<PathBuf> {
        self.base.as_ref().map(|b| b.config.theme_path(&self.root))
    }

    /// Rebuilds after `changed` files changed (paths as the watcher reports them; empty: look
    /// at everything), search files and exports included. On error the last good site stays
    /// as it was.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Rebuild, crate::Error> {
        let mut r = self.rebuild_pages(changed)?;
        if let Some(late) = self.finish() {
            let late = late?;
            r.exports_made = late.exports_made;
            r.search_reused = late.search_reused;
            r.changed.extend(late.changed);
            r.changed.sort();
            r.elapsed += late.elapsed;
            r.timings.push(("search and exports", late.elapsed));
        }
        Ok(r)
    }

    /// Makes the search files and open data exports of the site the last pages-only rebuild
    /// published, if they are still to be made, and swaps them in.
    pub fn finish(&mut self) -> Option<Result<Late, crate::Error>> {
        let (site, run) = self.pending.take()?;
        let t = Instant::now();
        let sink = Memory::default();
        if let Err(e) = crate::build::render_search_and_exports(&site, &run, &sink) {
            return Some(Err(e));
        }
        let changed = self.update_late_files(sink.into_files());
        let used = run.cache_use.report();
        Some(Ok(Late { exports_made: used.exports_made, search_reused: used.search_reused, changed, elapsed: t.elapsed() }))
    }

    /// [`Preview::rebuild`] without the search files and exports when only some pages changed:
    /// the pages are ready to serve as soon as they are rendered, and [`Preview::finish`]
    /// makes the rest. A full rebuild makes everything, side by side.
    pub fn rebuild_pages(&mut self, changed: &[PathBuf]) -> Result<Rebuild, crate::Error> {
        let mut checked = self.check(changed)?;
        let early = self.publish_edited(&mut checked);
        let mut r = self.render_rest(checked)?;
        r.changed.extend(early);
        r.changed.sort();
        r.changed.dedup();
        Ok(r)
    }

    /// The first step of a rebuild: reads what changed and validates the site. On error the
    /// last good site stays as it was.
    pub fn check(&mut self, changed: &[PathBuf]) -> Result<Checked, crate::Error> {
        self.pending = None;
        let started = Instant::now();
        let changed: BTreeSet<PathBuf> = changed.iter().map(|p| absolute(p)).collect();
        if self.needs_full_read(&changed) {
            self.read_everything()?;
        } else {
            self.check_the_date();
        }
        let mut changed_ids: HashSet<String> = HashSet::new();
        let mut reread = self.reread_providers(&changed, &mut changed_ids);
        let (pages_reread, listed) = self.reread_pages(&changed);
        reread += pages_reread;

        let mut timings = vec![("read", started.elapsed())];
        let stage = Instant::now();
        let inputs = self.assemble(listed);
        timings.push(("assemble", stage.elapsed()));
        let stage = Instant::now();
        let site = Site::from_inputs_kept(&self.root, inputs, Some(&self.record_checks)).map_err(crate::Error::Content)?;
        timings.push(("validate", stage.elapsed()));
        Ok(Checked { site, changed_ids, reread, timings, started, template_keys: None, early: HashMap::new(), before_early: None })
    }

    /// The second, optional step: when records changed and nothing else did (no template, no
    /// setting, not a new day), renders the changed providers' pages alone and publishes them
    /// with the rest of the last good site. Returns the paths it changed (none: nothing was
    /// published). [`Preview::render_rest`] then renders everything else; if that fails, the
    /// last good site comes back whole.
    pub fn publish_edited(&mut self, checked: &mut Checked) -> Vec<String> {
        if self.render_all || checked.changed_ids.is_empty() {
            return Vec::new();
        }
        let keys = template_keys(&checked.site);
        let unchanged_templates = keys == self.template_keys;
        checked.template_keys = Some(keys);
        if !unchanged_templates {
            return Vec::new();
        }
        let keys = checked.template_keys.as_ref().expect("set above");
        let early = HashMap::new();
        let memo = Memo::new(false, Some(&checked.changed_ids), &self.rendered, &self.listings, keys, &early);
        let sink = Memory::default();
        // A problem here is found again, and reported, by the render of the rest.
        if crate::build::render_provider_pages(&checked.site, &sink, &memo).is_err() {
            return Vec::new();
        }
        let written = sink.into_files();
        if written.is_empty() {
            return Vec::new();
        }
        checked.early = memo.fresh.into_inner_unpoisoned().into_iter().map(|(url, key, c)| (url, (key, c))).collect();
        checked.before_early = Some(Arc::clone(&self.files));
        let keep: HashSet<String> = self.files.keys().cloned().collect();
        self.replace_files(keep, written)
    }

    /// The last step of [`Preview::rebuild_pages`]: renders every page that changed (but those
    /// [`Preview::publish_edited`] published) and the files made beside them. The paths it
    /// reports changed leave out those the pages published early changed (the browsers were
    /// told), so a page does not reload twice.
    pub fn render_rest(&mut self, checked: Checked) -> Result<Rebuild, crate::Error> {
        let Checked { site, changed_ids, reread, mut timings, started, template_keys, early, before_early } = checked;
        let run = crate::build::Run {
            export_memo: Some(self.export_memo.clone()),
            search_memo: Some(self.search_memo.clone()),
            access_memo: Some(self.access_memo.clone()),
            ..Default::default()
        };
        let stage = Instant::now();
        let full = self.render_all;
        let late = Memory::default();
        let rendered = match full {
            // Everything is made anyway: the search files and exports beside the pages.
            true => {
                let (r, l) = rayon::join(
                    || self.render(&site, &run, &changed_ids, template_keys, &early),
                    || crate::build::render_search_and_exports(&site, &run, &late),
                );
                r.and_then(|r| l.map(|()| (r, true)))
            }
            false => self.render(&site, &run, &changed_ids, template_keys, &early).map(|r| (r, false)),
        };
        let (render, late_done) = match rendered {
            Ok(r) => r,
            Err(e) => {
                // The pages published early go too: the last good site comes back whole.
                if let Some(before) = before_early {
                    self.files = before;
                }
                return Err(e);
            }
        };
        timings.push(("render", stage.elapsed()));

        let rendered_count = render.fresh.len();
        let mut changed_paths = self.update_files(&render.seen, render.written);
        if late_done {
            changed_paths.extend(self.update_late_files(late.into_files()));
        }
        changed_paths.sort();
        changed_paths.dedup();
        self.remember(full, render.seen, render.fresh, render.fresh_listings, render.template_keys);
        self.render_all = false;
        let used = run.cache_use.report();
        let warnings = site.warnings.clone();
        if !late_done {
            self.pending = Some((site, run));
        }
        Ok(Rebuild {
            full,
            reread,
            rendered: rendered_count,
            exports_made: used.exports_made,
            search_reused: used.search_reused,
            changed: changed_paths,
            warnings,
            elapsed: started.elapsed(),
            timings,
        })
    }

    /// Whether the whole site must be read again: on the first build, when the watcher gave
    /// no paths, or when anything but records, pages and theme files changed (apdir.toml,
    /// postcodes, boundaries, an unknown file).
    fn needs_full_read(&self, changed: &BTreeSet<PathBuf>) -> bool {
        let root = &self.root;
        let providers_dir = root.join("providers");
        let content_dir = root.join("content");
        let theme_dir = self.theme_dir().map(|d| absolute(&d));
        self.base.is_none()
            || changed.is_empty()
            || changed.iter().any(|p| {
                !(p.starts_with(&providers_dir)
                    || p.starts_with(&content_dir)
                    || p.starts_with(root.join("templates"))
                    || p.starts_with(root.join("static"))
                    || theme_dir.as_ref().is_some_and(|d| p.starts_with(d)))
            })
    }

    /// Reads the settings and geography again, forgets every record and page read before,
    /// and renders everything next.
    fn read_everything(&mut self) -> Result<(), crate::Error> {
        self.render_all = true;
        let mut base = match Inputs::read(&self.root, &self.options) {
            Ok(i) => i,
            Err(d) => {
                // Read everything again next time too.
                self.base = None;
                return Err(crate::Error::Content(d));
            }
        };
        base.providers = Vec::new();
        base.pages = Vec::new();
        base.assets = Vec::new();
        self.providers.clear();
        self.pages.clear();
        // The postcodes, areas or settings may have changed: every record is checked again.
        self.record_checks = Default::default();
        self.base = Some(base);
        Ok(())
    }

    /// Today's date is part of every page: a new day is a full render.
    fn check_the_date(&mut self) {
        let Some(base) = &self.base else { return };
        let (_, today) = Inputs::settings(base.config.clone(), &self.options);
        if today != base.today {
            self.render_all = true;
            if let Some(b) = self.base.as_mut() {
                b.today = today;
            }
        }
    }

    /// Re-reads the provider records that changed; a directory scan catches what the watcher
    /// did not report (and additions and removals). Adds the id of every record changed,
    /// added or removed to `changed_ids`, and returns how many files it read.
    fn reread_providers(&mut self, changed: &BTreeSet<PathBuf>, changed_ids: &mut HashSet<String>) -> usize {
        let provider_paths = crate::load::providers::list(&self.root, &self.root.join("providers"));
        let present: HashSet<&PathBuf> = provider_paths.iter().collect();
        let gone: Vec<PathBuf> = self.providers.keys().filter(|p| !present.contains(p)).cloned().collect();
        for p in gone {
            if let Some(c) = self.providers.remove(&p) {
                changed_ids.extend(c.loaded.map(|l| provider_id(&l)));
            }
        }
        let stale: Vec<&PathBuf> = provider_paths
            .iter()
            .filter(|p| match self.providers.get(*p) {
                None => true,
                Some(c) => changed.contains(*p) || c.stamp != stamp(p),
            })
            .collect();
        let fresh: Vec<(PathBuf, CachedProvider)> = stale
            .par_iter()
            .map(|p| {
                let s = stamp(p);
                let (loaded, diagnostics) = crate::load::providers::load_file(&self.root, p);
                ((*p).clone(), CachedProvider { stamp: s, loaded, diagnostics })
            })
            .collect();
        let reread = fresh.len();
        for (p, c) in fresh {
            if let Some(old) = self.providers.get(&p) {
                changed_ids.extend(old.loaded.as_ref().map(provider_id));
            }
            changed_ids.extend(c.loaded.as_ref().map(provider_id));
            self.providers.insert(p, c);
        }
        reread
    }

    /// Re-reads the guide pages that changed (and finds added and removed ones). Returns how
    /// many files it read, and the assets and problems the listing of `content/` found.
    fn reread_pages(&mut self, changed: &BTreeSet<PathBuf>) -> (usize, ContentListing) {
        let content = self.root.join("content");
        let (md_paths, assets, diagnostics) = crate::load::guidance::list(&self.root, &content);
        let present: HashSet<&PathBuf> = md_paths.iter().collect();
        self.pages.retain(|p, _| present.contains(p));
        let stale: Vec<&PathBuf> = md_paths
            .iter()
            .filter(|p| match self.pages.get(*p) {
                None => true,
                Some(c) => changed.contains(*p) || c.stamp != stamp(p),
            })
            .collect();
        let fresh: Vec<(PathBuf, CachedPage)> = stale
            .par_iter()
            .map(|p| {
                let s = stamp(p);
                let (page, diagnostics) = crate::load::guidance::load_page(&self.root, &content, p);
                ((*p).clone(), CachedPage { stamp: s, page, diagnostics })
            })
            .collect();
        let reread = fresh.len();
        self.pages.extend(fresh);
        (reread, ContentListing { assets, diagnostics })
    }

    /// The same inputs `Inputs::read` would give, in the same order.
    fn assemble(&self, listed: ContentListing) -> Inputs {
        let base = self.base.as_ref().expect("read above");
        let mut inputs = Inputs {
            profile: base.profile,
            area_figures: base.area_figures.clone(),
            area_layers: base.area_layers.clone(),
            config: base.config.clone(),
            today: base.today,
            postcodes: base.postcodes.clone(),
            areas: base.areas.clone(),
            providers: self.providers.values().filter_map(|c| c.loaded.clone()).collect(),
            pages: self.pages.values().filter_map(|c| c.page.clone()).collect(),
            assets: listed.assets,
            diagnostics: base.diagnostics.clone(),
        };
        inputs.diagnostics.items.extend(self.providers.values().flat_map(|c| c.diagnostics.iter().cloned()));
        inputs.diagnostics.items.extend(listed.diagnostics);
        inputs.diagnostics.items.extend(self.pages.values().flat_map(|c| c.diagnostics.iter().cloned()));
        inputs
    }

    /// Renders only the pages that changed (and the files made beside them, not the search
    /// files or exports), into memory. `keys`: the template fingerprints, if already worked
    /// out; `early`: pages already published, with what they were rendered from.
    fn render(
        &self,
        site: &Site,
        run: &crate::build::Run,
        changed_ids: &HashSet<String>,
        keys: Option<HashMap<String, u64>>,
        early: &HashMap<String, (u64, Context)>,
    ) -> Result<Rendered, crate::Error> {
        let template_keys = keys.unwrap_or_else(|| template_keys(site));
        let templates_changed = template_keys != self.template_keys;
        let providers = if templates_changed { None } else { Some(changed_ids) };
        let memo = Memo::new(self.render_all, providers, &self.rendered, &self.listings, &template_keys, early);
        let sink = Memory::default();
        crate::build::render_selected(site, run, &sink, &memo)?;
        let seen = memo.seen.into_inner_unpoisoned();
        let fresh = memo.fresh.into_inner_unpoisoned();
        let fresh_listings = memo.fresh_listings.into_inner_unpoisoned();
        Ok(Rendered { seen, fresh, fresh_listings, written: sink.into_files(), template_keys })
    }

    /// The new site after a render of pages: the old files, with every written file
    /// replaced, less the pages that are gone (the search files and exports stay). Returns the
    /// paths whose bytes changed, were added or were removed, sorted.
    fn update_files(&mut self, seen: &[String], written: BTreeMap<String, Vec<u8>>) -> Vec<String> {
        let mut keep: HashSet<String> = seen.iter().map(|u| page_path(u)).collect();
        keep.extend(self.late_paths.iter().cloned());
        self.replace_files(keep, written)
    }

    /// The new site after a render of the search files and exports: every other file stays,
    /// and of the last such render's files only those written again.
    fn update_late_files(&mut self, written: BTreeMap<String, Vec<u8>>) -> Vec<String> {
        let gone: HashSet<&String> = self.late_paths.iter().filter(|p| !written.contains_key(*p)).collect();
        let keep: HashSet<String> = self.files.keys().filter(|p| !gone.contains(p)).cloned().collect();
        self.late_paths = written.keys().cloned().collect();
        self.replace_files(keep, written)
    }

    /// The files in `keep` and `written` (replacing), published as the new site; the paths
    /// whose bytes changed, were added or were removed, sorted.
    fn replace_files(&mut self, mut keep: HashSet<String>, written: BTreeMap<String, Vec<u8>>) -> Vec<String> {
        keep.extend(written.keys().cloned());
        let mut files: Files = (*self.files).clone();
        let mut changed_paths = Vec::new();
        files.retain(|path, _| {
            let k = keep.contains(path);
            if !k {
                changed_paths.push(path.clone());
            }
            k
        });
        for (path, bytes) in written {
            if files.get(&path).is_none_or(|old| **old != *bytes) {
                changed_paths.push(path.clone());
                files.insert(path, bytes.into());
            }
        }
        changed_paths.sort();
        self.files = Arc::new(files);
        changed_paths
    }

    /// Remembers what each page was rendered from, for the next rebuild.
    fn remember(
        &mut self,
        full: bool,
        seen: Vec<String>,
        fresh: Vec<(String, u64, Context)>,
        fresh_listings: Vec<(String, u64, u64)>,
        template_keys: HashMap<String, u64>,
    ) {
        let mut live: HashSet<&str> = seen.iter().map(String::as_str).collect();
        live.extend(fresh.iter().map(|(u, _, _)| u.as_str()));
        live.extend(fresh_listings.iter().map(|(u, _, _)| u.as_str()));
        if full {
            self.rendered.clear();
            self.listings.clear();
        }
        self.rendered.retain(|u, _| live.contains(u.as_str()));
        self.listings.retain(|u, _| live.contains(u.as_str()));
        for (url, fingerprint, key) in fresh_listings {
            self.listings.insert(url, (fingerprint, key));
        }
        for (url, key, context) in fresh {
            self.rendered.insert(url, (key, context));
        }
        self.template_keys = template_keys;
    }
}

/// What listing `content/` found besides the pages: the files beside them and the problems.
struct ContentListing {
    assets: Vec<crate::load::guidance::ContentAsset>,
    diagnostics: Vec<Diagnostic>,
}

/// What one render produced: the pages it left unchanged (`seen`), the pages and listing
/// pages it rendered with what they were rendered from, the files it wrote, and the template
/// fingerprints it used.
struct Rendered {
    seen: Vec<String>,
    fresh: Vec<(String, u64, Context)>,
    fresh_listings: Vec<(String, u64, u64)>,
    written: BTreeMap<String, Vec<u8>>,
    template_keys: HashMap<String, u64>,
}

fn provider_id(l: &LoadedProvider) -> String {
    if l.provider.id.is_empty() { l.stem.clone() } else { l.provider.id.clone() }
}

/// The file a page URL is written to (as `OutputFile::page` does).
pub fn page_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}

/// Fingerprints each template together with everything it extends, includes or imports, so
/// that a template edit re-renders only the pages that use it. Reads the same folders as
/// `render::templates::Templates::load` (the site's `templates/` overrides the theme's).
fn template_keys(site: &Site) -> HashMap<String, u64> {
    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    for dir in [site.config.theme_path(&site.root).join("templates"), site.root.join("templates")] {
        if !dir.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir).follow_links(false).max_depth(8).into_iter().filter_map(Result::ok) {
            if !entry.file_type().is_file() {
                continue;
            }
            let name = crate::diagnostics::display_path(&dir, entry.path());
            if name.starts_with('.') {
                continue;
            }
            sources.insert(name, std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    let refs: BTreeMap<&str, Option<Vec<String>>> = sources.iter().map(|(n, s)| (n.as_str(), referenced_templates(s))).collect();
    let mut keys = HashMap::new();
    for name in sources.keys() {
        // The closure: a template whose references cannot be read depends on every template.
        let mut closure: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![name.as_str()];
        let mut everything = false;
        while let Some(n) = todo.pop() {
            if !closure.insert(n) {
                continue;
            }
            match refs.get(n) {
                Some(Some(r)) => todo.extend(r.iter().filter_map(|x| sources.get_key_value(x.as_str()).map(|(k, _)| k.as_str()))),
                Some(None) => everything = true,
                None => {}
            }
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if everything {
            sources.hash(&mut h);
        } else {
            for n in closure {
                (n, &sources[n]).hash(&mut h);
            }
        }
        keys.insert(name.clone(), h.finish());
    }
    keys
}

/// The templates a template names in `extends`, `include` or `import` tags; None when a name is
/// not a plain string (so the dependencies cannot be known).
fn referenced_templates(source: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("{%") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("%}") else { break };
        let tag = after[..end].trim_matches(|c: char| c == '-' || c.is_whitespace());
        let word = tag.split_whitespace().next().unwrap_or("");
        if matches!(word, "extends" | "include" | "import") {
            let args = tag[word.len()..].trim_start();
            let quote = args.chars().next()?;
            if !matches!(quote, '"' | '\'' | '`') {
                return None;
            }
            let name_end = args[1..].find(quote)?;
            out.push(args[1..1 + name_end].to_string());
        }
        rest = &after[end + 2..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_template_references() {
        let r = referenced_templates("{% extends \"base.html\" %}{% block x %}{%- include 'partials/a.html' -%}{% endblock %}");
        assert_eq!(r, Some(vec!["base.html".to_string(), "partials/a.html".to_string()]));
        assert_eq!(referenced_templates("{% include name %}"), None);
        assert_eq!(referenced_templates("{% if x %}{% endif %}"), Some(vec![]));
    }

    #[test]
    fn page_paths() {
        assert_eq!(page_path("/"), "index.html");
        assert_eq!(page_path("/providers/a/"), "providers/a/index.html");
    }
}
