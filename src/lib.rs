//! apdir builds a local authority's alternative-provision directory and good-practice guide
//! as a static website.
//!
//! Data flows one way: **load** (`load`, `config`, `geo`) → **validate** (`validate`) →
//! **model** (`site::Site`) → **render** (`render`) → **write** (`output`). The CLI in
//! `main.rs` only parses arguments and calls [`build`], [`check`] and the scaffolding in
//! [`scaffold`].

// A `Diagnostic` is the error of every loading step and carries its source file and span;
// it is the cold path, and boxing it everywhere would only add noise.
#![allow(clippy::result_large_err)]

pub mod analyse;
pub mod audit;
pub mod build;
pub mod cache;
pub mod config;
pub mod dashboard;
pub mod diagnostics;
pub mod disclosure;
pub mod error;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod geo;
pub mod guide_checks;
pub mod history;
pub mod import;
pub mod inspections;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod rules;
pub mod scaffold;
pub mod scenarios;
pub mod search;
pub mod serve;
pub mod site;
pub mod tracking;
pub mod validate;

pub use build::{BUILD_CACHE_DIR, BuildOptions, BuildReport, build, check, check_report};
pub use diagnostics::{Diagnostic, Diagnostics};
pub use error::Error;
pub use model::date::Date;
pub use site::{LoadOptions, Profile, Site};

/// How `apdir gaps` prints the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapsFormat {
    Table,
    Csv,
    Json,
}

/// Which gap report `apdir gaps` prints: today's, a past period's, or a what-if scenario's.
#[derive(Clone, Debug, Default)]
pub enum GapsOf {
    #[default]
    Now,
    Period(String),
    Scenario(String),
}

/// `apdir gaps`: the gap report as text. Suppressed like the public site unless `raw`.
pub fn gaps_report(
    options: &BuildOptions,
    selection: &analyse::report::Selection,
    format: GapsFormat,
    raw: bool,
) -> Result<(String, Diagnostics), Error> {
    gaps_report_of(options, selection, format, raw, &GapsOf::Now)
}

/// [`gaps_report`] for a past period (`--period`, docs/history.md) or a scenario (`--scenario`:
/// before and after in words, then the report after).
pub fn gaps_report_of(
    options: &BuildOptions,
    selection: &analyse::report::Selection,
    format: GapsFormat,
    raw: bool,
    of: &GapsOf,
) -> Result<(String, Diagnostics), Error> {
    selection.check().map_err(Error::Usage)?;
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    let policy = if raw { analyse::Suppression::Off } else { analyse::Suppression::public(&site) };
    let (head, whole) = match of {
        GapsOf::Now => (String::new(), analyse::analyse(&site, None)),
        GapsOf::Period(p) => history::gaps_of_period(&site, p)?,
        GapsOf::Scenario(name) => scenarios::gaps_of_scenario(&site, name)?,
    };
    let report = selection.pick(&whole).map_err(Error::Usage)?;
    let head = format!("{head}{}", analyse::report::layer_heading(&whole, report));
    let public = report.publish(policy);
    let text = match format {
        GapsFormat::Table => analyse::report::table(report, &public, selection),
        GapsFormat::Csv => analyse::report::csv(report, &public, selection),
        GapsFormat::Json => format!("{:#}\n", analyse::report::json(report, &public, selection)),
    };
    let text = if head.is_empty() || format != GapsFormat::Table { text } else { format!("{head}\n{text}") };
    Ok((text, site.warnings))
}

/// `apdir snapshot --period P`: records today's supply as period `P` in `history/`.
pub fn snapshot(options: &BuildOptions, period: &str, force: bool) -> Result<std::path::PathBuf, Error> {
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    history::files::write(&site, period, force)
}

/// `apdir export`: writes the export files of `formats` into `out` (records as `profile`
/// may see them). Returns the number of files written.
pub fn export(options: &BuildOptions, formats: &[export::Format], out: &std::path::Path) -> Result<usize, Error> {
    let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
    // Internal records never go into a published folder.
    disclosure::check_output(&site, out)?;
    Ok(export::write(&site, formats, site.profile, &output::Folder::new(out))?)
}

/// Searches the index the last build saved (or, when there is none, a fresh in-memory index
/// of the site). Returns the hits and whether the saved index was used.
pub fn search(options: &BuildOptions, query: &str, search_options: &search::SearchOptions) -> Result<(Vec<search::Hit>, bool), Error> {
    search_and_suggest(options, query, search_options).map(|(hits, _, saved)| (hits, saved))
}

/// [`search`], plus did-you-mean: the query with the words that match nothing corrected.
pub fn search_and_suggest(
    options: &BuildOptions,
    query: &str,
    search_options: &search::SearchOptions,
) -> Result<(Vec<search::Hit>, Option<String>, bool), Error> {
    let dir = search::index_path(&options.root);
    let (index, saved) = match search::SearchIndex::open(&dir) {
        Ok(ix) => (ix, true),
        Err(_) => {
            let site = Site::load(&options.root, &options.load).map_err(Error::Content)?;
            (search::SearchIndex::build(&site).map_err(Error::Usage)?, false)
        }
    };
    let mut index = index;
    index.synonyms = search::synonyms::Synonyms::load(&options.root).map_err(Error::Content)?;
    let hits = index.search(query, search_options).map_err(Error::Usage)?;
    Ok((hits, index.suggest(query, search_options.prefix), saved))
}
