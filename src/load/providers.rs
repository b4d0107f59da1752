//! Loads `providers/*.toml` in parallel, keeping each file's spans for validation.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceFile, display_path};
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::model::provider::*;

/// A provider record as read from disk, before validation.
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
        [a, b, Index(_)] if key(a) == Some("organisation") && key(b) == Some("identifiers") => {
            Some(fields_of::<Identifier>())
        }
        [a, Index(_), b, Index(_)] if key(a) == Some("locations") && key(b) == Some("schedule") => {
            Some(fields_of::<Schedule>())
        }
        _ => None,
    }
}

/// Reads every `*.toml` below `dir` (sorted by path). Files that cannot be read or parsed
/// become diagnostics; the rest are returned.
pub fn load(root: &Path, dir: &Path) -> (Vec<LoadedProvider>, Vec<Diagnostic>) {
    let (files, walk_diagnostics) = crate::load::input_files(root, dir);
    let mut paths: Vec<_> = files.into_iter().filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    paths.sort();
    let results: Vec<(Option<LoadedProvider>, Vec<Diagnostic>)> = paths
        .par_iter()
        .map(|path| {
            let name = display_path(root, path);
            let text = match crate::load::read_text(path, &name) {
                Ok(t) => t,
                Err(d) => return (None, vec![d]),
            };
            let file = SourceFile::new(name, path, text);
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            parse_record(file, stem)
        })
        .collect();
    let mut providers = Vec::with_capacity(results.len());
    let mut diagnostics = walk_diagnostics;
    for (p, d) in results {
        providers.extend(p);
        diagnostics.extend(d);
    }
    (providers, diagnostics)
}

/// Parses one provider record already read into `file`; `stem` is its file name without
/// `.toml` (the id when the record has none).
pub fn parse_record(file: Arc<SourceFile>, stem: String) -> (Option<LoadedProvider>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let loaded = match TomlDoc::load::<Provider>(&file, &file.text, 0, &known_fields, &mut diags) {
        Ok((doc, Some(provider))) => Some(LoadedProvider { provider, doc, stem }),
        Ok((_, None)) => None,
        Err(d) => {
            diags.push(d);
            None
        }
    };
    (loaded, diags)
}

/// Keeps `Arc` in the public surface of this module readable.
pub type File = Arc<SourceFile>;
