//! Issue 18, records that stay true: a record older than the published inspection data is
//! flagged on the next build at its own line, and a fact nobody recorded reads as unknown on
//! every page (never yes, never a plain no).

use crate::common::*;
use apdir::inspections::{InspectionsOptions, run};
use apdir::{BuildOptions, LoadOptions, Profile};

/// An independent school, recorded with an inspection of 2022; the fixture extract has one of
/// 23 September 2025 for its URN.
const SCHOOL: &str = r#"schema_version = 1
name = "Ribble Bank School"
summary = "An independent school for pupils with SEMH needs."

[registration]
type = "independent_school"
urn = "990201"
host_la_code = "888"
full_time_offer = true

[inspection]
body = "Ofsted"
framework = "eif_legacy"
last_inspection = 2022-05-10
legacy_overall = "requires_improvement"

[quality_assurance]
list_status = "not_assessed"

[offer]
tiers = [3]
key_stages = ["KS3", "KS4"]
age_min = 11
age_max = 16

[[locations]]
name = "Main site"
address = ["2 Mill Lane", "Preston"]
postcode = "PR1 2HE"
"#;

fn extract(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/inspections").join(name)
}

fn inspections(site: &TestSite, write: bool) -> apdir::inspections::InspectionsReport {
    let options = InspectionsOptions { root: site.root().to_path_buf(), csv: extract("independent_schools_inspections_mi.csv"), write };
    run(&options).unwrap_or_else(|e| panic!("{}", render_err(&e)))
}

fn check(site: &TestSite) -> apdir::Diagnostics {
    apdir::check(&site.options()).unwrap_or_else(|e| panic!("{}", render_err(&e)))
}

fn built(site: &TestSite, profile: Profile) -> (tempfile::TempDir, std::collections::BTreeMap<String, Vec<u8>>) {
    let out = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        no_cache: true,
        root: site.root().to_path_buf(),
        output: Some(out.path().join("site")),
        load: LoadOptions { today: Some(today()), profile, ..Default::default() },
    };
    apdir::build(&options).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let files = read_tree(&out.path().join("site"));
    (out, files)
}

/// The value after the row whose key is `key` on a page (`<dt>key</dt><dd>value`).
fn value_of(html: &str, key: &str) -> String {
    let at = html.find(&format!(">{key}</dt>")).unwrap_or_else(|| panic!("no row `{key}`"));
    let rest = &html[at..];
    let dd = rest.find("<dd").unwrap();
    let text = &rest[dd..];
    let start = text.find('>').unwrap() + 1;
    let end = text.find("</dd>").unwrap();
    let inner = &text[start..end];
    // Strip tags (the value may carry a tag such as "Not confirmed").
    let mut out = String::new();
    let mut depth = 0;
    for ch in inner.chars() {
        match ch {
            '<' => depth += 1,
            '>' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_record_older_than_the_extract_is_a_warning_at_its_line_until_it_is_updated() {
    let site = TestSite::new();
    site.provider("ribble-bank-school", SCHOOL);
    assert!(check(&site).with_code("inspection-newer-in-extract").is_empty(), "no extract seen yet, no warning");

    // The AP lead runs the command without --write: the record is untouched, the extract remembered.
    let report = inspections(&site, false);
    assert_eq!(std::fs::read_to_string(site.root().join("providers/ribble-bank-school.toml")).unwrap(), SCHOOL);
    assert!(report.text().contains("1 record is older than the extract; remembered in data/inspections-seen.csv"), "{}", report.text());
    let seen = std::fs::read_to_string(site.root().join("data/inspections-seen.csv")).unwrap();
    assert!(seen.starts_with("urn,last_inspection,extract,line\n990201,2025-09-23,independent_schools_inspections_mi.csv,"), "{seen}");

    // The next check and build warn at the record's `last_inspection`, and say what to run.
    let warnings = check(&site);
    assert_eq!(located(&warnings, "inspection-newer-in-extract"), "providers/ribble-bank-school.toml:14:19");
    let w = &warnings.with_code("inspection-newer-in-extract")[0];
    assert!(w.message.contains("23 September 2025") && w.message.contains("10 May 2022"), "{}", w.message);
    assert!(w.help.as_deref().unwrap_or_default().contains("apdir inspections independent_schools_inspections_mi.csv --write"), "{:?}", w.help);
    let build = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(build.warnings.with_code("inspection-newer-in-extract").len(), 1);
    // The AP lead's QA dashboard lists it too, with the extract's date, among the urgent rows.
    let internal = apdir::site::Site::load(site.root(), &apdir::LoadOptions { profile: apdir::Profile::Internal, ..Default::default() }).unwrap();
    let rows: Vec<_> = apdir::dashboard::items(&internal).into_iter().filter(|i| i.check == "inspection").collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].date_iso.as_str(), rows[0].urgency), ("2025-09-23", 2));
    assert!(rows[0].issue.contains("independent_schools_inspections_mi.csv"), "{}", rows[0].issue);

    // With --write the record catches up, and the warning is gone.
    let written = inspections(&site, true);
    assert_eq!(written.behind, 0, "{}", written.text());
    assert!(check(&site).with_code("inspection-newer-in-extract").is_empty());
    let internal = apdir::site::Site::load(site.root(), &apdir::LoadOptions { profile: apdir::Profile::Internal, ..Default::default() }).unwrap();
    assert!(apdir::dashboard::items(&internal).iter().all(|i| i.check != "inspection"), "updated: off the dashboard");
}

#[test]
fn a_record_with_no_inspection_is_warned_at_its_urn() {
    let site = TestSite::new();
    let start = SCHOOL.find("[inspection]").unwrap();
    let end = SCHOOL.find("[quality_assurance]").unwrap();
    site.provider("ribble-bank-school", &format!("{}{}", &SCHOOL[..start], &SCHOOL[end..]));
    site.write("data/inspections-seen.csv", "urn,last_inspection,extract,line\n990201,2025-09-23,mi.csv,4\n");
    assert_eq!(located(&check(&site), "inspection-newer-in-extract"), "providers/ribble-bank-school.toml:7:7");
}

#[test]
fn a_bad_row_in_the_remembered_extract_is_an_error_at_its_line_and_column() {
    let site = TestSite::new();
    site.provider("ribble-bank-school", SCHOOL);
    site.write("data/inspections-seen.csv", "urn,last_inspection,extract,line\n990201,23/09/2025,mi.csv,4\nABC,2025-01-01,mi.csv,5\n");
    let d = site.errors();
    let at: Vec<String> = d.with_code("inspections-seen").iter().map(|d| d.location()).collect();
    assert_eq!(at, ["data/inspections-seen.csv:2:8", "data/inspections-seen.csv:3:1"]);
}

#[test]
fn an_inspection_nobody_recorded_reads_not_recorded_and_not_inspected_is_its_own_answer() {
    let site = TestSite::new();
    let start = SCHOOL.find("[inspection]").unwrap();
    let end = SCHOOL.find("[quality_assurance]").unwrap();
    // No [inspection] table and no full_time_offer: unknown.
    let unknown = format!("{}{}", &SCHOOL[..start], &SCHOOL[end..]).replace("full_time_offer = true\n", "");
    site.provider("ribble-bank-school", &unknown);
    // `body = "none"`: recorded as not inspected.
    let not_inspected =
        SCHOOL.replace("name = \"Ribble Bank School\"", "name = \"Calder Edge School\"").replace("urn = \"990201\"", "urn = \"990202\"").replace(
            "body = \"Ofsted\"\nframework = \"eif_legacy\"\nlast_inspection = 2022-05-10\nlegacy_overall = \"requires_improvement\"\n",
            "body = \"none\"\n",
        );
    site.provider("calder-edge-school", &not_inspected);
    let (_out, files) = built(&site, Profile::Public);

    let unknown = page(&files, "providers/ribble-bank-school/index.html");
    assert_eq!(value_of(&unknown, "Inspection"), "Not recorded");
    assert_eq!(value_of(&unknown, "Full-time education"), "Not recorded");
    assert_eq!(value_of(&unknown, "Dual registration with the home school"), "Not recorded");
    let recorded = page(&files, "providers/calder-edge-school/index.html");
    assert_eq!(value_of(&recorded, "Inspection"), "Not inspected");
    assert_eq!(value_of(&recorded, "Full-time education"), "Yes");

    // The finder's no-JS list says the same from the same card.
    let list = page(&files, "providers/index.html");
    assert!(list.contains("Inspection not recorded"), "the list must not call an unrecorded inspection 'Not inspected'");
    assert!(list.contains("Not inspected"));
}

#[test]
fn a_fresh_scaffold_published_untouched_shows_no_yes_and_no_plain_no_for_what_nobody_recorded() {
    let site = TestSite::new();
    let path = apdir::scaffold::new_provider(site.root(), "Calder Valley Nurture Hub", today()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace("draft = true\n", "");
    std::fs::write(&path, text).unwrap();
    let (_out, files) = built(&site, Profile::Public);
    let html = page(&files, "providers/calder-valley-nurture-hub/index.html");
    for key in [
        "Enhanced DBS checks for all staff",
        "Single central record",
        "Named designated safeguarding lead",
        "Reports attendance every session",
        "Written confirmation of staff checks",
        "Safeguarding lead trained",
        "Child protection policy reviewed",
        "Public liability insurance until",
        "Employer&#39;s liability insurance until",
    ] {
        assert_eq!(value_of(&html, key), "Not confirmed", "{key}");
    }
    assert_eq!(value_of(&html, "Dual registration with the home school"), "Not recorded");
    // The scaffold records `full_time_offer = false` (the registration test needs it for a
    // non-school provider), so "No" there is what the record says.
    assert_eq!(value_of(&html, "Full-time education"), "No");
    assert!(!html.contains(">Yes<"), "a scaffold asserts nothing");
}
