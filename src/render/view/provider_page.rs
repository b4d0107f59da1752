//! The view of a provider page, one section at a time: the notices at the top, the key facts,
//! the offer, quality assurance and inspection, safeguarding, capacity and costs, the sites
//! and the contact details.

use super::*;
use crate::model::provider::{Capacity, Contact, Inspection, InspectionState, Offer, QualityAssurance};

pub fn provider_page(vp: &ValidProvider, site: &Site) -> ProviderPage {
    let p = &vp.provider;
    let f = freshness(p, site);
    let card = card(vp, site);
    let o = &p.offer;
    let locations = locations(vp, site);
    ProviderPage {
        description_html: markdown::render_html(&p.description, 2),
        status: p.status.label().into(),
        closed: p.status != ServiceStatus::Active,
        notices: notices(p, &f),
        website: p.website.clone().filter(|w| !w.is_empty()),
        key_facts: key_facts(p, &card),
        offer: offer(o),
        needs: o.needs.iter().map(|n| Term { key: n.key().into(), label: n.label().into(), url: need_url(n) }).collect(),
        tiers: o.tiers.iter().map(|t| Term { key: t.to_string(), label: tier_label(*t).into(), url: tier_url(*t) }).collect(),
        key_stages: o.key_stages.iter().map(|k| Term { key: k.key().into(), label: k.label().into(), url: key_stage_url(k) }).collect(),
        referral: o.referral_routes.iter().map(|r| row("Route", r.label())).collect(),
        quality: quality(&p.quality_assurance, &f),
        standards: standards(&p.quality_assurance),
        inspection: inspection(&p.inspection, &p.registration.kind),
        safeguarding: safeguarding(p, site),
        capacity: capacity(&p.capacity, &card, &f),
        costs: costs(p),
        transport: transport(p),
        json_ld: json_ld(p, &locations, site),
        internal: internal_rows(vp, site),
        locations,
        contact: contact(&p.contact),
        child_voice: child_voice(p),
        last_reviewed: p.last_reviewed.map(|d| d.long()),
        card,
    }
}

/// The banners at the top: not taking placements, the list status, an overdue QA visit,
/// vacancy figures that may be out of date.
fn notices(p: &Provider, f: &Freshness) -> Vec<Notice> {
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
    notices
}

/// Type, districts, who runs it, its registration and the public registers.
fn key_facts(p: &Provider, card: &ProviderCard) -> Vec<Row> {
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
    key_facts.push(recorded("Full-time education", p.registration.full_time_offer));
    if let Some(h) = p.registration.max_hours_per_week {
        key_facts.push(row("Most hours a week", hours(h)));
    }
    key_facts
}

/// Ages, pattern and hours, placement length, who it accepts, curriculum and qualifications.
fn offer(o: &Offer) -> Vec<Row> {
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
    offer.push(recorded("Can start by day 6 of an exclusion", o.day6_start));
    offer.push(recorded("Accepts permanently excluded pupils", o.accepts_permanently_excluded));
    offer.push(recorded("Accepts pupils with an EHC plan", o.accepts_ehcp));
    offer.push(recorded("Accepts looked-after children", o.accepts_looked_after));
    offer.push(recorded("Dual registration with the home school", o.dual_registration));
    offer.push(recorded("Reintegration plan", o.reintegration_plan));
    if !o.curriculum.is_empty() {
        offer.push(row("Curriculum", o.curriculum.iter().map(|c| humanise(c)).collect::<Vec<_>>().join(", ")));
    }
    if !o.qualifications.is_empty() {
        offer.push(row("Qualifications", o.qualifications.join("; ")));
    }
    offer
}

/// The authority's quality assurance: list status, route, visits.
fn quality(qa: &QualityAssurance, f: &Freshness) -> Vec<Row> {
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
    quality
}

/// The result of each quality standard the authority has assessed.
fn standards(qa: &QualityAssurance) -> Vec<Row> {
    Standard::ALL
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
        .collect()
}

/// The last inspection: who, when, the grades and the report. Empty for a non-school provider
/// with no inspection (the page says such provision is not inspected); for any other provider
/// an inspection nobody recorded is "Not recorded", never left out.
fn inspection(ins: &Inspection, kind: &RegistrationType) -> Vec<Row> {
    let mut inspection = Vec::new();
    let non_school = *kind == RegistrationType::NonSchool;
    let body = match ins.state() {
        InspectionState::NotRecorded | InspectionState::NotInspected if non_school => return inspection,
        InspectionState::NotRecorded => return vec![not_recorded("Inspection")],
        InspectionState::NotInspected => {
            return vec![Row { key: "Inspection".into(), value: "Not inspected".into(), href: None, tag: Some(tag("Not inspected", "grey")) }];
        }
        InspectionState::By(b) => b.label(),
    };
    inspection.push(row("Inspected by", body));
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
    inspection
}

/// What the provider has confirmed about safeguarding, with dates and insurance. A fact nobody
/// recorded says so ("Not confirmed"): never left out and never yes. Dates past their limit
/// (the rules in `crate::rules`) are tagged.
fn safeguarding(p: &Provider, site: &Site) -> Vec<Row> {
    let sg = &p.safeguarding;
    let today = site.today;
    let mut safeguarding = Vec::new();
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
    let stale: Vec<&str> = crate::rules::stale_safeguarding(p, today, &site.config.rules).into_iter().map(|(f, ..)| f).collect();
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
                tag: (crate::rules::insurance(Some(d), today) == crate::rules::Due::Passed).then(|| tag("Expired", "red")),
            },
            None => not_confirmed(k),
        });
    }
    safeguarding
}

/// Places, vacancies (the card's wording) and the typical wait.
fn capacity(cap: &Capacity, card: &ProviderCard, f: &Freshness) -> Vec<Row> {
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
    capacity
}

fn costs(p: &Provider) -> Vec<CostView> {
    p.costs
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
        .collect()
}

fn transport(p: &Provider) -> Option<String> {
    if p.transport.provided || !p.transport.notes.is_empty() {
        Some(format!("{}{}", if p.transport.provided { "Transport is provided. " } else { "Transport is not provided. " }, p.transport.notes))
    } else {
        None
    }
}

/// The provider's sites; a masked site shows its district but no address.
fn locations(vp: &ValidProvider, site: &Site) -> Vec<SiteLocation> {
    vp.provider
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
        .collect()
}

fn contact(c: &Contact) -> Vec<Row> {
    let mut contact = Vec::new();
    if !c.role.is_empty() {
        contact.push(row("Contact", c.role.clone()));
    }
    if !c.email.is_empty() {
        contact.push(Row { key: "Email".into(), value: c.email.clone(), href: Some(format!("mailto:{}", c.email)), tag: None });
    }
    if !c.phone.is_empty() {
        let tel: String = c.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        contact.push(Row { key: "Phone".into(), value: c.phone.clone(), href: Some(format!("tel:{tel}")), tag: None });
    }
    contact
}

/// What pupils said, with when it was collected (none when no feedback was collected).
fn child_voice(p: &Provider) -> Option<String> {
    p.child_voice.feedback_collected.then(|| {
        let mut s = p.child_voice.summary.clone();
        if let Some(d) = p.child_voice.last_collected {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&format!("(Feedback collected {}.)", d.long()));
        }
        s
    })
}

/// A yes/no fact that may not have been recorded: "Not recorded" then, never no.
fn recorded(k: &str, v: Option<bool>) -> Row {
    match v {
        Some(v) => row(k, yes_no(v)),
        None => not_recorded(k),
    }
}

/// A fact nobody recorded, tagged so it cannot be read as a no.
fn not_recorded(k: &str) -> Row {
    Row { key: k.into(), value: "Not recorded".into(), href: None, tag: Some(tag("Not recorded", "grey")) }
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
