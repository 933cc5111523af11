//! The text overlays: help (built from the live keymap and the command table) and the
//! message log. Each is as wide as its longest row needs (up to the screen), wraps the
//! rest, and scrolls when it is taller than the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::theme::Theme;
use super::widgets::block;
use crate::app::overlay::{self, RowKind};
use crate::app::{Action, Mode, Model};

/// Draws the open overlay centred over the body.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let Some(rows) = overlay::rows(model) else {
        return;
    };
    let laid = overlay::lay_out(&rows, area.width, area.height);
    if laid.height < 3 || laid.width < 8 {
        return;
    }
    let popup = Rect {
        x: area.x + (area.width - laid.width) / 2,
        y: area.y + (area.height - laid.height) / 2,
        width: laid.width,
        height: laid.height,
    };
    let scroll = model.overlay_scroll.min(laid.max_scroll());
    let name = if model.mode == Mode::Messages {
        "messages"
    } else {
        "help"
    };
    let mut title = format!("{name} — {} closes", model.keymap.key_text(Action::Back));
    if laid.max_scroll() > 0 {
        title.push_str(&format!(
            " · {} {} scroll · {}–{} of {}",
            model.keymap.key_text(Action::Down),
            model.keymap.key_text(Action::Up),
            scroll + 1,
            (scroll + laid.visible()).min(laid.lines.len()),
            laid.lines.len()
        ));
    }
    frame.render_widget(Clear, popup);
    let outer = block(
        theme,
        &crate::text::fit(&title, usize::from(laid.width).saturating_sub(4)),
    )
    .style(theme.dialog);
    let inner = outer.inner(popup);
    frame.render_widget(outer, popup);
    let lines: Vec<Line> = laid
        .lines
        .iter()
        .skip(scroll)
        .take(laid.visible())
        .map(|(left, text, kind)| {
            let text_style = match kind {
                RowKind::Heading => theme.title,
                RowKind::Entry => theme.text,
                RowKind::Error => theme.failed,
            };
            Line::from(vec![
                Span::raw(" "),
                Span::styled(left.clone(), theme.footer_key),
                Span::styled(text.clone(), text_style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
