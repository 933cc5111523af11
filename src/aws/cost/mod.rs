//! Cost Explorer: spend by day or month in any metric, grouped and drilled down
//! (GetCostAndUsage), the forecast (GetCostForecast) and the anomalies (GetAnomalies).
//! Every request is billed (USD 0.01, each page counts), so the adapter counts the ones
//! that reach the service, and [`CachedCost`] keeps answers on disk so that few are made.

mod anomalies;
mod billing;
mod cache;
mod forecast;
mod usage;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use aws_sdk_costexplorer::Client;
use aws_sdk_costexplorer::types::{Dimension, DimensionValues, Expression, TagValues};
use chrono::NaiveDate;

use super::ErrorContext;
use crate::config::CostConfig;
use crate::domain::SpendSeries;
use crate::domain::cost::{CostAnomaly, CostQuery, Forecast, Metric};
use crate::source::{CostSource, ErrorKind, SourceError, SourceResult};

use billing::BilledAttempts;
pub use cache::{CachedCost, DEFAULT_TTL};
pub use usage::{UNTAGGED, series_of};

/// Pages read at most for one question: past this the answer would be incomplete (and
/// each page is billed), so the query fails instead.
const MAX_PAGES: usize = 50;

/// The Cost Explorer adapter of one environment.
pub struct CostExplorer {
    client: Client,
    scope: CostConfig,
    context: ErrorContext,
    /// Billed requests this session: every attempt of every page that got an answer.
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

    /// The interceptor that counts this adapter's billed requests, for one operation.
    fn billing(&self) -> BilledAttempts {
        BilledAttempts::new(Arc::clone(&self.billed))
    }

    /// The environment's part of the bill AND-ed with `narrowing` (a query's drill-down),
    /// as one filter; `None` when there is nothing to narrow.
    fn filter(&self, narrowing: Vec<Expression>) -> Option<Expression> {
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
        parts.extend(narrowing);
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
        self.cost(&CostQuery::daily_by_service(start, end)).await
    }

    async fn cost(&self, query: &CostQuery) -> SourceResult<SpendSeries> {
        usage::cost(self, query).await
    }

    async fn forecast(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        metric: Metric,
    ) -> SourceResult<Forecast> {
        forecast::forecast(self, start, end, metric).await
    }

    async fn anomalies(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<Vec<CostAnomaly>> {
        anomalies::anomalies(self, start, end).await
    }

    fn billed_requests(&self) -> Option<u64> {
        Some(self.billed.load(Ordering::Relaxed))
    }
}

/// A date as Cost Explorer writes it.
fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A date Cost Explorer wrote, as `2026-11-01` or with a time after it.
fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok()
}

/// A request the SDK would not build (a required member missing): nothing was sent.
fn unbuildable(error: impl std::fmt::Display) -> SourceError {
    SourceError::new(ErrorKind::Rejected, format!("Cost Explorer: {error}"))
}

fn bad_response(what: String) -> SourceError {
    SourceError::new(ErrorKind::BadResponse, format!("Cost Explorer: {what}"))
}

fn too_many_pages(what: &str) -> SourceError {
    SourceError::new(
        ErrorKind::BadResponse,
        format!("Cost Explorer: {what} runs past {MAX_PAGES} pages"),
    )
    .with_hint("narrow the period, or group by something with fewer values")
}
