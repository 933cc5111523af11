//! The Overview tab: health counts per source, the nightly pipeline, what is failing now.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Wrap};

use super::cost::money;
use super::text::{ago, inert_line};
use super::theme::Theme;
use super::widgets::{Column, block, freshness_line, health_span, table};
use crate::app::view::source_name;
use crate::app::{Model, Resource, Tab};
use crate::domain::{Health, HealthCounts};

/// Room for "updated 59 min ago ⟳" beside the counts.
const AGE_WIDTH: u16 = 22;

const COLUMNS: [Column; 5] = [
    Column::always("HEALTH", Constraint::Length(10)),
    Column::from("SOURCE", Constraint::Length(8), 100),
    Column::always("ITEM", Constraint::Length(26)),
    Column::always("REASON", Constraint::Min(20)),
    Column::always("SINCE", Constraint::Length(7)),
];

/// Draws the tab.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let pipelines = pipeline_lines(model, theme);
    // The chain wraps on narrow terminals; it never takes more than a third of the body.
    let pipeline_height = if pipelines.is_empty() {
        0
    } else {
        (super::dms::wrapped_height(&pipelines, area.width.saturating_sub(2)) + 2)
            .min(area.height / 3)
    };
    let [counts, chain, failing] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(pipeline_height),
        Constraint::Min(3),
    ])
    .areas(area);
    render_counts(frame, counts, model, theme);
    if !pipelines.is_empty() {
        frame.render_widget(
            Paragraph::new(pipelines)
                .wrap(Wrap { trim: true })
                .block(block(
                    theme,
                    if model.stage_costs.is_empty() {
                        "nightly pipeline"
                    } else {
                        "nightly pipeline · $ last night's cost"
                    },
                )),
            chain,
        );
    }
    render_failing(frame, failing, model, theme);
}

fn render_counts(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let b = block(theme, "sources");
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(AGE_WIDTH)]).areas(inner);
    let ages: Vec<Line> = vec![
        freshness_line(&model.tasks, model.now, theme),
        freshness_line(&model.runs, model.now, theme),
        freshness_line(&model.queries, model.now, theme),
        freshness_line(&model.spend, model.now, theme),
    ];
    frame.render_widget(
        Paragraph::new(
            ages.into_iter()
                .map(|l| l.right_aligned())
                .collect::<Vec<_>>(),
        ),
        right,
    );
    let lines = vec![
        count_line("DMS", &model.tasks, model.counts.tasks, theme),
        count_line("Airflow", &model.runs, model.counts.runs, theme),
        count_line("Redshift", &model.queries, model.counts.queries, theme),
        cost_line(model, theme),
    ];
    frame.render_widget(Paragraph::new(lines), left);
}

fn count_line<T>(
    name: &str,
    resource: &Resource<T>,
    counts: Option<HealthCounts>,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{name:<9}"), theme.title)];
    if let Some(error) = &resource.error {
        spans.push(Span::styled(
            format!("✖ {} ", inert_line(&error.message)),
            theme.failed,
        ));
    }
    match counts {
        Some(counts) => {
            for health in [
                Health::Failed,
                Health::Degraded,
                Health::Running,
                Health::Ok,
                Health::Unknown,
            ] {
                let n = counts.get(health);
                // Unknown is worth a word only when there is some.
                if n == 0 && health == Health::Unknown {
                    continue;
                }
                let style = if n == 0 {
                    theme.muted
                } else {
                    theme.health(health)
                };
                spans.push(Span::styled(
                    format!("{} {n} {}  ", health.symbol(), health.label()),
                    style,
                ));
            }
        }
        None if resource.error.is_none() => spans.push(Span::styled("loading…", theme.muted)),
        None => {}
    }
    Line::from(spans)
}

fn cost_line(model: &Model, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{:<9}", "Cost"), theme.title)];
    if let Some(error) = &model.spend.error {
        spans.push(Span::styled(
            format!("✖ {} ", inert_line(&error.message)),
            theme.failed,
        ));
    }
    if let Some(series) = &model.spend.data {
        let mtd = series.month_to_date(model.platform_now.date_naive());
        spans.push(Span::styled(
            format!("MTD {} ", money(mtd.current, &series.unit)),
            theme.text,
        ));
        spans.push(Span::styled(
            format!("vs {} last month", money(mtd.previous, &series.unit)),
            theme.muted,
        ));
        if let Some(pct) = mtd.change_percent() {
            let style = if pct.is_sign_positive() {
                theme.warning
            } else {
                theme.ok
            };
            spans.push(Span::styled(
                format!(" {}%", crate::domain::money::signed(pct)),
                style,
            ));
        }
    }
    Line::from(spans)
}

fn pipeline_lines(model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    model
        .pipelines
        .iter()
        .zip(&model.stages)
        .map(|(pipeline, stages)| {
            let unit = model.spend.data.as_ref().map_or("USD", |s| s.unit.as_str());
            let mut spans = Vec::new();
            if model.pipelines.len() > 1 {
                spans.push(Span::styled(
                    format!("{}: ", inert_line(&pipeline.name)),
                    theme.title,
                ));
            }
            for (i, stage) in stages.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" → ", theme.muted));
                }
                spans.push(Span::styled(
                    format!("{} ", inert_line(&stage.name)),
                    theme.text,
                ));
                spans.push(Span::styled(
                    format!("{} {}", stage.health.symbol(), inert_line(&stage.detail)),
                    theme.health(stage.health),
                ));
                // Last night's cost of the stage, when the pipeline names its cost stage.
                let cost = pipeline.stages[i]
                    .cost
                    .as_ref()
                    .and_then(|c| model.stage_costs.iter().find(|(s, _)| s == c));
                if let Some((_, amount)) = cost {
                    spans.push(Span::styled(
                        format!(" {}", super::cost::whole(*amount, unit)),
                        theme.muted,
                    ));
                }
            }
            Line::from(spans)
        })
        .collect()
}

fn render_failing(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let view = model.view(Tab::Overview);
    let title =
        super::dms::title_with_filter(&format!("failing now ({})", view.rows.len()), &view.filter);
    let b = block(theme, &title);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let all_loaded =
        model.tasks.data.is_some() && model.runs.data.is_some() && model.queries.data.is_some();
    let none_answered = model.tasks.data.is_none()
        && model.runs.data.is_none()
        && model.queries.data.is_none()
        && model.tasks.error.is_some()
        && model.runs.error.is_some()
        && model.queries.error.is_some();
    let empty = if all_loaded {
        "nothing is failing ✔"
    } else if none_answered {
        "no source could be read: see the errors above"
    } else {
        "waiting for the sources…"
    };
    table(frame, inner, theme, view, &COLUMNS, empty, |i| {
        let f = &model.failures[i];
        vec![
            Cell::from(health_span(f.health, theme)),
            Cell::from(source_name(f)),
            Cell::from(inert_line(&f.title)),
            Cell::from(inert_line(&f.reason)),
            Cell::from(ago(f.since, model.platform_now).replace(" ago", "")),
        ]
    });
}
