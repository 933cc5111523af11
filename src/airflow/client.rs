//! [`AirflowClient`]: DAG runs, task instances and task logs over any [`Transport`]; the
//! actions (clear, trigger) are in `actions.rs`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::error::http_error;
use super::log::{TAIL_LINES, tail};
use super::wire::{DagPage, RunEntry, RunPage, TaskEntry, TaskPage, read, split_map_index};
use super::{ApiRequest, ApiVersion, Transport, encode_segment};
use crate::config::{AirflowConfig, DEFAULT_RUNS_PER_DAG};
use crate::domain::{
    ActionOutcome, ClearScope, ClearedTask, RunState, TaskInstance, TaskState, WorkflowRun,
};
use crate::source::{ErrorKind, SourceError, SourceResult, WorkflowSource};

/// Items per page of a listing: MWAA caps the size of an answer, so pages stay small.
const PAGE: usize = 100;
/// Pages read at most per listing (10 000 DAGs, or task instances of a run).
const MAX_PAGES: usize = 100;
/// DAGs whose runs are asked for at the same time.
const CONCURRENT_DAGS: usize = 4;
/// Tries of a read that Airflow answered with a 5xx.
const READ_TRIES: u32 = 3;

/// Which runs to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunScope {
    /// Recent runs per DAG.
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
    scope: RunScope,
    /// The first wait before retrying a read after a 5xx (then ×4).
    retry_delay: Duration,
}

impl AirflowClient {
    /// A client over `transport`, showing the runs `scope` selects.
    pub fn new(transport: Arc<dyn Transport>, scope: RunScope) -> Self {
        AirflowClient {
            transport,
            scope,
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

    /// The ids of the DAGs that are not paused, in Airflow's order.
    async fn active_dags(&self) -> SourceResult<Vec<String>> {
        let mut dags = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let request = ApiRequest::get("/dags")
                .with_query("limit", PAGE)
                .with_query("offset", offset);
            let page: DagPage = read(self.call(request.clone()).await?, &request)?;
            let got = page.dags.len();
            offset += got;
            dags.extend(
                page.dags
                    .into_iter()
                    .filter(|d| d.is_paused != Some(true))
                    .filter_map(|d| d.dag_id),
            );
            let total = page.total_entries.map_or(usize::MAX, |t| t as usize);
            if got == 0 || offset >= total {
                break;
            }
        }
        Ok(dags)
    }

    /// The recent runs of one DAG, through the batch endpoint (its path carries no id).
    async fn runs_of(&self, version: ApiVersion, dag_id: String) -> SourceResult<Vec<WorkflowRun>> {
        let order_by = match version {
            ApiVersion::V1 => "-execution_date",
            ApiVersion::V2 => "-run_after",
        };
        let mut body = json!({
            "dag_ids": [dag_id],
            "page_limit": self.scope.runs_per_dag,
            "order_by": order_by,
        });
        if !self.scope.states.is_empty() {
            body["states"] = json!(self.scope.states);
        }
        let request = ApiRequest::post("/dags/~/dagRuns/list", body);
        let page: RunPage = read(self.call(request.clone()).await?, &request)?;
        Ok(page.dag_runs.iter().filter_map(RunEntry::to_run).collect())
    }

    /// Fills in, with one batch request, which task failed in each failed run and how
    /// many tasks of each running run wait for a retry. Best effort: the runs are shown
    /// without it when it fails.
    async fn explain(&self, runs: &mut [WorkflowRun]) {
        let troubled: Vec<usize> = runs
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.state, RunState::Failed | RunState::Running))
            .map(|(i, _)| i)
            .take(PAGE)
            .collect();
        if troubled.is_empty() {
            return;
        }
        let dag_ids: BTreeSet<&str> = troubled.iter().map(|&i| runs[i].dag_id.as_str()).collect();
        let run_ids: BTreeSet<&str> = troubled.iter().map(|&i| runs[i].run_id.as_str()).collect();
        let request = ApiRequest::post(
            "/dags/~/dagRuns/~/taskInstances/list",
            json!({
                "dag_ids": dag_ids,
                "dag_run_ids": run_ids,
                "state": ["failed", "up_for_retry"],
                "page_limit": PAGE,
            }),
        );
        let page: TaskPage = match self
            .call(request.clone())
            .await
            .and_then(|b| read(b, &request))
        {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(%error, "cannot tell which tasks failed");
                return;
            }
        };
        let mut failed: HashMap<(String, String), (Option<String>, String)> = HashMap::new();
        let mut retrying: HashMap<(String, String), u32> = HashMap::new();
        for entry in &page.task_instances {
            let (Some(dag), Some(run), Some(task)) =
                (&entry.dag_id, &entry.dag_run_id, entry.to_task())
            else {
                continue;
            };
            let key = (dag.clone(), run.clone());
            match task.state {
                TaskState::Failed => {
                    let ended = entry.end_date.clone();
                    let earlier = failed.get(&key).is_some_and(|(e, _)| e <= &ended);
                    if !earlier {
                        failed.insert(key, (ended, task.task_id));
                    }
                }
                TaskState::UpForRetry => *retrying.entry(key).or_default() += 1,
                _ => {}
            }
        }
        for &i in &troubled {
            let run = &mut runs[i];
            let key = (run.dag_id.clone(), run.run_id.clone());
            if run.state == RunState::Failed
                && let Some((_, task)) = failed.get(&key)
            {
                run.failure = Some(format!("task {task} failed"));
            }
            if run.state == RunState::Running {
                run.tasks_retrying = retrying.get(&key).copied().unwrap_or(0);
            }
        }
    }
}

/// A delay with ±25 % jitter, so that clients do not retry in step.
fn jittered(delay: Duration) -> Duration {
    delay.mul_f64(0.75 + fastrand::f64() * 0.5)
}

#[async_trait]
impl WorkflowSource for AirflowClient {
    async fn runs(&self) -> SourceResult<Vec<WorkflowRun>> {
        let version = self.transport.api_version().await?;
        let mut dags = self.active_dags().await?.into_iter();
        let mut runs = Vec::new();
        let mut pending = JoinSet::new();
        let spawn = |pending: &mut JoinSet<_>, dag_id: String| {
            let client = self.clone();
            pending.spawn(async move { client.runs_of(version, dag_id).await });
        };
        for dag_id in dags.by_ref().take(CONCURRENT_DAGS) {
            spawn(&mut pending, dag_id);
        }
        while let Some(done) = pending.join_next().await {
            let batch = done.map_err(|e| {
                SourceError::new(
                    ErrorKind::BadResponse,
                    format!("Airflow: listing runs stopped: {e}"),
                )
            })??;
            runs.extend(batch);
            if let Some(dag_id) = dags.next() {
                spawn(&mut pending, dag_id);
            }
        }
        self.explain(&mut runs).await;
        runs.sort_by(|a, b| {
            let when = |r: &WorkflowRun| r.started_at.or(r.logical_date);
            when(b)
                .cmp(&when(a))
                .then_with(|| a.dag_id.cmp(&b.dag_id))
                .then_with(|| a.run_id.cmp(&b.run_id))
        });
        Ok(runs)
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
