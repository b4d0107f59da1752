//! Disclosure control: turns raw counts into published figures.
//!
//! Primary suppression hides every count from 1 to the threshold (true zeros stay 0).
//! Secondary suppression then hides more cells until no hidden count can be worked out from a
//! published total: whenever a published total has exactly one hidden member, the smallest
//! published non-zero member is hidden too (or the total, if there is none). This repeats
//! until nothing changes, so row and column totals are both safe.

use serde::Serialize;

/// What the public may see of a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Value(u64),
    /// Hidden for disclosure control (here or upstream): published as `c`.
    Hidden,
    /// Not given in the figures: published as `x`.
    Missing,
}

impl Shown {
    pub fn value(self) -> Option<u64> {
        match self {
            Shown::Value(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_shown(self) -> bool {
        matches!(self, Shown::Value(_))
    }
    /// The text printed in tables: the number, `c` or `x`.
    pub fn text(self) -> String {
        match self {
            Shown::Value(v) => v.to_string(),
            Shown::Hidden => "c".into(),
            Shown::Missing => "x".into(),
        }
    }
}

impl Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Value(v) => s.serialize_u64(*v),
            Shown::Hidden => s.serialize_str("c"),
            Shown::Missing => s.serialize_none(),
        }
    }
}

/// The disclosure policy a report is produced under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suppression {
    /// Raw figures, for the internal profile and the commissioning team's terminal.
    Off,
    /// Public figures: counts from 1 to `threshold` hidden, with secondary suppression.
    Public { threshold: u64 },
}

impl Suppression {
    /// The policy of the public site, with the site's `privacy.suppression_threshold`.
    pub fn public(site: &crate::site::Site) -> Suppression {
        Suppression::Public { threshold: site.config.privacy.suppression_threshold }
    }
}

/// A sum that will be published: `total` = the sum of `members` (indices into the cells).
#[derive(Clone, Debug)]
pub struct Sum {
    pub members: Vec<usize>,
    pub total: usize,
}

/// Applies the policy to `cells` (raw values; `Hidden` for counts suppressed upstream,
/// `Missing` when not given), given the sums that will be published alongside them.
pub fn apply(cells: &[Shown], sums: &[Sum], policy: Suppression) -> Vec<Shown> {
    let threshold = match policy {
        Suppression::Off => return cells.to_vec(),
        Suppression::Public { threshold } => threshold,
    };
    let mut out: Vec<Shown> = cells
        .iter()
        .map(|c| match *c {
            Shown::Value(v) if v >= 1 && v <= threshold => Shown::Hidden,
            other => other,
        })
        .collect();
    loop {
        let mut changed = false;
        for sum in sums {
            if !out[sum.total].is_shown() {
                continue;
            }
            let unknown: Vec<usize> = sum.members.iter().copied().filter(|&m| !out[m].is_shown()).collect();
            // One unknown member of a published total can be recovered by subtraction (a
            // `Missing` member is unknown too, so it protects a hidden one).
            if unknown.len() == 1 && out[unknown[0]] == Shown::Hidden {
                let next = sum.members.iter().copied().filter(|&m| matches!(out[m], Shown::Value(v) if v > 0)).min_by_key(|&m| (out[m].value(), m));
                match next {
                    Some(m) => out[m] = Shown::Hidden,
                    None => out[sum.total] = Shown::Hidden,
                }
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Shown::*;

    const PUBLIC: Suppression = Suppression::Public { threshold: 4 };

    #[test]
    fn primary_hides_small_counts_but_not_zero() {
        let cells = [Value(0), Value(1), Value(4), Value(5), Value(120), Hidden, Missing];
        let out = apply(&cells, &[], PUBLIC);
        assert_eq!(out, vec![Value(0), Hidden, Hidden, Value(5), Value(120), Hidden, Missing]);
        assert_eq!(apply(&cells, &[], Suppression::Off), cells.to_vec());
    }

    #[test]
    fn secondary_hides_the_next_smallest_member() {
        // 3 + 7 + 20 = 30: with only the 3 hidden, 30 - 7 - 20 gives it away.
        let cells = [Value(3), Value(7), Value(20), Value(30)];
        let sums = [Sum { members: vec![0, 1, 2], total: 3 }];
        let out = apply(&cells, &sums, PUBLIC);
        assert_eq!(out, vec![Hidden, Hidden, Value(20), Value(30)]);
    }

    #[test]
    fn secondary_skips_true_zeros_and_falls_back_to_the_total() {
        // 2 + 0 = 2: hiding the zero would not help; the total must go.
        let cells = [Value(2), Value(0), Value(2)];
        let sums = [Sum { members: vec![0, 1], total: 2 }];
        assert_eq!(apply(&cells, &sums, PUBLIC), vec![Hidden, Value(0), Hidden]);
    }

    #[test]
    fn secondary_works_across_rows_and_columns() {
        // Two areas × two kinds, with row totals and column totals:
        //        a    b   total
        // X      2   10    12
        // Y      9   11    20
        // total 11   21    32
        let cells = [Value(2), Value(10), Value(12), Value(9), Value(11), Value(20), Value(11), Value(21), Value(32)];
        let sums = [
            Sum { members: vec![0, 1], total: 2 },
            Sum { members: vec![3, 4], total: 5 },
            Sum { members: vec![6, 7], total: 8 },
            Sum { members: vec![0, 3], total: 6 },
            Sum { members: vec![1, 4], total: 7 },
            Sum { members: vec![2, 5], total: 8 },
        ];
        let out = apply(&cells, &sums, PUBLIC);
        // No published total has exactly one hidden member.
        for s in &sums {
            if out[s.total].is_shown() {
                let hidden = s.members.iter().filter(|&&m| !out[m].is_shown()).count();
                assert_ne!(hidden, 1, "{s:?} leaks: {out:?}");
            }
        }
        assert_eq!(out[0], Hidden);
        assert_eq!(out[1], Hidden, "row partner");
        assert_eq!(out[3], Hidden, "column partner");
        assert_eq!(out[4], Hidden, "closes the square");
        assert_eq!(out[8], Value(32));
    }

    #[test]
    fn an_upstream_suppressed_count_is_protected_too() {
        let cells = [Hidden, Value(40), Value(48)];
        let sums = [Sum { members: vec![0, 1], total: 2 }];
        assert_eq!(apply(&cells, &sums, PUBLIC), vec![Hidden, Hidden, Value(48)]);
    }
}
