//! Redshift queries, spend, and the pipeline definition.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::super::dags;
use super::super::{DemoPlatform, PIPELINE_TOML};
use super::snapshot_time;
use crate::domain::SpendSeries;
use crate::domain::pipeline::wildcard_match;

#[test]
fn queries_look_like_a_day_of_sys_query_history() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let queries = platform.queries();
    assert!(
        (100..600).contains(&queries.len()),
        "{} queries",
        queries.len()
    );
    let ids: Vec<i64> = queries.iter().map(|q| q.query_id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "ids grow, newest first"
    );
    let by_start: Vec<_> = queries.iter().map(|q| q.started_at).collect();
    assert!(by_start.windows(2).all(|w| w[0] >= w[1]));
    let now = platform.now();
    assert!(queries.iter().all(|q| {
        q.started_at
            .is_some_and(|s| s <= now && s >= now - Duration::hours(24))
    }));
    for q in &queries {
        assert_eq!(
            q.text_truncated,
            q.text.len() == 4000,
            "query {}",
            q.query_id
        );
        assert!(q.elapsed_micros >= q.queue_micros);
    }
    assert!(queries.iter().any(|q| q.text_truncated));
    assert!(
        queries
            .iter()
            .any(|q| q.status.as_str() == "queued" && q.queue_micros > 5 * 60 * 1_000_000)
    );
    assert!(queries.iter().any(|q| q.status.as_str() == "canceled"));
    assert!(
        queries
            .iter()
            .any(|q| q.query_type == "COPY" && q.user == "airflow")
    );
    assert!(
        queries
            .iter()
            .any(|q| q.label.starts_with("dbt:") || q.label.starts_with("airflow:"))
    );
    for user in ["looker", "metabase"] {
        assert!(queries.iter().any(|q| q.user == user), "{user}");
    }
    // Later reads keep the ids of the rows they share.
    let before: BTreeMap<i64, std::sync::Arc<str>> = queries
        .iter()
        .map(|q| (q.query_id, q.text.clone()))
        .collect();
    platform.advance(Duration::hours(3));
    for q in platform.queries() {
        if let Some(text) = before.get(&q.query_id) {
            assert_eq!(text, &q.text);
        }
    }
}

#[test]
fn spend_covers_ninety_days_with_one_clear_anomaly() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let series = platform.daily_spend(today - Duration::days(89), today + Duration::days(30));
    assert_eq!(series.unit, "USD");
    assert_eq!(series.days.len(), 90, "stops at today");
    assert_eq!(series.days.last().map(|d| d.date), Some(today));
    let estimated: Vec<bool> = series.days.iter().map(|d| d.estimated).collect();
    assert_eq!(estimated.iter().filter(|e| **e).count(), 2);
    assert!(estimated[88] && estimated[89]);
    let services = SpendSeries::totals_by_service(&series.days);
    assert!(services.len() >= 12);
    assert!(
        services
            .iter()
            .any(|(s, _)| s == "AWS Database Migration Service")
    );

    let anomaly = platform.lock().spend.anomaly().clone();
    let gap = (today - anomaly.first).num_days();
    assert!((19..=23).contains(&gap), "about three weeks before: {gap}");
    let mut daily: Vec<Decimal> = series
        .days
        .iter()
        .filter_map(|d| {
            d.by_service
                .iter()
                .find(|(s, _)| s == anomaly.service)
                .map(|(_, a)| *a)
        })
        .collect();
    let peak = series
        .days
        .iter()
        .find(|d| d.date == anomaly.first)
        .and_then(|d| d.by_service.iter().find(|(s, _)| s == anomaly.service))
        .map(|(_, a)| *a)
        .unwrap_or_default();
    daily.sort();
    let median = daily[daily.len() / 2];
    assert!(
        peak > median * Decimal::TWO,
        "{peak} against a median of {median}"
    );

    // Totals are exact decimals: the sum of the parts, with at most 10 places.
    let mut sum = Decimal::ZERO;
    for day in &series.days {
        for (_, amount) in &day.by_service {
            assert!(amount.scale() <= 10 && *amount > Decimal::ZERO);
            sum += *amount;
        }
    }
    assert_eq!(series.total(), sum);
    assert!(
        series
            .days
            .iter()
            .any(|d| d.by_service.iter().any(|(_, a)| a.scale() >= 8))
    );
    let again = DemoPlatform::frozen(7, snapshot_time() + Duration::hours(3));
    let day = today - Duration::days(40);
    assert_eq!(
        platform.daily_spend(day, day + Duration::days(1)),
        again.daily_spend(day, day + Duration::days(1))
    );
}

#[test]
fn the_pipeline_names_real_tasks_and_dags() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let tasks = platform.tasks();
    let dags: Vec<&str> = dags::all().iter().map(|d| d.id).collect();
    let parsed: toml::Table = toml::from_str(PIPELINE_TOML).unwrap_or_else(|e| panic!("{e}"));
    let pipelines = parsed
        .get("pipeline")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    assert!(!pipelines.is_empty());
    for pipeline in &pipelines {
        let stages = pipeline
            .get("stage")
            .and_then(|s| s.as_array())
            .cloned()
            .unwrap_or_default();
        assert!(!stages.is_empty());
        for stage in &stages {
            if let Some(pattern) = stage.get("replication").and_then(|v| v.as_str()) {
                assert!(
                    tasks.iter().any(|t| wildcard_match(pattern, &t.id)),
                    "{pattern}"
                );
            } else {
                let dag = stage
                    .get("dag")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                assert!(dags.contains(&dag), "{dag}");
            }
        }
    }
    assert_eq!(
        tasks
            .iter()
            .filter(|t| wildcard_match("*-nightly-full-load", &t.id))
            .count(),
        6
    );
}

#[test]
fn the_same_seed_and_demo_time_give_the_same_ids_whenever_the_demo_started() {
    // Two demos started seconds apart (as two `opsdeck --demo` commands of a runbook
    // are), read at the same demo time: the same queries, tasks and runs, with the same
    // ids, so an id read from one is the same item in the other.
    let first = DemoPlatform::frozen(7, snapshot_time() + Duration::seconds(12));
    let second = DemoPlatform::frozen(7, snapshot_time() + Duration::seconds(47));
    first.advance(Duration::seconds(35));
    assert_same_platform(&first, &second);
}

#[test]
fn demos_started_apart_with_one_story_show_the_same_ids_at_the_same_demo_time() {
    use super::super::DemoOptions;
    // The second demo starts 25 minutes after the first (another ten minutes), told the
    // first one's story, as `opsdeck --demo` does within six hours.
    let story = Some(snapshot_time());
    let at = |start| {
        DemoPlatform::new(DemoOptions {
            seed: 7,
            speed: 0.0,
            start,
            story,
            keep_faults: false,
        })
    };
    let first = at(snapshot_time() + Duration::minutes(5));
    let second = at(snapshot_time() + Duration::minutes(30));
    first.advance(Duration::minutes(25));
    assert_same_platform(&first, &second);
}

/// Two platforms at the same demo time show the same queries, tasks and runs, ids and all.
fn assert_same_platform(first: &DemoPlatform, second: &DemoPlatform) {
    assert_eq!(first.now(), second.now());
    let ids = |p: &DemoPlatform| {
        p.queries()
            .iter()
            .map(|q| (q.query_id, q.status.clone(), q.started_at))
            .collect::<Vec<_>>()
    };
    assert!(
        ids(first) == ids(second),
        "the same queries with the same ids"
    );
    assert!(first.queries() == second.queries());
    assert!(first.tasks() == second.tasks());
    assert!(first.runs() == second.runs());
}
