//! Reading and checking the snapshots folder (`history/`) like records: every problem at
//! once, each at its file:line:col; and writing one snapshot (`apdir snapshot`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::snapshot::{AreaSupply, LayerSupply, ProviderShare, Snapshot};
use super::{DIR, MAX_AREAS, MAX_PERIODS, MAX_PROVIDER_ROWS, normalise_period, period_stem};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, display_path};
use crate::error::Error;
use crate::load::tomldoc::{Seg, TomlDoc, fields_of};
use crate::model::area::{Demand, Pupils};
use crate::path;
use crate::site::Site;

/// The `*.toml` files directly in `dir`, sorted, at most `cap` (more is an error). A missing
/// folder holds none.
pub fn toml_files(root: &Path, dir: &Path, cap: usize, what: &str) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "toml") && e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .take(cap + 1)
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let mut problems = Vec::new();
    if paths.len() > cap {
        problems.push(
            Diagnostic::error("too-many-files", format!("{} holds more than {cap} {what} files", display_path(root, dir)))
                .help(format!("keep at most {cap}; move older ones out of the folder")),
        );
        paths.truncate(cap);
    }
    (paths, problems)
}

/// Reads `path` as a TOML document of `T`, reporting problems into `out`.
pub fn read_doc<T: serde::de::DeserializeOwned>(
    root: &Path,
    path: &Path,
    known: &dyn Fn(&[Seg]) -> Option<&'static [&'static str]>,
    out: &mut Vec<Diagnostic>,
) -> Option<(TomlDoc, Arc<SourceFile>, T)> {
    let name = display_path(root, path);
    let text = match crate::load::read_text(path, &name) {
        Ok(t) => t,
        Err(d) => {
            out.push(d);
            return None;
        }
    };
    let file = SourceFile::new(name, path, text);
    match TomlDoc::load::<T>(&file, &file.text, 0, known, out) {
        Ok((doc, Some(v))) => Some((doc, file, v)),
        Ok((_, None)) => None,
        Err(d) => {
            out.push(d);
            None
        }
    }
}

fn known_fields(p: &[Seg]) -> Option<&'static [&'static str]> {
    match p {
        [] => Some(fields_of::<Snapshot>()),
        [l, Seg::Index(_)] if l.as_key() == Some("layer") => Some(fields_of::<LayerSupply>()),
        [l, Seg::Index(_), rest @ ..] if l.as_key() == Some("layer") => area_fields(rest),
        rest => area_fields(rest),
    }
}

/// The fields below `[[area]]` (of the main layer or of a `[[layer]]`).
fn area_fields(p: &[Seg]) -> Option<&'static [&'static str]> {
    match p {
        [a, Seg::Index(_)] if a.as_key() == Some("area") => Some(fields_of::<AreaSupply>()),
        [a, Seg::Index(_), b] if a.as_key() == Some("area") => match b.as_key()? {
            "pupils" => Some(fields_of::<Pupils>()),
            "demand" => Some(fields_of::<Demand>()),
            _ => None,
        },
        [a, Seg::Index(_), b, Seg::Index(_)] if a.as_key() == Some("area") && b.as_key() == Some("provider") => Some(fields_of::<ProviderShare>()),
        _ => None,
    }
}

/// Every snapshot of `site`, checked, oldest first; the problems (any error: use none of them).
pub fn load(site: &Site) -> (Vec<Snapshot>, Diagnostics) {
    let dir = site.root.join(DIR);
    let (paths, mut problems) = toml_files(&site.root, &dir, MAX_PERIODS, "snapshot");
    let mut out: Vec<Snapshot> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in &paths {
        let Some((doc, file, s)) = read_doc::<Snapshot>(&site.root, path, &known_fields, &mut problems) else { continue };
        let before = problems.len();
        check(site, path, &doc, &file, &s, &mut problems);
        if let Some(other) = seen.insert(s.period.clone(), file.name.clone()) {
            problems.push(error(
                &file,
                doc.span(&path!["period"]),
                "duplicate-period",
                format!("{other} already holds period {}", s.period),
                "keep one",
            ));
        }
        if problems.len() == before {
            out.push(s);
        }
    }
    out.sort_by(|a, b| a.period.cmp(&b.period));
    (out, Diagnostics { items: problems })
}

fn error(file: &Arc<SourceFile>, span: Option<std::ops::Range<usize>>, code: &'static str, msg: String, help: &str) -> Diagnostic {
    Diagnostic::error(code, msg).in_file(file, span).label("here").help(help.to_string())
}

/// The checks serde cannot make: the period and file name, the sizes, the area codes, and
/// that every figure is a number that can be and adds up to its providers' shares.
fn check(site: &Site, path: &Path, doc: &TomlDoc, file: &Arc<SourceFile>, s: &Snapshot, out: &mut Vec<Diagnostic>) {
    let stem = path.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
    if normalise_period(&s.period).as_deref() != Some(s.period.as_str()) {
        out.push(error(
            file,
            doc.span(&path!["period"]),
            "bad-period",
            format!("`{}` is not a period", s.period),
            "write an academic year as 2023/24",
        ));
    } else if stem != period_stem(&s.period) {
        let help = format!("rename the file to `{}.toml`", period_stem(&s.period));
        out.push(error(
            file,
            doc.span(&path!["period"]),
            "snapshot-file-name",
            format!("the file is named `{stem}.toml` but holds {}", s.period),
            &help,
        ));
    }
    let every_area = || s.areas.iter().chain(s.layers.iter().flat_map(|l| &l.areas));
    if every_area().count() > MAX_AREAS {
        out.push(error(
            file,
            doc.span(&path!["area"]),
            "too-many-areas",
            format!("{} areas in all layers (at most {MAX_AREAS})", every_area().count()),
            "split the boundaries",
        ));
        return;
    }
    let rows: usize = every_area().map(|a| a.providers.len()).sum();
    if rows > MAX_PROVIDER_ROWS {
        out.push(error(file, None, "too-many-rows", format!("{rows} provider rows (at most {MAX_PROVIDER_ROWS})"), "take the snapshot again"));
        return;
    }
    let at = Place { doc, file, prefix: Vec::new() };
    for (i, a) in s.areas.iter().enumerate() {
        check_area(&at, &site.areas, i, a, out);
    }
    for (li, l) in s.layers.iter().enumerate() {
        let Some(layer) = known_layer(site, doc, file, s, li, out) else { continue };
        let at = Place { doc, file, prefix: path!["layer", li].to_vec() };
        for (i, a) in l.areas.iter().enumerate() {
            check_area(&at, &layer.areas, i, a, out);
        }
    }
}

/// The `[[area_layers]]` entry `[[layer]]` number `li` records, or an error at its key (also
/// when an earlier `[[layer]]` has the same key).
fn known_layer<'a>(
    site: &'a Site,
    doc: &TomlDoc,
    file: &Arc<SourceFile>,
    s: &Snapshot,
    li: usize,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a crate::load::areas::AreaLayer> {
    let key = &s.layers[li].key;
    let span = doc.span(&path!["layer", li, "key"]);
    if s.layers[..li].iter().any(|l| &l.key == key) {
        out.push(error(file, span, "duplicate-layer", format!("layer `{key}` is recorded twice"), "keep one"));
        return None;
    }
    let found = site.area_layers.iter().find(|l| &l.key == key);
    if found.is_none() {
        let help = match crate::diagnostics::did_you_mean(key, site.area_layers.iter().map(|l| l.key.as_str())) {
            Some(s) => format!("did you mean `{s}`? The key must be one of the `[[area_layers]]` in apdir.toml"),
            None => "the key must be one of the `[[area_layers]]` in apdir.toml".into(),
        };
        out.push(error(file, span, "unknown-layer", format!("layer `{key}` is not in apdir.toml"), &help));
    }
    found
}

/// Where one layer's `[[area]]` tables are in a snapshot.
struct Place<'a> {
    doc: &'a TomlDoc,
    file: &'a Arc<SourceFile>,
    /// `[]` for the main layer, `["layer", n]` for a further one.
    prefix: Vec<Seg>,
}

impl Place<'_> {
    /// The span of `rest` below the layer.
    fn span(&self, rest: &[Seg]) -> Option<std::ops::Range<usize>> {
        self.doc.span(&[self.prefix.as_slice(), rest].concat())
    }
}

fn check_area(at: &Place, areas: &[crate::geo::Area], i: usize, a: &AreaSupply, out: &mut Vec<Diagnostic>) {
    let file = at.file;
    if !areas.iter().any(|b| b.code == a.code) {
        let help = match crate::diagnostics::did_you_mean(&a.code, areas.iter().map(|b| b.code.as_str())) {
            Some(s) => format!("did you mean `{s}`? The code must be in the boundary file"),
            None => "the code must be one of the `code` properties in the boundary file".into(),
        };
        out.push(error(file, at.span(&path!["area", i, "code"]), "unknown-area", format!("area `{}` is not in the boundary file", a.code), &help));
    }
    let numbers = [a.places]
        .into_iter()
        .chain(a.places_tier)
        .chain(a.places_ks)
        .chain(a.places_offered.into_iter().flatten())
        .chain(a.places_cell.into_iter().flatten());
    if numbers.chain(a.providers.iter().map(|p| p.share)).chain(a.places_for_need.values().copied()).any(|v| !v.is_finite() || v < 0.0) {
        out.push(error(
            file,
            at.span(&path!["area", i]),
            "bad-number",
            format!("{}: a figure is negative or not a number", a.name),
            "places are 0 or more",
        ));
    }
    if a.access.iter().flatten().any(|v| !(0.0..=1.0).contains(v)) {
        out.push(error(
            file,
            at.span(&path!["area", i, "access"]),
            "bad-share",
            format!("{}: an access share is outside 0 to 1", a.name),
            "a share is 0 to 1",
        ));
    }
    for key in a.places_for_need.keys().filter(|k| crate::analyse::cells::parse_need_cell_key(k).is_none()) {
        out.push(error(
            file,
            at.span(&path!["area", i, "places_for_need", key.as_str()]),
            "unknown-need-cell",
            format!("{}: `{key}` is not a need cell", a.name),
            "write tier1 to tier3, ks1 to ks4 and a need of the vocabulary (or `medical`), as `tier3_ks4_semh`",
        ));
    }
    let shares: f64 = a.providers.iter().map(|p| p.share).sum();
    if (shares - a.places).abs() > 0.05 * (1 + a.providers.len()) as f64 {
        let msg = format!("{}: the providers' shares add up to {shares:.1}, not the area's {:.1} places", a.name, a.places);
        out.push(error(
            file,
            at.span(&path!["area", i, "places"]),
            "shares-do-not-add-up",
            msg,
            "every place must trace back to a provider: take the snapshot again",
        ));
    }
}

/// `apdir snapshot --period P`: writes `history/<P>.toml` from today's records. Refuses to
/// replace a snapshot unless `force`. Returns the file written.
pub fn write(site: &Site, period: &str, force: bool) -> Result<PathBuf, Error> {
    let period = normalise_period(period).ok_or_else(|| Error::Usage(format!("`{period}` is not a period; write it as 2023/24 or 2023-24")))?;
    let path = site.root.join(DIR).join(format!("{}.toml", period_stem(&period)));
    if path.exists() && !force {
        return Err(Error::Usage(format!("{} already exists; add --force to replace it", display_path(&site.root, &path))));
    }
    let report = crate::analyse::analyse(site, None);
    let snapshot = super::snapshot::take(site, &report, &period);
    let body = toml::to_string(&snapshot).map_err(|e| Error::Usage(format!("could not write the snapshot: {e}")))?;
    let head = format!(
        "# Supply per area, tier and key stage at the end of {period}, with the providers it traces to.\n# Written by `apdir snapshot --period {period}` on {}; see docs/history.md.\n\n",
        site.today
    );
    std::fs::create_dir_all(site.root.join(DIR)).map_err(|e| Error::Usage(format!("could not create {DIR}/: {e}")))?;
    crate::output::write_atomically(&path, &[head.as_bytes(), body.as_bytes()])?;
    Ok(path)
}
