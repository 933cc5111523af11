//! The help overlay, built from the live keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::theme::Theme;
use super::widgets::block;
use crate::app::{Action, Model};

/// Draws the help over the body.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let mut lines: Vec<Line> = Action::ALL
        .iter()
        .map(|action| {
            let keys: Vec<String> = model
                .keymap
                .keys(*action)
                .iter()
                .map(ToString::to_string)
                .collect();
            Line::from(vec![
                Span::styled(format!("{:<14}", keys.join(" ")), theme.footer_key),
                Span::styled(action.description(), theme.text),
            ])
        })
        .collect();
    lines.push(Line::styled(
        "commands: :overview :dms :airflow :redshift :cost :theme NAME :help :q",
        theme.muted,
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 64.min(area.width);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.dialog)
            .block(block(theme, "help — Esc closes")),
        popup,
    );
}
