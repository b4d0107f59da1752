//! The good-practice guide as a school reads it: the topics it must cover, when each page's
//! facts were last checked, training and events (pages, listings, the calendar feed), the
//! reading-age check, and the forms it links to by name.

use crate::common;
use common::*;

/// The pages added for issue 24, and the section page that must link to each.
const NEW_PAGES: [(&str, &str); 8] = [
    ("guide/exclusions/suspensions-and-governors/index.html", "guide/exclusions/index.html"),
    ("guide/attendance/home-tuition/index.html", "guide/attendance/index.html"),
    ("guide/tiers/in-school-units/index.html", "guide/tiers/index.html"),
    ("guide/referrals/transport/index.html", "guide/referrals/index.html"),
    ("guide/referrals/who-pays/index.html", "guide/referrals/index.html"),
    ("guide/quality/complaints-about-a-provider/index.html", "guide/quality/index.html"),
    ("guide/referrals/panels/index.html", "guide/referrals/index.html"),
    ("guide/referrals/telling-the-authority/index.html", "guide/referrals/index.html"),
];

fn url_of(path: &str) -> String {
    format!("/{}", path.trim_end_matches("index.html"))
}

#[test]
fn every_new_guide_page_is_built_sourced_and_linked_from_its_section() {
    let (_dir, files) = build_sample();
    for (path, section) in NEW_PAGES {
        let html = page(&files, path);
        assert!(html.contains("id=\"sources\""), "{path} names its sources at the foot");
        assert!(html.contains("Facts last checked"), "{path} says when its facts were checked");
        let section_html = page(&files, section);
        assert!(section_html.contains(&format!("href=\"{}\"", url_of(path))), "{section} links to {path}");
    }
    let broken = apdir::audit::broken_links(&files);
    assert!(broken.is_empty(), "{} broken links", broken.len());
}

#[test]
fn careers_guidance_runs_from_year_7() {
    let (_dir, files) = build_sample();
    let html = page(&files, "guide/tiers/post-16-transition/index.html");
    assert!(html.contains("years 7 to 13"));
    assert!(!html.contains("years 8 to 13"));
}

#[test]
fn the_forms_the_guide_names_link_to_the_configured_addresses() {
    let (_dir, files) = build_sample();
    let referral = page(&files, "guide/referrals/making-a-referral/index.html");
    assert!(referral.contains("href=\"https://forms.example.gov.uk/ap/referral\""));
    let notify = page(&files, "guide/referrals/telling-the-authority/index.html");
    assert!(notify.contains("href=\"https://forms.example.gov.uk/ap/commissioned-placement\""));
    assert!(notify.contains("href=\"https://forms.example.gov.uk/ap/part-time-timetable\""));
    assert!(files.values().all(|b| !String::from_utf8_lossy(b).contains("/apdir-route/")), "no placeholder is left");
}

fn guide_page(reviewed: &str, body: &str) -> String {
    format!("+++\ntitle = \"Test page\"\nsummary = \"A page.\"\n{reviewed}+++\n\n{body}\n")
}

#[test]
fn a_page_past_its_review_age_carries_the_not_reviewed_recently_badge() {
    let site = TestSite::new();
    site.write("content/guide/old.md", &guide_page("reviewed = 2025-10-01\n", "Short words. Clear text."));
    site.write("content/guide/fresh.md", &guide_page("reviewed = 2026-10-01\n", "Short words. Clear text."));
    site.write("content/guide/never.md", &guide_page("", "Short words. Clear text."));
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let read = |p: &str| std::fs::read_to_string(site.output().join(p)).unwrap();
    let old = read("guide/old/index.html");
    assert!(old.contains("Not reviewed recently"));
    assert!(old.contains("last checked on <time datetime=\"2025-10-01\">1 October 2025</time>"));
    assert!(!read("guide/fresh/index.html").contains("Not reviewed recently"));
    assert!(read("guide/never/index.html").contains("Nobody has recorded when the facts on this page were last checked"));
    assert_eq!(report.warnings.with_code("review-overdue").len(), 1);
    assert_eq!(located(&report.warnings, "review-overdue"), "content/guide/old.md:4:1");
    assert_eq!(report.warnings.with_code("no-reviewed-date").len(), 1);

    // The age is a setting: with 30 days, the October 2026 page is overdue too.
    let config = std::fs::read_to_string(site.root().join("apdir.toml")).unwrap();
    site.write("apdir.toml", &format!("{config}\n[rules]\nguide_review_days = 30\n"));
    site.build().unwrap();
    assert!(read("guide/fresh/index.html").contains("Not reviewed recently"));
}

#[test]
fn a_page_written_in_legal_language_gets_a_reading_age_warning() {
    let site = TestSite::new();
    let hard = "Notwithstanding the foregoing provisions, the governing board shall, in consequence of any representations \
                received, reconsider the appropriateness of the determination within the statutorily prescribed period, having \
                regard to the authority's published procedural documentation and to the considerations enumerated previously.";
    site.write("content/guide/hard.md", &guide_page("reviewed = 2026-11-01\n", hard));
    site.write(
        "content/guide/plain.md",
        &guide_page("reviewed = 2026-11-01\n", "The school must tell you why. You can ask the governors to look again.\n\n| Table | Institutionalisation incomprehensibility |\n|---|---|\n"),
    );
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let w = report.warnings.with_code("reading-age");
    assert_eq!(w.len(), 1, "{}", report.warnings.render(false));
    assert!(w[0].location().starts_with("content/guide/hard.md:"));
    assert!(w[0].message.contains("reading age of"));

    let (_, ages) = apdir::check_report(&site.options()).unwrap();
    let plain = ages.iter().find(|(f, _, _)| f.ends_with("plain.md")).expect("plain.md is reported");
    assert!(plain.1 < 10.0, "tables are not measured: {}", plain.1);
    assert_eq!(ages.len(), 3, "every guide page is reported: {ages:?}");
}

#[test]
fn a_form_the_config_does_not_name_is_reported() {
    let site = TestSite::new();
    site.write("content/guide/forms.md", &guide_page("reviewed = 2026-11-01\n", "Use the [referral form](@route/referral)."));
    let report = site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    assert_eq!(located(&report.warnings, "route-not-configured"), "content/guide/forms.md:7:9");
    let html = std::fs::read_to_string(site.output().join("guide/forms/index.html")).unwrap();
    assert!(html.contains("href=\"/guide/#contact-the-ap-team\""), "an unconfigured form points at the contact details");
}

const EVENT: &str = "+++\ntitle = \"Training day\"\nsummary = \"A day of training.\"\nupdated = 2026-11-01\n\n[event]\nstart = 2026-12-03T09:30:00\nend = 2026-12-03T12:00:00\nplace = \"Room 1\"\naudience = \"SENCOs\"\nbooking = \"book@example.org\"\n+++\n\nBody.\n";

#[test]
fn an_event_must_say_where_and_how_to_book() {
    let site = TestSite::new();
    site.write("content/events/a.md", &EVENT.replace("place = \"Room 1\"\n", "").replace("booking = \"book@example.org\"\n", ""));
    site.write("content/events/b.md", &EVENT.replace("end = 2026-12-03T12:00:00", "end = 2026-12-02T12:00:00"));
    site.write("content/events/c.md", "+++\ntitle = \"Not an event\"\n+++\n\nBody.\n");
    let d = site.errors();
    assert!(!d.with_code("event-place").is_empty(), "{}", d.render(false));
    assert!(!d.with_code("event-booking").is_empty());
    assert!(!d.with_code("event-times").is_empty());
    assert!(!d.with_code("not-an-event").is_empty());
}

#[test]
fn upcoming_events_are_listed_and_past_events_keep_their_pages() {
    let (_dir, files) = build_sample();
    let home = page(&files, "index.html");
    assert!(home.contains("Webinar: safeguarding checks before you place a pupil"));
    assert!(!home.contains("Briefing: how the permanent exclusion and medical panels work"), "past events drop off");
    let guide = page(&files, "guide/index.html");
    assert!(guide.contains("Alternative provision partner network: spring term meeting"));
    let events = page(&files, "events/index.html");
    assert!(events.contains("Webinar: safeguarding checks") && events.contains("href=\"/events.ics\""));
    assert!(!events.contains("Training for providers: getting ready"));
    let past = page(&files, "events/panel-briefing-autumn-2026/index.html");
    assert!(past.contains("This event has finished"));
    assert!(past.contains("ap.training@example.gov.uk"));
    let upcoming = page(&files, "events/partner-network-january-2027/index.html");
    assert!(!upcoming.contains("This event has finished"));
    assert!(upcoming.contains("Wednesday 20 January 2027, 09:30 to 12:00"));
    let feed = page(&files, "feed.xml");
    assert!(feed.contains("/events/safeguarding-checks-webinar-december-2026/"), "the Atom feed carries events");
    assert!(feed.contains("Event on 3 December 2026, 13:30 to 14:30."));
}

/// A small RFC 5545 validator: CRLF line ends, lines of at most 75 octets, unfolded lines of
/// the form NAME[;params]:value, balanced BEGIN/END, required VEVENT properties, UTC
/// date-times, and TEXT values with `,` `;` `\` and line breaks escaped.
fn validate_ics(text: &str) -> Vec<Vec<(String, String)>> {
    assert!(text.ends_with("\r\n"));
    assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "every line ends in CRLF");
    for raw in text.split_terminator("\r\n") {
        assert!(raw.len() <= 75, "line over 75 octets: {raw:?}");
    }
    let unfolded = text.replace("\r\n ", "");
    let mut stack: Vec<String> = Vec::new();
    let mut events = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in unfolded.split_terminator("\r\n") {
        let (name, value) = line.split_once(':').unwrap_or_else(|| panic!("not NAME:value: {line:?}"));
        let name = name.split(';').next().unwrap();
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'), "bad name {name:?}");
        match name {
            "BEGIN" => {
                stack.push(value.to_string());
                if value == "VEVENT" {
                    current = Some(Vec::new());
                }
            }
            "END" => {
                assert_eq!(stack.pop().as_deref(), Some(value), "END matches BEGIN");
                if value == "VEVENT" {
                    events.push(current.take().unwrap());
                }
            }
            _ => {
                if let Some(e) = current.as_mut() {
                    e.push((name.to_string(), value.to_string()));
                }
                if ["SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME"].contains(&name) {
                    let mut chars = value.chars();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => assert!(matches!(chars.next(), Some('\\' | ';' | ',' | 'n' | 'N')), "bad escape in {line:?}"),
                            ';' | ',' => panic!("unescaped {c:?} in {line:?}"),
                            _ => {}
                        }
                    }
                }
                if ["DTSTAMP", "DTSTART", "DTEND"].contains(&name) {
                    let ok = value.len() == 16 && value.as_bytes()[8] == b'T' && value.ends_with('Z');
                    assert!(ok, "{name} must be a UTC date-time: {value:?}");
                }
            }
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    let head: Vec<&str> = unfolded.split_terminator("\r\n").take(3).collect();
    assert_eq!(head[0], "BEGIN:VCALENDAR");
    assert!(head.contains(&"VERSION:2.0"));
    assert!(unfolded.contains("\r\nPRODID:"));
    for e in &events {
        for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"] {
            assert_eq!(e.iter().filter(|(n, _)| n == required).count(), 1, "{required} once in {e:?}");
        }
    }
    events
}

#[test]
fn the_calendar_feed_follows_rfc_5545() {
    let (_dir, files) = build_sample();
    let ics = page(&files, "events.ics");
    let events = validate_ics(&ics);
    assert_eq!(events.len(), 4, "past and upcoming events are in the calendar");
    let get = |e: &Vec<(String, String)>, n: &str| e.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let uids: std::collections::BTreeSet<String> = events.iter().map(|e| get(e, "UID")).collect();
    assert_eq!(uids.len(), 4, "UIDs are unique");
    let briefing = events.iter().find(|e| get(e, "SUMMARY").starts_with("Briefing")).unwrap();
    assert_eq!(get(briefing, "DTSTART"), "20261014T144500Z", "15:45 in British Summer Time is 14:45 UTC");
    let webinar = events.iter().find(|e| get(e, "SUMMARY").starts_with("Webinar")).unwrap();
    assert_eq!(get(webinar, "DTSTART"), "20261203T133000Z", "13:30 in winter is 13:30 UTC");
    assert_eq!(get(webinar, "LOCATION"), "Online");
    assert_eq!(get(webinar, "URL"), "https://ap.example.gov.uk/events/safeguarding-checks-webinar-december-2026/");
    let training = events.iter().find(|e| get(e, "SUMMARY").starts_with("Training for providers")).unwrap();
    assert!(get(training, "LOCATION").contains("Training Room 2\\, County Offices"), "commas are escaped");
}

#[test]
fn a_calendar_with_awkward_text_still_validates() {
    let site = TestSite::new();
    let long = "A, very; long\\\\ summary with é accents ".repeat(6);
    site.write("content/events/x.md", &EVENT.replace("A day of training.", &long).replace("Room 1", "Hall; 2, Big Street"));
    site.build().unwrap_or_else(|e| panic!("{}", render_err(&e)));
    let ics = std::fs::read_to_string(site.output().join("events.ics")).unwrap();
    let events = validate_ics(&ics);
    assert_eq!(events.len(), 1);
}
