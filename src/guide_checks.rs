//! Checks on guide and event pages that need the configuration and the build's date: when a
//! page's facts were last reviewed, its reading age, event details, and the named routes
//! (`@route/NAME`) its links use. Also fills those route links in.
//!
//! (Written beside `validate.rs` while `src/` is being reorganised; it belongs with the
//! rules and validation layer.)

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkTarget, route_placeholder};
use crate::model::date::Date;
use crate::model::guide::GuidePage;
use crate::model::readability::Readability;
use crate::rules::{review_due, review_overdue};

/// Each guide page's reading age: (file, age, words).
pub type ReadingAges = Vec<(String, f64, usize)>;

/// A page of the good-practice guide (below `content/guide/`), which must carry `reviewed`.
pub fn is_guide_page(p: &GuidePage) -> bool {
    p.rel_path.starts_with("guide/")
}

/// An event page (below `content/events/`, not the section's own `_index.md`).
pub fn is_event_page(p: &GuidePage) -> bool {
    p.rel_path.starts_with("events/") && !p.is_section
}

/// Every check in this module, in page order.
pub fn check(pages: &[GuidePage], config: &Config, today: Date) -> Vec<Diagnostic> {
    // Each page on its own, on every core (the reading age reads every word: 0.6 s of one
    // core for 10,000 pages), in page order.
    let mut out: Vec<Diagnostic> = pages
        .par_iter()
        .flat_map_iter(|p| {
            let mut found = Vec::new();
            if is_guide_page(p) {
                review(p, config, today, &mut found);
                reading_age(p, config, &mut found);
            }
            event(p, &mut found);
            routes(p, &config.routes, &mut found);
            found
        })
        .collect();
    route_urls(&config.routes, &mut out);
    if let Some(first) = pages.iter().find(|p| is_event_page(p))
        && !pages.iter().any(|p| p.rel_path == "events/_index.md")
    {
        out.push(
            Diagnostic::warning("no-events-page", "there are event pages but no content/events/_index.md")
                .in_file(&first.file, Some(0..0))
                .label("an event")
                .help("add content/events/_index.md with `template = \"events.html\"`: the event lists link to /events/"),
        );
    }
    out
}

/// The span of `key = …` in the page's front matter, for diagnostics (the file start if absent).
fn field_span(p: &GuidePage, key: &str) -> Option<std::ops::Range<usize>> {
    let front = &p.file.text[..p.body_offset.min(p.file.text.len())];
    let mut at = 0;
    for line in front.split_inclusive('\n') {
        let t = line.trim_start();
        if t.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            let start = at + (line.len() - t.len());
            return Some(start..start + line.trim_end().len() - (line.len() - t.len()));
        }
        at += line.len();
    }
    Some(0..0)
}

fn review(p: &GuidePage, config: &Config, today: Date, out: &mut Vec<Diagnostic>) {
    let max = config.rules.guide_review_days;
    match p.front.reviewed {
        None => out.push(
            Diagnostic::warning("no-reviewed-date", format!("{} does not say when its facts were last checked", p.file.name))
                .in_file(&p.file, Some(0..0))
                .label("no `reviewed` date")
                .help("add `reviewed = YYYY-MM-DD` to the front matter once someone has checked the page against the law and guidance; until then it shows \"not reviewed recently\""),
        ),
        Some(d) if review_overdue(Some(d), today, max) => out.push(
            Diagnostic::warning("review-overdue", format!("{} was last reviewed on {}, more than {max} days ago", p.file.name, d.long()))
                .in_file(&p.file, field_span(p, "reviewed"))
                .label(format!("due for review since {}", review_due(d, max).long()))
                .help("check the page against the current law and guidance, then update `reviewed`; until then it shows \"not reviewed recently\""),
        ),
        Some(_) => {}
    }
}

/// The readability of a page's Markdown prose (headings, tables and code left out).
pub fn page_readability(p: &GuidePage) -> Option<Readability> {
    p.readability
}

fn reading_age(p: &GuidePage, config: &Config, out: &mut Vec<Diagnostic>) {
    let max = config.rules.reading_age_max;
    if let Some(r) = page_readability(p)
        && r.reading_age() > max
    {
        out.push(
            Diagnostic::warning("reading-age", format!("{} has a reading age of {:.1}, above {max}", p.file.name, r.reading_age()))
                .in_file(&p.file, Some(first_text(p)..first_text(p)))
                .label(format!("{} words in {} sentences, {:.1} words a sentence", r.words, r.sentences, r.words as f64 / r.sentences as f64))
                .help("use shorter sentences and everyday words; the reading age is the Flesch-Kincaid grade + 5 (docs/guide.md)"),
        );
    }
}

/// Where the page's body text starts (after blank lines).
fn first_text(p: &GuidePage) -> usize {
    let body = p.file.text.get(p.body_offset..).unwrap_or("");
    p.body_offset + (body.len() - body.trim_start().len())
}

/// The reading age of every guide page, for `apdir check`'s report: (file, reading age, words).
pub fn reading_ages(pages: &[GuidePage]) -> ReadingAges {
    pages
        .par_iter()
        .filter(|p| is_guide_page(p))
        .filter_map(|p| page_readability(p).map(|r| (p.file.name.clone(), r.reading_age(), r.words)))
        .collect()
}

fn event(p: &GuidePage, out: &mut Vec<Diagnostic>) {
    let Some(e) = &p.front.event else {
        if is_event_page(p) {
            out.push(
                Diagnostic::error("not-an-event", format!("{} is in content/events/ but has no [event] table", p.file.name))
                    .in_file(&p.file, Some(0..0))
                    .label("no [event]")
                    .help("add an [event] table with start, end, place or online, audience and booking (docs/guide.md), or move the page out of content/events/"),
            );
        }
        return;
    };
    let span = field_span(p, "[event]");
    let mut problem = |code: &'static str, msg: String, help: &str| {
        out.push(Diagnostic::error(code, msg).in_file(&p.file, span.clone()).label("in this event").help(help.to_string()));
    };
    if e.end < e.start {
        problem(
            "event-times",
            format!("the event ends ({}) before it starts ({})", e.end.iso(), e.start.iso()),
            "check `start` and `end`; both are UK local time",
        );
    }
    if e.place.as_deref().is_none_or(|s| s.trim().is_empty()) && e.online.as_deref().is_none_or(|s| s.trim().is_empty()) {
        problem(
            "event-place",
            "the event has neither a place nor an online link".into(),
            "add `place = \"…\"` (an address) or `online = \"https://…\"`",
        );
    }
    if let Some(u) = &e.online
        && !u.starts_with("https://")
    {
        problem(
            "event-link",
            format!("the online link `{u}` does not start with https://"),
            "give the full https:// address of the meeting or its booking page",
        );
    }
    if e.booking.trim().is_empty() {
        problem(
            "event-booking",
            "the event does not say how to book".into(),
            "add `booking = \"…\"`: an email address, a phone number or a booking page",
        );
    }
    if e.audience.trim().is_empty() {
        problem(
            "event-audience",
            "the event does not say who it is for".into(),
            "add `audience = \"…\"`, for example \"Designated safeguarding leads\"",
        );
    }
}

fn routes(p: &GuidePage, configured: &BTreeMap<String, String>, out: &mut Vec<Diagnostic>) {
    for link in &p.links {
        if let LinkTarget::Route { name } = &link.target
            && !configured.contains_key(name)
        {
            let span = Some(p.body_offset + link.span.start..p.body_offset + link.span.end);
            let known: Vec<&str> = configured.keys().map(String::as_str).collect();
            let help = match known.is_empty() {
                true => format!("add it to apdir.toml:\n[routes]\n{name} = \"https://…\""),
                false => format!("add `{name} = \"https://…\"` under [routes] in apdir.toml (configured: {})", known.join(", ")),
            };
            out.push(
                Diagnostic::warning("route-not-configured", format!("the page links to the route `{name}`, which apdir.toml does not configure"))
                    .in_file(&p.file, span)
                    .label("not in [routes]")
                    .help(format!("{help}; until then the link goes to the guide's contact details")),
            );
        }
    }
}

fn route_urls(configured: &BTreeMap<String, String>, out: &mut Vec<Diagnostic>) {
    for (name, url) in configured {
        let ok = (url.starts_with("https://") && url.len() > "https://".len())
            || url.starts_with("mailto:")
            || (url.starts_with('/') && !url.starts_with("//"));
        if !ok {
            out.push(
                Diagnostic::error("route-url", format!("`routes.{name}` in apdir.toml is `{url}`, which is not a link a page can use"))
                    .help("give an https:// address, a mailto: address, or a path on this site starting with /"),
            );
        }
    }
}

/// Where an unconfigured route's links go: the guide's contact section.
pub const ROUTE_FALLBACK: &str = "/guide/#contact-the-ap-team";

/// A guide page's HTML, made from its Markdown when its page is rendered, with every
/// `@route/NAME` link pointed at its configured URL (or [`ROUTE_FALLBACK`]).
///
/// # Panics
/// Once a build has let go of the page's source (`Site::let_go_of_guide_sources`, after its
/// page is written): nothing may render it again.
pub fn page_html(p: &GuidePage, configured: &BTreeMap<String, String>) -> String {
    let body = p.body().expect("a guide page's source is kept until its page is rendered");
    let mut html = crate::markdown::render_html(body, 0);
    let mut names: Vec<&str> =
        p.links.iter().filter_map(|l| if let LinkTarget::Route { name } = &l.target { Some(name.as_str()) } else { None }).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let url = configured.get(name).map(String::as_str).unwrap_or(ROUTE_FALLBACK);
        let from = format!("href=\"{}\"", route_placeholder(name));
        let to = format!("href=\"{}\"", url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;"));
        html = html.replace(&from, &to);
    }
    html
}
