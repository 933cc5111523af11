//! The Cost tab: the cost review. The question (metric, period, granularity, grouping,
//! drill-down), the total against the period before and the month's forecast, stacked
//! bars of the largest groups with the anomaly days marked, the groups with their change
//! and trend, and the anomalies.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::cost_chart::{budget_per_bucket, render_stacked};
use super::theme::Theme;
use super::widgets::{Column, block, fit_line, pane, table};
use crate::app::{Action, Model, Tab};
use crate::domain::breakdown::CostReport;
use crate::domain::cost::CostAnomaly;
use crate::text::{inert_line, money};

/// Blocks of a sparkline, lowest first.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

const COLUMNS: [Column; 6] = [
    Column::always("GROUP", Constraint::Min(18)),
    Column::always("TOTAL", Constraint::Length(12)),
    Column::always("SHARE", Constraint::Length(6)),
    Column::from("CHANGE", Constraint::Length(11), 70),
    Column::from("CHANGE%", Constraint::Length(8), 90),
    Column::from("TREND", Constraint::Length(14), 80),
];

/// The age of an answer fetched more than a minute before the review's breakdown (kept
/// from earlier while the breakdown is new): the pane's age is the breakdown's.
fn older_than_the_review(
    model: &Model,
    fetched_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<String> {
    let review = model.cost.report.fetched_at?;
    let at = fetched_at?;
    ((review - at) > chrono::Duration::minutes(1))
        .then(|| crate::text::rough_age((model.now - at).to_std().unwrap_or_default()))
}

/// An amount without its cents ("$30,488"), for forecasts, whose cents mean nothing.
pub fn whole(amount: Decimal, unit: &str) -> String {
    let text = money(crate::domain::money::round(amount, 0), unit);
    match text.split_once('.') {
        Some((whole, rest)) => format!("{whole}{}", rest.trim_start_matches(char::is_numeric)),
        None => text,
    }
}

/// Rows of the smallest chart worth drawing: its frame, one row of bars, the axis, the
/// legend.
pub(super) const MIN_CHART_HEIGHT: u16 = 5;

/// Draws the tab: the question, the totals and forecast, the stacked chart, the groups,
/// the anomalies.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let review = &model.cost;
    let inner = pane(
        frame,
        area,
        theme,
        "cost review".to_string(),
        &review.report,
        model.now,
    );
    let Some(report) = &review.report.data else {
        return;
    };
    let anomalies = review.anomalies.data.as_deref().unwrap_or(&[]);
    let anomaly_height = if anomalies.is_empty() {
        0
    } else {
        (anomalies.len().min(3) as u16 + 2).min(inner.height / 4)
    };
    let billed = model.billed_requests();
    let head_height = 3 + u16::from(billed.is_some());
    // The chart needs its frame, a bar, the axis and the legend: with less room it is
    // left out, and the groups take its rows, rather than an empty box be drawn.
    let chart_height = (inner.height.saturating_sub(head_height + anomaly_height) / 2).min(14);
    let chart_height = if chart_height < MIN_CHART_HEIGHT {
        0
    } else {
        chart_height
    };
    let [head, chart, groups, anomaly_area] = Layout::vertical([
        Constraint::Length(head_height),
        Constraint::Length(chart_height),
        Constraint::Min(3),
        Constraint::Length(anomaly_height),
    ])
    .areas(inner);
    // Lines too wide end with an ellipsis, never cut mid-word at the edge.
    let head_text: Vec<Line<'static>> = head_lines(model, report, billed, theme)
        .into_iter()
        .map(|line| fit_line(line, usize::from(head.width)))
        .collect();
    frame.render_widget(Paragraph::new(head_text), head);
    if chart_height > 0 {
        render_stacked(
            frame,
            chart,
            report,
            anomalies,
            budget_per_bucket(model, report),
            theme,
        );
    }
    render_groups(frame, groups, model, report, theme);
    if anomaly_height > 0 {
        render_anomalies(frame, anomaly_area, model, anomalies, theme);
    }
}

fn head_lines(
    model: &Model,
    report: &CostReport,
    billed: Option<u64>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let q = &report.query;
    let b = &report.breakdown;
    let last = q.end.pred_opt().unwrap_or(q.end);
    let question = vec![
        Span::styled(q.metric.as_str().to_string(), theme.accent),
        Span::styled(
            format!(
                " · {} ({} → {}) · {} · by {}",
                report.request.period.label(),
                q.start.format("%b %d"),
                last.format("%b %d"),
                q.granularity.as_str().to_lowercase(),
                report.request.group_label()
            ),
            theme.text,
        ),
    ];
    let mut totals = vec![
        Span::styled("total ", theme.muted),
        Span::styled(money(b.total, &b.unit), theme.accent),
    ];
    if let Some(pct) = b.change_percent() {
        totals.push(Span::styled(
            format!(" {}%", crate::domain::money::signed(pct)),
            if pct.is_sign_positive() {
                theme.warning
            } else {
                theme.ok
            },
        ));
    }
    // The dates compared with, named; month to date's as the Overview and `status` name
    // them (its own label).
    let mtd = model
        .spend
        .data
        .as_ref()
        .map(|s| s.month_to_date(model.platform_now.date_naive()));
    totals.push(Span::styled(
        match report.compared {
            Some(compared) if mtd.is_some_and(|m| m.compared == compared) => format!(
                " vs {} ({})",
                money(b.previous_total, &b.unit),
                mtd.map(|m| m.compared_label()).unwrap_or_default()
            ),
            Some((start, end)) => format!(
                " vs {} ({} → {})",
                money(b.previous_total, &b.unit),
                start.format("%b %d"),
                end.pred_opt().unwrap_or(end).format("%b %d")
            ),
            None => format!(" · {}", report.compared_label()),
        },
        theme.muted,
    ));
    // The month's end: spent so far plus the forecast of the days left.
    let mut month: Vec<Span<'static>> = Vec::new();
    let spent = model.month_spent();
    if let (Some(forecast), Some(spent)) = (&model.cost.forecast.data, spent) {
        month.push(Span::styled("month end ≈ ", theme.muted));
        month.push(Span::styled(
            whole(spent + forecast.mean, &forecast.unit),
            theme.text,
        ));
        month.push(Span::styled(
            format!(
                " ({}–{})",
                whole(spent + forecast.low, &forecast.unit),
                whole(spent + forecast.high, &forecast.unit)
            ),
            theme.muted,
        ));
        if let Some(age) = older_than_the_review(model, model.cost.forecast.fetched_at) {
            month.push(Span::styled(format!(" as of {age} ago"), theme.muted));
        }
    }
    // Month to date against the monthly budget; a warning when the month will pass it.
    if let (Some(budget), Some(spent)) = (model.budget, spent) {
        let month_end = model.cost.forecast.data.as_ref().map(|f| spent + f.mean);
        let over = month_end.is_some_and(|end| end > budget);
        month.push(Span::styled(" · budget ", theme.muted));
        month.push(Span::styled(
            format!(
                "{}{}",
                whole(budget, &b.unit),
                if over { " ⚠ over" } else { "" }
            ),
            if over { theme.warning } else { theme.text },
        ));
        month.push(Span::styled(
            format!(
                " · MTD {}%",
                crate::domain::money::round(spent * Decimal::ONE_HUNDRED / budget, 0)
            ),
            theme.muted,
        ));
    }
    let mut lines = vec![Line::from(question), Line::from(totals)];
    if !month.is_empty() {
        lines.push(Line::from(month));
    }
    // A provider that bills each request: say what this session has spent on asking.
    if let Some(n) = billed {
        let key = model.keymap.key_text(Action::Refresh);
        lines.push(Line::from(vec![
            Span::styled("Cost Explorer: ", theme.muted),
            Span::styled(
                format!(
                    "{n} billed request{} this session, {}",
                    if n == 1 { "" } else { "s" },
                    money(Decimal::new(n as i64, 2), "USD")
                ),
                theme.text,
            ),
            Span::styled(format!(" · {key} to refetch"), theme.muted),
        ]));
    }
    lines
}

/// A sparkline of `amounts` in `width` characters (buckets summed into each), from the
/// series' lowest to its highest value, so a change shows even in a large steady cost.
pub fn sparkline(amounts: &[Decimal], width: usize) -> String {
    if amounts.is_empty() || width == 0 {
        return String::new();
    }
    let per = amounts.len().div_ceil(width).max(1);
    let sums: Vec<Decimal> = amounts.chunks(per).map(|c| c.iter().sum()).collect();
    let max = sums.iter().copied().max().unwrap_or_default();
    let min = sums.iter().copied().min().unwrap_or_default();
    sums.iter()
        .map(|v| {
            if max <= Decimal::ZERO {
                ' '
            } else if max == min {
                SPARKS[3]
            } else {
                let level = ((*v - min) * Decimal::from(7) / (max - min))
                    .round()
                    .to_usize()
                    .unwrap_or(0);
                SPARKS[level.min(7)]
            }
        })
        .collect()
}

fn render_groups(frame: &mut Frame, area: Rect, model: &Model, report: &CostReport, theme: &Theme) {
    let b = &report.breakdown;
    // The breadcrumb of drill-downs: "all › Amazon Redshift › by usage type (4)".
    let mut title = String::from("all › ");
    for filter in &report.query.filters {
        title.push_str(&inert_line(&filter.value));
        title.push_str(" › ");
    }
    title.push_str(&format!(
        "by {} ({})",
        report.request.group_label(),
        b.rows.len()
    ));
    let outer = block(theme, &title);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let rows = &b.rows;
    table(
        frame,
        inner,
        theme,
        model.view(Tab::Cost),
        &COLUMNS,
        "no spend in this period",
        |i| {
            let r = &rows[i];
            let change_style = if r.change.is_sign_positive() && !r.change.is_zero() {
                theme.warning
            } else {
                theme.ok
            };
            vec![
                Line::from(inert_line(&r.key)),
                Line::from(format!("{:>12}", money(r.total, &b.unit))),
                Line::from(format!("{:>5}%", r.share)),
                Line::from(Span::styled(format!("{:>+11.2}", r.change), change_style)),
                Line::from(Span::styled(
                    format!(
                        "{:>8}",
                        r.change_percent.map_or("new".to_string(), |p| {
                            format!("{}%", crate::domain::money::signed(p))
                        })
                    ),
                    change_style,
                )),
                Line::from(Span::styled(sparkline(&r.amounts, 14), theme.chart_bar)),
            ]
        },
    );
}

fn render_anomalies(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    anomalies: &[CostAnomaly],
    theme: &Theme,
) {
    let key = model.keymap.key_text(Action::CostAnomalies);
    let outer = block(
        theme,
        &format!(
            "anomalies ({}){} · {key} to select, Enter to its service",
            anomalies.len(),
            older_than_the_review(model, model.cost.anomalies.fetched_at)
                .map(|age| format!(" as of {age} ago"))
                .unwrap_or_default()
        ),
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let selected = model.cost.anomaly;
    let first = selected
        .unwrap_or(0)
        .saturating_sub(usize::from(inner.height).saturating_sub(1));
    let lines: Vec<Line> = anomalies
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(inner.height))
        .map(|(i, a)| {
            let cause = a
                .root_causes
                .first()
                .map(|c| {
                    [&c.service, &c.region, &c.account, &c.usage_type]
                        .into_iter()
                        .flatten()
                        .map(|s| inert_line(s))
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .unwrap_or_else(|| "cause unknown".to_string());
            let end = a
                .end
                .map_or("ongoing".to_string(), |e| e.format("%b %d").to_string());
            let line = Line::from(vec![
                Span::styled("▲ ", theme.warning),
                Span::styled(format!("{} → {end}  ", a.start.format("%b %d")), theme.text),
                Span::styled(format!("+{}  ", money(a.impact, &a.unit)), theme.warning),
                Span::styled(cause, theme.muted),
            ]);
            let line = fit_line(line, usize::from(inner.width));
            if selected == Some(i) {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn whole_amounts_are_rounded_half_away_from_zero() {
        assert_eq!(whole(Decimal::from_str("2.5").unwrap(), "USD"), "$3");
    }
}
