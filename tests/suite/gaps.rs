//! Gap analysis: measures checked against a fixture worked out by hand
//! (tests/fixtures/gaps), suppression, the maps, and a ward boundary set.

use std::path::{Path, PathBuf};

use apdir::analyse::{AP_PLACEMENTS, COUNT_LAYOUT, DEMAND_TOTAL, Shown, Suppression};
use apdir::model::area::Count;
use apdir::{BuildOptions, Date, Error, LoadOptions, Site};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/gaps")
}

fn options(_root: &Path) -> LoadOptions {
    LoadOptions { today: Date::parse("2026-11-25"), ..Default::default() }
}

fn load(root: &Path) -> Site {
    match Site::load(root, &options(root)) {
        Ok(s) => s,
        Err(d) => panic!("fixture does not load:\n{}", d.render(false)),
    }
}

fn col(key: &str) -> usize {
    COUNT_LAYOUT.iter().position(|(k, _)| *k == key).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn measures_match_the_hand_worked_fixture() {
    let site = load(&fixture());
    let report = &apdir::analyse::analyse(&site, None);
    // Gamma is context only: drawn, never counted.
    let names: Vec<&str> = report.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Alpha", "Beta"]);
    let (alpha, beta) = (&report.areas[0], &report.areas[1]);

    // Alpha Hub (10 places) has a site in Alpha and serves Beta: 5 places each. Beta Primary
    // Outreach (6) is in Beta only. Alpha Suspended (100) is suspended: not counted.
    assert!(close(alpha.places, 5.0), "{}", alpha.places);
    assert!(close(beta.places, 11.0), "{}", beta.places);
    assert!(close(alpha.places_per_1000().unwrap(), 2.5));
    assert!(close(beta.places_per_1000().unwrap(), 11.0 / 1200.0 * 1000.0));
    assert!(close(alpha.places_tier_ks[1][2], 5.0), "tier 2 KS3");
    assert!(close(alpha.places_tier_ks[2][2], 0.0), "the suspended provider's tier 3 places");
    assert_eq!(alpha.places_need.get("semh").copied(), Some(5.0));
    assert_eq!(beta.places_need.get("semh").copied(), Some(11.0));
    assert!(close(alpha.supply[&(2, "KS3", "semh".to_string())], 5.0));
    assert_eq!(alpha.providers.len(), 2, "both providers with a site in Alpha are listed");
    assert_eq!(beta.providers.len(), 2, "Beta: its own provider and Alpha Hub's service area");

    // Access within 3 miles. Alpha's postcodes: 0 and 1.99 miles from Alpha Hub, and two
    // 3.39 miles away; Beta Primary Outreach is 4.06 miles from the nearest.
    assert_eq!(alpha.postcodes, 4);
    assert_eq!(alpha.access[1][2], Some(0.5), "tier 2, KS3");
    assert_eq!(alpha.access[0][1], Some(0.0), "tier 1, KS2");
    assert_eq!(alpha.access[2][2], Some(0.0), "a suspended provider gives no access");
    // Beta's postcodes: 0 and 1.2 miles from Beta Primary; 4.06 and 2.84 from Alpha Hub.
    assert_eq!(beta.access[0][1], Some(1.0));
    assert_eq!(beta.access[1][2], Some(0.5));
    // Pupil-weighted over key stages: Alpha (300, 600, 600, 500) × (0, 0, .5, .5).
    assert!(close(alpha.access_to_tier(1).unwrap(), 0.275));

    let gaps: Vec<&str> = alpha.gaps.iter().map(|g| g.text.as_str()).collect();
    assert!(gaps.contains(&"Alpha: 2.5 places per 1,000 pupils against a target of 6.0"), "{gaps:#?}");
    assert!(gaps.contains(&"Alpha: no tier 1 place for KS2 within 3 miles"), "{gaps:#?}");
    assert!(!gaps.iter().any(|g| g.contains("tier 2 place for KS3")), "half the pupils are within reach");
    assert!(!beta.gaps.iter().any(|g| g.text.contains("places per 1,000")), "Beta meets its target");

    // Rates: demand = 3 + 10 + 20 + 5 + 0 + 12 = 50 in Alpha; 0 + 6 + 9 + 7 + 2 + 6 = 30 in Beta.
    let raw = report.publish(Suppression::Off);
    assert_eq!(raw.areas[0].counts[DEMAND_TOTAL], Shown::Value(50));
    assert_eq!(raw.areas[1].counts[DEMAND_TOTAL], Shown::Value(30));
    assert!(close(raw.areas[0].demand_per_1000.unwrap(), 25.0));
    assert!(close(raw.areas[0].places_to_demand.unwrap(), 0.1));
    assert_eq!(raw.areas[0].counts[col("permanent_exclusions")], Shown::Value(3), "raw figures are raw");
    assert_eq!(raw.county[DEMAND_TOTAL], Shown::Value(80));

    // History is loaded for the internal profile.
    let alpha_figures = site.area_figures.iter().find(|f| f.code == "E07000901").unwrap();
    assert_eq!(alpha_figures.history.len(), 1);
    assert_eq!(alpha_figures.history[0].permanent_exclusions, Some(Count::Value(2)));
}

#[test]
fn access_is_worked_out_again_when_the_sites_offering_a_tier_change() {
    // `apdir serve` keeps the access figures between analyses with the same inputs; a change
    // to which sites offer a tier must not be answered from memory.
    let mut site = load(&fixture());
    let memo = apdir::analyse::AccessMemo::default();
    let alpha_access = |site: &Site| apdir::analyse::analyse(site, Some(&memo)).areas[0].access[1][2];
    assert_eq!(alpha_access(&site), Some(0.5), "tier 2, KS3, from Alpha Hub");
    let hub = site.providers.iter().position(|vp| vp.provider.id == "alpha-hub").unwrap();
    site.providers[hub].provider.offer.tiers.retain(|&t| t != 2);
    assert_eq!(alpha_access(&site), Some(0.0), "Alpha Hub no longer offers tier 2");
    site.providers[hub].provider.offer.tiers.push(2);
    assert_eq!(alpha_access(&site), Some(0.5));
    // Moving its site 30 miles north puts every Alpha postcode out of reach.
    site.providers[hub].sites[0].lat += 0.45;
    assert_eq!(alpha_access(&site), Some(0.0), "Alpha Hub's site moved away");
}

#[test]
fn public_figures_are_suppressed_with_secondary_suppression() {
    let site = load(&fixture());
    let report = &apdir::analyse::analyse(&site, None);
    let public = report.publish(apdir::analyse::Suppression::public(&site));
    let (a, b) = (&public.areas[0].counts, &public.areas[1].counts);
    // Primary: 1 to 4 hidden, zeros kept.
    assert_eq!(a[col("permanent_exclusions")], Shown::Hidden);
    assert_eq!(a[col("ks2")], Shown::Hidden);
    assert_eq!(a[col("tier3")], Shown::Hidden);
    assert_eq!(b[col("home_tuition")], Shown::Hidden);
    assert_eq!(a[col("home_tuition")], Shown::Value(0));
    assert_eq!(b[col("permanent_exclusions")], Shown::Value(0));
    assert_eq!(a[col("ks1")], Shown::Value(0));
    // Secondary: the smallest other count of each total goes too.
    assert_eq!(a[col("section19_health")], Shown::Hidden, "else 50 - 10 - 20 - 0 - 12 gives 5 + PEX");
    assert_eq!(a[col("ks3")], Shown::Hidden, "else 30 - 0 - 15 gives KS2");
    assert_eq!(a[col("tier2")], Shown::Hidden, "else 30 - 20 gives tier 3");
    // Totals stay, and so does the demand rate (its numerator is published).
    assert_eq!(a[DEMAND_TOTAL], Shown::Value(50));
    assert!(public.areas[0].demand_per_1000.is_some());

    // No published total anywhere has exactly one hidden member.
    let width = public.count_keys.len();
    let mut rows: Vec<&Vec<Shown>> = public.areas.iter().map(|x| &x.counts).collect();
    rows.push(&public.county);
    let row_sums: [(&[&str], usize); 4] = [
        (&["permanent_exclusions", "la_arranged_ap", "school_arranged_ap", "section19_health", "home_tuition", "part_time_timetables"], DEMAND_TOTAL),
        (&["la_arranged_ap", "school_arranged_ap"], AP_PLACEMENTS),
        (&["ks1", "ks2", "ks3", "ks4"], AP_PLACEMENTS),
        (&["tier1", "tier2", "tier3"], AP_PLACEMENTS),
    ];
    for r in &rows {
        for (members, total) in &row_sums {
            if r[*total].value().is_some() {
                let hidden = members.iter().filter(|m| r[col(m)].value().is_none()).count();
                assert_ne!(hidden, 1, "a hidden count can be worked out from {members:?}: {r:?}");
            }
        }
    }
    for k in 0..width {
        if public.county[k].value().is_some() {
            let hidden = public.areas.iter().filter(|x| x.counts[k].value().is_none()).count();
            assert_ne!(hidden, 1, "column {} leaks", public.count_keys[k].0);
        }
    }
    // Every primary-suppressed raw count really is hidden.
    let raw = report.publish(Suppression::Off);
    for (ra, pa) in raw.areas.iter().zip(&public.areas) {
        for (r, p) in ra.counts.iter().zip(&pa.counts) {
            if let Shown::Value(v) = r
                && (1..=4).contains(v)
            {
                assert_eq!(*p, Shown::Hidden);
            }
        }
    }
}

fn build_to(root: &Path, out: &Path) -> apdir::BuildReport {
    let o = BuildOptions { no_cache: false, root: root.to_path_buf(), output: Some(out.to_path_buf()), load: options(root) };
    match apdir::build(&o) {
        Ok(r) => r,
        Err(Error::Content(d)) => panic!("build failed:\n{}", d.render(false)),
        Err(e) => panic!("build failed: {e}"),
    }
}

/// Every `<svg …>…</svg>` of a page, parsed as XML.
fn svgs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg xmlns=") {
        let end = rest[start..].find("</svg>").expect("unclosed svg") + start + 6;
        out.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    out
}

#[test]
fn the_site_has_area_pages_maps_and_downloads() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    build_to(&fixture(), &out);
    for f in ["areas/index.html", "areas/alpha/index.html", "areas/beta/index.html", "data/gaps.csv", "data/areas.geojson", "areas/locator.svg"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let index = std::fs::read_to_string(out.join("areas/index.html")).unwrap();
    let maps = svgs(&index);
    assert_eq!(maps.len(), 5, "places, demand, and access to each tier");
    for svg in &maps {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("the map is not valid XML: {e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("group"));
        let labelled_by = root.attribute("aria-labelledby").unwrap();
        assert!(index.contains(&format!("id=\"{labelled_by}\"")), "aria-labelledby points at nothing");
        let links: Vec<_> = root.descendants().filter(|n| n.has_tag_name("a")).collect();
        assert_eq!(links.len(), 3, "one shape per area, context included");
        for a in links {
            let name = a.attribute("aria-label").unwrap_or("");
            assert!(!name.is_empty(), "every area has an accessible name");
            assert!(a.attribute("href").unwrap().starts_with('/'));
            assert_eq!(a.children().filter(|c| c.has_tag_name("path")).count(), 1);
        }
        assert!(svg.len() < 20_000, "a county map stays small: {} bytes", svg.len());
    }
    // A table beside each map carries the same numbers.
    assert_eq!(index.matches("<table class=\"table\">").count(), 5);
    assert!(index.contains("Alpha: 2.5 places per 1,000 pupils (target 6.0)"));
    assert!(!index.contains("style="), "no inline styles (CSP)");

    // Downloads are suppressed like the pages.
    let csv = std::fs::read_to_string(out.join("data/gaps.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let alpha: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let pex = header.iter().position(|h| *h == "permanent_exclusions").unwrap();
    assert_eq!(alpha[pex], "c");
    let geo: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("data/areas.geojson")).unwrap()).unwrap();
    let feats = geo["features"].as_array().unwrap();
    assert_eq!(feats.len(), 3);
    let a = feats.iter().find(|f| f["properties"]["code"] == "E07000901").unwrap();
    assert_eq!(a["properties"]["measures"]["counts"]["permanent_exclusions"], "c");
    assert_eq!(a["properties"]["measures"]["counts"]["home_tuition"], 0);

    // The area page: its map marks Alpha Hub's site, lists the providers serving it.
    let page = std::fs::read_to_string(out.join("areas/alpha/index.html")).unwrap();
    for svg in svgs(&page) {
        roxmltree::Document::parse(&svg).unwrap();
    }
    assert!(page.contains("aria-label=\"Alpha Hub, Main site\""));
    assert!(page.contains("/providers/alpha-hub/"));
    // Provider pages carry a locator map.
    let provider = std::fs::read_to_string(out.join("providers/alpha-hub/index.html")).unwrap();
    assert!(provider.contains("/areas/locator.svg"));
}

#[test]
fn area_figures_are_checked_against_the_boundaries() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_dir(&fixture(), root);
    std::fs::write(
        root.join("areas/E07000999.toml"),
        "code = \"E07000999\"\nname = \"Nowhere\"\nperiod = \"2024/25\"\n[demand]\npermanent_exclusion = 3\n",
    )
    .unwrap();
    let err = Site::load(root, &options(root)).err().expect("an unknown area code is an error");
    let unknown = err.with_code("unknown-area");
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].location().contains("areas/E07000999.toml:1"), "{}", unknown[0].location());
    let field = err.with_code("unknown-field");
    assert_eq!(field.len(), 1);
    assert!(field[0].render(false).contains("did you mean `permanent_exclusions`?"));

    // Missing figures for an in-scope area are only a warning.
    std::fs::remove_file(root.join("areas/E07000999.toml")).unwrap();
    std::fs::remove_file(root.join("areas/E07000902.toml")).unwrap();
    let site = load(root);
    assert_eq!(site.warnings.with_code("area-figures-missing").len(), 1);
}

#[test]
fn a_ward_boundary_set_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("wards");
    std::fs::create_dir_all(&root).unwrap();
    copy_dir(&repo().join("providers"), &root.join("providers"));
    copy_dir(&repo().join("content"), &root.join("content"));
    let config = format!(
        "title = \"Wards\"\nbase_url = \"https://w.example\"\nauthority = \"Test\"\nthemes_dir = {:?}\npostcodes = {:?}\nboundaries = {:?}\ncontext_areas = [\"E06000008\", \"E06000009\"]\narea_figures = \"ward-figures\"\n",
        repo().join("themes").display().to_string(),
        repo().join("data/postcodes.csv").display().to_string(),
        repo().join("tests/fixtures/wards/lancashire_wards.geojson").display().to_string(),
    );
    std::fs::write(root.join("apdir.toml"), config).unwrap();
    let out = tmp.path().join("site");
    let report = build_to(&root, &out);
    assert_eq!(report.warnings.with_code("area-figures-missing").len(), 1);
    let site = load(&root);
    let gaps = apdir::analyse::analyse(&site, None);
    assert_eq!(site.areas.len(), 253);
    // Wards of Blackburn with Darwen and Blackpool are context, like their authorities.
    assert!(gaps.areas.len() > 200 && gaps.areas.len() < 253, "{}", gaps.areas.len());
    assert!(gaps.areas.iter().all(|a| a.postcodes > 0), "every ward has postcodes");
    let pages = std::fs::read_dir(out.join("areas")).unwrap().filter(|e| e.as_ref().unwrap().path().is_dir()).count();
    assert_eq!(pages, gaps.areas.len(), "one page per ward, names made unique");
    let index = std::fs::read_to_string(out.join("areas/index.html")).unwrap();
    for svg in svgs(&index) {
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let links = doc.root_element().descendants().filter(|n| n.has_tag_name("a")).count();
        assert_eq!(links, 253);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
