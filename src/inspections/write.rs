//! `--write`: rewrites a record's `[inspection]` table from the extract, keeping every other
//! byte of the file (its comments, order and spacing), and replaces the file atomically.

use std::io::Write;
use std::path::Path;

use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

use crate::model::date::Date;
use crate::model::vocab::EvaluationArea;

use super::extract::{Inspected, Outcome};

/// The record's text with its `[inspection]` table brought up to `found`.
pub fn rewrite(text: &str, found: &Inspected, date_changed: bool) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("the record cannot be read: {e}"))?;
    if !doc.contains_key("inspection") {
        doc.insert("inspection", Item::Table(toml_edit::Table::new()));
    }
    let table = doc.get_mut("inspection").and_then(Item::as_table_like_mut).ok_or("`inspection` is not a table")?;
    set(table, "body", "Ofsted".into());
    let framework = match found.outcome {
        Outcome::Legacy(_) => "eif_legacy",
        Outcome::ReportCard { .. } => "report_card_2025",
    };
    set(table, "framework", framework.into());
    set(table, "last_inspection", date(found.start));
    match &found.link {
        Some(link) => set(table, "report_url", link.as_str().into()),
        // A link to the earlier inspection's report would present it as this one's.
        None if date_changed => {
            table.remove("report_url");
        }
        None => {}
    }
    match &found.outcome {
        Outcome::Legacy(grade) => {
            match grade {
                Some(g) => set(table, "legacy_overall", g.key().into()),
                None => {
                    table.remove("legacy_overall");
                }
            }
            table.remove("safeguarding");
            table.remove("grades");
        }
        Outcome::ReportCard { safeguarding, grades } => {
            table.remove("legacy_overall");
            match safeguarding {
                Some(s) => set(table, "safeguarding", s.key().into()),
                None => {
                    table.remove("safeguarding");
                }
            }
            set_grades(table, grades.iter().map(|(k, g)| (k.as_str(), g.key())));
        }
    }
    Ok(doc.to_string())
}

/// Sets `key`, keeping the comment and spacing around an existing value.
fn set(table: &mut dyn TableLike, key: &str, mut new: Value) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        None => {
            table.insert(key, Item::Value(new));
        }
    }
}

/// Replaces the grades, in place when the record has an `[inspection.grades]` table.
fn set_grades<'a>(table: &mut dyn TableLike, grades: impl Iterator<Item = (&'a str, &'a str)>) {
    // In the order of the report card (the order people write them in), not alphabetical.
    let mut grades: Vec<(&str, &str)> = grades.collect();
    grades.sort_by_key(|(k, _)| EvaluationArea::KEYS.iter().position(|a| a == k).unwrap_or(usize::MAX));
    if let Some(existing) = table.get_mut("grades").and_then(Item::as_table_like_mut) {
        let keys: Vec<String> = existing.iter().map(|(k, _)| k.to_string()).filter(|k| !grades.iter().any(|(g, _)| g == k)).collect();
        for k in keys {
            existing.remove(&k);
        }
        for (k, g) in grades {
            set(existing, k, g.into());
        }
        return;
    }
    let mut inline = InlineTable::new();
    for (k, g) in grades {
        inline.insert(k, g.into());
    }
    table.insert("grades", Item::Value(Value::InlineTable(inline)));
}

fn date(d: Date) -> Value {
    let (y, m, day) = (d.iso()[0..4].parse().unwrap_or(0), d.iso()[5..7].parse().unwrap_or(0), d.iso()[8..10].parse().unwrap_or(0));
    Value::from(toml_edit::Datetime { date: Some(toml_edit::Date { year: y, month: m, day }), time: None, offset: None })
}

/// Replaces `path` with `text` through a temporary file in the same folder, so a reader sees
/// the old record or the new one, never half of one. Symbolic links are refused: the record
/// would be written somewhere else than where it appears to be.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(std::io::Error::other("it is a symbolic link; apdir rewrites only plain files"));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.apdir-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.set_permissions(meta.permissions())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// [`replace_file`], or a new file (and its folder) when there is none yet.
pub fn replace_file_or_create(path: &Path, text: &str) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => replace_file(path, text),
        Err(_) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
        }
    }
}
