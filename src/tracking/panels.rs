//! Panel figures per term: how many cases the permanent exclusion (PEX) and Section 19 medical
//! panels heard, how many had provision in time (`panels.csv`), and the PEX panel's decisions by
//! tier and kind of provision (`decisions.csv`).

use std::path::Path;

use serde::Serialize;

use super::schools::{Term, term_cell};
use super::table;
use crate::diagnostics::Diagnostics;

pub const PANEL_COLUMNS: &[&str] = &["term", "panel", "cases", "provided_in_time", "provided_later", "awaiting", "median_days"];
pub const DECISION_COLUMNS: &[&str] = &["term", "tier", "provision", "decisions"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Panel {
    /// The permanent exclusion panel: provision from the sixth school day.
    Pex,
    /// The Section 19 medical panel.
    S19,
}

/// One panel's cases in one term.
#[derive(Clone, Debug, Serialize)]
pub struct PanelTerm {
    pub term: Term,
    pub panel: Panel,
    pub cases: u64,
    pub provided_in_time: u64,
    pub provided_later: u64,
    pub awaiting: u64,
    /// School days from exclusion (or referral) to provision, the median over cases provided.
    pub median_days: Option<u64>,
}

impl PanelTerm {
    /// Share of the term's cases with provision in time, as a whole percentage.
    pub fn share_in_time(&self) -> Option<u64> {
        (self.cases > 0).then(|| (self.provided_in_time * 100 + self.cases / 2) / self.cases)
    }
}

/// One line of decisions: in a term, this many cases went to this tier and kind of provision.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    pub term: Term,
    pub tier: String,
    pub provision: String,
    pub decisions: u64,
}

pub fn load_panels(path: &Path, name: &str, d: &mut Diagnostics) -> Option<Vec<PanelTerm>> {
    let t = table::read(path, name, PANEL_COLUMNS, d)?;
    let mut out = Vec::new();
    for row in &t.rows {
        let term = term_cell(&t, row, 0, d);
        let (p, span) = t.cell(row, 1);
        let panel = match p.to_ascii_lowercase().as_str() {
            "pex" => Some(Panel::Pex),
            "s19" => Some(Panel::S19),
            _ => {
                d.push(t.error(
                    span.clone(),
                    format!("`panel` must be `pex` or `s19`, not `{p}`"),
                    "pex: permanent exclusion panel; s19: Section 19 medical panel",
                ));
                None
            }
        };
        let n: Vec<Option<u64>> = (2..6).map(|c| t.count(row, c, PANEL_COLUMNS[c], d)).collect();
        let (m, mspan) = t.cell(row, 6);
        let median_days = if m.is_empty() {
            Some(None)
        } else {
            m.parse::<u64>().ok().map(Some).or_else(|| {
                d.push(t.error(
                    mspan,
                    format!("`median_days` must be a whole number of school days, not `{m}`"),
                    "leave it blank when no case has had provision yet",
                ));
                None
            })
        };
        let (Some(term), Some(panel), [Some(cases), Some(in_time), Some(later), Some(awaiting)], Some(median_days)) =
            (term, panel, n.as_slice(), median_days)
        else {
            continue;
        };
        if in_time + later + awaiting != *cases {
            d.push(t.error(
                t.cell(row, 2).1,
                format!("{cases} cases, but {in_time} + {later} + {awaiting} = {} in time, later and awaiting", in_time + later + awaiting),
                "every case is provided in time, provided later or awaiting provision",
            ));
            continue;
        }
        out.push(PanelTerm { term, panel, cases: *cases, provided_in_time: *in_time, provided_later: *later, awaiting: *awaiting, median_days });
    }
    out.sort_by_key(|p| (p.panel, p.term));
    Some(out)
}

pub fn load_decisions(path: &Path, name: &str, d: &mut Diagnostics) -> Option<Vec<Decision>> {
    let t = table::read(path, name, DECISION_COLUMNS, d)?;
    let mut out = Vec::new();
    for row in &t.rows {
        let term = term_cell(&t, row, 0, d);
        let tier = t.cell(row, 1).0.to_string();
        let provision = t.cell(row, 2).0.to_string();
        if tier.is_empty() || provision.is_empty() {
            d.push(t.error(row.start..row.start, "the row has no tier or no provision", "name the tier (e.g. `Tier 2`) and the kind of provision"));
            continue;
        }
        let (Some(term), Some(decisions)) = (term, t.count(row, 3, "decisions", d)) else { continue };
        out.push(Decision { term, tier, provision, decisions });
    }
    out.sort_by(|a, b| (a.term, &a.tier, &a.provision).cmp(&(b.term, &b.tier, &b.provision)));
    Some(out)
}
