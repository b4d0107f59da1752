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
    ("safeguarding", "Safeguarding checks missing or out of date, or an inspection's safeguarding not met"),
    ("qa-visit", "Quality-assurance visits overdue or due soon"),
    ("insurance", "Insurance expired or expiring"),
    ("vacancies", "Vacancy figures out of date"),
    ("child-voice", "Child-voice feedback missing or over 12 months old"),
    ("list-status", "Suspended or under review"),
    ("inspection", "A newer inspection published than the record holds"),
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
    /// The district of the provider's first site (its name), for the "by district" groups.
    pub district: String,
    /// How urgent the row is: 0 safeguarding, 1 suspended or under review, 2 overdue visits and
    /// expired insurance, 3 everything else (figures out of date, things due soon).
    pub urgency: u8,
}

/// The urgency class of a row: its check, and whether its date has passed.
fn urgency(check: &str, tag: &Tag) -> u8 {
    match check {
        "safeguarding" => 0,
        "list-status" => 1,
        "qa-visit" | "insurance" if matches!(tag.text.as_str(), "Overdue" | "Expired") => 2,
        // A newer inspection may carry a worse judgement than the directory shows.
        "inspection" => 2,
        _ => 3,
    }
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
        urgency: urgency(check, &tag),
        district: String::new(),
        tag,
    }
}

fn tag(text: &str, colour: &'static str) -> Tag {
    Tag { text: text.into(), colour }
}

/// The safeguarding rows of one provider (`rules`): required checks not confirmed on an
/// approved provider, dated records out of date, and an inspection whose safeguarding failed.
fn safeguarding_items(site: &Site, p: &crate::model::provider::Provider, out: &mut Vec<Item>) {
    let (name, id, today) = (p.name.as_str(), p.id.as_str(), site.today);
    for (_, what) in rules::missing_checks(p) {
        out.push(item(site, name, id, "safeguarding", format!("Not confirmed: {what}"), None, tag("Not confirmed", "red")));
    }
    for (_, what, d, _) in rules::stale_safeguarding(p, today, &site.config.rules) {
        out.push(item(site, name, id, "safeguarding", format!("Out of date: {what}"), Some(d), tag("Out of date", "red")));
    }
    if rules::inspection_safeguarding_failed(p) {
        let text = "Last inspection: safeguarding not met or inadequate";
        out.push(item(site, name, id, "safeguarding", text, p.inspection.last_inspection, tag("Not met", "red")));
    }
}

/// The name of the district with GSS code `code` (the code itself when the boundary file lacks it).
fn district_name(site: &Site, code: &str) -> String {
    site.areas.iter().find(|a| a.code == code).map_or_else(|| code.to_string(), |a| a.name.clone())
}

/// Every check needing action, most urgent first (`Item::urgency`); within a class the oldest
/// date first, undated rows last, then by provider.
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
        let start = out.len();
        safeguarding_items(site, p, &mut out);
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
        if let Some(seen) = site.inspections_seen.by_urn.get(p.registration.urn.trim())
            && rules::inspection_behind(p, seen.date)
        {
            let issue = format!("{} shows an inspection the record does not have: run `apdir inspections`", seen.extract);
            out.push(item(site, name, id, "inspection", issue, Some(seen.date), tag("Out of date", "orange")));
        }
        if let Some(t) = &p.internal
            && let Ok(InternalNotes { contract_ends: Some(d), .. }) = InternalNotes::read(t)
            && rules::contract(d, today) != Due::Later
        {
            let (text, t) = if d < today { ("Contract ended", tag("Ended", "red")) } else { ("Contract ends soon", tag("Ending", "yellow")) };
            out.push(item(site, name, id, "contract", text, Some(d), t));
        }
        let district = district_name(site, vp.sites.first().map(|s| s.district.as_str()).unwrap_or_default());
        out[start..].iter_mut().for_each(|i| i.district = district.clone());
    }
    out.sort_by_cached_key(|i| (i.urgency, i.date_iso.is_empty(), i.date_iso.clone(), i.provider.clone(), i.check));
    out
}

/// The rows as CSV (`/dashboard/rows.csv`), in the page's order, every cell made safe to open
/// in a spreadsheet.
pub fn rows_csv(items: &[Item]) -> Vec<u8> {
    use crate::model::spreadsheet::safe_cell;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let header = ["urgency", "provider", "district", "check", "issue", "date", "status"];
    let rows = items.iter().map(|i| {
        [i.urgency.to_string(), i.provider.clone(), i.district.clone(), i.check.to_string(), i.issue.clone(), i.date_iso.clone(), i.tag.text.clone()]
    });
    for row in std::iter::once(header.map(String::from)).chain(rows) {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(row.iter().map(|c| safe_cell(c).into_owned()));
    }
    w.into_inner().unwrap_or_default()
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
    let mut districts: Vec<&str> = items.iter().map(|i| i.district.as_str()).filter(|d| !d.is_empty()).collect();
    districts.sort_unstable();
    districts.dedup();
    c.insert("districts", &districts);
    c.insert("counts", &counts);
    c.insert("provider_count", &site.providers.len());
    c.insert("exclusions_url", crate::tracking::URL);
    c.insert("tracking_url", crate::tracking::pages::INTERNAL);
    let mut out = vec![
        templates.render("dashboard.html", &c).map(|html| OutputFile { path: "dashboard/index.html".into(), body: Body::Bytes(html.into_bytes()) }),
        Ok(OutputFile { path: "dashboard/rows.csv".into(), body: Body::Bytes(rows_csv(&items)) }),
    ];
    out.extend(crate::tracking::pages(site, templates));
    out
}
