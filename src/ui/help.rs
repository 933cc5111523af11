//! The help overlay, built from the live keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::text::fit;
use super::theme::Theme;
use super::widgets::block;
use crate::app::{Action, Model};

const COMMANDS: &str = "commands: :overview :dms :airflow :redshift :cost :theme NAME :help :q";

/// Draws the help over the body: one column when it fits, two when the terminal is short.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    // In read-only mode the keys that change the platform are not offered at all.
    let entries: Vec<(String, &str)> = Action::ALL
        .iter()
        .filter(|action| !(model.environment.read_only && action.mutates()))
        .map(|action| {
            let keys: Vec<String> = model
                .keymap
                .keys(*action)
                .iter()
                .map(ToString::to_string)
                .collect();
            (keys.join(" "), action.description())
        })
        .collect();
    let one_column = entries.len() as u16 + 3 <= area.height;
    let columns = if one_column { 1 } else { 2 };
    let rows = entries.len().div_ceil(columns) as u16;
    let height = (rows + 3).min(area.height);
    let width = if one_column { 64 } else { 100 }.min(area.width);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let outer = block(theme, "help — Esc closes").style(theme.dialog);
    let inner = outer.inner(popup);
    frame.render_widget(outer, popup);
    let [body, footer] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let column_width = usize::from(body.width) / columns;
    let key_width = if column_width < 40 { 12 } else { 14 };
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(body);
    for (chunk, area) in entries.chunks(usize::from(rows.max(1))).zip(areas.iter()) {
        let lines: Vec<Line> = chunk
            .iter()
            .map(|(keys, description)| {
                Line::from(vec![
                    Span::styled(
                        format!("{:<key_width$}", fit(keys, key_width - 1)),
                        theme.footer_key,
                    ),
                    Span::styled(
                        fit(description, column_width.saturating_sub(key_width + 1)),
                        theme.text,
                    ),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), *area);
    }
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(COMMANDS, usize::from(footer.width)),
            theme.muted,
        )),
        footer,
    );
}
