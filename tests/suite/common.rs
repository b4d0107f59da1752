//! Helpers shared by the integration tests: small throwaway sites and builds of the sample.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use apdir::{BuildOptions, Date, LoadOptions};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn today() -> Date {
    Date::parse("2026-11-25").unwrap()
}

/// Builds the repository's sample site into a temporary folder and returns every output file.
pub fn build_sample() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("public");
    let options = BuildOptions {
        no_cache: false,
        root: repo(),
        output: Some(target.clone()),
        load: LoadOptions { today: Some(today()), ..Default::default() },
    };
    apdir::build(&options).unwrap_or_else(|e| panic!("the sample site must build: {e}\n{}", render_err(&e)));
    let files = read_tree(&target);
    (out, files)
}

pub fn render_err(e: &apdir::Error) -> String {
    match e {
        apdir::Error::Content(d) => d.render(false),
        other => other.to_string(),
    }
}

pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok) {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Copies the file or folder `from` (with everything below it) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    if !from.is_dir() {
        std::fs::copy(from, to).unwrap();
        return;
    }
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        copy_dir(&e.path(), &to.join(e.file_name()));
    }
}

pub fn page(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let bytes = files.get(path).unwrap_or_else(|| panic!("{path} was not built"));
    String::from_utf8(bytes.clone()).unwrap()
}

/// A valid provider record for small test sites (Preston, postcode PR1 2HE).
pub const VALID_PROVIDER: &str = r#"schema_version = 1
name = "Test Provider"
summary = "A provider for tests."
description = "Some *Markdown*."

[registration]
type = "non_school"
ap_census_setting = "OTH"
full_time_offer = false
max_hours_per_week = 12.0

[quality_assurance]
list_status = "approved"
next_visit_due = 2027-03-01

[safeguarding]
enhanced_dbs_all_staff = true
single_central_record = true
named_dsl = true
public_liability_expires = 2027-08-31

[offer]
tiers = [2]
key_stages = ["KS3"]
needs = ["semh"]

[capacity]
places = 10
vacancies = 2
vacancies_as_of = 2026-11-01

[[locations]]
name = "Main site"
address = ["1 Test Street", "Preston"]
postcode = "PR1 2HE"

[internal]
lead_officer = "Officer Canary-Zq81"
"#;

/// A throwaway site: config, a few real postcodes, the district boundaries and the repo's theme.
pub struct TestSite {
    pub dir: tempfile::TempDir,
}

impl TestSite {
    pub fn new() -> TestSite {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let themes = repo().join("themes");
        std::fs::write(
            root.join("apdir.toml"),
            format!(
                "title = \"Test\"\nbase_url = \"https://test.example\"\nauthority = \"Test Council\"\ncontact_email = \"t@example.org\"\nthemes_dir = {:?}\ncontext_areas = [\"E06000008\", \"E06000009\"]\n",
                themes.to_string_lossy()
            ),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        let postcodes: String = std::fs::read_to_string(repo().join("data/postcodes.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("postcode,") || l.starts_with("PR1 2") || l.starts_with("BB7 2") || l.starts_with("FY8 1"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(root.join("data/postcodes.csv"), postcodes).unwrap();
        std::fs::create_dir_all(root.join("areas")).unwrap();
        std::fs::copy(repo().join("areas/districts.geojson"), root.join("areas/districts.geojson")).unwrap();
        std::fs::create_dir_all(root.join("providers")).unwrap();
        std::fs::create_dir_all(root.join("content/guide")).unwrap();
        let site = TestSite { dir };
        site.write("content/guide/_index.md", "+++\ntitle = \"Guide\"\nsummary = \"The guide.\"\nreviewed = 2026-11-01\n+++\n\n## Start\n\nHello.\n");
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn provider(&self, id: &str, text: &str) -> &Self {
        self.write(&format!("providers/{id}.toml"), text)
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            no_cache: false,
            root: self.root().to_path_buf(),
            output: None,
            load: LoadOptions { today: Some(today()), ..Default::default() },
        }
    }

    pub fn build(&self) -> Result<apdir::BuildReport, apdir::Error> {
        apdir::build(&self.options())
    }

    /// Builds, expecting content errors, and returns them.
    pub fn errors(&self) -> apdir::Diagnostics {
        match self.build() {
            Err(apdir::Error::Content(d)) => d,
            Err(e) => panic!("expected content errors, got {e}"),
            Ok(_) => panic!("expected the build to fail"),
        }
    }

    pub fn output(&self) -> PathBuf {
        self.root().join("public")
    }
}

/// `path:line:col` of the first diagnostic with `code`, panicking with all diagnostics if none.
pub fn located(d: &apdir::Diagnostics, code: &str) -> String {
    let found = d.with_code(code);
    assert!(!found.is_empty(), "no `{code}` diagnostic; got:\n{}", d.render(false));
    found[0].location()
}

/// Asserts that a `code` problem is reported at `at`, the start of its location
/// (`templates/404.html:2:` for any column of that line).
pub fn assert_reported_at(d: &apdir::Diagnostics, code: &str, at: &str) {
    let locations: Vec<String> = d.with_code(code).iter().map(|s| s.location()).collect();
    assert!(locations.iter().any(|l| l.starts_with(at)), "no `{code}` at {at}: {locations:?}\n{}", d.render(false));
}
