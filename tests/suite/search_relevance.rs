//! What a parent or a school's staff type must find the page: the relevance set in
//! `tests/fixtures/search/relevance.toml`, run as `apdir search` runs it, submitted and typed.
//! Also checks the browser's Snowball English port against the index's stemmer.

use std::path::Path;
use std::sync::OnceLock;

use apdir::search::{SearchIndex, SearchOptions};
use apdir::{Date, LoadOptions, Site};

#[derive(serde::Deserialize)]
struct Set {
    query: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    kind: String,
    q: String,
    expect: Vec<String>,
    /// Why the query does not pass yet (counted in the score, not failed).
    #[serde(default)]
    known_miss: Option<String>,
}

fn index() -> &'static SearchIndex {
    static IX: OnceLock<SearchIndex> = OnceLock::new();
    IX.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = Site::load(root, &LoadOptions { today: Date::parse("2026-11-25"), ..Default::default() }).expect("the sample site loads");
        let mut ix = SearchIndex::build(&site).expect("search builds");
        ix.synonyms = apdir::search::synonyms::Synonyms::load(root).expect("the sample synonyms load");
        ix
    })
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search/relevance.toml")).unwrap();
    toml::from_str::<Set>(&text).unwrap().query
}

/// Runs a case in one mode; `None` when an expected page is in the top 3, else what came back.
fn miss(ix: &SearchIndex, c: &Case, prefix: bool) -> Option<Vec<String>> {
    let hits = ix.search(&c.q, &SearchOptions { kind: None, limit: 3, prefix }).unwrap();
    let urls: Vec<String> = hits.iter().map(|h| format!("{}{}", h.url, if h.partial { " (partial)" } else { "" })).collect();
    if hits.iter().any(|h| c.expect.contains(&h.url)) { None } else { Some(urls) }
}

#[test]
fn search_relevance_every_query_finds_an_expected_page_in_the_top_3() {
    let ix = index();
    let cases = cases();
    let kinds: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.kind.as_str()).collect();
    assert!(cases.len() >= 40 && kinds.len() >= 6, "{} queries of {} kinds", cases.len(), kinds.len());
    let mut failed = Vec::new();
    let mut known = Vec::new();
    let (mut submitted, mut typed, mut runs) = (0, 0, 0);
    for c in &cases {
        if c.kind != "prefix" {
            runs += 1;
            match miss(ix, c, false) {
                None => submitted += 1,
                Some(got) if c.known_miss.is_some() => known.push(format!("submitted {:?}: {got:?}", c.q)),
                Some(got) => failed.push(format!("submitted [{}] {:?}: {got:?}", c.kind, c.q)),
            }
        }
        match miss(ix, c, true) {
            None => typed += 1,
            Some(got) if c.known_miss.is_some() => known.push(format!("typed {:?}: {got:?}", c.q)),
            Some(got) => failed.push(format!("typed [{}] {:?}: {got:?}", c.kind, c.q)),
        }
        if c.known_miss.is_some() && miss(ix, c, false).is_none() && miss(ix, c, true).is_none() {
            failed.push(format!("{:?} passes now: remove its known_miss", c.q));
        }
    }
    eprintln!("known misses:\n{}", known.join("\n"));
    eprintln!("relevance: submitted {submitted}/{runs}, typed {typed}/{}", cases.len());
    assert!(failed.is_empty(), "not in the top 3:\n{}", failed.join("\n"));
}

/// The browser's stemmer (`search-core.js`) against the index's (rust-stemmers), word by word,
/// on every word of the sample site and a list of hard cases.
#[test]
fn search_stemmer_in_the_browser_matches_the_index() {
    let Ok(status) = std::process::Command::new("node").arg("--version").output() else {
        eprintln!("node is not installed: skipped");
        return;
    };
    assert!(status.status.success());
    let extra = "caresses ponies ties cries happy relational conditional rational valenci hesitanci digitizer conformabli radicalli \
        differentli vileli analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti \
        sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival allowance inference \
        airliner gyroscopic adjustable defensible irritant replacement adjustment dependent adoption homologou communism activate \
        angulariti homologous effective bowdlerize probate rate cease controll roll skis skies dying lying tying idly gently ugly \
        early only singly sky news howe atlas cosmos bias andes inning outing canning herring earring proceed exceed succeed \
        generously generate communication arsenal yellow saying boyish really bleed bleedly hoping hopping filing fizzed \
        luxuriating agreed feed emotionally anxious anxiety excluding safeguarding timetabling offrolling reintegrating \
        kids ebsa semh ehcp lac ks3 2026 café naïve";
    let mut words: Vec<String> = index().vocab.keys().cloned().collect();
    words.extend(extra.split_whitespace().map(str::to_string));
    let pairs: Vec<(String, String)> = words.iter().map(|w| (w.clone(), apdir::search::index::stem(w))).collect();
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("stems.json");
    std::fs::write(&fixture, serde_json::to_vec(&pairs).unwrap()).unwrap();
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/js/search-core.js");
    let script = r#"
        const fs = require('fs'), vm = require('vm');
        const ctx = { window: {}, TextDecoder, TextEncoder };
        vm.runInNewContext(fs.readFileSync(process.argv[1], 'utf8'), ctx);
        const stem = ctx.window.APDIRSearch.stem;
        const bad = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).filter(([w, s]) => stem(w) !== s).map(([w, s]) => [w, s, stem(w)]);
        console.log(JSON.stringify(bad));
    "#;
    let out = std::process::Command::new("node").arg("-e").arg(script).arg(&core).arg(&fixture).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bad: Vec<(String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(bad.is_empty(), "{} of {} words stem differently (word, Rust, JS): {bad:?}", bad.len(), pairs.len());
}
