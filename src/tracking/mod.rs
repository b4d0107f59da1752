//! The AP lead's tracking (issue 23): school figures per term with an early-warning list,
//! panel timeliness and decisions, outcomes by provider and the strategy's measures, all
//! from aggregate figures in the site's `tracking/` folder (docs/tracking.md). Everything is
//! internal except provider outcomes and the strategy summary, which are published only
//! through the gap analysis's disclosure control. The district trend (issue 5) is
//! [`districts`].

pub mod districts;
pub mod outcomes;
pub mod pages;
pub mod panels;
pub mod rules;
pub mod schools;
pub mod strategy;
pub mod strategy_chart;
pub mod table;

pub use districts::{Cell, District, RISE_PERCENT, Row, URL, chart, districts, is_rise, pupils, series};

use crate::diagnostics::Diagnostics;
use crate::site::Site;

/// Everything read from the tracking folder. A file that is absent is `None` (its pages say
/// so); a file with any problem stops the build.
#[derive(Clone, Debug, Default)]
pub struct Tracking {
    pub schools: Option<Vec<schools::SchoolTerm>>,
    pub panels: Option<Vec<panels::PanelTerm>>,
    pub decisions: Option<Vec<panels::Decision>>,
    pub outcomes: Option<Vec<outcomes::Outcome>>,
    pub strategy: Option<Vec<strategy::Measure>>,
}

/// The file names inside the tracking folder.
pub const FILES: [&str; 5] = ["schools.csv", "panels.csv", "decisions.csv", "outcomes.csv", "strategy.toml"];

/// Reads the tracking folder of `site` (`[tracking] dir`). Every problem in every file is in
/// the diagnostics; when there is any error, nothing may be built from these inputs.
pub fn load(site: &Site) -> (Tracking, Diagnostics) {
    let mut d = Diagnostics::default();
    let dir = site.root.join(&site.config.tracking.dir);
    let name = |f: &str| format!("{}/{f}", site.config.tracking.dir.trim_end_matches('/'));
    let ids: Vec<&str> = site.providers.iter().map(|p| p.provider.id.as_str()).collect();
    let t = Tracking {
        schools: schools::load(&dir.join(FILES[0]), &name(FILES[0]), &mut d),
        panels: panels::load_panels(&dir.join(FILES[1]), &name(FILES[1]), &mut d),
        decisions: panels::load_decisions(&dir.join(FILES[2]), &name(FILES[2]), &mut d),
        outcomes: outcomes::load(&dir.join(FILES[3]), &name(FILES[3]), &ids, &mut d),
        strategy: strategy::load(&dir.join(FILES[4]), &name(FILES[4]), &mut d),
    };
    (t, d)
}

/// Every tracking page for this build's profile, or the input problems (then nothing is built).
pub fn pages(site: &Site, templates: &crate::render::templates::Templates) -> Vec<Result<crate::render::OutputFile, crate::diagnostics::Diagnostic>> {
    let (t, d) = load(site);
    if d.has_errors() {
        return d.errors().cloned().map(Err).collect();
    }
    let mut out = districts::pages(site, templates);
    out.extend(pages::internal(site, templates, &t));
    out.extend(pages::public(site, templates, &t));
    out
}

/// Each provider's outcomes for its own page, keyed by provider id: raw in the internal
/// profile, through the gap analysis's disclosure control in the public one (the same rows as
/// `/outcomes/`). Empty when the tracking folder has a problem: [`pages`] reports it and the
/// build stops.
pub fn provider_outcomes(site: &Site) -> crate::render::ProviderOutcomes {
    let (t, d) = load(site);
    if d.has_errors() {
        return Default::default();
    }
    let internal = site.profile.is_internal();
    let policy = if internal {
        crate::analyse::suppress::Suppression::Off
    } else {
        crate::analyse::suppress::Suppression::Public { threshold: site.config.privacy.suppression_threshold }
    };
    let page = if internal { format!("{}outcomes/", pages::INTERNAL) } else { pages::PUBLIC.to_string() };
    let mut by: std::collections::BTreeMap<String, Vec<outcomes::PublicOutcome>> = Default::default();
    for o in t.outcomes.as_deref().unwrap_or_default() {
        by.entry(o.provider.clone()).or_default().push(outcomes::public(o, policy));
    }
    by.into_iter()
        .map(|(id, rows)| {
            let url = format!("{page}#provider-{id}");
            let v = serde_json::json!({
                "rows": rows,
                "questions": outcomes::QUESTIONS,
                "public": !internal,
                "threshold": site.config.privacy.suppression_threshold,
                "url": url,
            });
            (id, v)
        })
        .collect()
}
