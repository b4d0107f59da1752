//! Problems found in the inputs, reported like rustc: file, line, column, the source line,
//! what is wrong and how to fix it. Every stage collects diagnostics instead of stopping, so
//! one run shows every problem at once.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

/// A loaded input file, kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the site root where possible).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    /// How many lines of the real file come before `text`: 0, except in the few lines a
    /// [`Diagnostic::detached`] keeps of its file (line numbers stay the real file's).
    first_line: usize,
    /// Where lines start and how many characters come before points of the text, made the
    /// first time a diagnostic needs a line or column: a file with thousands of problems (on
    /// one long line, even) is scanned once, not once per problem.
    index: std::sync::OnceLock<TextIndex>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: String) -> Arc<Self> {
        Arc::new(SourceFile { name: name.into(), path: path.into(), text, first_line: 0, index: Default::default() })
    }

    /// This file's name and path without its text: what a page keeps once it is checked.
    pub fn name_only(&self) -> Arc<SourceFile> {
        SourceFile::new(self.name.clone(), self.path.clone(), String::new())
    }

    /// The bytes `bytes` of this file (whole lines, the first of them line `first`, 0-based)
    /// as a file of their own that still numbers them as this one does.
    fn part(&self, bytes: Range<usize>, first: usize) -> Arc<SourceFile> {
        let text = self.text[bytes].to_string();
        Arc::new(SourceFile {
            name: self.name.clone(),
            path: self.path.clone(),
            text,
            first_line: self.first_line + first,
            index: Default::default(),
        })
    }

    fn index(&self) -> &TextIndex {
        self.index.get_or_init(|| TextIndex::new(&self.text))
    }

    fn line_starts(&self) -> &[usize] {
        &self.index().line_starts
    }

    /// How many characters come before byte `offset` (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let marks = &self.index().char_marks;
        let (byte, chars) = marks[marks.partition_point(|&(b, _)| b <= offset).saturating_sub(1)];
        chars + self.text[byte..offset].chars().count()
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// The bytes of line `index` (0-based), without its `\n`.
    fn line_range(&self, index: usize) -> Range<usize> {
        let starts = self.line_starts();
        let start = starts.get(index).copied().unwrap_or(self.text.len());
        let end = starts.get(index + 1).map_or(self.text.len(), |&next| next - 1);
        start..end.max(start)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_index(offset);
        let col = self.chars_before(offset) - self.chars_before(self.line_range(line).start) + 1;
        (self.first_line + line + 1, col)
    }
}

/// [`SourceFile`]'s index: line starts, and the character count at a character boundary
/// about every [`CHAR_MARK`] bytes, so counting the characters before any offset reads at
/// most that many bytes.
#[derive(Debug)]
struct TextIndex {
    line_starts: Vec<usize>,
    char_marks: Vec<(usize, usize)>,
}

const CHAR_MARK: usize = 1024;

impl TextIndex {
    fn new(text: &str) -> TextIndex {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let mut char_marks = vec![(0, 0)];
        let mut at = 0;
        while at + CHAR_MARK < text.len() {
            // (A character is at most 4 bytes: the boundary found is past `at`.)
            let next = floor_char_boundary(text, at + CHAR_MARK);
            let chars = char_marks.last().map_or(0, |&(_, c)| c) + text[at..next].chars().count();
            char_marks.push((next, chars));
            at = next;
        }
        TextIndex { line_starts, char_marks }
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
    /// Bytes of the real file before `file`'s text (not 0 once [`Diagnostic::detached`]).
    offset: usize,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, code, message: message.into(), file: None, span: None, label: String::new(), help: None, offset: 0 }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }
    pub fn in_file(mut self, file: &Arc<SourceFile>, span: Option<Range<usize>>) -> Self {
        self.file = Some(file.clone());
        self.span = span;
        self.offset = 0;
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

    /// The same diagnostic holding only the lines of its file it quotes (at most
    /// [`DETACHED_BYTES`] of them; a longer place keeps the whole file), so that a build's
    /// warnings do not keep every record's text alive after the records are checked.
    pub fn detached(mut self) -> Diagnostic {
        let Some(file) = &self.file else { return self };
        if Arc::strong_count(file) == 1 && file.text.len() <= DETACHED_BYTES {
            // Already its own, and small (detached before, say).
            return self;
        }
        let Some(span) = &self.span else {
            self.file = Some(file.name_only());
            return self;
        };
        let start = floor_char_boundary(&file.text, span.start.min(file.text.len()));
        let end = floor_char_boundary(&file.text, span.end.min(file.text.len())).max(start);
        let first = file.line_index(start);
        let bytes = file.line_range(first).start..file.line_range(file.line_index(end)).end;
        if bytes.len() > DETACHED_BYTES {
            return self;
        }
        let from = bytes.start;
        let kept = file.part(bytes, first);
        self.offset += from;
        self.span = Some(start - from..end - from);
        self.file = Some(kept);
        self
    }

    /// Where in its file the diagnostic points (bytes), for sorting.
    fn at(&self) -> Option<usize> {
        self.span.as_ref().map(|s| self.offset + s.start)
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

    /// Renders the diagnostic as rustc does, with the quoted source line (cut to
    /// [`EXCERPT_CHARS`] characters around the place, see [`Excerpt`]).
    pub fn render(&self, color: bool) -> String {
        let mut d = match self.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        }
        .with_code(self.code)
        .with_message(&self.message);
        let file = self.file.as_ref();
        let mut excerpt = None;
        if let (Some(f), Some(span)) = (file, &self.span) {
            let (e, label) = Excerpt::new(f, span.clone());
            d = d.with_labels(vec![cs::Label::primary((), label).with_message(&self.label)]);
            excerpt = Some(e);
        } else if let Some(f) = file {
            d = d.with_notes(vec![format!("in {}", f.name)]);
        }
        if let Some(help) = &self.help {
            d.notes.push(format!("help: {help}"));
        }
        let config = term::Config { start_context_lines: START_CONTEXT, end_context_lines: END_CONTEXT, ..term::Config::default() };
        let name = file.map_or("", |f| f.name.as_str());
        let excerpt = excerpt.unwrap_or_else(|| Excerpt::empty(name));
        let mut out = String::new();
        let result = if color {
            let mut w = term::termcolor::Ansi::new(Vec::new());
            let r = term::emit_to_write_style(&mut w, &config, &excerpt, &d);
            out = String::from_utf8_lossy(&w.into_inner()).into_owned();
            r
        } else {
            term::emit_to_string(&mut out, &config, &excerpt, &d)
        };
        if result.is_err() {
            out = format!("{}: {}\n", self.location(), self.message);
        }
        out
    }
}

/// [`Diagnostic::detached`] keeps at most this many bytes of a file.
pub const DETACHED_BYTES: usize = 4096;

/// At most this many characters of one source line are quoted under a diagnostic. A longer
/// line (a 200 KB description written on one line) is cut around the place the diagnostic
/// points at, with `…` where text was left out; the line and column printed stay the file's.
pub const EXCERPT_CHARS: usize = 120;

/// How many lines after the first line of a label over several lines, and before its last,
/// are quoted (codespan's own defaults, named because [`Excerpt`] holds just those lines).
const START_CONTEXT: usize = 3;
const END_CONTEXT: usize = 1;

/// The part of a file one diagnostic quotes, given to codespan in place of the whole file:
/// at most [`START_CONTEXT`] + [`END_CONTEXT`] + 3 lines, each at most [`EXCERPT_CHARS`]
/// characters (plus the ellipses), so rendering a diagnostic costs the same whatever the size
/// of the file, of its lines or of the span. Line numbers and columns are the real file's.
struct Excerpt<'a> {
    name: &'a str,
    file: Option<&'a SourceFile>,
    text: String,
    /// The quoted lines in order; a line with `real: None` stands for lines left out.
    lines: Vec<Quoted>,
}

struct Quoted {
    /// 0-based line index in the file (`None` for a gap).
    real: Option<usize>,
    /// Where the quoted text is in `Excerpt::text`, ellipses included.
    at: Range<usize>,
    /// The file offset of the first quoted byte, how many bytes of `…` come before it, and
    /// how many bytes of the file are quoted.
    from: usize,
    lead: usize,
    len: usize,
}

impl<'a> Excerpt<'a> {
    fn empty(name: &'a str) -> Excerpt<'a> {
        Excerpt { name, file: None, text: String::new(), lines: vec![Quoted { real: Some(0), at: 0..0, from: 0, lead: 0, len: 0 }] }
    }

    /// The excerpt for `span` of `file`, and the span's place in it.
    fn new(file: &'a SourceFile, span: Range<usize>) -> (Excerpt<'a>, Range<usize>) {
        let start = floor_char_boundary(&file.text, span.start.min(file.text.len()));
        let end = floor_char_boundary(&file.text, span.end.min(file.text.len())).max(start);
        let (first, last) = (file.line_index(start), file.line_index(end));
        let mut e = Excerpt { name: &file.name, file: Some(file), text: String::new(), lines: Vec::new() };
        let head_end = last.min(first + START_CONTEXT);
        let tail_start = last.saturating_sub(END_CONTEXT).max(first);
        for i in first..=head_end {
            e.quote(i, if i == first { start } else { file.line_range(i).start });
        }
        // codespan shows a single line between two quoted ones; a longer gap is marked.
        match tail_start.checked_sub(head_end) {
            Some(0 | 1) | None => {}
            Some(2) => e.quote(head_end + 1, file.line_range(head_end + 1).start),
            Some(_) => e.lines.push(Quoted { real: None, at: e.text.len()..e.text.len(), from: 0, lead: 0, len: 0 }),
        }
        for i in tail_start.max(head_end + 1)..=last {
            e.quote(i, if i == last { end } else { file.line_range(i).start });
        }
        let label = e.place(0, start)..e.place(e.lines.len() - 1, end);
        (e, label)
    }

    /// Quotes line `index` of the file, cut around the file offset `anchor`.
    fn quote(&mut self, index: usize, anchor: usize) {
        let Some(file) = self.file else { return };
        let range = file.line_range(index);
        let line = &file.text[range.clone()];
        let window = window(line, anchor.saturating_sub(range.start));
        let start = self.text.len();
        if window.start > 0 {
            self.text.push('…');
        }
        let lead = self.text.len() - start;
        self.text.push_str(&line[window.clone()]);
        if window.end < line.len() {
            self.text.push('…');
        }
        self.lines.push(Quoted {
            real: Some(file.first_line + index),
            at: start..self.text.len(),
            from: range.start + window.start,
            lead,
            len: window.len(),
        });
        self.text.push('\n');
    }

    /// Where the file offset `offset` (on the line quoted as `self.lines[n]`) is in the excerpt.
    fn place(&self, n: usize, offset: usize) -> usize {
        let q = &self.lines[n];
        q.at.start + q.lead + offset.saturating_sub(q.from).min(q.len)
    }

    /// The quoted line holding excerpt byte `byte`.
    fn quoted(&self, byte: usize) -> usize {
        self.lines.iter().position(|q| q.real.is_some() && q.at.start <= byte && byte <= q.at.end).unwrap_or(0)
    }
}

/// The part of `line` to quote: all of it when short enough, otherwise [`EXCERPT_CHARS`]
/// characters starting up to a third of that before byte `anchor` (on character boundaries).
fn window(line: &str, anchor: usize) -> Range<usize> {
    if line.len() <= EXCERPT_CHARS {
        return 0..line.len();
    }
    let anchor = floor_char_boundary(line, anchor.min(line.len()));
    let mut from = line[..anchor].char_indices().rev().take(EXCERPT_CHARS / 3).last().map_or(anchor, |(i, _)| i);
    let to = line[from..].char_indices().nth(EXCERPT_CHARS).map_or(line.len(), |(i, _)| from + i);
    if to == line.len() {
        // Near the end of the line: fill the window from further back.
        from = from.min(line.char_indices().rev().nth(EXCERPT_CHARS - 1).map_or(0, |(i, _)| i));
    }
    from..to
}

impl<'a> codespan_reporting::files::Files<'a> for Excerpt<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }
    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.text)
    }
    /// The index into `lines` (codespan's line index is the excerpt's).
    fn line_index(&'a self, (): (), byte: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.quoted(byte))
    }
    fn line_number(&'a self, (): (), index: usize) -> Result<usize, codespan_reporting::files::Error> {
        let real = self.lines[..=index.min(self.lines.len() - 1)].iter().rev().find_map(|q| q.real).unwrap_or(0);
        Ok(real + 1 + usize::from(self.lines.get(index).is_some_and(|q| q.real.is_none())))
    }
    fn column_number(&'a self, (): (), index: usize, byte: usize) -> Result<usize, codespan_reporting::files::Error> {
        let (Some(file), Some(q)) = (self.file, self.lines.get(index)) else { return Ok(1) };
        let offset = q.from + byte.saturating_sub(q.at.start + q.lead).min(q.len);
        Ok(file.line_col(offset).1)
    }
    fn line_range(&'a self, (): (), index: usize) -> Result<Range<usize>, codespan_reporting::files::Error> {
        self.lines.get(index).map(|q| q.at.clone()).ok_or(codespan_reporting::files::Error::LineTooLarge { given: index, max: self.lines.len() - 1 })
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
            let ka = (a.file.as_ref().map(|f| f.name.as_str()), a.at());
            let kb = (b.file.as_ref().map(|f| f.name.as_str()), b.at());
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

    /// The quoted source line and the caret line under it, as (text after the gutter).
    fn quoted_and_caret(rendered: &str) -> (String, String) {
        let lines: Vec<&str> = rendered.lines().collect();
        let caret = lines.iter().position(|l| l.contains('^')).unwrap_or_else(|| panic!("no caret: {rendered}"));
        let after_bar = |l: &str| l.split_once('│').map(|(_, r)| r.to_string()).unwrap_or_default();
        (after_bar(lines[caret - 1]), after_bar(lines[caret]))
    }

    #[test]
    fn a_200_kb_line_is_quoted_around_the_place_with_the_real_line_and_column() {
        let mut line = "x".repeat(100_000);
        line.push_str("BAD");
        line.push_str(&"y".repeat(100_000));
        let text = format!("first = 1\ndescription = \"{line}\"\n");
        let at = text.find("BAD").unwrap();
        let file = SourceFile::new("providers/long.toml", "long", text);
        let d = Diagnostic::error("bad", "bad word").in_file(&file, Some(at..at + 3)).label("here");
        let out = d.render(false);
        assert!(out.len() < 2 * EXCERPT_CHARS + 400, "{} bytes: {out}", out.len());
        assert!(out.contains("providers/long.toml:2:100016"), "{out}");
        let (quoted, caret) = quoted_and_caret(&out);
        assert!(quoted.trim_start().starts_with('…') && quoted.trim_end().ends_with('…'), "{quoted}");
        let col = |s: &str, pat: &str| s[..s.find(pat).unwrap()].chars().count();
        assert_eq!(col(&quoted, "BAD"), col(&caret, "^^^"), "the caret is under the word:\n{quoted}\n{caret}");
        assert!(caret.contains("^^^ here") && !caret.contains("^^^^"), "{caret}");
    }

    #[test]
    fn long_lines_of_wide_characters_are_cut_on_character_boundaries() {
        for (before, after) in [(0, 50_000), (50_000, 0), (50_000, 50_000), (10, 10)] {
            let text = format!("{}€é{}\n", "é".repeat(before), "日".repeat(after));
            let at = text.find('€').unwrap();
            let file = SourceFile::new("content/x.md", "x", text);
            let out = Diagnostic::warning("w", "here").in_file(&file, Some(at..at + 3)).render(false);
            assert!(out.contains(&format!("content/x.md:1:{}", before + 1)), "{out}");
            let (quoted, caret) = quoted_and_caret(&out);
            let col = |s: &str, pat: &str| s[..s.find(pat).unwrap()].chars().count();
            assert_eq!(col(&quoted, "€"), col(&caret, "^"), "\n{quoted}\n{caret}");
            assert!(quoted.chars().count() <= EXCERPT_CHARS + 4, "{quoted}");
        }
    }

    #[test]
    fn short_lines_are_quoted_whole_and_a_span_over_many_lines_shows_its_ends() {
        let file = SourceFile::new("a.toml", "a", "a = 1\nb = 2\n".to_string());
        let out = Diagnostic::error("e", "msg").in_file(&file, Some(6..11)).label("this").render(false);
        assert!(out.contains("a.toml:2:1") && out.contains("b = 2") && !out.contains('…'), "{out}");
        let text: String = (1..=10_000).map(|i| format!("line {i}\n")).collect();
        let end = text.len() - 1;
        let file = SourceFile::new("b.md", "b", text);
        let out = Diagnostic::error("e", "msg").in_file(&file, Some(0..end)).label("all of it").render(false);
        assert!(out.contains("b.md:1:1") && out.contains("line 1") && out.contains("line 4") && out.contains("line 10000"), "{out}");
        assert!(!out.contains("line 5\n") && out.lines().count() < 16, "{out}");
        // A span past the end of the text, or starting inside a character, still renders.
        let file = SourceFile::new("c.md", "c", "é".to_string());
        assert!(Diagnostic::error("e", "m").in_file(&file, Some(1..99)).render(false).contains("c.md:1:1"));
    }

    /// The line and column the slow, obvious way.
    fn naive_line_col(text: &str, offset: usize) -> (usize, usize) {
        let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
    }

    proptest::proptest! {
        /// Any span of any text (long lines, wide characters, tabs, spans past the end or inside
        /// a character) renders without panicking, says the real line and column, and quotes
        /// no line longer than the excerpt allows.
        #[test]
        fn any_span_of_any_text_renders_briefly_at_its_real_place(
            parts in proptest::collection::vec(proptest::prop_oneof!["[a-z ]{0,400}", "é{0,300}", "日{0,200}", "\n", "\t", "\r\n"], 0..12),
            start in 0usize..3000,
            len in 0usize..3000,
        ) {
            let text: String = parts.concat();
            let file = SourceFile::new("f.md", "f", text.clone());
            let d = Diagnostic::error("e", "m").in_file(&file, Some(start..start + len)).label("x");
            let (l, c) = naive_line_col(&text, start);
            proptest::prop_assert_eq!(d.location(), format!("f.md:{l}:{c}"));
            let out = d.render(false);
            proptest::prop_assert!(out.contains(&format!("f.md:{l}:{c}")), "{}", out);
            for line in out.lines() {
                // (codespan shows a tab as four spaces.)
                proptest::prop_assert!(line.chars().count() <= 4 * EXCERPT_CHARS + 40, "{}", line);
            }
        }

        /// A diagnostic that keeps only the lines it quotes says and shows exactly what it did
        /// with the whole file, and keeps at most DETACHED_BYTES of it (or the whole file).
        #[test]
        fn a_detached_diagnostic_reads_the_same(
            parts in proptest::collection::vec(proptest::prop_oneof!["[a-z ]{0,400}", "é{0,300}", "日{0,200}", "\n", "\n\n", "\t", "\r\n"], 0..16),
            start in 0usize..4000,
            len in 0usize..600,
        ) {
            let text: String = parts.concat();
            let file = SourceFile::new("f.toml", "f", text.clone());
            let d = Diagnostic::warning("w", "m").in_file(&file, Some(start..start + len)).label("x").help("h");
            let kept = d.clone().detached();
            proptest::prop_assert_eq!(kept.location(), d.location());
            proptest::prop_assert_eq!(kept.render(false), d.render(false));
            let held = kept.file.as_ref().map_or(0, |f| f.text.len());
            proptest::prop_assert!(held <= DETACHED_BYTES || held == text.len());
            // Detaching again changes nothing.
            proptest::prop_assert_eq!(kept.clone().detached().render(false), d.render(false));
        }
    }
}
