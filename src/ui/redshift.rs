//! The Redshift tab: query health, and a query's detail with its full SQL.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dms::title_with_filter;
use super::theme::Theme;
use super::widgets::{Column, field, health_span, pane, table};
use super::widgets::{marked_health_span, status_cell};
use crate::app::act::row_activity;
use crate::app::view::Listed as _;
use crate::app::{Detail, Model, Tab};
use crate::domain::QueryRecord;
use crate::domain::failure::ItemRef;
use crate::text::{clock, inert, inert_line, micros};

const COLUMNS: [Column; 7] = [
    Column::always("HEALTH", Constraint::Length(11)),
    Column::from("QUERY", Constraint::Length(8), 60),
    Column::always("LABEL / SQL", Constraint::Min(18)),
    Column::from("USER", Constraint::Length(8), 70),
    Column::always("STATUS", Constraint::Length(8)),
    Column::always("ELAPSED", Constraint::Length(7)),
    Column::from("QUEUED", Constraint::Length(7), 90),
];

/// Draws the tab: the query list, or the open query's detail.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    if let Some(Detail::Query { id, scroll }) = &model.detail {
        return render_detail(frame, area, model, theme, *id, *scroll);
    }
    let view = model.view(Tab::Redshift);
    let count = model.queries.data.as_ref().map_or(0, Vec::len);
    let title = title_with_filter(
        &format!("queries, last 24 h ({}/{count})", view.rows.len()),
        &view.filter,
    );
    let inner = pane(frame, area, theme, title, &model.queries, model.now);
    let Some(queries) = &model.queries.data else {
        return;
    };
    table(frame, inner, theme, view, &COLUMNS, "no queries", |i| {
        let q = &queries[i];
        let item = ItemRef::Query { id: q.query_id };
        vec![
            Line::from(marked_health_span(
                q.health(),
                model.marks.contains(&q.key()),
                theme,
            )),
            Line::from(q.query_id.to_string()),
            Line::from(inert_line(q.title())),
            Line::from(inert_line(&q.user)),
            status_cell(q.status.as_str(), row_activity(model, &item), theme),
            Line::from(micros(q.elapsed_micros)),
            Line::from(micros(q.queue_micros)),
        ]
    });
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    theme: &Theme,
    id: i64,
    scroll: usize,
) {
    let inner = pane(
        frame,
        area,
        theme,
        format!("query {id}"),
        &model.queries,
        model.now,
    );
    let Some(query) = model.query(id) else {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "this query is no longer listed",
                theme.warning,
            )),
            inner,
        );
        return;
    };
    let lines = detail_lines(query, model, theme);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

fn detail_lines(q: &QueryRecord, model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    let now = model.platform_now;
    let mut lines = vec![
        Line::from(vec![
            health_span(q.health(), theme),
            Span::styled(
                format!(
                    "  {} · {} · {}",
                    inert_line(q.status.as_str()),
                    inert_line(&q.query_type),
                    inert_line(&q.database)
                ),
                theme.text,
            ),
        ]),
        field("label", inert_line(&q.label), theme),
        field("user", inert_line(&q.user), theme),
        field(
            "started",
            format!("{} → {}", clock(q.started_at, now), clock(q.ended_at, now)),
            theme,
        ),
        field(
            "timings",
            format!(
                "elapsed {} · queued {} · executing {}",
                micros(q.elapsed_micros),
                micros(q.queue_micros),
                micros(q.execution_micros)
            ),
            theme,
        ),
    ];
    if let Some(rows) = q.returned_rows.filter(|r| *r >= 0) {
        lines.push(field("rows", rows.to_string(), theme));
    }
    if let Some(mb) = q.spilled_mb.filter(|mb| *mb > 0) {
        lines.push(field("spilled", format!("{mb} MB to disk"), theme).style(theme.degraded));
    }
    if let Some(problem) = q
        .problem()
        .filter(|_| q.health() != crate::domain::Health::Failed)
    {
        lines.push(field("problem", inert_line(&problem), theme).style(theme.health(q.health())));
    }
    if let Some(error) = &q.error_message {
        lines.push(Line::styled("error", theme.muted));
        lines.extend(
            error
                .lines()
                .map(|l| Line::styled(inert(l).into_owned(), theme.failed)),
        );
    }
    lines.push(Line::styled(
        if q.text_truncated {
            "SQL (cut by the warehouse at 4000 characters)"
        } else {
            "SQL"
        },
        theme.muted,
    ));
    lines.extend(
        q.text
            .lines()
            .map(|l| Line::styled(inert(l).into_owned(), theme.text)),
    );
    lines
}
