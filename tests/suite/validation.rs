//! One test per validation rule: each names the file, line and column and says what to do.

use crate::common;
use common::*;

fn with(replace: &str, by: &str) -> String {
    assert!(VALID_PROVIDER.contains(replace), "fixture lacks {replace:?}");
    VALID_PROVIDER.replacen(replace, by, 1)
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("needle in text") + 1
}

#[test]
fn a_valid_provider_builds() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(report.providers, 1);
    let unexpected: Vec<_> = report.warnings.items.iter().filter(|w| w.code != "area-figures-missing").collect();
    assert!(unexpected.is_empty(), "{}", report.warnings.render(false));
    let html = std::fs::read_to_string(site.output().join("providers/test-provider/index.html")).unwrap();
    assert!(html.contains("Test Provider"));
    assert!(!html.contains("Canary-Zq81"), "internal notes stay out of the page");
}

#[test]
fn non_school_provider_offering_full_time_education_fails_the_registration_test() {
    let site = TestSite::new();
    let text = with("full_time_offer = false", "full_time_offer = true");
    site.provider("test-provider", &text);
    let d = site.errors();
    let line = line_of(&text, "full_time_offer");
    assert_eq!(located(&d, "registration-test"), format!("providers/test-provider.toml:{line}:19"));
    assert!(d.render(false).contains("register as an independent school"));
}

#[test]
fn non_school_provider_over_the_hours_limit_fails_the_registration_test() {
    let site = TestSite::new();
    let text = with("max_hours_per_week = 12.0", "max_hours_per_week = 25.0");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert_eq!(located(&d, "registration-test"), format!("providers/test-provider.toml:{}:22", line_of(&text, "max_hours")));
    assert!(d.with_code("registration-test")[0].message.contains("25 hours"));
}

#[test]
fn the_hours_limit_comes_from_the_config() {
    let site = TestSite::new();
    site.provider("test-provider", &with("max_hours_per_week = 12.0", "max_hours_per_week = 20.0"));
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &format!("{config}\n[rules]\nnon_school_max_hours = 22\n"));
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
}

#[test]
fn a_registered_school_without_a_urn_is_an_error() {
    let site = TestSite::new();
    let text = with("type = \"non_school\"\nap_census_setting = \"OTH\"", "type = \"pru\"");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert!(located(&d, "missing-urn").starts_with("providers/test-provider.toml:"));
    assert!(d.render(false).contains("Get Information about Schools"));
}

#[test]
fn a_college_without_a_ukprn_is_an_error() {
    let site = TestSite::new();
    site.provider("test-provider", &with("type = \"non_school\"\nap_census_setting = \"OTH\"", "type = \"fe_college\""));
    let d = site.errors();
    assert!(!d.with_code("missing-ukprn").is_empty(), "{}", d.render(false));
}

#[test]
fn tiers_outside_one_to_three_are_errors() {
    let site = TestSite::new();
    let text = with("tiers = [2]", "tiers = [2, 4]");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert_eq!(located(&d, "invalid-tier"), format!("providers/test-provider.toml:{}:13", line_of(&text, "tiers =")));
}

#[test]
fn unknown_needs_get_a_did_you_mean() {
    let site = TestSite::new();
    let text = with("needs = [\"semh\"]", "needs = [\"semh\", \"anxiety\", \"sehm\"]");
    site.provider("test-provider", &text);
    let d = site.errors();
    let needs = d.with_code("unknown-need");
    assert_eq!(needs.len(), 2, "both bad needs are reported at once");
    let line = line_of(&text, "needs =");
    assert_eq!(needs[0].location(), format!("providers/test-provider.toml:{line}:18"));
    assert!(needs[1].help.as_deref().unwrap().contains("did you mean `semh`?"));
}

#[test]
fn unknown_key_stages_are_errors() {
    let site = TestSite::new();
    site.provider("test-provider", &with("key_stages = [\"KS3\"]", "key_stages = [\"KS6\"]"));
    let d = site.errors();
    assert!(!d.with_code("unknown-key-stage").is_empty());
}

#[test]
fn an_unknown_postcode_is_an_error() {
    let site = TestSite::new();
    let text = with("postcode = \"PR1 2HE\"", "postcode = \"PR1 9ZZ\"");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert_eq!(located(&d, "unknown-postcode"), format!("providers/test-provider.toml:{}:12", line_of(&text, "postcode =")));
    site.provider("test-provider", &with("postcode = \"PR1 2HE\"", "postcode = \"not a postcode\""));
    assert!(!site.errors().with_code("invalid-postcode").is_empty());
}

#[test]
fn postcodes_are_read_in_any_case_and_spacing() {
    let site = TestSite::new();
    site.provider("test-provider", &with("postcode = \"PR1 2HE\"", "postcode = \"pr12he\""));
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
}

#[test]
fn duplicate_ids_are_errors_naming_both_files() {
    let site = TestSite::new();
    site.provider("a-provider", &VALID_PROVIDER.replace("schema_version = 1", "schema_version = 1\nid = \"same\""));
    site.provider("b-provider", &VALID_PROVIDER.replace("schema_version = 1", "schema_version = 1\nid = \"same\"").replace("Test Provider", "Other"));
    let d = site.errors();
    let dup = d.with_code("duplicate-id");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].location(), "providers/b-provider.toml:2:6");
    assert!(dup[0].message.contains("providers/a-provider.toml:2:6"), "{}", dup[0].message);
}

#[test]
fn ids_must_be_slugs() {
    let site = TestSite::new();
    site.provider("test-provider", &VALID_PROVIDER.replace("schema_version = 1", "schema_version = 1\nid = \"Bad Id\""));
    let d = site.errors();
    assert!(d.with_code("invalid-id")[0].help.as_deref().unwrap().contains("bad-id"));
}

#[test]
fn unknown_fields_are_errors_with_a_did_you_mean() {
    let site = TestSite::new();
    let text = with("[capacity]\nplaces = 10", "[capacity]\nplaces = 10\nvacancys = 3");
    site.provider("test-provider", &text);
    let d = site.errors();
    let line = line_of(&text, "vacancys");
    assert_eq!(located(&d, "unknown-field"), format!("providers/test-provider.toml:{line}:1"));
    assert_eq!(d.with_code("unknown-field")[0].help.as_deref(), Some("did you mean `vacancies`?"));
    let text = with("summary =", "sumary =");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert_eq!(d.with_code("unknown-field")[0].help.as_deref(), Some("did you mean `summary`?"));
}

#[test]
fn toml_syntax_errors_point_at_the_line() {
    let site = TestSite::new();
    let text = with("places = 10", "places = = 10");
    site.provider("test-provider", &text);
    let d = site.errors();
    let loc = located(&d, "toml-syntax");
    assert!(loc.starts_with(&format!("providers/test-provider.toml:{}:", line_of(&text, "places ="))), "{loc}");
}

#[test]
fn type_errors_name_the_field() {
    let site = TestSite::new();
    let text = with("places = 10", "places = \"ten\"");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert!(located(&d, "invalid-value").starts_with(&format!("providers/test-provider.toml:{}:", line_of(&text, "places ="))));
}

#[test]
fn every_problem_in_every_file_is_reported_in_one_run() {
    let site = TestSite::new();
    site.provider("one", &with("tiers = [2]", "tiers = [5]"));
    site.provider("two", &with("needs = [\"semh\"]", "needs = [\"nope\"]").replace("Test Provider", "Two"));
    site.write("content/guide/bad.md", "+++\ntitle = \"Bad\"\nsummary = \"x\"\n+++\n\n[x](@/guide/missing.md)\n");
    let d = site.errors();
    assert_eq!(d.with_code("invalid-tier").len(), 1);
    assert_eq!(d.with_code("unknown-need").len(), 1);
    assert_eq!(d.with_code("broken-link").len(), 1);
}

#[test]
fn every_type_error_in_a_record_is_reported_with_the_rest_of_its_problems() {
    // Deserialising stops at the first wrong type; the loader still finds the others, and
    // checks the rest of the record too (here, the tier).
    let site = TestSite::new();
    let text = with("places = 10", "places = \"ten\"")
        .replacen("vacancies = 2", "vacancies = -2", 1)
        .replacen("key_stages = [\"KS3\"]", "key_stages = \"KS3\"", 1)
        .replacen("tiers = [2]", "tiers = [2, 5]", 1);
    site.provider("test-provider", &text);
    let d = site.errors();
    let at = |needle: &str| format!("providers/test-provider.toml:{}:", line_of(&text, needle));
    let invalid: Vec<String> = d.with_code("invalid-value").iter().map(|x| x.location()).collect();
    assert_eq!(invalid.len(), 3, "{}", d.render(false));
    for needle in ["key_stages =", "places =", "vacancies ="] {
        assert!(invalid.iter().any(|l| l.starts_with(&at(needle))), "no error at {needle}: {invalid:?}");
    }
    assert!(located(&d, "invalid-tier").starts_with(&at("tiers =")));
    assert!(d.with_code("invalid-value").iter().all(|x| !x.message.contains("missing")), "a removed value is not reported again as missing");
}

#[test]
fn a_missing_field_does_not_hide_the_records_other_problems() {
    // A misspelt required key: the missing field, the unknown key with a did-you-mean, and a
    // wrong type further down, all in one run.
    let site = TestSite::new();
    let text = with("name = \"Test Provider\"", "nmae = \"Test Provider\"").replacen("places = 10", "places = true", 1);
    site.provider("test-provider", &text);
    let d = site.errors();
    let messages: Vec<&str> = d.with_code("invalid-value").iter().map(|x| x.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("missing required field `name`")), "{messages:?}");
    assert!(located(&d, "unknown-field").starts_with(&format!("providers/test-provider.toml:{}:", line_of(&text, "nmae ="))));
    assert_eq!(d.with_code("unknown-field")[0].help.as_deref(), Some("did you mean `name`?"));
    let places = format!("providers/test-provider.toml:{}:", line_of(&text, "places ="));
    assert!(d.with_code("invalid-value").iter().any(|x| x.location().starts_with(&places)), "{}", d.render(false));
}

#[test]
fn broken_internal_links_and_anchors_are_errors() {
    let site = TestSite::new();
    site.provider("test-provider", VALID_PROVIDER);
    site.write(
        "content/guide/page.md",
        "+++\ntitle = \"Page\"\nsummary = \"x\"\n+++\n\nSee [the guide](@/guide/_index.md#start), [nowhere](@/guide/nope.md),\n[a bad anchor](@/guide/_index.md#stat) and [a provider](@provider/test-providr).\n",
    );
    let d = site.errors();
    let links = d.with_code("broken-link");
    assert_eq!(links.len(), 2, "{}", d.render(false));
    assert_eq!(links[0].location(), "content/guide/page.md:6:43");
    assert!(links[1].help.as_deref().unwrap().contains("@provider/test-provider"));
    let anchors = d.with_code("broken-anchor");
    assert_eq!(anchors.len(), 1);
    assert_eq!(anchors[0].location(), "content/guide/page.md:7:1");
    assert!(anchors[0].help.as_deref().unwrap().contains("#start"));
}

#[test]
fn front_matter_is_checked() {
    let site = TestSite::new();
    site.write("content/guide/x.md", "No front matter here.\n");
    site.write("content/guide/y.md", "+++\ntitle = \"Y\"\nsumary = \"typo\"\n+++\nBody\n");
    let d = site.errors();
    assert_eq!(located(&d, "no-front-matter"), "content/guide/x.md:1:1");
    assert_eq!(located(&d, "unknown-field"), "content/guide/y.md:3:1");
}

#[test]
fn a_page_with_broken_front_matter_is_still_checked_and_can_be_linked_to() {
    // The title is missing and the weight has the wrong type: both reported; the page's own
    // broken link is reported in the same run; a link to the page is not reported as broken.
    let site = TestSite::new();
    site.write("content/guide/broken.md", "+++\nweight = \"first\"\nsummary = \"S\"\n+++\n\nSee [nowhere](@/guide/nowhere.md).\n");
    site.write("content/guide/linker.md", "+++\ntitle = \"Linker\"\nsummary = \"S\"\n+++\n\nSee [the broken page](@/guide/broken.md).\n");
    let d = site.errors();
    let messages: Vec<String> = d.items.iter().filter(|x| x.is_error()).map(|x| format!("{} {}", x.location(), x.message)).collect();
    assert!(messages.iter().any(|m| m.starts_with("content/guide/broken.md:") && m.contains("missing required field `title`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("content/guide/broken.md:2:") && m.contains("invalid type")), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("content/guide/broken.md:6:") && m.contains("guide/nowhere.md")), "{messages:?}");
    assert!(!messages.iter().any(|m| m.contains("guide/broken.md`")), "the link to the broken page is not reported: {messages:?}");
    assert_eq!(messages.len(), 3, "{messages:?}");
}

#[test]
fn overdue_visits_expired_insurance_and_stale_vacancies_are_warnings() {
    let site = TestSite::new();
    let text = with("next_visit_due = 2027-03-01", "next_visit_due = 2026-01-01")
        .replace("public_liability_expires = 2027-08-31", "public_liability_expires = 2026-10-31")
        .replace("vacancies_as_of = 2026-11-01", "vacancies_as_of = 2026-06-01");
    site.provider("test-provider", &text);
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let w = &report.warnings;
    assert_eq!(located(w, "qa-visit-overdue"), format!("providers/test-provider.toml:{}:18", line_of(&text, "next_visit_due")));
    assert!(!w.with_code("insurance-expired").is_empty());
    assert!(w.with_code("vacancies-stale")[0].message.contains("177 days old"));
    let html = std::fs::read_to_string(site.output().join("providers/test-provider/index.html")).unwrap();
    assert!(html.contains("Quality-assurance visit overdue") && html.contains("Vacancy figures may be out of date"));
}

#[test]
fn unsafe_urls_are_errors() {
    let site = TestSite::new();
    site.provider("test-provider", &VALID_PROVIDER.replace("description =", "website = \"javascript:alert(1)\"\ndescription ="));
    assert!(!site.errors().with_code("invalid-url").is_empty());
}

#[test]
fn config_numbers_the_rules_cannot_use_are_errors() {
    let site = TestSite::new();
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    let text = format!("{config}\n[rules]\nnon_school_max_hours = 0\nvacancy_stale_days = -1\nqa_due_soon_days = -30\n\n[listing]\npage_size = 0\n");
    site.write("apdir.toml", &text);
    let d = site.errors();
    let found: Vec<(String, String)> = d.with_code("invalid-value").iter().map(|x| (x.location(), x.message.clone())).collect();
    for (key, needle) in [
        ("non_school_max_hours", "non_school_max_hours ="),
        ("vacancy_stale_days", "vacancy_stale_days ="),
        ("qa_due_soon_days", "qa_due_soon_days ="),
        ("page_size", "page_size ="),
    ] {
        let at = format!("apdir.toml:{}:", line_of(&text, needle));
        assert!(found.iter().any(|(l, m)| l.starts_with(&at) && m.contains(key)), "no error for {key} at {at}: {found:?}");
    }
    assert_eq!(found.len(), 4, "{found:?}");
}

#[test]
fn a_bad_config_is_reported_with_its_location() {
    let site = TestSite::new();
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &format!("{config}titel = \"x\"\n"));
    let d = site.errors();
    assert!(located(&d, "unknown-field").starts_with("apdir.toml:"));
    assert_eq!(d.with_code("unknown-field")[0].help.as_deref(), Some("did you mean `title`?"));
}

#[test]
fn a_host_la_code_that_is_not_an_english_authority_is_an_error() {
    let site = TestSite::new();
    let text = with("ap_census_setting = \"OTH\"", "ap_census_setting = \"OTH\"\nhost_la_code = \"999\"");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert_eq!(located(&d, "unknown-la-code"), format!("providers/test-provider.toml:{}:16", line_of(&text, "host_la_code")));
    assert!(d.with_code("unknown-la-code")[0].help.as_deref().unwrap().contains("3-digit DfE code"));
    site.provider("test-provider", &with("ap_census_setting = \"OTH\"", "ap_census_setting = \"OTH\"\nhost_la_code = \"889\""));
    site.build().unwrap_or_else(|e| panic!("a real code (Blackburn with Darwen) passes: {}", render_err(&e)));
}

/// `providers/test-provider.toml:LINE:COL` of the value on the first line containing `needle`
/// (the column just after its `= `).
fn value_at(text: &str, needle: &str) -> String {
    let line = line_of(text, needle);
    let col = text.lines().nth(line - 1).unwrap().find("= ").expect("a key = value line") + 3;
    format!("providers/test-provider.toml:{line}:{col}")
}

#[test]
fn an_approved_provider_must_confirm_dbs_checks_a_central_record_and_a_named_dsl() {
    let site = TestSite::new();
    let text = with("enhanced_dbs_all_staff = true\nsingle_central_record = true\nnamed_dsl = true\n", "enhanced_dbs_all_staff = false\n");
    site.provider("test-provider", &text);
    let d = site.errors();
    let found: Vec<String> = d.with_code("safeguarding-not-confirmed").iter().map(|x| x.location()).collect();
    let (status, dbs) = (value_at(&text, "list_status"), value_at(&text, "enhanced_dbs_all_staff"));
    assert_eq!(found, [status.clone(), status, dbs], "a recorded `false` at its line; an unrecorded fact counts as not confirmed, at the status");
    let messages: Vec<&str> = d.with_code("safeguarding-not-confirmed").iter().map(|x| x.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("designated safeguarding lead")), "{messages:?}");
    assert!(d.with_code("safeguarding-not-confirmed")[2].help.as_deref().unwrap().contains("enhanced_dbs_all_staff = true"));
}

#[test]
fn a_provider_not_yet_assessed_may_leave_its_safeguarding_unrecorded() {
    let site = TestSite::new();
    let text =
        with("enhanced_dbs_all_staff = true\nsingle_central_record = true\nnamed_dsl = true\n", "").replace("\"approved\"", "\"not_assessed\"");
    site.provider("test-provider", &text);
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
}

#[test]
fn a_standard_not_met_under_an_approved_status_is_an_error() {
    let site = TestSite::new();
    let text =
        with("next_visit_due = 2027-03-01", "next_visit_due = 2027-03-01\nstandards = { safeguarding = \"met\", health_and_safety = \"not_met\" }");
    site.provider("test-provider", &text);
    let d = site.errors();
    let line = line_of(&text, "standards =");
    let col = text.lines().nth(line - 1).unwrap().find("\"not_met\"").unwrap() + 1;
    assert_eq!(located(&d, "standard-not-met"), format!("providers/test-provider.toml:{line}:{col}"));
    assert!(d.with_code("standard-not-met")[0].message.contains("health_and_safety"));
}

#[test]
fn out_of_date_checks_dsl_training_and_policy_are_warnings() {
    let site = TestSite::new();
    let text = with(
        "named_dsl = true\n",
        "named_dsl = true\nwritten_confirmation_of_checks = 2025-11-20\ndsl_training = 2024-11-01\nchild_protection_policy_reviewed = 2025-10-01\n",
    );
    site.provider("test-provider", &text);
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let w = &report.warnings;
    assert_eq!(located(w, "checks-out-of-date"), value_at(&text, "written_confirmation_of_checks"));
    assert_eq!(located(w, "dsl-training-out-of-date"), value_at(&text, "dsl_training"));
    assert_eq!(located(w, "policy-out-of-date"), value_at(&text, "child_protection_policy_reviewed"));
    assert!(w.with_code("checks-out-of-date")[0].message.contains("370 days ago"));
}

#[test]
fn the_safeguarding_ages_come_from_the_config() {
    let site = TestSite::new();
    site.provider("test-provider", &with("named_dsl = true\n", "named_dsl = true\ndsl_training = 2024-11-01\n"));
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &format!("{config}\n[rules]\ndsl_training_stale_days = 1095\n"));
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert!(report.warnings.with_code("dsl-training-out-of-date").is_empty());
}

#[test]
fn a_failed_inspection_on_an_approved_provider_is_a_warning() {
    let site = TestSite::new();
    let text = with(
        "[quality_assurance]",
        "[inspection]\nbody = \"Ofsted\"\nframework = \"report_card_2025\"\nsafeguarding = \"not_met\"\n\n[quality_assurance]",
    );
    site.provider("test-provider", &text);
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(located(&report.warnings, "inspection-safeguarding-not-met"), value_at(&text, "safeguarding = \"not_met\""));
    let legacy = with(
        "[quality_assurance]",
        "[inspection]\nbody = \"Ofsted\"\nframework = \"eif_legacy\"\nlegacy_overall = \"inadequate\"\n\n[quality_assurance]",
    );
    site.provider("test-provider", &legacy);
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(located(&report.warnings, "inspection-safeguarding-not-met"), value_at(&legacy, "legacy_overall"));
}

#[test]
fn a_key_stage_outside_the_age_range_is_an_error() {
    let site = TestSite::new();
    let text = with("key_stages = [\"KS3\"]", "key_stages = [\"KS3\", \"KS1\"]\nage_min = 11\nage_max = 16");
    site.provider("test-provider", &text);
    let d = site.errors();
    let line = line_of(&text, "key_stages");
    assert_eq!(located(&d, "key-stage-outside-ages"), format!("providers/test-provider.toml:{line}:22"));
    assert_eq!(d.with_code("key-stage-outside-ages").len(), 1, "KS3 fits ages 11 to 16");
}

#[test]
fn dual_registration_on_a_provider_that_is_not_a_school_is_an_error() {
    let site = TestSite::new();
    let text = with("needs = [\"semh\"]", "needs = [\"semh\"]\ndual_registration = true");
    site.provider("test-provider", &text);
    assert_eq!(located(&site.errors(), "dual-registration-not-school"), value_at(&text, "dual_registration"));
}

#[test]
fn a_full_time_pattern_from_a_non_school_provider_fails_the_registration_test() {
    let site = TestSite::new();
    let text = with("needs = [\"semh\"]", "needs = [\"semh\"]\npattern = \"full_time\"");
    site.provider("test-provider", &text);
    assert_eq!(located(&site.errors(), "registration-test"), value_at(&text, "pattern"));
}

#[test]
fn a_tier_2_placement_longer_than_the_limit_is_an_error() {
    let site = TestSite::new();
    let text = with("needs = [\"semh\"]", "needs = [\"semh\"]\nmax_weeks = 52");
    site.provider("test-provider", &text);
    let d = site.errors();
    assert_eq!(located(&d, "tier2-too-long"), value_at(&text, "max_weeks"));
    assert!(d.with_code("tier2-too-long")[0].message.contains("the limit is 12"));
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &format!("{config}\n[rules]\ntier2_max_weeks = 52\n"));
    site.build().unwrap_or_else(|e| panic!("the limit comes from the config: {}", render_err(&e)));
}

#[test]
fn an_ended_cost_and_an_old_review_are_warnings() {
    let site = TestSite::new();
    let text = with("description = \"Some *Markdown*.\"", "description = \"Some *Markdown*.\"\nlast_reviewed = 2025-06-01")
        + "\n[[costs]]\noption = \"per_day\"\namount = 90.0\nvalid_to = 2026-08-31\n";
    site.provider("test-provider", &text);
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(located(&report.warnings, "cost-ended"), value_at(&text, "valid_to"));
    assert_eq!(located(&report.warnings, "review-stale"), value_at(&text, "last_reviewed"));
}

#[test]
fn a_record_with_no_safeguarding_facts_says_not_confirmed_and_never_yes() {
    let site = TestSite::new();
    let text = with("enhanced_dbs_all_staff = true\nsingle_central_record = true\nnamed_dsl = true\npublic_liability_expires = 2027-08-31\n", "")
        .replace("\"approved\"", "\"not_assessed\"");
    site.provider("test-provider", &text);
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let html = std::fs::read_to_string(site.output().join("providers/test-provider/index.html")).unwrap();
    for fact in [
        "Enhanced DBS checks for all staff",
        "Single central record",
        "Named designated safeguarding lead",
        "Written confirmation of staff checks",
        "Safeguarding lead trained",
        "Child protection policy reviewed",
        "Public liability insurance until",
    ] {
        let at = html.find(fact).unwrap_or_else(|| panic!("{fact} is not on the page"));
        let row = &html[at..(at + 400).min(html.len())];
        assert!(row.contains("Not confirmed"), "{fact}: {row}");
    }
    assert!(!html.contains(">Yes<") && !html.contains("Confirmed</"), "nothing unrecorded reads as yes");
}

#[test]
fn offered_hours_over_the_limit_fail_the_registration_test_even_when_the_registration_says_fewer() {
    let site = TestSite::new();
    let text = with("needs = [\"semh\"]", "needs = [\"semh\"]\nhours_per_week = { min = 5.0, max = 25.0 }");
    site.provider("test-provider", &text);
    let d = site.errors();
    let line = line_of(&text, "hours_per_week = {");
    let col = text.lines().nth(line - 1).unwrap().find("25.0").unwrap() + 1;
    assert_eq!(located(&d, "registration-test"), format!("providers/test-provider.toml:{line}:{col}"));
}
