//! Load: read every input from disk into memory, keeping what diagnostics need.

pub mod areas;
pub mod guidance;
pub mod providers;
pub mod tomldoc;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceFile, display_path};

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

/// Largest data file read (the postcode table, a boundary file): the whole country's
/// postcodes are about 100 MB as CSV.
pub const MAX_DATA_BYTES: u64 = 512 * 1024 * 1024;

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

/// Reads an input file of at most `max` bytes. The one symbolic-link policy for every input:
/// apdir never follows a link, whether it is a file in a folder it walks (skipped with a
/// warning, [`input_files`]) or a file named in `apdir.toml` or on the command line (an error
/// here), so no input can pull in a file from outside the site.
pub fn read_bytes(path: &Path, name: &str, max: u64) -> Result<Vec<u8>, Diagnostic> {
    let cannot = |e: std::io::Error| Diagnostic::error("io", format!("cannot read {name}: {e}"));
    let meta = std::fs::symlink_metadata(path).map_err(cannot)?;
    if meta.file_type().is_symlink() {
        return Err(Diagnostic::error("symlink-refused", format!("{name} is a symbolic link; apdir does not follow links"))
            .help("put the file itself here (a link could point outside the site)"));
    }
    if meta.len() > max {
        return Err(Diagnostic::error(
            "file-too-large",
            format!("{name} is {} MB; this input may be at most {} MB", meta.len() / 1_048_576, max / 1_048_576),
        )
        .help("split the file, or check that it is the file you meant to put here"));
    }
    let file = open_no_follow(path).map_err(cannot)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read at most one byte past the limit: a file that grew since is still refused.
    std::io::Read::read_to_end(&mut std::io::Read::take(file, max + 1), &mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > max {
        return Err(Diagnostic::error("file-too-large", format!("{name} grew past {} MB while it was read", max / 1_048_576)));
    }
    Ok(bytes)
}

/// Opens a file for reading without following a link at its last component (a link put in
/// place after the check above is refused by the system).
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path)
}

/// Decodes the bytes of an input file: UTF-8 only (a clear diagnostic otherwise), without a
/// byte-order mark, with CRLF line endings turned into LF.
pub fn decode_text(bytes: Vec<u8>, name: &str) -> Result<String, Diagnostic> {
    let mut text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let line = valid.matches('\n').count() + 1;
            return Err(Diagnostic::error("not-utf8", format!("{name}:{line}: the file is not UTF-8 text (bad byte at offset {at})"))
                .help("save the file as UTF-8 (in Excel: \"CSV UTF-8\"; in most editors: File > Save with encoding > UTF-8)"));
        }
    };
    if let Some(stripped) = text.strip_prefix('\u{feff}') {
        text = stripped.to_string();
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n");
    }
    Ok(text)
}
