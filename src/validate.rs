//! Validate: the rules a record or page must meet before anything is published.
//! Errors stop the build; warnings are reported and shown as badges on the site.
//!
//! Why this file stays whole (about 600 lines of code, then the guide-page checks): it holds one
//! short function per section of a provider record (identity, registration, inspection, quality
//! assurance, offer, capacity, locations), each reading like the record's own layout, and the
//! cross-record checks (ids and names seen twice). The safeguarding and contradiction checks
//! (`safeguarding`) and the scaffold-placeholder check (`placeholders`) are submodules; the
//! rules themselves (dates, ages, thresholds) live in `crate::rules`. Split it further along
//! the same seams when a section grows.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::geo::{Area, Postcodes};
use crate::load::providers::LoadedProvider;
use crate::load::tomldoc::{Seg, TomlDoc};
use crate::markdown::LinkTarget;
use crate::model::date::Date;
use crate::model::guide::GuidePage;
use crate::model::provider::{InternalNotes, Provider, SCHEMA_VERSION};
use crate::model::slug::is_slug;
use crate::model::vocab::*;
use crate::path;
use inspections_seen::InspectionsSeen;

pub mod inspections_seen;
pub mod placeholders;
mod safeguarding;

/// A validated site location: where it is, whichever way that was learnt.
#[derive(Clone, Debug)]
pub struct PlacedSite {
    pub lat: f64,
    pub lon: f64,
    pub district: String,
    pub ward: String,
}

/// A provider that passed validation, with its sites placed on the map.
pub struct ValidProvider {
    pub provider: Provider,
    /// A digest of the record's text ([`text_digest`]): what the exports' cache key is made
    /// of. The text itself is not kept once the record is checked (at 10,000 providers it is
    /// 37 MB, a fifth of the build's peak heap); its warnings quote what they need of it.
    pub source_digest: u128,
    /// One per `[[locations]]`, in order.
    pub sites: Vec<PlacedSite>,
}

struct Check<'a> {
    doc: &'a TomlDoc,
    out: Vec<Diagnostic>,
}

impl Check<'_> {
    fn span(&self, p: &[Seg]) -> Option<Range<usize>> {
        self.doc.span(p)
    }
    fn error(&mut self, code: &'static str, p: &[Seg], msg: impl Into<String>, label: &str, help: impl Into<String>) {
        let d = Diagnostic::error(code, msg).in_file(&self.doc.file, self.span(p)).label(label).help(help);
        self.out.push(d);
    }
    fn warn(&mut self, code: &'static str, p: &[Seg], msg: impl Into<String>, label: &str, help: impl Into<String>) {
        let d = Diagnostic::warning(code, msg).in_file(&self.doc.file, self.span(p)).label(label).help(help);
        self.out.push(d);
    }
    fn vocab<V: Vocabulary>(&mut self, v: &V, p: &[Seg], field: &str) {
        if let Some(bad) = v.unknown() {
            let help = match did_you_mean(bad, V::keys().iter().copied()) {
                Some(s) => format!("did you mean `{s}`? The values allowed are: {}", V::keys().join(", ")),
                None => format!("the values allowed are: {}", V::keys().join(", ")),
            };
            let code = match V::what() {
                "Need" => "unknown-need",
                "KeyStage" => "unknown-key-stage",
                _ => "unknown-value",
            };
            self.error(code, p, format!("`{bad}` is not a known {field}"), "not in the vocabulary", help);
        }
    }
    /// An error at the key `key` of a keyed table (at `p`) that is not one of `keys`: `what` it
    /// should be ("one of the national standards"), the label, and the plural the help lists.
    fn unknown_key(&mut self, p: &[Seg], key: &str, what: &str, (label, plural): (&str, &str), keys: &[&str]) {
        let help = match did_you_mean(key, keys.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the {plural} are: {}", keys.join(", ")),
        };
        let d = Diagnostic::error("unknown-value", format!("`{key}` is not {what}"))
            .in_file(&self.doc.file, self.doc.key_span(p))
            .label(label)
            .help(help);
        self.out.push(d);
    }
    fn url(&mut self, url: &Option<String>, p: &[Seg], field: &str) {
        if let Some(u) = url
            && !u.is_empty()
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            self.error(
                "invalid-url",
                p,
                format!("`{field}` must be a web address starting with https://"),
                "not an http(s) address",
                "write the full address, for example https://www.example.org/",
            );
        }
    }
}

/// Validates providers against the rules and places their sites.
pub fn providers(
    loaded: Vec<LoadedProvider>,
    postcodes: &Postcodes,
    areas: &[Area],
    config: &Config,
    today: Date,
) -> (Vec<ValidProvider>, Vec<Diagnostic>) {
    providers_seen(loaded, postcodes, areas, config, today, &InspectionsSeen::default())
}

/// [`providers`], also warning about each record whose inspection is older than the newest
/// an extract showed for its URN (`seen`, from `data/inspections-seen.csv`).
pub fn providers_seen(
    loaded: Vec<LoadedProvider>,
    postcodes: &Postcodes,
    areas: &[Area],
    config: &Config,
    today: Date,
    seen: &InspectionsSeen,
) -> (Vec<ValidProvider>, Vec<Diagnostic>) {
    providers_kept(loaded, postcodes, areas, config, today, seen, None)
}

/// Each record's own checks as last made, kept between validations by `apdir serve`: a record
/// whose parsed text is the very same (`Arc` of its source) and checked on the same day is
/// not checked again. Valid only while the postcodes, areas and settings stay the same: the
/// preview makes a new one whenever it reads those again. The checks across records always
/// run over every record.
#[derive(Default)]
pub struct RecordChecks {
    entries: std::sync::Mutex<HashMap<usize, RecordCheck>>,
}

struct RecordCheck {
    file: std::sync::Arc<crate::diagnostics::SourceFile>,
    today: Date,
    provider: Provider,
    out: Vec<Diagnostic>,
    sites: Vec<PlacedSite>,
}

/// [`providers_seen`], reusing each unchanged record's own checks from `kept` when given.
pub fn providers_kept(
    loaded: Vec<LoadedProvider>,
    postcodes: &Postcodes,
    areas: &[Area],
    config: &Config,
    today: Date,
    seen: &InspectionsSeen,
    kept: Option<&RecordChecks>,
) -> (Vec<ValidProvider>, Vec<Diagnostic>) {
    use crate::model::lock::LockExt;
    let key = |doc: &TomlDoc| std::sync::Arc::as_ptr(&doc.file) as usize;
    if let Some(k) = kept {
        // Forget the records no longer read (each save is a new parse).
        let live: HashSet<usize> = loaded.iter().map(|l| key(&l.doc)).collect();
        k.entries.lock_unpoisoned().retain(|p, _| live.contains(p));
    }
    let reuse = |doc: &TomlDoc| {
        let entries = kept?.entries.lock_unpoisoned();
        let e = entries.get(&key(doc)).filter(|e| std::sync::Arc::ptr_eq(&e.file, &doc.file) && e.today == today)?;
        Some((e.provider.clone(), e.out.clone(), e.sites.clone()))
    };
    // An area's code, or the code of a larger area the boundary file nests it in (a ward's
    // district), so district codes stay valid when the boundaries are wards.
    let mut area_codes: HashSet<&str> = areas.iter().flat_map(|a| std::iter::once(a.code.as_str()).chain(a.parent.as_deref())).collect();
    // A boundary file that is not the postcode file's geography (electoral divisions, say):
    // the postcode file's district codes stay valid, and the analysis places sites by location.
    if !postcodes.iter().any(|(_, e)| area_codes.contains(e.district.as_str()) || area_codes.contains(e.ward.as_str())) {
        area_codes.extend(postcodes.iter().map(|(_, e)| e.district.as_str()));
    }
    let mut diagnostics = Vec::new();
    let mut seen_ids: HashMap<String, crate::load::tomldoc::TomlDoc> = HashMap::new();
    let mut seen_names: HashMap<String, std::sync::Arc<crate::diagnostics::SourceFile>> = HashMap::new();

    // Each record's own checks, on every core; then, in file order, the checks across records
    // (duplicate ids and names).
    let mut checked: Vec<CheckedRecord> = loaded
        .into_par_iter()
        .map(|LoadedProvider { mut provider, doc, stem }| {
            let digest = text_digest(&doc.file.text);
            if let Some((provider, out, sites)) = reuse(&doc) {
                return CheckedRecord { valid: ValidProvider { provider, source_digest: digest, sites }, doc, out, passed: false };
            }
            let mut c = Check { doc: &doc, out: Vec::new() };
            let p = &mut provider;

            let env = Env { postcodes, areas, area_codes: &area_codes, config, today };
            identity(&mut c, p, &env, &stem);
            registration(&mut c, p, &env);
            inspection(&mut c, p);
            quality_assurance(&mut c, p, &env);
            offer(&mut c, p);
            capacity(&mut c, p, &env);
            let sites = locations(&mut c, p, &env);
            safeguarding::safeguarding(&mut c, p, today, &config.rules);
            safeguarding::contradictions(&mut c, p, today, &config.rules);
            c.out.extend(check_internal(p, &doc));
            c.out.extend(placeholders::check(&doc.file, p.draft, true));
            // Detached here, on the core that checked the record, rather than only with the
            // site's other problems later: the small copies then sit beside their record's
            // data, and at 30,000 providers the peak is about 90 MiB lower (600 against 690).
            let out: Vec<Diagnostic> = c.out.into_iter().map(Diagnostic::detached).collect();
            if let Some(k) = kept {
                let check = RecordCheck { file: doc.file.clone(), today, provider: provider.clone(), out: out.clone(), sites: sites.clone() };
                k.entries.lock_unpoisoned().insert(key(&doc), check);
            }
            CheckedRecord { valid: ValidProvider { provider, source_digest: digest, sites }, doc, out, passed: false }
        })
        .collect();
    for CheckedRecord { valid, doc, out, passed } in checked.iter_mut() {
        let p = &valid.provider;
        let mut c = Check { doc, out: std::mem::take(out) };
        if let Some(other_doc) = seen_ids.get(&p.id) {
            // The first record's position is worked out only now (spans cost a second parse).
            let other = &other_doc.file;
            let (l, col) = other_doc.span(&path!["id"]).map(|s| other.line_col(s.start)).unwrap_or((1, 1));
            c.error(
                "duplicate-id",
                &path!["id"],
                format!("provider id `{}` is already used by {}:{l}:{col}", p.id, other.name),
                "duplicate id",
                "every provider needs its own id; it becomes the page address /providers/<id>/",
            );
        } else {
            seen_ids.insert(p.id.clone(), doc.clone());
        }
        if p.name.trim().is_empty() {
            c.error("empty-name", &path!["name"], "the provider has no name", "empty", "give the provider's name as schools know it");
        } else if let Some(other) = seen_names.get(&p.name.trim().to_lowercase()) {
            c.warn(
                "duplicate-name",
                &path!["name"],
                format!("another provider, {}, has the same name", other.name),
                "same name",
                "if this is the same provider, merge the records; otherwise make the names distinguishable",
            );
        } else {
            seen_names.insert(p.name.trim().to_lowercase(), doc.file.clone());
        }
        inspection_seen(&mut c, p, seen);
        *passed = !c.out.iter().any(Diagnostic::is_error);
        diagnostics.extend(c.out);
    }
    // In place: the records' buffer becomes the providers' (at 30,000 providers a second
    // buffer of them was 80 MB of the peak).
    let valid = checked.into_iter().filter(|r| r.passed).map(|r| r.valid).collect();
    (valid, diagnostics)
}

/// One record after its own checks, before the checks across records.
struct CheckedRecord {
    valid: ValidProvider,
    doc: TomlDoc,
    out: Vec<Diagnostic>,
    /// No error found in the record, its own or across records.
    passed: bool,
}

/// A 128-bit digest of a record's text (SipHash-1-3): two texts with the same digest are,
/// for the build cache's purposes, the same record.
pub fn text_digest(text: &str) -> u128 {
    use siphasher::sip128::Hasher128;
    use std::hash::Hasher;
    let mut h = siphasher::sip128::SipHasher13::new();
    h.write_usize(text.len());
    h.write(text.as_bytes());
    h.finish128().as_u128()
}

/// What every record's checks are made against.
/// A record whose inspection is older than the newest an extract showed for its URN.
fn inspection_seen(c: &mut Check, p: &Provider, seen: &InspectionsSeen) {
    let Some(s) = seen.by_urn.get(p.registration.urn.trim()) else { return };
    if !crate::rules::inspection_behind(p, s.date) {
        return;
    }
    let (at, recorded) = match p.inspection.last_inspection {
        Some(d) if c.doc.has(&path!["inspection", "last_inspection"]) => {
            (path!["inspection", "last_inspection"], format!("this record's is {}", d.long()))
        }
        _ => (path!["registration", "urn"], "this record has none".to_string()),
    };
    c.warn(
        "inspection-newer-in-extract",
        &at,
        format!("{} (line {}) has an inspection of {}; {recorded}", s.extract, s.line, s.date.long()),
        "older than the published inspection",
        format!("run `apdir inspections {} --write` to update [inspection] from the extract, or update it by hand from the report", s.extract),
    );
}

struct Env<'a> {
    postcodes: &'a Postcodes,
    areas: &'a [Area],
    /// The area codes a record may name (`providers` works them out once).
    area_codes: &'a HashSet<&'a str>,
    config: &'a Config,
    today: Date,
}

/// The schema version, the id, the summary and description, the status, links and the areas served.
fn identity(c: &mut Check, p: &mut Provider, env: &Env, stem: &str) {
    let (areas, area_codes) = (env.areas, env.area_codes);
    if p.schema_version != SCHEMA_VERSION {
        c.error(
            "schema-version",
            &path!["schema_version"],
            format!("this build reads schema_version {SCHEMA_VERSION}, not {}", p.schema_version),
            "unsupported version",
            format!("set `schema_version = {SCHEMA_VERSION}` and check the record format in the README"),
        );
    }
    // Identity.
    if p.id.is_empty() {
        p.id = stem.to_string();
    }
    if !is_slug(&p.id) {
        let suggestion = crate::model::slug::slugify(&p.id);
        let at: &[Seg] = if c.doc.has(&path!["id"]) { &path!["id"] } else { &[] };
        c.error(
            "invalid-id",
            at,
            format!("`{}` cannot be a provider id: ids are lower-case letters, digits and hyphens", p.id),
            "not a valid id",
            format!("use `{suggestion}` (as the `id` field, or as the file name {suggestion}.toml)"),
        );
    }
    if p.summary.trim().is_empty() {
        c.warn(
            "no-summary",
            &path!["summary"],
            "the provider has no summary",
            "missing",
            "add one sentence saying who the provision is for; it shows in lists and search results",
        );
    }
    if crate::markdown::too_deep_at(&p.description).is_some() {
        let limit = crate::markdown::MAX_NESTING;
        let msg = format!("the description nests more than {limit} levels deep");
        c.error(
            "nesting-too-deep",
            &path!["description"],
            msg,
            "too deep",
            "flatten its quotes, lists or HTML elements: a description may nest at most 64 levels",
        );
    }
    c.vocab(&p.status, &path!["status"], "service status");
    c.url(&p.website, &path!["website"], "website");
    c.url(&p.inspection.report_url, &path!["inspection", "report_url"], "inspection.report_url");
    for (i, area) in p.service_area.iter().enumerate() {
        if !area_codes.contains(area.as_str()) {
            let names: Vec<&str> = areas.iter().map(|a| a.code.as_str()).collect();
            let help = match did_you_mean(area, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use the GSS code of a district in the boundary file (for example E07000123 for Preston)".into(),
            };
            c.error("unknown-area", &path!["service_area", i], format!("`{area}` is not an area code in the boundary file"), "unknown area", help);
        }
    }
    if let Some(ls) = &p.organisation.legal_status {
        c.vocab(ls, &path!["organisation", "legal_status"], "legal status");
    }
}

/// The registration type and numbers, and the registration test for non-school providers.
fn registration(c: &mut Check, p: &Provider, env: &Env) {
    let config = env.config;
    // Registration and the registration test.
    let reg = &p.registration;
    c.vocab(&reg.kind, &path!["registration", "type"], "registration type");
    if let Some(s) = &reg.ap_census_setting {
        c.vocab(s, &path!["registration", "ap_census_setting"], "AP census setting");
    }
    if reg.kind == RegistrationType::NonSchool {
        if reg.full_time_offer == Some(true) {
            c.error(
                "registration-test",
                &path!["registration", "full_time_offer"],
                "a non-school provider cannot offer full-time education",
                "full-time offer",
                "a setting giving full-time education to 5 or more pupils, or to one looked-after pupil or one with an EHCP, must register as an independent school: set `type` to `independent_school` with its URN, or set `full_time_offer = false`",
            );
        }
        let limit = config.rules.non_school_max_hours;
        // Both the registration's hours and the offer's are checked: either over the limit is
        // a claim of full-time education.
        let offered = p.offer.hours_per_week.as_ref().and_then(|h| h.max);
        let hours: [(Option<f64>, &[Seg]); 2] =
            [(reg.max_hours_per_week, &path!["registration", "max_hours_per_week"]), (offered, &path!["offer", "hours_per_week", "max"])];
        for (h, at) in hours {
            if let Some(h) = h
                && h > limit
            {
                c.error(
                    "registration-test",
                    at,
                    format!("a non-school provider offering {h} hours a week is likely giving full-time education (the limit is {limit})"),
                    "over the limit",
                    "reduce the hours, or register the setting as an independent school and change `type`",
                );
            }
        }
        if reg.ap_census_setting.is_none() {
            c.error(
                "missing-census-setting",
                &path!["registration", "ap_census_setting"],
                "a non-school provider needs its AP census type of setting",
                "missing",
                "add `ap_census_setting = \"OTH\"` (or NFE, OOT, WBP) to [registration]",
            );
        }
    }
    if reg.kind.needs_urn() && reg.urn.trim().is_empty() {
        c.error(
            "missing-urn",
            &path!["registration", "urn"],
            format!("a {} must have its URN", reg.kind.label().to_lowercase()),
            "no URN",
            "add `urn = \"123456\"` to [registration]; find it on Get Information about Schools",
        );
    }
    if reg.kind.needs_ukprn() && reg.ukprn.trim().is_empty() && reg.urn.trim().is_empty() {
        c.error(
            "missing-ukprn",
            &path!["registration", "ukprn"],
            format!("a {} must have its UKPRN (or URN)", reg.kind.label().to_lowercase()),
            "no UKPRN",
            "add `ukprn = \"10012345\"` to [registration]; find it on the UK Register of Learning Providers",
        );
    }
    let urn_ok = (6..=7).contains(&reg.urn.len()) && reg.urn.bytes().all(|b| b.is_ascii_digit());
    if !reg.urn.is_empty() && !urn_ok {
        c.error(
            "invalid-urn",
            &path!["registration", "urn"],
            format!("`{}` is not a URN", reg.urn),
            "not 6 or 7 digits",
            "a URN is 6 or 7 digits, for example \"119876\"",
        );
    }
    let ukprn_ok = reg.ukprn.len() == 8 && reg.ukprn.starts_with('1') && reg.ukprn.bytes().all(|b| b.is_ascii_digit());
    if !reg.ukprn.is_empty() && !ukprn_ok {
        c.error(
            "invalid-ukprn",
            &path!["registration", "ukprn"],
            format!("`{}` is not a UKPRN", reg.ukprn),
            "not a UKPRN",
            "a UKPRN is 8 digits starting with 1, for example \"10012345\"",
        );
    }
    let la = reg.host_la_code.trim();
    if !la.is_empty() && !la.parse().is_ok_and(crate::model::la_codes::is_english_la_code) {
        c.error(
            "unknown-la-code",
            &path!["registration", "host_la_code"],
            format!("`{la}` is not the code of an English local authority"),
            "not an LA code",
            "use the authority's 3-digit DfE code, for example \"888\" for Lancashire (the codes are in reference/la_codes_england.csv)",
        );
    }
}

/// The inspection body, framework and grades.
fn inspection(c: &mut Check, p: &Provider) {
    // Inspection.
    let ins = &p.inspection;
    if let Some(body) = &ins.body {
        c.vocab(body, &path!["inspection", "body"], "inspection body");
    }
    c.vocab(&ins.framework, &path!["inspection", "framework"], "inspection framework");
    if let Some(g) = &ins.legacy_overall {
        c.vocab(g, &path!["inspection", "legacy_overall"], "Ofsted grade");
    }
    if let Some(s) = &ins.safeguarding {
        c.vocab(s, &path!["inspection", "safeguarding"], "safeguarding result");
    }
    for (area, grade) in &ins.grades {
        if !EvaluationArea::from_key(area).is_known() {
            let at = path!["inspection", "grades", area.as_str()];
            c.unknown_key(&at, area, "a report card evaluation area", ("unknown area", "areas"), EvaluationArea::KEYS);
        }
        c.vocab(grade, &path!["inspection", "grades", area.as_str()], "report card grade");
    }
    if ins.framework == InspectionFramework::EifLegacy && ins.legacy_overall.is_none() {
        c.error(
            "missing-grade",
            &path!["inspection", "legacy_overall"],
            "a single-word inspection needs its overall grade",
            "missing",
            "add `legacy_overall = \"good\"` (outstanding, good, requires_improvement, inadequate)",
        );
    }
    if ins.framework == InspectionFramework::ReportCard2025 && ins.safeguarding.is_none() {
        c.error(
            "missing-grade",
            &path!["inspection", "safeguarding"],
            "a report card inspection needs its safeguarding result",
            "missing",
            "add `safeguarding = \"met\"` or `\"not_met\"`",
        );
    }
}

/// The QA list status, standards and visits, and insurance expiry.
fn quality_assurance(c: &mut Check, p: &Provider, env: &Env) {
    let (config, today) = (env.config, env.today);
    // Quality assurance.
    let qa = &p.quality_assurance;
    c.vocab(&qa.list_status, &path!["quality_assurance", "list_status"], "QA list status");
    if let Some(r) = &qa.list_route {
        c.vocab(r, &path!["quality_assurance", "list_route"], "QA list route");
    }
    if let Some(o) = &qa.visit_outcome {
        c.vocab(o, &path!["quality_assurance", "visit_outcome"], "QA visit outcome");
    }
    for (standard, result) in &qa.standards {
        if !Standard::from_key(standard).is_known() {
            let at = path!["quality_assurance", "standards", standard.as_str()];
            c.unknown_key(&at, standard, "one of the national standards", ("unknown standard", "standards"), Standard::KEYS);
        }
        c.vocab(result, &path!["quality_assurance", "standards", standard.as_str()], "standard result");
    }
    if let Some(due) = qa.next_visit_due
        && crate::rules::qa_visit(p, today, &config.rules) == crate::rules::Due::Passed
        && !matches!(qa.list_status, ListStatus::Removed)
    {
        c.warn(
            "qa-visit-overdue",
            &path!["quality_assurance", "next_visit_due"],
            format!("the quality-assurance visit was due on {} ({} days ago)", due.long(), due.days_until(today)),
            "overdue",
            "book the visit, then record `last_visit` and the new `next_visit_due`",
        );
    }
    for (field, date) in crate::rules::insurance_dates(p) {
        if let Some(d) = date
            && crate::rules::insurance(date, today) == crate::rules::Due::Passed
        {
            c.warn(
                "insurance-expired",
                &path!["safeguarding", field],
                format!(
                    "{} insurance expired on {}",
                    if field.starts_with("public") { "public liability" } else { "employer's liability" },
                    d.long()
                ),
                "expired",
                "ask the provider for its renewed certificate and record the new expiry date",
            );
        }
    }
}

/// Tiers, key stages, needs and the other vocabularies of the offer, and its ages.
fn offer(c: &mut Check, p: &Provider) {
    // Offer.
    let offer = &p.offer;
    for (i, tier) in offer.tiers.iter().enumerate() {
        if !(1..=3).contains(tier) {
            c.error(
                "invalid-tier",
                &path!["offer", "tiers", i],
                format!("tier {tier} does not exist: the model has tiers 1, 2 and 3"),
                "not 1, 2 or 3",
                "1 = targeted support in mainstream school, 2 = time-limited placement, 3 = transitional placement",
            );
        }
    }
    if offer.tiers.is_empty() {
        c.error("no-tiers", &path!["offer", "tiers"], "the offer names no tier", "missing", "add `tiers = [2]` (1, 2 and/or 3) to [offer]");
    }
    for (i, ks) in offer.key_stages.iter().enumerate() {
        c.vocab(ks, &path!["offer", "key_stages", i], "key stage");
    }
    for (i, need) in offer.needs.iter().enumerate() {
        c.vocab(need, &path!["offer", "needs", i], "need");
    }
    for (i, r) in offer.referral_routes.iter().enumerate() {
        c.vocab(r, &path!["offer", "referral_routes", i], "referral route");
    }
    if let Some(v) = &offer.pattern {
        c.vocab(v, &path!["offer", "pattern"], "attendance pattern");
    }
    if let Some(v) = &offer.delivery {
        c.vocab(v, &path!["offer", "delivery"], "delivery mode");
    }
    if let (Some(a), Some(b)) = (offer.age_min, offer.age_max)
        && a > b
    {
        c.error(
            "invalid-ages",
            &path!["offer", "age_min"],
            format!("the youngest age ({a}) is above the oldest ({b})"),
            "age_min > age_max",
            "swap `age_min` and `age_max`",
        );
    }
}

/// Places, vacancies and their date, and costs.
fn capacity(c: &mut Check, p: &Provider, env: &Env) {
    let (config, today) = (env.config, env.today);
    // Capacity.
    let cap = &p.capacity;
    if let (Some(v), Some(places)) = (cap.vacancies, cap.places)
        && v > places
    {
        c.error(
            "invalid-vacancies",
            &path!["capacity", "vacancies"],
            format!("{v} vacancies is more than the {places} places"),
            "more than places",
            "vacancies are the places free now; check both figures",
        );
    }
    if cap.vacancies.is_some() && cap.vacancies_as_of.is_none() {
        c.warn(
            "vacancies-undated",
            &path!["capacity", "vacancies"],
            "vacancy figures need the date they were true",
            "no date",
            "add `vacancies_as_of = 2025-11-01` to [capacity]",
        );
    }
    if let Some(asof) = cap.vacancies_as_of {
        let age = crate::rules::age(asof, today);
        if crate::rules::vacancies_stale(asof, today, &config.rules) {
            c.warn(
                "vacancies-stale",
                &path!["capacity", "vacancies_as_of"],
                format!("vacancy figures are {age} days old (the limit is {} days)", config.rules.vacancy_stale_days),
                "out of date",
                "ask the provider for current vacancies and update `vacancies` and `vacancies_as_of`",
            );
        } else if age < 0 {
            c.error(
                "future-date",
                &path!["capacity", "vacancies_as_of"],
                format!("vacancies are dated {}, which is in the future", asof.long()),
                "future date",
                "use the date the figures were true",
            );
        }
    }
    places_by_tier(c, p);
    for (i, cost) in p.costs.iter().enumerate() {
        c.vocab(&cost.option, &path!["costs", i, "option"], "cost option");
        if cost.amount.is_nan() || cost.amount < 0.0 {
            c.error(
                "invalid-cost",
                &path!["costs", i, "amount"],
                "a cost cannot be negative",
                "negative",
                "give the amount in pounds, for example 95.00",
            );
        }
    }
}

/// `capacity.places_by_tier`: tier keys the provider offers, no negative figure, adding up to
/// `places` (the gap analysis counts them instead of its equal split: docs/areas.md).
fn places_by_tier(c: &mut Check, p: &Provider) {
    let declared = &p.capacity.places_by_tier;
    if declared.is_empty() {
        return;
    }
    for (key, &n) in declared {
        let at = path!["capacity", "places_by_tier", key.as_str()];
        match crate::model::provider::tier_of_key(key) {
            None => c.error(
                "unknown-tier",
                &at,
                format!("`{key}` is not a tier"),
                "not a tier",
                "use `tier1`, `tier2` or `tier3`, for example `places_by_tier = { tier2 = 4, tier3 = 6 }`",
            ),
            Some(t) if !p.offer.tiers.contains(&t) => c.error(
                "tier-not-offered",
                &at,
                format!("places are declared for tier {t}, but `offer.tiers` does not include it"),
                "tier not offered",
                format!("add {t} to `offer.tiers`, or remove `{key}` here"),
            ),
            Some(_) => {}
        }
        if n < 0 {
            c.error(
                "invalid-places",
                &at,
                format!("{n} places: a number of places cannot be negative"),
                "negative",
                "give the places for this tier, 0 or more",
            );
        }
    }
    let sum: i64 = declared.values().sum();
    match p.capacity.places {
        Some(places) if sum != i64::from(places) => c.error(
            "places-by-tier-total",
            &path!["capacity", "places_by_tier"],
            format!("the places declared per tier add up to {sum}, but `capacity.places` is {places}"),
            "does not add up",
            "the tiers share the provider's places: make them add up to `places`, or correct `places`",
        ),
        Some(_) => {}
        None => c.error(
            "places-by-tier-total",
            &path!["capacity", "places_by_tier"],
            format!("places are declared per tier (adding up to {sum}), but `capacity.places` is not given"),
            "no total",
            format!("add `places = {sum}` to [capacity]"),
        ),
    }
}

/// Each site's postcode, district and position: the placed sites, in order.
fn locations(c: &mut Check, p: &mut Provider, env: &Env) -> Vec<PlacedSite> {
    let (postcodes, areas, area_codes, config) = (env.postcodes, env.areas, env.area_codes, env.config);
    // Locations: postcode lookup, district and position.
    if p.locations.is_empty() {
        c.error("no-locations", &path!["locations"], "the provider has no location", "missing", "add a [[locations]] table with at least `postcode`; for online or home delivery give the base the service runs from and set `mask_exact_address = true`");
    }
    let mut sites = Vec::with_capacity(p.locations.len());
    let mut location_ids = HashSet::new();
    for (i, loc) in p.locations.iter_mut().enumerate() {
        if loc.id.is_empty() {
            loc.id = format!("site-{}", i + 1);
        }
        if !location_ids.insert(loc.id.clone()) {
            c.error(
                "duplicate-id",
                &path!["locations", i, "id"],
                format!("two locations share the id `{}`", loc.id),
                "duplicate",
                "give each location its own id",
            );
        }
        let found = postcodes.get(&loc.postcode);
        if crate::geo::normalise_postcode(&loc.postcode).is_none() {
            c.error(
                "invalid-postcode",
                &path!["locations", i, "postcode"],
                format!("`{}` is not a postcode", loc.postcode),
                "not a postcode",
                "write a full UK postcode, for example \"PR1 2HE\"",
            );
            continue;
        }
        let Some(entry) = found else {
            if let (Some(lat), Some(lon), Some(district)) = (loc.lat, loc.lon, &loc.district) {
                if let Some(problem) = crate::geo::coordinate_problem(lat, lon) {
                    c.error(
                        "bad-coordinates",
                        &path!["locations", i, "lat"],
                        problem,
                        "not a place on the map",
                        "give the site's latitude and longitude in degrees (WGS84), for example lat = 53.76, lon = -2.70",
                    );
                    continue;
                }
                sites.push(PlacedSite { lat, lon, district: district.clone(), ward: String::new() });
                continue;
            }
            c.error(
                "unknown-postcode",
                &path!["locations", i, "postcode"],
                format!("postcode `{}` is not in the postcode table", loc.postcode),
                "unknown postcode",
                format!(
                    "check the postcode for typos; if it is new, add it to {} or give `district`, `lat` and `lon` for this location",
                    config.postcodes
                ),
            );
            continue;
        };
        loc.postcode = crate::geo::normalise_postcode(&loc.postcode).unwrap_or_default();
        let district = match &loc.district {
            Some(d) if d != &entry.district => {
                c.error(
                    "district-mismatch",
                    &path!["locations", i, "district"],
                    format!("the postcode {} is in {}, not {}", loc.postcode, area_name(areas, &entry.district), area_name(areas, d)),
                    "wrong district",
                    "remove `district` (it is looked up from the postcode) or correct it",
                );
                d.clone()
            }
            Some(d) => d.clone(),
            None => entry.district.clone(),
        };
        if !area_codes.contains(district.as_str()) {
            c.error(
                "unknown-area",
                &path!["locations", i, "postcode"],
                format!("the postcode {} lies in {district}, an area the boundary file does not have", loc.postcode),
                "outside the mapped areas",
                "add the area to the boundary file, or check the postcode",
            );
        }
        let (lat, lon) = (loc.lat.unwrap_or(entry.lat), loc.lon.unwrap_or(entry.lon));
        if let Some(problem) = crate::geo::coordinate_problem(lat, lon) {
            c.error(
                "bad-coordinates",
                &path!["locations", i, "lat"],
                problem,
                "not a place on the map",
                "give the site's latitude and longitude in degrees (WGS84), or leave them out to use the postcode's",
            );
            continue;
        }
        sites.push(PlacedSite { lat: loc.lat.unwrap_or(entry.lat), lon: loc.lon.unwrap_or(entry.lon), district, ward: entry.ward.clone() });
    }
    sites
}

fn area_name(areas: &[Area], code: &str) -> String {
    areas.iter().find(|a| a.code == code).map(|a| format!("{} ({code})", a.name)).unwrap_or_else(|| code.to_string())
}

/// Checks guide pages: unique URLs, and that every internal link and anchor resolves.
pub fn guide(pages: &[GuidePage], provider_ids: &HashSet<&str>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut by_url: HashMap<&str, &GuidePage> = HashMap::new();
    for p in pages {
        if let Some(other) = by_url.insert(p.url.as_str(), p) {
            out.push(
                Diagnostic::error("duplicate-url", format!("{} and {} would both be published at {}", other.file.name, p.file.name, p.url))
                    .in_file(&p.file, Some(0..0))
                    .label("same address")
                    .help("rename one of the files"),
            );
        }
    }
    out.extend(pages.iter().flat_map(|p| placeholders::check(&p.file, p.front.draft, false)));
    let by_path: HashMap<&str, &GuidePage> = pages.iter().map(|p| (p.rel_path.as_str(), p)).collect();
    let reserved = [
        "/providers/",
        "/districts/",
        "/tiers/",
        "/needs/",
        "/key-stages/",
        "/search/",
        "/data/",
        "/api/",
        "/dashboard/",
        "/areas/",
        "/css/",
        "/js/",
    ];
    for p in pages {
        if let Some(r) = reserved.iter().find(|r| p.url.starts_with(**r)) {
            out.push(
                Diagnostic::error("reserved-url", format!("{} would be published under {r}, which the directory uses", p.file.name))
                    .in_file(&p.file, Some(0..0))
                    .label("reserved address")
                    .help("move the page into another folder of content/, for example content/guide/"),
            );
        }
        for link in &p.links {
            let span = Some(p.body_offset + link.span.start..p.body_offset + link.span.end);
            match &link.target {
                LinkTarget::Page { path, anchor } => {
                    let path = path.trim_start_matches('/');
                    let Some(target) = by_path.get(path) else {
                        let help = match did_you_mean(path, by_path.keys().copied()) {
                            Some(s) => format!("did you mean `@/{s}`?"),
                            None => "internal links name a file below content/, for example @/guide/referrals/making-a-referral.md".into(),
                        };
                        out.push(
                            Diagnostic::error("broken-link", format!("link to `@/{path}`, which does not exist"))
                                .in_file(&p.file, span)
                                .label("no such page")
                                .help(help),
                        );
                        continue;
                    };
                    if let Some(a) = anchor
                        && !target.headings.iter().any(|h| &h.id == a)
                    {
                        let ids: Vec<&str> = target.headings.iter().map(|h| h.id.as_str()).collect();
                        let help = match did_you_mean(a, ids.iter().copied()) {
                            Some(s) => format!("did you mean `#{s}`?"),
                            None if ids.is_empty() => "that page has no headings to link to".into(),
                            None => format!("its headings are: {}", ids.join(", ")),
                        };
                        out.push(
                            Diagnostic::error("broken-anchor", format!("`{}` has no heading `#{a}`", target.rel_path))
                                .in_file(&p.file, span)
                                .label("no such heading")
                                .help(help),
                        );
                    }
                }
                // Checked against `[routes]` in `guide_checks`, where the configuration is known.
                LinkTarget::Route { .. } => {}
                LinkTarget::Provider { id } => {
                    if !provider_ids.contains(id.as_str()) {
                        let help = match did_you_mean(id, provider_ids.iter().copied()) {
                            Some(s) => format!("did you mean `@provider/{s}`?"),
                            None => "provider links name a provider id, the file name in providers/ without .toml".into(),
                        };
                        out.push(
                            Diagnostic::error("broken-link", format!("link to provider `{id}`, which does not exist"))
                                .in_file(&p.file, span)
                                .label("no such provider")
                                .help(help),
                        );
                    }
                }
            }
        }
    }
    out
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
