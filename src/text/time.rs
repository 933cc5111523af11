//! Times told short: ages ("12 s"), durations ("3m12s"), how long ago, clock times.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A short age: "12 s", "4 min", "3 h", "2 d".
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

/// A compact duration: "42s", "3m12s", "1h05m", "2d03h".
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// The time between two instants as a compact duration ("" when either is unknown).
pub fn span(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> String {
    match (from, to) {
        (Some(a), Some(b)) => duration((b - a).to_std().unwrap_or_default()),
        _ => String::new(),
    }
}

/// How long ago `at` was, seen from `now`: "3 h ago" ("–" when unknown).
pub fn ago(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        Some(at) => format!("{} ago", age((now - at).to_std().unwrap_or_default())),
        None => "–".to_string(),
    }
}

/// A time in UTC as short as it can be told: "01:42" today, "Sun 01:42" this past week,
/// "11-02 01:42" before.
pub fn clock(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        Some(at) if at.date_naive() == now.date_naive() => at.format("%H:%M").to_string(),
        Some(at) if (now - at).num_days() < 6 => at.format("%a %H:%M").to_string(),
        Some(at) => at.format("%m-%d %H:%M").to_string(),
        None => "–".to_string(),
    }
}

/// Microseconds as a compact duration.
pub fn micros(us: u64) -> String {
    if us < 1_000_000 {
        format!("{}ms", us / 1000)
    } else {
        duration(Duration::from_micros(us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_durations() {
        assert_eq!(age(Duration::from_secs(12)), "12 s");
        assert_eq!(age(Duration::from_secs(300)), "5 min");
        assert_eq!(duration(Duration::from_secs(192)), "3m12s");
        assert_eq!(duration(Duration::from_secs(3900)), "1h05m");
        assert_eq!(micros(1500), "1ms");
        let now = "2026-11-23T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(clock(at("2026-11-23T01:42:00Z"), now), "01:42");
        assert_eq!(clock(at("2026-11-22T01:42:00Z"), now), "Sun 01:42");
        assert_eq!(clock(at("2026-11-02T01:42:00Z"), now), "11-02 01:42");
    }
}
