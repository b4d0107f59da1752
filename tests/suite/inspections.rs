//! `apdir inspections`: an AP lead downloads the public extracts and sees, per provider, what
//! the record no longer says right; `--write` updates only the `[inspection]` table.

use crate::common::*;
use apdir::inspections::{Change, InspectionsOptions, InspectionsReport, run};

fn fixture(name: &str) -> std::path::PathBuf {
    repo().join("tests/fixtures/inspections").join(name)
}

/// An independent school inspected under the earlier framework, with comments to keep.
const RIBBLE_BANK: &str = r#"# Ribble Bank School: checked with the AP team in May.
schema_version = 1
name = "Ribble Bank School"
summary = "An independent school for pupils with SEMH needs."

[registration]
type = "independent_school"
urn = "990201"   # from GIAS
host_la_code = "888"

[inspection]
body = "Ofsted"
framework = "eif_legacy"
last_inspection = 2022-05-10   # the last full inspection
report_url = "https://reports.ofsted.gov.uk/provider/27/990201"
legacy_overall = "requires_improvement"  # see the report

[quality_assurance]
list_status = "approved"

[offer]
tiers = [3]
key_stages = ["KS3", "KS4"]

[[locations]]
name = "Main site"
postcode = "PR1 2HE"
"#;

/// A pupil referral unit, recorded with its last graded inspection.
const CALDER_EDGE: &str = r#"schema_version = 1
name = "Calder Edge Short Stay School"

[registration]
type = "pru"
urn = "990202"

[inspection]
body = "Ofsted"
framework = "eif_legacy"
last_inspection = 2024-03-12
legacy_overall = "requires_improvement"

[offer]
tiers = [2]

[[locations]]
postcode = "PR1 2HF"
"#;

fn site() -> TestSite {
    let site = TestSite::new();
    site.provider("ribble-bank-school", RIBBLE_BANK);
    site.provider("calder-edge", CALDER_EDGE);
    site
}

fn inspections(site: &TestSite, file: &str, write: bool) -> InspectionsReport {
    let options = InspectionsOptions { root: site.root().to_path_buf(), csv: fixture(file), write };
    run(&options).unwrap_or_else(|e| panic!("{}", render_err(&e)))
}

fn record(site: &TestSite, id: &str) -> String {
    std::fs::read_to_string(site.root().join(format!("providers/{id}.toml"))).unwrap()
}

fn changes<'a>(report: &'a InspectionsReport, id: &str) -> &'a [Change] {
    &report.findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no finding for {id}:\n{}", report.text())).changes
}

#[test]
fn a_newer_inspection_is_reported_and_nothing_changes_without_write() {
    let site = site();
    let report = inspections(&site, "independent_schools_inspections_mi.csv", false);
    let text = report.text();
    assert!(text.contains("newer inspection: 2025-09-23 in the extract, 2022-05-10 in the record"), "{text}");
    assert!(text.contains("Nothing was written: run again with --write"), "{text}");
    assert_eq!(record(&site, "ribble-bank-school"), RIBBLE_BANK, "without --write the record is untouched");
    assert_eq!(record(&site, "calder-edge"), CALDER_EDGE);
}

#[test]
fn write_rewrites_only_the_inspection_table_keeping_comments_and_layout() {
    let site = site();
    inspections(&site, "independent_schools_inspections_mi.csv", true);
    let expected = RIBBLE_BANK
        .replace("last_inspection = 2022-05-10   # the last full inspection", "last_inspection = 2025-09-23   # the last full inspection")
        .replace("report_url = \"https://reports.ofsted.gov.uk/provider/27/990201\"\n", "")
        .replace("legacy_overall = \"requires_improvement\"  # see the report", "legacy_overall = \"good\"  # see the report");
    assert_eq!(record(&site, "ribble-bank-school"), expected);
    assert_eq!(record(&site, "calder-edge"), CALDER_EDGE, "a URN the extract does not have is left alone");
    // Run again: the record now matches, so nothing differs.
    let again = inspections(&site, "independent_schools_inspections_mi.csv", true);
    assert!(again.findings.is_empty(), "{}", again.text());
}

#[test]
fn a_report_card_replaces_a_single_word_grade() {
    let site = site();
    let report = inspections(&site, "state_funded_schools_inspections_mi.csv", true);
    assert!(matches!(changes(&report, "calder-edge")[0], Change::NewerInspection { .. }), "{}", report.text());
    let expected = CALDER_EDGE.replace(
        "last_inspection = 2024-03-12\nlegacy_overall = \"requires_improvement\"\n",
        "last_inspection = 2026-10-14\nreport_url = \"https://reports.ofsted.gov.uk/provider/22/990202\"\nsafeguarding = \"met\"\ngrades = { inclusion = \"expected_standard\", curriculum_and_teaching = \"needs_attention\", achievement = \"expected_standard\", attendance_and_behaviour = \"needs_attention\", personal_development_and_wellbeing = \"strong_standard\", leadership_and_governance = \"expected_standard\" }\n",
    ).replace("framework = \"eif_legacy\"", "framework = \"report_card_2025\"");
    assert_eq!(record(&site, "calder-edge"), expected);
}

#[test]
fn gias_shows_a_closed_establishment_and_its_successor() {
    let site = site();
    let report = inspections(&site, "edubasealldata20261201.csv", true);
    let closed = Change::Status { status: "Closed".into(), close_date: apdir::Date::parse("2026-08-31"), reason: Some("Academy Converter".into()) };
    assert!(changes(&report, "calder-edge").contains(&closed), "{}", report.text());
    assert!(report.text().contains("GIAS status: Closed, closing date 2026-08-31 (Academy Converter)"));
    assert!(report.text().contains("calder-edge (URN 990202) providers/calder-edge.toml, extract line 3"), "{}", report.text());
    assert!(report.findings.iter().all(|f| f.id != "ribble-bank-school"), "an open school with the same name and postcode has nothing to report");
    assert_eq!(record(&site, "calder-edge"), CALDER_EDGE, "GIAS changes are reported, never written");

    let links = inspections(&site, "links_edubasealldata20261201.csv", false);
    assert!(changes(&links, "calder-edge").contains(&Change::Successor { urn: "990203".into() }), "{}", links.text());
}

#[test]
fn a_name_or_postcode_change_is_reported() {
    let site = site();
    site.provider("ribble-bank-school", &RIBBLE_BANK.replace("Ribble Bank School\"", "Ribble Bank\"").replace("PR1 2HE", "PR1 2HG"));
    let report = inspections(&site, "edubasealldata20261201.csv", false);
    let c = changes(&report, "ribble-bank-school");
    assert!(c.contains(&Change::Name { extract: "Ribble Bank School".into(), record: "Ribble Bank".into() }), "{c:?}");
    assert!(c.contains(&Change::Postcode { extract: "PR1 2HE".into(), record: "PR1 2HG".into() }), "{c:?}");
}

#[test]
fn bad_rows_are_reported_at_their_line_and_column_all_at_once() {
    let site = site();
    let good = std::fs::read_to_string(fixture("independent_schools_inspections_mi.csv")).unwrap();
    let header = good.lines().next().unwrap();
    let csv = format!("{header}\r\n12AB,x\r\n990201,,,,,,,,,,,,,,,,last Tuesday\r\n");
    site.write("extract.csv", &csv);
    let options = InspectionsOptions { root: site.root().to_path_buf(), csv: site.root().join("extract.csv"), write: true };
    let Err(apdir::Error::Content(d)) = run(&options) else { panic!("expected content errors") };
    let at: Vec<String> = d.items.iter().map(|d| d.location()).collect();
    assert_eq!(at, ["extract.csv:2:1", "extract.csv:3:23"], "{}", d.render(false));
    assert_eq!(record(&site, "ribble-bank-school"), RIBBLE_BANK);
}

#[test]
fn a_file_that_is_no_known_extract_is_refused() {
    let site = site();
    site.write("other.csv", "id,name\nx,y\n");
    let options = InspectionsOptions { root: site.root().to_path_buf(), csv: site.root().join("other.csv"), write: false };
    let Err(apdir::Error::Content(d)) = run(&options) else { panic!("expected an error") };
    assert!(d.render(false).contains("not an extract apdir knows"), "{}", d.render(false));
}

#[cfg(unix)]
#[test]
fn a_symlinked_record_is_never_written_through() {
    let site = site();
    let real = site.root().join("elsewhere.toml");
    std::fs::write(&real, RIBBLE_BANK).unwrap();
    let link = site.root().join("providers/ribble-bank-school.toml");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let options = InspectionsOptions { root: site.root().to_path_buf(), csv: fixture("independent_schools_inspections_mi.csv"), write: true };
    let _ = run(&options);
    assert_eq!(std::fs::read_to_string(&real).unwrap(), RIBBLE_BANK, "the link's target is untouched");
}
