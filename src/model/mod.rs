//! The domain model: providers, guide pages, dates, slugs and vocabularies.

pub mod area;
pub mod date;
pub mod file;
pub mod guide;
pub mod la_codes;
pub mod lock;
pub mod placeholders;
pub mod profile;
pub mod provider;
pub mod slug;
pub mod spreadsheet;
pub mod text;
#[macro_use]
pub mod vocab;
pub mod event;
pub mod readability;
