//! A confirmation dialog: what the action will do, then `[ Cancel ]` and the yes button,
//! the focused one drawn as the selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::theme::Theme;
use super::widgets::block;
use crate::app::Confirmation;
use crate::app::overlay::wrap;
use crate::text::inert_line;

/// Draws the dialog centred over `area`, as tall as its text needs (or all of `area`).
pub fn render(frame: &mut Frame, area: Rect, dialog: &Confirmation, theme: &Theme) {
    let width = 72.min(area.width);
    let text_width = usize::from(width.saturating_sub(4)).max(1);
    // The text wrapped here, by words and display width (a CJK name takes two columns a
    // character), so the height counted is the height drawn. A line's leading spaces (an
    // indented list) stay on each of its wrapped lines.
    let wrapped: Vec<String> = dialog
        .lines
        .iter()
        .flat_map(|l| {
            let indent = l.len() - l.trim_start_matches(' ').len();
            let line = inert_line(l);
            wrap(&line, text_width.saturating_sub(indent).max(1))
                .into_iter()
                .map(move |w| format!("{}{w}", " ".repeat(indent)))
        })
        .collect();
    let text_rows = wrapped.len();
    let typed_rows = u16::from(dialog.typed.is_some());
    let height = (text_rows as u16 + 4 + typed_rows).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let outer = block(theme, &inert_line(&dialog.title)).style(theme.dialog);
    let inner = outer.inner(popup);
    frame.render_widget(outer, popup);
    let [text, typed, buttons] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(typed_rows),
        Constraint::Length(1),
    ])
    .areas(inner);
    if let Some(t) = &dialog.typed {
        let style = if t.input == t.expected {
            theme.ok
        } else {
            theme.text
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(" name: ", theme.muted),
                Span::styled(inert_line(&t.input), style),
                Span::styled("█", theme.accent),
            ])),
            typed,
        );
    }
    let room = usize::from(text.height);
    let hidden = wrapped.len().saturating_sub(room);
    let mut lines: Vec<Line> = wrapped
        .into_iter()
        .take(if hidden > 0 {
            room.saturating_sub(1)
        } else {
            room
        })
        .map(|l| Line::styled(l, theme.text))
        .collect();
    // What does not fit is never confirmed unseen in silence: the last row says so.
    if hidden > 0 && room > 0 {
        let more = format!(
            "… {} more line(s) not shown: a taller terminal shows them",
            hidden + 1
        );
        lines.push(Line::styled(
            crate::text::fit(&more, text_width.saturating_sub(2)),
            theme.warning,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            ratatui::widgets::Block::new().padding(ratatui::widgets::Padding::horizontal(1)),
        ),
        text,
    );
    let (cancel, confirm) = if dialog.on_confirm {
        (theme.text, theme.selection)
    } else {
        (theme.selection, theme.text)
    };
    // Not ready (a dry run still out, or nothing to do): the yes button is shown inactive.
    let confirm = if dialog.ready() { confirm } else { theme.muted };
    let row = Line::from(vec![
        Span::styled("[ Cancel ]", cancel),
        Span::raw("  "),
        Span::styled(
            format!("[ {} ]", inert_line(&dialog.confirm_label)),
            confirm,
        ),
    ])
    .centered();
    frame.render_widget(Paragraph::new(row), buttons);
}
