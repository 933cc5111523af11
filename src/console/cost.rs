//! The console's cost work: the cost review's question asked of the sources, and the
//! review exported to a file.

use chrono::Utc;

use crate::app::Msg;
use crate::source::Sources;

/// Asks the cost review's question: the breakdown with the period before, this month's
/// forecast from today, and the period's anomalies, at once; the answers are stamped
/// `fetched_at`.
pub async fn review_cost(
    sources: &Sources,
    request: crate::domain::breakdown::CostRequest,
    stages: &crate::domain::stages::CostStages,
    fetched_at: chrono::DateTime<Utc>,
) -> Msg {
    use chrono::{Datelike, Months};
    let today = sources.clock.now().date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let next_month = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let (start, end) = request.period.dates(today);
    let metric = request.metric;
    // The polled spend is unblended: another metric's month so far is asked in that metric
    // (one monthly bucket; the same question is cached like any other).
    let month_to_date = async {
        if metric == crate::domain::cost::Metric::UnblendedCost {
            return None;
        }
        let query = crate::domain::cost::CostQuery {
            start: first,
            end: today.succ_opt().unwrap_or(today),
            granularity: crate::domain::cost::Granularity::Monthly,
            metric,
            group_by: crate::domain::cost::GroupBy::Service,
            filters: Vec::new(),
        };
        Some(sources.cost.cost(&query).await.map(|series| series.total()))
    };
    let (report, forecast, anomalies, month_to_date) = tokio::join!(
        crate::poll::cost_report(sources, request.clone(), today, stages),
        sources.cost.forecast_dated(today, next_month, metric),
        sources.cost.anomalies_dated(start, end),
        month_to_date,
    );
    // Each answer is as old as its own fetch: a kept forecast may be older than a fresh
    // breakdown.
    let dated = |at: &Option<chrono::DateTime<Utc>>| at.unwrap_or(fetched_at);
    let forecast_at = forecast.as_ref().map_or(fetched_at, |(_, at)| dated(at));
    let anomalies_at = anomalies.as_ref().map_or(fetched_at, |(_, at)| dated(at));
    let forecast = forecast.map(|(f, _)| f);
    let anomalies = anomalies.map(|(a, _)| a);
    // An answer from the disk cache is as old as its fetch, not as this read.
    let fetched_at = report
        .as_ref()
        .ok()
        .and_then(|r| r.cached_at)
        .unwrap_or(fetched_at);
    Msg::CostReviewed(Box::new(crate::app::CostAnswers {
        request,
        fetched_at,
        report,
        forecast,
        forecast_at,
        anomalies,
        anomalies_at,
        month_to_date,
        billed_requests: sources.cost.billed_requests(),
    }))
}

/// Writes the cost review to `dir` as CSV or JSON (never over an earlier file); what the
/// footer says: the file's path, or why not.
pub(super) fn export_cost(
    dir: Option<&std::path::Path>,
    report: &crate::domain::breakdown::CostReport,
    json: bool,
) -> Result<String, String> {
    let dir = dir.ok_or("no directory to export to")?;
    let path = export(dir, report, json)?;
    // Said short on screen: the home directory as ~.
    let shown = path.display().to_string();
    let shown = match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && shown.starts_with(&home) => {
            format!("~{}", &shown[home.len()..])
        }
        _ => shown,
    };
    let groups = report.breakdown.rows.len();
    Ok(match &report.row_filter {
        Some(filter) => format!(
            "{shown} ({groups} group{} matching \"{}\")",
            if groups == 1 { "" } else { "s" },
            crate::text::inert_line(filter)
        ),
        None => shown,
    })
}

/// Writes `report` into `dir` as CSV or JSON under a name that says what it holds, never
/// over an earlier file: a name already taken gets `-2`, `-3`… before its extension.
/// Returns the path written.
pub fn export(
    dir: &std::path::Path,
    report: &crate::domain::breakdown::CostReport,
    json: bool,
) -> Result<std::path::PathBuf, String> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let query = &report.query;
    let mut name = format!(
        "cost-{}-{}-{}-by-{}",
        query.start,
        query.end,
        query.metric.as_str(),
        report.request.group_label().replace([' ', ':'], "-")
    );
    for filter in &query.filters {
        name.push('-');
        name.push_str(&filter.value);
    }
    if let Some(filter) = &report.row_filter {
        name.push_str("-matching-");
        name.push_str(filter);
    }
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let (contents, ext) = if json {
        (
            format!("{}\n", crate::text::json_pretty(&report.json())),
            "json",
        )
    } else {
        (report.csv(), "csv")
    };
    for n in 1u32.. {
        let path = if n == 1 {
            dir.join(format!("{name}.{ext}"))
        } else {
            dir.join(format!("{name}-{n}.{ext}"))
        };
        // Created only if new: an earlier export (or anything else) is never replaced.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                return file
                    .write_all(contents.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("{}: {e}", path.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 10_000 => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: no free name", dir.display()))
}
