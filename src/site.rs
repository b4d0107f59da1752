//! The validated site model: every later stage reads this, none re-reads files.

use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::model::area::AreaFigures;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::geo::{Area, Postcodes};
use crate::load::guidance::ContentAsset;
use crate::load::providers::LoadedProvider;
use crate::model::date::Date;
use crate::model::guide::GuidePage;
use crate::validate::ValidProvider;

pub use crate::model::profile::Profile;

pub struct Site {
    pub root: PathBuf,
    /// The audience this build is for.
    pub profile: Profile,
    pub config: Config,
    pub today: Date,
    pub providers: Vec<ValidProvider>,
    /// Published pages only (drafts are checked, then left out).
    pub pages: Vec<GuidePage>,
    pub assets: Vec<ContentAsset>,
    pub areas: Vec<Area>,
    pub postcodes: Postcodes,
    /// Area figures (`areas/<code>.toml`): pupils, demand and targets per area.
    pub area_figures: Vec<AreaFigures>,
    /// Further boundary layers (`[[area_layers]]`), each analysed and drawn like `areas`.
    pub area_layers: Vec<crate::load::areas::AreaLayer>,
    /// The newest inspection `apdir inspections` saw in an extract for each URN
    /// (`data/inspections-seen.csv`): the build warns about a record behind it, and the QA
    /// dashboard lists it.
    pub inspections_seen: crate::validate::inspections_seen::InspectionsSeen,
    /// Warnings found while loading (errors stop the load).
    pub warnings: Diagnostics,
}

/// Options that override `apdir.toml` for one run.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub today: Option<Date>,
    pub base_url: Option<String>,
    pub profile: Profile,
}

/// Everything read from disk, before validation: [`Inputs::read`] then [`Site::from_inputs`] is
/// [`Site::load`]. The preview server (`crate::serve`) keeps these and re-reads only what changed.
#[derive(Clone)]
pub struct Inputs {
    pub profile: Profile,
    pub config: Config,
    pub today: Date,
    pub postcodes: Postcodes,
    pub areas: Vec<Area>,
    /// Area figures (`areas/<code>.toml`).
    pub area_figures: Vec<AreaFigures>,
    /// Further boundary layers (`[[area_layers]]`).
    pub area_layers: Vec<crate::load::areas::AreaLayer>,
    /// Every record that parsed, sorted by path.
    pub providers: Vec<LoadedProvider>,
    /// Every page that parsed, drafts included, sorted by path.
    pub pages: Vec<GuidePage>,
    pub assets: Vec<ContentAsset>,
    /// Problems found while reading (files that do not parse, missing tables).
    pub diagnostics: Diagnostics,
}

impl Inputs {
    /// Reads every input. Fails only when apdir.toml cannot be read.
    pub fn read(root: &Path, options: &LoadOptions) -> Result<Inputs, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let Some(config) = Config::load(root, &mut diagnostics) else {
            return Err(diagnostics);
        };
        let (config, today) = Inputs::settings(config, options);

        // Geography first: providers need it. Both load in parallel with the records.
        let ((postcodes, areas), ((loaded, provider_diags), (pages, assets, guide_diags))) = rayon::join(
            || Inputs::geography(root, &config),
            || {
                rayon::join(
                    || crate::load::providers::load(root, &root.join("providers")),
                    || crate::load::guidance::load(root, &root.join("content")),
                )
            },
        );
        diagnostics.items.extend(provider_diags);
        diagnostics.items.extend(guide_diags);
        let (postcodes, areas) = Inputs::geography_or_diagnose(postcodes, areas, &mut diagnostics);
        let (area_figures, area_diags) = crate::load::areas::load(root, &root.join(&config.area_figures), &areas);
        diagnostics.items.extend(area_diags);
        let (area_layers, layer_diags) = crate::load::areas::load_layers(root, &config.area_layers, &config.context_areas, &areas);
        diagnostics.items.extend(layer_diags);
        Ok(Inputs {
            profile: options.profile,
            config,
            today,
            postcodes,
            areas,
            area_figures,
            area_layers,
            providers: loaded,
            pages,
            assets,
            diagnostics,
        })
    }

    /// Applies the command line's overrides to the configuration; returns it with today's date.
    pub fn settings(mut config: Config, options: &LoadOptions) -> (Config, Date) {
        if let Some(b) = &options.base_url {
            config.base_url = b.clone();
        }
        let today = options.today.or(config.today).unwrap_or_else(Date::today);
        (config, today)
    }

    /// Reads the postcode table and the area boundaries named in the configuration.
    #[allow(clippy::type_complexity)]
    pub fn geography(root: &Path, config: &Config) -> (Result<Postcodes, String>, Result<Vec<Area>, String>) {
        let postcodes = Postcodes::load(&root.join(&config.postcodes));
        let areas = crate::geo::load_areas(&root.join(&config.boundaries), &config.context_areas);
        (postcodes, areas)
    }

    /// Turns failures to read the geography into diagnostics (and empty tables).
    pub fn geography_or_diagnose(
        postcodes: Result<Postcodes, String>,
        areas: Result<Vec<Area>, String>,
        diagnostics: &mut Diagnostics,
    ) -> (Postcodes, Vec<Area>) {
        let postcodes = postcodes.unwrap_or_else(|e| {
            diagnostics.push(
                Diagnostic::error("postcodes", format!("cannot load the postcode table: {e}"))
                    .help("set `postcodes` in apdir.toml to a CSV with the columns postcode,lat,lon,district_code,ward_code"),
            );
            Postcodes::default()
        });
        let areas = areas.unwrap_or_else(|e| {
            diagnostics.push(
                Diagnostic::error("boundaries", format!("cannot load the area boundaries, so no area is checked or built until they load: {e}"))
                    .help("set `boundaries` in apdir.toml to a GeoJSON FeatureCollection whose features have `code` and `name` properties"),
            );
            Vec::new()
        });
        (postcodes, areas)
    }
}

impl Site {
    /// Lets go of the guide pages' source once a build has written their pages
    /// ([`crate::render::guide_pages_alone`]): a page's HTML is made from it and nothing else
    /// reads it, and held through the search stage, the build's peak, 10,000 pages' source is
    /// about 28 MB. The root page's stays: it is the home page's intro, rendered later.
    pub fn let_go_of_guide_sources(&mut self) {
        for p in self.pages.iter_mut().filter(|p| p.url != "/") {
            p.file = p.file.name_only();
        }
    }

    /// The same site with other providers and no pages: a what-if scenario's copy
    /// (`crate::scenarios`), which the gap analysis then reads like the real one.
    pub fn with_providers(&self, providers: Vec<ValidProvider>) -> Site {
        Site {
            root: self.root.clone(),
            profile: self.profile,
            config: self.config.clone(),
            today: self.today,
            providers,
            pages: Vec::new(),
            assets: Vec::new(),
            areas: self.areas.clone(),
            postcodes: self.postcodes.clone(),
            area_figures: self.area_figures.clone(),
            area_layers: self.area_layers.clone(),
            inspections_seen: self.inspections_seen.clone(),
            warnings: Diagnostics::default(),
        }
    }

    /// Load → validate. Returns the site, or every problem found.
    pub fn load(root: &Path, options: &LoadOptions) -> Result<Site, Diagnostics> {
        Site::from_inputs(root, Inputs::read(root, options)?)
    }

    /// Validate: checks what [`Inputs::read`] read and builds the site, or returns every problem.
    pub fn from_inputs(root: &Path, inputs: Inputs) -> Result<Site, Diagnostics> {
        Site::from_inputs_kept(root, inputs, None)
    }

    /// [`Site::from_inputs`], reusing the unchanged records' own checks (`apdir serve`).
    pub fn from_inputs_kept(root: &Path, inputs: Inputs, kept: Option<&crate::validate::RecordChecks>) -> Result<Site, Diagnostics> {
        let Inputs { profile, config, today, postcodes, areas, area_figures, area_layers, providers: loaded, pages, assets, mut diagnostics } =
            inputs;
        let (seen, seen_diags) = crate::validate::inspections_seen::InspectionsSeen::read(root);
        diagnostics.items.extend(seen_diags);
        let (providers, provider_diags) = crate::validate::providers_kept(loaded, &postcodes, &areas, &config, today, &seen, kept);
        diagnostics.items.extend(provider_diags);
        let ids: HashSet<&str> = providers.iter().map(|p| p.provider.id.as_str()).collect();
        diagnostics.items.extend(crate::validate::guide(&pages, &ids));
        diagnostics.items.extend(crate::guide_checks::check(&pages, &config, today));

        diagnostics.sort();
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        // Checked: the problems keep the lines they quote, and the records not their source
        // files. A guide page keeps its own until it is rendered: its HTML is made from it.
        diagnostics.items = diagnostics.items.into_par_iter().map(Diagnostic::detached).collect();
        let pages: Vec<_> = pages.into_iter().filter(|p| !p.front.draft).collect();
        // Drafts are checked like every record, then kept out of everything the public sees.
        let providers = if profile == Profile::Public { providers.into_iter().filter(|p| !p.provider.draft).collect() } else { providers };
        Ok(Site {
            root: root.to_path_buf(),
            profile,
            config,
            today,
            providers,
            pages,
            assets,
            areas,
            postcodes,
            area_figures,
            area_layers,
            inspections_seen: seen,
            warnings: diagnostics,
        })
    }

    /// Indexes into `providers` in directory order: by name (case-insensitively), then id.
    /// The listings and the exports both list providers in this order.
    pub fn directory_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.providers.len()).collect();
        // Each name lowered once, not twice per comparison.
        order.sort_by_cached_key(|&i| {
            let p = &self.providers[i].provider;
            (p.name.to_lowercase(), p.id.as_str())
        });
        order
    }

    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.code == code)
    }
}
