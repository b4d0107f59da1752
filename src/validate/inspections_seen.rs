//! The newest inspection `apdir inspections` has seen in a public extract for each URN a
//! record holds, kept beside the inputs in `data/inspections-seen.csv`, so that every later
//! `apdir build` and `apdir check` warns about a record whose `[inspection]` is older
//! (`inspection-newer-in-extract`, docs/inspections.md). The file is small (one row per URN
//! the records hold, not the 60 MB extract) and bounded when read: 8 MB, [`MAX_ROWS`] rows.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::model::date::Date;

/// Where the file lives, relative to the site folder.
pub const PATH: &str = "data/inspections-seen.csv";
/// Its header row.
pub const HEADER: &str = "urn,last_inspection,extract,line";
/// Rows read at most (a URN each; far more than any authority's records).
pub const MAX_ROWS: usize = 100_000;

/// The newest inspection an extract showed for one URN.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    /// The inspection's start date.
    pub date: Date,
    /// The extract's file name (no folder), as the user downloaded it.
    pub extract: String,
    /// The extract's line for this URN.
    pub line: usize,
}

/// Every URN's newest inspection seen in an extract.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InspectionsSeen {
    pub by_urn: BTreeMap<String, Seen>,
}

impl InspectionsSeen {
    /// Reads `root/data/inspections-seen.csv`; empty when there is none. Bad rows are errors
    /// at their `file:line:col`, and are left out.
    pub fn read(root: &Path) -> (InspectionsSeen, Vec<Diagnostic>) {
        let path = root.join(PATH);
        match std::fs::symlink_metadata(&path) {
            Err(_) => return (InspectionsSeen::default(), Vec::new()),
            Ok(m) if m.file_type().is_symlink() => return (InspectionsSeen::default(), vec![crate::load::link_skipped(PATH)]),
            Ok(_) => {}
        }
        match crate::load::read_text(&path, PATH) {
            Ok(text) => InspectionsSeen::parse(&SourceFile::new(PATH, path, text)),
            Err(d) => (InspectionsSeen::default(), vec![d]),
        }
    }

    /// Parses the file's text (see [`HEADER`]).
    pub fn parse(file: &Arc<SourceFile>) -> (InspectionsSeen, Vec<Diagnostic>) {
        let mut seen = InspectionsSeen::default();
        let mut problems = Vec::new();
        let bad = |at: usize, len: usize, msg: String| {
            Diagnostic::error("inspections-seen", msg)
                .in_file(file, Some(at..at + len))
                .label("here")
                .help(format!("this file is written by `apdir inspections`: run it again on the extract, or delete {PATH}"))
        };
        let mut offset = 0;
        for (i, line) in file.text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let line = line.trim_end_matches(['\n', '\r']);
            if i == 0 {
                if line.trim() != HEADER {
                    problems.push(bad(start, line.len(), format!("the first row must be `{HEADER}`")));
                    return (seen, problems);
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            if i > MAX_ROWS {
                problems.push(bad(start, 0, format!("more than {MAX_ROWS} rows; the rest were not read")));
                break;
            }
            let cells: Vec<&str> = line.splitn(4, ',').collect();
            let (urn, date, extract, at) = match cells[..] {
                [u, d, e, l] => (u.trim(), d.trim(), e.trim(), l.trim()),
                _ => {
                    problems.push(bad(start, line.len(), "a row needs four cells: urn, last_inspection, extract, line".into()));
                    continue;
                }
            };
            let date_at = start + cells[0].len() + 1;
            let Some(date) = Date::parse(date) else {
                problems.push(bad(date_at, cells[1].len(), format!("`{date}` is not a date (YYYY-MM-DD)")));
                continue;
            };
            if urn.is_empty() || !urn.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(bad(start, cells[0].len(), format!("`{urn}` is not a URN")));
                continue;
            }
            let line_no = at.parse().unwrap_or(0);
            seen.note(urn, Seen { date, extract: extract.to_string(), line: line_no });
        }
        (seen, problems)
    }

    /// Keeps `new` for `urn` unless an inspection already kept is later.
    pub fn note(&mut self, urn: &str, new: Seen) {
        match self.by_urn.get(urn) {
            Some(old) if old.date > new.date => {}
            _ => {
                self.by_urn.insert(urn.to_string(), new);
            }
        }
    }

    /// The file's text, one row per URN in URN order.
    pub fn text(&self) -> String {
        let mut s = format!("{HEADER}\n");
        for (urn, seen) in &self.by_urn {
            let name: String = seen.extract.chars().map(|c| if c == ',' || c.is_control() { ' ' } else { c }).collect();
            s.push_str(&format!("{urn},{},{name},{}\n", seen.date.iso(), seen.line));
        }
        s
    }
}
