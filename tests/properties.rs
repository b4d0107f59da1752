//! Property tests: slugs and output paths, postcode normalisation, and the output sinks.
//! (Suppression of small counts arrives with gap analysis; its properties belong there.)

use std::collections::HashSet;

use apdir::geo::{normalise_outcode, normalise_postcode};
use apdir::markdown::url_for_content_path;
use apdir::model::slug::{is_slug, slugify};
use apdir::output::{Memory, Sink};
use apdir::render::{Body, OutputFile};
use proptest::prelude::*;

fn slug_shaped(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn slugs_are_safe_stable_and_idempotent(s in any::<String>()) {
        let slug = slugify(&s);
        prop_assert!(slug_shaped(&slug), "{:?} → {:?}", s, slug);
        prop_assert!(slug != "." && slug != "..");
        prop_assert_eq!(slugify(&s), slug.clone(), "same input, same slug (stable across builds)");
        prop_assert_eq!(slugify(&slug), slug.clone());
        prop_assert!(is_slug(&slug));
    }

    #[test]
    fn names_that_differ_only_in_case_spacing_and_punctuation_share_a_slug(words in prop::collection::vec("[a-z0-9]{1,8}", 1..6)) {
        let plain = words.join(" ");
        let shouted = words.iter().map(|w| w.to_uppercase()).collect::<Vec<_>>().join("  --  ");
        prop_assert_eq!(slugify(&plain), slugify(&shouted));
        prop_assert_eq!(slugify(&plain), words.join("-"));
    }

    #[test]
    fn content_paths_become_safe_site_addresses(parts in prop::collection::vec(any::<String>(), 1..5)) {
        let rel = format!("{}.md", parts.join("/"));
        let url = url_for_content_path(&rel);
        prop_assert!(url.starts_with('/') && url.ends_with('/'), "{:?} → {:?}", rel, url);
        prop_assert!(!url.contains("//"), "{:?} → {:?}", rel, url);
        for seg in url.trim_matches('/').split('/').filter(|s| !s.is_empty()) {
            prop_assert!(slug_shaped(seg), "{:?} → {:?}", rel, url);
        }
        prop_assert_eq!(url_for_content_path(&rel), url.clone());
    }

    #[test]
    fn the_output_never_leaves_its_folder(path in "[a-z./\\\\]{0,12}|/[a-z]{1,5}|\\.\\./[a-z]{1,5}|[a-z]{1,4}/\\.\\./\\.\\./[a-z]{1,4}") {
        let memory = Memory::default();
        let accepted = memory.put(OutputFile { path: path.clone(), body: Body::Bytes(Vec::new()) }).is_ok();
        let escapes = path.is_empty()
            || path.starts_with('/')
            || path.split('/').any(|c| c == "..");
        if escapes {
            prop_assert!(!accepted, "{:?} must be refused", path);
        }
        if accepted {
            let stored: Vec<String> = memory.into_files().into_keys().collect();
            prop_assert_eq!(stored, vec![path.clone()]);
        }
    }

    #[test]
    fn typed_postcodes_normalise_to_one_form(
        area in "[A-Z]{1,2}",
        district in "[0-9]{1,2}",
        sector in "[0-9]",
        unit in "[A-Z]{2}",
        spaces in prop::collection::vec(0usize..3, 8),
        lower in prop::collection::vec(any::<bool>(), 8),
    ) {
        let canonical = format!("{area}{district} {sector}{unit}");
        let compact: Vec<char> = format!("{area}{district}{sector}{unit}").chars().collect();
        let mut typed = String::new();
        for (i, c) in compact.iter().enumerate() {
            typed.push_str(&" ".repeat(spaces[i % spaces.len()]));
            typed.push(if lower[i % lower.len()] { c.to_ascii_lowercase() } else { *c });
        }
        prop_assert_eq!(normalise_postcode(&typed), Some(canonical.clone()), "{:?}", typed);
        prop_assert_eq!(normalise_postcode(&canonical), Some(canonical.clone()));
        prop_assert_eq!(normalise_outcode(&format!("{area}{district}").to_lowercase()), Some(format!("{area}{district}")));
    }

    #[test]
    fn postcode_normalisation_is_idempotent_on_anything(s in any::<String>()) {
        if let Some(p) = normalise_postcode(&s) {
            prop_assert_eq!(normalise_postcode(&p), Some(p.clone()));
            prop_assert!(p.len() <= 8 && p.matches(' ').count() == 1, "{:?}", p);
        }
        if let Some(o) = normalise_outcode(&s) {
            prop_assert_eq!(normalise_outcode(&o), Some(o.clone()));
        }
    }
}

#[test]
fn distinct_pages_with_one_address_are_an_error_not_an_overwrite() {
    // Two files whose names slug alike would be published at one address: the build must
    // say so instead of letting one page silently replace the other.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("apdir.toml"), format!(
        "title = \"T\"\nbase_url = \"https://t.example\"\nauthority = \"T\"\nthemes_dir = {:?}\npostcodes = {:?}\nboundaries = {:?}\n",
        concat!(env!("CARGO_MANIFEST_DIR"), "/themes"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/postcodes.csv"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/areas/districts.geojson"),
    )).unwrap();
    std::fs::create_dir_all(root.join("content/guide")).unwrap();
    for name in ["Day 6.md", "day-6.md"] {
        std::fs::write(root.join("content/guide").join(name), "+++\ntitle = \"Day 6\"\nsummary = \"x\"\n+++\nText.\n").unwrap();
    }
    let options = apdir::BuildOptions { root: root.to_path_buf(), output: None, load: Default::default() };
    match apdir::check(&options) {
        Err(apdir::Error::Content(d)) => assert!(!d.with_code("duplicate-url").is_empty(), "{}", d.render(false)),
        other => panic!("expected a duplicate-url error, got {:?}", other.map(|w| w.render(false))),
    }
    let seen: HashSet<String> = ["Day 6", "day-6", "DAY  6"].iter().map(|s| slugify(s)).collect();
    assert_eq!(seen.len(), 1);
}
