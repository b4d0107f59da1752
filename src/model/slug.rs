//! Slugs: the URL-safe names of pages, providers and listing values.

/// Lower-case ASCII letters, digits and single hyphens; never empty, never `.` or `..`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        let c = fold(c);
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' && c != '\u{2019}' {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("page");
    }
    out
}

/// Folds the accented Latin letters people type in names (é → e) so slugs stay readable.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ŵ' | 'Ŵ' => 'w',
        _ => c,
    }
}

/// True when `s` is already a slug as `slugify` makes them.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty() && slugify(s) == s
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn slugs() {
        assert_eq!(slugify("Ribble Vale Learning Hub"), "ribble-vale-learning-hub");
        assert_eq!(slugify("  St. Anne's -- Café  "), "st-annes-cafe");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("!!!"), "page");
        assert!(is_slug("ks3"));
        assert!(!is_slug("Ks3"));
        assert!(!is_slug("a--b"));
    }
}
