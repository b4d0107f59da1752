//! `apdir serve`: a live preview for the people who edit the records and the guide.
//!
//! Builds the site into memory ([`incremental::Preview`]), serves it over HTTP on 127.0.0.1,
//! watches the inputs (`notify`), rebuilds incrementally after each burst of saves and tells the
//! open pages to reload (Server-Sent Events on `/__apdir/events`). When a change breaks the site
//! the last good site stays served and `/__apdir/live.js` shows the diagnostics from
//! `/__apdir/status` over the page. Nothing is written to disk; the live-reload script exists
//! only in served pages.

pub mod http;
pub mod incremental;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::diagnostics::{Detail, Diagnostic, Diagnostics, ProblemLog};
use crate::site::LoadOptions;
pub use incremental::{Checked, Files, Late, Preview, Rebuild};

/// The script tag added to every served HTML page (never to `apdir build` output).
pub const LIVE_SCRIPT_TAG: &str = "<script src=\"/__apdir/live.js\" defer></script>";

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub load: LoadOptions,
    pub bind: IpAddr,
    /// 0: any free port.
    pub port: u16,
    /// Quiet time after the last change before rebuilding.
    pub debounce: Duration,
    pub open: bool,
    pub color: bool,
    /// `--allow-host`: more names to answer besides loopback ones.
    pub allow_hosts: Vec<String>,
    /// `--expose-internal`: the internal profile may be served beyond loopback.
    pub expose_internal: bool,
    /// Warnings grouped by code, or each in full (`--verbose`).
    pub detail: Detail,
}

/// What the browser is told: the current version of the site and whether the last rebuild
/// worked (with its diagnostics when it did not).
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// Increases with every rebuild, good or bad.
    pub version: u64,
    pub ok: bool,
    pub problems: Vec<Problem>,
    /// Paths that changed in the last good rebuild.
    pub changed: Vec<String>,
    /// The changed paths of the last few versions, oldest first: an event stream that wakes
    /// once after two quick versions (a rebuild's pages, then its search files) is told both.
    pub recent: std::collections::VecDeque<(u64, Vec<String>)>,
}

/// How many versions' changed paths [`Status::recent`] keeps.
const RECENT_VERSIONS: usize = 8;

#[derive(Clone, Debug, serde::Serialize)]
pub struct Problem {
    pub severity: &'static str,
    pub code: &'static str,
    /// `providers/x.toml:12:3`, or empty when the problem has no place.
    pub location: String,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    fn from(d: &Diagnostic) -> Problem {
        Problem {
            severity: if d.is_error() { "error" } else { "warning" },
            code: d.code,
            location: d.location(),
            message: d.message.clone(),
            help: d.help.clone(),
        }
    }
}

impl Status {
    /// Starts a new version whose changed paths are `changed`.
    fn next_version(&mut self, changed: Vec<String>) {
        self.version += 1;
        if self.recent.len() == RECENT_VERSIONS {
            self.recent.pop_front();
        }
        self.recent.push_back((self.version, changed.clone()));
        self.changed = changed;
    }

    /// The paths changed in the versions after `seen`, or `*` (everything) when versions that
    /// old are no longer kept.
    pub fn changed_since(&self, seen: u64) -> Vec<String> {
        if self.recent.front().is_none_or(|(v, _)| *v > seen + 1) {
            return vec!["*".to_string()];
        }
        let mut all: Vec<String> = self.recent.iter().filter(|(v, _)| *v > seen).flat_map(|(_, c)| c.iter().cloned()).collect();
        all.sort();
        all.dedup();
        all
    }

    /// The status for an event stream that last saw version `seen`.
    pub fn to_json_since(&self, seen: u64) -> String {
        serde_json::json!({
            "version": self.version,
            "ok": self.ok,
            "problems": self.problems,
            "changed": self.changed_since(seen),
        })
        .to_string()
    }

    pub fn to_json(&self) -> String {
        serde_json::json!({
            "version": self.version,
            "ok": self.ok,
            "problems": self.problems,
            "changed": self.changed,
        })
        .to_string()
    }
}

/// The state the HTTP threads read: the site and the status, with a condition variable that
/// wakes the event streams when either changes.
#[derive(Default)]
pub struct Shared {
    pub files: Mutex<Arc<Files>>,
    pub status: Mutex<Status>,
    pub changed: Condvar,
}

impl Shared {
    pub fn files(&self) -> Arc<Files> {
        Arc::clone(&self.files.lock().unwrap_or_else(|e| e.into_inner()))
    }
    pub fn status(&self) -> Status {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Swaps in the search files and exports made after a published rebuild and wakes the
    /// browsers (only a page those files affect reloads).
    pub fn publish_late(&self, preview: &Preview, late: &Late) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        *self.files.lock().unwrap_or_else(|e| e.into_inner()) = preview.files();
        status.next_version(late.changed.clone());
        drop(status);
        self.changed.notify_all();
    }

    /// Swaps in the pages a rebuild published before rendering the rest (the saved records'
    /// pages) and wakes the browsers.
    pub fn publish_edited(&self, preview: &Preview, changed: Vec<String>) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        *self.files.lock().unwrap_or_else(|e| e.into_inner()) = preview.files();
        status.ok = true;
        status.problems = Vec::new();
        status.next_version(changed);
        drop(status);
        self.changed.notify_all();
    }

    /// Records the outcome of a rebuild and wakes the browsers.
    pub fn publish(&self, preview: &Preview, outcome: &Result<Rebuild, crate::Error>) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        // After a failure this is the last good site (pages published early are taken back).
        *self.files.lock().unwrap_or_else(|e| e.into_inner()) = preview.files();
        match outcome {
            Ok(r) => {
                status.ok = true;
                status.problems = Vec::new();
                status.next_version(r.changed.clone());
            }
            Err(e) => {
                status.ok = false;
                status.next_version(Vec::new());
                status.problems = match e {
                    crate::Error::Content(d) => d.errors().map(Problem::from).collect(),
                    other => vec![Problem { severity: "error", code: "build", location: String::new(), message: other.to_string(), help: None }],
                };
            }
        }
        drop(status);
        self.changed.notify_all();
    }
}

/// Builds, serves and watches until the process is stopped.
pub fn serve(options: &ServeOptions) -> Result<(), crate::Error> {
    let hosts = Arc::new(host_policy(options)?);
    let mut preview = Preview::new(&options.root, options.load.clone());
    let shared = Arc::new(Shared::default());
    let first = preview.rebuild(&[]);
    let mut log = ProblemLog::default();
    report(&first, &mut log, options);
    shared.publish(&preview, &first);

    // Watch before anything is served: a page that connects must never miss a save made
    // between the server starting and the watcher starting.
    let (tx, rx) = mpsc::channel::<(PathBuf, Change)>();
    let watcher = Watcher::start(&preview, tx)?;
    let addr = SocketAddr::new(options.bind, options.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| crate::Error::Usage(format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr().map_err(|e| crate::Error::Usage(e.to_string()))?;
    if !options.bind.is_loopback() {
        eprintln!("{}", exposure_warning(options, local, &hosts));
    }
    let url = format!("http://{}/", if options.bind.is_loopback() { format!("127.0.0.1:{}", local.port()) } else { local.to_string() });
    println!("Serving the site at {url} (press Ctrl+C to stop). Watching for changes.");
    {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("apdir-http".into())
            .spawn(move || http::run(listener, shared, hosts))
            .map_err(|e| crate::Error::Usage(e.to_string()))?;
    }
    if options.open {
        open_browser(&url);
    }
    watch_loop(&mut preview, &shared, &mut log, options, watcher, rx)
}

/// Who the server answers. The internal profile (OFFICIAL-SENSITIVE) is served beyond
/// loopback only with `--expose-internal`, and then only to the names given with
/// `--allow-host`; any other preview also answers its own address written as an IP.
pub fn host_policy(options: &ServeOptions) -> Result<http::HostPolicy, crate::Error> {
    let internal = options.load.profile == crate::site::Profile::Internal;
    if internal && !options.bind.is_loopback() {
        if !options.expose_internal {
            return Err(crate::Error::Usage(format!(
                "the internal profile shows OFFICIAL-SENSITIVE pages, so it is served on 127.0.0.1 only; to serve it on {} \
                 pass --expose-internal and --allow-host NAME for each name colleagues will type",
                options.bind
            )));
        }
        if options.allow_hosts.is_empty() {
            return Err(crate::Error::Usage(
                "--expose-internal needs at least one --allow-host NAME: the internal preview answers only the names you list".into(),
            ));
        }
    }
    let names = options.allow_hosts.iter().map(|n| n.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()).collect();
    Ok(http::HostPolicy { names, local_address: !internal })
}

fn exposure_warning(options: &ServeOptions, local: SocketAddr, hosts: &http::HostPolicy) -> String {
    let names = if hosts.names.is_empty() { String::new() } else { format!(", {}", hosts.names.join(", ")) };
    if options.load.profile == crate::site::Profile::Internal {
        format!(
            "warning: serving the INTERNAL profile (OFFICIAL-SENSITIVE: raw figures, [internal] notes, the QA dashboard) on {local}, \
             reachable from other machines on the network (--expose-internal). Only requests for localhost{names} are answered."
        )
    } else {
        format!(
            "warning: serving on {local}, reachable from other machines on the network. The preview shows draft pages and \
             every problem in the records; use the default address (127.0.0.1) unless you mean it. Only requests for \
             localhost, this machine's address{names} are answered (--allow-host NAME adds a name)."
        )
    }
}

/// Prints a rebuild's outcome: the warnings grouped on the first build and only what changed
/// after it ([`ProblemLog`]); every error in full.
fn report(outcome: &Result<Rebuild, crate::Error>, log: &mut ProblemLog, options: &ServeOptions) {
    let color = options.color;
    match outcome {
        Ok(r) => {
            eprint!("{}", log.update(&r.warnings, options.detail, color));
            let stages: Vec<String> = r.timings.iter().map(|(s, d)| format!("{s} {:.0}", d.as_secs_f64() * 1000.0)).collect();
            println!(
                "Rebuilt in {:.0} ms ({}): {} re-read, {} rendered, {} exported, search {}, {} changed{}",
                r.elapsed.as_secs_f64() * 1000.0,
                stages.join(", "),
                crate::diagnostics::plural(r.reread, "file"),
                crate::diagnostics::plural(r.rendered, "page"),
                crate::diagnostics::plural(r.exports_made, "provider"),
                if r.search_reused { "reused" } else { "indexed" },
                crate::diagnostics::plural(r.changed.len(), "file"),
                if r.full { " (full rebuild)" } else { "" },
            );
        }
        Err(crate::Error::Content(d)) => {
            eprint!("{}", d.render_errors(color));
            eprintln!("error: {}; still serving the last good site", d.summary());
        }
        Err(e) => eprintln!("error: {e}; still serving the last good site"),
    }
}

/// Prints what making the search files and exports after the pages did.
fn report_late(late: &Result<Late, crate::Error>) {
    match late {
        Ok(l) => println!(
            "Search and exports updated in {:.0} ms: {} exported, search {}, {} changed",
            l.elapsed.as_secs_f64() * 1000.0,
            crate::diagnostics::plural(l.exports_made, "provider"),
            if l.search_reused { "reused" } else { "indexed" },
            crate::diagnostics::plural(l.changed.len(), "file"),
        ),
        Err(e) => eprintln!("error: the search files and exports were not updated: {e}"),
    }
}

/// Watches the inputs; after each burst of changes (quiet for `debounce`), rebuilds.
fn watch_loop(
    preview: &mut Preview,
    shared: &Shared,
    log: &mut ProblemLog,
    options: &ServeOptions,
    mut watcher: Watcher,
    rx: mpsc::Receiver<(PathBuf, Change)>,
) -> Result<(), crate::Error> {
    loop {
        let Ok(first) = rx.recv() else { return Ok(()) };
        let changed = collect_burst(&rx, first, options.debounce);
        if changed.iter().any(|p| p.parent() == Some(preview.root()) && p.is_dir()) {
            // A folder such as templates/ appeared: watch it too.
            watcher.refresh(preview);
        }
        // The saved records' pages first, as soon as the site is valid; then the other pages;
        // then the search files and exports.
        let outcome = preview.check(&changed).and_then(|mut checked| {
            let early = preview.publish_edited(&mut checked);
            if !early.is_empty() {
                shared.publish_edited(preview, early);
                println!("Saved pages served in {:.0} ms", checked.elapsed().as_secs_f64() * 1000.0);
            }
            preview.render_rest(checked)
        });
        shared.publish(preview, &outcome);
        report(&outcome, log, options);
        if let Some(late) = preview.finish() {
            report_late(&late);
            if let Ok(l) = &late {
                shared.publish_late(preview, l);
            }
        }
    }
}

/// What a file-system event says about the file it names, for telling when a save is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Created, written to or moved away: more is coming.
    Writing,
    /// Written and closed, moved into place or removed: the file is complete.
    Done,
    /// Anything else (attributes, a folder made).
    Other,
}

impl Change {
    /// The change an event brings; None for events that change nothing (reads, opens).
    pub fn of(kind: &notify::EventKind) -> Option<Change> {
        use notify::EventKind::{Access, Create, Modify, Remove};
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
        Some(match kind {
            Access(AccessKind::Close(AccessMode::Write)) => Change::Done,
            Access(_) => return None,
            Create(CreateKind::Folder) => Change::Other,
            Create(_) | Modify(ModifyKind::Data(_)) | Modify(ModifyKind::Name(RenameMode::From)) => Change::Writing,
            Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) | Remove(_) => Change::Done,
            _ => Change::Other,
        })
    }
}

/// The quiet time that ends a burst once every file written in it is complete (closed after
/// writing, moved into place or removed): an editor's save is over, and what follows is a new
/// save, which starts the next rebuild.
pub const SETTLE: Duration = Duration::from_millis(5);

/// Collects a burst of changes that began with `first`: every path that arrives until none
/// has for `quiet`, or for [`SETTLE`] once every file written in the burst is complete (at
/// most 2 s, so a steady stream of saves still rebuilds). Paths that arrive during the
/// rebuild wait in the channel for the next one: no change is lost, and since a rebuild reads
/// the files when it runs, the last save wins.
pub fn collect_burst(rx: &mpsc::Receiver<(PathBuf, Change)>, first: (PathBuf, Change), quiet: Duration) -> Vec<PathBuf> {
    let started = Instant::now();
    let mut changed = Vec::new();
    let mut writing: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut complete = false;
    let mut note = |(path, change): (PathBuf, Change)| {
        match change {
            Change::Writing => {
                writing.insert(path.clone());
            }
            Change::Done => {
                writing.remove(&path);
                complete = true;
            }
            Change::Other => {}
        }
        changed.push(path);
        complete && writing.is_empty()
    };
    let mut settled = note(first);
    while started.elapsed() < Duration::from_secs(2) {
        let wait = if settled { SETTLE.min(quiet) } else { quiet };
        match rx.recv_timeout(wait) {
            Ok(event) => settled = note(event),
            Err(_) => break,
        }
    }
    changed.sort();
    changed.dedup();
    changed
}

/// The file-system watcher: the site folder itself (apdir.toml) and the input folders below it.
struct Watcher {
    inner: notify::RecommendedWatcher,
    watched: Vec<PathBuf>,
}

impl Watcher {
    fn start(preview: &Preview, tx: mpsc::Sender<(PathBuf, Change)>) -> Result<Watcher, crate::Error> {
        use notify::Watcher as _;
        let output = preview.output_dir().map(|p| p.canonicalize().unwrap_or(p));
        let handler = move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            let Some(change) = Change::of(&event.kind) else { return };
            for path in event.paths {
                if ignored(&path, output.as_deref()) {
                    continue;
                }
                let _ = tx.send((path, change));
            }
        };
        let inner = notify::recommended_watcher(handler).map_err(|e| crate::Error::Usage(format!("cannot watch the site folder: {e}")))?;
        let mut w = Watcher { inner, watched: Vec::new() };
        w.inner
            .watch(preview.root(), notify::RecursiveMode::NonRecursive)
            .map_err(|e| crate::Error::Usage(format!("cannot watch {}: {e}", preview.root().display())))?;
        w.refresh(preview);
        Ok(w)
    }

    /// Watches every input folder that exists and is not watched yet.
    fn refresh(&mut self, preview: &Preview) {
        use notify::Watcher as _;
        let root = preview.root();
        let mut dirs: Vec<PathBuf> = ["providers", "content", "areas", "data", "templates", "static", "history", "scenarios", "tracking"]
            .iter()
            .map(|d| root.join(d))
            .collect();
        if let Some(t) = preview.theme_dir() {
            dirs.push(t);
        }
        for d in dirs {
            if d.is_dir() && !self.watched.contains(&d) && self.inner.watch(&d, notify::RecursiveMode::Recursive).is_ok() {
                self.watched.push(d);
            }
        }
    }
}

/// Editor scratch files, hidden files and the output folder never trigger a rebuild.
fn ignored(path: &Path, output: Option<&Path>) -> bool {
    if output.is_some_and(|o| path.starts_with(o)) {
        return true;
    }
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".swx") || name == "4913"
}

/// Opens `url` in the default browser (`$BROWSER` first; the `opener` crate), off the main
/// thread so a slow launcher never delays watching.
fn open_browser(url: &str) {
    let url = url.to_string();
    let _ = std::thread::Builder::new().name("apdir-open".into()).spawn(move || {
        if opener::open_browser(&url).is_err() {
            eprintln!("note: could not open a browser; open {url} yourself");
        }
    });
}

/// Turns diagnostics into the overlay's problems (errors first).
pub fn problems(d: &Diagnostics) -> Vec<Problem> {
    d.errors().chain(d.warnings()).map(Problem::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_files_are_ignored() {
        let out = Path::new("/site/public");
        assert!(ignored(Path::new("/site/public/index.html"), Some(out)));
        assert!(ignored(Path::new("/site/providers/.a.toml.swp"), Some(out)));
        assert!(ignored(Path::new("/site/providers/a.toml~"), Some(out)));
        assert!(!ignored(Path::new("/site/providers/a.toml"), Some(out)));
    }

    fn options(bind: &str, profile: crate::site::Profile, expose_internal: bool, allow_hosts: &[&str]) -> ServeOptions {
        ServeOptions {
            root: PathBuf::from("."),
            load: LoadOptions { profile, ..Default::default() },
            bind: bind.parse().unwrap(),
            port: 0,
            debounce: Duration::from_millis(25),
            open: false,
            color: false,
            allow_hosts: allow_hosts.iter().map(|s| s.to_string()).collect(),
            expose_internal,
            detail: crate::diagnostics::Detail::Grouped,
        }
    }

    #[test]
    fn the_internal_profile_stays_on_loopback_unless_exposed_to_named_hosts() {
        use crate::site::Profile::{Internal, Public};
        // Nothing here listens: the policy is decided before the socket is opened.
        for bind in ["0.0.0.0", "192.0.2.7", "::"] {
            let err = host_policy(&options(bind, Internal, false, &["preview.example"])).unwrap_err().to_string();
            assert!(err.contains("OFFICIAL-SENSITIVE") && err.contains("--expose-internal"), "{err}");
            let err = host_policy(&options(bind, Internal, true, &[])).unwrap_err().to_string();
            assert!(err.contains("--allow-host"), "{err}");
            let exposed = host_policy(&options(bind, Internal, true, &["Preview.Example"])).unwrap();
            assert_eq!(exposed.names, ["preview.example"]);
            assert!(!exposed.local_address);
            assert!(host_policy(&options(bind, Public, false, &[])).unwrap().local_address);
        }
        for bind in ["127.0.0.1", "::1"] {
            assert!(host_policy(&options(bind, Internal, false, &[])).is_ok());
        }
        let o = options("0.0.0.0", Internal, true, &["preview.example"]);
        let warning = exposure_warning(&o, "0.0.0.0:1111".parse().unwrap(), &host_policy(&o).unwrap());
        assert!(warning.contains("INTERNAL profile") && warning.contains("OFFICIAL-SENSITIVE") && warning.contains("preview.example"), "{warning}");
    }

    #[test]
    fn an_event_stream_that_wakes_late_is_told_every_change_since_it_last_looked() {
        let mut status = Status::default();
        status.next_version(vec!["providers/a/index.html".into()]);
        let seen = status.version;
        // The pages, then the search files, before the stream wakes.
        status.next_version(vec!["providers/b/index.html".into()]);
        status.next_version(vec!["search/t/0.json".into(), "providers/b/index.html".into()]);
        assert_eq!(status.changed_since(seen), vec!["providers/b/index.html".to_string(), "search/t/0.json".to_string()]);
        assert_eq!(status.changed_since(status.version - 1), vec!["providers/b/index.html".to_string(), "search/t/0.json".to_string()]);
        for _ in 0..RECENT_VERSIONS {
            status.next_version(Vec::new());
        }
        assert_eq!(status.changed_since(seen), vec!["*".to_string()], "too old to tell: everything may have changed");
    }

    #[test]
    fn a_burst_is_collected_whole() {
        let (tx, rx) = mpsc::channel();
        for i in 0..50 {
            tx.send((PathBuf::from(format!("/p/{}", i % 10)), Change::Other)).unwrap();
        }
        let changed = collect_burst(&rx, (PathBuf::from("/p/0"), Change::Other), Duration::from_millis(20));
        assert_eq!(changed.len(), 10);
    }

    #[test]
    fn a_save_ends_when_its_files_are_complete_not_before() {
        let quiet = Duration::from_secs(1);
        let p = |n: &str| PathBuf::from(format!("/site/providers/{n}"));
        // Written and closed: over after the short settle, not the long quiet time.
        let (tx, rx) = mpsc::channel();
        tx.send((p("a.toml"), Change::Done)).unwrap();
        let t = Instant::now();
        assert_eq!(collect_burst(&rx, (p("a.toml"), Change::Writing), quiet), [p("a.toml")]);
        assert!(t.elapsed() < quiet / 2, "{:?}", t.elapsed());
        drop(tx);
        // A file still being written (another closed) waits for the quiet time.
        let (tx, rx) = mpsc::channel();
        tx.send((p("b.toml"), Change::Writing)).unwrap();
        tx.send((p("a.toml"), Change::Done)).unwrap();
        let t = Instant::now();
        assert_eq!(collect_burst(&rx, (p("a.toml"), Change::Writing), Duration::from_millis(60)), [p("a.toml"), p("b.toml")]);
        assert!(t.elapsed() >= Duration::from_millis(60), "{:?}", t.elapsed());
        // A safe save (written beside, then renamed into place) is one burst.
        let (tx, rx) = mpsc::channel();
        for (path, change) in [("a.toml.tmp", Change::Done), ("a.toml", Change::Writing), ("a.toml.tmp", Change::Done), ("a.toml", Change::Done)] {
            tx.send((p(path), change)).unwrap();
        }
        assert_eq!(collect_burst(&rx, (p("a.toml.tmp"), Change::Writing), quiet), [p("a.toml"), p("a.toml.tmp")]);
        assert_eq!(Change::of(&notify::EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Read))), None);
    }
}
