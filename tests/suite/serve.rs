//! `apdir serve`: incremental rebuilds give exactly what a clean build gives; a broken input
//! keeps the last good site; the server stays inside the site; live reload only when serving.

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apdir::serve::Preview;
use apdir::{BuildOptions, LoadOptions};
use common::*;

/// A copy of the repository's sample site (with its own theme folder) in a temporary folder.
fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in ["apdir.toml", "providers", "content", "data", "areas", "themes"] {
        copy_dir(&repo().join(entry), &dir.path().join(entry));
    }
    dir
}

fn load_options() -> LoadOptions {
    LoadOptions { today: Some(today()), ..Default::default() }
}

/// Builds `root` from scratch with `apdir::build` and checks the preview holds the same bytes.
fn assert_same_as_clean_build(preview: &Preview, root: &Path, step: &str) {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    apdir::build(&BuildOptions { no_cache: false, root: root.to_path_buf(), output: Some(target.clone()), load: load_options() })
        .unwrap_or_else(|e| panic!("{step}: the clean build failed: {}", render_err(&e)));
    let mut clean = read_tree(&target);
    clean.remove(apdir::output::MARKER);
    let served: BTreeMap<String, Vec<u8>> = preview.files().iter().map(|(k, v)| (k.clone(), v.to_vec())).collect();
    let only_clean: Vec<&String> = clean.keys().filter(|k| !served.contains_key(*k)).collect();
    let only_served: Vec<&String> = served.keys().filter(|k| !clean.contains_key(*k)).collect();
    assert!(only_clean.is_empty() && only_served.is_empty(), "{step}: missing from the preview {only_clean:?}; extra in the preview {only_served:?}");
    for (path, bytes) in &clean {
        assert!(served[path] == *bytes, "{step}: {path} differs from a clean build");
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn an_edited_page_is_served_before_the_search_files_and_exports_are_made_again() {
    // The preview publishes a rebuild's pages as soon as they are rendered; the search files
    // and exports follow (`finish`), and only then equal a clean build. Nothing is lost in
    // between: the last search files and exports are served meanwhile.
    let dir = sample_copy();
    let root = dir.path();
    let mut preview = Preview::new(root, load_options());
    preview.rebuild(&[]).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert!(preview.finish().is_none(), "a full rebuild makes everything at once");
    let before = preview.files();

    let p = root.join("providers/barnoldswick-canal-crafts.toml");
    edit(&p, "summary = \"Arts, crafts", "summary = \"Boat-based arts, crafts");
    let r = preview.rebuild_pages(std::slice::from_ref(&p)).unwrap();
    let pages = preview.files();
    let page = String::from_utf8(pages["providers/barnoldswick-canal-crafts/index.html"].to_vec()).unwrap();
    assert!(page.contains("Boat-based arts, crafts"), "the edited page is served at once");
    assert!(r.changed.iter().all(|c| !c.starts_with("api/") && !c.starts_with("data/providers")), "{:?}", r.changed);
    for path in before.keys().filter(|p| p.starts_with("api/") || p.starts_with("data/providers") || p.starts_with("search/t/")) {
        assert_eq!(pages.get(path), before.get(path), "{path}: the last search files and exports are served meanwhile");
    }

    let late = preview.finish().expect("the search files and exports are still to make").unwrap();
    assert_eq!(late.exports_made, 1, "only the edited provider's exports are made again");
    assert!(!late.search_reused, "the summary is searchable text");
    assert!(late.changed.iter().any(|c| c.starts_with("data/providers")), "{:?}", late.changed);
    assert!(preview.finish().is_none(), "made once");
    assert_same_as_clean_build(&preview, root, "pages, then search files and exports");

    // The saved record's page alone goes first: the same bytes the whole rebuild gives it.
    edit(&p, "summary = \"Boat-based arts", "summary = \"Narrowboat arts");
    let before = preview.files();
    let mut checked = preview.check(std::slice::from_ref(&p)).unwrap();
    let early = preview.publish_edited(&mut checked);
    assert_eq!(early, ["providers/barnoldswick-canal-crafts/index.html"], "only the saved record's page");
    let first = preview.files();
    for (path, bytes) in before.iter().filter(|(path, _)| !early.contains(path)) {
        assert_eq!(first.get(path), Some(bytes), "{path}: the rest of the last good site is served meanwhile");
    }
    let r = preview.render_rest(checked).unwrap();
    assert!(!r.changed.contains(&early[0]), "the browsers were told already: {:?}", r.changed);
    preview.finish().unwrap().unwrap();
    assert_eq!(preview.files()[&early[0]], first[&early[0]], "the page served first is the page the whole rebuild makes");
    assert_same_as_clean_build(&preview, root, "the saved record's page first");
}

#[test]
fn incremental_rebuilds_match_a_clean_build_after_every_edit() {
    let dir = sample_copy();
    let root = dir.path();
    let providers = root.join("providers");
    let mut preview = Preview::new(root, load_options());
    let first = preview.rebuild(&[]).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert!(first.full);
    let records = std::fs::read_dir(&providers).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml")).count();
    assert_eq!(first.exports_made, records, "the first render exports every provider");
    assert_same_as_clean_build(&preview, root, "first build");

    // Edit a provider's summary: its page and the listings showing its card change, not the rest.
    let p = providers.join("barnoldswick-canal-crafts.toml");
    edit(&p, "summary = \"Arts, crafts", "summary = \"Boat-based arts, crafts");
    let r = preview.rebuild(std::slice::from_ref(&p)).unwrap();
    assert!(!r.full && r.reread == 1, "{r:?}");
    assert!(r.changed.contains(&"providers/barnoldswick-canal-crafts/index.html".to_string()), "{:?}", r.changed);
    assert!(r.rendered < 40, "a summary edit re-rendered {} pages", r.rendered);
    assert_eq!(r.exports_made, 1, "only the edited provider's exports are made again");
    assert!(!r.changed.iter().any(|c| c.starts_with("guide/")), "{:?}", r.changed);
    assert!(!r.search_reused, "the summary is searchable text");
    assert_same_as_clean_build(&preview, root, "edit a provider");

    // Vacancies are not searchable: the search files are the last render's. (The figures are
    // made fresh too: a stale figure is "not confirmed since…" on the page, whatever it says.)
    edit(&p, "vacancies = 0", "vacancies = 2");
    edit(&p, "vacancies_as_of = 2026-07-20", "vacancies_as_of = 2026-11-20");
    let r = preview.rebuild(std::slice::from_ref(&p)).unwrap();
    assert!(r.search_reused, "{r:?}");
    assert!(r.changed.contains(&"providers/barnoldswick-canal-crafts/index.html".to_string()), "{:?}", r.changed);
    assert_same_as_clean_build(&preview, root, "edit a provider's vacancies");

    // Rename the provider (its place in every list moves).
    edit(&p, "name = \"Barnoldswick Canal Crafts\"", "name = \"Zephyr Canal Crafts\"");
    preview.rebuild(std::slice::from_ref(&p)).unwrap();
    assert_same_as_clean_build(&preview, root, "rename a provider");

    // Add a provider, as a copy of another with a new id.
    let added = providers.join("added-provider.toml");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("id = \"barnoldswick-canal-crafts\"", "id = \"added-provider\"")
        .replace("Zephyr Canal Crafts", "Added Provider");
    std::fs::write(&added, text).unwrap();
    let r = preview.rebuild(std::slice::from_ref(&added)).unwrap();
    assert!(r.changed.contains(&"providers/added-provider/index.html".to_string()));
    assert_same_as_clean_build(&preview, root, "add a provider");

    // Move the file (the id inside stays): nothing the public sees changes.
    let moved = providers.join("added-provider-moved.toml");
    std::fs::rename(&added, &moved).unwrap();
    preview.rebuild(&[added.clone(), moved.clone()]).unwrap();
    assert_same_as_clean_build(&preview, root, "move a provider file");

    // Delete it: its page goes.
    std::fs::remove_file(&moved).unwrap();
    let r = preview.rebuild(std::slice::from_ref(&moved)).unwrap();
    assert!(r.changed.contains(&"providers/added-provider/index.html".to_string()));
    assert!(!preview.files().contains_key("providers/added-provider/index.html"));
    assert_same_as_clean_build(&preview, root, "delete a provider");

    // Guide pages: edit, add, rename, delete.
    let guide = root.join("content/guide/_index.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(&guide, format!("{text}\n\nA new closing paragraph.\n")).unwrap();
    let r = preview.rebuild(std::slice::from_ref(&guide)).unwrap();
    assert!(r.changed.contains(&"guide/index.html".to_string()), "{:?}", r.changed);
    assert_same_as_clean_build(&preview, root, "edit a guide page");
    let new_page = root.join("content/guide/new-page.md");
    std::fs::write(&new_page, "+++\ntitle = \"A new page\"\nsummary = \"Added while serving.\"\nupdated = 2026-11-20\n+++\n\n## First\n\nText.\n")
        .unwrap();
    preview.rebuild(std::slice::from_ref(&new_page)).unwrap();
    assert!(preview.files().contains_key("guide/new-page/index.html"));
    assert_same_as_clean_build(&preview, root, "add a guide page");
    let renamed = root.join("content/guide/renamed-page.md");
    std::fs::rename(&new_page, &renamed).unwrap();
    preview.rebuild(&[new_page.clone(), renamed.clone()]).unwrap();
    assert!(!preview.files().contains_key("guide/new-page/index.html"));
    assert!(preview.files().contains_key("guide/renamed-page/index.html"));
    assert_same_as_clean_build(&preview, root, "rename a guide page");
    std::fs::remove_file(&renamed).unwrap();
    preview.rebuild(std::slice::from_ref(&renamed)).unwrap();
    assert_same_as_clean_build(&preview, root, "delete a guide page");

    // Break a record: the error names the place, and the last good site stays.
    let before = preview.files();
    edit(&p, "schema_version = 1", "schema_version = 1\nname_typo = = \"x\"");
    let err = preview.rebuild(std::slice::from_ref(&p)).unwrap_err();
    let apdir::Error::Content(d) = &err else { panic!("{err}") };
    assert!(d.errors().any(|e| e.location().starts_with("providers/barnoldswick-canal-crafts.toml:3:")), "{}", d.render(false));
    assert!(std::sync::Arc::ptr_eq(&before, &preview.files()), "a failed rebuild changed the served site");
    edit(&p, "schema_version = 1\nname_typo = = \"x\"", "schema_version = 1");
    preview.rebuild(std::slice::from_ref(&p)).unwrap();
    assert_same_as_clean_build(&preview, root, "fix a record");

    // A template edit re-renders the pages that use it, and only those.
    let template = root.join("themes/default/templates/provider.html");
    let text = std::fs::read_to_string(&template).unwrap();
    let marked = text.replacen("</h1>", "</h1><p>Template edited while serving.</p>", 1);
    assert_ne!(text, marked);
    std::fs::write(&template, marked).unwrap();
    let r = preview.rebuild(std::slice::from_ref(&template)).unwrap();
    let provider_pages = preview
        .files()
        .keys()
        .filter(|k| k.starts_with("providers/") && !k.starts_with("providers/page/") && k.ends_with("/index.html") && k.matches('/').count() == 2)
        .count();
    assert_eq!(r.rendered, provider_pages, "a provider.html edit should re-render the provider pages only");
    assert_same_as_clean_build(&preview, root, "edit a template");

    // A settings change reads and renders everything again.
    edit(&root.join("apdir.toml"), "title = \"Alternative provision in Lancashire\"", "title = \"AP in Lancashire\"");
    let r = preview.rebuild(&[root.join("apdir.toml")]).unwrap();
    assert!(r.full);
    assert_same_as_clean_build(&preview, root, "edit apdir.toml");
}

#[test]
fn build_output_never_holds_the_live_reload_script() {
    let (_dir, files) = build_sample();
    assert!(files.contains_key("index.html"));
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("__apdir") && !text.contains("live.js"), "{path} mentions the live-reload script");
    }
}

// ---------------------------------------------------------------- the real server

struct Server {
    child: std::process::Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(root: &Path) -> Server {
    start_server_with(root, &[])
}

fn start_server_with(root: &Path, extra: &[&str]) -> Server {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_apdir"))
        .args(["--root", &root.to_string_lossy(), "--color", "never", "serve", "--port", "0", "--today", "2026-11-25"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = loop {
        let line = lines.next().expect("the server stopped before serving").unwrap();
        if let Some(rest) = line.strip_prefix("Serving the site at http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, port }
}

/// Sends a raw request; returns (status code, body).
fn request(port: u16, target: &str, host: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut head = String::new();
    let mut reader = BufReader::new(s);
    reader.read_line(&mut head).unwrap();
    let code = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (code, String::from_utf8_lossy(&body).into_owned())
}

fn get(port: u16, target: &str) -> (u16, String) {
    request(port, target, &format!("127.0.0.1:{port}"))
}

/// Polls until `f` holds (at most 20 s).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for: {what}");
}

#[test]
fn server_serves_reloads_reports_and_stays_inside_the_site() {
    let dir = sample_copy();
    let root = dir.path();
    let server = start_server(root);
    let port = server.port;

    // Pages carry the live-reload script; the script and status are served.
    let (code, home) = get(port, "/");
    assert_eq!(code, 200);
    assert!(home.contains("<script src=\"/__apdir/live.js\" defer></script></head>"));
    let (code, js) = get(port, "/__apdir/live.js");
    assert_eq!(code, 200);
    assert!(js.contains("EventSource") && js.contains("role"));
    assert!(get(port, "/__apdir/status").1.contains("\"ok\":true"));
    assert_eq!(get(port, "/guide").0, 301);
    assert_eq!(get(port, "/no-such-page/").0, 404);

    // Nothing outside the site, whatever the spelling.
    for bad in ["/../apdir.toml", "/%2e%2e/apdir.toml", "/css/..%2f..%2fapdir.toml", "/..\\apdir.toml", "//etc/passwd"] {
        let (code, body) = get(port, bad);
        assert!(code == 400 || code == 404, "{bad}: {code}");
        assert!(!body.contains("base_url"), "{bad} leaked a file");
    }
    // Another host name (DNS rebinding) is refused.
    assert_eq!(request(port, "/", "attacker.example").0, 403);

    // A flood of saves: the last one wins, none is lost.
    let p = root.join("providers/barnoldswick-canal-crafts.toml");
    let original = std::fs::read_to_string(&p).unwrap();
    for i in 0..40 {
        std::fs::write(&p, original.replacen("summary = \"Arts", &format!("summary = \"Save {i} arts"), 1)).unwrap();
        std::thread::sleep(Duration::from_millis(3));
    }
    eventually("the last save to be served", || get(port, "/providers/barnoldswick-canal-crafts/").1.contains("Save 39 arts"));

    // Break the record: the last good page stays, the status names the place.
    std::fs::write(&p, original.replacen("schema_version = 1", "schema_version = 1\nbroken = = 1", 1)).unwrap();
    eventually("the status to report the error", || get(port, "/__apdir/status").1.contains("\"ok\":false"));
    let status = get(port, "/__apdir/status").1;
    assert!(status.contains("providers/barnoldswick-canal-crafts.toml:3:"), "{status}");
    assert!(get(port, "/providers/barnoldswick-canal-crafts/").1.contains("Save 39 arts"));
    // Fixed: the problems go.
    std::fs::write(&p, &original).unwrap();
    eventually("the fix to be served", || get(port, "/__apdir/status").1.contains("\"ok\":true"));
    assert!(!get(port, "/providers/barnoldswick-canal-crafts/").1.contains("Save 39 arts"));
    drop(server);
    let _ = PathBuf::new();
}

/// The internal preview watches `scenarios/` and `history/`: a saved scenario, a new one and a
/// removed snapshot each reach the served pages without a restart.
#[test]
fn the_internal_preview_rebuilds_when_a_scenario_or_a_snapshot_changes() {
    let site = sample_copy();
    for d in ["history", "scenarios"] {
        copy_dir(&repo().join(d), &site.path().join(d));
    }
    let server = start_server_with(site.path(), &["--profile", "internal"]);
    let port = server.port;
    let (code, page) = get(port, "/scenarios/nelson-tier-2/");
    assert_eq!(code, 200);
    assert!(page.contains("What if: A tier 2 site in Nelson") && page.contains("id=\"map-places-after-title\""), "{page}");

    edit(&site.path().join("scenarios/nelson-tier-2.toml"), "places = 30", "places = 12");
    eventually("the edited scenario to be served", || get(port, "/scenarios/nelson-tier-2/").1.contains("12 places"));
    std::fs::write(
        site.path().join("scenarios/no-canal-crafts.toml"),
        "title = \"Canal crafts closes\"\n\n[[close]]\nprovider = \"barnoldswick-canal-crafts\"\n",
    )
    .unwrap();
    eventually("a new scenario to be served", || get(port, "/scenarios/no-canal-crafts/").0 == 200);
    assert!(get(port, "/scenarios/").1.contains("Canal crafts closes"));

    // A broken scenario: the status names its place and the last good page stays.
    edit(&site.path().join("scenarios/no-canal-crafts.toml"), "provider = \"barnoldswick-canal-crafts\"", "provider = \"no-such-provider\"");
    eventually("the status to report the scenario", || get(port, "/__apdir/status").1.contains("scenarios/no-canal-crafts.toml:4:"));
    assert_eq!(get(port, "/scenarios/no-canal-crafts/").0, 200);
    std::fs::remove_file(site.path().join("scenarios/no-canal-crafts.toml")).unwrap();
    eventually("the removed scenario to go", || get(port, "/scenarios/no-canal-crafts/").0 == 404);
    assert!(get(port, "/__apdir/status").1.contains("\"ok\":true"));

    assert!(get(port, "/history/").1.contains("2022/23 (snapshot)"));
    std::fs::remove_file(site.path().join("history/2022-23.toml")).unwrap();
    eventually("the removed snapshot to leave the history page", || !get(port, "/history/").1.contains("2022/23"));
}

#[test]
fn the_internal_profile_can_be_previewed() {
    let site = sample_copy();
    let server = start_server_with(site.path(), &["--profile", "internal"]);
    let (status, body) = get(server.port, "/dashboard/");
    assert_eq!(status, 200, "the AP team's dashboard is served");
    assert!(body.contains("OFFICIAL-SENSITIVE"), "internal pages carry the banner");
    let public = start_server(site.path());
    assert_eq!(get(public.port, "/dashboard/").0, 404, "the public preview has no dashboard");
}

/// Sends `bytes` as they are and returns the status code of the answer (0 when the connection
/// was reset or closed without one).
fn raw_status(port: u16, bytes: &[u8]) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer before it has read everything.
    let _ = s.write_all(bytes);
    let mut head = String::new();
    let _ = BufReader::new(s).read_line(&mut head);
    head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn oversized_requests_get_414_and_431_not_a_reset() {
    let site = sample_copy();
    let server = start_server(site.path());
    let port = server.port;
    let big = "a".repeat(64 * 1024);
    let long_line = format!("GET /{big} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert_eq!(raw_status(port, long_line.as_bytes()), 414, "a 64 KB request line");
    let big_header = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {big}\r\n\r\n");
    assert_eq!(raw_status(port, big_header.as_bytes()), 431, "a 64 KB header");
    let many = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n", "X-A: 1\r\n".repeat(200));
    assert_eq!(raw_status(port, many.as_bytes()), 431, "200 headers");
    assert_eq!(raw_status(port, b"\x16\x03\x01\x02\x00 hello\r\n\r\n"), 400, "not HTTP");
    // The server still answers, and two requests sent at once get two answers.
    assert_eq!(get(port, "/").0, 200);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /__apdir/status HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answers = Vec::new();
    s.take(1 << 20).read_to_end(&mut answers).unwrap();
    assert_eq!(String::from_utf8_lossy(&answers).matches("HTTP/1.1 200 OK").count(), 2);
}

#[test]
fn only_loopback_and_allowed_host_names_are_answered() {
    let site = sample_copy();
    let server = start_server_with(site.path(), &["--allow-host", "Preview.Example"]);
    let port = server.port;
    for host in ["localhost", "127.0.0.1", "preview.example", "PREVIEW.example"] {
        assert_eq!(request(port, "/", &format!("{host}:{port}")).0, 200, "{host}");
    }
    for host in ["attacker.example", "preview.example.attacker.example", "10.0.0.1"] {
        assert_eq!(request(port, "/", host).0, 403, "{host}");
    }
    assert_eq!(raw_status(port, b"GET / HTTP/1.0\r\n\r\n"), 403, "no Host at all");

    // The internal profile, exposed to a named host, still answers only loopback and that name
    // (the test listens on 127.0.0.1 only).
    let internal = start_server_with(site.path(), &["--profile", "internal", "--expose-internal", "--allow-host", "preview.example"]);
    assert_eq!(request(internal.port, "/dashboard/", "preview.example").0, 200);
    assert_eq!(request(internal.port, "/dashboard/", "attacker.example").0, 403);
}

#[test]
fn open_pages_are_told_to_reload_after_a_save() {
    let site = sample_copy();
    let server = start_server(site.path());
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET /__apdir/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut lines = BufReader::new(s).lines();
    // Bounded in time as well as in lines: a missing event fails the test within a minute.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut next_event = || {
        (0..200).take_while(|_| std::time::Instant::now() < deadline).find_map(|_| lines.next()?.ok()?.strip_prefix("event: ").map(str::to_string))
    };
    assert_eq!(next_event().as_deref(), Some("hello"));
    let p = site.path().join("providers/barnoldswick-canal-crafts.toml");
    edit(&p, "summary = \"Arts", "summary = \"Reloaded arts");
    assert_eq!(next_event().as_deref(), Some("reload"));
}

/// An editor's save can come in pieces; the preview rebuilds once, from the finished file, as
/// soon as the file is closed (not after the whole quiet time).
#[test]
fn a_save_written_in_pieces_is_one_rebuild_of_the_finished_file() {
    let site = sample_copy();
    let root = site.path();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_apdir"))
        .args(["--root", &root.to_string_lossy(), "--color", "never", "serve", "--port", "0", "--today", "2026-11-25"])
        .args(["--debounce-ms", "1500"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("the server stopped before serving").unwrap();
        if let Some(rest) = line.strip_prefix("Serving the site at http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let server = Server { child, port };

    let p = root.join("providers/barnoldswick-canal-crafts.toml");
    let saved = std::fs::read_to_string(&p).unwrap().replacen("summary = \"Arts", "summary = \"Finished arts", 1);
    let (head, tail) = saved.split_at(saved.find("Finished arts").unwrap() + 4);
    {
        // Cut inside a string: the first piece alone is not a valid record.
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(head.as_bytes()).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        f.write_all(tail.as_bytes()).unwrap();
    }
    let closed = Instant::now();
    eventually("the finished save to be served", || get(port, "/providers/barnoldswick-canal-crafts/").1.contains("Finished arts"));
    assert!(closed.elapsed() < Duration::from_millis(1200), "the closed file ended the burst: {:?}", closed.elapsed());
    std::thread::sleep(Duration::from_millis(1600));
    let said: Vec<String> = rx.try_iter().collect();
    assert_eq!(said.iter().filter(|l| l.starts_with("Rebuilt in")).count(), 1, "{said:?}");
    assert!(get(port, "/__apdir/status").1.contains("\"ok\":true"));
    drop(server);
}

/// Every problem as the terminal and the overlay show it: severity, code, place, message, help.
fn problem_lines(d: &apdir::diagnostics::Diagnostics) -> Vec<String> {
    d.items.iter().map(|x| format!("{} {} {} {} {:?}", x.is_error(), x.code, x.location(), x.message, x.help)).collect()
}

/// Checks the preview's warnings (or errors) after a save are exactly a full validation's.
fn assert_same_problems(outcome: Result<apdir::serve::Rebuild, apdir::Error>, root: &Path, step: &str) {
    let full = apdir::site::Site::load(root, &load_options());
    match (outcome, full) {
        (Ok(r), Ok(site)) => assert_eq!(problem_lines(&r.warnings), problem_lines(&site.warnings), "{step}: the warnings differ"),
        (Err(apdir::Error::Content(d)), Err(full)) => assert_eq!(problem_lines(&d), problem_lines(&full), "{step}: the errors differ"),
        (Ok(_), Err(full)) => panic!("{step}: the preview passed, a full check found {:?}", problem_lines(&full)),
        (Err(e), Ok(_)) => panic!("{step}: the preview failed, a full check passed: {}", render_err(&e)),
        (Err(e), Err(_)) => panic!("{step}: {}", render_err(&e)),
    }
}

/// The preview checks again only the records that changed (each record's own rules are kept
/// between saves) and runs the checks across records over all of them: after every kind of
/// save its problems are exactly those of a full validation of the same folder.
#[test]
fn the_previews_problems_are_a_full_checks_after_every_kind_of_save() {
    let dir = sample_copy();
    let root = dir.path();
    let providers = root.join("providers");
    let mut preview = Preview::new(root, load_options());
    assert_same_problems(preview.rebuild(&[]), root, "first build");
    let a = providers.join("barnoldswick-canal-crafts.toml");
    let b = providers.join("bashall-brook-care-farm.toml");
    let saves: Vec<(&str, &Path, &str, &str)> = vec![
        ("a summary", &a, "summary = \"Arts", "summary = \"TODO arts"),
        // Warned on the later record in file order, which was not saved.
        ("a name another record has", &a, "name = \"Barnoldswick Canal Crafts\"", "name = \"Bashall Brook Care Farm\""),
        ("the name back", &a, "name = \"Bashall Brook Care Farm\"", "name = \"Barnoldswick Canal Crafts\""),
        ("an id another record has (an error on the record not saved)", &a, "id = \"barnoldswick-canal-crafts\"", "id = \"bashall-brook-care-farm\""),
        ("the id back", &a, "id = \"bashall-brook-care-farm\"", "id = \"barnoldswick-canal-crafts\""),
        ("a misspelt status (an error in one record)", &b, "status = \"active\"", "status = \"actve\""),
        ("the status mended", &b, "status = \"actve\"", "status = \"active\""),
        ("a broken line (a syntax error)", &a, "schema_version = 1", "schema_version = 1\nbroken = = 1"),
        ("the line mended", &a, "schema_version = 1\nbroken = = 1", "schema_version = 1"),
    ];
    for (step, path, from, to) in saves {
        edit(path, from, to);
        assert_same_problems(preview.rebuild(&[path.to_path_buf()]), root, step);
    }
    // A record added as a copy (the same name: warned), then removed.
    let added = providers.join("added-provider.toml");
    std::fs::write(&added, std::fs::read_to_string(&b).unwrap().replace("id = \"bashall-brook-care-farm\"", "id = \"added-provider\"")).unwrap();
    assert_same_problems(preview.rebuild(std::slice::from_ref(&added)), root, "a record added");
    std::fs::remove_file(&added).unwrap();
    assert_same_problems(preview.rebuild(std::slice::from_ref(&added)), root, "a record removed");
    // A setting changed: every record is checked again against it.
    edit(&root.join("apdir.toml"), "title = \"", "title = \"Preview ");
    assert_same_problems(preview.rebuild(&[root.join("apdir.toml")]), root, "a setting changed");
}
