//! What-if scenarios (issue 20): `scenarios/<name>.toml` adds a site, closes a provider or
//! changes places. A scenario is applied to a copy of the site's providers and the same gap
//! analysis runs again, so before and after come from one rule. Internal only: no scenario
//! reaches the public site (docs/history.md).

pub mod check;
pub mod pages;

use serde::{Deserialize, Serialize};

use crate::analyse::{self, GapReport};
use crate::history::change::{Difference, differences};
use crate::site::Site;
use crate::validate::{PlacedSite, ValidProvider};

/// The folder of scenarios, below the site folder.
pub const DIR: &str = "scenarios";
/// At most this many scenario files.
pub const MAX_SCENARIOS: usize = 50;
/// At most this many changes in one scenario.
pub const MAX_CHANGES: usize = 200;
/// At most this many places in one new site or change.
pub const MAX_PLACES: u32 = 10_000;

/// One scenario file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Scenario {
    /// The file stem (`nelson-tier-2`): set when read, not written in the file.
    #[serde(skip)]
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// New sites.
    #[serde(default)]
    pub add: Vec<NewSite>,
    /// Providers that close.
    #[serde(default)]
    pub close: Vec<Closure>,
    /// Providers whose places change.
    #[serde(default)]
    pub change: Vec<PlacesChange>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NewSite {
    pub name: String,
    pub postcode: String,
    pub tiers: Vec<i64>,
    pub key_stages: Vec<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    pub places: u32,
    /// Districts (or other area codes) it would take pupils from besides its own.
    #[serde(default)]
    pub service_area: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Closure {
    pub provider: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct PlacesChange {
    pub provider: String,
    pub places: u32,
}

/// A scenario's gap reports before and after, and the differences in words.
pub struct Outcome {
    pub before: GapReport,
    pub after: GapReport,
    pub differences: Vec<Difference>,
}

/// Runs `scenario` (checked) against `site`, whose gap report is `before`.
pub fn run(site: &Site, before: &GapReport, scenario: &Scenario) -> Outcome {
    let changed = site.with_providers(apply(site, scenario));
    let after = analyse::analyse(&changed, None);
    let differences = differences(before, &after);
    Outcome { before: before.clone(), after, differences }
}

/// A copy of the site's providers with the scenario's closures, changes and new sites.
pub fn apply(site: &Site, s: &Scenario) -> Vec<ValidProvider> {
    let closed = |id: &str| s.close.iter().any(|c| c.provider == id);
    let mut out: Vec<ValidProvider> = site
        .providers
        .iter()
        .filter(|vp| !closed(&vp.provider.id))
        .map(|vp| ValidProvider { provider: vp.provider.clone(), source_digest: vp.source_digest, sites: vp.sites.clone() })
        .collect();
    for c in &s.change {
        for vp in out.iter_mut().filter(|vp| vp.provider.id == c.provider) {
            vp.provider.capacity.places = Some(c.places);
        }
    }
    out.extend(s.add.iter().enumerate().filter_map(|(i, n)| new_provider(site, &s.name, i, n)));
    out
}

/// The provider a new site stands for: active, on the list, at the postcode's place.
fn new_provider(site: &Site, scenario: &str, i: usize, n: &NewSite) -> Option<ValidProvider> {
    let pc = crate::geo::normalise_postcode(&n.postcode)?;
    let e = site.postcodes.get(&pc)?;
    let mut provider = check::blank_provider(&n.name)?;
    provider.id = format!("scenario-{scenario}-{}", i + 1);
    provider.offer.tiers = n.tiers.clone();
    provider.offer.key_stages = n.key_stages.iter().map(|k| crate::model::vocab::KeyStage::from_key(k)).collect();
    provider.offer.needs = n.needs.iter().map(|k| crate::model::vocab::Need::from_key(k)).collect();
    provider.capacity.places = Some(n.places);
    provider.service_area = n.service_area.clone();
    let placed = PlacedSite { lat: e.lat, lon: e.lon, district: e.district.clone(), ward: e.ward.clone() };
    Some(ValidProvider { provider, source_digest: 0, sites: vec![placed] })
}

/// `apdir gaps --scenario NAME`: the plan and its differences in words, and the report after.
pub fn gaps_of_scenario(site: &Site, name: &str) -> Result<(String, GapReport), crate::error::Error> {
    let (scenarios, problems) = check::load(site);
    if problems.has_errors() {
        return Err(crate::error::Error::Content(problems));
    }
    let Some(s) = scenarios.iter().find(|s| s.name == name) else {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        let known = if names.is_empty() { "none".to_string() } else { names.join(", ") };
        return Err(crate::error::Error::Usage(format!("there is no scenario `{name}` in {DIR}/ (scenarios: {known})")));
    };
    let before = analyse::analyse(site, None);
    let o = run(site, &before, s);
    Ok((format!("{}\nThe gap report after:\n", pages::text(s, &o)), o.after))
}
