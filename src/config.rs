//! `apdir.toml`: the site's settings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile};
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::model::date::Date;

pub const CONFIG_FILE: &str = "apdir.toml";

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Config {
    /// The service name shown in the header and the page titles.
    pub title: String,
    /// Where the site will be published, e.g. `https://ap.example.gov.uk` (used in the
    /// sitemap, the feed and canonical links; pages link to each other with root-relative URLs).
    pub base_url: String,
    /// The authority that publishes the site.
    pub authority: String,
    #[serde(default)]
    pub contact_email: String,
    /// One sentence describing the site, for search engines and the feed.
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Folder holding the themes, relative to the site root.
    #[serde(default = "default_themes_dir")]
    pub themes_dir: String,
    #[serde(default = "default_output")]
    pub output_dir: String,
    /// Where `apdir build --profile internal` writes the AP team's site. Must differ from
    /// `output_dir`: the internal build refuses to write into the public output folder.
    #[serde(default = "default_output_internal")]
    pub output_dir_internal: String,
    /// The postcode table: `postcode,lat,lon,district_code,ward_code`.
    #[serde(default = "default_postcodes")]
    pub postcodes: String,
    /// Area boundaries as GeoJSON with `code` and `name` properties.
    #[serde(default = "default_boundaries")]
    pub boundaries: String,
    /// Area codes drawn for context but outside the authority (its figures leave them out).
    #[serde(default)]
    pub context_areas: Vec<String>,
    /// The date the build treats as today, so date-dependent output is reproducible.
    #[serde(default)]
    pub today: Option<Date>,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub listing: Listing,
    #[serde(default)]
    pub privacy: Privacy,
    /// Folder holding one figures file per area (`<GSS code>.toml`), relative to the site root.
    #[serde(default = "default_area_figures")]
    pub area_figures: String,
    #[serde(default)]
    pub exports: Exports,
    /// What the main boundary layer (`boundaries`, the maps at `/areas/`) is called where
    /// `/areas/` lists the layers ("Districts").
    #[serde(default = "default_layer_name")]
    pub area_layer_name: String,
    /// Further boundary layers (wards, divisions, localities), each with its own maps and gap
    /// tables at `/areas/<key>/` (docs/areas.md).
    #[serde(default)]
    pub area_layers: Vec<AreaLayerConfig>,
    /// Thresholds of the gap rules (`src/analyse/rules.rs`, docs/areas.md).
    #[serde(default)]
    pub gaps: GapSettings,
    /// Forms and routes the guide links to by name (`[link](@route/referral)`): name → URL.
    #[serde(default)]
    pub routes: std::collections::BTreeMap<String, String>,
    /// The AP lead's tracking inputs and early-warning thresholds (docs/tracking.md).
    #[serde(default)]
    pub tracking: Tracking,
}

pub use crate::model::area::{AreaLayerConfig, LayerAt, MAX_AREA_LAYERS};

/// Checks `[[area_layers]]` that need only the configuration (keys, names, folders), and
/// records where each entry's settings are. The checks that need the boundaries are in
/// `load::areas::load_layers`.
fn check_layers(c: &mut Config, root: &Path, doc: &TomlDoc, file: &std::sync::Arc<SourceFile>, found: &mut Vec<Diagnostic>) {
    let at = |i: usize, key: &str| doc.span(&crate::path!["area_layers", i, key]);
    if c.area_layers.len() > MAX_AREA_LAYERS {
        found.push(
            Diagnostic::error("area-layers", format!("{} area layers: at most {MAX_AREA_LAYERS} are allowed", c.area_layers.len()))
                .in_file(file, doc.span(&crate::path!["area_layers", MAX_AREA_LAYERS]))
                .label("one too many")
                .help("each layer is a full gap analysis with its own pages: keep the layers readers need"),
        );
    }
    let mut folders: Vec<(String, String)> = vec![(c.area_figures.trim_end_matches('/').to_string(), "the main layer (`area_figures`)".into())];
    for i in 0..c.area_layers.len() {
        let l = &c.area_layers[i];
        let mut err = |code: &'static str, field: &str, msg: String, label: &str, help: String| {
            found.push(Diagnostic::error(code, msg).in_file(file, at(i, field)).label(label).help(help));
        };
        if !crate::model::slug::is_slug(&l.key) {
            err(
                "area-layer-key",
                "key",
                format!("`{}` cannot be part of a web address", l.key),
                "not a key",
                format!("use lower case letters, digits and hyphens, for example `{}`", crate::model::slug::slugify(&l.key)),
            );
        } else if let Some(j) = (0..i).find(|&j| c.area_layers[j].key == l.key) {
            err(
                "area-layer-key",
                "key",
                format!("two area layers have the key `{}` (entries {} and {})", l.key, j + 1, i + 1),
                "used twice",
                "give each layer its own key: it is the layer's web address".into(),
            );
        }
        if l.name.trim().is_empty() {
            err(
                "area-layer-name",
                "name",
                "the area layer has no name".into(),
                "empty",
                "name the layer as readers know it, for example \"Wards\"".into(),
            );
        }
        if !root.join(&l.boundaries).is_file() {
            err(
                "area-layer-boundaries",
                "boundaries",
                format!("`{}` is not a file", l.boundaries),
                "no such file",
                "give the path of a GeoJSON FeatureCollection, relative to the site root".into(),
            );
        }
        if let Some(dir) = &l.area_figures {
            let norm = dir.trim_end_matches('/').to_string();
            if !root.join(dir).is_dir() {
                err(
                    "area-layer-figures",
                    "area_figures",
                    format!("`{dir}` is not a folder"),
                    "no such folder",
                    "give the folder of this layer's `<code>.toml` files, or leave `area_figures` out".into(),
                );
            } else if let Some((_, owner)) = folders.iter().find(|(f, _)| *f == norm) {
                err(
                    "area-layer-figures",
                    "area_figures",
                    format!("`{dir}` already holds the figures of {owner}"),
                    "shared folder",
                    "each layer needs its own folder: its files are checked against its own boundaries".into(),
                );
            }
            folders.push((norm, format!("the `{}` layer", l.key)));
        }
        let spans = LayerAt { file: Some(file.clone()), key: at(i, "key"), boundaries: at(i, "boundaries"), area_figures: at(i, "area_figures") };
        c.area_layers[i].at = spans;
    }
}

/// `[gaps]`: how much slack the gap rules want (the rules themselves are in `analyse::rules`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct GapSettings {
    /// Extra places wanted over demand: 0.1 asks for 1.1 places for each placement.
    #[serde(default)]
    pub headroom: f64,
    /// The share of pupils (0 to 1) who should live within the travel target of a suitable place.
    #[serde(default = "default_access_share")]
    pub min_access_share: f64,
}

impl Default for GapSettings {
    fn default() -> Self {
        GapSettings { headroom: 0.0, min_access_share: default_access_share() }
    }
}

fn default_access_share() -> f64 {
    0.5
}

/// `[tracking]`: where the tracking files are and every early-warning threshold, in one place.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct Tracking {
    /// Folder holding schools.csv, panels.csv, decisions.csv, outcomes.csv and strategy.toml.
    pub dir: String,
    /// Suspensions up this many per cent or more on the previous term…
    pub suspension_rise_percent: u64,
    /// …and at least this many this term (smaller counts move too much to mean anything).
    pub min_suspensions: u64,
    /// A suspension rate this many times the district's in the same term, or more.
    pub rate_above_district: f64,
    /// Suspensions per suspended pupil at or above this: the same pupils suspended again.
    pub repeat_ratio: f64,
    /// Moves to home education, or other unexplained leavers, up by at least this many on the previous term.
    pub leavers_rise: u64,
    /// School days from exclusion by which provision must start (the sixth-day duty).
    pub pex_target_days: u64,
    /// School days from referral by which Section 19 provision should start (local policy).
    pub s19_target_days: u64,
}

impl Default for Tracking {
    fn default() -> Self {
        Tracking {
            dir: "tracking".into(),
            suspension_rise_percent: 25,
            min_suspensions: 5,
            rate_above_district: 1.5,
            repeat_ratio: 1.5,
            leavers_rise: 2,
            pex_target_days: 6,
            s19_target_days: 15,
        }
    }
}

/// Disclosure control for published figures.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Privacy {
    /// Counts from 1 to this number are shown as `c` on the public site.
    #[serde(default = "default_suppression")]
    pub suppression_threshold: u64,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy { suppression_threshold: default_suppression() }
    }
}

fn default_suppression() -> u64 {
    4
}
fn default_area_figures() -> String {
    "areas".into()
}

/// Which open data files the build publishes (docs/data.md). `apdir export` ignores these.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Exports {
    /// `/data/providers.json`, `.csv` and `.geojson`.
    #[serde(default = "yes")]
    pub data: bool,
    /// The Open Referral UK files under `/api/v3/`: the list bodies (`GET /services`, …) and
    /// the taxonomies. Off by default: the feed is for the aggregators an authority signs up
    /// with, and a default build writes a tenth fewer bytes without it (docs/data.md).
    #[serde(default)]
    pub oruk: bool,
    /// Also one file per service (`services/<id>.json`, `GET /services/{id}`) and per
    /// service at a location (`service_at_locations/<id>.json`). Off by default: they hold
    /// what the lists and `/data/providers.json` hold, in two more files per provider
    /// (docs/data.md). `apdir export --format oruk` always writes them.
    #[serde(default)]
    pub oruk_records: bool,
    /// Also one file per organisation (`organizations/<id>.json`) and per site
    /// (`locations/<id>.json`). The ORUK API defines neither call; their lists, and the
    /// services and service-at-locations that nest them, are always written.
    #[serde(default)]
    pub oruk_extras: bool,
}

impl Default for Exports {
    fn default() -> Self {
        Exports { data: true, oruk: false, oruk_records: false, oruk_extras: false }
    }
}

fn yes() -> bool {
    true
}

/// Thresholds for validation rules.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Rules {
    /// A non-school provider offering more hours a week than this is likely full-time
    /// education and must register as an independent school.
    #[serde(default = "default_hours")]
    pub non_school_max_hours: f64,
    /// Vacancy figures older than this many days are flagged as out of date.
    #[serde(default = "default_stale")]
    pub vacancy_stale_days: i64,
    /// A QA visit due within this many days is shown as due soon.
    #[serde(default = "default_due_soon")]
    pub qa_due_soon_days: i64,
    /// A guide page whose `reviewed` date is older than this many days is "not reviewed recently".
    #[serde(default = "default_review_days")]
    pub guide_review_days: i64,
    /// `apdir check` warns about a guide page whose reading age (Flesch-Kincaid grade + 5) is above this.
    #[serde(default = "default_reading_age")]
    pub reading_age_max: f64,
    /// Written confirmation of staff checks older than this many days is out of date.
    #[serde(default = "default_year")]
    pub checks_stale_days: i64,
    /// A provider page whose `last_reviewed` is older than this many days is "not reviewed recently".
    #[serde(default = "default_year")]
    pub review_stale_days: i64,
    /// Designated safeguarding lead training older than this many days is out of date (two years).
    #[serde(default = "default_two_years")]
    pub dsl_training_stale_days: i64,
    /// A child-protection policy not reviewed for this many days is out of date.
    #[serde(default = "default_year")]
    pub policy_stale_days: i64,
    /// The longest tier 2 (time-limited) placement, in weeks; the guide says 12.
    #[serde(default = "default_tier2_weeks")]
    pub tier2_max_weeks: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            non_school_max_hours: 18.0,
            vacancy_stale_days: 60,
            qa_due_soon_days: 30,
            guide_review_days: default_review_days(),
            reading_age_max: default_reading_age(),
            checks_stale_days: 365,
            review_stale_days: 365,
            dsl_training_stale_days: default_two_years(),
            policy_stale_days: 365,
            tier2_max_weeks: default_tier2_weeks(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Listing {
    /// Providers per page on the directory and listing pages.
    #[serde(default = "default_page_size")]
    pub page_size: usize,
}

impl Default for Listing {
    fn default() -> Self {
        Listing { page_size: 50 }
    }
}

fn default_theme() -> String {
    "default".into()
}
fn default_themes_dir() -> String {
    "themes".into()
}
fn default_output() -> String {
    "public".into()
}
fn default_output_internal() -> String {
    "public-internal".into()
}
fn default_postcodes() -> String {
    "data/postcodes.csv".into()
}
fn default_layer_name() -> String {
    "Areas".into()
}
fn default_boundaries() -> String {
    "areas/districts.geojson".into()
}
fn default_hours() -> f64 {
    18.0
}
fn default_stale() -> i64 {
    60
}
fn default_due_soon() -> i64 {
    30
}
/// A guide page's facts are "not reviewed recently" after a year by default (`crate::rules::review`).
fn default_review_days() -> i64 {
    365
}
fn default_reading_age() -> f64 {
    crate::model::readability::DEFAULT_READING_AGE_MAX
}
fn default_two_years() -> i64 {
    730
}
fn default_tier2_weeks() -> u32 {
    12
}
fn default_year() -> i64 {
    365
}
fn default_page_size() -> usize {
    50
}

fn known_fields(path: &[Seg]) -> Option<&'static [&'static str]> {
    match path {
        [] => Some(fields_of::<Config>()),
        [Seg::Key(k)] if k == "rules" => Some(fields_of::<Rules>()),
        [Seg::Key(k)] if k == "listing" => Some(fields_of::<Listing>()),
        [Seg::Key(k)] if k == "privacy" => Some(fields_of::<Privacy>()),
        [Seg::Key(k)] if k == "exports" => Some(fields_of::<Exports>()),
        [Seg::Key(k)] if k == "gaps" => Some(fields_of::<GapSettings>()),
        [Seg::Key(k)] if k == "routes" => Some(&[]),
        [Seg::Key(k), Seg::Index(_)] if k == "area_layers" => Some(fields_of::<AreaLayerConfig>()),
        _ => None,
    }
}

impl Config {
    /// Reads `apdir.toml` from the site root. Problems go into `diagnostics`.
    pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> Option<Config> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::metadata(&path) {
            Ok(_) => match crate::load::read_text(&path, CONFIG_FILE) {
                Ok(t) => t,
                Err(d) => {
                    diagnostics.push(d);
                    return None;
                }
            },
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error("no-config", format!("cannot read {}: {e}", path.display()))
                        .help("run apdir in a site folder (one with an apdir.toml), pass --root DIR, or create a site with `apdir init DIR`"),
                );
                return None;
            }
        };
        let file = SourceFile::new(CONFIG_FILE, &path, text);
        let mut found = Vec::new();
        let config = match TomlDoc::load::<Config>(&file, &file.text, 0, &known_fields, &mut found) {
            Ok((doc, mut config)) => {
                if let Some(c) = &mut config {
                    check_layers(c, root, &doc, &file, &mut found);
                }
                if let Some(c) = &config {
                    // Numbers a type check lets through but the rules cannot work with.
                    let out_of_range = [
                        (c.listing.page_size == 0, "listing", "page_size", "must be at least 1"),
                        (
                            !(c.rules.non_school_max_hours.is_finite() && c.rules.non_school_max_hours > 0.0),
                            "rules",
                            "non_school_max_hours",
                            "must be a number of hours above 0",
                        ),
                        (c.rules.vacancy_stale_days < 0, "rules", "vacancy_stale_days", "must be 0 or more days"),
                        (c.rules.qa_due_soon_days < 0, "rules", "qa_due_soon_days", "must be 0 or more days"),
                        (c.rules.guide_review_days < 0, "rules", "guide_review_days", "must be 0 or more days"),
                        (
                            !(c.rules.reading_age_max.is_finite() && c.rules.reading_age_max >= 5.0),
                            "rules",
                            "reading_age_max",
                            "must be an age of 5 or more",
                        ),
                        (c.rules.checks_stale_days < 0, "rules", "checks_stale_days", "must be 0 or more days"),
                        (c.rules.review_stale_days < 0, "rules", "review_stale_days", "must be 0 or more days"),
                        (c.rules.dsl_training_stale_days < 0, "rules", "dsl_training_stale_days", "must be 0 or more days"),
                        (c.rules.policy_stale_days < 0, "rules", "policy_stale_days", "must be 0 or more days"),
                    ];
                    for (bad, table, key, rule) in out_of_range {
                        if bad {
                            found.push(
                                Diagnostic::error("invalid-value", format!("`{table}.{key}` {rule}"))
                                    .in_file(&file, doc.span(&crate::path![table, key]))
                                    .label("out of range"),
                            );
                        }
                    }
                }
                config
            }
            Err(d) => {
                found.push(d);
                None
            }
        };
        let ok = !found.iter().any(Diagnostic::is_error);
        diagnostics.items.extend(found);
        config.filter(|_| ok)
    }

    pub fn output_path(&self, root: &Path) -> PathBuf {
        root.join(&self.output_dir)
    }
    /// The default output folder of a profile.
    pub fn output_path_for(&self, root: &Path, profile: crate::model::profile::Profile) -> PathBuf {
        match profile {
            crate::model::profile::Profile::Public => self.output_path(root),
            crate::model::profile::Profile::Internal => root.join(&self.output_dir_internal),
        }
    }
    pub fn theme_path(&self, root: &Path) -> PathBuf {
        root.join(&self.themes_dir).join(&self.theme)
    }
    /// `base_url` without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}
