//! The Airflow tab: DAG runs, and a run's detail with its task instances.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dms::title_with_filter;
use super::theme::Theme;
use super::widgets::{Column, field, freshness_line, health_span, pane, table};
use super::widgets::{marked_health_span, state_span, status_cell};
use crate::app::act::row_activity;
use crate::app::model::TaskLog;
use crate::app::view::Listed as _;
use crate::app::{Detail, Model, Resource, Tab, TableView};
use crate::domain::failure::ItemRef;
use crate::domain::{TaskInstance, TaskState, WorkflowRun};
use crate::text::{clock, inert, inert_line, span};

const COLUMNS: [Column; 7] = [
    Column::always("HEALTH", Constraint::Length(11)),
    Column::always("DAG", Constraint::Length(17)),
    Column::from("RUN", Constraint::Length(38), 130),
    Column::always("STATE", Constraint::Length(7)),
    Column::always("STARTED", Constraint::Length(9)),
    Column::from("DURATION", Constraint::Length(8), 60),
    Column::always("FAILURE", Constraint::Min(10)),
];

/// The run list's title: the counts, and which runs the list holds, in words as long as
/// the top border has room for beside the data's age ("last 24 h, active, newest per DAG":
/// each DAG's runs of the last 24 hours, its queued and running runs, and its newest run
/// however old, as the Airflow client reads them; the demo keeps its last 7 days).
fn runs_title(
    model: &Model,
    theme: &Theme,
    width: u16,
    shown: usize,
    count: usize,
    filter: &str,
) -> String {
    let windows: [&str; 3] = if model.environment.demo {
        ["demo runs of the last 7 days", "last 7 days", ""]
    } else {
        ["last 24 h, active, newest per DAG", "last 24 h, active", ""]
    };
    let age = freshness_line(&model.runs, model.now, theme).width();
    // The borders, the spaces around the title, a space before the age.
    let room = usize::from(width).saturating_sub(age + 5);
    let titled = |window: &str| {
        let counts = format!("DAG runs ({shown}/{count})");
        let title = if window.is_empty() {
            counts
        } else {
            format!("{counts} · {window}")
        };
        title_with_filter(&title, filter)
    };
    windows
        .iter()
        .map(|window| titled(window))
        .find(|title| crate::text::width(title) <= room)
        .unwrap_or_else(|| titled(""))
}

/// Draws the tab: the run list, or the open run's detail.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    if let Some(Detail::Run {
        dag_id,
        run_id,
        instances,
        log,
        scroll,
    }) = &model.detail
    {
        return render_detail(
            frame,
            area,
            model,
            theme,
            (dag_id, run_id),
            (instances, log.as_ref()),
            *scroll,
        );
    }
    let view = model.view(Tab::Airflow);
    let count = model.runs.data.as_ref().map_or(0, Vec::len);
    let title = runs_title(
        model,
        theme,
        area.width,
        view.rows.len(),
        count,
        &view.filter,
    );
    let inner = pane(frame, area, theme, title, &model.runs, model.now);
    let Some(runs) = &model.runs.data else {
        return;
    };
    // The runs of stages that ran green on stale data say so where a problem would show.
    let stale: Vec<(&ItemRef, &str)> = model
        .chains
        .iter()
        .flat_map(|c| c.stages.iter())
        .filter_map(|s| Some((s.items.first()?, s.stale.as_deref()?)))
        .collect();
    table(frame, inner, theme, view, &COLUMNS, "no DAG runs", |i| {
        let run = &runs[i];
        let item = ItemRef::WorkflowRun {
            dag_id: run.dag_id.clone(),
            run_id: run.run_id.clone(),
        };
        let problem = match (run.problem(), stale.iter().find(|(s, _)| **s == item)) {
            (Some(p), _) => Span::styled(inert_line(&p), theme.health(run.health())),
            (None, Some((_, why))) => {
                Span::styled(format!("◌ stale data: {}", inert_line(why)), theme.warning)
            }
            (None, None) => Span::raw(""),
        };
        vec![
            Line::from(marked_health_span(
                run.health(),
                model.marks.contains(&run.key()),
                theme,
            )),
            Line::from(inert_line(&run.dag_id)),
            Line::from(inert_line(&run.run_id)),
            status_cell(run.state.as_str(), row_activity(model, &item), theme),
            Line::from(clock(run.started_at, model.platform_now)),
            Line::from(span(
                run.started_at,
                run.ended_at.or(Some(model.platform_now)),
            )),
            Line::from(problem),
        ]
    });
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    theme: &Theme,
    (dag_id, run_id): (&str, &str),
    (instances, log): (&Resource<Vec<TaskInstance>>, Option<&TaskLog>),
    scroll: usize,
) {
    let title = format!("{} · {}", inert_line(dag_id), inert_line(run_id));
    let inner = pane(frame, area, theme, title, &model.runs, model.now);
    let Some(run) = model.run(dag_id, run_id) else {
        frame.render_widget(
            Paragraph::new(Line::styled("this run is no longer listed", theme.warning)),
            inner,
        );
        return;
    };
    let lines = summary(run, model, theme);
    let height = super::dms::wrapped_height(&lines, inner.width).min(inner.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    render_instances(frame, bottom, model, theme, (instances, log), scroll);
}

fn summary(run: &WorkflowRun, model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    let now = model.platform_now;
    let mut lines = vec![
        Line::from(vec![
            health_span(run.health(), theme),
            Span::styled(
                format!(
                    "  {} · {}",
                    inert_line(run.state.as_str()),
                    inert_line(&run.run_type)
                ),
                theme.text,
            ),
        ]),
        field("logical date", clock(run.logical_date, now), theme),
        field(
            "ran",
            format!(
                "{} → {} ({})",
                clock(run.started_at, now),
                clock(run.ended_at, now),
                span(run.started_at, run.ended_at.or(Some(now)))
            ),
            theme,
        ),
    ];
    if let Some(failure) = &run.failure {
        lines.push(field("failure", inert_line(failure), theme).style(theme.failed));
    }
    lines
}

const INSTANCE_COLUMNS: [Column; 6] = [
    Column::always("STATE", Constraint::Length(17)),
    Column::always("TASK", Constraint::Min(18)),
    Column::always("TRY", Constraint::Length(5)),
    Column::from("OPERATOR", Constraint::Length(24), 100),
    Column::from("STARTED", Constraint::Length(11), 90),
    Column::always("TOOK", Constraint::Length(7)),
];

fn render_instances(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    theme: &Theme,
    (instances, log): (&Resource<Vec<TaskInstance>>, Option<&TaskLog>),
    scroll: usize,
) {
    let Some(rows) = &instances.data else {
        pane(
            frame,
            area,
            theme,
            "task instances".to_string(),
            instances,
            model.now,
        );
        return;
    };
    let selected = scroll.min(rows.len().saturating_sub(1));
    let error = rows.get(selected).and_then(|t| log_text(t, log));
    let error_height = if error.is_some() {
        (area.height / 3).max(3)
    } else {
        0
    };
    let [list, log] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(error_height)]).areas(area);
    let inner = pane(
        frame,
        list,
        theme,
        "task instances".to_string(),
        instances,
        model.now,
    );
    let mut view = TableView::new(usize::MAX, false);
    view.rows = (0..rows.len()).collect();
    view.selected = selected;
    table(
        frame,
        inner,
        theme,
        &view,
        &INSTANCE_COLUMNS,
        "no task instances",
        |i| {
            let t = &rows[i];
            vec![
                Line::from(state_span(
                    t.state.health(),
                    matches!(
                        t.state,
                        TaskState::NoStatus | TaskState::Scheduled | TaskState::Queued
                    ),
                    t.state.as_str(),
                    theme,
                )),
                Line::from(inert_line(&t.task_id)),
                Line::from(format!("{}/{}", t.try_number, t.max_tries)),
                Line::from(inert_line(&t.operator)),
                Line::from(clock(t.started_at, model.platform_now)),
                Line::from(span(t.started_at, t.ended_at)),
            ]
        },
    );
    if let Some(error) = error {
        let lines: Vec<Line> = error
            .lines()
            .map(|l| Line::styled(inert(l).into_owned(), theme.failed))
            .collect();
        // A log's end says why it failed: when the tail does not fit, its last lines show.
        let block = super::widgets::block(theme, "log of the failed try · Enter reads it whole");
        let inner = block.inner(log);
        let overflow = super::dms::wrapped_height(&lines, inner.width).saturating_sub(inner.height);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((overflow, 0))
                .block(block),
            log,
        );
    }
}

/// What the log box says for the selected task instance: the error its source sent with
/// it, or the log tail fetched for its try (or that fetch's progress or failure).
fn log_text(instance: &TaskInstance, log: Option<&TaskLog>) -> Option<String> {
    if let Some(error) = &instance.error {
        return Some(error.clone());
    }
    let log =
        log.filter(|l| l.task_id == instance.task_id && l.try_number == instance.try_number)?;
    Some(match (&log.text.data, &log.text.error) {
        (Some(text), _) if !text.trim().is_empty() => text.clone(),
        (Some(_), _) => format!("the log of try {} is empty", log.try_number),
        (None, Some(error)) => format!("cannot read the log: {}", error.message),
        (None, None) => format!("reading the log of try {}…", log.try_number),
    })
}
