//! The build cache (`.apdir/cache/`: each provider's exports, and the search files): a build
//! that reuses it publishes exactly what a build made afresh would, whatever changed in
//! between, and a damaged cache is only a slower build.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use apdir::cache::CacheReport;
use common::*;

fn two_providers() -> TestSite {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.provider("second", &VALID_PROVIDER.replace("Test Provider", "Second"));
    site
}

fn pack(site: &TestSite) -> PathBuf {
    site.root().join(".apdir/cache/exports.pack")
}

/// How many providers' exports the pack's index lists.
fn cache_entries(site: &TestSite) -> usize {
    apdir::cache::pack_entries(&pack(site)).unwrap_or(0)
}

/// The site built afresh, without the cache, from a copy of its inputs (so that nothing it
/// saves, such as the search index, touches the site's own `.apdir/`).
fn fresh(site: &TestSite) -> BTreeMap<String, Vec<u8>> {
    let copy = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(site.root()).into_iter().filter_map(Result::ok) {
        let rel = e.path().strip_prefix(site.root()).unwrap();
        if rel.starts_with(".apdir") || rel.starts_with("public") || rel.starts_with(".public.spare") {
            continue;
        }
        if e.file_type().is_dir() {
            std::fs::create_dir_all(copy.path().join(rel)).unwrap();
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), copy.path().join(rel)).unwrap();
        }
    }
    let mut options = site.options();
    options.root = copy.path().to_path_buf();
    options.no_cache = true;
    apdir::build(&options).unwrap();
    read_tree(&copy.path().join("public"))
}

/// The site built as `apdir build` does, with the cache.
fn cached(site: &TestSite) -> BTreeMap<String, Vec<u8>> {
    site.build().unwrap();
    read_tree(&site.output())
}

/// What `apdir search` finds, from the index the last build saved.
fn search_urls(site: &TestSite, query: &str) -> Vec<String> {
    let options = apdir::search::SearchOptions { kind: None, limit: 10, prefix: false };
    let (hits, saved) = apdir::search(&site.options(), query, &options).unwrap();
    assert!(saved, "the build saved its index");
    hits.into_iter().map(|h| h.url).collect()
}

fn assert_same(cached: &BTreeMap<String, Vec<u8>>, fresh: &BTreeMap<String, Vec<u8>>, when: &str) {
    assert_eq!(cached.keys().collect::<Vec<_>>(), fresh.keys().collect::<Vec<_>>(), "{when}: the same files");
    for (path, bytes) in cached {
        assert!(bytes == &fresh[path], "{when}: {path} differs from a fresh build");
    }
}

#[test]
fn a_build_from_the_cache_equals_a_fresh_build_whatever_changed() {
    let site = two_providers();
    assert_same(&cached(&site), &fresh(&site), "first build");
    assert_eq!(cache_entries(&site), 2, "one entry per provider");
    let again = cached(&site);
    let index_key = site.root().join(".apdir/index/apdir-cache-key");
    let before = std::fs::metadata(&index_key).unwrap().modified().unwrap();
    let report = site.build().unwrap();
    assert_eq!(report.cache, Some(CacheReport { exports_reused: 2, exports_made: 0, search_reused: true }), "nothing changed: everything reused");
    assert_same(&read_tree(&site.output()), &again, "nothing changed");
    assert_eq!(std::fs::metadata(&index_key).unwrap().modified().unwrap(), before, "the search index was not saved again");
    assert_same(&cached(&site), &fresh(&site), "nothing changed");

    // A record changes: only its exports are made again.
    site.provider("second", &VALID_PROVIDER.replace("Test Provider", "Renamed Second").replace("places = 10", "places = 12"));
    let report = site.build().unwrap();
    assert_eq!(report.cache, Some(CacheReport { exports_reused: 1, exports_made: 1, search_reused: false }));
    let built = cached(&site);
    assert_same(&built, &fresh(&site), "a record changed");
    assert!(page(&built, "data/providers.json").contains("Renamed Second"));

    // The site's address changes: every record's link does.
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &config.replace("https://test.example", "https://moved.example"));
    let built = cached(&site);
    assert_same(&built, &fresh(&site), "the base address changed");
    assert!(page(&built, "data/providers.json").contains("https://moved.example/providers/second/"));

    // Per-record and per-location ORUK files are turned on, then off: they come and go with
    // the settings.
    let own = |built: &BTreeMap<String, Vec<u8>>, folder: &str| {
        built.keys().filter(|p| p.starts_with(&format!("api/v3/{folder}/")) && !p.ends_with("/index.json")).count()
    };
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &format!("{config}\n[exports]\noruk = true\noruk_extras = true\n"));
    let built = cached(&site);
    assert_same(&built, &fresh(&site), "oruk_extras turned on");
    assert_eq!(own(&built, "locations"), 2, "one file per site");
    assert_eq!(own(&built, "services"), 0, "no service files without oruk_records");
    site.write("apdir.toml", &format!("{config}\n[exports]\noruk = true\noruk_records = true\n"));
    let built = cached(&site);
    assert_same(&built, &fresh(&site), "oruk_records turned on");
    assert_eq!((own(&built, "services"), own(&built, "service_at_locations"), own(&built, "locations")), (2, 2, 0));
    site.write("apdir.toml", &config);
    let built = cached(&site);
    assert_same(&built, &fresh(&site), "the ORUK settings turned off");
    assert_eq!((own(&built, "services"), own(&built, "service_at_locations"), own(&built, "locations")), (0, 0, 0));

    // A district is renamed in the boundary file: every site in it says so.
    let boundaries = std::fs::read_to_string(site.root().join("areas/districts.geojson")).unwrap();
    assert!(boundaries.contains("\"Preston\""));
    site.write("areas/districts.geojson", &boundaries.replace("\"Preston\"", "\"Preston City\""));
    let built = cached(&site);
    assert_same(&built, &fresh(&site), "a district was renamed");
    assert!(page(&built, "data/providers.json").contains("Preston City"));

    // A guide page changes: the search is made afresh, and `apdir search` finds the new word.
    site.write("content/guide/_index.md", "+++\ntitle = \"Guide\"\nsummary = \"The guide.\"\n+++\n\n## Start\n\nHello zanzibarian readers.\n");
    assert_same(&cached(&site), &fresh(&site), "a guide page changed");
    assert_eq!(search_urls(&site, "zanzibarian"), vec!["/guide/".to_string()]);

    // The saved index is gone: the search cache is not used, and the index is saved again.
    std::fs::remove_dir_all(site.root().join(".apdir/index")).unwrap();
    assert_same(&cached(&site), &fresh(&site), "the saved index was removed");
    assert_eq!(search_urls(&site, "zanzibarian"), vec!["/guide/".to_string()], "from the saved index");

    // A provider is removed: so is its entry.
    std::fs::remove_file(site.root().join("providers/test-provider.toml")).unwrap();
    assert_same(&cached(&site), &fresh(&site), "a provider was removed");
    assert_eq!(cache_entries(&site), 1, "the removed provider's entry is gone");
}

#[test]
fn a_damaged_cache_is_a_miss_never_wrong_output() {
    let site = two_providers();
    let expected = cached(&site);
    assert_eq!(cache_entries(&site), 2);
    let whole = std::fs::read(pack(&site)).unwrap();

    // A byte changed deep inside one provider's entry (in its record's bytes): that provider
    // is made afresh, the other reused.
    let at = whole.windows(6).position(|w| w == b"Second").expect("the second provider's record");
    let mut flipped = whole.clone();
    flipped[at] ^= 0x20;
    std::fs::write(pack(&site), &flipped).unwrap();
    let report = site.build().unwrap();
    assert_eq!(report.cache.map(|c| (c.exports_reused, c.exports_made)), Some((1, 1)), "only the damaged entry is made again");
    assert_same(&read_tree(&site.output()), &expected, "after a changed byte");

    // The pack cut short: every entry is made afresh, and the pack is whole again.
    std::fs::write(pack(&site), &whole[..whole.len() / 2]).unwrap();
    let report = site.build().unwrap();
    assert_eq!(report.cache.map(|c| c.exports_made), Some(2));
    assert_same(&read_tree(&site.output()), &expected, "after a cut");
    assert_eq!(cache_entries(&site), 2);

    // Garbage beside it, and the pack replaced by a link, are never followed.
    std::fs::write(site.root().join(".apdir/cache/notes.txt"), "not an entry").unwrap();
    let target = site.root().join("elsewhere.bin");
    std::fs::write(&target, "outside the cache").unwrap();
    std::fs::remove_file(pack(&site)).unwrap();
    std::os::unix::fs::symlink(&target, pack(&site)).unwrap();
    assert_same(&cached(&site), &expected, "after a link");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "outside the cache", "the link's target is untouched");
    assert_eq!(cache_entries(&site), 2, "a pack took the link's place");
}

#[test]
fn the_cache_of_an_earlier_version_is_removed() {
    let site = two_providers();
    let legacy = site.root().join(".apdir/cache/exports");
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::write(legacy.join("0123.bin"), "an entry of apdir 0.1").unwrap();
    assert_same(&cached(&site), &fresh(&site), "with a legacy cache");
    assert!(!legacy.exists(), "one file per provider is no longer kept");
    assert_eq!(cache_entries(&site), 2);
}

#[test]
fn only_build_writes_the_cache() {
    let site = two_providers();
    let mut options = site.options();
    options.no_cache = true;
    assert_eq!(apdir::build(&options).unwrap().cache, None);
    apdir::check(&site.options()).unwrap();
    let exported = site.root().join("exported");
    apdir::export(&site.options(), apdir::export::Format::ALL, &exported).unwrap();
    assert!(!site.root().join(".apdir/cache").exists(), "--no-cache, check and export leave no cache");
    site.build().unwrap();
    assert_eq!(cache_entries(&site), 2);
}

#[test]
fn the_search_index_is_put_in_place_only_when_the_site_is_published() {
    let site = two_providers();
    site.write("content/guide/_index.md", "+++\ntitle = \"Guide\"\nsummary = \"The guide.\"\n+++\n\nHello zanzibarian readers.\n");
    site.build().unwrap();
    assert_eq!(search_urls(&site, "zanzibarian"), vec!["/guide/".to_string()]);

    // The next build indexes new text, then fails while writing pages: the index of the
    // published site stays, and the one staged beside it is removed.
    site.write("content/guide/_index.md", "+++\ntitle = \"Guide\"\nsummary = \"The guide.\"\n+++\n\nHello quixotical readers.\n");
    site.write("templates/provider.html", "{% extends \"base.html\" %}\n{% block content %}{{ no_such_value.field }}{% endblock %}");
    assert!(site.build().is_err(), "a template error fails the build");
    assert_eq!(search_urls(&site, "zanzibarian"), vec!["/guide/".to_string()], "the published site's index");
    assert!(search_urls(&site, "quixotical").is_empty());
    let left: Vec<String> =
        std::fs::read_dir(site.root().join(".apdir")).unwrap().filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|n| !n.starts_with(".index.")), "nothing staged is left behind: {left:?}");

    // Once the build succeeds, the new index is in place.
    std::fs::remove_file(site.root().join("templates/provider.html")).unwrap();
    site.build().unwrap();
    assert_eq!(search_urls(&site, "quixotical"), vec!["/guide/".to_string()]);
}

#[test]
fn an_index_left_by_a_killed_build_is_removed() {
    let site = two_providers();
    // What a build killed while staging its index leaves (no process has this id).
    let abandoned = site.root().join(".apdir/.index.new-999999999-0");
    std::fs::create_dir_all(&abandoned).unwrap();
    std::fs::write(abandoned.join("apdir.json"), "{}").unwrap();
    let unrelated = site.root().join(".apdir/.index-notes");
    std::fs::create_dir_all(&unrelated).unwrap();
    site.build().unwrap();
    assert!(!abandoned.exists(), "the abandoned index is removed");
    assert!(unrelated.exists(), "other folders are left alone");
    assert_eq!(search_urls(&site, "second"), vec!["/providers/second/".to_string()], "the new index is in place");
}
