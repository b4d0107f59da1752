//! Text helpers every layer shares: decoding an input file's bytes, and turning keys and
//! numbers into the words and figures pages, checks and reports show.

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
    let t = s.replace('_', " ");
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
    if pence % 100 == 0 && amount.fract() == 0.0 { format!("{sign}£{pounds}") } else { format!("{sign}£{pounds}.{:02}", pence % 100) }
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
