//! The AP strategy's measures (`strategy.toml`): each with its definition, baseline, target and
//! the date it is due, and the value recorded each period since.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analyse::suppress::{self, Shown, Sum, Suppression};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile};

/// No strategy has more measures than this, or a measure more values.
pub const MAX_MEASURES: usize = 100;
pub const MAX_VALUES: usize = 100;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    measure: Vec<Measure>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A number of pupils or events.
    Count,
    /// A share, in per cent, of `base` pupils.
    Percent,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Lower,
    Higher,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Value {
    pub period: String,
    pub value: f64,
    /// For a percentage: how many pupils it is a share of (needed to publish it).
    #[serde(default)]
    pub base: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub unit: Unit,
    pub better: Better,
    pub baseline: f64,
    pub baseline_period: String,
    /// For a percentage baseline: how many pupils it is a share of (needed to publish it).
    #[serde(default)]
    pub baseline_base: Option<u64>,
    pub target: f64,
    /// When the target is due, e.g. `2028/29`.
    pub target_by: String,
    #[serde(default)]
    pub values: Vec<Value>,
}

/// Reads `path`, or `None` when absent. Problems go to `d` with file:line:col.
pub fn load(path: &Path, name: &str, d: &mut Diagnostics) -> Option<Vec<Measure>> {
    let text = super::table::read_input(path, name, d)?;
    let file = SourceFile::new(name, path, text);
    match toml::from_str::<File>(&file.text) {
        Ok(f) if f.measure.len() > MAX_MEASURES || f.measure.iter().any(|m| m.values.len() > MAX_VALUES) => {
            d.push(
                Diagnostic::error("tracking-strategy", format!("{name}: at most {MAX_MEASURES} measures of {MAX_VALUES} values each are read"))
                    .in_file(&file, None),
            );
            None
        }
        Ok(f) => Some(f.measure),
        Err(e) => {
            d.push(
                Diagnostic::error("tracking-strategy", format!("{name}: {}", e.message()))
                    .in_file(&file, e.span())
                    .label("here")
                    .help("each [[measure]] has id, name, definition, unit (count or percent), better (lower or higher), baseline, baseline_period, target, target_by, and [[measure.values]] with period and value (and base for a percentage)"),
            );
            None
        }
    }
}

fn number(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count => format!("{v:.0}"),
        Unit::Percent => format!("{v:.1}%"),
    }
}

/// Where the latest value stands, in words that never call an unmet target met.
pub fn progress(m: &Measure) -> String {
    let Some(latest) = m.values.last() else { return "No value recorded yet".into() };
    let sign = if m.better == Better::Lower { -1.0 } else { 1.0 };
    let (gain, to_go) = ((latest.value - m.baseline) * sign, (m.target - latest.value) * sign);
    if to_go <= 0.0 {
        "Target met".into()
    } else if gain > 0.0 {
        "Better than the baseline, target not yet met".into()
    } else if gain < 0.0 {
        "Worse than the baseline".into()
    } else {
        "No change from the baseline".into()
    }
}

/// A measure as shown: each (period, value) and where it stands.
#[derive(Clone, Debug, Serialize)]
pub struct MeasureView {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub baseline: String,
    pub baseline_period: String,
    pub target: String,
    pub target_by: String,
    pub values: Vec<(String, String)>,
    pub progress: String,
    /// The measure as an SVG chart (see `strategy_chart`), or empty.
    pub chart: String,
}

/// One value as it may be published: a count from 1 to the threshold is `c`; a percentage is
/// published only with its base, with the pupils counted and not counted both protected.
pub fn public_value(unit: Unit, v: &Value, policy: Suppression) -> String {
    match (unit, policy) {
        (_, Suppression::Off) => number(unit, v.value),
        (Unit::Count, _) => {
            let c = v.value.max(0.0).round() as u64;
            suppress::apply(&[Shown::Value(c)], &[], policy)[0].value().map_or("c".into(), |_| number(unit, v.value))
        }
        (Unit::Percent, _) => {
            let Some(base) = v.base else { return "c".into() };
            let part = ((v.value / 100.0) * base as f64).round().clamp(0.0, base as f64) as u64;
            let cells = [Shown::Value(part), Shown::Value(base - part), Shown::Value(base)];
            let s = suppress::apply(&cells, &[Sum { members: vec![0, 1], total: 2 }], policy);
            if s.iter().all(|c| c.is_shown()) { number(unit, v.value) } else { "c".into() }
        }
    }
}

/// Every measure, for the internal page (raw) or the public summary (suppressed). The public
/// summary states no progress when the latest value is hidden.
pub fn shown(measures: &[Measure], policy: Suppression) -> Vec<MeasureView> {
    measures
        .iter()
        .map(|m| {
            let values: Vec<(String, String)> = m.values.iter().map(|v| (v.period.clone(), public_value(m.unit, v, policy))).collect();
            let hidden = values.last().is_some_and(|v| v.1 == "c");
            MeasureView {
                id: m.id.clone(),
                name: m.name.clone(),
                definition: m.definition.clone(),
                baseline: public_value(m.unit, &Value { period: String::new(), value: m.baseline, base: m.baseline_base }, policy),
                baseline_period: m.baseline_period.clone(),
                target: number(m.unit, m.target),
                target_by: m.target_by.clone(),
                values,
                progress: if hidden { "Not published: too few pupils".into() } else { progress(m) },
                chart: super::strategy_chart::chart(m, policy),
            }
        })
        .collect()
}
