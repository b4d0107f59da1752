//! The domain model: providers, guide pages, dates, slugs and vocabularies.

pub mod area;
pub mod date;
pub mod guide;
pub mod la_codes;
pub mod provider;
pub mod slug;
#[macro_use]
pub mod vocab;
