//! The gap report as text: CSV (`/data/gaps.csv`, `apdir gaps --format csv`), JSON and a
//! terminal table. Every format reads the published figures, so suppression applies.

use crate::model::spreadsheet::safe_cell;
use serde_json::json;

use super::{GapReport, KEY_STAGES, PublishedReport, TIERS, fmt_num, fmt_rate};

/// Narrows the report to one tier and/or key stage (`apdir gaps --tier 2 --key-stage KS3`),
/// on one boundary layer (`--layer wards`).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub tier: Option<i64>,
    pub key_stage: Option<String>,
    /// The boundary layer's key (an `[[area_layers]]` key, or [`MAIN_LAYER`]); the main
    /// layer when `None`.
    pub layer: Option<String>,
}

/// What `--layer` calls the main boundary layer (`boundaries` in apdir.toml), which has no
/// key of its own. A further layer keyed `main` wins over it.
pub const MAIN_LAYER: &str = "main";

/// The key `--layer` takes for a layer's report.
pub fn layer_key(r: &GapReport) -> &str {
    if r.layer.key.is_empty() { MAIN_LAYER } else { &r.layer.key }
}

impl Selection {
    fn tier_index(&self) -> Option<usize> {
        self.tier.and_then(|t| TIERS.iter().position(|&x| x == t))
    }
    fn ks_index(&self) -> Option<usize> {
        self.key_stage.as_ref().and_then(|k| KEY_STAGES.iter().position(|x| x.eq_ignore_ascii_case(k)))
    }
    /// Checks the selection names a known tier and key stage.
    pub fn check(&self) -> Result<(), String> {
        if let Some(t) = self.tier
            && self.tier_index().is_none()
        {
            return Err(format!("there is no tier {t}; the tiers are 1, 2 and 3"));
        }
        if let Some(k) = &self.key_stage
            && self.ks_index().is_none()
        {
            return Err(format!("`{k}` is not a key stage the gap report covers; use KS1, KS2, KS3 or KS4"));
        }
        Ok(())
    }
    /// The report of the layer the selection names, out of the whole report (the main
    /// layer's, holding the others); an unknown key is an error listing the keys.
    pub fn pick<'r>(&self, report: &'r GapReport) -> Result<&'r GapReport, String> {
        let Some(key) = self.layer.as_deref() else { return Ok(report) };
        if let Some(r) = report.layers.iter().find(|r| r.layer.key == key) {
            return Ok(r);
        }
        if key == MAIN_LAYER {
            return Ok(report);
        }
        let keys: Vec<String> = report.all_layers().map(|r| format!("{} ({})", layer_key(r), r.layer.name)).collect();
        let only_main = if report.layers.is_empty() { "; this report has the main layer only" } else { "" };
        Err(format!("there is no boundary layer `{key}`{only_main}: use --layer with one of {} (the first is the default)", keys.join(", ")))
    }
    /// Places and access for the selection in area `i`.
    fn places_and_access(&self, raw: &GapReport, i: usize) -> (f64, Option<f64>) {
        let a = &raw.areas[i];
        match (self.tier_index(), self.ks_index()) {
            (Some(t), Some(k)) => (a.places_tier_ks[t][k], a.access[t][k]),
            (Some(t), None) => (a.places_tier[t], a.access_to_tier(t)),
            (None, Some(k)) => {
                let acc: Vec<f64> = (0..3).filter_map(|t| a.access[t][k]).collect();
                (a.places_ks[k], acc.into_iter().reduce(f64::max))
            }
            (None, None) => (a.places, None),
        }
    }
    fn keeps(&self, g: &super::PublishedGap) -> bool {
        let t_ok = self.tier.is_none() || g.tier.is_none() || g.tier == self.tier;
        let k_ok = self.key_stage.as_ref().is_none_or(|k| g.key_stage.is_none_or(|x| x.eq_ignore_ascii_case(k)));
        t_ok && k_ok
    }
    fn label(&self) -> String {
        match (self.tier, &self.key_stage) {
            (Some(t), Some(k)) => format!("tier {t}, {}", k.to_uppercase()),
            (Some(t), None) => format!("tier {t}"),
            (None, Some(k)) => k.to_uppercase(),
            (None, None) => String::new(),
        }
    }
    fn is_all(&self) -> bool {
        self.tier.is_none() && self.key_stage.is_none()
    }
}

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_default()
}
fn pct(v: f64) -> String {
    format!("{:.0}", v * 100.0)
}
fn rate_or_c(v: Option<f64>, hidden: bool) -> String {
    match v {
        Some(v) => fmt_rate(v),
        None if hidden => "c".into(),
        None => String::new(),
    }
}

/// One row per area: the measures, the counts (after suppression), then the gaps in words.
pub fn csv(raw: &GapReport, public: &PublishedReport, sel: &Selection) -> String {
    let mut header: Vec<String> = [
        "area_code",
        "area_name",
        "period",
        "pupils_5_16",
        "places",
        "places_per_1000",
        "places_per_1000_target",
        "demand_per_1000",
        "places_to_demand",
        "max_travel_miles",
        "access_tier1_pct",
        "access_tier2_pct",
        "access_tier3_pct",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !sel.is_all() {
        header.push("selection".into());
        header.push("selection_places".into());
        header.push("selection_access_pct".into());
    }
    header.extend(public.count_keys.iter().map(|(k, _)| k.clone()));
    header.push("gaps".into());
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let _ = out.write_record(&header);
    for (i, a) in public.areas.iter().enumerate() {
        // Names come from the boundary file: text a spreadsheet could run is neutralised.
        let mut row = vec![
            safe_cell(&a.code).into_owned(),
            safe_cell(&a.name).into_owned(),
            a.period.clone(),
            a.pupils.map(|p| p.to_string()).unwrap_or_default(),
            format!("{:.1}", a.places),
            opt(a.places_per_1000, fmt_rate),
            fmt_rate(a.places_per_1000_target),
            rate_or_c(a.demand_per_1000, a.demand_hidden),
            if a.demand_hidden { "c".into() } else { opt(a.places_to_demand, |v| format!("{v:.2}")) },
            fmt_num(a.max_travel_miles),
        ];
        row.extend(a.access_tier.iter().map(|x| opt(*x, pct)));
        if !sel.is_all() {
            let (p, acc) = sel.places_and_access(raw, i);
            row.push(safe_cell(&sel.label()).into_owned());
            row.push(format!("{p:.1}"));
            row.push(opt(acc, pct));
        }
        row.extend(a.counts.iter().map(|c| match c {
            super::Shown::Missing => String::new(),
            c => c.text(),
        }));
        let gaps: Vec<&str> = a.gaps.iter().filter(|g| sel.keeps(g)).map(|g| g.text.as_str()).collect();
        row.push(safe_cell(&gaps.join("; ")).into_owned());
        // Writing to memory cannot fail.
        let _ = out.write_record(&row);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn json(raw: &GapReport, public: &PublishedReport, sel: &Selection) -> serde_json::Value {
    let areas: Vec<serde_json::Value> = public
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let counts: serde_json::Map<String, serde_json::Value> = public
                .count_keys
                .iter()
                .zip(&a.counts)
                .map(|((k, _), c)| (k.clone(), serde_json::to_value(c).unwrap_or_default()))
                .collect();
            let (p, acc) = sel.places_and_access(raw, i);
            json!({
                "code": a.code, "name": a.name, "period": a.period, "pupils_5_16": a.pupils,
                "places": round1(a.places), "places_per_1000": a.places_per_1000.map(round1),
                "places_per_1000_target": a.places_per_1000_target,
                "demand_per_1000": if a.demand_hidden { json!("c") } else { json!(a.demand_per_1000.map(round1)) },
                "places_to_demand": if a.demand_hidden { json!("c") } else { json!(a.places_to_demand.map(|v| (v * 100.0).round() / 100.0)) },
                "max_travel_miles": a.max_travel_miles,
                "access_by_tier": a.access_tier.iter().map(|x| x.map(|v| (v * 1000.0).round() / 1000.0)).collect::<Vec<_>>(),
                "selection": if sel.is_all() { serde_json::Value::Null } else { json!({"label": sel.label(), "places": round1(p), "access": acc.map(|v| (v * 1000.0).round() / 1000.0)}) },
                "counts": counts,
                "gaps": a.gaps.iter().filter(|g| sel.keeps(g)).map(gap_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "layer": {"key": layer_key(raw), "name": raw.layer.name},
        "suppressed": public.suppressed,
        "suppression_threshold": public.threshold,
        "areas": areas,
    })
}

/// A gap in JSON: its rule, tier, key stage and text, and its need when it is about one.
fn gap_json(g: &super::PublishedGap) -> serde_json::Value {
    let mut v = json!({"rule": g.rule, "tier": g.tier, "key_stage": g.key_stage, "text": g.text});
    if let Some(n) = g.need {
        v["need"] = json!(n);
    }
    v
}

/// For a site with several boundary layers, the line above the table saying which one it
/// shows and how to choose another; empty with one layer.
pub fn layer_heading(report: &GapReport, shown: &GapReport) -> String {
    if report.layers.is_empty() {
        return String::new();
    }
    let others: Vec<String> = report.all_layers().filter(|r| !std::ptr::eq(*r, shown)).map(|r| format!("--layer {}", layer_key(r))).collect();
    format!("Boundary layer: {} ({}); the others: {}.\n", shown.layer.name, layer_key(shown), others.join(", "))
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A fixed-width table for the terminal, then the gaps in words.
pub fn table(raw: &GapReport, public: &PublishedReport, sel: &Selection) -> String {
    let mut rows: Vec<Vec<String>> = vec![vec![
        "Area".into(),
        "Pupils".into(),
        "Places".into(),
        "Per 1,000".into(),
        "Target".into(),
        "Demand per 1,000".into(),
        "Places to demand".into(),
        if sel.is_all() { "Access T1/T2/T3 %".into() } else { format!("{}: places, access %", sel.label()) },
    ]];
    for (i, a) in public.areas.iter().enumerate() {
        let access = if sel.is_all() {
            a.access_tier.iter().map(|x| x.map_or("–".into(), pct)).collect::<Vec<_>>().join("/")
        } else {
            let (p, acc) = sel.places_and_access(raw, i);
            format!("{p:.1}, {}", opt(acc, pct))
        };
        rows.push(vec![
            a.name.clone(),
            a.pupils.map(|p| p.to_string()).unwrap_or_default(),
            format!("{:.1}", a.places),
            opt(a.places_per_1000, fmt_rate),
            fmt_rate(a.places_per_1000_target),
            rate_or_c(a.demand_per_1000, a.demand_hidden),
            if a.demand_hidden { "c".into() } else { opt(a.places_to_demand, |v| format!("{v:.2}")) },
            access,
        ]);
    }
    // An empty cell is printed as a dash, so a row without figures keeps its columns.
    for r in rows.iter_mut().skip(1) {
        for cell in r.iter_mut().skip(1) {
            if cell.is_empty() || cell.chars().all(|c| c == '/') {
                *cell = "–".into();
            }
        }
    }
    let widths: Vec<usize> = (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        let line: Vec<String> =
            r.iter().enumerate().map(|(c, s)| if c == 0 { format!("{s:<w$}", w = widths[c]) } else { format!("{s:>w$}", w = widths[c]) }).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
            out.push('\n');
        }
    }
    let gaps: Vec<&str> = public.areas.iter().flat_map(|a| a.gaps.iter()).filter(|g| sel.keeps(g)).map(|g| g.text.as_str()).collect();
    if gaps.is_empty() {
        out.push_str("\nNo gaps found: no gap rule fired (see docs/areas.md for the rules).\n");
    } else {
        out.push_str(&format!("\nGaps ({}):\n", gaps.len()));
    }
    for g in gaps {
        out.push_str(&format!("- {g}\n"));
    }
    if public.suppressed {
        out.push_str(&format!(
            "\nCounts from 1 to {} are shown as c (with secondary suppression); use --raw for the internal figures.\n",
            public.threshold
        ));
    }
    out
}
