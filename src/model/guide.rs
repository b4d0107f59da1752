//! A page of the good-practice guide (or any content page): TOML front matter + Markdown.

use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::vocab::Audience;
use crate::diagnostics::SourceFile;

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Order within its section; lower first, then by title.
    #[serde(default)]
    pub weight: Option<i64>,
    /// When the page's guidance last changed (feeds the Atom feed and "last updated").
    #[serde(default)]
    pub updated: Option<Date>,
    /// When someone last checked the page's facts against the law and guidance. Guide pages
    /// show it, and a "not reviewed recently" badge past `rules.guide_review_days`.
    #[serde(default)]
    pub reviewed: Option<Date>,
    #[serde(default)]
    pub audience: Vec<Audience>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Drafts are checked but not published.
    #[serde(default)]
    pub draft: bool,
    /// A template other than `page.html` / `section.html`.
    #[serde(default)]
    pub template: Option<String>,
    /// Makes the page an event (`content/events/`): its times, place and booking contact.
    #[serde(default)]
    pub event: Option<super::event::EventInfo>,
}

#[derive(Clone, Debug)]
pub struct GuidePage {
    /// The page's file. Its text is kept until the page is rendered: a page's HTML is made
    /// from it then, not when the page is loaded (see [`GuidePage::body`]).
    pub file: Arc<SourceFile>,
    /// Path relative to `content/`, with forward slashes (`guide/referrals/_index.md`).
    pub rel_path: String,
    pub url: String,
    /// An `_index.md`: the landing page of a section (a folder).
    pub is_section: bool,
    pub front: FrontMatter,
    pub headings: Vec<Heading>,
    pub links: Vec<InternalLink>,
    /// Byte offset of the Markdown body in the file.
    pub body_offset: usize,
    pub text: String,
    pub word_count: usize,
    /// How hard the body is to read, worked out from its Markdown once.
    pub readability: Option<super::readability::Readability>,
}

impl GuidePage {
    /// The page's Markdown body, or `None` once a build has let go of its source (after
    /// writing its page: `Site::let_go_of_guide_sources`).
    pub fn body(&self) -> Option<&str> {
        self.file.text.get(self.body_offset..).filter(|_| !self.file.text.is_empty())
    }

    /// URL of the section this page belongs to (`/guide/referrals/` for a page in that folder,
    /// the parent folder's URL for a section), or `None` at the top.
    pub fn parent_url(&self) -> Option<String> {
        let url = self.url.trim_end_matches('/');
        if url.is_empty() {
            return None;
        }
        let cut = url.rfind('/')?;
        Some(format!("{}/", &url[..cut]))
    }
}

// The parts of a page the Markdown renderer finds (`crate::markdown` re-exports them).

#[derive(Clone, Debug, Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
}

/// An internal link found in the Markdown, to be checked once every page is known.
#[derive(Clone, Debug)]
pub struct InternalLink {
    pub target: LinkTarget,
    /// Byte range of the link in the Markdown source.
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LinkTarget {
    /// `@/guide/x.md` → (path relative to content/, optional anchor)
    Page { path: String, anchor: Option<String> },
    /// `@provider/ID`
    Provider { id: String },
    /// `@route/NAME`: a form or route named in `apdir.toml`'s `[routes]`, filled in once the
    /// configuration is known (see `crate::guide_checks::page_html`).
    Route { name: String },
}
