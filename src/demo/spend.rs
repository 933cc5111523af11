//! The demo's Cost Explorer: daily spend by service as a pure function of the seed and
//! the date, with weekly rhythm, slow growth, and one anomaly.

use chrono::{Datelike, Days, Duration, NaiveDate};
use rust_decimal::Decimal;

use super::seed::{Seed, day_key, is_weekend, text_key};
use crate::domain::{DailySpend, SpendSeries};

/// A service as Cost Explorer names it, and how its daily cost behaves.
struct Service {
    name: &'static str,
    /// USD a weekday on 2026-01-01.
    base: f64,
    /// Saturday and Sunday relative to a weekday.
    weekend: f64,
    /// Growth per day, as a fraction of the base.
    growth: f64,
    /// Day-to-day noise, as a fraction (± this much).
    noise: f64,
}

const fn s(name: &'static str, base: f64, weekend: f64, growth: f64, noise: f64) -> Service {
    Service {
        name,
        base,
        weekend,
        growth,
        noise,
    }
}

const SERVICES: [Service; 13] = [
    s(
        "Amazon Relational Database Service",
        412.37,
        1.0,
        0.0004,
        0.012,
    ),
    s("Amazon Redshift", 186.52, 0.88, 0.0006, 0.04),
    s("AWS Database Migration Service", 58.08, 1.0, 0.0002, 0.03),
    s("Amazon Simple Storage Service", 42.61, 0.97, 0.0012, 0.03),
    s(
        "Amazon Elastic Container Service",
        36.20,
        0.72,
        0.0003,
        0.05,
    ),
    s("AWS Glue", 31.04, 0.9, 0.0005, 0.08),
    s(
        "Amazon Managed Workflows for Apache Airflow",
        27.43,
        0.96,
        0.0,
        0.01,
    ),
    s("EC2 - Other", 17.55, 0.93, 0.0004, 0.06),
    s("Amazon CloudWatch", 14.12, 0.9, 0.0006, 0.05),
    s("Amazon Virtual Private Cloud", 11.23, 0.95, 0.0001, 0.03),
    s("AWS Key Management Service", 3.11, 0.98, 0.0, 0.02),
    s("AWS Secrets Manager", 1.61, 1.0, 0.0, 0.005),
    s("AWS Lake Formation", 0.42, 0.8, 0.0, 0.2),
];

/// Days of spend that are clearly out of line with the rest.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Anomaly {
    pub service: &'static str,
    pub first: NaiveDate,
    pub days: i64,
    pub factor: f64,
}

impl Anomaly {
    fn covers(&self, service: &str, date: NaiveDate) -> bool {
        service == self.service
            && date >= self.first
            && date < self.first + Duration::days(self.days)
    }
}

/// The spend model of one seeded company.
pub(super) struct Spend {
    seed: Seed,
    anomaly: Anomaly,
}

impl Spend {
    /// The model, with its anomaly about three weeks before `start`.
    pub fn new(seed: Seed, start: NaiveDate) -> Self {
        let mut rng = seed.rng(&[text_key("spend-anomaly")]);
        // Mostly Redshift (concurrency scaling left on), sometimes S3 (a replication loop).
        let service = if rng.u32(0..3) == 0 {
            "Amazon Simple Storage Service"
        } else {
            "Amazon Redshift"
        };
        Spend {
            seed,
            anomaly: Anomaly {
                service,
                first: start - Duration::days(rng.i64(19..=23)),
                days: rng.i64(2..=3),
                factor: 2.8 + 0.6 * rng.f64(),
            },
        }
    }

    /// The anomaly this model carries.
    #[cfg(test)]
    pub fn anomaly(&self) -> &Anomaly {
        &self.anomaly
    }

    /// The anomaly's days, for the anomaly report.
    pub(super) fn anomaly_days(&self) -> &Anomaly {
        &self.anomaly
    }

    /// Daily spend from `start` to `end` (exclusive), never past `today`; the last two
    /// days are still estimated, as Cost Explorer says.
    pub fn series(&self, start: NaiveDate, end: NaiveDate, today: NaiveDate) -> SpendSeries {
        // Cost Explorer keeps about 14 months; more than ten years back is a mistake.
        let end = end.min(today.succ_opt().unwrap_or(today));
        let start = start.max(end.checked_sub_days(Days::new(3660)).unwrap_or(end));
        let days = start
            .iter_days()
            .take_while(|d| *d < end)
            .map(|date| DailySpend {
                date,
                by_service: SERVICES
                    .iter()
                    .map(|service| (service.name.to_string(), self.amount(service, date)))
                    .collect(),
                estimated: date >= today.pred_opt().unwrap_or(today),
            })
            .collect();
        SpendSeries {
            unit: "USD".to_string(),
            days,
            ..SpendSeries::default()
        }
    }

    fn amount(&self, service: &Service, date: NaiveDate) -> Decimal {
        let mut rng = self
            .seed
            .rng(&[text_key("spend"), text_key(service.name), day_key(date)]);
        let since = (date - NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(date)).num_days();
        let mut usd = service.base * (1.0 + service.growth * since as f64).max(0.2);
        if is_weekend(date) {
            usd *= service.weekend;
        }
        // The first of the month carries monthly charges (Secrets, KMS keys, support).
        if date.day() == 1 {
            usd *= 1.04;
        }
        usd *= 1.0 + service.noise * (2.0 * rng.f64() - 1.0);
        if self.anomaly.covers(service.name, date) {
            usd *= self.anomaly.factor * (0.95 + 0.1 * rng.f64());
        }
        // Ten decimal places, as Cost Explorer's strings carry.
        Decimal::new((usd * 1e10).round() as i64, 10).normalize()
    }
}
