//! Limits and awkward inputs: every one ends in a clear message (or just works), never a
//! panic or a hang.

use crate::common;
use common::*;
use std::process::Command;
use std::time::Duration;

fn apdir_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_apdir")).current_dir(dir).args(args).env("NO_COLOR", "1").output().unwrap()
}

/// Runs `f` on another thread and fails the test if it takes longer than `secs` (a hang).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).expect("no answer in time: a hang")
}

#[test]
fn a_50_mb_record_is_refused_with_a_clear_error() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let mut huge = VALID_PROVIDER.replace("summary = \"A provider for tests.\"", "summary = \"");
    huge.push_str(&"x".repeat(50 * 1024 * 1024));
    site.provider("huge", &huge);
    let errors = site.errors();
    let found = errors.with_code("file-too-large");
    assert_eq!(found.len(), 1, "{}", errors.render(false));
    let text = errors.render(false);
    assert!(text.contains("providers/huge.toml is 50 MB"), "{text}");
    assert!(text.contains("at most 8 MB"), "{text}");
}

#[test]
fn bom_and_crlf_are_read_as_plain_text_everywhere() {
    let site = TestSite::new();
    let crlf = |s: &str| format!("\u{feff}{}", s.replace('\n', "\r\n"));
    site.provider("test-provider", &crlf(VALID_PROVIDER));
    site.write("content/guide/page.md", &crlf("+++\ntitle = \"Windows page\"\nsummary = \"Saved by Notepad.\"\n+++\n\n## A heading\n\nText.\n"));
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &crlf(&config));
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(report.providers, 1);
    let html = std::fs::read_to_string(site.output().join("guide/page/index.html")).unwrap();
    assert!(html.contains("<h1") && html.contains("Windows page"));
    assert!(!html.contains('\u{feff}') && !html.contains('\r'));
}

#[test]
fn files_that_are_not_utf8_are_named_with_their_line() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    // "Café" saved as Windows-1252 on line 3.
    let mut latin1 = b"schema_version = 1\nname = \"Test\"\nsummary = \"Caf".to_vec();
    latin1.push(0xE9);
    latin1.extend_from_slice(b"\"\n");
    std::fs::write(site.root().join("providers/latin1.toml"), latin1).unwrap();
    std::fs::write(site.root().join("content/guide/latin1.md"), b"+++\ntitle = \"x\"\n+++\n\xff\xfe").unwrap();
    let errors = site.errors();
    let text = errors.render(false);
    assert_eq!(errors.with_code("not-utf8").len(), 2, "{text}");
    assert!(text.contains("providers/latin1.toml:3: the file is not UTF-8"), "{text}");
    assert!(text.contains("content/guide/latin1.md:4: the file is not UTF-8"), "{text}");
}

#[test]
fn symlink_loops_neither_hang_nor_lose_files_silently() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let root = site.root().to_path_buf();
    std::os::unix::fs::symlink(root.join("providers"), root.join("providers/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("content"), root.join("content/guide/loop")).unwrap();
    std::os::unix::fs::symlink("/", root.join("content/escape")).unwrap();
    let report = within(60, move || {
        let options = apdir::BuildOptions {
            no_cache: false,
            root: root.clone(),
            output: None,
            load: apdir::LoadOptions { today: Some(today()), ..Default::default() },
        };
        apdir::build(&options).map(|r| (r.providers, r.warnings.render(false))).map_err(|e| render_err(&e))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.0, 1);
    assert!(report.1.contains("providers/loop is a symbolic link"), "{}", report.1);
    assert!(report.1.contains("content/guide/loop is a symbolic link"), "{}", report.1);
    assert!(report.1.contains("content/escape is a symbolic link"), "{}", report.1);
}

#[test]
fn deep_folders_are_read_to_a_limit_and_reported_beyond_it() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let page = "+++\ntitle = \"Deep\"\nsummary = \"Deep.\"\n+++\nText.\n";
    let ok_deep = (0..10).map(|i| format!("d{i}")).collect::<Vec<_>>().join("/");
    site.write(&format!("content/guide/{ok_deep}/page.md"), page);
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert!(site.output().join(format!("guide/{ok_deep}/page/index.html")).exists());

    let too_deep = (0..40).map(|i| format!("level-{i}")).collect::<Vec<_>>().join("/");
    site.write(&format!("content/guide/{too_deep}/page.md"), page);
    site.write(&format!("providers/{too_deep}/other.toml"), VALID_PROVIDER);
    let errors = site.errors();
    assert_eq!(errors.with_code("too-deep").len(), 2, "{}", errors.render(false));
    assert!(errors.render(false).contains("apdir reads at most 16"));
}

#[test]
fn an_empty_folder_gets_a_clear_error_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    for args in [vec!["build"], vec!["check"], vec!["build", "--output", "site"]] {
        let out = apdir_in(dir.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("apdir.toml") && err.contains("apdir init"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was written");
}

#[test]
fn a_site_with_settings_only_builds_or_explains() {
    let site = TestSite::new();
    std::fs::remove_dir_all(site.root().join("content")).unwrap();
    std::fs::remove_dir_all(site.root().join("providers")).unwrap();
    let out = apdir_in(site.root(), &["build", "--today", "2026-11-25"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
}

#[test]
fn an_output_folder_misconfigured_in_apdir_toml_is_refused() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    // (Home folders and foreign folders are covered in tests/suite/output.rs without risking a real one.)
    for output_dir in ["/", ".", "", "..", "./providers", "content", "themes/default"] {
        site.write("apdir.toml", &format!("{config}output_dir = {output_dir:?}\n"));
        let out = apdir_in(site.root(), &["build", "--today", "2026-11-25"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "output_dir = {output_dir:?} must be refused: {err}");
        assert!(err.contains("refusing to write the site"), "{err}");
    }
    assert!(site.root().join("providers/test-provider.toml").exists());
    assert!(site.root().join("content/guide/_index.md").exists());
}

/// One policy for links in every input: a link in a folder apdir reads is left out with a
/// warning; a file that apdir is told to read by name and that is a link is refused.
#[test]
fn links_in_any_input_are_never_followed() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let secret = site.root().join("secret.txt");
    std::fs::write(&secret, "code = \"E07000123\"\nname = \"root:x:0:0\"\n").unwrap();
    std::os::unix::fs::symlink(&secret, site.root().join("areas/E07000123.toml")).unwrap();
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let warning = report.warnings.items.iter().find(|d| d.code == "symlink-skipped").expect("a warning names the linked area file");
    assert!(warning.message.contains("areas/E07000123.toml"), "{}", warning.message);

    std::fs::remove_file(site.root().join("data/postcodes.csv")).unwrap();
    std::fs::write(&secret, "postcode,lat,lon\n").unwrap();
    std::os::unix::fs::symlink(&secret, site.root().join("data/postcodes.csv")).unwrap();
    let errors = site.errors();
    assert!(errors.items.iter().any(|d| d.message.contains("symbolic link")), "{errors:?}");
}

#[test]
fn an_export_replaces_a_link_in_its_folder_and_never_writes_through_it() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let out = site.root().join("exports");
    std::fs::create_dir_all(out.join("data")).unwrap();
    let victim = site.root().join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, out.join("data/providers.csv")).unwrap();
    apdir::export(&site.options(), &[apdir::export::Format::Csv], &out).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(std::fs::symlink_metadata(out.join("data/providers.csv")).unwrap().is_file());
}

/// Nesting is capped before the sanitiser, whose work grows with the square of the depth:
/// 60,000 `>` once took 80 s to check. Now it is an error at its place, found at once.
#[test]
fn markdown_nested_too_deeply_is_an_error_at_its_place_and_found_quickly() {
    let site = TestSite::new();
    let deep = ">".repeat(60_000) + " word";
    site.provider("test-provider", &VALID_PROVIDER.replace("description = \"Some *Markdown*.\"", &format!("description = {deep:?}")));
    site.write("content/guide/deep.md", &format!("+++\ntitle = \"Deep\"\nsummary = \"Deep.\"\n+++\n\nFine.\n\n{}\n", "<div>".repeat(10_000)));
    site.write("content/guide/headings.md", &format!("+++\ntitle = \"Same\"\nsummary = \"Same.\"\n+++\n\n{}", "## Same\n\n".repeat(20_000)));
    site.write("content/guide/open.md", "+++\ntitle = \"Open\"\n\nNo closing line.\n");
    let errors = within(60, move || site.errors());
    let deep_description = located(&errors, "nesting-too-deep");
    assert!(
        deep_description.starts_with("providers/test-provider.toml:") || deep_description.starts_with("content/guide/deep.md:8:"),
        "{deep_description}"
    );
    let codes: Vec<(&str, String)> = errors.items.iter().map(|d| (d.code, d.message.clone())).collect();
    assert_eq!(codes.iter().filter(|(c, _)| *c == "nesting-too-deep").count(), 2, "{codes:?}");
    assert!(codes.iter().any(|(c, _)| *c == "unclosed-front-matter"), "{codes:?}");
    assert!(!codes.iter().any(|(c, _)| *c == "no-front-matter"), "an unclosed front matter is not called missing: {codes:?}");
}

/// Any coordinate apdir reads is checked where it is read: eastings and northings, a swapped
/// pair, NaN and infinities are each a clear error, never a panic or a runaway allocation.
#[test]
fn coordinates_out_of_range_are_errors_where_they_are_read() {
    for (row, expect) in [
        ("PR1 2HE,352000,429000,E07000123,", "eastings and northings"),
        ("PR1 2HE,-2.70,53.76,E07000123,", "swapped"),
        ("PR1 2HE,1e300,-2.70,E07000123,", "not a place apdir can map"),
        ("PR1 2HE,inf,-2.70,E07000123,", "finite"),
        ("PR1 2HE,NaN,-2.70,E07000123,", "finite"),
        ("PR1 2HE,90.5,-2.70,E07000123,", "outside Great Britain"),
    ] {
        let site = TestSite::new();
        site.provider("test-provider", VALID_PROVIDER);
        site.write("data/postcodes.csv", &format!("postcode,lat,lon,district_code,ward_code\n{row}\n"));
        let errors = within(30, move || site.errors());
        let text = errors.render(false);
        assert!(text.contains("line 2") && text.contains(expect), "{row}: {text}");
    }
    let site = TestSite::new();
    site.provider("test-provider", &VALID_PROVIDER.replace("postcode = \"PR1 2HE\"", "postcode = \"PR1 2HE\"\nlat = 429000.0\nlon = 352000.0"));
    let errors = site.errors();
    assert!(located(&errors, "bad-coordinates").starts_with("providers/test-provider.toml:"), "{}", errors.render(false));
}

/// An empty record is one problem, and a missing field is reported once, in plain words: no
/// second, serde-worded error about the stand-in apdir puts there to look for more problems.
#[test]
fn an_empty_record_is_one_clear_error() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.provider("empty", "");
    site.provider("blank", "\n  \n");
    site.provider("no-version", &VALID_PROVIDER.replace("schema_version = 1\n", ""));
    let errors = site.errors();
    let codes: Vec<(String, &str, String)> = errors.errors().map(|d| (d.location(), d.code, d.message.clone())).collect();
    assert_eq!(errors.with_code("empty-record").len(), 2, "{codes:?}");
    assert_eq!(located(&errors, "empty-record"), "providers/blank.toml:1:1");
    assert!(errors.render(false).contains("providers/empty.toml is empty"), "{codes:?}");
    let no_version: Vec<&String> = codes.iter().filter(|(at, _, _)| at.starts_with("providers/no-version.toml")).map(|(_, _, m)| m).collect();
    assert_eq!(no_version, ["missing required field `schema_version`"], "{codes:?}");
    assert_eq!(errors.error_count(), 3, "{codes:?}");
}

/// A boundary file that cannot be read is one error that says what it stops; nothing that
/// depends on the areas turns into errors of its own.
#[test]
fn a_boundary_file_that_fails_to_load_is_one_error_not_a_cascade() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.write("areas/E07000123.toml", &std::fs::read_to_string(repo().join("areas/E07000123.toml")).unwrap());
    site.write("content/guide/links.md", "+++\ntitle = \"Links\"\nsummary = \"Links.\"\n+++\n\nSee [the guide](@/guide/_index.md).\n");
    site.write("areas/districts.geojson", "{\"type\":\"FeatureCollection\",\"features\":[\n");
    let errors = site.errors();
    let codes: Vec<(&str, String)> = errors.errors().map(|d| (d.code, d.message.clone())).collect();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].0, "boundaries");
    assert!(codes[0].1.contains("no area is checked or built"), "{codes:?}");
}

/// Thousands of problems on one long line: each is reported, each quotes a short excerpt of the
/// line, and the run takes a moment. Before, every error echoed the whole line (8,000 errors on
/// a 168 KB line: 440 s and 4.5 GB).
#[test]
fn thousands_of_errors_on_one_long_line_are_reported_quickly_and_briefly() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let line = "[x](@/guide/nope.md) ".repeat(8000);
    site.write("content/guide/long.md", &format!("+++\ntitle = \"Long\"\nsummary = \"Long.\"\n+++\n\n{line}\n"));
    let (errors, text) = within(60, move || {
        let e = site.errors();
        let text = e.render(false);
        (e, text)
    });
    let broken = errors.with_code("broken-link");
    assert_eq!(broken.len(), 8000);
    let last = broken.iter().map(|d| d.location()).max_by_key(|l| l.rsplit(':').next().and_then(|c| c.parse::<usize>().ok())).unwrap();
    assert_eq!(last, format!("content/guide/long.md:6:{}", 7999 * 21 + 1));
    assert!(text.len() < 8000 * 1000, "{} bytes of diagnostics", text.len());
}
