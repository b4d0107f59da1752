//! A parsed TOML file that remembers where every key and value came from, so later stages
//! can point at `offer.needs[2]` in a diagnostic.
//!
//! Why this file stays whole (about 650 lines of code, then 150 of tests): every part works on
//! the spans of one parsed document. The span tree ([`TomlDoc`]), the second pass that finds
//! the type errors serde's first pass stops before ([`more_type_errors`], which edits the
//! parsed table in place), the field probe ([`fields_of`]) and the scalar finder that falls
//! back to the token stream share private span helpers. Splitting them would make those
//! helpers public across files without making any part shorter.

use std::cell::Cell;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, SourceFile, did_you_mean};

/// One step in a path into a TOML document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    /// The key this step names, if it names one (not an array index).
    pub fn as_key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        }
    }
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Builds a path (an array of steps): `path!["offer", "needs", 2]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => { [$($crate::load::tomldoc::Seg::from($seg)),*] };
}

/// `offer.needs[2]`
pub fn path_to_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[derive(Clone)]
pub struct TomlDoc {
    pub file: Arc<SourceFile>,
    /// Where each key and value sits: worked out only when a diagnostic needs it, by parsing
    /// the text again (most records never need it, and the build is faster without it).
    spans: Arc<std::sync::OnceLock<SpanNode>>,
    /// Offset and length of the TOML text inside the file (front matter sits after `+++`).
    base: usize,
    len: usize,
}

/// Where each key and value of a document sits, kept after the parse tree is consumed.
#[derive(Clone)]
enum SpanNode {
    Table { span: Range<usize>, entries: Vec<(String, Range<usize>, SpanNode)> },
    Array { span: Range<usize>, items: Vec<SpanNode> },
    Leaf { span: Range<usize> },
}

impl SpanNode {
    fn from_value(v: &Spanned<DeValue<'_>>) -> SpanNode {
        match v.get_ref() {
            DeValue::Table(t) => SpanNode::from_table(v.span(), t),
            DeValue::Array(a) => SpanNode::Array { span: v.span(), items: a.iter().map(SpanNode::from_value).collect() },
            _ => SpanNode::Leaf { span: v.span() },
        }
    }
    fn from_table(span: Range<usize>, t: &DeTable<'_>) -> SpanNode {
        SpanNode::Table { span, entries: t.iter().map(|(k, v)| (k.get_ref().to_string(), k.span(), SpanNode::from_value(v))).collect() }
    }
    fn span(&self) -> Range<usize> {
        match self {
            SpanNode::Table { span, .. } | SpanNode::Array { span, .. } | SpanNode::Leaf { span } => span.clone(),
        }
    }
    fn get(&self, seg: &Seg) -> Option<&SpanNode> {
        match (self, seg) {
            (SpanNode::Table { entries, .. }, Seg::Key(k)) => entries.iter().find(|(key, _, _)| key == k).map(|(_, _, v)| v),
            (SpanNode::Array { items, .. }, Seg::Index(i)) => items.get(*i),
            _ => None,
        }
    }
}

impl TomlDoc {
    /// Parses TOML that starts `base` bytes into `file` (0 for a whole TOML file) and
    /// deserialises it into `T`. Unknown keys are reported as errors with a did-you-mean from
    /// `known_fields`; a type error or a missing field makes this file's value `None`, and
    /// every such problem in it is reported (see [`more_type_errors`]). A syntax error
    /// returns `Err`.
    pub fn load<T: DeserializeOwned>(
        file: &Arc<SourceFile>,
        text: &str,
        base: usize,
        known_fields: &dyn Fn(&[Seg]) -> Option<&'static [&'static str]>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<(TomlDoc, Option<T>), Diagnostic> {
        let table = DeTable::parse(text).map_err(|e| toml_error(file, &e, base, "toml-syntax"))?;
        debug_assert_eq!(&file.text[base..base + text.len()], text);
        let doc = TomlDoc { file: file.clone(), spans: Arc::new(std::sync::OnceLock::new()), base, len: text.len() };
        let de = toml::Deserializer::from(table);
        let mut unknown: Vec<Vec<Seg>> = Vec::new();
        let result = serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)));
        let value = match result {
            Ok(v) => Some(v),
            Err(mut e) => {
                e.set_input(Some(text));
                diagnostics.push(toml_error(file, &e, base, "invalid-value"));
                let more = more_type_errors::<T>(text, &e);
                diagnostics.extend(more.errors.iter().map(|e| toml_error(file, e, base, "invalid-value")));
                let mut seen: std::collections::HashSet<Vec<Seg>> = unknown.iter().cloned().collect();
                unknown.extend(more.unknown.into_iter().filter(|p| seen.insert(p.clone())));
                more.repaired
            }
        };
        // Key spans by parent table, each table's keys indexed once: a record of thousands of
        // unknown fields is not searched once per field.
        let mut keys: std::collections::HashMap<Vec<Seg>, std::collections::HashMap<String, Range<usize>>> = Default::default();
        for path in unknown {
            let (parent, last) = path.split_at(path.len().saturating_sub(1));
            let Some(Seg::Key(key)) = last.first() else { continue };
            let index = keys.entry(parent.to_vec()).or_insert_with(|| match doc.lookup(parent) {
                Some(SpanNode::Table { entries, .. }) => entries.iter().map(|(k, span, _)| (k.clone(), span.clone())).collect(),
                _ => Default::default(),
            });
            let span = match index.get(key) {
                Some(s) => Some(doc.base + s.start..doc.base + s.end),
                None => doc.key_span(&path),
            };
            let known = known_fields(parent).unwrap_or(&[]);
            let where_ = if parent.is_empty() { "at the top level".to_string() } else { format!("in `[{}]`", path_to_string(parent)) };
            let mut d = Diagnostic::error("unknown-field", format!("unknown field `{key}` {where_}"))
                .in_file(file, span)
                .label("not a field this record can have");
            d = match did_you_mean(key, known.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None if !known.is_empty() => d.help(format!("the fields here are: {}", known.join(", "))),
                None => d.help("remove it, or check the record format in the README"),
            };
            diagnostics.push(d);
        }
        Ok((doc, value))
    }

    fn root(&self) -> &SpanNode {
        self.spans.get_or_init(|| {
            let text = &self.file.text[self.base..self.base + self.len];
            match DeTable::parse(text) {
                Ok(t) => SpanNode::from_table(t.span(), t.get_ref()),
                Err(_) => SpanNode::Leaf { span: 0..0 },
            }
        })
    }

    fn lookup(&self, path: &[Seg]) -> Option<&SpanNode> {
        let mut cur = self.root();
        for seg in path {
            cur = cur.get(seg)?;
        }
        Some(cur)
    }

    /// The span of the value at `path` in file offsets; the start of the nearest existing
    /// parent when the value is missing (the first line for a missing top-level key).
    pub fn span(&self, path: &[Seg]) -> Option<Range<usize>> {
        // Most diagnostics point at one written value: find it without building the tree.
        if self.spans.get().is_none()
            && let Some(s) = find_scalar(&self.file.text[self.base..self.base + self.len], path)
        {
            return Some(self.base + s.start..self.base + s.end);
        }
        for n in (0..=path.len()).rev() {
            if let Some(v) = self.lookup(&path[..n]) {
                let s = v.span();
                if n == 0 {
                    return Some(self.base..self.base);
                }
                if n < path.len() {
                    return Some(self.base + s.start..self.base + s.start);
                }
                return Some(self.base + s.start..self.base + s.end);
            }
        }
        None
    }

    /// The span of the key itself at `path` (for unknown-field errors).
    pub fn key_span(&self, path: &[Seg]) -> Option<Range<usize>> {
        if let (Some(Seg::Key(key)), parent) = (path.last(), &path[..path.len().saturating_sub(1)])
            && let Some(SpanNode::Table { entries, .. }) = self.lookup(parent)
            && let Some((_, span, _)) = entries.iter().find(|(k, _, _)| k == key)
        {
            return Some(self.base + span.start..self.base + span.end);
        }
        self.span(path)
    }

    /// True when the key at `path` was written in the file.
    pub fn has(&self, path: &[Seg]) -> bool {
        self.lookup(path).is_some()
    }
}

fn ignored_path(p: &serde_ignored::Path) -> Vec<Seg> {
    let mut out = Vec::new();
    fn walk(p: &serde_ignored::Path, out: &mut Vec<Seg>) {
        match p {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                out.push(Seg::Index(*index));
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                out.push(Seg::Key(key.clone()));
            }
            serde_ignored::Path::Some { parent } | serde_ignored::Path::NewtypeStruct { parent } | serde_ignored::Path::NewtypeVariant { parent } => {
                walk(parent, out)
            }
        }
    }
    walk(p, &mut out);
    out
}

/// The type errors and missing fields in `text` after `first`, so that one run reports every
/// problem in a record, not one per run. Deserialising stops at the first error, so this
/// repairs the parsed document and tries again: a value of the wrong type is removed (a
/// required field's value is then stood in for, without reporting that field as missing), and
/// a missing field gets a stand-in of whichever type lets deserialising get further. Spans
/// stay those of the original text. Stops when an error repeats or cannot be repaired, and
/// after 100 rounds.
///
/// Also returns the record without its wrongly typed values when only optional ones had to
/// go (no stand-in was needed), so the caller can check the rest of it too; such a record has
/// errors and is never published.
pub fn more_type_errors<T: DeserializeOwned>(text: &str, first: &toml::de::Error) -> MoreErrors<T> {
    let Ok(mut table) = DeTable::parse(text) else { return MoreErrors { errors: Vec::new(), unknown: Vec::new(), repaired: None } };
    // Unknown keys met on the way (deserialising stopped before reaching some of them). Only
    // until an array element is removed: later elements' indices would no longer be the text's.
    let unknown: std::cell::RefCell<Vec<Vec<Seg>>> = Default::default();
    let seen_unknown: std::cell::RefCell<std::collections::HashSet<Vec<Seg>>> = Default::default();
    let array_changed = Cell::new(false);
    let attempt = |t: &Spanned<DeTable<'_>>| -> Result<T, toml::de::Error> {
        let de = toml::Deserializer::from(t.clone());
        serde_ignored::deserialize(de, |p| {
            let path = ignored_path(&p);
            if !array_changed.get() && seen_unknown.borrow_mut().insert(path.clone()) {
                unknown.borrow_mut().push(path);
            }
        })
        .map_err(|mut e| {
            e.set_input(Some(text));
            e
        })
    };
    // Whether a stand-in was put in: the record is then not what anyone wrote.
    let mut stood_in = false;
    let mut repaired = None;
    let key = |e: &toml::de::Error| (e.span(), e.message().to_string());
    let mut seen = vec![key(first)];
    // Fields whose value was removed, by (table span, name): missing now, but already reported.
    let mut removed: Vec<(Range<usize>, String)> = Vec::new();
    let mut found = Vec::new();
    let mut current = first.clone();
    for _ in 0..100 {
        let Some(span) = current.span() else { break };
        if let Some(field) = missing_field(current.message()) {
            // Stand-ins, tried in turn: the first that moves the error on is kept.
            let mut moved = None;
            for stand_in in ["\"\"", "0", "0.0", "false", "[]", "{}", "2000-01-01"] {
                let Ok(value) = DeValue::parse(stand_in) else { continue };
                let mut trial = table.clone();
                if !insert_at(&mut trial, &span, field, value) {
                    break;
                }
                let next = attempt(&trial);
                // A stand-in of the wrong type fails where it was put (an empty span, which no
                // written value has): that is not a problem in the file, so try the next one.
                let at_stand_in = |n: &toml::de::Error| n.span().is_some_and(|s| s.is_empty());
                if next.as_ref().err().is_none_or(|n| key(n) != key(&current) && !at_stand_in(n)) {
                    moved = Some((trial, next));
                    break;
                }
            }
            let Some((trial, next)) = moved else { break };
            table = trial;
            stood_in = true;
            match next {
                Err(n) => current = n,
                Ok(_) => break,
            }
        } else {
            match remove_at(&mut table, &span) {
                Some(Some(removed_key)) => removed.push(removed_key),
                Some(None) => array_changed.set(true),
                None => break,
            }
            match attempt(&table) {
                Err(n) => current = n,
                Ok(v) => {
                    repaired = (!stood_in).then_some(v);
                    break;
                }
            }
        }
        if seen.contains(&key(&current)) {
            break;
        }
        seen.push(key(&current));
        let own_removal =
            missing_field(current.message()).is_some_and(|f| current.span().is_some_and(|s| removed.iter().any(|(t, k)| *t == s && k == f)));
        if !own_removal {
            found.push(current.clone());
        }
    }
    MoreErrors { errors: found, unknown: unknown.into_inner(), repaired }
}

/// What [`more_type_errors`] found.
pub struct MoreErrors<T> {
    /// Type errors and missing fields after the first, in the order met.
    pub errors: Vec<toml::de::Error>,
    /// Unknown keys met while trying again.
    pub unknown: Vec<Vec<Seg>>,
    /// The record without its wrongly typed values, when no stand-in was needed.
    pub repaired: Option<T>,
}

/// The field a "missing field `x`" message names.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.trim().strip_prefix("missing field")?;
    Some(rest.trim().trim_matches('`'))
}

/// Removes the value whose span is `span` (a table entry or an array element), searching the
/// whole tree: a `[table]`'s own span covers only its header, not its entries. Returns the
/// containing table's span and the key, when it was a table entry.
fn remove_at(root: &mut Spanned<DeTable<'_>>, span: &Range<usize>) -> Option<Option<(Range<usize>, String)>> {
    fn in_table(table_span: Range<usize>, t: &mut DeTable<'_>, span: &Range<usize>) -> Option<Option<(Range<usize>, String)>> {
        if let Some(k) = t.iter().find(|(_, v)| v.span() == *span).map(|(k, _)| k.get_ref().to_string()) {
            t.remove(k.as_str());
            return Some(Some((table_span, k)));
        }
        t.iter_mut().find_map(|(_, v)| in_value(v, span))
    }
    fn in_value(v: &mut Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<Option<(Range<usize>, String)>> {
        let own = v.span();
        match v.get_mut() {
            DeValue::Table(t) => in_table(own, t, span),
            DeValue::Array(items) => {
                if let Some(i) = items.iter().position(|x| x.span() == *span) {
                    let all = std::mem::replace(items, toml::de::DeArray::new());
                    *items = all.into_iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| x).collect();
                    return Some(None);
                }
                items.iter_mut().find_map(|x| in_value(x, span))
            }
            _ => None,
        }
    }
    let own = root.span();
    in_table(own, root.get_mut(), span)
}

/// Inserts `field = value` into the table whose span is `span` (the root when it is the whole
/// document's), searching the whole tree. False when there is no such table.
fn insert_at(root: &mut Spanned<DeTable<'_>>, span: &Range<usize>, field: &str, value: Spanned<DeValue<'static>>) -> bool {
    fn put(t: &mut DeTable<'_>, at: usize, field: &str, value: Spanned<DeValue<'static>>) {
        t.insert(Spanned::new(at..at, field.to_string().into()), Spanned::new(at..at, value.into_inner()));
    }
    fn in_value(v: &mut Spanned<DeValue<'_>>, span: &Range<usize>, field: &str, value: &Spanned<DeValue<'static>>) -> bool {
        let own = v.span();
        match v.get_mut() {
            DeValue::Table(t) if own == *span => {
                put(t, own.start, field, value.clone());
                true
            }
            DeValue::Table(t) => t.iter_mut().any(|(_, x)| in_value(x, span, field, value)),
            DeValue::Array(items) => items.iter_mut().any(|x| in_value(x, span, field, value)),
            _ => false,
        }
    }
    let own = root.span();
    if own == *span {
        put(root.get_mut(), own.start, field, value);
        return true;
    }
    root.get_mut().iter_mut().any(|(_, x)| in_value(x, span, field, &value))
}

/// Turns a toml error into a diagnostic at its span.
pub fn toml_error(file: &Arc<SourceFile>, e: &toml::de::Error, base: usize, code: &'static str) -> Diagnostic {
    let span = e.span().map(|s| base + s.start..base + s.end);
    let message = e.message().trim().to_string();
    let (message, help) = explain_toml_message(&message);
    let mut d = Diagnostic::error(code, message).in_file(file, span).label("here");
    if let Some(h) = help {
        d = d.help(h);
    }
    d
}

fn explain_toml_message(m: &str) -> (String, Option<String>) {
    if m.starts_with("missing field") {
        let field = m.trim_start_matches("missing field").trim().trim_matches('`');
        return (format!("missing required field `{field}`"), Some(format!("add `{field} = …` to this table; see the record format in the README")));
    }
    if m.contains("invalid type") {
        return (
            m.to_string(),
            Some("check the value's type: text needs quotes, numbers and true/false do not, dates are written 2025-11-03".into()),
        );
    }
    if m.contains("duplicate key") {
        return (m.to_string(), Some("each key may appear once per table; remove or rename one".into()));
    }
    (m.to_string(), None)
}

/// The field names a `Deserialize` struct accepts, read from serde's derive at run time so the
/// did-you-mean list can never drift from the model.
pub fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let captured: Cell<&'static [&'static str]> = Cell::new(&[]);
    let _ = T::deserialize(FieldProbe(&captured));
    captured.get()
}

struct FieldProbe<'a>(&'a Cell<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("probe"))
    }
    fn deserialize_struct<V: Visitor<'de>>(self, _name: &'static str, fields: &'static [&'static str], _visitor: V) -> Result<V::Value, Self::Error> {
        self.0.set(fields);
        Err(de::Error::custom("probe"))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// Finds the span of the scalar value at `path` with the TOML event parser alone, without
/// building a parse tree: a warning about a date needs only where the date is, and parsing
/// the record again into a tree for each of thousands of warnings costs time and memory.
/// `None` when `path` is not a scalar written in `text` (callers then use the full tree).
fn find_scalar(text: &str, path: &[Seg]) -> Option<Range<usize>> {
    use toml_parser::Source;
    // Most warnings name a value in a `[table]`: lex and parse only that table's lines.
    if let [Seg::Key(table), _, ..] = path
        && let Some(lines) = table_lines(text, table)
    {
        let source = Source::new(&text[lines.clone()]);
        if let Some(found) = scalar_in_tokens(source, &source.lex().into_vec(), path) {
            return Some(lines.start + found.start..lines.start + found.end);
        }
    }
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    if let Some(table) = table_tokens(source, &tokens, path)
        && let Some(found) = scalar_in_tokens(source, &table, path)
    {
        return Some(found);
    }
    scalar_in_tokens(source, &tokens, path)
}

/// The bytes of `text` from the line `[table]` (written exactly so, at the start of a line,
/// spaces before it allowed) to the next line that starts with `[`, found by reading the
/// text once for where its strings and comments are, without lexing it: a `[` inside a string
/// or a comment never starts or ends a table. `None` when there is no such header (the
/// caller then lexes the whole text); where the table's lines hold something the parser
/// cannot read alone (a nested array's `[` at the start of a line), the caller's parse fails
/// and it falls back to the whole text too.
fn table_lines(text: &str, table: &str) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let mut start: Option<usize> = None;
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        if line_start {
            line_start = false;
            let first = i + b[i..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
            if b.get(first) == Some(&b'[') {
                if start.is_some() {
                    return start.map(|s| s..i);
                }
                let header = &b[first + 1..];
                if header.starts_with(table.as_bytes()) && header.get(table.len()) == Some(&b']') && header.get(table.len() + 1) != Some(&b']') {
                    start = Some(i);
                }
            }
        }
        match b[i] {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'#' => i += b[i..].iter().position(|&c| c == b'\n').unwrap_or(b.len() - i),
            q @ (b'"' | b'\'') => i = after_string(b, i, q),
            _ => i += 1,
        }
    }
    start.map(|s| s..b.len())
}

/// The index just past the string that opens at `b[at]` (quote `q`: `"` basic, `'` literal;
/// tripled, multi-line). An unterminated one-line string ends at its line's end.
fn after_string(b: &[u8], at: usize, q: u8) -> usize {
    let escapes = q == b'"';
    if b[at..].starts_with(&[q, q, q]) {
        let mut i = at + 3;
        while i < b.len() {
            if escapes && b[i] == b'\\' {
                i += 2;
            } else if b[i..].starts_with(&[q, q, q]) {
                // A closing delimiter may have up to two more quotes before it (`""""`).
                let run = b[i..].iter().take_while(|&&c| c == q).count().min(5);
                return i + run;
            } else {
                i += 1;
            }
        }
        return b.len();
    }
    let mut i = at + 1;
    while i < b.len() && b[i] != b'\n' {
        if escapes && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            return i + 1;
        }
        i += 1;
    }
    i.min(b.len())
}

/// The tokens of the `[table]` that `path` starts in (such as `[quality_assurance]` for
/// `next_visit_due`, which most warnings name), so that only they are parsed: a record's
/// tables are a tenth of it each. `None` unless the header is written exactly `[table]` at
/// the start of a line. The table ends at the next `[` that starts a line; if that `[` is a
/// nested array's in a multi-line array instead, the tokens end inside the array, fail to
/// parse, and the whole text is parsed. (Strings are single tokens, so a `[` inside one
/// is never taken for a header.)
fn table_tokens(source: toml_parser::Source<'_>, tokens: &[toml_parser::lexer::Token], path: &[Seg]) -> Option<Vec<toml_parser::lexer::Token>> {
    use toml_parser::lexer::TokenKind as K;
    let [Seg::Key(table), _, ..] = path else { return None };
    let (&eof, tokens) = tokens.split_last()?;
    let starts_line = |i: usize| match i.checked_sub(1).map(|p| tokens[p].kind()) {
        None | Some(K::Newline) => true,
        Some(K::Whitespace) => i < 2 || tokens[i - 2].kind() == K::Newline,
        _ => false,
    };
    let header = (0..tokens.len().saturating_sub(2)).find(|&i| {
        tokens[i].kind() == K::LeftSquareBracket
            && tokens[i + 1].kind() == K::Atom
            && tokens[i + 2].kind() == K::RightSquareBracket
            && source.get(tokens[i + 1].span()).is_some_and(|raw| raw.as_str() == table)
            && starts_line(i)
    })?;
    let end = (header + 3..tokens.len()).find(|&i| tokens[i].kind() == K::LeftSquareBracket && starts_line(i)).unwrap_or(tokens.len());
    let mut table_tokens = tokens[header..end].to_vec();
    table_tokens.push(eof);
    Some(table_tokens)
}

/// The span of the scalar at `path` in the document `tokens` make up.
fn scalar_in_tokens(source: toml_parser::Source<'_>, tokens: &[toml_parser::lexer::Token], path: &[Seg]) -> Option<Range<usize>> {
    let mut finder = ScalarFinder {
        source,
        target: path,
        table: Vec::new(),
        arrays: Vec::new(),
        header: None,
        keys: Vec::new(),
        value: None,
        frames: Vec::new(),
        found: None,
        broken: false,
    };
    let mut errors: Option<toml_parser::ParseError> = None;
    toml_parser::parser::parse_document(tokens, &mut finder, &mut errors);
    if errors.is_some() || finder.broken {
        return None;
    }
    finder.found
}

/// Where a value being read sits: in an inline table (below `base`) or an array (item
/// `index` of `base`).
enum Frame {
    Inline(Vec<Seg>),
    Array(Vec<Seg>, usize),
}

struct ScalarFinder<'s, 'p> {
    source: toml_parser::Source<'s>,
    target: &'p [Seg],
    /// The table the last `[header]` opened.
    table: Vec<Seg>,
    /// How many `[[array]]` tables each path has had so far.
    arrays: Vec<(Vec<Seg>, usize)>,
    /// The keys of a `[header]` or `[[header]]` being read.
    header: Option<Vec<Seg>>,
    /// The keys of a `key = value` being read.
    keys: Vec<Seg>,
    /// Where the next value goes, once its `=` is read.
    value: Option<Vec<Seg>>,
    frames: Vec<Frame>,
    found: Option<Range<usize>>,
    /// Something this finder does not follow: give up rather than guess.
    broken: bool,
}

impl ScalarFinder<'_, '_> {
    fn key(&mut self, span: toml_parser::Span, encoding: Option<toml_parser::decoder::Encoding>) -> Option<Seg> {
        let raw = toml_parser::Raw::new_unchecked(self.source.input().get(span.start()..span.end())?, encoding, span);
        let mut key = std::borrow::Cow::Borrowed("");
        raw.decode_key(&mut key, &mut ());
        Some(Seg::Key(key.into_owned()))
    }
    fn count(&self, path: &[Seg]) -> Option<usize> {
        self.arrays.iter().find(|(p, _)| p == path).map(|(_, n)| *n)
    }
    /// A header's keys as a path: a key that names an array of tables means its last element.
    fn resolve(&self, keys: &[Seg]) -> Vec<Seg> {
        let mut out = Vec::new();
        for k in keys {
            out.push(k.clone());
            if let Some(n) = self.count(&out) {
                out.push(Seg::Index(n.saturating_sub(1)));
            }
        }
        out
    }
    /// The path of the value starting now.
    fn next_value(&mut self) -> Option<Vec<Seg>> {
        match self.frames.last() {
            Some(Frame::Array(base, i)) => {
                let mut p = base.clone();
                p.push(Seg::Index(*i));
                Some(p)
            }
            _ => self.value.take(),
        }
    }
}

impl toml_parser::parser::EventReceiver for ScalarFinder<'_, '_> {
    fn std_table_open(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.header = Some(Vec::new());
    }
    fn array_table_open(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.header = Some(Vec::new());
    }
    fn std_table_close(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        let Some(keys) = self.header.take() else { return self.broken = true };
        self.table = self.resolve(&keys);
    }
    fn array_table_close(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        let Some(keys) = self.header.take() else { return self.broken = true };
        let Some((last, parents)) = keys.split_last() else { return self.broken = true };
        let mut path = self.resolve(parents);
        path.push(last.clone());
        let n = match self.arrays.iter_mut().find(|(p, _)| *p == path) {
            Some((_, n)) => {
                *n += 1;
                *n - 1
            }
            None => {
                self.arrays.push((path.clone(), 1));
                0
            }
        };
        path.push(Seg::Index(n));
        self.table = path;
    }
    fn simple_key(&mut self, span: toml_parser::Span, encoding: Option<toml_parser::decoder::Encoding>, _: &mut dyn toml_parser::ErrorSink) {
        let Some(key) = self.key(span, encoding) else { return self.broken = true };
        match &mut self.header {
            Some(keys) => keys.push(key),
            None => self.keys.push(key),
        }
    }
    fn key_val_sep(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        let mut path = match self.frames.last() {
            Some(Frame::Inline(base)) => base.clone(),
            Some(Frame::Array(..)) => return self.broken = true,
            None => self.table.clone(),
        };
        path.append(&mut self.keys);
        self.value = Some(path);
    }
    fn scalar(&mut self, span: toml_parser::Span, _: Option<toml_parser::decoder::Encoding>, _: &mut dyn toml_parser::ErrorSink) {
        let Some(path) = self.next_value() else { return self.broken = true };
        if self.found.is_none() && path == self.target {
            self.found = Some(span.start()..span.end());
        }
    }
    fn array_open(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) -> bool {
        match self.next_value() {
            Some(path) => self.frames.push(Frame::Array(path, 0)),
            None => self.broken = true,
        }
        true
    }
    fn array_close(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.frames.pop();
    }
    fn inline_table_open(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) -> bool {
        match self.next_value() {
            Some(path) => self.frames.push(Frame::Inline(path)),
            None => self.broken = true,
        }
        true
    }
    fn inline_table_close(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        self.frames.pop();
    }
    fn value_sep(&mut self, _: toml_parser::Span, _: &mut dyn toml_parser::ErrorSink) {
        if let Some(Frame::Array(_, i)) = self.frames.last_mut() {
            *i += 1;
        }
    }
}

#[cfg(test)]
mod finder_tests {
    use super::*;

    /// Every scalar the full parse tree knows, with its span.
    fn leaves(node: &SpanNode, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, Range<usize>)>) {
        match node {
            SpanNode::Leaf { span } => out.push((path.clone(), span.clone())),
            SpanNode::Table { entries, .. } => {
                for (k, _, v) in entries {
                    path.push(Seg::Key(k.clone()));
                    leaves(v, path, out);
                    path.pop();
                }
            }
            SpanNode::Array { items, .. } => {
                for (i, v) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    leaves(v, path, out);
                    path.pop();
                }
            }
        }
    }

    /// The finder agrees with the full parse on every scalar of `text`, and finds nothing
    /// where there is no scalar.
    fn agrees(text: &str) -> usize {
        let table = DeTable::parse(text).expect("test TOML parses");
        let root = SpanNode::from_table(table.span(), table.get_ref());
        let mut all = Vec::new();
        leaves(&root, &mut Vec::new(), &mut all);
        for (path, span) in &all {
            assert_eq!(find_scalar(text, path), Some(span.clone()), "at {} in:\n{text}", path_to_string(path));
        }
        assert_eq!(find_scalar(text, &crate::path!["no", "such", "key"]), None);
        all.len()
    }

    #[test]
    fn finds_every_scalar_of_the_sample_records() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("providers");
        let mut scalars = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            scalars += agrees(&text);
        }
        assert!(scalars > 1000, "only {scalars} scalars checked");
    }

    #[test]
    fn a_tables_value_is_found_from_its_own_tokens_when_that_is_certain() {
        use toml_parser::Source;
        let in_table = |text: &str, path: &[Seg]| {
            let source = Source::new(text);
            let tokens = source.lex().into_vec();
            table_tokens(source, &tokens, path).and_then(|t| scalar_in_tokens(source, &t, path))
        };
        let text = "name = \"x\"\ndescription = \"\"\"\n[capacity]\nplaces = 99\n\"\"\"\n[quality_assurance]\nlist_status = \"approved\"\nnext_visit_due = 2026-11-14 # soon\n\n  [capacity] # places\nplaces = 10\n";
        let at = text.find("2026-11-14").unwrap();
        assert_eq!(in_table(text, &crate::path!["quality_assurance", "next_visit_due"]), Some(at..at + 10));
        // The header inside the multi-line string is not taken for the table's.
        assert_eq!(in_table(text, &crate::path!["capacity", "places"]).map(|r| &text[r]), Some("10"));
        agrees(text);
        // The table's lines found without lexing: not inside a string, a literal string or a
        // comment; an escaped quote does not end a string.
        let tricky = r#"a = '''
[t]
'''
b = "x\" [t]" # [t]
c = """\"""
[t]
"""
[t]
k = 5
[u]
k = 6
"#;
        let header = tricky.rfind("\n[t]").unwrap() + 1;
        assert_eq!(table_lines(tricky, "t"), Some(header..tricky.find("[u]").unwrap()), "{tricky}");
        assert_eq!(find_scalar(tricky, &crate::path!["t", "k"]).map(|r| &tricky[r]), Some("5"));
        assert_eq!(table_lines(tricky, "v"), None);
        agrees(tricky);
        // Not certain: the whole text is parsed instead, and agrees.
        for uncertain in [
            // a nested array's line starting with `[` inside the table
            "[t]\nm = [\n[1, 2],\n]\nk = 3\n",
            // a header written with spaces
            "[ t ]\nk = 4\n",
        ] {
            assert_eq!(in_table(uncertain, &crate::path!["t", "k"]), None, "{uncertain}");
            agrees(uncertain);
        }
    }

    /// Random documents: tables, arrays of tables, arrays, inline tables and quoted keys,
    /// written out by `toml` in its own layout (headers for tables, `[[…]]` for arrays of
    /// tables), and again with every table inline.
    fn value(depth: u32) -> impl proptest::strategy::Strategy<Value = toml::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            any::<i64>().prop_map(toml::Value::Integer),
            any::<bool>().prop_map(toml::Value::Boolean),
            "[a-z \"\\\n\\[\\]=#é]{0,12}".prop_map(toml::Value::String),
            (2000i32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| toml::Value::Datetime(format!("{y:04}-{m:02}-{d:02}").parse().unwrap())),
        ];
        leaf.prop_recursive(depth, 48, 5, |inner| {
            let key = "[a-z_]{1,6}|\"[a-z .\\[]{1,6}\"".prop_map(|k| k.trim_matches('"').to_string());
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
                proptest::collection::btree_map(key.clone(), inner.clone(), 0..5).prop_map(|m| toml::Value::Table(m.into_iter().collect())),
                proptest::collection::vec(proptest::collection::btree_map(key, inner, 1..4), 1..3)
                    .prop_map(|v| toml::Value::Array(v.into_iter().map(|m| toml::Value::Table(m.into_iter().collect())).collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn agrees_with_the_full_parse_on_any_document(doc in proptest::collection::btree_map("[a-z]{1,5}", value(3), 1..6)) {
            let table: toml::Table = doc.into_iter().collect();
            let text = toml::to_string(&table).unwrap();
            agrees(&text);
            let inline = table.iter().map(|(k, v)| format!("{} = {}", toml::Value::String(k.clone()), v)).collect::<Vec<_>>().join("\n");
            agrees(&inline);
        }
    }

    #[test]
    fn follows_every_way_of_writing_a_table() {
        let text = r#"
title = "top"
"quoted key" = 1
dotted.inner = 2
site = { name = "x", deep = { level = 3 }, list = [1, 2, { k = "v" }] }
grid = [[1, 2], [3, [4, 5]]]
text = """
[not_a_table]
x = 1
"""
[a]
b.c = "abc"
'literal key' = 4
[a.sub]
d = 5
[[locations]]
postcode = "PR1 1AA"
[[locations.schedule]]
days = ["mon", "tue"]
[[locations.schedule]]
days = ["wed"]
[locations.extra]
note = "first"
[[locations]]
postcode = "BB1 1AA"
[[locations.schedule]]
days = ["thu"]
[later]
x.y.z = 2026-11-25
"#;
        assert!(agrees(text) >= 25);
        assert_eq!(find_scalar(text, &crate::path!["locations", 1, "schedule", 0, "days", 0]).map(|s| &text[s]), Some("\"thu\""));
        // Not a scalar: tables and arrays are left to the full parse.
        assert_eq!(find_scalar(text, &crate::path!["site"]), None);
        assert_eq!(find_scalar(text, &crate::path!["grid", 1]), None);
    }
}
