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

/// An age that changes rarely, for what is drawn every second: whole tens of seconds under
/// a minute ("40 s"), then as [`age`] ("4 min", "3 h", "2 d").
pub fn rough_age(d: Duration) -> String {
    match d.as_secs() {
        s @ 0..=59 => format!("{} s", s / 10 * 10),
        _ => age(d),
    }
}

/// How long data stays "just now" on a source polled every `interval`: one interval (at
/// most a minute) and half as long again (at least 10 s) for the answer to arrive, so data
/// a source keeps polling on time never changes its words.
pub fn just_now_limit(interval: Duration) -> Duration {
    let interval = interval.min(Duration::from_secs(60));
    interval + (interval / 2).max(Duration::from_secs(10))
}

/// How long ago a pane's data was updated, in steps that change rarely: "just now" while
/// the source polls on time (see [`just_now_limit`]), then [`rough_age`] with "ago".
pub fn updated_ago(d: Duration, interval: Duration) -> String {
    if d < just_now_limit(interval) {
        "just now".to_string()
    } else {
        format!("{} ago", rough_age(d))
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

    /// Ages drawn every second move in steps: tens of seconds, then minutes, hours, days.
    #[test]
    fn rough_ages_move_in_steps() {
        let rough = |s| rough_age(Duration::from_secs(s));
        assert_eq!(rough(0), "0 s");
        assert_eq!(rough(9), "0 s");
        assert_eq!(rough(10), "10 s");
        assert_eq!(rough(59), "50 s");
        assert_eq!(rough(60), "1 min");
        assert_eq!(rough(119), "1 min");
        assert_eq!(rough(7200), "2 h");
    }

    /// Data a source polls on time says "just now" from one poll to the next (with room
    /// for the answer to arrive); only late data counts its age, in steps.
    #[test]
    fn updated_ago_stays_just_now_while_the_source_polls_on_time() {
        let secs = Duration::from_secs;
        let every = |interval| {
            (0..=interval + 5)
                .map(|s| updated_ago(secs(s), secs(interval)))
                .collect::<std::collections::BTreeSet<_>>()
        };
        // A poll every 30 s (answered within 5 s) leaves "just now" on screen throughout.
        assert_eq!(every(30).into_iter().collect::<Vec<_>>(), ["just now"]);
        assert_eq!(every(5).into_iter().collect::<Vec<_>>(), ["just now"]);
        assert_eq!(every(60).into_iter().collect::<Vec<_>>(), ["just now"]);
        assert_eq!(just_now_limit(secs(5)), secs(15));
        assert_eq!(just_now_limit(secs(30)), secs(45));
        assert_eq!(just_now_limit(secs(60)), secs(90));
        // A source polled every few hours is not "just now" for hours.
        assert_eq!(just_now_limit(secs(6 * 3600)), secs(90));
        assert_eq!(updated_ago(secs(44), secs(30)), "just now");
        assert_eq!(updated_ago(secs(45), secs(30)), "40 s ago");
        assert_eq!(updated_ago(secs(59), secs(30)), "50 s ago");
        assert_eq!(updated_ago(secs(61), secs(30)), "1 min ago");
        assert_eq!(updated_ago(secs(300), secs(6 * 3600)), "5 min ago");
        assert_eq!(updated_ago(secs(3 * 3600 + 5), secs(6 * 3600)), "3 h ago");
    }
}
