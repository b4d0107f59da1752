//! Property tests: slugs and output paths, postcode normalisation, the output sinks, and the
//! disclosure control of published counts (small-count and secondary suppression).

use std::collections::HashSet;

use apdir::analyse::suppress::{self, Shown, Sum, Suppression};
use apdir::analyse::{AP_PLACEMENTS, AreaGaps, COUNT_LAYOUT, DEMAND_TOTAL, GapReport};
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
    std::fs::write(
        root.join("apdir.toml"),
        format!(
            "title = \"T\"\nbase_url = \"https://t.example\"\nauthority = \"T\"\nthemes_dir = {:?}\npostcodes = {:?}\nboundaries = {:?}\n",
            concat!(env!("CARGO_MANIFEST_DIR"), "/themes"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/postcodes.csv"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/areas/districts.geojson"),
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("content/guide")).unwrap();
    for name in ["Day 6.md", "day-6.md"] {
        std::fs::write(root.join("content/guide").join(name), "+++\ntitle = \"Day 6\"\nsummary = \"x\"\n+++\nText.\n").unwrap();
    }
    let options = apdir::BuildOptions { no_cache: false, root: root.to_path_buf(), output: None, load: Default::default() };
    match apdir::check(&options) {
        Err(apdir::Error::Content(d)) => assert!(!d.with_code("duplicate-url").is_empty(), "{}", d.render(false)),
        other => panic!("expected a duplicate-url error, got {:?}", other.map(|w| w.render(false))),
    }
    let seen: HashSet<String> = ["Day 6", "day-6", "DAY  6"].iter().map(|s| slugify(s)).collect();
    assert_eq!(seen.len(), 1);
}

// ---- Suppression ----------------------------------------------------------------------------

/// A count as small tables really hold them: many zeros, many counts at or under a threshold.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => Just(0u64), 4 => 1u64..=6, 2 => 7u64..=30, 1 => 31u64..=500]
}

/// A rows × columns table laid out as the public tables are: each row followed by its total,
/// then a row of column totals ending with the grand total. Returns the cells and the sums
/// published with them.
fn grid(counts: &[Vec<u64>]) -> (Vec<Shown>, Vec<Sum>) {
    let rows = counts.len();
    let cols = counts[0].len();
    let w = cols + 1;
    let at = |r: usize, c: usize| r * w + c;
    let mut cells = vec![Shown::Value(0); (rows + 1) * w];
    for (r, row) in counts.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            cells[at(r, c)] = Shown::Value(v);
            if let Shown::Value(t) = &mut cells[at(r, cols)] {
                *t += v
            }
            if let Shown::Value(t) = &mut cells[at(rows, c)] {
                *t += v
            }
            if let Shown::Value(t) = &mut cells[at(rows, cols)] {
                *t += v
            }
        }
    }
    let mut sums = Vec::new();
    for r in 0..=rows {
        sums.push(Sum { members: (0..cols).map(|c| at(r, c)).collect(), total: at(r, cols) });
    }
    for c in 0..=cols {
        sums.push(Sum { members: (0..rows).map(|r| at(r, c)).collect(), total: at(rows, c) });
    }
    (cells, sums)
}

/// (c): no published total has exactly one hidden member left unknown, which subtraction
/// would give away. (A `Missing` member is no secret: nobody knows it.)
fn no_total_gives_a_count_away(out: &[Shown], sums: &[Sum]) -> Result<(), TestCaseError> {
    for s in sums {
        if !out[s.total].is_shown() {
            continue;
        }
        let unknown: Vec<usize> = s.members.iter().copied().filter(|&m| !out[m].is_shown()).collect();
        prop_assert!(
            !(unknown.len() == 1 && out[unknown[0]] == Shown::Hidden),
            "published total {:?} at {} with one hidden member {} recovers it: {:?}",
            out[s.total],
            s.total,
            unknown[0],
            out
        );
    }
    Ok(())
}

/// (a) and (b), and nothing published is altered: every count is its raw value, `c`, or `x`
/// where it was missing.
fn primary_holds(raw: &[Shown], out: &[Shown], threshold: u64, totals: &[usize]) -> Result<(), TestCaseError> {
    prop_assert_eq!(raw.len(), out.len());
    for (i, (&r, &o)) in raw.iter().zip(out).enumerate() {
        match r {
            Shown::Value(0) if totals.contains(&i) => prop_assert!(o == Shown::Value(0) || o == Shown::Hidden),
            Shown::Value(0) => prop_assert_eq!(o, Shown::Value(0), "true zero at {} must stay 0", i),
            Shown::Value(v) if v <= threshold => prop_assert_eq!(o, Shown::Hidden, "count {} at {} must be hidden", v, i),
            Shown::Value(v) => prop_assert!(o == Shown::Value(v) || o == Shown::Hidden, "{} published as {:?}", v, o),
            Shown::Hidden => prop_assert_eq!(o, Shown::Hidden, "a count hidden upstream stays hidden"),
            Shown::Missing => prop_assert_eq!(o, Shown::Missing),
        }
    }
    Ok(())
}

fn upstream(c: Option<u64>) -> String {
    match c {
        Some(u64::MAX) => "\"c\"".into(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// An area's figures file (`areas/<code>.toml`), with some counts absent and some hidden
/// upstream (`"c"`, drawn as `u64::MAX`).
fn area_figures(code: &str, pupils: u64, counts: &[Option<u64>]) -> apdir::model::area::AreaFigures {
    let keys =
        ["permanent_exclusions", "la_arranged_ap", "school_arranged_ap", "section19_health", "home_tuition", "part_time_timetables", "suspensions"];
    let mut t = format!("code = \"{code}\"\nname = \"Area {code}\"\nperiod = \"2024/25\"\n[pupils]\ntotal_5_16 = {pupils}\n[demand]\n");
    for (k, c) in keys.iter().zip(counts) {
        if c.is_some() {
            t.push_str(&format!("{k} = {}\n", upstream(*c)));
        }
    }
    for (section, names, from) in
        [("by_key_stage", &["ks1", "ks2", "ks3", "ks4"][..], 7), ("by_tier", &["tier1", "tier2", "tier3"][..], 11), ("by_need", &["medical"][..], 14)]
    {
        t.push_str(&format!("[demand.{section}]\n"));
        for (i, n) in names.iter().enumerate() {
            if let Some(c) = counts[from + i] {
                t.push_str(&format!("{n} = {}\n", upstream(Some(c))));
            }
        }
    }
    toml::from_str(&t).unwrap_or_else(|e| panic!("{e}\n{t}"))
}

fn area(i: usize, figures: Option<apdir::model::area::AreaFigures>, places: f64) -> AreaGaps {
    AreaGaps {
        code: format!("E0700090{i}"),
        name: format!("Area {i}"),
        slug: format!("area-{i}"),
        figures,
        providers: Vec::new(),
        places,
        places_tier_ks: [[0.0; 4]; 3],
        places_cell: [[0.0; 4]; 3],
        places_ks: [0.0; 4],
        places_tier: [0.0; 3],
        places_need: Default::default(),
        supply: Default::default(),
        postcodes: 0,
        access: [[None; 4]; 3],
        places_per_1000_target: 2.0,
        max_travel_miles: 10.0,
        gaps: Vec::new(),
        compared: Vec::new(),
    }
}

fn upstream_count() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![8 => count().prop_map(Some), 1 => Just(None), 1 => Just(Some(u64::MAX))]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// A table of counts with row, column and grand totals, through the suppression the public
    /// site uses (`suppress::apply`, called by `GapReport::publish`).
    #[test]
    fn suppressed_tables_hide_small_counts_and_leak_none_through_totals(
        counts in (1usize..=5, 1usize..=5).prop_flat_map(|(r, c)| prop::collection::vec(prop::collection::vec(count(), c), r)),
        threshold in 1u64..=10,
    ) {
        let (cells, sums) = grid(&counts);
        let out = suppress::apply(&cells, &sums, Suppression::Public { threshold });
        primary_holds(&cells, &out, threshold, &[])?;
        no_total_gives_a_count_away(&out, &sums)?;
        prop_assert_eq!(suppress::apply(&cells, &sums, Suppression::Off), cells.clone());
    }

    /// The whole published gap report: every area's counts, the county row, and the rates.
    #[test]
    fn the_published_gap_report_hides_small_counts_totals_and_their_rates(
        areas in prop::collection::vec((prop::option::weighted(0.85, (0u64..=4000, prop::collection::vec(upstream_count(), 15))), 0.0f64..40.0), 1..=4),
        threshold in 1u64..=10,
    ) {
        let report = GapReport {
            areas: areas.iter().enumerate().map(|(i, (f, places))| area(i, f.as_ref().map(|(p, c)| area_figures(&format!("E0700090{i}"), *p, c)), *places)).collect(),
            need_keys: vec!["medical".to_string()],
            ..Default::default()
        };
        let width = COUNT_LAYOUT.len() + 1;
        let public = report.publish(Suppression::Public { threshold });
        let raw: Vec<Vec<Shown>> = report.areas.iter().map(|a| a.raw_counts(&report.need_keys)).collect();
        let mut all_out = Vec::new();
        for (a, r) in public.areas.iter().zip(&raw) {
            prop_assert_eq!(a.counts.len(), width);
            // A zero total may be hidden by secondary suppression when its breakdowns (drawn
            // independently here) do not add up to it; consistent figures never do this.
            primary_holds(r, &a.counts, threshold, &[DEMAND_TOTAL, AP_PLACEMENTS])?;
            all_out.extend(a.counts.iter().copied());
            // (d) a rate whose numerator (total demand) is hidden is hidden.
            if !a.counts[DEMAND_TOTAL].is_shown() {
                prop_assert_eq!(a.demand_per_1000, None, "demand rate published beside a hidden total: {:?}", a.counts);
                prop_assert_eq!(a.places_to_demand, None);
            }
            prop_assert_eq!(a.demand_hidden, a.counts[DEMAND_TOTAL] == Shown::Hidden);
        }
        // The county row publishes no small count either.
        for c in &public.county {
            if let Shown::Value(v) = c {
                prop_assert!(*v == 0 || *v > threshold, "county count {} published", v);
            }
        }
        all_out.extend(public.county.iter().copied());
        // (c) The totals published with the counts, as docs/areas.md describes them: within
        // each row, total demand (its components, or with LA- and school-arranged AP as one
        // figure), AP placements (its two kinds, its key stages, its tiers); down each column,
        // the areas with figures add up to the county.
        let mut sums = Vec::new();
        for i in 0..=report.areas.len() {
            let b = i * width;
            let s = |m: &[usize], t: usize| Sum { members: m.iter().map(|x| b + x).collect(), total: b + t };
            sums.push(s(&[0, 1, 2, 3, 4, 5], DEMAND_TOTAL));
            sums.push(s(&[0, AP_PLACEMENTS, 3, 4, 5], DEMAND_TOTAL));
            sums.push(s(&[1, 2], AP_PLACEMENTS));
            sums.push(s(&[9, 10, 11, 12], AP_PLACEMENTS));
            sums.push(s(&[13, 14, 15], AP_PLACEMENTS));
        }
        let county = report.areas.len() * width;
        let with_figures: Vec<usize> = (0..report.areas.len()).filter(|&i| report.areas[i].figures.is_some()).collect();
        for k in 0..width {
            sums.push(Sum { members: with_figures.iter().map(|&i| i * width + k).collect(), total: county + k });
        }
        no_total_gives_a_count_away(&all_out, &sums)?;
    }
}
