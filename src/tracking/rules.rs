//! The early-warning rules: the one place that decides which schools the AP lead should call
//! first. Every threshold comes from `[tracking]` in apdir.toml ([`crate::config::Tracking`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::schools::{SchoolTerm, Term, district_totals, rate};
use crate::config::Tracking;

/// One reason a school is listed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// A stable key: `rising`, `above-district`, `repeat`, `ehe-rise`, `leavers-rise`.
    pub rule: &'static str,
    /// What was seen, in words, with the numbers.
    pub text: String,
}

/// A listed school: its latest term and why.
#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    pub urn: String,
    pub school: String,
    pub district: String,
    pub term: String,
    pub reasons: Vec<Reason>,
}

/// The rules in words, with their thresholds, for the pages and docs.
pub fn describe(t: &Tracking) -> Vec<(&'static str, String)> {
    vec![
        (
            "rising",
            format!("Suspensions up {}% or more on the previous term, with at least {} this term.", t.suspension_rise_percent, t.min_suspensions),
        ),
        (
            "above-district",
            format!(
                "A suspension rate {} times the district's or more in the same term (at least {} suspensions).",
                t.rate_above_district, t.min_suspensions
            ),
        ),
        (
            "repeat",
            format!(
                "{} or more suspensions per suspended pupil (at least {} suspensions): the same pupils suspended again.",
                t.repeat_ratio, t.min_suspensions
            ),
        ),
        ("ehe-rise", format!("Moves to elective home education up by {} or more on the previous term.", t.leavers_rise)),
        ("leavers-rise", format!("Other unexplained leavers up by {} or more on the previous term.", t.leavers_rise)),
    ]
}

/// The reasons to list `now`, given the school's previous term (if it is the term before) and
/// its district's (suspensions, roll) in the same term.
pub fn reasons(t: &Tracking, prev: Option<&SchoolTerm>, now: &SchoolTerm, district: (u64, u64)) -> Vec<Reason> {
    let mut out = Vec::new();
    let enough = now.suspensions >= t.min_suspensions;
    if let Some(p) = prev
        && enough
        && now.suspensions * 100 >= p.suspensions * (100 + t.suspension_rise_percent)
        && now.suspensions > p.suspensions
    {
        out.push(Reason { rule: "rising", text: format!("Suspensions rose from {} to {} on the previous term.", p.suspensions, now.suspensions) });
    }
    if let (Some(school), Some(dist)) = (rate(now.suspensions, now.pupils_on_roll), rate(district.0, district.1))
        && enough
        && dist > 0.0
        && school >= dist * t.rate_above_district
    {
        out.push(Reason {
            rule: "above-district",
            text: format!("{school:.1} suspensions per 100 pupils against {dist:.1} across {} ({:.1} times).", now.district, school / dist),
        });
    }
    if enough && now.pupils_suspended > 0 && now.suspensions as f64 >= now.pupils_suspended as f64 * t.repeat_ratio {
        out.push(Reason {
            rule: "repeat",
            text: format!(
                "{} suspensions of {} pupils ({:.1} each).",
                now.suspensions,
                now.pupils_suspended,
                now.suspensions as f64 / now.pupils_suspended as f64
            ),
        });
    }
    if let Some(p) = prev {
        if now.ehe_moves >= p.ehe_moves + t.leavers_rise {
            out.push(Reason { rule: "ehe-rise", text: format!("Moves to home education rose from {} to {}.", p.ehe_moves, now.ehe_moves) });
        }
        if now.unexplained_leavers >= p.unexplained_leavers + t.leavers_rise {
            out.push(Reason {
                rule: "leavers-rise",
                text: format!("Other unexplained leavers rose from {} to {}.", p.unexplained_leavers, now.unexplained_leavers),
            });
        }
    }
    out
}

/// The term before `t` (Autumn's is the previous year's Summer).
pub fn previous(t: Term) -> Term {
    if t.part == 0 { Term { year: t.year - 1, part: 2 } } else { Term { year: t.year, part: t.part - 1 } }
}

/// The schools to look at in the latest term of the figures, most reasons first, then by name.
/// A school with no row for the latest term is not listed (its figures are not in yet).
pub fn warnings(t: &Tracking, rows: &[SchoolTerm]) -> Vec<Warning> {
    let Some(latest) = rows.iter().map(|r| r.term).max() else { return Vec::new() };
    let totals = district_totals(rows);
    let by_key: BTreeMap<(&str, Term), &SchoolTerm> = rows.iter().map(|r| ((r.urn.as_str(), r.term), r)).collect();
    let mut out: Vec<Warning> = rows
        .iter()
        .filter(|r| r.term == latest)
        .filter_map(|now| {
            let prev = by_key.get(&(now.urn.as_str(), previous(latest))).copied();
            let district = totals.get(&(now.district.clone(), latest)).copied().unwrap_or_default();
            let reasons = reasons(t, prev, now, district);
            (!reasons.is_empty()).then(|| Warning {
                urn: now.urn.clone(),
                school: now.school.clone(),
                district: now.district.clone(),
                term: latest.label(),
                reasons,
            })
        })
        .collect();
    out.sort_by(|a, b| b.reasons.len().cmp(&a.reasons.len()).then_with(|| a.school.cmp(&b.school)));
    out
}
