//! Load: read every input from disk into memory, keeping what diagnostics need.

pub mod guidance;
pub mod providers;
pub mod tomldoc;

use std::path::Path;

use crate::diagnostics::Diagnostic;

/// Largest input file read (a record or a page); anything larger is certainly a mistake.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a UTF-8 text file, dropping a byte-order mark and normalising CRLF line endings.
pub fn read_text(path: &Path, name: &str) -> Result<String, Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error("io", format!("cannot read {name}: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "file-too-large",
            format!("{name} is {} MB; input files may be at most {} MB", meta.len() / 1_048_576, MAX_FILE_BYTES / 1_048_576),
        )
        .help("split the file, or check that it is the file you meant to put here"));
    }
    let bytes = std::fs::read(path).map_err(|e| Diagnostic::error("io", format!("cannot read {name}: {e}")))?;
    decode_text(bytes, name)
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
            return Err(Diagnostic::error(
                "not-utf8",
                format!("{name}:{line}: the file is not UTF-8 text (bad byte at offset {at})"),
            )
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
