//! Commissioning over time (docs/history.md): a past period's snapshot on the gap fixture
//! (tests/fixtures/gaps), worked out by hand; the same gap rules per period; the closing and
//! widening in words; the internal pages; and snapshots checked like records.

use std::path::{Path, PathBuf};

use apdir::analyse::{DEMAND_TOTAL, Shown, Suppression};
use apdir::history::{self, change::differences};
use apdir::{BuildOptions, Date, Error, LoadOptions, Profile, Site};

use crate::common::{copy_dir, located};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gaps")
}

fn options(profile: Profile) -> LoadOptions {
    LoadOptions { today: Date::parse("2026-11-25"), profile, ..Default::default() }
}

/// The gap fixture in a temporary folder (its theme found from there), with `files` added.
pub fn fixture_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let config = tmp.path().join("apdir.toml");
    let themes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes");
    let c = std::fs::read_to_string(&config).unwrap().replace("\"../../../themes\"", &format!("{:?}", themes.display().to_string()));
    std::fs::write(&config, c).unwrap();
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    tmp
}

pub fn load(root: &Path) -> Site {
    match Site::load(root, &options(Profile::Public)) {
        Ok(s) => s,
        Err(d) => panic!("fixture does not load:\n{}", d.render(false)),
    }
}

pub fn build(root: &Path, out: &Path, profile: Profile) -> Result<apdir::BuildReport, Error> {
    apdir::build(&BuildOptions { no_cache: true, root: root.into(), output: Some(out.into()), load: options(profile) })
}

/// 2023/24 by hand: Alpha Hub had 4 places (half counted in Alpha, half in Beta), tier 2 for
/// KS3 and KS4, and no demand was recorded for Alpha; Beta had 12 places and recorded its
/// demand: 0 + 4 + 2 + 1 + 1 + 2 = 10 pupils.
const SNAPSHOT_2023: &str = r#"period = "2023/24"
taken = 2024-08-31

[[area]]
code = "E07000901"
name = "Alpha"
places = 2.0
places_tier = [0.0, 2.0, 0.0]
places_ks = [0.0, 0.0, 2.0, 2.0]
places_offered = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 0.0, 0.0]]
places_cell = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]
postcodes = 4
access = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0]]

[[area.provider]]
id = "alpha-hub"
places = 4
share = 2.0
tiers = [2]
key_stages = ["KS3", "KS4"]

[[area]]
code = "E07000902"
name = "Beta"
places = 12.0
places_tier = [12.0, 0.0, 0.0]
places_ks = [0.0, 12.0, 0.0, 0.0]
places_offered = [[0.0, 12.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
places_cell = [[0.0, 12.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
postcodes = 2
access = [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
pupils = { total_5_16 = 1000 }
demand = { permanent_exclusions = 0, la_arranged_ap = 4, school_arranged_ap = 2, section19_health = 1, home_tuition = 1, part_time_timetables = 2 }

[[area.provider]]
id = "beta-primary"
places = 12
share = 12.0
tiers = [1]
key_stages = ["KS2"]
"#;

fn texts(r: &apdir::analyse::GapReport, area: usize) -> Vec<String> {
    r.areas[area].gaps.iter().map(|g| g.text.clone()).collect()
}

#[test]
fn a_past_period_is_judged_by_the_same_gap_rules_with_its_own_supply() {
    let tmp = fixture_with(&[("history/2023-24.toml", SNAPSHOT_2023)]);
    let site = load(tmp.path());
    let (past, problems) = history::period_report(&site, "2023-24").unwrap();
    assert!(!problems.has_errors());
    assert_eq!(past.period, "2023/24");
    assert!(!past.current);
    // Alpha: 2 places for 2,000 pupils is 1.0 per 1,000; the target 6.0 wants 12: short by 10.
    let alpha = texts(&past.report, 0);
    assert!(alpha.contains(&"Alpha: 1.0 places per 1,000 pupils (target 6.0) — short by 10 places".to_string()), "{alpha:#?}");
    // Alpha recorded no demand then: the current period's stands in, and says so.
    assert_eq!(past.borrowed_demand, ["Alpha"]);
    let published = past.report.publish(Suppression::Off);
    assert_eq!(published.areas[0].period, "2023/24 (demand from 2024/25)");
    // Beta recorded its own: 10 pupils in demand, 12 places, 12 per 1,000: no gap in the totals.
    assert_eq!(published.areas[1].period, "2023/24");
    assert_eq!(published.areas[1].counts[DEMAND_TOTAL], Shown::Value(10));
    assert_eq!(published.areas[1].pupils, Some(1000));
    assert!(!texts(&past.report, 1).iter().any(|g| g.contains("per 1,000") || g.contains("pupil in demand")), "{:#?}", texts(&past.report, 1));

    // The current period comes from the records: 5 places in Alpha, 2.5 per 1,000.
    let (now, _) = history::period_report(&site, "2024/25").unwrap();
    assert!(now.current);
    assert!(texts(&now.report, 0).contains(&"Alpha: 2.5 places per 1,000 pupils (target 6.0) — short by 7 places".to_string()));

    // From one to the next, in words.
    let words: Vec<String> = differences(&past.report, &now.report).into_iter().map(|d| d.text).collect();
    assert!(words.contains(&"Alpha places per 1,000 pupils 1.0 → 2.5: gap still open, narrowing".to_string()), "{words:#?}");

    // A period nobody recorded is a usage error naming the ones there are.
    let e = history::period_report(&site, "2019/20").err().unwrap().to_string();
    assert!(e.contains("no snapshot for 2019/20") && e.contains("2023/24"), "{e}");
    assert!(history::period_report(&site, "2019/21").is_err(), "not an academic year");
}

#[test]
fn a_snapshot_taken_today_gives_back_todays_figures() {
    let tmp = fixture_with(&[]);
    let site = load(tmp.path());
    let path = history::files::write(&site, "2024-25", false).unwrap();
    assert!(path.ends_with("history/2024-25.toml"));
    assert!(history::files::write(&site, "2024/25", false).unwrap_err().to_string().contains("--force"));
    let site = load(tmp.path());
    let (snapshots, problems) = history::files::load(&site);
    assert!(!problems.has_errors(), "{}", problems.render(false));
    let s = &snapshots[0];
    // Every place traces back to a provider: Alpha Hub's 10 split between Alpha and Beta.
    let alpha = &s.areas[0];
    assert_eq!((alpha.places, alpha.providers.len()), (5.0, 1));
    assert_eq!((alpha.providers[0].id.as_str(), alpha.providers[0].share), ("alpha-hub", 5.0));
    assert!(alpha.demand.is_some(), "the area file described 2024/25: its demand is kept");
    // Read back as a past period, the report is the same as today's.
    let current = apdir::analyse::analyse(&site, None);
    let back = history::snapshot::report(&site, s, &current);
    assert!(back.borrowed_demand.is_empty());
    for (a, b) in back.report.areas.iter().zip(&current.areas) {
        assert_eq!(a.places, b.places);
        assert_eq!(a.access, b.access);
        let (ga, gb): (Vec<&str>, Vec<&str>) = (a.gaps.iter().map(|g| g.text.as_str()).collect(), b.gaps.iter().map(|g| g.text.as_str()).collect());
        assert_eq!(ga, gb);
    }
}

#[test]
fn the_internal_area_pages_chart_each_period_and_say_which_way_the_gap_moved() {
    let tmp = fixture_with(&[("history/2023-24.toml", SNAPSHOT_2023)]);
    let out = tempfile::tempdir().unwrap();
    let internal = out.path().join("internal");
    build(tmp.path(), &internal, Profile::Internal).unwrap();
    let page = std::fs::read_to_string(internal.join("areas/alpha/over-time/index.html")).unwrap();
    assert!(page.contains("<svg") && page.contains("role=\"img\""), "a chart");
    assert!(page.contains("2023/24") && page.contains("2024/25 (current)"));
    assert!(page.contains("Alpha places per 1,000 pupils 1.0 → 2.5: gap still open, narrowing"));
    assert!(page.contains("short by 10 places") && page.contains("(current period’s)"));
    let index = std::fs::read_to_string(internal.join("history/index.html")).unwrap();
    assert!(index.contains("/areas/alpha/over-time/"));
    let area = std::fs::read_to_string(internal.join("areas/alpha/index.html")).unwrap();
    assert!(area.contains("href=\"over-time/\""), "the area page links to its history");

    // The public site shows the current period only.
    let public = out.path().join("public");
    build(tmp.path(), &public, Profile::Public).unwrap();
    assert!(!public.join("history").exists() && !public.join("areas/alpha/over-time").exists());
    let area = std::fs::read_to_string(public.join("areas/alpha/index.html")).unwrap();
    assert!(!area.contains("over-time"));
}

#[test]
fn snapshots_are_checked_like_records_with_every_problem_at_its_place() {
    let bad = SNAPSHOT_2023.replace("period = \"2023/24\"", "period = \"2023/25\"").replace("code = \"E07000902\"", "code = \"E07000992\"").replacen(
        "share = 2.0",
        "share = 3.0\nplaces_note = 1",
        1,
    );
    let tmp = fixture_with(&[("history/2023-24.toml", &bad)]);
    let site = load(tmp.path());
    let (_, d) = history::files::load(&site);
    assert_eq!(located(&d, "bad-period"), "history/2023-24.toml:1:10");
    assert_eq!(located(&d, "unknown-field"), "history/2023-24.toml:19:1");
    assert_eq!(located(&d, "unknown-area"), "history/2023-24.toml:24:8");
    assert_eq!(located(&d, "shares-do-not-add-up"), "history/2023-24.toml:7:10");
    // The build stops on them, in either profile, and writes nothing.
    let out = tempfile::tempdir().unwrap();
    let Err(Error::Content(d)) = build(tmp.path(), &out.path().join("public"), Profile::Public) else { panic!("the build should fail") };
    assert!(!d.with_code("unknown-area").is_empty());
}

/// Every boundary layer is recorded (the sample's districts and wards), checked against its
/// own boundaries and read back as that layer's report for the period; the sample's older
/// snapshots, written before layers were recorded, stay valid and have no ward figures.
#[test]
fn a_snapshot_records_every_boundary_layer() {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["apdir.toml", "providers", "content", "data", "areas", "themes", "history"] {
        copy_dir(&crate::common::repo().join(d), &tmp.path().join(d));
    }
    let site = load(tmp.path());
    let current = apdir::analyse::analyse(&site, None);
    let wards = &current.layers[0];
    assert_eq!(wards.layer.key, "wards");
    let path = history::files::write(&site, "2024/25", false).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[[layer]]\nkey = \"wards\"") && text.contains("[[layer.area]]") && text.contains("[[layer.area.provider]]"), "{text}");

    let (snapshots, problems) = history::files::load(&site);
    assert!(!problems.has_errors(), "{}", problems.render(false));
    assert_eq!(snapshots.iter().map(|s| s.period.as_str()).collect::<Vec<_>>(), ["2022/23", "2023/24", "2024/25"]);
    let s = &snapshots[2];
    assert_eq!(s.layers[0].areas.len(), wards.areas.len());
    // Read back, each ward has today's places, and the gap rules find the same gaps.
    let back = history::snapshot::report(&site, s, &current).report;
    assert_eq!(back.layers[0].areas.len(), wards.areas.len());
    for (a, b) in back.layers[0].areas.iter().zip(&wards.areas) {
        assert!((a.places - b.places).abs() < 0.001, "{}: {} against {}", a.name, a.places, b.places);
        assert_eq!(a.gaps.len(), b.gaps.len(), "{}", a.name);
    }
    // An older snapshot has no ward figures: its period has the main layer only.
    assert!(snapshots[1].layers.is_empty());
    assert!(history::snapshot::report(&site, &snapshots[1], &current).report.layers.is_empty());
    // Each ward has its page over time (the ward page's link goes there), with the periods
    // that recorded wards: the new snapshot and today.
    let out = tempfile::tempdir().unwrap();
    build(tmp.path(), out.path(), Profile::Internal).unwrap();
    let ward = &wards.areas[0];
    let page = std::fs::read_to_string(out.path().join(format!("areas/wards/{}/over-time/index.html", ward.slug))).unwrap();
    assert!(page.contains(&ward.name) && page.contains("2024/25") && page.contains("(current)") && !page.contains("2023/24"), "{page}");
    assert!(page.contains(&format!("href=\"/areas/wards/{}/\"", ward.slug)), "the breadcrumb leads back to the ward");
    let ward_page = std::fs::read_to_string(out.path().join(format!("areas/wards/{}/index.html", ward.slug))).unwrap();
    assert!(ward_page.contains("href=\"over-time/\""));

    // A layer apdir.toml does not have, and a ward code not in the wards' boundaries.
    let at = text.find("[[layer]]").unwrap();
    let bad = format!("{}{}", &text[..at], text[at..].replacen("key = \"wards\"", "key = \"ward\"", 1));
    std::fs::write(&path, &bad).unwrap();
    let (_, d) = history::files::load(&site);
    let line = bad[..bad.find("key = \"ward\"").unwrap()].lines().count() + 1;
    assert_eq!(located(&d, "unknown-layer"), format!("history/2024-25.toml:{line}:7"));
    assert!(d.render(false).contains("did you mean `wards`?"));
    let code_at = at + text[at..].find("code = \"").unwrap() + 8;
    let bad = format!("{}X{}", &text[..code_at], &text[code_at + 1..]);
    std::fs::write(&path, &bad).unwrap();
    let (_, d) = history::files::load(&site);
    let line = bad[..code_at].lines().count();
    assert_eq!(located(&d, "unknown-area"), format!("history/2024-25.toml:{line}:8"));
}
