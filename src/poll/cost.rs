//! The cost report's question asked of the sources: the period and the one before, at
//! once, for `opsdeck cost` and the console's cost review alike.

use chrono::NaiveDate;

use crate::domain::breakdown::{Breakdown, CostReport, CostRequest};
use crate::domain::stages::CostStages;
use crate::domain::{DailySpend, SpendSeries};
use crate::source::{SourceError, Sources};

/// Asks the cost source for the period and the one before, at once.
/// Grouped by stage, the by-service answers are summed into `stages`.
pub async fn cost_report(
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
        compared: before.is_some().then_some((previous.start, previous.end)),
        row_filter: None,
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
