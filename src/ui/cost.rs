//! The Cost tab: daily spend of the last 30 days, totals, month to date, spend by service.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Cell, Paragraph};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::text::inert_line;
use super::theme::Theme;
use super::widgets::{Column, block, pane, table};
use crate::app::model::COST_DAYS;
use crate::app::{Action, Model, Tab};

const COLUMNS: [Column; 3] = [
    Column::always("SERVICE", Constraint::Min(24)),
    Column::always("TOTAL", Constraint::Length(12)),
    Column::always("SHARE", Constraint::Length(6)),
];

/// An amount with thousands separators and cents: "$12,345.67" (or "12,345.67 EUR").
pub fn money(amount: Decimal, unit: &str) -> String {
    let rounded = amount.round_dp(2);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if negative { "-" } else { "" };
    match unit {
        "USD" | "" => format!("{sign}${grouped}.{cents}"),
        other => format!("{sign}{grouped}.{cents} {}", inert_line(other)),
    }
}

/// Draws the tab.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let title = format!("spend, last {COST_DAYS} days");
    let inner = pane(frame, area, theme, title, &model.spend, model.now);
    let Some(series) = &model.spend.data else {
        return;
    };
    let days = series.last_days(COST_DAYS);
    let total: Decimal = days.iter().map(|d| d.total()).sum();
    let mtd = series.month_to_date(model.platform_now.date_naive());
    let mut summary = vec![
        Span::styled("total ", theme.muted),
        Span::styled(money(total, &series.unit), theme.accent),
        Span::styled("  month to date ", theme.muted),
        Span::styled(money(mtd.current, &series.unit), theme.text),
        Span::styled(
            format!(" vs {} last month", money(mtd.previous, &series.unit)),
            theme.muted,
        ),
    ];
    if let Some(pct) = mtd.change_percent() {
        let style = if pct.is_sign_positive() {
            theme.warning
        } else {
            theme.ok
        };
        summary.push(Span::styled(format!(" {pct:+}%"), style));
    }
    // A provider that bills each request: say what this session has spent on asking.
    let billing = series.billed_requests.map(|n| {
        let key = model.keymap.key_text(Action::Refresh);
        Line::from(vec![
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
        ])
    });
    let chart_height = (inner.height / 2).clamp(5, 14);
    let [summary_area, chart_area, services_area] = Layout::vertical([
        Constraint::Length(1 + u16::from(billing.is_some())),
        Constraint::Length(chart_height),
        Constraint::Min(3),
    ])
    .areas(inner);
    let mut summary_lines = vec![Line::from(summary)];
    summary_lines.extend(billing);
    frame.render_widget(Paragraph::new(summary_lines), summary_area);
    render_chart(frame, chart_area, days, theme);
    let b = block(theme, "by service");
    let list = b.inner(services_area);
    frame.render_widget(b, services_area);
    let rows = &model.service_spend;
    table(
        frame,
        list,
        theme,
        model.view(Tab::Cost),
        &COLUMNS,
        "no spend",
        |i| {
            let s = &rows[i];
            vec![
                Cell::from(inert_line(&s.service)),
                Cell::from(format!("{:>12}", money(s.total, &series.unit))),
                Cell::from(format!("{:>5}%", s.share)),
            ]
        },
    );
}

fn render_chart(frame: &mut Frame, area: Rect, days: &[crate::domain::DailySpend], theme: &Theme) {
    if days.is_empty() || area.width < 10 {
        return;
    }
    let n = days.len() as u16;
    let room = area.width.saturating_sub(2);
    // Two columns a day at least when there is room, so day labels stay readable; a gap
    // between bars when there is more.
    let (bar_width, gap) = if room >= n * 4 {
        (3, 1)
    } else if room >= n * 3 {
        (2, 1)
    } else if room >= n * 2 {
        (2, 0)
    } else {
        (1, 0)
    };
    let bars: Vec<Bar> = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let value = day.total().round().to_u64().unwrap_or(0);
            let label = if i % 7 == 0 || i + 1 == days.len() {
                day.date.format("%d").to_string()
            } else {
                String::new()
            };
            let style = if day.estimated {
                theme.muted
            } else {
                theme.chart_bar
            };
            Bar::default()
                .value(value)
                .text_value(String::new())
                .label(Line::from(label))
                .style(style)
        })
        .collect();
    let chart = BarChart::default()
        .block(block(theme, "daily total (grey: estimated)"))
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(gap)
        .label_style(theme.muted);
    frame.render_widget(chart, area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_grouped_and_rounded() {
        assert_eq!(
            money(Decimal::from_str("12345.678").unwrap(), "USD"),
            "$12,345.68"
        );
        assert_eq!(money(Decimal::from_str("0.004").unwrap(), "USD"), "$0.00");
        assert_eq!(
            money(Decimal::from_str("-1234").unwrap(), "USD"),
            "-$1,234.00"
        );
        assert_eq!(
            money(Decimal::from_str("999").unwrap(), "EUR"),
            "999.00 EUR"
        );
    }
}
