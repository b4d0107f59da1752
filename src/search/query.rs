//! Query planning and search with tantivy (`apdir search`).
//!
//! The planner works on the surface-word vocabulary, exactly as `/js/search-core.js` does on
//! the exported copy, so the terminal and the browser search for the same terms:
//! - a phrase found in the synonyms (`content/synonyms.toml`) is one unit standing for the
//!   terms of all its equivalents; every other word is a unit of its own;
//! - documents matching every unit rank first; then those matching the rarest units
//!   ([`unit_weight`]), labelled partial; a unit matches any of its planned terms (OR);
//! - a word found in the vocabulary contributes its stemmed term; a word not found contributes
//!   its stem (the index's stemmer) when some word of the site has that stem, else the terms
//!   of the words the stem begins (at most [`MAX_PREFIX`]);
//! - in prefix mode (as you type), the last word also contributes every vocabulary word it
//!   starts (at most [`MAX_PREFIX`] words, in sorted order) when it has 2+ characters;
//! - a word of [`TYPO_MIN`]+ characters that is not in the vocabulary contributes every word
//!   one edit away (insert, delete, substitute or swap two neighbours) that starts with the
//!   same character.
//!
//! Each (term, field) pair is a BM25 term query boosted by the field's weight; a document's
//! score is the sum.

use std::collections::BTreeMap;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Term};

use super::index::{FIELDS, Kind, SearchIndex, stem, surface_words};
use super::synonyms::Synonyms;

/// Most vocabulary words one prefix expands to.
pub const MAX_PREFIX: usize = 32;
/// Shortest word (in characters) that tolerates a typo.
pub const TYPO_MIN: usize = 5;

#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    pub kind: Option<Kind>,
    pub limit: usize,
    /// Treat the last word as a prefix (as the browser does while you type).
    pub prefix: bool,
}

/// One query word and the index terms it stands for.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlannedWord {
    pub word: String,
    pub terms: Vec<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Hit {
    /// Document number (the order of the static export).
    pub doc: u32,
    pub score: f32,
    pub kind: Kind,
    pub title: String,
    pub url: String,
    /// True when the document matches some but not all of the query's units.
    pub partial: bool,
}

/// The shard key of a surface word: its first character when a–z, `0` for a digit, else `_`.
pub fn letter_of(word: &str) -> char {
    match word.chars().next() {
        Some(c @ 'a'..='z') => c,
        Some(c) if c.is_ascii_digit() => '0',
        _ => '_',
    }
}

/// Optimal-string-alignment distance, capped: true when `a` and `b` are at most one edit apart.
pub fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let mut i = 0;
    while i < la && i < lb && a[i] == b[i] {
        i += 1;
    }
    if i == la && i == lb {
        return true;
    }
    if la == lb {
        // substitution, or a swap of two neighbours
        if a[i + 1..] == b[i + 1..] {
            return true;
        }
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..];
    }
    if la > lb { a[i + 1..] == b[i..] } else { a[i..] == b[i + 1..] }
}

/// Plans a query without synonyms (see [`plan_with`]).
pub fn plan(vocab: &BTreeMap<String, String>, query: &str, prefix: bool) -> Vec<PlannedWord> {
    plan_with(vocab, &Synonyms::default(), query, prefix)
}

/// Words that only join a place to a query ("anxiety near Preston"): dropped unless they are
/// the whole query, so the place name, not "near", decides which partial matches rank first.
pub const CONNECTORS: [&str; 3] = ["near", "nearby", "around"];

/// Short function words of English questions, dropped from a query that has other words
/// (after synonym phrases are found, so "half the day" can still be a phrase).
pub const STOP_WORDS: [&str; 40] = [
    "a", "an", "the", "and", "or", "of", "to", "for", "in", "on", "at", "by", "is", "are", "be", "can", "do", "does", "did", "i", "my", "me", "we",
    "our", "you", "your", "it", "its", "this", "that", "what", "which", "who", "how", "when", "where", "why", "if", "with", "from",
];

/// Shortest stem (in characters) that is looked up on its own or as the start of terms.
pub const STEM_MIN: usize = 3;

/// Plans a query: its units (a word, or a phrase found in the synonyms), deduplicated and in
/// order, and the terms each stands for.
pub fn plan_with(vocab: &BTreeMap<String, String>, synonyms: &Synonyms, query: &str, prefix: bool) -> Vec<PlannedWord> {
    let mut words: Vec<String> = Vec::new();
    for w in surface_words(query) {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if words.iter().any(|w| !CONNECTORS.contains(&w.as_str())) {
        words.retain(|w| !CONNECTORS.contains(&w.as_str()));
    }
    let n = words.len();
    let mut out: Vec<PlannedWord> = Vec::new();
    let mut i = 0;
    while i < n {
        let (len, mut terms) = match synonyms.longest_at(&words[i..]) {
            Some((len, t)) => (len, t.clone()),
            None => (1, Vec::new()),
        };
        if len == 1 {
            for t in plan_word(vocab, &words[i], prefix && i + 1 == n) {
                if !terms.contains(&t) {
                    terms.push(t);
                }
            }
        }
        terms.sort();
        out.push(PlannedWord { word: words[i..i + len].join(" "), terms });
        i += len;
    }
    // Question words ("how do I …") say nothing about the page wanted; kept only when the
    // query has nothing else.
    if out.iter().any(|p| !STOP_WORDS.contains(&p.word.as_str())) {
        out.retain(|p| !STOP_WORDS.contains(&p.word.as_str()));
    }
    out
}

/// The terms one word stands for (see the module documentation).
fn plan_word(vocab: &BTreeMap<String, String>, w: &str, last_in_prefix_mode: bool) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut add = |t: &String| {
        if !terms.contains(t) {
            terms.push(t.clone());
        }
    };
    let exact = vocab.get(w);
    if let Some(t) = exact {
        add(t);
    }
    if last_in_prefix_mode && w.chars().count() >= 2 {
        for (_, t) in starting(vocab, w).filter(|(s, _)| *s != w).take(MAX_PREFIX) {
            add(t);
        }
    }
    let chars: Vec<char> = w.chars().collect();
    if exact.is_none() {
        // A form of the word the site never uses: its stem, else the words its stem begins.
        let st = stem(w);
        if st.chars().count() >= STEM_MIN {
            let first = letter_range(&st);
            if starting(vocab, &first).any(|(_, t)| *t == st) {
                add(&st);
            } else {
                for (_, t) in starting(vocab, &st).take(MAX_PREFIX) {
                    add(t);
                }
            }
        }
    }
    if exact.is_none() && chars.len() >= TYPO_MIN {
        let first = chars[0].to_string();
        for (s, t) in starting(vocab, &first) {
            let sc: Vec<char> = s.chars().collect();
            if within_one_edit(&chars, &sc) {
                add(t);
            }
        }
    }
    terms
}

/// The vocabulary words that start with `p`, in order.
fn starting<'a>(vocab: &'a BTreeMap<String, String>, p: &'a str) -> impl Iterator<Item = (&'a String, &'a String)> + 'a {
    vocab.range(p.to_string()..).take_while(move |(s, _)| s.starts_with(p))
}

/// The first character of a word, as a prefix: the vocabulary words that can stem to a term
/// starting with it (stemming changes only the end of a word).
fn letter_range(term: &str) -> String {
    term.chars().next().map(String::from).unwrap_or_default()
}

/// How much matching a unit counts when not every unit matches: its rarity (BM25's idf over
/// the documents it matches), so a page matching the rare words of a question ranks first.
pub fn unit_weight(matching_docs: usize, docs: usize) -> f64 {
    let (df, n) = (matching_docs as f64, docs as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

impl SearchIndex {
    /// One unit's query: any of its terms in any field, boosted by field.
    fn unit_query(&self, p: &PlannedWord) -> Box<dyn Query> {
        let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &p.terms {
            for (f, (_, boost)) in self.fields.iter().zip(FIELDS.iter()) {
                let q = TermQuery::new(Term::from_field_text(*f, t), IndexRecordOption::WithFreqs);
                shoulds.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), *boost))));
            }
        }
        Box::new(BooleanQuery::new(shoulds))
    }

    /// Searches with tantivy. Documents matching the most query units (weighted by
    /// [`unit_weight`]) come first, then by score (the sum of the units' BM25 scores), ties by
    /// document number; a hit missing some unit is `partial`.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>, String> {
        let planned = plan_with(&self.vocab, &self.synonyms, query, options.prefix);
        let reader = self.index.reader().map_err(|e| e.to_string())?;
        let searcher = reader.searcher();
        let all = self.docs.len().max(1);
        // doc → (coverage, score, units matched)
        let mut found: BTreeMap<u32, (f64, f32, usize)> = BTreeMap::new();
        for p in planned.iter().filter(|p| !p.terms.is_empty()) {
            let top: Vec<(f32, DocAddress)> =
                searcher.search(&*self.unit_query(p), &TopDocs::with_limit(all).order_by_score()).map_err(|e| e.to_string())?;
            let w = unit_weight(top.len(), self.docs.len());
            for (score, addr) in top {
                let e = found.entry(addr.doc_id).or_insert((0.0, 0.0, 0));
                e.0 += w;
                e.1 += score;
                e.2 += 1;
            }
        }
        let mut ranked: Vec<(u32, f64, f32, usize)> = found.into_iter().map(|(d, (c, s, m))| (d, c, s, m)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
        let limit = if options.limit == 0 { usize::MAX } else { options.limit };
        Ok(ranked
            .into_iter()
            .filter_map(|(doc, _, score, matched)| {
                let info = self.docs.get(doc as usize)?;
                if options.kind.is_some_and(|k| k != info.kind) {
                    return None;
                }
                let partial = matched < planned.len();
                Some(Hit { doc, score, kind: info.kind, title: info.title.clone(), url: info.url.clone(), partial })
            })
            .take(limit)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit(&c("exclusion"), &c("exclusion")));
        assert!(within_one_edit(&c("exclusoin"), &c("exclusion")));
        assert!(within_one_edit(&c("exclsion"), &c("exclusion")));
        assert!(within_one_edit(&c("excluusion"), &c("exclusion")));
        assert!(within_one_edit(&c("exclasion"), &c("exclusion")));
        assert!(!within_one_edit(&c("exclasoin"), &c("exclusion")));
        assert!(!within_one_edit(&c("excl"), &c("exclusion")));
    }

    #[test]
    fn plans_prefix_and_typo() {
        let vocab: BTreeMap<String, String> = [("excluded", "exclud"), ("exclusion", "exclus"), ("excluding", "exclud"), ("timetable", "timet")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let p = plan(&vocab, "Excluded", false);
        assert_eq!(p, vec![PlannedWord { word: "excluded".into(), terms: vec!["exclud".into()] }]);
        let p = plan(&vocab, "exclu", true);
        assert_eq!(p[0].terms, vec!["exclud".to_string(), "exclus".to_string()]);
        // Not the last word: no prefix, but its stem still begins words of the site.
        assert_eq!(plan(&vocab, "exclu timetable", true)[0].terms, vec!["exclud".to_string(), "exclus".to_string()]);
        // A form the site never uses is stemmed as the index stems.
        assert_eq!(plan(&vocab, "excludes", false)[0].terms, vec!["exclud".to_string()]);
        let p = plan(&vocab, "timetabel", false);
        assert_eq!(p[0].terms, vec!["timet".to_string()]);
        // Short words get no typo tolerance.
        assert!(plan(&vocab, "timx", false)[0].terms.is_empty());
    }
}
