//! `apdir import SHEET.csv`: turns a spreadsheet into provider records (`providers/<id>.toml`).
//!
//! The columns are the CSV export's (`export::table`); a mapping file renames other headers.
//! Rows of the same provider (same `id`, or the same name when there is no id column) are
//! its sites. Blank rows are skipped, cells trimmed, a byte-order mark dropped; a cell that
//! cannot be read is reported with its row, column and reason, and that provider is not
//! written. Every record is checked with the same validation as `apdir build` before it is
//! written, and an existing record is only replaced with `--force`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, did_you_mean};
use crate::export::table::{self, Column, Kind, Scope};
use crate::geo::Postcodes;
use crate::load::providers::LoadedProvider;
use crate::load::tomldoc::TomlDoc;
use crate::model::date::Date;
use crate::model::provider::Provider;
use crate::model::spreadsheet::{looks_like_formula, restore_cell};

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The site folder (holding apdir.toml and providers/).
    pub root: PathBuf,
    /// The spreadsheet, saved as CSV (UTF-8).
    pub csv: PathBuf,
    /// A TOML file whose `[columns]` table maps the sheet's headers to apdir's columns.
    pub mapping: Option<PathBuf>,
    /// Replace existing records.
    pub force: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
    pub today: Option<Date>,
}

/// A cell or row that could not be imported.
#[derive(Clone, Debug, PartialEq)]
pub struct RowProblem {
    /// A warning: the row is still imported.
    pub warning: bool,
    /// The spreadsheet row (the header is row 1).
    pub row: usize,
    /// The column header as written in the sheet (empty for the whole row).
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.warning {
            write!(f, "warning: ")?;
        }
        if self.column.is_empty() {
            write!(f, "row {}: {}", self.row, self.reason)
        } else {
            write!(f, "row {}, column `{}`: {}", self.row, self.column, self.reason)
        }
    }
}

#[derive(Debug, Default)]
pub struct ImportReport {
    /// Records written (or that would be, with `dry_run`).
    pub written: Vec<PathBuf>,
    pub problems: Vec<RowProblem>,
    /// What the core validation found in the records (errors mean the record was not written).
    pub diagnostics: Diagnostics,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.problems.iter().all(|p| p.warning) && !self.diagnostics.has_errors()
    }
}

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

fn usage(e: impl std::fmt::Display) -> Error {
    Error::Usage(e.to_string())
}

/// Reads the mapping file: `[columns] "Sheet header" = "apdir.column"` (an empty value
/// ignores the column).
fn read_mapping(path: &Path) -> Result<HashMap<String, String>, Error> {
    let text = crate::load::read_text(path, &path.display().to_string()).map_err(|d| usage(d.message))?;
    let v: toml::Table = toml::from_str(&text).map_err(|e| usage(format!("{}: {}", path.display(), e.message())))?;
    let cols = v.get("columns").and_then(|c| c.as_table()).ok_or_else(|| usage(format!("{}: no [columns] table", path.display())))?;
    let mut out = HashMap::new();
    for (k, v) in cols {
        let v = v.as_str().ok_or_else(|| usage(format!("{}: `{k}` must map to a column name in quotes", path.display())))?;
        out.insert(normalise_header(k), v.to_string());
    }
    Ok(out)
}

fn normalise_header(h: &str) -> String {
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
    // Map headers to columns.
    let known: Vec<String> = table::columns(1, crate::site::Profile::Internal).into_iter().map(|c| c.name).collect();
    let mut cols: Vec<Option<Column>> = Vec::new();
    for h in &header {
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
        return (Vec::new(), problems);
    }

    let mut groups: Vec<Gathered> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
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
        let cell_of = |name: &str| -> String {
            cols.iter().position(|c| c.as_ref().is_some_and(|c| c.name == name)).and_then(|i| cells.get(i).cloned()).unwrap_or_default()
        };
        let name = cell_of("name");
        let mut id = cell_of("id");
        if id.is_empty() {
            if name.is_empty() {
                problems.push(RowProblem { warning: false, row, column: "name".into(), reason: "the row has no provider name or id".into() });
                continue;
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
            continue;
        }
        let mut record = toml::Table::new();
        let mut location = toml::Table::new();
        let mut internal = toml::Table::new();
        let mut provider_cells = Vec::new();
        let mut bad = false;
        for (ci, col) in cols.iter().enumerate() {
            let Some(col) = col else { continue };
            let text = cells.get(ci).map(String::as_str).unwrap_or("");
            if looks_like_formula(text) && !matches!(col.kind, Kind::Number | Kind::Integer) {
                problems.push(RowProblem {
                    warning: true,
                    row,
                    column: header[ci].clone(),
                    reason: "starts like a spreadsheet formula; it is imported as text, and apdir's CSV downloads write it with a leading `'` so no spreadsheet runs it".into(),
                });
            }
            if matches!(col.scope, Scope::Provider | Scope::Cost | Scope::Internal) {
                provider_cells.push((ci, text.split_whitespace().collect::<Vec<_>>().join(" ")));
            }
            if text.is_empty() || col.kind == Kind::Derived {
                continue;
            }
            let value = match parse_cell(text, col.kind) {
                Ok(v) => v,
                Err(reason) => {
                    problems.push(RowProblem { warning: false, row, column: header[ci].clone(), reason });
                    bad = true;
                    continue;
                }
            };
            match col.scope {
                Scope::Provider | Scope::Cost => set(&mut record, &col.name, value),
                Scope::Location => set(&mut location, &col.name["location.".len()..], value),
                Scope::Internal => set(&mut internal, &col.name["internal.".len()..], value),
            }
        }
        record.insert("id".into(), toml::Value::String(id.clone()));
        match by_id.get(&id) {
            Some(&g) => {
                let first = &groups[g];
                if let Some((ci, _)) = provider_cells.iter().zip(&first.cells).find(|(a, b)| a != b).map(|(a, _)| a) {
                    problems.push(RowProblem {
                        warning: false,
                        row,
                        column: header[*ci].clone(),
                        reason: format!(
                            "differs from row {} for the same provider `{id}`; a provider's details must be the same on each of its rows",
                            first.first_row
                        ),
                    });
                    groups[g].bad = true;
                    continue;
                }
                if !location.is_empty() {
                    groups[g].locations.push(location);
                }
                groups[g].bad |= bad;
            }
            None => {
                by_id.insert(id.clone(), groups.len());
                groups.push(Gathered {
                    id,
                    first_row: row,
                    cells: provider_cells,
                    record,
                    locations: if location.is_empty() { vec![] } else { vec![location] },
                    internal,
                    bad,
                });
            }
        }
    }
    let out = groups
        .into_iter()
        .filter(|g| !g.bad)
        .map(|g| {
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
        })
        .collect();
    (out, problems)
}

/// Drops a location's `lat`, `lon` and `district` when the postcode table gives the same,
/// so imported records stay as short as hand-written ones.
fn tidy_locations(p: &mut Provider, postcodes: &Postcodes) {
    for l in &mut p.locations {
        if let Some(e) = postcodes.get(&l.postcode) {
            if l.lat.is_some_and(|x| (x - e.lat).abs() < 1e-9) && l.lon.is_some_and(|x| (x - e.lon).abs() < 1e-9) {
                l.lat = None;
                l.lon = None;
            }
            if l.district.as_deref() == Some(e.district.as_str()) {
                l.district = None;
            }
        }
    }
}

/// The record file's text: the model's field order, then `[internal]`.
pub fn record_text(p: &Provider, source: &str) -> String {
    let mut s = format!("# Imported by `apdir import` from {source}. Check it with `apdir check`.\n");
    s.push_str(&toml::to_string(p).unwrap_or_default());
    if let Some(t) = &p.internal {
        s.push_str("\n[internal]\n");
        s.push_str(&toml::to_string(t).unwrap_or_default());
    }
    s
}

/// Turns one record gathered by [`read_sheet`] into a provider, as `apdir build` would load
/// `providers/<id>.toml`, with what was found wrong. Pure: writes nothing (shared by
/// [`import`] and the `import_csv` fuzz target).
pub fn convert_record(sheet: &str, path: &Path, id: &str, row: usize, toml_text: String) -> (Option<LoadedProvider>, Vec<Diagnostic>) {
    let file = SourceFile::new(format!("{sheet} row {row} (as providers/{id}.toml)"), path, toml_text);
    let mut found = Vec::new();
    let mut out = None;
    match TomlDoc::load::<Provider>(&file, &file.text, 0, &crate::load::providers::known_fields, &mut found) {
        Ok((doc, Some(provider))) if !found.iter().any(Diagnostic::is_error) => {
            out = Some(LoadedProvider { provider, doc, stem: id.to_string() });
        }
        Ok(_) => {}
        Err(d) => found.push(d),
    }
    (out, found)
}

/// Imports the sheet. Writes the records that pass; reports the rest.
pub fn import(o: &ImportOptions) -> Result<ImportReport, Error> {
    let mut diags = Diagnostics::default();
    let Some(config) = Config::load(&o.root, &mut diags) else { return Err(Error::Content(diags)) };
    let today = o.today.or(config.today).unwrap_or_else(Date::today);
    let postcodes = Postcodes::load(&o.root.join(&config.postcodes)).map_err(usage)?;
    let areas = crate::geo::load_areas(&o.root.join(&config.boundaries), &config.context_areas).map_err(usage)?;
    let shown = o.csv.display().to_string();
    let text = crate::load::read_text(&o.csv, &shown)
        .map_err(|d| usage(format!("{}{}", d.message, d.help.map(|h| format!(" ({h})")).unwrap_or_default())))?;
    let mapping = match &o.mapping {
        Some(m) => read_mapping(m)?,
        None => HashMap::new(),
    };
    let source_name = o.csv.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(shown.clone());
    let (records, mut problems) = read_sheet(&text, &mapping);

    let dir = o.root.join("providers");
    let mut loaded = Vec::new();
    let mut report = ImportReport::default();
    for (id, row, toml_text) in records {
        let path = dir.join(format!("{id}.toml"));
        // A link counts as a file that exists: without --force nothing replaces it, and with
        // it the link itself is replaced (the write below renames over it), never its target.
        if std::fs::symlink_metadata(&path).is_ok() && !o.force {
            problems.push(RowProblem {
                warning: false,
                row,
                column: "id".into(),
                reason: format!("providers/{id}.toml already exists; pass --force to replace it"),
            });
            continue;
        }
        let (provider, found) = convert_record(&shown, &path, &id, row, toml_text);
        loaded.extend(provider);
        report.diagnostics.items.extend(found);
    }
    let (valid, found) = crate::validate::providers(loaded, &postcodes, &areas, &config, today);
    report.diagnostics.items.extend(found);
    for vp in valid {
        let mut p = vp.provider;
        tidy_locations(&mut p, &postcodes);
        let path = dir.join(format!("{}.toml", p.id));
        if !o.dry_run {
            std::fs::create_dir_all(&dir).map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
            // Whole or not at all, so a crash never leaves half a record; one record that
            // cannot be written is reported with the rest, and the others are still written.
            if let Err(e) = crate::output::write_atomically(&path, &[record_text(&p, &source_name).as_bytes()]) {
                report.diagnostics.push(Diagnostic::error("io", e.to_string()).help("check that providers/ is writable"));
                continue;
            }
        }
        report.written.push(path);
    }
    problems.sort_by(|a, b| a.row.cmp(&b.row).then(a.column.cmp(&b.column)));
    report.problems = problems;
    report.diagnostics.sort();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_parse_by_kind() {
        assert_eq!(parse_cell("14/01/2026", Kind::Date).unwrap().to_string(), "2026-01-14");
        assert!(parse_cell("31/02/2026", Kind::Date).is_err());
        assert!(parse_cell("next week", Kind::Date).unwrap_err().contains("YYYY-MM-DD"));
        assert_eq!(parse_cell("Yes", Kind::Bool).unwrap(), toml::Value::Boolean(true));
        assert_eq!(parse_cell("£1,200.50", Kind::Number).unwrap(), toml::Value::Float(1200.5));
        assert_eq!(parse_cell("1; 2", Kind::IntList).unwrap().to_string(), "[1, 2]");
        let s = parse_cell("MO TU 09:00-15:00; fr 09:00-12:00", Kind::Schedule).unwrap();
        assert_eq!(s.as_array().unwrap().len(), 2);
        assert_eq!(s[1]["days"][0].as_str(), Some("FR"));
    }

    #[test]
    fn neutralised_cells_are_restored_and_formulas_warned_about() {
        // apdir's own export wrote `'=Sum house`; a hand-typed tab before `=` is trimmed.
        let text = "name,summary,location.postcode\n'=Sum house,\t=HYPERLINK(\"x\"),PR1 2HE\n";
        let (records, problems) = read_sheet(text, &HashMap::new());
        assert_eq!(records.len(), 1, "{problems:?}");
        assert!(records[0].2.contains("name = \"=Sum house\""), "the export's quote is removed: {}", records[0].2);
        let warnings: Vec<_> = problems.iter().filter(|p| p.warning).map(|p| p.column.as_str()).collect();
        assert_eq!(warnings, ["name", "summary"], "{problems:?}");
        assert!(problems.iter().all(|p| p.warning), "a formula is a warning, not a reason to skip the row: {problems:?}");
    }

    #[test]
    fn blank_rows_duplicates_and_unknown_headers() {
        let text = "name,location.postcode,Colour\n\nA Place ,PR1 2HE,red\n  ,  ,  \nA Place ,PR1 2HE,red\n";
        let (records, problems) = read_sheet(text, &HashMap::new());
        assert_eq!(records.len(), 1, "{problems:?}");
        assert_eq!(records[0].0, "a-place");
        assert!(problems.iter().any(|p| p.row == 1 && p.column == "Colour"), "{problems:?}");
        assert!(problems.iter().any(|p| p.row == 5 && p.reason.contains("repeats row 3")), "{problems:?}");
    }
}
