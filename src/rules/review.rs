//! When a page's or record's facts count as "not reviewed recently": the one rule used by
//! `apdir check`, the guide page's badge, the provider page's banner and the finder.

use crate::model::date::Date;

/// True when facts last checked on `reviewed` are older than `max_days` on `today`. A page
/// nobody has recorded a review for is never "reviewed recently": `None` is overdue.
pub fn review_overdue(reviewed: Option<Date>, today: Date, max_days: i64) -> bool {
    match reviewed {
        Some(d) => d.days_until(today) > max_days,
        None => true,
    }
}

/// The date from which a page reviewed on `reviewed` counts as overdue.
pub fn review_due(reviewed: Date, max_days: i64) -> Date {
    reviewed.add_days(max_days + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn overdue_only_past_the_age() {
        let today = d("2026-11-25");
        assert!(!review_overdue(Some(d("2026-11-25")), today, 365));
        assert!(!review_overdue(Some(d("2025-11-25")), today, 365), "exactly 365 days is still recent");
        assert!(review_overdue(Some(d("2025-11-24")), today, 365));
        assert!(review_overdue(None, today, 365), "never reviewed is not reviewed recently");
        assert_eq!(review_due(d("2025-11-24"), 365), today);
    }

    #[test]
    fn a_future_review_date_is_not_overdue() {
        assert!(!review_overdue(Some(d("2027-01-01")), d("2026-11-25"), 0));
    }
}
