//! Loads the theme's Tera templates (and the site's overrides) and turns template errors into
//! diagnostics with file, line and column.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use tera::{ErrorKind, Tera};

use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, display_path};

pub struct Templates {
    pub tera: Tera,
    sources: BTreeMap<String, Arc<SourceFile>>,
}

impl Templates {
    /// Templates from `theme/templates/`, overridden by the site's own `templates/`
    /// (a file with the same name replaces the theme's).
    pub fn load(root: &Path, theme_dir: &Path) -> Result<Templates, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let mut sources: BTreeMap<String, Arc<SourceFile>> = BTreeMap::new();
        let theme_templates = theme_dir.join("templates");
        if !theme_templates.is_dir() {
            diagnostics.push(
                Diagnostic::error("no-theme", format!("the theme has no templates folder: {}", theme_templates.display()))
                    .help("check `theme` and `themes_dir` in apdir.toml; the default theme lives in themes/default/"),
            );
            return Err(diagnostics);
        }
        for dir in [theme_templates, root.join("templates")] {
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir).follow_links(false).max_depth(8).into_iter().filter_map(Result::ok) {
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = display_path(&dir, entry.path());
                if name.starts_with('.') {
                    continue;
                }
                let shown = display_path(root, entry.path());
                match crate::load::read_text(entry.path(), &shown) {
                    Ok(text) => {
                        sources.insert(name, SourceFile::new(shown, entry.path(), text));
                    }
                    Err(d) => diagnostics.push(d),
                }
            }
        }
        // Syntax errors, every template at once.
        for (name, file) in &sources {
            let mut scratch = Tera::new();
            if let Err(e) = scratch.add_raw_template(name, &file.text)
                && let ErrorKind::SyntaxError(_) = e.kind()
            {
                diagnostics.push(template_error(&e, &sources));
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let mut tera = Tera::new();
        super::summary_list::register(&mut tera);
        tera.autoescape_on(vec![".html", ".htm", ".xml", ".svg"]);
        if let Err(e) = tera.add_raw_templates(sources.iter().map(|(n, f)| (n.as_str(), f.text.as_str()))) {
            diagnostics.push(template_error(&e, &sources));
            return Err(diagnostics);
        }
        Ok(Templates { tera, sources })
    }

    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, Diagnostic> {
        self.tera.render(name, context).map_err(|e| template_error(&e, &self.sources))
    }

    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    /// True when `template` uses the list `list` only as `{% for p in LIST %}{{ p.html | safe }}{% endfor %}`:
    /// no other tag of it, or of a template it extends, includes or imports (at any depth),
    /// names `list`. Then each item needs only its `html`. Anything else (a loop that reads
    /// another field, an include inside the loop, a theme of one's own) says false.
    pub fn uses_only_html_of(&self, template: &str, list: &str) -> bool {
        let the_loop = format!("{{% for p in {list} %}}{{{{ p.html | safe }}}}{{% endfor %}}");
        let Some(top) = self.sources.get(template) else { return false };
        let Some(at) = top.text.find(&the_loop) else { return false };
        let rest = format!("{}{}", &top.text[..at], &top.text[at + the_loop.len()..]);
        let mut seen: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        let mut queue: Vec<String> = vec![rest];
        // A theme has a few dozen templates: each is read at most once.
        while let Some(text) = queue.pop() {
            for tag in tags(&text) {
                if tag.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|word| word == list) {
                    return false;
                }
                let Some(names) = named_templates(tag) else { return false };
                for name in names {
                    match self.sources.get_key_value(name) {
                        Some((key, file)) if seen.insert(key.as_str()) => queue.push(file.text.clone()),
                        Some(_) => {}
                        None => return false,
                    }
                }
            }
        }
        true
    }
}

/// The insides of a template's `{{ … }}` and `{% … %}` tags.
fn tags(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let open = rest.find('{')?;
            let after = &rest[open + 1..];
            let close = match after.chars().next() {
                Some('{') => "}}",
                Some('%') => "%}",
                _ => {
                    rest = after;
                    continue;
                }
            };
            let body = &after[1..];
            let end = body.find(close).unwrap_or(body.len());
            rest = &body[(end + close.len()).min(body.len())..];
            return Some(&body[..end]);
        }
    })
}

/// The template names a tag extends, includes or imports (`{% include "x.html" %}`); `None`
/// when it names them in a way this does not read (single quotes, a variable).
fn named_templates(tag: &str) -> Option<Vec<&str>> {
    let words = ["extends", "include", "import", "from"];
    if !words.iter().any(|w| tag.trim_start().trim_start_matches('-').trim_start().starts_with(w)) {
        return Some(Vec::new());
    }
    let names: Vec<&str> = tag.split('"').skip(1).step_by(2).collect();
    (!names.is_empty() && !tag.contains('\'')).then_some(names)
}

fn template_error(e: &tera::Error, sources: &BTreeMap<String, Arc<SourceFile>>) -> Diagnostic {
    match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let code = if matches!(e.kind(), ErrorKind::SyntaxError(_)) { "template-syntax" } else { "template-render" };
            let mut d = Diagnostic::error(code, format!("template: {}", r.message()))
                .label("here")
                .help("fix the template; variables a template can use are listed in docs/templates.md");
            if let Some(f) = sources.get(r.filename()) {
                d = d.in_file(f, Some(r.span().range.clone()));
            }
            d
        }
        other => Diagnostic::error("template", format!("template: {other}")).help("check the theme's templates"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_the_insides_of_expressions_and_statements() {
        let found: Vec<&str> = tags("a {{ x }} b {% if y %}{# note #}{ c } {{ z").collect();
        assert_eq!(found, vec![" x ", " if y ", " z"]);
        assert_eq!(named_templates(r#" include "partials/a.html" "#), Some(vec!["partials/a.html"]));
        assert_eq!(named_templates(" include 'a.html' "), None);
        assert_eq!(named_templates(" if x "), Some(vec![]));
    }
}
