//! `apdir import SHEET.csv`: turns a spreadsheet into provider records (`providers/<id>.toml`).
//!
//! The columns are the CSV export's (`export::table`); a mapping file renames other headers.
//! Rows of the same provider (same `id`, or the same name when there is no id column) are
//! its sites. Blank rows are skipped, cells trimmed, a byte-order mark dropped; a cell that
//! cannot be read is reported with its row, column and reason, and that provider is not
//! written. Every record is checked with the same validation as `apdir build` before it is
//! written, and an existing record is only replaced with `--force`.

mod sheet;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile};
use crate::geo::Postcodes;
use crate::load::providers::LoadedProvider;
use crate::load::tomldoc::TomlDoc;
use crate::model::date::Date;
use crate::model::provider::Provider;
use sheet::normalise_header;
pub use sheet::{parse_cell, parse_date, read_sheet};

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
    use crate::export::table::Kind;

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
