//! Nothing lost: a failed build leaves the last good site byte-identical, and apdir refuses to
//! write where it could destroy inputs or files it did not make.

use crate::common;
use common::*;

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.build().unwrap();
    let before = read_tree(&site.output());
    assert!(before.contains_key("providers/test-provider/index.html"));

    // Break the record and change the content: the build must fail and write nothing.
    site.provider("test-provider", &VALID_PROVIDER.replace("tiers = [2]", "tiers = [9]"));
    site.write("content/guide/new.md", "+++\ntitle = \"New\"\nsummary = \"x\"\n+++\nNew page\n");
    assert!(matches!(site.build(), Err(apdir::Error::Content(_))));
    assert_eq!(read_tree(&site.output()), before, "the previous site is byte-identical");

    // A template error found while rendering also leaves it untouched.
    site.provider("test-provider", VALID_PROVIDER);
    let theme = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("themes/default"), &theme.path().join("default"));
    std::fs::write(
        theme.path().join("default/templates/provider.html"),
        "{% extends \"base.html\" %}{% block content %}{{ provider.no_such_field }}{% endblock %}",
    )
    .unwrap();
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    let themes_line = config.lines().find(|l| l.starts_with("themes_dir")).unwrap().to_string();
    site.write("apdir.toml", &config.replace(&themes_line, &format!("themes_dir = {:?}", theme.path().to_string_lossy())));
    let d = site.errors();
    assert!(!d.with_code("template-render").is_empty(), "{}", d.render(false));
    assert!(d.with_code("template-render")[0].location().contains("provider.html:1:"), "{}", d.render(false));
    assert_eq!(read_tree(&site.output()), before);

    // No staging folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging") || n.contains(".old-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn a_successful_build_replaces_the_whole_site() {
    let site = two_providers();
    site.build().unwrap();
    assert!(site.output().join("providers/second/index.html").exists());
    std::fs::remove_file(site.root().join("providers/second.toml")).unwrap();
    site.build().unwrap();
    assert!(!site.output().join("providers/second").exists(), "pages of removed providers disappear");
    assert!(site.output().join(apdir::output::MARKER).exists());
}

fn refused(site: &TestSite, output: &str) -> String {
    let mut options = site.options();
    options.output = Some(site.root().join(output));
    match apdir::build(&options) {
        Err(e @ apdir::Error::Output(_)) => {
            assert_eq!(e.exit_code(), 2);
            e.to_string()
        }
        Err(e) => panic!("expected a refusal, got {e}"),
        Ok(_) => panic!("expected {output} to be refused"),
    }
}

#[test]
fn dangerous_output_folders_are_refused() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    assert!(refused(&site, ".").contains("site folder"));
    assert!(refused(&site, "..").contains("site folder"));
    assert!(refused(&site, "content/out").contains("`content`"));
    assert!(refused(&site, "providers").contains("`providers`"));
    let mut options = site.options();
    options.output = Some("/".into());
    assert!(matches!(apdir::build(&options), Err(apdir::Error::Output(_))));
    // A folder of someone else's files is never replaced.
    site.write("mine/notes.txt", "precious");
    assert!(refused(&site, "mine").contains("did not write"));
    assert_eq!(std::fs::read_to_string(site.root().join("mine/notes.txt")).unwrap(), "precious");
    // Everything is still in place.
    assert!(site.root().join("providers/test-provider.toml").exists());
    assert!(site.root().join("content/guide/_index.md").exists());
}

#[test]
fn an_empty_folder_may_be_used_for_output() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    std::fs::create_dir_all(site.root().join("site")).unwrap();
    let mut options = site.options();
    options.output = Some(site.root().join("site"));
    apdir::build(&options).unwrap();
    assert!(site.root().join("site/index.html").exists());
}

#[test]
fn check_writes_nothing() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    apdir::check(&site.options()).unwrap();
    assert!(!site.output().exists());
}

/// A site with two providers, `test-provider` and `second`.
fn two_providers() -> TestSite {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.provider("second", &VALID_PROVIDER.replace("Test Provider", "Second"));
    site
}

/// A fresh build of the site into a folder of its own, for comparison.
fn fresh_build(site: &TestSite) -> std::collections::BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let mut options = site.options();
    options.output = Some(out.path().join("site"));
    apdir::build(&options).unwrap();
    read_tree(&out.path().join("site"))
}

#[test]
fn a_rebuild_over_the_spare_site_equals_a_fresh_build() {
    let site = two_providers();
    let spare = site.root().join(".public.spare");
    site.build().unwrap();
    assert!(!spare.exists(), "a first build has no previous site to keep");
    site.build().unwrap();
    assert!(spare.join("providers/second/index.html").is_file(), "the replaced site is kept as the spare");

    // The next build rewrites the spare: remove a provider, add a guide page, and put
    // things in the spare's way that a stale or tampered folder could hold.
    std::fs::remove_file(site.root().join("providers/second.toml")).unwrap();
    site.write("content/guide/new.md", "+++\ntitle = \"New page\"\nsummary = \"x\"\n+++\nA new page.\n");
    std::fs::write(spare.join("stale.html"), "old").unwrap();
    // A file where a folder must go, and a folder where a file must go.
    std::fs::remove_dir_all(spare.join("guide")).unwrap();
    std::fs::write(spare.join("guide"), "not a folder").unwrap();
    std::fs::remove_file(spare.join("providers/test-provider/index.html")).unwrap();
    std::fs::create_dir_all(spare.join("providers/test-provider/index.html/inner")).unwrap();
    // A link where a file goes must not be written through.
    let victim = site.root().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::fs::remove_file(spare.join("404.html")).unwrap();
    std::os::unix::fs::symlink(&victim, spare.join("404.html")).unwrap();
    // A file with another hard link (a deploy snapshot, say) keeps its bytes under that name.
    let snapshot = site.root().join("snapshot-index.html");
    std::fs::write(spare.join("index.html"), "snapshot bytes").unwrap();
    std::fs::hard_link(spare.join("index.html"), &snapshot).unwrap();

    let before_prev = read_tree(&site.output());
    site.build().unwrap();
    assert_eq!(read_tree(&site.output()), fresh_build(&site), "a rebuild over the spare equals a fresh build");
    assert!(!site.output().join("providers/second").exists(), "pages of removed providers disappear");
    assert!(!site.output().join("stale.html").exists(), "stale files are pruned");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me", "a link in the spare is replaced, not followed");
    assert_eq!(std::fs::read_to_string(&snapshot).unwrap(), "snapshot bytes", "hard links keep their bytes");
    assert!(!std::fs::symlink_metadata(site.output().join("404.html")).unwrap().file_type().is_symlink());
    // The site it replaced is the new spare, whole.
    assert_eq!(read_tree(&spare), before_prev);
}

#[test]
fn unchanged_files_keep_their_timestamps_and_changed_ones_are_rewritten() {
    let site = two_providers();
    site.build().unwrap();
    site.build().unwrap();
    let mtime = |p: &str| std::fs::metadata(site.output().join(p)).unwrap().modified().unwrap();
    let page = "providers/second/index.html";
    let old = mtime(page);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Builds three and four rewrite the spares of builds one and two: same bytes, so the
    // page's file is left alone both times.
    site.build().unwrap();
    site.build().unwrap();
    assert_eq!(mtime(page), old, "an unchanged page is not rewritten");
    site.provider("second", &VALID_PROVIDER.replace("Test Provider", "Second (renamed)"));
    site.build().unwrap();
    assert!(mtime(page) > old, "a changed page is rewritten");
    assert!(std::fs::read_to_string(site.output().join(page)).unwrap().contains("Second (renamed)"));
}

#[test]
fn a_spare_without_the_marker_is_not_reused() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let spare = site.root().join(".public.spare");
    std::fs::create_dir_all(&spare).unwrap();
    std::fs::write(spare.join("precious.txt"), "not apdir's").unwrap();
    site.build().unwrap();
    site.build().unwrap();
    site.build().unwrap();
    assert_eq!(std::fs::read_to_string(spare.join("precious.txt")).unwrap(), "not apdir's");
    assert!(!site.output().join("precious.txt").exists());
}
