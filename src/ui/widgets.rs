//! The pieces every tab is made of: a pane that tells its data's age and error, and a
//! virtualized table that builds only the rows on screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::theme::Theme;
use crate::app::{Freshness, Resource, TableView};
use crate::domain::Health;
use crate::text::{age, inert_line, updated_ago};

/// The health as symbol and word, in its colour: never told by colour alone.
pub fn health_span(health: Health, theme: &Theme) -> Span<'static> {
    Span::styled(
        format!("{} {}", health.symbol(), health.label()),
        theme.health(health),
    )
}

/// The symbol of something that has not started yet (a task instance with no status, a
/// queued one, a table before its load): it is not running, so it is not `▶`.
pub const WAITING: &str = "○";

/// The one mapping from a state to what is drawn for it: the health's symbol (or
/// [`WAITING`] for what has not started) and the state's own word, in the health's colour.
pub fn state_span(health: Health, waiting: bool, word: &str, theme: &Theme) -> Span<'static> {
    let symbol = if waiting { WAITING } else { health.symbol() };
    Span::styled(
        format!("{symbol} {}", inert_line(word)),
        if waiting {
            theme.muted
        } else {
            theme.health(health)
        },
    )
}

/// A pipeline stage's status: the health's symbol and word, then the stage's own detail
/// when it says more ("▲ degraded · running", "✖ 1 failed of 6", "✔ ok").
pub fn stage_words(health: Health, detail: &str) -> String {
    let detail = inert_line(detail);
    let says_health = detail
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|word| word == health.label() || synonym(health, word));
    if says_health {
        format!("{} {detail}", health.symbol())
    } else if detail.is_empty() {
        format!("{} {}", health.symbol(), health.label())
    } else {
        format!("{} {} · {detail}", health.symbol(), health.label())
    }
}

/// A state's word that says the same as the health's ("success" for ok).
fn synonym(health: Health, word: &str) -> bool {
    matches!(
        (health, word),
        (Health::Ok, "success" | "succeeded") | (Health::Failed, "failure")
    )
}

/// The health cell of a row, with a `●` when the row is marked for a retry of several.
pub fn marked_health_span(health: Health, marked: bool, theme: &Theme) -> Span<'static> {
    if !marked {
        return health_span(health, theme);
    }
    Span::styled(
        format!("●{} {}", health.symbol(), health.label()),
        theme
            .health(health)
            .add_modifier(ratatui::style::Modifier::BOLD),
    )
}

/// A status cell that says "retrying…" while an action on the row's item is in flight,
/// and "watching…" while it is followed after one.
pub fn status_cell(status: &str, activity: Option<&'static str>, theme: &Theme) -> Line<'static> {
    match activity {
        Some(word) => Line::from(Span::styled(word, theme.accent)),
        None => Line::from(crate::text::inert_line(status)),
    }
}

/// The right-hand title of a pane: how old its data is, or that it is loading.
pub fn freshness_line<T>(
    resource: &Resource<T>,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) -> Line<'static> {
    let loading = if resource.loading { " ⟳" } else { "" };
    match resource.freshness(now) {
        Freshness::Never if resource.error.is_some() => Line::styled(" no data ", theme.failed),
        Freshness::Never => Line::styled(" loading… ", theme.muted),
        // Fresh data says "just now" while its source polls on time, so an idle screen
        // stays still; stale data tells its exact age.
        Freshness::Fresh(d) => Line::styled(
            format!(" updated {}{loading} ", updated_ago(d, resource.interval)),
            theme.muted,
        ),
        Freshness::Stale(d) => Line::styled(
            format!(" ⚠ stale: updated {} ago{loading} ", age(d)),
            theme.warning,
        ),
    }
}

/// A line cut to `columns` display columns, ending with `…` when cut (each span keeps its
/// style; the cut falls between grapheme clusters).
pub fn fit_line(line: Line<'static>, columns: usize) -> Line<'static> {
    if line.width() <= columns {
        return line;
    }
    let mut room = columns;
    let mut spans = Vec::new();
    let count = line.spans.len();
    for (i, span) in line.spans.into_iter().enumerate() {
        let w = crate::text::width(&span.content);
        if w < room || (w == room && i + 1 == count) {
            room -= w;
            spans.push(span);
            continue;
        }
        spans.push(Span::styled(
            crate::text::fit(&span.content, room),
            span.style,
        ));
        break;
    }
    Line {
        spans,
        ..Line::default()
    }
    .style(line.style)
}

/// Draws a bordered pane with a title and its data's age; returns the area inside, less a
/// line for the source's error when there is one (the data stays visible below it).
pub fn pane<T>(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: String,
    resource: &Resource<T>,
    now: chrono::DateTime<chrono::Utc>,
) -> Rect {
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(format!(" {title} "), theme.title))
        .title_top(freshness_line(resource, now, theme).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &resource.error {
        Some(error) if inner.height > 1 => {
            let mut text = format!("✖ {}", inert_line(&error.message));
            if let Some(hint) = &error.hint {
                text.push_str(" — ");
                text.push_str(&inert_line(hint));
            }
            if resource.data.is_some() {
                text.push_str(" (showing the last data)");
            }
            // The cause and its hint wrap over up to three lines (two under data), so the
            // hint is read whole at 80 columns; the data keeps the rest. What still does
            // not fit ends with `…`.
            let most: u16 = if resource.data.is_some() { 2 } else { 3 };
            let most = most.min(inner.height - 1);
            let lines = crate::text::wrap(&text, usize::from(inner.width), usize::from(most));
            let needed = (lines.len() as u16).max(1);
            let [line, rest] =
                ratatui::layout::Layout::vertical([Constraint::Length(needed), Constraint::Min(0)])
                    .areas(inner);
            frame.render_widget(
                Paragraph::new(
                    lines
                        .into_iter()
                        .map(|l| Line::styled(l, theme.failed))
                        .collect::<Vec<_>>(),
                ),
                line,
            );
            rest
        }
        _ => inner,
    }
}

/// A bordered block with a plain title, for parts that are not a source's data.
pub fn block(theme: &Theme, title: &str) -> Block<'static> {
    Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(format!(" {title} "), theme.title))
}

/// One column of a table: its title, width, and the narrowest area that still shows it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
    /// The column is dropped when the table is narrower than this.
    pub min_area_width: u16,
}

impl Column {
    /// A column shown at every width.
    pub const fn always(title: &'static str, width: Constraint) -> Self {
        Column {
            title,
            width,
            min_area_width: 0,
        }
    }

    /// A column shown only when the table is at least `min` wide.
    pub const fn from(title: &'static str, width: Constraint, min: u16) -> Self {
        Column {
            title,
            width,
            min_area_width: min,
        }
    }
}

/// The first row shown so that `selected` is on screen (the selection rides the last line
/// when scrolling down), for a body of `height` rows.
pub fn scroll_offset(selected: usize, height: usize) -> usize {
    selected.saturating_sub(height.saturating_sub(1))
}

/// Draws a table of `view`'s rows, building cells only for the rows on screen.
///
/// `cells(item_index)` gives one cell per column in `columns` order; dropped columns are
/// removed here. The column sorted by gets ▼ or ▲ in its title.
pub fn table(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    view: &TableView,
    columns: &[Column],
    empty: &str,
    cells: impl Fn(usize) -> Vec<Line<'static>>,
) {
    if view.rows.is_empty() {
        let text = if view.filter.is_empty() {
            empty.to_string()
        } else {
            format!("nothing matches /{}", inert_line(&view.filter))
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.muted)), area);
        return;
    }
    // The column the rows are sorted by stays, however narrow: its arrow says the order.
    let shown: Vec<usize> = (0..columns.len())
        .filter(|i| area.width >= columns[*i].min_area_width || *i == view.sort.column)
        .collect();
    let body_height = usize::from(area.height.saturating_sub(1));
    let offset = scroll_offset(view.selected, body_height);
    let widths: Vec<Constraint> = shown.iter().map(|i| columns[*i].width).collect();
    // The columns' widths as the table lays them out, so a cell too wide for its column
    // is cut with an ellipsis rather than at the edge.
    let fitted: Vec<usize> = Layout::horizontal(widths.iter().copied())
        .flex(Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, area.width, 1))
        .iter()
        .map(|r| usize::from(r.width))
        .collect();
    let header = Row::new(shown.iter().zip(&fitted).map(|(i, &room)| {
        let title = columns[*i].title;
        let mark = match (view.sort.column == *i, view.sort.descending) {
            (true, true) => "▼",
            (true, false) => "▲",
            _ => return Cell::from(title),
        };
        // In a narrow column the title gives way to the arrow ("LOA▼").
        let kept: String = title.chars().take(room.saturating_sub(1)).collect();
        Cell::from(format!("{kept}{mark}"))
    }))
    .style(theme.muted.add_modifier(Modifier::BOLD));
    let rows = view.rows[offset..].iter().take(body_height).map(|index| {
        let all = cells(*index);
        let mut kept = Vec::with_capacity(shown.len());
        for (i, line) in all.into_iter().enumerate() {
            if let Some(at) = shown.iter().position(|&s| s == i) {
                kept.push(Cell::from(fit_line(line, fitted[at])));
            }
        }
        Row::new(kept)
    });
    let table = Table::new(rows, widths)
        .header(header)
        .style(theme.text)
        .column_spacing(1)
        .row_highlight_style(theme.selection);
    let mut state = TableState::default().with_selected(Some(view.selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}

/// A label and a value on one line, for detail views.
pub fn field(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(crate::text::pad(label, 14), theme.muted),
        Span::styled(value.into(), theme.text),
    ])
}
