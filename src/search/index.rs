//! The tantivy index: schema, analysis, the search documents, and building/opening the index.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, TokenStream};

use super::postings::Postings;

use crate::model::guide::GuidePage;
use crate::render::view;
use crate::site::Site;
use crate::validate::ValidProvider;

/// The name the English analyzer is registered under.
pub const ANALYZER: &str = "apdir_en";
/// Words longer than this (in bytes) are dropped, as tantivy's default does.
pub const MAX_WORD: usize = 40;

/// The text fields, in export order, with their query boosts: titles and names first.
pub const FIELDS: [(&str, f32); 5] = [("title", 4.0), ("headings", 2.0), ("summary", 1.5), ("profile", 1.5), ("body", 1.0)];

/// The file of the saved index holding the postings ([`Postings`]).
pub const POSTINGS_FILE: &str = "apdir-postings.bin";
/// The file of the saved index holding the word pairs ([`PairPostings`]).
pub const PAIRS_FILE: &str = "apdir-pairs.bin";

/// What a search document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Guide,
    Provider,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::Guide => "guide",
            Kind::Provider => "provider",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Guide => "Guide page",
            Kind::Provider => "Provider",
        }
    }
    pub fn from_key(s: &str) -> Option<Kind> {
        match s {
            "guide" => Some(Kind::Guide),
            "provider" => Some(Kind::Provider),
            _ => None,
        }
    }
}

/// One search document, before indexing. `fields` follows [`FIELDS`]; a guide page's text is
/// borrowed from the site, not copied (10,000 pages' text is tens of megabytes).
pub struct SearchDoc<'a> {
    pub kind: Kind,
    pub title: String,
    pub url: String,
    pub fields: [Cow<'a, str>; 5],
    /// Whether the snippet text starts with the summary field (else it is the body alone).
    pub snippet_has_summary: bool,
}

/// The field a snippet starts with (when it has it) and the field it goes on with.
const SUMMARY: usize = 2;
const BODY: usize = 4;

impl SearchDoc<'_> {
    /// The pieces of the plain text the browser cuts snippets from, in order: the summary
    /// (when the document has it in its snippet), a line break and the body, cut so that
    /// together they are at most [`SNIPPET_CHARS`](super::export::SNIPPET_CHARS) characters
    /// (all a snippet uses). Cut from the fields when asked for, not kept beside them: kept,
    /// 10,000 guide pages' snippets were 25 MB of copies.
    pub fn snippet_pieces(&self) -> [&str; 3] {
        let (summary, body): (&str, &str) = (&self.fields[SUMMARY], &self.fields[BODY]);
        let parts = if self.snippet_has_summary { [summary, "\n", body] } else { [body, "", ""] };
        let mut left = super::export::SNIPPET_CHARS;
        parts.map(|piece| {
            // The byte where the characters still allowed end (the whole piece if it fits).
            let end = piece.char_indices().nth(left).map_or(piece.len(), |(at, _)| at);
            left -= piece[..end].chars().count();
            &piece[..end]
        })
    }

    /// Drops what the export does not read of an indexed document (it reads only the
    /// snippet's fields; the title and URL are the index's [`DocInfo`]).
    pub fn keep_only_snippet(&mut self) {
        self.title = String::new();
        self.url = String::new();
        for (i, f) in self.fields.iter_mut().enumerate() {
            if i != SUMMARY && i != BODY {
                *f = Cow::Borrowed("");
            }
        }
    }

    /// The snippet text ([`SearchDoc::snippet_pieces`] joined).
    pub fn snippet_text(&self) -> String {
        self.snippet_pieces().concat()
    }
}

/// A document's public facts, kept beside the index.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DocInfo {
    pub kind: Kind,
    pub title: String,
    pub url: String,
}

/// The index (apdir's own postings, ranked with tantivy's BM25) plus what the planner and
/// the export need.
pub struct SearchIndex {
    /// Every term's documents, per field, with frequencies and field lengths.
    pub postings: Postings,
    /// The word pairs (phrases) and the documents holding each.
    pub pairs: PairPostings,
    pub docs: Vec<DocInfo>,
    /// Every surface word (lower-cased) → its indexed term (stemmed).
    pub vocab: BTreeMap<String, String>,
    /// The build cache's key of the documents this index was made from, saved with it.
    pub cache_key: Option<u128>,
    /// Synonyms applied when a query is planned (read from the site, not saved with the index).
    pub synonyms: super::synonyms::Synonyms,
}

/// The indexing analyzer: words split on anything not alphanumeric, long words dropped,
/// lower-cased, then Snowball English stemming.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The same pipeline without the stemmer: the words a person types.
pub fn surface_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(MAX_WORD)).filter(LowerCaser).build()
}

/// Characters that end a sentence or a line: no pair spans them.
fn is_break(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | ':' | '\n')
}

/// What [`for_each_pair`] asks of each word: its term's number, or that it is a question word
/// (skipped, the words either side still pair).
#[derive(Clone, Copy)]
pub enum PairWord {
    Term(u32),
    Skip,
}

/// A word as [`scan_words`] finds it, lower-cased.
#[derive(Clone, Copy)]
pub enum Word<'a, 'b> {
    /// Already lower case: the text's own bytes.
    Text(&'a str),
    /// Lower-cased into a buffer that the next word reuses.
    Lowered(&'b str),
}

impl<'a> Word<'a, '_> {
    pub fn as_str(&self) -> &str {
        match self {
            Word::Text(w) | Word::Lowered(w) => w,
        }
    }

    /// The word for as long as the text lives (copied only if it was lower-cased).
    pub fn to_cow(self) -> Cow<'a, str> {
        match self {
            Word::Text(w) => Cow::Borrowed(w),
            Word::Lowered(w) => Cow::Owned(w.to_string()),
        }
    }
}

/// Calls `f` with each word of `text` as [`for_each_word`] finds it, lower-cased (`None` for
/// a word of [`MAX_WORD`] bytes or more, which the index drops), and whether a sentence or
/// line ended ([`is_break`]) since the word before: one pass over the bytes (ASCII decided
/// byte by byte, other characters decoded), for the postings and the pairs alike.
pub fn scan_words<'a>(text: &'a str, mut f: impl FnMut(Option<Word<'a, '_>>, bool)) {
    let mut buf = String::new();
    let bytes = text.as_bytes();
    // `start` is where the current word began, `plain` whether it is ASCII without capitals
    // so far, `broke` whether a sentence or line ended since the last word.
    let mut start: Option<usize> = None;
    let mut plain = true;
    let mut broke = false;
    let mut i = 0;
    while i <= bytes.len() {
        let (alnum, width, brk) = match bytes.get(i) {
            None => (false, 1, false),
            Some(&b) if b < 0x80 => (b.is_ascii_alphanumeric(), 1, is_break(char::from(b))),
            Some(_) => {
                let c = text[i..].chars().next().unwrap_or(' ');
                (c.is_alphanumeric(), c.len_utf8(), is_break(c))
            }
        };
        if alnum {
            if start.is_none() {
                start = Some(i);
                plain = true;
            }
            plain &= bytes[i] < 0x80 && !bytes[i].is_ascii_uppercase();
            i += width;
            continue;
        }
        if let Some(from) = start.take() {
            let raw = &text[from..i];
            let word = if raw.len() >= MAX_WORD {
                None
            } else if plain {
                Some(Word::Text(raw))
            } else {
                buf.clear();
                for c in raw.chars() {
                    buf.extend(c.to_lowercase());
                }
                Some(Word::Lowered(buf.as_str()))
            };
            f(word, std::mem::take(&mut broke));
        }
        broke |= brk;
        i += width;
    }
}

/// Calls `f` with each pair of neighbouring words of `text`: the words as [`for_each_word`]
/// finds them (a word of [`MAX_WORD`] bytes or more breaks the chain), question words skipped,
/// never across a sentence or line end ([`is_break`]), and whether question words stood
/// between the two (a *bridged* pair). `word` gives each lower-cased word's term number; a
/// word it does not know breaks the chain. (The index makes its pairs in `postings::build`,
/// the same way.)
pub fn for_each_pair(text: &str, mut word: impl FnMut(&str) -> Option<PairWord>, mut f: impl FnMut(u32, u32, bool)) {
    let mut prev: Option<u32> = None;
    let mut bridged = false;
    scan_words(text, |lower, broke| {
        if broke {
            prev = None;
        }
        match lower.and_then(|w| word(w.as_str())) {
            Some(PairWord::Skip) => bridged = prev.is_some(),
            Some(PairWord::Term(t)) => {
                if let Some(p) = prev {
                    f(p, t, bridged);
                }
                prev = Some(t);
                bridged = false;
            }
            None => prev = None,
        }
    });
}

/// What joins the two terms of a bridged pair's text: "child _ look" is "child" and "looked"
/// with only question words between them ("a child is looked after"); "child look" is the two
/// side by side.
pub const BRIDGE: &str = " _ ";

/// The text of a pair: `a b`, or `a _ b` when bridged ([`BRIDGE`]).
pub fn pair_text(a: &str, b: &str, bridged: bool) -> String {
    format!("{a}{}{b}", if bridged { BRIDGE } else { " " })
}

/// The pairs of `text` as the index keeps them ("term term", "term _ term" when bridged), in
/// order (for tests and docs).
pub fn pairs_of(text: &str) -> Vec<String> {
    let words = surface_words(text);
    let terms: Vec<String> = words.iter().map(|w| stem(w)).collect();
    let number: std::collections::HashMap<&str, u32> = words.iter().enumerate().map(|(i, w)| (w.as_str(), i as u32)).collect();
    let mut out = Vec::new();
    for_each_pair(
        text,
        |w| if super::query::is_stop_word(w) { Some(PairWord::Skip) } else { number.get(w).map(|&i| PairWord::Term(i)) },
        |a, b, bridged| out.push(pair_text(&terms[a as usize], &terms[b as usize], bridged)),
    );
    out
}

/// The word pairs (phrases) of every document: each two neighbouring words of a field
/// ([`for_each_pair`]) as their two terms, side by side (`a b`) or bridged by question words
/// (`a _ b`, only for a document that never has them side by side), and the documents
/// holding it, made with the
/// postings in one pass over each document (`postings::build`). Exported as the
/// `search/p/` shards and saved beside the index as [`PAIRS_FILE`] for `apdir search`.
#[derive(Default)]
pub struct PairPostings {
    /// Every term of the vocabulary, sorted: a pair names its terms by their place here.
    terms: Vec<String>,
    /// The pairs, first term's number in the high half, the second's in the low half with
    /// [`BRIDGED`] set for a bridged pair, in order.
    keys: Vec<u64>,
    /// How many documents hold `keys[i]`.
    counts: Vec<u32>,
    /// The documents of `keys[i]` are `docs[starts[i]..starts[i + 1]]`, ascending, as varint
    /// gaps (from 0 for the first): as the export and the saved index write them, and a
    /// quarter of the memory of a `u32` each (2 MB rather than 8 for 10,000 guide pages).
    starts: Vec<u32>,
    docs: Vec<u8>,
}

/// The sorted, distinct terms of a vocabulary.
fn vocab_terms(vocab: &BTreeMap<String, String>) -> Vec<String> {
    let mut terms: Vec<String> = vocab.values().cloned().collect();
    terms.par_sort_unstable();
    terms.dedup();
    terms
}

/// The bit of a pair key's low half that marks a bridged pair (term numbers stay below it).
pub(super) const BRIDGED: u32 = 1 << 31;

pub(super) fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl PairPostings {
    /// The pairs `keys` (sorted) and their documents (`counts[i]` of them, varint gaps at
    /// `docs[starts[i]..starts[i + 1]]`), naming terms by their place in `terms`
    /// (`postings::build` makes them).
    pub(super) fn from_lists(terms: Vec<String>, keys: Vec<u64>, counts: Vec<u32>, starts: Vec<u32>, docs: Vec<u8>) -> PairPostings {
        PairPostings { terms, keys, counts, starts, docs }
    }

    /// How many distinct pairs there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The documents holding `pair` ("term term", or "term _ term" bridged), ascending.
    pub fn docs_of(&self, pair: &str) -> Vec<u32> {
        let (text, flag) = match pair.split_once(BRIDGE) {
            Some((a, b)) => ((a, b), BRIDGED),
            None => match pair.split_once(' ') {
                Some(ab) => (ab, 0),
                None => return Vec::new(),
            },
        };
        let number = |t: &str| self.terms.binary_search_by(|x| x.as_str().cmp(t)).ok().map(|i| i as u32);
        let (Some(a), Some(b)) = (number(text.0), number(text.1)) else { return Vec::new() };
        let Ok(i) = self.keys.binary_search(&pair_key(a, b | flag)) else { return Vec::new() };
        let (count, gaps) = self.docs(i);
        let (mut pos, mut last) = (0, 0u32);
        let mut out = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let Some(gap) = super::postings::varint(gaps, &mut pos) else { break };
            last += gap as u32;
            out.push(last);
        }
        out
    }

    /// Pair `i`'s document count and its documents as varint gaps.
    fn docs(&self, i: usize) -> (u32, &[u8]) {
        (self.counts[i], &self.docs[self.starts[i] as usize..self.starts[i + 1] as usize])
    }

    /// Pair `i`: its text ("term term" or "term _ term", written into `buf`), its document
    /// count and its documents as varint gaps (from 0 for the first).
    pub fn get(&self, i: usize, buf: &mut String) -> (u32, &[u8]) {
        let k = self.keys[i];
        let b = (k & 0xffff_ffff) as u32;
        buf.clear();
        buf.push_str(&self.terms[(k >> 32) as usize]);
        buf.push_str(if b & BRIDGED != 0 { BRIDGE } else { " " });
        buf.push_str(&self.terms[(b & !BRIDGED) as usize]);
        self.docs(i)
    }

    /// Writes the saved form to `out` a pair at a time, never held whole: varint pair count,
    /// then per pair varint first term, varint second term (with [`BRIDGED`] for a bridged
    /// pair), varint document count, the documents as varint deltas. The terms are not saved:
    /// they are the saved vocabulary's.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut head = Vec::new();
        super::export::put_varint(&mut head, self.keys.len() as u64);
        out.write_all(&head)?;
        for (i, k) in self.keys.iter().enumerate() {
            head.clear();
            super::export::put_varint(&mut head, k >> 32);
            super::export::put_varint(&mut head, k & 0xffff_ffff);
            let (count, gaps) = self.docs(i);
            super::export::put_varint(&mut head, u64::from(count));
            out.write_all(&head)?;
            out.write_all(gaps)?;
        }
        Ok(())
    }

    /// Reads what [`PairPostings::write_to`] wrote, for the index with this vocabulary.
    pub fn decode(bytes: &[u8], vocab: &BTreeMap<String, String>) -> Option<PairPostings> {
        let mut pos = 0;
        let mut next = || -> Option<u64> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = *bytes.get(pos)?;
                pos += 1;
                v |= u64::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return Some(v);
                }
            }
            None
        };
        let mut p = PairPostings { terms: vocab_terms(vocab), ..Default::default() };
        let n = next()? as usize;
        for _ in 0..n {
            let (a, b) = (next()?, next()?);
            if a >= p.terms.len() as u64 || (b & !u64::from(BRIDGED)) >= p.terms.len() as u64 || b > u64::from(u32::MAX) {
                return None;
            }
            p.keys.push((a << 32) | b);
            p.starts.push(p.docs.len() as u32);
            let count = u32::try_from(next()?).ok()?;
            p.counts.push(count);
            let mut last = 0u32;
            for _ in 0..count {
                let gap = u32::try_from(next()?).ok()?;
                last = last.checked_add(gap)?;
                super::export::put_varint(&mut p.docs, u64::from(gap));
            }
        }
        p.starts.push(p.docs.len() as u32);
        (pos == bytes.len()).then_some(p)
    }
}

/// Calls `f` with each lower-cased surface word of `text`, exactly as the indexing analyzer
/// sees words before stemming (split on anything not alphanumeric, words of [`MAX_WORD`]
/// bytes or more dropped, lower-cased), without its allocations.
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() || word.len() >= MAX_WORD {
            continue;
        }
        if word.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
            f(word);
        } else {
            buf.clear();
            if word.is_ascii() {
                buf.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            } else {
                for c in word.chars() {
                    buf.extend(c.to_lowercase());
                }
            }
            f(&buf);
        }
    }
}

/// Splits text into lower-cased surface words.
pub fn surface_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_string()));
    out
}

/// The indexed term for one surface word.
pub fn stem(word: &str) -> String {
    let mut a = analyzer();
    let mut stream = a.token_stream(word);
    if stream.advance() { stream.token().text.clone() } else { String::new() }
}

fn guide_doc(p: &GuidePage) -> SearchDoc<'_> {
    let headings = p.headings.iter().map(|h| h.text.as_str()).collect::<Vec<_>>().join("\n");
    let mut profile: Vec<String> = p.front.tags.clone();
    profile.extend(p.front.audience.iter().map(|a| a.label().to_string()));
    SearchDoc {
        kind: Kind::Guide,
        title: p.front.title.clone(),
        url: p.url.clone(),
        fields: [Cow::Borrowed(&p.front.title), headings.into(), Cow::Borrowed(&p.front.summary), profile.join("\n").into(), Cow::Borrowed(&p.text)],
        snippet_has_summary: !p.front.summary.is_empty(),
    }
}

fn provider_doc<'a>(vp: &'a ValidProvider, site: &Site) -> SearchDoc<'a> {
    let p = &vp.provider;
    let o = &p.offer;
    let mut profile: Vec<String> = vec![p.registration.kind.label().to_string()];
    profile.extend(view::districts_served(vp).iter().map(|c| view::area_ref(site, c).name));
    profile.extend(o.needs.iter().map(|n| n.label().to_string()));
    profile.extend(o.tiers.iter().map(|t| view::tier_label(*t).to_string()));
    profile.extend(o.key_stages.iter().map(|k| k.label().to_string()));
    profile.extend(o.qualifications.iter().cloned());
    let body = plain_text(&p.description);
    SearchDoc {
        kind: Kind::Provider,
        title: p.name.clone(),
        url: crate::markdown::provider_url(&p.id),
        fields: [Cow::Borrowed(&p.name), Cow::Borrowed(""), Cow::Borrowed(&p.summary), profile.join("\n").into(), body.into()],
        // A provider's snippet always starts with its summary line, even an empty one.
        snippet_has_summary: true,
    }
}

/// The words of a Markdown text, without rendering HTML (block ends become spaces).
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableCell | TagEnd::BlockQuote(_) | TagEnd::CodeBlock) => {
                out.push(' ')
            }
            _ => {}
        }
    }
    // Runs of white space become one space, none at either end.
    let mut words = String::with_capacity(out.len());
    for w in out.split_whitespace() {
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(w);
    }
    words
}

/// The site's search documents in index order: guide pages by URL, then providers by id.
pub fn documents(site: &Site) -> Vec<SearchDoc<'_>> {
    let mut pages: Vec<&GuidePage> = site.pages.iter().filter(|p| p.url != "/").collect();
    pages.sort_by(|a, b| a.url.cmp(&b.url));
    let mut providers: Vec<&ValidProvider> = site.providers.iter().collect();
    providers.sort_by(|a, b| a.provider.id.cmp(&b.provider.id));
    let mut docs: Vec<SearchDoc<'_>> = pages.par_iter().map(|p| guide_doc(p)).collect();
    docs.par_extend(providers.par_iter().map(|vp| provider_doc(vp, site)));
    docs
}

impl SearchIndex {
    /// Indexes the site in memory.
    pub fn build(site: &Site) -> Result<SearchIndex, String> {
        let t = std::time::Instant::now();
        let docs = documents(site);
        if std::env::var_os("APDIR_SEARCH_TIMINGS").is_some() {
            eprintln!("search: documents {:?}", t.elapsed());
        }
        Ok(Self::from_documents(&docs))
    }

    /// The index of `docs` (their snippets are not kept: the export reads them from `docs`).
    pub fn from_documents(docs: &[SearchDoc<'_>]) -> SearchIndex {
        let t = std::time::Instant::now();
        let (vocab, postings, pairs) = super::postings::build(docs);
        if std::env::var_os("APDIR_SEARCH_TIMINGS").is_some() {
            eprintln!("search: vocabulary, postings and pairs {:?} ({} terms, {} pairs)", t.elapsed(), postings.terms.len(), pairs.len());
        }
        let infos = docs.iter().map(|d| DocInfo { kind: d.kind, title: d.title.clone(), url: d.url.clone() }).collect();
        SearchIndex { postings, pairs, docs: infos, vocab, cache_key: None, synonyms: Default::default() }
    }

    /// Writes the index (and the vocabulary and document list beside it) to `dir`, replacing
    /// what was there.
    /// The new index is written beside `dir` and then renamed into place, so a reader (or a
    /// second build running at the same time) never sees half an index.
    pub fn save(&self, dir: &Path) -> Result<(), String> {
        self.stage(dir)?.commit()
    }

    /// Writes the index beside `dir`, ready to be put in place by [`StagedIndex::commit`]
    /// (the build stages it while the site is still being written, and commits it once the
    /// site is published).
    pub fn stage(&self, dir: &Path) -> Result<StagedIndex, String> {
        static SAVES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "index".into());
        let parent = dir.parent().ok_or("the index folder has no parent")?;
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        remove_abandoned(parent, &name);
        let fresh = parent.join(format!(".{name}.new-{}-{n}", std::process::id()));
        let old = parent.join(format!(".{name}.old-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&fresh);
        std::fs::create_dir_all(&fresh).map_err(|e| format!("cannot create {}: {e}", fresh.display()))?;
        // From here on, dropping the staged index removes what was written.
        let staged = StagedIndex { dir: dir.to_path_buf(), fresh, old, committed: false };
        // Each file written as it is encoded, never held whole: the build stages the index while
        // its site is still in memory (whole, the postings and pairs were 8 MB at 10,000 guide
        // pages, docs/benchmarks.md), and the side file is streamed, not built as a JSON tree.
        type Out = std::io::BufWriter<std::fs::File>;
        let write = |name: &str, what: &dyn Fn(&mut Out) -> std::io::Result<()>| -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(staged.fresh.join(name))?);
            what(&mut out)?;
            std::io::Write::flush(&mut out)
        };
        #[derive(serde::Serialize)]
        struct Side<'a> {
            docs: &'a [DocInfo],
            vocab: &'a BTreeMap<String, String>,
        }
        write(POSTINGS_FILE, &|out| self.postings.write_to(out)).map_err(|e| format!("cannot write the search postings: {e}"))?;
        write("apdir.json", &|out| Ok(serde_json::to_writer(out, &Side { docs: &self.docs, vocab: &self.vocab })?))
            .map_err(|e| format!("cannot write the search vocabulary: {e}"))?;
        write(PAIRS_FILE, &|out| self.pairs.write_to(out)).map_err(|e| format!("cannot write the search phrases: {e}"))?;
        if let Some(key) = self.cache_key {
            std::fs::write(staged.fresh.join(super::cache::INDEX_KEY_FILE), super::cache::key_text(key))
                .map_err(|e| format!("cannot write the index's cache key: {e}"))?;
        }
        Ok(staged)
    }

    /// Opens an index saved by [`SearchIndex::save`].
    pub fn open(dir: &Path) -> Result<SearchIndex, String> {
        let side: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("apdir.json")).map_err(|e| format!("cannot read {}: {e}", dir.join("apdir.json").display()))?,
        )
        .map_err(|e| e.to_string())?;
        let docs: Vec<DocInfo> = serde_json::from_value(side["docs"].clone()).map_err(|e| e.to_string())?;
        let vocab: BTreeMap<String, String> = serde_json::from_value(side["vocab"].clone()).map_err(|e| e.to_string())?;
        let older = || format!("{} was saved by an older apdir: run `apdir build`", dir.display());
        let postings = Postings::decode(&std::fs::read(dir.join(POSTINGS_FILE)).map_err(|_| older())?).ok_or_else(older)?;
        let pairs = PairPostings::decode(&std::fs::read(dir.join(PAIRS_FILE)).map_err(|_| older())?, &vocab).ok_or_else(older)?;
        Ok(SearchIndex { postings, pairs, docs, vocab, cache_key: None, synonyms: Default::default() })
    }
}

/// Removes indexes staged or moved aside beside `parent/name` by builds that were killed
/// (`.name.new-<pid>-<n>`, `.name.old-<pid>-<n>` whose process is gone).
fn remove_abandoned(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.filter_map(Result::ok) {
        let file_name = e.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&format!(".{name}."))) else { continue };
        let Some(pid) =
            rest.strip_prefix("new-").or_else(|| rest.strip_prefix("old-")).and_then(|r| r.split('-').next()).and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        // Only where `/proc` tells which processes are running; elsewhere nothing is removed.
        let alive = pid == std::process::id() || !cfg!(target_os = "linux") || Path::new(&format!("/proc/{pid}")).exists();
        if !alive && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// An index written beside its folder by [`SearchIndex::stage`]. [`StagedIndex::commit`] puts
/// it in place; dropped without that (the build failed), it is removed.
pub struct StagedIndex {
    dir: PathBuf,
    fresh: PathBuf,
    old: PathBuf,
    committed: bool,
}

impl StagedIndex {
    /// Moves the previous index aside, puts this one in place, then drops the old one.
    pub fn commit(mut self) -> Result<(), String> {
        self.committed = true;
        let had_old = std::fs::rename(&self.dir, &self.old).is_ok();
        let placed = std::fs::rename(&self.fresh, &self.dir);
        if had_old {
            let _ = std::fs::remove_dir_all(&self.old);
        }
        if let Err(e) = placed {
            let _ = std::fs::remove_dir_all(&self.fresh);
            return Err(format!("cannot put the index in place at {}: {e}", self.dir.display()));
        }
        Ok(())
    }
}

impl Drop for StagedIndex {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(mut a: TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut s = a.token_stream(text);
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    const TEXT: &str = "Day-6 duty: PERMANENTLY excluded pupils' part-time timetables (KS3/KS4), Ærø café ΣΊΣΥΦΟΣ, \
        a-very-long-wordthatgoesonandonandonandonforeverandever and 2026.";

    #[test]
    fn the_fast_word_splitter_matches_tantivys() {
        assert_eq!(surface_words(TEXT), tokens(surface_analyzer(), TEXT));
    }

    #[test]
    fn the_one_pass_scanner_finds_the_same_words_and_borrows_lower_case_ones() {
        let mut words = Vec::new();
        let mut borrowed = Vec::new();
        scan_words(TEXT, |w, _| {
            if let Some(w) = w {
                words.push(w.as_str().to_string());
                if let Word::Text(t) = w {
                    borrowed.push(t);
                }
            }
        });
        assert_eq!(words, surface_words(TEXT));
        assert_eq!(borrowed[..2], ["6", "duty"]);
        assert!(!borrowed.contains(&"café") && words.contains(&"café".to_string()));
    }

    #[test]
    fn pairs_skip_question_words_and_stop_at_sentence_ends() {
        assert_eq!(pairs_of("Part-time timetables. A child is Looked After"), vec!["part time", "time timet", "child _ look", "look after"]);
        assert_eq!(pairs_of("key stage 3\nSEMH; anxiety"), vec!["key stage", "stage 3"]);
    }
}
