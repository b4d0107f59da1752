//! The domain model: providers, guide pages, dates, slugs and vocabularies.

pub mod area;
pub mod date;
pub mod guide;
pub mod provider;
pub mod slug;
#[macro_use]
pub mod vocab;
pub mod event;
pub mod readability;
pub mod review;
