//! Synonyms and acronyms (`content/synonyms.toml`), applied when a query is planned, never
//! when the site is indexed: editing the file changes what a query finds without re-indexing.
//!
//! ```toml
//! # Words that mean the same thing: a query using any one also looks for all the others.
//! groups = [
//!   ["PRU", "pupil referral unit", "short stay school"],
//! ]
//! # One way: the word on the left also looks for the words on the right, not the reverse.
//! [expand]
//! pex = "permanent exclusion"
//! ebsa = ["emotionally based school avoidance", "anxiety", "school refusal"]
//! ```
//!
//! A query phrase found here (its words, lower-cased, in order; the longest match wins)
//! becomes one query unit that matches a document holding any one of its equivalents: a
//! one-word equivalent as a word, a longer one as a phrase (its words next to each other,
//! question words like "and" aside), so "EHCP" does not match a page that only says "health"
//! somewhere. The planned table (phrase → its equivalents, each as stemmed terms in order) is
//! exported to the browser as `search/synonyms.json`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile};
use crate::load::tomldoc::{Seg, TomlDoc};

use super::index::{stem, surface_words};

/// Where the file lives, relative to the site root.
pub const FILE: &str = "content/synonyms.toml";
/// Longest phrase (in words) a key may have.
pub const MAX_PHRASE_WORDS: usize = 6;
/// Most phrases the file may define (every phrase of every group and every key).
pub const MAX_PHRASES: usize = 2000;
/// Most terms one phrase may stand for (over all its equivalents).
pub const MAX_TERMS: usize = 64;

#[derive(serde::Deserialize, Default)]
struct SynonymsFile {
    #[serde(default)]
    groups: Vec<Vec<String>>,
    #[serde(default)]
    expand: BTreeMap<String, OneOrMany>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Phrase (surface words joined by one space) → its equivalents (itself included), each the
/// index terms of its words in order, question words left out; in the order first listed.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Synonyms {
    pub phrases: BTreeMap<String, Vec<Vec<String>>>,
}

impl Synonyms {
    /// Reads `content/synonyms.toml` under `root`; no file means no synonyms.
    pub fn load(root: &Path) -> Result<Synonyms, Diagnostics> {
        let path = root.join(FILE);
        let Ok(text) = std::fs::read_to_string(&path) else { return Ok(Synonyms::default()) };
        Synonyms::parse(SourceFile::new(FILE, path, text))
    }

    /// Parses the file's text, reporting every problem with its file:line:col.
    pub fn parse(file: Arc<SourceFile>) -> Result<Synonyms, Diagnostics> {
        let mut found: Vec<Diagnostic> = Vec::new();
        let text = file.text.clone();
        let fail = |found: Vec<Diagnostic>| {
            let mut d = Diagnostics::default();
            found.into_iter().for_each(|x| d.push(x));
            d
        };
        let known = |p: &[Seg]| -> Option<&'static [&'static str]> { p.is_empty().then_some(&["groups", "expand"][..]) };
        let (doc, value) = match TomlDoc::load::<SynonymsFile>(&file, &text, 0, &known, &mut found) {
            Ok(x) => x,
            Err(d) => return Err(fail(vec![d])),
        };
        let Some(value) = value else { return Err(fail(found)) };
        let mut out = Synonyms::default();
        let mut count = 0usize;
        let mut check = |phrase: &str, path: &[Seg], found: &mut Vec<Diagnostic>| -> Option<String> {
            let words = surface_words(phrase);
            let problem = if words.is_empty() {
                Some("this synonym has no words")
            } else if words.len() > MAX_PHRASE_WORDS {
                Some("this synonym has more than 6 words")
            } else {
                None
            };
            count += 1;
            if count == MAX_PHRASES + 1 {
                found.push(
                    Diagnostic::error("synonyms", format!("more than {MAX_PHRASES} synonyms"))
                        .in_file(&file, doc.span(path))
                        .help("keep the list to the words people actually type"),
                );
            }
            if let Some(p) = problem {
                found.push(Diagnostic::error("synonyms", p).in_file(&file, doc.span(path)).label("here").help("write a word or a short phrase"));
                return None;
            }
            Some(words.join(" "))
        };
        for (g, group) in value.groups.iter().enumerate() {
            let phrases: Vec<String> =
                group.iter().enumerate().filter_map(|(i, p)| check(p, &[Seg::from("groups"), Seg::Index(g), Seg::Index(i)], &mut found)).collect();
            if group.len() < 2 {
                found.push(
                    Diagnostic::error("synonyms", "a group needs at least two words or phrases")
                        .in_file(&file, doc.span(&[Seg::from("groups"), Seg::Index(g)]))
                        .help("list the terms that mean the same thing, e.g. [\"PRU\", \"pupil referral unit\"]"),
                );
            }
            for p in &phrases {
                out.add(p, &phrases);
            }
        }
        for (key, to) in &value.expand {
            let path = [Seg::from("expand"), Seg::from(key.as_str())];
            let Some(k) = check(key, &path, &mut found) else { continue };
            let list = match to {
                OneOrMany::One(s) => vec![s.clone()],
                OneOrMany::Many(v) => v.clone(),
            };
            let mut phrases = vec![k.clone()];
            phrases.extend(list.iter().filter_map(|p| check(p, &path, &mut found)));
            out.add(&k, &phrases);
        }
        if found.iter().any(Diagnostic::is_error) {
            return Err(fail(found));
        }
        Ok(out)
    }

    fn add(&mut self, phrase: &str, equivalents: &[String]) {
        let alts = self.phrases.entry(phrase.to_string()).or_default();
        let mut count: usize = alts.iter().map(Vec::len).sum();
        for e in equivalents {
            let alt: Vec<String> = e.split(' ').filter(|w| !super::query::STOP_WORDS.contains(w)).map(stem).filter(|t| !t.is_empty()).collect();
            if alt.is_empty() || alts.contains(&alt) || count + alt.len() > MAX_TERMS {
                continue;
            }
            count += alt.len();
            alts.push(alt);
        }
    }

    /// The longest phrase of the table that starts `words`: its length in words and its
    /// equivalents.
    pub fn longest_at(&self, words: &[String]) -> Option<(usize, &Vec<Vec<String>>)> {
        (1..=words.len().min(MAX_PHRASE_WORDS)).rev().find_map(|n| self.phrases.get(&words[..n].join(" ")).map(|t| (n, t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Synonyms, Diagnostics> {
        Synonyms::parse(SourceFile::new("content/synonyms.toml", "content/synonyms.toml", text.to_string()))
    }

    #[test]
    fn groups_go_both_ways_and_expansions_one_way() {
        let s = parse("groups = [[\"PRU\", \"short stay school\"]]\n[expand]\npex = \"permanent exclusion\"\n").unwrap();
        let alts = |v: &[&[&str]]| -> Vec<Vec<String>> { v.iter().map(|a| a.iter().map(|t| t.to_string()).collect()).collect() };
        assert_eq!(s.phrases["pru"], alts(&[&["pru"], &["short", "stay", "school"]]));
        assert_eq!(s.phrases["short stay school"], s.phrases["pru"]);
        assert_eq!(s.phrases["pex"], alts(&[&["pex"], &["perman", "exclus"]]));
        assert!(!s.phrases.contains_key("permanent exclusion"));
        let words: Vec<String> = ["short", "stay", "school", "x"].iter().map(|s| s.to_string()).collect();
        assert_eq!(s.longest_at(&words).map(|x| x.0), Some(3));
    }

    #[test]
    fn problems_have_a_location() {
        let e = parse("groups = [[\"PRU\"], [\"\", \"x\"]]\nexpnad = 1\n").unwrap_err();
        let all: Vec<String> = e.errors().map(|d| format!("{} {}", d.location(), d.message)).collect();
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all.iter().any(|m| m.starts_with("content/synonyms.toml:1:") && m.contains("at least two")), "{all:?}");
        assert!(all.iter().any(|m| m.starts_with("content/synonyms.toml:2:") && m.contains("unknown field")), "{all:?}");
    }
}
