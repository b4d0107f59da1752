//! A provider record: one TOML file in `providers/`, schema version 1.
//!
//! Field names follow DOMAIN.md section 4 and Open Referral UK where they overlap. The
//! `[internal]` table is kept apart (`Provider::internal`) and is never serialised, so no
//! public output can carry it by accident.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::vocab::*;

/// The schema version this build understands.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Provider {
    pub schema_version: u32,
    /// Stable slug; the file stem when left out. Becomes the URL and the ORUK service id.
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// A draft is checked and shown in the internal site only (docs/drafts.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    #[serde(default = "active")]
    pub status: ServiceStatus,
    #[serde(default)]
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub last_reviewed: Option<Date>,
    #[serde(default)]
    pub reviewed_by: Option<String>,
    /// GSS codes of districts served beyond the districts of the provider's own sites.
    #[serde(default)]
    pub service_area: Vec<String>,
    #[serde(default)]
    pub organisation: Organisation,
    pub registration: Registration,
    #[serde(default)]
    pub inspection: Inspection,
    #[serde(default)]
    pub quality_assurance: QualityAssurance,
    #[serde(default)]
    pub safeguarding: Safeguarding,
    pub offer: Offer,
    #[serde(default)]
    pub capacity: Capacity,
    #[serde(default)]
    pub costs: Vec<Cost>,
    #[serde(default)]
    pub transport: Transport,
    #[serde(default)]
    pub locations: Vec<Location>,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub child_voice: ChildVoice,
    /// Notes for the AP team only (lead officer, contract value, QA notes). Never public.
    #[serde(default, skip_serializing)]
    pub internal: Option<toml::Table>,
}

fn active() -> ServiceStatus {
    ServiceStatus::Active
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Organisation {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub legal_status: Option<LegalStatus>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Identifier {
    pub scheme: String,
    pub id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Registration {
    #[serde(rename = "type")]
    pub kind: RegistrationType,
    #[serde(default)]
    pub ap_census_setting: Option<ApCensusSetting>,
    #[serde(default)]
    pub urn: String,
    #[serde(default)]
    pub ukprn: String,
    #[serde(default)]
    pub host_la_code: String,
    /// `None` when nobody recorded it: pages say "Not recorded", never no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_time_offer: Option<bool>,
    #[serde(default)]
    pub max_hours_per_week: Option<f64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Inspection {
    /// Who inspects the provider; `Some(InspectionBody::None)` is a recorded "not inspected",
    /// and `None` (no `[inspection]` table, or no `body`) is "not recorded" (docs/inspections.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<InspectionBody>,
    #[serde(default = "no_framework")]
    pub framework: InspectionFramework,
    #[serde(default)]
    pub last_inspection: Option<Date>,
    #[serde(default)]
    pub report_url: Option<String>,
    #[serde(default)]
    pub legacy_overall: Option<LegacyGrade>,
    #[serde(default)]
    pub safeguarding: Option<MetOrNotMet>,
    /// Report-card grades per evaluation area (keys from `EvaluationArea`).
    #[serde(default)]
    pub grades: BTreeMap<String, ReportCardGrade>,
}

impl Default for Inspection {
    fn default() -> Self {
        Inspection {
            body: None,
            framework: InspectionFramework::None,
            last_inspection: None,
            report_url: None,
            legacy_overall: None,
            safeguarding: None,
            grades: BTreeMap::new(),
        }
    }
}

/// Whether anyone recorded the provider's inspection, and what it was.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InspectionState<'a> {
    /// No `[inspection]` table, or no `body` in it: unknown.
    NotRecorded,
    /// `body = "none"`: recorded as not inspected.
    NotInspected,
    /// Inspected by this body.
    By(&'a InspectionBody),
}

impl Inspection {
    pub fn state(&self) -> InspectionState<'_> {
        match &self.body {
            None => InspectionState::NotRecorded,
            Some(InspectionBody::None) => InspectionState::NotInspected,
            Some(b) => InspectionState::By(b),
        }
    }
}
fn no_framework() -> InspectionFramework {
    InspectionFramework::None
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct QualityAssurance {
    #[serde(default = "not_assessed")]
    pub list_status: ListStatus,
    #[serde(default)]
    pub list_route: Option<ListRoute>,
    #[serde(default)]
    pub last_visit: Option<Date>,
    #[serde(default)]
    pub visit_outcome: Option<VisitOutcome>,
    #[serde(default)]
    pub next_visit_due: Option<Date>,
    /// Result per national standard (keys from `Standard`).
    #[serde(default)]
    pub standards: BTreeMap<String, StandardResult>,
}

impl Default for QualityAssurance {
    fn default() -> Self {
        QualityAssurance {
            list_status: ListStatus::NotAssessed,
            list_route: None,
            last_visit: None,
            visit_outcome: None,
            next_visit_due: None,
            standards: BTreeMap::new(),
        }
    }
}

fn not_assessed() -> ListStatus {
    ListStatus::NotAssessed
}

/// Booleans and dates only: never staff names or DBS numbers.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Safeguarding {
    #[serde(default)]
    pub enhanced_dbs_all_staff: Option<bool>,
    #[serde(default)]
    pub single_central_record: Option<bool>,
    #[serde(default)]
    pub written_confirmation_of_checks: Option<Date>,
    #[serde(default)]
    pub named_dsl: Option<bool>,
    #[serde(default)]
    pub dsl_training: Option<Date>,
    #[serde(default)]
    pub child_protection_policy_reviewed: Option<Date>,
    #[serde(default)]
    pub session_attendance_reporting: Option<bool>,
    #[serde(default)]
    pub public_liability_expires: Option<Date>,
    #[serde(default)]
    pub employers_liability_expires: Option<Date>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct HoursRange {
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Offer {
    #[serde(default)]
    pub tiers: Vec<i64>,
    #[serde(default)]
    pub key_stages: Vec<KeyStage>,
    #[serde(default)]
    pub age_min: Option<u32>,
    #[serde(default)]
    pub age_max: Option<u32>,
    #[serde(default)]
    pub needs: Vec<Need>,
    /// `None` when nobody recorded it: pages say "Not recorded", never no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepts_ehcp: Option<bool>,
    /// `None` when nobody recorded it: pages say "Not recorded", never no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepts_looked_after: Option<bool>,
    /// `None` when nobody recorded it: pages say "Not recorded", never no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepts_permanently_excluded: Option<bool>,
    /// `None` when nobody recorded it: pages say "Not recorded", never no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day6_start: Option<bool>,
    #[serde(default)]
    pub pattern: Option<Pattern>,
    #[serde(default)]
    pub hours_per_week: Option<HoursRange>,
    #[serde(default)]
    pub max_weeks: Option<u32>,
    #[serde(default)]
    pub delivery: Option<Delivery>,
    #[serde(default)]
    pub group_size_max: Option<u32>,
    #[serde(default)]
    pub referral_routes: Vec<ReferralRoute>,
    /// `None` when nobody recorded it: pages say "Not recorded", never no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dual_registration: Option<bool>,
    /// `None` when nobody recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reintegration_plan: Option<bool>,
    #[serde(default)]
    pub curriculum: Vec<String>,
    #[serde(default)]
    pub qualifications: Vec<String>,
}

/// The tier a `places_by_tier` key names (`tier1` → 1), if it names one.
pub fn tier_of_key(key: &str) -> Option<i64> {
    match key {
        "tier1" => Some(1),
        "tier2" => Some(2),
        "tier3" => Some(3),
        _ => None,
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Capacity {
    #[serde(default)]
    pub places: Option<u32>,
    #[serde(default)]
    pub la_commissioned_places: Option<u32>,
    #[serde(default)]
    pub vacancies: Option<u32>,
    #[serde(default)]
    pub vacancies_as_of: Option<Date>,
    #[serde(default)]
    pub typical_wait_weeks: Option<u32>,
    /// Places declared per tier (`tier1`..`tier3` → places), adding up to `places`. When
    /// empty, the gap analysis splits a multi-tier provider's places equally (docs/areas.md).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub places_by_tier: std::collections::BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Cost {
    pub option: CostOptionKind,
    pub amount: f64,
    #[serde(default = "gbp")]
    pub currency: String,
    #[serde(default)]
    pub valid_from: Option<Date>,
    #[serde(default)]
    pub valid_to: Option<Date>,
    #[serde(default)]
    pub includes_transport: bool,
    #[serde(default)]
    pub description: String,
}

fn gbp() -> String {
    "GBP".into()
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Transport {
    #[serde(default)]
    pub provided: bool,
    #[serde(default)]
    pub notes: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Location {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: Vec<String>,
    pub postcode: String,
    /// GSS code; looked up from the postcode when left out.
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    /// Hide the address and exact position (home tuition, safeguarding-sensitive sites).
    #[serde(default)]
    pub mask_exact_address: bool,
    #[serde(default)]
    pub accessibility: Vec<String>,
    #[serde(default)]
    pub schedule: Vec<Schedule>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Schedule {
    #[serde(default)]
    pub days: Vec<String>,
    #[serde(default)]
    pub opens: String,
    #[serde(default)]
    pub closes: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Contact {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ChildVoice {
    #[serde(default)]
    pub feedback_collected: bool,
    #[serde(default)]
    pub last_collected: Option<Date>,
    #[serde(default)]
    pub summary: String,
}

/// The documented keys of a record's `[internal]` table. Other keys are accepted and shown
/// to the AP team as they are.
pub const INTERNAL_KEYS: &[&str] = &["lead_officer", "contract_value", "contract_ends", "qa_notes", "notes"];

/// The `[internal]` table read with its documented keys.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InternalNotes {
    /// The officer who leads on this provider.
    #[serde(default)]
    pub lead_officer: Option<String>,
    /// Annual contract value in pounds.
    #[serde(default)]
    pub contract_value: Option<f64>,
    #[serde(default)]
    pub contract_ends: Option<Date>,
    #[serde(default)]
    pub qa_notes: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl InternalNotes {
    /// Reads the documented keys; a key of the wrong type is an error naming it.
    pub fn read(table: &toml::Table) -> Result<InternalNotes, String> {
        let mut known = toml::Table::new();
        for k in INTERNAL_KEYS {
            if let Some(v) = table.get(*k) {
                known.insert(k.to_string(), v.clone());
            }
        }
        InternalNotes::deserialize(toml::Value::Table(known)).map_err(|e| e.message().to_string())
    }
}
