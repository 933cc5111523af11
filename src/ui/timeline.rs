//! The night's timeline, full screen: a label column (stages, their items indented, a
//! run's task instances under it), then each row's bar on one time axis from the first
//! start to now. Health is told by the bar's end, never by colour alone: `✔` ended well,
//! `✖` failed, `▶` runs (to now), `░` waits; `↻` marks a retried task, and a note after the
//! bar says what the plan does to it or that it ran on stale data.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Clear, Paragraph};

use super::theme::Theme;
use super::widgets::block;
use crate::app::Model;
use crate::app::timeline::{Phase, Row, Timeline, rows};
use crate::domain::Health;
use crate::text::{fit, inert_line, pad, width};

/// Draws the timeline over everything below the header; the last row is its footer.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, timeline: &Timeline, theme: &Theme) {
    frame.render_widget(Clear, area);
    if area.height < 4 || area.width < 20 {
        return;
    }
    let rows = rows(model, timeline);
    let now = model.platform_now;
    let first = rows
        .iter()
        .filter_map(|r| r.start)
        .min()
        .unwrap_or(now)
        .min(now);
    let body = Rect {
        height: area.height - 1,
        ..area
    };
    // A night seen the next day says its dates.
    let from = if first.date_naive() == now.date_naive() {
        first.format("%H:%M").to_string()
    } else {
        first.format("%b %d %H:%M").to_string()
    };
    let title = format!(
        "night · {} · {from} → {} (now)",
        inert_line(&timeline.pipeline),
        now.format("%H:%M")
    );
    let b = block(theme, &title);
    let inner = b.inner(body);
    frame.render_widget(b, body);
    // The label column, then the bars; the last inner row is the time axis.
    let label_width = (usize::from(inner.width) / 3).clamp(8, 30);
    let bar_x = inner.x + label_width as u16 + 1;
    let bar_width = usize::from(inner.width).saturating_sub(label_width + 1);
    let shown = usize::from(inner.height.saturating_sub(1));
    let last = rows.len().saturating_sub(shown);
    let top = timeline.scroll.min(last);
    let axis = Axis {
        first,
        now,
        columns: bar_width,
    };
    let buffer = frame.buffer_mut();
    for (i, row) in rows.iter().skip(top).take(shown).enumerate() {
        let y = inner.y + i as u16;
        let indent = "  ".repeat(usize::from(row.depth));
        let label = fit(&format!("{indent}{}", inert_line(&row.label)), label_width);
        let style = if row.depth == 0 {
            theme.title
        } else {
            theme.text
        };
        buffer.set_string(inner.x, y, pad(&label, label_width), style);
        draw_bar(buffer, (bar_x, y), row, &axis, theme);
    }
    if rows.is_empty() {
        buffer.set_string(inner.x, inner.y, "nothing ran tonight", theme.muted);
    }
    let axis_y = inner.y + inner.height - 1;
    buffer.set_string(bar_x, axis_y, axis.labels(), theme.muted);
    let footer = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    let more = if rows.len() > shown {
        format!(
            "  rows {}–{} of {}",
            top + 1,
            (top + shown).min(rows.len()),
            rows.len()
        )
    } else {
        String::new()
    };
    // The keys and where the view is first: on a narrow terminal the legend is cut.
    let text =
        format!(" j k scroll  Esc back{more}   ✔ ended well  ✖ failed  ▶ runs  ░ waits  ↻ retried");
    frame.render_widget(
        Paragraph::new(fit(&text, usize::from(footer.width))).style(theme.muted),
        footer,
    );
}

/// The time axis: a time to a column of the bars.
struct Axis {
    first: DateTime<Utc>,
    now: DateTime<Utc>,
    columns: usize,
}

impl Axis {
    fn column(&self, at: DateTime<Utc>) -> usize {
        let span = (self.now - self.first).num_seconds().max(1);
        let at = (at - self.first).num_seconds().clamp(0, span);
        let last = self.columns.saturating_sub(1) as i64;
        usize::try_from(at * last / span).unwrap_or_default()
    }

    /// "01:00      04:30      08:00      11:30      15:12" spread over the columns.
    fn labels(&self) -> String {
        let mut line = vec![' '; self.columns];
        let marks = (self.columns / 14).clamp(1, 6);
        for k in 0..=marks {
            let column = self.columns.saturating_sub(5) * k / marks;
            let at = self.first + (self.now - self.first) * k as i32 / marks as i32;
            for (i, c) in at.format("%H:%M").to_string().chars().enumerate() {
                if let Some(cell) = line.get_mut(column + i) {
                    *cell = c;
                }
            }
        }
        line.into_iter().collect()
    }
}

fn draw_bar(buffer: &mut Buffer, (x, y): (u16, u16), row: &Row, axis: &Axis, theme: &Theme) {
    if axis.columns == 0 {
        return;
    }
    let style = theme.health(row.health);
    let Some(start) = row.start else {
        // Not started: its wait shows at the axis's end, where now is; one that ended
        // without running says why where its bar would be.
        if row.phase == Phase::Queued {
            let at = x + axis.columns.saturating_sub(1) as u16;
            buffer.set_string(at, y, "░", theme.muted);
        }
        if let Some(note) = &row.note {
            let text = fit(&inert_line(note), axis.columns.saturating_sub(2));
            let note_style = if note_is_warning(&text) {
                theme.warning
            } else {
                theme.muted
            };
            buffer.set_string(x, y, text, note_style);
        }
        return;
    };
    let from = axis.column(start);
    let to = match row.end {
        Some(end) => axis.column(end),
        None => axis.columns - 1,
    }
    .max(from);
    let fill = match row.phase {
        Phase::Queued => "░",
        _ => "━",
    };
    let bar: String = fill.repeat(to - from + 1);
    buffer.set_string(x + from as u16, y, &bar, style);
    let end_symbol = match (row.phase, row.health) {
        (Phase::Queued, _) => "░",
        (Phase::Running, _) => "▶",
        (Phase::Ended, Health::Ok) => "✔",
        (Phase::Ended, Health::Failed) => "✖",
        (Phase::Ended, Health::Degraded) => "▲",
        (Phase::Ended, _) => "?",
    };
    buffer.set_string(x + to as u16, y, end_symbol, style);
    // A retried task: `↻` before its bar's end (never over it).
    if row.retries > 0 {
        let at = if to > from {
            from
        } else {
            from.saturating_sub(1)
        };
        if at < to {
            buffer.set_string(x + at as u16, y, "↻", style);
        }
    }
    // A note goes after the bar when there is room, else before it, else it is cut to
    // what is left after the bar: the bar's end stays in sight.
    if let Some(note) = &row.note {
        let after = axis.columns.saturating_sub(to + 2);
        let before = from.saturating_sub(1);
        let note = inert_line(note);
        let (at, text) = if width(&note) <= after {
            (to + 2, note)
        } else if width(&note) <= before {
            (from - 1 - width(&note), note)
        } else if after >= before {
            (to + 2, fit(&note, after))
        } else {
            (0, fit(&note, before))
        };
        if text.is_empty() {
            return;
        }
        let note_style = if note_is_warning(&text) {
            theme.warning
        } else {
            Style::default().patch(theme.accent)
        };
        buffer.set_string(x + at as u16, y, text, note_style);
    }
}

fn note_is_warning(note: &str) -> bool {
    note.starts_with('◌') || note.contains("failed")
}
