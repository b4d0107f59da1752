//! Issue 23: the AP lead's tracking. Aggregate school, panel, outcome and strategy figures in
//! `tracking/` become internal pages (early warnings, panels, outcomes, the strategy) and two
//! public pages of suppressed outcomes. Every expected figure below is worked by hand from
//! tests/fixtures/tracking/.

use std::path::{Path, PathBuf};

use apdir::config::Tracking;
use apdir::site::Profile;
use apdir::tracking::{rules, schools};
use apdir::{BuildOptions, LoadOptions};

use crate::common::*;

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/tracking")
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The sample site with the fixtures as its tracking folder.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("apdir.toml"), dir.path().join("apdir.toml")).unwrap();
    for d in ["data", "areas", "content", "themes", "providers"] {
        copy_dir(&repo().join(d), &dir.path().join(d));
    }
    copy_dir(&fixtures(), &dir.path().join("tracking"));
    dir
}

fn build(root: &Path, profile: Profile) -> (tempfile::TempDir, Result<apdir::BuildReport, apdir::Error>) {
    let out = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        no_cache: true,
        root: root.to_path_buf(),
        output: Some(out.path().join("site")),
        load: LoadOptions { today: Some(today()), base_url: None, profile },
    };
    let r = apdir::build(&options);
    (out, r)
}

fn built(root: &Path, profile: Profile) -> (tempfile::TempDir, std::collections::BTreeMap<String, Vec<u8>>) {
    let (out, r) = build(root, profile);
    r.unwrap_or_else(|e| panic!("the site must build ({profile:?}): {}", render_err(&e)));
    let files = read_tree(&out.path().join("site"));
    (out, files)
}

/// The text of every `data-measure="{m}"` cell, in order.
fn cells(html: &str, m: &str) -> Vec<String> {
    let open = format!(r#"data-measure="{m}">"#);
    html.match_indices(&open).map(|(i, _)| html[i + open.len()..].split('<').next().unwrap().to_string()).collect()
}

fn school_rows() -> Vec<schools::SchoolTerm> {
    let mut d = apdir::Diagnostics::default();
    let rows = schools::load(&fixtures().join("schools.csv"), "schools.csv", &mut d).unwrap();
    assert!(!d.has_errors(), "{}", d.render(false));
    rows
}

#[test]
fn the_early_warning_rules_list_the_right_schools_for_the_right_reasons() {
    let w = rules::warnings(&Tracking::default(), &school_rows());
    let got: Vec<(&str, Vec<&str>)> = w.iter().map(|w| (w.school.as_str(), w.reasons.iter().map(|r| r.rule).collect())).collect();
    // Bravo: 9 suspensions of 200 pupils = 4.5 per 100; North = (10 + 9) / 1,200 = 1.58 per 100:
    // 2.8 times (≥ 1.5). 9 suspensions of 3 pupils = 3.0 each (≥ 1.5). 8 → 9 is +12.5% (< 25%).
    // Alpha: 8 → 10 is +25% exactly, with 10 ≥ 5: rising. 10 of 8 pupils = 1.25 (< 1.5).
    // Charlie: 1 → 4 is +300% but 4 < 5 suspensions: not rising. Home education 1 → 3 (+2): listed.
    // Delta: 20 → 24 is +20% (< 25%); unexplained leavers 2 → 4 (+2): listed.
    assert_eq!(
        got,
        vec![
            ("Bravo School", vec!["above-district", "repeat"]),
            ("Alpha School", vec!["rising"]),
            ("Charlie School", vec!["ehe-rise"]),
            ("Delta School", vec!["leavers-rise"]),
        ]
    );
    assert_eq!(w[0].reasons[0].text, "4.5 suspensions per 100 pupils against 1.6 across North (2.8 times).");
    assert_eq!(w[1].term, "2025/26 Spring");
    // The thresholds are read from [tracking]: tighter rules list fewer schools.
    let strict = Tracking { suspension_rise_percent: 26, leavers_rise: 3, repeat_ratio: 3.1, rate_above_district: 3.0, ..Tracking::default() };
    assert!(rules::warnings(&strict, &school_rows()).is_empty());
}

#[test]
fn the_internal_site_shows_warnings_school_pages_panels_outcomes_and_the_strategy() {
    let site = site();
    let (_out, files) = built(site.path(), Profile::Internal);
    let index = page(&files, "dashboard/tracking/index.html");
    assert!(index.contains(r#"<a href="/dashboard/tracking/schools/100002/">Bravo School</a>"#));
    assert!(index.contains("9 suspensions of 3 pupils (3.0 each)."));
    assert!(page(&files, "dashboard/index.html").contains(r#"href="/dashboard/tracking/""#));

    let bravo = page(&files, "dashboard/tracking/schools/100002/index.html");
    assert_eq!(cells(&bravo, "suspensions"), ["8", "9"]);
    // Autumn: 8 / 200 = 4.0 per 100; North 16 / 1,200 = 1.3. Spring: 4.5 against 1.6.
    assert_eq!(cells(&bravo, "rate"), ["4.0", "4.5"]);
    assert_eq!(cells(&bravo, "district-rate"), ["1.3", "1.6"]);
    assert!(bravo.contains("<svg") && bravo.contains("role=\"img\""));

    let panels = page(&files, "dashboard/tracking/panels/index.html");
    // 6 of 8 by day 6 = 75%; Section 19: 1 of 3 = 33%. Decisions: 3 + 2 + 1 = 6.
    assert_eq!(cells(&panels, "pex-share"), ["75%"]);
    assert_eq!(cells(&panels, "s19-share"), ["33%"]);
    assert_eq!(cells(&panels, "decisions-total"), ["6"]);
    let summary = page(&files, "dashboard/tracking/summary/index.html");
    assert!(summary.contains("Termly summary for the panel: 2025/26 Spring") && summary.contains("Bravo School"));

    // Internal outcomes are raw: 7 of 10 leavers in education, employment or training.
    let outcomes = page(&files, "dashboard/tracking/outcomes/index.html");
    assert_eq!(cells(&outcomes, "eet"), ["7", "0"]);
    let strategy = page(&files, "dashboard/tracking/strategy/index.html");
    assert_eq!(cells(&strategy, "value"), ["8", "3", "35.0%", "40.0%"]);
    assert_eq!(cells(&strategy, "progress"), ["Target met", "Better than the baseline, target not yet met"]);
    assert!(!files.contains_key("outcomes/index.html"), "the public pages are for the public build");
}

#[test]
fn the_public_site_shows_only_suppressed_outcomes_and_no_school_figures() {
    let site = site();
    let (_out, files) = built(site.path(), Profile::Public);
    assert!(!files.keys().any(|k| k.starts_with("dashboard/")));
    let html = page(&files, "outcomes/index.html");
    // Ribbleside: 12 of 20 back (8 not: both shown, 60%). 7 of 10 leavers in EET: the 3 not
    // in EET are hidden, so the 7 is too. Survey of 15: 15 safe (0 not), 12 listened (3 not:
    // hidden, so 12 too), 10 learning (5 not): 100%, c, 67%.
    // Threshold Mentoring: 4 placed, all hidden, and its attendance with them.
    assert_eq!(cells(&html, "placed"), ["20", "c"]);
    assert_eq!(cells(&html, "returned-share"), ["60%", "c"]);
    assert_eq!(cells(&html, "eet"), ["c", "0"]);
    assert_eq!(cells(&html, "survey"), ["100% (15)", "c", "67% (10)", "c", "c", "c"]);
    assert!(html.contains("What the figures mean"));
    let strategy = page(&files, "outcomes/strategy/index.html");
    // 3 permanent exclusions is a small count; 35% has no base, so cannot be published.
    assert_eq!(cells(&strategy, "value"), ["8", "c", "c", "40.0%"]);
    assert_eq!(cells(&strategy, "progress")[0], "Not published: too few pupils");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for needle in ["Alpha School", "Bravo School", "100002", "Zeta unit", "Eta placement"] {
            assert!(!text.contains(needle), "{path} contains {needle}");
        }
    }
}

#[test]
fn a_pupil_level_column_is_refused_and_nothing_is_built() {
    let site = site();
    let path = site.path().join("tracking/schools.csv");
    let text = std::fs::read_to_string(&path).unwrap().replacen("urn,school", "urn,Date of Birth,school", 1);
    std::fs::write(&path, text).unwrap();
    for profile in [Profile::Public, Profile::Internal] {
        let (out, r) = build(site.path(), profile);
        let Err(apdir::Error::Content(d)) = r else { panic!("the build must fail") };
        assert_eq!(located(&d, "tracking-pupil-level"), "tracking/schools.csv:1:5");
        assert!(d.with_code("tracking-pupil-level")[0].message.contains("`date of birth`"));
        assert!(!out.path().join("site/index.html").exists(), "nothing is built");
    }
}

#[test]
fn bad_cells_are_reported_with_file_line_and_column_all_at_once() {
    let site = site();
    let path = site.path().join("tracking/schools.csv");
    let text = std::fs::read_to_string(&path).unwrap().replacen("1000,8,7", "1000,eight,7", 1).replacen("2025/26 Spring,200", "Spring 2026,200", 1);
    std::fs::write(&path, text).unwrap();
    std::fs::write(
        site.path().join("tracking/panels.csv"),
        "term,panel,cases,provided_in_time,provided_later,awaiting,median_days\n2025/26 Spring,pex,8,6,1,0,5\n",
    )
    .unwrap();
    let (_out, r) = build(site.path(), Profile::Internal);
    let Err(apdir::Error::Content(d)) = r else { panic!("the build must fail") };
    let at: Vec<String> = d.with_code("tracking-cell").iter().map(|d| d.location()).collect();
    // Row 2: `eight` is the 6th column, after "100001,Alpha School,North,2025/26 Autumn,1000,".
    assert!(at.contains(&"tracking/schools.csv:2:47".to_string()), "{at:?}");
    assert!(at.contains(&"tracking/schools.csv:5:27".to_string()), "{at:?}");
    assert!(at.contains(&"tracking/panels.csv:2:20".to_string()), "6 + 1 + 0 is not 8: {at:?}");
}

#[test]
fn each_provider_page_shows_its_own_outcomes_raw_inside_and_suppressed_outside() {
    let site = site();
    // Inside: the AP lead sees Ribbleside's raw figures on its own page, linked to every provider's.
    let (_out, inside) = built(site.path(), Profile::Internal);
    let ribbleside = page(&inside, "providers/ribbleside-short-stay-school/index.html");
    assert!(ribbleside.contains(r##"<a href="#outcomes">Outcomes</a>"##));
    assert_eq!(cells(&ribbleside, "placed"), ["20"]);
    assert_eq!(cells(&ribbleside, "eet"), ["7"]);
    assert!(ribbleside.contains("/dashboard/tracking/outcomes/#provider-ribbleside-short-stay-school"));
    let threshold = page(&inside, "providers/threshold-mentoring/index.html");
    assert_eq!(cells(&threshold, "placed"), ["4"]);

    // Outside: the same disclosure control as /outcomes/ (worked in the test above).
    let (_out, public) = built(site.path(), Profile::Public);
    let ribbleside = page(&public, "providers/ribbleside-short-stay-school/index.html");
    assert_eq!(cells(&ribbleside, "placed"), ["20"]);
    assert_eq!(cells(&ribbleside, "returned-share"), ["60%"]);
    assert_eq!(cells(&ribbleside, "eet"), ["c"]);
    assert_eq!(cells(&ribbleside, "survey"), ["100% (15)", "c", "67% (10)"]);
    assert!(ribbleside.contains("hidden to protect pupils"));
    let threshold = page(&public, "providers/threshold-mentoring/index.html");
    assert_eq!(cells(&threshold, "placed"), ["c"], "4 pupils is a small count");
    assert!(!threshold.contains("70.0%") && !threshold.contains("90.0%"), "no attendance for a small group");
    // A provider with no outcomes has no section.
    assert!(!page(&public, "providers/fylde-coast-tuition/index.html").contains(r#"id="outcomes""#));
}

#[test]
fn check_reads_the_tracking_folder_and_reports_every_error_at_its_line() {
    let site = site();
    let path = site.path().join("tracking/schools.csv");
    let text = std::fs::read_to_string(&path).unwrap().replacen("1000,8,7", "1000,eight,7", 1).replacen("2025/26 Spring,200", "Spring 2026,200", 1);
    std::fs::write(&path, text).unwrap();
    let outcomes = site.path().join("tracking/outcomes.csv");
    let text = std::fs::read_to_string(&outcomes).unwrap().replacen("threshold-mentoring", "threshhold-mentoring", 1);
    std::fs::write(&outcomes, text).unwrap();
    let options = BuildOptions {
        no_cache: true,
        root: site.path().to_path_buf(),
        output: None,
        load: LoadOptions { today: Some(today()), ..Default::default() },
    };
    let Err(apdir::Error::Content(d)) = apdir::check(&options) else { panic!("check must fail") };
    let at: Vec<String> = d.with_code("tracking-cell").iter().map(|d| d.location()).collect();
    assert!(at.contains(&"tracking/schools.csv:2:47".to_string()), "{at:?}");
    assert!(at.contains(&"tracking/schools.csv:5:27".to_string()), "{at:?}");
    assert!(at.contains(&"tracking/outcomes.csv:3:1".to_string()), "{at:?}");
    assert!(d.render(false).contains("did you mean `threshold-mentoring`?"));
}

#[test]
fn the_strategy_page_draws_each_measure_as_a_chart_beside_its_table() {
    let site = site();
    let (_out, inside) = built(site.path(), Profile::Internal);
    let strategy = page(&inside, "dashboard/tracking/strategy/index.html");
    assert_eq!(strategy.matches("<svg").count(), 2, "one chart a measure");
    assert!(strategy.contains(
        r#"role="img" aria-label="Chart of Fewer permanent exclusions: the baseline and each period's value against the target of 5 by 2027/28."#
    ));
    // Baseline, 2024/25 and 2025/26: three points on the line, and the table still has the values.
    let first = &strategy[strategy.find("<svg").unwrap()..strategy.find("</svg>").unwrap()];
    assert_eq!(first.matches("<circle").count(), 1 + 3, "the legend's circle and three points");
    assert_eq!(cells(&strategy, "value"), ["8", "3", "35.0%", "40.0%"]);
    // Public: a hidden value is not drawn either (3 exclusions is a small count).
    let (_out, public) = built(site.path(), Profile::Public);
    let strategy = page(&public, "outcomes/strategy/index.html");
    let first = &strategy[strategy.find("<svg").unwrap()..strategy.find("</svg>").unwrap()];
    assert_eq!(first.matches("<circle").count(), 1 + 2, "the baseline and 2024/25 only");
    assert!(!first.contains("href") && !first.contains("<script"), "no link to another host and no script");
}
