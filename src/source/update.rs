//! What the pollers and detail fetches report: a source's answer as data, for whoever
//! runs them (the console maps these into its messages).

use chrono::{DateTime, Utc};

use super::{SourceError, SourceKind};
use crate::domain::{
    QueryRecord, ReplicationTask, SpendSeries, TableStatistics, TaskInstance, TaskSettings,
    WorkflowRun,
};

/// What a source fetch brought back.
#[derive(Debug, Clone)]
pub enum Payload {
    Tasks(Vec<ReplicationTask>),
    Runs(Vec<WorkflowRun>),
    Queries(Vec<QueryRecord>),
    Spend(SpendSeries),
}

impl Payload {
    /// The source kind this payload belongs to.
    pub fn kind(&self) -> SourceKind {
        match self {
            Payload::Tasks(_) => SourceKind::Replication,
            Payload::Runs(_) => SourceKind::Workflow,
            Payload::Queries(_) => SourceKind::Warehouse,
            Payload::Spend(_) => SourceKind::Cost,
        }
    }
}

/// What a poller reports about its source.
#[derive(Debug, Clone)]
pub enum Update {
    /// A request was sent.
    Started(SourceKind),
    /// A request finished.
    Fetched {
        kind: SourceKind,
        fetched_at: DateTime<Utc>,
        result: Result<Payload, SourceError>,
    },
}

/// A request for the detail of one item: what an item's detail view reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailRequest {
    TableStatistics {
        task_id: String,
    },
    TaskSettings {
        task_id: String,
    },
    TaskInstances {
        dag_id: String,
        run_id: String,
    },
    TaskLog {
        dag_id: String,
        run_id: String,
        task_id: String,
        try_number: u32,
    },
}

/// What a detail fetch brought back.
#[derive(Debug, Clone)]
pub enum DetailPayload {
    TableStatistics {
        task_id: String,
        result: Result<Vec<TableStatistics>, SourceError>,
    },
    TaskSettings {
        task_id: String,
        result: Result<TaskSettings, SourceError>,
    },
    TaskInstances {
        dag_id: String,
        run_id: String,
        result: Result<Vec<TaskInstance>, SourceError>,
    },
    TaskLog {
        dag_id: String,
        run_id: String,
        task_id: String,
        try_number: u32,
        result: Result<String, SourceError>,
    },
}
