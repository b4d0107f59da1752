//! Spreadsheet cells that stay text: the one place apdir decides which CSV cells a spreadsheet
//! would run as a formula, and how such a cell is neutralised on the way out and restored on
//! the way back in.
//!
//! Excel, LibreOffice and Google Sheets treat a cell that begins with `=`, `+`, `-` or `@` (and,
//! in Excel, a tab or carriage return before one) as a formula, so a provider named
//! `=HYPERLINK("http://…","Click")` would become a live link in every school's copy of
//! `/data/providers.csv`. Following OWASP's advice on CSV injection, every text cell that begins
//! with one of those characters is written with a leading `'`, which spreadsheets read as "this
//! is text" and do not show. `apdir import` removes that one `'` again, so a round trip is exact.
//! Numbers are written as numbers: a negative figure is not text.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would read `text` as a formula.
pub fn starts_like_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

/// A text cell as written to a CSV file: unchanged, or with a leading `'` when a spreadsheet
/// would otherwise read it as a formula.
pub fn safe_cell(text: &str) -> Cow<'_, str> {
    if starts_like_formula(text) { Cow::Owned(format!("'{text}")) } else { Cow::Borrowed(text) }
}

/// A cell read from a spreadsheet: the `'` that [`safe_cell`] added is removed (and only that
/// one: a `'` before anything else is the cell's own text).
pub fn restore_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if starts_like_formula(rest) => rest,
        _ => text,
    }
}

/// Whether a cell read for import (already restored and trimmed) would act as a formula in a
/// spreadsheet that opens apdir's exports: `=` or `@` first, or `+`/`-` first followed by
/// something other than a number or a telephone number. Such text is imported as text and
/// neutralised on export, but is worth a warning: it is rarely what anyone meant to type.
pub fn looks_like_formula(cell: &str) -> bool {
    let Some(first) = cell.chars().next() else { return false };
    match first {
        '=' | '@' => true,
        '+' | '-' => !cell[1..].chars().all(|c| c.is_ascii_digit() || " ().-".contains(c)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_lose_it_again() {
        for text in ["=HYPERLINK(\"http://x\",\"y\")", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "+44 1772 000000"] {
            let safe = safe_cell(text);
            assert!(safe.starts_with('\''), "{text:?}");
            assert_eq!(restore_cell(&safe), text);
        }
    }

    #[test]
    fn plain_text_is_untouched_both_ways() {
        for text in ["Ribble Vale Learning Centre", "", "'quoted' name", "O'Brien House", "1 Mill Lane"] {
            assert_eq!(safe_cell(text), text);
            assert_eq!(restore_cell(text), text);
        }
    }

    #[test]
    fn phone_numbers_and_figures_are_not_called_formulas_on_import() {
        assert!(!looks_like_formula("+44 (0)1772 000 000"));
        assert!(!looks_like_formula("-12.5"));
        assert!(!looks_like_formula("Nelson"));
        assert!(looks_like_formula("=1+1"));
        assert!(looks_like_formula("@SUM(A1)"));
        assert!(looks_like_formula("-2+cmd|' /C calc'!A0"));
        assert!(looks_like_formula("+HYPERLINK(\"x\")"));
    }
}
