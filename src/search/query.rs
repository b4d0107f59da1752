//! Query planning and search (`apdir search`).
//!
//! The planner works on the surface-word vocabulary, exactly as `/js/search-core.js` does on
//! the exported copy, so the terminal and the browser search for the same terms:
//! - a phrase found in the synonyms (`content/synonyms.toml`) is one unit that matches a
//!   document holding one of its equivalents: a one-word equivalent as a word, a longer one as
//!   a phrase (every pair of its neighbouring words in the index's [`PairPostings`]); every other word
//!   is a unit of its own, matching any of its planned terms;
//! - documents matching every unit rank first; then those matching the rarest units
//!   ([`unit_weight`]), labelled partial; among the same units matched, documents holding the
//!   query's words side by side (every pair of neighbouring words, [`phrase_pairs`]) come
//!   first; then by score;
//! - a word found in the vocabulary contributes its stemmed term; a word not found contributes
//!   its stem (the index's stemmer) when some word of the site has that stem, else the terms
//!   of the words the stem begins (at most [`MAX_PREFIX`]);
//! - in prefix mode (as you type), the last word also contributes every vocabulary word it
//!   starts (at most [`MAX_PREFIX`] words, in sorted order) when it has 2+ characters;
//! - a word of [`TYPO_MIN`]+ characters that is not in the vocabulary contributes every word
//!   one edit away (insert, delete, substitute or swap two neighbours) that starts with the
//!   same character.
//!
//! A term's score is the sum over the fields of its BM25 term query boosted by the field's
//! weight; a unit's score sums the terms of the equivalents a document matches.
//!
//! [`PairPostings`]: super::index::PairPostings

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::index::{Kind, SearchIndex, stem, surface_words};
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

/// One query unit (a word, or a phrase of the synonyms) and the index terms it stands for.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlannedWord {
    pub word: String,
    /// Every term of every alternative, sorted (what the results highlight).
    pub terms: Vec<String>,
    /// The ways the unit matches a document: one term, or several that must stand next to
    /// each other (an equivalent of the synonyms). A plain word's alternatives are its terms.
    pub alts: Vec<Vec<String>>,
    /// The term the typed word itself stands for (its own, or its stem when the site uses
    /// it) and the site's terms of its [`family`], which pair with their neighbours' for
    /// phrases; empty for a phrase of the synonyms or a word the site does not use.
    pub own: Vec<String>,
    /// Whether it was typed right after the unit before it, with no question word dropped
    /// between them: then the two make a phrase only where a page has them side by side.
    pub joined: bool,
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

/// Whether `w` is one of [`STOP_WORDS`] (a `match`, as the pairs of every indexed word ask).
pub fn is_stop_word(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "the"
            | "and"
            | "or"
            | "of"
            | "to"
            | "for"
            | "in"
            | "on"
            | "at"
            | "by"
            | "is"
            | "are"
            | "be"
            | "can"
            | "do"
            | "does"
            | "did"
            | "i"
            | "my"
            | "me"
            | "we"
            | "our"
            | "you"
            | "your"
            | "it"
            | "its"
            | "this"
            | "that"
            | "what"
            | "which"
            | "who"
            | "how"
            | "when"
            | "where"
            | "why"
            | "if"
            | "with"
            | "from"
    )
}

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
    // Where each unit stood among all of them, question words included.
    let mut at: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        let (len, mut alts) = match synonyms.longest_at(&words[i..]) {
            Some((len, a)) => (len, a.clone()),
            None => (1, Vec::new()),
        };
        let mut own = Vec::new();
        if len == 1 {
            own.extend(own_term(vocab, &words[i]));
            if let Some(t) = own.first() {
                own.extend(family(t).into_iter().filter(|f| has_term(vocab, f)));
            }
            for t in plan_word(vocab, &words[i], prefix && i + 1 == n).into_iter().chain(own.iter().cloned()) {
                let alt = vec![t];
                if !alts.contains(&alt) {
                    alts.push(alt);
                }
            }
        }
        let mut terms: Vec<String> = alts.iter().flatten().cloned().collect::<BTreeSet<_>>().into_iter().collect();
        terms.sort();
        at.push(out.len());
        out.push(PlannedWord { word: words[i..i + len].join(" "), terms, alts, own, joined: true });
        i += len;
    }
    // Question words ("how do I …") say nothing about the page wanted; kept only when the
    // query has nothing else.
    if out.iter().any(|p| !STOP_WORDS.contains(&p.word.as_str())) {
        at.retain(|&k| !STOP_WORDS.contains(&out[k].word.as_str()));
        for w in at.windows(2) {
            out[w[1]].joined = w[1] == w[0] + 1;
        }
        out = at.iter().map(|&k| out[k].clone()).collect();
    }
    out
}

/// The term a word stands for on its own: its term when the site uses the word, else its stem
/// when some word of the site has that stem.
fn own_term(vocab: &BTreeMap<String, String>, w: &str) -> Option<String> {
    if let Some(t) = vocab.get(w) {
        return Some(t.clone());
    }
    let st = stem(w);
    has_term(vocab, &st).then_some(st)
}

/// Whether some word of the site has the term `t` (stemming changes only a word's end, so
/// only the words with its first character are looked at).
fn has_term(vocab: &BTreeMap<String, String>, t: &str) -> bool {
    starting(vocab, &letter_range(t)).any(|(_, x)| x == t)
}

/// Shortest term (in characters) with a [`family`].
pub const FAMILY_MIN: usize = 5;

/// The other terms of a term's family: a stem of [`FAMILY_MIN`]+ characters ending in `d` and
/// the same stem ending in `s` instead, as English alternates them (exclude and exclusion,
/// decide and decision, provide and provision, suspend and suspension: Snowball stems them
/// `exclud` and `exclus`). A query word also finds the site's terms of its family, and pairs
/// with its neighbours through them. The same in `/js/search-core.js`.
pub fn family(t: &str) -> Vec<String> {
    if t.chars().count() < FAMILY_MIN {
        return Vec::new();
    }
    let base = &t[..t.len() - 1];
    match t.as_bytes()[t.len() - 1] {
        b'd' => vec![format!("{base}s")],
        b's' if !base.ends_with('s') => vec![format!("{base}d")],
        _ => Vec::new(),
    }
}

/// One pair a phrase asks for: the texts ("a b") of which a page must hold one, and whether
/// it may hold it bridged (only question words between the two: "a _ b").
pub type PhrasePair = (Vec<String>, bool);

/// The phrase of a plan: for every two neighbouring units that each stand for a word of their
/// own, the pairs of their own terms (`"part time"`, `"time timet"` for "part time
/// timetable"; one of `"perman exclud"`, `"perman exclus"` for "permanently excluding"),
/// side by side when typed side by side ([`PlannedWord::joined`]), else possibly bridged. A
/// page holding every pair ranks above pages that match the same units without them all.
pub fn phrase_pairs(units: &[PlannedWord]) -> Vec<PhrasePair> {
    let mut out: Vec<PhrasePair> = Vec::new();
    for w in units.windows(2) {
        if w[0].own.is_empty() || w[1].own.is_empty() {
            continue;
        }
        let texts = w[0].own.iter().flat_map(|a| w[1].own.iter().map(move |b| format!("{a} {b}"))).collect();
        let p = (texts, !w[1].joined);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The pairs that must all be in a document for it to hold `alt` as a phrase (possibly
/// bridged: the synonyms' equivalents are planned without their question words).
pub fn alt_pairs(alt: &[String]) -> Vec<PhrasePair> {
    alt.windows(2).map(|w| (vec![format!("{} {}", w[0], w[1])], true)).collect()
}

/// The bridged form of a pair's text ("a b" → "a _ b").
pub fn bridged(pair: &str) -> String {
    pair.replacen(' ', super::index::BRIDGE, 1)
}

/// What a query needs from the index: every term of every alternative (for scores) and every
/// pair (of multi-word alternatives and of the phrases, and their bridged forms where they
/// may be bridged).
pub fn needs(units: &[PlannedWord]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut terms = BTreeSet::new();
    let mut asked: Vec<PhrasePair> = phrase_pairs(units);
    for u in units {
        for alt in &u.alts {
            terms.extend(alt.iter().cloned());
            asked.extend(alt_pairs(alt));
        }
    }
    let mut pairs = BTreeSet::new();
    for (texts, loose) in asked {
        for p in texts {
            if loose {
                pairs.insert(bridged(&p));
            }
            pairs.insert(p);
        }
    }
    (terms, pairs)
}

/// What the index says about a query's terms and pairs.
#[derive(Default)]
pub struct Evidence {
    /// Term → document → score (the BM25 term queries of every field, boosted, summed).
    pub terms: HashMap<String, BTreeMap<u32, f32>>,
    /// Pair → the documents holding it.
    pub pairs: HashMap<String, BTreeSet<u32>>,
}

/// One document's standing for a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub doc: u32,
    /// The rarity of the units it matches, summed ([`unit_weight`]).
    pub coverage: f64,
    /// Whether it holds the query as a phrase: every pair of [`phrase_pairs`] (never for a
    /// query without pairs).
    pub phrase: bool,
    pub score: f32,
    /// How many units it matches.
    pub matched: usize,
}

/// Ranks documents for planned units from the index's evidence: coverage first, then the
/// query held as a phrase, then score, ties by document number. `/js/search-core.js` ranks the same way.
pub fn rank(units: &[PlannedWord], ev: &Evidence, docs: usize) -> Vec<Ranked> {
    let none = BTreeMap::new();
    let no_docs = BTreeSet::new();
    let term = |t: &String| ev.terms.get(t).unwrap_or(&none);
    let pair = |p: &String| ev.pairs.get(p).unwrap_or(&no_docs);
    let holds = |(texts, loose): &PhrasePair, d: &u32| texts.iter().any(|p| pair(p).contains(d) || (*loose && pair(&bridged(p)).contains(d)));
    let holders = |(texts, loose): &PhrasePair| -> BTreeSet<u32> {
        let mut docs = BTreeSet::new();
        for p in texts {
            docs.extend(pair(p));
            if *loose {
                docs.extend(pair(&bridged(p)));
            }
        }
        docs
    };
    let mut found: BTreeMap<u32, Ranked> = BTreeMap::new();
    for u in units {
        // doc → the alternatives it holds
        let mut held: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (ai, alt) in u.alts.iter().enumerate() {
            let docs: Vec<u32> = match alt.as_slice() {
                [] => Vec::new(),
                [t] => term(t).keys().copied().collect(),
                _ => {
                    let pairs = alt_pairs(alt);
                    holders(&pairs[0]).into_iter().filter(|d| pairs[1..].iter().all(|p| holds(p, d))).collect()
                }
            };
            for d in docs {
                held.entry(d).or_default().push(ai);
            }
        }
        let w = unit_weight(held.len(), docs);
        for (d, alts) in held {
            let terms: BTreeSet<&String> = alts.iter().flat_map(|&ai| u.alts[ai].iter()).collect();
            let mut score = 0f32;
            for t in terms {
                score += term(t).get(&d).copied().unwrap_or(0.0);
            }
            let e = found.entry(d).or_insert(Ranked { doc: d, coverage: 0.0, phrase: false, score: 0.0, matched: 0 });
            e.coverage += w;
            e.score += score;
            e.matched += 1;
        }
    }
    let phrase = phrase_pairs(units);
    if let Some((first, rest)) = phrase.split_first() {
        for d in holders(first) {
            if let Some(e) = found.get_mut(&d).filter(|_| rest.iter().all(|p| holds(p, &d))) {
                e.phrase = true;
            }
        }
    }
    let mut ranked: Vec<Ranked> = found.into_values().collect();
    ranked.sort_by(|a, b| b.coverage.total_cmp(&a.coverage).then(b.phrase.cmp(&a.phrase)).then(b.score.total_cmp(&a.score)).then(a.doc.cmp(&b.doc)));
    ranked
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
    /// The index's evidence for planned units: each term's scores (tantivy's BM25, as the
    /// browser computes it) and each pair's documents.
    pub fn evidence(&self, units: &[PlannedWord]) -> Result<Evidence, String> {
        let (terms, pairs) = needs(units);
        let mut ev = Evidence::default();
        for t in terms {
            let scores = self.postings.scores(&t);
            ev.terms.insert(t, scores);
        }
        for p in pairs {
            let holders = self.pairs.docs_of(&p).into_iter().collect();
            ev.pairs.insert(p, holders);
        }
        Ok(ev)
    }

    /// Searches the index, ranked by [`rank`]; a hit missing some unit is `partial`.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>, String> {
        let planned = plan_with(&self.vocab, &self.synonyms, query, options.prefix);
        let ranked = rank(&planned, &self.evidence(&planned)?, self.docs.len());
        let limit = if options.limit == 0 { usize::MAX } else { options.limit };
        Ok(ranked
            .into_iter()
            .filter_map(|r| {
                let info = self.docs.get(r.doc as usize)?;
                if options.kind.is_some_and(|k| k != info.kind) {
                    return None;
                }
                let partial = r.matched < planned.len();
                Some(Hit { doc: r.doc, score: r.score, kind: info.kind, title: info.title.clone(), url: info.url.clone(), partial })
            })
            .take(limit)
            .collect())
    }

    /// Did you mean: the query with each word that matches nothing replaced by the closest
    /// word of the site ([`closest_word`]); `None` when no word needs or has a correction.
    pub fn suggest(&self, query: &str, prefix: bool) -> Option<String> {
        suggest(&self.vocab, &self.synonyms, query, prefix)
    }
}

/// The query with every word that matches nothing (a unit with no terms) replaced by its
/// [`closest_word`]; `None` when nothing changed. The same in `/js/search-core.js`.
pub fn suggest(vocab: &BTreeMap<String, String>, synonyms: &Synonyms, query: &str, prefix: bool) -> Option<String> {
    let planned = plan_with(vocab, synonyms, query, prefix);
    let unknown: Vec<&str> = planned.iter().filter(|p| p.terms.is_empty()).map(|p| p.word.as_str()).collect();
    if unknown.is_empty() {
        return None;
    }
    let mut changed = false;
    let words: Vec<String> = surface_words(query)
        .into_iter()
        .map(|w| match unknown.contains(&w.as_str()).then(|| closest_word(vocab, &w)).flatten() {
            Some(c) => {
                changed = true;
                c
            }
            None => w,
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// Most edits a did-you-mean correction may be from the word typed: one for words of up to
/// four characters, two from [`TYPO_MIN`] characters.
pub fn max_edits(chars: usize) -> usize {
    if chars >= TYPO_MIN { 2 } else { 1 }
}

/// The word of the site closest to `w`, for did-you-mean: starting with the same character
/// (so only the vocabulary shard the query loaded is searched), at most [`max_edits`] edits
/// away (optimal string alignment); the fewest edits win, then the term with the most word
/// forms in that shard (a common word), then the word first in order. `None` for words under
/// [`STEM_MIN`] characters.
pub fn closest_word(vocab: &BTreeMap<String, String>, w: &str) -> Option<String> {
    let chars: Vec<char> = w.chars().collect();
    if chars.len() < STEM_MIN {
        return None;
    }
    let max = max_edits(chars.len());
    let first = chars[0].to_string();
    let mut best: Vec<(&String, &String)> = Vec::new();
    let mut best_d = max + 1;
    for (s, t) in starting(vocab, &first) {
        let sc: Vec<char> = s.chars().collect();
        if sc.len().abs_diff(chars.len()) > max {
            continue;
        }
        let d = edit_distance(&chars, &sc, max);
        if d > max {
            continue;
        }
        if d < best_d {
            best_d = d;
            best.clear();
        }
        if d == best_d {
            best.push((s, t));
        }
    }
    if best.is_empty() {
        return None;
    }
    let letter = letter_of(w);
    let mut forms: HashMap<&String, usize> = HashMap::new();
    for (s, t) in vocab.iter() {
        if letter_of(s) == letter && best.iter().any(|(_, bt)| *bt == t) {
            *forms.entry(t).or_default() += 1;
        }
    }
    best.sort_by(|a, b| forms[b.1].cmp(&forms[a.1]).then(a.0.cmp(b.0)));
    best.first().map(|(s, _)| (*s).clone())
}

/// Optimal-string-alignment distance between `a` and `b`, or `cap + 1` once it must exceed `cap`.
pub fn edit_distance(a: &[char], b: &[char], cap: usize) -> usize {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > cap {
        return cap + 1;
    }
    // Three rows of the table: two back, one back, this one.
    let mut rows = [(0..=lb).collect::<Vec<usize>>(), vec![0; lb + 1], vec![0; lb + 1]];
    for i in 1..=la {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut low = i;
        for j in 1..=lb {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev][j] + 1).min(rows[cur][j - 1] + 1).min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = v;
            low = low.min(v);
        }
        if low > cap {
            return cap + 1;
        }
    }
    rows[la % 3][lb].min(cap + 1)
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
        // A word also stands for its family's terms that the site uses (exclude, exclusion).
        let p = plan(&vocab, "Excluded", false);
        assert_eq!(
            p,
            vec![PlannedWord {
                word: "excluded".into(),
                terms: vec!["exclud".into(), "exclus".into()],
                alts: vec![vec!["exclud".into()], vec!["exclus".into()]],
                own: vec!["exclud".into(), "exclus".into()],
                joined: true
            }]
        );
        assert_eq!(plan(&vocab, "timetable", false)[0].own, vec!["timet".to_string()]);
        let p = plan(&vocab, "exclu", true);
        assert_eq!(p[0].terms, vec!["exclud".to_string(), "exclus".to_string()]);
        // Not the last word: no prefix, but its stem still begins words of the site.
        assert_eq!(plan(&vocab, "exclu timetable", true)[0].terms, vec!["exclud".to_string(), "exclus".to_string()]);
        // A form the site never uses is stemmed as the index stems.
        assert_eq!(plan(&vocab, "excludes", false)[0].terms, vec!["exclud".to_string(), "exclus".to_string()]);
        let p = plan(&vocab, "timetabel", false);
        assert_eq!(p[0].terms, vec!["timet".to_string()]);
        // Short words get no typo tolerance.
        assert!(plan(&vocab, "timx", false)[0].terms.is_empty());
    }

    #[test]
    fn a_family_is_a_stem_ending_in_d_or_s() {
        assert_eq!(family("exclud"), vec!["exclus".to_string()]);
        assert_eq!(family("suspens"), vec!["suspend".to_string()]);
        assert!(family("class").is_empty() && family("need").is_empty() && family("timet").is_empty());
    }

    #[test]
    fn words_typed_apart_may_pair_across_question_words() {
        let vocab: BTreeMap<String, String> =
            [("child", "child"), ("is", "is"), ("looked", "look"), ("after", "after")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let units = plan(&vocab, "child is looked after", false);
        assert_eq!(phrase_pairs(&units), vec![(vec!["child look".to_string()], true), (vec!["look after".to_string()], false)]);
        let (_, pairs) = needs(&units);
        assert_eq!(pairs.into_iter().collect::<Vec<_>>(), vec!["child _ look", "child look", "look after"]);
    }

    #[test]
    fn the_stop_word_match_is_the_list() {
        assert!(STOP_WORDS.iter().all(|w| is_stop_word(w)));
        assert!(!is_stop_word("pupil") && !is_stop_word("near") && !is_stop_word(""));
    }

    #[test]
    fn edit_distance_is_capped_and_counts_a_swap_as_one() {
        assert_eq!(edit_distance(&c("safegaurding"), &c("safeguarding"), 2), 1);
        assert_eq!(edit_distance(&c("safgaurding"), &c("safeguarding"), 2), 2);
        assert_eq!(edit_distance(&c("sfgaurding"), &c("safeguarding"), 2), 3);
        assert_eq!(edit_distance(&c("abc"), &c("abc"), 1), 0);
        assert_eq!(edit_distance(&c("abc"), &c("abcdef"), 2), 3);
    }

    #[test]
    fn did_you_mean_replaces_only_words_that_match_nothing() {
        let vocab: BTreeMap<String, String> = [
            ("safeguarding", "safeguard"),
            ("safeguarded", "safeguard"),
            ("safeguard", "safeguard"),
            ("checks", "check"),
            ("check", "check"),
            ("chew", "chew"),
            ("chef", "chef"),
            ("chefs", "chef"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let s = Synonyms::default();
        assert_eq!(suggest(&vocab, &s, "Safgaurding checks", false).as_deref(), Some("safeguarding checks"));
        // One typo is already forgiven: nothing to suggest.
        assert_eq!(suggest(&vocab, &s, "safegaurding", false), None);
        // Short words allow one edit; of two words as close, the one with more forms wins.
        assert_eq!(suggest(&vocab, &s, "the chek", false).as_deref(), Some("the check"));
        assert_eq!(suggest(&vocab, &s, "chex", false).as_deref(), Some("chef"));
        assert_eq!(suggest(&vocab, &s, "zzqxjv", false), None);
    }
}
