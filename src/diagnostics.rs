//! Problems found in the inputs, reported like rustc: file, line, column, the source line,
//! what is wrong and how to fix it. Every stage collects diagnostics instead of stopping, so
//! one run shows every problem at once.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

/// A loaded input file, kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the site root where possible).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: String) -> Arc<Self> {
        Arc::new(SourceFile { name: name.into(), path: path.into(), text })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one file.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A short stable code, e.g. `unknown-need`, so tests and tools can match on it.
    pub code: &'static str,
    pub message: String,
    pub file: Option<Arc<SourceFile>>,
    pub span: Option<Range<usize>>,
    /// Text under the caret.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, code, message: message.into(), file: None, span: None, label: String::new(), help: None }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }
    pub fn in_file(mut self, file: &Arc<SourceFile>, span: Option<Range<usize>>) -> Self {
        self.file = Some(file.clone());
        self.span = span;
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    /// `providers/x.toml:12:5`, or just the file, or nothing.
    pub fn location(&self) -> String {
        match (&self.file, &self.span) {
            (Some(f), Some(span)) => {
                let (l, c) = f.line_col(span.start);
                format!("{}:{l}:{c}", f.name)
            }
            (Some(f), None) => f.name.clone(),
            _ => String::new(),
        }
    }

    /// Renders the diagnostic as rustc does, with the quoted source line.
    pub fn render(&self, color: bool) -> String {
        let mut d = match self.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        }
        .with_code(self.code)
        .with_message(&self.message);
        let file = self.file.as_ref();
        let simple = file.map(|f| SimpleFile::new(f.name.as_str(), f.text.as_str()));
        if let (Some(f), Some(span)) = (file, &self.span) {
            let start = floor_char_boundary(&f.text, span.start.min(f.text.len()));
            let end = floor_char_boundary(&f.text, span.end.min(f.text.len())).max(start);
            d = d.with_labels(vec![cs::Label::primary((), start..end).with_message(&self.label)]);
        } else if let Some(f) = file {
            d = d.with_notes(vec![format!("in {}", f.name)]);
        }
        if let Some(help) = &self.help {
            d.notes.push(format!("help: {help}"));
        }
        let config = term::Config::default();
        let mut out = String::new();
        let result = match &simple {
            Some(files) => {
                if color {
                    let mut w = term::termcolor::Ansi::new(Vec::new());
                    let r = term::emit_to_write_style(&mut w, &config, files, &d);
                    out = String::from_utf8_lossy(&w.into_inner()).into_owned();
                    r
                } else {
                    term::emit_to_string(&mut out, &config, files, &d)
                }
            }
            None => {
                let files = SimpleFile::new("", "");
                term::emit_to_string(&mut out, &config, &files, &d)
            }
        };
        if result.is_err() {
            out = format!("{}: {}\n", self.location(), self.message);
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Every problem found in one run.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }
    pub fn error_count(&self) -> usize {
        self.errors().count()
    }
    pub fn warning_count(&self) -> usize {
        self.warnings().count()
    }
    /// Sorted by file, then position, errors before warnings at the same place.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let ka = (a.file.as_ref().map(|f| f.name.as_str()), a.span.as_ref().map(|s| s.start));
            let kb = (b.file.as_ref().map(|f| f.name.as_str()), b.span.as_ref().map(|s| s.start));
            ka.cmp(&kb).then(b.severity.cmp(&a.severity))
        });
    }
    /// Every diagnostic rendered, in order (a large site can have thousands of warnings:
    /// they are rendered on every core).
    pub fn render(&self, color: bool) -> String {
        use rayon::prelude::*;
        self.items.par_iter().map(|d| d.render(color)).collect::<Vec<String>>().concat()
    }
    /// "2 errors and 1 warning"
    pub fn summary(&self) -> String {
        let e = self.error_count();
        let w = self.warning_count();
        format!("{} and {}", plural(e, "error"), plural(w, "warning"))
    }
    /// Diagnostics with a code, for tests.
    pub fn with_code(&self, code: &str) -> Vec<&Diagnostic> {
        self.items.iter().filter(|d| d.code == code).collect()
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// "did you mean `semh`?" for the closest known value, when one is close enough.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = input.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&lower, &c.to_lowercase());
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Displays a path relative to `root` when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}
