//! DMS and Airflow: failures move on, health rules hold, failures propagate, every
//! seed shows something.

use std::collections::BTreeMap;

use chrono::Duration;

use super::super::DemoPlatform;
use super::super::dags;
use super::{at, failed_load, snapshot_time};
use crate::domain::{
    Health, MigrationType, ReplicationTask, RunState, TableState, TaskState, TaskStatus,
};
use crate::source::ErrorKind;

#[test]
fn a_failed_load_moves_on_the_next_night() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let failed = failed_load(&platform.tasks())
        .map(|t| t.id.clone())
        .unwrap_or_else(|| panic!("seed 7 shows a failed full load"));
    let task = |p: &DemoPlatform| {
        let found = p.tasks().into_iter().find(|t| t.id == failed);
        found.unwrap_or_else(|| panic!("{failed} is listed"))
    };
    // At 01:02 the next night, the nightly DAG has started it again.
    platform.advance(Duration::minutes(15 * 60 + 32));
    let restarted = task(&platform);
    assert!(
        matches!(restarted.status, TaskStatus::Running | TaskStatus::Starting),
        "{failed} at 01:02 is {:?}",
        restarted.status
    );
    assert_ne!(restarted.health(), Health::Failed);
    assert_eq!(restarted.last_failure_message, None);
    let new_night = at("2026-11-24T01:00:00Z");
    assert!(restarted.started_at.is_some_and(|s| s > new_night));
    // By 03:30 that night's load has ended, one way or the other.
    platform.advance(Duration::minutes(148));
    let later = task(&platform);
    assert!(matches!(
        later.status,
        TaskStatus::Stopped | TaskStatus::Failed
    ));
    assert_eq!(
        later.started_at, restarted.started_at,
        "the same night's start"
    );
}

#[test]
fn health_rules_hold_for_the_states_produced() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let tasks = platform.tasks();
    for task in &tasks {
        let finished_well =
            task.stop_reason.as_deref() == Some("Stop Reason FULL_LOAD_ONLY_FINISHED");
        if task.status == TaskStatus::Stopped && finished_well {
            assert_eq!(task.health(), Health::Ok, "{}", task.id);
            assert_eq!(
                task.stats.as_ref().map(|s| s.full_load_progress_percent),
                Some(100)
            );
        }
        if task.status == TaskStatus::Failed
            || task
                .stop_reason
                .as_deref()
                .is_some_and(|r| !r.ends_with("FINISHED"))
        {
            assert_eq!(task.health(), Health::Failed, "{}", task.id);
            assert!(task.problem().is_some());
        }
    }
    let degraded: Vec<&ReplicationTask> = tasks
        .iter()
        .filter(|t| t.health() == Health::Degraded)
        .collect();
    assert!(!degraded.is_empty(), "a CDC task is degraded");
    for task in degraded {
        assert_eq!(task.status, TaskStatus::Running);
        assert_ne!(task.migration_type, MigrationType::FullLoad);
        let errored = platform.table_statistics(&task.id).unwrap_or_default();
        assert!(errored.iter().any(|t| t.state == TableState::Error));
    }
    assert!(failed_load(&tasks).is_some());
    assert_eq!(tasks.iter().filter(|t| t.serverless).count(), 1);
}

/// Every failed run has `upstream_failed` task instances downstream of a failed task.
fn assert_failures_propagate(platform: &DemoPlatform) {
    let specs = dags::all();
    for run in platform
        .runs()
        .iter()
        .filter(|r| r.state == RunState::Failed)
    {
        let spec = specs.iter().find(|d| d.id == run.dag_id);
        let spec = spec.unwrap_or_else(|| panic!("{} is a demo DAG", run.dag_id));
        let instances = platform
            .task_instances(&run.dag_id, &run.run_id)
            .unwrap_or_default();
        let failure = run
            .failure
            .as_deref()
            .unwrap_or_else(|| panic!("{} says why", run.run_id));
        let failed: Vec<usize> = (0..instances.len())
            .filter(|&i| instances[i].state == TaskState::Failed)
            .collect();
        assert!(
            !failed.is_empty(),
            "{} {} has a failed task",
            run.dag_id,
            run.run_id
        );
        assert!(
            failed
                .iter()
                .any(|&i| failure.starts_with(&format!("{}: ", instances[i].task_id)))
        );
        for i in failed {
            assert!(
                instances[i].error.is_some(),
                "{} has its log",
                instances[i].task_id
            );
            let below = spec.downstream_of(i);
            assert!(!below.is_empty(), "{} is not a leaf", instances[i].task_id);
            assert!(
                below
                    .iter()
                    .any(|&d| instances[d].state == TaskState::UpstreamFailed)
            );
        }
    }
}

#[test]
fn failed_runs_have_upstream_failed_tasks_downstream() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    assert_failures_propagate(&platform);
    for seed in [1, 2, 3, 11, 12] {
        let other = DemoPlatform::frozen(seed, snapshot_time());
        other.advance(Duration::days(2));
        assert_failures_propagate(&other);
    }
}

/// What every seed must show at its start, at any time of day.
fn assert_interesting(platform: &DemoPlatform, what: &str) {
    let tasks = platform.tasks();
    assert!(
        tasks.iter().any(|t| t.health() == Health::Failed),
        "{what}: a failed task"
    );
    assert!(
        tasks
            .iter()
            .any(|t| t.health() == Health::Degraded && t.status == TaskStatus::Running),
        "{what}: a degraded CDC task"
    );
    let runs = platform.runs();
    assert!(
        runs.iter().any(|r| r.state == RunState::Failed),
        "{what}: a failed run"
    );
    let queries = platform.queries();
    assert!(
        queries.iter().any(|q| q.health() == Health::Failed),
        "{what}: a failed query"
    );
    let slow = 15 * 60 * 1_000_000;
    assert!(
        queries
            .iter()
            .any(|q| q.elapsed_micros > slow || q.spilled_mb.is_some_and(|mb| mb > 0)),
        "{what}: a slow or spilled query"
    );
    assert_failures_propagate(platform);
}

#[test]
fn every_seed_shows_something_at_any_time_of_day() {
    for seed in [0, 1, 7, 42, 1234] {
        for time in [
            "00:10", "01:00", "01:03", "01:06", "02:30", "04:40", "09:30", "23:59",
        ] {
            let start = at(&format!("2026-11-23T{time}:00Z"));
            let platform = DemoPlatform::frozen(seed, start);
            assert_interesting(&platform, &format!("seed {seed} at {time}"));
        }
    }
}

#[test]
fn nights_of_history_and_realistic_run_ids() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let runs = platform.runs();
    let mut nights: BTreeMap<&str, usize> = BTreeMap::new();
    for run in runs.iter().filter(|r| r.run_type == "scheduled") {
        *nights.entry(run.dag_id.as_str()).or_default() += 1;
        let logical = run.logical_date.unwrap_or_default();
        assert_eq!(
            run.run_id,
            format!("scheduled__{}", logical.format("%Y-%m-%dT%H:%M:%S+00:00"))
        );
    }
    for dag in [
        "nightly_dms_to_s3",
        "clean_anonymize",
        "dbt_build",
        "refresh_marts",
        "export_finance",
    ] {
        assert!(
            nights.get(dag).copied().unwrap_or(0) >= 3,
            "{dag}: {nights:?}"
        );
    }
    let by_time: Vec<_> = runs.iter().map(|r| r.logical_date).collect();
    assert!(by_time.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let manual = runs.iter().find(|r| r.run_type == "manual");
    let manual = manual.unwrap_or_else(|| panic!("a manual run"));
    assert!(manual.run_id.starts_with("manual__2026-11-23T09:"));
    assert_eq!(manual.health(), Health::Degraded, "retrying: {manual:?}");
    assert!(manual.tasks_retrying > 0);
    assert!(matches!(
        platform.task_instances("nope", &manual.run_id),
        Err(e) if e.kind == ErrorKind::NotFound
    ));
}
