//! Calendar dates as written in records (`2025-11-03`, a TOML date without quotes, or a
//! quoted string of the same form).

use std::fmt;

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
use serde::de::{self, MapAccess, Visitor};

/// A calendar date. Serialises as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok().map(Date)
    }
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(y, m, d).map(Date)
    }
    /// Today's date on this machine (used only when neither config nor `--today` sets it).
    pub fn today() -> Date {
        Date(chrono::Local::now().date_naive())
    }
    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(&self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }
    pub fn add_days(&self, days: i64) -> Date {
        Date(self.0 + chrono::Duration::days(days))
    }
    /// "3 November 2025", the GOV.UK date style.
    pub fn long(&self) -> String {
        // Written out by hand: chrono parses its format string on every call, and a large
        // site writes hundreds of thousands of dates.
        let (y, m, d) = (self.0.year(), self.0.month0() as usize, self.0.day());
        match (0..=9999).contains(&y) {
            true => format!("{d} {} {y:04}", MONTHS[m]),
            false => self.0.format("%-d %B %Y").to_string(),
        }
    }
    /// "2025-11-03"
    pub fn iso(&self) -> String {
        let (y, m, d) = (self.0.year(), self.0.month(), self.0.day());
        match (0..=9999).contains(&y) {
            true => format!("{y:04}-{m:02}-{d:02}"),
            false => self.0.format("%Y-%m-%d").to_string(),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

// The toml crate hands dates to a struct with these private names; asking for them lets a
// TOML date (not only a string) reach us.
const TOML_DATETIME_NAME: &str = "$__toml_private_Datetime";
const TOML_DATETIME_FIELD: &str = "$__toml_private_datetime";

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        fn parse<E: de::Error>(s: &str) -> Result<Date, E> {
            Date::parse(s).ok_or_else(|| E::custom(format!("`{s}` is not a date; write dates as YYYY-MM-DD, for example 2025-11-03")))
        }
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date written as YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                parse(v)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                let key: Option<String> = map.next_key()?;
                if key.as_deref() != Some(TOML_DATETIME_FIELD) {
                    return Err(de::Error::custom("expected a date written as YYYY-MM-DD"));
                }
                let value: String = map.next_value()?;
                parse(&value)
            }
        }
        d.deserialize_struct(TOML_DATETIME_NAME, &[TOML_DATETIME_FIELD], DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[derive(serde::Deserialize)]
    struct T {
        d: Date,
        s: Date,
    }
    #[test]
    fn reads_toml_dates_and_strings() {
        let t: T = toml::from_str("d = 2025-11-03\ns = \"2024-02-29\"").unwrap();
        assert_eq!(t.d.long(), "3 November 2025");
        assert_eq!(t.s.iso(), "2024-02-29");
    }
    #[test]
    fn rejects_times_and_bad_dates() {
        assert!(toml::from_str::<T>("d = 2025-11-03T10:00:00\ns = \"2024-02-29\"").is_err());
        let e = toml::from_str::<T>("d = 2025-11-03\ns = \"2023-02-29\"").err().unwrap();
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    }

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        let mut d = Date::from_ymd(1899, 12, 25).unwrap();
        let end = Date::from_ymd(2101, 1, 5).unwrap();
        while d <= end {
            assert_eq!(d.long(), d.0.format("%-d %B %Y").to_string());
            assert_eq!(d.iso(), d.0.format("%Y-%m-%d").to_string());
            d = d.add_days(1);
        }
        for (y, m, day) in [(1, 1, 1), (999, 3, 9), (9999, 12, 31), (10000, 1, 1), (-5, 6, 7)] {
            let d = Date::from_ymd(y, m, day).unwrap();
            assert_eq!(d.long(), d.0.format("%-d %B %Y").to_string(), "{y}");
            assert_eq!(d.iso(), d.0.format("%Y-%m-%d").to_string(), "{y}");
        }
    }
}
