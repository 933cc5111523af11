//! The actions of the Airflow client: clearing task instances of a run (a retry: the same
//! run runs them again) and triggering a new run. Both are POSTs, sent once: a write is
//! never repeated on a 5xx.

use serde_json::{Value, json};

use super::client::AirflowClient;
use super::wire::{RunEntry, TaskEntry, TaskPage, read, split_map_index};
use super::{ApiRequest, ApiVersion, encode_segment};
use crate::domain::{ActionOutcome, ClearScope, ClearedTask, TaskInstance};
use crate::source::{ErrorKind, SourceError, SourceResult, WorkflowSource};

/// The state of a cleared task instance that Airflow 2 did not name and the run's task
/// instances could not tell.
const UNKNOWN_STATE: &str = "unknown";

impl AirflowClient {
    /// `POST /dags/{dag_id}/clearTaskInstances` for one run. `dry_run` is always sent:
    /// Airflow takes a missing one as true, and a retry would silently do nothing.
    pub(super) async fn clear_task_instances(
        &self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
        dry_run: bool,
    ) -> SourceResult<Vec<ClearedTask>> {
        let version = self.transport.api_version().await?;
        let request = ApiRequest::post(
            format!("/dags/{}/clearTaskInstances", encode_segment(dag_id)),
            clear_body(version, run_id, scope, dry_run),
        );
        let answer = self
            .call(request.clone())
            .await
            .map_err(|e| gone(e, &format!("run {run_id} of DAG {dag_id}")))?;
        let page: TaskPage = read(answer, &request)?;
        let cleared = match version {
            ApiVersion::V2 => page
                .task_instances
                .iter()
                .filter_map(TaskEntry::to_task)
                .map(|t| ClearedTask {
                    task_id: t.task_id,
                    state: t.state.as_str().to_string(),
                })
                .collect(),
            ApiVersion::V1 => self.with_states(dag_id, run_id, &page).await,
        };
        if let (ClearScope::Task { task_id, .. }, true) = (scope, cleared.is_empty()) {
            // Airflow answers a task id the run does not have with an empty list.
            return Err(SourceError::new(
                ErrorKind::NotFound,
                format!(
                    "Airflow: run {run_id} of DAG {dag_id} has no task {task_id}: nothing to clear"
                ),
            ));
        }
        Ok(cleared)
    }

    /// Airflow 2 answers a clear with references (task id and run, no state, one per map
    /// index but without it): the states come from the run's task instances, read after
    /// the answer, so after a real clear they are the reset ones, as Airflow 3 answers.
    /// Best effort: a state it cannot tell is "unknown".
    async fn with_states(&self, dag_id: &str, run_id: &str, page: &TaskPage) -> Vec<ClearedTask> {
        let instances = match self.task_instances(dag_id, run_id).await {
            Ok(instances) => instances,
            Err(error) => {
                tracing::warn!(%error, "cannot read the states of the cleared task instances");
                Vec::new()
            }
        };
        // Task ids in the answer's order, with how many references name each.
        let mut named: Vec<(String, usize)> = Vec::new();
        for task in page.task_instances.iter().filter_map(TaskEntry::to_task) {
            match named.iter_mut().find(|(id, _)| *id == task.task_id) {
                Some((_, count)) => *count += 1,
                None => named.push((task.task_id, 1)),
            }
        }
        let mut cleared = Vec::new();
        for (task_id, count) in named {
            let cleared_task = |t: &TaskInstance| ClearedTask {
                task_id: t.task_id.clone(),
                state: t.state.as_str().to_string(),
            };
            if let Some(instance) = instances.iter().find(|t| t.task_id == task_id) {
                cleared.extend(std::iter::repeat_n(cleared_task(instance), count));
                continue;
            }
            let mapped: Vec<&TaskInstance> = instances
                .iter()
                .filter(|t| matches!(split_map_index(&t.task_id), (id, Some(_)) if id == task_id))
                .collect();
            if mapped.len() == count {
                cleared.extend(mapped.into_iter().map(cleared_task));
            } else {
                cleared.extend(std::iter::repeat_n(
                    ClearedTask {
                        task_id: task_id.clone(),
                        state: UNKNOWN_STATE.to_string(),
                    },
                    count,
                ));
            }
        }
        cleared
    }

    /// `POST /dags/{dag_id}/dagRuns`: a new manual run, with a new run id.
    pub(super) async fn trigger_run(&self, dag_id: &str) -> SourceResult<ActionOutcome> {
        let version = self.transport.api_version().await?;
        let body = match version {
            ApiVersion::V1 => json!({}),
            // Airflow 3 requires the key; null (no logical date) is what its UI sends for a
            // manual run. The one null opsdeck sends on purpose.
            ApiVersion::V2 => json!({"logical_date": null}),
        };
        let request = ApiRequest::post(format!("/dags/{}/dagRuns", encode_segment(dag_id)), body);
        let answer = self
            .call(request.clone())
            .await
            .map_err(|e| gone(e, &format!("DAG {dag_id}")))?;
        let run: RunEntry = read(answer, &request)?;
        let run_id = run.dag_run_id.ok_or_else(|| {
            SourceError::new(
                ErrorKind::BadResponse,
                format!(
                    "Airflow: {} answered without the new run's id",
                    request.describe()
                ),
            )
        })?;
        let state = run.state.as_deref().unwrap_or("queued");
        Ok(ActionOutcome {
            request_id: None,
            message: format!("new run {run_id} of {dag_id} {state}"),
            created: Some(run_id),
        })
    }
}

/// The body of a clear: `dry_run` always explicit, no null values.
pub(super) fn clear_body(
    version: ApiVersion,
    run_id: &str,
    scope: &ClearScope,
    dry_run: bool,
) -> Value {
    let mut body = json!({
        "dag_run_id": run_id,
        "dry_run": dry_run,
        // The run goes back to queued, so that the scheduler runs the cleared tasks
        // (Airflow 3's default; Airflow 2 needs it said).
        "reset_dag_runs": true,
    });
    match scope {
        // Covers `failed` and `upstream_failed`.
        ClearScope::Failed => body["only_failed"] = json!(true),
        // No task ids and not only the failed: every task instance of the run.
        ClearScope::Run => body["only_failed"] = json!(false),
        ClearScope::Task {
            task_id,
            downstream,
        } => {
            body["only_failed"] = json!(false);
            body["task_ids"] = match (version, split_map_index(task_id)) {
                // Airflow 3 takes one map index as `[task_id, map_index]`.
                (ApiVersion::V2, (task, Some(index))) => json!([[task, index]]),
                // Airflow 2 takes task ids only: a mapped task is cleared at every index,
                // which the dry run shows.
                (_, (task, _)) => json!([task]),
            };
            body["include_downstream"] = json!(downstream);
        }
    }
    body
}

/// A NotFound of an action says what is gone and what to do.
fn gone(error: SourceError, what: &str) -> SourceError {
    if error.kind == ErrorKind::NotFound {
        error.with_hint(format!(
            "{what} is no longer in Airflow (deleted, or the DAG file removed): refresh the list"
        ))
    } else {
        error
    }
}
