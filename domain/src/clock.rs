//! Time. Every rule that depends on "now" takes it from a [`Clock`], so deadlines and overdue
//! logic are testable without waiting.

use chrono::{DateTime, DurationRound, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Truncates to whole microseconds: both databases store that precision.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// China's offset from UTC (UTC+8, no daylight saving time): calendar days, months and visit
/// dates are China's (北京时间); instants are stored in UTC.
pub const CHINA_OFFSET: TimeDelta = TimeDelta::hours(8);

/// The calendar date in China at `t` (a UTC instant).
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    (t.naive_utc() + CHINA_OFFSET).date()
}

/// The UTC instant at which China's calendar day `day` begins.
pub fn china_day_start(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) - CHINA_OFFSET
}

/// The China calendar days wholly inside the UTC window `[from, to)`, as `first..end` (end
/// exclusive); `None` when no whole day fits (or at the edges of the representable time).
pub fn whole_china_days(from: NaiveDateTime, to: NaiveDateTime) -> Option<std::ops::Range<NaiveDate>> {
    let mut first = from.checked_add_signed(CHINA_OFFSET)?.date();
    if first.and_time(chrono::NaiveTime::MIN).checked_sub_signed(CHINA_OFFSET)? < from {
        first = first.succ_opt()?;
    }
    let end = to.checked_add_signed(CHINA_OFFSET)?.date();
    (first < end).then_some(first..end)
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }
}

/// A clock that stands still until moved; for tests and simulations.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(truncate(start)))
    }
    pub fn advance(&self, by: TimeDelta) {
        let mut t = self.0.lock().expect("clock poisoned");
        *t += by;
    }
    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().expect("clock poisoned") = truncate(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock poisoned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn china_days_begin_at_16_utc_the_day_before() {
        assert_eq!(china_day_start(day("2026-10-01")), at("2026-09-30 16:00:00"));
        assert_eq!(china_date(at("2026-09-30 15:59:59").and_utc()), day("2026-09-30"));
        assert_eq!(china_date(at("2026-09-30 16:00:00").and_utc()), day("2026-10-01"));
    }

    #[test]
    fn a_china_month_is_its_whole_days() {
        assert_eq!(whole_china_days(at("2026-09-30 16:00:00"), at("2026-10-31 16:00:00")), Some(day("2026-10-01")..day("2026-11-01")));
    }

    #[test]
    fn partial_days_at_either_edge_are_left_out() {
        // A UTC month: 8 hours of its first China day and 16 hours of its last are outside it.
        assert_eq!(whole_china_days(at("2026-10-01 00:00:00"), at("2026-11-01 00:00:00")), Some(day("2026-10-02")..day("2026-11-01")));
        assert_eq!(whole_china_days(at("2026-09-30 16:00:01"), at("2026-10-02 15:59:59")), None);
        assert_eq!(whole_china_days(at("2026-09-30 16:00:00"), at("2026-10-01 16:00:00")), Some(day("2026-10-01")..day("2026-10-02")));
        assert_eq!(whole_china_days(at("2026-10-01 16:00:00"), at("2026-10-01 16:00:00")), None);
        assert_eq!(whole_china_days(at("2026-10-05 00:00:00"), at("2026-10-01 00:00:00")), None, "an empty window");
    }

    #[test]
    fn the_edges_of_representable_time_do_not_overflow() {
        assert_eq!(whole_china_days(NaiveDateTime::MIN, NaiveDateTime::MAX), None);
        assert!(whole_china_days(NaiveDateTime::MIN + TimeDelta::days(2), at("2026-10-01 00:00:00")).is_some());
    }
}
