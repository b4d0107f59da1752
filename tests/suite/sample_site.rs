//! Builds the repository's sample site and checks what a school, a family or the AP team sees.

use crate::common;
use common::*;

#[test]
fn the_directory_lists_every_provider_without_javascript() {
    let (_tmp, files) = build_sample();
    let html = page(&files, "providers/index.html");
    let count = std::fs::read_dir(repo().join("providers")).unwrap().count();
    assert!(count >= 30, "the sample has at least 30 providers");
    for entry in std::fs::read_dir(repo().join("providers")).unwrap() {
        let id = entry.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned();
        assert!(html.contains(&format!("href=\"/providers/{id}/\"")), "the directory links to {id}");
        assert!(files.contains_key(&format!("providers/{id}/index.html")), "{id} has a page");
    }
    // The list is in the page as served; the finder script only adds to it.
    let list = html.find("class=\"card-list\"").expect("a list of providers");
    assert!(html[list..].contains("/providers/ribbleside-short-stay-school/"));
}

#[test]
fn a_provider_page_shows_the_facts_a_school_needs() {
    let (_tmp, files) = build_sample();
    let html = page(&files, "providers/ribbleside-short-stay-school/index.html");
    for expected in [
        "<h1 class=\"heading-xl\">Ribbleside Short Stay School</h1>",
        "Pupil referral unit (short stay school)",
        "Can start by day 6 of an exclusion",
        "Accepts permanently excluded pupils",
        "QA: Approved",
        "Tier 2: time-limited placement",
        "href=\"/districts/preston/\"",
        "How to refer",
        "application/ld+json",
    ] {
        assert!(html.contains(expected), "provider page lacks {expected:?}");
    }
    // The JSON-LD parses and names the provider.
    let start = html.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let end = start + html[start..].find("</script>").unwrap();
    let v: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(v["@type"], "EducationalOrganization");
    assert_eq!(v["name"], "Ribbleside Short Stay School");
}

#[test]
fn stale_and_suspended_providers_are_flagged() {
    let (_tmp, files) = build_sample();
    let suspended = page(&files, "providers/forge-street-motor-project/index.html");
    assert!(suspended.contains("Suspended from the authority"), "suspension banner");
    assert!(suspended.contains("Expired"), "expired insurance is tagged");
    let overdue = page(&files, "providers/pendle-vale-learning-centre/index.html");
    assert!(overdue.contains("Quality-assurance visit overdue"));
    assert!(overdue.contains("tag tag--red\">Overdue"));
    let stale = page(&files, "providers/hollowmill-house-school/index.html");
    assert!(stale.contains("Vacancy figures may be out of date"));
}

#[test]
fn listing_pages_exist_for_every_district_tier_need_and_key_stage() {
    let (_tmp, files) = build_sample();
    for district in [
        "burnley",
        "chorley",
        "fylde",
        "hyndburn",
        "lancaster",
        "pendle",
        "preston",
        "ribble-valley",
        "rossendale",
        "south-ribble",
        "west-lancashire",
        "wyre",
    ] {
        let html = page(&files, &format!("districts/{district}/index.html"));
        assert!(html.contains("class=\"card\""), "{district} lists at least one provider");
    }
    assert!(page(&files, "districts/preston/index.html").contains("/providers/ribbleside-short-stay-school/"));
    for path in [
        "tiers/1/index.html",
        "tiers/2/index.html",
        "tiers/3/index.html",
        "needs/semh/index.html",
        "needs/ebsa-anxiety/index.html",
        "key-stages/ks3/index.html",
        "key-stages/ks5/index.html",
        "districts/index.html",
        "needs/index.html",
    ] {
        assert!(files.contains_key(path), "{path}");
    }
    assert!(page(&files, "needs/semh/index.html").contains("Social, emotional and mental health"));
}

#[test]
fn masked_sites_never_reveal_the_address() {
    let (_tmp, files) = build_sample();
    let text = std::fs::read_to_string(repo().join("providers/fylde-coast-tuition.toml")).unwrap();
    let record: toml::Table = toml::from_str(&text).unwrap();
    let locations = record["locations"].as_array().unwrap();
    let masked: Vec<_> = locations.iter().filter(|l| l.get("mask_exact_address").and_then(|m| m.as_bool()) == Some(true)).collect();
    assert!(!masked.is_empty(), "the sample masks this provider's site");
    for (path, bytes) in &files {
        let s = String::from_utf8_lossy(bytes);
        for l in &masked {
            let postcode = l["postcode"].as_str().unwrap();
            assert!(!s.contains(postcode), "{path} reveals masked postcode {postcode}");
            for line in l.get("address").and_then(|a| a.as_array()).into_iter().flatten() {
                let line = line.as_str().unwrap();
                if line.chars().any(|c| c.is_ascii_digit()) {
                    assert!(!s.contains(line), "{path} reveals masked address line {line}");
                }
            }
        }
    }
    assert!(page(&files, "providers/fylde-coast-tuition/index.html").contains("Not published, to keep pupils safe"));
}

#[test]
fn nothing_from_an_internal_table_reaches_the_public_site() {
    let (_tmp, files) = build_sample();
    let mut secrets = Vec::new();
    for entry in std::fs::read_dir(repo().join("providers")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let record: toml::Table = toml::from_str(&text).unwrap();
        if let Some(internal) = record.get("internal").and_then(|i| i.as_table()) {
            for v in internal.values() {
                match v {
                    toml::Value::String(s) if s.len() >= 6 => secrets.push(s.clone()),
                    toml::Value::Integer(n) if *n >= 1000 => secrets.push(n.to_string()),
                    toml::Value::Float(f) if *f >= 1000.0 => secrets.push(format!("{f}")),
                    _ => {}
                }
            }
        }
    }
    assert!(secrets.len() >= 20, "the sample carries internal notes to test with ({})", secrets.len());
    for (path, bytes) in &files {
        let s = String::from_utf8_lossy(bytes);
        for secret in &secrets {
            assert!(!contains_token(&s, secret), "{path} contains internal value {secret:?}");
        }
    }
}

/// True when `needle` occurs in `hay` not as part of a longer number (a contract value of
/// 12000 must not match a phone number 01200 000438).
/// Grouped numbers count too (6000 as "6,000", but not inside "£26,000").
fn contains_token(hay: &str, needle: &str) -> bool {
    let numeric = needle.bytes().all(|b| b.is_ascii_digit());
    // A number counts only as a whole number: "6,000" is not inside "£26,000".
    let found = |needle: &str| {
        hay.match_indices(needle).any(|(i, _)| {
            if !numeric {
                return true;
            }
            let before = hay[..i].chars().next_back();
            let after = hay[i + needle.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit() || c == ',') && !after.is_some_and(|c| c.is_ascii_digit())
        })
    };
    found(needle) || (numeric && needle.len() > 3 && found(&group_thousands(needle)))
}

fn group_thousands(n: &str) -> String {
    let mut out = String::new();
    for (i, c) in n.chars().enumerate() {
        if i > 0 && (n.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn the_guide_renders_with_contents_anchors_and_checked_links() {
    let (_tmp, files) = build_sample();
    let guide_pages = files.keys().filter(|k| k.starts_with("guide/") && k.ends_with("index.html")).count();
    assert!(guide_pages >= 13, "the guide has at least 12 pages ({guide_pages})");
    let html = page(&files, "guide/exclusions/permanent-exclusion-and-day-6/index.html");
    assert!(html.contains("<nav class=\"toc\""), "a table of contents");
    assert!(html.contains("<h2 id=\""), "headings carry anchors");
    assert!(!html.contains("@/"), "internal links are rewritten");
    assert!(html.contains("href=\"/guide/"), "and point at guide pages");
    assert!(html.contains("Last updated <time datetime=\"2026-"));
    let section = page(&files, "guide/exclusions/index.html");
    assert!(section.contains("In this section"));
}

#[test]
fn the_site_has_its_supporting_files() {
    let (_tmp, files) = build_sample();
    let home = page(&files, "index.html");
    assert!(home.contains("Outreach first: the three tiers"));
    assert!(home.contains("Recently updated guidance"));
    assert!(page(&files, "accessibility/index.html").contains("Accessibility statement"));
    assert!(page(&files, "404.html").contains("Page not found"));
    let sitemap = page(&files, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://ap.example.gov.uk/providers/ribbleside-short-stay-school/</loc>"));
    assert!(sitemap.contains("<loc>https://ap.example.gov.uk/guide/</loc>"));
    assert!(page(&files, "robots.txt").contains("Sitemap: https://ap.example.gov.uk/sitemap.xml"));
    let feed = page(&files, "feed.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(feed.matches("<entry>").count() >= 10);
    assert!(files.contains_key("css/site.css") && files.contains_key("css/print.css"));
}

#[test]
fn pages_load_nothing_from_other_hosts() {
    let (_tmp, files) = build_sample();
    let external = regex_lite_find(&files);
    assert!(external.is_empty(), "pages load resources from other hosts: {external:?}");
}

/// `src=` and stylesheet `href=` that are not root-relative.
fn regex_lite_find(files: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let s = String::from_utf8_lossy(bytes);
        for (i, _) in s.match_indices("src=\"") {
            let v = &s[i + 5..];
            if !v.starts_with('/') || v.starts_with("//") {
                bad.push(format!("{path}: {}", &v[..v.find('"').unwrap_or(0)]));
            }
        }
        for (i, _) in s.match_indices("<link ") {
            let tag = &s[i..i + s[i..].find('>').unwrap_or(0)];
            if tag.contains("stylesheet") && !tag.contains("href=\"/") {
                bad.push(format!("{path}: {tag}"));
            }
        }
    }
    bad
}

#[test]
fn builds_are_reproducible() {
    let (_a, first) = build_sample();
    let (_b, second) = build_sample();
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (k, v) in &first {
        assert!(second[k] == *v, "{k} differs between two builds of the same input");
    }
}

#[test]
fn a_build_lets_go_of_a_guide_pages_source_only_once_its_page_is_written() {
    // A guide page's HTML is made from its source when its page is rendered; a build writes
    // the guide's pages first and then lets their sources go, all but the home page's intro.
    let options = apdir::LoadOptions { today: Some(today()), ..Default::default() };
    let mut site = apdir::Site::load(&repo(), &options).unwrap_or_else(|d| panic!("{}", d.render(false)));
    assert!(site.pages.iter().all(|p| p.body().is_some()), "every page keeps its source until it is rendered");
    site.let_go_of_guide_sources();
    for p in &site.pages {
        assert_eq!(p.body().is_some(), p.url == "/", "{}", p.url);
    }
}

#[test]
fn check_renders_every_page_but_not_the_search_index_or_the_exports() {
    // `apdir check` renders to find template problems; the search index and the open data
    // exports cannot find any, so it leaves them out (on 10,000 providers that halves its time
    // and memory).
    let options = apdir::LoadOptions { today: Some(today()), ..Default::default() };
    let site = apdir::Site::load(&repo(), &options).unwrap_or_else(|d| panic!("{}", d.render(false)));
    let everything = apdir::output::Memory::default();
    apdir::build::render(&site, &apdir::build::Run::default(), &everything).unwrap();
    let pages_only = apdir::output::Memory::default();
    apdir::build::render_selected(&site, &apdir::build::Run::default(), &pages_only, &apdir::render::PagesOnly).unwrap();
    let everything = everything.files.into_inner().unwrap();
    let pages_only = pages_only.files.into_inner().unwrap();

    let html = |files: &std::collections::BTreeMap<String, Vec<u8>>| files.keys().filter(|k| k.ends_with(".html")).cloned().collect::<Vec<_>>();
    assert!(html(&everything).len() > 100);
    assert_eq!(html(&pages_only), html(&everything), "every page is rendered");
    for (path, bytes) in &pages_only {
        assert_eq!(Some(bytes), everything.get(path), "{path} as a build renders it");
    }
    let left_out: Vec<&String> = everything.keys().filter(|k| !pages_only.contains_key(*k)).collect();
    for data in ["data/providers.json", "data/providers.csv", "data/providers.geojson", "api/v3/services/index.json"] {
        assert!(left_out.iter().any(|k| *k == data), "{data} is an export check leaves out");
    }
    assert!(left_out.iter().any(|k| k.starts_with("search/") && k.ends_with(".json")), "the search files are left out");
    assert!(left_out.iter().any(|k| k.starts_with("finder/")), "the finder's files (made with the search) are left out");
    let unexpected: Vec<&&String> =
        left_out.iter().filter(|k| !["data/providers.", "api/", "search/", "finder/"].iter().any(|p| k.starts_with(p))).collect();
    assert!(unexpected.is_empty(), "only exports and search files are left out: {unexpected:?}");
}
