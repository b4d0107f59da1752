//! apdir's own inverted index: for every term, per field, the documents holding it with the
//! term's frequency and the field's length (as tantivy's one-byte field-norm id), and each
//! field's total tokens. It is what `apdir search` ranks from and what the browser's
//! `search/t/` shards are cut from, so both rank from the same bytes with the same BM25
//! (`Postings::scores` is a line-by-line port of `termScores` in `/js/search-core.js`).
//!
//! Made in one pass over each document's text on every core, together with the word pairs
//! ([`super::index::PairPostings`]); until 7 December 2026 tantivy indexed the text on one
//! thread and the export read the postings back from it (docs/search.md, "Measurements").

use std::collections::BTreeMap;

use rayon::prelude::*;
use tantivy::fieldnorm::FieldNormReader;

use super::export::put_varint;
use super::index::{BRIDGED, FIELDS, PairPostings, SearchDoc, pair_key, scan_words};

/// BM25's constants (tantivy's).
pub const K1: f32 = 1.2;
pub const B: f32 = 0.75;

/// The postings of every term.
#[derive(Default)]
pub struct Postings {
    /// How many documents there are.
    pub docs: usize,
    /// Every term, sorted (byte order).
    pub terms: Vec<String>,
    /// Term `i`'s postings are `bytes[starts[i]..starts[i + 1]]`: u8 field count, then per
    /// field (ascending): u8 field index, varint df, df × (varint doc delta, varint tf, u8
    /// field-norm id). The layout of a term's entry in a `search/t/` shard.
    pub starts: Vec<u32>,
    pub bytes: Vec<u8>,
    /// Total tokens of each field, over every document.
    pub tokens: [u64; FIELDS.len()],
}

/// One document's part: its (term, field, tf, norm) entries, its pairs, its fields' lengths.
struct DocPart {
    /// (term << 3 | field, tf << 8 | norm id): eight bytes an entry, the document being the
    /// part's own (a part is held for every document at once).
    hits: Vec<(u32, u32)>,
    pairs: Vec<u64>,
    tokens: [u64; FIELDS.len()],
}

/// Key of a posting while grouping: term, then field. Terms are numbered below 2^29 (the
/// postings' own format keeps `term << 3 | field`).
fn hit_key(term: u32, field: usize) -> u32 {
    (term << 3) | field as u32
}

/// The postings and the word pairs of `docs`, whose every word is in `vocab`, each document
/// on its own core, its text read once.
pub fn build(docs: &[SearchDoc], vocab: &BTreeMap<String, String>) -> (Postings, PairPostings) {
    let mut terms: Vec<String> = vocab.values().cloned().collect();
    terms.par_sort_unstable();
    terms.dedup();
    // Surface word → (term number, whether pairs skip it).
    let number: rustc_hash::FxHashMap<&str, (u32, bool)> =
        vocab.par_iter().map(|(w, t)| (w.as_str(), (terms.binary_search(t).unwrap_or(0) as u32, super::query::is_stop_word(w)))).collect();
    let parts: Vec<DocPart> = docs.par_iter().map(|doc| doc_part(doc, &number)).collect();
    let mut tokens = [0u64; FIELDS.len()];
    for p in &parts {
        for (t, n) in tokens.iter_mut().zip(p.tokens) {
            *t += n;
        }
    }
    // Each (term, field)'s documents and each pair's documents, gathered on every core over
    // runs of documents (a hash map per run, joined in document order) rather than by
    // sorting every (key, document): a few thousand keys against millions of entries.
    let (postings, pairs) = rayon::join(
        || {
            let groups = grouped(&parts, |d, p, put| {
                for &(k, v) in &p.hits {
                    put(u64::from(k), (d, v));
                }
            });
            encode(&groups, terms.len())
        },
        || {
            grouped(&parts, |d, p, put| {
                for &k in &p.pairs {
                    put(k, d);
                }
            })
        },
    );
    let (starts, bytes) = postings;
    let pairs = PairPostings::from_groups(terms.clone(), pairs);
    (Postings { docs: docs.len(), terms, starts, bytes, tokens }, pairs)
}

/// Key → values, of the values `each` puts for every document (with its number), keys
/// sorted, each key's values in document order.
fn grouped<T: Send + Ord + Copy>(parts: &[DocPart], each: impl Fn(u32, &DocPart, &mut dyn FnMut(u64, T)) + Sync) -> Vec<(u64, Vec<T>)> {
    type Groups<T> = rustc_hash::FxHashMap<u64, Vec<T>>;
    let map: Groups<T> = parts
        .par_iter()
        .enumerate()
        .fold(Groups::default, |mut m, (d, p)| {
            each(d as u32, p, &mut |k, v| m.entry(k).or_default().push(v));
            m
        })
        // Runs are joined in order (rayon keeps the order of an indexed iterator's pieces).
        .reduce(Groups::default, |mut a, b| {
            for (k, mut v) in b {
                a.entry(k).or_default().append(&mut v);
            }
            a
        });
    let mut groups: Vec<(u64, Vec<T>)> = map.into_iter().collect();
    groups.par_sort_unstable_by_key(|g| g.0);
    // Already in document order; sorting an ordered list is one pass, and keeps the lists
    // right whatever order the runs were joined in.
    groups.par_iter_mut().for_each(|g| g.1.sort_unstable());
    groups
}

/// One document's postings entries, distinct pairs and field lengths.
fn doc_part(doc: &SearchDoc, number: &rustc_hash::FxHashMap<&str, (u32, bool)>) -> DocPart {
    let mut part = DocPart { hits: Vec::new(), pairs: Vec::new(), tokens: [0; FIELDS.len()] };
    let mut field_terms: Vec<u32> = Vec::new();
    for (fi, text) in doc.fields.iter().enumerate() {
        field_terms.clear();
        let mut prev: Option<u32> = None;
        let mut bridged = 0;
        scan_words(text, |word, broke| {
            if broke {
                prev = None;
            }
            match word.and_then(|w| number.get(w)) {
                Some(&(t, stop)) => {
                    field_terms.push(t);
                    if stop {
                        bridged = BRIDGED;
                    } else {
                        if let Some(p) = prev {
                            part.pairs.push(pair_key(p, t | bridged));
                        }
                        prev = Some(t);
                        bridged = 0;
                    }
                }
                None => prev = None,
            }
        });
        let len = field_terms.len() as u32;
        part.tokens[fi] = u64::from(len);
        let norm = FieldNormReader::fieldnorm_to_id(len);
        field_terms.sort_unstable();
        let mut i = 0;
        while i < field_terms.len() {
            let t = field_terms[i];
            let run = field_terms[i..].iter().take_while(|&&x| x == t).count();
            part.hits.push((hit_key(t, fi), ((run as u32).min(0x00ff_ffff) << 8) | u32::from(norm)));
            i += run;
        }
    }
    part.pairs.sort_unstable();
    part.pairs.dedup();
    // A bridged pair only where the document never has the two side by side.
    let flag = u64::from(BRIDGED);
    if part.pairs.iter().any(|&k| k & flag != 0) {
        let side_by_side = part.pairs.clone();
        part.pairs.retain(|&k| k & flag == 0 || side_by_side.binary_search(&(k & !flag)).is_err());
    }
    // Every document's part is held until all are grouped: give back what growing left spare.
    part.hits.shrink_to_fit();
    part.pairs.shrink_to_fit();
    part
}

/// The postings bytes of the (term, field) groups (sorted, key `term << 3 | field`, each
/// holding (document, tf << 8 | norm id) in document order), and where each of `n_terms`
/// terms starts.
fn encode(groups: &[(u64, Vec<(u32, u32)>)], n_terms: usize) -> (Vec<u32>, Vec<u8>) {
    let total: usize = groups.iter().map(|g| g.1.len()).sum();
    let mut starts = Vec::with_capacity(n_terms + 1);
    let mut bytes = Vec::with_capacity(total * 3 + n_terms * 4);
    let mut i = 0;
    for term in 0..n_terms as u64 {
        starts.push(bytes.len() as u32);
        let count_at = bytes.len();
        bytes.push(0);
        let mut fields = 0u8;
        while let Some((key, docs)) = groups.get(i).filter(|g| g.0 >> 3 == term) {
            bytes.push((key & 0x7) as u8);
            put_varint(&mut bytes, docs.len() as u64);
            let mut last = 0u32;
            for &(doc, v) in docs {
                put_varint(&mut bytes, u64::from(doc - last));
                put_varint(&mut bytes, u64::from(v >> 8));
                bytes.push(v as u8);
                last = doc;
            }
            fields += 1;
            i += 1;
        }
        bytes[count_at] = fields;
    }
    starts.push(bytes.len() as u32);
    (starts, bytes)
}

fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// The rounding of the browser's `Math.fround`.
fn f32r(x: f64) -> f64 {
    f64::from(x as f32)
}

impl Postings {
    /// Term `i`'s entry (see [`Postings::bytes`]).
    pub fn entry(&self, i: usize) -> &[u8] {
        &self.bytes[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// For each field, its length → BM25's length part, as `/js/search-core.js` caches it.
    fn norm_cache(&self, field: usize) -> Vec<f64> {
        let avg = f32r(self.tokens[field] as f64 / self.docs.max(1) as f64);
        (0..=255u8)
            .map(|id| {
                let dl = f64::from(FieldNormReader::id_to_fieldnorm(id));
                f32r(f32r(f64::from(K1)) * f32r(f32r(1.0 - f64::from(B)) + f32r(f32r(f64::from(B)) * f32r(dl) / avg)))
            })
            .collect()
    }

    /// Document → the sum over the fields of the term's boosted BM25 score (tantivy's BM25,
    /// rounded as the browser rounds).
    pub fn scores(&self, term: &str) -> BTreeMap<u32, f32> {
        let mut scores: BTreeMap<u32, f32> = BTreeMap::new();
        let Ok(i) = self.terms.binary_search_by(|t| t.as_str().cmp(term)) else { return scores };
        let b = self.entry(i);
        let n = self.docs as f64;
        let mut pos = 1;
        for _ in 0..b.first().copied().unwrap_or(0) {
            let Some(&field) = b.get(pos) else { break };
            pos += 1;
            let Some(df) = varint(b, &mut pos) else { break };
            let field = field as usize;
            let boost = f32r(f64::from(FIELDS.get(field).map_or(1.0, |f| f.1)));
            let df_f = df as f64;
            let idf = f32r((1.0 + f32r(f32r(n - df_f + 0.5) / f32r(df_f + 0.5))).ln());
            let weight = f32r(idf * f32r(1.0 + f64::from(K1)));
            let cache = self.norm_cache(field);
            let mut doc = 0u32;
            for _ in 0..df {
                let (Some(delta), Some(tf)) = (varint(b, &mut pos), varint(b, &mut pos)) else { return scores };
                let Some(&norm_id) = b.get(pos) else { return scores };
                pos += 1;
                doc += delta as u32;
                let tf = tf as f64;
                let norm = cache[norm_id as usize];
                let sc = f32r(f32r(weight * f32r(tf / f32r(tf + norm))) * boost);
                let e = scores.entry(doc).or_insert(0.0);
                *e = f32r(f64::from(*e) + sc) as f32;
            }
        }
        scores
    }

    /// The saved form: varint documents, the fields' tokens, varint term count, then per term
    /// varint length, UTF-8 term, varint entry length, entry.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + self.terms.len() * 12 + 64);
        put_varint(&mut out, self.docs as u64);
        for t in self.tokens {
            put_varint(&mut out, t);
        }
        put_varint(&mut out, self.terms.len() as u64);
        for (i, t) in self.terms.iter().enumerate() {
            put_varint(&mut out, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
            let e = self.entry(i);
            put_varint(&mut out, e.len() as u64);
            out.extend_from_slice(e);
        }
        out
    }

    /// Reads what [`Postings::encode`] wrote.
    pub fn decode(b: &[u8]) -> Option<Postings> {
        let mut pos = 0;
        let mut p = Postings { docs: varint(b, &mut pos)? as usize, ..Default::default() };
        for t in p.tokens.iter_mut() {
            *t = varint(b, &mut pos)?;
        }
        let n = varint(b, &mut pos)? as usize;
        p.terms.reserve(n.min(b.len()));
        for _ in 0..n {
            let len = varint(b, &mut pos)? as usize;
            let term = std::str::from_utf8(b.get(pos..pos.checked_add(len)?)?).ok()?.to_string();
            pos += len;
            let elen = varint(b, &mut pos)? as usize;
            p.starts.push(p.bytes.len() as u32);
            p.bytes.extend_from_slice(b.get(pos..pos.checked_add(elen)?)?);
            pos += elen;
            p.terms.push(term);
        }
        p.starts.push(p.bytes.len() as u32);
        (pos == b.len()).then_some(p)
    }
}
