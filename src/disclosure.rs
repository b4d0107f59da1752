//! Disclosure: the one place that decides what of a provider record leaves the build, for
//! each profile. Templates (through `render::view`) and the data exports (`export`) both read
//! records through here; neither filters sensitive fields itself.
//!
//! - Public: the record as schools and families may see it. `[internal]` is never included,
//!   `reviewed_by` (an officer's address) is dropped, and masked sites lose their address,
//!   postcode and exact position (they are placed at their district's centre).
//! - Internal: everything, with the `[internal]` notes under the documented keys.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::date::Date;
use crate::site::{Profile, Site};
use crate::validate::ValidProvider;

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

/// A TOML value as JSON (dates become `YYYY-MM-DD` strings).
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

/// A provider record as `profile` may publish it, as JSON. Locations gain `district`
/// (always set), `district_name`, `lat` and `lon` (where the site was placed), so the export
/// can be read without the postcode table; `url` is the provider's page.
pub fn provider_record(vp: &ValidProvider, site: &Site, profile: Profile) -> Value {
    let p = &vp.provider;
    let mut v = serde_json::to_value(p).unwrap_or_else(|_| json!({}));
    let obj = v.as_object_mut().expect("a provider serialises as an object");
    obj.insert("url".into(), json!(format!("{}{}", site.config.base(), crate::markdown::provider_url(&p.id))));
    if !profile.is_internal() {
        obj.remove("reviewed_by");
    }
    if let Some(Value::Array(locations)) = obj.get_mut("locations") {
        for (loc, (rec, placed)) in locations.iter_mut().zip(p.locations.iter().zip(&vp.sites)) {
            let Some(l) = loc.as_object_mut() else { continue };
            let area = site.area(&placed.district);
            l.insert("district".into(), json!(placed.district));
            l.insert("district_name".into(), json!(area.map(|a| a.name.as_str()).unwrap_or(placed.district.as_str())));
            if rec.mask_exact_address && !profile.is_internal() {
                let (lon, lat) = area.map(|a| a.centre).unwrap_or((placed.lon, placed.lat));
                l.insert("address".into(), json!([]));
                l.insert("postcode".into(), Value::Null);
                l.insert("lat".into(), json!(round6(lat)));
                l.insert("lon".into(), json!(round6(lon)));
            } else {
                l.insert("lat".into(), json!(placed.lat));
                l.insert("lon".into(), json!(placed.lon));
            }
        }
    }
    if profile.is_internal()
        && let Some(t) = &p.internal
    {
        obj.insert("internal".into(), toml_to_json(&toml::Value::Table(t.clone())));
    }
    v
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The rows of a provider page's "For the AP team" section: empty for the public profile.
pub fn internal_rows(vp: &ValidProvider, site: &Site) -> Vec<crate::render::view::Row> {
    use crate::render::view::{Row, Tag};
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
        let days = site.today.days_until(d);
        let tag = if days < 0 {
            Some(Tag { text: "Ended".into(), colour: "red" })
        } else if days <= 90 {
            Some(Tag { text: "Ends within 90 days".into(), colour: "yellow" })
        } else {
            None
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
        rows.push(row(&crate::render::view::humanise(k), text, None));
    }
    rows
}

pub fn money(amount: f64) -> String {
    let whole = amount.trunc() as i64;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    if amount.fract() == 0.0 {
        format!("{sign}£{grouped}")
    } else {
        format!("{sign}£{grouped}.{:02}", ((amount.abs().fract()) * 100.0).round() as i64)
    }
}

/// Checks the documented keys of `[internal]` have the right types.
pub fn check_internal(p: &crate::model::provider::Provider, doc: &crate::load::tomldoc::TomlDoc) -> Option<crate::diagnostics::Diagnostic> {
    let table = p.internal.as_ref()?;
    let e = InternalNotes::read(table).err()?;
    Some(
        crate::diagnostics::Diagnostic::error("invalid-value", format!("in [internal]: {e}"))
            .in_file(&doc.file, doc.span(&crate::path!["internal"]))
            .label("here")
            .help("lead_officer, qa_notes and notes are text; contract_value is a number of pounds; contract_ends is a date such as 2027-03-31"),
    )
}

fn resolved(p: &std::path::Path) -> std::path::PathBuf {
    crate::output::absolute(p)
}

/// The internal build refuses to write into (or around) the public output folder, or into
/// any folder holding a public apdir build (one without the internal dashboard).
pub fn check_output(site: &Site, output: &std::path::Path) -> Result<(), crate::Error> {
    if !site.profile.is_internal() {
        return Ok(());
    }
    let target = resolved(output);
    let public = resolved(&site.config.output_path(&site.root));
    let refuse = |why: String| Err(crate::Error::Output(crate::output::OutputError::Refused { path: output.to_path_buf(), reason: why }));
    if target == public || target.starts_with(&public) || public.starts_with(&target) {
        return refuse(format!(
            "the internal build must not be written into the public output folder ({}); it writes to `output_dir_internal` (default \"public-internal\")",
            site.config.output_dir
        ));
    }
    if target.join(crate::output::MARKER).exists() && !target.join("dashboard/index.html").exists() {
        return refuse("the folder holds a public build of the site; write the internal build to a folder of its own".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(6000.0), "£6,000");
        assert_eq!(money(1234567.5), "£1,234,567.50");
        assert_eq!(money(95.0), "£95");
    }
    #[test]
    fn internal_notes_read_documented_keys_and_reject_wrong_types() {
        let t: toml::Table = toml::from_str("lead_officer = \"A\"\ncontract_ends = 2027-03-31\nother = 3").unwrap();
        let n = InternalNotes::read(&t).unwrap();
        assert_eq!(n.lead_officer.as_deref(), Some("A"));
        assert_eq!(n.contract_ends.unwrap().iso(), "2027-03-31");
        let bad: toml::Table = toml::from_str("contract_value = \"lots\"").unwrap();
        assert!(InternalNotes::read(&bad).is_err());
    }
}
