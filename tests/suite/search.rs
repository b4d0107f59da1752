//! Search: the index `apdir search` ranks from, the static export the browser ranks from (the
//! same bytes), both checked against tantivy's own BM25, and the finder files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use apdir::render::{Body, OutputFile};
use apdir::search::{self, Kind, SearchIndex, SearchOptions};
use apdir::{Date, LoadOptions, Site};

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Site::load(root, &LoadOptions { today: Date::parse("2026-11-25"), ..Default::default() }).expect("the sample site loads")
    })
}

fn built() -> &'static (SearchIndex, HashMap<String, Vec<u8>>) {
    static BUILT: OnceLock<(SearchIndex, HashMap<String, Vec<u8>>)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let handed_over = apdir::output::Memory::default();
        let b = search::build(site(), &handed_over, None, None, &Default::default()).expect("search builds");
        let files = b
            .files
            .into_iter()
            .chain(handed_over.into_files().into_iter().map(|(path, bytes)| OutputFile { path, body: Body::Bytes(bytes) }))
            .map(|f: OutputFile| match f.body {
                Body::Bytes(v) => (f.path, v),
                Body::Copy(p) => (f.path, std::fs::read(p).unwrap()),
            })
            .collect();
        (b.index.expect("a site without a build cache is always indexed"), files)
    })
}

fn opts(kind: Option<Kind>, limit: usize) -> SearchOptions {
    SearchOptions { kind, limit, prefix: false }
}

#[test]
fn documents_are_guides_then_providers_and_doc_ids_line_up() {
    let (ix, _) = built();
    let s = site();
    let guides = s.pages.iter().filter(|p| p.url != "/").count();
    assert_eq!(ix.docs.len(), guides + s.providers.len());
    assert!(ix.docs[..guides].iter().all(|d| d.kind == Kind::Guide));
    assert!(ix.docs[guides..].iter().all(|d| d.kind == Kind::Provider));
    // Document n's postings are document n's: its title's first word finds it.
    for n in [0, guides as u32, ix.docs.len() as u32 - 1] {
        let word = search::index::surface_words(&ix.docs[n as usize].title).remove(0);
        assert!(ix.postings.scores(&search::index::stem(&word)).contains_key(&n), "{word}");
    }
}

#[test]
fn stemming_typos_types_and_field_boosts() {
    let (ix, _) = built();
    let top = |q: &str, kind| ix.search(q, &opts(kind, 3)).unwrap();
    // "excluded" and "excluding" share a stem; guide pages about exclusion come first.
    let a = top("excluded", Some(Kind::Guide));
    assert!(a.iter().any(|h| h.url.starts_with("/guide/exclusions/")), "{a:?}");
    assert_eq!(top("excluded", None).iter().map(|h| h.doc).collect::<Vec<_>>(), top("EXCLUDED", None).iter().map(|h| h.doc).collect::<Vec<_>>());
    // One typo in a long word.
    let t = top("timetabel", None);
    assert_eq!(t.first().map(|h| h.url.as_str()), Some("/guide/attendance/part-time-timetables/"));
    // No typo tolerance for short words.
    assert!(top("tiem", None).is_empty());
    // A word that matches nothing leaves partial matches, labelled, rather than no results.
    let p = top("timetable zzqxjv", None);
    assert_eq!(p.first().map(|h| h.url.as_str()), Some("/guide/attendance/part-time-timetables/"));
    assert!(p.iter().all(|h| h.partial), "{p:?}");
    assert!(top("timetable", None).iter().all(|h| !h.partial));
    // A provider's name outranks mentions elsewhere.
    let r = top("ribbleside", Some(Kind::Provider));
    assert_eq!(r[0].url, "/providers/ribbleside-short-stay-school/");
    assert!(top("ribbleside", Some(Kind::Guide)).iter().all(|h| h.kind == Kind::Guide));
}

#[test]
fn search_phrases_rank_above_the_same_words_apart() {
    let (ix, _) = built();
    let mut shown = Vec::new();
    for q in ["home education", "review panel", "part time", "young people", "care plan", "independent review panel", "attendance codes"] {
        let planned = search::query::plan_with(&ix.vocab, &ix.synonyms, q, false);
        let ranked = search::query::rank(&planned, &ix.evidence(&planned).unwrap(), ix.docs.len());
        let full: Vec<_> = ranked.iter().filter(|r| r.matched == planned.len()).collect();
        let apart = full.iter().position(|r| !r.phrase).unwrap_or(full.len());
        assert!(full[apart..].iter().all(|r| !r.phrase), "{q}: a page with the phrase ranks below one without");
        // The order is the phrase's, not the score's: a page with the words apart may score more.
        if full[..apart].iter().any(|a| full[apart..].iter().any(|b| b.score > a.score)) {
            shown.push(q);
        }
        // The same order through `search`.
        let hits: Vec<u32> = ix.search(q, &opts(None, 0)).unwrap().iter().map(|h| h.doc).collect();
        assert_eq!(hits, ranked.iter().map(|r| r.doc).collect::<Vec<_>>(), "{q}");
    }
    assert!(!shown.is_empty(), "no query where the phrase changed the order");
}

#[test]
fn search_acronyms_match_their_expansions_only_as_phrases() {
    let (ix, _) = built();
    let urls = |q: &str| -> Vec<String> { ix.search(q, &opts(None, 0)).unwrap().into_iter().map(|h| h.url).collect() };
    let ehcp = urls("EHCP");
    // Written out in full ("an education, health and care plan") on the part-time timetables page.
    assert!(ehcp.contains(&"/guide/attendance/part-time-timetables/".to_string()), "{ehcp:?}");
    // The medical-needs page says "health" and "plan", never the plan itself.
    assert!(!ehcp.contains(&"/guide/attendance/section-19-and-medical-needs/".to_string()), "{ehcp:?}");
}

#[test]
fn search_did_you_mean_corrects_words_that_match_nothing() {
    let (ix, _) = built();
    assert_eq!(ix.suggest("safgaurding checks", false).as_deref(), Some("safeguarding checks"));
    assert_eq!(ix.suggest("how do I make a refferal", false).as_deref(), Some("how do i make a referral"));
    // Found already (one typo is forgiven), or nothing close: no suggestion.
    assert_eq!(ix.suggest("exclsuion", false), None);
    assert_eq!(ix.suggest("exclusion", false), None);
    assert_eq!(ix.suggest("zzqxjv", false), None);
}

// ---------------------------------------------------------------- the export, decoded

fn varint(b: &[u8], pos: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let byte = b[*pos];
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return v;
        }
    }
}

/// term → [(field, [(doc, tf, norm id)])]
type Postings = BTreeMap<String, Vec<(usize, Vec<(u32, u32, u8)>)>>;

fn decode(files: &HashMap<String, Vec<u8>>) -> (serde_json::Value, Postings, BTreeMap<String, String>) {
    let meta: serde_json::Value = serde_json::from_slice(&files["search/meta.json"]).unwrap();
    let mut postings = Postings::new();
    let starts: Vec<String> = meta["shards"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    for (n, start) in starts.iter().enumerate() {
        let b = &files[&format!("search/t/{n}.bin")];
        let mut pos = 0;
        let count = varint(b, &mut pos);
        for i in 0..count {
            let len = varint(b, &mut pos) as usize;
            let term = String::from_utf8(b[pos..pos + len].to_vec()).unwrap();
            pos += len;
            if i == 0 {
                assert_eq!(&term, start, "shard {n} starts with the listed term");
            }
            let nf = b[pos];
            pos += 1;
            let mut fields = Vec::new();
            for _ in 0..nf {
                let f = b[pos] as usize;
                pos += 1;
                let df = varint(b, &mut pos);
                let mut doc = 0u32;
                let mut list = Vec::new();
                for _ in 0..df {
                    doc += varint(b, &mut pos) as u32;
                    let tf = varint(b, &mut pos) as u32;
                    list.push((doc, tf, b[pos]));
                    pos += 1;
                }
                fields.push((f, list));
            }
            assert!(postings.insert(term, fields).is_none(), "a term in two shards");
        }
        assert_eq!(pos, b.len(), "shard {n} has trailing bytes");
    }
    let mut vocab = BTreeMap::new();
    for letter in meta["letters"].as_array().unwrap() {
        let v: BTreeMap<String, String> = serde_json::from_slice(&files[&format!("search/v/{}.json", letter.as_str().unwrap())]).unwrap();
        for (s, t) in v {
            let t = if t.is_empty() { s.clone() } else { t };
            vocab.insert(s, t);
        }
    }
    (meta, postings, vocab)
}

/// pair → docs, from the pairs shards; each pair checked to be in the shard its hash names.
fn decode_pairs(meta: &serde_json::Value, files: &HashMap<String, Vec<u8>>) -> HashMap<String, std::collections::BTreeSet<u32>> {
    let n = meta["pair_shards"].as_u64().unwrap() as usize;
    let mut out = HashMap::new();
    for i in 0..n {
        let b = &files[&format!("search/p/{i}.bin")];
        let mut pos = 0;
        let count = varint(b, &mut pos);
        for _ in 0..count {
            let len = varint(b, &mut pos) as usize;
            let pair = String::from_utf8(b[pos..pos + len].to_vec()).unwrap();
            pos += len;
            assert_eq!(search::export::fnv1a(&pair) as usize % n, i, "{pair} is in the wrong shard");
            let df = varint(b, &mut pos);
            let mut doc = 0u32;
            let docs = (0..df)
                .map(|_| {
                    doc += varint(b, &mut pos) as u32;
                    doc
                })
                .collect();
            assert!(out.insert(pair, docs).is_none(), "a pair in two shards");
        }
        assert_eq!(pos, b.len(), "pairs shard {i} has trailing bytes");
    }
    out
}

/// BM25 from the exported files alone, as /js/search-core.js computes it, ranked by the
/// planner's `rank`.
fn rank_from_export(
    meta: &serde_json::Value,
    postings: &Postings,
    pairs: &HashMap<String, std::collections::BTreeSet<u32>>,
    vocab: &BTreeMap<String, String>,
    syn: &search::synonyms::Synonyms,
    q: &str,
) -> Vec<(u32, f32)> {
    let n = meta["docs"].as_u64().unwrap() as f32;
    let norms: Vec<f32> = meta["norms"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as f32).collect();
    let fields = meta["fields"].as_array().unwrap();
    let planned = search::query::plan_with(vocab, syn, q, false);
    let (terms, wanted) = search::query::needs(&planned);
    let mut ev = search::query::Evidence::default();
    for t in terms {
        let mut scores: BTreeMap<u32, f32> = BTreeMap::new();
        for (f, list) in postings.get(&t).map(Vec::as_slice).unwrap_or(&[]) {
            let avg = fields[*f]["tokens"].as_u64().unwrap() as f32 / n;
            let boost = fields[*f]["boost"].as_f64().unwrap() as f32;
            let df = list.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for (doc, tf, norm) in list {
                let tf = *tf as f32;
                let k = 1.2 * (1.0 - 0.75 + 0.75 * norms[*norm as usize] / avg);
                *scores.entry(*doc).or_default() += idf * 2.2 * tf / (tf + k) * boost;
            }
        }
        ev.terms.insert(t, scores);
    }
    for p in wanted {
        let docs = pairs.get(&p).cloned().unwrap_or_default();
        ev.pairs.insert(p, docs);
    }
    search::query::rank(&planned, &ev, n as usize).into_iter().map(|r| (r.doc, r.score)).collect()
}

/// Tantivy's BM25 over the same documents, as `apdir search` used it until 7 December 2026
/// (one segment, the same analyzer, each field's term query boosted): the reference our own
/// postings must agree with.
struct Tantivy {
    searcher: tantivy::Searcher,
    fields: Vec<tantivy::schema::Field>,
}

impl Tantivy {
    fn new() -> Tantivy {
        use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
        let mut b = Schema::builder();
        let text = TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer("apdir_en").set_index_option(IndexRecordOption::WithFreqs));
        let fields: Vec<_> = search::index::FIELDS.iter().map(|(name, _)| b.add_text_field(name, text.clone())).collect();
        let index = tantivy::Index::create_in_ram(b.build());
        index.tokenizers().register("apdir_en", search::index::analyzer());
        let mut writer = index.writer_with_num_threads(1, 50_000_000).unwrap();
        for d in search::index::documents(site()) {
            let mut doc = tantivy::TantivyDocument::default();
            for (f, t) in fields.iter().zip(&d.fields) {
                doc.add_text(*f, t);
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1, "one segment, so doc ids are document numbers");
        Tantivy { searcher, fields }
    }

    /// doc → the term's boosted BM25, summed over the fields.
    fn scores(&self, t: &str) -> BTreeMap<u32, f32> {
        use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
        let shoulds: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .iter()
            .zip(search::index::FIELDS.iter())
            .map(|(f, (_, boost))| {
                let q = TermQuery::new(tantivy::Term::from_field_text(*f, t), tantivy::schema::IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), *boost)) as Box<dyn Query>)
            })
            .collect();
        let top = self.searcher.search(&BooleanQuery::new(shoulds), &tantivy::collector::TopDocs::with_limit(100_000).order_by_score()).unwrap();
        top.into_iter().map(|(s, a)| (a.doc_id, s)).collect()
    }
}

#[test]
fn search_scores_are_tantivys_bm25() {
    let (ix, _) = built();
    let reference = Tantivy::new();
    // Every term of the site: the same documents, the same scores to f32 rounding.
    for t in ix.vocab.values().collect::<std::collections::BTreeSet<_>>() {
        let ours = ix.postings.scores(t);
        let theirs = reference.scores(t);
        assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "{t}: documents differ");
        for (d, s) in &ours {
            let r = theirs[d];
            assert!((s - r).abs() <= 1e-5 * r.max(1.0), "{t}: doc {d} scores {s} against tantivy's {r}");
        }
    }
}

#[test]
fn the_export_ranks_like_tantivy() {
    let (ix, files) = built();
    let (meta, postings, vocab) = decode(files);
    let pairs = decode_pairs(&meta, files);
    let syn = search::synonyms::Synonyms { phrases: serde_json::from_slice(&files["search/synonyms.json"]).unwrap() };
    assert_eq!(syn, ix.synonyms, "the shipped synonyms are the planner's");
    assert!(syn.phrases.contains_key("pex"), "the sample's synonyms are exported");
    assert_eq!(meta["docs"].as_u64().unwrap() as usize, ix.docs.len());
    assert_eq!(&vocab, &ix.vocab, "the shipped vocabulary is the planner's");
    // Every planned term is in the postings.
    for t in vocab.values() {
        assert!(postings.contains_key(t), "term {t} has no postings");
    }
    for q in [
        "excluded",
        "part time timetable",
        "anxiety",
        "day 6",
        "tier 2 preston",
        "semh",
        "exclsion",
        "ehcp reintegration",
        "motor vehicle",
        "looked after children",
        "pex",
        "PRU",
        "offrolling",
        "anxiety near preston",
        "what happens if my child is excluded",
        "timetabling",
        "timetable zzqxjv",
        "independent review panel",
        "kids with EHCP and SEMH",
        "short stay school",
    ] {
        let tantivy = ix.search(q, &opts(None, 10)).unwrap(); // (scores checked against tantivy above)
        let ours = rank_from_export(&meta, &postings, &pairs, &vocab, &syn, q);
        assert!(!tantivy.is_empty(), "{q}: no results");
        assert_eq!(tantivy.len(), ours.len().min(10), "{q}: result counts differ");
        for (i, (h, (doc, score))) in tantivy.iter().zip(&ours).enumerate() {
            assert!((h.score - score).abs() <= 1e-3 * h.score.max(1.0), "{q}: score {i} {} vs {score}", h.score);
            if h.doc != *doc {
                assert!((h.score - score).abs() <= 1e-3 * h.score, "{q}: rank {i} doc {} vs {doc}", h.doc);
            }
        }
    }
}

#[test]
fn shards_are_small_and_documents_carry_no_internal_data() {
    let (ix, files) = built();
    for (path, body) in files.iter() {
        if path.starts_with("search/t/") {
            // A shard only grows past the target by one term's postings.
            assert!(body.len() < 64 * 1024, "{path} is {} bytes", body.len());
        }
    }
    let pack: serde_json::Value = serde_json::from_slice(&files["search/d/0.json"]).unwrap();
    assert_eq!(pack[0]["u"], ix.docs[0].url.as_str());
    // Documents are packed: one file per DOCS_PER_FILE documents, the last one partly full.
    let per = apdir::search::export::DOCS_PER_FILE;
    let doc_files = files.keys().filter(|p| p.starts_with("search/d/")).count();
    assert_eq!(doc_files, ix.docs.len().div_ceil(per));
    let last = ix.docs.len() - 1;
    let tail: serde_json::Value = serde_json::from_slice(&files[&format!("search/d/{}.json", last / per)]).unwrap();
    assert_eq!(tail[last % per]["u"], ix.docs[last].url.as_str());
    let all: String = files
        .iter()
        .filter(|(p, _)| p.starts_with("search/d/") || p.starts_with("finder/"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    for p in &site().providers {
        if let Some(internal) = &p.provider.internal {
            for v in internal.values() {
                if let Some(s) = v.as_str().filter(|s| s.len() > 6) {
                    assert!(!all.contains(s), "internal value {s:?} of {} reached the export", p.provider.id);
                }
            }
        }
    }
}

#[test]
fn saved_index_answers_like_the_fresh_one() {
    let (ix, _) = built();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    ix.save(&path).unwrap();
    let mut opened = SearchIndex::open(&path).unwrap();
    // Synonyms are read from the site when a query runs (as `apdir search` does), not saved.
    opened.synonyms = search::synonyms::Synonyms::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    // The phrase pairs are saved beside the index (apdir-pairs.bin), not in tantivy.
    let saved = |p: &search::index::PairPostings| {
        let mut bytes = Vec::new();
        p.write_to(&mut bytes).unwrap();
        bytes
    };
    assert_eq!(saved(&opened.pairs), saved(&ix.pairs));
    assert!(!opened.pairs.docs_of("part time").is_empty());
    for q in ["excluded", "part time", "anxiety preston", "permanently excluded pupils"] {
        let a: Vec<u32> = ix.search(q, &opts(None, 10)).unwrap().iter().map(|h| h.doc).collect();
        let b: Vec<u32> = opened.search(q, &opts(None, 10)).unwrap().iter().map(|h| h.doc).collect();
        assert_eq!(a, b, "{q}");
    }
}

// The finder's files (masked sites, postcode shards) are tested in tests/suite/finder.rs.

#[test]
fn the_default_theme_list_matches_the_theme_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let mut on_disk: Vec<String> = walk(&dir).into_iter().map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/")).collect();
    on_disk.sort();
    let mut listed: Vec<String> = apdir::scaffold::DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "src/scaffold.rs DEFAULT_THEME must list every theme file");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
