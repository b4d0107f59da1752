//! Reading the public extracts: which file it is (by its header row) and what each row says
//! about one establishment. Every bad row is reported at its line and column, all at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::model::date::Date;
use crate::model::vocab::{EvaluationArea, LegacyGrade, MetOrNotMet, ReportCardGrade};

/// Larger than any extract published today (the GIAS establishment file is about 60 MB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// More rows than there are establishments in England, open and closed (about 52,000 in GIAS).
pub const MAX_ROWS: usize = 250_000;
/// The longest row of a real extract is a few kilobytes.
pub const MAX_ROW_BYTES: usize = 64 * 1024;
/// Bad rows reported before the rest are only counted.
const MAX_PROBLEMS: usize = 200;

/// Which published file the header row says this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// GIAS "all establishment data" (edubasealldataYYYYMMDD.csv).
    GiasEstablishments,
    /// GIAS "all establishment links" (links_edubasealldataYYYYMMDD.csv).
    GiasLinks,
    /// Ofsted management information, state-funded schools.
    OfstedStateFunded,
    /// Ofsted management information, non-association independent schools.
    OfstedIndependent,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::GiasEstablishments => "GIAS establishment extract",
            Kind::GiasLinks => "GIAS establishment links extract",
            Kind::OfstedStateFunded => "Ofsted inspection outcomes, state-funded schools",
            Kind::OfstedIndependent => "Ofsted inspection outcomes, independent schools",
        }
    }
}

/// What the extract says one inspection found.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A single-word judgement (before November 2025); `None` when none was given ("Not judged").
    Legacy(Option<LegacyGrade>),
    /// A report card (from November 2025).
    ReportCard { safeguarding: Option<MetOrNotMet>, grades: BTreeMap<String, ReportCardGrade> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Inspected {
    pub start: Date,
    pub published: Option<Date>,
    pub outcome: Outcome,
    pub link: Option<String>,
}

/// One row: what the extract says of the establishment with this URN.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub urn: String,
    /// 1-based line of the row in the file.
    pub line: usize,
    pub name: Option<String>,
    pub postcode: Option<String>,
    /// GIAS `EstablishmentStatus (name)` ("Open", "Closed", "Open, but proposed to close", …).
    pub status: Option<String>,
    pub close_date: Option<Date>,
    pub close_reason: Option<String>,
    /// A successor's URN (GIAS links, `LinkType` "Successor…").
    pub successor: Option<String>,
    pub inspection: Option<Inspected>,
}

pub struct Extract {
    pub kind: Kind,
    pub file: Arc<SourceFile>,
    pub rows: Vec<Row>,
}

/// Reads `path` and every row in it. Returns every problem found when any row is bad.
pub fn read(path: &Path, shown_as: &str) -> Result<Extract, Vec<Diagnostic>> {
    let fail = |msg: String| vec![Diagnostic::error("inspections-file", msg)];
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read {shown_as}: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!("{shown_as} is {} MB; apdir reads extracts up to {} MB", meta.len() >> 20, MAX_FILE_BYTES >> 20)));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read {shown_as}: {e}")))?;
    let file = SourceFile::new(shown_as, path, decode(bytes));
    parse(file)
}

/// GIAS files are Windows-1252; Ofsted's are UTF-8. A file that is not UTF-8 is read as
/// Windows-1252, which every byte sequence is.
pub fn decode(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s),
        Err(e) => e.into_bytes().iter().map(|&b| windows_1252(b)).collect(),
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—',
        '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// A header as the extracts write it, compared without case or doubled spaces.
fn norm(h: &str) -> String {
    h.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Column positions by normalised header.
struct Columns(Vec<String>);

impl Columns {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.0.iter().position(|h| *h == norm(n)))
    }
    fn has(&self, name: &str) -> bool {
        self.find(&[name]).is_some()
    }
}

fn kind_of(cols: &Columns) -> Option<Kind> {
    if !cols.has("URN") {
        return None;
    }
    if cols.has("EstablishmentName") && cols.has("EstablishmentStatus (name)") {
        return Some(Kind::GiasEstablishments);
    }
    if cols.has("LinkURN") && cols.has("LinkType") {
        return Some(Kind::GiasLinks);
    }
    if cols.has("School name") {
        let independent = cols.0.iter().any(|h| h.contains("standard inspection") || h.contains("compliance with iss"));
        return Some(if independent { Kind::OfstedIndependent } else { Kind::OfstedStateFunded });
    }
    None
}

/// Where a row's problem is: the row's line, and its column when the cell is known.
struct Problems<'a> {
    file: &'a Arc<SourceFile>,
    out: Vec<Diagnostic>,
    more: usize,
}

impl Problems<'_> {
    fn push(&mut self, at: usize, message: String, help: &str) {
        if self.out.len() >= MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        let span = Some(at..(at + 1).min(self.file.text.len()).max(at));
        self.out.push(Diagnostic::error("inspections-row", message).in_file(self.file, span).label("here").help(help));
    }
}

fn parse(file: Arc<SourceFile>) -> Result<Extract, Vec<Diagnostic>> {
    let text = file.text.as_str();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return Err(vec![Diagnostic::error("inspections-file", format!("{} has no header row", file.name)).in_file(&file, Some(0..0))]),
    };
    let cols = Columns(header.iter().map(norm).collect());
    let Some(kind) = kind_of(&cols) else {
        return Err(vec![
            Diagnostic::error("inspections-file", format!("{} is not an extract apdir knows", file.name))
                .in_file(&file, Some(0..0))
                .label("this header row")
                .help("download the GIAS establishment (or links) CSV, or Ofsted's inspection outcomes CSV for state-funded or independent schools; docs/inspections.md lists the columns read"),
        ]);
    };
    let mut problems = Problems { file: &file, out: Vec::new(), more: 0 };
    let reading = Reading::new(kind, &cols);
    let mut rows = Vec::new();
    for (n, record) in records.enumerate() {
        if n >= MAX_ROWS {
            problems.push(
                text.len(),
                format!("the file has more than {MAX_ROWS} rows; apdir stops reading there"),
                "split the file, or keep only the rows of your authority",
            );
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let at = row_start(text, e.position()).0;
                problems.push(at, format!("this row cannot be read: {e}"), "save the file again as CSV from the download, without editing it");
                continue;
            }
        };
        let (start, line) = row_start(text, record.position());
        if record.as_slice().len() > MAX_ROW_BYTES {
            problems.push(
                start,
                format!("this row is longer than {} KB", MAX_ROW_BYTES / 1024),
                "a row of a real extract is a few kilobytes: check the file is the download itself",
            );
            continue;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if let Some(row) = reading.row(&record, line, |i, msg, help| problems.push(cell_offset(text, start, i), msg, help)) {
            rows.push(row);
        }
    }
    if problems.more > 0 {
        let n = problems.more;
        problems.out.push(Diagnostic::error("inspections-row", format!("and {n} more bad rows")).in_file(&file, None));
    }
    if problems.out.is_empty() { Ok(Extract { kind, rows, file: file.clone() }) } else { Err(problems.out) }
}

/// The byte offset and line where a record starts: the reader reports the end of the one
/// before (ahead of its line break).
fn row_start(text: &str, at: Option<&csv::Position>) -> (usize, usize) {
    let (mut start, mut line) = at.map(|p| (p.byte() as usize, p.line() as usize)).unwrap_or((0, 1));
    while let Some(&b) = text.as_bytes().get(start)
        && (b == b'\r' || b == b'\n')
    {
        line += usize::from(b == b'\n');
        start += 1;
    }
    (start, line)
}

/// The byte offset of cell `index` of the row starting at `start` (quotes respected).
fn cell_offset(text: &str, start: usize, index: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut cell, mut quoted) = (start, 0, false);
    while i < bytes.len() && cell < index {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b',' if !quoted => cell += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The columns one kind of file is read from.
struct Reading {
    kind: Kind,
    urn: Option<usize>,
    name: Option<usize>,
    postcode: Option<usize>,
    status: Option<usize>,
    close_date: Option<usize>,
    close_reason: Option<usize>,
    link_urn: Option<usize>,
    link_type: Option<usize>,
    /// Report card (from November 2025): its start date and areas.
    card_start: Option<usize>,
    card_published: Option<usize>,
    card_safeguarding: Option<usize>,
    card_areas: Vec<(usize, &'static str)>,
    /// The last graded inspection under the earlier framework.
    legacy_start: Option<usize>,
    legacy_published: Option<usize>,
    legacy_grade: Option<usize>,
    link: Option<usize>,
}

/// Report card areas as Ofsted's extracts head them, and apdir's key for each.
const CARD_AREAS: &[(&str, EvaluationArea)] = &[
    ("Inclusion", EvaluationArea::Inclusion),
    ("Curriculum and teaching", EvaluationArea::CurriculumAndTeaching),
    ("Achievement", EvaluationArea::Achievement),
    ("Attendance and behaviour", EvaluationArea::AttendanceAndBehaviour),
    ("Personal development and wellbeing", EvaluationArea::PersonalDevelopment),
    ("Leadership and governance", EvaluationArea::LeadershipAndGovernance),
    ("Early years (where applicable)", EvaluationArea::EarlyYears),
    ("Post-16 provision (where applicable)", EvaluationArea::SixthForm),
];

impl Reading {
    fn new(kind: Kind, c: &Columns) -> Reading {
        let ofsted = matches!(kind, Kind::OfstedStateFunded | Kind::OfstedIndependent);
        let card_safeguarding = if ofsted { c.find(&["Safeguarding standards"]) } else { None };
        let has_card = card_safeguarding.is_some();
        Reading {
            kind,
            urn: c.find(&["URN"]),
            name: c.find(&["EstablishmentName", "School name"]),
            postcode: c.find(&["Postcode"]),
            status: c.find(&["EstablishmentStatus (name)"]),
            close_date: c.find(&["CloseDate"]),
            close_reason: c.find(&["ReasonEstablishmentClosed (name)"]),
            link_urn: c.find(&["LinkURN"]),
            link_type: c.find(&["LinkType"]),
            card_start: if has_card { c.find(&["Inspection start date"]) } else { None },
            card_published: if has_card { c.find(&["Publication date"]) } else { None },
            card_safeguarding,
            card_areas: if has_card { CARD_AREAS.iter().filter_map(|(h, a)| c.find(&[h]).map(|i| (i, area_key(a)))).collect() } else { Vec::new() },
            legacy_start: if !ofsted {
                None
            } else if has_card {
                c.find(&["Inspection start date of latest OEIF graded inspection", "Inspection start date of latest OEIF standard inspection"])
            } else {
                c.find(&[
                    "Inspection start date of latest OEIF graded inspection",
                    "Inspection start date of latest OEIF standard inspection",
                    "Inspection start date",
                ])
            },
            legacy_published: if !ofsted {
                None
            } else {
                c.find(&[
                    "Publication date of latest OEIF graded inspection",
                    "Publication date of latest OEIF standard inspection",
                    if has_card { "-" } else { "Publication date" },
                ])
            },
            legacy_grade: if ofsted {
                c.find(&["Latest OEIF overall effectiveness", if has_card { "-" } else { "Overall effectiveness" }])
            } else {
                None
            },
            link: if ofsted { c.find(&["Web link", "Web link (opens in new window)"]) } else { None },
        }
    }

    /// Reads one row; `bad(cell, message, help)` records a problem.
    fn row(&self, r: &csv::StringRecord, line: usize, mut bad: impl FnMut(usize, String, &str)) -> Option<Row> {
        let cell = |i: Option<usize>| i.and_then(|i| r.get(i)).map(str::trim).filter(|s| !s.is_empty() && !matches!(*s, "NULL" | "Not applicable"));
        let Some(urn) = cell(self.urn) else {
            bad(self.urn.unwrap_or(0), "this row has no URN".into(), "every row of the extract starts with the establishment's URN");
            return None;
        };
        if !(5..=7).contains(&urn.len()) || !urn.bytes().all(|b| b.is_ascii_digit()) {
            bad(self.urn.unwrap_or(0), format!("`{urn}` is not a URN"), "a URN is 6 or 7 digits");
            return None;
        }
        let mut date = |i: Option<usize>, what: &str| -> Option<Date> {
            let text = cell(i)?;
            let d = extract_date(text);
            if d.is_none() {
                bad(i.unwrap_or(0), format!("`{text}` is not a date ({what})"), "the extracts write dates as DD/MM/YYYY or DD-MM-YYYY");
            }
            d
        };
        let mut row = Row {
            urn: urn.to_string(),
            line,
            name: cell(self.name).map(str::to_string),
            postcode: cell(self.postcode).map(str::to_string),
            status: cell(self.status).map(str::to_string),
            close_date: date(self.close_date, "CloseDate"),
            close_reason: cell(self.close_reason).map(str::to_string),
            ..Row::default()
        };
        if self.kind == Kind::GiasLinks {
            let successor = cell(self.link_type).is_some_and(|t| t.to_lowercase().starts_with("successor"));
            if successor {
                row.successor = cell(self.link_urn).map(str::to_string);
            }
        }
        let card_start = date(self.card_start, "Inspection start date");
        let legacy_start = date(self.legacy_start, "inspection start date");
        let card_published = date(self.card_published, "Publication date");
        let legacy_published = date(self.legacy_published, "publication date");
        let link = cell(self.link).map(str::to_string);
        if let Some(start) = card_start {
            let mut grades = BTreeMap::new();
            for &(i, key) in &self.card_areas {
                if let Some(text) = cell(Some(i)) {
                    match card_grade(text) {
                        Some(g) => {
                            grades.insert(key.to_string(), g);
                        }
                        None => bad(
                            i,
                            format!("`{text}` is not a report card grade"),
                            "the grades are Exceptional, Strong standard, Expected standard, Needs attention, Urgent improvement",
                        ),
                    }
                }
            }
            let safeguarding = cell(self.card_safeguarding).and_then(|t| match t.to_lowercase().as_str() {
                "met" => Some(MetOrNotMet::Met),
                "not met" => Some(MetOrNotMet::NotMet),
                _ => {
                    bad(self.card_safeguarding.unwrap_or(0), format!("`{t}` is not Met or Not met"), "the safeguarding standards are Met or Not met");
                    None
                }
            });
            row.inspection = Some(Inspected { start, published: card_published, outcome: Outcome::ReportCard { safeguarding, grades }, link });
        } else if let Some(start) = legacy_start {
            let grade = match cell(self.legacy_grade) {
                None => None,
                Some(t) => match legacy_grade(t) {
                    Ok(g) => g,
                    Err(()) => {
                        bad(
                            self.legacy_grade.unwrap_or(0),
                            format!("`{t}` is not an overall effectiveness grade"),
                            "the grades are 1 to 4 (Outstanding to Inadequate), or Not judged",
                        );
                        None
                    }
                },
            };
            row.inspection = Some(Inspected { start, published: legacy_published, outcome: Outcome::Legacy(grade), link });
        }
        Some(row)
    }
}

fn area_key(a: &EvaluationArea) -> &'static str {
    EvaluationArea::KEYS[EvaluationArea::ALL.iter().position(|x| x == a).unwrap_or(0)]
}

/// DD/MM/YYYY (Ofsted), DD-MM-YYYY (GIAS) or YYYY-MM-DD.
pub fn extract_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let s = s.split_whitespace().next()?;
    if let Some(d) = Date::parse(s) {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '-']).collect();
    let [d, m, y] = parts[..] else { return None };
    Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn card_grade(s: &str) -> Option<ReportCardGrade> {
    let key = s.trim().to_lowercase().replace(' ', "_");
    let g = ReportCardGrade::from_key(&key);
    g.is_known().then_some(g)
}

/// `Ok(None)` for an inspection with no overall grade ("Not judged", 9).
fn legacy_grade(s: &str) -> Result<Option<LegacyGrade>, ()> {
    let g = match s.trim().to_lowercase().as_str() {
        "1" | "outstanding" => LegacyGrade::Outstanding,
        "2" | "good" => LegacyGrade::Good,
        "3" | "requires improvement" | "satisfactory" => LegacyGrade::RequiresImprovement,
        "4" | "inadequate" => LegacyGrade::Inadequate,
        "9" | "not judged" => return Ok(None),
        _ => return Err(()),
    };
    Ok(Some(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_each_extracts_style() {
        let want = Date::from_ymd(2025, 3, 7);
        assert_eq!(extract_date("07/03/2025"), want);
        assert_eq!(extract_date("07-03-2025"), want);
        assert_eq!(extract_date("2025-03-07"), want);
        assert_eq!(extract_date("7/3/2025 00:00"), want);
        assert_eq!(extract_date("March"), None);
    }

    #[test]
    fn windows_1252_is_read_when_the_file_is_not_utf8() {
        assert_eq!(decode(b"St Aidan\x92s".to_vec()), "St Aidan’s");
        assert_eq!(decode("\u{feff}URN".as_bytes().to_vec()), "URN");
    }

    #[test]
    fn the_cell_offset_respects_quotes() {
        let t = "a,b\n\"x,y\",z,w\n";
        assert_eq!(&t[cell_offset(t, 4, 1)..cell_offset(t, 4, 1) + 1], "z");
    }
}
