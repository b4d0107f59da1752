//! What differs between a provider record and the extract's row for its URN.

use crate::model::date::Date;
use crate::model::provider::{Inspection, Provider};
use crate::model::vocab::{InspectionFramework, MetOrNotMet};

use super::extract::{Inspected, Outcome, Row};

/// One difference, as printed.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The extract has an inspection after the record's (or the record has none).
    NewerInspection {
        extract: Date,
        record: Option<Date>,
    },
    /// The same inspection, recorded with another grade or report card.
    DifferentOutcome {
        extract: String,
        record: String,
    },
    /// The extract's inspection has no overall grade, which the record format cannot hold.
    Ungraded {
        extract: Date,
    },
    /// The record's inspection is later than the extract's: nothing to do.
    RecordIsNewer {
        extract: Date,
        record: Date,
    },
    /// GIAS shows the establishment as closed (or about to close).
    Status {
        status: String,
        close_date: Option<Date>,
        reason: Option<String>,
    },
    Successor {
        urn: String,
    },
    Name {
        extract: String,
        record: String,
    },
    Postcode {
        extract: String,
        record: String,
    },
}

impl Change {
    /// Whether `--write` would update the `[inspection]` table for it.
    pub fn rewrites(&self) -> bool {
        matches!(self, Change::NewerInspection { .. } | Change::DifferentOutcome { .. })
    }

    pub fn describe(&self) -> String {
        let date = |d: &Option<Date>| d.map(|d| d.iso()).unwrap_or_else(|| "none".into());
        match self {
            Change::NewerInspection { extract, record } => {
                format!("newer inspection: {} in the extract, {} in the record", extract.iso(), date(record))
            }
            Change::DifferentOutcome { extract, record } => format!("different outcome for the same inspection: extract {extract}; record {record}"),
            Change::Ungraded { extract } => {
                format!(
                    "inspection of {} has no overall grade in the extract (graded inspections from September 2024 have none); update the record by hand",
                    extract.iso()
                )
            }
            Change::RecordIsNewer { extract, record } => {
                format!("the record's inspection ({}) is later than the extract's ({}): the extract may be old", record.iso(), extract.iso())
            }
            Change::Status { status, close_date, reason } => {
                let mut s = format!("GIAS status: {status}");
                if let Some(d) = close_date {
                    s.push_str(&format!(", closing date {}", d.iso()));
                }
                if let Some(r) = reason {
                    s.push_str(&format!(" ({r})"));
                }
                s
            }
            Change::Successor { urn } => format!("GIAS links a successor establishment: URN {urn}"),
            Change::Name { extract, record } => format!("name: \"{extract}\" in the extract, \"{record}\" in the record"),
            Change::Postcode { extract, record } => format!("postcode: {extract} in the extract, {record} in the record"),
        }
    }
}

/// Every difference between `p` and its row.
pub fn changes(p: &Provider, row: &Row) -> Vec<Change> {
    let mut out = Vec::new();
    if let Some(status) = &row.status
        && !status.eq_ignore_ascii_case("open")
    {
        out.push(Change::Status { status: status.clone(), close_date: row.close_date, reason: row.close_reason.clone() });
    }
    if let Some(urn) = &row.successor {
        out.push(Change::Successor { urn: urn.clone() });
    }
    if let Some(name) = &row.name
        && !same_words(name, &p.name)
    {
        out.push(Change::Name { extract: name.clone(), record: p.name.clone() });
    }
    if let Some(pc) = &row.postcode {
        let theirs = crate::geo::normalise_postcode(pc).unwrap_or_else(|| pc.clone());
        let ours: Vec<String> =
            p.locations.iter().map(|l| crate::geo::normalise_postcode(&l.postcode).unwrap_or_else(|| l.postcode.clone())).collect();
        if !ours.is_empty() && !ours.contains(&theirs) {
            out.push(Change::Postcode { extract: theirs, record: ours.join(", ") });
        }
    }
    if let Some(found) = &row.inspection {
        out.extend(inspection_change(&p.inspection, found));
    }
    out
}

fn same_words(a: &str, b: &str) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    words(a) == words(b)
}

fn inspection_change(record: &Inspection, found: &Inspected) -> Option<Change> {
    let ungraded = matches!(found.outcome, Outcome::Legacy(None));
    match record.last_inspection {
        Some(r) if r > found.start => Some(Change::RecordIsNewer { extract: found.start, record: r }),
        Some(r) if r == found.start => {
            let (theirs, ours) = (outcome_text(&found.outcome), record_text(record));
            match (theirs == ours, ungraded) {
                (true, _) => None,
                (false, true) => Some(Change::Ungraded { extract: found.start }),
                (false, false) => Some(Change::DifferentOutcome { extract: theirs, record: ours }),
            }
        }
        _ if ungraded => Some(Change::Ungraded { extract: found.start }),
        r => Some(Change::NewerInspection { extract: found.start, record: r }),
    }
}

/// An outcome in words, for printing and comparing.
pub fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Legacy(Some(g)) => format!("overall effectiveness {}", g.label()),
        Outcome::Legacy(None) => "no overall grade".into(),
        Outcome::ReportCard { safeguarding, grades } => card_text(safeguarding.as_ref(), grades.iter().map(|(k, g)| (k.as_str(), g.label()))),
    }
}

fn record_text(i: &Inspection) -> String {
    match i.framework {
        InspectionFramework::EifLegacy => match &i.legacy_overall {
            Some(g) => format!("overall effectiveness {}", g.label()),
            None => "no overall grade".into(),
        },
        InspectionFramework::ReportCard2025 => card_text(i.safeguarding.as_ref(), i.grades.iter().map(|(k, g)| (k.as_str(), g.label()))),
        _ => "no inspection".into(),
    }
}

fn card_text<'a>(safeguarding: Option<&MetOrNotMet>, grades: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = format!("report card: safeguarding {}", safeguarding.map(|m| m.label()).unwrap_or("not given"));
    for (k, g) in grades {
        s.push_str(&format!(", {k} {g}"));
    }
    s
}
