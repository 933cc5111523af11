//! GetAnomalies: the spend anomalies Cost Anomaly Detection found in a period, every page.

use std::str::FromStr;

use aws_sdk_costexplorer::types::{Anomaly, AnomalyDateInterval};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{CostExplorer, MAX_PAGES, bad_response, day, parse_day, too_many_pages, unbuildable};
use crate::aws::source_error;
use crate::domain::cost::{CostAnomaly, RootCause};
use crate::source::SourceResult;

/// The anomalies observed from `start` to `end` (exclusive).
pub(super) async fn anomalies(
    adapter: &CostExplorer,
    start: NaiveDate,
    end: NaiveDate,
) -> SourceResult<Vec<CostAnomaly>> {
    // The interval's end is the last day an anomaly was observed: inclusive.
    let last = end
        .pred_opt()
        .filter(|last| *last >= start)
        .unwrap_or(start);
    let interval = AnomalyDateInterval::builder()
        .start_date(day(start))
        .end_date(day(last))
        .build()
        .map_err(unbuildable)?;
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = adapter
            .client
            .get_anomalies()
            .date_interval(interval.clone())
            .set_next_page_token(token.take())
            .customize()
            .interceptor(adapter.billing())
            .send()
            .await
            .map_err(|e| source_error(e, &adapter.context))?;
        for anomaly in page.anomalies() {
            found.push(anomaly_of(anomaly, start)?);
        }
        token = page
            .next_page_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(found);
        }
    }
    Err(too_many_pages("the anomaly list"))
}

/// One anomaly; one without a start date is dated the period's start.
fn anomaly_of(anomaly: &Anomaly, period_start: NaiveDate) -> SourceResult<CostAnomaly> {
    let date = |text: Option<&str>| -> SourceResult<Option<NaiveDate>> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => parse_day(t)
                .map(Some)
                .ok_or_else(|| bad_response(format!("an anomaly date that is not a date: `{t}`"))),
        }
    };
    let total = anomaly.impact().map(|i| i.total_impact()).unwrap_or(0.0);
    Ok(CostAnomaly {
        id: anomaly.anomaly_id().to_string(),
        start: date(anomaly.anomaly_start_date())?.unwrap_or(period_start),
        end: date(anomaly.anomaly_end_date())?,
        unit: "USD".to_string(),
        impact: cents(total)?,
        root_causes: anomaly
            .root_causes()
            .iter()
            .map(|cause| RootCause {
                service: cause.service().map(str::to_string),
                region: cause.region().map(str::to_string),
                account: cause.linked_account().map(str::to_string),
                usage_type: cause.usage_type().map(str::to_string),
            })
            .collect(),
    })
}

/// A float amount of the API as a decimal of cents: read through its shortest text (0.1 +
/// 0.2 arrives as 0.30000000000000004), then rounded by the one rule of
/// [`crate::domain::money`] (half away from zero: 0.125 is 0.13, where a float's own
/// formatting would round it to even).
fn cents(amount: f64) -> SourceResult<Decimal> {
    if !amount.is_finite() {
        return Err(bad_response(format!(
            "an impact that is not a number: {amount}"
        )));
    }
    let text = amount.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&format!("{amount:e}")))
        .map(crate::domain::money::cents)
        .map_err(|_| bad_response(format!("an impact out of range: {text}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_impacts_become_exact_cents() {
        assert_eq!(cents(0.1 + 0.2).unwrap().to_string(), "0.30");
        assert_eq!(cents(1_234.565_000_1).unwrap().to_string(), "1234.57");
        assert_eq!(cents(0.0).unwrap(), Decimal::ZERO);
        assert_eq!(cents(0.125).unwrap().to_string(), "0.13");
        assert_eq!(cents(2.675).unwrap().to_string(), "2.68");
        assert_eq!(cents(-0.125).unwrap().to_string(), "-0.13");
        assert_eq!(cents(1e-7).unwrap().to_string(), "0.00");
        assert!(cents(f64::NAN).is_err());
        assert!(cents(1e40).is_err(), "beyond a decimal's range");
    }
}
