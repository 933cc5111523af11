//! The DMS tab: replication tasks, and a task's detail with its table statistics.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::{Column, field, health_span, pane, table};
use super::widgets::{marked_health_span, state_span, status_cell};
use crate::app::act::row_activity;
use crate::app::view::Listed;
use crate::app::{Detail, Model, Resource, Tab};
use crate::domain::failure::ItemRef;
use crate::domain::{ReplicationTask, TableState, TableStatistics, TaskSettings};
use crate::text::{ago, clock, duration, inert_line};

const COLUMNS: [Column; 7] = [
    Column::always("HEALTH", Constraint::Length(11)),
    Column::always("TASK", Constraint::Min(20)),
    Column::from("TYPE", Constraint::Length(17), 100),
    Column::always("STATUS", Constraint::Length(8)),
    Column::always("LOAD", Constraint::Length(4)),
    Column::from("ERR", Constraint::Length(3), 60),
    Column::always("SINCE", Constraint::Length(9)),
];

/// Draws the tab: the task list, or the open task's detail.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    if matches!(model.detail, Some(Detail::Task { .. })) {
        return render_detail(frame, area, model, theme);
    }
    let view = model.view(Tab::Dms);
    let count = model.tasks.data.as_ref().map_or(0, Vec::len);
    let title = title_with_filter(
        &format!("DMS tasks ({}/{count})", view.rows.len()),
        &view.filter,
    );
    let inner = pane(frame, area, theme, title, &model.tasks, model.now);
    let Some(tasks) = &model.tasks.data else {
        return;
    };
    table(
        frame,
        inner,
        theme,
        view,
        &COLUMNS,
        "no replication tasks",
        |i| {
            let task = &tasks[i];
            let stats = task.stats.clone().unwrap_or_default();
            let item = ItemRef::Replication {
                id: task.id.clone(),
            };
            vec![
                Line::from(marked_health_span(
                    task.health(),
                    model.marks.contains(&task.key()),
                    theme,
                )),
                Line::from(inert_line(&task.id)),
                Line::from(inert_line(task.migration_type.as_str())),
                status_cell(task.status.as_str(), row_activity(model, &item), theme),
                Line::from(format!("{:>3}%", stats.full_load_progress_percent)),
                Line::from(match stats.tables_errored {
                    0 => "·".to_string(),
                    n => n.to_string(),
                }),
                Line::from(ago(task.since(), model.platform_now).replace(" ago", "")),
            ]
        },
    );
}

/// "DMS tasks (3/12) /orders" when a filter is set.
pub fn title_with_filter(title: &str, filter: &str) -> String {
    if filter.is_empty() {
        title.to_string()
    } else {
        format!("{title} /{}", inert_line(filter))
    }
}

fn render_detail(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let Some(Detail::Task {
        id,
        tables,
        settings,
        scroll,
    }) = &model.detail
    else {
        return;
    };
    let title = format!("DMS task {}", inert_line(id));
    let Some(task) = model.task(id) else {
        let inner = pane(frame, area, theme, title, &model.tasks, model.now);
        frame.render_widget(
            Paragraph::new(Line::styled("this task is no longer listed", theme.warning)),
            inner,
        );
        return;
    };
    let inner = pane(frame, area, theme, title, &model.tasks, model.now);
    let mut lines = summary(task, model, theme);
    // Before the database and ARN: what a reload would do matters more at 80x24.
    let at = lines.len().saturating_sub(2);
    lines.insert(at, field("table prep", prep_mode(settings), theme));
    let summary_height = wrapped_height(&lines, inner.width).min(inner.height / 2 + 1);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(summary_height), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    render_tables(frame, bottom, model, theme, tables, *scroll);
}

/// The task's TargetTablePrepMode and what a reload would do with it.
fn prep_mode(settings: &Resource<TaskSettings>) -> String {
    match (&settings.data, &settings.error) {
        (
            Some(TaskSettings {
                target_table_prep_mode: Some(mode),
            }),
            _,
        ) => format!("{} — {}", inert_line(mode.as_str()), mode.effect()),
        (Some(_), _) => "not in the task settings".to_string(),
        (None, Some(error)) => format!("settings not read: {}", inert_line(&error.message)),
        (None, None) => "reading the task settings…".to_string(),
    }
}

fn summary(task: &ReplicationTask, model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    let stats = task.stats.clone().unwrap_or_default();
    let now = model.platform_now;
    let mut lines = vec![Line::from(vec![
        health_span(task.health(), theme),
        ratatui::text::Span::styled(
            format!(
                "  {} · {}{}",
                inert_line(task.status.as_str()),
                inert_line(task.migration_type.as_str()),
                if task.serverless {
                    " · serverless"
                } else {
                    ""
                }
            ),
            theme.text,
        ),
    ])];
    // Why first: it is what the operator opened the detail for.
    if let Some(message) = task
        .last_failure_message
        .as_deref()
        .filter(|m| !m.is_empty())
    {
        lines.push(Line::styled(inert_line(message), theme.failed));
    }
    if let Some(code) = task.stop_reason_code() {
        lines.push(field(
            "stopped",
            format!("{} at {}", inert_line(code), clock(stats.stopped_at, now)),
            theme,
        ));
    }
    lines.push(field(
        "full load",
        format!(
            "{}% · {} loaded, {} loading, {} queued, {} errored · {}",
            stats.full_load_progress_percent,
            stats.tables_loaded,
            stats.tables_loading,
            stats.tables_queued,
            stats.tables_errored,
            duration(std::time::Duration::from_millis(stats.elapsed_millis))
        ),
        theme,
    ));
    lines.push(field(
        "started",
        format!(
            "{} ({})",
            clock(task.started_at, now),
            ago(task.started_at, now)
        ),
        theme,
    ));
    lines.push(field("database", inert_line(&task.source_database), theme));
    lines.push(field("ARN", inert_line(&task.arn), theme));
    lines
}

/// Rows a set of lines takes once wrapped at `width` columns.
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(width) as u16)
        .sum()
}

const TABLE_COLUMNS: [Column; 7] = [
    Column::always("STATE", Constraint::Length(18)),
    Column::always("TABLE", Constraint::Min(16)),
    Column::always("ROWS", Constraint::Length(10)),
    Column::from("INS", Constraint::Length(8), 70),
    Column::from("UPD", Constraint::Length(8), 70),
    Column::from("DEL", Constraint::Length(8), 90),
    Column::from("UPDATED", Constraint::Length(11), 100),
];

fn render_tables(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    theme: &Theme,
    tables: &Resource<Vec<TableStatistics>>,
    scroll: usize,
) {
    let inner = pane(
        frame,
        area,
        theme,
        "table statistics".to_string(),
        tables,
        model.now,
    );
    let Some(rows) = &tables.data else {
        return;
    };
    // The detail's scroll moves a plain cursor over the table statistics.
    let mut view = crate::app::TableView::new(usize::MAX, false);
    view.rows = (0..rows.len()).collect();
    view.selected = scroll.min(rows.len().saturating_sub(1));
    table(
        frame,
        inner,
        theme,
        &view,
        &TABLE_COLUMNS,
        "no tables",
        |i| {
            let t = &rows[i];
            let marked = model
                .marks
                .contains(&crate::app::view::RowKey::table(&t.schema, &t.table));
            vec![
                Line::from({
                    let state = state_span(
                        t.state.health(),
                        t.state == TableState::BeforeLoad,
                        t.state.as_str(),
                        theme,
                    );
                    if marked {
                        ratatui::text::Span::styled(format!("●{}", state.content), state.style)
                    } else {
                        state
                    }
                }),
                Line::from(format!(
                    "{}.{}",
                    inert_line(&t.schema),
                    inert_line(&t.table)
                )),
                Line::from(format!("{:>10}", t.full_load_rows)),
                Line::from(format!("{:>8}", t.inserts)),
                Line::from(format!("{:>8}", t.updates)),
                Line::from(format!("{:>8}", t.deletes)),
                Line::from(clock(t.last_update, model.platform_now)),
            ]
        },
    );
}
