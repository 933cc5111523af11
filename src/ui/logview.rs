//! A try's log, full screen: the lines laid out as `update` scrolls them, the matches of
//! the last search marked, the one gone to last in the accent colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::theme::Theme;
use super::widgets::block;
use crate::app::logview::{LogView, screen_lines};
use crate::text::{fit, inert_line};

/// Draws the log over everything below the header; the last row is its footer.
pub fn render(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    frame.render_widget(Clear, area);
    let Some(footer_y) = (area.y + area.height).checked_sub(1) else {
        return;
    };
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let footer = Rect {
        y: footer_y,
        height: 1,
        ..area
    };
    let lines = screen_lines(&view.text, usize::from(body.width.saturating_sub(2)).max(1));
    let rows = usize::from(body.height.saturating_sub(2));
    let last = lines.len().saturating_sub(rows);
    let top = view.scroll.min(last);
    let shown_end = (top + rows).min(lines.len());
    let title = format!(
        "log · {} · lines {}–{} of {}",
        inert_line(&view.title),
        if lines.is_empty() { 0 } else { top + 1 },
        shown_end,
        lines.len()
    );
    let b = block(theme, &title);
    let inner = b.inner(body);
    frame.render_widget(b, body);
    let current = view.current.and_then(|i| view.hits.get(i)).copied();
    let text: Vec<Line> = lines[top..shown_end]
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let at = top + i;
            let style = if Some(at) == current {
                theme
                    .accent
                    .add_modifier(Modifier::BOLD | Modifier::REVERSED)
            } else if view.hits.binary_search(&at).is_ok() {
                theme.warning.add_modifier(Modifier::BOLD)
            } else {
                theme.text
            };
            Line::styled(line.clone(), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(text), inner);
    let words = match &view.typing {
        Some(typed) => vec![
            Span::styled("/", theme.accent),
            Span::styled(inert_line(typed), theme.text),
            Span::styled("█", theme.accent),
            Span::styled("  Enter search  Esc cancel", theme.muted),
        ],
        None => {
            let found = match (view.needle.is_empty(), view.current) {
                (true, _) => String::new(),
                (false, Some(i)) => {
                    format!(
                        "  `{}` {}/{}",
                        inert_line(&view.needle),
                        i + 1,
                        view.hits.len()
                    )
                }
                (false, None) => format!("  `{}` not found", inert_line(&view.needle)),
            };
            vec![
                Span::styled(
                    " j k scroll  PgDn PgUp page  g G ends  / search  n N next  Esc back",
                    theme.muted,
                ),
                Span::styled(found, theme.accent),
            ]
        }
    };
    let line = Line::from(words);
    let text = line
        .spans
        .iter()
        .map(|s| s.content.as_ref())
        .collect::<String>();
    if crate::text::width(&text) > usize::from(footer.width) {
        frame.render_widget(
            Paragraph::new(fit(&text, usize::from(footer.width))).style(theme.muted),
            footer,
        );
    } else {
        frame.render_widget(Paragraph::new(line), footer);
    }
}
