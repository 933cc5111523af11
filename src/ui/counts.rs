//! Health counts told in the room there is: with words, then short words, then by symbol
//! alone, then in thousands — a count is never cut.

use ratatui::text::Span;

use super::theme::Theme;
use crate::domain::{Health, HealthCounts};
use crate::text::width as width_of;

/// The counts of each health, in the widest form that fits `room` columns: with words, then
/// by symbol alone, then in thousands. A count is never cut.
pub fn counts_spans(counts: HealthCounts, room: usize, theme: &Theme) -> Vec<Span<'static>> {
    let shown: Vec<(Health, usize)> = [
        Health::Failed,
        Health::Degraded,
        Health::Running,
        Health::Ok,
        Health::Unknown,
    ]
    .into_iter()
    .map(|health| (health, counts.get(health)))
    // Unknown is worth a word only when there is some.
    .filter(|(health, n)| *n > 0 || *health != Health::Unknown)
    .collect();
    type Form = (
        fn(Health) -> &'static str,
        &'static str,
        fn(usize) -> String,
    );
    let forms: [Form; 5] = [
        (Health::label, "  ", |n| n.to_string()),
        (Health::label, " ", |n| n.to_string()),
        (short_label, " ", |n| n.to_string()),
        (|_| "", " ", |n| n.to_string()),
        (|_| "", " ", compact),
    ];
    let mut last = Vec::new();
    for (label, gap, number) in forms {
        let parts: Vec<(String, Health, usize)> = shown
            .iter()
            .map(|(health, n)| {
                let text = match label(*health) {
                    "" => format!("{} {}", health.symbol(), number(*n)),
                    word => format!("{} {} {word}", health.symbol(), number(*n)),
                };
                (text, *health, *n)
            })
            .collect();
        let total = parts.iter().map(|(t, ..)| width_of(t)).sum::<usize>()
            + gap.len() * parts.len().saturating_sub(1);
        last = parts
            .into_iter()
            .enumerate()
            .map(|(i, (text, health, n))| {
                let style = if n == 0 {
                    theme.muted
                } else {
                    theme.health(health)
                };
                let gap = if i == 0 { "" } else { gap };
                Span::styled(format!("{gap}{text}"), style)
            })
            .collect();
        if total <= room {
            break;
        }
    }
    last
}

/// The health's word made short for a narrow line ("degr" for degraded).
fn short_label(health: Health) -> &'static str {
    match health {
        Health::Ok => "ok",
        Health::Running => "run",
        Health::Degraded => "degr",
        Health::Failed => "fail",
        Health::Unknown => "unkn",
    }
}

/// A count in at most four columns: "971", "9715", "97k", "1.2M" (rounded down, so a
/// shortened count never says more than there is).
pub fn compact(n: usize) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{}k", n / 1000),
        _ if n < 10_000_000 => format!("{}.{}M", n / 1_000_000, n % 1_000_000 / 100_000),
        _ => format!("{}M", n / 1_000_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compact_count_keeps_every_digit_it_can_and_never_says_more() {
        assert_eq!(compact(455), "455");
        assert_eq!(compact(9715), "9715");
        assert_eq!(compact(10_000), "10k");
        assert_eq!(compact(97_150), "97k");
        assert_eq!(compact(999_999), "999k");
        assert_eq!(compact(1_250_000), "1.2M");
        assert_eq!(compact(12_500_000), "12M");
    }

    #[test]
    fn counts_take_the_widest_form_that_fits() {
        let theme = Theme::builtin("default").unwrap();
        let counts = HealthCounts {
            ok: 9715,
            running: 455,
            degraded: 12,
            failed: 3,
            unknown: 0,
        };
        let text = |room| {
            counts_spans(counts, room, &theme)
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        assert_eq!(
            text(80),
            "✖ 3 failed  ▲ 12 degraded  ▶ 455 running  ✔ 9715 ok"
        );
        assert_eq!(text(45), "✖ 3 fail ▲ 12 degr ▶ 455 run ✔ 9715 ok");
        assert_eq!(text(25), "✖ 3 ▲ 12 ▶ 455 ✔ 9715");
        // Too narrow for anything: the shortest form, whole, rather than a cut one.
        assert_eq!(text(5), "✖ 3 ▲ 12 ▶ 455 ✔ 9715");
    }
}
