//! The tracking pages: internal ones under `/dashboard/tracking/`, and the two public ones
//! under `/outcomes/` that show only suppressed provider outcomes and strategy measures.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;
use tera::Context;

use super::Tracking;
use super::outcomes::{self, QUESTIONS};
use super::panels::Panel;
use super::rules;
use super::schools::{SchoolTerm, Term, district_totals, rate};
use super::strategy;
use crate::analyse::suppress::Suppression;
use crate::diagnostics::Diagnostic;
use crate::render::templates::Templates;
use crate::render::{Body, OutputFile};
use crate::site::Site;

/// The internal pages' root.
pub const INTERNAL: &str = "/dashboard/tracking/";
/// The public outcomes page (the strategy summary is under it).
pub const PUBLIC: &str = "/outcomes/";

type Page = Result<OutputFile, Diagnostic>;

fn render(templates: &Templates, template: &str, url: &str, title: &str, description: &str, crumbs: &[(&str, &str)], mut c: Context) -> Page {
    c.insert("page_title", title);
    c.insert("page_description", description);
    c.insert("current_url", url);
    let crumbs: Vec<_> = crumbs.iter().map(|(t, u)| json!({"title": t, "url": u})).collect();
    c.insert("breadcrumbs", &crumbs);
    c.insert("tracking_url", INTERNAL);
    templates
        .render(template, &c)
        .map(|html| OutputFile { path: format!("{}index.html", url.trim_start_matches('/')), body: Body::Bytes(html.into_bytes()) })
}

fn internal_crumbs() -> Vec<(&'static str, &'static str)> {
    vec![("Home", "/"), ("QA dashboard", "/dashboard/"), ("Tracking", INTERNAL)]
}

fn provider_names(site: &Site) -> BTreeMap<&str, &str> {
    site.providers.iter().map(|p| (p.provider.id.as_str(), p.provider.name.as_str())).collect()
}

/// The internal pages (none for the public profile).
pub fn internal(site: &Site, templates: &Templates, t: &Tracking) -> Vec<Page> {
    if !site.profile.is_internal() {
        return Vec::new();
    }
    let cfg = &site.config.tracking;
    let schools = t.schools.as_deref().unwrap_or_default();
    let warnings = rules::warnings(cfg, schools);
    let mut out = Vec::new();
    let mut c = Context::new();
    c.insert("warnings", &warnings);
    c.insert("rules", &rules::describe(cfg));
    c.insert("have_schools", &t.schools.is_some());
    c.insert("schools", &school_list(schools));
    c.insert("files", &super::FILES);
    c.insert("dir", &cfg.dir);
    let crumbs = [("Home", "/"), ("QA dashboard", "/dashboard/")];
    out.push(render(
        templates,
        "tracking_index.html",
        INTERNAL,
        "Tracking: schools to look at first",
        "Early warnings from school figures per term, and the AP lead's other tracking pages.",
        &crumbs,
        c,
    ));
    out.extend(school_pages(templates, schools));
    out.push(panels_page(site, templates, t, "tracking_panels.html", &format!("{INTERNAL}panels/"), None));
    let latest =
        [schools.iter().map(|s| s.term).max(), t.panels.as_deref().unwrap_or_default().iter().map(|p| p.term).max()].into_iter().flatten().max();
    let mut summary = panels_context(site, t, latest);
    summary.insert("warnings", &warnings);
    summary.insert("term", &latest.map(Term::label));
    let title = format!("Termly summary for the panel{}", latest.map(|l| format!(": {}", l.label())).unwrap_or_default());
    out.push(render(
        templates,
        "tracking_summary.html",
        &format!("{INTERNAL}summary/"),
        &title,
        "The latest term's early warnings, panel timeliness and decisions, for printing.",
        &internal_crumbs(),
        summary,
    ));
    out.push(outcomes_page(site, templates, t, Suppression::Off));
    out.push(strategy_page(templates, t, Suppression::Off));
    out
}

/// The public pages: suppressed outcomes by provider and the strategy summary. Only built when
/// the files exist; nothing from the school or panel figures is read here.
pub fn public(site: &Site, templates: &Templates, t: &Tracking) -> Vec<Page> {
    if site.profile.is_internal() {
        return Vec::new();
    }
    let policy = Suppression::Public { threshold: site.config.privacy.suppression_threshold };
    let mut out = Vec::new();
    if t.outcomes.is_some() {
        out.push(outcomes_page(site, templates, t, policy));
    }
    if t.strategy.is_some() {
        out.push(strategy_page(templates, t, policy));
    }
    out
}

#[derive(Serialize)]
struct SchoolLink {
    urn: String,
    school: String,
    district: String,
    url: String,
}

fn school_url(urn: &str) -> String {
    format!("{INTERNAL}schools/{urn}/")
}

fn school_list(rows: &[SchoolTerm]) -> Vec<SchoolLink> {
    let mut seen = BTreeMap::new();
    for r in rows {
        seen.entry((r.school.clone(), r.urn.clone())).or_insert_with(|| r.district.clone());
    }
    seen.into_iter().map(|((school, urn), district)| SchoolLink { url: school_url(&urn), urn, school, district }).collect()
}

#[derive(Serialize)]
struct SchoolRow {
    term: String,
    roll: u64,
    suspensions: u64,
    rate: String,
    district_rate: String,
    pupils_suspended: u64,
    permanent_exclusions: u64,
    part_time_timetables: u64,
    ehe_moves: u64,
    unexplained_leavers: u64,
}

fn one_dp(v: Option<f64>) -> String {
    v.map_or("x".into(), |v| format!("{v:.1}"))
}

fn school_pages(templates: &Templates, rows: &[SchoolTerm]) -> Vec<Page> {
    let totals = district_totals(rows);
    let mut by_school: BTreeMap<&str, Vec<&SchoolTerm>> = BTreeMap::new();
    for r in rows {
        by_school.entry(r.urn.as_str()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (urn, terms) in by_school {
        let first = terms[0];
        let district_rate = |r: &SchoolTerm| totals.get(&(r.district.clone(), r.term)).and_then(|&(s, roll)| rate(s, roll));
        let table: Vec<SchoolRow> = terms
            .iter()
            .map(|r| SchoolRow {
                term: r.term.label(),
                roll: r.pupils_on_roll,
                suspensions: r.suspensions,
                rate: one_dp(rate(r.suspensions, r.pupils_on_roll)),
                district_rate: one_dp(district_rate(r)),
                pupils_suspended: r.pupils_suspended,
                permanent_exclusions: r.permanent_exclusions,
                part_time_timetables: r.part_time_timetables,
                ehe_moves: r.ehe_moves,
                unexplained_leavers: r.unexplained_leavers,
            })
            .collect();
        let labels: Vec<String> = terms.iter().map(|r| r.term.label()).collect();
        let school: Vec<Option<f64>> = terms.iter().map(|r| rate(r.suspensions, r.pupils_on_roll)).collect();
        let district: Vec<Option<f64>> = terms.iter().map(|r| district_rate(r)).collect();
        let mut c = Context::new();
        c.insert("school", &first.school);
        c.insert("urn", urn);
        c.insert("district", &first.district);
        c.insert("rows", &table);
        c.insert("svg", &rate_chart(&first.school, &first.district, &labels, &school, &district));
        let title = format!("{} (URN {urn})", first.school);
        out.push(render(
            templates,
            "tracking_school.html",
            &school_url(urn),
            &title,
            "A school's suspensions and leavers by term, against its district.",
            &internal_crumbs(),
            c,
        ));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A line chart of suspensions per 100 pupils by term: the school (solid, circles) against
/// its district (dashed, squares). The same figures are in the table beside it.
pub fn rate_chart(school: &str, district: &str, terms: &[String], a: &[Option<f64>], b: &[Option<f64>]) -> String {
    const W: f64 = 600.0;
    const H: f64 = 240.0;
    let (x0, x1, y0, y1) = (50.0, W - 20.0, H - 40.0, 40.0);
    let max = a.iter().chain(b).flatten().fold(0.0f64, |m, v| m.max(*v)).max(1.0).ceil();
    let n = terms.len().max(1);
    let x = |i: usize| if n == 1 { (x0 + x1) / 2.0 } else { x0 + (x1 - x0) * i as f64 / (n - 1) as f64 };
    let y = |v: f64| y0 - (y0 - y1) * v / max;
    let label =
        format!("Chart of suspensions per 100 pupils at {school} against {district}, by term. The same figures are in the table that follows.");
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{0}"><title>{0}</title>"#,
        esc(&label)
    );
    let _ = write!(
        s,
        r##"<g font-size="13" fill="#0b0c0c"><line x1="50" y1="14" x2="80" y2="14" stroke="#0072B2" stroke-width="2.5"/><circle cx="65" cy="14" r="4.5" fill="#0072B2"/><text x="86" y="18">{} (solid, circles)</text><line x1="330" y1="14" x2="360" y2="14" stroke="#D55E00" stroke-width="2.5" stroke-dasharray="6 3"/><rect x="341" y="10" width="8" height="8" fill="#D55E00"/><text x="366" y="18">{} (dashed, squares)</text></g>"##,
        esc("School"),
        esc("District")
    );
    let _ = write!(
        s,
        r##"<g font-size="12" fill="#0b0c0c"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#505a5f"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#505a5f"/>"##
    );
    for v in [0.0, max / 2.0, max] {
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v:.1}</text>"#, x0 - 6.0, y(v) + 4.0);
    }
    for (i, t) in terms.iter().enumerate() {
        let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#, x(i), y0 + 18.0, esc(t));
    }
    let _ = write!(s, r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">Suspensions per 100 pupils, by term</text></g>"#, (x0 + x1) / 2.0, H - 4.0);
    for (values, colour, dashed, square) in [(a, "#0072B2", false, false), (b, "#D55E00", true, true)] {
        let mut d = String::new();
        let mut down = false;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(d, "{}{:.1} {:.1}", if down { " L" } else { " M" }, x(i), y(*v));
                    down = true;
                }
                None => down = false,
            }
        }
        if !d.is_empty() {
            let dash = if dashed { r#" stroke-dasharray="6 3""# } else { "" };
            let _ = write!(s, r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#, d.trim());
        }
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            if square {
                let _ = write!(s, r#"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="{colour}"/>"#, x(i) - 4.5, y(*v) - 4.5);
            } else {
                let _ = write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{colour}"/>"#, x(i), y(*v));
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[derive(Serialize)]
struct PanelRow {
    term: String,
    cases: u64,
    in_time: u64,
    later: u64,
    awaiting: u64,
    share: String,
    median_days: String,
}

#[derive(Serialize)]
struct DecisionTable {
    term: String,
    id: String,
    /// Tier names, in order.
    tiers: Vec<String>,
    /// (provision, count per tier, total).
    rows: Vec<(String, Vec<u64>, u64)>,
    totals: Vec<u64>,
    total: u64,
}

/// The panels' figures, for every term (`only` = `None`) or one.
fn panels_context(site: &Site, t: &Tracking, only: Option<Term>) -> Context {
    let keep = |term: Term| only.is_none_or(|o| o == term);
    let panels = t.panels.as_deref().unwrap_or_default();
    let rows = |which: Panel| -> Vec<PanelRow> {
        panels
            .iter()
            .filter(|p| p.panel == which && keep(p.term))
            .map(|p| PanelRow {
                term: p.term.label(),
                cases: p.cases,
                in_time: p.provided_in_time,
                later: p.provided_later,
                awaiting: p.awaiting,
                share: p.share_in_time().map_or("–".into(), |s| format!("{s}%")),
                median_days: p.median_days.map_or("–".into(), |d| d.to_string()),
            })
            .collect()
    };
    let mut by_term: BTreeMap<Term, Vec<&super::panels::Decision>> = BTreeMap::new();
    for d in t.decisions.as_deref().unwrap_or_default().iter().filter(|d| keep(d.term)) {
        by_term.entry(d.term).or_default().push(d);
    }
    let decisions: Vec<DecisionTable> = by_term.into_iter().map(|(term, ds)| decision_table(term, &ds)).collect();
    let mut c = Context::new();
    c.insert("pex", &rows(Panel::Pex));
    c.insert("s19", &rows(Panel::S19));
    c.insert("decisions", &decisions);
    c.insert("have_panels", &t.panels.is_some());
    c.insert("have_decisions", &t.decisions.is_some());
    c.insert("pex_days", &site.config.tracking.pex_target_days);
    c.insert("s19_days", &site.config.tracking.s19_target_days);
    c
}

fn decision_table(term: Term, ds: &[&super::panels::Decision]) -> DecisionTable {
    let mut tiers: Vec<String> = ds.iter().map(|d| d.tier.clone()).collect();
    tiers.sort();
    tiers.dedup();
    let mut provisions: Vec<String> = ds.iter().map(|d| d.provision.clone()).collect();
    provisions.sort();
    provisions.dedup();
    let rows: Vec<(String, Vec<u64>, u64)> = provisions
        .into_iter()
        .map(|p| {
            let counts: Vec<u64> = tiers.iter().map(|t| ds.iter().filter(|d| d.tier == *t && d.provision == p).map(|d| d.decisions).sum()).collect();
            let total = counts.iter().sum();
            (p, counts, total)
        })
        .collect();
    let totals: Vec<u64> = (0..tiers.len()).map(|i| rows.iter().map(|r| r.1[i]).sum()).collect();
    let total = totals.iter().sum();
    DecisionTable { term: term.label(), id: format!("decisions-{}", term.slug()), tiers, rows, totals, total }
}

fn panels_page(site: &Site, templates: &Templates, t: &Tracking, template: &str, url: &str, only: Option<Term>) -> Page {
    let c = panels_context(site, t, only);
    render(
        templates,
        template,
        url,
        "Panels: timeliness and decisions",
        "Permanent exclusion and Section 19 panels by term: provision in time, and decisions by tier.",
        &internal_crumbs(),
        c,
    )
}

#[derive(Serialize)]
struct ProviderOutcomes {
    id: String,
    name: String,
    url: String,
    rows: Vec<outcomes::PublicOutcome>,
}

fn outcomes_page(site: &Site, templates: &Templates, t: &Tracking, policy: Suppression) -> Page {
    let names = provider_names(site);
    let mut by: BTreeMap<&str, Vec<outcomes::PublicOutcome>> = BTreeMap::new();
    for o in t.outcomes.as_deref().unwrap_or_default() {
        by.entry(o.provider.as_str()).or_default().push(outcomes::public(o, policy));
    }
    let mut providers: Vec<ProviderOutcomes> = by
        .into_iter()
        .map(|(id, rows)| ProviderOutcomes {
            id: id.to_string(),
            name: names.get(id).unwrap_or(&id).to_string(),
            url: format!("/providers/{id}/"),
            rows,
        })
        .collect();
    providers.sort_by(|a, b| a.name.cmp(&b.name));
    let public = policy != Suppression::Off;
    let mut c = Context::new();
    c.insert("providers", &providers);
    c.insert("questions", &QUESTIONS);
    c.insert("public", &public);
    c.insert("have_outcomes", &t.outcomes.is_some());
    c.insert("threshold", &site.config.privacy.suppression_threshold);
    c.insert("strategy_url", &if public { format!("{PUBLIC}strategy/") } else { format!("{INTERNAL}strategy/") });
    let (url, crumbs) = if public { (PUBLIC.to_string(), vec![("Home", "/")]) } else { (format!("{INTERNAL}outcomes/"), internal_crumbs()) };
    render(
        templates,
        "tracking_outcomes.html",
        &url,
        "Outcomes by provider",
        "How pupils placed with each provider got on: returns to school, attendance, destinations and their own views.",
        &crumbs,
        c,
    )
}

fn strategy_page(templates: &Templates, t: &Tracking, policy: Suppression) -> Page {
    let public = policy != Suppression::Off;
    let measures = strategy::shown(t.strategy.as_deref().unwrap_or_default(), policy);
    let mut c = Context::new();
    c.insert("measures", &measures);
    c.insert("public", &public);
    c.insert("have_strategy", &t.strategy.is_some());
    let (url, crumbs) = if public {
        (format!("{PUBLIC}strategy/"), vec![("Home", "/"), ("Outcomes by provider", PUBLIC)])
    } else {
        (format!("{INTERNAL}strategy/"), internal_crumbs())
    };
    let title = if public { "The AP strategy's measures" } else { "The AP strategy's measures: annual report" };
    render(
        templates,
        "tracking_strategy.html",
        &url,
        title,
        "Each measure of the alternative provision strategy against its baseline and target.",
        &crumbs,
        c,
    )
}
