//! The poll of runs against a stand-in Airflow that filters, orders and pages its batch
//! listings as Airflow does: how many requests a poll sends (not more for more DAGs),
//! their bodies in both API versions, and what the console is shown as runs change.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::{Value, json};

use super::{client, ok, sent};
use crate::airflow::{ApiRequest, ApiResponse, ApiVersion, RunScope};
use crate::domain::{RunState, WorkflowRun};
use crate::source::{SourceResult, WorkflowSource};

#[derive(Debug, Clone)]
struct StandinRun {
    dag: String,
    id: String,
    state: &'static str,
    due: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

/// DAGs, their runs and the failed or retrying task instances of some.
#[derive(Debug, Default)]
struct Standin {
    dags: Vec<(String, bool)>,
    runs: Vec<StandinRun>,
    /// (dag, run, task, state)
    tasks: Vec<(String, String, &'static str, &'static str)>,
}

/// Whole seconds before now, the same base for every run of a test: runs started "2
/// hours ago" started at the same time.
fn hours_ago(hours: i64) -> DateTime<Utc> {
    static BASE: LazyLock<DateTime<Utc>> =
        LazyLock::new(|| Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now));
    *BASE - TimeDelta::hours(hours)
}

fn time_in(body: &Value, field: &str) -> Option<DateTime<Utc>> {
    body.get(field)?.as_str()?.parse().ok()
}

impl Standin {
    /// `dags` DAGs `dag_000`…, each with a run that succeeded 2 hours ago and one of the
    /// day before; `dag_000` is running, `dag_001` failed in `load`, `dag_002` has a task up
    /// for retry in its running run, `dag_003` is paused.
    fn with_dags(dags: usize) -> Self {
        let mut standin = Standin::default();
        for i in 0..dags {
            let dag = format!("dag_{i:03}");
            standin.dags.push((dag.clone(), i == 3));
            let (state, end) = match i {
                0 | 2 => ("running", None),
                1 => ("failed", Some(hours_ago(1))),
                _ => ("success", Some(hours_ago(1))),
            };
            standin.add(&dag, "today", state, 2, end);
            standin.add(&dag, "yesterday", "success", 26, Some(hours_ago(25)));
        }
        standin
            .tasks
            .push(("dag_001".into(), "today".into(), "load", "failed"));
        standin
            .tasks
            .push(("dag_002".into(), "today".into(), "extract", "up_for_retry"));
        standin
    }

    fn add(
        &mut self,
        dag: &str,
        id: &str,
        state: &'static str,
        started_hours_ago: i64,
        end: Option<DateTime<Utc>>,
    ) {
        let start = hours_ago(started_hours_ago);
        self.runs.push(StandinRun {
            dag: dag.into(),
            id: id.into(),
            state,
            due: start,
            start: (state != "queued").then_some(start),
            end,
        });
    }

    fn set(&mut self, dag: &str, id: &str, state: &'static str) {
        let run = self
            .runs
            .iter_mut()
            .find(|r| r.dag == dag && r.id == id)
            .unwrap();
        run.state = state;
        run.end = matches!(state, "success" | "failed").then(Utc::now);
    }

    fn answer(&self, version: ApiVersion, request: &ApiRequest) -> SourceResult<ApiResponse> {
        let query = |name: &str| -> usize {
            request
                .query
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, v)| v.parse().unwrap())
        };
        let body = request.body.clone().unwrap_or(Value::Null);
        let page = |items: Vec<Value>, key: &str| {
            let offset = body["page_offset"].as_u64().unwrap_or(0) as usize;
            let limit = body["page_limit"].as_u64().unwrap_or(100) as usize;
            let total = items.len();
            let items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
            ok(json!({key: items, "total_entries": total}))
        };
        match request.path.as_str() {
            "/dags" => {
                let (offset, limit) = (query("offset"), query("limit"));
                let dags: Vec<Value> = self
                    .dags
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|(id, paused)| json!({"dag_id": id, "is_paused": paused}))
                    .collect();
                ok(json!({"dags": dags, "total_entries": self.dags.len()}))
            }
            "/dags/~/dagRuns/list" => {
                let in_list = |field: &str, value: &str| {
                    body.get(field)
                        .and_then(Value::as_array)
                        .is_none_or(|list| list.iter().any(|v| v == value))
                };
                let since = |field: &str, time: Option<DateTime<Utc>>| match time_in(&body, field) {
                    Some(bound) => time.is_some_and(|t| t >= bound),
                    None => true,
                };
                let mut runs: Vec<&StandinRun> = self
                    .runs
                    .iter()
                    .filter(|r| in_list("dag_ids", &r.dag) && in_list("states", r.state))
                    .filter(|r| since("run_after_gte", Some(r.due)))
                    .filter(|r| since("start_date_gte", r.start))
                    .filter(|r| since("end_date_gte", r.end))
                    .collect();
                let order = body["order_by"].as_str().unwrap_or("id");
                let key = |r: &StandinRun| match order {
                    "-run_after" | "-execution_date" => Some(r.due),
                    "-start_date" => r.start,
                    "-end_date" => r.end,
                    other => panic!("order_by {other}"),
                };
                runs.sort_by(|a, b| key(b).cmp(&key(a)).then_with(|| a.dag.cmp(&b.dag)));
                let entries = runs
                    .into_iter()
                    .map(|r| {
                        let due = r.due.to_rfc3339();
                        let mut entry = json!({
                            "dag_id": r.dag, "dag_run_id": r.id, "state": r.state,
                            "run_type": "scheduled",
                            "start_date": r.start.map(|t| t.to_rfc3339()),
                            "end_date": r.end.map(|t| t.to_rfc3339()),
                        });
                        match version {
                            ApiVersion::V1 => entry["execution_date"] = json!(due),
                            ApiVersion::V2 => entry["run_after"] = json!(due),
                        }
                        entry
                    })
                    .collect();
                page(entries, "dag_runs")
            }
            "/dags/~/dagRuns/~/taskInstances/list" => {
                let tasks = self
                    .tasks
                    .iter()
                    .filter(|(dag, run, _, state)| {
                        let has = |field: &str, value: &str| {
                            body[field].as_array().unwrap().iter().any(|v| v == value)
                        };
                        has("dag_ids", dag) && has("dag_run_ids", run) && has("state", state)
                    })
                    .map(|(dag, run, task, state)| {
                        json!({"dag_id": dag, "dag_run_id": run, "task_id": task, "state": state})
                    })
                    .collect();
                page(tasks, "task_instances")
            }
            other => panic!("unexpected {other}"),
        }
    }
}

type Shared = Arc<Mutex<Standin>>;

fn polled(
    version: ApiVersion,
    scope: RunScope,
    standin: Standin,
) -> (crate::airflow::AirflowClient, Arc<super::Scripted>, Shared) {
    let shared: Shared = Arc::new(Mutex::new(standin));
    let platform = shared.clone();
    let (client, transport) = client(version, scope, move |r| {
        platform.lock().unwrap().answer(version, r)
    });
    (client, transport, shared)
}

fn state_of<'a>(runs: &'a [WorkflowRun], dag: &str, id: &str) -> Option<&'a WorkflowRun> {
    runs.iter().find(|r| r.dag_id == dag && r.run_id == id)
}

/// What the requests of one poll were, as `METHOD path`.
fn described(requests: &[ApiRequest]) -> Vec<String> {
    requests.iter().map(ApiRequest::describe).collect()
}

/// Polls a platform of `dags` DAGs four times, with the same changes between polls, and
/// returns the requests of each poll.
async fn requests_per_poll(dags: usize) -> Vec<Vec<ApiRequest>> {
    let (client, transport, standin) = polled(
        ApiVersion::V2,
        RunScope::default(),
        Standin::with_dags(dags),
    );
    let mut polls = Vec::new();
    let mut before = 0;
    for poll in 0..4 {
        match poll {
            2 => {
                let mut s = standin.lock().unwrap();
                s.set("dag_000", "today", "success");
                s.add("dag_004", "manual", "queued", 0, None);
            }
            3 => standin.lock().unwrap().set("dag_004", "manual", "failed"),
            _ => {}
        }
        let runs = client.runs().await.unwrap();
        assert!(state_of(&runs, "dag_003", "today").is_none(), "paused");
        let requests = sent(&transport);
        polls.push(requests[before..].to_vec());
        before = requests.len();
    }
    polls
}

#[tokio::test]
async fn a_poll_sends_as_many_requests_for_500_dags_as_for_50() {
    let small = requests_per_poll(50).await;
    let large = requests_per_poll(500).await;
    for poll in 1..4 {
        assert_eq!(
            described(&small[poll]),
            described(&large[poll]),
            "poll {poll}: the same requests"
        );
        assert!(
            small[poll].len() <= 4,
            "poll {poll}: {:?}",
            described(&small[poll])
        );
    }
    // The same every poll: a page of the DAG listing, the active runs, the runs ended
    // since, and the task instances of the running runs.
    assert_eq!(
        described(&large[1]),
        [
            "GET /dags",
            "POST /dags/~/dagRuns/list",
            "POST /dags/~/dagRuns/list",
            "POST /dags/~/dagRuns/~/taskInstances/list"
        ]
    );
    // The first poll reads the window in pages: 50 DAGs' runs of the last day fit one
    // page, 500 DAGs' five; and the whole DAG listing.
    let window = |poll: &[ApiRequest]| {
        poll.iter()
            .filter(|r| {
                r.body
                    .as_ref()
                    .is_some_and(|b| b.get("run_after_gte").is_some())
            })
            .count()
    };
    assert_eq!((window(&small[0]), window(&large[0])), (1, 5));
    let listing = |poll: &[ApiRequest]| poll.iter().filter(|r| r.path == "/dags").count();
    assert_eq!((listing(&small[0]), listing(&large[0])), (1, 5));
    assert_eq!(small[0].len(), 4, "{:?}", described(&small[0]));
    for request in large.iter().flatten() {
        assert!(
            request.path.len() <= 64,
            "{} fits MWAA's Path",
            request.path
        );
        if let (Some(body), true) = (&request.body, request.path == "/dags/~/dagRuns/list") {
            assert!(body.get("dag_ids").is_none(), "every DAG at once: {body}");
        }
    }
}

#[tokio::test]
async fn request_bodies_of_both_api_versions() {
    for (version, bound, order, due_order) in [
        (ApiVersion::V2, "run_after_gte", "-run_after", "-run_after"),
        (
            ApiVersion::V1,
            "start_date_gte",
            "-start_date",
            "-execution_date",
        ),
    ] {
        let (client, transport, _) = polled(version, RunScope::default(), Standin::with_dags(5));
        client.runs().await.unwrap();
        client.runs().await.unwrap();
        let bodies: Vec<Value> = sent(&transport)
            .into_iter()
            .filter(|r| r.path == "/dags/~/dagRuns/list")
            .map(|r| r.body.unwrap())
            .collect();
        let window = &bodies[0];
        let start: DateTime<Utc> = window[bound].as_str().unwrap().parse().unwrap();
        let hours = (Utc::now() - start).num_minutes() as f64 / 60.0;
        assert!(
            (23.9..=24.1).contains(&hours),
            "{version:?}: a day: {window}"
        );
        assert_eq!(window["order_by"], order, "{version:?}");
        assert_eq!(window["page_limit"], 100);
        assert_eq!(window.as_object().unwrap().len(), 3, "{window}");
        assert_eq!(
            bodies[1],
            json!({"states": ["queued", "running"], "order_by": due_order, "page_limit": 100})
        );
        // The second poll: the active runs, then those ended since the latest end seen
        // (the failed run's, an hour ago), less a margin.
        assert_eq!(bodies[2], bodies[1]);
        let since: DateTime<Utc> = bodies[3]["end_date_gte"].as_str().unwrap().parse().unwrap();
        let minutes = (Utc::now() - since).num_minutes();
        assert!((61..=63).contains(&minutes), "{}", bodies[3]);
        assert_eq!(bodies[3]["order_by"], "-end_date");
    }
}

#[tokio::test]
async fn runs_change_between_polls_with_their_trouble() {
    let mut standin = Standin::with_dags(6);
    // dag_004 ran last three days ago, dag_005 never.
    standin
        .runs
        .retain(|r| r.dag != "dag_004" && r.dag != "dag_005");
    standin.add("dag_004", "weekly", "failed", 72, Some(hours_ago(71)));
    standin.add(
        "dag_004",
        "week_before",
        "success",
        240,
        Some(hours_ago(239)),
    );
    let (client, transport, standin) = polled(ApiVersion::V2, RunScope::default(), standin);

    let runs = client.runs().await.unwrap();
    let ids: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r.dag_id.as_str(), r.run_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("dag_000", "today"),
            ("dag_001", "today"),
            ("dag_002", "today"),
            ("dag_004", "weekly"),
        ],
        "the window, and the last run of a DAG older than it; not a paused DAG's"
    );
    let failed = state_of(&runs, "dag_001", "today").unwrap();
    assert_eq!(failed.failure.as_deref(), Some("task load failed"));
    assert_eq!(
        state_of(&runs, "dag_002", "today").unwrap().tasks_retrying,
        1
    );
    let lookup = sent(&transport)
        .into_iter()
        .find(|r| r.body.as_ref().is_some_and(|b| b.get("dag_ids").is_some()))
        .unwrap();
    assert_eq!(
        lookup.body.unwrap(),
        json!({"dag_ids": ["dag_004", "dag_005"], "order_by": "-run_after", "page_limit": 100}),
        "one look-up for the DAGs the window left out"
    );

    {
        let mut s = standin.lock().unwrap();
        s.set("dag_000", "today", "failed");
        s.tasks
            .push(("dag_000".into(), "today".into(), "transform", "failed"));
        // An old run cleared: running again, long after it was due.
        s.set("dag_004", "weekly", "running");
        s.add("dag_005", "first", "queued", 0, None);
    }
    let before = sent(&transport).len();
    let runs = client.runs().await.unwrap();
    let now = state_of(&runs, "dag_000", "today").unwrap();
    assert_eq!(now.state, RunState::Failed);
    assert_eq!(now.failure.as_deref(), Some("task transform failed"));
    assert_eq!(
        state_of(&runs, "dag_004", "weekly").unwrap().state,
        RunState::Running
    );
    assert_eq!(
        state_of(&runs, "dag_005", "first").unwrap().state,
        RunState::Queued
    );
    assert_eq!(
        state_of(&runs, "dag_001", "today")
            .unwrap()
            .failure
            .as_deref(),
        Some("task load failed"),
        "kept without asking again"
    );
    let explained = sent(&transport)[before..]
        .iter()
        .find(|r| r.path.contains("taskInstances"))
        .and_then(|r| r.body.clone())
        .unwrap();
    assert_eq!(explained["dag_run_ids"], json!(["today", "weekly"]));
    assert_eq!(
        explained["dag_ids"],
        json!(["dag_000", "dag_002", "dag_004"])
    );

    // The cleared run ends; a run deleted while running goes.
    {
        let mut s = standin.lock().unwrap();
        s.set("dag_004", "weekly", "success");
        s.runs.retain(|r| !(r.dag == "dag_002" && r.id == "today"));
    }
    let runs = client.runs().await.unwrap();
    assert_eq!(
        state_of(&runs, "dag_004", "weekly").unwrap().state,
        RunState::Success
    );
    assert!(state_of(&runs, "dag_002", "today").is_none());
    let dags: HashSet<&str> = runs.iter().map(|r| r.dag_id.as_str()).collect();
    assert_eq!(dags.len(), 5);
}

#[tokio::test]
async fn the_first_page_is_shown_while_the_rest_is_read() {
    let (client, _, _) = polled(ApiVersion::V2, RunScope::default(), Standin::with_dags(500));
    let early: Arc<Mutex<Vec<usize>>> = Arc::default();
    let seen = early.clone();
    let runs = client
        .runs_progressively(&move |runs| seen.lock().unwrap().push(runs.len()))
        .await
        .unwrap();
    assert_eq!(
        *early.lock().unwrap(),
        [99],
        "the first page (less the paused DAG's run), once"
    );
    assert_eq!(runs.len(), 499, "the day before is outside the window");
    // A later poll reads no more pages: nothing early.
    client
        .runs_progressively(&|_| panic!("nothing early"))
        .await
        .unwrap();
}

#[tokio::test]
async fn state_filter_and_runs_per_dag() {
    let mut standin = Standin::with_dags(5);
    for hour in 3..20 {
        standin.add(
            "dag_004",
            &format!("h{hour}"),
            "success",
            hour,
            Some(hours_ago(hour)),
        );
    }
    let scope = RunScope {
        runs_per_dag: 3,
        states: Vec::new(),
    };
    let (client, transport, _) = polled(ApiVersion::V1, scope, standin);
    let runs = client.runs().await.unwrap();
    let of_4: Vec<&str> = runs
        .iter()
        .filter(|r| r.dag_id == "dag_004")
        .map(|r| r.run_id.as_str())
        .collect();
    assert_eq!(of_4, ["today", "h3", "h4"]);
    for request in sent(&transport) {
        if let Some(body) = request.body {
            assert!(
                body.get("states")
                    .is_none_or(|s| s == &json!(["queued", "running"]))
            );
        }
    }

    let failed_only = RunScope {
        runs_per_dag: 10,
        states: vec!["failed".into()],
    };
    let (client, _, _) = polled(ApiVersion::V2, failed_only, Standin::with_dags(5));
    let runs = client.runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, RunState::Failed);
}

#[tokio::test]
async fn a_failed_poll_changes_nothing_and_the_next_catches_up() {
    let failing = Arc::new(Mutex::new(false));
    let shared: Shared = Arc::new(Mutex::new(Standin::with_dags(5)));
    let (platform, fail) = (shared.clone(), failing.clone());
    let (client, _) = client(ApiVersion::V2, RunScope::default(), move |r| {
        if *fail.lock().unwrap()
            && r.body
                .as_ref()
                .is_some_and(|b| b.get("end_date_gte").is_some())
        {
            return Ok(ApiResponse {
                status: 403,
                body: json!({"detail": "Forbidden"}),
            });
        }
        platform.lock().unwrap().answer(ApiVersion::V2, r)
    });
    client.runs().await.unwrap();
    shared.lock().unwrap().set("dag_000", "today", "success");
    *failing.lock().unwrap() = true;
    assert!(client.runs().await.is_err());
    *failing.lock().unwrap() = false;
    let runs = client.runs().await.unwrap();
    assert_eq!(
        state_of(&runs, "dag_000", "today").unwrap().state,
        RunState::Success
    );
}
