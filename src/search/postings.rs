//! apdir's own inverted index: for every term, per field, the documents holding it with the
//! term's frequency and the field's length (as tantivy's one-byte field-norm id), and each
//! field's total tokens. It is what `apdir search` ranks from and what the browser's
//! `search/t/` shards are cut from, so both rank from the same bytes with the same BM25
//! (`Postings::scores` is a line-by-line port of `termScores` in `/js/search-core.js`).
//!
//! Made in one pass over each document's text on every core, together with the word pairs
//! ([`super::index::PairPostings`]); until 7 December 2026 tantivy indexed the text on one
//! thread and the export read the postings back from it (docs/search.md, "Measurements").

use std::borrow::Cow;
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

/// Documents read together: a run numbers its words itself (see [`build`]).
const RUN: usize = 64;

/// The vocabulary (every surface word → its term), the postings and the word pairs of `docs`,
/// each document's text read once, on every core.
///
/// Documents are read in runs of [`RUN`]: a run numbers the words it meets in the order it
/// meets them, and its documents' parts name words by those numbers. Once every run is read,
/// the runs' words make the vocabulary (each distinct word stemmed once), and each run's
/// numbers become term numbers: two words with one stem in a field make one posting, their
/// frequencies added, and their pairs one pair.
pub fn build(docs: &[SearchDoc]) -> (BTreeMap<String, String>, Postings, PairPostings) {
    let timings = std::env::var_os("APDIR_SEARCH_TIMINGS").is_some();
    let t = std::time::Instant::now();
    let mut runs: Vec<Run> = docs.par_chunks(RUN).map(read_run).collect();
    let vocab = vocabulary(&runs);
    if timings {
        eprintln!("search: words read and stemmed {:?}", t.elapsed());
    }
    let mut terms: Vec<String> = vocab.values().cloned().collect();
    terms.par_sort_unstable();
    terms.dedup();
    let number: rustc_hash::FxHashMap<&str, u32> = vocab.par_iter().map(|(w, t)| (w.as_str(), terms.binary_search(t).unwrap_or(0) as u32)).collect();
    runs.par_iter_mut().for_each(|run| run.name_terms(&number));
    let parts: Vec<DocPart> = runs.into_iter().flat_map(|r| r.parts).collect();
    let mut tokens = [0u64; FIELDS.len()];
    for p in &parts {
        for (t, n) in tokens.iter_mut().zip(p.tokens) {
            *t += n;
        }
    }
    // Each (term, field)'s documents and each pair's documents, gathered on every core over
    // runs of documents (hash maps per run, joined in document order) rather than by sorting
    // every (key, document): a few thousand keys against millions of entries. Both in one
    // pass that consumes the parts, so that a part is freed once grouped: the parts and the
    // groups are about the same size, and were held together (docs/search.md, "Memory").
    let (hits, pairs) = grouped(parts);
    let ((starts, bytes), pairs) = rayon::join(|| encode(hits, terms.len()), || pair_postings(terms.clone(), pairs));
    (vocab, Postings { docs: docs.len(), terms, starts, bytes, tokens }, pairs)
}

/// A key's documents as the postings write them: per document, the varint gap from the
/// document before (from 0 for the first), then the document's own bytes (a hit's tf and
/// norm id, nothing for a pair). Grouped this way, the documents of 10,000 guide pages take
/// about 15 MB where (document, value) lists took 35 MB (docs/search.md, "Memory").
#[derive(Default)]
struct Group {
    count: u32,
    last: u32,
    bytes: Vec<u8>,
}

impl Group {
    /// Adds document `doc` (after every document already in the group).
    fn push(&mut self, doc: u32) {
        put_varint(&mut self.bytes, u64::from(doc - self.last));
        self.last = doc;
        self.count += 1;
    }

    /// Adds `next`'s documents, which all come after this group's.
    fn append(&mut self, next: Group) {
        if self.count == 0 {
            *self = next;
            return;
        }
        let mut pos = 0;
        let Some(first) = varint(&next.bytes, &mut pos) else { return };
        // `next`'s first gap is from 0: it becomes the gap from this group's last document.
        // Rayon reduces the pieces of an indexed iterator in order (rayon-rs/rayon#132): were
        // that ever to change, the postings would be wrong, so it is checked.
        assert!(first > u64::from(self.last), "search postings: pieces joined out of document order");
        put_varint(&mut self.bytes, first - u64::from(self.last));
        self.bytes.extend_from_slice(&next.bytes[pos..]);
        self.last = next.last;
        self.count += next.count;
    }
}

/// Hit key → its documents with tf and norm id, and pair → its documents.
#[derive(Default)]
struct Groups {
    hits: rustc_hash::FxHashMap<u32, Group>,
    pairs: rustc_hash::FxHashMap<u64, Group>,
}

/// Groups by key, keys sorted.
type Sorted<K> = Vec<(K, Group)>;

/// The (term, field) groups and the pair groups of `parts` (consumed, each freed once read),
/// keys sorted.
fn grouped(parts: Vec<DocPart>) -> (Sorted<u32>, Sorted<u64>) {
    let map: Groups = parts
        .into_par_iter()
        .enumerate()
        .fold(Groups::default, |mut g, (d, p)| {
            let d = d as u32;
            for (k, v) in p.hits {
                let group = g.hits.entry(k).or_default();
                group.push(d);
                put_varint(&mut group.bytes, u64::from(v >> 8));
                group.bytes.push(v as u8);
            }
            for k in p.pairs {
                g.pairs.entry(k).or_default().push(d);
            }
            g
        })
        // Pieces are joined in document order (rayon keeps the order of an indexed iterator's
        // pieces when it reduces them), as [`Group::append`] needs.
        .reduce(Groups::default, |mut a, b| {
            for (k, g) in b.hits {
                a.hits.entry(k).or_default().append(g);
            }
            for (k, g) in b.pairs {
                a.pairs.entry(k).or_default().append(g);
            }
            a
        });
    rayon::join(|| sorted(map.hits), || sorted(map.pairs))
}

/// The groups of `map`, keys sorted.
fn sorted<K: Ord + Copy + Send>(map: rustc_hash::FxHashMap<K, Group>) -> Sorted<K> {
    let mut groups: Vec<(K, Group)> = map.into_iter().collect();
    groups.par_sort_unstable_by_key(|g| g.0);
    groups
}

/// The word pairs of the pair groups (keys sorted), each group freed once read.
fn pair_postings(terms: Vec<String>, groups: Sorted<u64>) -> PairPostings {
    let mut keys = Vec::with_capacity(groups.len());
    let mut counts = Vec::with_capacity(groups.len());
    let mut starts = Vec::with_capacity(groups.len() + 1);
    let mut docs = Vec::with_capacity(groups.iter().map(|g| g.1.bytes.len()).sum());
    for (k, g) in groups {
        keys.push(k);
        counts.push(g.count);
        starts.push(docs.len() as u32);
        docs.extend_from_slice(&g.bytes);
    }
    starts.push(docs.len() as u32);
    PairPostings::from_lists(terms, keys, counts, starts, docs)
}

/// The documents of a run, their words numbered by the run ([`build`]).
struct Run<'a> {
    /// The run's word `i` (lower-cased), borrowed from the text where it is already lower case.
    words: Vec<Cow<'a, str>>,
    /// Word `i` is a question word (pairs skip it).
    stop: Vec<bool>,
    /// Each document's part, naming words by the run's numbers until [`Run::name_terms`].
    parts: Vec<DocPart>,
}

/// Reads a run of documents: each document's words, counted per field, and its pairs.
fn read_run<'a>(docs: &'a [SearchDoc]) -> Run<'a> {
    let mut run = Run { words: Vec::new(), stop: Vec::new(), parts: Vec::with_capacity(docs.len()) };
    let mut numbers: rustc_hash::FxHashMap<Cow<'a, str>, u32> = rustc_hash::FxHashMap::default();
    // Per word of the run: its count in the field being read; `seen` lists the words counted.
    let mut counts: Vec<u32> = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    // A document's hits and pairs are gathered here, then copied to its part at their exact
    // size (pairs without repeats): every part is held until the runs are all read, and parts
    // grown in place held twice the memory (docs/search.md, "Memory").
    let mut part = DocPart { hits: Vec::new(), pairs: Vec::new(), tokens: [0; FIELDS.len()] };
    for doc in docs {
        for (fi, text) in doc.fields.iter().enumerate() {
            let text: &'a str = text;
            let mut len = 0u32;
            let mut prev: Option<u32> = None;
            let mut bridged = 0;
            scan_words(text, |word, broke| {
                if broke {
                    prev = None;
                }
                let Some(word) = word else {
                    prev = None;
                    return;
                };
                let w = match numbers.get(word.as_str()) {
                    Some(&w) => w,
                    None => {
                        let w = run.words.len() as u32;
                        let word = word.to_cow();
                        run.stop.push(super::query::is_stop_word(&word));
                        run.words.push(word.clone());
                        numbers.insert(word, w);
                        counts.push(0);
                        w
                    }
                };
                len += 1;
                if counts[w as usize] == 0 {
                    seen.push(w);
                }
                counts[w as usize] += 1;
                if run.stop[w as usize] {
                    bridged = BRIDGED;
                } else {
                    if let Some(p) = prev {
                        part.pairs.push(pair_key(p, w | bridged));
                    }
                    prev = Some(w);
                    bridged = 0;
                }
            });
            part.tokens[fi] = u64::from(len);
            let norm = FieldNormReader::fieldnorm_to_id(len);
            for w in seen.drain(..) {
                let n = std::mem::take(&mut counts[w as usize]);
                part.hits.push((hit_key(w, fi), (n.min(0x00ff_ffff) << 8) | u32::from(norm)));
            }
        }
        part.pairs.sort_unstable();
        part.pairs.dedup();
        run.parts.push(DocPart { hits: part.hits.clone(), pairs: part.pairs.clone(), tokens: part.tokens });
        part.hits.clear();
        part.pairs.clear();
    }
    run
}

/// Every distinct word of the runs and its term (each stemmed once, on every core).
fn vocabulary(runs: &[Run]) -> BTreeMap<String, String> {
    let mut distinct: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    for run in runs {
        distinct.extend(run.words.iter().map(|w| w.as_ref()));
    }
    let words: Vec<&str> = distinct.into_iter().collect();
    words
        .par_chunks(512)
        .flat_map_iter(|chunk| {
            let mut a = super::index::analyzer();
            chunk
                .iter()
                .map(|w| {
                    let mut s = a.token_stream(w);
                    let t = if s.advance() { s.token().text.clone() } else { w.to_string() };
                    (w.to_string(), t)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Run<'_> {
    /// Names the terms of the vocabulary (`number`: word → term number) instead of the run's
    /// words: a term met as two words in a field is one posting, its frequencies added; a
    /// pair is kept once; a bridged pair only where the document never has the two side by
    /// side.
    fn name_terms(&mut self, number: &rustc_hash::FxHashMap<&str, u32>) {
        let term: Vec<u32> = self.words.iter().map(|w| number.get(w.as_ref()).copied().unwrap_or(0)).collect();
        for part in &mut self.parts {
            for h in &mut part.hits {
                h.0 = hit_key(term[(h.0 >> 3) as usize], (h.0 & 0x7) as usize);
            }
            part.hits.sort_unstable_by_key(|h| h.0);
            part.hits.dedup_by(|b, a| {
                let same = a.0 == b.0;
                if same {
                    // The same field, so the same length: add the frequencies.
                    let tf = ((a.1 >> 8) + (b.1 >> 8)).min(0x00ff_ffff);
                    a.1 = (tf << 8) | (a.1 & 0xff);
                }
                same
            });
            let flag = u64::from(BRIDGED);
            for k in &mut part.pairs {
                let (a, b) = ((*k >> 32) as u32, *k as u32);
                *k = pair_key(term[a as usize], term[(b & !BRIDGED) as usize] | (b & BRIDGED));
            }
            part.pairs.sort_unstable();
            part.pairs.dedup();
            // A bridged pair only where the document never has the two side by side.
            if part.pairs.iter().any(|&k| k & flag != 0) {
                let side_by_side = part.pairs.clone();
                part.pairs.retain(|&k| k & flag == 0 || side_by_side.binary_search(&(k & !flag)).is_err());
            }
            // Every document's part is held until all are grouped: give back what growing left spare.
            part.hits.shrink_to_fit();
            part.pairs.shrink_to_fit();
        }
    }
}

/// The postings bytes of the (term, field) groups (sorted, key `term << 3 | field`), and
/// where each of `n_terms` terms starts. Made at its exact size; each group is freed once
/// written.
fn encode(groups: Sorted<u32>, n_terms: usize) -> (Vec<u32>, Vec<u8>) {
    let size = n_terms + groups.iter().map(|(_, g)| 1 + super::export::varint_len(u64::from(g.count)) + g.bytes.len()).sum::<usize>();
    let mut starts = Vec::with_capacity(n_terms + 1);
    let mut bytes = Vec::with_capacity(size);
    let mut groups = groups.into_iter().peekable();
    for term in 0..n_terms as u32 {
        starts.push(bytes.len() as u32);
        let count_at = bytes.len();
        bytes.push(0);
        let mut fields = 0u8;
        while let Some((key, group)) = groups.next_if(|g| g.0 >> 3 == term) {
            bytes.push((key & 0x7) as u8);
            put_varint(&mut bytes, u64::from(group.count));
            bytes.extend_from_slice(&group.bytes);
            fields += 1;
        }
        bytes[count_at] = fields;
    }
    starts.push(bytes.len() as u32);
    (starts, bytes)
}

pub(super) fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
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

    /// Writes the saved form to `out` a term at a time, never held whole (the build saves the
    /// index while its site is still in memory): varint documents, the fields' tokens, varint
    /// term count, then per term varint length, UTF-8 term, varint entry length, entry.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut head = Vec::new();
        put_varint(&mut head, self.docs as u64);
        for t in self.tokens {
            put_varint(&mut head, t);
        }
        put_varint(&mut head, self.terms.len() as u64);
        out.write_all(&head)?;
        for (i, t) in self.terms.iter().enumerate() {
            head.clear();
            put_varint(&mut head, t.len() as u64);
            head.extend_from_slice(t.as_bytes());
            let e = self.entry(i);
            put_varint(&mut head, e.len() as u64);
            out.write_all(&head)?;
            out.write_all(e)?;
        }
        Ok(())
    }

    /// Reads what [`Postings::write_to`] wrote.
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

#[cfg(test)]
mod tests {
    use super::*;

    type Lists<K, T> = BTreeMap<K, Vec<T>>;

    /// Each key's documents, in order, with each document's value: the grouping written out
    /// one document at a time, on one thread.
    fn one_by_one(parts: &[DocPart]) -> (Lists<u32, (u32, u32)>, Lists<u64, u32>) {
        let (mut hits, mut pairs) = (BTreeMap::<u32, Vec<(u32, u32)>>::new(), BTreeMap::<u64, Vec<u32>>::new());
        for (d, p) in parts.iter().enumerate() {
            for &(k, v) in &p.hits {
                hits.entry(k).or_default().push((d as u32, v));
            }
            for &k in &p.pairs {
                pairs.entry(k).or_default().push(d as u32);
            }
        }
        (hits, pairs)
    }

    /// A group read back: its documents, and the bytes after each document's gap.
    fn read(g: &Group, value_bytes: bool) -> Vec<(u32, u32)> {
        let (mut pos, mut last, mut out) = (0, 0u32, Vec::new());
        for _ in 0..g.count {
            last += varint(&g.bytes, &mut pos).unwrap() as u32;
            let v = if value_bytes {
                let tf = varint(&g.bytes, &mut pos).unwrap() as u32;
                pos += 1;
                (tf << 8) | u32::from(g.bytes[pos - 1])
            } else {
                0
            };
            out.push((last, v));
        }
        assert_eq!(pos, g.bytes.len());
        out
    }

    #[test]
    fn grouping_on_every_core_keeps_each_keys_documents_in_order() {
        // Enough documents for rayon to cut them into pieces, with gaps past one varint byte.
        let parts: Vec<DocPart> = (0..5000u32)
            .map(|d| DocPart {
                hits: (0..(d % 7)).map(|t| (hit_key(t * 3 + d % 2, (t % 5) as usize), ((d % 300 + 1) << 8) | (t % 200))).collect(),
                pairs: (0..(d % 5)).filter(|p| d % (p + 2) == 0).map(|p| pair_key(p, p + 1)).collect(),
                tokens: [1; FIELDS.len()],
            })
            .collect();
        let (want_hits, want_pairs) = one_by_one(&parts);
        let (hits, pairs) = grouped(parts);
        let hits: BTreeMap<u32, Vec<(u32, u32)>> = hits.iter().map(|(k, g)| (*k, read(g, true))).collect();
        let pairs: BTreeMap<u64, Vec<u32>> = pairs.iter().map(|(k, g)| (*k, read(g, false).into_iter().map(|d| d.0).collect())).collect();
        assert_eq!(hits, want_hits);
        assert_eq!(pairs, want_pairs);
    }
}
