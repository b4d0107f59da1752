//! Reading age of a page's prose, by the Flesch-Kincaid grade level formula.
//!
//! Flesch-Kincaid grade = 0.39 × (words ÷ sentences) + 11.8 × (syllables ÷ words) − 15.59.
//! It gives a US school grade; a UK reading age is the grade + 5 (US grade 1 is the year a
//! child turns 6 or 7, so grade 6 ≈ reading age 11). We chose it over SMOG because SMOG is
//! built for texts of 30 sentences or more, and many guide pages are shorter; and over the
//! Flesch reading-ease score because a reading *age* is what plain-English advice (GOV.UK
//! writes for a reading age of 9) is given in. Only prose counts: paragraphs and list items,
//! not headings, tables, code or HTML blocks.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The reading age above which `apdir check` warns, unless `apdir.toml` sets
/// `rules.reading_age_max`. The guide explains the law, so it allows more than GOV.UK's
/// aim of 9 for everyday pages; pages written for families should aim lower.
pub const DEFAULT_READING_AGE_MAX: f64 = 15.0;

/// The counts and the scores for one text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Readability {
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
    /// The Flesch-Kincaid grade level (a US school grade; can be below 0 for very easy text).
    pub grade: f64,
}

impl Readability {
    /// The UK reading age in years: the grade + 5, never below 5.
    pub fn reading_age(&self) -> f64 {
        (self.grade + 5.0).max(5.0)
    }
}

/// Readability of plain text (sentences end at `.`, `!`, `?` or a line break). `None` for a
/// text with no words.
pub fn of_text(text: &str) -> Option<Readability> {
    let mut words = 0usize;
    let mut syllables = 0usize;
    let mut sentences = 0usize;
    for line in text.lines() {
        let mut open = false; // words since the last sentence end on this line
        for token in line.split_whitespace() {
            // A word is a token with a letter or digit; `syllable_count` reads only its letters.
            if token.chars().any(char::is_alphanumeric) {
                words += 1;
                syllables += syllable_count(token);
                open = true;
            }
            if open && token.trim_end_matches(['"', '\'', ')', '”', '’', '*', '_']).ends_with(['.', '!', '?']) {
                sentences += 1;
                open = false;
            }
        }
        if open {
            sentences += 1;
        }
    }
    if words == 0 {
        return None;
    }
    let grade = 0.39 * (words as f64 / sentences as f64) + 11.8 * (syllables as f64 / words as f64) - 15.59;
    Some(Readability { words, sentences, syllables, grade })
}

/// Readability of a Markdown document's prose (see the module notes).
pub fn of_markdown(source: &str) -> Option<Readability> {
    of_text(&prose(source))
}

/// The prose of a Markdown document: one line per paragraph or list item, without headings,
/// tables, code blocks, inline code or HTML.
pub fn prose(source: &str) -> String {
    let mut out = String::new();
    let mut skip = 0usize; // depth inside headings, tables and code blocks
    for event in Parser::new_ext(source, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES) {
        match event {
            Event::Start(Tag::Heading { .. } | Tag::Table(_) | Tag::CodeBlock(_) | Tag::HtmlBlock) => skip += 1,
            Event::End(TagEnd::Heading(_) | TagEnd::Table | TagEnd::CodeBlock | TagEnd::HtmlBlock) => skip = skip.saturating_sub(1),
            Event::Text(t) if skip == 0 => out.push_str(&t),
            Event::SoftBreak if skip == 0 => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Item) | Event::HardBreak => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Syllables in one word, by the usual vowel-group rule: count groups of vowels (with `y`
/// as a vowel after the first letter), less a silent final `e` (but not `-le` after a
/// consonant, as in "table"), and at least 1. A word of digits counts as 1.
pub fn syllable_count(word: &str) -> usize {
    // One pass without allocating (this runs on every word of every page): the vowel groups
    // so far, and the last three letters with whether each was a vowel.
    let (mut count, mut n, mut prev) = (0usize, 0usize, false);
    let (mut last, mut vowel) = (['\0'; 3], [false; 3]);
    let letters: &mut dyn Iterator<Item = char> = if word.is_ascii() {
        &mut word.bytes().filter(u8::is_ascii_alphabetic).map(|b| char::from(b.to_ascii_lowercase()))
    } else {
        &mut word.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase)
    };
    for c in letters {
        let v = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u') || (c == 'y' && n > 0);
        if v && !prev {
            count += 1;
        }
        prev = v;
        last = [last[1], last[2], c];
        vowel = [vowel[1], vowel[2], v];
        n += 1;
    }
    if n == 0 {
        return 1;
    }
    // last[2] is the final letter, last[1] the one before, last[0] the one before that.
    if n > 2 && last[2] == 'e' && !vowel[1] && !(last[1] == 'l' && n > 3 && !vowel[0]) {
        count -= 1;
    }
    if n > 2 && last[1] == 'e' && last[2] == 'd' && !matches!(last[0], 't' | 'd') && !vowel[0] {
        count -= 1; // "asked", "placed": the -ed is not sounded
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_of_common_words() {
        for (w, n) in [
            ("cat", 1),
            ("the", 1),
            ("table", 2),
            ("make", 1),
            ("school", 1),
            ("pupil", 2),
            ("education", 4),
            ("provision", 3),
            ("alternative", 4),
            ("every", 3),
            ("day", 1),
            ("asked", 1),
            ("needed", 2),
            ("authority", 4),
            ("2026", 1),
        ] {
            assert_eq!(syllable_count(w), n, "{w}");
        }
    }

    #[test]
    fn a_childrens_sentence_scores_low() {
        // 6 words, 1 sentence, 6 syllables: 0.39 × 6 + 11.8 × 1 − 15.59 = −1.45.
        let r = of_text("The cat sat on the mat.").unwrap();
        assert_eq!((r.words, r.sentences, r.syllables), (6, 1, 6));
        assert!((r.grade - -1.45).abs() < 1e-9, "{}", r.grade);
        assert_eq!(r.reading_age(), 5.0);
    }

    #[test]
    fn the_formula_on_a_known_passage() {
        // Counted by hand: 10 + 9 = 19 words in 2 sentences, 18 + 13 = 31 syllables.
        let text = "The local authority must arrange education from the sixth day. \
                    Schools should tell parents without delay and explain why.";
        let r = of_text(text).unwrap();
        assert_eq!((r.words, r.sentences, r.syllables), (19, 2, 31));
        let grade = 0.39 * 19.0 / 2.0 + 11.8 * 31.0 / 19.0 - 15.59; // 7.37
        assert!((r.grade - grade).abs() < 1e-9, "{}", r.grade);
        assert!((r.reading_age() - 12.37).abs() < 0.01);
    }

    #[test]
    fn long_legal_sentences_score_high() {
        let text = "Notwithstanding the foregoing, the governing board shall, in consequence of the \
                    representations received, reconsider the appropriateness of the determination \
                    within the statutorily prescribed period, having regard to the authority's \
                    published procedural documentation.";
        assert!(of_text(text).unwrap().reading_age() > 20.0);
    }

    #[test]
    fn only_prose_is_measured() {
        let md = "# A long heading with extraordinarily complicated vocabulary\n\nA short line.\n\n\
                  | Column | Institutionalisation |\n|---|---|\n| a | b |\n\n```\nlet x = incomprehensibility;\n```\n\n\
                  - one item\n- two items\n";
        assert_eq!(prose(md), "A short line.\none item\ntwo items\n");
        let r = of_markdown(md).unwrap();
        assert_eq!((r.words, r.sentences), (7, 3));
        assert!(of_markdown("# Only a heading\n").is_none());
    }
}
