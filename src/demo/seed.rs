//! Deterministic randomness and time arithmetic for the simulation.
//!
//! Every random draw comes from a generator keyed by the seed and by what the draw is
//! for (a night, a task, a try, a minute). The same question therefore always gets the
//! same answer, however often or rarely the platform was read before it was asked.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use fastrand::Rng;

/// One step of the simulation: every state change happens at a whole minute.
pub(super) const STEP_SECONDS: i64 = 60;

/// SplitMix64's finaliser: spreads every input bit over the whole output.
const fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable key for a name (FNV-1a), so that keys do not depend on list positions.
pub(super) fn text_key(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The key of a calendar day.
pub(super) fn day_key(date: NaiveDate) -> u64 {
    u64::from(date.num_days_from_ce().unsigned_abs())
}

/// The key of an instant (whole seconds).
pub(super) fn time_key(at: DateTime<Utc>) -> u64 {
    at.timestamp() as u64
}

/// The seed of one simulated company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seed(pub u64);

impl Seed {
    /// A number that depends on the seed and every part, in order.
    pub fn key(self, parts: &[u64]) -> u64 {
        parts
            .iter()
            .fold(splitmix(self.0), |acc, part| splitmix(acc ^ *part))
    }

    /// A generator for one purpose, named by its parts.
    pub fn rng(self, parts: &[u64]) -> Rng {
        Rng::with_seed(self.key(parts))
    }

    /// A number in `0..=999`, cheap enough to draw per table per minute.
    pub fn per_mille(self, parts: &[u64]) -> u64 {
        self.key(parts) % 1000
    }
}

/// A whole number of seconds in `lo..=hi` (either order).
pub(super) fn seconds_between(rng: &mut Rng, lo: i64, hi: i64) -> Duration {
    Duration::seconds(rng.i64(lo.min(hi)..=hi.max(lo)))
}

/// A whole number of minutes in `lo..=hi` (either order).
pub(super) fn minutes_between(rng: &mut Rng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.i64(lo.min(hi)..=hi.max(lo)))
}

/// A duration of `fraction` of `of`, to the millisecond.
pub(super) fn fraction_of(of: Duration, fraction: f64) -> Duration {
    Duration::milliseconds((of.num_milliseconds() as f64 * fraction) as i64)
}

/// Midnight UTC of a day.
pub(super) fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// A time of day on a date, UTC.
pub(super) fn at(date: NaiveDate, hour: i64, minute: i64) -> DateTime<Utc> {
    midnight(date) + Duration::minutes(hour * 60 + minute)
}

/// Minutes since midnight of an instant.
pub(super) fn minute_of_day(at: DateTime<Utc>) -> i64 {
    (at - midnight(at.date_naive())).num_minutes()
}

/// True on Saturdays and Sundays, when people use the dashboards less.
pub(super) fn is_weekend(date: NaiveDate) -> bool {
    date.weekday().number_from_monday() >= 6
}

/// Microseconds of a duration, never negative.
pub(super) fn micros(duration: Duration) -> u64 {
    duration.num_microseconds().unwrap_or(i64::MAX).max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_spread() {
        let seed = Seed(7);
        assert_eq!(seed.key(&[1, 2]), Seed(7).key(&[1, 2]));
        assert_ne!(seed.key(&[1, 2]), seed.key(&[2, 1]));
        assert_ne!(seed.key(&[1]), Seed(8).key(&[1]));
        assert_eq!(text_key("orders"), text_key("orders"));
    }

    #[test]
    fn minute_of_day_counts_from_midnight() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T09:30:42.5Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(minute_of_day(t), 9 * 60 + 30);
    }
}
