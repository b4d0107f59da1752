//! `apdir inspections FILE.csv [--write]`: compares provider records with the public
//! extracts (GIAS establishments and links, Ofsted's inspection outcomes) by URN, prints what
//! differs and, with `--write`, brings each record's `[inspection]` table up to date.
//! Supported files and columns: docs/inspections.md.

pub mod compare;
pub mod extract;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::diagnostics::{Diagnostic, Diagnostics, display_path};
use crate::validate::inspections_seen::{InspectionsSeen, PATH, Seen};

pub use compare::Change;
pub use extract::Kind;

pub struct InspectionsOptions {
    /// The site folder.
    pub root: PathBuf,
    /// The extract.
    pub csv: PathBuf,
    /// Rewrite the `[inspection]` tables (otherwise nothing is written).
    pub write: bool,
}

/// What differs for one provider.
#[derive(Debug)]
pub struct Finding {
    pub id: String,
    pub urn: String,
    /// The record, as shown (relative to the site folder).
    pub file: String,
    /// The extract's line for this URN.
    pub line: usize,
    pub changes: Vec<Change>,
    /// Whether `--write` rewrote (or would rewrite) its `[inspection]` table.
    pub rewritten: bool,
}

#[derive(Debug)]
pub struct InspectionsReport {
    pub kind: Kind,
    /// Providers with a URN found in the extract.
    pub matched: usize,
    /// Providers with a URN the extract does not have.
    pub not_found: Vec<(String, String)>,
    pub findings: Vec<Finding>,
    pub written: bool,
    /// Records still behind the extract after this run, remembered in
    /// `data/inspections-seen.csv` so the next build warns about them (docs/inspections.md).
    pub behind: usize,
}

impl InspectionsReport {
    /// The report as printed by the command.
    pub fn text(&self) -> String {
        let mut s = format!("{}: {} of the providers with a URN found.\n", self.kind.label(), self.matched);
        for f in &self.findings {
            s.push_str(&format!("\n{} (URN {}) {}, extract line {}\n", f.id, f.urn, f.file, f.line));
            for c in &f.changes {
                s.push_str(&format!("  - {}\n", c.describe()));
            }
            if f.rewritten {
                s.push_str(if self.written { "  [inspection] rewritten\n" } else { "  [inspection] would be rewritten with --write\n" });
            }
        }
        for (id, urn) in &self.not_found {
            s.push_str(&format!("\n{id} (URN {urn}): not in the extract\n"));
        }
        if self.behind > 0 {
            s.push_str(&format!(
                "\n{} older than the extract; remembered in {PATH}, so `apdir build` and `apdir check` warn until it is updated.\n",
                crate::diagnostics::plural(self.behind, "record is"),
            ));
        }
        let n = self.findings.iter().filter(|f| f.rewritten).count();
        s.push_str(&match (n, self.written) {
            (0, _) if self.findings.is_empty() => "\nNo differences.\n".to_string(),
            (0, _) => "\nNo [inspection] table to update.\n".to_string(),
            (n, true) => format!("\nRewrote the [inspection] table of {}.\n", crate::diagnostics::plural(n, "record")),
            (n, false) => format!(
                "\nNothing was written: run again with --write to update the [inspection] table of {}.\n",
                crate::diagnostics::plural(n, "record")
            ),
        });
        s
    }
}

/// Reads the extract and the records, compares them and, with `write`, rewrites records.
pub fn run(options: &InspectionsOptions) -> Result<InspectionsReport, Error> {
    let shown = display_path(&options.root, &options.csv);
    let extract = extract::read(&options.csv, &shown).map_err(|d| Error::Content(Diagnostics { items: d }))?;
    let (records, problems) = crate::load::providers::load(&options.root, &options.root.join("providers"));
    if problems.iter().any(Diagnostic::is_error) {
        return Err(Error::Content(Diagnostics { items: problems }));
    }
    let mut by_urn: HashMap<&str, &extract::Row> = HashMap::new();
    for row in &extract.rows {
        // The GIAS links file has a row per link; a successor row wins over the others.
        let keep = by_urn.get(row.urn.as_str()).is_none_or(|old| old.successor.is_none() || row.successor.is_some());
        if keep {
            by_urn.insert(&row.urn, row);
        }
    }
    let mut report =
        InspectionsReport { kind: extract.kind, matched: 0, not_found: Vec::new(), findings: Vec::new(), written: options.write, behind: 0 };
    let mut failures = Vec::new();
    let (mut seen, _) = InspectionsSeen::read(&options.root);
    let before = seen.clone();
    let extract_name = options.csv.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| shown.clone());
    for loaded in &records {
        let p = &loaded.provider;
        let urn = p.registration.urn.trim();
        if urn.is_empty() {
            continue;
        }
        let id = if p.id.is_empty() { loaded.stem.clone() } else { p.id.clone() };
        let Some(row) = by_urn.get(urn) else {
            report.not_found.push((id, urn.to_string()));
            continue;
        };
        report.matched += 1;
        if let Some(found) = &row.inspection {
            seen.note(urn, Seen { date: found.start, extract: extract_name.clone(), line: row.line });
        }
        let changes = compare::changes(p, row);
        if changes.is_empty() {
            continue;
        }
        let rewrites = changes.iter().any(Change::rewrites);
        let file = &loaded.doc.file;
        if rewrites
            && options.write
            && let Some(found) = &row.inspection
            && let Err(e) = rewrite_record(&file.path, &file.text, found, p.inspection.last_inspection != Some(found.start))
        {
            failures.push(Diagnostic::error("inspections-write", format!("{} was not rewritten: {e}", file.name)));
        }
        report.findings.push(Finding { id, urn: urn.to_string(), file: file.name.clone(), line: row.line, changes, rewritten: rewrites });
    }
    report.behind = behind(&records, &seen, &report, &failures);
    if seen != before
        && let Err(e) = write::replace_file_or_create(&options.root.join(PATH), &seen.text())
    {
        failures.push(Diagnostic::error("inspections-write", format!("{PATH} was not written: {e}")));
    }
    if !failures.is_empty() {
        return Err(Error::Content(Diagnostics { items: failures }));
    }
    Ok(report)
}

fn rewrite_record(path: &Path, text: &str, found: &extract::Inspected, date_changed: bool) -> Result<(), String> {
    let new = write::rewrite(text, found, date_changed)?;
    if new != text {
        write::replace_file(path, &new).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// How many records are still older than the newest inspection seen for their URN once this
/// run is done (a record `--write` rewrote is up to date).
fn behind(records: &[crate::load::providers::LoadedProvider], seen: &InspectionsSeen, report: &InspectionsReport, failures: &[Diagnostic]) -> usize {
    let rewritten = |file: &str| report.written && failures.is_empty() && report.findings.iter().any(|f| f.rewritten && f.file == file);
    records
        .iter()
        .filter(|r| {
            let p = &r.provider;
            seen.by_urn.get(p.registration.urn.trim()).is_some_and(|s| crate::rules::inspection_behind(p, s.date)) && !rewritten(&r.doc.file.name)
        })
        .count()
}
