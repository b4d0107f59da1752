//! The provider finder as a school meets it: what each result says, what is left out by
//! default, what counts as "places free", and the data the distance limit works from.
//! (The browser side is tests/browser/finder.test.mjs.)

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::*;

/// The suspended sample provider: expired insurance, QA visit overdue, 3 vacancies in June.
const SUSPENDED: &str = "forge-street-motor-project";

fn built() -> &'static BTreeMap<String, Vec<u8>> {
    static BUILT: OnceLock<(tempfile::TempDir, BTreeMap<String, Vec<u8>>)> = OnceLock::new();
    &BUILT.get_or_init(build_sample).1
}

fn json(path: &str) -> Value {
    serde_json::from_slice(built().get(path).unwrap_or_else(|| panic!("{path} was not built"))).unwrap()
}

/// Each row's provider id, through `ids.json` (id → row).
fn row_ids() -> Vec<String> {
    let ids = json("finder/ids.json");
    let by_row: BTreeMap<u64, String> = ids["rows"].as_object().unwrap().iter().map(|(id, r)| (r.as_u64().unwrap(), id.clone())).collect();
    assert_eq!(by_row.keys().copied().collect::<Vec<_>>(), (0..by_row.len() as u64).collect::<Vec<_>>(), "one row per provider");
    by_row.into_values().collect()
}

/// The first shard's rows as (provider id, column name → value).
fn rows() -> Vec<(String, BTreeMap<String, Value>)> {
    let first = json("finder/providers.json");
    let n = first["n"].as_u64().unwrap() as usize;
    let cols = first["cols"].as_object().unwrap();
    let ids = row_ids();
    assert_eq!(ids.len(), n);
    ids.into_iter().enumerate().map(|(i, id)| (id, cols.iter().map(|(c, v)| (c.clone(), v[i].clone())).collect())).collect()
}

/// A provider's card, as the finder and the compare page find it: row `r` is card `r % per`
/// of file `r / per`.
fn card(id: &str) -> Value {
    let ids = json("finder/ids.json");
    let per = ids["per"].as_u64().unwrap();
    let row = ids["rows"][id].as_u64().unwrap_or_else(|| panic!("{id} has no card"));
    json(&format!("finder/c/{}.json", row / per))[(row % per) as usize].clone()
}

fn record(id: &str) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(repo().join(format!("providers/{id}.toml"))).unwrap()).unwrap()
}

#[test]
fn finder_rows_are_in_name_order_and_carry_no_names() {
    let rows = rows();
    let names: Vec<String> = rows.iter().map(|(id, _)| card(id)["name"].as_str().unwrap().to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "rows in name order, so the default sort needs no column: {names:?}");
    let first = String::from_utf8(built()["finder/providers.json"].clone()).unwrap();
    assert!(!first.contains("\"rank\""), "no rank column");
    for (id, _) in &rows {
        assert!(!first.contains(id.as_str()), "the first shard carries no ids or names ({id})");
    }
}

#[test]
fn words_typed_in_the_finder_reach_the_right_rows() {
    // `docs.json` (fetched once words are typed) maps row → search document among the
    // providers; the document must be that row's provider.
    let meta = json("search/meta.json");
    let guides = meta["guides"].as_u64().unwrap();
    let docs: Vec<u64> = serde_json::from_value(json("finder/docs.json")).unwrap();
    let ids = row_ids();
    assert_eq!(docs.len(), ids.len());
    let per = apdir::search::export::DOCS_PER_FILE as u64;
    for (row, id) in ids.iter().enumerate() {
        let d = guides + docs[row];
        let doc = &json(&format!("search/d/{}.json", d / per))[(d % per) as usize];
        assert_eq!(doc["u"].as_str().unwrap(), format!("/providers/{id}/"), "row {row}");
    }
}

#[test]
fn result_cards_come_packed_a_few_files_not_one_per_provider() {
    let ids = json("finder/ids.json");
    let per = ids["per"].as_u64().unwrap() as usize;
    let n = row_ids().len();
    assert!((8..=50).contains(&per), "a card file holds a few cards: {per}");
    let files: Vec<&String> = built().keys().filter(|p| p.starts_with("finder/c/")).collect();
    assert_eq!(files.len(), n.div_ceil(per), "{files:?}");
    let total: usize = (0..files.len()).map(|k| json(&format!("finder/c/{k}.json")).as_array().unwrap().len()).sum();
    assert_eq!(total, n, "every provider has exactly one card");
    for (row, id) in row_ids().iter().enumerate() {
        assert_eq!(card(id)["id"].as_str(), Some(id.as_str()), "row {row}");
    }
}

#[test]
fn finder_leaves_a_suspended_provider_out_by_default_and_never_as_places_free() {
    let first = json("finder/providers.json");
    let free = first["flags"]["free"].as_u64().unwrap();
    let (_, row) = rows().into_iter().find(|(id, _)| id == SUSPENDED).unwrap();
    let status = &first["status"][row["status"].as_u64().unwrap() as usize];
    assert_eq!(status[0], "suspended");
    assert_eq!(status[2], true, "suspended providers are left out unless the school asks");
    assert_eq!(row["flags"].as_u64().unwrap() & free, 0, "a suspended provider never has places free");

    let c = card(SUSPENDED);
    assert_eq!(c["status"]["label"], "Suspended");
    assert!(c["left_out"].as_bool().unwrap());
    assert!(!c["places_free"].as_bool().unwrap());
    let v = c["vacancies"].as_str().unwrap();
    assert!(!v.contains("places free"), "{v}");
    let w = c["warning"].as_str().unwrap();
    assert!(w.contains("QA visit overdue") && w.contains("insurance expired"), "{w}");

    // The no-JavaScript list: the status comes before the name, and no "3 places free".
    let list = page(built(), "providers/index.html");
    let at = list.find(&format!("data-provider=\"{SUSPENDED}\"")).expect("the suspended provider is listed, labelled");
    let card_html = &list[at..at + list[at..].find("</li>").unwrap()];
    let (status_at, name_at) = (card_html.find("Suspended").unwrap(), card_html.find("card__title").unwrap());
    assert!(status_at < name_at, "status first: {card_html}");
    assert!(!card_html.contains("places free"), "{card_html}");
}

#[test]
fn stale_vacancy_figures_never_count_as_places_free() {
    let first = json("finder/providers.json");
    let free = first["flags"]["free"].as_u64().unwrap();
    let stale_days = 60;
    let mut stale = 0;
    for (id, row) in rows() {
        let rec = record(&id);
        let cap = rec.get("capacity").and_then(|c| c.as_table());
        let as_of = cap.and_then(|c| c.get("vacancies_as_of")).and_then(|d| d.as_datetime()).map(|d| d.to_string());
        let vacancies = cap.and_then(|c| c.get("vacancies")).and_then(|v| v.as_integer()).unwrap_or(0);
        let age = as_of.as_deref().map(|d| apdir::Date::parse(d).unwrap().days_until(today()));
        let is_free = row["flags"].as_u64().unwrap() & free != 0;
        let c = card(&id);
        assert_eq!(is_free, c["places_free"].as_bool().unwrap(), "{id}: the shard and the card agree");
        if age.is_some_and(|a| a > stale_days) {
            stale += 1;
            assert!(!is_free, "{id}: figures {age:?} days old count as free");
            let v = c["vacancies"].as_str().unwrap();
            assert!(v.contains("not confirmed since") || v.starts_with("Not taking placements"), "{id}: {v}");
        }
        if is_free {
            assert!(vacancies > 0 && age.is_some_and(|a| a <= stale_days), "{id} counts as free without fresh figures");
        }
    }
    assert!(stale > 0, "the sample has stale vacancy figures");
}

#[test]
fn the_distance_limit_has_positions_districts_and_travel_targets_to_work_from() {
    let first = json("finder/providers.json");
    let sites = json("finder/sites.json");
    let n = first["n"].as_u64().unwrap() as usize;
    let counts: Vec<usize> = sites["count"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap() as usize).collect();
    assert_eq!(counts.len(), n);
    let (scale, lat0, lon0, m) =
        (sites["scale"].as_f64().unwrap(), sites["lat0"].as_f64().unwrap(), sites["lon0"].as_f64().unwrap(), sites["m"].as_u64().unwrap());
    let pts: Vec<(f64, f64)> = sites["pts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let v = v.as_u64().unwrap();
            (lat0 + (v / m) as f64 / scale, lon0 + (v % m) as f64 / scale)
        })
        .collect();
    assert_eq!(pts.len(), counts.iter().sum::<usize>());
    // Every site's position is its own (to about 100 m) or, when masked, its district's centre
    // and listed in `masked`, so the map draws it as an area, never as a point.
    let s = apdir::Site::load(&repo(), &apdir::LoadOptions { today: Some(today()), ..Default::default() }).unwrap();
    let listed: Vec<usize> = serde_json::from_value(sites["masked"].clone()).unwrap();
    let mut k = 0;
    let mut masked = Vec::new();
    for id in row_ids() {
        let vp = s.providers.iter().find(|vp| vp.provider.id == id).unwrap();
        for (loc, placed) in vp.provider.locations.iter().zip(&vp.sites) {
            let (lat, lon) = pts[k];
            k += 1;
            if loc.mask_exact_address {
                masked.push(k - 1);
                let area = s.area(&placed.district).unwrap();
                assert!(
                    (lat - area.centre.1).abs() < 0.011 && (lon - area.centre.0).abs() < 0.011,
                    "{} is not at its district centre",
                    vp.provider.id
                );
                assert!((lat - placed.lat).abs() > 0.0005 || (lon - placed.lon).abs() > 0.0005, "{} reveals its location", vp.provider.id);
            } else {
                assert!((lat - placed.lat).abs() < 0.0011 && (lon - placed.lon).abs() < 0.0011, "{}", vp.provider.id);
            }
        }
    }
    assert!(!masked.is_empty(), "the sample has masked sites");
    assert_eq!(listed, masked, "sites.json names exactly the masked sites");
    // A postcode knows its district, and each district its travel target.
    let pr7 = json("finder/pc/PR7.json");
    let e = s.postcodes.get("pr7 1ab").unwrap();
    assert_eq!(pr7["p"]["1AB"][0].as_f64().unwrap(), (e.lat * 1e4).round() / 1e4);
    assert_eq!(pr7["p"]["1AB"][2].as_str().unwrap(), e.district);
    let districts = first["facets"]["district"].as_array().unwrap();
    let at = districts.iter().position(|d| d[0] == e.district.as_str()).unwrap();
    assert_eq!(first["travel"][at].as_f64(), Some(10.0));
    // Every postcode is in its outcode's shard.
    let outcodes: Vec<String> = serde_json::from_value(json("finder/outcodes.json")).unwrap();
    let total: usize = outcodes.iter().map(|o| json(&format!("finder/pc/{o}.json"))["p"].as_object().unwrap().len()).sum();
    assert_eq!(total, s.postcodes.len());
}

#[test]
fn finder_cards_hold_no_internal_notes() {
    let all: String =
        built().iter().filter(|(p, _)| p.starts_with("finder/")).map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect::<Vec<_>>().join("\n");
    for entry in std::fs::read_dir(repo().join("providers")).unwrap() {
        let rec: toml::Table = toml::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        if let Some(internal) = rec.get("internal").and_then(|i| i.as_table()) {
            for v in internal.values() {
                if let Some(s) = v.as_str().filter(|s| s.len() > 6) {
                    assert!(!all.contains(s), "internal value {s:?} reached the finder's files");
                }
            }
        }
    }
}

#[test]
fn a_suspended_providers_page_explains_instead_of_inviting_a_referral() {
    let html = page(built(), &format!("providers/{SUSPENDED}/index.html"));
    let refer = &html[html.find("id=\"refer\"").unwrap()..];
    assert!(refer.contains("Do not make a new referral"), "{refer}");
    assert!(!refer.contains("making a referral</a> before you contact"), "no invitation to refer");
    assert!(html.contains("Insurance has expired"));
    assert!(html.contains("Quality-assurance visit overdue"));
    assert!(!html.contains(">Met</strong> <strong"), "no doubled labels");
    // An active provider still invites a referral.
    let ok = page(built(), "providers/ribbleside-short-stay-school/index.html");
    assert!(ok.contains("making a referral</a> before you contact"));
}

#[test]
fn the_compare_page_says_it_needs_javascript_and_links_to_the_providers() {
    let html = page(built(), "compare/index.html");
    assert!(html.contains("needs JavaScript"));
    assert!(html.contains("href=\"/providers/\""));
    assert!(html.contains("/js/compare.js"));
    let home = page(built(), "index.html");
    assert!(home.contains("action=\"/providers/\"") && home.contains("name=\"pc\""), "the home page has the postcode box");
}
