//! `summary_list(rows=...)`: a list of rows (`{key, value, href, tag}`, [`super::view::Row`])
//! as the GOV.UK summary list the default theme's `partials/summary_list.html` writes, byte
//! for byte, without running the template for every row. A provider page has about 55 rows
//! in eight lists; at 10,000 providers running the partial took nearly a fifth of the CPU of
//! rendering the pages (docs/templates.md). A theme that wants other markup includes its own partial
//! instead; the test `summary_list_writes_what_the_partial_writes` holds the two equal.

use std::borrow::Cow;

use tera::{Kwargs, State, TeraResult, Value};

/// Adds the function to a template set.
pub fn register(tera: &mut tera::Tera) {
    tera.register_function("summary_list", SummaryList);
}

struct SummaryList;

impl tera::Function<TeraResult<Value>> for SummaryList {
    fn call(&self, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
        let rows: Value = kwargs.must_get("rows")?;
        Ok(Value::safe_string(&html(rows.as_array().unwrap_or_default())))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// The markup of `partials/summary_list.html` for `rows`.
fn html(rows: &[Value]) -> String {
    let mut out = Vec::with_capacity(64 + rows.len() * 96);
    out.extend_from_slice(b"<dl class=\"summary-list\">");
    for r in rows {
        row(r, &mut out);
    }
    out.extend_from_slice(b"\n</dl>\n");
    String::from_utf8(out).unwrap_or_default()
}

fn row(r: &Value, out: &mut Vec<u8>) {
    let field = |key: &'static str| get(r, key).filter(|v| v.is_truthy());
    let (value, href, tag) = (text(get(r, "value")), field("href"), field("tag"));
    let tag_only = tag.is_some_and(|t| text(get(t, "text")) == value);
    out.extend_from_slice(b"\n<div><dt>");
    escape(&text(get(r, "key")), out);
    out.extend_from_slice(b"</dt><dd>");
    if let Some(tag) = tag.filter(|_| tag_only) {
        tag_html(tag, out);
    } else if let Some(href) = href {
        let href = text(Some(href));
        out.extend_from_slice(b"<a href=\"");
        escape(&href, out);
        out.push(b'"');
        if href.starts_with("http") {
            out.extend_from_slice(b" rel=\"noopener noreferrer\"");
        }
        out.push(b'>');
        escape(&value, out);
        out.extend_from_slice(b"</a>");
    } else {
        escape(&value, out);
    }
    if let Some(tag) = tag.filter(|_| !tag_only) {
        out.push(b' ');
        tag_html(tag, out);
    }
    out.extend_from_slice(b"</dd></div>");
}

fn tag_html(tag: &Value, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<strong class=\"tag tag--");
    escape(&text(get(tag, "colour")), out);
    out.extend_from_slice(b"\">");
    escape(&text(get(tag, "text")), out);
    out.extend_from_slice(b"</strong>");
}

/// A field of a map value (`None` for anything else).
fn get<'a>(v: &'a Value, key: &'static str) -> Option<&'a Value> {
    v.as_map()?.get(&tera::value::Key::Str(key))
}

/// A value as `{{ }}` writes it before escaping (a missing one writes nothing).
fn text(v: Option<&Value>) -> Cow<'_, str> {
    match v {
        Some(v) if v.is_undefined() || v.is_none() => Cow::Borrowed(""),
        Some(v) => v.as_str().map_or_else(|| Cow::Owned(v.to_string()), Cow::Borrowed),
        None => Cow::Borrowed(""),
    }
}

fn escape(s: &str, out: &mut Vec<u8>) {
    let _ = tera::escape_html(s, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTIAL: &str = include_str!("../../themes/default/templates/partials/summary_list.html");

    /// Renders `rows` with the theme's partial and with the function.
    fn both(rows: serde_json::Value) -> (String, String) {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html"]);
        register(&mut tera);
        tera.add_raw_templates(vec![("partial.html", PARTIAL), ("fn.html", "{{ summary_list(rows=rows) }}")]).unwrap();
        let mut c = tera::Context::new();
        c.insert("rows", &rows);
        (tera.render("partial.html", &c).unwrap(), tera.render("fn.html", &c).unwrap())
    }

    #[test]
    fn summary_list_writes_what_the_partial_writes() {
        let tag = |text: &str| serde_json::json!({"text": text, "colour": "green"});
        let rows = serde_json::json!([
            {"key": "Plain", "value": "A value & <more>", "href": null, "tag": null},
            {"key": "Link", "value": "Site", "href": "/providers/a/", "tag": null},
            {"key": "Outside", "value": "Web \"site\"", "href": "https://example.org/?a=1&b='2'", "tag": null},
            {"key": "Empty link", "value": "x", "href": "", "tag": null},
            {"key": "Tag alone", "value": "Approved", "href": null, "tag": tag("Approved")},
            {"key": "Tag after", "value": "12 March 2026", "href": null, "tag": tag("Overdue")},
            {"key": "Tag after a link", "value": "Report", "href": "http://x.test/", "tag": tag("Old")},
            {"key": "Tag alone with a link", "value": "Yes", "href": "/x/", "tag": tag("Yes")},
            {"key": "No value", "value": "", "href": null, "tag": null}
        ]);
        let (partial, function) = both(rows);
        assert_eq!(function, partial);
        let (partial, function) = both(serde_json::json!([]));
        assert_eq!(function, partial);
    }
}
