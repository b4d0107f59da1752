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

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

fn opt_date(d: Option<Date>) -> String {
    d.map(|d| d.long()).unwrap_or_else(|| "Not recorded".into())
}

fn hours(h: f64) -> String {
    if h.fract() == 0.0 { format!("{h:.0}") } else { format!("{h}") }
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
    if p.offer.day6_start {
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

pub fn provider_page(vp: &ValidProvider, site: &Site) -> ProviderPage {
    let p = &vp.provider;
    let f = freshness(p, site);
    let card = card(vp, site);
    let o = &p.offer;
    let mut notices = Vec::new();
    match &p.status {
        ServiceStatus::Active => {}
        s => notices.push(Notice {
            title: s.label().to_string(),
            text: "This provider is not taking placements at the moment. Contact the AP team before making a referral.".into(),
            warning: true,
        }),
    }
    match &p.quality_assurance.list_status {
        ListStatus::Suspended => notices.push(Notice {
            title: "Suspended from the authority's list".into(),
            text: "The authority has suspended this provider from its quality-assured list. Do not make new placements; talk to the AP team about pupils already placed.".into(),
            warning: true,
        }),
        ListStatus::UnderReview => notices.push(Notice {
            title: "Under review".into(),
            text: "The authority is reviewing this provider. Check with the AP team before making a new placement.".into(),
            warning: true,
        }),
        ListStatus::Removed => notices.push(Notice {
            title: "Removed from the authority's list".into(),
            text: "This provider is no longer on the authority's quality-assured list.".into(),
            warning: true,
        }),
        _ => {}
    }
    if f.qa_overdue {
        notices.push(Notice {
            title: "Quality-assurance visit overdue".into(),
            text: format!(
                "The authority's next visit was due on {}. The quality information below may be out of date.",
                opt_date(p.quality_assurance.next_visit_due)
            ),
            warning: true,
        });
    }
    if f.vacancies_stale {
        notices.push(Notice {
            title: "Vacancy figures may be out of date".into(),
            text: format!(
                "The provider last told us its vacancies on {}. Contact them to check before referring.",
                opt_date(p.capacity.vacancies_as_of)
            ),
            warning: false,
        });
    }

    let mut key_facts = vec![
        row("Type", p.registration.kind.label()),
        Row {
            key: "Districts served".into(),
            value: card.districts.iter().map(|d| d.name.clone()).collect::<Vec<_>>().join(", "),
            href: None,
            tag: None,
        },
    ];
    if !p.organisation.name.is_empty() {
        key_facts.push(row("Run by", p.organisation.name.clone()));
    }
    if !p.registration.urn.is_empty() {
        // Links to the public registers (other hosts: links only, nothing is fetched).
        let urn = &p.registration.urn;
        let gias = format!("https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/{urn}");
        key_facts.push(Row { key: "URN".into(), value: format!("{urn} (Get information about schools)"), href: Some(gias), tag: None });
        let ofsted = format!("https://reports.ofsted.gov.uk/search?q={urn}");
        key_facts.push(Row { key: "Ofsted reports".into(), value: format!("Ofsted reports for URN {urn}"), href: Some(ofsted), tag: None });
    }
    if !p.registration.ukprn.is_empty() {
        key_facts.push(row("UKPRN", p.registration.ukprn.clone()));
    }
    if let Some(s) = &p.registration.ap_census_setting {
        key_facts.push(row("AP census setting", format!("{} ({})", s.label(), s.key())));
    }
    key_facts.push(row("Full-time education", yes_no(p.registration.full_time_offer)));
    if let Some(h) = p.registration.max_hours_per_week {
        key_facts.push(row("Most hours a week", hours(h)));
    }

    let ages = match (o.age_min, o.age_max) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("{a} and over"),
        (None, Some(b)) => format!("up to {b}"),
        (None, None) => "Not stated".into(),
    };
    let mut offer = vec![row("Ages", ages)];
    if let Some(pt) = &o.pattern {
        offer.push(row("Pattern", pt.label()));
    }
    if let Some(h) = &o.hours_per_week {
        let text = match (h.min, h.max) {
            (Some(a), Some(b)) if a != b => format!("{} to {} hours", hours(a), hours(b)),
            (_, Some(b)) => format!("{} hours", hours(b)),
            (Some(a), None) => format!("At least {} hours", hours(a)),
            _ => "Not stated".into(),
        };
        offer.push(row("Hours a week", text));
    }
    if let Some(w) = o.max_weeks {
        offer.push(row("Longest placement", format!("{w} weeks")));
    }
    if let Some(d) = &o.delivery {
        offer.push(row("Delivery", d.label()));
    }
    if let Some(g) = o.group_size_max {
        offer.push(row("Largest group", g.to_string()));
    }
    offer.push(row("Can start by day 6 of an exclusion", yes_no(o.day6_start)));
    offer.push(row("Accepts permanently excluded pupils", yes_no(o.accepts_permanently_excluded)));
    offer.push(row("Accepts pupils with an EHC plan", yes_no(o.accepts_ehcp)));
    offer.push(row("Accepts looked-after children", yes_no(o.accepts_looked_after)));
    offer.push(row("Dual registration with the home school", yes_no(o.dual_registration)));
    offer.push(row("Reintegration plan", yes_no(o.reintegration_plan)));
    if !o.curriculum.is_empty() {
        offer.push(row("Curriculum", o.curriculum.iter().map(|c| humanise(c)).collect::<Vec<_>>().join(", ")));
    }
    if !o.qualifications.is_empty() {
        offer.push(row("Qualifications", o.qualifications.join("; ")));
    }

    let referral = o.referral_routes.iter().map(|r| row("Route", r.label())).collect();

    let qa = &p.quality_assurance;
    let mut quality = vec![Row { key: "List status".into(), value: qa.list_status.label().into(), href: None, tag: Some(qa_tag(&qa.list_status)) }];
    if let Some(r) = &qa.list_route {
        quality.push(row("How the authority buys places", r.label()));
    }
    quality.push(row("Last visit", opt_date(qa.last_visit)));
    if let Some(o) = &qa.visit_outcome {
        quality.push(row("Visit outcome", o.label()));
    }
    quality.push(Row {
        key: "Next visit due".into(),
        value: opt_date(qa.next_visit_due),
        href: None,
        tag: if f.qa_overdue {
            Some(tag("Overdue", "red"))
        } else if f.qa_due_soon {
            Some(tag("Due soon", "yellow"))
        } else {
            None
        },
    });
    let standards = Standard::ALL
        .iter()
        .filter_map(|s| {
            qa.standards.get(s.key()).map(|r| Row {
                key: s.label().into(),
                value: r.label().into(),
                href: None,
                tag: Some(match r {
                    StandardResult::Met => tag("Met", "green"),
                    StandardResult::PartlyMet => tag("Partly met", "yellow"),
                    StandardResult::NotMet => tag("Not met", "red"),
                    _ => tag(r.label(), "grey"),
                }),
            })
        })
        .collect();

    let ins = &p.inspection;
    let mut inspection = Vec::new();
    if ins.body != InspectionBody::None {
        inspection.push(row("Inspected by", ins.body.label()));
        inspection.push(row("Last inspection", opt_date(ins.last_inspection)));
        if let Some(g) = &ins.legacy_overall {
            inspection.push(row("Overall effectiveness", g.label()));
        }
        if let Some(s) = &ins.safeguarding {
            inspection.push(Row {
                key: "Safeguarding".into(),
                value: s.label().into(),
                href: None,
                tag: Some(if *s == MetOrNotMet::Met { tag("Met", "green") } else { tag("Not met", "red") }),
            });
        }
        for area in EvaluationArea::ALL {
            if let Some(g) = ins.grades.get(area.key()) {
                inspection.push(row(area.label(), g.label()));
            }
        }
        if let Some(u) = &ins.report_url {
            inspection.push(Row { key: "Report".into(), value: "Read the inspection report".into(), href: Some(u.clone()), tag: None });
        }
    }

    let sg = &p.safeguarding;
    let mut safeguarding = Vec::new();
    // A fact nobody recorded says so: "Not confirmed", never left out and never yes.
    let not_confirmed = |k: &str| Row { key: k.into(), value: "Not confirmed".into(), href: None, tag: Some(tag("Not confirmed", "grey")) };
    let mut flag = |k: &str, v: Option<bool>| {
        safeguarding.push(match v {
            Some(v) => Row {
                key: k.into(),
                value: yes_no(v).into(),
                href: None,
                tag: Some(if v { tag("Confirmed", "green") } else { tag("Not confirmed", "red") }),
            },
            None => not_confirmed(k),
        });
    };
    flag("Enhanced DBS checks for all staff", sg.enhanced_dbs_all_staff);
    flag("Single central record", sg.single_central_record);
    flag("Named designated safeguarding lead", sg.named_dsl);
    flag("Reports attendance every session", sg.session_attendance_reporting);
    let stale: Vec<&str> = crate::rules::stale_safeguarding(p, site.today, &site.config.rules).into_iter().map(|(f, ..)| f).collect();
    for (field, k, d) in [
        ("written_confirmation_of_checks", "Written confirmation of staff checks", sg.written_confirmation_of_checks),
        ("dsl_training", "Safeguarding lead trained", sg.dsl_training),
        ("child_protection_policy_reviewed", "Child protection policy reviewed", sg.child_protection_policy_reviewed),
    ] {
        safeguarding.push(match d {
            Some(d) => Row { key: k.into(), value: d.long(), href: None, tag: stale.contains(&field).then(|| tag("Out of date", "yellow")) },
            None => not_confirmed(k),
        });
    }
    for (k, d) in
        [("Public liability insurance until", sg.public_liability_expires), ("Employer's liability insurance until", sg.employers_liability_expires)]
    {
        safeguarding.push(match d {
            Some(d) => Row {
                key: k.into(),
                value: d.long(),
                href: None,
                tag: (crate::rules::insurance(Some(d), site.today) == crate::rules::Due::Passed).then(|| tag("Expired", "red")),
            },
            None => not_confirmed(k),
        });
    }

    let cap = &p.capacity;
    let mut capacity = Vec::new();
    if let Some(n) = cap.places {
        capacity.push(row("Places", n.to_string()));
    }
    if let Some(n) = cap.la_commissioned_places {
        capacity.push(row("Places commissioned by the authority", n.to_string()));
    }
    capacity.push(Row {
        key: "Vacancies".into(),
        value: card.facts.vacancies.clone(),
        href: None,
        tag: f.vacancies_stale.then(|| tag("May be out of date", "yellow")),
    });
    if let Some(w) = cap.typical_wait_weeks {
        capacity.push(row(
            "Typical wait",
            if w == 0 {
                "No wait".into()
            } else if w == 1 {
                "1 week".into()
            } else {
                format!("{w} weeks")
            },
        ));
    }

    let costs = p
        .costs
        .iter()
        .map(|c| {
            let mut text = format!("{} {}", money(c.amount), c.option.label());
            if c.includes_transport {
                text.push_str(", including transport");
            }
            if let (Some(a), Some(b)) = (c.valid_from, c.valid_to) {
                text.push_str(&format!(" ({} to {})", a.long(), b.long()));
            }
            CostView { text, description: c.description.clone() }
        })
        .collect();

    let locations = p
        .locations
        .iter()
        .zip(&vp.sites)
        .map(|(l, s)| SiteLocation {
            name: if l.name.is_empty() { "Site".into() } else { l.name.clone() },
            address: if l.mask_exact_address { vec![] } else { l.address.clone() },
            postcode: (!l.mask_exact_address).then(|| l.postcode.clone()),
            district: area_ref(site, &s.district),
            masked: l.mask_exact_address,
            accessibility: l.accessibility.iter().map(|a| humanise(a)).collect(),
            schedule: l.schedule.iter().map(|s| format!("{}: {} to {}", days(&s.days), s.opens, s.closes)).collect(),
        })
        .collect::<Vec<_>>();

    let mut contact = Vec::new();
    if !p.contact.role.is_empty() {
        contact.push(row("Contact", p.contact.role.clone()));
    }
    if !p.contact.email.is_empty() {
        contact.push(Row { key: "Email".into(), value: p.contact.email.clone(), href: Some(format!("mailto:{}", p.contact.email)), tag: None });
    }
    if !p.contact.phone.is_empty() {
        let tel: String = p.contact.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        contact.push(Row { key: "Phone".into(), value: p.contact.phone.clone(), href: Some(format!("tel:{tel}")), tag: None });
    }

    let child_voice = p.child_voice.feedback_collected.then(|| {
        let mut s = p.child_voice.summary.clone();
        if let Some(d) = p.child_voice.last_collected {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&format!("(Feedback collected {}.)", d.long()));
        }
        s
    });

    ProviderPage {
        description_html: markdown::render(&p.description, 2).html,
        status: p.status.label().into(),
        closed: p.status != ServiceStatus::Active,
        notices,
        website: p.website.clone().filter(|w| !w.is_empty()),
        key_facts,
        offer,
        needs: o.needs.iter().map(|n| Term { key: n.key().into(), label: n.label().into(), url: need_url(n) }).collect(),
        tiers: o.tiers.iter().map(|t| Term { key: t.to_string(), label: tier_label(*t).into(), url: tier_url(*t) }).collect(),
        key_stages: o.key_stages.iter().map(|k| Term { key: k.key().into(), label: k.label().into(), url: key_stage_url(k) }).collect(),
        referral,
        quality,
        standards,
        inspection,
        safeguarding,
        capacity,
        costs,
        transport: if p.transport.provided || !p.transport.notes.is_empty() {
            Some(format!("{}{}", if p.transport.provided { "Transport is provided. " } else { "Transport is not provided. " }, p.transport.notes))
        } else {
            None
        },
        json_ld: json_ld(p, &locations, site),
        internal: internal_rows(vp, site),
        locations,
        contact,
        child_voice,
        last_reviewed: p.last_reviewed.map(|d| d.long()),
        card,
    }
}

fn days(d: &[String]) -> String {
    fn name(s: &str) -> &str {
        match s {
            "MO" => "Monday",
            "TU" => "Tuesday",
            "WE" => "Wednesday",
            "TH" => "Thursday",
            "FR" => "Friday",
            "SA" => "Saturday",
            "SU" => "Sunday",
            other => other,
        }
    }
    let names: Vec<&str> = d.iter().map(|s| name(s)).collect();
    // Three or more days in a row read as a range: "Monday to Friday".
    const WEEK: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    let pos: Vec<Option<usize>> = d.iter().map(|s| WEEK.iter().position(|w| w == s)).collect();
    if let (Some(Some(first)), true) = (pos.first(), pos.len() >= 3)
        && pos.iter().enumerate().all(|(i, p)| *p == Some(first + i))
    {
        return format!("{} to {}", names[0], names[names.len() - 1]);
    }
    match names.len() {
        0 => "Days not stated".into(),
        1 => names[0].into(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn json_ld(p: &Provider, locations: &[SiteLocation], site: &Site) -> String {
    let mut v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "EducationalOrganization",
        "name": p.name,
        "description": p.summary,
        "url": format!("{}{}", site.config.base(), markdown::provider_url(&p.id)),
        "areaServed": locations.iter().map(|l| l.district.name.clone()).collect::<Vec<_>>(),
    });
    if !p.contact.email.is_empty() {
        v["email"] = p.contact.email.clone().into();
    }
    if !p.contact.phone.is_empty() {
        v["telephone"] = p.contact.phone.clone().into();
    }
    let addresses: Vec<serde_json::Value> = locations
        .iter()
        .filter(|l| !l.masked)
        .map(|l| {
            serde_json::json!({
                "@type": "PostalAddress",
                "streetAddress": l.address.join(", "),
                "postalCode": l.postcode,
                "addressRegion": l.district.name,
                "addressCountry": "GB",
            })
        })
        .collect();
    if !addresses.is_empty() {
        v["address"] = addresses.into();
    }
    script_safe_json(&v)
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
