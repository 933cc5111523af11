//! The AWS adapters through the real SDK over HTTP, against moto's server (the PyPI
//! `moto[server]` pinned in scripts/venv-moto) with the test shim of
//! tests/emulator/moto_server.py: DMS tasks and their paging, starting a task, Cost
//! Explorer results (daily, and a grouped monthly query through the disk cache), and the
//! Redshift Data statement flow. The server is started once per test binary and
//! stops when the binary exits; a missing venv or a server that does not start fails the
//! tests, it never skips them. Each test works in its own region (DMS), its own moto
//! account (Cost Explorer's queued results) or with its own names, so they run in parallel
//! without seeing each other's resources.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_costexplorer as ce;
use aws_sdk_databasemigration as dms;
use aws_sdk_redshiftdata as rsd;
use chrono::{NaiveDate, Utc};
use opsdeck::aws::ErrorContext;
use opsdeck::aws::cost::{CachedCost, CostExplorer, DEFAULT_TTL, UNTAGGED};
use opsdeck::aws::dms::Dms;
use opsdeck::aws::redshift::Redshift;
use opsdeck::config::{CostConfig, DmsConfig, RedshiftAuth, RedshiftConfig, RedshiftTarget};
use opsdeck::domain::cost::{CostFilter, CostQuery, Granularity, GroupBy, Metric};
use opsdeck::domain::{Health, MigrationType, StartMode, StatementState, TaskStatus};
use opsdeck::source::{CostSource, ErrorKind, ReplicationSource, WarehouseSource};
use rust_decimal::Decimal;

/// How long the server may take to say READY (a cold venv imports a lot).
const STARTUP: Duration = Duration::from_secs(30);

/// moto's server for this test binary.
struct MotoServer {
    /// `http://127.0.0.1:PORT`.
    url: String,
    child: Child,
    /// The server stops when this pipe closes: when the test binary exits, however it ends.
    _stdin: ChildStdin,
}

impl Drop for MotoServer {
    // A static is never dropped: the closed stdin is what stops the server at exit. This
    // covers a server that is dropped before then.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static MOTO: OnceLock<MotoServer> = OnceLock::new();

/// The running server, started on first use.
fn moto() -> &'static MotoServer {
    MOTO.get_or_init(start_moto)
}

fn start_moto() -> MotoServer {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/moto/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/venv-moto (scripts/test does) to install moto",
        python.display()
    );
    let mut child = Command::new(&python)
        .arg(root.join("tests/emulator/moto_server.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");

    // moto logs tracebacks of operations it lacks: kept for a failure message, not shown.
    let said = Arc::new(Mutex::new(String::new()));
    let log = Arc::clone(&said);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            if log.len() < 64 * 1024 {
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    let (ready, first_line) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = ready.send(line);
    });

    let line = first_line.recv_timeout(STARTUP).unwrap_or_default();
    match line.trim().strip_prefix("READY ") {
        Some(url) => MotoServer {
            url: url.to_string(),
            child,
            _stdin: stdin,
        },
        None => {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "moto's server did not say READY within {} s (it said {line:?}); its stderr:\n{}",
                STARTUP.as_secs(),
                said.lock().unwrap_or_else(|p| p.into_inner())
            );
        }
    }
}

impl MotoServer {
    /// One plain HTTP/1.1 request to the server; returns the status and the body.
    fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let host = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).expect("connect to moto");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send to moto");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("moto's answer");
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|status| status.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// POSTs JSON to one of moto's own endpoints (`/moto-api/...`); returns the status.
    fn post_json(&self, path: &str, body: &serde_json::Value) -> u16 {
        self.request("POST", path, &body.to_string()).0
    }

    /// The request bodies of one DMS operation that the shim kept, oldest first
    /// (`GET /opsdeck-shim/requests/<Operation>`).
    fn recorded_requests(&self, operation: &str) -> Vec<serde_json::Value> {
        let (status, body) =
            self.request("GET", &format!("/opsdeck-shim/requests/{operation}"), "");
        assert_eq!(
            status, 200,
            "the shim keeps no {operation} requests: {body}"
        );
        let answer: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("the shim's answer is not JSON ({e}): {body:?}"));
        answer["requests"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no request list in {answer}"))
    }
}

/// The SDK configuration of a test: moto's endpoint, static test credentials, plain HTTP,
/// and the standard retries with short pauses.
async fn sdk_config(region: &'static str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region))
        .endpoint_url(&moto().url)
        .credentials_provider(dms::config::Credentials::new(
            "AKIAOPSDECKTESTS",
            "moto-does-not-check",
            None,
            None,
            "opsdeck-moto-tests",
        ))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(10)))
        .load()
        .await
}

fn context(service: &'static str) -> ErrorContext {
    ErrorContext::new(service, None)
}

/// Classic tasks only: moto 5.2 has no DMS Serverless (DescribeReplications).
fn classic_tasks(patterns: &[&str]) -> DmsConfig {
    DmsConfig {
        tasks: patterns.iter().map(|p| p.to_string()).collect(),
        serverless: false,
    }
}

/// A replication instance and its two endpoints, as a task needs; returns their ARNs
/// (instance, source, target).
async fn dms_plumbing(client: &dms::Client, name: &str) -> (String, String, String) {
    let instance = client
        .create_replication_instance()
        .replication_instance_identifier(format!("{name}-instance"))
        .replication_instance_class("dms.t3.medium")
        .send()
        .await
        .expect("CreateReplicationInstance");
    let instance_arn = instance
        .replication_instance()
        .and_then(|i| i.replication_instance_arn())
        .expect("instance ARN")
        .to_string();
    let mut endpoints = Vec::new();
    for (kind, engine) in [
        (dms::types::ReplicationEndpointTypeValue::Source, "postgres"),
        (dms::types::ReplicationEndpointTypeValue::Target, "redshift"),
    ] {
        let endpoint = client
            .create_endpoint()
            .endpoint_identifier(format!("{name}-{}", kind.as_str()))
            .endpoint_type(kind)
            .engine_name(engine)
            .server_name("db.internal")
            .port(5432)
            .database_name("app")
            .username("replicator")
            .password("secret")
            .send()
            .await
            .expect("CreateEndpoint");
        endpoints.push(
            endpoint
                .endpoint()
                .and_then(|e| e.endpoint_arn())
                .expect("endpoint ARN")
                .to_string(),
        );
    }
    let target = endpoints.pop().unwrap_or_default();
    let source = endpoints.pop().unwrap_or_default();
    (instance_arn, source, target)
}

/// Creates one task; returns its ARN.
async fn create_task(
    client: &dms::Client,
    plumbing: &(String, String, String),
    id: &str,
    migration_type: dms::types::MigrationTypeValue,
) -> String {
    let (instance, source, target) = plumbing;
    client
        .create_replication_task()
        .replication_task_identifier(id)
        .replication_instance_arn(instance)
        .source_endpoint_arn(source)
        .target_endpoint_arn(target)
        .migration_type(migration_type)
        .table_mappings(r#"{"rules":[]}"#)
        .send()
        .await
        .expect("CreateReplicationTask")
        .replication_task()
        .and_then(|t| t.replication_task_arn())
        .expect("task ARN")
        .to_string()
}

#[tokio::test]
async fn dms_lists_every_task_past_the_first_hundred() {
    let config = sdk_config("eu-west-1").await;
    let client = dms::Client::new(&config);
    let plumbing = dms_plumbing(&client, "paging").await;
    for n in 1..=150 {
        let id = format!("orders-{n:04}");
        create_task(
            &client,
            &plumbing,
            &id,
            dms::types::MigrationTypeValue::FullLoad,
        )
        .await;
    }

    // The shim's pages, as the SDK sees them: 100 with a marker, then the last 50.
    let first = client
        .describe_replication_tasks()
        .without_settings(true)
        .send()
        .await
        .expect("first page");
    assert_eq!(first.replication_tasks().len(), 100);
    let marker = first.marker().expect("a marker after a full page");
    let second = client
        .describe_replication_tasks()
        .marker(marker)
        .max_records(100)
        .send()
        .await
        .expect("second page");
    assert_eq!(second.replication_tasks().len(), 50);
    assert_eq!(second.marker(), None, "no marker after the last page");

    let adapter = Dms::new(client.clone(), classic_tasks(&[]), context("DMS"));
    let tasks = adapter.tasks().await.expect("tasks");
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    let expected: Vec<String> = (1..=150).map(|n| format!("orders-{n:04}")).collect();
    assert_eq!(ids, expected, "every task once, in the service's order");

    let scoped = Dms::new(client, classic_tasks(&["orders-01*"]), context("DMS"));
    let tasks = scoped.tasks().await.expect("scoped tasks");
    assert_eq!(
        tasks.len(),
        51,
        "orders-0100 to orders-0150, from both pages"
    );
}

#[tokio::test]
async fn dms_maps_task_fields_and_timestamps() {
    let config = sdk_config("eu-west-2").await;
    let client = dms::Client::new(&config);
    let plumbing = dms_plumbing(&client, "fields").await;
    let before = Utc::now() - chrono::Duration::seconds(1);
    let cdc = create_task(
        &client,
        &plumbing,
        "ledger-cdc",
        dms::types::MigrationTypeValue::Cdc,
    )
    .await;
    let nightly = create_task(
        &client,
        &plumbing,
        "ledger-nightly-full-load",
        dms::types::MigrationTypeValue::FullLoad,
    )
    .await;
    create_task(
        &client,
        &plumbing,
        "ledger-backfill",
        dms::types::MigrationTypeValue::FullLoadAndCdc,
    )
    .await;
    for arn in [&cdc, &nightly] {
        client
            .start_replication_task()
            .replication_task_arn(arn)
            .start_replication_task_type(
                dms::types::StartReplicationTaskTypeValue::StartReplication,
            )
            .send()
            .await
            .expect("StartReplicationTask");
    }
    client
        .stop_replication_task()
        .replication_task_arn(&nightly)
        .send()
        .await
        .expect("StopReplicationTask");
    let after = Utc::now() + chrono::Duration::seconds(1);

    let adapter = Dms::new(client, classic_tasks(&["ledger-*"]), context("DMS"));
    let tasks = adapter.tasks().await.expect("tasks");
    let [running, stopped, waiting] = tasks.as_slice() else {
        panic!("three tasks, got {tasks:?}");
    };

    assert_eq!(running.id, "ledger-cdc");
    assert_eq!(running.arn, cdc);
    assert_eq!(running.migration_type, MigrationType::Cdc);
    assert_eq!(running.status, TaskStatus::Running);
    assert_eq!(running.health(), Health::Running);
    let started = running.started_at.expect("ReplicationTaskStartDate");
    assert!(
        before <= started && started <= after,
        "{started} is when the test started the task ({before} to {after})"
    );
    let stats = running.stats.as_ref().expect("ReplicationTaskStats");
    assert_eq!(stats.full_load_progress_percent, 100);
    assert_eq!(stats.tables_loaded, 1);
    assert_eq!(stats.full_load_started, Some(started));
    assert_eq!(stats.stopped_at, None);

    assert_eq!(stopped.id, "ledger-nightly-full-load");
    assert_eq!(stopped.migration_type, MigrationType::FullLoad);
    assert_eq!(stopped.status, TaskStatus::Stopped);
    let stats = stopped.stats.as_ref().expect("ReplicationTaskStats");
    let stop = stats.stopped_at.expect("StopDate");
    assert!(stopped.started_at.is_some_and(|s| s <= stop) && stop <= after);
    assert_eq!(stats.full_load_finished, Some(stop));
    assert_eq!(
        stopped.health(),
        Health::Unknown,
        "moto gives no StopReason: not a known success"
    );

    assert_eq!(waiting.id, "ledger-backfill");
    assert_eq!(waiting.migration_type, MigrationType::FullLoadAndCdc);
    assert_eq!(waiting.status, TaskStatus::Creating);
    assert_eq!(waiting.started_at, None, "never started");
}

#[tokio::test]
async fn dms_table_statistics_of_an_unknown_task_is_not_found() {
    let config = sdk_config("eu-central-1").await;
    let adapter = Dms::new(
        dms::Client::new(&config),
        classic_tasks(&[]),
        context("DMS"),
    );
    assert_eq!(
        adapter.tasks().await.expect("a region without tasks"),
        vec![]
    );
    let error = adapter
        .table_statistics("ghost")
        .await
        .expect_err("no such task");
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(error.message, "DMS: replication task ghost not found");
}

#[tokio::test]
async fn dms_table_statistics_of_a_listed_task_reach_the_service() {
    let config = sdk_config("eu-north-1").await;
    let client = dms::Client::new(&config);
    let plumbing = dms_plumbing(&client, "tables").await;
    create_task(
        &client,
        &plumbing,
        "billing-cdc",
        dms::types::MigrationTypeValue::Cdc,
    )
    .await;
    let adapter = Dms::new(client, classic_tasks(&[]), context("DMS"));
    assert_eq!(adapter.tasks().await.expect("tasks").len(), 1);
    // moto 5.2 has no DescribeTableStatistics: it answers HTTP 500, which the adapter
    // reports as a failed call (after the SDK's retries), never as an empty table list.
    let error = adapter
        .table_statistics("billing-cdc")
        .await
        .expect_err("moto lacks the operation");
    assert_eq!(error.kind, ErrorKind::Unreachable, "{error}");
    assert!(error.message.starts_with("DMS: "), "{error}");
    assert!(!error.message.contains('\n'), "one line: {error}");
}

#[tokio::test]
async fn dms_start_replication_task_reaches_the_server_with_the_chosen_type_and_arn() {
    let config = sdk_config("eu-west-3").await;
    let client = dms::Client::new(&config);
    let plumbing = dms_plumbing(&client, "start").await;
    let arn = create_task(
        &client,
        &plumbing,
        "orders-cdc",
        dms::types::MigrationTypeValue::FullLoadAndCdc,
    )
    .await;
    let adapter = Dms::new(client.clone(), classic_tasks(&[]), context("DMS"));

    // moto runs a started task at once: the answer already says running.
    let first = adapter
        .start_task(&arn, false, StartMode::StartReplication)
        .await
        .expect("StartReplicationTask");
    assert_eq!(first.message, "orders-cdc running (start-replication)");
    let first_id = first.request_id.expect("moto's x-amzn-RequestId");
    let tasks = adapter.tasks().await.expect("tasks");
    let [task] = tasks.as_slice() else {
        panic!("one task, got {tasks:?}");
    };
    assert_eq!(task.arn, arn);
    assert_eq!(task.status, TaskStatus::Running);
    assert!(task.started_at.is_some(), "ReplicationTaskStartDate set");

    client
        .stop_replication_task()
        .replication_task_arn(&arn)
        .send()
        .await
        .expect("StopReplicationTask");
    let second = adapter
        .start_task(&arn, false, StartMode::ResumeProcessing)
        .await
        .expect("StartReplicationTask");
    assert_eq!(second.message, "orders-cdc running (resume-processing)");
    assert_ne!(second.request_id.as_deref(), Some(first_id.as_str()));
    assert_eq!(
        adapter.tasks().await.expect("tasks")[0].status,
        TaskStatus::Running
    );

    // moto keeps no start type in its state (DescribeReplicationTasks has no member for
    // it): what reached the server is in the shim's record of the request bodies. Other
    // tests start tasks too, in other regions: only this task's ARN counts.
    let sent: Vec<serde_json::Value> = moto()
        .recorded_requests("StartReplicationTask")
        .into_iter()
        .filter(|body| body["ReplicationTaskArn"] == arn.as_str())
        .collect();
    let types: Vec<&str> = sent
        .iter()
        .map(|body| {
            body["StartReplicationTaskType"]
                .as_str()
                .unwrap_or("(none)")
        })
        .collect();
    assert_eq!(types, ["start-replication", "resume-processing"]);

    // A task that is not there: NotFound, with the request id of the refusal.
    let error = adapter
        .start_task(&format!("{arn}-gone"), false, StartMode::ResumeProcessing)
        .await
        .expect_err("no such task");
    assert_eq!(error.kind, ErrorKind::NotFound, "{error}");
    assert!(error.message.contains("(request id "), "{error}");
}

#[tokio::test]
async fn cost_daily_spend_sums_decimals_exactly_and_counts_billed_requests() {
    let group = |service: &str, amount: &str| {
        serde_json::json!({
            "Keys": [service],
            "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}
        })
    };
    let day = |start: &str, end: &str, groups: Vec<serde_json::Value>| {
        serde_json::json!({
            "TimePeriod": {"Start": start, "End": end},
            "Total": {},
            "Groups": groups,
            "Estimated": false
        })
    };
    // Two pages: moto answers each distinct request with the next queued result, and the
    // second request differs from the first by its NextPageToken.
    let results = serde_json::json!({"results": [
        {
            "ResultsByTime": [
                day("2026-11-01", "2026-11-02", vec![
                    group("Amazon Redshift", "41.1000000001"),
                    group("AWS Database Migration Service", "3.2"),
                ]),
                day("2026-11-02", "2026-11-03", vec![group("Amazon Redshift", "0.1")]),
            ],
            "NextPageToken": "page-2"
        },
        {
            "ResultsByTime": [
                day("2026-11-02", "2026-11-03", vec![group("Amazon Redshift", "0.2000000002")]),
                day("2026-11-03", "2026-11-04", vec![group("Amazon S3", "0.0000000001")]),
            ]
        }
    ]});
    assert_eq!(
        moto().post_json("/moto-api/static/ce/cost-and-usage-results", &results),
        201
    );

    let config = sdk_config("us-east-1").await;
    let adapter = CostExplorer::new(
        ce::Client::new(&config),
        CostConfig::default(),
        context("Cost Explorer"),
    );
    let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
    let series = adapter.daily_spend(start, end).await.expect("spend");

    assert_eq!(series.unit, "USD");
    let dates: Vec<String> = series.days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(dates, ["2026-11-01", "2026-11-02", "2026-11-03"]);
    let amount = |text: &str| text.parse::<Decimal>().unwrap();
    assert_eq!(
        series.days[0].by_service,
        [
            ("Amazon Redshift".to_string(), amount("41.1000000001")),
            ("AWS Database Migration Service".to_string(), amount("3.2")),
        ]
    );
    assert_eq!(
        series.days[1].by_service,
        [("Amazon Redshift".to_string(), amount("0.3000000002"))],
        "a day split over two pages is summed"
    );
    assert_eq!(series.total(), amount("44.6000000004"));
    assert_eq!(adapter.billed_requests(), Some(2), "each page is billed");
}

/// Sends a client's requests as one moto account (`x-moto-account-id`): moto keeps a queue
/// of Cost Explorer results per account, so a test in its own account never takes the
/// results another test queued.
#[derive(Debug)]
struct MotoAccount(&'static str);

impl ce::config::Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "MotoAccount"
    }

    fn modify_before_signing(
        &self,
        context: &mut ce::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &ce::config::RuntimeComponents,
        _cfg: &mut ce::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.0);
        Ok(())
    }
}

#[tokio::test]
async fn cost_grouped_query_goes_through_the_sdk_and_the_disk_cache() {
    const ACCOUNT: &str = "111122223333";
    let group = |key: &str, amount: &str| {
        serde_json::json!({
            "Keys": [key],
            "Metrics": {"AmortizedCost": {"Amount": amount, "Unit": "USD"}}
        })
    };
    let month = |start: &str, end: &str, estimated: bool, groups: Vec<serde_json::Value>| {
        serde_json::json!({
            "TimePeriod": {"Start": start, "End": end},
            "Total": {},
            "Groups": groups,
            "Estimated": estimated
        })
    };
    let results = serde_json::json!({"account_id": ACCOUNT, "results": [{
        "ResultsByTime": [
            month("2026-09-15", "2026-10-01", false, vec![
                group("team$data", "120.0000000001"),
                group("team$", "3.3"),
            ]),
            month("2026-10-01", "2026-11-01", false, vec![group("team$data", "240.5")]),
            month("2026-11-01", "2026-11-10", true, vec![
                group("team$data", "80.25"),
                group("team$", "0.0000000009"),
            ]),
        ]
    }]});
    assert_eq!(
        moto().post_json("/moto-api/static/ce/cost-and-usage-results", &results),
        201
    );

    let config = sdk_config("us-east-1").await;
    let client = ce::Client::from_conf(
        ce::config::Builder::from(&config)
            .interceptor(MotoAccount(ACCOUNT))
            .build(),
    );
    let scope = CostConfig {
        linked_accounts: vec!["123456789012".into()],
        tags: Vec::new(),
    };
    let adapter = Arc::new(CostExplorer::new(
        client,
        scope.clone(),
        context("Cost Explorer"),
    ));
    let query = CostQuery {
        start: NaiveDate::from_ymd_opt(2026, 9, 15).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
        granularity: Granularity::Monthly,
        metric: Metric::AmortizedCost,
        group_by: GroupBy::Tag("team".into()),
        filters: vec![CostFilter {
            dimension: GroupBy::Service,
            value: "Amazon Redshift".into(),
        }],
    };
    let dir = std::env::temp_dir().join(format!(
        "opsdeck-moto-cost-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let cache = CachedCost::new(adapter.clone(), &dir, "prod", &scope, DEFAULT_TTL);
    let series = cache.cost(&query).await.expect("spend by team");

    let amount = |text: &str| text.parse::<Decimal>().unwrap();
    let months: Vec<(String, bool)> = series
        .days
        .iter()
        .map(|m| (m.date.to_string(), m.estimated))
        .collect();
    assert_eq!(
        months,
        [
            ("2026-09-01".to_string(), false),
            ("2026-10-01".to_string(), false),
            ("2026-11-01".to_string(), true),
        ]
    );
    assert_eq!(
        series.days[0].by_service,
        [
            ("data".to_string(), amount("120.0000000001")),
            (UNTAGGED.to_string(), amount("3.3")),
        ]
    );
    assert_eq!(series.total(), amount("444.0500000010"));
    assert_eq!(series.fetched_at, None);

    // Asked again, and after a restart: the disk answers, moto is not asked.
    let again = cache.cost(&query).await.expect("cached");
    let restarted = CachedCost::new(adapter.clone(), &dir, "prod", &scope, DEFAULT_TTL);
    let after = restarted
        .cost(&query)
        .await
        .expect("cached after a restart");
    assert_eq!(again.days, series.days);
    assert_eq!(after.days, series.days);
    assert!(after.fetched_at.is_some());
    assert_eq!(
        adapter.billed_requests(),
        Some(1),
        "one request reached moto"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn redshift_query_health_goes_through_the_statement_flow() {
    let config = sdk_config("eu-west-1").await;
    let client = rsd::Client::new(&config);

    // What moto answers, as the SDK reads it: the statement finishes at once (the shim),
    // its times are epoch seconds (the shim), and its rows are moto's canned table.
    let before = Utc::now() - chrono::Duration::seconds(2);
    let id = client
        .execute_statement()
        .cluster_identifier("health-probe")
        .database("dev")
        .db_user("opsdeck")
        .sql("SELECT 1")
        .send()
        .await
        .expect("ExecuteStatement")
        .id()
        .expect("a statement id")
        .to_string();
    let statement = client
        .describe_statement()
        .id(&id)
        .send()
        .await
        .expect("DescribeStatement");
    assert_eq!(
        statement.status(),
        Some(&rsd::types::StatusString::Finished)
    );
    assert_eq!(statement.query_string(), Some("SELECT 1"));
    let created = statement.created_at().expect("CreatedAt").secs();
    assert!(
        (before.timestamp()..=Utc::now().timestamp() + 2).contains(&created),
        "CreatedAt {created} is now"
    );
    let result = client
        .get_statement_result()
        .id(&id)
        .send()
        .await
        .expect("GetStatementResult");
    assert_eq!(result.records().len(), 3);
    assert_eq!(result.column_metadata().len(), 3);

    // The adapter runs its own statement the same way; moto's canned rows are not query
    // history (no query_id), so they map to no query, without an error.
    let adapter = Redshift::new(
        client,
        RedshiftConfig {
            target: RedshiftTarget::Cluster("analytics".into()),
            database: "dev".into(),
            auth: RedshiftAuth::DbUser("opsdeck".into()),
        },
        context("Redshift"),
    );
    let queries = adapter.queries().await.expect("query health");
    assert_eq!(queries, vec![]);
}

#[tokio::test]
async fn redshift_rerun_and_cancel_go_through_execute_statement() {
    let config = sdk_config("eu-west-1").await;
    let client = rsd::Client::new(&config);
    let adapter = Redshift::new(
        client.clone(),
        RedshiftConfig {
            target: RedshiftTarget::Workgroup("rerun-probe".into()),
            database: "dev".into(),
            auth: RedshiftAuth::Iam,
        },
        context("Redshift"),
    );

    let sql = "INSERT INTO mart.daily_orders SELECT * FROM stage.orders";
    let outcome = adapter.rerun(Some("mart"), sql).await.expect("re-run");
    let id = outcome
        .message
        .strip_prefix("statement ")
        .and_then(|rest| rest.strip_suffix(" submitted"))
        .unwrap_or_else(|| panic!("a statement id in {:?}", outcome.message));
    assert!(outcome.request_id.is_some(), "moto's x-amzn-RequestId");
    let statement = client
        .describe_statement()
        .id(id)
        .send()
        .await
        .expect("DescribeStatement");
    assert_eq!(statement.query_string(), Some(sql), "the SQL, unchanged");
    assert_eq!(
        outcome.created.as_deref(),
        Some(id),
        "the statement to follow"
    );

    // Followed through DescribeStatement, cancelled through CancelStatement.
    // The shim answers moto's never-ending STARTED as FINISHED (docs/testing.md); moto
    // itself still holds it STARTED, so the cancel below finds it running.
    let progress = adapter.statement(id).await.expect("DescribeStatement");
    assert_eq!(progress.state, StatementState::Finished);
    assert_eq!(progress.id, id);
    let cancelled = adapter.cancel_statement(id).await.expect("CancelStatement");
    assert_eq!(cancelled.message, format!("statement {id} cancelled"));
    assert!(cancelled.request_id.is_some(), "moto's x-amzn-RequestId");
    let progress = adapter.statement(id).await.expect("DescribeStatement");
    assert_eq!(progress.state, StatementState::Aborted);
    let twice = adapter
        .cancel_statement(id)
        .await
        .expect_err("an aborted statement is not cancelled again");
    assert_eq!(twice.kind, ErrorKind::Rejected, "{twice}");

    let outcome = adapter
        .cancel(43_411_367, Some(1_073_971_370))
        .await
        .expect("cancel");
    assert_eq!(
        outcome.message,
        "cancel sent to process 1073971370 of query 43411367"
    );
    assert!(outcome.request_id.is_some(), "moto's x-amzn-RequestId");
}
