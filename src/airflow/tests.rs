//! The client over a scripted transport: which requests it sends (bodies of both API
//! versions, pages, retries) and what it makes of the answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::*;
use crate::domain::{ClearScope, ClearedTask, TaskState};

mod clears;
mod polls;
use crate::source::{ErrorKind, SourceError, SourceResult, WorkflowSource};

type Handler = Box<dyn Fn(&ApiRequest) -> SourceResult<ApiResponse> + Send + Sync>;

/// A transport that answers from a function and records what it was asked.
struct Scripted {
    version: ApiVersion,
    handler: Handler,
    sent: Mutex<Vec<ApiRequest>>,
}

#[async_trait]
impl Transport for Scripted {
    async fn api_version(&self) -> SourceResult<ApiVersion> {
        Ok(self.version)
    }
    async fn send(&self, request: &ApiRequest) -> SourceResult<ApiResponse> {
        self.sent.lock().unwrap().push(request.clone());
        (self.handler)(request)
    }
    fn access_hint(&self) -> String {
        "check the user".into()
    }
}

fn ok(body: Value) -> SourceResult<ApiResponse> {
    Ok(ApiResponse { status: 200, body })
}

fn status(status: u16, body: Value) -> SourceResult<ApiResponse> {
    Ok(ApiResponse { status, body })
}

fn client(
    version: ApiVersion,
    scope: RunScope,
    handler: impl Fn(&ApiRequest) -> SourceResult<ApiResponse> + Send + Sync + 'static,
) -> (AirflowClient, Arc<Scripted>) {
    let transport = Arc::new(Scripted {
        version,
        handler: Box::new(handler),
        sent: Mutex::new(Vec::new()),
    });
    let client = AirflowClient::new(transport.clone(), scope).with_retry_delay(Duration::ZERO);
    (client, transport)
}

fn sent(transport: &Scripted) -> Vec<ApiRequest> {
    transport.sent.lock().unwrap().clone()
}

#[tokio::test]
async fn reads_are_retried_on_server_errors_only() {
    let calls = Arc::new(Mutex::new(0));
    let counter = calls.clone();
    let (client, _) = client(ApiVersion::V2, RunScope::default(), move |r| {
        let mut n = counter.lock().unwrap();
        *n += 1;
        match (r.path.as_str(), *n) {
            ("/dags", 1 | 2) => status(503, json!({"detail": "busy"})),
            ("/dags", _) => ok(json!({"dags": [], "total_entries": 0})),
            _ => ok(json!({"dag_runs": [], "total_entries": 0})),
        }
    });
    assert_eq!(client.runs().await.unwrap(), []);
    assert_eq!(
        *calls.lock().unwrap(),
        5,
        "three tries of the listing, the window, the active runs"
    );

    let (client, transport) = client_answering(500, json!({"detail": "Internal Server Error"}));
    let error = client.runs().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unreachable);
    assert_eq!(
        error.message,
        "Airflow: GET /dags answered 500: Internal Server Error"
    );
    assert_eq!(sent(&transport).len(), 3, "three tries, then the error");

    let (client, transport) = client_answering(403, json!({"detail": "Forbidden"}));
    let error = client.runs().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Permission);
    assert_eq!(error.hint.as_deref(), Some("check the user"));
    assert_eq!(sent(&transport).len(), 1, "a refusal is not retried");

    let (client, transport) = client_answering(503, Value::Null);
    let error = client
        .call(ApiRequest::post(
            "/dags/d/clearTaskInstances",
            json!({"dry_run": false}),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unreachable);
    assert_eq!(sent(&transport).len(), 1, "a write is never repeated");
}

fn client_answering(code: u16, body: Value) -> (AirflowClient, Arc<Scripted>) {
    client(ApiVersion::V2, RunScope::default(), move |_| {
        status(code, body.clone())
    })
}

#[tokio::test]
async fn transport_failures_pass_through() {
    let (client, _) = client(ApiVersion::V2, RunScope::default(), |_| {
        Err(SourceError::new(
            ErrorKind::Unreachable,
            "Airflow: cannot connect",
        ))
    });
    assert_eq!(
        client.runs().await.unwrap_err().message,
        "Airflow: cannot connect"
    );
}

#[tokio::test]
async fn task_instances_of_a_run_in_pages_in_the_order_they_ran() {
    let (client, transport) = client(ApiVersion::V2, RunScope::default(), |r| {
        let body = r.body.as_ref().unwrap();
        let offset = body["page_offset"].as_u64().unwrap();
        let tasks: Vec<Value> = if offset == 0 {
            (0..100)
                .map(|i| {
                    json!({"task_id": "fan_out", "map_index": i, "state": "success",
                           "dag_run_id": "r1", "try_number": 1, "max_tries": 0,
                           "start_date": format!("2026-11-24T01:{:02}:00Z", i % 60 + 1 - (i / 60))})
                })
                .collect()
        } else {
            vec![
                json!({"task_id": "load", "state": "upstream_failed", "dag_run_id": "r1",
                       "try_number": 0, "max_tries": 2, "start_date": null}),
                json!({"task_id": "extract", "state": "success", "dag_run_id": "r1",
                       "try_number": 1, "max_tries": 2, "start_date": "2026-11-24T01:00:00Z"}),
            ]
        };
        ok(json!({"task_instances": tasks, "total_entries": 102}))
    });
    let tasks = client.task_instances("nightly", "r1").await.unwrap();
    assert_eq!(tasks.len(), 102);
    assert_eq!(tasks[0].task_id, "extract");
    assert_eq!(tasks[101].task_id, "load");
    assert_eq!(tasks[101].state, TaskState::UpstreamFailed);
    assert_eq!((tasks[101].try_number, tasks[101].max_tries), (0, 3));
    let requests = sent(&transport);
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].body,
        Some(
            json!({"dag_ids": ["nightly"], "dag_run_ids": ["r1"], "page_limit": 100, "page_offset": 100})
        )
    );
}

#[tokio::test]
async fn task_log_tail_of_a_mapped_try() {
    let (client, transport) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(json!({"content": [
            {"event": "Task failed with exception", "level": "error",
             "error_detail": [{"exc_type": "ValueError", "exc_value": "bad row", "frames": []}]}
        ], "continuation_token": null}))
    });
    let log = client
        .task_log(
            "nightly",
            "scheduled__2026-11-24T01:00:00+00:00",
            "fan_out[2]",
            2,
        )
        .await
        .unwrap();
    assert_eq!(log, "ERROR Task failed with exception\nValueError: bad row");
    let request = &sent(&transport)[0];
    assert_eq!(
        request.path,
        "/dags/nightly/dagRuns/scheduled__2026-11-24T01%3A00%3A00%2B00%3A00/taskInstances/fan_out/logs/2"
    );
    assert_eq!(
        request.query,
        [
            ("full_content".to_string(), "true".to_string()),
            ("map_index".to_string(), "2".to_string())
        ]
    );
    let error = client
        .task_log("nightly", "r", "load", 0)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
}

#[test]
fn versions_of_releases() {
    assert_eq!(ApiVersion::of_airflow("2.10.3"), Some(ApiVersion::V1));
    assert_eq!(ApiVersion::of_airflow("3.0.6"), Some(ApiVersion::V2));
    assert_eq!(ApiVersion::of_airflow("3"), Some(ApiVersion::V2));
    assert_eq!(ApiVersion::of_airflow("1.10.12"), None);
    assert_eq!(ApiVersion::of_airflow("latest"), None);
    assert_eq!(ApiVersion::from_number(2), Some(ApiVersion::V2));
    assert_eq!(ApiVersion::from_number(3), None);
}

#[test]
fn run_ids_are_encoded_in_paths() {
    assert_eq!(
        encode_segment("scheduled__2026-01-01T00:00:00+00:00"),
        "scheduled__2026-01-01T00%3A00%3A00%2B00%3A00"
    );
    assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
}

#[test]
fn listings_count_as_reads() {
    assert!(ApiRequest::get("/dags").is_read());
    assert!(ApiRequest::post("/dags/~/dagRuns/list", Value::Null).is_read());
    assert!(!ApiRequest::post("/dags/d/clearTaskInstances", Value::Null).is_read());
}

// --- Actions: clear and trigger.

const RUN: &str = "scheduled__2026-11-24T01:00:00+00:00";
