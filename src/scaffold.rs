//! `apdir new` and `apdir init`: write valid starting files, never over an existing one.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::model::date::Date;
use crate::model::slug::slugify;

/// Writes `path` only if nothing is there yet.
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::Usage(format!("cannot create {}: {e}", parent.display())))?;
    }
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            Error::Usage(format!("{} already exists; apdir never overwrites a file. Choose another name or edit that file.", path.display()))
        }
        _ => Error::Usage(format!("cannot create {}: {e}", path.display())),
    })?;
    f.write_all(text.as_bytes()).map_err(|e| Error::Usage(format!("cannot write {}: {e}", path.display())))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A new provider record: a draft (`draft = true`) that asserts nothing. Safeguarding,
/// registration and inspection facts are left unknown, and the contacts, address and texts are
/// commented-out placeholders, so an untouched record publishes no claim anyone made. Its
/// sentences are listed in [`PLACEHOLDERS`]; a published record that still has one is an error.
pub fn provider_template(id: &str, name: &str, today: Date) -> String {
    PROVIDER_TEMPLATE.replace("{id}", id).replace("{name}", &toml_string(name)).replace("{today}", &today.iso())
}

pub use crate::model::placeholders::PLACEHOLDERS;

const PROVIDER_TEMPLATE: &str = r#"# Provider record (schema version 1). Every field is explained in the README, "Provider records".
# Check it with `apdir check`.
#
# This record is a DRAFT: it is checked and shown in the internal site, but stays out of the
# public site, its search, finder and exports. Fill in what the provider has shown you, then
# delete the `draft = true` line to publish it. A fact you leave out is shown as "Not confirmed".
schema_version = 1
id = "{id}"
name = {name}
draft = true
status = "active"           # active | inactive | defunct | temporarily closed
# summary = "One sentence: who the provision is for and what it offers."
# description = """
# A short description in Markdown: the programme, a typical week, how pupils return to school.
# """
# last_reviewed = {today}   # the day you checked the record with the provider
# service_area = ["E07000126"]   # GSS codes of other districts this provider serves

[organisation]
name = ""
# legal_status = "company"  # la_maintained | academy_trust | company | cic | charity | fe_corporation | sole_trader | nhs_trust

[registration]
type = "non_school"         # pru | ap_academy | ap_free_school | independent_school | maintained_school | special_school
                            # | fe_college | registered_provider_ukprn | online_accredited | hospital_school | non_school
ap_census_setting = "OTH"   # non-school only: NFE | OOT | OTH | WBP
# urn = ""                  # required for registered schools (from Get Information about Schools)
# ukprn = ""                # required for colleges and registered providers
# host_la_code = ""         # the 3-digit DfE code of the authority the provider is in, e.g. "888"
full_time_offer = false     # a non-school provider may not offer full-time education
# max_hours_per_week = 12.0

# Inspection: leave out until you have the report. `apdir inspections` fills it in from
# Ofsted's published outcomes for providers with a URN.
# [inspection]
# body = "Ofsted"             # Ofsted | ISI | none
# framework = "report_card_2025"   # eif_legacy | report_card_2025 | none
# last_inspection = YYYY-MM-DD
# report_url = "https://reports.ofsted.gov.uk/provider/..."

[quality_assurance]
list_status = "not_assessed"   # approved | approved_with_conditions | under_review | suspended | removed | not_assessed
# next_visit_due = YYYY-MM-DD

# Safeguarding: record only what the provider has evidenced to you (true or false, and the
# dates). Anything left out is shown as "Not confirmed".
[safeguarding]
# enhanced_dbs_all_staff = true
# single_central_record = true
# named_dsl = true
# written_confirmation_of_checks = YYYY-MM-DD
# dsl_training = YYYY-MM-DD
# child_protection_policy_reviewed = YYYY-MM-DD
# session_attendance_reporting = true
# public_liability_expires = YYYY-MM-DD
# employers_liability_expires = YYYY-MM-DD

[offer]
tiers = [2]                 # 1 outreach | 2 time-limited | 3 transitional
key_stages = ["KS3", "KS4"] # KS1 | KS2 | KS3 | KS4 | KS5
age_min = 11
age_max = 16
needs = ["semh"]            # see the README for the needs vocabulary
pattern = "part_time"       # full_time | part_time | sessional | outreach
delivery = "in_person"      # in_person | online | hybrid | home
referral_routes = ["school_direct"]
# dual_registration = true  # only for a school that keeps pupils on its roll with another
# reintegration_plan = true

# [capacity]
# places = 10
# vacancies = 2
# vacancies_as_of = {today}

[[locations]]
id = "main"
name = "Main site"
# address = ["1 Example Street", "Preston"]
postcode = "PR1 2HE"        # replace with the site's postcode
mask_exact_address = false

[contact]
# role = "Referrals coordinator"
# email = "referrals@example.org"
# phone = "01772 000000"

# Never published: notes for the AP team only (shown in `apdir build --profile internal`).
[internal]
lead_officer = ""
# contract_value = 0.0          # pounds a year
# contract_ends = YYYY-MM-DD
# qa_notes = ""
# notes = ""
"#;

/// `apdir new provider "Name"`: writes providers/<slug>.toml.
pub fn new_provider(root: &Path, name: &str, today: Date) -> Result<PathBuf, Error> {
    let id = slugify(name);
    let path = root.join("providers").join(format!("{id}.toml"));
    write_new(&path, &provider_template(&id, name, today))?;
    Ok(path)
}

/// `apdir new guide "Title" [--section guide/referrals]`: writes content/<section>/<slug>.md.
pub fn new_guide(root: &Path, title: &str, section: &str, today: Date) -> Result<PathBuf, Error> {
    let section = section.trim_matches('/');
    if section.split('/').any(|p| p == ".." || p == ".") {
        return Err(Error::Usage("the section must be a folder below content/, without `..`".into()));
    }
    let slug = slugify(title);
    let path = root.join("content").join(section).join(format!("{slug}.md"));
    write_new(&path, &guide_template(title, today))?;
    Ok(path)
}

fn guide_template(title: &str, today: Date) -> String {
    format!(
        "+++\ntitle = {}\ndraft = true  # delete this line to publish the page\nsummary = \"One sentence about what this page helps the reader do.\"\nweight = 100\nupdated = {}\naudience = [\"schools\"]\ntags = []\n+++\n\nAn opening paragraph: who this page is for and what it covers.\n\n## First step\n\nWrite in plain English. Link to other pages like this: [making a referral](@/guide/_index.md).\n",
        toml_string(title),
        today.iso()
    )
}

/// The default theme, built into the binary so `apdir init` works anywhere.
pub const DEFAULT_THEME: &[(&str, &str)] = &[
    ("templates/base.html", include_str!("../themes/default/templates/base.html")),
    ("templates/index.html", include_str!("../themes/default/templates/index.html")),
    ("templates/listing.html", include_str!("../themes/default/templates/listing.html")),
    ("templates/listing_index.html", include_str!("../themes/default/templates/listing_index.html")),
    ("templates/page.html", include_str!("../themes/default/templates/page.html")),
    ("templates/section.html", include_str!("../themes/default/templates/section.html")),
    ("templates/history_area.html", include_str!("../themes/default/templates/history_area.html")),
    ("templates/history_index.html", include_str!("../themes/default/templates/history_index.html")),
    ("templates/scenario.html", include_str!("../themes/default/templates/scenario.html")),
    ("templates/scenarios.html", include_str!("../themes/default/templates/scenarios.html")),
    ("templates/provider.html", include_str!("../themes/default/templates/provider.html")),
    ("templates/404.html", include_str!("../themes/default/templates/404.html")),
    ("templates/areas.html", include_str!("../themes/default/templates/areas.html")),
    ("templates/area.html", include_str!("../themes/default/templates/area.html")),
    ("templates/partials/map_legend.html", include_str!("../themes/default/templates/partials/map_legend.html")),
    ("templates/dashboard.html", include_str!("../themes/default/templates/dashboard.html")),
    ("templates/dashboard_exclusions.html", include_str!("../themes/default/templates/dashboard_exclusions.html")),
    ("templates/search.html", include_str!("../themes/default/templates/search.html")),
    ("templates/partials/finder.html", include_str!("../themes/default/templates/partials/finder.html")),
    ("templates/partials/provider_card.html", include_str!("../themes/default/templates/partials/provider_card.html")),
    ("templates/partials/pagination.html", include_str!("../themes/default/templates/partials/pagination.html")),
    ("templates/partials/summary_list.html", include_str!("../themes/default/templates/partials/summary_list.html")),
    ("templates/events.html", include_str!("../themes/default/templates/events.html")),
    ("templates/partials/upcoming_events.html", include_str!("../themes/default/templates/partials/upcoming_events.html")),
    ("templates/partials/event_details.html", include_str!("../themes/default/templates/partials/event_details.html")),
    ("templates/partials/tracking_panels.html", include_str!("../themes/default/templates/partials/tracking_panels.html")),
    ("templates/partials/tracking_warnings.html", include_str!("../themes/default/templates/partials/tracking_warnings.html")),
    ("templates/tracking_index.html", include_str!("../themes/default/templates/tracking_index.html")),
    ("templates/tracking_outcomes.html", include_str!("../themes/default/templates/tracking_outcomes.html")),
    ("templates/tracking_panels.html", include_str!("../themes/default/templates/tracking_panels.html")),
    ("templates/tracking_school.html", include_str!("../themes/default/templates/tracking_school.html")),
    ("templates/tracking_strategy.html", include_str!("../themes/default/templates/tracking_strategy.html")),
    ("templates/tracking_summary.html", include_str!("../themes/default/templates/tracking_summary.html")),
    ("static/css/site.css", include_str!("../themes/default/static/css/site.css")),
    ("static/css/print.css", include_str!("../themes/default/static/css/print.css")),
    ("static/js/sortable-table.js", include_str!("../themes/default/static/js/sortable-table.js")),
    ("static/css/search.css", include_str!("../themes/default/static/css/search.css")),
    ("static/js/search-core.js", include_str!("../themes/default/static/js/search-core.js")),
    ("static/js/search.js", include_str!("../themes/default/static/js/search.js")),
    ("static/js/finder.js", include_str!("../themes/default/static/js/finder.js")),
    ("static/js/shortlist.js", include_str!("../themes/default/static/js/shortlist.js")),
    ("static/js/compare.js", include_str!("../themes/default/static/js/compare.js")),
    ("static/css/compare-print.css", include_str!("../themes/default/static/css/compare-print.css")),
    ("templates/compare.html", include_str!("../themes/default/templates/compare.html")),
];

const POSTCODES: &str = include_str!("../data/postcodes.csv");
const BOUNDARIES: &str = include_str!("../areas/districts.geojson");

/// `apdir init DIR`: a new site with one example of each input.
pub fn init(dir: &Path, today: Date) -> Result<(), Error> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Error::Usage(format!("{} exists and is not empty; apdir init only creates new sites", dir.display())));
    }
    let config = "# apdir site settings: see the README, \"Site settings\".\ntitle = \"Alternative provision directory\"\nbase_url = \"https://ap.example.gov.uk\"\nauthority = \"Example Council\"\ncontact_email = \"ap.team@example.gov.uk\"\ndescription = \"Find alternative provision and read the authority's good-practice guide.\"\ntheme = \"default\"\noutput_dir = \"public\"\npostcodes = \"data/postcodes.csv\"\nboundaries = \"areas/districts.geojson\"\ncontext_areas = [\"E06000008\", \"E06000009\"]\n";
    write_new(&dir.join("apdir.toml"), config)?;
    write_new(
        &dir.join("content/_index.md"),
        "+++\ntitle = \"Alternative provision\"\nsummary = \"Find a placement and read the good-practice guide.\"\n+++\n\nThis site helps schools find suitable alternative provision.\n",
    )?;
    write_new(
        &dir.join("content/guide/_index.md"),
        "+++\ntitle = \"Good-practice guide\"\nsummary = \"How to use alternative provision well.\"\nweight = 1\n+++\n\nThe authority's guidance for schools.\n",
    )?;
    write_new(
        &dir.join("content/accessibility.md"),
        "+++\ntitle = \"Accessibility statement\"\nsummary = \"How accessible this website is and how to report a problem.\"\n+++\n\nWe want as many people as possible to be able to use this website.\n\n## Reporting a problem\n\nEmail the AP team.\n",
    )?;
    new_guide(dir, "Making a referral", "guide", today)?;
    new_provider(dir, "Example Learning Centre", today)?;
    write_new(&dir.join("data/postcodes.csv"), POSTCODES)?;
    write_new(&dir.join("areas/districts.geojson"), BOUNDARIES)?;
    for (rel, text) in DEFAULT_THEME {
        write_new(&dir.join("themes/default").join(rel), text)?;
    }
    write_new(&dir.join(".gitignore"), GITIGNORE)?;
    Ok(())
}

/// What a new site keeps out of version control: the built sites, the sites kept beside them
/// for the next build to rewrite, and the search index of `apdir search`.
const GITIGNORE: &str = "# Built by apdir (see the README, \"Output\"): the sites, the spare copies the next build\n# rewrites, and the search index.\n/public/\n/public-internal/\n/.public.*\n/.public-internal.*\n.apdir/\n";

#[cfg(test)]
mod tests {
    use super::DEFAULT_THEME;

    /// Every file of themes/default is embedded for `apdir init`, and nothing else.
    #[test]
    fn the_embedded_theme_matches_the_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"))
            .filter(|p| !p.split('/').any(|s| s.starts_with('.')))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "add new theme files to DEFAULT_THEME in src/scaffold.rs");
    }
}
