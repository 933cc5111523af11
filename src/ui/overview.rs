//! The Overview tab: health counts per source, the nightly pipeline, what is failing now.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::{Column, block, fit_line, freshness_line, health_span, stage_words, table};
use crate::app::view::source_name;
use crate::app::{Model, Resource, Tab};
use crate::domain::failure::{Cause, CauseCounts};
use crate::domain::{Health, HealthCounts};
use crate::text::money;
use crate::text::{ago, fit, inert_line, pad, width as width_of};

/// The sources box: four lines and its borders.
const COUNTS_HEIGHT: u16 = 6;

/// The failing list at its smallest: its borders, its header and two rows.
const FAILING_HEIGHT: u16 = 5;

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
    // The failing list keeps at least two rows; a chain with no room for a line of its
    // own is left out rather than drawn as an empty frame.
    let pipeline_height = if pipelines.is_empty() {
        0
    } else {
        (super::dms::wrapped_height(&pipelines, area.width.saturating_sub(2)) + 2)
            .min(area.height / 3)
            .min(area.height.saturating_sub(COUNTS_HEIGHT + FAILING_HEIGHT))
    };
    let pipeline_height = if pipeline_height < 3 {
        0
    } else {
        pipeline_height
    };
    // A recovery plan's progress goes under the chain, as tall as its steps when there is
    // room (the failing list keeps its smallest height).
    let recovery_height = super::recovery::height(model).min(
        area.height
            .saturating_sub(COUNTS_HEIGHT + pipeline_height + FAILING_HEIGHT),
    );
    let recovery_height = if recovery_height < 3 {
        0
    } else {
        recovery_height
    };
    let [counts, chain, recovery, failing] = Layout::vertical([
        Constraint::Length(COUNTS_HEIGHT),
        Constraint::Length(pipeline_height),
        Constraint::Length(recovery_height),
        Constraint::Min(FAILING_HEIGHT),
    ])
    .areas(area);
    if recovery_height > 0 {
        super::recovery::render(frame, recovery, model, theme);
    }
    render_counts(frame, counts, model, theme);
    if pipeline_height > 0 {
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
    let ages: Vec<Line> = vec![
        freshness_line(&model.tasks, model.now, theme),
        freshness_line(&model.runs, model.now, theme),
        freshness_line(&model.queries, model.now, theme),
        freshness_line(&model.spend, model.now, theme),
    ];
    // The ages take what they need (at most "updated 59 min ago ⟳"): the counts come first.
    let age_width = ages.iter().map(Line::width).max().unwrap_or(0) as u16;
    let [left, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(age_width.min(AGE_WIDTH)),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(
            ages.into_iter()
                .map(|l| fit_line(l, usize::from(right.width)).right_aligned())
                .collect::<Vec<_>>(),
        ),
        right,
    );
    let width = usize::from(left.width);
    let lines = vec![
        count_line("DMS", &model.tasks, model.counts.tasks, width, theme),
        count_line("Airflow", &model.runs, model.counts.runs, width, theme),
        count_line(
            "Redshift",
            &model.queries,
            model.counts.queries,
            width,
            theme,
        ),
        cost_line(model, width, theme),
    ];
    frame.render_widget(Paragraph::new(lines), left);
}

/// Columns before a source's counts: its name.
const NAME_WIDTH: usize = 9;

/// Columns a source's error keeps beside its counts when the line is short of room.
const ERROR_ROOM: usize = 12;

/// A source's line: its name, its error (fitted), and its health counts, never cut: when the
/// words do not fit, the counts are told by symbol, then in thousands ("9.7k").
fn count_line<T>(
    name: &str,
    resource: &Resource<T>,
    counts: Option<HealthCounts>,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::styled(pad(name, NAME_WIDTH), theme.title)];
    let room = width.saturating_sub(NAME_WIDTH);
    let error = resource
        .error
        .as_ref()
        .map(|error| format!("✖ {}", inert_line(&error.message)));
    let counted = counts.map(|counts| {
        // The error keeps what it needs up to half the line (at least a few words).
        let reserved = error
            .as_ref()
            .map_or(0, |e| (width_of(e) + 1).min(ERROR_ROOM.max(room / 2)));
        super::counts::counts_spans(counts, room.saturating_sub(reserved), theme)
    });
    let counted_width: usize = counted.iter().flatten().map(|s| width_of(&s.content)).sum();
    if let Some(error) = error {
        let left = room.saturating_sub(counted_width + 1);
        spans.push(Span::styled(
            format!("{} ", fit(&error, left)),
            theme.failed,
        ));
    }
    match counted {
        Some(counted) => spans.extend(counted),
        None if resource.error.is_none() => spans.push(Span::styled("loading…", theme.muted)),
        None => {}
    }
    Line::from(spans)
}

/// The cost line, never cutting an amount: month to date against the same days of the
/// month before, named as the Cost tab and `status` name them ("vs $4,809.90 (Nov 01–05)").
/// When it is short of room, the comparison loses its dates, then goes; an error is fitted
/// to what is left.
fn cost_line(model: &Model, width: usize, theme: &Theme) -> Line<'static> {
    let mut line = cost_spans(model, theme, true);
    if line.width() > width {
        line = cost_spans(model, theme, false);
    }
    if line.width() > width {
        line.spans
            .retain(|s| !s.content.starts_with("vs ") && !s.content.starts_with(" vs "));
    }
    if line.width() > width
        && let Some(at) = line.spans.iter().position(|s| s.content.starts_with("✖ "))
    {
        let over = line.width() - width;
        let error = &line.spans[at];
        let room = crate::text::width(&error.content).saturating_sub(over + 1);
        line.spans[at] = Span::styled(format!("{} ", fit(&error.content, room)), error.style);
    }
    line
}

fn cost_spans(model: &Model, theme: &Theme, words: bool) -> Line<'static> {
    let mut spans = vec![Span::styled(pad("Cost", NAME_WIDTH), theme.title)];
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
            if words {
                format!(
                    "vs {} ({})",
                    money(mtd.previous, &series.unit),
                    mtd.compared_label()
                )
            } else {
                format!("vs {}", money(mtd.previous, &series.unit))
            },
            theme.muted,
        ));
        if let Some(pct) = mtd.change_percent() {
            let change = mtd.current - mtd.previous;
            let style = if change.is_sign_positive() && !change.is_zero() {
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
        .enumerate()
        .map(|(p, (pipeline, stages))| {
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
                    stage_words(stage.health, &stage.detail),
                    theme.health(stage.health),
                ));
                // Green on last night's data is not good enough: it says so.
                let night = model.chains.get(p).and_then(|c| c.stages.get(i));
                if night.is_some_and(|s| s.stale.is_some()) {
                    spans.push(Span::styled(" ◌ stale data", theme.warning));
                }
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
    let counted = match CauseCounts::of(&model.failures).summary(", ") {
        Some(summary) => format!("failing now ({}) · {summary}", view.rows.len()),
        None => format!("failing now ({})", view.rows.len()),
    };
    let title = super::dms::title_with_filter(&counted, &view.filter);
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
        // A root cause says so; its consequences go under it, blocked by it.
        let (health, title) = match &f.cause {
            Cause::Root { .. } => (
                Span::styled(format!("{} root", f.health.symbol()), theme.failed),
                inert_line(&f.title),
            ),
            Cause::Consequence { .. } => (
                Span::styled(" ↳ blocked", theme.muted),
                format!("  {}", inert_line(&f.title)),
            ),
            // Red, but an upstream stage runs again: it waits, and is nobody's root cause.
            Cause::Waiting { .. } => (
                Span::styled(format!("{} waits", Health::Failed.symbol()), theme.failed),
                inert_line(&f.title),
            ),
            Cause::Own => (health_span(f.health, theme), inert_line(&f.title)),
        };
        vec![
            Line::from(health),
            Line::from(source_name(f)),
            Line::from(title),
            Line::from(match &f.cause {
                Cause::Waiting { upstream, .. } => {
                    inert_line(&format!("waits for {upstream}: {}", f.reason))
                }
                _ => inert_line(&f.reason),
            }),
            Line::from(ago(f.since, model.platform_now).replace(" ago", "")),
        ]
    });
}
