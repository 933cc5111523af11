//! The scheduler's records of runs and task instances, and how the Airflow REST API
//! would show them.

use chrono::{DateTime, Utc};

use super::messages::TaskFailure;
use super::workflow::Workflow;
use crate::domain::{RunState, TaskInstance, TaskState, WorkflowRun};

/// Whether the scheduler or a person started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunKind {
    Scheduled,
    Manual,
}

/// A failure planned into a run: which failure, and how many tries it takes down.
#[derive(Debug, Clone)]
pub(super) struct Incident {
    pub failure: TaskFailure,
    pub failing_tries: u32,
    /// When the first try fails, if the backstory says so.
    pub forced_end: Option<DateTime<Utc>>,
}

/// One DAG run.
pub(super) struct Run {
    pub dag: usize,
    pub run_id: String,
    pub kind: RunKind,
    /// Keys every random draw of the run.
    pub key: u64,
    pub logical: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub state: RunState,
    pub tis: Vec<Ti>,
    pub incidents: Vec<Option<Incident>>,
}

/// One task instance and the plan of its current try.
#[derive(Debug, Clone)]
pub(super) struct Ti {
    pub state: TaskState,
    pub try_number: u32,
    pub ready_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub fails: Option<TaskFailure>,
    pub next_poke: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The failed try's log tail.
    pub error: Option<String>,
    /// The failed try's exception line.
    pub exception: Option<String>,
}

impl Default for Ti {
    fn default() -> Self {
        Ti {
            state: TaskState::NoStatus,
            try_number: 0,
            ready_at: None,
            started_at: None,
            ends_at: None,
            fails: None,
            next_poke: None,
            retry_at: None,
            ended_at: None,
            error: None,
            exception: None,
        }
    }
}

impl Workflow {
    /// Every kept run at `now`, newest first.
    pub fn runs(&self, now: DateTime<Utc>) -> Vec<WorkflowRun> {
        let mut runs: Vec<&Run> = self.runs.iter().collect();
        runs.sort_by_key(|r| std::cmp::Reverse((r.logical, r.dag)));
        runs.into_iter().map(|run| self.view(run, now)).collect()
    }

    /// The task instances of one run, or `None` when there is no such run.
    pub fn task_instances(&self, dag_id: &str, run_id: &str) -> Option<Vec<TaskInstance>> {
        let run = self
            .runs
            .iter()
            .find(|r| r.run_id == run_id && self.dags[r.dag].id == dag_id)?;
        let dag = &self.dags[run.dag];
        Some(
            run.tis
                .iter()
                .zip(&dag.tasks)
                .map(|(ti, spec)| TaskInstance {
                    task_id: spec.id.clone(),
                    state: ti.state.clone(),
                    try_number: ti.try_number,
                    max_tries: spec.retries + 1,
                    operator: spec.operator.to_string(),
                    started_at: ti.started_at,
                    ended_at: ti.ended_at,
                    error: match ti.state {
                        TaskState::Failed | TaskState::UpForRetry => ti.error.clone(),
                        _ => None,
                    },
                })
                .collect(),
        )
    }

    fn view(&self, run: &Run, now: DateTime<Utc>) -> WorkflowRun {
        let dag = &self.dags[run.dag];
        let queued = now < run.started_at;
        let failure = run
            .tis
            .iter()
            .zip(&dag.tasks)
            .filter(|(ti, _)| ti.state == TaskState::Failed)
            .min_by_key(|(ti, _)| ti.ended_at)
            .and_then(|(ti, spec)| Some(format!("{}: {}", spec.id, ti.exception.as_deref()?)));
        WorkflowRun {
            dag_id: dag.id.to_string(),
            run_id: run.run_id.clone(),
            state: if queued {
                RunState::Queued
            } else {
                run.state.clone()
            },
            run_type: match run.kind {
                RunKind::Scheduled => "scheduled",
                RunKind::Manual => "manual",
            }
            .to_string(),
            logical_date: Some(run.logical),
            started_at: (!queued).then_some(run.started_at),
            ended_at: run.ended_at,
            failure,
            tasks_retrying: run
                .tis
                .iter()
                .filter(|ti| ti.state == TaskState::UpForRetry)
                .count() as u32,
        }
    }
}
