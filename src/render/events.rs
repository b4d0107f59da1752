//! What guide and event pages show beyond their Markdown: when a guide page was last
//! reviewed (with the "not reviewed recently" badge), an event's details, and the list of
//! upcoming events for the home page, the guide and the events page.

use serde::Serialize;

use crate::guide_checks::{is_event_page, is_guide_page};
use crate::model::event::EventInfo;
use crate::model::guide::GuidePage;
use crate::rules::review_overdue;
use crate::site::Site;

/// How many upcoming events the home page and the guide list.
pub const UPCOMING_LIMIT: usize = 5;

#[derive(Serialize)]
pub struct ReviewView {
    /// "16 November 2026", or `None` when nobody recorded a review.
    pub reviewed: Option<String>,
    pub reviewed_iso: Option<String>,
    /// Past `rules.guide_review_days` (or never reviewed): show "not reviewed recently".
    pub overdue: bool,
}

/// The review line of a guide page; `None` for pages outside the guide.
pub fn review_view(p: &GuidePage, site: &Site) -> Option<ReviewView> {
    is_guide_page(p).then(|| ReviewView {
        reviewed: p.front.reviewed.map(|d| d.long()),
        reviewed_iso: p.front.reviewed.map(|d| d.iso()),
        overdue: review_overdue(p.front.reviewed, site.today, site.config.rules.guide_review_days),
    })
}

#[derive(Serialize)]
pub struct EventView {
    pub title: String,
    pub url: String,
    pub summary: String,
    /// "Thursday 3 December 2026"
    pub day: String,
    /// "09:30 to 12:00", or with both dates when it runs over more than one day.
    pub when: String,
    pub start_iso: String,
    pub end_iso: String,
    pub place: Option<String>,
    pub online: Option<String>,
    pub audience: String,
    pub booking: String,
    /// A `mailto:` or `https://` link for `booking`, when it is an address.
    pub booking_href: Option<String>,
    pub upcoming: bool,
}

fn event_of(p: &GuidePage, e: &EventInfo, site: &Site) -> EventView {
    let day = |t: &crate::model::event::LocalTime| t.0.format("%A %-d %B %Y").to_string();
    let when = match e.start.date() == e.end.date() {
        true => format!("{} to {}", e.start.hm(), e.end.hm()),
        false => format!("{} {} to {} {}", day(&e.start), e.start.hm(), day(&e.end), e.end.hm()),
    };
    let booking = e.booking.trim();
    let booking_href = match booking {
        b if b.starts_with("https://") => Some(b.to_string()),
        b if b.contains('@') && !b.contains(char::is_whitespace) => Some(format!("mailto:{b}")),
        _ => None,
    };
    EventView {
        title: p.front.title.clone(),
        url: p.url.clone(),
        summary: p.front.summary.clone(),
        day: day(&e.start),
        when,
        start_iso: e.start.iso(),
        end_iso: e.end.iso(),
        place: e.place.clone().filter(|s| !s.trim().is_empty()),
        online: e.online.clone().filter(|s| !s.trim().is_empty()),
        audience: e.audience.clone(),
        booking: booking.to_string(),
        booking_href,
        upcoming: e.upcoming(site.today),
    }
}

/// The event details of an event page.
pub fn event_view(p: &GuidePage, site: &Site) -> Option<EventView> {
    p.front.event.as_ref().map(|e| event_of(p, e, site))
}

/// Every event page with its details, soonest first.
pub fn all_events(site: &Site) -> Vec<(&GuidePage, &EventInfo)> {
    let mut events: Vec<_> = site.pages.iter().filter(|p| is_event_page(p)).filter_map(|p| p.front.event.as_ref().map(|e| (p, e))).collect();
    events.sort_by(|a, b| a.1.start.cmp(&b.1.start).then(a.0.url.cmp(&b.0.url)));
    events
}

/// Events still to come on the build's date, soonest first. Past events drop off; their pages stay.
pub fn upcoming(site: &Site) -> Vec<EventView> {
    all_events(site).into_iter().filter(|(_, e)| e.upcoming(site.today)).map(|(p, e)| event_of(p, e, site)).collect()
}
