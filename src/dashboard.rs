//! The AP team's quality-assurance and safeguarding dashboard (`/dashboard/`), built only
//! in the internal profile: every provider check that needs action, most urgent first.

use serde::Serialize;
use tera::Context;

use crate::diagnostics::Diagnostic;
use crate::disclosure::InternalNotes;
use crate::model::date::Date;
use crate::model::vocab::ListStatus;
use crate::render::templates::Templates;
use crate::render::view::Tag;
use crate::render::{Body, OutputFile};
use crate::site::Site;

use crate::rules::{self, Due};
pub use crate::rules::{CHILD_VOICE_MAX_DAYS, CONTRACT_SOON_DAYS, INSURANCE_SOON_DAYS};

/// The kinds of check, in the order the summary lists them.
pub const CHECKS: &[(&str, &str)] = &[
    ("qa-visit", "Quality-assurance visits overdue or due soon"),
    ("insurance", "Insurance expired or expiring"),
    ("vacancies", "Vacancy figures out of date"),
    ("child-voice", "Child-voice feedback missing or over 12 months old"),
    ("list-status", "Suspended or under review"),
    ("contract", "Contracts ending"),
];

/// One row of the dashboard.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub provider: String,
    pub url: String,
    /// Key from `CHECKS`.
    pub check: &'static str,
    pub issue: String,
    /// `YYYY-MM-DD`, or empty when the check has no date (sorts last).
    pub date_iso: String,
    pub date: String,
    /// Days from today to the date (negative: in the past).
    pub days: Option<i64>,
    pub when: String,
    pub tag: Tag,
}

fn when(days: i64) -> String {
    match days {
        0 => "Today".into(),
        1 => "Tomorrow".into(),
        -1 => "Yesterday".into(),
        d if d < 0 => format!("{} days ago", -d),
        d => format!("In {d} days"),
    }
}

fn item(site: &Site, name: &str, id: &str, check: &'static str, issue: impl Into<String>, date: Option<Date>, tag: Tag) -> Item {
    let days = date.map(|d| site.today.days_until(d));
    Item {
        provider: name.into(),
        url: crate::markdown::provider_url(id),
        check,
        issue: issue.into(),
        date_iso: date.map(|d| d.iso()).unwrap_or_default(),
        date: date.map(|d| d.long()).unwrap_or_else(|| "No date".into()),
        days,
        when: days.map(when).unwrap_or_else(|| "Not recorded".into()),
        tag,
    }
}

fn tag(text: &str, colour: &'static str) -> Tag {
    Tag { text: text.into(), colour }
}

/// Every check needing action, sorted by date (undated last), then provider.
pub fn items(site: &Site) -> Vec<Item> {
    let today = site.today;
    let mut out = Vec::new();
    for vp in &site.providers {
        let p = &vp.provider;
        let (name, id) = (p.name.as_str(), p.id.as_str());
        let qa = &p.quality_assurance;
        if qa.list_status == ListStatus::Removed {
            continue;
        }
        let due = qa.next_visit_due;
        match rules::qa_visit(p, today, &site.config.rules) {
            Due::Passed => out.push(item(site, name, id, "qa-visit", "Quality-assurance visit overdue", due, tag("Overdue", "red"))),
            Due::Soon => out.push(item(site, name, id, "qa-visit", "Quality-assurance visit due soon", due, tag("Due soon", "yellow"))),
            Due::Later => {}
            Due::NotRecorded => out.push(item(site, name, id, "qa-visit", "No quality-assurance visit booked", None, tag("Not booked", "grey"))),
        }
        let sg = &p.safeguarding;
        for (what, d) in
            [("Public liability insurance", sg.public_liability_expires), ("Employer's liability insurance", sg.employers_liability_expires)]
        {
            match rules::insurance(d, today) {
                Due::Passed => out.push(item(site, name, id, "insurance", format!("{what} expired"), d, tag("Expired", "red"))),
                Due::Soon => out.push(item(site, name, id, "insurance", format!("{what} expires soon"), d, tag("Expiring", "yellow"))),
                Due::Later => {}
                Due::NotRecorded => {
                    out.push(item(site, name, id, "insurance", format!("{what}: expiry not recorded"), None, tag("Not recorded", "grey")))
                }
            }
        }
        let cap = &p.capacity;
        match cap.vacancies_as_of {
            Some(d) if rules::vacancies_stale(d, today, &site.config.rules) => out.push(item(
                site,
                name,
                id,
                "vacancies",
                format!("Vacancy figures older than {} days", site.config.rules.vacancy_stale_days),
                Some(d),
                tag("Out of date", "yellow"),
            )),
            None if cap.vacancies.is_some() => {
                out.push(item(site, name, id, "vacancies", "Vacancy figures have no date", None, tag("Undated", "grey")))
            }
            _ => {}
        }
        let cv = &p.child_voice;
        match (cv.feedback_collected, cv.last_collected) {
            (true, Some(d)) if rules::child_voice_stale(d, today) => {
                out.push(item(site, name, id, "child-voice", "Child-voice feedback over 12 months old", Some(d), tag("Out of date", "yellow")))
            }
            (true, Some(_)) => {}
            _ => out.push(item(site, name, id, "child-voice", "No child-voice feedback recorded", cv.last_collected, tag("Missing", "grey"))),
        }
        match qa.list_status {
            ListStatus::Suspended => out.push(item(site, name, id, "list-status", "Suspended from the list", qa.last_visit, tag("Suspended", "red"))),
            ListStatus::UnderReview => out.push(item(site, name, id, "list-status", "Under review", qa.last_visit, tag("Under review", "orange"))),
            _ => {}
        }
        if let Some(t) = &p.internal
            && let Ok(InternalNotes { contract_ends: Some(d), .. }) = InternalNotes::read(t)
            && rules::contract(d, today) != Due::Later
        {
            let (text, t) = if d < today { ("Contract ended", tag("Ended", "red")) } else { ("Contract ends soon", tag("Ending", "yellow")) };
            out.push(item(site, name, id, "contract", text, Some(d), t));
        }
    }
    out.sort_by(|a, b| (a.date_iso.is_empty(), &a.date_iso, &a.provider, a.check).cmp(&(b.date_iso.is_empty(), &b.date_iso, &b.provider, b.check)));
    out
}

#[derive(Serialize)]
struct Count {
    key: &'static str,
    title: &'static str,
    count: usize,
}

/// The internal-only pages (the dashboard and the exclusions tracker). Empty for the public profile.
pub fn pages(site: &Site, templates: &Templates) -> Vec<Result<OutputFile, Diagnostic>> {
    if !site.profile.is_internal() {
        return crate::tracking::pages(site, templates);
    }
    let items = items(site);
    let counts: Vec<Count> =
        CHECKS.iter().map(|(key, title)| Count { key, title, count: items.iter().filter(|i| i.check == *key).count() }).collect();
    let mut c = Context::new();
    let url = "/dashboard/";
    c.insert("page_title", "Quality and safeguarding dashboard");
    c.insert("page_description", "Provider checks that need action, most urgent first.");
    c.insert("current_url", url);
    c.insert("breadcrumbs", &vec![serde_json::json!({"title": "Home", "url": "/"})]);
    c.insert("items", &items);
    c.insert("counts", &counts);
    c.insert("provider_count", &site.providers.len());
    c.insert("exclusions_url", crate::tracking::URL);
    c.insert("tracking_url", crate::tracking::pages::INTERNAL);
    let mut out = vec![
        templates.render("dashboard.html", &c).map(|html| OutputFile { path: "dashboard/index.html".into(), body: Body::Bytes(html.into_bytes()) }),
    ];
    out.extend(crate::tracking::pages(site, templates));
    out
}
