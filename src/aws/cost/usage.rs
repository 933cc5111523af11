//! GetCostAndUsage: one cost query's amounts per day or month per group, every page read.

use std::collections::BTreeMap;

use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, GroupDefinition, GroupDefinitionType,
    MatchOption, ResultByTime, TagValues,
};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{CostExplorer, MAX_PAGES, bad_response, day, parse_day, too_many_pages, unbuildable};
use crate::aws::source_error;
use crate::domain::cost::{CostFilter, CostQuery, Granularity, GroupBy};
use crate::domain::{DailySpend, SpendSeries};
use crate::source::SourceResult;

/// The group of the spend that carries no value of the tag grouped by (Cost Explorer's
/// `team$`). A drill-down into it asks for the resources without the tag.
pub const UNTAGGED: &str = "(untagged)";

/// The answer to `query`: GetCostAndUsage page after page, within the environment's scope.
pub(super) async fn cost(adapter: &CostExplorer, query: &CostQuery) -> SourceResult<SpendSeries> {
    let period = DateInterval::builder()
        .start(day(query.start))
        .end(day(query.end))
        .build()
        .map_err(unbuildable)?;
    let group = match &query.group_by {
        GroupBy::Tag(key) => GroupDefinition::builder()
            .r#type(GroupDefinitionType::Tag)
            .key(key),
        dimension => GroupDefinition::builder()
            .r#type(GroupDefinitionType::Dimension)
            .key(dimension.dimension()),
    }
    .build();
    let filter = adapter.filter(query.filters.iter().map(narrowing).collect());
    let granularity = match query.granularity {
        Granularity::Daily => aws_sdk_costexplorer::types::Granularity::Daily,
        Granularity::Monthly => aws_sdk_costexplorer::types::Granularity::Monthly,
    };
    let mut results: Vec<ResultByTime> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = adapter
            .client
            .get_cost_and_usage()
            .time_period(period.clone())
            .granularity(granularity.clone())
            .metrics(query.metric.as_str())
            .group_by(group.clone())
            .set_filter(filter.clone())
            .set_next_page_token(token.take())
            .customize()
            .interceptor(adapter.billing())
            .send()
            .await
            .map_err(|e| source_error(e, &adapter.context))?;
        results.extend(page.results_by_time().iter().cloned());
        token = page
            .next_page_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return series_of(&results, query);
        }
    }
    Err(too_many_pages("the cost query"))
}

/// A drill-down step as a filter expression: one value of a dimension or of a tag.
fn narrowing(filter: &CostFilter) -> Expression {
    match &filter.dimension {
        GroupBy::Tag(key) if filter.value == UNTAGGED => Expression::builder()
            .tags(
                TagValues::builder()
                    .key(key)
                    .match_options(MatchOption::Absent)
                    .build(),
            )
            .build(),
        GroupBy::Tag(key) => Expression::builder()
            .tags(
                TagValues::builder()
                    .key(key)
                    .values(filter.value.clone())
                    .build(),
            )
            .build(),
        dimension => Expression::builder()
            .dimensions(
                DimensionValues::builder()
                    .key(Dimension::from(dimension.dimension()))
                    .values(filter.value.clone())
                    .build(),
            )
            .build(),
    }
}

/// The series of GetCostAndUsage results for `query`: one entry per day (per month, dated
/// the first of the month, for a monthly query), its groups in `by_service`. A period
/// split over two pages is merged; amounts of the query's metric are parsed as decimals,
/// never floats.
pub fn series_of(results: &[ResultByTime], query: &CostQuery) -> SourceResult<SpendSeries> {
    let metric = query.metric.as_str();
    let mut periods: BTreeMap<NaiveDate, DailySpend> = BTreeMap::new();
    let mut unit: Option<String> = None;
    for result in results {
        let Some(period) = result.time_period() else {
            continue;
        };
        let mut date = parse_day(period.start()).ok_or_else(|| {
            bad_response(format!("a day that is not a date: `{}`", period.start()))
        })?;
        if query.granularity == Granularity::Monthly {
            // The first month starts on the query's start, which may be mid-month.
            date = date.with_day(1).unwrap_or(date);
        }
        let entry = periods.entry(date).or_insert_with(|| DailySpend {
            date,
            by_service: Vec::new(),
            estimated: false,
        });
        entry.estimated |= result.estimated();
        for group in result.groups() {
            let Some(value) = group.metrics().and_then(|m| m.get(metric)) else {
                continue;
            };
            let name = group_name(group.keys().first().map(String::as_str), &query.group_by);
            let amount = match value.amount() {
                Some(text) => text.trim().parse::<Decimal>().map_err(|_| {
                    bad_response(format!("an amount that is not a number: `{text}`"))
                })?,
                None => Decimal::ZERO,
            };
            if unit.is_none() {
                unit = value.unit().map(str::to_string);
            }
            match entry.by_service.iter_mut().find(|(g, _)| *g == name) {
                Some((_, total)) => *total += amount,
                None => entry.by_service.push((name, amount)),
            }
        }
    }
    Ok(SpendSeries {
        unit: unit.unwrap_or_else(|| "USD".to_string()),
        days: periods.into_values().collect(),
        ..SpendSeries::default()
    })
}

/// A group's name: the dimension's value as it comes, a tag's value without its `KEY$`
/// prefix, or [`UNTAGGED`] for spend without the tag.
fn group_name(key: Option<&str>, group_by: &GroupBy) -> String {
    let key = key.unwrap_or_default();
    let GroupBy::Tag(tag) = group_by else {
        return key.to_string();
    };
    let value = key
        .strip_prefix(tag.as_str())
        .and_then(|rest| rest.strip_prefix('$'))
        .or_else(|| key.split_once('$').map(|(_, value)| value))
        .unwrap_or(key);
    if value.is_empty() {
        UNTAGGED.to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_groups_lose_their_key_and_the_untagged_are_named() {
        let team = GroupBy::Tag("team".into());
        assert_eq!(group_name(Some("team$data"), &team), "data");
        assert_eq!(group_name(Some("team$"), &team), UNTAGGED);
        assert_eq!(group_name(Some("team$a$b"), &team), "a$b");
        assert_eq!(group_name(Some("other$x"), &team), "x");
        assert_eq!(group_name(Some("plain"), &team), "plain");
        assert_eq!(
            group_name(Some("Amazon S3"), &GroupBy::Service),
            "Amazon S3"
        );
        assert_eq!(group_name(Some("a$b"), &GroupBy::UsageType), "a$b");
    }
}
