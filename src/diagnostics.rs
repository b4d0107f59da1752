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

/// How much of each warning the terminal shows. Errors are always shown in full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    /// Warnings grouped by code: a count and one example each (the default).
    #[default]
    Grouped,
    /// Every warning in full, with its source line (`--verbose`).
    Full,
}

/// Warnings that share a code, for the grouped summary.
#[derive(Debug)]
pub struct WarningGroup<'a> {
    pub code: &'static str,
    pub count: usize,
    /// The first of them in file order: its location is the example shown.
    pub example: &'a Diagnostic,
}

impl WarningGroup<'_> {
    /// `warning[qa-visit-overdue]: 7 QA visits overdue: providers/x.toml:45:18 and 6 more`, or
    /// for a group of one, the warning's own message and where it is.
    pub fn line(&self, color: bool) -> String {
        let head = if color { format!("\x1b[1;33mwarning[{}]\x1b[0m", self.code) } else { format!("warning[{}]", self.code) };
        let place = self.example.location();
        if self.count == 1 {
            return if place.is_empty() {
                format!("{head}: {}", self.example.message)
            } else {
                format!("{head}: {} ({place})", self.example.message)
            };
        }
        let what = match group_noun(self.code) {
            Some(many) => format!("{} {many}", self.count),
            None => plural(self.count, "warning"),
        };
        let example = if place.is_empty() { self.example.message.clone() } else { place };
        format!("{head}: {what}: {example} and {} more", self.count - 1)
    }
}

/// What a group of warnings with this code is called ("7 QA visits overdue"); other codes are
/// counted as warnings.
fn group_noun(code: &str) -> Option<&'static str> {
    Some(match code {
        "qa-visit-overdue" => "QA visits overdue",
        "insurance-expired" => "insurance certificates expired",
        "vacancies-stale" => "vacancy figures out of date",
        "vacancies-undated" => "vacancy figures without a date",
        "no-summary" => "providers without a summary",
        "duplicate-name" => "provider names used twice",
        _ => return None,
    })
}

impl Diagnostics {
    /// The warnings grouped by code, largest group first (then by code), each with its first
    /// warning in file order as the example.
    pub fn warning_groups(&self) -> Vec<WarningGroup<'_>> {
        let mut groups: Vec<WarningGroup<'_>> = Vec::new();
        for d in self.warnings() {
            match groups.iter_mut().find(|g| g.code == d.code) {
                Some(g) => g.count += 1,
                None => groups.push(WarningGroup { code: d.code, count: 1, example: d }),
            }
        }
        groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
        groups
    }

    /// Every error in full.
    pub fn render_errors(&self, color: bool) -> String {
        self.errors().map(|d| d.render(color)).collect()
    }

    /// What the terminal shows after a run: every error in full first, then the warnings, in
    /// full or one line per code.
    pub fn report(&self, detail: Detail, color: bool) -> String {
        let mut out = self.render_errors(color);
        match detail {
            Detail::Full => out.extend(self.warnings().map(|d| d.render(color))),
            Detail::Grouped => {
                let groups = self.warning_groups();
                for g in &groups {
                    out.push_str(&g.line(color));
                    out.push('\n');
                }
                if groups.iter().any(|g| g.count > 1) {
                    out.push_str("note: run with --verbose to see every warning in full\n");
                }
            }
        }
        out
    }
}

/// The preview's memory of the warnings it has printed, so that after the first build it
/// prints only what changed: new warnings, fixed ones, and a one-line count.
#[derive(Debug, Default)]
pub struct ProblemLog {
    printed: bool,
    /// Keyed by code, file and message (not line, which moves when lines are added above).
    seen: std::collections::BTreeMap<(&'static str, String, String), Diagnostic>,
}

/// More new or fixed warnings than this at once are grouped, as on a first build.
const LOG_IN_FULL: usize = 5;

impl ProblemLog {
    /// What to print for this rebuild's warnings.
    pub fn update(&mut self, warnings: &Diagnostics, detail: Detail, color: bool) -> String {
        let now: std::collections::BTreeMap<_, Diagnostic> = warnings.warnings().map(|d| (Self::key(d), d.clone())).collect();
        if !std::mem::replace(&mut self.printed, true) {
            self.seen = now;
            return warnings.report(detail, color);
        }
        let new = Diagnostics { items: now.iter().filter(|(k, _)| !self.seen.contains_key(*k)).map(|(_, d)| d.clone()).collect() };
        let fixed = Diagnostics { items: self.seen.iter().filter(|(k, _)| !now.contains_key(*k)).map(|(_, d)| d.clone()).collect() };
        let mut out = String::new();
        if detail == Detail::Full || new.items.len() <= LOG_IN_FULL {
            out.extend(new.items.iter().map(|d| d.render(color)));
        } else {
            out.extend(new.warning_groups().iter().map(|g| format!("new {}\n", g.line(color))));
        }
        if detail == Detail::Full || fixed.items.len() <= LOG_IN_FULL {
            out.extend(fixed.items.iter().map(|d| format!("fixed: {}\n", WarningGroup { code: d.code, count: 1, example: d }.line(color))));
        } else {
            out.extend(fixed.warning_groups().iter().map(|g| format!("fixed {}\n", g.line(color))));
        }
        if !now.is_empty() || !fixed.items.is_empty() {
            let count = plural(warnings.warning_count(), "warning");
            out.push_str(&format!("{count} ({} new, {} fixed)\n", new.items.len(), fixed.items.len()));
        }
        self.seen = now;
        out
    }

    fn key(d: &Diagnostic) -> (&'static str, String, String) {
        (d.code, d.file.as_ref().map(|f| f.name.clone()).unwrap_or_default(), d.message.clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> Arc<SourceFile> {
        SourceFile::new(format!("providers/{name}.toml"), name, "a = 1\nnext_visit_due = 2026-01-01\n".to_string())
    }

    fn overdue(name: &str) -> Diagnostic {
        Diagnostic::warning("qa-visit-overdue", format!("{name}'s visit was due")).in_file(&record(name), Some(6..20))
    }

    #[test]
    fn warnings_are_grouped_by_code_with_a_count_and_one_example() {
        let mut d = Diagnostics::default();
        for name in ["a", "b", "c"] {
            d.push(overdue(name));
        }
        d.push(Diagnostic::warning("no-summary", "the provider has no summary").in_file(&record("d"), Some(0..1)));
        let text = d.report(Detail::Grouped, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "warning[qa-visit-overdue]: 3 QA visits overdue: providers/a.toml:2:1 and 2 more");
        assert_eq!(lines[1], "warning[no-summary]: the provider has no summary (providers/d.toml:1:1)");
        assert!(lines[2].contains("--verbose"));
        assert_eq!(lines.len(), 3);
        // In full, each warning has its own header and quoted line.
        assert_eq!(d.report(Detail::Full, false).matches("warning[").count(), 4);
    }

    #[test]
    fn errors_come_first_and_are_never_grouped() {
        let mut d = Diagnostics::default();
        d.push(overdue("a"));
        d.push(overdue("b"));
        for name in ["x", "y"] {
            d.push(Diagnostic::error("invalid-tier", "tier 7 does not exist").in_file(&record(name), Some(0..1)).label("not 1, 2 or 3"));
        }
        let text = d.report(Detail::Grouped, false);
        assert_eq!(text.matches("error[invalid-tier]").count(), 2, "{text}");
        assert!(text.contains("providers/x.toml:1:1") && text.contains("providers/y.toml:1:1"), "{text}");
        assert!(text.find("error[").unwrap() < text.find("warning[").unwrap(), "{text}");
    }

    #[test]
    fn the_preview_prints_only_what_changed_after_the_first_build() {
        let mut log = ProblemLog::default();
        let mut d = Diagnostics::default();
        d.push(overdue("a"));
        d.push(overdue("b"));
        assert!(log.update(&d, Detail::Grouped, false).contains("2 QA visits overdue"));
        assert_eq!(log.update(&d, Detail::Grouped, false), "2 warnings (0 new, 0 fixed)\n");
        d.items.remove(0);
        d.push(overdue("c"));
        let text = log.update(&d, Detail::Grouped, false);
        assert!(text.contains("warning[qa-visit-overdue]: c's visit was due"), "new ones in full: {text}");
        assert!(text.contains("fixed: warning[qa-visit-overdue]: a's visit was due (providers/a.toml:2:1)"), "{text}");
        assert!(text.ends_with("2 warnings (1 new, 1 fixed)\n"), "{text}");
        assert_eq!(
            log.update(&Diagnostics::default(), Detail::Grouped, false),
            "fixed: warning[qa-visit-overdue]: b's visit was due (providers/b.toml:2:1)\nfixed: warning[qa-visit-overdue]: c's visit was due (providers/c.toml:2:1)\n0 warnings (0 new, 2 fixed)\n"
        );
        assert_eq!(log.update(&Diagnostics::default(), Detail::Grouped, false), "");
    }
}
