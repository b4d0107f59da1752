//! Outcomes per provider per period (`outcomes.csv`): placements, reintegration, attendance,
//! post-16 destinations and the children's own survey. The public pages show these only
//! through [`public`], which applies the gap analysis's disclosure control.

use std::path::Path;

use serde::Serialize;

use super::table;
use crate::analyse::suppress::{self, Shown, Sum, Suppression};
use crate::diagnostics::Diagnostics;

pub const COLUMNS: &[&str] = &[
    "provider",
    "period",
    "placed",
    "returned_on_time",
    "attendance_before",
    "attendance_after",
    "post16_leavers",
    "post16_eet",
    "survey_responses",
    "survey_safe",
    "survey_listened",
    "survey_learning",
];

/// The children's survey questions, fixed so periods and providers compare.
pub const QUESTIONS: [&str; 3] = ["I feel safe here", "Adults here listen to me", "I am learning things that help me"];

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The provider's id (its record's file name).
    pub provider: String,
    /// A free label such as `2025/26`.
    pub period: String,
    pub placed: u64,
    /// Returned to mainstream, or moved on to the planned destination, within the planned time.
    pub returned_on_time: u64,
    /// Average attendance (%) in the term before the placement and during it.
    pub attendance_before: Option<f64>,
    pub attendance_after: Option<f64>,
    /// Year 11 leavers, and those of them in education, employment or training after.
    pub post16_leavers: u64,
    pub post16_eet: u64,
    pub survey_responses: u64,
    /// Positive answers to each of [`QUESTIONS`].
    pub survey_positive: [u64; 3],
}

pub fn load(path: &Path, name: &str, providers: &[&str], d: &mut Diagnostics) -> Option<Vec<Outcome>> {
    let t = table::read(path, name, COLUMNS, d)?;
    let mut out = Vec::new();
    for row in &t.rows {
        let (provider, span) = t.cell(row, 0);
        if !providers.contains(&provider) {
            let help = crate::diagnostics::did_you_mean(provider, providers.iter().copied())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or("use the provider's id: its record's file name without .toml".into());
            d.push(t.error(span, format!("no provider has the id `{provider}`"), help));
            continue;
        }
        let period = t.cell(row, 1).0.to_string();
        let c = |col: usize, d: &mut Diagnostics| t.count(row, col, COLUMNS[col], d);
        let (placed, returned, leavers, eet, responses) = (c(2, d), c(3, d), c(6, d), c(7, d), c(8, d));
        let (before, after) = (t.percent(row, 4, COLUMNS[4], d), t.percent(row, 5, COLUMNS[5], d));
        let answers = [c(9, d), c(10, d), c(11, d)];
        let (Some(placed), Some(returned), Some(leavers), Some(eet), Some(responses), Some(before), Some(after), [Some(a), Some(b), Some(q)]) =
            (placed, returned, leavers, eet, responses, before, after, answers)
        else {
            continue;
        };
        let checks = [
            (returned > placed, 3, "more returned than placed"),
            (eet > leavers, 7, "more in education, employment or training than leavers"),
            (a.max(b).max(q) > responses, 8, "more positive answers than responses"),
        ];
        if let Some((_, col, what)) = checks.iter().find(|c| c.0) {
            d.push(t.error(t.cell(row, *col).1, what.to_string(), "a part cannot be more than its whole: check the row"));
            continue;
        }
        out.push(Outcome {
            provider: provider.to_string(),
            period,
            placed,
            returned_on_time: returned,
            attendance_before: before,
            attendance_after: after,
            post16_leavers: leavers,
            post16_eet: eet,
            survey_responses: responses,
            survey_positive: [a, b, q],
        });
    }
    out.sort_by(|a, b| (&a.provider, &a.period).cmp(&(&b.provider, &b.period)));
    Some(out)
}

/// What may be published of one outcome row.
#[derive(Clone, Debug, Serialize)]
pub struct PublicOutcome {
    pub period: String,
    pub placed: String,
    pub returned_on_time: String,
    /// Share returned on time, when both counts are shown.
    pub returned_share: String,
    /// Attendance before and after, only when more pupils were placed than the threshold.
    pub attendance_before: String,
    pub attendance_after: String,
    pub post16_leavers: String,
    pub post16_eet: String,
    pub survey_responses: String,
    /// Per question: (question, positive count, share positive).
    pub survey: Vec<(String, String, String)>,
}

fn share(part: Shown, whole: Shown) -> String {
    match (part, whole) {
        (Shown::Value(p), Shown::Value(w)) if w > 0 => format!("{}%", (p * 100 + w / 2) / w),
        (Shown::Value(_), Shown::Value(_)) => "–".into(),
        _ => "c".into(),
    }
}

/// Disclosure control for one row. Each part is published with its whole; the unpublished
/// remainder (e.g. not returned on time) is a cell too, so it cannot be worked out by subtraction.
pub fn public(o: &Outcome, policy: Suppression) -> PublicOutcome {
    // Cells: 0 placed, 1 returned, 2 not returned, 3 leavers, 4 eet, 5 not eet, 6 responses,
    // then for each question: positive, not positive.
    let mut cells = vec![
        o.placed,
        o.returned_on_time,
        o.placed - o.returned_on_time,
        o.post16_leavers,
        o.post16_eet,
        o.post16_leavers - o.post16_eet,
        o.survey_responses,
    ];
    let mut sums = vec![Sum { members: vec![1, 2], total: 0 }, Sum { members: vec![4, 5], total: 3 }];
    for p in o.survey_positive {
        let i = cells.len();
        cells.extend([p, o.survey_responses - p]);
        sums.push(Sum { members: vec![i, i + 1], total: 6 });
    }
    let raw: Vec<Shown> = cells.into_iter().map(Shown::Value).collect();
    let s = suppress::apply(&raw, &sums, policy);
    let threshold = match policy {
        Suppression::Off => 0,
        Suppression::Public { threshold } => threshold,
    };
    let attendance = |v: Option<f64>| match v {
        _ if o.placed <= threshold || !s[0].is_shown() => "c".to_string(),
        Some(v) => format!("{v:.1}%"),
        None => "x".into(),
    };
    PublicOutcome {
        period: o.period.clone(),
        placed: s[0].text(),
        returned_on_time: s[1].text(),
        returned_share: share(s[1], s[0]),
        attendance_before: attendance(o.attendance_before),
        attendance_after: attendance(o.attendance_after),
        post16_leavers: s[3].text(),
        post16_eet: s[4].text(),
        survey_responses: s[6].text(),
        survey: QUESTIONS.iter().enumerate().map(|(q, text)| (text.to_string(), s[7 + 2 * q].text(), share(s[7 + 2 * q], s[6]))).collect(),
    }
}
