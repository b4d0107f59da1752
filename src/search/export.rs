//! The static export of the search index for the browser (format in `docs/search.md`).
//!
//! - `search/meta.json`: document count, guide count, fields (name, boost, total tokens),
//!   BM25 constants, tantivy's field-norm table, the first term of every postings shard and
//!   the vocabulary letters.
//! - `search/v/<letter>.json`: surface word → term (`""` when the word is its own term).
//! - `search/t/<n>.bin`: postings shards, terms in byte order, cut at about [`SHARD_BYTES`].
//! - `search/p/<n>.bin`: the word pairs (phrases) and the documents holding each, a pair in
//!   shard `fnv1a(pair) % pair_shards`, so the browser finds it without a list of shards.
//! - `search/d/<n>.json`: title, URL, kind and snippet text of documents `n * DOCS_PER_FILE`
//!   up to the next file, as an array (packed so a large site does not write one file per
//!   document: file count, not bytes, dominates write time).

use std::collections::BTreeMap;

use super::index::{FIELDS, Kind, SearchDoc, SearchIndex};
use super::query::letter_of;
use crate::model::lock::LockExt;
use crate::render::{Body, OutputFile};

/// Documents per `search/d/` file: small enough that a page of results fetches a few KB, large
/// enough that 11,000 documents are 700 files rather than 11,000.
pub const DOCS_PER_FILE: usize = 16;

/// Target size of one postings shard before compression.
pub const SHARD_BYTES: usize = 12 * 1024;
/// Target size of one pairs shard before compression (the number of shards is the total
/// divided by this).
/// 4 KB rather than 8 KB since 7 December 2026: a three-word query fetches two pairs shards,
/// and at 8 KB "preston tier 2" went 1.3 KB over the 100 KB first-query budget at 10,000
/// providers (docs/search.md).
pub const PAIR_SHARD_BYTES: usize = 4 * 1024;

/// 32-bit FNV-1a of a pair's UTF-8 bytes: which pairs shard holds it (`search-core.js` has
/// the same function).
pub fn fnv1a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Longest snippet text kept per document (characters).
pub const SNIPPET_CHARS: usize = 4000;

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// How many bytes [`put_varint`] writes for `v`.
pub fn varint_len(v: u64) -> usize {
    (64 - v.max(1).leading_zeros() as usize).div_ceil(7)
}

/// A file of `bytes`, trimmed to their length: serialising grows a buffer by doubling, and a
/// file may be held until the others are made (10,000 guide pages' `search/d/` files once
/// held 37 MB for 25 MB of JSON).
pub(super) fn file(path: String, mut bytes: Vec<u8>) -> OutputFile {
    bytes.shrink_to_fit();
    OutputFile { path, body: Body::Bytes(bytes) }
}

/// The postings shards, the first term of each, and each field's metadata.
type ShardFiles = (Vec<OutputFile>, Vec<String>, Vec<serde_json::Value>);

/// The static files of `ix`, made from `docs` (the snippets are cut from them here).
pub fn files(ix: &SearchIndex, docs: &[SearchDoc]) -> Result<Vec<OutputFile>, String> {
    let made = std::sync::Mutex::new(Vec::new());
    let mut out = files_handing_over(ix, docs, &|f| made.lock_unpoisoned().push(f))?;
    out.extend(made.into_inner_unpoisoned());
    Ok(out)
}

/// The search files, the documents' (`search/d/`, most of the bytes: each document's snippet
/// text) handed to `hand_over` as each is made, so they need not all be held at once; the
/// others returned.
pub fn files_handing_over(ix: &SearchIndex, docs: &[SearchDoc], hand_over: &(dyn Fn(OutputFile) + Sync)) -> Result<Vec<OutputFile>, String> {
    use rayon::prelude::*;
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let n_docs = ix.docs.len();
    // The postings shards, the vocabulary, the documents and the pairs are independent: they
    // are made side by side, and put together in this order.
    let (postings, ((letters, doc_files), pairs)) = rayon::join(
        || -> Result<ShardFiles, String> { Ok(term_files(&ix.postings)) },
        || {
            rayon::join(
                || {
                    rayon::join(
                        || {
                            // Vocabulary by first letter, borrowed (in order: the JSON object's
                            // keys are written sorted, as a map of them would be).
                            let mut letters: BTreeMap<char, Vec<(&str, &str)>> = BTreeMap::new();
                            for (surface, term) in &ix.vocab {
                                let v = if surface == term { "" } else { term.as_str() };
                                letters.entry(letter_of(surface)).or_default().push((surface, v));
                            }
                            letters
                        },
                        || -> Result<(), String> {
                            // Documents, DOCS_PER_FILE to a file.
                            ix.docs.par_chunks(DOCS_PER_FILE).enumerate().try_for_each(|(n, chunk)| {
                                let pack: Vec<serde_json::Value> = chunk
                                    .iter()
                                    .enumerate()
                                    .map(|(j, d)| {
                                        let i = n * DOCS_PER_FILE + j;
                                        let text = docs.get(i).map(SearchDoc::snippet_text).unwrap_or_default();
                                        let k = match d.kind {
                                            Kind::Guide => "g",
                                            Kind::Provider => "p",
                                        };
                                        serde_json::json!({ "t": d.title, "u": d.url, "k": k, "x": text })
                                    })
                                    .collect();
                                hand_over(file(format!("search/d/{n}.json"), serde_json::to_vec(&pack).map_err(|x| e(&x))?));
                                Ok(())
                            })
                        },
                    )
                },
                || pair_files(ix),
            )
        },
    );
    let (mut out, shard_starts, field_meta) = postings?;
    let (pair_files, pair_shards) = pairs;
    out.extend(pair_files);
    for (letter, words) in &letters {
        out.push(file(format!("search/v/{letter}.json"), serde_json::to_vec(&WordMap(words)).map_err(|x| e(&x))?));
    }
    doc_files?;

    let norms: Vec<u32> = (0..=255u8).map(tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm).collect();
    let guides = ix.docs.iter().take_while(|d| d.kind == Kind::Guide).count();
    let meta = serde_json::json!({
        "format": 4,
        "docs_per_file": DOCS_PER_FILE,
        "docs": n_docs,
        "guides": guides,
        "fields": field_meta,
        "k1": 1.2,
        "b": 0.75,
        "max_prefix": super::query::MAX_PREFIX,
        "typo_min": super::query::TYPO_MIN,
        "norms": norms,
        "shards": shard_starts,
        "pair_shards": pair_shards,
        "letters": letters.keys().map(|c| c.to_string()).collect::<Vec<_>>(),
    });
    out.push(file("search/meta.json".into(), serde_json::to_vec(&meta).map_err(|x| e(&x))?));
    Ok(out)
}

/// A letter's surface words → terms, written as a JSON object (in the order given).
struct WordMap<'a>(&'a [(&'a str, &'a str)]);

impl serde::Serialize for WordMap<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().copied())
    }
}

/// The postings shards (`search/t/<n>.bin`: varint term count, then per term in byte order
/// varint length, UTF-8 term and the term's entry, see [`super::postings::Postings`]), cut
/// once they pass [`SHARD_BYTES`], the first term of each, and each field's metadata.
fn term_files(postings: &super::postings::Postings) -> ShardFiles {
    let field_meta = FIELDS
        .iter()
        .zip(postings.tokens)
        .map(|((name, boost), tokens)| serde_json::json!({ "name": name, "boost": boost, "tokens": tokens }))
        .collect();
    let mut out = Vec::new();
    let mut shard_starts: Vec<String> = Vec::new();
    let mut shard: Vec<u8> = Vec::new();
    let mut count = 0u64;
    let flush = |shard: &mut Vec<u8>, count: &mut u64, out: &mut Vec<OutputFile>, n: usize| {
        let mut body = Vec::with_capacity(shard.len() + 4);
        put_varint(&mut body, *count);
        body.append(shard);
        out.push(file(format!("search/t/{n}.bin"), body));
        *count = 0;
    };
    for (i, term) in postings.terms.iter().enumerate() {
        if count == 0 {
            shard_starts.push(term.clone());
        }
        put_varint(&mut shard, term.len() as u64);
        shard.extend_from_slice(term.as_bytes());
        shard.extend_from_slice(postings.entry(i));
        count += 1;
        if shard.len() >= SHARD_BYTES {
            flush(&mut shard, &mut count, &mut out, shard_starts.len() - 1);
        }
    }
    if count > 0 {
        flush(&mut shard, &mut count, &mut out, shard_starts.len() - 1);
    }
    (out, shard_starts, field_meta)
}

/// The pairs shards (`search/p/<n>.bin`: varint pair count, then per pair in byte order:
/// varint length, UTF-8 pair, varint df, df × varint doc delta) and how many there are.
fn pair_files(ix: &SearchIndex) -> (Vec<OutputFile>, usize) {
    let pairs = &ix.pairs;
    let mut buf = String::new();
    let mut total = 0usize;
    for i in 0..pairs.len() {
        let (count, gaps) = pairs.get(i, &mut buf);
        total += buf.len() + 1 + varint_len(u64::from(count)) + gaps.len();
    }
    let n = total.div_ceil(PAIR_SHARD_BYTES).max(1);
    let mut shards: Vec<(u64, Vec<u8>)> = vec![(0, Vec::new()); n];
    for i in 0..pairs.len() {
        let (docs, gaps) = pairs.get(i, &mut buf);
        let (count, body) = &mut shards[fnv1a(&buf) as usize % n];
        put_varint(body, buf.len() as u64);
        body.extend_from_slice(buf.as_bytes());
        put_varint(body, u64::from(docs));
        body.extend_from_slice(gaps);
        *count += 1;
    }
    let files = shards
        .into_iter()
        .enumerate()
        .map(|(i, (count, body))| {
            let mut out = Vec::with_capacity(body.len() + 4);
            put_varint(&mut out, count);
            out.extend_from_slice(&body);
            file(format!("search/p/{i}.bin"), out)
        })
        .collect();
    (files, n)
}

/// `search/synonyms.json`: the planned synonyms (phrase → equivalents, each a list of terms),
/// written on every build, since
/// the synonyms are not part of the index.
pub fn synonyms_file(s: &super::synonyms::Synonyms) -> Result<OutputFile, crate::diagnostics::Diagnostics> {
    let bytes = serde_json::to_vec(&s.phrases).map_err(|e| {
        let mut d = crate::diagnostics::Diagnostics::default();
        d.push(crate::diagnostics::Diagnostic::error("search", format!("cannot write the synonyms: {e}")));
        d
    })?;
    Ok(file("search/synonyms.json".into(), bytes))
}
