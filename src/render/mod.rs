//! Render: turn the validated site into files in memory (pages, feeds, sitemap, assets).
//! Pages render in parallel; nothing is written to disk here.

pub mod areas;
pub mod events;
pub mod feeds;
pub mod ical;
pub mod maps;
pub mod result_card;
pub mod templates;
pub mod view;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::analyse::GapReport;
use crate::diagnostics::Diagnostic;
use crate::model::file::Sink;
pub use crate::model::file::{Body, OutputFile};
use crate::model::guide::GuidePage;
use crate::model::lock::LockExt;
use crate::model::vocab::{Audience, KeyStage, Need};
use crate::site::Site;
use templates::Templates;
use view::*;

impl OutputFile {
    fn page(url: &str, html: String) -> OutputFile {
        let path = format!("{}index.html", url.trim_start_matches('/'));
        OutputFile { path, body: Body::Bytes(html.into_bytes()) }
    }
}

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

fn link(title: impl Into<String>, url: impl Into<String>) -> Link {
    Link { title: title.into(), url: url.into() }
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    authority: &'a str,
    base_url: &'a str,
    contact_email: &'a str,
    description: &'a str,
    build_date: String,
    build_date_iso: String,
    nav: Vec<Link>,
    /// True for the AP team's build: pages carry the OFFICIAL-SENSITIVE banner and noindex.
    internal: bool,
    /// The Content-Security-Policy every page declares (`audit::CONTENT_SECURITY_POLICY`).
    content_security_policy: &'static str,
}

/// A counted link on an index page ("Preston (12)").
#[derive(Serialize, Clone)]
struct CountedLink {
    title: String,
    url: String,
    count: usize,
    description: String,
}

#[derive(Serialize)]
struct Pagination {
    current: usize,
    total_pages: usize,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<PageLink>,
    first_item: usize,
    last_item: usize,
    total_items: usize,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct GuideView<'a> {
    title: &'a str,
    summary: &'a str,
    url: &'a str,
    html: &'a str,
    toc: Vec<&'a crate::markdown::Heading>,
    updated: Option<String>,
    updated_iso: Option<String>,
    audience: Vec<&'a str>,
    tags: &'a [String],
    is_section: bool,
}

fn guide_view(p: &GuidePage) -> GuideView<'_> {
    GuideView {
        title: &p.front.title,
        summary: &p.front.summary,
        url: &p.url,
        html: &p.html,
        toc: p.headings.iter().filter(|h| h.level == 2).collect(),
        updated: p.front.updated.map(|d| d.long()),
        updated_iso: p.front.updated.map(|d| d.iso()),
        audience: p.front.audience.iter().map(Audience::label).collect(),
        tags: &p.front.tags,
        is_section: p.is_section,
    }
}

/// Base context every page gets.
fn base_context(title: &str, description: &str, url: &str, breadcrumbs: Vec<Link>) -> Context {
    let mut c = Context::new();
    c.insert("page_title", title);
    c.insert("page_description", description);
    c.insert("current_url", url);
    c.insert("breadcrumbs", &breadcrumbs);
    c
}

/// Chooses which pages a render writes. A full build writes every page ([`Everything`]); the
/// preview server (`crate::serve`) writes only pages whose inputs changed since its last render.
/// Files other than template pages (404, feeds, static files) are always written.
pub trait Selection: Sync {
    /// Whether to build the page of this provider at all (false: it is known to be unchanged).
    fn provider_page(&self, _id: &str) -> bool {
        true
    }
    /// Whether to render this page, given the template and context it would be rendered with.
    fn page(&self, _url: &str, _template: &str, _context: &Context) -> bool {
        true
    }
    /// Whether to build a listing page's context at all, given a fingerprint of everything on it
    /// but the cards, and the ids of the providers whose cards it shows (false: unchanged).
    fn listing_page(&self, _url: &str, _fingerprint: u64, _providers: &[&str]) -> bool {
        true
    }
    /// Whether to make the search index and the open data exports. Neither can find a problem
    /// in the content, so `apdir check` leaves them out.
    fn search_and_exports(&self) -> bool {
        true
    }
}

/// Selects every page: what `apdir build` renders.
pub struct Everything;
impl Selection for Everything {}

/// Every page, without the search index and the exports: what `apdir check` renders to find
/// template problems.
pub struct PagesOnly;
impl Selection for PagesOnly {
    fn search_and_exports(&self) -> bool {
        false
    }
}

/// The site's templates, with the globals every page reads (the site's name, the navigation).
pub fn templates(site: &Site) -> Result<Templates, crate::Error> {
    let theme_dir = site.config.theme_path(&site.root);
    let mut templates = Templates::load(&site.root, &theme_dir).map_err(crate::Error::Content)?;
    let mut nav = vec![
        link("Find a provider", "/providers/"),
        link("Districts", "/districts/"),
        link("Gaps by area", "/areas/"),
        link("Good-practice guide", "/guide/"),
    ];
    if site.profile.is_internal() {
        nav.push(link("QA dashboard", "/dashboard/"));
    }
    let site_view = SiteView {
        title: &site.config.title,
        authority: &site.config.authority,
        base_url: site.config.base(),
        contact_email: &site.config.contact_email,
        description: &site.config.description,
        build_date: site.today.long(),
        build_date_iso: site.today.iso(),
        nav,
        internal: site.profile.is_internal(),
        content_security_policy: crate::audit::CONTENT_SECURITY_POLICY,
    };
    templates.tera.global_context().insert("site", &site_view);
    Ok(templates)
}

/// What rendering the pages found: the URL of every page (for the sitemap) and each template
/// problem once.
pub struct RenderedPages {
    pub urls: Vec<String>,
    pub errors: Vec<Diagnostic>,
}

/// Renders every template page (providers, listings, areas, guide, home) into `sink`, in
/// parallel, writing only the pages `selection` picks. Template problems are collected, not
/// returned as errors: the caller reports them all together.
pub fn pages(
    site: &Site,
    report: &GapReport,
    templates: &Templates,
    sink: &dyn Sink,
    selection: &dyn Selection,
    lap: &Lap,
) -> Result<RenderedPages, crate::Error> {
    let errors: std::sync::Mutex<Vec<Diagnostic>> = Default::default();
    let page_urls: std::sync::Mutex<Vec<String>> = Default::default();
    // One template error tends to repeat on every page: report each once.
    let template_error = |d: Diagnostic| {
        let mut errs = errors.lock_unpoisoned();
        if !errs.iter().any(|x| x.message == d.message && x.span == d.span) {
            errs.push(d);
        }
    };
    // Renders one page and hands it to the sink; template problems are collected.
    let emit = |url: &str, template: &str, c: &Context| -> Result<(), crate::model::file::OutputError> {
        if !selection.page(url, template, c) {
            page_urls.lock_unpoisoned().push(url.to_string());
            return Ok(());
        }
        match templates.render(template, c) {
            Ok(html) => {
                page_urls.lock_unpoisoned().push(url.to_string());
                sink.put(OutputFile::page(url, html))
            }
            Err(d) => {
                template_error(d);
                Ok(())
            }
        }
    };
    // Providers, sorted by name, with their cards.
    let mut order: Vec<usize> = (0..site.providers.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&site.providers[a].provider, &site.providers[b].provider);
        pa.name.to_lowercase().cmp(&pb.name.to_lowercase()).then(pa.id.cmp(&pb.id))
    });
    // Index of listing memberships (positions in `order`).
    let mut by_district: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_tier: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let mut by_need: BTreeMap<Need, Vec<usize>> = BTreeMap::new();
    let mut by_key_stage: BTreeMap<KeyStage, Vec<usize>> = BTreeMap::new();
    for (pos, &i) in order.iter().enumerate() {
        let vp = &site.providers[i];
        for d in districts_served(vp) {
            by_district.entry(d).or_default().push(pos);
        }
        let offer = &vp.provider.offer;
        list_once(&mut by_tier, &offer.tiers, pos);
        list_once(&mut by_need, &offer.needs, pos);
        list_once(&mut by_key_stage, &offer.key_stages, pos);
    }

    let district_links: Vec<CountedLink> = site
        .areas
        .iter()
        .map(|a| CountedLink {
            title: a.name.clone(),
            url: district_url(&a.slug),
            count: by_district.get(&a.code).map_or(0, Vec::len),
            description: if a.in_scope { String::new() } else { "Outside the authority; shown for providers near the border".into() },
        })
        .collect();
    let tier_links: Vec<CountedLink> = (1..=3)
        .map(|t| CountedLink {
            title: tier_label(t).into(),
            url: tier_url(t),
            count: by_tier.get(&t).map_or(0, Vec::len),
            description: tier_short(t).into(),
        })
        .collect();
    let need_links: Vec<CountedLink> = Need::ALL
        .iter()
        .map(|n| CountedLink { title: n.label().into(), url: need_url(n), count: by_need.get(n).map_or(0, Vec::len), description: String::new() })
        .collect();
    let key_stage_links: Vec<CountedLink> = KeyStage::ALL
        .iter()
        .map(|k| CountedLink {
            title: k.label().into(),
            url: key_stage_url(k),
            count: by_key_stage.get(k).map_or(0, Vec::len),
            description: String::new(),
        })
        .collect();

    // Every page to render, as (url, template, context).
    let mut jobs: Vec<(String, &'static str, Context)> = Vec::new();
    let page_size = site.config.listing.page_size.max(1);

    // Listing pages are described here and their contexts built only when rendered, so the
    // cards of thousands of pages never sit in memory at once.
    struct ListingJob {
        url: String,
        base_url: String,
        heading: String,
        intro: String,
        title: String,
        members: Vec<usize>,
        page: usize,
        total_pages: usize,
        total_items: usize,
        crumbs: Vec<Link>,
        facets: bool,
    }
    let mut listing_jobs: Vec<ListingJob> = Vec::new();
    let mut listing = |base_url: &str, heading: &str, intro: &str, members: &[usize], crumbs: Vec<Link>, facets: bool| {
        let total_pages = members.len().div_ceil(page_size).max(1);
        for page in 1..=total_pages {
            let url = if page == 1 { base_url.to_string() } else { format!("{base_url}page/{page}/") };
            let slice = &members[((page - 1) * page_size).min(members.len())..(page * page_size).min(members.len())];
            let title = if total_pages > 1 { format!("{heading} (page {page} of {total_pages})") } else { heading.to_string() };
            listing_jobs.push(ListingJob {
                url,
                base_url: base_url.to_string(),
                heading: heading.to_string(),
                intro: intro.to_string(),
                title,
                members: slice.to_vec(),
                page,
                total_pages,
                total_items: members.len(),
                crumbs: crumbs_with(&crumbs),
                facets,
            });
        }
    };
    let empty_facets: BTreeMap<&str, &Vec<CountedLink>> = BTreeMap::new();
    let all_facets =
        BTreeMap::from([("districts", &district_links), ("tiers", &tier_links), ("needs", &need_links), ("key_stages", &key_stage_links)]);
    // Each card and the facets become template values once; listing pages share them (a
    // template value is reference-counted), instead of converting 25 cards per page again.
    // Each card's HTML is also rendered once (`partials/provider_card.html`, as `p.html`),
    // though the card appears on about ten listing pages. A card is made when a listing
    // page first needs it, so a preview that redraws a few listing pages makes only their
    // cards.
    let card_template = "partials/provider_card.html";
    let card_values: Vec<std::sync::OnceLock<tera::Value>> = order.iter().map(|_| std::sync::OnceLock::new()).collect();
    let card_value = |pos: usize| -> tera::Value {
        card_values[pos]
            .get_or_init(|| {
                let value = tera::Value::from_serializable(&card(&site.providers[order[pos]], site));
                if !templates.has(card_template) {
                    return value;
                }
                let mut c = Context::new();
                c.insert_value("p", value.clone());
                let rendered = templates.render(card_template, &c);
                drop(c);
                match rendered {
                    Ok(html) => {
                        // A card is a struct, so its value is a map (now unshared: no copy).
                        let mut map = value.into_map().unwrap_or_default();
                        map.insert("html".into(), tera::Value::safe_string(&html));
                        tera::Value::from(map)
                    }
                    Err(d) => {
                        template_error(d);
                        value
                    }
                }
            })
            .clone()
    };
    let all_facets_value = tera::Value::from_serializable(&all_facets);
    let empty_facets_value = tera::Value::from_serializable(&empty_facets);
    let listing_context = |j: &ListingJob| -> Context {
        let mut c = Context::new();
        c.insert("page_title", &j.title);
        c.insert("page_description", &j.intro);
        c.insert("current_url", &j.url);
        c.insert("breadcrumbs", &j.crumbs);
        c.insert("heading", &j.heading);
        c.insert("intro", &j.intro);
        let page_cards: Vec<tera::Value> = j.members.iter().map(|&i| card_value(i)).collect();
        c.insert_value("providers", tera::Value::from(page_cards));
        c.insert("pagination", &pagination(&j.base_url, j.page, j.total_pages, page_size, j.total_items));
        c.insert("show_facets", &j.facets);
        c.insert_value("facets", if j.facets { all_facets_value.clone() } else { empty_facets_value.clone() });
        c
    };

    // Directory.
    let all: Vec<usize> = (0..order.len()).collect();
    listing(
        "/providers/",
        "Find alternative provision",
        "Every provider on the authority's directory, in alphabetical order. Narrow the list by district, tier, need or key stage.",
        &all,
        vec![],
        true,
    );
    // District, tier, need and key-stage listings.
    for a in &site.areas {
        let members = by_district.get(&a.code).map(Vec::as_slice).unwrap_or(&[]);
        let intro = if a.in_scope {
            format!("Providers with a site in {} or serving pupils who live there.", a.name)
        } else {
            format!("{} is a separate local authority. These providers are near the border and may take pupils from our area.", a.name)
        };
        listing(
            &district_url(&a.slug),
            &format!("Alternative provision in {}", a.name),
            &intro,
            members,
            vec![link("Districts", "/districts/")],
            false,
        );
    }
    for t in 1..=3 {
        let members = by_tier.get(&t).map(Vec::as_slice).unwrap_or(&[]);
        listing(&tier_url(t), tier_label(t), tier_short(t), members, vec![link("Tiers", "/tiers/")], false);
    }
    for n in Need::ALL {
        let members = by_need.get(n).map(Vec::as_slice).unwrap_or(&[]);
        listing(
            &need_url(n),
            &format!("Provision for: {}", n.label()),
            "Providers that say they meet this need.",
            members,
            vec![link("Needs", "/needs/")],
            false,
        );
    }
    for k in KeyStage::ALL {
        let members = by_key_stage.get(k).map(Vec::as_slice).unwrap_or(&[]);
        listing(
            &key_stage_url(k),
            &format!("Provision for {}", k.label()),
            "Providers that take pupils in this key stage.",
            members,
            vec![link("Key stages", "/key-stages/")],
            false,
        );
    }
    // Index pages of the listings.
    for (url, heading, intro, items) in [
        ("/districts/", "Districts", "Find provision by the district where the pupil lives or goes to school.", &district_links),
        (
            "/tiers/",
            "The three tiers of alternative provision",
            "The authority works outreach first: support in the pupil's own school, then a time-limited placement, and a transitional placement only when a fresh start is right.",
            &tier_links,
        ),
        ("/needs/", "Needs", "Find provision by the needs it meets.", &need_links),
        ("/key-stages/", "Key stages", "Find provision by the pupil's key stage.", &key_stage_links),
    ] {
        let mut c = base_context(heading, intro, url, vec![]);
        c.insert("heading", heading);
        c.insert("intro", intro);
        c.insert("items", items);
        jobs.push((url.to_string(), "listing_index.html", c));
    }

    // Gap analysis: /areas/ and /areas/<slug>/.
    lap.mark("listing contexts");
    jobs.extend(areas::pages(site, report));
    lap.mark("area contexts");

    // Guide pages.
    let by_url: BTreeMap<&str, &GuidePage> = site.pages.iter().map(|p| (p.url.as_str(), p)).collect();
    let mut children: BTreeMap<String, Vec<&GuidePage>> = BTreeMap::new();
    for p in &site.pages {
        if let Some(parent) = p.parent_url() {
            children.entry(parent).or_default().push(p);
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.front.weight.unwrap_or(i64::MAX).cmp(&b.front.weight.unwrap_or(i64::MAX)).then(a.front.title.cmp(&b.front.title)));
    }
    let mut recent: Vec<&GuidePage> = site.pages.iter().filter(|p| p.url.starts_with("/guide/") && p.url != "/guide/").collect();
    recent.sort_by(|a, b| b.front.updated.cmp(&a.front.updated).then(a.front.title.cmp(&b.front.title)));
    let recent: Vec<serde_json::Value> = recent
        .iter()
        .take(5)
        .map(|p| serde_json::json!({"title": p.front.title, "url": p.url, "summary": p.front.summary, "updated": p.front.updated.map(|d| d.long())}))
        .collect();

    let upcoming = events::upcoming(site);
    for p in &site.pages {
        if p.url == "/" {
            continue; // the home page's intro; rendered below
        }
        // Breadcrumbs: every ancestor section that exists.
        let mut crumbs = Vec::new();
        let mut cur = p.parent_url();
        while let Some(u) = cur {
            if u == "/" {
                break;
            }
            if let Some(sp) = by_url.get(u.as_str()) {
                crumbs.push(link(sp.front.title.clone(), u.clone()));
            }
            cur = sp_parent(&u);
        }
        crumbs.reverse();
        let mut c = base_context(&p.front.title, &p.front.summary, &p.url, crumbs_with(&crumbs));
        c.insert("page", &guide_view(p));
        c.insert("review", &events::review_view(p, site));
        c.insert("event", &events::event_view(p, site));
        c.insert("upcoming_events", &upcoming);
        let kids: Vec<serde_json::Value> = children
            .get(&p.url)
            .map(|k| k.iter().map(|k| serde_json::json!({"title": k.front.title, "url": k.url, "summary": k.front.summary})).collect())
            .unwrap_or_default();
        c.insert("children", &kids);
        // Previous and next page within the same section.
        let (mut prev, mut next) = (None, None);
        if let Some(parent) = p.parent_url()
            && let Some(sibs) = children.get(&parent)
            && let Some(i) = sibs.iter().position(|s| s.url == p.url)
        {
            prev = i.checked_sub(1).map(|j| link(sibs[j].front.title.clone(), sibs[j].url.clone()));
            next = sibs.get(i + 1).map(|s| link(s.front.title.clone(), s.url.clone()));
        }
        c.insert("prev", &prev);
        c.insert("next", &next);
        let template = match &p.front.template {
            Some(t) => leak(t),
            None if p.is_section => "section.html",
            None => "page.html",
        };
        jobs.push((p.url.clone(), template, c));
    }

    // Search results (filled in by /js/search.js; see src/search/).
    jobs.push((
        "/search/".into(),
        "search.html",
        base_context("Search", "Search the provider directory and the good-practice guide.", "/search/", vec![]),
    ));

    // The shortlist's side-by-side comparison (filled in by /js/compare.js); a theme without
    // the template has no compare page.
    if templates.has("compare.html") {
        let crumbs = crumbs_with(&[link("Find a provider", "/providers/")]);
        jobs.push((
            "/compare/".into(),
            "compare.html",
            base_context("Compare providers", "Providers from your shortlist side by side.", "/compare/", crumbs),
        ));
    }

    // Home.
    {
        let intro = by_url.get("/");
        let title = intro.map(|p| p.front.title.as_str()).unwrap_or(site.config.title.as_str());
        let summary = intro.map(|p| p.front.summary.as_str()).unwrap_or(site.config.description.as_str());
        let mut c = base_context(title, summary, "/", vec![]);
        c.insert("intro_html", &intro.map(|p| p.html.as_str()).unwrap_or(""));
        c.insert("tiers", &tier_links);
        c.insert("districts", &district_links.iter().filter(|d| d.description.is_empty()).collect::<Vec<_>>());
        c.insert("needs", &need_links);
        c.insert("recent", &recent);
        c.insert("upcoming_events", &upcoming);
        c.insert("provider_count", &order.len());
        c.insert("guide_count", &site.pages.iter().filter(|p| p.url.starts_with("/guide/")).count());
        jobs.push(("/".into(), "index.html", c));
    }

    lap.mark("contexts");
    let locator = areas::Locator::new(site);
    let t = std::time::Instant::now();
    site.providers.par_iter().try_for_each(|vp| {
        if !selection.provider_page(&vp.provider.id) {
            page_urls.lock_unpoisoned().push(crate::markdown::provider_url(&vp.provider.id));
            return Ok(());
        }
        let pv = provider_page(vp, site);
        let crumbs = vec![link("Find a provider", "/providers/")];
        let mut c = base_context(&pv.card.name, &pv.card.summary, &pv.card.url, crumbs_with(&crumbs));
        c.insert("provider", &pv);
        c.insert("locator_map", &locator.html(site, vp));
        emit(&pv.card.url, "provider.html", &c)
    })?;
    lap.mark_from(&t, "provider pages");
    let t = std::time::Instant::now();
    jobs.into_par_iter().try_for_each(|(url, template, c)| emit(&url, template, &c))?;
    lap.mark_from(&t, "other pages");
    let t = std::time::Instant::now();
    listing_jobs.par_iter().try_for_each(|j| {
        let ids: Vec<&str> = j.members.iter().map(|&pos| site.providers[order[pos]].provider.id.as_str()).collect();
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (&j.url, &j.base_url, &j.heading, &j.intro, &j.title, j.page, j.total_pages, j.total_items, page_size, j.facets).hash(&mut h);
            j.crumbs.iter().for_each(|l| (&l.title, &l.url).hash(&mut h));
            if j.facets {
                all_facets.values().flat_map(|v| v.iter()).for_each(|l| (&l.title, &l.url, l.count, &l.description).hash(&mut h));
            }
            h.finish()
        };
        if !selection.listing_page(&j.url, fingerprint, &ids) {
            page_urls.lock_unpoisoned().push(j.url.clone());
            return Ok(());
        }
        emit(&j.url, "listing.html", &listing_context(j))
    })?;
    lap.mark_from(&t, "listing pages");
    Ok(RenderedPages { urls: page_urls.into_inner_unpoisoned(), errors: errors.into_inner_unpoisoned() })
}

/// The "page not found" page.
pub fn not_found(templates: &Templates) -> Result<OutputFile, Diagnostic> {
    let c = base_context("Page not found", "", "/404.html", vec![]);
    let html = templates.render("404.html", &c)?;
    Ok(OutputFile { path: "404.html".into(), body: Body::Bytes(html.into_bytes()) })
}

/// Every file but the pages: the sitemap, robots.txt and the feed, the gap report's
/// downloads, and the static assets (the theme's, then the site's own `static/`, then files
/// beside the content; a later one wins over an earlier one at the same path).
pub fn other_files(site: &Site, report: &GapReport, page_urls: &[String]) -> Vec<OutputFile> {
    let theme_dir = site.config.theme_path(&site.root);
    let mut files = vec![feeds::sitemap(site, page_urls), feeds::robots(site), feeds::atom(site), ical::calendar(site)];
    files.extend(areas::files(site, report));
    // Static assets: the theme's, then the site's own `static/`, then files beside content.
    copy_tree(&theme_dir.join("static"), &mut files);
    copy_tree(&site.root.join("static"), &mut files);
    for a in &site.assets {
        files.push(OutputFile { path: a.rel_path.clone(), body: Body::Copy(a.source.clone()) });
    }
    // Later entries win (site overrides theme).
    let mut seen = std::collections::HashSet::new();
    files.reverse();
    files.retain(|f| seen.insert(f.path.clone()));
    files
}

/// With `APDIR_RENDER_TIMINGS` set, prints how long each part of rendering took (for
/// `scripts/bench` and profiling; `--timings` shows the stages).
pub struct Lap(Option<std::sync::Mutex<std::time::Instant>>);

impl Default for Lap {
    fn default() -> Self {
        Lap::new()
    }
}

impl Lap {
    pub fn new() -> Lap {
        Lap(std::env::var_os("APDIR_RENDER_TIMINGS").map(|_| std::sync::Mutex::new(std::time::Instant::now())))
    }
    /// The time since the last mark.
    pub fn mark(&self, what: &str) {
        if let Some(t) = &self.0 {
            let mut t = t.lock_unpoisoned();
            eprintln!("render: {what:<24} {:>8.1} ms", t.elapsed().as_secs_f64() * 1000.0);
            *t = std::time::Instant::now();
        }
    }
    /// The time since `start` (for parts that run side by side).
    pub fn mark_from(&self, start: &std::time::Instant, what: &str) {
        if self.0.is_some() {
            eprintln!("render:   {what:<22} {:>8.1} ms", start.elapsed().as_secs_f64() * 1000.0);
        }
    }
}

/// Adds the card at `pos` to the listing of each of `keys`, once however often a key repeats.
fn list_once<K: Ord + Clone>(listings: &mut BTreeMap<K, Vec<usize>>, keys: &[K], pos: usize) {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    for k in keys {
        listings.entry(k).or_default().push(pos);
    }
}

fn sp_parent(url: &str) -> Option<String> {
    let u = url.trim_end_matches('/');
    if u.is_empty() {
        return None;
    }
    u.rfind('/').map(|i| format!("{}/", &u[..i]))
}

fn crumbs_with(extra: &[Link]) -> Vec<Link> {
    let mut v = vec![link("Home", "/")];
    v.extend(extra.iter().map(|l| link(l.title.clone(), l.url.clone())));
    v
}

fn pagination(base: &str, current: usize, total_pages: usize, page_size: usize, total_items: usize) -> Pagination {
    let url = |n: usize| if n == 1 { base.to_string() } else { format!("{base}page/{n}/") };
    // Show the first, last, and two either side of the current page.
    let pages = (1..=total_pages)
        .filter(|&n| n == 1 || n == total_pages || n.abs_diff(current) <= 2)
        .map(|n| PageLink { number: n, url: url(n), current: n == current })
        .collect();
    Pagination {
        current,
        total_pages,
        prev: (current > 1).then(|| url(current - 1)),
        next: (current < total_pages).then(|| url(current + 1)),
        pages,
        first_item: if total_items == 0 { 0 } else { (current - 1) * page_size + 1 },
        last_item: (current * page_size).min(total_items),
        total_items,
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn copy_tree(dir: &Path, files: &mut Vec<OutputFile>) {
    if !dir.is_dir() {
        return;
    }
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(16)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    found.sort();
    for path in found {
        let rel = crate::diagnostics::display_path(dir, &path);
        if rel.split('/').any(|p| p.starts_with('.')) {
            continue;
        }
        files.push(OutputFile { path: rel, body: Body::Copy(path) });
    }
}
