//! Workflow (Airflow DAG) runs and their task instances.

use chrono::{DateTime, Utc};

use super::Health;

/// The state of a DAG run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    Queued,
    Running,
    Success,
    Failed,
    Other(String),
}

impl RunState {
    /// Reads Airflow's spelling; an unknown state is kept.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "queued" => RunState::Queued,
            "running" => RunState::Running,
            "success" => RunState::Success,
            "failed" => RunState::Failed,
            other => RunState::Other(other.to_string()),
        }
    }

    /// Airflow's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Success => "success",
            RunState::Failed => "failed",
            RunState::Other(s) => s,
        }
    }
}

/// The state of one task instance (Airflow's task states; `None` is "no status yet").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    NoStatus,
    Scheduled,
    Queued,
    Running,
    Success,
    Failed,
    UpstreamFailed,
    Skipped,
    UpForRetry,
    UpForReschedule,
    Deferred,
    Removed,
    Restarting,
    Other(String),
}

impl TaskState {
    /// Reads Airflow's spelling; `None` (JSON null) is "no status".
    pub fn parse(raw: Option<&str>) -> Self {
        match raw {
            None | Some("") | Some("none") => TaskState::NoStatus,
            Some("scheduled") => TaskState::Scheduled,
            Some("queued") => TaskState::Queued,
            Some("running") => TaskState::Running,
            Some("success") => TaskState::Success,
            Some("failed") => TaskState::Failed,
            Some("upstream_failed") => TaskState::UpstreamFailed,
            Some("skipped") => TaskState::Skipped,
            Some("up_for_retry") => TaskState::UpForRetry,
            Some("up_for_reschedule") => TaskState::UpForReschedule,
            Some("deferred") => TaskState::Deferred,
            Some("removed") => TaskState::Removed,
            Some("restarting") => TaskState::Restarting,
            Some(other) => TaskState::Other(other.to_string()),
        }
    }

    /// Airflow's spelling ("no_status" for a task without one).
    pub fn as_str(&self) -> &str {
        match self {
            TaskState::NoStatus => "no_status",
            TaskState::Scheduled => "scheduled",
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Failed => "failed",
            TaskState::UpstreamFailed => "upstream_failed",
            TaskState::Skipped => "skipped",
            TaskState::UpForRetry => "up_for_retry",
            TaskState::UpForReschedule => "up_for_reschedule",
            TaskState::Deferred => "deferred",
            TaskState::Removed => "removed",
            TaskState::Restarting => "restarting",
            TaskState::Other(s) => s,
        }
    }

    /// The health of a task instance in this state.
    pub fn health(&self) -> Health {
        match self {
            TaskState::Success | TaskState::Skipped => Health::Ok,
            TaskState::Scheduled
            | TaskState::Queued
            | TaskState::Running
            | TaskState::Deferred
            | TaskState::UpForReschedule
            | TaskState::Restarting
            | TaskState::NoStatus => Health::Running,
            TaskState::UpForRetry => Health::Degraded,
            TaskState::Failed | TaskState::UpstreamFailed => Health::Failed,
            TaskState::Removed | TaskState::Other(_) => Health::Unknown,
        }
    }
}

/// One run of a workflow (a DAG run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    pub dag_id: String,
    pub run_id: String,
    pub state: RunState,
    /// `scheduled`, `manual`, `backfill`, …
    pub run_type: String,
    pub logical_date: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The first failed task and its error, when the source knows it.
    pub failure: Option<String>,
    /// Task instances that are retrying right now (a running run that is struggling).
    pub tasks_retrying: u32,
}

impl WorkflowRun {
    /// The health of the run.
    pub fn health(&self) -> Health {
        match self.state {
            RunState::Success => Health::Ok,
            RunState::Failed => Health::Failed,
            RunState::Running if self.tasks_retrying > 0 => Health::Degraded,
            RunState::Running | RunState::Queued => Health::Running,
            RunState::Other(_) => Health::Unknown,
        }
    }

    /// Why the run is unhealthy, in one line, when it is.
    pub fn problem(&self) -> Option<String> {
        match self.health() {
            Health::Failed => Some(
                self.failure
                    .clone()
                    .unwrap_or_else(|| "run failed".to_string()),
            ),
            Health::Degraded => Some(format!("{} task(s) up for retry", self.tasks_retrying)),
            _ => None,
        }
    }

    /// When the current state began.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        match self.state {
            RunState::Failed | RunState::Success => self.ended_at.or(self.started_at),
            _ => self.started_at.or(self.logical_date),
        }
    }
}

/// One task instance of a run (one try of one task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInstance {
    pub task_id: String,
    pub state: TaskState,
    pub try_number: u32,
    pub max_tries: u32,
    pub operator: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The last lines of the failed try's log, when fetched.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_unknown_is_kept() {
        for raw in [
            "success",
            "running",
            "failed",
            "upstream_failed",
            "skipped",
            "up_for_retry",
            "up_for_reschedule",
            "queued",
            "scheduled",
            "deferred",
            "removed",
            "restarting",
        ] {
            assert_eq!(TaskState::parse(Some(raw)).as_str(), raw);
        }
        assert_eq!(TaskState::parse(None), TaskState::NoStatus);
        assert_eq!(TaskState::parse(Some("sleeping")).health(), Health::Unknown);
        assert_eq!(RunState::parse("paused").as_str(), "paused");
    }

    #[test]
    fn run_health() {
        let mut run = WorkflowRun {
            dag_id: "dbt_build".into(),
            run_id: "scheduled__2026-11-23T01:00:00+00:00".into(),
            state: RunState::Running,
            run_type: "scheduled".into(),
            logical_date: None,
            started_at: None,
            ended_at: None,
            failure: None,
            tasks_retrying: 0,
        };
        assert_eq!(run.health(), Health::Running);
        run.tasks_retrying = 1;
        assert_eq!(run.health(), Health::Degraded);
        run.state = RunState::Failed;
        assert_eq!(run.health(), Health::Failed);
        assert_eq!(run.problem().as_deref(), Some("run failed"));
        run.state = RunState::parse("weird");
        assert_eq!(run.health(), Health::Unknown);
    }
}
