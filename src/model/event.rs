//! Training and events: the `[event]` table of a page in `content/events/`.
//!
//! Times are written as TOML local date-times (`2026-12-03T09:30:00`) and mean UK time
//! (Europe/London). [`uk_to_utc`] turns them into UTC for the calendar feed.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A local (UK) date and time, written in TOML as `2026-12-03T09:30:00` without quotes or
/// as a quoted string of the same form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(pub NaiveDateTime);

// The names the toml crate gives a date-time (as in `date.rs`).
const TOML_DATETIME_NAME: &str = "$__toml_private_Datetime";
const TOML_DATETIME_FIELD: &str = "$__toml_private_datetime";

fn parse_time<E: de::Error>(s: &str) -> Result<LocalTime, E> {
    if s.ends_with('Z') || s.ends_with('z') || s.get(19..).is_some_and(|t| t.contains('+') || t.contains('-')) {
        return Err(E::custom(format!("`{s}` has a time zone; write UK local time without one, for example 2026-12-03T09:30:00")));
    }
    LocalTime::parse(s).ok_or_else(|| E::custom(format!("`{s}` is not a date and time; write it as 2026-12-03T09:30:00 (UK local time)")))
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LocalTime;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date and time written as 2026-12-03T09:30:00")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LocalTime, E> {
                parse_time(v)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LocalTime, A::Error> {
                let key: Option<String> = map.next_key()?;
                if key.as_deref() != Some(TOML_DATETIME_FIELD) {
                    return Err(de::Error::custom("expected a date and time written as 2026-12-03T09:30:00"));
                }
                let value: String = map.next_value()?;
                parse_time(&value)
            }
        }
        d.deserialize_struct(TOML_DATETIME_NAME, &[TOML_DATETIME_FIELD], V)
    }
}

impl LocalTime {
    pub fn parse(s: &str) -> Option<LocalTime> {
        let s = s.trim();
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .map(LocalTime)
    }
    pub fn date(&self) -> super::date::Date {
        super::date::Date(self.0.date())
    }
    /// "09:30"
    pub fn hm(&self) -> String {
        self.0.format("%H:%M").to_string()
    }
    /// "2026-12-03T09:30"
    pub fn iso(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M").to_string()
    }
}

impl Serialize for LocalTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

/// What makes a page an event.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct EventInfo {
    /// When it starts and ends, UK local time.
    pub start: LocalTime,
    pub end: LocalTime,
    /// Where it happens, as a postal address or a room name (in person).
    #[serde(default)]
    pub place: Option<String>,
    /// A link to join it (online). An event has a place, an online link, or both.
    #[serde(default)]
    pub online: Option<String>,
    /// Who it is for, in a sentence ("Designated safeguarding leads in secondary schools").
    #[serde(default)]
    pub audience: String,
    /// How to book: an email address, a phone number or a booking page.
    #[serde(default)]
    pub booking: String,
}

impl EventInfo {
    /// Still to come (or happening) on `today`: listings show it. Past events keep their pages.
    pub fn upcoming(&self, today: super::date::Date) -> bool {
        self.end.date() >= today
    }
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) };
    let mut d = first_next.expect("a valid month").pred_opt().expect("a valid date");
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().expect("a valid date");
    }
    d
}

/// UK local time to UTC. British Summer Time (UTC+1) runs from 01:00 UTC on the last Sunday
/// of March to 01:00 UTC on the last Sunday of October (the Summer Time Act 1972 as amended,
/// and the EU rule the UK kept). A time in the hour the clocks skip is read as UTC+1; in the
/// hour that happens twice, as the first (BST) one.
pub fn uk_to_utc(local: NaiveDateTime) -> NaiveDateTime {
    let year = local.year();
    let one = NaiveTime::from_hms_opt(1, 0, 0).expect("01:00");
    // In local terms: BST starts at 01:00 GMT (= 02:00 BST) and ends at 02:00 BST (= 01:00 GMT).
    let bst_starts = last_sunday(year, 3).and_time(one);
    let bst_ends = last_sunday(year, 10).and_time(NaiveTime::from_hms_opt(2, 0, 0).expect("02:00"));
    let in_bst = local >= bst_starts && local < bst_ends;
    if in_bst { local - chrono::Duration::hours(1) } else { local }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        LocalTime::parse(s).unwrap().0
    }

    #[test]
    fn summer_and_winter_times() {
        assert_eq!(uk_to_utc(t("2026-12-03T09:30")), t("2026-12-03T09:30"));
        assert_eq!(uk_to_utc(t("2026-07-01T09:30")), t("2026-07-01T08:30"));
        // 2026: BST from Sunday 29 March to Sunday 25 October.
        assert_eq!(uk_to_utc(t("2026-03-29T00:59")), t("2026-03-29T00:59"));
        assert_eq!(uk_to_utc(t("2026-03-29T03:00")), t("2026-03-29T02:00"));
        assert_eq!(uk_to_utc(t("2026-10-25T01:30")), t("2026-10-25T00:30"));
        assert_eq!(uk_to_utc(t("2026-10-25T02:00")), t("2026-10-25T02:00"));
    }

    #[test]
    fn last_sundays() {
        assert_eq!(last_sunday(2026, 3), NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        assert_eq!(last_sunday(2026, 10), NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
        assert_eq!(last_sunday(2027, 12), NaiveDate::from_ymd_opt(2027, 12, 26).unwrap());
    }

    #[test]
    fn reads_times() {
        let e: EventInfo = toml::from_str("start = 2026-12-03T09:30:00\nend = \"2026-12-03 12:00\"\nplace = \"County Hall\"").unwrap();
        assert_eq!(e.start.hm(), "09:30");
        assert_eq!(e.end.iso(), "2026-12-03T12:00");
        assert!(toml::from_str::<EventInfo>("start = 2026-12-03T09:30:00Z\nend = 2026-12-03T10:00:00").is_err());
    }
}
