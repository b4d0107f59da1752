//! Reading and checking the scenarios folder like records: unknown keys, unknown provider
//! ids, postcodes that are not postcodes or not in the postcode file, tiers, key stages and
//! needs outside the vocabulary, and sizes; every problem at once, at its file:line:col.

use std::path::Path;
use std::sync::Arc;

use super::{DIR, MAX_CHANGES, MAX_PLACES, MAX_SCENARIOS, NewSite, Scenario};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, did_you_mean};
use crate::history::files::{read_doc, toml_files};
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::model::provider::Provider;
use crate::model::vocab::{KeyStage, Need};
use crate::path;
use crate::site::Site;

fn known_fields(p: &[Seg]) -> Option<&'static [&'static str]> {
    match p {
        [] => Some(fields_of::<Scenario>()),
        [a, Seg::Index(_)] => match a.as_key()? {
            "add" => Some(fields_of::<NewSite>()),
            "close" => Some(fields_of::<super::Closure>()),
            "change" => Some(fields_of::<super::PlacesChange>()),
            _ => None,
        },
        _ => None,
    }
}

/// Every scenario of `site`, checked and sorted by name; the problems (any error: use none).
pub fn load(site: &Site) -> (Vec<Scenario>, Diagnostics) {
    let (paths, mut problems) = toml_files(&site.root, &site.root.join(DIR), MAX_SCENARIOS, "scenario");
    let mut out = Vec::new();
    for path in &paths {
        let Some((doc, file, mut s)) = read_doc::<Scenario>(&site.root, path, &known_fields, &mut problems) else { continue };
        s.name = path.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
        let before = problems.len();
        Check { site, doc: &doc, file: &file, out: &mut problems }.scenario(path, &s);
        if problems.len() == before {
            out.push(s);
        }
    }
    (out, Diagnostics { items: problems })
}

struct Check<'a> {
    site: &'a Site,
    doc: &'a TomlDoc,
    file: &'a Arc<SourceFile>,
    out: &'a mut Vec<Diagnostic>,
}

impl Check<'_> {
    fn error(&mut self, code: &'static str, at: &[Seg], msg: String, help: String) {
        self.out.push(Diagnostic::error(code, msg).in_file(self.file, self.doc.span(at)).label("here").help(help));
    }

    fn scenario(&mut self, path: &Path, s: &Scenario) {
        if !s.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') || s.name.is_empty() {
            let msg = format!("`{}` cannot be a scenario's name ({})", s.name, path.display());
            self.error("scenario-name", &[], msg, "name the file with lower-case letters, digits and hyphens".into());
        }
        if s.title.trim().is_empty() {
            self.error("missing-title", &path!["title"], "the scenario has no title".into(), "say in a few words what it tries".into());
        }
        let n = s.add.len() + s.close.len() + s.change.len();
        if n == 0 || n > MAX_CHANGES {
            let msg = format!("the scenario makes {n} changes");
            self.error("scenario-size", &[], msg, format!("give 1 to {MAX_CHANGES} [[add]], [[close]] or [[change]] entries"));
        }
        if n > MAX_CHANGES {
            return;
        }
        for (i, a) in s.add.iter().enumerate() {
            self.new_site(i, a);
        }
        for (i, c) in s.close.iter().enumerate() {
            self.provider(&path!["close", i, "provider"], &c.provider);
        }
        for (i, c) in s.change.iter().enumerate() {
            self.provider(&path!["change", i, "provider"], &c.provider);
            self.places(&path!["change", i, "places"], c.places, 0);
            if s.close.iter().any(|x| x.provider == c.provider) {
                self.error("close-and-change", &path!["change", i, "provider"], format!("`{}` is closed and changed", c.provider), "keep one".into());
            }
        }
    }

    fn provider(&mut self, at: &[Seg], id: &str) {
        let ids = || self.site.providers.iter().map(|vp| vp.provider.id.as_str());
        if ids().any(|x| x == id) {
            return;
        }
        let help = match did_you_mean(id, ids()) {
            Some(s) => format!("did you mean `{s}`? A provider is named by its record's id (the file name in providers/)"),
            None => "a provider is named by its record's id (the file name in providers/)".into(),
        };
        self.error("unknown-provider", at, format!("there is no provider `{id}`"), help);
    }

    fn places(&mut self, at: &[Seg], places: u32, min: u32) {
        if places < min || places > MAX_PLACES {
            self.error("bad-places", at, format!("{places} places"), format!("give {min} to {MAX_PLACES} places"));
        }
    }

    fn new_site(&mut self, i: usize, a: &NewSite) {
        match crate::geo::normalise_postcode(&a.postcode) {
            None => self.error(
                "bad-postcode",
                &path!["add", i, "postcode"],
                format!("`{}` is not a postcode", a.postcode),
                "write a full UK postcode, e.g. BB9 7YS".into(),
            ),
            Some(pc) if self.site.postcodes.get(&pc).is_none() => self.error(
                "unknown-postcode",
                &path!["add", i, "postcode"],
                format!("{pc} is not in the postcode file"),
                "use a postcode in the authority's postcode file (data/)".into(),
            ),
            Some(_) => {}
        }
        if a.tiers.is_empty() || a.tiers.iter().any(|t| !(1..=3).contains(t)) {
            self.error("bad-tier", &path!["add", i, "tiers"], "the tiers must be 1, 2 or 3".into(), "e.g. tiers = [2]".into());
        }
        if a.key_stages.is_empty() || a.key_stages.iter().any(|k| !KeyStage::from_key(k).is_known()) {
            self.error(
                "bad-key-stage",
                &path!["add", i, "key_stages"],
                "the key stages must be KS1 to KS5".into(),
                "e.g. key_stages = [\"KS3\", \"KS4\"]".into(),
            );
        }
        if let Some(bad) = a.needs.iter().find(|n| !Need::from_key(n).is_known()) {
            let help = format!("the needs are: {}", Need::KEYS.join(", "));
            self.error("unknown-need", &path!["add", i, "needs"], format!("`{bad}` is not a need"), help);
        }
        self.places(&path!["add", i, "places"], a.places, 1);
        for (j, code) in a.service_area.iter().enumerate() {
            if !self.site.areas.iter().any(|x| x.code == *code || x.parent.as_deref() == Some(code.as_str())) {
                self.error(
                    "unknown-area",
                    &path!["add", i, "service_area", j],
                    format!("`{code}` is not an area of the boundary file"),
                    "use a GSS code".into(),
                );
            }
        }
        if a.name.trim().is_empty() || blank_provider(&a.name).is_none() {
            self.error(
                "missing-name",
                &path!["add", i, "name"],
                "the new site has no name".into(),
                "name it, e.g. \"Nelson tier 2 site (planned)\"".into(),
            );
        }
    }
}

/// A provider record with only a name: what a planned site is until it has a record.
pub fn blank_provider(name: &str) -> Option<Provider> {
    let mut t = toml::Table::new();
    t.insert("schema_version".into(), 1.into());
    t.insert("name".into(), name.into());
    let mut reg = toml::Table::new();
    reg.insert("type".into(), "non_school".into());
    t.insert("registration".into(), reg.into());
    t.insert("offer".into(), toml::Table::new().into());
    toml::Value::Table(t).try_into().ok()
}
