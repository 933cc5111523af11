//! The Airflow client against a real Apache Airflow 3 (the PyPI `apache-airflow` pinned in
//! scripts/venv-airflow), started once per test binary by tests/emulator/airflow_server.py
//! with the DAGs of tests/emulator/dags: one that succeeds, one that fails in its middle
//! task (until its run's marker file exists) and leaves the last one `upstream_failed`, and
//! a paused one. The first is run once and the second three times before any test; the
//! tests read those runs through opsdeck's client, clear two of the failed runs (a retry of
//! the same run) and trigger new runs: over HTTP with a JWT, and through the real
//! aws-sdk-mwaa client against a stand-in for MWAA's InvokeRestApi
//! (tests/emulator/mwaa_standin.py) that forwards to the same Airflow. A missing venv or
//! an Airflow that does not start fails the tests; they never skip. Airflow stops when
//! this binary exits (its stdin closes).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use opsdeck::airflow::{
    AirflowClient, ApiRequest, ApiResponse, ApiVersion, HttpTransport, RunScope, Transport,
    encode_segment,
};
use opsdeck::aws::ErrorContext;
use opsdeck::aws::mwaa::MwaaTransport;
use opsdeck::domain::{ClearScope, ClearedTask, RunState, TaskState, WorkflowRun};
use opsdeck::source::{ErrorKind, SourceResult, WorkflowSource};
use serde_json::{Value, json};

/// How long Airflow may take to say READY (a cold start migrates its database).
const STARTUP: Duration = Duration::from_secs(120);
/// How long the test DAGs may take to finish.
const RUNS_DONE: Duration = Duration::from_secs(120);
/// How long a cleared run may take to succeed.
const RETRY_DONE: Duration = Duration::from_secs(90);

const SUCCEEDS: &str = "opsdeck_ok";
const FAILS: &str = "opsdeck_fail";
/// Short run ids, so that even the log path fits MWAA's 64 characters.
const OK_RUN: &str = "ok1";
const FAILED_RUN: &str = "fail1";
/// Failed runs of their own for the tests that clear them (over HTTP, through MWAA): the
/// other tests read `fail1`, which stays failed.
const RETRY_HTTP_RUN: &str = "fail2";
const RETRY_MWAA_RUN: &str = "fail3";
/// A DAG paused from the start: a run triggered for it stays queued and costs nothing.
const PAUSED: &str = "opsdeck_paused";
/// Every run made before the tests, by DAG.
const SETUP_RUNS: [(&str, &str); 4] = [
    (SUCCEEDS, OK_RUN),
    (FAILS, FAILED_RUN),
    (FAILS, RETRY_HTTP_RUN),
    (FAILS, RETRY_MWAA_RUN),
];

/// The Airflow of this test binary.
struct Airflow {
    /// `http://127.0.0.1:PORT`.
    url: String,
    user: String,
    password: String,
    /// Its AIRFLOW_HOME: `markers/<run_id>.ok` there makes `transform` of that run pass.
    home: PathBuf,
    _child: Child,
    /// Airflow stops when this pipe closes: when the test binary exits, however it ends.
    _stdin: ChildStdin,
}

static AIRFLOW: OnceLock<Airflow> = OnceLock::new();
static RUNS: OnceLock<()> = OnceLock::new();

/// The running Airflow with the setup runs ended.
fn airflow() -> &'static Airflow {
    let airflow = AIRFLOW.get_or_init(|| start_airflow(0));
    RUNS.get_or_init(|| run_test_dags(airflow));
    airflow
}

/// An Airflow of its own, with `load_dags` DAGs more than the test DAGs.
fn start_airflow(load_dags: usize) -> Airflow {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/airflow/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/venv-airflow (scripts/test does) to install Airflow",
        python.display()
    );
    let started = Instant::now();
    let mut child = Command::new(&python)
        .arg(root.join("tests/emulator/airflow_server.py"))
        .env("OPSDECK_AIRFLOW_LOAD_DAGS", load_dags.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // The launcher's own stderr: its start time, and the server logs if it fails.
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines, said) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let line = said.recv_timeout(STARTUP).unwrap_or_else(|_| {
        let _ = child.kill();
        panic!(
            "Airflow did not say READY within {} s (see the launcher's output above)",
            STARTUP.as_secs()
        )
    });
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["READY", url, user, password, home, ..] => {
            eprintln!("Airflow ready in {:.1} s", started.elapsed().as_secs_f64());
            Airflow {
                url: url.to_string(),
                user: user.to_string(),
                password: password.to_string(),
                home: PathBuf::from(home),
                _child: child,
                _stdin: stdin,
            }
        }
        _ => panic!("Airflow did not start: {line}"),
    }
}

/// Runs `work` on a runtime of its own, so that nothing it leaves (pooled connections)
/// belongs to the runtime of the test that happened to call it.
fn on_own_runtime<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(work)
    })
    .join()
    .unwrap_or_else(|_| panic!("setting up the DAG runs failed (see above)"))
}

/// Triggers the setup runs and waits until they have ended.
fn run_test_dags(airflow: &Airflow) {
    let (url, user, password) = (
        airflow.url.clone(),
        airflow.user.clone(),
        airflow.password.clone(),
    );
    on_own_runtime(async move {
        let rest = Rest::sign_in(&url, &user, &password).await;
        let started = Instant::now();
        for (dag, run) in SETUP_RUNS {
            rest.post(
                &format!("/dags/{dag}/dagRuns"),
                json!({"dag_run_id": run, "logical_date": null}),
            )
            .await;
        }
        for (dag, run) in SETUP_RUNS {
            loop {
                let state = rest.get(&format!("/dags/{dag}/dagRuns/{run}")).await["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if state == "success" || state == "failed" {
                    break;
                }
                assert!(
                    started.elapsed() < RUNS_DONE,
                    "{dag}/{run} still {state} after {} s",
                    RUNS_DONE.as_secs()
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        eprintln!(
            "test DAG runs ended in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    });
}

/// The test's own REST calls (triggering), apart from the client under test.
struct Rest {
    http: reqwest::Client,
    api: String,
    token: String,
}

impl Rest {
    async fn sign_in(url: &str, user: &str, password: &str) -> Rest {
        let http = reqwest::Client::new();
        let answer: Value = http
            .post(format!("{url}/auth/token"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("sign in: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("sign in: {e}"));
        Rest {
            http,
            api: format!("{url}/api/v2"),
            token: answer["access_token"]
                .as_str()
                .expect("a token")
                .to_string(),
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.api))
            .bearer_auth(&self.token)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}{path}", self.api))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }
}

/// A transport to the test Airflow over HTTP, as a self-managed environment configures it.
fn http_transport(airflow: &Airflow, password: &str, version: Option<ApiVersion>) -> HttpTransport {
    HttpTransport::new(
        &airflow.url,
        Some(airflow.user.clone()),
        Some(password.to_string()),
        Some("OPSDECK_AIRFLOW_PASSWORD".into()),
        version,
    )
}

fn http_client(scope: RunScope) -> AirflowClient {
    let airflow = airflow();
    AirflowClient::new(
        Arc::new(http_transport(airflow, &airflow.password, None)),
        scope,
    )
}

fn find<'a>(runs: &'a [WorkflowRun], dag: &str, run: &str) -> &'a WorkflowRun {
    runs.iter()
        .find(|r| r.dag_id == dag && r.run_id == run)
        .unwrap_or_else(|| panic!("{dag}/{run} not in {runs:#?}"))
}

/// What every path to Airflow must read the same: the runs with their states, the task
/// instances of the failed run, and the log tail of its failed try.
async fn reads_the_test_runs(client: &AirflowClient) {
    let runs = client.runs().await.unwrap_or_else(|e| panic!("{e}"));
    let ok = find(&runs, SUCCEEDS, OK_RUN);
    assert_eq!(ok.state, RunState::Success);
    assert_eq!(ok.run_type, "manual");
    assert!(ok.logical_date.is_some(), "run_after stands in: {ok:?}");
    assert!(ok.started_at.is_some() && ok.ended_at.is_some(), "{ok:?}");
    assert_eq!(ok.failure, None);
    let failed = find(&runs, FAILS, FAILED_RUN);
    assert_eq!(failed.state, RunState::Failed);
    assert_eq!(failed.failure.as_deref(), Some("task transform failed"));
    assert!(failed.since() >= failed.started_at);

    let tasks = client
        .task_instances(FAILS, FAILED_RUN)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let summary: Vec<(&str, &TaskState, u32, u32)> = tasks
        .iter()
        .map(|t| (t.task_id.as_str(), &t.state, t.try_number, t.max_tries))
        .collect();
    assert_eq!(
        summary,
        [
            ("extract", &TaskState::Success, 1, 1),
            ("transform", &TaskState::Failed, 1, 1),
            ("load", &TaskState::UpstreamFailed, 0, 1),
        ]
    );
    assert!(tasks.iter().all(|t| t.operator == "@task"), "{tasks:?}");
    assert!(tasks[1].started_at.is_some() && tasks[1].ended_at.is_some());

    let log = client
        .task_log(FAILS, FAILED_RUN, "transform", 1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        log.contains("ValueError: opsdeck test failure: 3 rows rejected, marker missing"),
        "{log}"
    );
    assert!(log.lines().count() <= 40, "a tail: {log}");
}

#[tokio::test]
async fn self_managed_airflow_3_runs_tasks_and_log() {
    reads_the_test_runs(&http_client(RunScope::default())).await;
}

#[tokio::test]
async fn state_filter_and_runs_per_dag() {
    let failed_only = http_client(RunScope {
        runs_per_dag: 5,
        states: vec!["failed".into()],
    });
    let runs = failed_only.runs().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(runs.iter().all(|r| r.state == RunState::Failed), "{runs:?}");
    assert!(runs.iter().any(|r| r.run_id == FAILED_RUN));

    let one_each = http_client(RunScope {
        runs_per_dag: 1,
        states: Vec::new(),
    });
    let runs = one_each.runs().await.unwrap_or_else(|e| panic!("{e}"));
    // The chain test's DAGs run beside this one: they are not counted.
    let dags: Vec<&str> = runs
        .iter()
        .map(|r| r.dag_id.as_str())
        .filter(|d| !d.starts_with("opsdeck_chain"))
        .collect();
    assert_eq!(dags.len(), 2, "{dags:?}");
    assert!(dags.contains(&SUCCEEDS) && dags.contains(&FAILS));
}

/// A transport that records every request it passes on.
struct Recording<T> {
    inner: T,
    sent: Arc<Mutex<Vec<ApiRequest>>>,
}

#[async_trait::async_trait]
impl<T: Transport> Transport for Recording<T> {
    async fn api_version(&self) -> SourceResult<ApiVersion> {
        self.inner.api_version().await
    }
    async fn send(&self, request: &ApiRequest) -> SourceResult<ApiResponse> {
        self.sent.lock().unwrap().push(request.clone());
        self.inner.send(request).await
    }
    fn access_hint(&self) -> String {
        self.inner.access_hint()
    }
}

#[tokio::test]
async fn a_poll_asks_for_the_runs_of_every_dag_at_once() {
    let airflow = airflow();
    let sent: Arc<Mutex<Vec<ApiRequest>>> = Arc::default();
    let client = AirflowClient::new(
        Arc::new(Recording {
            inner: http_transport(airflow, &airflow.password, None),
            sent: sent.clone(),
        }),
        RunScope::default(),
    );
    let runs = client.runs().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&runs, SUCCEEDS, OK_RUN).state, RunState::Success);
    let failed = find(&runs, FAILS, FAILED_RUN);
    assert_eq!(failed.failure.as_deref(), Some("task transform failed"));
    assert!(runs.iter().all(|r| r.dag_id != PAUSED), "{runs:?}");
    let first = sent.lock().unwrap().len();
    let again = client.runs().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&again, FAILS, FAILED_RUN).failure, failed.failure);
    assert_eq!(find(&again, SUCCEEDS, OK_RUN).state, RunState::Success);

    let requests = sent.lock().unwrap().clone();
    let listings: Vec<&Value> = requests
        .iter()
        .filter(|r| r.path == "/dags/~/dagRuns/list")
        .filter_map(|r| r.body.as_ref())
        .collect();
    for body in &listings {
        assert!(body.get("dag_ids").is_none(), "every DAG at once: {body}");
        assert_eq!(body["page_limit"], 100, "{body}");
    }
    // The first poll: the window of a day, newest first; the active runs.
    let window = listings[0];
    assert_eq!(window["order_by"], "-run_after");
    let start: chrono::DateTime<chrono::Utc> = window["run_after_gte"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("a bound: {window}"));
    let hours = (chrono::Utc::now() - start).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.1).contains(&hours), "{window}");
    assert_eq!(listings[1]["states"], json!(["queued", "running"]));
    // The second: a page of DAGs, the active runs, the runs ended since, and the task
    // instances of what runs (the other tests clear and trigger runs meanwhile).
    let second: Vec<String> = requests[first..].iter().map(ApiRequest::describe).collect();
    assert!(second.len() <= 4, "{second:?}");
    assert_eq!(
        second[..3],
        [
            "GET /dags",
            "POST /dags/~/dagRuns/list",
            "POST /dags/~/dagRuns/list"
        ]
    );
    assert_eq!(listings.last().unwrap()["order_by"], "-end_date");
}

#[tokio::test]
async fn the_api_version_is_asked_of_the_server() {
    let airflow = airflow();
    let transport = http_transport(airflow, &airflow.password, None);
    assert_eq!(transport.api_version().await.ok(), Some(ApiVersion::V2));
}

#[tokio::test]
async fn task_without_a_try_and_unknown_run() {
    let client = http_client(RunScope::default());
    let error = client
        .task_log(FAILS, FAILED_RUN, "load", 0)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    let error = client
        .task_log(FAILS, "no_such_run", "transform", 1)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    let tasks = client.task_instances(FAILS, "no_such_run").await;
    assert_eq!(tasks.ok(), Some(Vec::new()));
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_with_a_hint() {
    let airflow = airflow();
    let client = AirflowClient::new(
        Arc::new(http_transport(airflow, "not-the-password", None)),
        RunScope::default(),
    );
    let error = client.runs().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth, "{error}");
    assert!(
        error
            .message
            .starts_with("Airflow refused user `opsdeck` at /auth/token"),
        "{error}"
    );
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("$OPSDECK_AIRFLOW_PASSWORD")),
        "{error:?}"
    );
}

#[tokio::test]
async fn missing_password_says_which_variable_to_set() {
    let airflow = airflow();
    let transport = HttpTransport::new(
        &airflow.url,
        Some(airflow.user.clone()),
        None,
        Some("OPSDECK_AIRFLOW_PASSWORD".into()),
        Some(ApiVersion::V2),
    );
    let error = AirflowClient::new(Arc::new(transport), RunScope::default())
        .runs()
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    assert_eq!(error.message, "Airflow: no password for user `opsdeck`");
    assert_eq!(
        error.hint.as_deref(),
        Some("export OPSDECK_AIRFLOW_PASSWORD with the password of `opsdeck`")
    );
}

#[tokio::test]
async fn an_airflow_that_is_not_there_is_unreachable() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let transport = HttpTransport::new(&format!("http://127.0.0.1:{port}"), None, None, None, None);
    let error = AirflowClient::new(Arc::new(transport), RunScope::default())
        .runs()
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unreachable, "{error}");
    assert!(error.message.contains("cannot connect"), "{error}");
}

// --- Actions: clear (a retry of the same run) and trigger (a new run).

/// The test's own REST client to the test Airflow.
async fn rest() -> Rest {
    let airflow = airflow();
    Rest::sign_in(&airflow.url, &airflow.user, &airflow.password).await
}

/// Removes the cause of `transform`'s failure in one run.
fn remove_the_cause(run: &str) {
    let marker = airflow().home.join("markers").join(format!("{run}.ok"));
    std::fs::write(&marker, b"").unwrap_or_else(|e| panic!("{}: {e}", marker.display()));
}

/// The state of a run as Airflow has it.
async fn run_state(rest: &Rest, dag: &str, run: &str) -> String {
    rest.get(&format!("/dags/{dag}/dagRuns/{}", encode_segment(run)))
        .await["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Waits until a cleared run has succeeded; fails the test if it fails again or takes
/// longer than [`RETRY_DONE`].
async fn succeeds(rest: &Rest, dag: &str, run: &str) {
    let started = Instant::now();
    loop {
        let state = run_state(rest, dag, run).await;
        match state.as_str() {
            "success" => break,
            "failed" => panic!("{dag}/{run} failed again after the clear"),
            _ => {}
        }
        assert!(
            started.elapsed() < RETRY_DONE,
            "{dag}/{run} still {state} {} s after the clear",
            RETRY_DONE.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    eprintln!(
        "{dag}/{run} succeeded {:.1} s after the clear",
        started.elapsed().as_secs_f64()
    );
}

/// Cleared task instances as `(task_id, state)`, sorted: Airflow answers in no set order.
fn summary(tasks: &[ClearedTask]) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = tasks
        .iter()
        .map(|t| (t.task_id.as_str(), t.state.as_str()))
        .collect();
    pairs.sort();
    pairs
}

/// What every path to Airflow must do the same: preview the clear of a failed run (the
/// failed and upstream-failed task instances, nothing changed), remove the cause, clear,
/// and see the same run succeed with the cleared tasks run again.
async fn retries_a_failed_run(client: &AirflowClient, run: &str) {
    let rest = rest().await;
    let before = client
        .task_instances(FAILS, run)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let preview = client
        .clear(FAILS, run, &ClearScope::Failed, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        summary(&preview),
        [("load", "upstream_failed"), ("transform", "failed")]
    );
    // A dry run changes nothing, even a moment later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = client
        .task_instances(FAILS, run)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after, before, "the dry run changed the task instances");
    assert_eq!(run_state(&rest, FAILS, run).await, "failed");

    remove_the_cause(run);
    let done = client
        .clear(FAILS, run, &ClearScope::Failed, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Airflow 3 answers a real clear with the states it has just reset.
    assert_eq!(
        summary(&done),
        [("load", "no_status"), ("transform", "no_status")]
    );
    succeeds(&rest, FAILS, run).await;
    let tasks = client
        .task_instances(FAILS, run)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let summary: Vec<(&str, &TaskState, u32)> = tasks
        .iter()
        .map(|t| (t.task_id.as_str(), &t.state, t.try_number))
        .collect();
    assert_eq!(
        summary,
        [
            ("extract", &TaskState::Success, 1),
            ("transform", &TaskState::Success, 2),
            ("load", &TaskState::Success, 1),
        ],
        "the same run, its cleared tasks run again"
    );
    let nothing_left = client
        .clear(FAILS, run, &ClearScope::Failed, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(nothing_left, []);
}

#[tokio::test]
async fn retry_previews_then_clears_and_the_run_succeeds() {
    retries_a_failed_run(&http_client(RunScope::default()), RETRY_HTTP_RUN).await;
}

#[tokio::test]
async fn clear_of_one_task_previews_it_and_its_downstream() {
    let client = http_client(RunScope::default());
    let before = client
        .task_instances(FAILS, FAILED_RUN)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let task = |task_id: &str, downstream| ClearScope::Task {
        task_id: task_id.into(),
        downstream,
    };
    let preview = client
        .clear(FAILS, FAILED_RUN, &task("extract", true), true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        summary(&preview),
        [
            ("extract", "success"),
            ("load", "upstream_failed"),
            ("transform", "failed"),
        ]
    );
    let preview = client
        .clear(FAILS, FAILED_RUN, &task("extract", false), true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary(&preview), [("extract", "success")]);

    let error = client
        .clear(FAILS, FAILED_RUN, &task("ghost", true), true)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    let error = client
        .clear(FAILS, "no_such_run", &ClearScope::Failed, true)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    assert_eq!(
        error.message,
        "Airflow: POST /dags/opsdeck_fail/clearTaskInstances answered 404: Dag Run id no_such_run not found in dag opsdeck_fail"
    );
    let error = client
        .clear("no_such_dag", FAILED_RUN, &ClearScope::Failed, true)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");

    let after = client
        .task_instances(FAILS, FAILED_RUN)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after, before, "dry runs changed the task instances");
}

/// The run a trigger's outcome names ("new run RUN_ID of DAG queued").
fn new_run_of(message: &str, dag: &str) -> String {
    let words: Vec<&str> = message.split_whitespace().collect();
    match words.as_slice() {
        ["new", "run", run, "of", of, "queued"] if *of == dag => run.to_string(),
        _ => panic!("unexpected outcome: {message}"),
    }
}

#[tokio::test]
async fn trigger_makes_a_new_run() {
    let client = http_client(RunScope::default());
    let outcome = client
        .trigger(SUCCEEDS)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let run = new_run_of(&outcome.message, SUCCEEDS);
    assert!(run.starts_with("manual__"), "{run}");
    assert_eq!(
        outcome.created.as_deref(),
        Some(run.as_str()),
        "the new run is named, to be followed"
    );
    assert_ne!(run, OK_RUN);
    let answer = rest()
        .await
        .get(&format!(
            "/dags/{SUCCEEDS}/dagRuns/{}",
            encode_segment(&run)
        ))
        .await;
    assert_eq!(answer["run_type"], "manual");
    assert_eq!(answer["logical_date"], Value::Null);
    let runs = client.runs().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&runs, SUCCEEDS, &run).run_type, "manual");

    let error = client.trigger("no_such_dag").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
}

// --- MWAA: the same Airflow behind a stand-in for InvokeRestApi, through aws-sdk-mwaa.

/// The MWAA environment name the stand-in answers to.
const MWAA_ENVIRONMENT: &str = "opsdeck-test";

/// A stand-in for MWAA's InvokeRestApi and GetEnvironment in front of the test Airflow.
struct MwaaStandin {
    /// `http://127.0.0.1:PORT`.
    url: String,
    child: Child,
    _stdin: ChildStdin,
}

impl Drop for MwaaStandin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stand-in of its own for one test; the first `faults` InvokeRestApi calls answer as
/// an Airflow 503 would.
fn mwaa_standin(faults: u32) -> MwaaStandin {
    let airflow = airflow();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(root.join(".venv/airflow/bin/python"))
        .arg(root.join("tests/emulator/mwaa_standin.py"))
        .args([
            &airflow.url,
            &airflow.user,
            &airflow.password,
            MWAA_ENVIRONMENT,
            &faults.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the MWAA stand-in: {e}"));
    let stdin = child.stdin.take().expect("piped stdin");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("MWAA stand-in: {e}"));
    let url = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["READY", url] => url.to_string(),
        _ => panic!("the MWAA stand-in did not start: {line:?}"),
    };
    MwaaStandin {
        url,
        child,
        _stdin: stdin,
    }
}

/// Answers 127.0.0.1 for every name: the SDK puts `env.` (InvokeRestApi) or `api.`
/// (GetEnvironment) before the endpoint's host, and those hosts must reach the stand-in.
#[derive(Debug, Clone)]
struct Loopback;

impl aws_smithy_runtime_api::client::dns::ResolveDns for Loopback {
    fn resolve_dns<'a>(
        &'a self,
        _name: &'a str,
    ) -> aws_smithy_runtime_api::client::dns::DnsFuture<'a> {
        aws_smithy_runtime_api::client::dns::DnsFuture::ready(Ok(vec![std::net::IpAddr::V4(
            std::net::Ipv4Addr::LOCALHOST,
        )]))
    }
}

/// The real MWAA client, signed with test credentials, reaching the stand-in.
fn mwaa_sdk_client(standin: &MwaaStandin) -> aws_sdk_mwaa::Client {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_with_resolver(Loopback);
    let config = aws_sdk_mwaa::Config::builder()
        .behavior_version(aws_sdk_mwaa::config::BehaviorVersion::latest())
        .region(aws_sdk_mwaa::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_mwaa::config::Credentials::new(
            "AKIDOPSDECKTEST",
            "secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(standin.url.replace("127.0.0.1", "mwaa.localhost"))
        .http_client(http)
        .build();
    aws_sdk_mwaa::Client::from_conf(config)
}

fn mwaa_transport(standin: &MwaaStandin, environment: &str) -> MwaaTransport {
    MwaaTransport::new(
        mwaa_sdk_client(standin),
        environment.to_string(),
        ErrorContext::new("MWAA", Some("data-prod".into())),
        None,
    )
}

#[tokio::test]
async fn mwaa_invoke_rest_api_runs_tasks_and_log() {
    let standin = mwaa_standin(0);
    let transport = mwaa_transport(&standin, MWAA_ENVIRONMENT);
    assert_eq!(
        transport.api_version().await.ok(),
        Some(ApiVersion::V2),
        "GetEnvironment's AirflowVersion 3.x"
    );
    let client = AirflowClient::new(Arc::new(transport), RunScope::default());
    reads_the_test_runs(&client).await;
}

#[tokio::test]
async fn mwaa_airflow_server_errors_are_retried_then_reported() {
    let standin = mwaa_standin(2);
    let client = AirflowClient::new(
        Arc::new(mwaa_transport(&standin, MWAA_ENVIRONMENT)),
        RunScope::default(),
    )
    .with_retry_delay(Duration::from_millis(10));
    let tasks = client.task_instances(FAILS, FAILED_RUN).await;
    assert_eq!(
        tasks.map(|t| t.len()).ok(),
        Some(3),
        "two 503s, then the answer"
    );

    let standin = mwaa_standin(10);
    let client = AirflowClient::new(
        Arc::new(mwaa_transport(&standin, MWAA_ENVIRONMENT)),
        RunScope::default(),
    )
    .with_retry_delay(Duration::from_millis(10));
    let error = client.task_instances(FAILS, FAILED_RUN).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unreachable);
    assert_eq!(
        error.message,
        "Airflow: POST /dags/~/dagRuns/~/taskInstances/list answered 503: stand-in fault: service unavailable"
    );
}

#[tokio::test]
async fn mwaa_client_errors_long_paths_and_unknown_environments() {
    let standin = mwaa_standin(0);
    let client = AirflowClient::new(
        Arc::new(mwaa_transport(&standin, MWAA_ENVIRONMENT)),
        RunScope::default(),
    );
    // Airflow's 404 comes back as a RestApiClientException carrying it.
    let error = client.task_log(SUCCEEDS, "x", "load", 1).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    assert!(error.message.contains("answered 404"), "{error}");

    let error = client
        .task_log(
            FAILS,
            "scheduled__2026-01-01T00:00:00+00:00",
            "transform",
            1,
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert!(error.message.contains("at most 64"), "{error}");
    assert_eq!(
        error.hint.as_deref(),
        Some(
            "open it in the Airflow UI, or in CloudWatch Logs (log group airflow-opsdeck-test-Task)"
        )
    );

    let client = AirflowClient::new(
        Arc::new(mwaa_transport(&standin, "no-such-environment")),
        RunScope::default(),
    );
    let error = client.runs().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    assert!(
        error.message.starts_with("MWAA: ResourceNotFoundException"),
        "{error}"
    );
}

#[tokio::test]
async fn mwaa_retry_previews_then_clears_and_the_run_succeeds() {
    let standin = mwaa_standin(0);
    let client = AirflowClient::new(
        Arc::new(mwaa_transport(&standin, MWAA_ENVIRONMENT)),
        RunScope::default(),
    );
    retries_a_failed_run(&client, RETRY_MWAA_RUN).await;
}

#[tokio::test]
async fn mwaa_trigger_makes_new_runs_and_long_dag_ids_are_refused() {
    let standin = mwaa_standin(0);
    let client = AirflowClient::new(
        Arc::new(mwaa_transport(&standin, MWAA_ENVIRONMENT)),
        RunScope::default(),
    );
    // Airflow 3's `logical_date: null` survives the SDK's document and the envelope.
    let first = new_run_of(
        &client
            .trigger(PAUSED)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .message,
        PAUSED,
    );
    let second = new_run_of(
        &client
            .trigger(PAUSED)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .message,
        PAUSED,
    );
    assert_ne!(first, second, "each trigger is a new run");
    let rest = rest().await;
    for run in [&first, &second] {
        assert_eq!(run_state(&rest, PAUSED, run).await, "queued", "{run}");
    }

    // `/dags/{id}/clearTaskInstances` with a 40-character DAG id is 65 characters.
    let long = "d".repeat(40);
    let error = client
        .clear(&long, FAILED_RUN, &ClearScope::Failed, true)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Rejected, "{error}");
    assert!(error.message.contains("at most 64"), "{error}");
    assert_eq!(
        error.hint.as_deref(),
        Some("the DAG id is too long for InvokeRestApi: do it in the Airflow UI")
    );
}

/// The requests of the Airflow tab, counted by the api-server's access log, on a platform
/// of `dags` DAGs (and the test DAGs) whose runs have all ended: the first poll, a minute
/// with the tab visible, a minute with it hidden, at the default intervals.
async fn requests_per_minute(
    url: String,
    user: String,
    password: String,
    home: PathBuf,
    dags: usize,
) -> String {
    use opsdeck::app::{Msg, Payload};
    use opsdeck::config::Polling;
    use opsdeck::demo::{DemoOptions, DemoPlatform};
    use opsdeck::poll::{Cadence, Poller};
    use opsdeck::source::SourceKind;

    let rest = Rest::sign_in(&url, &user, &password).await;
    for i in 0..dags {
        rest.post(
            &format!("/dags/opsdeck_load_{i:03}/dagRuns"),
            json!({"logical_date": null}),
        )
        .await;
    }
    let started = Instant::now();
    loop {
        let active = rest
            .post(
                "/dags/~/dagRuns/list",
                json!({"states": ["queued", "running"], "page_limit": 1}),
            )
            .await;
        if active["total_entries"] == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "{active}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let log = home.join("logs/api-server.log");
    let count = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("[http.access]") && l.contains(" path=/api/v2/"))
            .count()
    };
    let polling = Polling::default();
    let cadence = Cadence {
        background: polling.workflow,
        visible: polling.visible,
        max_backoff: polling.max_backoff,
    };
    let client = AirflowClient::new(
        Arc::new(HttpTransport::new(
            &url,
            Some(user),
            Some(password),
            None,
            None,
        )),
        RunScope::default(),
    );
    let mut sources = DemoPlatform::new(DemoOptions::default()).sources();
    sources.workflow = Arc::new(client);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let before = count();
    let poller = Poller::spawn(SourceKind::Workflow, sources, cadence, tx);
    poller.set_visible(true);
    // The first poll ends with the answer after which the poller goes quiet (an early
    // answer is followed at once by the rest of the read).
    let (mut shown, mut early) = (None, Vec::new());
    loop {
        let quiet = Duration::from_secs(if shown.is_some() { 2 } else { 120 });
        match tokio::time::timeout(quiet, rx.recv()).await {
            Ok(Some(Msg::Fetched { result, .. })) => {
                let Payload::Runs(runs) = result.unwrap_or_else(|e| panic!("{e}")) else {
                    panic!("not runs")
                };
                early.extend(shown.replace(runs.len()));
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the poller stopped"),
            Err(_) => break,
        }
    }
    let shown = shown.expect("an answer");
    let first = count() - before;
    let mut minute = async |visible: bool| {
        poller.set_visible(visible);
        let from = count();
        let end = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut polls = 0;
        while let Ok(Some(msg)) = tokio::time::timeout_at(end, rx.recv()).await {
            if let Msg::Fetched { result, .. } = msg {
                result.unwrap_or_else(|e| panic!("{e}"));
                polls += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        (count() - from, polls)
    };
    let (visible, visible_polls) = minute(true).await;
    let (hidden, hidden_polls) = minute(false).await;
    format!(
        "{dags} DAGs (+3 test DAGs): first poll {first} requests, {shown} runs shown \
         (early: {early:?}); tab visible {visible} requests/min ({visible_polls} polls); \
         tab hidden {hidden} requests/min ({hidden_polls} polls)"
    )
}

/// Measures what docs/performance.md reports: run by hand with
/// `cargo test --test airflow requests_per_minute -- --ignored --nocapture`.
#[test]
#[ignore = "two Airflows and four minutes of polling: run by hand (docs/performance.md)"]
fn requests_per_minute_of_the_airflow_tab_at_50_and_500_dags() {
    let mut reports = Vec::new();
    for dags in [50, 500] {
        let airflow = start_airflow(dags);
        let (url, user, password, home) = (
            airflow.url.clone(),
            airflow.user.clone(),
            airflow.password.clone(),
            airflow.home.clone(),
        );
        reports.push(on_own_runtime(requests_per_minute(
            url, user, password, home, dags,
        )));
        drop(airflow);
    }
    for report in &reports {
        eprintln!("{report}");
    }
}

// --- The night's chain: one recovery plan across two DAGs.

/// The upstream DAG of the chain: fails until its run's marker exists.
const CHAIN_UP: &str = "opsdeck_chain_up";
/// The downstream DAG: fails through its sensor while the upstream is red.
const CHAIN_DOWN: &str = "opsdeck_chain_down";

/// The chain's platform has only Airflow: no replication task.
struct NoTasks;

#[async_trait::async_trait]
impl opsdeck::source::ReplicationSource for NoTasks {
    async fn tasks(&self) -> SourceResult<Vec<opsdeck::domain::ReplicationTask>> {
        Ok(Vec::new())
    }
    async fn table_statistics(
        &self,
        _: &str,
    ) -> SourceResult<Vec<opsdeck::domain::TableStatistics>> {
        Ok(Vec::new())
    }
    async fn task_settings(&self, task_id: &str) -> SourceResult<opsdeck::domain::TaskSettings> {
        Err(opsdeck::source::SourceError::new(
            ErrorKind::NotFound,
            task_id,
        ))
    }
}

/// Waits until a run has ended, and checks how.
async fn ends(rest: &Rest, dag: &str, run: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let state = run_state(rest, dag, run).await;
        if state == "success" || state == "failed" {
            assert_eq!(state, expected, "{dag}/{run}");
            return;
        }
        assert!(
            started.elapsed() < RUNS_DONE,
            "{dag}/{run} still {state} after {} s",
            RUNS_DONE.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Two DAGs run as one night: the first fails, the second fails through its sensor on the
/// first. With the cause removed, the recovery plan clears the first, waits until it has
/// recovered, then clears the second, and both succeed.
#[tokio::test]
async fn a_recovery_plan_clears_a_chain_of_two_dags_in_order() {
    use opsdeck::actions::actor::Actor;
    use opsdeck::actions::audit::{AuditLog, Interface};
    use opsdeck::cli::recover::{Request, recover};
    use opsdeck::cli::retry::{Confirm, Wait};
    use opsdeck::domain::{PipelineDefinition, StageDefinition, StageSelector};

    let rest = rest().await;
    let run = format!("chain{}", std::process::id());
    for dag in [CHAIN_UP, CHAIN_DOWN] {
        rest.post(
            &format!("/dags/{dag}/dagRuns"),
            json!({"dag_run_id": run, "logical_date": null}),
        )
        .await;
    }
    ends(&rest, CHAIN_UP, &run, "failed").await;
    ends(&rest, CHAIN_DOWN, &run, "failed").await;
    remove_the_cause(&run);

    let demo = opsdeck::demo::DemoPlatform::frozen(7, chrono::Utc::now()).sources();
    let sources = opsdeck::source::Sources {
        replication: Arc::new(NoTasks),
        workflow: Arc::new(http_client(RunScope::default())),
        clock: Arc::new(opsdeck::source::SystemClock),
        ..demo
    };
    let dir = std::env::temp_dir().join(format!("opsdeck-chain-{}", std::process::id()));
    let audit = AuditLog::open(&dir.join("audit.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let actor = Actor {
        sources,
        environment: "airflow-test".into(),
        read_only: false,
        read_only_by_flag: false,
        audit: Some(Arc::new(audit)),
        interface: Interface::Cli,
    };
    let stage = |name: &str, dag: &str| StageDefinition {
        name: name.into(),
        selector: StageSelector::Workflow { dag_id: dag.into() },
        cost: None,
    };
    let pipelines = vec![PipelineDefinition {
        name: "chain".into(),
        stages: vec![stage("up", CHAIN_UP), stage("down", CHAIN_DOWN)],
    }];
    let request = Request {
        pipelines: &pipelines,
        pipeline: Some("chain"),
        include_stale: false,
        wait: Wait {
            limit: Duration::from_secs(240),
            pause: Duration::from_secs(1),
        },
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let confirm = Confirm {
        yes: true,
        input: None,
    };
    let code = recover(&actor, &request, confirm, &mut out, &mut err)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (out, err) = (
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    // The plan names both clears, with the sensor among the second's task instances.
    assert!(out.contains("wait_for_up (failed)"), "{out}");
    let first = out
        .find("step 1/2: up · clear the failed tasks of opsdeck_chain_up/")
        .unwrap_or_else(|| panic!("{out}"));
    let up_recovered = out
        .find(&format!("✔ opsdeck_chain_up/{run} recovered"))
        .unwrap_or_else(|| panic!("{out}"));
    let second = out
        .find("step 2/2: down · clear the failed tasks of opsdeck_chain_down/")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        first < up_recovered && up_recovered < second,
        "the second is cleared once the first recovered:\n{out}"
    );
    assert!(out.contains("✔ chain recovered: 2 step(s)"), "{out}");
    for dag in [CHAIN_UP, CHAIN_DOWN] {
        assert_eq!(run_state(&rest, dag, &run).await, "success", "{dag}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
