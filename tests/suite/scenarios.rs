//! What-if scenarios (docs/history.md): a plan's gap measures before and after on the gap
//! fixture, worked out by hand; the scenario checked like a record; and no scenario byte on
//! the public site.

use apdir::analyse::report::Selection;
use apdir::{BuildOptions, Error, GapsFormat, GapsOf, Profile};

use crate::common::located;
use crate::history::{build, fixture_with, load};

/// Opens a 4-place tier 1 KS2 site at AA1 1AC in Alpha, and closes Beta Primary (6 places,
/// tier 1 KS2, the only site near Beta's postcodes). The unique string is the canary.
const PLAN: &str = r#"title = "Alpha North and no Beta Primary"
description = "Scenariocanary-Zq81 (fictional)."

[[add]]
name = "Alpha North (planned)"
postcode = "aa1 1ac"
tiers = [1]
key_stages = ["KS2"]
places = 4

[[close]]
provider = "beta-primary"
"#;

#[test]
fn a_scenario_gives_the_gap_measures_before_and_after_in_words() {
    let tmp = fixture_with(&[("scenarios/alpha-north.toml", PLAN)]);
    let site = load(tmp.path());
    let (scenarios, d) = apdir::scenarios::check::load(&site);
    assert!(!d.has_errors(), "{}", d.render(false));
    let before = apdir::analyse::analyse(&site, None);
    let o = apdir::scenarios::run(&site, &before, &scenarios[0]);
    // Alpha: 5 places + 4 = 9, for 2,000 pupils: 2.5 → 4.5 per 1,000, still under 6.0.
    assert_eq!((o.before.areas[0].places, o.after.areas[0].places), (5.0, 9.0));
    // Of Alpha's four postcodes only AA1 1AC itself is within 3 miles of the new site:
    // 3.39 miles to AA1 1AA, more to the others. 25% is under the 50% target.
    assert_eq!(o.after.areas[0].access[0][1], Some(0.25));
    // Beta: Alpha Hub's 5 places are left; 5 for 1,200 pupils is 4.2 per 1,000.
    assert_eq!(o.after.areas[1].places, 5.0);
    let words: Vec<&str> = o.differences.iter().map(|d| d.text.as_str()).collect();
    for expected in [
        "Alpha places per 1,000 pupils 2.5 → 4.5: gap still open, narrowing",
        "Alpha tier 1 KS2 access 0% → 25%: gap still open, narrowing",
        "Alpha KS2 places for each placement 0.00 → 2.00: gap closed",
        "Beta places per 1,000 pupils 9.2 → 4.2: new gap",
        "Beta tier 1 KS2 access 100% → 0%: new gap",
    ] {
        assert!(words.contains(&expected), "missing {expected:?} in {words:#?}");
    }
    // Nothing about an unchanged gap, and the records themselves are untouched.
    assert!(!words.iter().any(|w| w.contains("unchanged")));
    assert_eq!(site.providers.len(), 3);

    // `apdir gaps --scenario` prints the plan, the differences, then the report after.
    let options = BuildOptions { no_cache: true, root: tmp.path().into(), output: None, load: load_public() };
    let (text, _) = apdir::gaps_report_of(&options, &Selection::default(), GapsFormat::Table, true, &GapsOf::Scenario("alpha-north".into())).unwrap();
    assert!(
        text.starts_with(
            "What if: Alpha North and no Beta Primary\n- adds Alpha North (planned) at aa1 1ac: tier 1, KS2, 4 places\n- closes beta-primary\n"
        ),
        "{text}"
    );
    assert!(text.contains("- Beta places per 1,000 pupils 9.2 → 4.2: new gap\n") && text.contains("The gap report after:"));
    let e = apdir::gaps_report_of(&options, &Selection::default(), GapsFormat::Table, true, &GapsOf::Scenario("nope".into())).unwrap_err();
    assert!(e.to_string().contains("scenarios: alpha-north"), "{e}");
}

fn load_public() -> apdir::LoadOptions {
    apdir::LoadOptions { today: apdir::Date::parse("2026-11-25"), ..Default::default() }
}

#[test]
fn scenarios_are_internal_only_and_never_reach_the_public_site() {
    let tmp = fixture_with(&[("scenarios/alpha-north.toml", PLAN)]);
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    build(tmp.path(), &public, Profile::Public).unwrap();
    let needles: [&[u8]; 3] = [b"Scenariocanary-Zq81", b"Alpha North", b"alpha-north"];
    for f in walkdir::WalkDir::new(&public).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let bytes = std::fs::read(f.path()).unwrap();
        for n in needles {
            assert!(!bytes.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)), "{} holds {}", f.path().display(), String::from_utf8_lossy(n));
        }
    }
    // The scan can fail: the internal site has the scenario, before and after side by side.
    let internal = out.path().join("internal");
    build(tmp.path(), &internal, Profile::Internal).unwrap();
    let page = std::fs::read_to_string(internal.join("scenarios/alpha-north/index.html")).unwrap();
    assert!(page.contains("Scenariocanary-Zq81") && page.contains("Places before") && page.contains("Places after"));
    assert!(page.contains("Beta tier 1 KS2 access 100% → 0%: new gap"));
    // Each measure drawn before and after, side by side, each map labelled, keyed and linked,
    // with a table of the same figures (Beta's tier 1 access: 100% before, 0% after).
    for id in ["map-places", "map-access-tier1", "map-access-tier2", "map-access-tier3"] {
        for side in ["before", "after"] {
            assert!(
                page.contains(&format!("aria-labelledby=\"{id}-{side}-title\"")) && page.contains(&format!("id=\"{id}-{side}-title\"")),
                "{id} {side}"
            );
        }
    }
    assert_eq!(page.matches("<div class=\"before-after\">").count(), 4 + 2, "four map pairs and two areas' gaps");
    assert_eq!(page.matches("<ul class=\"map-legend\"").count(), 8);
    // Beta's tier 1 access over key stages 1 to 4 (KS2 only was within reach): 25% → 0%.
    let beta = |v: &str| format!("aria-label=\"Beta: {v} of pupils within reach of a tier 1 place\"");
    assert!(page.contains(&beta("25%")) && page.contains(&beta("0%")), "tier 1 access before and after");
    assert!(page.contains("<th scope=\"col\" class=\"table__header--numeric\">Access before</th>"));
    assert!(page.contains("<a href=\"/areas/beta/\">Beta</a> <strong class=\"tag\">Changed</strong></th><td class=\"table__cell--numeric\">25%</td><td class=\"table__cell--numeric\">0%</td>"));
    assert!(!page.contains("src=\"http") && !page.contains("<script"), "nothing from another host, no script needed");
    let index = std::fs::read_to_string(internal.join("scenarios/index.html")).unwrap();
    assert!(index.contains("href=\"/scenarios/alpha-north/\""));
}

#[test]
fn scenarios_are_checked_like_records_with_every_problem_at_its_place() {
    let bad = r#"title = "Broken"
[[add]]
name = "Somewhere"
postcode = "not a postcode"
tiers = [4]
key_stages = ["KS3"]
places = 4
colour = "blue"

[[add]]
name = "Elsewhere"
postcode = "ZZ9 9ZZ"
tiers = [2]
key_stages = ["KS3"]
places = 4

[[close]]
provider = "alpha-hubb"
"#;
    let tmp = fixture_with(&[("scenarios/broken.toml", bad)]);
    let site = load(tmp.path());
    let (ok, d) = apdir::scenarios::check::load(&site);
    assert!(ok.is_empty());
    assert_eq!(located(&d, "bad-postcode"), "scenarios/broken.toml:4:12");
    assert_eq!(located(&d, "bad-tier"), "scenarios/broken.toml:5:9");
    assert_eq!(located(&d, "unknown-field"), "scenarios/broken.toml:8:1");
    assert_eq!(located(&d, "unknown-postcode"), "scenarios/broken.toml:12:12");
    assert_eq!(located(&d, "unknown-provider"), "scenarios/broken.toml:18:12");
    assert!(d.render(false).contains("did you mean `alpha-hub`?"));
    // The build stops on them, public or internal.
    let out = tempfile::tempdir().unwrap();
    let Err(Error::Content(_)) = build(tmp.path(), &out.path().join("public"), Profile::Public) else { panic!("the build should fail") };
}
