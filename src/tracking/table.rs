//! Reading the tracking spreadsheets (CSV, UTF-8): the header is checked against the columns a
//! file needs, any column that looks like pupil-level data is refused, and every cell that
//! cannot be read is reported with file:line:col. Every problem is collected, not just the first.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, did_you_mean};

/// No tracking file may hold more rows than this (a county's schools over many years fit easily).
pub const MAX_ROWS: usize = 50_000;
/// Nor more columns than this.
pub const MAX_COLUMNS: usize = 64;

/// Header words that mark pupil-level data. A header is compared after lower-casing and
/// dropping everything but letters and digits, so `Date of Birth`, `date_of_birth` and `DOB` match.
const PUPIL_LEVEL: &[(&str, &str)] = &[
    ("upn", "a unique pupil number"),
    ("uln", "a unique learner number"),
    ("name", "a pupil's name"),
    ("pupilname", "a pupil's name"),
    ("childname", "a child's name"),
    ("forename", "a pupil's name"),
    ("firstname", "a pupil's name"),
    ("givenname", "a pupil's name"),
    ("surname", "a pupil's name"),
    ("lastname", "a pupil's name"),
    ("familyname", "a pupil's name"),
    ("legalname", "a pupil's name"),
    ("preferredname", "a pupil's name"),
    ("dob", "a date of birth"),
    ("dateofbirth", "a date of birth"),
    ("birthdate", "a date of birth"),
    ("address", "an address"),
    ("homeaddress", "an address"),
    ("pupiladdress", "an address"),
    ("postcode", "a pupil's postcode"),
    ("pupilpostcode", "a pupil's postcode"),
    ("homepostcode", "a pupil's postcode"),
    ("nhsnumber", "an NHS number"),
    ("pupilid", "a pupil identifier"),
    ("studentid", "a pupil identifier"),
    ("admissionnumber", "a pupil identifier"),
];

/// What a header would be if it were pupil-level data, or `None`.
pub fn pupil_level(header: &str) -> Option<&'static str> {
    let key: String = header.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    PUPIL_LEVEL.iter().find(|(k, _)| *k == key).map(|(_, what)| *what)
}

/// One data row: each cell's text (trimmed) and where it is in the file.
#[derive(Debug)]
pub struct Row {
    pub cells: Vec<(String, Range<usize>)>,
    /// Where the row starts.
    pub start: usize,
}

/// A read file: its columns (in the order the caller asked for) and rows.
pub struct Table {
    pub file: Arc<SourceFile>,
    /// For each wanted column, its index in the file.
    pub index: Vec<usize>,
    pub rows: Vec<Row>,
}

impl Table {
    /// The cell of wanted column `col` in `row`, with its span.
    pub fn cell<'a>(&self, row: &'a Row, col: usize) -> (&'a str, Range<usize>) {
        match row.cells.get(self.index[col]) {
            Some((t, r)) => (t.as_str(), r.clone()),
            None => ("", row.start..row.start),
        }
    }

    pub fn error(&self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) -> Diagnostic {
        Diagnostic::error("tracking-cell", message).in_file(&self.file, Some(span)).label("here").help(help)
    }

    /// A whole number (commas allowed) in wanted column `col`, or an error.
    pub fn count(&self, row: &Row, col: usize, name: &str, d: &mut Diagnostics) -> Option<u64> {
        let (text, span) = self.cell(row, col);
        match text.replace(',', "").parse::<u64>() {
            Ok(v) => Some(v),
            Err(_) => {
                d.push(self.error(span, format!("`{name}` must be a whole number, not `{text}`"), "write the count as digits, e.g. 12 (0 for none)"));
                None
            }
        }
    }

    /// A percentage from 0 to 100 (a trailing `%` allowed), `None` when blank, or an error.
    pub fn percent(&self, row: &Row, col: usize, name: &str, d: &mut Diagnostics) -> Option<Option<f64>> {
        let (text, span) = self.cell(row, col);
        if text.is_empty() {
            return Some(None);
        }
        match text.trim_end_matches('%').trim().parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => Some(Some(v)),
            _ => {
                d.push(self.error(
                    span,
                    format!("`{name}` must be a percentage from 0 to 100, not `{text}`"),
                    "write e.g. 87.5, or leave it blank if not known",
                ));
                None
            }
        }
    }
}

/// The text of a tracking file, `None` when it is absent. Read as every input is (at most
/// 8 MB, UTF-8, no symbolic links): a file that cannot be read is an error in `d`.
pub fn read_input(path: &Path, name: &str, d: &mut Diagnostics) -> Option<String> {
    std::fs::symlink_metadata(path).ok()?;
    crate::load::read_text(path, name).map_err(|e| d.push(e)).ok()
}

/// Reads `path` (shown as `name`), needing each of `columns`. `None` when the file is missing.
/// A pupil-level column, a missing column or an unreadable row is an error in `d`.
pub fn read(path: &Path, name: &str, columns: &[&str], d: &mut Diagnostics) -> Option<Table> {
    let text = read_input(path, name, d)?;
    let file = SourceFile::new(name, path, text);
    let text = file.text.as_str();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = rdr.records();
    let Some(Ok(header)) = records.next() else {
        d.push(
            Diagnostic::error("tracking-header", format!("{name} has no header row"))
                .in_file(&file, Some(0..0))
                .help(format!("the first row names the columns: {}", columns.join(","))),
        );
        return None;
    };
    let spans = field_spans(text, 0, header.len());
    let header: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut ok = true;
    if header.len() > MAX_COLUMNS {
        d.push(
            Diagnostic::error("tracking-header", format!("{name} has {} columns; at most {MAX_COLUMNS} are read", header.len()))
                .in_file(&file, Some(0..0)),
        );
        return None;
    }
    for (i, h) in header.iter().enumerate() {
        if let Some(what) = pupil_level(h) {
            ok = false;
            d.push(
                Diagnostic::error(
                    "tracking-pupil-level",
                    format!("{name}: the column `{h}` looks like pupil-level data ({what}); tracking takes counts only, so nothing was built"),
                )
                .in_file(&file, spans.get(i).cloned())
                .label("pupil-level column")
                .help("delete this column (and every other column about one pupil) from the export; apdir needs only the counts per school and term"),
            );
        }
    }
    let mut index = Vec::new();
    for c in columns {
        match header.iter().position(|h| h == c) {
            Some(i) => index.push(i),
            None => {
                ok = false;
                let help = did_you_mean(c, header.iter().map(String::as_str)).map(|s| format!("; `{s}` is close: rename it")).unwrap_or_default();
                d.push(
                    Diagnostic::error("tracking-header", format!("{name} has no `{c}` column"))
                        .in_file(&file, Some(0..0))
                        .label("header row")
                        .help(format!("the columns are: {}{help}", columns.join(","))),
                );
            }
        }
    }
    if !ok {
        return None;
    }
    let mut rows = Vec::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let byte = e.position().map_or(text.len(), |p| p.byte() as usize).min(text.len());
                d.push(
                    Diagnostic::error("tracking-row", format!("cannot read the row: {e}"))
                        .in_file(&file, Some(byte..byte))
                        .help("save the sheet as CSV (UTF-8)"),
                );
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            d.push(Diagnostic::error("tracking-row", format!("{name} has more than {MAX_ROWS} rows; the rest were not read")).in_file(&file, None));
            break;
        }
        let mut start = rec.position().map_or(text.len(), |p| p.byte() as usize).min(text.len());
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let spans = field_spans(text, start, rec.len());
        let cells = rec.iter().enumerate().map(|(i, c)| (c.trim().to_string(), spans.get(i).cloned().unwrap_or(start..start))).collect();
        rows.push(Row { cells, start });
    }
    Some(Table { file, index, rows })
}

/// The byte ranges of the first `n` fields of the record starting at `start` (quotes included).
fn field_spans(text: &str, start: usize, n: usize) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(n.min(MAX_COLUMNS));
    let mut i = start;
    while out.len() < n.min(MAX_COLUMNS) {
        let s = i;
        if b.get(i) == Some(&b'"') {
            i += 1;
            while i < b.len() {
                if b[i] == b'"' {
                    if b.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        while i < b.len() && !matches!(b[i], b',' | b'\n' | b'\r') {
            i += 1;
        }
        out.push(s..i);
        if b.get(i) != Some(&b',') {
            break;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pupil_level_headers() {
        for h in ["UPN", "Date of Birth", "date_of_birth", "DOB", "Forename", "Surname", "Name", "Address", "Postcode"] {
            assert!(pupil_level(h).is_some(), "{h}");
        }
        for h in ["school", "urn", "suspensions", "district", "term"] {
            assert!(pupil_level(h).is_none(), "{h}");
        }
    }

    #[test]
    fn spans() {
        let t = "a,\"b,\"\"c\",d\n";
        assert_eq!(field_spans(t, 0, 3), vec![0..1, 2..9, 10..11]);
    }
}
