//! `apdir import` never loses a record: an existing record is left byte-identical unless
//! `--force` is given, and a row that fails (a cell that cannot be read, or the core
//! validation) writes nothing, with or without `--force`.

use std::path::{Path, PathBuf};

use apdir::Date;
use apdir::import::{ImportOptions, ImportReport, import};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A site with the sample's settings, postcode table and boundaries, and one provider record
/// written by hand (comments and all, so any rewrite would show).
fn site() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The sample's settings without its second boundary layer (its files are not copied).
    let config = std::fs::read_to_string(repo().join("apdir.toml")).unwrap();
    std::fs::write(root.join("apdir.toml"), config.split("[[area_layers]]").next().unwrap()).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("areas")).unwrap();
    std::fs::create_dir_all(root.join("providers")).unwrap();
    std::fs::copy(repo().join("data/postcodes.csv"), root.join("data/postcodes.csv")).unwrap();
    std::fs::copy(repo().join("areas/districts.geojson"), root.join("areas/districts.geojson")).unwrap();
    let existing = "chainring-bike-workshop";
    std::fs::copy(repo().join(format!("providers/{existing}.toml")), root.join(format!("providers/{existing}.toml"))).unwrap();
    (dir, existing.to_string())
}

/// A real postcode of the sample table, so good rows validate.
fn postcode(n: usize) -> String {
    let table = std::fs::read_to_string(repo().join("data/postcodes.csv")).unwrap();
    table.lines().skip(1).step_by(997).nth(n).unwrap().split(',').next().unwrap().to_string()
}

const HEADER: &str = "id,name,location.postcode,location.name,offer.tiers,registration.type,registration.ap_census_setting,registration.max_hours_per_week,quality_assurance.next_visit_due,summary";

fn row(id: &str, name: &str, pc: &str, tiers: &str, next_visit: &str) -> String {
    format!("{id},{name},{pc},Main base,{tiers},non_school,OTH,12,{next_visit},A short summary of what {name} offers.")
}

fn run(root: &Path, rows: &[String], force: bool) -> ImportReport {
    let sheet = root.join("sheet.csv");
    std::fs::write(&sheet, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    import(&ImportOptions { root: root.into(), csv: sheet, mapping: None, force, dry_run: false, today: Date::parse("2026-11-25") }).unwrap()
}

fn names(report: &ImportReport) -> Vec<String> {
    report.written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

#[test]
fn an_existing_record_is_left_byte_identical_without_force_and_replaced_with_it() {
    let (dir, existing) = site();
    let path = dir.path().join(format!("providers/{existing}.toml"));
    let before = std::fs::read(&path).unwrap();
    let same_id = row(&existing, "Chainring Bike Workshop", &postcode(0), "2", "2027-03-01");

    let report = run(dir.path(), std::slice::from_ref(&same_id), false);
    assert!(report.written.is_empty(), "{:?}", report.written);
    assert!(report.problems.iter().any(|p| p.row == 2 && p.column == "id" && p.reason.contains("--force")), "{:?}", report.problems);
    assert_eq!(std::fs::read(&path).unwrap(), before, "the record changed without --force");

    let report = run(dir.path(), &[same_id], true);
    assert!(report.ok(), "{:?}\n{}", report.problems, report.diagnostics.render(false));
    assert_eq!(names(&report), vec![format!("{existing}.toml")]);
    let after = std::fs::read_to_string(&path).unwrap();
    assert_ne!(after.as_bytes(), before.as_slice(), "--force did not replace the record");
    assert!(after.starts_with("# Imported by `apdir import` from sheet.csv"), "{after}");
    assert!(after.contains("Chainring Bike Workshop"), "{after}");
}

#[test]
fn a_row_that_fails_writes_nothing_for_that_row() {
    let (dir, existing) = site();
    let providers = dir.path().join("providers");
    let existing_path = providers.join(format!("{existing}.toml"));
    let before = std::fs::read(&existing_path).unwrap();
    let rows = [
        // Good: written.
        row("good-place", "Good Place", &postcode(1), "2", "2027-03-01"),
        // No tiers: fails the core validation.
        row("no-tiers", "No Tiers", &postcode(2), "", "2027-03-01"),
        // A date that cannot be read: fails at the cell.
        row("bad-date", "Bad Date", &postcode(3), "1", "31/02/2027"),
        // The existing record's id, failing validation: even with --force it is kept.
        row(&existing, "Chainring Bike Workshop", &postcode(0), "", "2027-03-01"),
    ];
    for force in [false, true] {
        let _ = std::fs::remove_file(providers.join("good-place.toml"));
        let report = run(dir.path(), &rows, force);
        assert!(!report.ok());
        assert_eq!(names(&report), vec!["good-place.toml".to_string()], "force={force}: {:?}\n{}", report.problems, report.diagnostics.render(false));
        assert!(providers.join("good-place.toml").is_file());
        assert!(!providers.join("no-tiers.toml").exists(), "a record that fails validation was written");
        assert!(!providers.join("bad-date.toml").exists(), "a row with an unreadable cell was written");
        assert!(report.problems.iter().any(|p| p.row == 4 && p.reason.contains("is not a date")), "{:?}", report.problems);
        assert!(
            report.diagnostics.errors().any(|d| d.file.as_ref().is_some_and(|f| f.name.contains("row 3"))),
            "{}",
            report.diagnostics.render(false)
        );
        assert_eq!(std::fs::read(&existing_path).unwrap(), before, "force={force}: a failed row changed the existing record");
        let mut files: Vec<String> = std::fs::read_dir(&providers).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        assert_eq!(files, vec![format!("{existing}.toml"), "good-place.toml".to_string()], "nothing else (no temporary files) is left");
    }
}

#[test]
fn force_replaces_a_linked_record_and_never_writes_through_the_link() {
    let (dir, _) = site();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "not a record").unwrap();
    let link = dir.path().join("providers/linked-place.toml");
    std::os::unix::fs::symlink(&outside, &link).unwrap();

    let report = run(dir.path(), &[row("linked-place", "Linked Place", &postcode(1), "2", "2027-03-01")], false);
    assert!(report.written.is_empty(), "without --force a link counts as an existing record");

    let report = run(dir.path(), &[row("linked-place", "Linked Place", &postcode(1), "2", "2027-03-01")], true);
    assert_eq!(names(&report), ["linked-place.toml"], "{report:?}");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not a record", "the link's target is untouched");
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.is_file(), "the link was replaced by the record itself");
    assert!(std::fs::read_to_string(&link).unwrap().contains("Linked Place"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("providers"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[test]
fn a_long_id_is_one_row_problem_and_the_other_rows_are_still_checked_and_written() {
    let (dir, _) = site();
    let long = "a".repeat(303);
    let report = run(
        dir.path(),
        &[
            row("first-place", "First Place", &postcode(1), "2", "2027-03-01"),
            row(&long, "Long Place", &postcode(2), "2", "2027-03-01"),
            row("third-place", "Third", &postcode(3), "2", "not a date"),
        ],
        false,
    );
    assert_eq!(names(&report), ["first-place.toml"], "{report:?}");
    assert!(report.problems.iter().any(|p| p.row == 3 && p.reason.contains("at most 100")), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.row == 4), "the row after the long id is still checked: {:?}", report.problems);
}
