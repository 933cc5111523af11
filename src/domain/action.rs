//! Actions that change the platform: retries of failed stages, re-runs, cancels.
//!
//! Every one of them is stated before it is done (the dialog, `opsdeck retry`), refused in
//! read-only mode, and written to the audit log before and after the call.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::failure::ItemRef;

/// What an action acts on: an item (a task, a run, a query), or a DAG as a whole for a
/// trigger, which makes a run that does not exist yet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionTarget {
    Item(ItemRef),
    Dag { dag_id: String },
}

/// How a replication task is started again (DMS `StartReplicationTaskType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "kebab-case")]
pub enum StartMode {
    /// Continue from the last stop point: the safe default for a task that ran before.
    ResumeProcessing,
    /// The first start: the only valid mode for a task that never ran.
    StartReplication,
    /// Reload every table and restart change capture: destructive.
    ReloadTarget,
}

impl StartMode {
    /// Every mode, in the order a dialog offers them (the order of declaration).
    pub const ALL: &'static [StartMode] = <StartMode as strum::VariantArray>::VARIANTS;

    /// The service's name of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            StartMode::ResumeProcessing => "resume-processing",
            StartMode::StartReplication => "start-replication",
            StartMode::ReloadTarget => "reload-target",
        }
    }

    /// Reads a mode as the CLI takes it (`resume`, `start`, `reload-target`) or as the
    /// service names it.
    pub fn parse(s: &str) -> Option<StartMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "resume" | "resume-processing" => Some(StartMode::ResumeProcessing),
            "start" | "start-replication" => Some(StartMode::StartReplication),
            "reload" | "reload-target" => Some(StartMode::ReloadTarget),
            _ => None,
        }
    }

    /// True for the mode that reloads every table of the target.
    pub fn is_destructive(self) -> bool {
        self == StartMode::ReloadTarget
    }

    /// What the mode does, in a sentence for the dialog.
    pub fn effect(self) -> &'static str {
        match self {
            StartMode::ResumeProcessing => {
                "continues from where the task stopped: tables already loaded are kept"
            }
            StartMode::StartReplication => "starts the task for the first time",
            StartMode::ReloadTarget => {
                "reloads EVERY table of the task from the source and restarts change capture"
            }
        }
    }
}

impl fmt::Display for StartMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest number of tables one ReloadTables call takes.
pub const MAX_RELOAD_TABLES: usize = 10;

/// A table of a replication task, by schema and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableName {
    pub schema: String,
    pub table: String,
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// A task instance of a run a clear resets, as a dry run lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearedTask {
    pub task_id: String,
    /// The state it is in now (`failed`, `upstream_failed`, …).
    pub state: String,
}

/// Which task instances of a run a clear resets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope")]
pub enum ClearScope {
    /// The failed and upstream-failed task instances of the run (a retry of the run).
    Failed,
    /// One task instance, and optionally every task downstream of it.
    Task { task_id: String, downstream: bool },
    /// Every task instance of the run: it runs again from its start, on the same logical
    /// date (a run that succeeded on stale data).
    Run,
}

impl ClearScope {
    /// What a clear of this scope does, in a sentence for the dialog, `opsdeck retry`
    /// and the recovery plan.
    pub fn effect(&self) -> String {
        match self {
            ClearScope::Failed => "The same run runs again the task instances that failed and \
                                   those that did not run because of them (same logical date \
                                   and conf)."
                .to_string(),
            ClearScope::Task { downstream, .. } => format!(
                "The same run runs this task again{}.",
                if *downstream {
                    ", and every task downstream of it"
                } else {
                    ", alone"
                }
            ),
            ClearScope::Run => "The same run runs every task instance again from its start \
                                (same logical date and conf), on what its upstream holds now."
                .to_string(),
        }
    }
}

/// One change to the platform, with everything needed to carry it out and to record it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// DMS StartReplicationTask (or StartReplication for DMS Serverless).
    StartTask {
        task_id: String,
        arn: String,
        serverless: bool,
        mode: StartMode,
    },
    /// DMS ReloadTables (ReloadReplicationTables for Serverless) of a running task.
    ReloadTables {
        task_id: String,
        arn: String,
        serverless: bool,
        tables: Vec<TableName>,
    },
    /// Airflow clearTaskInstances with `dry_run: false`: the same run runs them again.
    ClearRun {
        dag_id: String,
        run_id: String,
        scope: ClearScope,
    },
    /// Airflow: a new run of a DAG (not a retry: a new run id, today's logical date).
    TriggerDag { dag_id: String },
    /// Redshift: the full SQL of a failed query run again as a new statement.
    RerunQuery {
        query_id: i64,
        database: Option<String>,
        sql: String,
    },
    /// Redshift: cancel a running query: pg_cancel_backend on its process, or, for a
    /// statement the console itself submitted (a re-run), CancelStatement on its id.
    CancelQuery {
        query_id: i64,
        pid: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        statement: Option<String>,
    },
}

impl Action {
    /// The verb of the action, as the audit log and the messages name it.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::StartTask { .. } => "start-replication-task",
            Action::ReloadTables { .. } => "reload-tables",
            Action::ClearRun { .. } => "clear-task-instances",
            Action::TriggerDag { .. } => "trigger-dag-run",
            Action::RerunQuery { .. } => "rerun-query",
            Action::CancelQuery { .. } => "cancel-query",
        }
    }

    /// What the action is done to, as the operator names it.
    pub fn target(&self) -> String {
        match self {
            Action::StartTask { task_id, .. } | Action::ReloadTables { task_id, .. } => {
                task_id.clone()
            }
            Action::ClearRun {
                dag_id,
                run_id,
                scope: ClearScope::Failed | ClearScope::Run,
            } => format!("{dag_id}/{run_id}"),
            Action::ClearRun {
                dag_id,
                run_id,
                scope: ClearScope::Task { task_id, .. },
            } => format!("{dag_id}/{run_id}/{task_id}"),
            Action::TriggerDag { dag_id } => dag_id.clone(),
            Action::RerunQuery { query_id, .. } | Action::CancelQuery { query_id, .. } => {
                format!("query {query_id}")
            }
        }
    }

    /// What the action acts on: the same for two actions on the same item, so a second
    /// request for a target with one in flight is refused.
    pub fn acts_on(&self) -> ActionTarget {
        match self {
            Action::StartTask { task_id, .. } | Action::ReloadTables { task_id, .. } => {
                ActionTarget::Item(ItemRef::Replication {
                    id: task_id.clone(),
                })
            }
            Action::ClearRun { dag_id, run_id, .. } => ActionTarget::Item(ItemRef::WorkflowRun {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
            }),
            Action::TriggerDag { dag_id } => ActionTarget::Dag {
                dag_id: dag_id.clone(),
            },
            Action::RerunQuery { query_id, .. } | Action::CancelQuery { query_id, .. } => {
                ActionTarget::Item(ItemRef::Query { id: *query_id })
            }
        }
    }

    /// A one-line statement of what the action does, for messages and the audit log.
    pub fn summary(&self) -> String {
        match self {
            Action::StartTask { task_id, mode, .. } => format!("start {task_id} with {mode}"),
            Action::ReloadTables {
                task_id, tables, ..
            } => format!("reload {} table(s) of {task_id}", tables.len()),
            Action::ClearRun {
                scope: ClearScope::Failed,
                ..
            } => format!("clear the failed tasks of {}", self.target()),
            Action::ClearRun {
                scope: ClearScope::Run,
                ..
            } => format!("clear every task of {}", self.target()),
            Action::ClearRun {
                scope: ClearScope::Task { downstream, .. },
                ..
            } => format!(
                "clear {}{}",
                self.target(),
                if *downstream {
                    " and its downstream tasks"
                } else {
                    ""
                }
            ),
            Action::TriggerDag { dag_id } => format!("trigger a new run of {dag_id}"),
            Action::RerunQuery { query_id, .. } => format!("run the SQL of query {query_id} again"),
            Action::CancelQuery {
                query_id,
                statement: Some(statement),
                ..
            } => format!("cancel statement {statement} of query {query_id}"),
            Action::CancelQuery { query_id, .. } => format!("cancel query {query_id}"),
        }
    }
}

/// What a source said when it carried an action out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// The service's request id, when it sent one.
    pub request_id: Option<String>,
    /// What happened, in a line ("task starting", "2 task instances cleared").
    pub message: String,
    /// The id of what the action started and did not wait for, for the console to follow
    /// until it ends: a re-run's Data API statement, a triggered DAG run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

/// Where a statement the console submitted stands (Redshift Data API DescribeStatement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementState {
    /// Accepted, waiting for its turn.
    Submitted,
    /// Picked up by the warehouse, not yet running.
    Picked,
    Started,
    Finished,
    Failed,
    /// Cancelled (CancelStatement) or stopped by the warehouse.
    Aborted,
}

impl StatementState {
    /// Reads the service's status string; an unknown one is read as still submitted.
    pub fn parse(s: &str) -> StatementState {
        match s.trim().to_ascii_uppercase().as_str() {
            "PICKED" => StatementState::Picked,
            "STARTED" => StatementState::Started,
            "FINISHED" => StatementState::Finished,
            "FAILED" => StatementState::Failed,
            "ABORTED" => StatementState::Aborted,
            _ => StatementState::Submitted,
        }
    }

    /// True once the statement has ended, one way or another.
    pub fn has_ended(self) -> bool {
        matches!(
            self,
            StatementState::Finished | StatementState::Failed | StatementState::Aborted
        )
    }

    /// The state in a word.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementState::Submitted => "submitted",
            StatementState::Picked => "picked",
            StatementState::Started => "started",
            StatementState::Finished => "finished",
            StatementState::Failed => "failed",
            StatementState::Aborted => "aborted",
        }
    }
}

/// A statement the console submitted, as the warehouse last described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementProgress {
    pub id: String,
    pub state: StatementState,
    /// The warehouse's query id, once it has one: the row the statement becomes in the
    /// query history.
    pub query_id: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_from_the_cli_and_the_service_names() {
        for &mode in StartMode::ALL {
            assert_eq!(StartMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(
            StartMode::parse("resume"),
            Some(StartMode::ResumeProcessing)
        );
        assert_eq!(StartMode::parse("start"), Some(StartMode::StartReplication));
        assert_eq!(
            StartMode::parse("Reload-Target"),
            Some(StartMode::ReloadTarget)
        );
        assert_eq!(StartMode::parse("reboot"), None);
        assert!(StartMode::ReloadTarget.is_destructive());
        assert!(!StartMode::ResumeProcessing.is_destructive());
    }

    #[test]
    fn actions_name_their_target_and_serialize_for_the_audit_log() {
        let clear = Action::ClearRun {
            dag_id: "dbt_build".into(),
            run_id: "scheduled__2026-11-23".into(),
            scope: ClearScope::Task {
                task_id: "dbt_test".into(),
                downstream: true,
            },
        };
        assert_eq!(clear.target(), "dbt_build/scheduled__2026-11-23/dbt_test");
        assert_eq!(
            clear.acts_on(),
            ActionTarget::Item(ItemRef::WorkflowRun {
                dag_id: "dbt_build".into(),
                run_id: "scheduled__2026-11-23".into()
            })
        );
        let json = serde_json::to_value(&clear).unwrap();
        assert_eq!(json["action"], "clear_run");
        assert_eq!(json["scope"]["scope"], "task");
        assert_eq!(json["scope"]["downstream"], true);
        let start = Action::StartTask {
            task_id: "orders-cdc".into(),
            arn: "arn:aws:dms:eu-west-1:1:task:X".into(),
            serverless: false,
            mode: StartMode::ResumeProcessing,
        };
        assert_eq!(
            serde_json::to_value(&start).unwrap()["mode"],
            "resume-processing"
        );
        assert_eq!(start.summary(), "start orders-cdc with resume-processing");
    }
}
