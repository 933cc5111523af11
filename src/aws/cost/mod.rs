//! Cost Explorer: daily spend by service (GetCostAndUsage). Every request is billed
//! (USD 0.01, each page counts), so the adapter counts them; the disk cache in
//! [`crate::poll::cost_cache`] makes sure few are made.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use aws_sdk_costexplorer::Client;
use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition,
    GroupDefinitionType, ResultByTime, TagValues,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{ErrorContext, source_error};
use crate::config::CostConfig;
use crate::domain::{DailySpend, SpendSeries};
use crate::source::{CostSource, ErrorKind, SourceError, SourceResult};

/// The metric the console shows: what was billed, before discounts are spread.
const METRIC: &str = "UnblendedCost";
/// Pages read at most for one period (a page holds many days of every service).
const MAX_PAGES: usize = 50;

/// The Cost Explorer adapter of one environment.
pub struct CostExplorer {
    client: Client,
    scope: CostConfig,
    context: ErrorContext,
    /// Billed requests this session: every page of every call.
    billed: Arc<AtomicU64>,
}

impl CostExplorer {
    /// An adapter over a Cost Explorer client (whose region must be us-east-1).
    pub fn new(client: Client, scope: CostConfig, context: ErrorContext) -> Self {
        CostExplorer {
            client,
            scope,
            context,
            billed: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The filter of the environment's part of the bill, if it has one.
    fn filter(&self) -> Option<Expression> {
        let mut parts = Vec::new();
        if !self.scope.linked_accounts.is_empty() {
            parts.push(
                Expression::builder()
                    .dimensions(
                        DimensionValues::builder()
                            .key(Dimension::LinkedAccount)
                            .set_values(Some(self.scope.linked_accounts.clone()))
                            .build(),
                    )
                    .build(),
            );
        }
        for (key, values) in &self.scope.tags {
            parts.push(
                Expression::builder()
                    .tags(
                        TagValues::builder()
                            .key(key)
                            .set_values(Some(values.clone()))
                            .build(),
                    )
                    .build(),
            );
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Expression::builder().set_and(Some(parts)).build()),
        }
    }
}

#[async_trait]
impl CostSource for CostExplorer {
    async fn daily_spend(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<SpendSeries> {
        let period = DateInterval::builder()
            .start(start.format("%Y-%m-%d").to_string())
            .end(end.format("%Y-%m-%d").to_string())
            .build()
            .map_err(|e| SourceError::new(ErrorKind::Rejected, e.to_string()))?;
        let filter = self.filter();
        let mut results: Vec<ResultByTime> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            self.billed.fetch_add(1, Ordering::Relaxed);
            let page = self
                .client
                .get_cost_and_usage()
                .time_period(period.clone())
                .granularity(Granularity::Daily)
                .metrics(METRIC)
                .group_by(
                    GroupDefinition::builder()
                        .r#type(GroupDefinitionType::Dimension)
                        .key("SERVICE")
                        .build(),
                )
                .set_filter(filter.clone())
                .set_next_page_token(token.take())
                .send()
                .await
                .map_err(|e| source_error(e, &self.context))?;
            results.extend(page.results_by_time().iter().cloned());
            token = page
                .next_page_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        series_of(&results)
    }

    fn billed_requests(&self) -> Option<u64> {
        Some(self.billed.load(Ordering::Relaxed))
    }
}

/// The daily series of GetCostAndUsage results grouped by service. A day split over two
/// pages is merged; amounts are parsed as decimals, never floats.
pub fn series_of(results: &[ResultByTime]) -> SourceResult<SpendSeries> {
    let mut days: BTreeMap<NaiveDate, DailySpend> = BTreeMap::new();
    let mut unit: Option<String> = None;
    for result in results {
        let Some(period) = result.time_period() else {
            continue;
        };
        let date = NaiveDate::parse_from_str(period.start(), "%Y-%m-%d")
            .map_err(|_| bad_response(format!("a day that is not a date: `{}`", period.start())))?;
        let day = days.entry(date).or_insert_with(|| DailySpend {
            date,
            by_service: Vec::new(),
            estimated: false,
        });
        day.estimated |= result.estimated();
        for group in result.groups() {
            let Some(metric) = group.metrics().and_then(|m| m.get(METRIC)) else {
                continue;
            };
            let service = group.keys().first().cloned().unwrap_or_default();
            let amount = match metric.amount() {
                Some(text) => text.trim().parse::<Decimal>().map_err(|_| {
                    bad_response(format!("an amount that is not a number: `{text}`"))
                })?,
                None => Decimal::ZERO,
            };
            if unit.is_none() {
                unit = metric.unit().map(str::to_string);
            }
            match day.by_service.iter_mut().find(|(s, _)| *s == service) {
                Some((_, total)) => *total += amount,
                None => day.by_service.push((service, amount)),
            }
        }
    }
    Ok(SpendSeries {
        unit: unit.unwrap_or_else(|| "USD".to_string()),
        days: days.into_values().collect(),
        ..SpendSeries::default()
    })
}

fn bad_response(what: String) -> SourceError {
    SourceError::new(ErrorKind::BadResponse, format!("Cost Explorer: {what}"))
}
