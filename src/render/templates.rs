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
