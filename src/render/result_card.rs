//! What one result shows: the facts a school needs to decide, in one data shape used by the
//! no-JavaScript listing cards (`partials/provider_card.html`), the finder's card files
//! (`finder/c/<k>.json`, 50 cards to a file, drawn by `finder.js`) and the compare page
//! (`compare.js`).
//!
//! Every date rule comes from [`view::freshness`]; this module only words the results.

use serde::Serialize;

use crate::markdown;
use crate::model::provider::{InspectionState, Provider};
use crate::model::vocab::*;
use crate::render::view::{self, Tag};
use crate::site::Site;
use crate::validate::ValidProvider;

/// A status other than plain "active", with what it means for a school.
#[derive(Clone, Debug, Serialize)]
pub struct StatusNote {
    pub key: &'static str,
    pub label: &'static str,
    pub meaning: &'static str,
}

/// A labelled fact (compare rows, safeguarding confirmations, contact).
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    pub key: String,
    pub value: String,
}

fn fact(key: &str, value: impl Into<String>) -> Fact {
    Fact { key: key.into(), value: value.into() }
}

#[derive(Clone, Debug, Serialize)]
pub struct ResultCard {
    pub id: String,
    pub url: String,
    pub name: String,
    pub kind: String,
    pub districts: Vec<String>,
    /// Status first when it is not plain "active" on the list.
    pub status: Option<StatusNote>,
    /// Left out of the finder unless the school asks to include it.
    pub left_out: bool,
    pub qa: Tag,
    pub qa_visit: String,
    pub inspection: String,
    pub tiers: Vec<i64>,
    pub key_stages: Vec<String>,
    /// `None` when the record does not say.
    pub day6: Option<bool>,
    pub pattern: Option<String>,
    pub hours: Option<String>,
    pub weeks: Option<String>,
    pub vacancies: String,
    /// Fresh figures of at least one place from a provider taking placements.
    pub places_free: bool,
    pub vacancies_stale: bool,
    /// One line when the QA visit is overdue, insurance expired or checks are out of date.
    pub warning: Option<String>,
    pub insurance_expired: bool,
    pub checks_out_of_date: bool,
    /// `last_reviewed` missing or older than `rules.review_stale_days`.
    pub review_stale: bool,
    pub needs: Vec<String>,
    pub safeguarding: Vec<Fact>,
    pub costs: Vec<String>,
    pub referral: Vec<String>,
    pub contact: Vec<Fact>,
}

/// The status note of a provider, or `None` when it is active and not suspended, removed or
/// under review. The list status comes first: it is the authority's word.
pub fn status_note(p: &Provider) -> Option<StatusNote> {
    let note = |key, label, meaning| Some(StatusNote { key, label, meaning });
    match (&p.quality_assurance.list_status, &p.status) {
        (ListStatus::Suspended, _) => note("suspended", "Suspended", "The authority has suspended this provider: no new placements."),
        (ListStatus::Removed, _) => note("removed", "Removed from the list", "No longer on the authority's quality-assured list: no new placements."),
        (_, ServiceStatus::Defunct) => note("defunct", "Closed", "This provider has closed."),
        (_, ServiceStatus::Inactive) => note("inactive", "Inactive", "Not running at the moment: no new placements."),
        (_, ServiceStatus::TemporarilyClosed) => {
            note("temporarily_closed", "Temporarily closed", "Closed for now: not taking pupils until it reopens.")
        }
        (ListStatus::UnderReview, _) => {
            note("under_review", "Under review", "The authority is reviewing this provider: check with the AP team before placing.")
        }
        _ => None,
    }
}

/// Suspended, removed, closed and inactive providers are left out of the finder by default.
pub fn left_out_by_default(p: &Provider) -> bool {
    matches!(status_note(p), Some(s) if matches!(s.key, "suspended" | "removed" | "defunct" | "inactive"))
}

/// Whether the provider takes new placements at all (temporarily closed ones do not).
/// Whether a school may read the provider as having places free now: it is taking
/// placements (not suspended or removed), its vacancy figures are dated and not out of date,
/// and they count more than none. The card, its "places free" filter and the finder's flag.
pub fn places_free(p: &Provider, f: &view::Freshness) -> bool {
    let fresh = p.capacity.vacancies_as_of.is_some() && !f.vacancies_stale;
    taking_placements(p) && fresh && p.capacity.vacancies.is_some_and(|v| v > 0)
}

pub fn taking_placements(p: &Provider) -> bool {
    !matches!(status_note(p), Some(s) if s.key != "under_review")
}

fn inspection_text(p: &Provider) -> String {
    let ins = &p.inspection;
    let body = match ins.state() {
        InspectionState::NotRecorded => return "Inspection not recorded".into(),
        InspectionState::NotInspected => return "Not inspected".into(),
        InspectionState::By(b) => b.label(),
    };
    let when = ins.last_inspection.map(|d| d.long()).unwrap_or_else(|| "date not recorded".into());
    if let Some(g) = &ins.legacy_overall {
        return format!("{body}: {} ({when})", g.label());
    }
    if ins.framework == InspectionFramework::ReportCard2025 {
        let mut parts = Vec::new();
        match &ins.safeguarding {
            Some(MetOrNotMet::Met) => parts.push("safeguarding met".to_string()),
            Some(MetOrNotMet::NotMet) => parts.push("safeguarding not met".to_string()),
            _ => parts.push("safeguarding not recorded".to_string()),
        }
        if let Some(lowest) = ins.grades.values().filter(|g| g.is_known()).max() {
            parts.push(format!("lowest grade {}", lowest.label().to_lowercase()));
        }
        return format!("{body} report card ({when}): {}", parts.join(", "));
    }
    format!("{body} ({when}): no overall grade")
}

fn vacancies_text(p: &Provider, stale: bool) -> String {
    if !taking_placements(p) {
        return match status_note(p) {
            Some(s) => format!("Not taking placements ({})", s.label.to_lowercase()),
            None => "Not taking placements".into(),
        };
    }
    match (p.capacity.vacancies, p.capacity.vacancies_as_of) {
        (_, Some(d)) if stale => format!("Vacancies not confirmed since {}", d.long()),
        (Some(0), Some(d)) => format!("No places free on {}", d.long()),
        (Some(1), Some(d)) => format!("1 place free on {}", d.long()),
        (Some(v), Some(d)) => format!("{v} places free on {}", d.long()),
        (Some(_), None) => "Vacancies given without a date: ask the provider".into(),
        (None, _) => "Vacancies not published".into(),
    }
}

fn num(h: f64) -> String {
    if h.fract() == 0.0 { format!("{h:.0}") } else { format!("{h}") }
}

fn hours_text(p: &Provider) -> Option<String> {
    let h = p.offer.hours_per_week.as_ref()?;
    Some(match (h.min, h.max) {
        (Some(a), Some(b)) if a != b => format!("{} to {} hours a week", num(a), num(b)),
        (_, Some(b)) => format!("{} hours a week", num(b)),
        (Some(a), None) => format!("At least {} hours a week", num(a)),
        _ => return None,
    })
}

/// The warning line, from the one set of date rules ([`view::freshness`]).
fn warning(f: &view::Freshness) -> Option<String> {
    let mut w = Vec::new();
    if f.qa_overdue {
        w.push("QA visit overdue");
    }
    if f.insurance_expired {
        w.push("insurance expired");
    }
    if f.checks_out_of_date {
        w.push("staff checks confirmation out of date");
    }
    (!w.is_empty()).then(|| format!("Check before placing: {}.", w.join(", ")))
}

fn safeguarding(p: &Provider, site: &Site) -> Vec<Fact> {
    let sg = &p.safeguarding;
    let mut out = Vec::new();
    for (k, v) in [
        ("Enhanced DBS checks for all staff", sg.enhanced_dbs_all_staff),
        ("Single central record", sg.single_central_record),
        ("Named safeguarding lead", sg.named_dsl),
    ] {
        out.push(fact(k, v.map(|b| if b { "Confirmed" } else { "Not confirmed" }).unwrap_or("Not confirmed")));
    }
    let date = |d: Option<crate::model::date::Date>| d.map(|d| d.long()).unwrap_or_else(|| "Not confirmed".into());
    out.push(fact("Written confirmation of checks", date(sg.written_confirmation_of_checks)));
    for (k, d) in
        [("Public liability insurance until", sg.public_liability_expires), ("Employer's liability insurance until", sg.employers_liability_expires)]
    {
        let text = match d {
            Some(d) if d < site.today => format!("{} (expired)", d.long()),
            other => date(other),
        };
        out.push(fact(k, text));
    }
    out
}

fn costs(p: &Provider, site: &Site) -> Vec<String> {
    p.costs
        .iter()
        .map(|c| {
            let mut t = format!("{} {}", money(c.amount), c.option.label());
            if c.includes_transport {
                t.push_str(", including transport");
            }
            if let Some(to) = c.valid_to {
                if to < site.today {
                    t.push_str(&format!(" (price expired {})", to.long()));
                } else {
                    t.push_str(&format!(" (until {})", to.long()));
                }
            }
            t
        })
        .collect()
}

use crate::model::text::money;

pub fn build(vp: &ValidProvider, site: &Site) -> ResultCard {
    let p = &vp.provider;
    let f = view::freshness(p, site);
    let o = &p.offer;
    let status = status_note(p);
    let mut contact = Vec::new();
    if !p.contact.role.is_empty() {
        contact.push(fact("Contact", p.contact.role.clone()));
    }
    if !p.contact.email.is_empty() {
        contact.push(fact("Email", p.contact.email.clone()));
    }
    if !p.contact.phone.is_empty() {
        contact.push(fact("Phone", p.contact.phone.clone()));
    }
    ResultCard {
        id: p.id.clone(),
        url: markdown::provider_url(&p.id),
        name: p.name.clone(),
        kind: p.registration.kind.label().to_string(),
        districts: view::districts_served(vp).iter().map(|c| view::area_ref(site, c).name).collect(),
        left_out: left_out_by_default(p),
        qa: view::qa_tag(&p.quality_assurance.list_status),
        qa_visit: match p.quality_assurance.last_visit {
            Some(d) => format!("last QA visit {}", d.long()),
            None => "no QA visit recorded".into(),
        },
        inspection: inspection_text(p),
        tiers: o.tiers.clone(),
        key_stages: o.key_stages.iter().map(|k| k.key().to_string()).collect(),
        day6: o.day6_start,
        pattern: o.pattern.as_ref().map(|x| x.label().to_string()),
        hours: hours_text(p),
        weeks: o.max_weeks.map(|w| format!("Up to {w} weeks")),
        vacancies: vacancies_text(p, f.vacancies_stale),
        places_free: places_free(p, &f),
        vacancies_stale: f.vacancies_stale,
        warning: warning(&f),
        insurance_expired: f.insurance_expired,
        checks_out_of_date: f.checks_out_of_date,
        review_stale: f.review_stale,
        needs: o.needs.iter().map(|n| n.label().to_string()).collect(),
        safeguarding: safeguarding(p, site),
        costs: costs(p, site),
        referral: o.referral_routes.iter().map(|r| r.label().to_string()).collect(),
        contact,
        status,
    }
}
