//! Markdown to safe HTML: headings get stable ids and feed the table of contents, internal
//! links (`@/guide/x.md#anchor`, `@provider/ID`) are rewritten to site URLs and recorded for
//! checking, tables are wrapped for small screens, and the result is sanitised with ammonia
//! so no script, event handler or `javascript:` URL written in a record or page survives.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

pub use crate::model::guide::{Heading, InternalLink, LinkTarget};
use crate::model::slug::slugify;

#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<InternalLink>,
    /// The text without markup, for search and summaries.
    pub text: String,
    /// Where the Markdown first nests deeper than [`MAX_NESTING`] (a byte offset into the
    /// source): the page is not rendered (`html` is empty) and its loader reports an error.
    pub too_deep_at: Option<usize>,
}

/// How deeply blocks, inline elements and raw HTML may nest in one page or description.
/// Real writing stays below about 10 (a list in a quote in a list); the limit exists because
/// the HTML sanitiser's work grows with the square of the depth, so that a few kilobytes of
/// `>` would take minutes.
pub const MAX_NESTING: usize = 64;

/// Tracks how deeply Markdown nests as its events go by: Markdown's own containers, and open
/// tags in raw HTML (an approximation: void elements and `/>` do not count).
#[derive(Default)]
struct Nesting {
    depth: usize,
}

impl Nesting {
    /// Updates the depth for one event; true while it stays within [`MAX_NESTING`].
    fn step(&mut self, event: &Event) -> bool {
        match event {
            Event::Start(_) => self.depth += 1,
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => self.raw_html(html),
            _ => {}
        }
        self.depth <= MAX_NESTING
    }

    fn raw_html(&mut self, html: &str) {
        const VOID: [&str; 14] = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
        for tag in html.split('<').skip(1) {
            if let Some(closing) = tag.strip_prefix('/') {
                if closing.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    self.depth = self.depth.saturating_sub(1);
                }
            } else if tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).take(10).collect::<String>().to_ascii_lowercase();
                let self_closing = tag.split('>').next().is_some_and(|t| t.ends_with('/'));
                if !self_closing && !VOID.contains(&name.as_str()) {
                    self.depth += 1;
                }
            }
        }
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// Where `source` first nests deeper than [`MAX_NESTING`] (a byte offset), if it does. Linear
/// in the source's length: the checks call it before anything renders the text.
pub fn too_deep_at(source: &str) -> Option<usize> {
    let mut nesting = Nesting::default();
    Parser::new_ext(source, options()).into_offset_iter().find(|(event, _)| !nesting.step(event)).map(|(_, range)| range.start)
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
    render_parts(source, heading_offset, true, true)
}

/// [`render`] without the plain text (`Rendered::text` is left empty): for a provider's page,
/// which shows only the HTML, and a guide page's, rendered when the page is.
pub fn render_html(source: &str, heading_offset: u8) -> String {
    render_parts(source, heading_offset, false, true).html
}

/// [`render`] without the HTML (`Rendered::html` is left empty): what loading a guide page
/// keeps (its plain text, headings and links); its HTML is made when its page is rendered.
pub fn render_text(source: &str, heading_offset: u8) -> Rendered {
    render_parts(source, heading_offset, true, false)
}

/// The events the HTML is written from, gathered only when the HTML is wanted.
struct Events<'a> {
    list: Vec<Event<'a>>,
    keep: bool,
}

impl<'a> Events<'a> {
    fn push(&mut self, event: Event<'a>) {
        if self.keep {
            self.list.push(event);
        }
    }
    fn set(&mut self, at: usize, event: Event<'a>) {
        if let Some(e) = self.list.get_mut(at) {
            *e = event;
        }
    }
    fn len(&self) -> usize {
        self.list.len()
    }
}

fn render_parts(source: &str, heading_offset: u8, keep_text: bool, keep_html: bool) -> Rendered {
    let mut out = Rendered::default();
    let mut ids = HeadingIds::default();
    let mut events = Events { list: Vec::new(), keep: keep_html };
    let mut in_heading: Option<(u8, usize, String)> = None;
    let mut nesting = Nesting::default();
    let mut plain = true;
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        if !nesting.step(&event) {
            out.too_deep_at = Some(range.start);
            return out;
        }
        plain = plain && writes_clean_html(&event);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let lvl = (heading_number(level) + heading_offset).min(6);
                in_heading = Some((lvl, events.len(), String::new()));
                events.push(Event::Text(CowStr::Borrowed(""))); // placeholder for the open tag
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((lvl, at, text)) = in_heading.take() {
                    let id = ids.unique(slugify(&text));
                    events.set(at, Event::Html(format!("<h{lvl} id=\"{id}\">").into()));
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
                if keep_text {
                    out.text.push_str(&t);
                }
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
    if keep_html {
        let mut html = String::with_capacity(source.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, events.list.into_iter());
        out.html = if plain { html } else { sanitise(&html) };
    }
    if keep_text {
        out.text = out.text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    out
}

/// Whether pulldown-cmark's HTML for `event` is already exactly what the sanitiser would write
/// back, so a text made only of such events skips the sanitiser (most records' descriptions:
/// paragraphs, emphasis, lists, headings). Anything else (raw HTML, links, images, tables,
/// footnotes, code blocks, rules, line breaks, a numbered list not starting at 1, text with a
/// character the sanitiser writes another way) goes through ammonia as before; the test
/// `the_fast_path_writes_what_the_sanitiser_writes` holds the two equal.
fn writes_clean_html(event: &Event) -> bool {
    match event {
        Event::Text(t) | Event::Code(t) => !t.contains(['\u{a0}', '\r', '\0']),
        Event::SoftBreak => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Item
                | Tag::List(None | Some(1))
                | Tag::BlockQuote(None)
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Item
                | TagEnd::List(_)
                | TagEnd::BlockQuote(_)
        ),
        _ => false,
    }
}

/// Heading ids, each unique in its page: a repeated heading gets `-1`, `-2`, … (the first
/// suffix not already taken). Each base id remembers the last suffix it gave, so 20,000 equal
/// headings take linear time, not quadratic.
#[derive(Default)]
struct HeadingIds {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl HeadingIds {
    fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            let id = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
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

    /// Renders `source` and, when the sanitiser was skipped, checks it would have changed nothing.
    fn assert_fast_path_is_clean(source: &str) -> bool {
        let plain = Parser::new_ext(source, options()).all(|e| writes_clean_html(&e));
        let html = render_html(source, 1);
        if plain {
            assert_eq!(sanitise(&html), html, "the sanitiser would change the fast path's HTML for {source:?}");
        }
        plain
    }

    #[test]
    fn a_page_loaded_as_text_and_rendered_later_is_the_page_rendered_at_once() {
        // A guide page is loaded with `render_text` and its HTML made with `render_html` when
        // its page is rendered: the two halves must be what one `render` gives.
        let source = "# Referrals\n\nSee [the form](@route/referral) and [a page](@/guide/a.md#b).\n\n## Referrals\n\n<b>raw</b> | a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n- list\n";
        let whole = render(source, 0);
        let text = render_text(source, 0);
        assert!(text.html.is_empty());
        assert_eq!(text.text, whole.text);
        assert_eq!(format!("{:?}", text.headings), format!("{:?}", whole.headings));
        assert_eq!(format!("{:?}", text.links), format!("{:?}", whole.links));
        assert_eq!(render_html(source, 0), whole.html);
    }

    #[test]
    fn the_fast_path_writes_what_the_sanitiser_writes() {
        let samples = [
            "Plain words & more <b>not</b> a tag? \"Quoted\" 'single' -- dashes... and > < signs.",
            "# A heading\n\nSome *emphasis*, **strong**, ~~struck~~ and `code <x> & \"q\"`.\n\n## Again\n\n## Again",
            "- one\n- two\n  - nested *item*\n\n1. first\n2. second\n\n> a quote\n> over lines\n\nsoft\nbreak",
            "Tabs\tand unicode: caf\u{e9}, \u{2019}, \u{2014}, emoji \u{1f600}, RTL \u{5d0}, zero width \u{200b}.",
            "3. starts at three\n4. four",
            "Line  \nhard break\n\n---\n\n```\ncode\n```\n\n    indented code",
            "[a link](https://example.org) and <https://auto.example> and ![img](x.png)",
            "| a | b |\n|---|---|\n| 1 | 2 |\n\nfootnote[^1]\n\n[^1]: note",
            "Non\u{a0}breaking and \r\n CRLF",
            "&amp; &lt; &#65; &copy; entities",
            "",
            "* * *",
            "<!-- comment -->\n\n<div>raw</div>",
        ];
        let mut fast = 0;
        for s in samples {
            fast += usize::from(assert_fast_path_is_clean(s));
        }
        assert!(fast >= 5, "most of the plain samples take the fast path ({fast})");
        // Every guide page and record of the sample site.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["content", "providers"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    assert_fast_path_is_clean(&text);
                    for para in text.split("\n\n") {
                        assert_fast_path_is_clean(para);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_from_markdown_pieces_is_clean_on_the_fast_path(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "word", " ", "\n", "\n\n", "*", "**", "_", "~~", "`", "# ", "## ", "- ", "1. ", "2) ", "> ", "&", "<", ">", "\"", "'",
            "\\", "caf\u{e9}", "\u{2019}", "--", "...", "\t", "    ", "#", "[", "]", "(", ")", "!", "|", "=", "+", "{", "}", "\u{1f600}",
        ]), 0..40)) {
            assert_fast_path_is_clean(&pieces.concat());
        }
    }

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
    fn repeated_headings_get_numbered_ids_in_linear_time() {
        let source = "## Same\n\n".repeat(20_000) + "## Same 1\n";
        let started = std::time::Instant::now();
        let r = render(&source, 0);
        assert_eq!(r.headings[0].id, "same");
        assert_eq!(r.headings[1].id, "same-1");
        assert_eq!(r.headings[19_999].id, "same-19999");
        // "Same 1" is written after "same-1" was given out: it gets the next free id.
        assert_eq!(r.headings[20_000].id, "same-1-1");
        // Generous: the quadratic version took over 20 s.
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn nesting_beyond_the_limit_is_found_and_not_rendered() {
        for source in [">".repeat(60_000) + " word", "- ".repeat(5_000) + "x", "<div>".repeat(5_000), "> ".repeat(MAX_NESTING / 2) + "fine"] {
            let deep = too_deep_at(&source);
            let r = render(&source, 0);
            assert_eq!(deep, r.too_deep_at, "{}", &source[..20]);
            if deep.is_some() {
                assert!(r.html.is_empty());
            } else {
                assert!(r.html.contains("fine"));
            }
        }
        assert!(too_deep_at(&(">".repeat(60_000) + " word")).is_some());
        assert!(too_deep_at(&"<br><img src=/a.png>".repeat(5_000)).is_none(), "void elements do not nest");
    }

    #[test]
    fn content_urls() {
        assert_eq!(url_for_content_path("_index.md"), "/");
        assert_eq!(url_for_content_path("guide/_index.md"), "/guide/");
        assert_eq!(url_for_content_path("guide/Day 6.md"), "/guide/day-6/");
    }
}
