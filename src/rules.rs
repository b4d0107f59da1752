//! Rules: every date rule about a provider, worked out in one place for a record, the build's
//! `today` and the site's `[rules]`. The checks (`validate`, which warns), the pages
//! (`render::view`), the finder's data (through the view's cards) and the QA dashboard all ask
//! here, so a page never calls a visit overdue that the checks did not, and the other way round.

use crate::config::Rules;
use crate::model::date::Date;
use crate::model::provider::Provider;

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
    p.last_reviewed.is_none_or(|d| age(d, today) > rules.review_stale_days)
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
