//! Loads the area figures (`areas/<GSS code>.toml`) and checks them against the boundary file.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, SourceFile, display_path};
use crate::geo::Area;
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::model::area::*;
use crate::path;

fn known_fields(path: &[Seg]) -> Option<&'static [&'static str]> {
    fn key(s: &Seg) -> Option<&str> {
        match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        }
    }
    match path {
        [] => Some(fields_of::<AreaFigures>()),
        [a] => match key(a)? {
            "pupils" => Some(fields_of::<Pupils>()),
            "demand" => Some(fields_of::<Demand>()),
            "targets" => Some(fields_of::<Targets>()),
            _ => None,
        },
        [a, Seg::Index(_)] if key(a) == Some("history") => Some(fields_of::<HistoryPeriod>()),
        _ => None,
    }
}

/// One more boundary layer (`[[area_layers]]` in apdir.toml), loaded beside the main one: its
/// areas and their figures.
#[derive(Clone, Debug)]
pub struct AreaLayer {
    /// The layer's part of the URL (`/areas/<key>/`).
    pub key: String,
    pub name: String,
    pub areas: Vec<Area>,
    pub figures: Vec<AreaFigures>,
}

/// Loads every `[[area_layers]]` entry: its boundaries (an error at the entry's `boundaries`
/// when they cannot be read) and its figures (checked like the main layer's, against its own
/// boundaries). A key that is also the slug of a main-layer area is an error: both would be
/// `/areas/<key>/`.
pub fn load_layers(
    root: &Path,
    settings: &[crate::model::area::AreaLayerConfig],
    site_context: &[String],
    main: &[Area],
) -> (Vec<AreaLayer>, Vec<Diagnostic>) {
    let mut layers = Vec::new();
    let mut diags = Vec::new();
    for l in settings.iter().take(crate::model::area::MAX_AREA_LAYERS) {
        let here = |d: Diagnostic, span: &Option<std::ops::Range<usize>>| match &l.at.file {
            Some(f) => d.in_file(f, span.clone()),
            None => d,
        };
        if let Some(a) = main.iter().find(|a| a.slug == l.key) {
            diags.push(
                here(Diagnostic::error("area-layer-key", format!("the layer key `{}` is also the page of the area {}", l.key, a.name)), &l.at.key)
                    .label("same address as an area")
                    .help(format!("both would be /areas/{}/: choose another key, for example `{}-layer`", l.key, l.key)),
            );
            continue;
        }
        let path = root.join(&l.boundaries);
        if !path.is_file() {
            continue; // reported with the configuration
        }
        let areas = match crate::geo::load_areas(&path, l.context(site_context)) {
            Ok(a) => a,
            Err(e) => {
                diags.push(
                    here(
                        Diagnostic::error("area-layer-boundaries", format!("cannot load the boundaries of the `{}` layer: {e}", l.key)),
                        &l.at.boundaries,
                    )
                    .label("cannot be read")
                    .help("give a GeoJSON FeatureCollection of Polygon or MultiPolygon features with `code` and `name` properties"),
                );
                continue;
            }
        };
        let figures = match &l.area_figures {
            Some(dir) if root.join(dir).is_dir() => {
                let (figures, d) = load(root, &root.join(dir), &areas);
                diags.extend(d);
                figures
            }
            _ => Vec::new(),
        };
        layers.push(AreaLayer { key: l.key.clone(), name: l.name.clone(), areas, figures });
    }
    (layers, diags)
}

const KEY_STAGE_KEYS: &[&str] = &crate::model::area::KEY_STAGE_KEYS;
const TIER_KEYS: &[&str] = &crate::model::area::TIER_KEYS;

/// Reads every `*.toml` directly in `dir` (sorted). A missing folder means no figures.
/// Checks each file against `areas` (the boundary file): its code must exist there and match
/// the file name; an in-scope boundary area without figures is a warning.
pub fn load(root: &Path, dir: &Path, areas: &[Area]) -> (Vec<AreaFigures>, Vec<Diagnostic>) {
    let mut links = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
                .filter(|e| match e.file_type() {
                    Ok(t) if t.is_symlink() => {
                        links.push(crate::load::link_skipped(&display_path(root, &e.path())));
                        false
                    }
                    Ok(t) => t.is_file(),
                    Err(_) => false,
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let codes: HashSet<&str> = areas.iter().map(|a| a.code.as_str()).collect();
    let results: Vec<(Option<AreaFigures>, Vec<Diagnostic>)> = paths
        .par_iter()
        .map(|path| {
            let name = display_path(root, path);
            let text = match crate::load::read_text(path, &name) {
                Ok(t) => t,
                Err(d) => return (None, vec![d]),
            };
            let file = SourceFile::new(name, path, text);
            let mut diags = Vec::new();
            let (doc, figures) = match TomlDoc::load::<AreaFigures>(&file, &file.text, 0, &known_fields, &mut diags) {
                Ok((doc, Some(f))) => (doc, f),
                Ok((_, None)) => return (None, diags),
                Err(d) => return (None, vec![d]),
            };
            let at = |p: &[Seg]| doc.span(p);
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if !codes.is_empty() && !codes.contains(figures.code.as_str()) {
                let help = match crate::diagnostics::did_you_mean(&figures.code, codes.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? The code must be one of the `code` properties in the boundary file"),
                    None => "the code must be one of the `code` properties in the boundary file (`boundaries` in apdir.toml)".into(),
                };
                diags.push(
                    Diagnostic::error("unknown-area", format!("area `{}` is not in the boundary file", figures.code))
                        .in_file(&file, at(&path!["code"]))
                        .label("no boundary has this code")
                        .help(help),
                );
            }
            if stem != figures.code {
                diags.push(
                    Diagnostic::error("area-file-name", format!("the file is named `{stem}.toml` but holds area `{}`", figures.code))
                        .in_file(&file, at(&path!["code"]))
                        .label("does not match the file name")
                        .help(format!("rename the file to `{}.toml`", figures.code)),
                );
            }
            for (table, keys) in [("by_key_stage", KEY_STAGE_KEYS), ("by_tier", TIER_KEYS)] {
                let map = if table == "by_key_stage" { &figures.demand.by_key_stage } else { &figures.demand.by_tier };
                for k in map.keys() {
                    if !keys.contains(&k.as_str()) {
                        diags.push(
                            Diagnostic::error("unknown-breakdown", format!("`{k}` is not a key of `demand.{table}`"))
                                .in_file(&file, at(&path!["demand", table, k.as_str()]))
                                .label("not allowed here")
                                .help(format!("the keys allowed are: {}", keys.join(", "))),
                        );
                    }
                }
            }
            check_cells(&figures.demand, &file, &at, &mut diags);
            check_need_cells(&figures.demand, &file, &at, &mut diags);
            if figures.targets.max_travel_miles <= 0.0 || figures.targets.places_per_1000_target < 0.0 {
                diags.push(
                    Diagnostic::error("invalid-target", "targets must be positive numbers").in_file(&file, at(&path!["targets"])).label("here"),
                );
            }
            // The breakdowns split the AP placements: say so when they do not add up.
            if let (Some(Count::Value(la)), Some(Count::Value(school))) = (figures.demand.la_arranged_ap, figures.demand.school_arranged_ap) {
                for table in ["by_key_stage", "by_tier"] {
                    let map = if table == "by_key_stage" { &figures.demand.by_key_stage } else { &figures.demand.by_tier };
                    let sum: Option<u64> = map.values().map(|c| c.value()).sum();
                    if let Some(sum) = sum
                        && !map.is_empty()
                        && sum != la + school
                    {
                        diags.push(
                            Diagnostic::warning(
                                "breakdown-total",
                                format!(
                                    "`demand.{table}` adds up to {sum}, but the AP placements (LA-arranged + school-arranged) are {}",
                                    la + school
                                ),
                            )
                            .in_file(&file, at(&path!["demand", table]))
                            .label("does not add up")
                            .help("each breakdown splits the AP placements; check the figures against the source"),
                        );
                    }
                }
            }
            (Some(figures), diags)
        })
        .collect();
    let mut out = Vec::new();
    let mut diagnostics = links;
    for (f, d) in results {
        out.extend(f);
        diagnostics.extend(d);
    }
    let have: HashSet<&str> = out.iter().map(|f| f.code.as_str()).collect();
    let missing: Vec<&Area> = areas.iter().filter(|a| a.in_scope && !have.contains(a.code.as_str())).collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().take(5).map(|a| format!("{} ({})", a.name, a.code)).collect();
        let more = if missing.len() > 5 { format!(" and {} more", missing.len() - 5) } else { String::new() };
        diagnostics.push(
            Diagnostic::warning(
                "area-figures-missing",
                format!(
                    "{} in the boundary file {} no figures: {}{more}",
                    crate::diagnostics::plural(missing.len(), "area"),
                    if missing.len() == 1 { "has" } else { "have" },
                    names.join(", ")
                ),
            )
            .help(format!(
                "add `{}/<code>.toml` for each (see docs/areas.md); the gap report shows supply and access only for these areas",
                display_path(root, dir)
            )),
        );
    }
    (out, diagnostics)
}

/// `demand.by_tier_key_stage`: tier keys, then key stage keys; the cells split the AP
/// placements like the other breakdowns, so a total that does not match is a warning.
fn check_cells(
    demand: &Demand,
    file: &std::sync::Arc<SourceFile>,
    at: &dyn Fn(&[Seg]) -> Option<std::ops::Range<usize>>,
    diags: &mut Vec<Diagnostic>,
) {
    let table = "by_tier_key_stage";
    for (tier, row) in &demand.by_tier_key_stage {
        if !TIER_KEYS.contains(&tier.as_str()) {
            diags.push(
                Diagnostic::error("unknown-breakdown", format!("`{tier}` is not a key of `demand.{table}`"))
                    .in_file(file, at(&path!["demand", table, tier.as_str()]))
                    .label("not allowed here")
                    .help(format!("the keys allowed are: {} (each holding key stages, e.g. `tier3 = {{ ks3 = 4, ks4 = 9 }}`)", TIER_KEYS.join(", "))),
            );
        }
        for ks in row.keys() {
            if !KEY_STAGE_KEYS.contains(&ks.as_str()) {
                diags.push(
                    Diagnostic::error("unknown-breakdown", format!("`{ks}` is not a key stage of `demand.{table}.{tier}`"))
                        .in_file(file, at(&path!["demand", table, tier.as_str(), ks.as_str()]))
                        .label("not allowed here")
                        .help(format!("the keys allowed are: {}", KEY_STAGE_KEYS.join(", "))),
                );
            }
        }
    }
    if let (Some(Count::Value(la)), Some(Count::Value(school))) = (demand.la_arranged_ap, demand.school_arranged_ap) {
        let sum: Option<u64> = demand.by_tier_key_stage.values().flat_map(|r| r.values()).map(|c| c.value()).sum();
        if let Some(sum) = sum
            && !demand.by_tier_key_stage.is_empty()
            && sum != la + school
        {
            diags.push(
                Diagnostic::warning(
                    "breakdown-total",
                    format!("`demand.{table}` adds up to {sum}, but the AP placements (LA-arranged + school-arranged) are {}", la + school),
                )
                .in_file(file, at(&path!["demand", table]))
                .label("does not add up")
                .help("the cells split the AP placements; check the figures against the source"),
            );
        }
    }
}

/// `demand.by_tier_key_stage_need`: tier keys, then key stage keys, then need keys, each
/// unknown one an error with a did-you-mean. Needs overlap, so a cell's needs may add up to
/// more than the cell; but one need cannot outnumber the placements of its cell (or of its
/// need in `by_need`): a warning, like the other totals that do not agree (the rules still
/// compare the need's figure as given).
fn check_need_cells(
    demand: &Demand,
    file: &std::sync::Arc<SourceFile>,
    at: &dyn Fn(&[Seg]) -> Option<std::ops::Range<usize>>,
    diags: &mut Vec<Diagnostic>,
) {
    let table = "by_tier_key_stage_need";
    let unknown = |what: &str, key: &str, allowed: &[&str], path: &[Seg], example: &str| {
        let help = match crate::diagnostics::did_you_mean(key, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? The keys allowed are: {}{example}", allowed.join(", ")),
            None => format!("the keys allowed are: {}{example}", allowed.join(", ")),
        };
        Diagnostic::error("unknown-breakdown", format!("`{key}` is not {what} of `demand.{table}`"))
            .in_file(file, at(path))
            .label("not allowed here")
            .help(help)
    };
    let mut needs: Vec<&str> = crate::model::vocab::Need::KEYS.to_vec();
    needs.push(MEDICAL);
    for (tier, row) in &demand.by_tier_key_stage_need {
        if !TIER_KEYS.contains(&tier.as_str()) {
            let p = path!["demand", table, tier.as_str()];
            diags.push(unknown("a tier", tier, TIER_KEYS, &p, " (each holding key stages, then needs: `tier3.ks4 = { semh = 11 }`)"));
        }
        for (ks, cell) in row {
            if !KEY_STAGE_KEYS.contains(&ks.as_str()) {
                diags.push(unknown("a key stage", ks, KEY_STAGE_KEYS, &path!["demand", table, tier.as_str(), ks.as_str()], ""));
            }
            for need in cell.keys() {
                if demand_need_key(need).is_none() {
                    let p = path!["demand", table, tier.as_str(), ks.as_str(), need.as_str()];
                    diags.push(unknown("a need", need, &needs, &p, " (`medical` for either medical need)"));
                }
            }
        }
    }
    let help = "pupils with one need cannot outnumber the placements they are part of; check the figures against the source";
    // Per need, the sum of its cells (at most one entry per need of the vocabulary).
    let mut by_need: Vec<(&str, u64)> = Vec::new();
    for (t, k, need, count) in demand.need_cells() {
        let Count::Value(n) = count else { continue };
        match by_need.iter_mut().find(|(x, _)| *x == need) {
            Some((_, sum)) => *sum += n,
            None => by_need.push((need, n)),
        }
        let (tier, ks) = (TIER_KEYS[t], KEY_STAGE_KEYS[k]);
        if let Some(Count::Value(cell)) = demand.cell(t, k)
            && n > cell
        {
            diags.push(
                Diagnostic::warning(
                    "need-cell-total",
                    format!("`demand.{table}.{tier}.{ks}.{need}` is {n}, more than the {cell} placements of its cell (`demand.by_tier_key_stage.{tier}.{ks}`)"),
                )
                .in_file(file, at(&path!["demand", table, tier, ks, need]))
                .label("more than its cell")
                .help(help),
            );
        }
    }
    for (need, sum) in by_need {
        if let Some(Count::Value(all)) = demand.by_need.get(need)
            && sum > *all
        {
            diags.push(
                Diagnostic::warning(
                    "need-cell-total",
                    format!("the cells of `{need}` in `demand.{table}` add up to {sum}, more than `demand.by_need.{need}` ({all})"),
                )
                .in_file(file, at(&path!["demand", "by_need", need]))
                .label("fewer than its cells")
                .help(help),
            );
        }
    }
}
