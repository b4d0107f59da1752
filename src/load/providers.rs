//! Loads `providers/*.toml` in parallel, keeping each file's spans for validation.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::model::provider::*;

/// A provider record as read from disk, before validation.
#[derive(Clone)]
pub struct LoadedProvider {
    pub provider: Provider,
    pub doc: TomlDoc,
    /// The file stem (`ribble-vale-learning-hub` for `providers/ribble-vale-learning-hub.toml`).
    pub stem: String,
}

/// The fields allowed at each table of a provider record, for did-you-mean.
pub fn known_fields(path: &[Seg]) -> Option<&'static [&'static str]> {
    use Seg::*;
    fn key(s: &Seg) -> Option<&str> {
        match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        }
    }
    match path {
        [] => Some(fields_of::<Provider>()),
        [a] => match key(a)? {
            "organisation" => Some(fields_of::<Organisation>()),
            "registration" => Some(fields_of::<Registration>()),
            "inspection" => Some(fields_of::<Inspection>()),
            "quality_assurance" => Some(fields_of::<QualityAssurance>()),
            "safeguarding" => Some(fields_of::<Safeguarding>()),
            "offer" => Some(fields_of::<Offer>()),
            "capacity" => Some(fields_of::<Capacity>()),
            "transport" => Some(fields_of::<Transport>()),
            "contact" => Some(fields_of::<Contact>()),
            "child_voice" => Some(fields_of::<ChildVoice>()),
            _ => None,
        },
        [a, Index(_)] => match key(a)? {
            "costs" => Some(fields_of::<Cost>()),
            "locations" => Some(fields_of::<Location>()),
            _ => None,
        },
        [a, b] if key(a) == Some("offer") && key(b) == Some("hours_per_week") => Some(fields_of::<HoursRange>()),
        [a, b, Index(_)] if key(a) == Some("organisation") && key(b) == Some("identifiers") => Some(fields_of::<Identifier>()),
        [a, Index(_), b, Index(_)] if key(a) == Some("locations") && key(b) == Some("schedule") => Some(fields_of::<Schedule>()),
        _ => None,
    }
}

/// Reads every `*.toml` below `dir` (sorted by path). Files that cannot be read or parsed
/// become diagnostics; the rest are returned.
pub fn load(root: &Path, dir: &Path) -> (Vec<LoadedProvider>, Vec<Diagnostic>) {
    let (files, mut diagnostics) = crate::load::input_files(root, dir);
    let paths: Vec<_> = files.into_iter().filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    let (providers, mut found) = crate::load::read_all(root, &paths, parse_record);
    diagnostics.append(&mut found);
    (providers, diagnostics)
}

/// The provider record files below `dir`, sorted by path (the same files `load` reads).
pub fn list(root: &Path, dir: &Path) -> Vec<std::path::PathBuf> {
    let (files, _) = crate::load::input_files(root, dir);
    let mut paths: Vec<_> = files.into_iter().filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    paths.sort();
    paths
}

/// Reads and parses one provider record.
pub fn load_file(root: &Path, path: &Path) -> (Option<LoadedProvider>, Vec<Diagnostic>) {
    crate::load::read_one(root, path, parse_record)
}

/// Parses one provider record already read into `file` (`path` is where it came from: its
/// file name is the id when the record has none).
pub fn parse_record(path: &Path, file: &Arc<SourceFile>, diags: &mut Vec<Diagnostic>) -> Option<LoadedProvider> {
    // An empty file is one problem, not a list of every field it lacks.
    if file.text.trim().is_empty() {
        diags.push(
            Diagnostic::error("empty-record", format!("{} is empty", file.name))
                .in_file(file, Some(0..0))
                .label("nothing here")
                .help("write the provider's record here (`apdir new provider \"Its name\"` starts one), or delete the file"),
        );
        return None;
    }
    match TomlDoc::load::<Provider>(file, &file.text, 0, &known_fields, diags) {
        Ok((doc, Some(provider))) => {
            Some(LoadedProvider { provider, doc, stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default() })
        }
        Ok((_, None)) => None,
        Err(d) => {
            diags.push(d);
            None
        }
    }
}
