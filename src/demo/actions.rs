//! What the operator's actions do to the simulated platform, as the real services would:
//! a resumed task picks up where it stopped, a cleared run runs its cleared tasks again, a
//! cancelled query ends cancelled. A retry removes the cause of the failure it retries
//! (the operator fixed it, or it was transient), so the demo shows a recovery.

use chrono::{DateTime, Duration, Utc};

use super::cdc::CdcTask;
use super::replication::Replication;
use super::warehouse::{Outcome, Warehouse};
use super::workflow::Workflow;
use super::workflow_view::Ti;
use crate::domain::{
    ClearScope, ClearedTask, QueryStatus, RunState, StartMode, StatementProgress, StatementState,
    TableName, TaskState,
};
use crate::source::{ErrorKind, SourceError};

fn rejected(message: impl Into<String>) -> SourceError {
    SourceError::new(ErrorKind::Rejected, message)
}

fn not_found(message: impl Into<String>) -> SourceError {
    SourceError::new(ErrorKind::NotFound, message)
}

impl Replication {
    /// StartReplicationTask on the task (or Serverless replication) with this ARN.
    pub fn start(
        &mut self,
        arn: &str,
        mode: StartMode,
        now: DateTime<Utc>,
    ) -> Result<String, SourceError> {
        if let Some(db) = self.load_index(arn) {
            let task = self
                .tasks(now)
                .into_iter()
                .nth(db)
                .map(|t| (t.id, t.status));
            let Some((id, status)) = task else {
                return Err(not_found(format!("no replication task has ARN {arn}")));
            };
            if !matches!(
                status,
                crate::domain::TaskStatus::Stopped
                    | crate::domain::TaskStatus::Failed
                    | crate::domain::TaskStatus::Ready
            ) {
                return Err(rejected(format!(
                    "InvalidResourceStateFault: task {id} is {}; only a stopped or failed \
                     task can be started",
                    status.as_str()
                )));
            }
            if mode == StartMode::StartReplication {
                return Err(rejected(format!(
                    "InvalidResourceStateFault: start-replication is valid only for a task \
                     that never ran; {id} ran before (use resume-processing or reload-target)"
                )));
            }
            self.restart_load(db, mode == StartMode::ResumeProcessing, now);
            return Ok(format!("{id} starting ({mode})"));
        }
        let task = self
            .cdc_mut()
            .iter_mut()
            .find(|t| t.arn() == arn)
            .ok_or_else(|| not_found(format!("no replication task has ARN {arn}")))?;
        task.start(mode, now)
    }

    /// ReloadTables on a running task: the tables are loaded again from the source.
    pub fn reload(
        &mut self,
        arn: &str,
        tables: &[TableName],
        now: DateTime<Utc>,
    ) -> Result<String, SourceError> {
        if tables.len() > crate::domain::MAX_RELOAD_TABLES {
            return Err(rejected(format!(
                "ReloadTables takes at most {} tables, not {}",
                crate::domain::MAX_RELOAD_TABLES,
                tables.len()
            )));
        }
        if let Some(db) = self.load_index(arn) {
            let id = self
                .tasks(now)
                .into_iter()
                .nth(db)
                .map(|t| t.id)
                .unwrap_or_default();
            return Err(rejected(format!(
                "InvalidResourceStateFault: {id} is a full-load task; reload its tables by \
                 starting it again"
            )));
        }
        let task = self
            .cdc_mut()
            .iter_mut()
            .find(|t| t.arn() == arn)
            .ok_or_else(|| not_found(format!("no replication task has ARN {arn}")))?;
        task.reload(tables, now)
    }
}

impl CdcTask {
    /// Resumes (or reloads) a stopped continuous replication.
    fn start(&mut self, mode: StartMode, now: DateTime<Utc>) -> Result<String, SourceError> {
        let id = self.id();
        if !self.is_stopped() {
            return Err(rejected(format!(
                "InvalidResourceStateFault: task {id} is running; stop it before starting it"
            )));
        }
        if mode == StartMode::StartReplication {
            return Err(rejected(format!(
                "InvalidResourceStateFault: start-replication is valid only for a task that \
                 never ran; {id} ran before (use resume-processing or reload-target)"
            )));
        }
        self.resume_at(now, mode == StartMode::ReloadTarget);
        Ok(format!("{id} starting ({mode})"))
    }

    /// Reloads some tables of a running replication.
    fn reload(&mut self, tables: &[TableName], now: DateTime<Utc>) -> Result<String, SourceError> {
        let id = self.id();
        if self.is_stopped() {
            return Err(rejected(format!(
                "InvalidResourceStateFault: task {id} is not running; ReloadTables works \
                 only while the task is running"
            )));
        }
        let mut indices = Vec::new();
        for name in tables {
            let i = self
                .table_index(&name.schema, &name.table)
                .ok_or_else(|| not_found(format!("task {id} has no table {name}")))?;
            indices.push(i);
        }
        for i in &indices {
            self.reload_table(*i, now);
        }
        Ok(format!("{} table(s) of {id} reloading", indices.len()))
    }
}

impl Workflow {
    /// clearTaskInstances: what a clear of `scope` resets, and with `dry_run` false, resets it
    /// at `now`: the cleared tasks run again from then.
    pub fn clear(
        &mut self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClearedTask>, SourceError> {
        let dag = self
            .dags
            .iter()
            .position(|d| d.id == dag_id)
            .ok_or_else(|| not_found(format!("DAG {dag_id} not found")))?;
        let run = self
            .runs
            .iter()
            .position(|r| r.dag == dag && r.run_id == run_id)
            .ok_or_else(|| not_found(format!("DAG run {dag_id}/{run_id} not found")))?;
        let spec = &self.dags[dag];
        let picked: Vec<usize> = match scope {
            ClearScope::Run => (0..spec.tasks.len()).collect(),
            ClearScope::Failed => (0..spec.tasks.len())
                .filter(|&i| {
                    matches!(
                        self.runs[run].tis[i].state,
                        TaskState::Failed | TaskState::UpstreamFailed
                    )
                })
                .collect(),
            ClearScope::Task {
                task_id,
                downstream,
            } => {
                let first = spec.task_index(task_id).ok_or_else(|| {
                    not_found(format!("task {task_id} not found in DAG {dag_id}"))
                })?;
                let mut picked = vec![first];
                if *downstream {
                    // Tasks are listed upstream first: one pass finds every descendant.
                    for (i, task) in spec.tasks.iter().enumerate().skip(first + 1) {
                        if task.upstream.iter().any(|u| picked.contains(u)) {
                            picked.push(i);
                        }
                    }
                }
                picked
            }
        };
        let cleared = picked
            .iter()
            .map(|&i| ClearedTask {
                task_id: spec.tasks[i].id.clone(),
                state: self.runs[run].tis[i].state.as_str().to_string(),
            })
            .collect();
        if !dry_run && !picked.is_empty() {
            let run = &mut self.runs[run];
            for &i in &picked {
                let tries = run.tis[i].try_number;
                run.tis[i] = Ti {
                    try_number: tries,
                    // Not ready before the clear (the floor of its readiness).
                    ready_at: Some(now),
                    ..Ti::default()
                };
                // The cause is gone: the task runs well this time.
                run.incidents[i] = None;
            }
            run.state = RunState::Running;
            run.ended_at = None;
        }
        Ok(cleared)
    }

    /// A new manual run of a DAG, created at the next step; its run id.
    pub fn trigger(&mut self, dag_id: &str, now: DateTime<Utc>) -> Result<String, SourceError> {
        let dag = self
            .dags
            .iter()
            .position(|d| d.id == dag_id)
            .ok_or_else(|| not_found(format!("DAG {dag_id} not found")))?;
        // A new run a moment from now, so the next step creates it.
        let at = now + Duration::seconds(1);
        self.add_trigger(dag, at);
        Ok(format!(
            "manual__{}",
            at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        ))
    }
}

impl Warehouse {
    /// A new statement with the SQL of an earlier query; its query id.
    pub fn rerun(&mut self, sql: &str, now: DateTime<Utc>) -> Result<i64, SourceError> {
        let source = self
            .find_by_text(sql)
            .ok_or_else(|| rejected("the demo warehouse runs only the SQL of its own queries"))?;
        Ok(self.submit_again(source, now))
    }

    /// pg_cancel_backend on the process of a running query.
    pub fn cancel(&mut self, query_id: i64, now: DateTime<Utc>) -> Result<(), SourceError> {
        let query = self
            .planned_mut(query_id)
            .ok_or_else(|| not_found(format!("query {query_id} not found")))?;
        let ends = query.submitted + query.queue + query.execution;
        if now >= ends {
            return Err(rejected(format!(
                "query {query_id} is no longer running: nothing to cancel"
            )));
        }
        // It ends now, cancelled: its run stops where it was.
        let ran = (now - query.submitted - query.queue).max(Duration::zero());
        if now < query.submitted + query.queue {
            query.queue = now - query.submitted;
        }
        query.execution = ran.max(Duration::milliseconds(1));
        query.outcome = Outcome::Canceled;
        Ok(())
    }

    /// DescribeStatement of a re-run's statement at `now`: submitted while it queues,
    /// started while it runs, then finished, failed or aborted as its query ended.
    pub fn statement(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatementProgress, SourceError> {
        let query_id =
            query_of_statement(id).ok_or_else(|| not_found(format!("statement {id} not found")))?;
        let record = self
            .queries(now)
            .into_iter()
            .find(|q| q.query_id == query_id)
            .ok_or_else(|| not_found(format!("statement {id} not found")))?;
        let state = match record.status {
            QueryStatus::Queued => StatementState::Submitted,
            QueryStatus::Planning | QueryStatus::Running | QueryStatus::Returning => {
                StatementState::Started
            }
            QueryStatus::Success => StatementState::Finished,
            QueryStatus::Failed => StatementState::Failed,
            QueryStatus::Canceled | QueryStatus::Other(_) => StatementState::Aborted,
        };
        Ok(StatementProgress {
            id: id.to_string(),
            state,
            query_id: (state != StatementState::Submitted).then_some(query_id),
            error: record.error_message,
        })
    }

    /// CancelStatement of a re-run's statement.
    pub fn cancel_statement(&mut self, id: &str, now: DateTime<Utc>) -> Result<i64, SourceError> {
        let query_id =
            query_of_statement(id).ok_or_else(|| not_found(format!("statement {id} not found")))?;
        self.cancel(query_id, now)?;
        Ok(query_id)
    }
}

/// The demo's statement ids: a UUID whose last group is the re-run's query id in hex.
const STATEMENT_PREFIX: &str = "de40a000-0000-4000-8000-";

/// The Data API id the demo gives a re-run's statement.
pub fn statement_id(query_id: i64) -> String {
    format!("{STATEMENT_PREFIX}{query_id:012x}")
}

fn query_of_statement(id: &str) -> Option<i64> {
    let hex = id.strip_prefix(STATEMENT_PREFIX)?;
    i64::from_str_radix(hex, 16).ok()
}
