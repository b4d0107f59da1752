//! Reading the sheet: its headers mapped to columns, each row's cells parsed into a
//! provider's fields, a location and internal fields, and the rows of one provider gathered
//! into one record (as TOML text).

use std::collections::HashMap;

use super::RowProblem;
use crate::diagnostics::did_you_mean;
use crate::export::table::{self, Column, Kind, Scope};
use crate::model::date::Date;
use crate::model::spreadsheet::{looks_like_formula, restore_cell};

/// One provider gathered from its rows.
struct Gathered {
    id: String,
    first_row: usize,
    /// Provider-level cells as first seen, for comparing later rows.
    cells: Vec<(usize, String)>,
    record: toml::Table,
    locations: Vec<toml::Table>,
    internal: toml::Table,
    bad: bool,
}

pub(super) fn normalise_header(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses a date as written in a sheet: `2026-01-14` or `14/01/2026`.
pub fn parse_date(s: &str) -> Option<Date> {
    if let Some(d) = Date::parse(s) {
        return Some(d);
    }
    let parts: Vec<&str> = s.split('/').collect();
    if let [d, m, y] = parts.as_slice()
        && y.len() == 4
    {
        return Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    None
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(';').map(|x| x.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|x| !x.is_empty()).collect()
}

/// A cell as a TOML value of the column's kind.
pub fn parse_cell(text: &str, kind: Kind) -> Result<toml::Value, String> {
    use toml::Value as V;
    Ok(match kind {
        Kind::Text | Kind::Derived => V::String(text.to_string()),
        Kind::Number => {
            let t: String = text.chars().filter(|c| !matches!(c, '£' | ',' | ' ')).collect();
            V::Float(t.parse::<f64>().map_err(|_| format!("`{text}` is not a number"))?)
        }
        Kind::Integer => V::Integer(text.parse::<i64>().map_err(|_| format!("`{text}` is not a whole number"))?),
        Kind::Bool => V::Boolean(parse_bool(text).ok_or_else(|| format!("`{text}` is not yes or no (write true/false or yes/no)"))?),
        Kind::Date => {
            let d = parse_date(text).ok_or_else(|| format!("`{text}` is not a date; write dates as YYYY-MM-DD (or DD/MM/YYYY)"))?;
            V::Datetime(d.iso().parse().map_err(|_| format!("`{text}` is not a date"))?)
        }
        Kind::List => V::Array(list(text).into_iter().map(V::String).collect()),
        Kind::IntList => V::Array(
            text.split([';', ','])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| x.parse::<i64>().map(V::Integer).map_err(|_| format!("`{x}` is not a whole number")))
                .collect::<Result<_, _>>()?,
        ),
        Kind::Identifiers => V::Array(
            list(text)
                .into_iter()
                .map(|i| {
                    let (scheme, id) = i.split_once(':').ok_or_else(|| format!("`{i}` is not SCHEME:id (for example GB-COH:01234567)"))?;
                    let mut t = toml::Table::new();
                    t.insert("scheme".into(), V::String(scheme.trim().into()));
                    t.insert("id".into(), V::String(id.trim().into()));
                    Ok(V::Table(t))
                })
                .collect::<Result<_, String>>()?,
        ),
        Kind::Counts => V::Table(
            list(text)
                .into_iter()
                .map(|pair| {
                    let (key, n) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not KEY=number (for example tier2=4; tier3=6)"))?;
                    let n = n.trim().parse::<i64>().map_err(|_| format!("`{}` is not a whole number", n.trim()))?;
                    Ok((key.trim().to_string(), V::Integer(n)))
                })
                .collect::<Result<_, String>>()?,
        ),
        Kind::Schedule => V::Array(
            list(text)
                .into_iter()
                .map(|s| {
                    let mut words: Vec<&str> = s.split_whitespace().collect();
                    let times = words.pop().unwrap_or("");
                    let (opens, closes) =
                        times.split_once('-').ok_or_else(|| format!("`{s}` is not days and times, for example MO TU 09:00-15:00"))?;
                    let mut t = toml::Table::new();
                    t.insert("days".into(), V::Array(words.iter().map(|d| V::String(d.to_ascii_uppercase())).collect()));
                    t.insert("opens".into(), V::String(opens.trim().into()));
                    t.insert("closes".into(), V::String(closes.trim().into()));
                    Ok(V::Table(t))
                })
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// Sets `path` (dotted) in `t`, creating tables on the way.
fn set(t: &mut toml::Table, path: &str, v: toml::Value) {
    let mut cur = t;
    let segs: Vec<&str> = path.split('.').collect();
    for seg in &segs[..segs.len() - 1] {
        cur = cur
            .entry(seg.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("a column path runs through tables");
    }
    cur.insert(segs[segs.len() - 1].to_string(), v);
}

/// The longest provider id a sheet may give (it becomes a file name, and file systems allow
/// 255 bytes).
const MAX_ID_BYTES: usize = 100;

/// Reads the sheet into records, with the problems found. Public for tests.
pub fn read_sheet(text: &str, mapping: &HashMap<String, String>) -> (Vec<(String, usize, String)>, Vec<RowProblem>) {
    let mut problems = Vec::new();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut rows = rdr.records();
    let header_newlines;
    let header: Vec<String> = match rows.next() {
        Some(Ok(h)) => {
            header_newlines = h.iter().map(|c| c.matches('\n').count()).sum::<usize>();
            h.iter().map(normalise_header).collect()
        }
        _ => {
            problems.push(RowProblem { warning: false, row: 1, column: String::new(), reason: "the sheet has no header row".into() });
            return (Vec::new(), problems);
        }
    };
    let Some(cols) = header_columns(&header, mapping, &mut problems) else { return (Vec::new(), problems) };
    let sheet = Sheet { header: &header, cols: &cols };
    let mut groups = Groups::default();
    let mut seen_rows: HashMap<Vec<String>, usize> = HashMap::new();
    // The spreadsheet row: the csv reader skips empty lines (and its line count skips them
    // too), so count line breaks up to each record's first byte, less those inside cells.
    let mut inner_newlines = header_newlines;
    let mut row;
    for rec in rows {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let byte = e.position().map_or(text.len(), |p| p.byte() as usize).min(text.len());
                row = 1 + text[..byte].matches('\n').count().saturating_sub(inner_newlines);
                problems.push(RowProblem { warning: false, row, column: String::new(), reason: format!("cannot read the row: {e}") });
                continue;
            }
        };
        let mut byte = rec.position().map_or(text.len(), |p| p.byte() as usize).min(text.len());
        // The reported start can be an empty line the reader then skipped.
        while text.as_bytes().get(byte) == Some(&b'\n') {
            byte += 1;
        }
        row = 1 + text[..byte].matches('\n').count().saturating_sub(inner_newlines);
        inner_newlines += rec.iter().map(|c| c.matches('\n').count()).sum::<usize>();
        // A cell apdir's own export neutralised (`'=…`) is restored before trimming, so that
        // trimming can never turn a tab-prefixed cell into one that starts a formula unseen.
        let cells: Vec<String> = rec.iter().map(|c| restore_cell(c.trim()).trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if let Some(first) = seen_rows.get(&cells) {
            problems.push(RowProblem {
                warning: false,
                row,
                column: String::new(),
                reason: format!("repeats row {first} exactly, so it was skipped"),
            });
            continue;
        }
        seen_rows.insert(cells.clone(), row);
        if let Some(r) = sheet.read_row(row, &cells, &mut problems) {
            groups.add(r, &header, &mut problems);
        }
    }
    let out = groups.list.into_iter().filter(|g| !g.bad).map(provider_file).collect();
    (out, problems)
}

/// Maps the sheet's headers to the columns apdir knows (through `mapping`); None, with a
/// problem, when no column gives the provider's name.
fn header_columns(header: &[String], mapping: &HashMap<String, String>, problems: &mut Vec<RowProblem>) -> Option<Vec<Option<Column>>> {
    let known: Vec<String> = table::columns(1, crate::site::Profile::Internal).into_iter().map(|c| c.name).collect();
    let mut cols: Vec<Option<Column>> = Vec::new();
    for h in header {
        let name = mapping.get(h).cloned().unwrap_or_else(|| h.clone());
        if name.is_empty() {
            cols.push(None);
            continue;
        }
        match table::column(&name) {
            Some(c) => cols.push(Some(c)),
            None => {
                let help = did_you_mean(&name, known.iter().map(String::as_str)).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                problems.push(RowProblem {
                    warning: false,
                    row: 1,
                    column: h.clone(),
                    reason: format!("not a column apdir knows, so it was ignored{help} (map it in a mapping file)"),
                });
                cols.push(None);
            }
        }
    }
    if !cols.iter().flatten().any(|c| c.name == "name") {
        problems.push(RowProblem {
            warning: false,
            row: 1,
            column: String::new(),
            reason: "the sheet has no `name` column (map your provider-name column to `name`)".into(),
        });
        return None;
    }
    Some(cols)
}

/// The sheet's headers and the column each stands for (None: ignored).
struct Sheet<'a> {
    header: &'a [String],
    cols: &'a [Option<Column>],
}

/// What one row gives: its provider's id, the provider's fields, one location and the
/// internal fields; whether a cell could not be read.
struct RowRecord {
    row: usize,
    id: String,
    /// Provider-level cells, for comparing with the provider's other rows.
    provider_cells: Vec<(usize, String)>,
    record: toml::Table,
    location: toml::Table,
    internal: toml::Table,
    bad: bool,
}

impl Sheet<'_> {
    /// Reads one row's cells into fields; None, with a problem, when the row has no usable id.
    fn read_row(&self, row: usize, cells: &[String], problems: &mut Vec<RowProblem>) -> Option<RowRecord> {
        let cell_of = |name: &str| -> String {
            self.cols.iter().position(|c| c.as_ref().is_some_and(|c| c.name == name)).and_then(|i| cells.get(i).cloned()).unwrap_or_default()
        };
        let name = cell_of("name");
        let mut id = cell_of("id");
        if id.is_empty() {
            if name.is_empty() {
                problems.push(RowProblem { warning: false, row, column: "name".into(), reason: "the row has no provider name or id".into() });
                return None;
            }
            id = crate::model::slug::slugify(&name);
        }
        if id.len() > MAX_ID_BYTES {
            problems.push(RowProblem {
                warning: false,
                row,
                column: "id".into(),
                reason: format!("the id is {} characters long; ids may be at most {MAX_ID_BYTES} (give the row a shorter `id`)", id.chars().count()),
            });
            return None;
        }
        let mut r = RowRecord {
            row,
            id,
            provider_cells: Vec::new(),
            record: toml::Table::new(),
            location: toml::Table::new(),
            internal: toml::Table::new(),
            bad: false,
        };
        for (ci, col) in self.cols.iter().enumerate() {
            let Some(col) = col else { continue };
            self.read_cell(&mut r, ci, col, cells.get(ci).map(String::as_str).unwrap_or(""), problems);
        }
        r.record.insert("id".into(), toml::Value::String(r.id.clone()));
        Some(r)
    }

    /// Reads the cell of column `ci` into the row's fields.
    fn read_cell(&self, r: &mut RowRecord, ci: usize, col: &Column, text: &str, problems: &mut Vec<RowProblem>) {
        let row = r.row;
        if looks_like_formula(text) && !matches!(col.kind, Kind::Number | Kind::Integer) {
            problems.push(RowProblem {
                warning: true,
                row,
                column: self.header[ci].clone(),
                reason: "starts like a spreadsheet formula; it is imported as text, and apdir's CSV downloads write it with a leading `'` so no spreadsheet runs it".into(),
            });
        }
        if matches!(col.scope, Scope::Provider | Scope::Cost | Scope::Internal) {
            r.provider_cells.push((ci, text.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        if text.is_empty() || col.kind == Kind::Derived {
            return;
        }
        let value = match parse_cell(text, col.kind) {
            Ok(v) => v,
            Err(reason) => {
                problems.push(RowProblem { warning: false, row, column: self.header[ci].clone(), reason });
                r.bad = true;
                return;
            }
        };
        match col.scope {
            Scope::Provider | Scope::Cost => set(&mut r.record, &col.name, value),
            Scope::Location => set(&mut r.location, &col.name["location.".len()..], value),
            Scope::Internal => set(&mut r.internal, &col.name["internal.".len()..], value),
        }
    }
}

/// The providers read so far, in the order of their first rows.
#[derive(Default)]
struct Groups {
    list: Vec<Gathered>,
    by_id: HashMap<String, usize>,
}

impl Groups {
    /// Adds a row: a new provider, or another location of one already read (whose provider
    /// cells must then be the same as on its first row).
    fn add(&mut self, r: RowRecord, header: &[String], problems: &mut Vec<RowProblem>) {
        let Some(&g) = self.by_id.get(&r.id) else {
            self.by_id.insert(r.id.clone(), self.list.len());
            self.list.push(Gathered {
                id: r.id,
                first_row: r.row,
                cells: r.provider_cells,
                record: r.record,
                locations: if r.location.is_empty() { vec![] } else { vec![r.location] },
                internal: r.internal,
                bad: r.bad,
            });
            return;
        };
        let first = &self.list[g];
        if let Some((ci, _)) = r.provider_cells.iter().zip(&first.cells).find(|(a, b)| a != b).map(|(a, _)| a) {
            problems.push(RowProblem {
                warning: false,
                row: r.row,
                column: header[*ci].clone(),
                reason: format!(
                    "differs from row {} for the same provider `{}`; a provider's details must be the same on each of its rows",
                    first.first_row, r.id
                ),
            });
            self.list[g].bad = true;
            return;
        }
        if !r.location.is_empty() {
            self.list[g].locations.push(r.location);
        }
        self.list[g].bad |= r.bad;
    }
}

/// A provider's record as the text of its file: (id, first row, TOML).
fn provider_file(g: Gathered) -> (String, usize, String) {
    let mut record = g.record;
    // Costs were gathered as a table keyed 1, 2, ...: make them an array.
    if let Some(toml::Value::Table(costs)) = record.remove("costs") {
        let mut numbered: Vec<(usize, toml::Value)> = costs.into_iter().filter_map(|(k, v)| k.parse().ok().map(|n| (n, v))).collect();
        numbered.sort_by_key(|(n, _)| *n);
        record.insert("costs".into(), toml::Value::Array(numbered.into_iter().map(|(_, v)| v).collect()));
    }
    record.entry("schema_version").or_insert(toml::Value::Integer(crate::model::provider::SCHEMA_VERSION as i64));
    record.insert("locations".into(), toml::Value::Array(g.locations.into_iter().map(toml::Value::Table).collect()));
    if !g.internal.is_empty() {
        record.insert("internal".into(), toml::Value::Table(g.internal));
    }
    (g.id, g.first_row, toml::to_string(&record).unwrap_or_default())
}
