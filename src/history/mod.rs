//! Commissioning over time (issue 20): supply per area × tier × key stage per period, kept
//! as committed snapshots (`history/<period>.toml`, written by `apdir snapshot`), and the same
//! gap rules run on each period. Why snapshots rather than the repository's git history, and
//! the file format, are in docs/history.md. Internal only: the public site shows the current
//! period and nothing from this folder.

pub mod change;
pub mod files;
pub mod pages;
pub mod snapshot;

use crate::analyse::{self, GapReport};
use crate::diagnostics::Diagnostics;
use crate::site::Site;
pub use snapshot::{AreaSupply, Snapshot};

/// The folder of snapshots, below the site folder.
pub const DIR: &str = "history";
/// At most this many periods are read (one file each).
pub const MAX_PERIODS: usize = 30;
/// At most this many areas in one snapshot.
pub const MAX_AREAS: usize = 2_000;
/// At most this many provider rows in one snapshot (all its areas together).
pub const MAX_PROVIDER_ROWS: usize = 200_000;

/// `2023/24` from `2023/24` or `2023-24` (the file name's form); `None` unless the second
/// year follows the first.
pub fn normalise_period(s: &str) -> Option<String> {
    let s = s.trim();
    let (a, b) = s.split_once(['/', '-'])?;
    let first: u32 = a.parse().ok().filter(|_| a.len() == 4)?;
    let second: u32 = b.parse().ok().filter(|_| b.len() == 2)?;
    ((first + 1) % 100 == second).then(|| format!("{first}/{b}"))
}

/// The file stem of a period (`2023-24`).
pub fn period_stem(period: &str) -> String {
    period.replace('/', "-")
}

/// The current period: the one most area files give (ties: the latest).
pub fn current_period(site: &Site) -> Option<String> {
    let mut periods: Vec<&str> = site.area_figures.iter().map(|f| f.period.as_str()).collect();
    periods.sort_unstable();
    let mut best: Option<(&str, usize)> = None;
    for p in periods.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, n)| p.len() >= n) {
            best = Some((p[0], p.len()));
        }
    }
    best.map(|(p, _)| p.to_string())
}

/// Every period of the history, oldest first: each snapshot's report, then the current
/// period's from the records (a snapshot of the current period gives way to the records).
pub struct Timeline {
    pub periods: Vec<PeriodReport>,
}

/// One period's gap report, and where its figures came from.
pub struct PeriodReport {
    pub period: String,
    /// True for the current period (worked out from today's records).
    pub current: bool,
    /// Areas whose demand is not the period's own (the snapshot recorded none): they use the
    /// current period's figures, and the pages say so.
    pub borrowed_demand: Vec<String>,
    pub report: GapReport,
}

impl Timeline {
    /// The timeline of `site` with its `current` report and checked `snapshots`.
    pub fn new(site: &Site, current: &GapReport, snapshots: &[Snapshot]) -> Timeline {
        let now = current_period(site).unwrap_or_default();
        let mut periods: Vec<PeriodReport> = snapshots.iter().filter(|s| s.period != now).map(|s| snapshot::report(site, s, current)).collect();
        periods.sort_by(|a, b| a.period.cmp(&b.period));
        periods.push(PeriodReport { period: now, current: true, borrowed_demand: Vec::new(), report: current.clone() });
        Timeline { periods }
    }

    /// The same periods for the further boundary layer `key`: those whose snapshot recorded it.
    pub fn layer(&self, key: &str) -> Timeline {
        let periods = self
            .periods
            .iter()
            .filter_map(|p| {
                let report = p.report.layers.iter().find(|l| l.layer.key == key)?.clone();
                Some(PeriodReport { period: p.period.clone(), current: p.current, borrowed_demand: p.borrowed_demand.clone(), report })
            })
            .collect();
        Timeline { periods }
    }
}

/// `apdir gaps --period P`: the gap report for period `P` — from its snapshot, or from the
/// records when `P` is the current period. Returns the report, the site and its warnings.
pub fn period_report(site: &Site, period: &str) -> Result<(PeriodReport, Diagnostics), crate::error::Error> {
    use crate::error::Error;
    let Some(period) = normalise_period(period) else {
        return Err(Error::Usage(format!("`{period}` is not a period; write it as an academic year, e.g. 2023/24 or 2023-24")));
    };
    let current = analyse::analyse(site, None);
    if current_period(site).as_deref() == Some(period.as_str()) {
        return Ok((PeriodReport { period, current: true, borrowed_demand: Vec::new(), report: current }, Diagnostics::default()));
    }
    let (snapshots, problems) = files::load(site);
    if problems.has_errors() {
        return Err(Error::Content(problems));
    }
    match snapshots.iter().find(|s| s.period == period) {
        Some(s) => Ok((snapshot::report(site, s, &current), problems)),
        None => Err(Error::Usage(format!(
            "there is no snapshot for {period} in {DIR}/ (periods recorded: {}); `apdir snapshot --period {period}` records one at the period's end",
            list_or_none(snapshots.iter().map(|s| s.period.as_str()))
        ))),
    }
}

fn list_or_none<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.collect();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}

/// `apdir gaps --period P`: a heading saying where the figures come from, and the report.
pub fn gaps_of_period(site: &Site, period: &str) -> Result<(String, GapReport), crate::error::Error> {
    let (p, _) = period_report(site, period)?;
    let mut head = if p.current {
        format!("Gaps in {} (the current period, from today's records).\n", p.period)
    } else {
        format!("Gaps in {} (from {DIR}/{}.toml).\n", p.period, period_stem(&p.period))
    };
    if !p.borrowed_demand.is_empty() {
        head.push_str(&format!(
            "The snapshot recorded no demand for {} in {}: its gaps are worked out against the current period's demand.\n",
            p.borrowed_demand.join(", "),
            p.period
        ));
    }
    Ok((head, p.report))
}
