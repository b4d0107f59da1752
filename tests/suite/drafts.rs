//! Drafts and scaffolds: a new record asserts nothing, stays out of everything the public
//! sees, and cannot be published while it still holds the scaffold's placeholder text.

use crate::common::*;
use apdir::{BuildOptions, LoadOptions, Profile};

const DRAFT_CANARY: &str = "Draftcanary-Vw38";

fn options(site: &TestSite, profile: Profile, out: &std::path::Path) -> BuildOptions {
    BuildOptions {
        no_cache: true,
        root: site.root().to_path_buf(),
        output: Some(out.to_path_buf()),
        load: LoadOptions { today: Some(today()), profile, ..Default::default() },
    }
}

fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| std::fs::read(e.path()).unwrap().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle)))
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn a_draft_reaches_no_public_file_but_shows_labelled_in_the_internal_site() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let draft = VALID_PROVIDER
        .replace("name = \"Test Provider\"", &format!("name = \"{DRAFT_CANARY} Centre\"\ndraft = true"))
        .replace("A provider for tests.", &format!("Summary {DRAFT_CANARY}."));
    site.provider("draft-provider", &draft);
    let out = tempfile::tempdir().unwrap();

    let public = out.path().join("public");
    let report = apdir::build(&options(&site, Profile::Public, &public)).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(report.providers, 1);
    assert!(public.join("providers/test-provider/index.html").exists());
    assert!(!public.join("providers/draft-provider").exists());
    let hits = files_containing(&public, DRAFT_CANARY.as_bytes());
    assert!(hits.is_empty(), "a draft reached the public site:\n{}", hits.join("\n"));
    let hits = files_containing(&public, b"draft-provider");
    assert!(hits.is_empty(), "a draft's id reached the public site:\n{}", hits.join("\n"));

    let exported = out.path().join("export");
    apdir::export(&options(&site, Profile::Public, &public), apdir::export::Format::ALL, &exported).unwrap();
    let hits = files_containing(&exported, DRAFT_CANARY.as_bytes());
    assert!(hits.is_empty(), "a draft reached the public export:\n{}", hits.join("\n"));

    // The scan can fail: the internal site has the draft, labelled.
    let internal = out.path().join("internal");
    apdir::build(&options(&site, Profile::Internal, &internal)).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let page = std::fs::read_to_string(internal.join("providers/draft-provider/index.html")).unwrap();
    assert!(page.contains(DRAFT_CANARY) && page.contains("Draft — not published"));
}

#[test]
fn a_draft_exported_and_imported_again_stays_a_draft() {
    // The internal CSV carries `draft`, so a round trip through a spreadsheet never publishes
    // a record nobody finished.
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.provider("draft-provider", &VALID_PROVIDER.replace("name = \"Test Provider\"", "name = \"Draft Centre\"\ndraft = true"));
    let out = tempfile::tempdir().unwrap();
    let exported = out.path().join("export");
    apdir::export(&options(&site, Profile::Internal, &out.path().join("x")), &[apdir::export::Format::Csv], &exported).unwrap();
    let csv = std::fs::read_to_string(exported.join("data/providers.csv")).unwrap();
    assert!(csv.lines().next().unwrap().split(',').any(|h| h == "draft"), "{}", csv.lines().next().unwrap());

    let target = TestSite::new();
    let report = apdir::import::import(&apdir::import::ImportOptions {
        root: target.root().to_path_buf(),
        csv: exported.join("data/providers.csv"),
        mapping: None,
        force: true,
        dry_run: false,
        today: Some(today()),
    })
    .unwrap();
    assert!(report.ok(), "{report:?}");
    let draft = std::fs::read_to_string(target.root().join("providers/draft-provider.toml")).unwrap();
    assert!(draft.contains("draft = true"), "{draft}");
    let published = std::fs::read_to_string(target.root().join("providers/test-provider.toml")).unwrap();
    assert!(!published.contains("draft"), "{published}");
}

#[test]
fn a_new_provider_is_a_draft_that_asserts_nothing() {
    let site = TestSite::new();
    let path = apdir::scaffold::new_provider(site.root(), "Calder Valley Nurture Hub", today()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let record: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(record["draft"].as_bool(), Some(true));
    assert!(record["safeguarding"].as_table().unwrap().is_empty(), "no safeguarding fact is recorded: {text}");
    assert!(!record.contains_key("inspection"), "no inspection is recorded");
    assert!(record["offer"].get("dual_registration").is_none());
    assert!(record["registration"].get("host_la_code").is_none() && record["registration"].get("urn").is_none());
    assert!(record.get("contact").and_then(|c| c.as_table()).is_none_or(|c| c.is_empty()), "no sample contact");
    // It passes the checks, and the public site has no page for it.
    let out = tempfile::tempdir().unwrap();
    let report = apdir::build(&options(&site, Profile::Public, out.path())).unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(report.providers, 0);
    assert!(files_containing(out.path(), b"Calder Valley Nurture Hub").is_empty());
}

#[test]
fn a_published_record_with_the_scaffolds_placeholders_is_an_error_at_each() {
    let site = TestSite::new();
    let path = apdir::scaffold::new_provider(site.root(), "Calder Valley Nurture Hub", today()).unwrap();
    let scaffold = std::fs::read_to_string(&path).unwrap();
    // Published as written, with the sample address and email put back.
    let text = scaffold
        .replace("draft = true\n", "")
        .replace("# address = [\"1 Example Street\", \"Preston\"]", "address = [\"1 Example Street\", \"Preston\"]")
        .replace("# email = \"referrals@example.org\"", "email = \"referrals@example.org\"");
    std::fs::write(&path, &text).unwrap();
    let d = site.errors();
    let at: Vec<String> = d.with_code("scaffold-placeholder").iter().map(|d| d.location()).collect();
    let line = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    assert_eq!(
        at,
        [
            format!("providers/calder-valley-nurture-hub.toml:{}:13", line("address =")),
            format!("providers/calder-valley-nurture-hub.toml:{}:10", line("email ="))
        ]
    );
    // As a draft, the same text is allowed.
    std::fs::write(&path, text.replacen("schema_version = 1\n", "schema_version = 1\ndraft = true\n", 1)).unwrap();
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
}

#[test]
fn a_new_guide_page_is_a_draft_and_its_placeholders_cannot_publish() {
    let site = TestSite::new();
    let path = apdir::scaffold::new_guide(site.root(), "Working with health services", "guide", today()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\ndraft = true"), "{text}");
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert!(!site.output().join("guide/working-with-health-services").exists(), "{report:?}");
    std::fs::write(&path, text.replace("draft = true  # delete this line to publish the page\n", "")).unwrap();
    let d = site.errors();
    let found = d.with_code("scaffold-placeholder");
    assert_eq!(found.len(), 3, "{}", d.render(false));
    assert!(found[0].location().starts_with("content/guide/working-with-health-services.md:3:"), "{}", found[0].location());
}
