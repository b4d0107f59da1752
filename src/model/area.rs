//! Area figures: one `areas/<GSS code>.toml` per area, holding its pupil numbers (the
//! denominators), its demand for alternative provision, the authority's targets, and earlier
//! periods for trend charts. The format is described in docs/areas.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A count as published upstream: a number, or `"c"` when the source had already suppressed
/// it. Raw counts never leave the build except through the suppression step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Value(u64),
    /// Suppressed before it reached us (written `"c"`).
    Suppressed,
}

impl Count {
    pub fn value(self) -> Option<u64> {
        match self {
            Count::Value(v) => Some(v),
            Count::Suppressed => None,
        }
    }
}

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Count::Value(v) => s.serialize_u64(*v),
            Count::Suppressed => s.serialize_str("c"),
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number, or \"c\" for a count suppressed at source")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Count, E> {
                u64::try_from(v).map(Count::Value).map_err(|_| E::custom("a count cannot be negative"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count::Value(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Count, E> {
                if v == "c" {
                    Ok(Count::Suppressed)
                } else {
                    Err(E::custom(format!("`{v}` is not a count: write a whole number, or \"c\" for a count suppressed at source")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    #[default]
    District,
    Unitary,
    Ward,
    Other,
}

/// `areas/<code>.toml`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AreaFigures {
    /// ONS GSS code; must match a feature of the boundary file and the file name.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub kind: AreaKind,
    /// False for areas outside the authority (drawn for context, left out of the figures).
    #[serde(default = "yes")]
    pub in_scope: bool,
    #[serde(default)]
    pub la_code: String,
    /// The academic year the figures describe, e.g. "2024/25".
    pub period: String,
    /// Where the figures came from (shown with the tables).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub pupils: Pupils,
    #[serde(default)]
    pub demand: Demand,
    #[serde(default)]
    pub targets: Targets,
    /// Earlier periods, oldest first, for trend charts in the internal profile.
    #[serde(default)]
    pub history: Vec<HistoryPeriod>,
}

fn yes() -> bool {
    true
}

/// Resident pupils (the denominators).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Pupils {
    pub total_5_16: Option<u64>,
    pub ks1: Option<u64>,
    pub ks2: Option<u64>,
    pub ks3: Option<u64>,
    pub ks4: Option<u64>,
}

impl Pupils {
    /// Pupils in a key stage (`"KS2"`), or the total for anything else.
    pub fn in_key_stage(&self, ks: &str) -> Option<u64> {
        match ks {
            "KS1" => self.ks1,
            "KS2" => self.ks2,
            "KS3" => self.ks3,
            "KS4" => self.ks4,
            _ => self.total_5_16,
        }
    }
}

/// Demand for alternative provision in the period. The breakdowns (`by_key_stage`,
/// `by_need`, `by_tier`) split the AP placements (LA-arranged + school-arranged).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Demand {
    pub permanent_exclusions: Option<Count>,
    pub suspensions: Option<Count>,
    pub la_arranged_ap: Option<Count>,
    pub school_arranged_ap: Option<Count>,
    pub section19_health: Option<Count>,
    pub home_tuition: Option<Count>,
    pub part_time_timetables: Option<Count>,
    /// Keys `ks1`..`ks4`.
    #[serde(default)]
    pub by_key_stage: BTreeMap<String, Count>,
    /// Keys from the needs vocabulary (plus `medical` for either medical need).
    #[serde(default)]
    pub by_need: BTreeMap<String, Count>,
    /// Keys `tier1`..`tier3`.
    #[serde(default)]
    pub by_tier: BTreeMap<String, Count>,
    /// Placements per cell: `tier` key (`tier1`..`tier3`), then key stage key (`ks1`..`ks4`),
    /// e.g. `[demand.by_tier_key_stage] tier3 = { ks3 = 4, ks4 = 9 }`. Optional; when given,
    /// the gap rules compare supply with demand cell by cell (docs/areas.md).
    #[serde(default)]
    pub by_tier_key_stage: BTreeMap<String, BTreeMap<String, Count>>,
    /// Placements per cell *and need*: tier key, key stage key, then need key (the needs
    /// vocabulary, plus `medical` for either medical need), e.g.
    /// `[demand.by_tier_key_stage_need] tier3.ks4 = { semh = 11, ebsa_anxiety = 3 }`.
    /// Optional, and only where the need is known; needs overlap, so a cell's needs need not
    /// add up to anything. The gap rules compare each with the places open to that need in
    /// that cell (docs/areas.md). Left out of a snapshot when empty, so files written
    /// before it existed stay the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_tier_key_stage_need: BTreeMap<String, BTreeMap<String, BTreeMap<String, Count>>>,
}

impl Demand {
    /// Placements in tier `t` (0-based) and key stage `k` (0-based), when the file gives cells.
    pub fn cell(&self, t: usize, k: usize) -> Option<Count> {
        self.by_tier_key_stage.get(&format!("tier{}", t + 1))?.get(&format!("ks{}", k + 1)).copied()
    }

    /// The placements with need `need` in tier `t` × key stage `k` (0-based), when given.
    pub fn need_cell(&self, t: usize, k: usize, need: &str) -> Option<Count> {
        self.by_tier_key_stage_need.get(&format!("tier{}", t + 1))?.get(&format!("ks{}", k + 1))?.get(need).copied()
    }

    /// Every need cell the file gives, as (tier, key stage, need key, count) with tier and key
    /// stage 0-based, in tier, key stage, need order; keys outside the allowed ones (errors at
    /// load) are left out.
    pub fn need_cells(&self) -> Vec<(usize, usize, &'static str, Count)> {
        let mut out = Vec::new();
        for (tier, row) in &self.by_tier_key_stage_need {
            let Some(t) = TIER_KEYS.iter().position(|x| x == tier) else { continue };
            for (ks, needs) in row {
                let Some(k) = KEY_STAGE_KEYS.iter().position(|x| x == ks) else { continue };
                out.extend(needs.iter().filter_map(|(n, c)| Some((t, k, demand_need_key(n)?, *c))));
            }
        }
        out.sort_by_key(|&(t, k, n, _)| (t, k, n));
        out
    }
}

/// The tier keys of the demand tables (`by_tier`, `by_tier_key_stage`).
pub const TIER_KEYS: [&str; 3] = ["tier1", "tier2", "tier3"];
/// The key stage keys of the demand tables (`by_key_stage`, the cells).
pub const KEY_STAGE_KEYS: [&str; 4] = ["ks1", "ks2", "ks3", "ks4"];
/// The need key that stands for either medical need in area figures.
pub const MEDICAL: &str = "medical";

/// A need key allowed in `demand.by_tier_key_stage_need`: a key of the needs vocabulary, or
/// [`MEDICAL`]; as a `'static` key, or `None` when not allowed.
pub fn demand_need_key(key: &str) -> Option<&'static str> {
    if key == MEDICAL {
        return Some(MEDICAL);
    }
    crate::model::vocab::Need::KEYS.iter().copied().find(|k| *k == key)
}

impl Demand {
    /// The components of total demand, in display order, with their labels.
    pub fn components(&self) -> [(&'static str, &'static str, Option<Count>); 6] {
        [
            ("permanent_exclusions", "Permanent exclusions", self.permanent_exclusions),
            ("la_arranged_ap", "LA-arranged AP placements", self.la_arranged_ap),
            ("school_arranged_ap", "School-arranged AP placements", self.school_arranged_ap),
            ("section19_health", "Section 19 medical referrals", self.section19_health),
            ("home_tuition", "Home tuition", self.home_tuition),
            ("part_time_timetables", "Part-time timetables", self.part_time_timetables),
        ]
    }
}

/// Commissioning targets the gap report measures against.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Targets {
    /// Places per 1,000 pupils the authority aims for.
    #[serde(default = "default_places_target")]
    pub places_per_1000_target: f64,
    /// The furthest a pupil should travel to a suitable provider, in miles (straight line).
    #[serde(default = "default_travel_miles")]
    pub max_travel_miles: f64,
    /// The same target as a journey time, shown for information only.
    pub max_travel_minutes: Option<u32>,
}

impl Default for Targets {
    fn default() -> Self {
        Targets { places_per_1000_target: default_places_target(), max_travel_miles: default_travel_miles(), max_travel_minutes: None }
    }
}

fn default_places_target() -> f64 {
    6.0
}
fn default_travel_miles() -> f64 {
    10.0
}

/// An earlier period's headline figures (`[[history]]`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct HistoryPeriod {
    pub period: String,
    /// The period's resident pupils aged 5 to 16, for its rates. Without it the tracker uses
    /// the latest period's (`[pupils] total_5_16`) and says so.
    #[serde(default)]
    pub pupils_5_16: Option<u64>,
    pub permanent_exclusions: Option<Count>,
    pub suspensions: Option<Count>,
    pub la_arranged_ap: Option<Count>,
    pub part_time_timetables: Option<Count>,
}

// The settings of one more boundary layer (`[[area_layers]]` in apdir.toml). They live here,
// not in `config`, so that `load` can read the layers without importing `config`.

/// At most this many `[[area_layers]]` (each is a full gap analysis and a set of pages).
pub const MAX_AREA_LAYERS: usize = 8;

/// `[[area_layers]]`: one more set of boundaries analysed beside the main one.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AreaLayerConfig {
    /// The layer's part of the URL: `/areas/<key>/` (lower case letters, digits, hyphens).
    pub key: String,
    /// The layer's name as readers see it ("Wards").
    pub name: String,
    /// A GeoJSON FeatureCollection with `code` and `name` properties (like `boundaries`).
    pub boundaries: String,
    /// Folder of `<GSS code>.toml` figures for this layer's areas; without it the layer shows
    /// supply and access only.
    #[serde(default)]
    pub area_figures: Option<String>,
    /// Codes drawn for context only; the site's `context_areas` when not given.
    #[serde(default)]
    pub context_areas: Option<Vec<String>>,
    /// Where each setting was written, for diagnostics that come after the configuration is read.
    #[serde(skip)]
    pub at: LayerAt,
}

/// Where one `[[area_layers]]` entry sits in apdir.toml.
#[derive(Clone, Debug, Default)]
pub struct LayerAt {
    pub file: Option<std::sync::Arc<crate::diagnostics::SourceFile>>,
    pub key: Option<std::ops::Range<usize>>,
    pub boundaries: Option<std::ops::Range<usize>>,
    pub area_figures: Option<std::ops::Range<usize>>,
}

impl AreaLayerConfig {
    /// The context areas of this layer: its own, or the site's `context_areas`.
    pub fn context<'a>(&'a self, site_context: &'a [String]) -> &'a [String] {
        self.context_areas.as_deref().unwrap_or(site_context)
    }
}
