//! School figures per term (`tracking/schools.csv`): counts only, one row per school and term.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::table;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// The columns of `schools.csv`, in this order in [`SchoolTerm`].
pub const COLUMNS: &[&str] = &[
    "urn",
    "school",
    "district",
    "term",
    "pupils_on_roll",
    "suspensions",
    "pupils_suspended",
    "permanent_exclusions",
    "part_time_timetables",
    "ehe_moves",
    "unexplained_leavers",
];

/// A school term: the academic year it starts in and which of the three terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Term {
    pub year: u16,
    /// 0 autumn, 1 spring, 2 summer.
    pub part: u8,
}

const PARTS: [&str; 3] = ["Autumn", "Spring", "Summer"];

impl Term {
    /// Reads `2025/26 Autumn` (also `2025-26 autumn`).
    pub fn parse(s: &str) -> Option<Term> {
        let (year, part) = s.trim().split_once(' ')?;
        let (a, b) = year.split_once(['/', '-'])?;
        let a: u16 = a.parse().ok().filter(|a| (2000..=2100).contains(a))?;
        let b: u16 = b.parse().ok()?;
        if b != (a + 1) % 100 {
            return None;
        }
        let part = PARTS.iter().position(|p| p.eq_ignore_ascii_case(part.trim()))? as u8;
        Some(Term { year: a, part })
    }
    /// `2025/26 Autumn`.
    pub fn label(self) -> String {
        format!("{}/{:02} {}", self.year, (self.year + 1) % 100, PARTS[self.part as usize])
    }
    /// `2025-26-autumn`, for addresses.
    pub fn slug(self) -> String {
        format!("{}-{:02}-{}", self.year, (self.year + 1) % 100, PARTS[self.part as usize].to_ascii_lowercase())
    }
}

/// One school's counts in one term.
#[derive(Clone, Debug, Serialize)]
pub struct SchoolTerm {
    pub urn: String,
    pub school: String,
    pub district: String,
    pub term: Term,
    pub pupils_on_roll: u64,
    pub suspensions: u64,
    pub pupils_suspended: u64,
    pub permanent_exclusions: u64,
    pub part_time_timetables: u64,
    pub ehe_moves: u64,
    pub unexplained_leavers: u64,
}

/// Reads the term from wanted column `col`, or reports it.
pub fn term_cell(t: &table::Table, row: &table::Row, col: usize, d: &mut Diagnostics) -> Option<Term> {
    let (text, span) = t.cell(row, col);
    let term = Term::parse(text);
    if term.is_none() {
        d.push(t.error(
            span,
            format!("`term` must be an academic year and term, not `{text}`"),
            "write e.g. `2025/26 Autumn` (Autumn, Spring or Summer)",
        ));
    }
    term
}

/// Every row of `path`, or `None` when the file is absent. Problems go to `d`.
pub fn load(path: &Path, name: &str, d: &mut Diagnostics) -> Option<Vec<SchoolTerm>> {
    let t = table::read(path, name, COLUMNS, d)?;
    let mut out = Vec::new();
    let mut seen: BTreeMap<(String, Term), usize> = BTreeMap::new();
    for row in &t.rows {
        let (urn, urn_span) = t.cell(row, 0);
        if urn.is_empty() || !urn.chars().all(|c| c.is_ascii_digit()) || urn.len() > 8 {
            d.push(t.error(
                urn_span.clone(),
                format!("`urn` must be the school's unique reference number, not `{urn}`"),
                "use the six-digit URN from Get Information about Schools",
            ));
            continue;
        }
        let school = t.cell(row, 1).0.to_string();
        let district = t.cell(row, 2).0.to_string();
        if school.is_empty() || district.is_empty() {
            d.push(t.error(row.start..row.start, "the row has no school name or no district", "fill in `school` and `district`"));
            continue;
        }
        let term = term_cell(&t, row, 3, d);
        let mut n = [0u64; 7];
        let mut ok = term.is_some();
        for (i, v) in n.iter_mut().enumerate() {
            match t.count(row, 4 + i, COLUMNS[4 + i], d) {
                Some(x) => *v = x,
                None => ok = false,
            }
        }
        let Some(term) = term.filter(|_| ok) else { continue };
        let [pupils_on_roll, suspensions, pupils_suspended, permanent_exclusions, part_time_timetables, ehe_moves, unexplained_leavers] = n;
        if pupils_suspended > suspensions {
            d.push(t.error(
                t.cell(row, 6).1,
                "more pupils suspended than suspensions",
                "each suspended pupil had at least one suspension: check the two columns",
            ));
            continue;
        }
        if seen.insert((urn.to_string(), term), row.start).is_some() {
            d.push(
                Diagnostic::error("tracking-duplicate", format!("school {urn} has two rows for {}", term.label()))
                    .in_file(&t.file, Some(urn_span))
                    .help("keep one row per school and term"),
            );
            continue;
        }
        out.push(SchoolTerm {
            urn: urn.to_string(),
            school,
            district,
            term,
            pupils_on_roll,
            suspensions,
            pupils_suspended,
            permanent_exclusions,
            part_time_timetables,
            ehe_moves,
            unexplained_leavers,
        });
    }
    out.sort_by(|a, b| (&a.urn, a.term).cmp(&(&b.urn, b.term)));
    Some(out)
}

/// Suspensions per 100 pupils on roll.
pub fn rate(suspensions: u64, roll: u64) -> Option<f64> {
    (roll > 0).then(|| suspensions as f64 * 100.0 / roll as f64)
}

/// A district's totals in one term: (suspensions, pupils on roll).
pub fn district_totals(rows: &[SchoolTerm]) -> BTreeMap<(String, Term), (u64, u64)> {
    let mut out: BTreeMap<(String, Term), (u64, u64)> = BTreeMap::new();
    for r in rows {
        let e = out.entry((r.district.clone(), r.term)).or_default();
        e.0 += r.suspensions;
        e.1 += r.pupils_on_roll;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms() {
        let t = Term::parse("2025/26 Autumn").unwrap();
        assert_eq!(t.label(), "2025/26 Autumn");
        assert_eq!(t.slug(), "2025-26-autumn");
        assert!(Term::parse("2025/26 spring").unwrap() > t);
        assert!(Term::parse("2025/27 Autumn").is_none() && Term::parse("Autumn").is_none());
    }
}
