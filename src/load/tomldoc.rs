//! A parsed TOML file that remembers where every key and value came from, so later stages
//! can point at `offer.needs[2]` in a diagnostic.

use std::cell::Cell;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, SourceFile, did_you_mean};

/// One step in a path into a TOML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
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

/// Builds a path: `path!["offer", "needs", 2]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$($crate::load::tomldoc::Seg::from($seg)),*] };
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

pub struct TomlDoc {
    pub file: Arc<SourceFile>,
    /// Where each key and value sits: worked out only when a diagnostic needs it, by parsing
    /// the text again (most records never need it, and the build is faster without it).
    spans: std::sync::OnceLock<SpanNode>,
    /// Offset and length of the TOML text inside the file (front matter sits after `+++`).
    base: usize,
    len: usize,
}

/// Where each key and value of a document sits, kept after the parse tree is consumed.
enum SpanNode {
    Table { span: Range<usize>, entries: Vec<(String, Range<usize>, SpanNode)> },
    Array { span: Range<usize>, items: Vec<SpanNode> },
    Leaf { span: Range<usize> },
}

impl SpanNode {
    fn from_value(v: &Spanned<DeValue<'_>>) -> SpanNode {
        match v.get_ref() {
            DeValue::Table(t) => SpanNode::from_table(v.span(), t),
            DeValue::Array(a) => {
                SpanNode::Array { span: v.span(), items: a.iter().map(SpanNode::from_value).collect() }
            }
            _ => SpanNode::Leaf { span: v.span() },
        }
    }
    fn from_table(span: Range<usize>, t: &DeTable<'_>) -> SpanNode {
        SpanNode::Table {
            span,
            entries: t
                .iter()
                .map(|(k, v)| (k.get_ref().to_string(), k.span(), SpanNode::from_value(v)))
                .collect(),
        }
    }
    fn span(&self) -> Range<usize> {
        match self {
            SpanNode::Table { span, .. } | SpanNode::Array { span, .. } | SpanNode::Leaf { span } => {
                span.clone()
            }
        }
    }
    fn get(&self, seg: &Seg) -> Option<&SpanNode> {
        match (self, seg) {
            (SpanNode::Table { entries, .. }, Seg::Key(k)) => {
                entries.iter().find(|(key, _, _)| key == k).map(|(_, _, v)| v)
            }
            (SpanNode::Array { items, .. }, Seg::Index(i)) => items.get(*i),
            _ => None,
        }
    }
}

impl TomlDoc {
    /// Parses TOML that starts `base` bytes into `file` (0 for a whole TOML file) and
    /// deserialises it into `T`. Unknown keys are reported as errors with a did-you-mean from
    /// `known_fields`; a type error stops this file (its value is `None`) and is reported.
    /// A syntax error returns `Err`.
    pub fn load<T: DeserializeOwned>(
        file: &Arc<SourceFile>,
        text: &str,
        base: usize,
        known_fields: &dyn Fn(&[Seg]) -> Option<&'static [&'static str]>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<(TomlDoc, Option<T>), Diagnostic> {
        let table = DeTable::parse(text).map_err(|e| toml_error(file, &e, base, "toml-syntax"))?;
        debug_assert_eq!(&file.text[base..base + text.len()], text);
        let doc = TomlDoc { file: file.clone(), spans: std::sync::OnceLock::new(), base, len: text.len() };
        let de = toml::Deserializer::from(table);
        let mut unknown: Vec<Vec<Seg>> = Vec::new();
        let result = serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)));
        for path in unknown {
            let (parent, last) = path.split_at(path.len().saturating_sub(1));
            let Some(Seg::Key(key)) = last.first() else { continue };
            let span = doc.key_span(&path);
            let known = known_fields(parent).unwrap_or(&[]);
            let where_ = if parent.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in `[{}]`", path_to_string(parent))
            };
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
        match result {
            Ok(v) => Ok((doc, Some(v))),
            Err(mut e) => {
                e.set_input(Some(text));
                diagnostics.push(toml_error(file, &e, base, "invalid-value"));
                Ok((doc, None))
            }
        }
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
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    walk(p, &mut out);
    out
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
        return (
            format!("missing required field `{field}`"),
            Some(format!("add `{field} = …` to this table; see the record format in the README")),
        );
    }
    if m.contains("invalid type") {
        return (m.to_string(), Some("check the value's type: text needs quotes, numbers and true/false do not, dates are written 2025-11-03".into()));
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
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(fields);
        Err(de::Error::custom("probe"))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
