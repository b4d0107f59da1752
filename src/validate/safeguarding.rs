//! The safeguarding checks and the contradictions between a record's own fields. Each rule is
//! worked out in `crate::rules`; these functions only say where in the file, and what to do.

use super::Check;
use crate::config::Rules;
use crate::model::date::Date;
use crate::model::provider::Provider;
use crate::model::vocab::{Pattern, RegistrationType};
use crate::path;
use crate::rules;

/// An approved provider's required checks, the national standards, out-of-date safeguarding
/// records and a failed inspection.
pub(super) fn safeguarding(c: &mut Check, p: &Provider, today: Date, config: &Rules) {
    let status = p.quality_assurance.list_status.label().to_lowercase();
    for (field, what) in rules::missing_checks(p) {
        let at = if c.doc.has(&path!["safeguarding", field]) { path!["safeguarding", field] } else { path!["quality_assurance", "list_status"] };
        c.error(
            "safeguarding-not-confirmed",
            &at,
            format!("the provider is {status} but {what} is not recorded as confirmed"),
            "not confirmed",
            format!("confirm it with the provider and set `{field} = true` in [safeguarding], or change `list_status` until it is"),
        );
    }
    for standard in rules::standards_not_met_while_approved(p) {
        c.error(
            "standard-not-met",
            &path!["quality_assurance", "standards", standard],
            format!("the `{standard}` standard is not met, yet the provider is {status}"),
            "not met",
            "a provider that does not meet a national standard cannot be approved: set `list_status` to `under_review` or `suspended`, or record the standard's new result",
        );
    }
    for (field, what, date, limit) in rules::stale_safeguarding(p, today, config) {
        c.warn(
            stale_code(field),
            &path!["safeguarding", field],
            format!("the {what} is dated {} ({} days ago; the limit is {limit} days)", date.long(), rules::age(date, today)),
            "out of date",
            format!("ask the provider for a current one and update `{field}`"),
        );
    }
    if rules::approved(p) && rules::inspection_safeguarding_failed(p) {
        let field = if p.inspection.legacy_overall == Some(crate::model::vocab::LegacyGrade::Inadequate) { "legacy_overall" } else { "safeguarding" };
        c.warn(
            "inspection-safeguarding-not-met",
            &path!["inspection", field],
            format!(
                "the last inspection found {}, yet the provider is {status}",
                if field == "safeguarding" { "safeguarding not met" } else { "the provision inadequate" }
            ),
            "failed inspection",
            "review the provider's list status now; record the outcome in [quality_assurance]",
        );
    }
}

fn stale_code(field: &str) -> &'static str {
    match field {
        "written_confirmation_of_checks" => "checks-out-of-date",
        "dsl_training" => "dsl-training-out-of-date",
        _ => "policy-out-of-date",
    }
}

/// Fields of one record that cannot all be true: key stages against ages, dual registration,
/// full-time offers from a non-school provider, over-long tier 2 placements, ended costs and a
/// review that is out of date.
pub(super) fn contradictions(c: &mut Check, p: &Provider, today: Date, config: &Rules) {
    for (i, ks) in rules::key_stages_outside_ages(p) {
        let (a, b) = rules::key_stage_ages(ks).unwrap_or_default();
        let (lo, hi) = (p.offer.age_min.map_or("any".into(), |v| v.to_string()), p.offer.age_max.map_or("any".into(), |v| v.to_string()));
        c.error(
            "key-stage-outside-ages",
            &path!["offer", "key_stages", i],
            format!("{} covers ages {a} to {b}, outside the offer's ages {lo} to {hi}", ks.key()),
            "outside the age range",
            "correct `key_stages` or `age_min`/`age_max` so they describe the same pupils",
        );
    }
    if rules::dual_registration_contradicted(p) {
        c.error(
            "dual-registration-not-school",
            &path!["offer", "dual_registration"],
            format!("a {} cannot dual-register pupils: only a school can hold a pupil on its roll", p.registration.kind.label().to_lowercase()),
            "not a school",
            "set `dual_registration = false`, or correct the registration `type`",
        );
    }
    if p.registration.kind == RegistrationType::NonSchool && p.offer.pattern == Some(Pattern::FullTime) {
        c.error(
            "registration-test",
            &path!["offer", "pattern"],
            "a non-school provider cannot offer a full-time pattern",
            "full time",
            "a setting giving full-time education must register as an independent school: correct `pattern`, or set the registration `type` and its URN",
        );
    }
    if let Some(weeks) = rules::tier2_weeks_over(p, config) {
        c.error(
            "tier2-too-long",
            &path!["offer", "max_weeks"],
            format!("a tier 2 placement is time-limited, but this one runs up to {weeks} weeks (the limit is {})", config.tier2_max_weeks),
            "too long for tier 2",
            "correct `max_weeks`, or describe the placement as tier 3 (transitional)",
        );
    }
    for i in rules::costs_ended(p, today) {
        let ended = p.costs[i].valid_to.map(|d| d.long()).unwrap_or_default();
        c.warn(
            "cost-ended",
            &path!["costs", i, "valid_to"],
            format!("this cost stopped being valid on {ended}"),
            "ended",
            "ask the provider for its current prices and update the cost and its dates",
        );
    }
    if let Some(d) = p.last_reviewed
        && rules::provider_review_stale(p, today, config)
    {
        c.warn(
            "review-stale",
            &path!["last_reviewed"],
            format!(
                "the record was last reviewed on {} ({} days ago; the limit is {} days)",
                d.long(),
                rules::age(d, today),
                config.review_stale_days
            ),
            "not reviewed recently",
            "check the record with the provider, then update `last_reviewed`",
        );
    }
}
