//! What is failing now, across every kind of source, in one shape.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Health, QueryRecord, ReplicationTask, WorkflowRun};

/// Which item a failure is about, so the UI can jump to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemRef {
    Replication { id: String },
    WorkflowRun { dag_id: String, run_id: String },
    Query { id: i64 },
}

/// Where a failure stands in the night's chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Cause {
    /// A failure of its own: no pipeline stage, or a degraded item.
    #[default]
    Own,
    /// The first red stage of a pipeline: fix this first.
    Root { pipeline: String, stage: String },
    /// A red stage after a root cause: it cannot recover before its root does.
    Consequence {
        root: ItemRef,
        pipeline: String,
        stage: String,
    },
    /// A red stage while an upstream stage `upstream` runs again (a retry under way): it
    /// can recover once its upstream has, and is no root cause meanwhile.
    Waiting {
        upstream: String,
        pipeline: String,
        stage: String,
    },
}

/// One unhealthy item: what, why, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub item: ItemRef,
    pub health: Health,
    /// What the operator calls it ("orders-nightly-full-load", "dbt_build").
    pub title: String,
    pub reason: Arc<str>,
    pub since: Option<DateTime<Utc>>,
    /// Root cause, consequence, or a failure of its own (set by the snapshot's grouping).
    pub cause: Cause,
    /// Its place in the grouped list: root causes first, each followed by its
    /// consequences, then other failures, then degraded items.
    pub order: u32,
}

/// How many failures are root causes, blocked by one, or waiting for a running stage upstream.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CauseCounts {
    pub roots: usize,
    pub blocked: usize,
    pub waiting: usize,
}

impl CauseCounts {
    pub fn of<'a>(failures: impl IntoIterator<Item = &'a Failure>) -> CauseCounts {
        let mut counts = CauseCounts::default();
        for failure in failures {
            match failure.cause {
                Cause::Root { .. } => counts.roots += 1,
                Cause::Consequence { .. } => counts.blocked += 1,
                Cause::Waiting { .. } => counts.waiting += 1,
                Cause::Own => {}
            }
        }
        counts
    }

    /// "1 root cause, 3 blocked" (`with` joins the roots to what they blocked: ", " on
    /// the Overview, " with " in `status`), "2 waiting for a running stage", both, or none
    /// when nothing is grouped.
    pub fn summary(&self, with: &str) -> Option<String> {
        let mut parts = Vec::new();
        if self.roots > 0 {
            parts.push(format!(
                "{} root cause{}{with}{} blocked",
                self.roots,
                if self.roots == 1 { "" } else { "s" },
                self.blocked
            ));
        }
        if self.waiting > 0 {
            parts.push(format!("{} waiting for a running stage", self.waiting));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

impl Failure {
    /// True for a failure that is a consequence of a root cause upstream.
    pub fn is_consequence(&self) -> bool {
        matches!(self.cause, Cause::Consequence { .. })
    }

    /// True for the root cause of a pipeline's red night.
    pub fn is_root(&self) -> bool {
        matches!(self.cause, Cause::Root { .. })
    }

    /// True for a failure waiting for an upstream stage that runs again.
    pub fn is_waiting(&self) -> bool {
        matches!(self.cause, Cause::Waiting { .. })
    }
}

impl Failure {
    /// The failure of a replication task, if it has one.
    pub fn of_task(task: &ReplicationTask) -> Option<Failure> {
        Some(Failure {
            reason: task.problem()?,
            item: ItemRef::Replication {
                id: task.id.clone(),
            },
            health: task.health(),
            title: task.id.clone(),
            since: task.since(),
            cause: Cause::Own,
            order: 0,
        })
    }

    /// The failure of a workflow run, if it has one.
    pub fn of_run(run: &WorkflowRun) -> Option<Failure> {
        Some(Failure {
            reason: run.problem()?.into(),
            item: ItemRef::WorkflowRun {
                dag_id: run.dag_id.clone(),
                run_id: run.run_id.clone(),
            },
            health: run.health(),
            title: run.dag_id.clone(),
            since: run.since(),
            cause: Cause::Own,
            order: 0,
        })
    }

    /// The failure of a query, if it has one.
    pub fn of_query(query: &QueryRecord) -> Option<Failure> {
        Some(Failure {
            reason: query.problem()?.into(),
            item: ItemRef::Query { id: query.query_id },
            health: query.health(),
            title: format!("query {} {}", query.query_id, query.title()),
            since: query.ended_at.or(query.started_at),
            cause: Cause::Own,
            order: 0,
        })
    }
}
