//! Tests of the demo platform: determinism, movement in time, health rules, workload,
//! spend, and the traits.

mod actions;
mod clock;
mod platform;
mod sources;
mod warehouse;

use chrono::{DateTime, Duration, Utc};

use super::DemoPlatform;
use crate::domain::{
    Health, MigrationType, QueryRecord, ReplicationTask, SpendSeries, TableStatistics,
    TaskInstance, WorkflowRun,
};

pub(super) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("bad time {text}: {e}"))
}

/// The time the render snapshots use.
pub(super) fn snapshot_time() -> DateTime<Utc> {
    at("2026-11-23T09:30:00Z")
}

/// Everything the platform shows, for comparisons.
#[derive(Debug, PartialEq)]
pub(super) struct State {
    tasks: Vec<ReplicationTask>,
    tables: Vec<Vec<TableStatistics>>,
    runs: Vec<WorkflowRun>,
    instances: Vec<Vec<TaskInstance>>,
    queries: Vec<QueryRecord>,
    spend: SpendSeries,
}

pub(super) fn state(platform: &DemoPlatform) -> State {
    let tasks = platform.tasks();
    let runs = platform.runs();
    let today = platform.now().date_naive();
    State {
        tables: tasks
            .iter()
            .map(|t| platform.table_statistics(&t.id).unwrap_or_default())
            .collect(),
        instances: runs
            .iter()
            .map(|r| {
                platform
                    .task_instances(&r.dag_id, &r.run_id)
                    .unwrap_or_default()
            })
            .collect(),
        tasks,
        runs,
        queries: platform.queries(),
        spend: platform.daily_spend(today - Duration::days(89), today + Duration::days(1)),
    }
}

/// The first nightly full load that failed.
pub(super) fn failed_load(tasks: &[ReplicationTask]) -> Option<&ReplicationTask> {
    tasks
        .iter()
        .find(|t| t.migration_type == MigrationType::FullLoad && t.health() == Health::Failed)
}
