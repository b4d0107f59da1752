//! Text helpers every layer shares: decoding an input file's bytes, and turning keys and
//! numbers into the words and figures pages, checks and reports show.

use std::path::Path;

use crate::diagnostics::Diagnostic;

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

/// `step_free` → "Step free"
pub fn humanise(s: &str) -> String {
    // Words people write in capitals: "pshe" → "PSHE", "pe" → "PE".
    const CAPITALS: [&str; 12] = ["pshe", "pe", "re", "rse", "ict", "dt", "gcse", "btec", "esol", "send", "semh", "nvq"];
    let words: Vec<String> =
        s.split('_').map(|w| if CAPITALS.contains(&w.to_ascii_lowercase().as_str()) { w.to_ascii_uppercase() } else { w.to_string() }).collect();
    let t = words.join(" ");
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// An amount in pounds as every page shows it: "£6,000", "£1,234,567.50", "£95".
pub fn money(amount: f64) -> String {
    let pence = (amount.abs() * 100.0).round() as u64;
    let sign = if amount < 0.0 && pence > 0 { "-" } else { "" };
    let pounds = thousands(pence / 100);
    if pence.is_multiple_of(100) && amount.fract() == 0.0 { format!("{sign}£{pounds}") } else { format!("{sign}£{pounds}.{:02}", pence % 100) }
}

/// A whole number with thousands separators: 19500 → "19,500".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// Largest data file read (the postcode table, a boundary file): the whole country's
/// postcodes are about 100 MB as CSV.
pub const MAX_DATA_BYTES: u64 = 512 * 1024 * 1024;

/// Reads an input file of at most `max` bytes. The one symbolic-link policy for every input:
/// apdir never follows a link, whether it is a file in a folder it walks (skipped with a
/// warning, `load::input_files`) or a file named in `apdir.toml` or on the command line (an error
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
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(6000.0), "£6,000");
        assert_eq!(money(1234567.5), "£1,234,567.50");
        assert_eq!(money(95.0), "£95");
        assert_eq!(money(12.999), "£13.00", "pence round up into pounds");
        assert_eq!(thousands(19500), "19,500");
    }
}
