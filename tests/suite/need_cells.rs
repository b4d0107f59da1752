//! Demand by need inside the tier × key stage cells (`[demand.by_tier_key_stage_need]`):
//! compared with the places open to that need in the cell, checked at file:line:col, and
//! published like the other cells (small counts hidden on the public site, raw inside).
//! Worked by hand on the gap fixture (tests/fixtures/gaps) with two providers added in Beta.

use std::path::Path;

use apdir::analyse::{Shown, Suppression};
use apdir::{BuildOptions, LoadOptions, Profile, Site};

use crate::gaps::{build_to, copy_dir, fixture, fixture_with_beta, load, options, texts};

/// Beta's demand: 19 AP placements, by cell tier 1 KS2 3, tier 2 KS3 2, tier 3 KS4 14; within
/// tier 3 KS4, 11 with SEMH, 6 with autism, 5 with a medical need; within tier 1 KS2, 2 with
/// a medical need.
const DEMAND: &str = "permanent_exclusions = 0\nsuspensions = 25\nla_arranged_ap = 10\nschool_arranged_ap = 9\nsection19_health = 0\nhome_tuition = 0\npart_time_timetables = 0\n[demand.by_tier_key_stage]\ntier1 = { ks2 = 3 }\ntier2 = { ks3 = 2 }\ntier3 = { ks4 = 14 }\n[demand.by_tier_key_stage_need]\ntier1.ks2 = { medical = 2 }\ntier3.ks4 = { semh = 11, asd = 6, medical = 5 }\n";

/// Two providers with a site in Beta, both tier 3 KS4: 12 places for autism, and 4 places
/// for SEMH and both medical needs.
fn with_providers(root: &Path) {
    let template = std::fs::read_to_string(root.join("providers/beta-primary.toml")).unwrap();
    for (id, places, needs) in [("beta-autism", 12, r#"["asd"]"#), ("beta-semh", 4, r#"["semh", "medical_physical", "medical_mental_health"]"#)] {
        let text = template
            .replace("id = \"beta-primary\"", &format!("id = \"{id}\""))
            .replace("name = \"Beta Primary Outreach\"", &format!("name = \"{id}\""))
            .replace("tiers = [1] ", "tiers = [3] ")
            .replace("key_stages = [\"KS2\"]", "key_stages = [\"KS4\"]")
            .replace("needs = [\"semh\"]", &format!("needs = {needs}"))
            .replace("places = 6", &format!("places = {places}"));
        std::fs::write(root.join(format!("providers/{id}.toml")), text).unwrap();
    }
}

fn site() -> tempfile::TempDir {
    let tmp = fixture_with_beta(DEMAND, "");
    with_providers(tmp.path());
    // The fixture finds the theme relative to its own folder: point at it from the copy.
    let config = tmp.path().join("apdir.toml");
    let themes = crate::gaps::repo().join("themes");
    let text = std::fs::read_to_string(&config).unwrap().replace("\"../../../themes\"", &format!("{:?}", themes.display().to_string()));
    std::fs::write(&config, text).unwrap();
    tmp
}

#[test]
fn a_need_cell_short_of_places_is_a_gap_even_when_its_cell_is_not() {
    let tmp = site();
    let site = load(tmp.path());
    assert!(site.warnings.with_code("breakdown-total").is_empty(), "the cells add up to 19");
    assert!(site.warnings.with_code("need-cell-total").is_empty());
    let report = apdir::analyse::analyse(&site, None);
    let beta = &report.areas[1];
    // Tier 3 KS4: 16 places counted (12 + 4) for 14 placements: no gap in the cell.
    assert!((beta.places_cell[2][3] - 16.0).abs() < 1e-9);
    let gaps = texts(beta);
    assert!(!gaps.iter().any(|g| g.contains("tier 3 placements in KS4 (")), "{gaps:#?}");
    // But only the 4 places of beta-semh are open to SEMH, for 11 placements.
    assert!(
        gaps.contains(&"Beta, tier 3, KS4, social, emotional and mental health (SEMH): 4 places open to this need for 11 placements (target 1.0 for each) — short by 7 places"),
        "{gaps:#?}"
    );
    // Autism: 12 open for 6, no gap. Medical: beta-semh meets both medical needs and counts
    // once (4 places, not 8) for 5 placements.
    assert!(!gaps.iter().any(|g| g.contains("(autism)") || g.contains(", autism:")), "{gaps:#?}");
    assert!(
        gaps.iter()
            .any(|g| g.starts_with("Beta, tier 3, KS4, medical needs (physical or mental health): 4 places open to this need for 5 placements")),
        "{gaps:#?}"
    );
    let g = beta.gaps.iter().find(|g| g.text.contains("(SEMH)")).unwrap();
    assert_eq!((g.rule, g.tier, g.key_stage), ("places-for-need", Some(3), Some("KS4")));
    // The published report names the need, and `apdir gaps`'s table prints the gap.
    let public = report.publish(Suppression::public(&site));
    assert!(public.areas[1].gaps.iter().any(|g| g.rule == "places-for-need" && g.need == Some("semh")));
    let table = apdir::analyse::report::table(&report, &public, &Default::default());
    assert!(table.contains("Beta, tier 3, KS4, social, emotional and mental health (SEMH): 4 places"), "{table}");
}

#[test]
fn a_bad_need_cell_key_is_reported_where_it_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let alpha = tmp.path().join("areas/E07000901.toml");
    let text = std::fs::read_to_string(&alpha).unwrap();
    let text = text.replace("[targets]", "[demand.by_tier_key_stage_need]\ntier3.ks4 = { smeh = 2 }\ntier4.ks3 = { semh = 1 }\n\n[targets]");
    std::fs::write(&alpha, &text).unwrap();
    let err = Site::load(tmp.path(), &options(tmp.path())).err().expect("an unknown need is an error");
    let bad = err.with_code("unknown-breakdown");
    assert_eq!(bad.len(), 2, "{}", err.render(false));
    let line = text.lines().position(|l| l.starts_with("tier3.ks4")).unwrap() + 1;
    let need = bad.iter().find(|d| d.render(false).contains("`smeh`")).expect("the need");
    assert!(need.location().contains(&format!("areas/E07000901.toml:{line}:")), "{}", need.location());
    assert!(need.render(false).contains("did you mean `semh`?"), "{}", need.render(false));
    let tier = bad.iter().find(|d| d.render(false).contains("`tier4`")).expect("the tier");
    assert!(tier.location().contains(&format!("areas/E07000901.toml:{}:", line + 1)), "{}", tier.location());

    // A need that outnumbers its cell is a warning, at the need.
    let text = std::fs::read_to_string(&alpha).unwrap().replace("tier3.ks4 = { smeh = 2 }\ntier4.ks3 = { semh = 1 }", "tier3.ks4 = { semh = 9 }");
    let text = text.replace("[demand.by_tier_key_stage_need]", "[demand.by_tier_key_stage]\ntier3 = { ks4 = 2 }\n\n[demand.by_tier_key_stage_need]");
    std::fs::write(&alpha, &text).unwrap();
    let site = load(tmp.path());
    let warn = site.warnings.with_code("need-cell-total");
    assert_eq!(warn.len(), 1, "{}", site.warnings.render(false));
    let line = text.lines().position(|l| l.starts_with("tier3.ks4 = { semh")).unwrap() + 1;
    assert!(warn[0].location().contains(&format!("areas/E07000901.toml:{line}:")), "{}", warn[0].location());
}

#[test]
fn a_small_need_count_is_hidden_on_the_public_site_and_raw_inside() {
    let tmp = site();
    let root = tmp.path();
    let public_out = root.join("out-public");
    build_to(root, &public_out);
    let internal_out = root.join("out-internal");
    let o = BuildOptions {
        no_cache: true,
        root: root.to_path_buf(),
        output: Some(internal_out.clone()),
        load: LoadOptions { profile: Profile::Internal, ..options(root) },
    };
    apdir::build(&o).unwrap_or_else(|e| panic!("internal build failed: {e:?}"));
    // Tier 1 KS2, medical: 2 placements (0 places open).
    let row = |html: &str| {
        let at = html.find("<th scope=\"row\">Tier 1: Medical needs (physical or mental health)</th>").expect("the need row inside the cell table");
        let end = html[at..].find("</tr>").unwrap() + at;
        html[at..end].to_string()
    };
    let public = std::fs::read_to_string(public_out.join("areas/beta/index.html")).unwrap();
    let internal = std::fs::read_to_string(internal_out.join("areas/beta/index.html")).unwrap();
    assert!(row(&public).contains("Demand: c<br>"), "{}", row(&public));
    assert!(row(&internal).contains("Demand: 2<br>"), "{}", row(&internal));
    assert!(row(&internal).contains("<strong>Gap</strong>"), "{}", row(&internal));
    // The gap's numbers would give the 2 away: withheld in public, shown inside.
    assert!(!public.contains("(physical or mental health): 0 places open to this need for 2"));
    assert!(
        public.contains("Beta: tier 1 placements in KS2 (need: medical needs (physical or mental health)) are too few to publish (c)"),
        "withheld, never silent"
    );
    assert!(internal.contains("Beta, tier 1, KS2, medical needs (physical or mental health): 0 places open to this need for 2 placements"));
    // The SEMH gap (11) is public, and its row is marked.
    assert!(public.contains("Beta, tier 3, KS4, social, emotional and mental health (SEMH): 4 places open to this need for 11 placements"));
    // The downloads follow the page.
    let cell = |csv: &str, code: &str| {
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let i = header.iter().position(|h| *h == "tier1_ks2_medical").expect("a column per need cell");
        let line = csv.lines().find(|l| l.starts_with(code)).unwrap();
        line.split(',').nth(i).unwrap().to_string()
    };
    assert_eq!(cell(&std::fs::read_to_string(public_out.join("data/gaps.csv")).unwrap(), "E07000902"), "c");
    assert_eq!(cell(&std::fs::read_to_string(internal_out.join("data/gaps.csv")).unwrap(), "E07000902"), "2");
    let site = load(root);
    let published = apdir::analyse::analyse(&site, None).publish(Suppression::public(&site));
    let at = published.count_keys.iter().position(|(k, _)| k == "tier3_ks4_semh").unwrap();
    assert_eq!(published.areas[1].counts[at], Shown::Value(11));
}

/// Beta's need gaps in `r`, in words.
fn need_gaps(r: &apdir::analyse::GapReport) -> Vec<String> {
    r.areas[1].gaps.iter().filter(|g| g.rule == "places-for-need").map(|g| g.text.clone()).collect()
}

#[test]
fn a_snapshot_keeps_the_places_open_to_each_need_so_a_past_periods_need_cells_are_compared() {
    let tmp = site();
    let site = load(tmp.path());
    let period = apdir::history::current_period(&site).unwrap();
    let path = apdir::history::files::write(&site, &period, false).unwrap();
    let site = load(tmp.path());
    let (snapshots, problems) = apdir::history::files::load(&site);
    assert!(!problems.has_errors(), "{}", problems.render(false));
    // Beta's need cells: 4 places open to SEMH (beta-semh) in tier 3 KS4, none to a medical
    // need in tier 1 KS2.
    let beta = &snapshots[0].areas[1];
    assert_eq!(beta.places_for_need.get("tier3_ks4_semh"), Some(&4.0));
    assert_eq!(beta.places_for_need.get("tier1_ks2_medical"), Some(&0.0));
    assert!(snapshots[0].areas[0].places_for_need.is_empty(), "Alpha gives no need cells");
    // Read back as a past period, the need gaps are today's.
    let current = apdir::analyse::analyse(&site, None);
    let back = apdir::history::snapshot::report(&site, &snapshots[0], &current);
    assert!(!need_gaps(&current).is_empty());
    assert_eq!(need_gaps(&back.report), need_gaps(&current));

    // A bad need cell key is an error at its line.
    let text = std::fs::read_to_string(&path).unwrap().replace("tier3_ks4_semh = ", "tier3_ks4_smeh = ");
    std::fs::write(&path, &text).unwrap();
    let (_, problems) = apdir::history::files::load(&site);
    let bad = problems.with_code("unknown-need-cell");
    assert_eq!(bad.len(), 1, "{}", problems.render(false));
    let line = text.lines().position(|l| l.starts_with("tier3_ks4_smeh")).unwrap() + 1;
    assert!(bad[0].location().contains(&format!("history/{}.toml:{line}:", apdir::history::period_stem(&period))), "{}", bad[0].location());
}

#[test]
fn the_change_list_names_each_need_of_a_cell_and_never_closes_a_gap_it_could_not_compare() {
    let tmp = site();
    let mut site = load(tmp.path());
    let before = apdir::analyse::analyse(&site, None);
    // beta-semh grows from 4 places to 20: both its needs in tier 3 KS4 are met.
    let semh = site.providers.iter().position(|vp| vp.provider.id == "beta-semh").unwrap();
    site.providers[semh].provider.capacity.places = Some(20);
    let after = apdir::analyse::analyse(&site, None);
    let words: Vec<String> = apdir::history::change::differences(&before, &after).into_iter().map(|d| d.text).collect();
    assert!(
        words.contains(
            &"Beta tier 3 KS4 places open to social, emotional and mental health (SEMH) for each such placement 0.36 → 1.82: gap closed".to_string()
        ),
        "{words:#?}"
    );
    assert!(
        words.contains(
            &"Beta tier 3 KS4 places open to medical needs (physical or mental health) for each such placement 0.80 → 4.00: gap closed".to_string()
        ),
        "{words:#?}"
    );

    // A snapshot from before need cells were recorded compared none: the gap is not new to
    // it, nor closed after it.
    let period = apdir::history::current_period(&site).unwrap();
    let site = load(tmp.path());
    apdir::history::files::write(&site, &period, false).unwrap();
    let (mut snapshots, _) = apdir::history::files::load(&site);
    snapshots[0].areas.iter_mut().for_each(|a| a.places_for_need.clear());
    let current = apdir::analyse::analyse(&site, None);
    let old = apdir::history::snapshot::report(&site, &snapshots[0], &current).report;
    assert!(need_gaps(&old).is_empty(), "not compared");
    let forward = apdir::history::change::differences(&old, &current);
    let semh = forward.iter().find(|d| d.text.contains("(SEMH)")).expect("the SEMH gap");
    assert_eq!(semh.kind, "new");
    assert!(semh.text.ends_with("not known → 0.36: gap (not compared before)"), "{}", semh.text);
    let backward = apdir::history::change::differences(&current, &old);
    let semh = backward.iter().find(|d| d.text.contains("(SEMH)")).expect("the SEMH gap");
    assert_eq!(semh.kind, "uncompared", "never closed: {}", semh.text);
    assert!(semh.text.ends_with(": not compared in the later figures, so not known to be closed"), "{}", semh.text);
}

#[test]
fn a_need_cell_suppressed_at_source_in_either_period_is_uncompared_never_closed() {
    let tmp = site();
    let before = apdir::analyse::analyse(&load(tmp.path()), None);
    // The later figures give Beta's tier 3 KS4 SEMH placements as "c": the rule saw no number.
    let figures = tmp.path().join("areas/E07000902.toml");
    let text = std::fs::read_to_string(&figures).unwrap();
    std::fs::write(&figures, text.replace("semh = 11", "semh = \"c\"")).unwrap();
    let after = apdir::analyse::analyse(&load(tmp.path()), None);
    assert!(!texts(&after.areas[1]).iter().any(|g| g.contains("(SEMH)")), "no gap can be found against a hidden count");
    let semh = |from: &apdir::analyse::GapReport, to: &apdir::analyse::GapReport| {
        apdir::history::change::differences(from, to).into_iter().find(|d| d.text.contains("(SEMH)")).expect("the SEMH gap")
    };
    let forward = semh(&before, &after);
    assert_eq!(forward.kind, "uncompared", "never closed: {}", forward.text);
    assert!(forward.text.ends_with("0.36 → not known: not compared in the later figures, so not known to be closed"), "{}", forward.text);
    // Hidden before and given now: the gap is new to the reader, and says it was not compared.
    let backward = semh(&after, &before);
    assert_eq!(backward.kind, "new");
    assert!(backward.text.ends_with("not known → 0.36: gap (not compared before)"), "{}", backward.text);
}
