//! Issue 5: suspension and permanent-exclusion tracking per district over time, on the
//! internal profile only (`/dashboard/exclusions/`).

use std::path::{Path, PathBuf};

use apdir::site::Profile;
use apdir::{BuildOptions, Date, LoadOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build(out: &Path, profile: Profile) {
    let options = BuildOptions {
        no_cache: false,
        root: root(),
        output: Some(out.to_path_buf()),
        load: LoadOptions { today: Some(Date::parse("2026-11-25").unwrap()), base_url: None, profile },
    };
    apdir::build(&options).unwrap_or_else(|e| panic!("the sample site must build ({profile:?}): {e}"));
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The in-scope sample area files, as TOML.
fn in_scope_areas() -> Vec<toml::Table> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root().join("areas")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let t: toml::Table = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            if t.get("in_scope").and_then(|v| v.as_bool()).unwrap_or(true) {
                out.push(t);
            }
        }
    }
    out
}

/// The part of the page for one district: from its heading to the next `<h2`.
fn section<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html.find(&format!(r#"id="district-{}""#, code.to_ascii_lowercase())).unwrap_or_else(|| panic!("no section for {code}"));
    let rest = &html[start..];
    &rest[..rest[1..].find("<h2").map(|i| i + 1).unwrap_or(rest.len())]
}

/// The text of every `<td … data-measure="{measure}">…</td>` in order.
fn cells(html: &str, measure: &str) -> Vec<String> {
    let open = format!(r#"data-measure="{measure}">"#);
    html.match_indices(&open).map(|(i, _)| html[i + open.len()..].split('<').next().unwrap().to_string()).collect()
}

fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        let end = rest[i..].find("</svg>").unwrap() + i + "</svg>".len();
        out.push(&rest[i..end]);
        rest = &rest[end..];
    }
    out
}

#[test]
fn internal_build_tracks_exclusions_per_district_and_public_build_has_no_dashboard() {
    let out = tempfile::tempdir().unwrap();
    let (public, internal) = (out.path().join("public"), out.path().join("internal"));
    build(&public, Profile::Public);
    build(&internal, Profile::Internal);

    // Raw figures: never in the public build, not even the dashboard folder.
    assert!(!public.join("dashboard").exists(), "the public build must have no /dashboard/");
    let page = internal.join("dashboard/exclusions/index.html");
    assert!(page.exists(), "the internal build has /dashboard/exclusions/");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("OFFICIAL-SENSITIVE") && html.contains("noindex"));
    let dashboard = std::fs::read_to_string(internal.join("dashboard/index.html")).unwrap();
    assert!(dashboard.contains(r#"href="/dashboard/exclusions/""#), "the dashboard links to the tracker");
    assert!(html.contains(r#"href="/dashboard/""#) && html.contains("QA dashboard"), "breadcrumbs lead back to the dashboard");

    // One chart and one table per in-scope district with figures.
    let areas = in_scope_areas();
    assert_eq!(areas.len(), 12, "the sample has 12 in-scope districts with figures");
    let charts = svgs(&html);
    let charts: Vec<&&str> = charts.iter().filter(|s| s.contains("trend-chart")).collect();
    assert_eq!(charts.len(), areas.len());
    assert_eq!(html.matches("<table").count(), areas.len());
    for a in &areas {
        let code = a["code"].as_str().unwrap();
        let s = section(&html, code);
        assert!(s.contains(a["name"].as_str().unwrap()));
        assert_eq!(s.matches("trend-chart\"").count(), 1, "{code}: one chart");
        assert_eq!(s.matches("<table").count(), 1, "{code}: one table");
    }
    // Names in order.
    let mut names: Vec<&str> = areas.iter().map(|a| a["name"].as_str().unwrap()).collect();
    names.sort();
    let positions: Vec<usize> = names.iter().map(|n| html.find(&format!(">{n}</h2>")).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "districts sorted by name");

    // Every chart is well-formed SVG with an accessible name and a title.
    for svg in &charts {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("chart does not parse: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.attribute("aria-label").is_some_and(|l| !l.is_empty()));
        assert!(root.descendants().any(|n| n.has_tag_name("title")));
        assert!(!root.descendants().any(|n| n.has_tag_name("a")), "role=img charts must not hold links");
        assert!(!svg.contains("style="), "no inline style (CSP)");
        assert!(root.descendants().any(|n| n.has_tag_name("circle")) && root.descendants().any(|n| n.has_tag_name("rect")), "two marker shapes");
    }

    // The numbers in Burnley's table match its area file (history in order, then current).
    let burnley = areas.iter().find(|a| a["code"].as_str() == Some("E07000117")).unwrap();
    let mut want_pex = Vec::new();
    let mut want_sus = Vec::new();
    for h in burnley["history"].as_array().unwrap() {
        want_pex.push(thousands(h["permanent_exclusions"].as_integer().unwrap()));
        want_sus.push(thousands(h["suspensions"].as_integer().unwrap()));
    }
    want_pex.push(thousands(burnley["demand"]["permanent_exclusions"].as_integer().unwrap()));
    want_sus.push(thousands(burnley["demand"]["suspensions"].as_integer().unwrap()));
    let s = section(&html, "E07000117");
    assert_eq!(cells(s, "pex"), want_pex);
    assert_eq!(cells(s, "sus"), want_sus);
    // Rate per 1,000 for the latest period's suspensions.
    let pupils = burnley["pupils"]["total_5_16"].as_integer().unwrap() as f64;
    let sus = burnley["demand"]["suspensions"].as_integer().unwrap() as f64;
    assert!(s.contains(&format!("{:.1}", sus / pupils * 1000.0)));

    // Burnley's suspensions rose by 22.7% in the latest period: tagged and summarised.
    assert!(s.contains(r#"<strong class="tag tag--red">Rising</strong>"#));
    let summary = &html[html.find(r#"id="rising""#).unwrap()..html.find(r#"id="district-"#).unwrap()];
    assert!(summary.contains(r##"href="#district-e07000117""##), "Burnley is in the rising summary");
    assert!(summary.contains("suspensions up 22.7% (1,286 to 1,578)"));
    // Fylde's permanent exclusions rose by exactly 20% (15 to 18): that counts.
    assert!(summary.contains(r##"href="#district-e07000119""##));
    // Ribble Valley rose less than 20% in the latest period: not summarised.
    assert!(!summary.contains(r##"href="#district-e07000124""##));
}

#[test]
fn chart_leaves_gaps_for_suppressed_values() {
    let periods: Vec<String> = ["2021/22", "2022/23", "2023/24", "2024/25"].iter().map(|s| s.to_string()).collect();
    let svg = apdir::tracking::chart("Test & District", &periods, &[Some(4), None, Some(6), Some(8)], &[Some(100), Some(120), Some(130), None]);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let paths: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("path")).filter_map(|n| n.attribute("d")).collect();
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].matches('M').count(), 2, "the exclusions line breaks at the gap: {}", paths[0]);
    assert_eq!(paths[1].matches('M').count(), 1);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("text") && n.text() == Some("c")).count(), 2, "a `c` marks each gap");
    assert!(doc.root_element().attribute("aria-label").unwrap().contains("Test & District"));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn each_period_has_its_rates_per_its_own_pupils_or_says_it_borrows_the_latest() {
    // The hand-made gaps fixture's Alpha (2,000 pupils in 2024/25), given two earlier periods:
    // one with its own pupil numbers and one without.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("tests/fixtures/gaps"), dir.path());
    let alpha = dir.path().join("areas/E07000901.toml");
    let text = std::fs::read_to_string(&alpha).unwrap().replace(
        "[[history]]\nperiod = \"2023/24\"",
        "[[history]]\nperiod = \"2022/23\"\npermanent_exclusions = 5\nsuspensions = 30\npupils_5_16 = 2500\n\n[[history]]\nperiod = \"2023/24\"",
    );
    assert!(text.contains("pupils_5_16 = 2500"), "the fixture still has Alpha's 2023/24 history");
    std::fs::write(&alpha, text).unwrap();
    let config = dir.path().join("apdir.toml");
    let themes = format!("themes_dir = {:?}", root().join("themes").to_string_lossy());
    let text = std::fs::read_to_string(&config).unwrap().replace("themes_dir = \"../../../themes\"", &themes);
    assert!(text.contains(&themes));
    std::fs::write(&config, text).unwrap();
    let options = LoadOptions { today: Some(Date::parse("2026-11-25").unwrap()), base_url: None, profile: Profile::Internal };
    let site = apdir::Site::load(dir.path(), &options).unwrap_or_else(|d| panic!("{}", d.render(false)));
    let districts = apdir::tracking::districts(&site);
    let alpha = districts.iter().find(|d| d.code == "E07000901").unwrap();
    let rows: Vec<(&str, &str, bool, &str, &str)> =
        alpha.rows.iter().map(|r| (r.period.as_str(), r.pupils.as_str(), r.pupils_from_latest, r.pex.rate.as_str(), r.sus.rate.as_str())).collect();
    assert_eq!(
        rows,
        [
            // 5 and 30 per 2,500 pupils.
            ("2022/23", "2,500", false, "2.0", "12.0"),
            // No pupil numbers of its own: 2 and 35 per the latest period's 2,000, flagged.
            ("2023/24", "2,000", true, "1.0", "17.5"),
            // 3 and 40 per 2,000.
            ("2024/25", "2,000", false, "1.5", "20.0"),
        ]
    );
    assert!(alpha.pupils_from_latest);

    // The page shows each period's pupils and explains the borrowed ones.
    let out = tempfile::tempdir().unwrap();
    let build = BuildOptions { no_cache: true, root: dir.path().to_path_buf(), output: Some(out.path().join("site")), load: options };
    match apdir::build(&build) {
        Err(apdir::Error::Content(d)) => panic!("{}", d.render(false)),
        other => {
            other.unwrap();
        }
    }
    let html = std::fs::read_to_string(out.path().join("site/dashboard/exclusions/index.html")).unwrap();
    let s = section(&html, "E07000901");
    assert_eq!(cells(s, "pupils"), ["2,500", "2,000 (latest period’s)", "2,000"]);
    assert!(s.contains("so its rates use the latest period’s"));
}
