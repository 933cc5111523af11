//! `opsdeck cost`: the cost review's breakdown on stdout, as a table for people or CSV and
//! JSON for spreadsheets and scripts. The period is compared with the equal period before
//! it; amounts are decimals throughout.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::breakdown::{Breakdown, cents};
pub use crate::domain::breakdown::{CostReport, CostRequest};
use crate::domain::stages::CostStages;
use crate::domain::{DailySpend, SpendSeries};
use crate::source::{SourceError, Sources};
use crate::ui::text::{fit, inert_line};

/// Asks the cost source for the period and the one before, at once.
/// Grouped by stage, the by-service answers are summed into `stages`.
pub async fn report(
    sources: &Sources,
    request: CostRequest,
    today: NaiveDate,
    stages: &CostStages,
) -> Result<CostReport, SourceError> {
    let (query, previous) = request.queries(today);
    let (now, before) = tokio::join!(sources.cost.cost(&query), sources.cost.cost(&previous));
    let mut now = now?;
    let cached_at = now.fetched_at;
    // The comparison is a nicety: without it the period is still reported.
    let mut before = before.ok();
    if request.by_stage {
        now = by_stage(&now, stages);
        before = before.map(|b| by_stage(&b, stages));
    }
    Ok(CostReport {
        breakdown: Breakdown::of(&now, before.as_ref()),
        request,
        query,
        cached_at,
    })
}

/// A by-service series summed into stages (stages with no spend at all left out).
fn by_stage(series: &SpendSeries, stages: &CostStages) -> SpendSeries {
    let rows = stages.per_stage(series);
    let days = series
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| DailySpend {
            date: day.date,
            by_service: rows
                .iter()
                .filter(|(_, amounts)| amounts.iter().any(|a| !a.is_zero()))
                .map(|(stage, amounts)| (stage.clone(), amounts[i]))
                .collect(),
            estimated: day.estimated,
        })
        .collect();
    SpendSeries {
        unit: series.unit.clone(),
        days,
        ..SpendSeries::default()
    }
}

fn percent(p: Option<Decimal>) -> String {
    p.map_or("-".to_string(), |p| format!("{p:+}%"))
}

impl CostReport {
    fn title(&self) -> String {
        let last = self.query.end.pred_opt().unwrap_or(self.query.end);
        let mut title = format!(
            "{} by {} · {} ({} → {}) · {}",
            self.query.metric,
            self.request.group_label(),
            self.request.period.label(),
            self.query.start,
            last,
            self.breakdown.unit
        );
        for filter in &self.query.filters {
            let _ = write!(title, " · {} = {}", filter.dimension.label(), filter.value);
        }
        title
    }

    /// A table within 100 columns: group, total, share, change, change %.
    pub fn table(&self) -> String {
        let b = &self.breakdown;
        let mut out = String::new();
        let _ = writeln!(out, "{}", inert_line(&self.title()));
        let _ = writeln!(
            out,
            "{:<46} {:>14} {:>7} {:>13} {:>8}",
            "GROUP", "TOTAL", "SHARE", "CHANGE", "CHANGE%"
        );
        let totals = cents(&b.rows.iter().map(|r| r.total).collect::<Vec<_>>());
        for (row, total) in b.rows.iter().zip(&totals) {
            let _ = writeln!(
                out,
                "{:<46} {:>14} {:>6}% {:>13} {:>8}",
                fit(&inert_line(&row.key), 46),
                format!("{total:.2}"),
                format!("{:.1}", row.share),
                format!("{:+.2}", row.change.round_dp(2)),
                percent(row.change_percent)
            );
        }
        let _ = writeln!(
            out,
            "{:<46} {:>14} {:>7} {:>13} {:>8}",
            "TOTAL",
            format!("{:.2}", b.total.round_dp(2)),
            "100.0%",
            format!("{:+.2}", (b.total - b.previous_total).round_dp(2)),
            percent(b.change_percent())
        );
        out
    }

    /// CSV: a row per group with its total, share, previous, change, change % and the
    /// amount of each day (or month), in cents; a TOTAL row last. Each column's cents
    /// add up to its TOTAL.
    pub fn csv(&self) -> String {
        let b = &self.breakdown;
        let mut out = String::new();
        let mut header = vec![
            "group".to_string(),
            "total".into(),
            "share_percent".into(),
            "previous".into(),
            "change".into(),
            "change_percent".into(),
        ];
        header.extend(b.buckets.iter().map(|d| d.to_string()));
        let _ = writeln!(out, "{}", header.join(","));
        let column = |f: &dyn Fn(&crate::domain::breakdown::BreakdownRow) -> Decimal| {
            cents(&b.rows.iter().map(f).collect::<Vec<_>>())
        };
        let totals = column(&|r| r.total);
        let previous = column(&|r| r.previous);
        let per_bucket: Vec<Vec<Decimal>> = (0..b.buckets.len())
            .map(|i| column(&|r| r.amounts[i]))
            .collect();
        for (n, row) in b.rows.iter().enumerate() {
            let mut fields = vec![
                csv_field(&row.key),
                format!("{:.2}", totals[n]),
                format!("{:.1}", row.share),
                format!("{:.2}", previous[n]),
                format!("{:.2}", totals[n] - previous[n]),
                row.change_percent
                    .map_or(String::new(), |p| format!("{p:.1}")),
            ];
            fields.extend(per_bucket.iter().map(|c| format!("{:.2}", c[n])));
            let _ = writeln!(out, "{}", fields.join(","));
        }
        let mut fields = vec![
            "TOTAL".to_string(),
            format!("{:.2}", totals.iter().sum::<Decimal>()),
            "100.0".into(),
            format!("{:.2}", previous.iter().sum::<Decimal>()),
            format!(
                "{:.2}",
                totals.iter().sum::<Decimal>() - previous.iter().sum::<Decimal>()
            ),
            self.breakdown
                .change_percent()
                .map_or(String::new(), |p| format!("{p:.1}")),
        ];
        fields.extend(
            per_bucket
                .iter()
                .map(|c| format!("{:.2}", c.iter().sum::<Decimal>())),
        );
        let _ = writeln!(out, "{}", fields.join(","));
        out
    }

    /// JSON with exact decimal strings (no rounding, no float).
    pub fn json(&self) -> Value {
        let b = &self.breakdown;
        json!({
            "period": {
                "label": self.request.period.label(),
                "start": self.query.start.to_string(),
                "end_exclusive": self.query.end.to_string(),
            },
            "metric": self.query.metric.as_str(),
            "granularity": self.query.granularity.as_str(),
            "group_by": self.request.group_label(),
            "filters": self.query.filters.iter().map(|f| json!({
                "dimension": f.dimension.label(),
                "value": f.value,
            })).collect::<Vec<_>>(),
            "unit": b.unit,
            "total": b.total.to_string(),
            "previous_total": b.previous_total.to_string(),
            "change_percent": b.change_percent().map(|p| p.to_string()),
            "buckets": b.buckets.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "estimated": b.estimated,
            "groups": b.rows.iter().map(|r| json!({
                "key": r.key,
                "total": r.total.to_string(),
                "share_percent": r.share.to_string(),
                "previous": r.previous.to_string(),
                "change": r.change.to_string(),
                "change_percent": r.change_percent.map(|p| p.to_string()),
                "amounts": r.amounts.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break; a leading `=`,
/// `+`, `-` or `@` is prefixed with `'` so a spreadsheet never runs it as a formula.
fn csv_field(text: &str) -> String {
    let text = inert_line(text);
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
