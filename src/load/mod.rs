//! Load: read every input from disk into memory, keeping what diagnostics need.

pub mod areas;
pub mod guidance;
pub mod providers;
pub mod tomldoc;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceFile, display_path};
pub use crate::model::text::{MAX_DATA_BYTES, decode_text, read_bytes};

/// Reads every file of `paths` in parallel and hands each to `parse`; gathers what parsed and
/// every diagnostic, in path order.
pub fn read_all<T: Send>(
    root: &Path,
    paths: &[PathBuf],
    parse: impl Fn(&Path, &Arc<SourceFile>, &mut Vec<Diagnostic>) -> Option<T> + Sync,
) -> (Vec<T>, Vec<Diagnostic>) {
    let results: Vec<(Option<T>, Vec<Diagnostic>)> = paths.par_iter().map(|path| read_one(root, path, &parse)).collect();
    let mut found = Vec::with_capacity(results.len());
    let mut diagnostics = Vec::new();
    for (item, d) in results {
        found.extend(item);
        diagnostics.extend(d);
    }
    (found, diagnostics)
}

/// Reads one file and hands it to `parse`.
pub fn read_one<T>(
    root: &Path,
    path: &Path,
    parse: impl Fn(&Path, &Arc<SourceFile>, &mut Vec<Diagnostic>) -> Option<T>,
) -> (Option<T>, Vec<Diagnostic>) {
    let name = display_path(root, path);
    match read_text(path, &name) {
        Ok(text) => {
            let file = SourceFile::new(name, path, text);
            let mut diagnostics = Vec::new();
            (parse(path, &file, &mut diagnostics), diagnostics)
        }
        Err(d) => (None, vec![d]),
    }
}

/// Largest input file read (a record or a page); anything larger is certainly a mistake.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Deepest folder nesting read below `providers/` or `content/`.
pub const MAX_FOLDER_DEPTH: usize = 16;

/// Every regular file below `dir`, sorted, skipping hidden files and folders (`.git`, editor
/// backups). Never follows symbolic links (so a link loop cannot hang the build) but says so,
/// and reports folders nested too deeply or unreadable instead of silently leaving files out.
/// `root` is the site folder, for display.
pub fn input_files(root: &Path, dir: &Path) -> (Vec<std::path::PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    if !dir.is_dir() {
        return (files, diagnostics);
    }
    let mut walk = walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name().into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().map(|p| crate::diagnostics::display_path(root, p)).unwrap_or_default();
                diagnostics.push(Diagnostic::error("io", format!("cannot read {at}: {e}")));
                continue;
            }
        };
        let hidden = entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        let name = crate::diagnostics::display_path(root, entry.path());
        if entry.file_type().is_symlink() {
            diagnostics.push(link_skipped(&name));
            continue;
        }
        if entry.file_type().is_dir() {
            if entry.depth() >= MAX_FOLDER_DEPTH {
                diagnostics.push(
                    Diagnostic::error("too-deep", format!("{name} is nested {} folders deep; apdir reads at most {MAX_FOLDER_DEPTH}", entry.depth()))
                        .help("move the files into a shallower folder"),
                );
                walk.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    (files, diagnostics)
}

/// The warning for a symbolic link met in a folder apdir reads: it is left out.
pub fn link_skipped(name: &str) -> Diagnostic {
    Diagnostic::warning("symlink-skipped", format!("{name} is a symbolic link; apdir does not follow links, so it was left out"))
        .help("put the file itself in the folder (links could point outside the site or round in a loop)")
}

/// Reads a UTF-8 text file, dropping a byte-order mark and normalising CRLF line endings.
pub fn read_text(path: &Path, name: &str) -> Result<String, Diagnostic> {
    decode_text(read_bytes(path, name, MAX_FILE_BYTES)?, name)
}
