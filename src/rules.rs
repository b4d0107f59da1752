//! Rules: every date rule about a provider, worked out in one place for a record, the build's
//! `today` and the site's `[rules]`. The checks (`validate`, which warns), the pages
//! (`render::view`), the finder's data (through the view's cards) and the QA dashboard all ask
//! here, so a page never calls a visit overdue that the checks did not, and the other way round.

pub mod review;
pub use review::{review_due, review_overdue};

use crate::config::Rules;
use crate::model::date::Date;
use crate::model::provider::Provider;
use crate::model::vocab::{KeyStage, LegacyGrade, ListStatus, MetOrNotMet, StandardResult};

/// Child-voice feedback older than this is out of date.
pub const CHILD_VOICE_MAX_DAYS: i64 = 365;
/// Insurance expiring within this many days is flagged as expiring.
pub const INSURANCE_SOON_DAYS: i64 = 30;
/// Contracts ending within this many days are flagged as ending.
pub const CONTRACT_SOON_DAYS: i64 = 90;

/// Where a dated commitment (a QA visit, an insurance certificate, a contract) stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// No date recorded.
    NotRecorded,
    /// The date has passed (a visit overdue, a certificate expired, a contract ended).
    Passed,
    /// Today or within the "soon" window.
    Soon,
    /// Further ahead than the window.
    Later,
}

/// Where `date` stands on `today`, with a window of `soon_days`.
pub fn due(date: Option<Date>, today: Date, soon_days: i64) -> Due {
    match date {
        None => Due::NotRecorded,
        Some(d) if d < today => Due::Passed,
        Some(d) if today.days_until(d) <= soon_days => Due::Soon,
        Some(_) => Due::Later,
    }
}

/// The next quality-assurance visit: overdue, due soon (`qa_due_soon_days`), later, or not booked.
pub fn qa_visit(p: &Provider, today: Date, rules: &Rules) -> Due {
    due(p.quality_assurance.next_visit_due, today, rules.qa_due_soon_days)
}

/// One insurance certificate's expiry date: expired, expiring (`INSURANCE_SOON_DAYS`), or not.
pub fn insurance(expires: Option<Date>, today: Date) -> Due {
    due(expires, today, INSURANCE_SOON_DAYS)
}

/// The provider's insurance certificates, each with the field it is recorded in.
pub fn insurance_dates(p: &Provider) -> [(&'static str, Option<Date>); 2] {
    let sg = &p.safeguarding;
    [("public_liability_expires", sg.public_liability_expires), ("employers_liability_expires", sg.employers_liability_expires)]
}

/// Whether either insurance certificate has expired.
pub fn insurance_expired(p: &Provider, today: Date) -> bool {
    insurance_dates(p).iter().any(|(_, d)| insurance(*d, today) == Due::Passed)
}

/// A contract's end date: ended, ending (`CONTRACT_SOON_DAYS`), or later.
pub fn contract(ends: Date, today: Date) -> Due {
    due(Some(ends), today, CONTRACT_SOON_DAYS)
}

/// How many days old figures dated `as_of` are (negative: dated in the future).
pub fn age(as_of: Date, today: Date) -> i64 {
    as_of.days_until(today)
}

/// Whether vacancy figures dated `as_of` are older than `vacancy_stale_days`.
pub fn vacancies_stale(as_of: Date, today: Date, rules: &Rules) -> bool {
    age(as_of, today) > rules.vacancy_stale_days
}

/// Whether the provider's vacancy figures are out of date (undated figures are not: they are
/// their own problem).
pub fn provider_vacancies_stale(p: &Provider, today: Date, rules: &Rules) -> bool {
    p.capacity.vacancies_as_of.is_some_and(|d| vacancies_stale(d, today, rules))
}

/// Whether child-voice feedback last collected on `last` is over `CHILD_VOICE_MAX_DAYS` old.
pub fn child_voice_stale(last: Date, today: Date) -> bool {
    age(last, today) > CHILD_VOICE_MAX_DAYS
}

/// Whether the written confirmation of staff checks is missing from the record's dates or
/// older than `checks_stale_days` (a confirmation nobody dated is not called out of date here:
/// it is "not confirmed" on the page).
pub fn checks_out_of_date(p: &Provider, today: Date, rules: &Rules) -> bool {
    p.safeguarding.written_confirmation_of_checks.is_some_and(|d| age(d, today) > rules.checks_stale_days)
}

/// Whether the record's `last_reviewed` is missing or older than `review_stale_days`: the
/// provider page's "not reviewed recently" badge.
pub fn provider_review_stale(p: &Provider, today: Date, rules: &Rules) -> bool {
    review_overdue(p.last_reviewed, today, rules.review_stale_days)
}

/// Whether the provider is on the authority's approved list (approved, or approved with
/// conditions): the statuses that tell a school it may place a child there.
pub fn approved(p: &Provider) -> bool {
    matches!(p.quality_assurance.list_status, ListStatus::Approved | ListStatus::ApprovedWithConditions)
}

/// The safeguarding facts an approved provider must have recorded as yes: each field, what it
/// means, and what the record says (`None`: nobody recorded it).
pub fn required_checks(p: &Provider) -> [(&'static str, &'static str, Option<bool>); 3] {
    let sg = &p.safeguarding;
    [
        ("enhanced_dbs_all_staff", "enhanced DBS checks for all staff", sg.enhanced_dbs_all_staff),
        ("single_central_record", "a single central record", sg.single_central_record),
        ("named_dsl", "a named designated safeguarding lead", sg.named_dsl),
    ]
}

/// The required safeguarding facts not recorded as yes on an approved provider (unknown counts
/// as not recorded). Empty for a provider that is not approved.
pub fn missing_checks(p: &Provider) -> Vec<(&'static str, &'static str)> {
    if !approved(p) {
        return Vec::new();
    }
    required_checks(p).into_iter().filter(|(_, _, v)| *v != Some(true)).map(|(f, what, _)| (f, what)).collect()
}

/// The national standards recorded as not met while the provider is approved.
pub fn standards_not_met_while_approved(p: &Provider) -> Vec<&str> {
    if !approved(p) {
        return Vec::new();
    }
    p.quality_assurance.standards.iter().filter(|(_, r)| **r == StandardResult::NotMet).map(|(k, _)| k.as_str()).collect()
}

/// Whether the designated safeguarding lead's training is older than `dsl_training_stale_days`.
pub fn dsl_training_out_of_date(p: &Provider, today: Date, rules: &Rules) -> bool {
    p.safeguarding.dsl_training.is_some_and(|d| age(d, today) > rules.dsl_training_stale_days)
}

/// Whether the child-protection policy was last reviewed over `policy_stale_days` ago.
pub fn policy_out_of_date(p: &Provider, today: Date, rules: &Rules) -> bool {
    p.safeguarding.child_protection_policy_reviewed.is_some_and(|d| age(d, today) > rules.policy_stale_days)
}

/// Every dated safeguarding record that is out of date: its field, what it is, its date and
/// the limit in days.
pub fn stale_safeguarding(p: &Provider, today: Date, rules: &Rules) -> Vec<(&'static str, &'static str, Date, i64)> {
    let sg = &p.safeguarding;
    let all = [
        (
            "written_confirmation_of_checks",
            "written confirmation of staff checks",
            sg.written_confirmation_of_checks,
            rules.checks_stale_days,
            checks_out_of_date(p, today, rules),
        ),
        (
            "dsl_training",
            "designated safeguarding lead training",
            sg.dsl_training,
            rules.dsl_training_stale_days,
            dsl_training_out_of_date(p, today, rules),
        ),
        (
            "child_protection_policy_reviewed",
            "child-protection policy review",
            sg.child_protection_policy_reviewed,
            rules.policy_stale_days,
            policy_out_of_date(p, today, rules),
        ),
    ];
    all.into_iter().filter_map(|(f, what, d, limit, stale)| Some((f, what, d.filter(|_| stale)?, limit))).collect()
}

/// Whether the last inspection found safeguarding not met (report card) or the provision
/// inadequate (single-word grade).
pub fn inspection_safeguarding_failed(p: &Provider) -> bool {
    let ins = &p.inspection;
    ins.safeguarding == Some(MetOrNotMet::NotMet) || ins.legacy_overall == Some(LegacyGrade::Inadequate)
}

/// Whether an inspection seen in a public extract (its start date) is later than the record's,
/// or the record has none: the record is behind the published data.
pub fn inspection_behind(p: &Provider, seen: Date) -> bool {
    p.inspection.last_inspection.is_none_or(|d| d < seen)
}

/// The ages a key stage covers, from the youngest to the oldest (KS1 5-7, KS2 7-11, KS3 11-14,
/// KS4 14-16, KS5 16-19). `None` for a value outside the vocabulary.
pub fn key_stage_ages(ks: &KeyStage) -> Option<(u32, u32)> {
    match ks {
        KeyStage::Ks1 => Some((5, 7)),
        KeyStage::Ks2 => Some((7, 11)),
        KeyStage::Ks3 => Some((11, 14)),
        KeyStage::Ks4 => Some((14, 16)),
        KeyStage::Ks5 => Some((16, 19)),
        _ => None,
    }
}

/// The key stages (with their index in `offer.key_stages`) lying entirely outside the offer's
/// age range. A missing bound does not limit the range.
pub fn key_stages_outside_ages(p: &Provider) -> Vec<(usize, &KeyStage)> {
    let (lo, hi) = (p.offer.age_min.unwrap_or(0), p.offer.age_max.unwrap_or(u32::MAX));
    let outside = |ks: &KeyStage| key_stage_ages(ks).is_some_and(|(a, b)| b < lo || a > hi);
    p.offer.key_stages.iter().enumerate().filter(|(_, ks)| outside(ks)).collect()
}

/// Whether dual registration is claimed by a provider that is not a school (only a school can
/// hold a pupil on its roll alongside the home school).
pub fn dual_registration_contradicted(p: &Provider) -> bool {
    p.offer.dual_registration == Some(true) && !p.registration.kind.needs_urn()
}

/// Weeks of a tier 2 offer above `tier2_max_weeks` (tier 2 is a time-limited placement). An
/// offer that is also tier 3 may run longer: its `max_weeks` can be the tier 3 placement's.
pub fn tier2_weeks_over(p: &Provider, rules: &Rules) -> Option<u32> {
    let (weeks, tiers) = (p.offer.max_weeks?, &p.offer.tiers);
    (tiers.contains(&2) && !tiers.contains(&3) && weeks > rules.tier2_max_weeks).then_some(weeks)
}

/// The costs (by index) whose `valid_to` date has passed.
pub fn costs_ended(p: &Provider, today: Date) -> Vec<usize> {
    p.costs.iter().enumerate().filter(|(_, c)| c.valid_to.is_some_and(|d| d < today)).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn a_date_is_passed_soon_or_later_with_the_window_inclusive() {
        let today = d("2026-11-25");
        assert_eq!(due(None, today, 30), Due::NotRecorded);
        assert_eq!(due(Some(d("2026-11-24")), today, 30), Due::Passed);
        assert_eq!(due(Some(today), today, 30), Due::Soon);
        assert_eq!(due(Some(d("2026-12-25")), today, 30), Due::Soon);
        assert_eq!(due(Some(d("2026-12-26")), today, 30), Due::Later);
    }

    #[test]
    fn vacancy_figures_are_stale_after_the_configured_days() {
        let rules = Rules { non_school_max_hours: 18.0, vacancy_stale_days: 60, qa_due_soon_days: 30, ..Rules::default() };
        let today = d("2026-11-25");
        assert!(!vacancies_stale(d("2026-09-26"), today, &rules), "60 days old is not yet stale");
        assert!(vacancies_stale(d("2026-09-25"), today, &rules), "61 days old is");
    }
}
