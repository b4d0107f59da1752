//! A published record or page must not still hold the scaffold's own placeholder text (its
//! sample sentences, "1 Example Street", its sample contacts): that text would publish as if
//! someone had written it. Drafts may hold it; commented-out lines are not content.

use std::sync::{Arc, LazyLock};

use memchr::memmem::Finder;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::model::placeholders::PLACEHOLDERS;

/// An error at each placeholder in `file`'s content (`from` on: a page's front matter and
/// body, or the whole record), unless the record or page is a draft.
pub fn check(file: &Arc<SourceFile>, draft: bool, toml_comments: bool) -> Vec<Diagnostic> {
    if draft {
        return Vec::new();
    }
    let text = file.text.as_str();
    let mut out = Vec::new();
    // memchr's vectorised search, prepared once: this runs on every record.
    let found = FINDERS
        .iter()
        .zip(PLACEHOLDERS)
        .flat_map(|(finder, placeholder)| finder.find_iter(text.as_bytes()).take(8).map(move |at| (at, *placeholder)));
    for (at, placeholder) in found {
        if toml_comments && in_comment(text, at) {
            continue;
        }
        out.push(
            Diagnostic::error(
                "scaffold-placeholder",
                format!("\"{placeholder}\" is the scaffold's placeholder, not the provider's or page's own text"),
            )
            .in_file(file, Some(at..at + placeholder.len()))
            .label("placeholder")
            .help("write the real text, or remove the line; to keep working on it unpublished, add `draft = true`"),
        );
    }
    out
}

static FINDERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| PLACEHOLDERS.iter().map(Finder::new).collect());

/// Whether byte `at` is in a TOML comment: after a `#` that is not inside a string.
fn in_comment(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut quoted: Option<char> = None;
    for c in text[line_start..at].chars() {
        match (quoted, c) {
            (None, '#') => return true,
            (None, '"' | '\'') => quoted = Some(c),
            (Some(q), c) if c == q => quoted = None,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Arc<SourceFile> {
        SourceFile::new("p.toml", "p.toml", text.to_string())
    }

    #[test]
    fn placeholders_in_values_are_errors_and_comments_are_not() {
        let f = file("address = [\"1 Example Street\"]\n# address = [\"1 Example Street\"]\nemail = \"x\" # referrals@example.org\n");
        let found = check(&f, false, true);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location(), "p.toml:1:13");
        assert!(check(&f, true, true).is_empty(), "drafts may keep placeholders");
    }
}
