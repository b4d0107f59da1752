//! Query planning and search with tantivy (`apdir search`).
//!
//! The planner works on the surface-word vocabulary, exactly as `/js/search-core.js` does on
//! the exported copy, so the terminal and the browser search for the same terms:
//! - every query word must match (AND); a word matches any of its planned terms (OR);
//! - a word found in the vocabulary contributes its stemmed term;
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

use super::index::{FIELDS, Kind, SearchIndex, surface_words};

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

/// Plans a query: its words (deduplicated, in order) and the terms each stands for.
pub fn plan(vocab: &BTreeMap<String, String>, query: &str, prefix: bool) -> Vec<PlannedWord> {
    let mut words: Vec<String> = Vec::new();
    for w in surface_words(query) {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    let n = words.len();
    words
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let mut terms: Vec<String> = Vec::new();
            let mut add = |t: &String| {
                if !terms.contains(t) {
                    terms.push(t.clone());
                }
            };
            let exact = vocab.get(&w);
            if let Some(t) = exact {
                add(t);
            }
            if prefix && i + 1 == n && w.chars().count() >= 2 {
                for (s, t) in vocab.range(w.clone()..).take_while(|(s, _)| s.starts_with(&w)).filter(|(s, _)| **s != w).take(MAX_PREFIX) {
                    let _ = s;
                    add(t);
                }
            }
            let chars: Vec<char> = w.chars().collect();
            if exact.is_none() && chars.len() >= TYPO_MIN {
                let first = chars[0].to_string();
                for (s, t) in vocab.range(first.clone()..).take_while(|(s, _)| s.starts_with(&first)) {
                    let sc: Vec<char> = s.chars().collect();
                    if within_one_edit(&chars, &sc) {
                        add(t);
                    }
                }
            }
            terms.sort();
            PlannedWord { word: w, terms }
        })
        .collect()
}

impl SearchIndex {
    /// The tantivy query for a plan; `None` when some word matches nothing.
    pub fn query_for(&self, planned: &[PlannedWord]) -> Option<Box<dyn Query>> {
        if planned.is_empty() || planned.iter().any(|p| p.terms.is_empty()) {
            return None;
        }
        let musts = planned
            .iter()
            .map(|p| {
                let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for t in &p.terms {
                    for (f, (_, boost)) in self.fields.iter().zip(FIELDS.iter()) {
                        let q = TermQuery::new(Term::from_field_text(*f, t), IndexRecordOption::WithFreqs);
                        shoulds.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), *boost))));
                    }
                }
                (Occur::Must, Box::new(BooleanQuery::new(shoulds)) as Box<dyn Query>)
            })
            .collect();
        Some(Box::new(BooleanQuery::new(musts)))
    }

    /// Searches with tantivy: best first, ties by document number.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>, String> {
        let planned = plan(&self.vocab, query, options.prefix);
        let Some(q) = self.query_for(&planned) else { return Ok(Vec::new()) };
        let reader = self.index.reader().map_err(|e| e.to_string())?;
        let searcher = reader.searcher();
        // Collect every match, then filter by kind, so scores are those of the whole index.
        let all = self.docs.len().max(1);
        let top: Vec<(f32, DocAddress)> = searcher.search(&*q, &TopDocs::with_limit(all).order_by_score()).map_err(|e| e.to_string())?;
        let limit = if options.limit == 0 { usize::MAX } else { options.limit };
        Ok(top
            .into_iter()
            .filter_map(|(score, addr)| {
                let info = self.docs.get(addr.doc_id as usize)?;
                if options.kind.is_some_and(|k| k != info.kind) {
                    return None;
                }
                Some(Hit { doc: addr.doc_id, score, kind: info.kind, title: info.title.clone(), url: info.url.clone() })
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
        // Not the last word: no prefix.
        assert!(plan(&vocab, "exclu timetable", true)[0].terms.is_empty());
        let p = plan(&vocab, "timetabel", false);
        assert_eq!(p[0].terms, vec!["timet".to_string()]);
        // Short words get no typo tolerance.
        assert!(plan(&vocab, "timx", false)[0].terms.is_empty());
    }
}
