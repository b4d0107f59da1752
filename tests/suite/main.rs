//! The integration tests, in one binary (as ripgrep and mdBook do): one link step, and one
//! binary on disk instead of eighteen.

mod architecture;
mod area_layers;
mod build_cache;
mod cli;
mod common;
mod data;
mod drafts;
mod finder;
mod fuzz_regressions;
mod gaps;
mod guide;
mod history;
mod hostile;
mod import_safety;
mod inspections;
mod killed_build;
mod limits;
mod need_cells;
mod output;
mod properties;
mod published_site;
mod readme;
mod records_true;
mod sample_site;
mod scenarios;
mod search;
mod search_relevance;
mod serve;
mod themes;
mod tracking;
mod tracking_lead;
mod validation;
