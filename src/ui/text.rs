//! Text helpers: remote strings made inert, ages, durations, times.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Makes a remote string safe to draw: control characters (C0, DEL, C1, and so any escape
/// sequence) become `�`, tabs become a space; nothing a service returns can drive the
/// terminal.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' => ' ',
                c if is_unsafe(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

/// Like [`inert`], on one line: line breaks become ` ⏎ ` so a message keeps to its row.
pub fn inert_line(s: &str) -> String {
    let joined = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ⏎ ");
    inert(&joined).into_owned()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{2028}'..='\u{202e}').contains(&c)
}

pub use crate::app::resource::age;

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

/// Cuts a string to `width` characters, ending with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_made_inert() {
        assert_eq!(inert("plain"), "plain");
        assert_eq!(inert("a\x1b[2Jb"), "a\u{fffd}[2Jb");
        assert_eq!(inert("bell\x07"), "bell\u{fffd}");
        assert_eq!(inert("c1\u{9b}31m"), "c1\u{fffd}31m");
        assert_eq!(inert_line("line one\nline two\r\n"), "line one ⏎ line two");
        assert!(!inert_line("x\x1b]0;title\x07y").contains('\x1b'));
    }

    #[test]
    fn ages_and_durations() {
        assert_eq!(age(Duration::from_secs(12)), "12 s");
        assert_eq!(age(Duration::from_secs(300)), "5 min");
        assert_eq!(duration(Duration::from_secs(192)), "3m12s");
        assert_eq!(duration(Duration::from_secs(3900)), "1h05m");
        assert_eq!(micros(1500), "1ms");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        let now = "2026-11-23T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(clock(at("2026-11-23T01:42:00Z"), now), "01:42");
        assert_eq!(clock(at("2026-11-22T01:42:00Z"), now), "Sun 01:42");
        assert_eq!(clock(at("2026-11-02T01:42:00Z"), now), "11-02 01:42");
    }
}
