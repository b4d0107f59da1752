//! Disclosure: the one place that decides what of a provider record leaves the build, for
//! each profile. Templates (through `render::view`) and the data exports (`export`) both read
//! records through here; neither filters sensitive fields itself.
//!
//! - Public: the record as schools and families may see it. `[internal]` is never included,
//!   `reviewed_by` (an officer's address) is dropped, and masked sites lose their address,
//!   postcode and exact position (they are placed at their district's centre).
//! - Internal: everything, with the `[internal]` notes under the documented keys.

use serde_json::{Value, json};

pub use crate::model::provider::{INTERNAL_KEYS, InternalNotes};
use crate::site::{Profile, Site};
use crate::validate::ValidProvider;

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

fn resolved(p: &std::path::Path) -> std::path::PathBuf {
    crate::model::file::absolute(p)
}

/// The internal build refuses to write into (or around) the public output folder, or into
/// any folder holding a public apdir build (one without the internal dashboard).
pub fn check_output(site: &Site, output: &std::path::Path) -> Result<(), crate::Error> {
    if !site.profile.is_internal() {
        return Ok(());
    }
    let target = resolved(output);
    let public = resolved(&site.config.output_path(&site.root));
    let refuse = |why: String| Err(crate::Error::Output(crate::model::file::OutputError::Refused { path: output.to_path_buf(), reason: why }));
    if target == public || target.starts_with(&public) || public.starts_with(&target) {
        return refuse(format!(
            "the internal build must not be written into the public output folder ({}); it writes to `output_dir_internal` (default \"public-internal\")",
            site.config.output_dir
        ));
    }
    if target.join(crate::model::file::MARKER).exists() && !target.join("dashboard/index.html").exists() {
        return refuse("the folder holds a public build of the site; write the internal build to a folder of its own".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
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
