//! GetCostForecast: the provider's forecast of the environment's spend over a period, with
//! an 80 % prediction interval.

use aws_sdk_costexplorer::operation::get_cost_forecast::GetCostForecastOutput;
use aws_sdk_costexplorer::types::{DateInterval, Granularity};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{CostExplorer, bad_response, day, unbuildable};
use crate::aws::source_error;
use crate::domain::cost::{Forecast, Metric};
use crate::source::{ErrorKind, SourceError, SourceResult};

/// How likely the true spend lies between the low and the high figure, in percent.
const PREDICTION_INTERVAL: i32 = 80;

/// The forecast from `start` to `end` (exclusive) of `metric`, within the scope.
pub(super) async fn forecast(
    adapter: &CostExplorer,
    start: NaiveDate,
    end: NaiveDate,
    metric: Metric,
) -> SourceResult<Forecast> {
    let period = DateInterval::builder()
        .start(day(start))
        .end(day(end))
        .build()
        .map_err(unbuildable)?;
    let answer = adapter
        .client
        .get_cost_forecast()
        .time_period(period)
        .metric(forecast_metric(metric))
        .granularity(Granularity::Monthly)
        .prediction_interval_level(PREDICTION_INTERVAL)
        .set_filter(adapter.filter(Vec::new()))
        .customize()
        .interceptor(adapter.billing())
        .send()
        .await
        .map_err(|error| {
            let too_little_history = error
                .as_service_error()
                .is_some_and(|e| e.is_data_unavailable_exception());
            let mapped = source_error(error, &adapter.context);
            if too_little_history {
                SourceError::new(ErrorKind::NotFound, mapped.message)
                    .with_hint("Cost Explorer has too little spend history to forecast yet")
            } else {
                mapped
            }
        })?;
    forecast_of(&answer, start, end)
}

/// The forecast's metric spelling (`UNBLENDED_COST`), not GetCostAndUsage's.
fn forecast_metric(metric: Metric) -> aws_sdk_costexplorer::types::Metric {
    use aws_sdk_costexplorer::types::Metric as Sdk;
    match metric {
        Metric::UnblendedCost => Sdk::UnblendedCost,
        Metric::AmortizedCost => Sdk::AmortizedCost,
        Metric::NetUnblendedCost => Sdk::NetUnblendedCost,
    }
}

/// The mean is the answer's total; the interval's bounds are the sums of each month's (a
/// month without a bound counts its mean).
fn forecast_of(
    answer: &GetCostForecastOutput,
    start: NaiveDate,
    end: NaiveDate,
) -> SourceResult<Forecast> {
    let amount = |text: Option<&str>| -> SourceResult<Option<Decimal>> {
        text.map(|t| {
            t.trim()
                .parse::<Decimal>()
                .map_err(|_| bad_response(format!("a forecast that is not a number: `{t}`")))
        })
        .transpose()
    };
    let (mut mean, mut low, mut high) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for month in answer.forecast_results_by_time() {
        let month_mean = amount(month.mean_value())?.unwrap_or_default();
        mean += month_mean;
        low += amount(month.prediction_interval_lower_bound())?.unwrap_or(month_mean);
        high += amount(month.prediction_interval_upper_bound())?.unwrap_or(month_mean);
    }
    let total = answer.total();
    if let Some(total) = amount(total.and_then(|t| t.amount()))? {
        mean = total;
    }
    Ok(Forecast {
        start,
        end,
        unit: total.and_then(|t| t.unit()).unwrap_or("USD").to_string(),
        mean,
        low,
        high,
    })
}
