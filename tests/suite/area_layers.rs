//! Several boundary layers at once (`[[area_layers]]`), places declared per tier, and demand
//! inside each tier × key stage cell: worked by hand on the gap fixture (tests/fixtures/gaps)
//! and the divisions fixture (tests/fixtures/divisions/README.md).

use std::path::Path;

use apdir::analyse::Suppression;
use apdir::{BuildOptions, LoadOptions, Profile, Site};

use crate::gaps::{build_to, close, copy_dir, fixture, fixture_with_beta, load, options, repo, svgs, texts};

const DIVISIONS: &str = "[[area_layers]]\nkey = \"divisions\"\nname = \"Electoral divisions\"\nboundaries = \"areas/divisions.geojson\"\n";

/// The gap fixture with the divisions file beside its boundaries, `top` put before its
/// settings and `tables` after them.
fn with_layers(top: &str, tables: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    std::fs::copy(repo().join("tests/fixtures/divisions/divisions.geojson"), tmp.path().join("areas/divisions.geojson")).unwrap();
    let config = tmp.path().join("apdir.toml");
    let c = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{top}\n{c}\n{tables}\n")).unwrap();
    fix_theme(tmp.path());
    tmp
}

/// Points the copied fixture's `themes_dir` (relative to the repository) at the repository's themes.
fn fix_theme(root: &Path) {
    let config = root.join("apdir.toml");
    let c = std::fs::read_to_string(&config).unwrap();
    let themes = repo().join("themes").display().to_string();
    std::fs::write(&config, c.replace("themes_dir = \"../../../themes\"", &format!("themes_dir = {themes:?}"))).unwrap();
}

/// "apdir.toml:LINE:" of the first line of `text` holding `needle`.
fn at_line(text: &str, needle: &str) -> String {
    let line = text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} not in the file")) + 1;
    format!(":{line}:")
}

#[test]
fn a_second_boundary_layer_has_its_own_maps_gap_tables_and_downloads() {
    let tmp = with_layers("area_layer_name = \"Districts\"", DIVISIONS);
    let site = load(tmp.path());
    let report = apdir::analyse::analyse(&site, None);
    // The main layer is as before; the divisions are a layer of their own.
    let names = |r: &apdir::analyse::GapReport| r.areas.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&report), ["Alpha", "Beta"]);
    assert_eq!(report.layer.name, "Districts");
    assert_eq!(report.layers.len(), 1);
    let divisions = &report.layers[0];
    assert_eq!((divisions.layer.key.as_str(), divisions.layer.name.as_str()), ("divisions", "Electoral divisions"));
    assert_eq!(names(divisions), ["North Division", "South Division"]);
    // Placed by location: North holds AA1 1AC, South the other five postcodes and every site,
    // so South counts Alpha Hub's 10 places and Beta Primary Outreach's 6.
    let (north, south) = (&divisions.areas[0], &divisions.areas[1]);
    assert_eq!((north.postcodes, south.postcodes), (1, 5));
    assert!(close(north.places, 0.0) && close(south.places, 16.0), "{} {}", north.places, south.places);
    // North's postcode (54.099, -2.95) is 3.4 miles from Alpha Hub (tier 2, KS3-4) and 5.3
    // from Beta Primary Outreach (tier 1, KS2): within the default 10 miles; no tier 3 at all.
    assert_eq!(north.access[1][2], Some(1.0));
    assert_eq!(north.access[0][1], Some(1.0));
    assert_eq!(north.access[2][3], Some(0.0));
    assert!(
        texts(north).contains(&"North Division: no tier 3 place for KS4 within 10 miles (target: 50% of pupils within reach)"),
        "{:#?}",
        texts(north)
    );

    // The pages: /areas/ switches between the layers with plain links.
    let out = tmp.path().join("site");
    build_to(tmp.path(), &out);
    let main = std::fs::read_to_string(out.join("areas/index.html")).unwrap();
    assert!(main.contains(r#"<a href="/areas/" aria-current="page"><strong>Districts</strong></a>"#), "the main layer is the current one");
    assert!(main.contains(r#"<a href="/areas/divisions/">Electoral divisions</a>"#));
    assert!(main.contains(r#"href="/data/gaps.csv""#));
    let index = std::fs::read_to_string(out.join("areas/divisions/index.html")).unwrap();
    assert!(index.contains("Gaps in provision by area: Electoral divisions"));
    assert!(index.contains(r#"<a href="/areas/divisions/" aria-current="page">"#));
    assert!(index.contains(r#"<a href="/areas/">Districts</a>"#));
    assert!(index.contains(r#"href="/data/gaps-divisions.csv""#) && index.contains(r#"href="/data/areas-divisions.geojson""#));
    assert!(index.contains("North Division: no tier 3 place for KS4 within 10 miles"));
    // Five maps, each linking both divisions to their pages.
    let maps = svgs(&index);
    assert_eq!(maps.len(), 5);
    for svg in maps {
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let links: Vec<&str> = doc.root_element().descendants().filter(|n| n.has_tag_name("a")).filter_map(|n| n.attribute("href")).collect();
        assert_eq!(links, ["/areas/divisions/north-division/", "/areas/divisions/south-division/"]);
    }
    let south_page = std::fs::read_to_string(out.join("areas/divisions/south-division/index.html")).unwrap();
    assert!(south_page.contains("Provision in South Division"));
    assert!(south_page.contains("Alpha Hub") && south_page.contains("Beta Primary Outreach"));
    assert!(!south_page.contains("/districts/south-division/"), "a division has no provider listing of its own");
    assert!(out.join("areas/alpha/index.html").is_file(), "the main layer's pages stay where they were");
    let csv = std::fs::read_to_string(out.join("data/gaps-divisions.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("North Division") && csv.contains("South Division"));
    let geojson: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("data/areas-divisions.geojson")).unwrap()).unwrap();
    assert_eq!(geojson["features"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_area_layer_settings_are_errors_at_their_line_and_column() {
    // Checked with the settings: keys, names, files and folders, every problem at once.
    let tables = "[[area_layers]]\nkey = \"Bad Key\"\nname = \"Bad\"\nboundaries = \"areas/divisions.geojson\"\n\n\
                  [[area_layers]]\nkey = \"divisions\"\nname = \"\"\nboundaries = \"areas/nothing.geojson\"\narea_figures = \"areas\"\n\n\
                  [[area_layers]]\nkey = \"divisions\"\nname = \"Again\"\nboundaries = \"areas/divisions.geojson\"\n";
    let tmp = with_layers("", tables);
    let config = std::fs::read_to_string(tmp.path().join("apdir.toml")).unwrap();
    let err = Site::load(tmp.path(), &options(tmp.path())).err().expect("bad layers are errors");
    let one = |code: &str, n: usize| {
        let found = err.with_code(code);
        assert_eq!(found.len(), n, "{code}: {}", err.render(false));
        found.iter().map(|d| d.location()).collect::<Vec<_>>()
    };
    let keys = one("area-layer-key", 2);
    assert!(keys[0].starts_with("apdir.toml") && keys[0].contains(&at_line(&config, "\"Bad Key\"")), "{keys:?}");
    let second = config.match_indices("key = \"divisions\"").nth(1).unwrap().0;
    let line = config[..second].lines().count() + 1;
    assert!(keys[1].contains(&format!(":{line}:")), "the key used twice: {keys:?}");
    assert!(one("area-layer-name", 1)[0].contains(&at_line(&config, "name = \"\"")));
    assert!(one("area-layer-boundaries", 1)[0].contains(&at_line(&config, "nothing.geojson")));
    assert!(one("area-layer-figures", 1)[0].contains(&at_line(&config, "area_figures = \"areas\"")));

    // Checked with the boundaries: a key that is also an area's page, a file that is not GeoJSON.
    let tables = "[[area_layers]]\nkey = \"alpha\"\nname = \"Clash\"\nboundaries = \"areas/divisions.geojson\"\n\n\
                  [[area_layers]]\nkey = \"broken\"\nname = \"Broken\"\nboundaries = \"content/_index.md\"\n";
    let tmp = with_layers("", tables);
    let config = std::fs::read_to_string(tmp.path().join("apdir.toml")).unwrap();
    let err = Site::load(tmp.path(), &options(tmp.path())).err().expect("bad layers are errors");
    let clash = err.with_code("area-layer-key");
    assert_eq!(clash.len(), 1, "{}", err.render(false));
    assert!(clash[0].location().contains(&at_line(&config, "key = \"alpha\"")));
    assert!(clash[0].render(false).contains("/areas/alpha/"));
    let broken = err.with_code("area-layer-boundaries");
    assert_eq!(broken.len(), 1, "{}", err.render(false));
    assert!(broken[0].location().contains(&at_line(&config, "content/_index.md")));
    assert!(broken[0].render(false).contains("not valid JSON"));
}

/// The gap fixture with Alpha Hub's offer and capacity lines replaced.
fn with_alpha_hub(tiers: &str, capacity: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let path = tmp.path().join("providers/alpha-hub.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("tiers = [2] ", &format!("tiers = {tiers} "), 1).replacen("[capacity]\nplaces = 10\n", capacity, 1);
    std::fs::write(&path, text).unwrap();
    fix_theme(tmp.path());
    tmp
}

#[test]
fn declared_places_per_tier_replace_the_equal_split() {
    // Alpha Hub: 10 places for tiers 2 and 3, KS3 and KS4, counted 5 in Alpha and 5 in Beta.
    // Split equally: 1.25 in each of its four cells. Declared 2 for tier 2 and 8 for tier 3:
    // tier 2 gets 5 × 2/10 = 1 (0.5 in KS3, 0.5 in KS4), tier 3 gets 4 (2 and 2).
    let equal = with_alpha_hub("[2, 3]", "[capacity]\nplaces = 10\n");
    let alpha = &apdir::analyse::analyse(&load(equal.path()), None).areas[0];
    for (t, k) in [(1, 2), (1, 3), (2, 2), (2, 3)] {
        assert!(close(alpha.places_cell[t][k], 1.25), "{:?}", alpha.places_cell);
    }
    let declared = with_alpha_hub("[2, 3]", "[capacity]\nplaces = 10\nplaces_by_tier = { tier2 = 2, tier3 = 8 }\n");
    let site = load(declared.path());
    let report = apdir::analyse::analyse(&site, None);
    let alpha = &report.areas[0];
    assert!(close(alpha.places_cell[1][2], 0.5) && close(alpha.places_cell[1][3], 0.5), "{:?}", alpha.places_cell);
    assert!(close(alpha.places_cell[2][2], 2.0) && close(alpha.places_cell[2][3], 2.0), "{:?}", alpha.places_cell);
    let cells: f64 = alpha.places_cell.iter().flatten().sum();
    assert!(close(cells, alpha.places), "still adds up to the area's places");
    // Alpha's tiers (20, 8, 2): tier 3 now has 4 places for 2 (no gap); tier 2 has 1 for 8.
    let gaps = texts(alpha);
    assert!(gaps.contains(&"Alpha: 1 place counted for 8 tier 2 placements (target 1.0 for each) — short by 7 places"), "{gaps:#?}");
    assert!(!gaps.iter().any(|g| g.contains("tier 3 placements")), "{gaps:#?}");

    // The area page says which way each provider's places were counted.
    let out = declared.path().join("site");
    build_to(declared.path(), &out);
    let page = std::fs::read_to_string(out.join("areas/alpha/index.html")).unwrap();
    assert!(page.contains("10 places: 2 in tier 2, 8 in tier 3 (declared per tier in its record)"), "declared");
    // (Each provider is described on the page of an area it has a site in: Alpha Hub on
    // Alpha's, Beta Primary Outreach on Beta's.)
    let out = equal.path().join("site");
    build_to(equal.path(), &out);
    let page = std::fs::read_to_string(out.join("areas/alpha/index.html")).unwrap();
    assert!(page.contains("10 places split equally between tiers 2 and 3 (not declared per tier in its record)"));
    let page = std::fs::read_to_string(out.join("areas/beta/index.html")).unwrap();
    assert!(page.contains("6 places, all tier 1"));
}

#[test]
fn declared_places_that_do_not_add_up_are_errors_at_their_line_and_column() {
    let tmp = with_alpha_hub("[2]", "[capacity]\nplaces = 10\nplaces_by_tier = { tier2 = -1, tier3 = 8, tier4 = 1 }\n");
    let err = Site::load(tmp.path(), &options(tmp.path())).err().expect("declared places are checked");
    let text = std::fs::read_to_string(tmp.path().join("providers/alpha-hub.toml")).unwrap();
    let line = text.lines().position(|l| l.starts_with("places_by_tier")).unwrap() + 1;
    for (code, what) in [
        ("invalid-places", "cannot be negative"),
        ("tier-not-offered", "tier 3"),
        ("unknown-tier", "`tier4` is not a tier"),
        ("places-by-tier-total", "add up to 8, but `capacity.places` is 10"),
    ] {
        let found = err.with_code(code);
        assert_eq!(found.len(), 1, "{code}: {}", err.render(false));
        let at = found[0].location();
        assert!(at.starts_with("providers/alpha-hub.toml") && at.contains(&format!(":{line}:")), "{code} at {at}");
        assert!(found[0].render(false).contains(what), "{}", found[0].render(false));
    }
}

/// The tier rows of an area page's demand, supply and access table: each row's four cells.
fn supply_cells(page: &str) -> Vec<Vec<String>> {
    let start = page.find("Demand, supply and access table").expect("the table");
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    table
        .split("<th scope=\"row\">")
        .skip(1)
        .map(|row| row.split("<td").skip(1).map(|c| c[..c.find("</td>").unwrap()].to_string()).collect())
        .collect()
}

#[test]
fn demand_is_shown_inside_each_tier_and_key_stage_cell_raw_inside_and_suppressed_outside() {
    // Beta's placements by cell: tier 1 KS2 3, tier 2 KS3 5, tier 2 KS4 7 (the others not given).
    let demand = "permanent_exclusions = 0\nsuspensions = 25\nla_arranged_ap = 6\nschool_arranged_ap = 9\nsection19_health = 7\nhome_tuition = 2\npart_time_timetables = 6\n[demand.by_tier_key_stage]\ntier1 = { ks2 = 3 }\ntier2 = { ks3 = 5, ks4 = 7 }\n";
    let tmp = fixture_with_beta(demand, "");
    fix_theme(tmp.path());
    let public_out = tmp.path().join("public");
    build_to(tmp.path(), &public_out);
    let internal_out = tmp.path().join("internal");
    let o = BuildOptions {
        no_cache: true,
        root: tmp.path().to_path_buf(),
        output: Some(internal_out.clone()),
        load: LoadOptions { profile: Profile::Internal, ..options(tmp.path()) },
    };
    apdir::build(&o).unwrap_or_else(|e| panic!("internal build failed: {e:?}"));
    let read = |dir: &Path| std::fs::read_to_string(dir.join("areas/beta/index.html")).unwrap();
    let inside = supply_cells(&read(&internal_out));
    assert_eq!(inside.len(), 3);
    // Tier 1 KS2: 3 placements, 6 places counted, every postcode within reach: no gap.
    assert!(inside[0][1].contains("Demand: 3<br>Places: 6 counted, 6 open<br>Within reach: 100%"), "{}", inside[0][1]);
    assert!(!inside[0][1].contains("Gap"));
    // Tier 2 KS3: 5 placements for 2.5 places: a gap, marked in its cell; KS4 likewise (7).
    assert!(inside[1][2].contains("<strong>Gap</strong><br>Demand: 5<br>Places: 2.5 counted, 5 open"), "{}", inside[1][2]);
    assert!(inside[1][3].contains("<strong>Gap</strong><br>Demand: 7<br>"), "{}", inside[1][3]);
    assert!(inside[2][0].contains("Demand: not given"), "{}", inside[2][0]);
    // Public: the 3 is a small count, shown as c (the cell's numbers are withheld with it).
    let outside = supply_cells(&read(&public_out));
    assert!(outside[0][1].contains("Demand: c<br>"), "{}", outside[0][1]);
    let site = load(tmp.path());
    let public = apdir::analyse::analyse(&site, None).publish(Suppression::public(&site));
    for (k, cell) in [(2usize, &outside[1][2]), (3, &outside[1][3])] {
        let shown = public.cell(&public.areas[1], 1, k);
        assert!(cell.contains(&format!("Demand: {}<br>", shown.text())), "{cell}");
    }
}

#[test]
fn the_sample_shows_districts_and_wards() {
    let site = load(&repo());
    let report = apdir::analyse::analyse(&site, None);
    assert_eq!(report.layer.name, "Districts");
    assert_eq!(report.areas.len(), 12);
    let wards = &report.layers[0];
    assert_eq!((wards.layer.key.as_str(), wards.layer.name.as_str()), ("wards", "Wards"));
    // The 253 wards less those of Blackburn with Darwen and Blackpool (context).
    assert_eq!(wards.areas.len(), 215);
    assert!(wards.areas.iter().all(|a| a.postcodes > 0), "every ward is placed");
    // Each provider's places are shared between the areas it serves in either layer, so the
    // county's places are the same whichever boundaries count them.
    let total = |r: &apdir::analyse::GapReport| r.areas.iter().map(|a| a.places).sum::<f64>();
    assert!((total(&report) - total(wards)).abs() < 1e-6, "{} against {}", total(&report), total(wards));
}

#[test]
fn apdir_gaps_reports_the_layer_chosen_with_layer_and_names_the_keys_of_an_unknown_one() {
    use apdir::analyse::report::Selection;
    use apdir::{GapsFormat, GapsOf};
    let tmp = with_layers("area_layer_name = \"Districts\"", DIVISIONS);
    let o = BuildOptions { no_cache: true, root: tmp.path().to_path_buf(), output: None, load: options(tmp.path()) };
    let gaps = |layer: Option<&str>, format: GapsFormat| {
        let sel = Selection { layer: layer.map(str::to_string), ..Default::default() };
        apdir::gaps_report_of(&o, &sel, format, true, &GapsOf::Now).map(|(text, _)| text)
    };
    // The first layer by default, saying so and how to choose the other.
    let main = gaps(None, GapsFormat::Table).unwrap();
    assert!(main.starts_with("Boundary layer: Districts (main); the others: --layer divisions.\n\nArea "), "{main}");
    assert!(main.contains("\nAlpha ") && !main.contains("North Division"), "{main}");
    assert_eq!(gaps(Some("main"), GapsFormat::Table).unwrap(), main);
    // `--layer divisions`: the divisions' table, their gaps in words.
    let divisions = gaps(Some("divisions"), GapsFormat::Table).unwrap();
    assert!(divisions.starts_with("Boundary layer: Electoral divisions (divisions); the others: --layer main.\n"), "{divisions}");
    assert!(divisions.contains("\nNorth Division ") && divisions.contains("\nSouth Division ") && !divisions.contains("\nAlpha "), "{divisions}");
    assert!(divisions.contains("- North Division: no tier 3 place for KS4 within 10 miles"), "{divisions}");
    let csv = gaps(Some("divisions"), GapsFormat::Csv).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.lines().nth(1).unwrap().contains("North Division"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&gaps(Some("divisions"), GapsFormat::Json).unwrap()).unwrap();
    assert_eq!(json["layer"], serde_json::json!({"key": "divisions", "name": "Electoral divisions"}));
    assert_eq!(json["areas"].as_array().unwrap().len(), 2);
    // An unknown key is a usage error naming every key, the default first.
    let e = gaps(Some("wards"), GapsFormat::Table).unwrap_err();
    assert!(matches!(e, apdir::Error::Usage(_)), "{e:?}");
    let message = e.to_string();
    assert!(message.contains("no boundary layer `wards`") && message.contains("main (Districts), divisions (Electoral divisions)"), "{message}");
}

#[test]
fn apdir_gaps_on_a_site_with_one_layer_prints_no_layer_line_and_knows_only_main() {
    use apdir::analyse::report::Selection;
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let o = BuildOptions { no_cache: true, root: tmp.path().to_path_buf(), output: None, load: options(tmp.path()) };
    let (text, _) = apdir::gaps_report(&o, &Selection::default(), apdir::GapsFormat::Table, false).unwrap();
    assert!(text.starts_with("Area "), "{text}");
    let sel = Selection { layer: Some("divisions".into()), ..Default::default() };
    let e = apdir::gaps_report(&o, &sel, apdir::GapsFormat::Table, false).unwrap_err().to_string();
    assert!(e.contains("no boundary layer `divisions`; this report has the main layer only") && e.contains("main (Areas)"), "{e}");
}

/// Five made-up wards over the gap fixture: one over Gamma (outside the authority's
/// districts, no parent code), Alpha's two (with their district's code), then Beta's West
/// without a parent code (its district is found from where it lies) and East.
fn with_wards() -> tempfile::TempDir {
    let ward = |code: &str, name: &str, lad: &str, west: f64, east: f64| {
        let parent = if lad.is_empty() { String::new() } else { format!(r#", "lad_code": "{lad}""#) };
        format!(
            r#"{{"type": "Feature", "properties": {{"code": "{code}", "name": "{name}"{parent}}}, "geometry": {{"type": "Polygon", "coordinates": [[[{west}, 54.0], [{east}, 54.0], [{east}, 54.1], [{west}, 54.1], [{west}, 54.0]]]}}}}"#
        )
    };
    let features = [
        ward("E05000905", "Gamma Ward", "", -2.8, -2.7),
        ward("E05000901", "Alpha West", "E07000901", -3.0, -2.97),
        ward("E05000902", "Alpha East", "E07000901", -2.97, -2.9),
        ward("E05000903", "Beta West", "", -2.9, -2.84),
        ward("E05000904", "Beta East", "E07000902", -2.84, -2.8),
    ];
    let tmp = with_layers("", "[[area_layers]]\nkey = \"wards\"\nname = \"Wards\"\nboundaries = \"areas/wards.geojson\"\n");
    let geojson = format!(r#"{{"type": "FeatureCollection", "features": [{}]}}"#, features.join(", "));
    std::fs::write(tmp.path().join("areas/wards.geojson"), geojson).unwrap();
    // The postcode file gives each postcode its ward, as the ONS file does.
    let postcodes = tmp.path().join("data/postcodes.csv");
    let mut text = String::new();
    for line in std::fs::read_to_string(&postcodes).unwrap().lines() {
        let ward = match &line[..line.find(',').unwrap()] {
            "AA1 1AB" => "E05000901",
            "AA1 1AA" | "AA1 1AC" | "AA1 1AD" => "E05000902",
            "BB1 1AA" | "BB1 1AB" => "E05000903",
            _ => "",
        };
        text.push_str(&format!("{line}{ward}\n"));
    }
    std::fs::write(postcodes, text).unwrap();
    tmp
}

#[test]
fn a_ward_page_lists_the_providers_with_a_site_in_it_and_sends_readers_to_its_district_for_the_others() {
    // Alpha Hub (a site in Alpha East) serves Beta by its service area, so both of Beta's
    // wards; Beta Primary Outreach has its site in Beta West.
    let tmp = with_wards();
    let out = tmp.path().join("site");
    build_to(tmp.path(), &out);
    let page = |path: &str| std::fs::read_to_string(out.join(path).join("index.html")).unwrap();
    let beta_west = page("areas/wards/beta-west");
    assert!(
        beta_west.contains(r#"<a href="/providers/beta-primary/">Beta Primary Outreach</a> <span class="body-s">(Has a site here;"#),
        "{beta_west}"
    );
    assert!(!beta_west.contains("Alpha Hub"), "a provider serving the ward from elsewhere is counted, not listed");
    assert!(beta_west.contains(
        r#"1 more provider serves Beta West from sites elsewhere: see <a href="/districts/beta/">the providers in Beta</a>, the listing of all 2 with a site in Beta or serving it (Beta West lies in Beta)."#
    ));
    // With no provider that has a site in it, the ward page says so in the same sentence.
    let beta_east = page("areas/wards/beta-east");
    assert!(beta_east.contains("1 provider serves Beta East from sites elsewhere: see <a href=\"/districts/beta/\">"), "{beta_east}");
    assert!(!beta_east.contains("Alpha Hub") && !beta_east.contains("No provider on the directory serves this area"));
    // The figures still count the provider from elsewhere: a third of Alpha Hub's 10 places.
    assert!(beta_east.contains("<dt>Places counted here</dt><dd>3</dd>"), "{beta_east}");
    // The link leads to a listing that holds the provider from elsewhere.
    let listing = page("districts/beta");
    assert!(listing.contains("Alpha Hub") && listing.contains("Beta Primary Outreach"));
    // A ward every provider of which has a site in it lists them all and sends nobody away.
    let alpha_east = page("areas/wards/alpha-east");
    assert!(alpha_east.contains("Alpha Hub") && alpha_east.contains("Alpha Suspended"));
    assert!(!alpha_east.contains("from sites elsewhere"));
    // A district's own page does the same, pointing at its own listing.
    let beta = page("areas/beta");
    assert!(beta.contains("Beta Primary Outreach") && !beta.contains("Alpha Hub"), "{beta}");
    assert!(beta.contains(r#"1 more provider serves Beta from sites elsewhere: see <a href="/districts/beta/">the providers in Beta</a>, the listing of all 2 with a site in Beta or serving it."#));
}

#[test]
fn a_ward_in_no_district_of_the_authority_lists_every_provider_serving_it() {
    // Alpha Hub also serves Gamma, outside the authority: no district listing of ours holds
    // the providers serving Gamma Ward, so its page lists them in full.
    let tmp = with_wards();
    let record = tmp.path().join("providers/alpha-hub.toml");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replacen("service_area = [\"E07000902\"]", "service_area = [\"E07000902\", \"E06000901\"]", 1)).unwrap();
    let out = tmp.path().join("site");
    build_to(tmp.path(), &out);
    let gamma = std::fs::read_to_string(out.join("areas/wards/gamma-ward/index.html")).unwrap();
    assert!(gamma.contains(r#"<a href="/providers/alpha-hub/">Alpha Hub</a> <span class="body-s">(Serves this area from elsewhere;"#), "{gamma}");
    assert!(!gamma.contains("from sites elsewhere: see"));
}
