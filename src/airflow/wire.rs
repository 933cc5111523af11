//! The REST API's JSON, read leniently: every field Airflow 2 and 3 may leave out or send
//! as null is optional, unknown fields and states are kept rather than refused, and both
//! generations' spellings are accepted (Airflow 3's `logical_date` may be null for a
//! manual run; its `run_after` says when the run was due).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::ApiRequest;
use crate::domain::{RunState, TaskInstance, TaskState, WorkflowRun};
use crate::source::{ErrorKind, SourceError, SourceResult};

/// `GET /dags`.
#[derive(Debug, Deserialize)]
pub(super) struct DagPage {
    #[serde(default)]
    pub dags: Vec<DagEntry>,
    pub total_entries: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DagEntry {
    pub dag_id: Option<String>,
    pub is_paused: Option<bool>,
}

/// The batch listing of DAG runs.
#[derive(Debug, Deserialize)]
pub(super) struct RunPage {
    #[serde(default)]
    pub dag_runs: Vec<RunEntry>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RunEntry {
    pub dag_id: Option<String>,
    #[serde(alias = "run_id")]
    pub dag_run_id: Option<String>,
    pub state: Option<String>,
    pub run_type: Option<String>,
    pub logical_date: Option<String>,
    /// Airflow 2's name of the logical date.
    pub execution_date: Option<String>,
    /// Airflow 3: when the run was due.
    pub run_after: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// The batch listing of task instances.
#[derive(Debug, Deserialize)]
pub(super) struct TaskPage {
    #[serde(default)]
    pub task_instances: Vec<TaskEntry>,
    pub total_entries: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TaskEntry {
    pub task_id: Option<String>,
    pub dag_id: Option<String>,
    #[serde(alias = "run_id")]
    pub dag_run_id: Option<String>,
    pub map_index: Option<i64>,
    pub state: Option<String>,
    pub try_number: Option<i64>,
    pub max_tries: Option<i64>,
    pub operator: Option<String>,
    pub operator_name: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// Reads an answer's body as `T`, or says which request answered what.
pub(super) fn read<T: for<'de> Deserialize<'de>>(
    body: Value,
    request: &ApiRequest,
) -> SourceResult<T> {
    if let Some(error) = super::error::unreadable_answer(&body, request) {
        return Err(error);
    }
    serde_path_to_error::deserialize(body).map_err(|e| {
        SourceError::new(
            ErrorKind::BadResponse,
            format!("Airflow: unexpected answer to {}: {e}", request.describe()),
        )
    })
}

/// A timestamp as Airflow writes it (RFC 3339); `None` when absent or unreadable.
pub(super) fn time(raw: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl RunEntry {
    /// The run as a domain run; `None` without its ids.
    pub fn to_run(&self) -> Option<WorkflowRun> {
        let logical = self
            .logical_date
            .as_deref()
            .or(self.execution_date.as_deref());
        Some(WorkflowRun {
            dag_id: self.dag_id.clone()?,
            run_id: self.dag_run_id.clone()?,
            state: RunState::parse(self.state.as_deref().unwrap_or("unknown")),
            run_type: self.run_type.clone().unwrap_or_default(),
            // A manual run of Airflow 3 has no logical date: when it was due stands in.
            logical_date: time(logical).or_else(|| time(self.run_after.as_deref())),
            started_at: time(self.start_date.as_deref()),
            ended_at: time(self.end_date.as_deref()),
            failure: None,
            tasks_retrying: 0,
        })
    }
}

impl TaskEntry {
    /// The task instance as a domain one; `None` without its task id. A mapped instance is
    /// named `task[3]`.
    pub fn to_task(&self) -> Option<TaskInstance> {
        let task_id = self.task_id.clone()?;
        let task_id = match self.map_index {
            Some(index) if index >= 0 => format!("{task_id}[{index}]"),
            _ => task_id,
        };
        let count = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
        Some(TaskInstance {
            task_id,
            state: TaskState::parse(self.state.as_deref()),
            try_number: count(self.try_number),
            // Airflow counts the retries; the console counts every try.
            max_tries: count(self.max_tries).saturating_add(1),
            operator: self
                .operator_name
                .clone()
                .or_else(|| self.operator.clone())
                .unwrap_or_default(),
            started_at: time(self.start_date.as_deref()),
            ended_at: time(self.end_date.as_deref()),
            error: None,
        })
    }
}

/// `task[3]` → (`task`, Some(3)); any other name is a task that is not mapped.
pub(super) fn split_map_index(task_id: &str) -> (&str, Option<i64>) {
    if let Some(open) = task_id.rfind('[')
        && let Some(index) = task_id[open + 1..].strip_suffix(']')
        && let Ok(index) = index.parse::<i64>()
        && index >= 0
    {
        return (&task_id[..open], Some(index));
    }
    (task_id, None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request() -> ApiRequest {
        ApiRequest::post("/dags/~/dagRuns/list", json!({}))
    }

    #[test]
    fn airflow_3_run_with_null_logical_date() {
        let page: RunPage = read(
            json!({"dag_runs": [{
                "dag_run_id": "manual__2026-11-25T09:12:19.664060+00:00",
                "dag_id": "dbt_build",
                "logical_date": null,
                "run_after": "2026-11-25T09:12:19.664060Z",
                "start_date": "2026-11-25T09:12:20.819707Z",
                "end_date": null,
                "run_type": "manual",
                "state": "running",
                "triggered_by": "rest_api",
                "dag_versions": [],
                "conf": {}
            }], "total_entries": 1}),
            &request(),
        )
        .unwrap();
        let run = page.dag_runs[0].to_run().unwrap();
        assert_eq!(run.dag_id, "dbt_build");
        assert_eq!(run.state, RunState::Running);
        assert_eq!(run.run_type, "manual");
        assert_eq!(
            run.logical_date.unwrap().to_rfc3339(),
            "2026-11-25T09:12:19.664060+00:00"
        );
        assert!(run.started_at.is_some());
        assert_eq!(run.ended_at, None);
    }

    #[test]
    fn airflow_2_run_with_execution_date_and_unknown_state() {
        let page: RunPage = read(
            json!({"dag_runs": [{
                "dag_run_id": "scheduled__2026-01-01T00:00:00+00:00",
                "dag_id": "clean_anonymize",
                "execution_date": "2026-01-01T00:00:00+00:00",
                "state": "sleeping",
                "start_date": null
            }, {"dag_id": "no_run_id"}]}),
            &request(),
        )
        .unwrap();
        let runs: Vec<_> = page.dag_runs.iter().filter_map(RunEntry::to_run).collect();
        assert_eq!(runs.len(), 1, "a run without its id is left out");
        assert_eq!(runs[0].state, RunState::Other("sleeping".into()));
        assert_eq!(
            runs[0].logical_date.unwrap().to_rfc3339(),
            "2026-01-01T00:00:00+00:00"
        );
        assert_eq!(runs[0].run_type, "");
    }

    #[test]
    fn task_instances_with_nulls_and_map_indexes() {
        let page: TaskPage = read(
            json!({"task_instances": [
                {"task_id": "transform", "state": "failed", "try_number": 2, "max_tries": 1,
                 "operator": "_PythonDecoratedOperator", "operator_name": "@task",
                 "start_date": "2026-11-25T09:12:26.717724Z", "end_date": "2026-11-25T09:12:32.080696Z",
                 "map_index": -1},
                {"task_id": "load", "state": "upstream_failed", "try_number": 0, "max_tries": 0,
                 "operator": "PythonOperator", "operator_name": null, "map_index": -1},
                {"task_id": "fan_out", "state": null, "map_index": 3},
                {"state": "success"}
            ], "total_entries": 4}),
            &request(),
        )
        .unwrap();
        let tasks: Vec<_> = page
            .task_instances
            .iter()
            .filter_map(TaskEntry::to_task)
            .collect();
        assert_eq!(tasks.len(), 3);
        assert_eq!(tasks[0].state, TaskState::Failed);
        assert_eq!((tasks[0].try_number, tasks[0].max_tries), (2, 2));
        assert_eq!(tasks[0].operator, "@task");
        assert_eq!(tasks[1].state, TaskState::UpstreamFailed);
        assert_eq!(tasks[1].operator, "PythonOperator");
        assert_eq!(tasks[2].task_id, "fan_out[3]");
        assert_eq!(tasks[2].state, TaskState::NoStatus);
        assert_eq!((tasks[2].try_number, tasks[2].max_tries), (0, 1));
    }

    #[test]
    fn unreadable_answer_names_the_request() {
        let e = read::<RunPage>(json!({"dag_runs": "nope"}), &request()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(
            e.message
                .starts_with("Airflow: unexpected answer to POST /dags/~/dagRuns/list: dag_runs"),
            "{}",
            e.message
        );
    }

    #[test]
    fn map_index_suffix() {
        assert_eq!(split_map_index("fan_out[3]"), ("fan_out", Some(3)));
        assert_eq!(split_map_index("load"), ("load", None));
        assert_eq!(split_map_index("odd[name]"), ("odd[name]", None));
    }
}
