//! Profiles, disclosure, open data exports and spreadsheet import, tested on the sample site.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use apdir::export::{self, Format};
use apdir::import::{ImportOptions, import};
use apdir::{BuildOptions, Date, LoadOptions, Profile, Site};
use serde_json::Value;

use crate::common::read_tree;

fn sample_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn today() -> Date {
    Date::parse("2026-11-25").unwrap()
}

fn load_options(profile: Profile) -> LoadOptions {
    LoadOptions { today: Some(today()), base_url: None, profile }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A copy of the sample site's inputs (optionally without its provider records).
fn sample_copy(with_providers: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = sample_root();
    std::fs::copy(root.join("apdir.toml"), dir.path().join("apdir.toml")).unwrap();
    for d in ["data", "areas", "content", "themes"] {
        copy_dir(&root.join(d), &dir.path().join(d));
    }
    std::fs::create_dir_all(dir.path().join("providers")).unwrap();
    if with_providers {
        copy_dir(&root.join("providers"), &dir.path().join("providers"));
    }
    dir
}

fn build(root: &Path, out: &Path, profile: Profile) -> Result<apdir::BuildReport, apdir::Error> {
    apdir::build(&BuildOptions { no_cache: false, root: root.to_path_buf(), output: Some(out.to_path_buf()), load: load_options(profile) })
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()).map(|e| e.into_path()).collect()
}

// ---------------------------------------------------------------------------
// The canary: nothing internal reaches the public site.
// ---------------------------------------------------------------------------

const CANARY: &str = "CANARY-q7XzK2";
const CANARY_MONEY: f64 = 9_876_543.21;

/// Plants a unique canary in every internal field of every record: every documented
/// `[internal]` key, an undocumented one, the reviewer, and the address of masked sites.
fn plant_canaries(root: &Path) -> usize {
    let mut planted = 0;
    for path in all_files(&root.join("providers")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut t: toml::Table = toml::from_str(&text).unwrap();
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut internal = toml::Table::new();
        internal.insert("lead_officer".into(), format!("{CANARY}-lead-{id}").into());
        internal.insert("contract_value".into(), CANARY_MONEY.into());
        internal.insert("contract_ends".into(), toml::Value::Datetime("2031-07-19".parse().unwrap()));
        internal.insert("qa_notes".into(), format!("{CANARY}-qa-{id}").into());
        internal.insert("notes".into(), format!("{CANARY}-notes-{id}").into());
        internal.insert("panel_reference".into(), format!("{CANARY}-free-key-{id}").into());
        t.insert("internal".into(), toml::Value::Table(internal));
        t.insert("reviewed_by".into(), format!("{CANARY}-reviewer@example.gov.uk").into());
        planted += 7;
        if let Some(toml::Value::Array(locs)) = t.get_mut("locations") {
            for l in locs.iter_mut().filter_map(|l| l.as_table_mut()) {
                if l.get("mask_exact_address").and_then(|m| m.as_bool()) == Some(true) {
                    l.insert("address".into(), toml::Value::Array(vec![format!("{CANARY}-masked-address").into()]));
                    planted += 1;
                }
            }
        }
        std::fs::write(&path, toml::to_string(&t).unwrap()).unwrap();
    }
    planted + plant_tracking_canaries(root) + plant_scenario_canary(root)
}

/// A what-if scenario (docs/history.md) whose title and description carry the canary: a
/// scenario is internal only.
fn plant_scenario_canary(root: &Path) -> usize {
    let plan = format!("title = \"{CANARY}-scenario\"\ndescription = \"{CANARY}-plan\"\n[[close]]\nprovider = \"barnoldswick-canal-crafts\"\n");
    std::fs::create_dir_all(root.join("scenarios")).unwrap();
    std::fs::write(root.join("scenarios/canary-plan.toml"), plan).unwrap();
    1
}

/// The sample's tracking folder (issue 23) with a canary in every school and panel figure
/// file: school names, districts, tiers and provision, and a pupil roll of 9,876,543.
fn plant_tracking_canaries(root: &Path) -> usize {
    let dir = root.join("tracking");
    copy_dir(&sample_root().join("tracking"), &dir);
    let schools = std::fs::read_to_string(dir.join("schools.csv")).unwrap();
    let schools = schools.replace("(fictional)", &format!("{CANARY}-school")).replace(",Preston,", &format!(",{CANARY}-district,")).replacen(
        ",1100,",
        ",9876543,",
        1,
    );
    std::fs::write(dir.join("schools.csv"), schools).unwrap();
    let decisions = std::fs::read_to_string(dir.join("decisions.csv")).unwrap().replace("Tier", &format!("{CANARY}-tier"));
    std::fs::write(dir.join("decisions.csv"), decisions.replace("Registered AP", &format!("{CANARY}-provision"))).unwrap();
    // A small group's outcomes: published only as `c`, on /outcomes/ and on the provider's page.
    let mut outcomes = std::fs::read_to_string(dir.join("outcomes.csv")).unwrap();
    outcomes.push_str(&format!("threshold-mentoring,2026/27,3,1,{SMALL_GROUP_ATTENDANCE:.1},97.7,1,1,3,2,2,1\n"));
    std::fs::write(dir.join("outcomes.csv"), outcomes).unwrap();
    5
}

/// The small group's attendance before its placement: never published, since only 3 were placed.
const SMALL_GROUP_ATTENDANCE: f64 = 13.7;

fn files_containing(dir: &Path, needles: &[&[u8]]) -> Vec<String> {
    let mut hits = Vec::new();
    for f in all_files(dir) {
        let bytes = std::fs::read(&f).unwrap();
        for n in needles {
            if bytes.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)) {
                hits.push(format!("{} contains {}", f.display(), String::from_utf8_lossy(n)));
            }
        }
    }
    hits
}

#[test]
fn canary_never_reaches_the_public_site_but_does_reach_the_internal_one() {
    let site = sample_copy(true);
    let planted = plant_canaries(site.path());
    assert!(planted > 34 * 7, "expected masked sites in the sample too ({planted})");
    let needles: &[&[u8]] = &[CANARY.as_bytes(), b"9876543", b"9,876,543", b"2031-07-19", b"19 July 2031", b"13.7%", b"97.7%"];

    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    build(site.path(), &public, Profile::Public).unwrap();
    assert!(public.join("data/providers.csv").exists() && public.join("api/v3/services/index.json").exists());
    let hits = files_containing(&public, needles);
    assert!(hits.is_empty(), "internal data in the public site:\n{}", hits.join("\n"));

    // `apdir export` with the public profile is just as clean.
    let exported = out.path().join("export");
    apdir::export(
        &BuildOptions { no_cache: false, root: site.path().into(), output: None, load: load_options(Profile::Public) },
        Format::ALL,
        &exported,
    )
    .unwrap();
    let hits = files_containing(&exported, needles);
    assert!(hits.is_empty(), "internal data in the public export:\n{}", hits.join("\n"));

    // The scan can fail: the internal site carries every canary.
    let internal = out.path().join("internal");
    build(site.path(), &internal, Profile::Internal).unwrap();
    let page = std::fs::read_to_string(internal.join("providers/barnoldswick-canal-crafts/index.html")).unwrap();
    for key in ["lead", "qa", "notes", "free-key"] {
        assert!(page.contains(&format!("{CANARY}-{key}-barnoldswick-canal-crafts")), "internal page lacks the {key} canary");
    }
    assert!(page.contains("£9,876,543.21") && page.contains("19 July 2031"));
    assert!(!files_containing(&internal, &[CANARY.as_bytes()]).is_empty());
    let small = std::fs::read_to_string(internal.join("providers/threshold-mentoring/index.html")).unwrap();
    assert!(small.contains(&format!("{SMALL_GROUP_ATTENDANCE:.1}%")), "the internal provider page shows the raw outcomes");
    assert!(std::fs::read_to_string(internal.join("scenarios/canary-plan/index.html")).unwrap().contains(&format!("{CANARY}-scenario")));

    // The build cache is shared by both profiles: a public build after the internal one,
    // reusing whatever the internal build kept there, is still clean.
    assert!(apdir::cache::pack_entries(&site.path().join(".apdir/cache/exports.pack")).unwrap_or(0) >= 34, "the builds kept a cache");
    build(site.path(), &public, Profile::Public).unwrap();
    let hits = files_containing(&public, needles);
    assert!(hits.is_empty(), "internal data in the public site built after the internal one:\n{}", hits.join("\n"));
}

// ---------------------------------------------------------------------------
// Profiles.
// ---------------------------------------------------------------------------

#[test]
fn profiles_differ_in_pages_banner_noindex_and_robots() {
    let out = tempfile::tempdir().unwrap();
    let (public, internal) = (out.path().join("public"), out.path().join("internal"));
    build(&sample_root(), &public, Profile::Public).unwrap();
    build(&sample_root(), &internal, Profile::Internal).unwrap();

    assert!(!public.join("dashboard").exists());
    assert!(internal.join("dashboard/index.html").exists());
    for f in all_files(&public).iter().filter(|f| f.extension().is_some_and(|e| e == "html")) {
        let html = std::fs::read_to_string(f).unwrap();
        assert!(!html.contains("OFFICIAL-SENSITIVE") && !html.contains("noindex"), "{}", f.display());
        assert!(!html.contains("For the AP team"), "{}", f.display());
    }
    for f in all_files(&internal).iter().filter(|f| f.extension().is_some_and(|e| e == "html")) {
        let html = std::fs::read_to_string(f).unwrap();
        assert!(html.contains("OFFICIAL-SENSITIVE: not for publication"), "no banner on {}", f.display());
        assert!(html.contains(r#"<meta name="robots" content="noindex, nofollow">"#), "no noindex on {}", f.display());
    }
    assert!(std::fs::read_to_string(public.join("robots.txt")).unwrap().contains("Allow: /"));
    assert!(std::fs::read_to_string(internal.join("robots.txt")).unwrap().contains("Disallow: /"));
    let page = std::fs::read_to_string(internal.join("providers/barnoldswick-canal-crafts/index.html")).unwrap();
    assert!(page.contains("For the AP team") && page.contains("Imran Siddiq"));
    let public_page = std::fs::read_to_string(public.join("providers/barnoldswick-canal-crafts/index.html")).unwrap();
    assert!(!public_page.contains("Imran Siddiq"));
    let nav = std::fs::read_to_string(internal.join("index.html")).unwrap();
    assert!(nav.contains(r#"href="/dashboard/""#));
}

#[test]
fn the_internal_build_refuses_the_public_output_folder() {
    let site = sample_copy(true);
    let public = site.path().join("public");
    let e = build(site.path(), &public, Profile::Internal).unwrap_err();
    assert!(matches!(e, apdir::Error::Output(_)), "{e}");
    assert!(!public.exists(), "nothing may be written");
    // Nor any folder holding a public build.
    let elsewhere = site.path().join("www");
    build(site.path(), &elsewhere, Profile::Public).unwrap();
    let e = build(site.path(), &elsewhere, Profile::Internal).unwrap_err();
    assert!(e.to_string().contains("public build"), "{e}");
    assert!(!elsewhere.join("dashboard").exists());
    // `apdir export --profile internal` refuses published folders too.
    let options = BuildOptions { no_cache: false, root: site.path().into(), output: None, load: load_options(Profile::Internal) };
    assert!(apdir::export(&options, Format::ALL, &public.join("data")).is_err());
    assert!(apdir::export(&options, Format::ALL, &elsewhere).is_err());
    assert!(!public.exists());
    // Its own default folder is fine, and differs from the public one.
    let report =
        apdir::build(&BuildOptions { no_cache: false, root: site.path().into(), output: None, load: load_options(Profile::Internal) }).unwrap();
    assert!(report.output.ends_with("public-internal"), "{}", report.output.display());
}

#[test]
fn the_dashboard_lists_checks_most_urgent_first() {
    let site = Site::load(&sample_root(), &load_options(Profile::Internal)).unwrap();
    let items = apdir::dashboard::items(&site);
    assert!(!items.is_empty());
    let classes: Vec<u8> = items.iter().map(|i| i.urgency).collect();
    assert!(classes.is_sorted(), "urgency classes in order: {classes:?}");
    for class in 0..=3 {
        let rows: Vec<&str> = items.iter().filter(|i| i.urgency == class).map(|i| i.date_iso.as_str()).collect();
        let dated: Vec<&str> = rows.iter().copied().take_while(|d| !d.is_empty()).collect();
        assert!(dated.is_sorted(), "class {class}: oldest first");
        assert!(rows[dated.len()..].iter().all(|d| d.is_empty()), "class {class}: undated last");
    }
    // Each kind of check the sample has: overdue visits, out-of-date vacancies, a suspension.
    for check in ["safeguarding", "qa-visit", "vacancies", "list-status"] {
        assert!(items.iter().any(|i| i.check == check), "no {check} item");
    }
    // Every overdue item really is in the past; links go to provider pages.
    for i in &items {
        assert!(i.url.starts_with("/providers/"));
        if i.tag.text == "Overdue" || i.tag.text == "Expired" {
            assert!(i.days.unwrap() < 0, "{i:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Exports.
// ---------------------------------------------------------------------------

fn export_files(profile: Profile, formats: &[Format]) -> HashMap<String, Vec<u8>> {
    site_export_files(&Site::load(&sample_root(), &load_options(profile)).unwrap(), profile, formats)
}

fn site_export_files(site: &Site, profile: Profile, formats: &[Format]) -> HashMap<String, Vec<u8>> {
    export::files(site, formats, profile)
        .into_iter()
        .map(|f| match f.body {
            apdir::render::Body::Bytes(b) => (f.path, b),
            apdir::render::Body::Copy(_) => panic!("exports are generated"),
        })
        .collect()
}

#[test]
fn json_csv_and_geojson_exports() {
    let files = export_files(Profile::Public, &[Format::Json, Format::Csv, Format::Geojson]);
    let json: Value = serde_json::from_slice(&files["data/providers.json"]).unwrap();
    assert_eq!(json["format"], "apdir-providers");
    assert_eq!(json["version"], 1);
    let providers = json["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 34);
    let sites: usize = providers.iter().map(|p| p["locations"].as_array().unwrap().len()).sum();

    let mut csv = csv::Reader::from_reader(&files["data/providers.csv"][..]);
    let headers = csv.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert!(headers.iter().all(|h| !h.starts_with("internal.")));
    assert_eq!(csv.records().count(), sites, "one row per provider site");

    let geo: Value = serde_json::from_slice(&files["data/providers.geojson"]).unwrap();
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), sites);
    let site = Site::load(&sample_root(), &load_options(Profile::Public)).unwrap();
    let masked: Vec<&Value> = features.iter().filter(|f| f["properties"]["masked"] == true).collect();
    assert!(!masked.is_empty(), "the sample has masked sites");
    for f in masked {
        assert!(f["properties"]["postcode"].is_null());
        let area = site.area(f["properties"]["district"].as_str().unwrap()).unwrap();
        let c = &f["geometry"]["coordinates"];
        assert!(
            (c[0].as_f64().unwrap() - area.centre.0).abs() < 1e-5 && (c[1].as_f64().unwrap() - area.centre.1).abs() < 1e-5,
            "masked site not at its district's centre"
        );
    }
}

fn schema(name: &str) -> Value {
    let path = sample_root().join("tests/fixtures/openreferral-uk").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options().should_validate_formats(true).build(schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = v.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} is not valid ORUK:\n{}", errors.join("\n"));
}

fn assert_page(v: &Value, what: &str) {
    for k in ["total_items", "total_pages", "page_number", "size"] {
        assert!(v[k].is_u64(), "{what}: `{k}` must be an integer");
    }
    for k in ["first_page", "last_page", "empty"] {
        assert!(v[k].is_boolean(), "{what}: `{k}` must be a boolean");
    }
    assert_eq!(v["total_items"].as_u64().unwrap() as usize, v["contents"].as_array().unwrap().len(), "{what}");
}

#[test]
fn every_open_referral_file_is_valid_against_the_oruk_schemas() {
    let files = export_files(Profile::Public, &[Format::Oruk]);
    let service = validator(&schema("service.json"));
    let service_list = validator(&schema("service_list.json"));
    let organization = validator(&schema("organization.json"));
    let sal = validator(&schema("service_at_location.json"));
    let sal_list = validator(&schema("service_at_location_list.json"));
    let sal_schema = schema("service_at_location.json");
    let location = validator(&sal_schema["properties"]["location"]);
    let service_schema = schema("service.json");
    let term = validator(&service_schema["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]);
    let openapi = schema("openapi.json");
    let meta = validator(&openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]);
    let uuid = regex_free_uuid;

    let mut checked = 0;
    for (path, bytes) in &files {
        let v: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        let parts: Vec<&str> = path.trim_start_matches("api/v3/").split('/').collect();
        match parts.as_slice() {
            ["index.json"] => assert_valid(&meta, &v, path),
            [kind, "index.json"] => {
                assert_page(&v, path);
                let item = match *kind {
                    "services" => &service_list,
                    "organizations" => &organization,
                    "locations" => &location,
                    "service_at_locations" => &sal_list,
                    "taxonomy_terms" => &term,
                    "taxonomies" => {
                        for t in v["contents"].as_array().unwrap() {
                            assert!(uuid(t["id"].as_str().unwrap()) && t["name"].is_string(), "{path}");
                        }
                        checked += 1;
                        continue;
                    }
                    other => panic!("unexpected list {other}"),
                };
                for (i, c) in v["contents"].as_array().unwrap().iter().enumerate() {
                    assert_valid(item, c, &format!("{path} item {i}"));
                }
            }
            [kind, file] => {
                assert_eq!(Some(file.trim_end_matches(".json")), v["id"].as_str(), "{path}: the file is named by its id");
                assert!(uuid(v["id"].as_str().unwrap()), "{path}");
                let s = match *kind {
                    "services" => &service,
                    "organizations" => &organization,
                    "locations" => &location,
                    "service_at_locations" => &sal,
                    "taxonomy_terms" => &term,
                    "taxonomies" => {
                        assert!(v["name"].is_string(), "{path}");
                        checked += 1;
                        continue;
                    }
                    other => panic!("unexpected file kind {other}"),
                };
                assert_valid(s, &v, path);
            }
            _ => panic!("unexpected file {path}"),
        }
        checked += 1;
    }
    // Every provider has a service file; lists and the meta file are there.
    let services = files.keys().filter(|p| p.starts_with("api/v3/services/") && !p.ends_with("index.json")).count();
    assert_eq!(services, 34);
    // Every taxonomy and term in the lists has its own file (`GET /taxonomies/{id}`, …).
    for folder in ["taxonomies", "taxonomy_terms"] {
        let list: Value = serde_json::from_slice(&files[&format!("api/v3/{folder}/index.json")]).unwrap();
        let listed = list["contents"].as_array().unwrap();
        assert!(!listed.is_empty());
        for item in listed {
            let own = &files[&format!("api/v3/{folder}/{}.json", item["id"].as_str().unwrap())];
            assert_eq!(serde_json::from_slice::<Value>(own).unwrap(), *item, "{folder}: the file holds what the list holds");
        }
    }
    assert_eq!(checked, files.len());
    for p in [
        "api/v3/index.json",
        "api/v3/organizations/index.json",
        "api/v3/locations/index.json",
        "api/v3/service_at_locations/index.json",
        "api/v3/taxonomies/index.json",
        "api/v3/taxonomy_terms/index.json",
    ] {
        assert!(files.contains_key(p), "missing {p}");
    }
}

#[test]
fn organisation_and_location_files_are_written_only_when_asked_for() {
    // The ORUK API has no `/organizations/{id}` or `/locations/{id}`: by default only their
    // lists are written; `[exports] oruk_extras = true` adds one file per item.
    let per_item = |files: &HashMap<String, Vec<u8>>, folder: &str| -> Vec<String> {
        files.keys().filter(|p| p.starts_with(&format!("api/v3/{folder}/")) && !p.ends_with("/index.json")).cloned().collect()
    };
    let default = export_files(Profile::Public, &[Format::Oruk]);
    for folder in ["organizations", "locations"] {
        assert!(default.contains_key(&format!("api/v3/{folder}/index.json")));
        assert_eq!(per_item(&default, folder), Vec::<String>::new(), "{folder}: no per-item files by default");
    }

    let dir = sample_copy(true);
    let config = std::fs::read_to_string(dir.path().join("apdir.toml")).unwrap();
    std::fs::write(dir.path().join("apdir.toml"), config.replace("[exports]\n", "[exports]\noruk_extras = true\n")).unwrap();
    let files = site_export_files(&Site::load(dir.path(), &load_options(Profile::Public)).unwrap(), Profile::Public, &[Format::Oruk]);
    let organization = validator(&schema("organization.json"));
    let sal_schema = schema("service_at_location.json");
    let location = validator(&sal_schema["properties"]["location"]);
    for (folder, item_schema) in [("organizations", &organization), ("locations", &location)] {
        let list: Value = serde_json::from_slice(&files[&format!("api/v3/{folder}/index.json")]).unwrap();
        let listed = list["contents"].as_array().unwrap();
        assert!(!listed.is_empty());
        assert_eq!(per_item(&files, folder).len(), listed.len(), "{folder}: one file per listed item");
        for item in listed {
            let path = format!("api/v3/{folder}/{}.json", item["id"].as_str().unwrap());
            let own: Value = serde_json::from_slice(&files[&path]).unwrap();
            assert_valid(item_schema, &own, &path);
            assert_eq!(own, *item, "{path} holds what the list holds");
        }
    }
    // Everything else is the same with or without the extras.
    let mut rest: Vec<&String> =
        files.keys().filter(|p| !per_item(&files, "organizations").contains(p) && !per_item(&files, "locations").contains(p)).collect();
    rest.sort();
    let mut before: Vec<&String> = default.keys().collect();
    before.sort();
    assert_eq!(rest, before);
}

#[test]
fn the_open_referral_feed_is_written_only_when_asked_for() {
    // A default build publishes the open data downloads but not the ORUK feed; the sample
    // asks for the feed with `[exports] oruk = true`.
    let dir = sample_copy(true);
    let config = std::fs::read_to_string(dir.path().join("apdir.toml")).unwrap();
    assert!(config.contains("[exports]\noruk = true\n"), "the sample turns the feed on");
    std::fs::write(dir.path().join("apdir.toml"), config.replace("[exports]\noruk = true\n", "")).unwrap();
    let out = tempfile::tempdir().unwrap();
    build(dir.path(), &out.path().join("default"), Profile::Public).unwrap();
    let files = read_tree(&out.path().join("default"));
    assert!(files.contains_key("data/providers.csv") && files.contains_key("data/providers.json"));
    let feed: Vec<&String> = files.keys().filter(|p| p.starts_with("api/")).collect();
    assert!(feed.is_empty(), "no ORUK file in a default build: {feed:?}");

    std::fs::write(dir.path().join("apdir.toml"), &config).unwrap();
    build(dir.path(), &out.path().join("asked"), Profile::Public).unwrap();
    let files = read_tree(&out.path().join("asked"));
    assert!(files.contains_key("api/v3/services/index.json") && files.contains_key("api/v3/index.json"));
}

#[test]
fn a_build_writes_oruk_record_files_only_when_asked_for() {
    // By default the built site holds the ORUK list bodies, not a file per service: the
    // same information in fewer files. `oruk_records = true` adds `GET /services/{id}` and
    // `GET /service_at_locations/{id}`, byte for byte what `apdir export` writes.
    let dir = sample_copy(true);
    let out = tempfile::tempdir().unwrap();
    build(dir.path(), &out.path().join("a"), Profile::Public).unwrap();
    let plain = read_tree(&out.path().join("a"));
    let own = |files: &BTreeMap<String, Vec<u8>>, folder: &str| -> Vec<String> {
        files.keys().filter(|p| p.starts_with(&format!("api/v3/{folder}/")) && !p.ends_with("/index.json")).cloned().collect()
    };
    assert!(plain.contains_key("api/v3/services/index.json") && plain.contains_key("api/v3/service_at_locations/index.json"));
    assert_eq!(own(&plain, "services"), Vec::<String>::new());
    assert_eq!(own(&plain, "service_at_locations"), Vec::<String>::new());

    let config = std::fs::read_to_string(dir.path().join("apdir.toml")).unwrap();
    std::fs::write(dir.path().join("apdir.toml"), config.replace("[exports]\n", "[exports]\noruk_records = true\n")).unwrap();
    build(dir.path(), &out.path().join("b"), Profile::Public).unwrap();
    let full = read_tree(&out.path().join("b"));
    let exported = export_files(Profile::Public, &[Format::Oruk]);
    for folder in ["services", "service_at_locations"] {
        let files = own(&full, folder);
        assert!(!files.is_empty(), "{folder}: one file per record with oruk_records");
        for path in files {
            assert_eq!(full[&path], exported[&path], "{path}: the build and `apdir export` agree");
        }
    }
    // Nothing else changes.
    let rest: Vec<&String> = full.keys().filter(|p| !own(&full, "services").contains(p) && !own(&full, "service_at_locations").contains(p)).collect();
    assert_eq!(rest, plain.keys().collect::<Vec<_>>());
}

/// True for a lower-case hyphenated UUID.
fn regex_free_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn the_schema_check_can_fail() {
    // A service without its required status, and with a non-UUID id, is rejected.
    let v = validator(&schema("service.json"));
    assert!(v.iter_errors(&serde_json::json!({"id": "not-a-uuid", "name": "x"})).count() >= 2);
}

#[test]
fn oruk_ids_are_stable_uuids_derived_from_provider_ids() {
    let a = export::oruk::uuid("service", "ribbleside-short-stay-school");
    assert_eq!(a, export::oruk::uuid("service", "ribbleside-short-stay-school"));
    assert_ne!(a, export::oruk::uuid("service", "pharos-point-school"));
    assert!(regex_free_uuid(&a));
    assert_eq!(&a[14..15], "5", "UUID version 5");
    let files = export_files(Profile::Public, &[Format::Oruk]);
    assert!(files.contains_key(&format!("api/v3/services/{a}.json")));
}

// ---------------------------------------------------------------------------
// Import.
// ---------------------------------------------------------------------------

/// The path of the first difference between two JSON values (strings compared trimmed).
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| first_difference(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), format!("{at}.{k}")))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, format!("{at}[{i}]")))
        }
        (Value::String(x), Value::String(y)) if x.trim() == y.trim() => None,
        (x, y) if x == y => None,
        (x, y) => Some(format!("{at}: {x} != {y}")),
    }
}

fn import_into(root: &Path, csv: &Path, mapping: Option<PathBuf>, force: bool) -> apdir::import::ImportReport {
    import(&ImportOptions { root: root.into(), csv: csv.into(), mapping, force, dry_run: false, today: Some(today()) }).unwrap()
}

#[test]
fn csv_round_trip_gives_the_same_records() {
    let files = export_files(Profile::Internal, &[Format::Csv]);
    let csv = &files["data/providers.csv"];
    assert!(String::from_utf8_lossy(csv).lines().next().unwrap().contains("internal.lead_officer"));
    let site = sample_copy(false);
    let sheet = site.path().join("sheet.csv");
    std::fs::write(&sheet, csv).unwrap();
    let report = import_into(site.path(), &sheet, None, false);
    assert!(report.ok(), "{:?}\n{}", report.problems, report.diagnostics.render(false));
    assert_eq!(report.written.len(), 34);

    // The imported records are the same records: every export is byte-identical.
    let original = Site::load(&sample_root(), &load_options(Profile::Internal)).unwrap();
    let imported = Site::load(site.path(), &load_options(Profile::Internal)).unwrap();
    // (Text is compared trimmed: a spreadsheet cell keeps no leading or trailing blank lines.)
    for profile in [Profile::Internal, Profile::Public] {
        let a = Value::Array(export::records(&original, profile));
        let b = Value::Array(export::records(&imported, profile));
        if let Some(path) = first_difference(&a, &b, String::new()) {
            panic!("records differ after a round trip ({profile:?}) at {path}");
        }
    }
    let again = export::files(&imported, &[Format::Csv], Profile::Internal);
    let apdir::render::Body::Bytes(b) = &again[0].body else { panic!() };
    assert_eq!(b, csv, "export → import → export is not byte-identical");

    // A second import does not overwrite without --force.
    let report = import_into(site.path(), &sheet, None, false);
    assert!(report.written.is_empty());
    assert_eq!(report.problems.len(), 34);
    assert!(report.problems.iter().all(|p| p.reason.contains("--force") && p.column == "id"));
    let report = import_into(site.path(), &sheet, None, true);
    assert_eq!(report.written.len(), 34);
}

#[test]
fn a_messy_spreadsheet_imports_what_it_can_and_reports_the_rest() {
    let site = sample_copy(false);
    std::fs::remove_dir_all(site.path().join("content")).unwrap();
    // Other column names (mapped), a byte-order mark, Windows line endings, blank rows, extra
    // spaces, a wrong date, an exact duplicate row, a clashing duplicate name, no tiers.
    let rows = [
        "Provider name,Postcode, Tier(s) ,Registration,Census setting,Max hours,Next QA visit,Summary,Site,Favourite colour",
        "  Moss Lane Mentoring  ,  PR1 2HE ,2, non_school ,OTH,12,2027-03-01,  Mentoring for pupils at risk of exclusion. ,Main base,blue",
        ",,,,,,,,,",
        "Moss Lane Mentoring,PR7 1AA,2,non_school,OTH,12,2027-03-01,Mentoring for pupils at risk of exclusion.,Chorley room,green",
        "",
        "Brook Farm Learning,BB7 9ZZ,1;2,non_school,OTH,10,31/02/2027,Farm-based learning.,Farm,red",
        "Heron Tuition,FY8 1AA,3,non_school,OOT,6,01/06/2027,One-to-one tuition at home.,Base,red",
        "Heron Tuition,FY8 1AA,3,non_school,OOT,6,01/06/2027,One-to-one tuition at home.,Base,red",
        "Heron Tuition,PR4 1AA,3,non_school,OOT,9,01/06/2027,One-to-one tuition at home.,Kirkham,red",
        "Nowhere Project,PR1 2HE,,non_school,OTH,8,2027-01-01,No tiers given.,Room,red",
    ];
    // Real postcodes from the sample table, so the good rows validate.
    let postcodes = std::fs::read_to_string(site.path().join("data/postcodes.csv")).unwrap();
    let real: Vec<String> = postcodes.lines().skip(1).step_by(997).take(5).map(|l| l.split(',').next().unwrap().to_string()).collect();
    let mut text = String::from("\u{feff}");
    for r in rows {
        let mut line = r.to_string();
        for (i, fake) in ["PR1 2HE", "PR7 1AA", "BB7 9ZZ", "FY8 1AA", "PR4 1AA"].iter().enumerate() {
            line = line.replace(fake, &real[i]);
        }
        text.push_str(&line);
        text.push_str("\r\n");
    }
    let sheet = site.path().join("messy.csv");
    std::fs::write(&sheet, text).unwrap();
    let mapping = site.path().join("mapping.toml");
    std::fs::write(
        &mapping,
        "[columns]\n\"Provider name\" = \"name\"\n\"Postcode\" = \"location.postcode\"\n\"Tier(s)\" = \"offer.tiers\"\n\"Registration\" = \"registration.type\"\n\"Census setting\" = \"registration.ap_census_setting\"\n\"Max hours\" = \"registration.max_hours_per_week\"\n\"Next QA visit\" = \"quality_assurance.next_visit_due\"\n\"Summary\" = \"summary\"\n\"Site\" = \"location.name\"\n",
    )
    .unwrap();
    let report = import_into(site.path(), &sheet, Some(mapping), false);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    let problems = problems.join("\n");

    // The unmapped column is reported once, on the header row.
    assert!(problems.contains("row 1, column `Favourite colour`: not a column"), "{problems}");
    // The wrong date: its row, its column, why.
    assert!(problems.contains("row 6, column `Next QA visit`: `31/02/2027` is not a date"), "{problems}");
    // The exact duplicate is skipped; the clashing row of the same name is refused.
    assert!(problems.contains("row 8: repeats row 7 exactly"), "{problems}");
    assert!(problems.contains("row 9, column `Max hours`: differs from row 7"), "{problems}");
    // The record with no tiers fails the core's validation and is not written.
    assert!(report.diagnostics.errors().any(|d| d.file.as_ref().is_some_and(|f| f.name.contains("row 10"))), "{}", report.diagnostics.render(false));
    assert!(!report.ok());

    // Moss Lane: spaces trimmed, two rows became two sites; written and valid.
    let written: Vec<String> = report.written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(written, vec!["moss-lane-mentoring.toml".to_string()], "{problems}");
    let site_loaded = Site::load(site.path(), &load_options(Profile::Public)).unwrap();
    let p = &site_loaded.providers[0].provider;
    assert_eq!(p.name, "Moss Lane Mentoring");
    assert_eq!(p.summary, "Mentoring for pupils at risk of exclusion.");
    assert_eq!(p.locations.len(), 2);
    assert_eq!(p.quality_assurance.next_visit_due.unwrap().iso(), "2027-03-01");
}

#[test]
fn the_embedded_default_theme_lists_every_theme_file() {
    let dir = sample_root().join("themes/default");
    let mut on_disk: Vec<String> = all_files(&dir).iter().map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/")).collect();
    on_disk.sort();
    let mut listed: Vec<String> = apdir::scaffold::DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "DEFAULT_THEME in src/scaffold.rs must embed every file of themes/default/");
}

#[test]
fn exports_can_be_turned_off_in_the_config() {
    let site = sample_copy(true);
    let config = site.path().join("apdir.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("[exports]\noruk = true\n", "[exports]\noruk = false\n")).unwrap();
    let out = site.path().join("www");
    build(site.path(), &out, Profile::Public).unwrap();
    assert!(out.join("data/providers.csv").exists());
    assert!(!out.join("api").exists());
}

/// A provider record for the dashboard fixture: `extra` lines go under the top-level keys.
fn dashboard_record(name: &str, status: &str, extra: &str) -> String {
    format!(
        "schema_version = 1\nname = \"{name}\"\nsummary = \"A provider.\"\n\n[registration]\ntype = \"non_school\"\nap_census_setting = \"OTH\"\n\n[quality_assurance]\nlist_status = \"{status}\"\nnext_visit_due = 2027-03-01\n\n[safeguarding]\nenhanced_dbs_all_staff = true\nsingle_central_record = true\nnamed_dsl = true\npublic_liability_expires = 2027-08-31\nemployers_liability_expires = 2027-08-31\n{extra}\n[offer]\ntiers = [2]\nkey_stages = [\"KS3\"]\n\n[child_voice]\nfeedback_collected = true\nlast_collected = 2026-09-01\n\n[[locations]]\npostcode = \"PR1 2HE\"\n"
    )
}

#[test]
fn the_dashboard_puts_safeguarding_and_suspensions_before_old_figures() {
    let dir = sample_copy(false);
    std::fs::remove_dir_all(dir.path().join("content")).unwrap();
    let write = |id: &str, text: String| std::fs::write(dir.path().join(format!("providers/{id}.toml")), text).unwrap();
    // A child-voice note 515 days old (the oldest date in the fixture).
    write("old-voice", dashboard_record("Old Voice", "approved", "").replace("last_collected = 2026-09-01", "last_collected = 2025-06-28"));
    // A suspended provider whose insurance expired.
    write(
        "suspended",
        dashboard_record("Suspended Place", "suspended", "")
            .replace("public_liability_expires = 2027-08-31", "public_liability_expires = 2026-10-01"),
    );
    // An approved provider whose DSL training is out of date.
    write("stale-dsl", dashboard_record("Stale Training", "approved", "dsl_training = 2024-06-01\n"));
    let site = Site::load(dir.path(), &load_options(Profile::Internal)).unwrap();
    let items = apdir::dashboard::items(&site);
    let rows: Vec<(&str, &str)> = items.iter().map(|i| (i.provider.as_str(), i.check)).collect();
    let at = |row: (&str, &str)| rows.iter().position(|r| *r == row).unwrap_or_else(|| panic!("no {row:?} in {rows:?}"));
    assert_eq!(at(("Stale Training", "safeguarding")), 0, "safeguarding first: {rows:?}");
    assert!(at(("Suspended Place", "list-status")) < at(("Suspended Place", "insurance")));
    assert!(at(("Suspended Place", "insurance")) < at(("Old Voice", "child-voice")), "an old note comes after expired insurance: {rows:?}");
    let csv = String::from_utf8(apdir::dashboard::rows_csv(&items)).unwrap();
    assert!(csv.starts_with("urgency,provider,district,check,issue,date,status\r\n0,Stale Training,Preston,safeguarding,"), "{csv}");
}
