//! The pages made from the content folder and the site's settings: the good-practice guide's
//! pages and sections, the home page, and the search and compare pages that scripts fill in.

use std::collections::BTreeMap;

use serde::Serialize;

use super::listings::Directory;
use super::templates::Templates;
use rayon::prelude::*;

use super::{Job, Link, Renderer, base_context, crumbs_with, events, leak, link, sp_parent};
use crate::model::file::OutputError;
use crate::model::guide::GuidePage;
use crate::model::vocab::Audience;
use crate::site::Site;

#[derive(Serialize)]
struct GuideView<'a> {
    title: &'a str,
    summary: &'a str,
    url: &'a str,
    html: String,
    toc: Vec<&'a crate::markdown::Heading>,
    updated: Option<String>,
    updated_iso: Option<String>,
    audience: Vec<&'a str>,
    tags: &'a [String],
    is_section: bool,
}

fn guide_view<'a>(p: &'a GuidePage, site: &Site) -> GuideView<'a> {
    GuideView {
        title: &p.front.title,
        summary: &p.front.summary,
        url: &p.url,
        html: crate::guide_checks::page_html(p, &site.config.routes),
        toc: p.headings.iter().filter(|h| h.level == 2).collect(),
        updated: p.front.updated.map(|d| d.long()),
        updated_iso: p.front.updated.map(|d| d.iso()),
        audience: p.front.audience.iter().map(Audience::label).collect(),
        tags: &p.front.tags,
        is_section: p.is_section,
    }
}

/// The content pages by URL, and each section's pages in their order (weight, then title).
struct Tree<'a> {
    by_url: BTreeMap<&'a str, &'a GuidePage>,
    children: BTreeMap<String, Vec<&'a GuidePage>>,
}

impl<'a> Tree<'a> {
    fn new(site: &'a Site) -> Tree<'a> {
        let by_url = site.pages.iter().map(|p| (p.url.as_str(), p)).collect();
        let mut children: BTreeMap<String, Vec<&GuidePage>> = BTreeMap::new();
        for p in &site.pages {
            if let Some(parent) = p.parent_url() {
                children.entry(parent).or_default().push(p);
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.front.weight.unwrap_or(i64::MAX).cmp(&b.front.weight.unwrap_or(i64::MAX)).then(a.front.title.cmp(&b.front.title)));
        }
        Tree { by_url, children }
    }

    /// Breadcrumbs: every ancestor section that exists.
    fn crumbs(&self, p: &GuidePage) -> Vec<Link> {
        let mut crumbs = Vec::new();
        let mut cur = p.parent_url();
        while let Some(u) = cur {
            if u == "/" {
                break;
            }
            if let Some(sp) = self.by_url.get(u.as_str()) {
                crumbs.push(link(sp.front.title.clone(), u.clone()));
            }
            cur = sp_parent(&u);
        }
        crumbs.reverse();
        crumbs
    }

    /// The pages of a section, for its contents list.
    fn children(&self, p: &GuidePage) -> Vec<serde_json::Value> {
        self.children
            .get(&p.url)
            .map(|k| k.iter().map(|k| serde_json::json!({"title": k.front.title, "url": k.url, "summary": k.front.summary})).collect())
            .unwrap_or_default()
    }

    /// The previous and next page within the same section.
    fn prev_next(&self, p: &GuidePage) -> (Option<Link>, Option<Link>) {
        if let Some(parent) = p.parent_url()
            && let Some(sibs) = self.children.get(&parent)
            && let Some(i) = sibs.iter().position(|s| s.url == p.url)
        {
            let prev = i.checked_sub(1).map(|j| link(sibs[j].front.title.clone(), sibs[j].url.clone()));
            let next = sibs.get(i + 1).map(|s| link(s.front.title.clone(), s.url.clone()));
            return (prev, next);
        }
        (None, None)
    }
}

/// What the guide's pages are rendered from: the content tree and the upcoming events.
pub(super) struct Guide<'a> {
    site: &'a Site,
    tree: Tree<'a>,
    upcoming: Vec<events::EventView>,
}

impl<'a> Guide<'a> {
    pub(super) fn new(site: &'a Site) -> Guide<'a> {
        Guide { site, tree: Tree::new(site), upcoming: events::upcoming(site) }
    }

    /// The search page, the compare page (if the theme has one) and the home page.
    pub(super) fn jobs(&self, directory: &Directory, templates: &Templates) -> Vec<Job> {
        let mut jobs: Vec<Job> = vec![search_page()];
        if let Some(job) = compare_page(templates) {
            jobs.push(job);
        }
        jobs.push(home(self.site, &self.tree, directory, &self.upcoming));
        jobs
    }

    /// Renders every guide page on every core, each page's context (and HTML) made just before
    /// it is rendered: the contexts hold the page's HTML, and made all at once, those of 10,000
    /// pages took about 50 MB (docs/benchmarks.md).
    pub(super) fn render_pages(&self, out: &Renderer) -> Result<(), OutputError> {
        // The home page's intro is rendered with the home page (`jobs`).
        self.site.pages.par_iter().filter(|p| p.url != "/").try_for_each(|p| {
            let (url, template, c) = guide_page(self.site, &self.tree, p, &self.upcoming);
            out.emit(&url, template, &c)
        })
    }
}

fn guide_page(site: &Site, tree: &Tree, p: &GuidePage, upcoming: &[events::EventView]) -> Job {
    let mut c = base_context(&p.front.title, &p.front.summary, &p.url, crumbs_with(&tree.crumbs(p)));
    c.insert("page", &guide_view(p, site));
    c.insert("review", &events::review_view(p, site));
    c.insert("event", &events::event_view(p, site));
    c.insert("upcoming_events", &upcoming);
    c.insert("children", &tree.children(p));
    let (prev, next) = tree.prev_next(p);
    c.insert("prev", &prev);
    c.insert("next", &next);
    let template = match &p.front.template {
        Some(t) => leak(t),
        None if p.is_section => "section.html",
        None => "page.html",
    };
    (p.url.clone(), template, c)
}

/// Search results (filled in by /js/search.js; see src/search/).
fn search_page() -> Job {
    ("/search/".into(), "search.html", base_context("Search", "Search the provider directory and the good-practice guide.", "/search/", vec![]))
}

/// The shortlist's side-by-side comparison (filled in by /js/compare.js); a theme without
/// the template has no compare page.
fn compare_page(templates: &Templates) -> Option<Job> {
    if !templates.has("compare.html") {
        return None;
    }
    let crumbs = crumbs_with(&[link("Find a provider", "/providers/")]);
    Some(("/compare/".into(), "compare.html", base_context("Compare providers", "Providers from your shortlist side by side.", "/compare/", crumbs)))
}

/// The five guide pages updated most recently, for the home page.
fn recent(site: &Site) -> Vec<serde_json::Value> {
    let mut recent: Vec<&GuidePage> = site.pages.iter().filter(|p| p.url.starts_with("/guide/") && p.url != "/guide/").collect();
    recent.sort_by(|a, b| b.front.updated.cmp(&a.front.updated).then(a.front.title.cmp(&b.front.title)));
    recent
        .iter()
        .take(5)
        .map(|p| serde_json::json!({"title": p.front.title, "url": p.url, "summary": p.front.summary, "updated": p.front.updated.map(|d| d.long())}))
        .collect()
}

/// The home page: the intro from the content's root page (or the site's title and description),
/// the tiers, districts and needs, recent guide pages and upcoming events.
fn home(site: &Site, tree: &Tree, d: &Directory, upcoming: &[events::EventView]) -> Job {
    let intro = tree.by_url.get("/");
    let title = intro.map(|p| p.front.title.as_str()).unwrap_or(site.config.title.as_str());
    let summary = intro.map(|p| p.front.summary.as_str()).unwrap_or(site.config.description.as_str());
    let mut c = base_context(title, summary, "/", vec![]);
    c.insert("intro_html", &intro.map(|p| crate::guide_checks::page_html(p, &site.config.routes)).unwrap_or_default());
    c.insert("tiers", &d.tier_links);
    c.insert("districts", &d.district_links.iter().filter(|d| d.description.is_empty()).collect::<Vec<_>>());
    c.insert("needs", &d.need_links);
    c.insert("recent", &recent(site));
    c.insert("upcoming_events", &upcoming);
    c.insert("provider_count", &d.order.len());
    c.insert("guide_count", &site.pages.iter().filter(|p| p.url.starts_with("/guide/")).count());
    ("/".into(), "index.html", c)
}
