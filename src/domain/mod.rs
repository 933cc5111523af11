//! Vendor-neutral types of the platform and the rules that tell their health.
//!
//! Nothing here does I/O or knows a vendor SDK: adapters map their responses into these
//! types, the demo platform builds them directly, and the UI only reads them.

pub mod action;
pub mod breakdown;
pub mod chain;
pub mod cost;
pub mod environment;
pub mod failure;
pub mod follow;
pub mod health;
pub mod money;
pub mod pipeline;
pub mod recovery;
pub mod replication;
pub mod retry;
pub mod snapshot;
pub mod spend;
pub mod stages;
pub mod warehouse;
pub mod workflow;

pub use action::{
    Action, ActionOutcome, ClearScope, ClearedTask, MAX_RELOAD_TABLES, StartMode,
    StatementProgress, StatementState, TableName,
};
pub use environment::Environment;
pub use failure::Failure;
pub use health::{Health, HealthCounts};
pub use pipeline::{PipelineDefinition, StageDefinition, StageSelector, StageStatus};
pub use replication::{
    MigrationType, ReplicationTask, TablePrepMode, TableState, TableStatistics, TaskSettings,
    TaskStats, TaskStatus,
};
pub use spend::{DailySpend, SpendSeries};
pub use warehouse::{QueryRecord, QueryStatus};
pub use workflow::{RunState, TaskInstance, TaskState, WorkflowRun};
