//! The listing pages: the directory (`/providers/`), one listing of cards for each district,
//! tier, need and key stage (split into pages), and the four index pages that link to them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use tera::Context;

use super::view::*;
use super::{CountedLink, Job, Link, Renderer, base_context, crumbs_with, link, pagination};
use crate::model::file::OutputError;
use crate::model::vocab::{KeyStage, Need};
use crate::site::Site;

/// Every provider in name order, which listings each one is on, and the counted links to
/// those listings.
pub(super) struct Directory {
    /// Indexes into `site.providers`, sorted by name (then id). Listings hold positions here.
    pub order: Vec<usize>,
    by_district: BTreeMap<String, Vec<usize>>,
    by_tier: BTreeMap<i64, Vec<usize>>,
    by_need: BTreeMap<Need, Vec<usize>>,
    by_key_stage: BTreeMap<KeyStage, Vec<usize>>,
    pub district_links: Vec<CountedLink>,
    pub tier_links: Vec<CountedLink>,
    pub need_links: Vec<CountedLink>,
    pub key_stage_links: Vec<CountedLink>,
}

impl Directory {
    pub fn new(site: &Site) -> Directory {
        let order = site.directory_order();
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
        let district_links = site
            .areas
            .iter()
            .map(|a| CountedLink {
                title: a.name.clone(),
                url: district_url(&a.slug),
                count: count(&by_district, &a.code),
                description: if a.in_scope { String::new() } else { "Outside the authority; shown for providers near the border".into() },
            })
            .collect();
        let tier_links = (1..=3)
            .map(|t| CountedLink { title: tier_label(t).into(), url: tier_url(t), count: count(&by_tier, &t), description: tier_short(t).into() })
            .collect();
        let need_links = Need::ALL
            .iter()
            .map(|n| CountedLink { title: n.label().into(), url: need_url(n), count: count(&by_need, n), description: String::new() })
            .collect();
        let key_stage_links = KeyStage::ALL
            .iter()
            .map(|k| CountedLink { title: k.label().into(), url: key_stage_url(k), count: count(&by_key_stage, k), description: String::new() })
            .collect();
        Directory { order, by_district, by_tier, by_need, by_key_stage, district_links, tier_links, need_links, key_stage_links }
    }

    /// The facets a listing page with facets shows, by name.
    fn facets(&self) -> BTreeMap<&'static str, &Vec<CountedLink>> {
        BTreeMap::from([
            ("districts", &self.district_links),
            ("tiers", &self.tier_links),
            ("needs", &self.need_links),
            ("key_stages", &self.key_stage_links),
        ])
    }
}

fn count<K: Ord>(listings: &BTreeMap<K, Vec<usize>>, key: &K) -> usize {
    listings.get(key).map_or(0, Vec::len)
}

fn members<'a, K: Ord>(listings: &'a BTreeMap<K, Vec<usize>>, key: &K) -> &'a [usize] {
    listings.get(key).map(Vec::as_slice).unwrap_or(&[])
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

/// One listing page. Listing pages are described first and their contexts built only when
/// rendered, so the cards of thousands of pages never sit in memory at once.
pub(super) struct ListingJob {
    url: String,
    base_url: String,
    heading: String,
    intro: String,
    title: String,
    /// Positions in `Directory::order` of the cards on this page.
    members: Vec<usize>,
    page: usize,
    total_pages: usize,
    total_items: usize,
    crumbs: Vec<Link>,
    facets: bool,
}

/// Every listing page: the directory, then each district, tier, need and key stage, each
/// split into pages of `page_size` cards.
pub(super) fn jobs(site: &Site, d: &Directory, page_size: usize) -> Vec<ListingJob> {
    let mut jobs = Vec::new();
    let mut listing = |base_url: &str, heading: &str, intro: &str, members: &[usize], crumbs: Vec<Link>, facets: bool| {
        paginate(&mut jobs, page_size, base_url, heading, intro, members, crumbs, facets);
    };
    let all: Vec<usize> = (0..d.order.len()).collect();
    listing(
        "/providers/",
        "Find alternative provision",
        "Every provider on the authority's directory, in alphabetical order. Narrow the list by district, tier, need or key stage.",
        &all,
        vec![],
        true,
    );
    for a in &site.areas {
        let intro = if a.in_scope {
            format!("Providers with a site in {} or serving pupils who live there.", a.name)
        } else {
            format!("{} is a separate local authority. These providers are near the border and may take pupils from our area.", a.name)
        };
        let heading = format!("Alternative provision in {}", a.name);
        listing(&district_url(&a.slug), &heading, &intro, members(&d.by_district, &a.code), vec![link("Districts", "/districts/")], false);
    }
    for t in 1..=3 {
        listing(&tier_url(t), tier_label(t), tier_short(t), members(&d.by_tier, &t), vec![link("Tiers", "/tiers/")], false);
    }
    for n in Need::ALL {
        let heading = format!("Provision for: {}", n.label());
        let intro = "Providers that say they meet this need.";
        listing(&need_url(n), &heading, intro, members(&d.by_need, n), vec![link("Needs", "/needs/")], false);
    }
    for k in KeyStage::ALL {
        let heading = format!("Provision for {}", k.label());
        let intro = "Providers that take pupils in this key stage.";
        listing(&key_stage_url(k), &heading, intro, members(&d.by_key_stage, k), vec![link("Key stages", "/key-stages/")], false);
    }
    jobs
}

/// Splits one listing into pages of `page_size` cards: the first at `base_url`, the others
/// at `base_url/page/N/`.
#[allow(clippy::too_many_arguments)]
fn paginate(
    jobs: &mut Vec<ListingJob>,
    page_size: usize,
    base_url: &str,
    heading: &str,
    intro: &str,
    members: &[usize],
    crumbs: Vec<Link>,
    facets: bool,
) {
    let total_pages = members.len().div_ceil(page_size).max(1);
    for page in 1..=total_pages {
        let url = if page == 1 { base_url.to_string() } else { format!("{base_url}page/{page}/") };
        let slice = &members[((page - 1) * page_size).min(members.len())..(page * page_size).min(members.len())];
        let title = if total_pages > 1 { format!("{heading} (page {page} of {total_pages})") } else { heading.to_string() };
        jobs.push(ListingJob {
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
}

/// The index pages of the listings: `/districts/`, `/tiers/`, `/needs/`, `/key-stages/`.
pub(super) fn index_pages(d: &Directory) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (url, heading, intro, items) in [
        ("/districts/", "Districts", "Find provision by the district where the pupil lives or goes to school.", &d.district_links),
        (
            "/tiers/",
            "The three tiers of alternative provision",
            "The authority works outreach first: support in the pupil's own school, then a time-limited placement, and a transitional placement only when a fresh start is right.",
            &d.tier_links,
        ),
        ("/needs/", "Needs", "Find provision by the needs it meets.", &d.need_links),
        ("/key-stages/", "Key stages", "Find provision by the pupil's key stage.", &d.key_stage_links),
    ] {
        let mut c = base_context(heading, intro, url, vec![]);
        c.insert("heading", heading);
        c.insert("intro", intro);
        c.insert("items", items);
        jobs.push((url.to_string(), "listing_index.html", c));
    }
    jobs
}

const CARD_TEMPLATE: &str = "partials/provider_card.html";
const LISTING_TEMPLATE: &str = "listing.html";

/// Each card as a template value, made when a listing page first needs it, so a preview
/// that redraws a few listing pages makes only their cards. Listing pages share the values (a
/// template value is reference-counted) instead of converting 25 cards per page again. Each
/// card's HTML is also rendered once (`partials/provider_card.html`, as `p.html`), though
/// the card appears on about ten listing pages. A provider page hands over the card it has
/// already made and converted ([`Cards::offer`]), so a card is made once per build.
pub(super) struct Cards<'a> {
    site: &'a Site,
    order: &'a [usize],
    /// The directory position of each provider (`order` inverted).
    position: Vec<usize>,
    values: Vec<OnceLock<tera::Value>>,
    /// The listing template reads only each card's `html` (the default theme's does): a card
    /// then keeps only that, about a third of the memory, since every card is kept until the
    /// last listing page is made (at 30,000 providers about 100 MiB of the peak).
    html_only: bool,
}

impl<'a> Cards<'a> {
    pub(super) fn new(site: &'a Site, d: &'a Directory, templates: &super::templates::Templates) -> Cards<'a> {
        // Every provider is in the directory (`Site::directory_order`); one that were not
        // would keep `usize::MAX` and be offered to no card.
        let mut position = vec![usize::MAX; site.providers.len()];
        for (pos, &i) in d.order.iter().enumerate() {
            if let Some(p) = position.get_mut(i) {
                *p = pos;
            }
        }
        Cards {
            site,
            order: &d.order,
            position,
            values: d.order.iter().map(|_| OnceLock::new()).collect(),
            html_only: templates.uses_only_html_of(LISTING_TEMPLATE, "providers"),
        }
    }

    /// The card at position `pos` of the directory.
    fn value(&self, pos: usize, out: &Renderer) -> tera::Value {
        self.values[pos].get_or_init(|| self.make(pos, out)).clone()
    }

    /// Takes the card of provider `index` (of `site.providers`) as its page made it, the same
    /// `card` view already a template value, unless the card is made already.
    pub(super) fn offer(&self, index: usize, card_value: &tera::Value, out: &Renderer) {
        if let Some(slot) = self.position.get(index).and_then(|&pos| self.values.get(pos)) {
            slot.get_or_init(|| self.finish(card_value.clone(), out));
        }
    }

    fn make(&self, pos: usize, out: &Renderer) -> tera::Value {
        self.finish(tera::Value::from_serializable(&card(&self.site.providers[self.order[pos]], self.site)), out)
    }

    /// A card's value with its HTML, or only its HTML (see `html_only`).
    fn finish(&self, value: tera::Value, out: &Renderer) -> tera::Value {
        if !out.templates.has(CARD_TEMPLATE) {
            return value;
        }
        let mut c = Context::new();
        c.insert_value("p", value.clone());
        let rendered = out.templates.render(CARD_TEMPLATE, &c);
        drop(c);
        match rendered {
            Ok(html) if self.html_only => {
                let mut map = tera::Map::default();
                map.insert("html".into(), tera::Value::safe_string(&html));
                tera::Value::from(map)
            }
            Ok(html) => {
                // A card is a struct, so its value is a map (now unshared: no copy).
                let mut map = value.into_map().unwrap_or_default();
                map.insert("html".into(), tera::Value::safe_string(&html));
                tera::Value::from(map)
            }
            Err(d) => {
                out.template_error(d);
                value
            }
        }
    }
}

/// What every listing page shares: the cards, the facets as template values and the page size.
struct Shared<'a> {
    cards: Cards<'a>,
    facets: BTreeMap<&'static str, &'a Vec<CountedLink>>,
    facets_value: tera::Value,
    no_facets_value: tera::Value,
    page_size: usize,
}

/// Renders the listing pages the selection picks, in parallel.
pub(super) fn render<'a>(d: &'a Directory, cards: Cards<'a>, jobs: &[ListingJob], page_size: usize, out: &Renderer) -> Result<(), OutputError> {
    let site = cards.site;
    let facets = d.facets();
    let no_facets: BTreeMap<&str, &Vec<CountedLink>> = BTreeMap::new();
    let shared = Shared {
        cards,
        facets_value: tera::Value::from_serializable(&facets),
        no_facets_value: tera::Value::from_serializable(&no_facets),
        facets,
        page_size,
    };
    jobs.par_iter().try_for_each(|j| {
        let ids: Vec<&str> = j.members.iter().map(|&pos| site.providers[d.order[pos]].provider.id.as_str()).collect();
        if !out.selection.listing_page(&j.url, fingerprint(j, &shared), &ids) {
            out.listed(j.url.clone());
            return Ok(());
        }
        out.emit(&j.url, LISTING_TEMPLATE, &context(j, &shared, out))
    })
}

/// A fingerprint of everything on a listing page but its cards (the preview compares it).
fn fingerprint(j: &ListingJob, shared: &Shared) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&j.url, &j.base_url, &j.heading, &j.intro, &j.title, j.page, j.total_pages, j.total_items, shared.page_size, j.facets).hash(&mut h);
    j.crumbs.iter().for_each(|l| (&l.title, &l.url).hash(&mut h));
    if j.facets {
        shared.facets.values().flat_map(|v| v.iter()).for_each(|l| (&l.title, &l.url, l.count, &l.description).hash(&mut h));
    }
    h.finish()
}

/// The template context of one listing page.
fn context(j: &ListingJob, shared: &Shared, out: &Renderer) -> Context {
    let mut c = Context::new();
    c.insert("page_title", &j.title);
    c.insert("page_description", &j.intro);
    c.insert("current_url", &j.url);
    c.insert("breadcrumbs", &j.crumbs);
    c.insert("heading", &j.heading);
    c.insert("intro", &j.intro);
    let page_cards: Vec<tera::Value> = j.members.iter().map(|&i| shared.cards.value(i, out)).collect();
    c.insert_value("providers", tera::Value::from(page_cards));
    c.insert("pagination", &pagination(&j.base_url, j.page, j.total_pages, shared.page_size, j.total_items));
    c.insert("show_facets", &j.facets);
    c.insert_value("facets", if j.facets { shared.facets_value.clone() } else { shared.no_facets_value.clone() });
    c
}
