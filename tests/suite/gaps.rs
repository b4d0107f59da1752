//! Gap analysis: measures checked against a fixture worked out by hand
//! (tests/fixtures/gaps), suppression, the maps, and a ward boundary set.

use std::path::{Path, PathBuf};

use apdir::analyse::{AP_PLACEMENTS, COUNT_LAYOUT, DEMAND_TOTAL, Shown, Suppression};
use apdir::model::area::Count;
use apdir::{BuildOptions, Date, Error, LoadOptions, Profile, Site};

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn fixture() -> PathBuf {
    repo().join("tests/fixtures/gaps")
}

pub(crate) fn options(_root: &Path) -> LoadOptions {
    LoadOptions { today: Date::parse("2026-11-25"), ..Default::default() }
}

pub(crate) fn load(root: &Path) -> Site {
    match Site::load(root, &options(root)) {
        Ok(s) => s,
        Err(d) => panic!("fixture does not load:\n{}", d.render(false)),
    }
}

fn col(key: &str) -> usize {
    COUNT_LAYOUT.iter().position(|(k, _)| *k == key).unwrap()
}

pub(crate) fn close(a: f64, b: f64) -> bool {
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
    // Places open to a need are kept for the needs an area's figures give in their cells
    // (need_cells.rs): Alpha's give none.
    assert!(alpha.supply.is_empty() && alpha.places_open_to_need(1, 2, "semh").is_none());
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
    // 6.0 per 1,000 of 2,000 pupils is 12 places; Alpha counts 5.
    assert!(gaps.contains(&"Alpha: 2.5 places per 1,000 pupils (target 6.0) — short by 7 places"), "{gaps:#?}");
    assert!(gaps.contains(&"Alpha: no tier 1 place for KS2 within 3 miles (target: 50% of pupils within reach)"), "{gaps:#?}");
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

pub(crate) fn build_to(root: &Path, out: &Path) -> apdir::BuildReport {
    let o = BuildOptions { no_cache: false, root: root.to_path_buf(), output: Some(out.to_path_buf()), load: options(root) };
    match apdir::build(&o) {
        Ok(r) => r,
        Err(Error::Content(d)) => panic!("build failed:\n{}", d.render(false)),
        Err(e) => panic!("build failed: {e}"),
    }
}

/// Every `<svg …>…</svg>` of a page, parsed as XML.
pub(crate) fn svgs(html: &str) -> Vec<String> {
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

pub(crate) fn copy_dir(from: &Path, to: &Path) {
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

pub(crate) fn texts(a: &apdir::analyse::AreaGaps) -> Vec<&str> {
    a.gaps.iter().map(|g| g.text.as_str()).collect()
}

/// The gap fixture in a temporary folder, with `edit` applied to Beta's figures file.
pub(crate) fn fixture_with_beta(beta_demand: &str, config_extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let beta = tmp.path().join("areas/E07000902.toml");
    let text = std::fs::read_to_string(&beta).unwrap();
    let start = text.find("[demand]").unwrap();
    let end = text.find("[targets]").unwrap();
    std::fs::write(&beta, format!("{}[demand]\n{beta_demand}\n{}", &text[..start], &text[end..])).unwrap();
    let config = tmp.path().join("apdir.toml");
    let c = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{c}\n{config_extra}\n")).unwrap();
    tmp
}

#[test]
fn gap_rules_compare_supply_with_demand_in_every_cell() {
    // Worked by hand. Alpha Hub (10 places, tier 2, KS3 and KS4) counts in Alpha and in Beta:
    // 5 places each, split over its 2 cells: 2.5 in tier 2 KS3 and 2.5 in tier 2 KS4.
    // Beta Primary Outreach (6 places, tier 1 KS2) is in Beta only: 6 in tier 1 KS2.
    let site = load(&fixture());
    let report = apdir::analyse::analyse(&site, None);
    let (alpha, beta) = (&report.areas[0], &report.areas[1]);
    assert!(close(alpha.places_cell[1][2], 2.5) && close(alpha.places_cell[1][3], 2.5));
    assert!(close(beta.places_cell[0][1], 6.0));
    let cells: f64 = beta.places_cell.iter().flatten().sum();
    assert!(close(cells, beta.places), "a place offered in two cells is counted once: {cells}");

    // Alpha: demand 50 against 5 places (0.10 each): short by 45.
    let gaps = texts(alpha);
    assert!(gaps.contains(&"Alpha: 0.10 places for each pupil in demand (target 1.0) — short by 45 places"), "{gaps:#?}");
    // No cells in Alpha's file: its tiers (20, 8, 2) and key stages (0, 2, 13, 15) are compared.
    // Tier 1: no places for 20. Tier 2: 5 for 8. Tier 3: 0 for 2. KS3: 2.5 for 13 (10.5 short).
    for g in [
        "Alpha: 0 places counted for 20 tier 1 placements (target 1.0 for each) — short by 20 places",
        "Alpha: 5 places counted for 8 tier 2 placements (target 1.0 for each) — short by 3 places",
        "Alpha: 0 places counted for 2 tier 3 placements (target 1.0 for each) — short by 2 places",
        "Alpha: 0 places counted for 2 KS2 placements (target 1.0 for each) — short by 2 places",
        "Alpha: 2.5 places counted for 13 KS3 placements (target 1.0 for each) — short by 11 places",
        "Alpha: 2.5 places counted for 15 KS4 placements (target 1.0 for each) — short by 13 places",
    ] {
        assert!(gaps.contains(&g), "missing {g:?} in {gaps:#?}");
    }
    assert!(!gaps.iter().any(|g| g.contains("KS1 placements")), "no KS1 demand, no KS1 gap");
}

#[test]
fn the_burnley_shaped_case_reports_a_gap() {
    // Beta: 11 places (9.2 per 1,000: above its target) for 20 pupils in demand
    // (0 + 6 + 9 + 3 + 0 + 2): 0.55 places each — a gap, not "No gaps found".
    let demand =
        "permanent_exclusions = 0\nla_arranged_ap = 6\nschool_arranged_ap = 9\nsection19_health = 3\nhome_tuition = 0\npart_time_timetables = 2\n";
    let tmp = fixture_with_beta(demand, "");
    let site = load(tmp.path());
    let beta = &apdir::analyse::analyse(&site, None).areas[1];
    assert!(!texts(beta).iter().any(|g| g.contains("per 1,000")), "Beta meets its places-per-1,000 target");
    assert!(texts(beta).contains(&"Beta: 0.55 places for each pupil in demand (target 1.0) — short by 9 places"), "{:#?}", texts(beta));
    // The same gap reaches the page, the download and `apdir gaps` (one rule, one place).
    let public = apdir::analyse::analyse(&site, None).publish(apdir::analyse::Suppression::public(&site));
    assert!(public.areas[1].gaps.iter().any(|g| g.rule == "places-for-demand" && g.text.contains("0.55")));

    // Headroom 10%: 22 places wanted for 20.
    let tmp = fixture_with_beta(demand, "[gaps]\nheadroom = 0.1\n");
    let site = load(tmp.path());
    let beta = &apdir::analyse::analyse(&site, None).areas[1];
    assert!(texts(beta).contains(&"Beta: 0.55 places for each pupil in demand (target 1.1) — short by 11 places"), "{:#?}", texts(beta));
}

#[test]
fn demand_by_cell_is_compared_cell_by_cell_and_hidden_cells_are_never_called_closed() {
    // Beta's 15 placements by tier × key stage: tier 1 KS2 3, tier 2 KS3 5, tier 2 KS4 7.
    // Places counted: 6, 2.5 and 2.5. Tier 1 KS2 is covered; tier 2 KS3 is short by 3 (2.5),
    // tier 2 KS4 by 5 (4.5).
    let demand = "permanent_exclusions = 0\nsuspensions = 25\nla_arranged_ap = 6\nschool_arranged_ap = 9\nsection19_health = 7\nhome_tuition = 2\npart_time_timetables = 6\n[demand.by_tier_key_stage]\ntier1 = { ks2 = 3 }\ntier2 = { ks3 = 5, ks4 = 7 }\n";
    let tmp = fixture_with_beta(demand, "");
    let site = load(tmp.path());
    assert!(site.warnings.with_code("breakdown-total").is_empty(), "the cells add up to 15");
    let beta = &apdir::analyse::analyse(&site, None).areas[1];
    let gaps = texts(beta);
    assert!(gaps.contains(&"Beta: 2.5 places counted for 5 tier 2 placements in KS3 (target 1.0 for each) — short by 3 places"), "{gaps:#?}");
    assert!(gaps.contains(&"Beta: 2.5 places counted for 7 tier 2 placements in KS4 (target 1.0 for each) — short by 5 places"), "{gaps:#?}");
    assert!(!gaps.iter().any(|g| g.contains("tier 1 placements in KS2")), "6 places for 3");
    assert!(!gaps.iter().any(|g| g.contains("KS3 placements (")), "with cells, the margins are not compared again");

    // Internal (raw): every gap with its numbers.
    let raw = apdir::analyse::analyse(&site, None).publish(Suppression::Off);
    assert_eq!(raw.areas[1].gaps.iter().filter(|g| g.rule == "places-for-placements").count(), 2);
    assert!(!raw.areas[1].gaps.iter().any(|g| g.rule == "withheld"));
    // Public: tier 1 KS2 (3) is hidden, so its comparison is withheld, not dropped; a gap
    // worked out from a hidden cell never shows its numbers.
    let public = apdir::analyse::analyse(&site, None).publish(apdir::analyse::Suppression::public(&site));
    let cells_at = public.count_keys.iter().position(|(k, _)| k == "tier1_ks1").expect("cells are published when given");
    let counts = &public.areas[1].counts;
    assert_eq!(counts[cells_at + 1], Shown::Hidden, "tier 1 KS2: 3");
    let shown: Vec<&str> = public.areas[1].gaps.iter().map(|g| g.text.as_str()).collect();
    assert!(shown.iter().any(|g| g.starts_with("Beta: tier 1 placements in KS2 are too few to publish")), "{shown:#?}");
    for (k, cell) in [(2usize, "KS3"), (3, "KS4")] {
        let numbers = shown.iter().any(|g| g.contains(&format!("tier 2 placements in {cell} (target")));
        let withheld = shown.iter().any(|g| g.starts_with(&format!("Beta: tier 2 placements in {cell} are too few to publish")));
        assert!(numbers != withheld, "tier 2 {cell}: either its numbers or withheld: {shown:#?}");
        assert_eq!(numbers, counts[cells_at + 4 + k].is_shown());
    }
}

#[test]
fn the_internal_site_shows_raw_figures_and_the_public_site_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let public_out = tmp.path().join("public");
    build_to(&fixture(), &public_out);
    let internal_out = tmp.path().join("internal");
    let o = BuildOptions {
        no_cache: true,
        root: fixture(),
        output: Some(internal_out.clone()),
        load: LoadOptions { profile: Profile::Internal, ..options(&fixture()) },
    };
    apdir::build(&o).unwrap_or_else(|e| panic!("internal build failed: {e:?}"));
    // Alpha's 3 permanent exclusions: raw inside, `c` outside.
    let row = |html: &str| {
        let at = html.find("Permanent exclusions").expect("the demand table");
        html[at..at + 200].to_string()
    };
    let public = std::fs::read_to_string(public_out.join("areas/alpha/index.html")).unwrap();
    let internal = std::fs::read_to_string(internal_out.join("areas/alpha/index.html")).unwrap();
    assert!(row(&public).contains(">c<"), "{}", row(&public));
    assert!(row(&internal).contains(">3<"), "{}", row(&internal));
    assert!(internal.contains("Raw figures"));
    assert!(!public.contains("Raw figures"));
    // The downloads follow the page.
    let pex = |csv: &str| {
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let i = header.iter().position(|h| *h == "permanent_exclusions").unwrap();
        csv.lines().nth(1).unwrap().split(',').nth(i).unwrap().to_string()
    };
    assert_eq!(pex(&std::fs::read_to_string(public_out.join("data/gaps.csv")).unwrap()), "c");
    assert_eq!(pex(&std::fs::read_to_string(internal_out.join("data/gaps.csv")).unwrap()), "3");
    // Gaps worked out from a hidden count are withheld in public, shown inside.
    let index = std::fs::read_to_string(internal_out.join("areas/index.html")).unwrap();
    assert!(index.contains("Alpha: 0 places counted for 2 tier 3 placements"));
    let index = std::fs::read_to_string(public_out.join("areas/index.html")).unwrap();
    assert!(!index.contains("for 2 tier 3 placements"));
    assert!(index.contains("Alpha: tier 3 placements are too few to publish"));
}

#[test]
fn a_divisions_boundary_file_without_parent_codes_places_postcodes_by_location() {
    // tests/fixtures/divisions/README.md works the figures out.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let config = tmp.path().join("apdir.toml");
    let c = std::fs::read_to_string(&config).unwrap().replace("boundaries = \"areas/boundaries.geojson\"", "");
    let c = c.replace("context_areas = [\"E06000901\"]", "");
    let themes = repo().join("themes").display().to_string();
    let c = c.replace("themes_dir = \"../../../themes\"", &format!("themes_dir = {themes:?}"));
    let divisions = repo().join("tests/fixtures/divisions/divisions.geojson").display().to_string();
    std::fs::write(&config, format!("boundaries = {divisions:?}\narea_figures = \"division-figures\"\n{c}")).unwrap();
    let site = load(tmp.path());
    assert!(site.warnings.with_code("unknown-area").is_empty());
    let report = apdir::analyse::analyse(&site, None);
    let names: Vec<&str> = report.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["North Division", "South Division"]);
    let (north, south) = (&report.areas[0], &report.areas[1]);
    assert_eq!((north.postcodes, south.postcodes), (1, 5));
    assert!(close(north.places, 0.0) && close(south.places, 16.0), "{} {}", north.places, south.places);
    assert_eq!(south.providers.len(), 3, "every site is in South (the suspended one is listed, not counted)");
    // And it builds, with a page per division.
    let out = tmp.path().join("site");
    build_to(tmp.path(), &out);
    assert!(out.join("areas/south-division/index.html").is_file());
}

#[test]
fn apdir_gaps_keeps_its_columns_when_an_area_has_no_figures() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    std::fs::remove_file(tmp.path().join("areas/E07000902.toml")).unwrap();
    let o = BuildOptions { no_cache: true, root: tmp.path().to_path_buf(), output: None, load: options(tmp.path()) };
    let (text, _) = apdir::gaps_report(&o, &Default::default(), apdir::GapsFormat::Table, false).unwrap();
    let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header, rule, Alpha, Beta:\n{text}");
    let width = |l: &str| l.chars().count();
    assert!(lines.iter().all(|l| width(l) == width(lines[1])), "every row as wide as the rule:\n{text}");
    // The last column (access) ends at the same place on every row.
    assert!(lines[3].starts_with("Beta "), "{text}");
}
