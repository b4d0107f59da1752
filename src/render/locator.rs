//! The provider page's small locator map (the county outline as one shared image, drawn
//! with the areas' downloads, and an overlay per provider).

use std::collections::HashMap;
use std::fmt::Write;

use super::maps::{self, Projection, esc};
use crate::geo::Area;
use crate::model::lock::LockExt;
use crate::site::Site;
use crate::validate::ValidProvider;

const LOCATOR_WIDTH: f64 = 320.0;

/// The locator maps' projection: the whole map, `LOCATOR_WIDTH` wide.
pub(super) fn projection(site: &Site) -> Projection {
    Projection::fit(maps::bbox(&site.areas), LOCATOR_WIDTH, 4.0)
}

/// The provider page's small locator map: the county outline as a shared image, with an
/// overlay marking the provider's sites (or, for masked sites, only their area). Made once
/// per build: the projection and each area's outline are shared by every provider page.
pub struct Locator {
    proj: Projection,
    outlines: std::sync::Mutex<HashMap<String, std::sync::Arc<str>>>,
}

impl Locator {
    pub fn new(site: &Site) -> Locator {
        Locator { proj: projection(site), outlines: Default::default() }
    }

    fn outline(&self, area: &Area) -> std::sync::Arc<str> {
        let mut outlines = self.outlines.lock_unpoisoned();
        outlines.entry(area.code.clone()).or_insert_with(|| maps::path_data(area, &self.proj, 0.8).into()).clone()
    }

    /// The locator's HTML for `vp` (empty when there is nothing to place).
    pub fn html(&self, site: &Site, vp: &ValidProvider) -> String {
        if site.areas.is_empty() || vp.sites.is_empty() {
            return String::new();
        }
        let proj = &self.proj;
        let mut svg = String::new();
        let mut places = Vec::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="locator__overlay" viewBox="0 0 {:.0} {:.0}" aria-hidden="true" focusable="false">"#,
            proj.width, proj.height
        );
        for (s, site_pos) in vp.sites.iter().enumerate() {
            let loc = &vp.provider.locations[s];
            let area = site.area(&site_pos.district).or_else(|| site.areas.iter().find(|a| a.contains(site_pos.lon, site_pos.lat)));
            if loc.mask_exact_address {
                if let Some(a) = area {
                    let _ = write!(svg, r#"<path class="locator__area" d="{}"/>"#, self.outline(a));
                    places.push(format!("somewhere in {} (address not published)", a.name));
                }
            } else {
                let (x, y) = proj.point(site_pos.lon, site_pos.lat);
                let _ = write!(svg, r#"<circle class="locator__marker" cx="{x:.1}" cy="{y:.1}" r="5"/>"#);
                places.push(match area {
                    Some(a) => format!("{} in {}", if loc.name.is_empty() { "a site" } else { &loc.name }, a.name),
                    None => loc.name.clone(),
                });
            }
        }
        svg.push_str("</svg>");
        format!(
            r#"<figure class="locator"><div class="locator__map"><img src="/areas/locator.svg" alt="" width="{:.0}" height="{:.0}">{svg}</div><figcaption class="body-s">Where it is on the county map: {}.</figcaption></figure>"#,
            proj.width,
            proj.height,
            esc(&places.join("; "))
        )
    }
}
