//! The spreadsheet (CSV) layout of provider records, shared by the CSV export and
//! `apdir import`: one row per provider site, provider columns repeated on each row.
//!
//! Column names are dotted paths into the record (`registration.type`,
//! `inspection.grades.inclusion`); costs are numbered (`costs.1.amount`); site columns start
//! with `location.`; `[internal]` columns (internal profile only) with `internal.`. Lists are
//! written `a; b; c`; organisation identifiers `SCHEME:id`; opening times
//! `MO TU WE 09:00-15:00; FR 09:00-12:00`.

use crate::model::spreadsheet::safe_cell;
use std::borrow::Cow;

use serde_json::Value;

use crate::model::vocab::{EvaluationArea, Standard};
use crate::site::Profile;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Integer,
    Bool,
    Date,
    List,
    IntList,
    Identifiers,
    Schedule,
    /// A table of whole numbers by key, written `tier2=2; tier3=8` (`capacity.places_by_tier`).
    Counts,
    /// Written by the export for readers; ignored by the import.
    Derived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Provider,
    Cost,
    Location,
    Internal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The header: a dotted path.
    pub name: String,
    pub kind: Kind,
    pub scope: Scope,
}

use Kind::*;

const PROVIDER: &[(&str, Kind)] = &[
    ("id", Text),
    ("name", Text),
    ("schema_version", Integer),
    ("status", Text),
    ("summary", Text),
    ("description", Text),
    ("website", Text),
    ("last_reviewed", Date),
    ("reviewed_by", Text),
    ("service_area", List),
    ("url", Derived),
    ("organisation.name", Text),
    ("organisation.legal_status", Text),
    ("organisation.identifiers", Identifiers),
    ("registration.type", Text),
    ("registration.ap_census_setting", Text),
    ("registration.urn", Text),
    ("registration.ukprn", Text),
    ("registration.host_la_code", Text),
    ("registration.full_time_offer", Bool),
    ("registration.max_hours_per_week", Number),
    ("inspection.body", Text),
    ("inspection.framework", Text),
    ("inspection.last_inspection", Date),
    ("inspection.report_url", Text),
    ("inspection.legacy_overall", Text),
    ("inspection.safeguarding", Text),
    ("quality_assurance.list_status", Text),
    ("quality_assurance.list_route", Text),
    ("quality_assurance.last_visit", Date),
    ("quality_assurance.visit_outcome", Text),
    ("quality_assurance.next_visit_due", Date),
    ("safeguarding.enhanced_dbs_all_staff", Bool),
    ("safeguarding.single_central_record", Bool),
    ("safeguarding.written_confirmation_of_checks", Date),
    ("safeguarding.named_dsl", Bool),
    ("safeguarding.dsl_training", Date),
    ("safeguarding.child_protection_policy_reviewed", Date),
    ("safeguarding.session_attendance_reporting", Bool),
    ("safeguarding.public_liability_expires", Date),
    ("safeguarding.employers_liability_expires", Date),
    ("offer.tiers", IntList),
    ("offer.key_stages", List),
    ("offer.age_min", Integer),
    ("offer.age_max", Integer),
    ("offer.needs", List),
    ("offer.accepts_ehcp", Bool),
    ("offer.accepts_looked_after", Bool),
    ("offer.accepts_permanently_excluded", Bool),
    ("offer.day6_start", Bool),
    ("offer.pattern", Text),
    ("offer.hours_per_week.min", Number),
    ("offer.hours_per_week.max", Number),
    ("offer.max_weeks", Integer),
    ("offer.delivery", Text),
    ("offer.group_size_max", Integer),
    ("offer.referral_routes", List),
    ("offer.dual_registration", Bool),
    ("offer.reintegration_plan", Bool),
    ("offer.curriculum", List),
    ("offer.qualifications", List),
    ("capacity.places", Integer),
    ("capacity.la_commissioned_places", Integer),
    ("capacity.places_by_tier", Counts),
    ("capacity.vacancies", Integer),
    ("capacity.vacancies_as_of", Date),
    ("capacity.typical_wait_weeks", Integer),
    ("transport.provided", Bool),
    ("transport.notes", Text),
    ("contact.role", Text),
    ("contact.email", Text),
    ("contact.phone", Text),
    ("child_voice.feedback_collected", Bool),
    ("child_voice.last_collected", Date),
    ("child_voice.summary", Text),
];

const COST: &[(&str, Kind)] = &[
    ("option", Text),
    ("amount", Number),
    ("currency", Text),
    ("valid_from", Date),
    ("valid_to", Date),
    ("includes_transport", Bool),
    ("description", Text),
];

const LOCATION: &[(&str, Kind)] = &[
    ("id", Text),
    ("name", Text),
    ("address", List),
    ("postcode", Text),
    ("district", Text),
    ("district_name", Derived),
    ("lat", Number),
    ("lon", Number),
    ("mask_exact_address", Bool),
    ("accessibility", List),
    ("schedule", Schedule),
];

const INTERNAL: &[(&str, Kind)] = &[("lead_officer", Text), ("contract_value", Number), ("contract_ends", Date), ("qa_notes", Text), ("notes", Text)];

/// Every column the import understands (costs up to `costs` numbered groups).
pub fn columns(costs: usize, profile: Profile) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::new();
    let col = |name: String, kind: Kind, scope: Scope| Column { name, kind, scope };
    for (n, k) in PROVIDER {
        out.push(col(n.to_string(), *k, Scope::Provider));
        if *n == "inspection.safeguarding" {
            for a in EvaluationArea::KEYS {
                out.push(col(format!("inspection.grades.{a}"), Text, Scope::Provider));
            }
        }
        if *n == "quality_assurance.next_visit_due" {
            for s in Standard::KEYS {
                out.push(col(format!("quality_assurance.standards.{s}"), Text, Scope::Provider));
            }
        }
    }
    for i in 1..=costs.max(1) {
        for (n, k) in COST {
            out.push(col(format!("costs.{i}.{n}"), *k, Scope::Cost));
        }
    }
    for (n, k) in LOCATION {
        out.push(col(format!("location.{n}"), *k, Scope::Location));
    }
    if profile.is_internal() {
        // Drafts reach only the internal export; without this column a draft exported and
        // imported again would come back published.
        out.push(col("draft".to_string(), Bool, Scope::Provider));
        for (n, k) in INTERNAL {
            out.push(col(format!("internal.{n}"), *k, Scope::Internal));
        }
    }
    out
}

/// Finds a column by header, including numbered cost columns beyond the first.
pub fn column(name: &str) -> Option<Column> {
    if let Some(rest) = name.strip_prefix("costs.")
        && let Some((n, field)) = rest.split_once('.')
        && let Ok(i) = n.parse::<usize>()
        && i >= 1
    {
        return COST.iter().find(|(f, _)| *f == field).map(|(_, k)| Column { name: name.into(), kind: *k, scope: Scope::Cost });
    }
    columns(1, Profile::Internal).into_iter().find(|c| c.name == name)
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, child)
}

/// The member `seg` of an object, or item `seg` (counted from 1) of an array.
fn child<'a>(v: &'a Value, seg: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => a.get(seg.parse::<usize>().ok()?.checked_sub(1)?),
        _ => None,
    }
}

/// Looks up column paths in one record, remembering the last parent found: columns come
/// grouped by table (`quality_assurance.…`), so most lookups start from the one before's.
struct Lookup<'a, 'c> {
    root: &'a Value,
    parent: Option<(&'c str, Option<&'a Value>)>,
}

impl<'a, 'c> Lookup<'a, 'c> {
    fn new(root: &'a Value) -> Self {
        Lookup { root, parent: None }
    }
    fn get(&mut self, path: &'c str) -> Option<&'a Value> {
        let Some((dir, leaf)) = path.rsplit_once('.') else { return child(self.root, path) };
        let parent = match self.parent {
            Some((d, p)) if d == dir => p,
            _ => {
                let p = get(self.root, dir);
                self.parent = Some((dir, p));
                p
            }
        };
        child(parent?, leaf)
    }
}

fn scalar(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Null => Cow::Borrowed(""),
        // Trimmed as the import trims, so a round trip is exact.
        Value::String(s) => Cow::Borrowed(s.trim()),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Number(n) => Cow::Owned(n.to_string()),
        other => Cow::Owned(other.to_string()),
    }
}

/// A value as its cell text. Text that a spreadsheet would run as a formula gets a leading `'`
/// ([`safe_cell`]); numbers and true/false are written as they are.
pub fn cell(v: Option<&Value>, kind: Kind) -> Cow<'_, str> {
    let Some(v) = v else { return Cow::Borrowed("") };
    match v {
        Value::Number(_) | Value::Bool(_) => return scalar(v),
        _ => {}
    }
    match text_cell(v, kind) {
        Cow::Borrowed(text) => safe_cell(text),
        Cow::Owned(text) => match safe_cell(&text) {
            Cow::Borrowed(_) => Cow::Owned(text),
            Cow::Owned(safe) => Cow::Owned(safe),
        },
    }
}

fn text_cell(v: &Value, kind: Kind) -> Cow<'_, str> {
    match (kind, v) {
        (Identifiers, Value::Array(a)) => {
            Cow::Owned(a.iter().map(|i| format!("{}:{}", scalar(&i["scheme"]), scalar(&i["id"]))).collect::<Vec<_>>().join("; "))
        }
        (Schedule, Value::Array(a)) => Cow::Owned(
            a.iter()
                .map(|s| {
                    let days: Vec<Cow<str>> = s["days"].as_array().map(|d| d.iter().map(scalar).collect()).unwrap_or_default();
                    format!("{} {}-{}", days.join(" "), scalar(&s["opens"]), scalar(&s["closes"])).trim().to_string()
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (Counts, Value::Object(m)) => Cow::Owned(m.iter().map(|(k, n)| format!("{k}={}", scalar(n))).collect::<Vec<_>>().join("; ")),
        (_, Value::Array(a)) => Cow::Owned(a.iter().map(scalar).collect::<Vec<_>>().join("; ")),
        (_, v) => scalar(v),
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

/// The header row of a CSV with `cols`, encoded. The CSV export is this row followed by every
/// record's [`rows`].
pub fn header(cols: &[Column]) -> Vec<u8> {
    let mut w = writer();
    let _ = w.write_record(cols.iter().map(|c| c.name.as_str()));
    w.into_inner().unwrap_or_default()
}

/// One record's rows (one per site), encoded, so records can be written in parallel.
pub fn rows(r: &Value, cols: &[Column]) -> Vec<u8> {
    let mut w = writer();
    let locations = r["locations"].as_array().map(Vec::as_slice).unwrap_or_default();
    if locations.is_empty() {
        return Vec::new();
    }
    // The provider's own cells are the same on each site's row: made once.
    let mut lookup = Lookup::new(r);
    let shared: Vec<Option<Cow<str>>> = cols.iter().map(|c| (c.scope != Scope::Location).then(|| cell(lookup.get(&c.name), c.kind))).collect();
    for loc in locations {
        let mut lookup = Lookup::new(loc);
        for (c, text) in cols.iter().zip(&shared) {
            let _ = match text {
                Some(text) => w.write_field(text.as_bytes()),
                None => w.write_field(cell(lookup.get(&c.name["location.".len()..]), c.kind).as_bytes()),
            };
        }
        let _ = w.write_record(None::<&[u8]>);
    }
    w.into_inner().unwrap_or_default()
}
