//! `/events.ics`: the training and events as an iCalendar feed (RFC 5545).
//!
//! Times are written in UTC (`DTSTART:20261203T093000Z`), converted from the UK local times in
//! the pages ([`uk_to_utc`]), so no VTIMEZONE is needed and every calendar shows the right
//! hour. Lines end in CRLF and are folded at 75 octets; TEXT values escape `\`, `;`, `,` and
//! line breaks (RFC 5545 sections 3.1 and 3.3.11).

use chrono::NaiveDateTime;

use super::{Body, OutputFile};
use crate::model::event::uk_to_utc;
use crate::site::Site;

/// One VEVENT, with its times already in UTC.
#[derive(Clone, Debug)]
pub struct CalendarEvent {
    pub uid: String,
    pub stamp: NaiveDateTime,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub url: Option<String>,
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded so that no line is longer than 75 octets (a continuation line
/// starts with a space, which counts), never inside a UTF-8 character, each ending in CRLF.
pub fn fold(line: &str, out: &mut String) {
    let mut used = 0usize;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

fn utc(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The whole calendar as text.
pub fn write_calendar(name: &str, events: &[CalendarEvent]) -> String {
    let mut s = String::new();
    let mut line = |l: String| fold(&l, &mut s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//apdir//Training and events//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape_text(&e.uid)));
        line(format!("DTSTAMP:{}", utc(e.stamp)));
        line(format!("DTSTART:{}", utc(e.start)));
        line(format!("DTEND:{}", utc(e.end)));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape_text(&e.description)));
        }
        if let Some(l) = &e.location {
            line(format!("LOCATION:{}", escape_text(l)));
        }
        if let Some(u) = &e.url {
            line(format!("URL:{u}"));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    s
}

/// `/events.ics`: every event page, past and upcoming, soonest first.
pub fn calendar(site: &Site) -> OutputFile {
    let base = site.config.base();
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("apdir");
    let events: Vec<CalendarEvent> = super::events::all_events(site)
        .into_iter()
        .map(|(p, e)| {
            let mut description = p.front.summary.clone();
            for (label, value) in [("For", e.audience.as_str()), ("Join online", e.online.as_deref().unwrap_or("")), ("To book", e.booking.as_str())]
            {
                if !value.trim().is_empty() {
                    description.push_str(&format!("\n{label}: {}", value.trim()));
                }
            }
            let stamp = p.front.updated.unwrap_or(site.today).0.and_hms_opt(0, 0, 0).expect("midnight");
            CalendarEvent {
                uid: format!("{}@{host}", p.url.trim_matches('/').replace('/', "-")),
                stamp,
                start: uk_to_utc(e.start.0),
                end: uk_to_utc(e.end.0),
                summary: p.front.title.clone(),
                description,
                location: e.place.clone().filter(|s| !s.trim().is_empty()).or_else(|| e.online.as_ref().map(|_| "Online".to_string())),
                url: Some(format!("{base}{}", p.url)),
            }
        })
        .collect();
    let name = format!("{}: training and events", site.config.title);
    OutputFile { path: "events.ics".into(), body: Body::Bytes(write_calendar(&name, &events).into_bytes()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape_text("a, b; c\\d\ne\r\nf"), "a\\, b\\; c\\\\d\\ne\\nf");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        fold(&long, &mut out);
        for l in out.split_terminator("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
        let mut short = String::new();
        fold("VERSION:2.0", &mut short);
        assert_eq!(short, "VERSION:2.0\r\n");
    }
}
