//! Markdown to safe HTML: headings get stable ids and feed the table of contents, internal
//! links (`@/guide/x.md#anchor`, `@provider/ID`) are rewritten to site URLs and recorded for
//! checking, tables are wrapped for small screens, and the result is sanitised with ammonia
//! so no script, event handler or `javascript:` URL written in a record or page survives.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::model::slug::slugify;

#[derive(Clone, Debug, Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
}

/// An internal link found in the Markdown, to be checked once every page is known.
#[derive(Clone, Debug)]
pub struct InternalLink {
    pub target: LinkTarget,
    /// Byte range of the link in the Markdown source.
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LinkTarget {
    /// `@/guide/x.md` → (path relative to content/, optional anchor)
    Page { path: String, anchor: Option<String> },
    /// `@provider/ID`
    Provider { id: String },
    /// `@route/NAME`: a form or route named in `apdir.toml`'s `[routes]`, filled in once the
    /// configuration is known (see `crate::guide_checks::apply_routes`).
    Route { name: String },
}

#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<InternalLink>,
    /// The text without markup, for search and summaries.
    pub text: String,
}

/// The URL of a content file, from its path relative to `content/`.
/// `guide/_index.md` → `/guide/`, `guide/x.md` → `/guide/x/`, `_index.md` → `/`.
pub fn url_for_content_path(rel: &str) -> String {
    let rel = rel.trim_start_matches('/');
    let without = rel.strip_suffix(".md").unwrap_or(rel);
    let mut parts: Vec<String> = without.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "_index" || p == "index") {
        parts.pop();
    }
    if parts.is_empty() {
        return "/".into();
    }
    let slugs: Vec<String> = parts.iter().map(|p| slugify(p)).collect();
    format!("/{}/", slugs.join("/"))
}

fn parse_target(dest: &str) -> Option<LinkTarget> {
    if let Some(rest) = dest.strip_prefix("@/") {
        let (path, anchor) = match rest.split_once('#') {
            Some((p, a)) => (p.to_string(), Some(a.to_string())),
            None => (rest.to_string(), None),
        };
        return Some(LinkTarget::Page { path, anchor });
    }
    if let Some(name) = dest.strip_prefix("@route/") {
        return Some(LinkTarget::Route { name: name.trim_end_matches('/').to_string() });
    }
    if let Some(id) = dest.strip_prefix("@provider/") {
        return Some(LinkTarget::Provider { id: id.trim_end_matches('/').to_string() });
    }
    None
}

/// Where a `@route/NAME` link points until the configured URL replaces it.
pub fn route_placeholder(name: &str) -> String {
    format!("/apdir-route/{}/", slugify(name))
}

pub fn provider_url(id: &str) -> String {
    format!("/providers/{id}/")
}

/// Renders Markdown. `heading_offset` shifts heading levels (1 makes `#` an h2), used for
/// provider descriptions that sit below the page's own headings.
pub fn render(source: &str, heading_offset: u8) -> Rendered {
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let mut out = Rendered::default();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut events: Vec<Event> = Vec::new();
    let mut in_heading: Option<(u8, usize, String)> = None;
    for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let lvl = (heading_number(level) + heading_offset).min(6);
                in_heading = Some((lvl, events.len(), String::new()));
                events.push(Event::Text(CowStr::Borrowed(""))); // placeholder for the open tag
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((lvl, at, text)) = in_heading.take() {
                    let mut id = slugify(&text);
                    if used_ids.contains(&id) {
                        let mut n = 1;
                        while used_ids.contains(&format!("{id}-{n}")) {
                            n += 1;
                        }
                        id = format!("{id}-{n}");
                    }
                    used_ids.insert(id.clone());
                    events[at] = Event::Html(format!("<h{lvl} id=\"{id}\">").into());
                    events.push(Event::Html(format!("</h{lvl}>\n").into()));
                    out.headings.push(Heading { level: lvl, text: text.trim().to_string(), id });
                }
                // Keep a heading's last word apart from the next block's first (search text).
                out.text.push(' ');
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest = match parse_target(&dest_url) {
                    Some(target) => {
                        let url = match &target {
                            LinkTarget::Page { path, anchor } => {
                                let mut u = url_for_content_path(path);
                                if let Some(a) = anchor {
                                    u.push('#');
                                    u.push_str(a);
                                }
                                u
                            }
                            LinkTarget::Provider { id } => provider_url(id),
                            LinkTarget::Route { name } => route_placeholder(name),
                        };
                        out.links.push(InternalLink { target, span: range.clone() });
                        CowStr::from(url)
                    }
                    None => dest_url,
                };
                events.push(Event::Start(Tag::Link { link_type, dest_url: dest, title, id }));
            }
            Event::Start(Tag::Table(a)) => {
                events.push(Event::Html("<div class=\"table-wrap\">".into()));
                events.push(Event::Start(Tag::Table(a)));
            }
            Event::End(TagEnd::Table) => {
                events.push(Event::End(TagEnd::Table));
                events.push(Event::Html("</div>".into()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, h)) = in_heading.as_mut() {
                    h.push_str(&t);
                }
                out.text.push_str(&t);
                events.push(Event::Text(t));
            }
            Event::SoftBreak | Event::HardBreak => {
                out.text.push(' ');
                events.push(event);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::BlockQuote(_) | TagEnd::CodeBlock) => {
                out.text.push(' ');
                events.push(event);
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    out.html = sanitise(&html);
    out.text = out.text.split_whitespace().collect::<Vec<_>>().join(" ");
    out
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(h, &["id"]);
    }
    b.add_tag_attributes("li", &["id"]);
    b.add_tag_attributes("sup", &["id"]);
    b.add_tag_attributes("div", &["id"]);
    b.add_allowed_classes("div", &["table-wrap", "footnote-definition"]);
    b.add_allowed_classes("sup", &["footnote-reference"]);
    b.add_tag_attributes("th", &["scope"]);
    b.url_schemes(["http", "https", "mailto", "tel"].into_iter().collect());
    b.link_rel(Some("noopener noreferrer"));
    b.id_prefix(None);
    // The site makes no request to another host (and its Content-Security-Policy would block
    // one): an image from elsewhere keeps its alt text but loses its address.
    b.attribute_filter(
        |element, attribute, value| {
            if element == "img" && attribute == "src" && crate::audit::is_external(value) { None } else { Some(value.into()) }
        },
    );
    b
});

/// Cleans HTML written by people: keeps structure and text, drops scripts, styles, event
/// handlers and unsafe URLs.
pub fn sanitise(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

/// The first `max` characters of `text` at a word boundary, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    if let Some(i) = cut.rfind(' ') {
        cut.truncate(i);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_ids_and_links_are_rewritten() {
        let r = render(
            "## The day-6 duty\n\nSee [referrals](@/guide/referrals/making-a-referral.md#what-to-send) and [a provider](@provider/ribble-vale).\n\n## The day-6 duty\n",
            0,
        );
        assert_eq!(r.headings[0].id, "the-day-6-duty");
        assert_eq!(r.headings[1].id, "the-day-6-duty-1");
        assert!(r.html.contains("href=\"/guide/referrals/making-a-referral/#what-to-send\""), "{}", r.html);
        assert!(r.html.contains("href=\"/providers/ribble-vale/\""));
        assert_eq!(r.links.len(), 2);
    }

    #[test]
    fn scripts_and_handlers_never_survive() {
        let r = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<a href=\"JaVaScRiPt:alert(1)\">y</a>",
            0,
        );
        let h = r.html.to_lowercase();
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
    }

    #[test]
    fn images_from_other_hosts_lose_their_address() {
        let r = render("![A map](https://tiles.example.org/map.png) ![Local](/images/map.png)", 0);
        assert!(!r.html.contains("tiles.example.org"), "{}", r.html);
        assert!(r.html.contains("alt=\"A map\""), "{}", r.html);
        assert!(r.html.contains("src=\"/images/map.png\""), "{}", r.html);
    }

    #[test]
    fn content_urls() {
        assert_eq!(url_for_content_path("_index.md"), "/");
        assert_eq!(url_for_content_path("guide/_index.md"), "/guide/");
        assert_eq!(url_for_content_path("guide/Day 6.md"), "/guide/day-6/");
    }
}
