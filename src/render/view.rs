//! View models: what templates see. Built in one place from the validated site, so a template
//! can only show what is put here, and nothing internal is ever put here for the public
//! profile (`Provider::internal` is not copied).

use serde::Serialize;

use crate::markdown;
use crate::model::date::Date;
use crate::model::provider::Provider;
pub use crate::model::text::humanise;
use crate::model::text::money;
use crate::model::vocab::*;
use crate::rules;
use crate::site::Site;
use crate::validate::ValidProvider;

mod provider_page;
pub use provider_page::provider_page;

/// A status tag: text and a colour from the theme's tag palette.
#[derive(Clone, Debug, Serialize)]
pub struct Tag {
    pub text: String,
    pub colour: &'static str,
}

fn tag(text: impl Into<String>, colour: &'static str) -> Tag {
    Tag { text: text.into(), colour }
}

/// A vocabulary value with its label and listing-page URL.
#[derive(Clone, Debug, Serialize)]
pub struct Term {
    pub key: String,
    pub label: String,
    pub url: String,
}

/// A district (or other area) reference.
#[derive(Clone, Debug, Serialize)]
pub struct AreaRef {
    pub code: String,
    pub name: String,
    pub url: String,
}

/// A key–value row of a summary list.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub key: String,
    pub value: String,
    /// Optional link for the value.
    pub href: Option<String>,
    pub tag: Option<Tag>,
}

fn row(key: &str, value: impl Into<String>) -> Row {
    Row { key: key.into(), value: value.into(), href: None, tag: None }
}

/// What a listing card shows about a provider.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderCard {
    pub id: String,
    pub url: String,
    pub name: String,
    pub summary: String,
    pub kind: String,
    pub districts: Vec<AreaRef>,
    pub tiers: Vec<i64>,
    pub key_stages: Vec<String>,
    pub needs: Vec<String>,
    pub tags: Vec<Tag>,
    pub vacancies: String,
    /// What a finder result shows (the same shape as `finder/c/<n>.json`).
    pub facts: crate::render::result_card::ResultCard,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiteLocation {
    pub name: String,
    /// Empty when the address is masked.
    pub address: Vec<String>,
    pub postcode: Option<String>,
    pub district: AreaRef,
    pub masked: bool,
    pub accessibility: Vec<String>,
    pub schedule: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostView {
    pub text: String,
    pub description: String,
}

/// Everything the provider page shows.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderPage {
    pub card: ProviderCard,
    pub description_html: String,
    pub status: String,
    pub closed: bool,
    pub notices: Vec<Notice>,
    pub website: Option<String>,
    pub key_facts: Vec<Row>,
    pub offer: Vec<Row>,
    pub needs: Vec<Term>,
    pub tiers: Vec<Term>,
    pub key_stages: Vec<Term>,
    pub referral: Vec<Row>,
    pub quality: Vec<Row>,
    pub standards: Vec<Row>,
    pub inspection: Vec<Row>,
    pub safeguarding: Vec<Row>,
    pub capacity: Vec<Row>,
    pub costs: Vec<CostView>,
    pub transport: Option<String>,
    pub locations: Vec<SiteLocation>,
    pub contact: Vec<Row>,
    pub child_voice: Option<String>,
    pub last_reviewed: Option<String>,
    /// schema.org JSON-LD, already escaped for a `<script>` element.
    pub json_ld: String,
    /// The AP team's notes (`[internal]`): always empty in the public profile.
    pub internal: Vec<Row>,
}

/// A notification banner on a provider page.
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub title: String,
    pub text: String,
    pub warning: bool,
}

pub fn tier_label(t: i64) -> &'static str {
    match t {
        1 => "Tier 1: targeted support in mainstream school",
        2 => "Tier 2: time-limited placement",
        3 => "Tier 3: transitional placement",
        _ => "Unknown tier",
    }
}

pub fn tier_short(t: i64) -> &'static str {
    match t {
        1 => "Targeted support in mainstream school (outreach)",
        2 => "Time-limited placement, returning to the home school",
        3 => "Transitional placement to a new school or post-16",
        _ => "",
    }
}

pub fn district_url(slug: &str) -> String {
    format!("/districts/{slug}/")
}
pub fn need_url(n: &Need) -> String {
    format!("/needs/{}/", n.slug())
}
pub fn key_stage_url(k: &KeyStage) -> String {
    format!("/key-stages/{}/", k.slug())
}
pub fn tier_url(t: i64) -> String {
    format!("/tiers/{t}/")
}

pub fn qa_tag(s: &ListStatus) -> Tag {
    let colour = match s {
        ListStatus::Approved => "green",
        ListStatus::ApprovedWithConditions => "yellow",
        ListStatus::UnderReview => "orange",
        ListStatus::Suspended | ListStatus::Removed => "red",
        ListStatus::NotAssessed | ListStatus::Unknown(_) => "grey",
    };
    tag(format!("QA: {}", s.label()), colour)
}

/// Date-dependent facts about a provider, on the build's `today`.
pub struct Freshness {
    pub qa_overdue: bool,
    pub qa_due_soon: bool,
    pub vacancies_stale: bool,
    pub insurance_expired: bool,
    /// The written confirmation of staff checks is older than `rules.checks_stale_days`.
    pub checks_out_of_date: bool,
    /// `last_reviewed` is missing or older than `rules.review_stale_days`.
    pub review_stale: bool,
}

pub fn freshness(p: &Provider, site: &Site) -> Freshness {
    let today = site.today;
    let qa = rules::qa_visit(p, today, &site.config.rules);
    Freshness {
        qa_overdue: qa == rules::Due::Passed,
        qa_due_soon: qa == rules::Due::Soon,
        vacancies_stale: rules::provider_vacancies_stale(p, today, &site.config.rules),
        insurance_expired: rules::insurance_expired(p, today),
        checks_out_of_date: rules::checks_out_of_date(p, today, &site.config.rules),
        review_stale: rules::provider_review_stale(p, today, &site.config.rules),
    }
}

/// Districts a provider serves: its sites' districts, then its stated service area.
pub fn districts_served(vp: &ValidProvider) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &vp.sites {
        if !out.contains(&s.district) {
            out.push(s.district.clone());
        }
    }
    for a in &vp.provider.service_area {
        if !out.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

pub fn area_ref(site: &Site, code: &str) -> AreaRef {
    match site.area(code) {
        Some(a) => AreaRef { code: a.code.clone(), name: a.name.clone(), url: district_url(&a.slug) },
        None => AreaRef { code: code.into(), name: code.into(), url: "/districts/".into() },
    }
}

pub fn card(vp: &ValidProvider, site: &Site) -> ProviderCard {
    let p = &vp.provider;
    let f = freshness(p, site);
    let mut tags = vec![qa_tag(&p.quality_assurance.list_status)];
    if p.draft {
        tags.insert(0, tag("Draft — not published", "orange"));
    }
    match p.status {
        ServiceStatus::Active => {}
        ref s => tags.push(tag(s.label(), "grey")),
    }
    if f.qa_overdue {
        tags.push(tag("QA visit overdue", "red"));
    }
    if p.offer.day6_start == Some(true) {
        tags.push(tag("Day-6 start", "blue"));
    }
    let mut vacancies = match (p.capacity.vacancies, p.capacity.vacancies_as_of) {
        (Some(0), Some(d)) => format!("No places free on {}", d.long()),
        (Some(1), Some(d)) => format!("1 place free on {}", d.long()),
        (Some(v), Some(d)) => format!("{v} places free on {}", d.long()),
        (Some(v), None) => format!("{v} places free (date not given)"),
        (None, _) => "Vacancies not published".into(),
    };
    if f.vacancies_stale {
        vacancies.push_str(" (may be out of date)");
    }
    let districts = districts_served(vp).iter().map(|c| area_ref(site, c)).collect();
    ProviderCard {
        id: p.id.clone(),
        url: markdown::provider_url(&p.id),
        name: p.name.clone(),
        summary: p.summary.clone(),
        kind: p.registration.kind.label().to_string(),
        districts,
        tiers: p.offer.tiers.clone(),
        key_stages: p.offer.key_stages.iter().map(|k| k.key().to_string()).collect(),
        needs: p.offer.needs.iter().map(|n| n.label().to_string()).collect(),
        tags,
        vacancies,
        facts: crate::render::result_card::build(vp, site),
    }
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` are escaped.
pub fn script_safe_json(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The rows of a provider page's "For the AP team" section: empty for the public profile.
pub fn internal_rows(vp: &ValidProvider, site: &Site) -> Vec<Row> {
    use crate::disclosure::{INTERNAL_KEYS, InternalNotes};
    if !site.profile.is_internal() {
        return Vec::new();
    }
    let Some(table) = &vp.provider.internal else { return Vec::new() };
    let mut notes = InternalNotes::read(table).unwrap_or_default();
    for text in [&mut notes.lead_officer, &mut notes.qa_notes, &mut notes.notes] {
        if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            *text = None;
        }
    }
    let row = |k: &str, v: String, tag: Option<Tag>| Row { key: k.into(), value: v, href: None, tag };
    let mut rows = Vec::new();
    if let Some(s) = notes.lead_officer {
        rows.push(row("Lead officer", s, None));
    }
    if let Some(v) = notes.contract_value {
        rows.push(row("Contract value", money(v), None));
    }
    if let Some(d) = notes.contract_ends {
        let tag = match rules::contract(d, site.today) {
            rules::Due::Passed => Some(Tag { text: "Ended".into(), colour: "red" }),
            rules::Due::Soon => Some(Tag { text: format!("Ends within {} days", rules::CONTRACT_SOON_DAYS), colour: "yellow" }),
            _ => None,
        };
        rows.push(row("Contract ends", d.long(), tag));
    }
    if let Some(s) = notes.qa_notes {
        rows.push(row("QA notes", s, None));
    }
    if let Some(s) = notes.notes {
        rows.push(row("Notes", s, None));
    }
    for (k, v) in table {
        if INTERNAL_KEYS.contains(&k.as_str()) {
            continue;
        }
        let text = match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        rows.push(row(&humanise(k), text, None));
    }
    rows
}
