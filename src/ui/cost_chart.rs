//! The Cost tab's chart: the daily (or monthly) spend as stacked bars of the largest
//! groups, anomaly days marked, the budget's line.

use chrono::Datelike;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::cost::MIN_CHART_HEIGHT;
use super::theme::Theme;
use super::widgets::block;
use crate::app::Model;
use crate::domain::breakdown::CostReport;
use crate::domain::cost::{CostAnomaly, Granularity};
use crate::text::inert_line;

/// Groups drawn in their own shade in the chart; the rest is "other".
const STACKED: usize = 4;
/// The glyph of each stacked group (and "other" last): told apart without colour too.
const SHADES: [&str; STACKED + 1] = ["█", "▓", "▒", "░", "·"];
fn shade_styles(theme: &Theme) -> [Style; STACKED + 1] {
    [
        theme.chart_bar,
        theme.accent,
        theme.running,
        theme.title,
        theme.muted,
    ]
}

/// The amounts of each bucket split into the largest groups and "other".
fn stacks(report: &CostReport) -> Vec<[Decimal; STACKED + 1]> {
    let b = &report.breakdown;
    (0..b.buckets.len())
        .map(|i| {
            let mut stack = [Decimal::ZERO; STACKED + 1];
            for (n, row) in b.rows.iter().enumerate() {
                stack[n.min(STACKED)] += row.amounts[i].max(Decimal::ZERO);
            }
            stack
        })
        .collect()
}

/// Stacked bars of the largest groups and "other", a column per day (days summed when
/// they outnumber the columns), anomaly days marked ▲ under their bar.
/// The monthly budget spread over a bucket: a day's share, or the month.
pub(super) fn budget_per_bucket(model: &Model, report: &CostReport) -> Option<Decimal> {
    let budget = model.budget?;
    match report.query.granularity {
        Granularity::Monthly => Some(budget),
        Granularity::Daily => {
            let today = model.platform_now.date_naive();
            let first = today.with_day(1)?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            let days = (next - first).num_days().max(1);
            Some(budget / Decimal::from(days))
        }
    }
}

pub(super) fn render_stacked(
    frame: &mut Frame,
    area: Rect,
    report: &CostReport,
    anomalies: &[CostAnomaly],
    budget: Option<Decimal>,
    theme: &Theme,
) {
    let b = &report.breakdown;
    let outer = block(theme, "spend per bucket (largest groups stacked)");
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if b.buckets.is_empty() || inner.height + 2 < MIN_CHART_HEIGHT || inner.width < 8 {
        return;
    }
    let stacks = stacks(report);
    let n = stacks.len();
    let width = usize::from(inner.width);
    // Buckets per column (several when they outnumber the columns), and column width.
    let per = n.div_ceil(width).max(1);
    let columns = n.div_ceil(per);
    let bar = (width / columns).clamp(1, 4);
    let chart_rows = usize::from(inner.height - 2);
    let merged: Vec<([Decimal; STACKED + 1], bool, bool)> = stacks
        .chunks(per)
        .zip(b.buckets.chunks(per))
        .zip(b.estimated.chunks(per))
        .map(|((amounts, dates), estimated)| {
            let mut stack = [Decimal::ZERO; STACKED + 1];
            for bucket in amounts {
                for (k, v) in stack.iter_mut().zip(bucket) {
                    *k += *v;
                }
            }
            let anomalous = dates.iter().any(|date| {
                anomalies
                    .iter()
                    .any(|a| *date >= a.start && *date <= a.end.unwrap_or(*date))
            });
            (stack, anomalous, estimated.iter().any(|e| *e))
        })
        .collect();
    // The budget's line is always inside the chart: it is part of the scale.
    let budget = budget.map(|b| b * Decimal::from(per as u64));
    let max = merged
        .iter()
        .map(|(s, _, _)| s.iter().copied().sum::<Decimal>())
        .chain(budget)
        .max()
        .unwrap_or_default();
    if max.is_zero() {
        return;
    }
    let styles = shade_styles(theme);
    let buf = frame.buffer_mut();
    for (c, (stack, anomalous, estimated)) in merged.iter().enumerate() {
        let x0 = inner.x + (c * bar) as u16;
        // The column's height, shared among its segments by largest remainder (so a
        // short chart still gives its rows to the largest groups).
        let total: Decimal = stack.iter().copied().sum();
        let height = (total * Decimal::from(chart_rows as u64) / max)
            .round()
            .to_usize()
            .unwrap_or(0)
            .min(chart_rows);
        let rows = share_rows(stack, height);
        let mut from = 0usize;
        for (k, count) in rows.iter().enumerate() {
            let to = from + count;
            for row in from..to {
                let y = inner.y + (chart_rows - 1 - row) as u16;
                for dx in 0..bar.saturating_sub(usize::from(bar > 1)) {
                    let style = if *estimated { theme.muted } else { styles[k] };
                    buf[(x0 + dx as u16, y)]
                        .set_symbol(SHADES[k])
                        .set_style(style);
                }
            }
            from = from.max(to);
        }
        if *anomalous {
            let y = inner.y + chart_rows as u16;
            buf[(x0, y)].set_symbol("▲").set_style(theme.warning);
        }
    }
    // The budget's line, behind the bars: a bar that crosses it hides it.
    if let Some(budget) = budget {
        let row = (budget * Decimal::from(chart_rows as u64) / max)
            .round()
            .to_usize()
            .unwrap_or(0)
            .clamp(1, chart_rows);
        let y = inner.y + (chart_rows - row) as u16;
        for x in inner.x..inner.x + (columns * bar).min(width) as u16 {
            if buf[(x, y)].symbol() == " " {
                buf[(x, y)].set_symbol("─").set_style(theme.warning);
            }
        }
    }
    // The last row: the legend.
    let legend_y = inner.y + inner.height - 1;
    let mut spans = Vec::new();
    for (k, row) in b.rows.iter().take(STACKED).enumerate() {
        spans.push(Span::styled(format!("{} ", SHADES[k]), styles[k]));
        spans.push(Span::styled(format!("{}  ", short(&row.key)), theme.muted));
    }
    if b.rows.len() > STACKED {
        spans.push(Span::styled(
            format!("{} ", SHADES[STACKED]),
            styles[STACKED],
        ));
        spans.push(Span::styled("other  ", theme.muted));
    }
    if !anomalies.is_empty() {
        spans.push(Span::styled("▲ ", theme.warning));
        spans.push(Span::styled("anomaly  ", theme.muted));
    }
    if budget.is_some() {
        spans.push(Span::styled("─ ", theme.warning));
        spans.push(Span::styled("budget", theme.muted));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect {
            y: legend_y,
            height: 1,
            ..inner
        },
    );
}

/// `height` rows shared among `stack`'s amounts in proportion, by largest remainder.
fn share_rows(stack: &[Decimal; STACKED + 1], height: usize) -> [usize; STACKED + 1] {
    let total: Decimal = stack.iter().copied().sum();
    let mut rows = [0usize; STACKED + 1];
    if total <= Decimal::ZERO || height == 0 {
        return rows;
    }
    let exact: Vec<Decimal> = stack
        .iter()
        .map(|a| *a * Decimal::from(height as u64) / total)
        .collect();
    for (r, e) in rows.iter_mut().zip(&exact) {
        *r = e.floor().to_usize().unwrap_or(0);
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut left = height.saturating_sub(rows.iter().sum());
    for i in order {
        if left == 0 {
            break;
        }
        rows[i] += 1;
        left -= 1;
    }
    rows
}

/// A group's name made short for the legend ("Amazon Redshift" → "Redshift").
fn short(name: &str) -> String {
    let name = inert_line(name);
    let name = name
        .strip_prefix("Amazon ")
        .or_else(|| name.strip_prefix("AWS "))
        .unwrap_or(&name)
        .to_string();
    crate::text::fit(&name, 18)
}
