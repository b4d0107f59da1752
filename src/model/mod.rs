//! The domain model: providers, guide pages, dates, slugs and vocabularies.

pub mod area;
pub mod date;
pub mod guide;
pub mod provider;
pub mod slug;
pub mod spreadsheet;
#[macro_use]
pub mod vocab;
