//! The security review and the link check, over every page of the sample site.

use crate::common;

use apdir::audit;

#[test]
fn every_page_keeps_the_security_rules() {
    let (_dir, files) = common::build_sample();
    let mut pages = 0;
    let mut problems = Vec::new();
    for (path, bytes) in &files {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let html = String::from_utf8_lossy(bytes);
        for p in audit::security_problems(&html, true) {
            problems.push(format!("{path}: {p}"));
        }
    }
    assert!(pages > 50, "only {pages} pages were built");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_internal_link_and_anchor_resolves() {
    let (_dir, files) = common::build_sample();
    let broken = audit::broken_links(&files);
    let list: Vec<String> = broken.iter().map(|b| format!("{}: {} ({})", b.page, b.url, b.reason)).collect();
    assert!(broken.is_empty(), "{} broken links:\n{}", broken.len(), list.join("\n"));
}

#[test]
fn the_policy_in_the_theme_is_the_audited_policy() {
    let base = std::fs::read_to_string(common::repo().join("themes/default/templates/base.html")).unwrap();
    // The policy is written once, in apdir::audit; the theme declares it through the site globals.
    assert!(base.contains("content=\"{{ site.content_security_policy | safe }}\""), "base.html must declare the policy in apdir::audit");
}

#[test]
fn the_same_inputs_publish_the_same_bytes() {
    // Addresses and pages are stable across builds: links people have saved keep working and
    // a rebuild with nothing changed changes nothing.
    let (_a, first) = common::build_sample();
    let (_b, second) = common::build_sample();
    assert!(first.keys().eq(second.keys()), "the set of published files differs between two builds");
    let differing: Vec<&String> = first.iter().filter(|(k, v)| second.get(*k) != Some(v)).map(|(k, _)| k).collect();
    assert!(differing.is_empty(), "these files differ between two builds of the same inputs: {differing:?}");
}
