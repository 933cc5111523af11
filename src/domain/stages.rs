//! The stages of the data platform's bill: which services and tags make up migration,
//! lake, orchestration, warehouse and transform, and a spend series split by them.

use rust_decimal::Decimal;

use super::cost::GroupBy;
use super::spend::SpendSeries;

/// The stage of the costs that no stage claims.
pub const OTHER_STAGE: &str = "other";

/// One stage of the platform and the cost lines it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostStage {
    /// What the Cost tab calls it ("migration").
    pub name: String,
    /// Service names as the provider writes them ("AWS Glue"), matched exactly.
    pub services: Vec<String>,
    /// Tag key and value pairs (`("stage", "migration")`), matched exactly.
    pub tags: Vec<(String, String)>,
}

impl CostStage {
    /// A stage of services only.
    pub fn of_services(name: &str, services: &[&str]) -> CostStage {
        CostStage {
            name: name.to_string(),
            services: services.iter().map(|s| s.to_string()).collect(),
            tags: Vec::new(),
        }
    }

    /// True when the stage lists the service.
    pub fn has_service(&self, service: &str) -> bool {
        self.services.iter().any(|s| s == service)
    }

    /// True when the stage claims resources carrying `key = value`.
    pub fn has_tag(&self, key: &str, value: &str) -> bool {
        self.tags.iter().any(|(k, v)| k == key && v == value)
    }
}

/// The stages, in the order the Cost tab shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostStages {
    pub stages: Vec<CostStage>,
}

impl Default for CostStages {
    fn default() -> Self {
        CostStages::defaults()
    }
}

impl CostStages {
    /// The stages of a DMS → S3 → Airflow → Redshift platform, by service.
    pub fn defaults() -> Self {
        CostStages {
            stages: vec![
                CostStage::of_services("migration", &["AWS Database Migration Service"]),
                CostStage::of_services(
                    "lake",
                    &[
                        "Amazon Simple Storage Service",
                        "AWS Glue",
                        "AWS Lake Formation",
                    ],
                ),
                CostStage::of_services(
                    "orchestration",
                    &["Amazon Managed Workflows for Apache Airflow"],
                ),
                CostStage::of_services("warehouse", &["Amazon Redshift"]),
                // ECS tasks on Fargate are billed under this service too.
                CostStage::of_services("transform", &["Amazon Elastic Container Service"]),
            ],
        }
    }

    /// The stage names in order, then [`OTHER_STAGE`]: the rows of [`per_stage`](Self::per_stage).
    pub fn names(&self) -> Vec<&str> {
        self.stages
            .iter()
            .map(|s| s.name.as_str())
            .chain(std::iter::once(OTHER_STAGE))
            .collect()
    }

    /// The first stage that lists the service.
    pub fn stage_of_service(&self, service: &str) -> Option<&str> {
        self.index_of_service(service)
            .map(|i| self.stages[i].name.as_str())
    }

    /// The first stage that claims the tag `key = value`.
    pub fn stage_of_tag(&self, key: &str, value: &str) -> Option<&str> {
        self.index_of_tag(key, value)
            .map(|i| self.stages[i].name.as_str())
    }

    /// The stage of a cost line known by its service and its tags. A tag wins over the
    /// service: it is set on the resource, while a service spans every stage that uses it
    /// (the S3 bucket DMS stages into is tagged `stage = migration`).
    pub fn stage_of(&self, service: &str, tags: &[(String, String)]) -> Option<&str> {
        tags.iter()
            .find_map(|(key, value)| self.stage_of_tag(key, value))
            .or_else(|| self.stage_of_service(service))
    }

    /// A series grouped by service, split by stage: one row per stage in order, then
    /// [`OTHER_STAGE`] for the services no stage lists, each with one amount per bucket
    /// of the series (day or month). Every row is there, zeros included. The rows of a
    /// bucket sum exactly to the bucket's total.
    pub fn per_stage(&self, series: &SpendSeries) -> Vec<(String, Vec<Decimal>)> {
        self.split(series, |service| self.index_of_service(service))
    }

    /// Like [`per_stage`](Self::per_stage) for a series grouped by `group_by`: by service,
    /// or by a tag's values (a value claimed by no stage, and untagged spend, go to
    /// [`OTHER_STAGE`]). `None` for a grouping that says nothing about stages (account,
    /// region, usage type).
    pub fn per_stage_by(
        &self,
        series: &SpendSeries,
        group_by: &GroupBy,
    ) -> Option<Vec<(String, Vec<Decimal>)>> {
        match group_by {
            GroupBy::Service => Some(self.per_stage(series)),
            GroupBy::Tag(key) => Some(self.split(series, |value| self.index_of_tag(key, value))),
            GroupBy::LinkedAccount | GroupBy::Region | GroupBy::UsageType => None,
        }
    }

    fn index_of_service(&self, service: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.has_service(service))
    }

    fn index_of_tag(&self, key: &str, value: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.has_tag(key, value))
    }

    /// Sums each line of each bucket into the row `row_of` picks, or the last row.
    fn split(
        &self,
        series: &SpendSeries,
        row_of: impl Fn(&str) -> Option<usize>,
    ) -> Vec<(String, Vec<Decimal>)> {
        let buckets = series.days.len();
        let mut rows: Vec<(String, Vec<Decimal>)> = self
            .names()
            .into_iter()
            .map(|name| (name.to_string(), vec![Decimal::ZERO; buckets]))
            .collect();
        let other = self.stages.len();
        for (bucket, day) in series.days.iter().enumerate() {
            for (key, amount) in &day.by_service {
                let row = row_of(key).unwrap_or(other);
                rows[row].1[bucket] += *amount;
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::NaiveDate;

    use super::*;
    use crate::domain::DailySpend;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(date: &str, amounts: &[(&str, &str)]) -> DailySpend {
        DailySpend {
            date: NaiveDate::from_str(date).unwrap(),
            by_service: amounts.iter().map(|(s, a)| (s.to_string(), d(a))).collect(),
            estimated: false,
        }
    }

    fn series(days: Vec<DailySpend>) -> SpendSeries {
        SpendSeries {
            unit: "USD".into(),
            days,
            ..SpendSeries::default()
        }
    }

    #[test]
    fn the_defaults_name_the_platforms_services() {
        let stages = CostStages::defaults();
        assert_eq!(
            stages.names(),
            [
                "migration",
                "lake",
                "orchestration",
                "warehouse",
                "transform",
                "other"
            ]
        );
        let cases = [
            ("AWS Database Migration Service", Some("migration")),
            ("Amazon Simple Storage Service", Some("lake")),
            ("AWS Glue", Some("lake")),
            ("AWS Lake Formation", Some("lake")),
            (
                "Amazon Managed Workflows for Apache Airflow",
                Some("orchestration"),
            ),
            ("Amazon Redshift", Some("warehouse")),
            ("Amazon Elastic Container Service", Some("transform")),
            ("Amazon Relational Database Service", None),
            ("amazon redshift", None),
            ("Tax", None),
        ];
        for (service, stage) in cases {
            assert_eq!(stages.stage_of_service(service), stage, "{service}");
        }
        assert_eq!(CostStages::default(), stages);
    }

    #[test]
    fn per_stage_sums_each_bucket_exactly() {
        let stages = CostStages::defaults();
        let series = series(vec![
            day(
                "2026-11-01",
                &[
                    ("AWS Glue", "0.1000000001"),
                    ("Amazon Simple Storage Service", "0.2"),
                    ("AWS Database Migration Service", "31.07"),
                    ("Amazon Relational Database Service", "12.345"),
                    ("Tax", "-0.005"),
                ],
            ),
            day("2026-11-02", &[("Amazon Redshift", "100")]),
            day("2026-11-03", &[]),
        ]);
        let rows = stages.per_stage(&series);
        let row = |name: &str| -> Vec<Decimal> {
            rows.iter()
                .find(|(n, _)| n == name)
                .map(|(_, amounts)| amounts.clone())
                .unwrap()
        };
        let zero = Decimal::ZERO;
        assert_eq!(row("migration"), [d("31.07"), zero, zero]);
        assert_eq!(row("lake"), [d("0.3000000001"), zero, zero]);
        assert_eq!(row("warehouse"), [zero, d("100"), zero]);
        assert_eq!(row("orchestration"), [zero, zero, zero]);
        assert_eq!(row("other"), [d("12.34"), zero, zero]);
        for (bucket, day) in series.days.iter().enumerate() {
            let sum: Decimal = rows.iter().map(|(_, amounts)| amounts[bucket]).sum();
            assert_eq!(sum, day.total(), "{}", day.date);
        }
    }

    #[test]
    fn an_empty_series_still_has_every_row() {
        let rows = CostStages::defaults().per_stage(&SpendSeries::default());
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|(_, amounts)| amounts.is_empty()));
    }

    fn tagged() -> CostStages {
        CostStages {
            stages: vec![
                CostStage {
                    name: "migration".into(),
                    services: vec!["AWS Database Migration Service".into()],
                    tags: vec![("stage".into(), "migration".into())],
                },
                CostStage {
                    name: "lake".into(),
                    services: vec!["Amazon Simple Storage Service".into()],
                    tags: vec![
                        ("stage".into(), "lake".into()),
                        ("team".into(), "lake".into()),
                    ],
                },
            ],
        }
    }

    #[test]
    fn a_tag_wins_over_the_service() {
        let stages = tagged();
        let tags = vec![("stage".to_string(), "migration".to_string())];
        assert_eq!(
            stages.stage_of("Amazon Simple Storage Service", &tags),
            Some("migration")
        );
        assert_eq!(
            stages.stage_of("Amazon Simple Storage Service", &[]),
            Some("lake")
        );
        let unknown = vec![("stage".to_string(), "serving".to_string())];
        assert_eq!(stages.stage_of("AWS Glue", &unknown), None);
        assert_eq!(stages.stage_of_tag("team", "lake"), Some("lake"));
        assert_eq!(stages.stage_of_tag("lake", "team"), None);
    }

    #[test]
    fn a_series_grouped_by_a_tag_splits_by_its_values() {
        let stages = tagged();
        let series = series(vec![day(
            "2026-11-01",
            &[
                ("migration", "4.25"),
                ("lake", "1.5"),
                ("(untagged)", "0.75"),
                ("serving", "2"),
            ],
        )]);
        let rows = stages
            .per_stage_by(&series, &GroupBy::Tag("stage".into()))
            .unwrap();
        assert_eq!(
            rows,
            [
                ("migration".to_string(), vec![d("4.25")]),
                ("lake".to_string(), vec![d("1.5")]),
                ("other".to_string(), vec![d("2.75")]),
            ]
        );
        // Grouped by another tag key, the same values belong to no stage.
        let rows = stages
            .per_stage_by(&series, &GroupBy::Tag("env".into()))
            .unwrap();
        assert_eq!(rows[2], ("other".to_string(), vec![d("8.5")]));
        assert_eq!(
            stages.per_stage_by(&series, &GroupBy::Service),
            Some(stages.per_stage(&series))
        );
        assert_eq!(stages.per_stage_by(&series, &GroupBy::Region), None);
    }
}
