//! The `apdir` command: help on every command, exit codes, and scaffolding that never overwrites.

use crate::common;
use common::*;
use std::process::Command;

fn apdir(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_apdir")).args(args).env("NO_COLOR", "1").output().unwrap()
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["build", "--help"],
        vec!["check", "--help"],
        vec!["new", "--help"],
        vec!["new", "provider", "--help"],
        vec!["new", "guide", "--help"],
        vec!["init", "--help"],
    ] {
        let out = apdir(&cmd);
        assert!(out.status.success(), "{cmd:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"), "{cmd:?}");
    }
}

#[test]
fn exit_codes_say_what_went_wrong() {
    let site = TestSite::new();
    site.provider("test-provider", &VALID_PROVIDER.replace("tiers = [2]", "tiers = [7]"));
    let root = site.root().to_str().unwrap();
    let out = apdir(&["--root", root, "build", "--today", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(1), "content errors exit 1");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[invalid-tier]"), "{err}");
    assert!(err.contains("providers/test-provider.toml:"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(apdir(&["build", "--no-such-flag"]).status.code(), Some(2), "usage errors exit 2");
    assert_eq!(apdir(&["--root", root, "build", "--today", "25/11/2026"]).status.code(), Some(2));
    site.provider("test-provider", VALID_PROVIDER);
    let out = apdir(&["--root", root, "build", "--today", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Built 1 providers"));
    let out = apdir(&["--root", root, "check", "--today", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn new_provider_and_guide_write_valid_files_and_never_overwrite() {
    let site = TestSite::new();
    let root = site.root().to_str().unwrap();
    let out = apdir(&["--root", root, "new", "provider", "Ribble Vale Learning Hub"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = site.root().join("providers/ribble-vale-learning-hub.toml");
    let first = std::fs::read_to_string(&path).unwrap();
    let out = apdir(&["--root", root, "new", "guide", "Working with health services", "--section", "guide/health"]);
    assert!(out.status.success());
    assert!(site.root().join("content/guide/health/working-with-health-services.md").exists());
    // Both scaffolds pass validation as written.
    let out = apdir(&["--root", root, "check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A second `new` with the same name refuses and leaves the file alone.
    std::fs::write(&path, format!("{first}\n# edited\n")).unwrap();
    let out = apdir(&["--root", root, "new", "provider", "Ribble Vale Learning Hub"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    assert!(std::fs::read_to_string(&path).unwrap().ends_with("# edited\n"));
}

#[test]
fn init_creates_a_site_that_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new-site");
    let out = apdir(&["init", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = apdir(&["--root", dir.to_str().unwrap(), "build"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The example provider is a draft: checked, but not published.
    assert!(!dir.join("public/providers/example-learning-centre").exists());
    // The built site, the spare copy a rebuild keeps and the search index stay out of git.
    let out = apdir(&["--root", dir.to_str().unwrap(), "build"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join(".public.spare").is_dir());
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    for line in ["/public/", "/.public.*", "/public-internal/", "/.public-internal.*", ".apdir/"] {
        assert!(ignore.lines().any(|l| l == line), "{line} missing from .gitignore:\n{ignore}");
    }
    // init refuses a folder that is not empty.
    assert_eq!(apdir(&["init", dir.to_str().unwrap()]).status.code(), Some(2));
}

#[test]
fn the_embedded_theme_matches_the_theme_folder() {
    let dir = repo().join("themes/default");
    let mut on_disk: Vec<String> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = apdir::scaffold::DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk, "add new theme files to DEFAULT_THEME in src/scaffold.rs");
    for (rel, text) in apdir::scaffold::DEFAULT_THEME {
        assert_eq!(std::fs::read_to_string(dir.join(rel)).unwrap(), *text, "{rel} is stale in the binary");
    }
}

#[test]
fn an_import_with_problem_rows_exits_1_and_imports_the_rest() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let root = site.root().to_str().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = apdir(&["--root", root, "export", "--format", "csv", "--today", "2026-11-25", "--out", out_dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_path(out_dir.path().join("data/providers.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let row: Vec<String> = reader.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Two new providers from the same row: one good, one with a tier that does not exist.
    let mut good = row.clone();
    good[col("id")] = "second-provider".into();
    good[col("name")] = "Second Provider".into();
    let mut bad = row.clone();
    bad[col("id")] = "third-provider".into();
    bad[col("name")] = "Third Provider".into();
    bad[col("offer.tiers")] = "9".into();
    let sheet = out_dir.path().join("sheet.csv");
    let mut writer = csv::Writer::from_path(&sheet).unwrap();
    writer.write_record(&header).unwrap();
    writer.write_record(&good).unwrap();
    writer.write_record(&bad).unwrap();
    writer.flush().unwrap();
    let out = apdir(&["--root", root, "import", sheet.to_str().unwrap(), "--today", "2026-11-25"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "problems in the sheet are content errors: {err}");
    assert!(err.contains("were not imported"), "{err}");
    assert!(site.root().join("providers/second-provider.toml").is_file(), "the good row is imported");
    assert!(!site.root().join("providers/third-provider.toml").exists(), "the bad row is not");
}

#[test]
fn timings_say_what_came_from_the_build_cache() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let root = site.root().to_str().unwrap();
    let build = |extra: &[&str]| {
        let mut args = vec!["--root", root, "build", "--today", "2026-11-25", "--quiet", "--timings"];
        args.extend_from_slice(extra);
        let out = apdir(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(build(&[]).contains("build cache: exports of 0 of 1 providers reused; search made afresh"));
    assert!(build(&[]).contains("build cache: exports of 1 of 1 providers reused; search reused"));
    let uncached = build(&["--no-cache"]);
    assert!(uncached.contains("render and write") && !uncached.contains("build cache"), "{uncached}");
}

/// The sample's first build, as a newcomer runs it, into a temporary folder.
fn sample(args: &[&str]) -> (std::process::Output, String) {
    let out_dir = tempfile::tempdir().unwrap();
    let root = repo();
    let output = out_dir.path().join("public");
    let mut all = vec!["--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    if args[0] == "build" {
        all.extend_from_slice(&["--output", output.to_str().unwrap()]);
    }
    let out = apdir(&all);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, err)
}

#[test]
fn a_first_build_of_the_sample_prints_its_warnings_grouped() {
    let (out, err) = sample(&["build", "--today", "2026-11-25"]);
    assert!(err.lines().count() <= 8, "a newcomer sees a short summary, not every warning in full:\n{err}");
    for line in [
        "warning[qa-visit-overdue]: 7 QA visits overdue: providers/fellside-learning-school.toml:45:18 and 6 more",
        "warning[vacancies-stale]: 6 vacancy figures out of date: providers/barnoldswick-canal-crafts.toml:81:19 and 5 more",
        "warning[insurance-expired]: 4 insurance certificates expired: providers/chainring-bike-workshop.toml:49:28 and 3 more",
        "note: run with --verbose to see every warning in full",
    ] {
        assert!(err.lines().any(|l| l == line), "missing `{line}` in:\n{err}");
    }
    assert!(String::from_utf8_lossy(&out.stdout).contains("(35 warnings)"));
    // `check` says the same.
    let (_, checked) = sample(&["check", "--today", "2026-11-25"]);
    assert_eq!(checked, err);
}

#[test]
fn verbose_prints_every_warning_in_full() {
    let (_, err) = sample(&["build", "--today", "2026-11-25", "--verbose"]);
    assert_eq!(err.matches("warning[").count(), 35, "{err}");
    assert_eq!(err.matches("┌─ providers/").count() + err.matches("┌─ content/").count(), 35, "each with its place and source line:\n{err}");
    assert!(err.contains("= help: book the visit"), "{err}");
    let (_, checked) = sample(&["--verbose", "check", "--today", "2026-11-25"]);
    assert_eq!(checked, err, "--verbose is global and `check` prints the same");
}

#[test]
fn errors_are_printed_in_full_and_never_grouped_away() {
    let site = TestSite::new();
    let stale = VALID_PROVIDER.replace("vacancies_as_of = 2026-11-01", "vacancies_as_of = 2026-01-01");
    let named = |id: &str| stale.replace("Test Provider", &format!("Provider {id}"));
    for id in ["first", "second", "third"] {
        site.provider(id, &named(id).replace("tiers = [2]", "tiers = [7]"));
    }
    site.provider("fourth", &named("fourth"));
    site.provider("fifth", &named("fifth"));
    let root = site.root().to_str().unwrap();
    let out = apdir(&["--root", root, "build", "--today", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("error[invalid-tier]").count(), 3, "every error, each in full:\n{err}");
    for id in ["first", "second", "third"] {
        assert!(err.contains(&format!("┌─ providers/{id}.toml:")), "{err}");
    }
    assert!(err.contains("warning[vacancies-stale]: 5 vacancy figures out of date: providers/fifth.toml:"), "{err}");
    assert!(err.find("error[").unwrap() < err.find("warning[").unwrap(), "errors first:\n{err}");
    let last = err.lines().last().unwrap();
    assert!(last.starts_with("error: 3 errors and ") && last.ends_with("; nothing was written"), "{err}");
}
