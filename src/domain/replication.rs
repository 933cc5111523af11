//! Replication tasks (DMS tasks and DMS Serverless replications) and their tables.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Health;

/// What a replication task copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationType {
    FullLoad,
    Cdc,
    FullLoadAndCdc,
    /// A type this version does not know, kept as the service spelled it.
    Other(String),
}

impl MigrationType {
    /// Reads the service's spelling (`full-load`, `cdc`, `full-load-and-cdc`).
    pub fn parse(raw: &str) -> Self {
        match raw {
            "full-load" => MigrationType::FullLoad,
            "cdc" => MigrationType::Cdc,
            "full-load-and-cdc" => MigrationType::FullLoadAndCdc,
            other => MigrationType::Other(other.to_string()),
        }
    }

    /// True for a task that replicates changes and so keeps running when it is well.
    pub fn captures_changes(&self) -> bool {
        matches!(self, MigrationType::Cdc | MigrationType::FullLoadAndCdc)
    }

    /// The service's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            MigrationType::FullLoad => "full-load",
            MigrationType::Cdc => "cdc",
            MigrationType::FullLoadAndCdc => "full-load-and-cdc",
            MigrationType::Other(s) => s,
        }
    }
}

/// The status string of a replication task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Creating,
    Ready,
    Starting,
    Running,
    Stopping,
    Stopped,
    Failed,
    Modifying,
    Moving,
    FailedMove,
    Deleting,
    Testing,
    /// A status this version does not know: shown as is, health "unknown".
    Other(String),
}

impl TaskStatus {
    /// Reads the service's status string; an unknown one is kept, never an error.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "creating" => TaskStatus::Creating,
            "ready" => TaskStatus::Ready,
            "starting" => TaskStatus::Starting,
            "running" => TaskStatus::Running,
            "stopping" => TaskStatus::Stopping,
            "stopped" => TaskStatus::Stopped,
            "failed" => TaskStatus::Failed,
            "modifying" => TaskStatus::Modifying,
            "moving" => TaskStatus::Moving,
            "failed-move" => TaskStatus::FailedMove,
            "deleting" => TaskStatus::Deleting,
            "testing" => TaskStatus::Testing,
            other => TaskStatus::Other(other.to_string()),
        }
    }

    /// The service's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Creating => "creating",
            TaskStatus::Ready => "ready",
            TaskStatus::Starting => "starting",
            TaskStatus::Running => "running",
            TaskStatus::Stopping => "stopping",
            TaskStatus::Stopped => "stopped",
            TaskStatus::Failed => "failed",
            TaskStatus::Modifying => "modifying",
            TaskStatus::Moving => "moving",
            TaskStatus::FailedMove => "failed-move",
            TaskStatus::Deleting => "deleting",
            TaskStatus::Testing => "testing",
            TaskStatus::Other(s) => s,
        }
    }
}

/// Progress counters of a task's current or last run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskStats {
    pub full_load_progress_percent: u8,
    pub elapsed_millis: u64,
    pub tables_loaded: u32,
    pub tables_loading: u32,
    pub tables_queued: u32,
    pub tables_errored: u32,
    pub full_load_started: Option<DateTime<Utc>>,
    pub full_load_finished: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

/// One replication task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationTask {
    /// The task identifier the operator knows it by.
    pub id: String,
    /// The provider's full resource name (an ARN on AWS).
    pub arn: String,
    /// Which database it replicates, when known (the source endpoint's name).
    pub source_database: String,
    pub migration_type: MigrationType,
    pub status: TaskStatus,
    /// The stop reason as the service writes it ("Stop Reason FULL_LOAD_ONLY_FINISHED").
    pub stop_reason: Option<String>,
    /// Shared between copies of the list (a task's message is the same poll after poll).
    pub last_failure_message: Option<Arc<str>>,
    pub started_at: Option<DateTime<Utc>>,
    pub stats: Option<TaskStats>,
    /// True for a DMS Serverless replication rather than a classic task.
    pub serverless: bool,
}

/// Stop reasons (matched by suffix) that mean a full load finished well.
const SUCCESSFUL_STOPS: [&str; 2] = ["FULL_LOAD_ONLY_FINISHED", "STOPPED_AFTER_FULL_LOAD"];
/// Stop reasons (matched by suffix) that mean the task stopped because of a failure.
const FAILED_STOPS: [&str; 4] = [
    "RECOVERABLE_ERROR",
    "FATAL_ERROR",
    "STOPPED_DUE_TO_LOW_MEMORY",
    "STOPPED_DUE_TO_LOW_DISK",
];

impl ReplicationTask {
    /// The health of the task by the rules of the service, not by its status alone.
    pub fn health(&self) -> Health {
        let errored = self.stats.as_ref().map_or(0, |s| s.tables_errored);
        match &self.status {
            TaskStatus::Failed | TaskStatus::FailedMove => Health::Failed,
            TaskStatus::Running if errored > 0 => Health::Degraded,
            TaskStatus::Running | TaskStatus::Starting => Health::Running,
            TaskStatus::Stopped => self.stopped_health(),
            TaskStatus::Ready => Health::Ok,
            TaskStatus::Creating
            | TaskStatus::Stopping
            | TaskStatus::Modifying
            | TaskStatus::Moving
            | TaskStatus::Deleting
            | TaskStatus::Testing => Health::Running,
            TaskStatus::Other(_) => Health::Unknown,
        }
    }

    fn stopped_health(&self) -> Health {
        let reason = self.stop_reason.as_deref().unwrap_or("").trim();
        if SUCCESSFUL_STOPS.iter().any(|s| reason.ends_with(s)) {
            let errored = self.stats.as_ref().map_or(0, |s| s.tables_errored);
            if errored > 0 {
                Health::Degraded
            } else {
                Health::Ok
            }
        } else if FAILED_STOPS.iter().any(|s| reason.ends_with(s)) {
            Health::Failed
        } else {
            // Stopped by a person (STOPPED_BY_USER / NORMAL) or for a reason we do not
            // know: not a failure, but not the expected end state of a nightly task either.
            Health::Unknown
        }
    }

    /// The stop reason without the service's "Stop Reason " prefix.
    pub fn stop_reason_code(&self) -> Option<&str> {
        self.stop_reason
            .as_deref()
            .map(|r| r.trim().trim_start_matches("Stop Reason").trim())
            .filter(|r| !r.is_empty())
    }

    /// Why the task is unhealthy, in one line, when it is.
    ///
    /// The failure message is shared with the task, not copied: ten thousand failing
    /// tasks cost no second copy of their messages.
    pub fn problem(&self) -> Option<Arc<str>> {
        let health = self.health();
        if !health.is_problem() {
            return None;
        }
        if let Some(msg) = self.last_failure_message.as_ref().filter(|m| !m.is_empty()) {
            return Some(msg.clone());
        }
        let errored = self.stats.as_ref().map_or(0, |s| s.tables_errored);
        if errored > 0 {
            return Some(format!("{errored} table(s) in error").into());
        }
        self.stop_reason_code()
            .map(|code| format!("stopped: {code}").into())
            .or_else(|| Some(format!("status {}", self.status.as_str()).into()))
    }

    /// When the current state began, as best the data tells.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        let stats = self.stats.as_ref();
        match self.status {
            TaskStatus::Stopped | TaskStatus::Failed => stats
                .and_then(|s| s.stopped_at.or(s.full_load_finished))
                .or(self.started_at),
            _ => self.started_at,
        }
    }
}

/// The load state of one table of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableState {
    DoesNotExist,
    BeforeLoad,
    FullLoad,
    Completed,
    Cancelled,
    Error,
    BeingReloaded,
    Other(String),
}

impl TableState {
    /// Reads the service's spelling ("Table completed", "Table error", …).
    pub fn parse(raw: &str) -> Self {
        match raw {
            "Table does not exist" => TableState::DoesNotExist,
            "Before load" => TableState::BeforeLoad,
            "Full load" => TableState::FullLoad,
            "Table completed" => TableState::Completed,
            "Table cancelled" => TableState::Cancelled,
            "Table error" => TableState::Error,
            "Table is being reloaded" => TableState::BeingReloaded,
            other => TableState::Other(other.to_string()),
        }
    }

    /// The service's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            TableState::DoesNotExist => "Table does not exist",
            TableState::BeforeLoad => "Before load",
            TableState::FullLoad => "Full load",
            TableState::Completed => "Table completed",
            TableState::Cancelled => "Table cancelled",
            TableState::Error => "Table error",
            TableState::BeingReloaded => "Table is being reloaded",
            TableState::Other(s) => s,
        }
    }

    /// The health of a table in this state.
    pub fn health(&self) -> Health {
        match self {
            TableState::Completed => Health::Ok,
            TableState::FullLoad | TableState::BeforeLoad | TableState::BeingReloaded => {
                Health::Running
            }
            TableState::Error | TableState::DoesNotExist => Health::Failed,
            TableState::Cancelled => Health::Degraded,
            TableState::Other(_) => Health::Unknown,
        }
    }
}

/// Per-table statistics of a replication task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStatistics {
    pub schema: String,
    pub table: String,
    pub state: TableState,
    pub full_load_rows: u64,
    pub inserts: u64,
    pub updates: u64,
    pub deletes: u64,
    pub ddls: u64,
    pub last_update: Option<DateTime<Utc>>,
}

/// What a task does to a target table before it loads it
/// (`FullLoadSettings.TargetTablePrepMode`): the thing to know before a reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TablePrepMode {
    DoNothing,
    DropAndCreate,
    TruncateBeforeLoad,
    /// A mode this build does not know, kept as written.
    Other(String),
}

impl TablePrepMode {
    /// Reads the settings' string; an unknown one is kept, never refused.
    pub fn parse(text: &str) -> Self {
        match text {
            "DO_NOTHING" => TablePrepMode::DoNothing,
            "DROP_AND_CREATE" => TablePrepMode::DropAndCreate,
            "TRUNCATE_BEFORE_LOAD" => TablePrepMode::TruncateBeforeLoad,
            other => TablePrepMode::Other(other.to_string()),
        }
    }

    /// The name as DMS writes it.
    pub fn as_str(&self) -> &str {
        match self {
            TablePrepMode::DoNothing => "DO_NOTHING",
            TablePrepMode::DropAndCreate => "DROP_AND_CREATE",
            TablePrepMode::TruncateBeforeLoad => "TRUNCATE_BEFORE_LOAD",
            TablePrepMode::Other(text) => text,
        }
    }

    /// What a full load (or a reload) does to the target tables, in the operator's words.
    pub fn effect(&self) -> &'static str {
        match self {
            TablePrepMode::DoNothing => {
                "target tables and their rows are kept: loaded rows are added to them, so a reload can duplicate rows"
            }
            TablePrepMode::DropAndCreate => {
                "every target table is dropped and created again: its rows, grants and indexes are lost"
            }
            TablePrepMode::TruncateBeforeLoad => {
                "every target table is emptied before it is loaded: its rows are lost, its definition is kept"
            }
            TablePrepMode::Other(_) => "a mode opsdeck does not know: check the task settings",
        }
    }
}

/// The settings of a task that matter to an operator, read on demand (the settings JSON is
/// large, so listings leave it out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskSettings {
    /// `None` when the task's settings do not say (or could not be read).
    pub target_table_prep_mode: Option<TablePrepMode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prep_modes_round_trip_and_unknown_ones_are_kept() {
        for text in [
            "DO_NOTHING",
            "DROP_AND_CREATE",
            "TRUNCATE_BEFORE_LOAD",
            "NEW_MODE",
        ] {
            assert_eq!(TablePrepMode::parse(text).as_str(), text);
        }
        assert_eq!(
            TablePrepMode::parse("NEW_MODE"),
            TablePrepMode::Other("NEW_MODE".into())
        );
        assert!(TablePrepMode::DropAndCreate.effect().contains("dropped"));
    }

    fn task(status: &str, stop_reason: Option<&str>, errored: u32) -> ReplicationTask {
        ReplicationTask {
            id: "orders-nightly".into(),
            arn: "arn:aws:dms:eu-west-1:123456789012:task:ORDERS".into(),
            source_database: "orders".into(),
            migration_type: MigrationType::FullLoad,
            status: TaskStatus::parse(status),
            stop_reason: stop_reason.map(str::to_string),
            last_failure_message: None,
            started_at: None,
            stats: Some(TaskStats {
                tables_errored: errored,
                ..TaskStats::default()
            }),
            serverless: false,
        }
    }

    #[test]
    fn finished_full_load_is_healthy() {
        let t = task("stopped", Some("Stop Reason FULL_LOAD_ONLY_FINISHED"), 0);
        assert_eq!(t.health(), Health::Ok);
        let t = task("stopped", Some("STOPPED_AFTER_FULL_LOAD"), 0);
        assert_eq!(t.health(), Health::Ok);
        assert_eq!(t.problem(), None);
    }

    #[test]
    fn stopped_by_an_error_is_failed() {
        for reason in [
            "Stop Reason RECOVERABLE_ERROR",
            "Stop Reason FATAL_ERROR",
            "Stop Reason STOPPED_DUE_TO_LOW_MEMORY",
            "Stop Reason STOPPED_DUE_TO_LOW_DISK",
        ] {
            let t = task("stopped", Some(reason), 0);
            assert_eq!(t.health(), Health::Failed, "{reason}");
        }
        let t = task("stopped", Some("Stop Reason FATAL_ERROR"), 0);
        assert_eq!(t.problem().as_deref(), Some("stopped: FATAL_ERROR"));
    }

    #[test]
    fn running_with_errored_tables_is_degraded() {
        assert_eq!(task("running", None, 2).health(), Health::Degraded);
        assert_eq!(task("running", None, 0).health(), Health::Running);
        assert_eq!(
            task("running", None, 2).problem().as_deref(),
            Some("2 table(s) in error")
        );
    }

    #[test]
    fn failed_uses_the_failure_message() {
        let mut t = task("failed", None, 0);
        t.last_failure_message = Some("Last Error ODBC general error.".into());
        assert_eq!(t.health(), Health::Failed);
        assert_eq!(
            t.problem().as_deref(),
            Some("Last Error ODBC general error.")
        );
    }

    #[test]
    fn unknown_status_is_unknown_not_a_panic() {
        let t = task("levitating", None, 0);
        assert_eq!(t.health(), Health::Unknown);
        assert_eq!(t.status.as_str(), "levitating");
        let t = task("stopped", Some("Stop Reason STOPPED_BY_USER"), 0);
        assert_eq!(t.health(), Health::Unknown);
    }

    #[test]
    fn table_states_round_trip() {
        for raw in [
            "Table does not exist",
            "Before load",
            "Full load",
            "Table completed",
            "Table cancelled",
            "Table error",
            "Table is being reloaded",
            "Something new",
        ] {
            assert_eq!(TableState::parse(raw).as_str(), raw);
        }
        assert_eq!(TableState::Error.health(), Health::Failed);
    }
}
