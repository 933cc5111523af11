//! The demo's answers to a cost review: spend by any grouping (each service's daily cost
//! split by fixed shares into usage types, regions, accounts and tag values, exactly, as
//! decimals), other metrics, the month's forecast and the anomaly.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use super::spend::Spend;
use crate::domain::cost::{
    CostAnomaly, CostQuery, Forecast, Granularity, GroupBy, Metric, RootCause,
};
use crate::domain::{DailySpend, SpendSeries};

/// The accounts of the demo's organization.
const ACCOUNTS: [(&str, &str); 2] = [("111122223333", "0.82"), ("444455556666", "0.18")];

/// Share of `value` in one dimension of a service's cost (shares of a service sum to 1).
fn splits(service: &str, dimension: &GroupBy) -> Vec<(String, Decimal)> {
    let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    let list = |items: &[(&str, &str)]| -> Vec<(String, Decimal)> {
        items.iter().map(|(k, v)| (k.to_string(), d(v))).collect()
    };
    match dimension {
        GroupBy::Service => vec![(service.to_string(), Decimal::ONE)],
        GroupBy::LinkedAccount => list(&ACCOUNTS),
        GroupBy::Region => match service {
            "AWS Key Management Service" | "Amazon CloudWatch" => {
                list(&[("eu-west-1", "0.9"), ("us-east-1", "0.1")])
            }
            _ => list(&[("eu-west-1", "1")]),
        },
        GroupBy::UsageType => list(usage_types(service)),
        GroupBy::Tag(key) if key == "team" => match service {
            "Amazon Redshift" => list(&[
                ("analytics", "0.35"),
                ("data-platform", "0.6"),
                ("", "0.05"),
            ]),
            _ => list(&[("data-platform", "0.93"), ("", "0.07")]),
        },
        GroupBy::Tag(key) if key == "stage" => list(&[(stage_of(service), "1")]),
        GroupBy::Tag(_) => list(&[("", "1")]),
    }
}

/// The pipeline stage a service's cost belongs to, as the demo tags it.
pub fn stage_of(service: &str) -> &'static str {
    match service {
        "AWS Database Migration Service" | "Amazon Relational Database Service" => "migration",
        "Amazon Simple Storage Service" | "AWS Glue" | "AWS Lake Formation" => "lake",
        "Amazon Managed Workflows for Apache Airflow" => "orchestration",
        "Amazon Redshift" => "warehouse",
        "Amazon Elastic Container Service" => "transform",
        _ => "shared",
    }
}

fn usage_types(service: &str) -> &'static [(&'static str, &'static str)] {
    match service {
        "Amazon Redshift" => &[
            ("EUW1-Node:ra3.xlplus", "0.74"),
            ("EUW1-RMS:ra3", "0.14"),
            ("EUW1-ConcurrencyScaling:ra3", "0.08"),
            ("EUW1-DataTransfer-Out-Bytes", "0.04"),
        ],
        "Amazon Simple Storage Service" => &[
            ("EUW1-TimedStorage-ByteHrs", "0.61"),
            ("EUW1-Requests-Tier1", "0.23"),
            ("EUW1-Requests-Tier2", "0.11"),
            ("EUW1-DataTransfer-Out-Bytes", "0.05"),
        ],
        "Amazon Relational Database Service" => &[
            ("EUW1-InstanceUsage:db.r6g.2xl", "0.78"),
            ("EUW1-RDS:GP3-Storage", "0.17"),
            ("EUW1-RDS:ChargedBackupUsage", "0.05"),
        ],
        "AWS Database Migration Service" => &[
            ("EUW1-InstanceUsg:dms.r5.xlarge", "0.84"),
            ("EUW1-DCU-Hrs", "0.16"),
        ],
        "AWS Glue" => &[
            ("EUW1-ETL-DPU-Hour", "0.81"),
            ("EUW1-Crawler-DPU-Hour", "0.19"),
        ],
        "Amazon Managed Workflows for Apache Airflow" => &[
            ("EUW1-Environment-Medium", "0.86"),
            ("EUW1-Worker-Medium", "0.14"),
        ],
        "Amazon Elastic Container Service" => &[
            ("EUW1-Fargate-vCPU-Hours:perCPU", "0.8"),
            ("EUW1-Fargate-GB-Hours", "0.2"),
        ],
        _ => &[("EUW1-Usage", "1")],
    }
}

/// The part of a service's metric that the other metrics leave (reservations spread,
/// credits off).
fn metric_factor(service: &str, metric: Metric) -> Decimal {
    match (metric, service) {
        (Metric::UnblendedCost, _) => Decimal::ONE,
        (Metric::AmortizedCost, "Amazon Relational Database Service" | "Amazon Redshift") => {
            Decimal::new(93, 2)
        }
        (Metric::AmortizedCost, _) => Decimal::ONE,
        (Metric::NetUnblendedCost, _) => Decimal::new(97, 2),
    }
}

impl Spend {
    /// The answer to any cost query, up to `today`.
    pub fn query(&self, query: &CostQuery, today: NaiveDate) -> SpendSeries {
        let daily = self.series(query.start, query.end, today);
        let days = daily
            .days
            .iter()
            .map(|day| DailySpend {
                date: day.date,
                by_service: split_day(day, query),
                estimated: day.estimated,
            })
            .collect();
        let series = SpendSeries {
            unit: daily.unit,
            days,
            ..SpendSeries::default()
        };
        match query.granularity {
            Granularity::Daily => series,
            Granularity::Monthly => monthly(series),
        }
    }

    /// The month's forecast: what was spent so far plus the last week's daily average
    /// for each day left, within ±8 %.
    pub fn forecast(&self, start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Forecast {
        let week = self.series(
            today.checked_sub_days(Days::new(7)).unwrap_or(today),
            today,
            today,
        );
        let per_day = week.total() / Decimal::from(week.days.len().max(1) as u64);
        let spent = self.series(start, today, today).total();
        let left = (end - today.max(start)).num_days().max(0);
        let mean = (spent + per_day * Decimal::from(left)).round_dp(2);
        let spread = (per_day * Decimal::from(left) * Decimal::new(8, 2)).round_dp(2);
        Forecast {
            start,
            end,
            unit: "USD".to_string(),
            mean,
            low: mean - spread,
            high: mean + spread,
        }
    }

    /// The anomaly, when it falls in the period.
    pub fn anomalies(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        today: NaiveDate,
    ) -> Vec<CostAnomaly> {
        let anomaly = self.anomaly_days();
        let last = anomaly
            .first
            .checked_add_days(Days::new(anomaly.days as u64 - 1))
            .unwrap_or(anomaly.first);
        if last < start || anomaly.first >= end {
            return Vec::new();
        }
        let days = self.series(anomaly.first, last.succ_opt().unwrap_or(last), today);
        let factor = Decimal::try_from(anomaly.factor).unwrap_or(Decimal::ONE);
        let impact: Decimal = days
            .days
            .iter()
            .flat_map(|d| &d.by_service)
            .filter(|(s, _)| s == anomaly.service)
            .map(|(_, a)| *a - *a / factor)
            .sum();
        let usage = match anomaly.service {
            "Amazon Redshift" => "EUW1-ConcurrencyScaling:ra3",
            _ => "EUW1-Requests-Tier1",
        };
        vec![CostAnomaly {
            id: format!("demo-anomaly-{}", anomaly.first),
            start: anomaly.first,
            end: Some(last),
            unit: "USD".to_string(),
            impact: impact.round_dp(2),
            root_causes: vec![RootCause {
                service: Some(anomaly.service.to_string()),
                region: Some("eu-west-1".to_string()),
                account: Some(ACCOUNTS[0].0.to_string()),
                usage_type: Some(usage.to_string()),
            }],
        }]
    }
}

/// One day of by-service spend as the query groups and filters it. The last part of
/// every split takes what the others leave, so the parts sum to the whole exactly.
fn split_day(day: &DailySpend, query: &CostQuery) -> Vec<(String, Decimal)> {
    let mut out: Vec<(String, Decimal)> = Vec::new();
    for (service, amount) in &day.by_service {
        let mut amount = *amount * metric_factor(service, query.metric);
        for filter in &query.filters {
            let share = splits(service, &filter.dimension)
                .into_iter()
                .find(|(k, _)| *k == filter.value)
                .map_or(Decimal::ZERO, |(_, s)| s);
            amount *= share;
        }
        if amount.is_zero() {
            continue;
        }
        let parts = splits(service, &query.group_by);
        let mut left = amount;
        for (i, (key, share)) in parts.iter().enumerate() {
            let part = if i + 1 == parts.len() {
                left
            } else {
                (amount * share).round_dp(10)
            };
            left -= part;
            let key = if key.is_empty() {
                "(untagged)".to_string()
            } else {
                key.clone()
            };
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, total)) => *total += part,
                None => out.push((key, part)),
            }
        }
    }
    out
}

/// Daily amounts summed into months (each dated on its first day).
fn monthly(series: SpendSeries) -> SpendSeries {
    let mut months: Vec<DailySpend> = Vec::new();
    for day in series.days {
        let first = day.date.with_day(1).unwrap_or(day.date);
        if months.last().is_none_or(|m| m.date != first) {
            months.push(DailySpend {
                date: first,
                by_service: Vec::new(),
                estimated: false,
            });
        }
        let Some(month) = months.last_mut() else {
            continue;
        };
        month.estimated |= day.estimated;
        for (key, amount) in day.by_service {
            match month.by_service.iter_mut().find(|(k, _)| *k == key) {
                Some((_, total)) => *total += amount,
                None => month.by_service.push((key, amount)),
            }
        }
    }
    SpendSeries {
        days: months,
        ..series
    }
}
