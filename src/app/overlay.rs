//! The two text overlays, help and the message log: what they list and how it wraps.
//!
//! The rows are built from live data (the keymap, the command table, the messages), and
//! laid out here by display width, so `update` knows how far an overlay scrolls and the
//! UI draws exactly the lines counted here.

use chrono::{DateTime, Utc};

use super::command::COMMANDS;
use super::keys::Action;
use super::model::{Mode, Model};
use crate::text::{inert_line, width};

/// How many messages the log keeps.
pub const MESSAGES_KEPT: usize = 200;

/// A message once shown in the footer, kept for the message log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedMessage {
    pub at: DateTime<Utc>,
    pub text: String,
    pub is_error: bool,
}

/// What a row of an overlay is, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Heading,
    Entry,
    Error,
}

/// One row before wrapping: a left column (keys, a command, a time) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub left: String,
    pub text: String,
    pub kind: RowKind,
}

/// An overlay laid out for an area: its size (borders included) and its wrapped lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Laid {
    pub width: u16,
    pub height: u16,
    /// Columns of the left column, its gap included.
    pub left_width: usize,
    /// Each line: the left column (on a row's first line only), the text, the row's kind.
    pub lines: Vec<(String, String, RowKind)>,
}

impl Laid {
    /// Lines shown at once.
    pub fn visible(&self) -> usize {
        usize::from(self.height.saturating_sub(2))
    }

    /// The farthest the overlay scrolls (0 when every line fits).
    pub fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.visible())
    }
}

/// The left column never takes more than this.
const MOST_LEFT: usize = 22;

/// The rows of help: every action with its live keys (the mutating ones left out in
/// read-only mode), then every command of the command table.
pub fn help_rows(model: &Model) -> Vec<Row> {
    let mut rows = vec![Row {
        left: String::new(),
        text: "keys".to_string(),
        kind: RowKind::Heading,
    }];
    rows.extend(
        Action::ALL
            .iter()
            .filter(|action| !(model.environment.read_only && action.mutates()))
            .map(|action| Row {
                left: model
                    .keymap
                    .keys(*action)
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                text: action.description().to_string(),
                kind: RowKind::Entry,
            }),
    );
    rows.push(Row {
        left: String::new(),
        text: "commands (: then Enter; Tab completes)".to_string(),
        kind: RowKind::Heading,
    });
    rows.extend(COMMANDS.iter().map(|c| Row {
        left: c.usage.to_string(),
        text: if c.aliases.is_empty() {
            c.does.to_string()
        } else {
            format!(
                "{} (also {})",
                c.does,
                c.aliases
                    .iter()
                    .map(|a| format!(":{a}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        },
        kind: RowKind::Entry,
    }));
    rows
}

/// The rows of the message log: every kept message with its time, oldest first.
pub fn message_rows(model: &Model) -> Vec<Row> {
    if model.messages.is_empty() {
        return vec![Row {
            left: String::new(),
            text: "no messages yet".to_string(),
            kind: RowKind::Entry,
        }];
    }
    model
        .messages
        .iter()
        .map(|m| Row {
            left: m.at.format("%H:%M:%S").to_string(),
            text: inert_line(&m.text),
            kind: if m.is_error {
                RowKind::Error
            } else {
                RowKind::Entry
            },
        })
        .collect()
}

/// The rows of the open overlay, if one is open.
pub fn rows(model: &Model) -> Option<Vec<Row>> {
    match model.mode {
        Mode::Help => Some(help_rows(model)),
        Mode::Messages => Some(message_rows(model)),
        _ => None,
    }
}

/// Lays `rows` out in an area of `area_width` x `area_height`: as wide as the longest row
/// needs (up to the area), each text wrapped by words beside its left column, as tall as
/// its lines (up to the area: then it scrolls).
pub fn lay_out(rows: &[Row], area_width: u16, area_height: u16) -> Laid {
    let left_width = rows
        .iter()
        .filter(|r| r.kind != RowKind::Heading)
        .map(|r| width(&r.left))
        .max()
        .unwrap_or(0)
        .min(MOST_LEFT)
        + 1;
    let needed = rows
        .iter()
        .map(|r| match r.kind {
            RowKind::Heading => width(&r.text),
            _ => left_width + width(&r.text),
        })
        .max()
        .unwrap_or(0);
    // Borders and a column of padding on each side.
    let columns = (needed + 4).min(usize::from(area_width));
    let inner = columns.saturating_sub(4);
    let text_width = inner.saturating_sub(left_width).max(1);
    let mut lines = Vec::new();
    for row in rows {
        match row.kind {
            RowKind::Heading => {
                for line in wrap(&row.text, inner.max(1)) {
                    lines.push((String::new(), line, RowKind::Heading));
                }
            }
            _ => {
                // A left column too wide for its place gets a line of its own.
                let mut first_left = crate::text::pad(&row.left, left_width);
                if width(&row.left) >= left_width {
                    lines.push((crate::text::fit(&row.left, inner), String::new(), row.kind));
                    first_left = " ".repeat(left_width);
                }
                for (i, line) in wrap(&row.text, text_width).into_iter().enumerate() {
                    let left = if i == 0 {
                        first_left.clone()
                    } else {
                        " ".repeat(left_width)
                    };
                    lines.push((left, line, row.kind));
                }
            }
        }
    }
    let height = (lines.len() + 2).min(usize::from(area_height));
    Laid {
        width: columns as u16,
        height: height as u16,
        left_width,
        lines,
    }
}

/// Wraps `text` by words into lines of at most `columns` display columns; a word longer
/// than a line is cut into pieces.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_string();
        loop {
            let used = width(&line);
            let gap = usize::from(!line.is_empty());
            if used + gap + width(&word) <= columns {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than a whole line: as much as fits, the rest on the next.
            let mut head = String::new();
            let mut rest = String::new();
            for c in word.chars() {
                if rest.is_empty() && width(&head) + width(c.encode_utf8(&mut [0; 4])) <= columns {
                    head.push(c);
                } else {
                    rest.push(c);
                }
            }
            if head.is_empty() {
                // Not even one character fits: take it anyway rather than loop.
                let mut chars = rest.chars();
                head.extend(chars.next());
                rest = chars.collect();
            }
            lines.push(head);
            if rest.is_empty() {
                break;
            }
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The overlay as it is laid out on the current terminal (the body: less the header, the
/// tab bar and the footer), for scrolling.
pub fn laid_on_terminal(model: &Model) -> Option<Laid> {
    let rows = rows(model)?;
    Some(lay_out(&rows, model.size.0, model.size.1.saturating_sub(3)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_by_words_and_display_width() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("数据仓库 ok", 4), vec!["数据", "仓库", "ok"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
        for line in wrap("🚀🚀🚀 数据 load the warehouse", 5) {
            assert!(width(&line) <= 5, "{line}");
        }
    }

    #[test]
    fn an_overlay_is_as_wide_as_its_longest_row_and_wraps_below_it() {
        let rows = vec![
            Row {
                left: "q".into(),
                text: "quit".into(),
                kind: RowKind::Entry,
            },
            Row {
                left: "Ctrl-r".into(),
                text: "refresh this tab now, and every source on the Overview".into(),
                kind: RowKind::Entry,
            },
        ];
        let wide = lay_out(&rows, 160, 40);
        assert_eq!(wide.left_width, 7);
        assert_eq!(wide.width as usize, 7 + width(&rows[1].text) + 4);
        assert_eq!(wide.lines.len(), 2);
        let narrow = lay_out(&rows, 30, 40);
        assert_eq!(narrow.width, 30);
        assert!(narrow.lines.len() > 2);
        for (left, text, _) in &narrow.lines {
            assert!(width(left) + width(text) <= 26, "{left}{text}");
        }
        let short = lay_out(&rows, 30, 4);
        assert_eq!(short.visible(), 2);
        assert_eq!(short.max_scroll(), narrow.lines.len() - 2);
    }
}
