//! [`AirflowClient`]: DAG runs, task instances and task logs over any [`Transport`]; the
//! actions (clear, trigger) are in `actions.rs`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::book::RunBook;
use super::error::http_error;
use super::log::{TAIL_LINES, tail};
use super::wire::{TaskEntry, TaskPage, read, split_map_index};
use super::{ApiRequest, Transport, encode_segment};
use crate::config::{AirflowConfig, DEFAULT_RUNS_PER_DAG};
use crate::domain::{ActionOutcome, ClearScope, ClearedTask, TaskInstance, WorkflowRun};
use crate::source::{ErrorKind, SourceError, SourceResult, WorkflowSource};

/// Items per page of a listing: MWAA caps the size of an answer, so pages stay small.
pub(super) const PAGE: usize = 100;
/// Pages read at most per listing (10 000 DAGs, or task instances of a run).
pub(super) const MAX_PAGES: usize = 100;
/// Tries of a read that Airflow answered with a 5xx.
const READ_TRIES: u32 = 3;

/// Which runs to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunScope {
    /// Runs of the window shown per DAG, at most.
    pub runs_per_dag: u32,
    /// Only runs in these states (Airflow's spelling); empty shows every run.
    pub states: Vec<String>,
}

impl Default for RunScope {
    fn default() -> Self {
        RunScope {
            runs_per_dag: DEFAULT_RUNS_PER_DAG,
            states: Vec::new(),
        }
    }
}

impl From<&AirflowConfig> for RunScope {
    fn from(config: &AirflowConfig) -> Self {
        RunScope {
            runs_per_dag: config.runs_per_dag,
            states: config.run_states.clone(),
        }
    }
}

/// The Airflow REST client of one environment.
#[derive(Clone)]
pub struct AirflowClient {
    pub(super) transport: Arc<dyn Transport>,
    pub(super) scope: RunScope,
    /// The runs read so far (shared by clones: one memory per environment).
    pub(super) book: Arc<Mutex<RunBook>>,
    /// The first wait before retrying a read after a 5xx (then ×4).
    retry_delay: Duration,
}

impl AirflowClient {
    /// A client over `transport`, showing the runs `scope` selects.
    pub fn new(transport: Arc<dyn Transport>, scope: RunScope) -> Self {
        AirflowClient {
            transport,
            scope,
            book: Arc::default(),
            retry_delay: Duration::from_millis(250),
        }
    }

    /// The same client with another first retry delay (tests use zero).
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }

    /// Sends a request and returns the body of a successful answer. Reads that Airflow
    /// answered with a 5xx are tried again (MWAA does not retry them: it passes them on).
    pub(super) async fn call(&self, request: ApiRequest) -> SourceResult<Value> {
        let tries = if request.is_read() { READ_TRIES } else { 1 };
        let mut delay = self.retry_delay;
        for attempt in 1.. {
            let response = self.transport.send(&request).await?;
            if (200..300).contains(&response.status) {
                return Ok(response.body);
            }
            if response.status >= 500 && attempt < tries {
                tracing::debug!(
                    status = response.status,
                    request = %request.describe(),
                    "Airflow server error, retrying"
                );
                tokio::time::sleep(jittered(delay)).await;
                delay *= 4;
                continue;
            }
            return Err(http_error(
                response.status,
                &response.body,
                &request,
                &self.transport.access_hint(),
            ));
        }
        unreachable!("the loop returns")
    }
}

/// A delay with ±25 % jitter, so that clients do not retry in step.
fn jittered(delay: Duration) -> Duration {
    delay.mul_f64(0.75 + fastrand::f64() * 0.5)
}

#[async_trait]
impl WorkflowSource for AirflowClient {
    async fn runs(&self) -> SourceResult<Vec<WorkflowRun>> {
        self.poll_runs(&|_| {}).await
    }

    async fn runs_progressively(
        &self,
        early: &(dyn Fn(Vec<WorkflowRun>) + Send + Sync),
    ) -> SourceResult<Vec<WorkflowRun>> {
        self.poll_runs(early).await
    }

    async fn task_instances(&self, dag_id: &str, run_id: &str) -> SourceResult<Vec<TaskInstance>> {
        let mut tasks = Vec::new();
        for page_number in 0..MAX_PAGES {
            let offset = page_number * PAGE;
            let request = ApiRequest::post(
                "/dags/~/dagRuns/~/taskInstances/list",
                json!({
                    "dag_ids": [dag_id],
                    "dag_run_ids": [run_id],
                    "page_limit": PAGE,
                    "page_offset": offset,
                }),
            );
            let page: TaskPage = read(self.call(request.clone()).await?, &request)?;
            let got = page.task_instances.len();
            tasks.extend(
                page.task_instances
                    .iter()
                    // The filter is the server's; a loose one must not mix runs in.
                    .filter(|t| t.dag_run_id.as_deref().is_none_or(|r| r == run_id))
                    .filter_map(TaskEntry::to_task),
            );
            let total = page.total_entries.map_or(usize::MAX, |t| t as usize);
            if got < PAGE || offset + got >= total {
                break;
            }
        }
        // In the order they ran; those that never started last.
        tasks.sort_by(|a, b| {
            (a.started_at.is_none(), a.started_at, &a.task_id).cmp(&(
                b.started_at.is_none(),
                b.started_at,
                &b.task_id,
            ))
        });
        Ok(tasks)
    }

    async fn task_log(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
    ) -> SourceResult<String> {
        if try_number == 0 {
            return Err(SourceError::new(
                ErrorKind::NotFound,
                format!("Airflow: task {task_id} has not run: no log yet"),
            ));
        }
        let (task, map_index) = split_map_index(task_id);
        let path = format!(
            "/dags/{}/dagRuns/{}/taskInstances/{}/logs/{try_number}",
            encode_segment(dag_id),
            encode_segment(run_id),
            encode_segment(task)
        );
        let mut request = ApiRequest::get(path).with_query("full_content", "true");
        if let Some(index) = map_index {
            request = request.with_query("map_index", index);
        }
        let body = self.call(request).await?;
        Ok(tail(&body, TAIL_LINES))
    }

    async fn clear(
        &self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
        dry_run: bool,
    ) -> SourceResult<Vec<ClearedTask>> {
        self.clear_task_instances(dag_id, run_id, scope, dry_run)
            .await
    }

    async fn trigger(&self, dag_id: &str) -> SourceResult<ActionOutcome> {
        self.trigger_run(dag_id).await
    }
}
