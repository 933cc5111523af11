//! The AWS adapters' mapping of every operation they call, through the real SDK clients
//! with `aws-smithy-mocks` answering in place of AWS: pages, fields, and errors.

use aws_sdk_costexplorer as ce;
use aws_sdk_databasemigration as dms;
use aws_sdk_redshiftdata as rsd;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::DateTime as SdkTime;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use chrono::NaiveDate;
use opsdeck::aws::ErrorContext;
use opsdeck::aws::cost::CostExplorer;
use opsdeck::aws::dms::Dms;
use opsdeck::aws::redshift::Redshift;
use opsdeck::config::{CostConfig, DmsConfig, RedshiftAuth, RedshiftConfig, RedshiftTarget};
use opsdeck::domain::{Health, MAX_RELOAD_TABLES, QueryStatus, StartMode, TableName};
use opsdeck::source::{CostSource, ErrorKind, ReplicationSource, WarehouseSource};
use rust_decimal::Decimal;

fn context(service: &'static str) -> ErrorContext {
    ErrorContext::new(service, Some("data-prod".into()))
}

fn task(id: &str, status: &str, stop_reason: Option<&str>) -> dms::types::ReplicationTask {
    dms::types::ReplicationTask::builder()
        .replication_task_identifier(id)
        .replication_task_arn(format!("arn:aws:dms:eu-west-1:123456789012:task:{id}"))
        .migration_type(dms::types::MigrationTypeValue::FullLoad)
        .status(status)
        .set_stop_reason(stop_reason.map(str::to_string))
        .replication_task_start_date(SdkTime::from_secs(1_795_000_000))
        .replication_task_stats(
            dms::types::ReplicationTaskStats::builder()
                .full_load_progress_percent(100)
                .tables_loaded(12)
                .tables_errored(0)
                .elapsed_time_millis(3_600_000)
                .full_load_finish_date(SdkTime::from_secs(1_795_003_600))
                .build(),
        )
        .build()
}

fn error_meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

/// An awsJson 1.1 answer as the service sends it, with its request id header: the SDK
/// deserializes it as it would AWS's, so the request id reaches the output or the error.
fn json_answer(status: u16, request_id: &str, body: serde_json::Value) -> HttpResponse {
    let mut answer = HttpResponse::new(
        StatusCode::try_from(status).expect("an HTTP status"),
        SdkBody::from(body.to_string()),
    );
    answer
        .headers_mut()
        .insert("Content-Type", "application/x-amz-json-1.1");
    answer
        .headers_mut()
        .insert("x-amzn-RequestId", request_id.to_string());
    answer
}

fn table(schema: &str, name: &str) -> TableName {
    TableName {
        schema: schema.into(),
        table: name.into(),
    }
}

#[tokio::test]
async fn dms_pages_tasks_adds_serverless_replications_and_keeps_the_scope() {
    use dms::operation::describe_replication_tasks::DescribeReplicationTasksOutput as Tasks;
    use dms::operation::describe_replications::DescribeReplicationsOutput as Replications;
    let first = mock!(dms::Client::describe_replication_tasks)
        .match_requests(|r| r.marker().is_none() && r.without_settings() == Some(true))
        .then_output(|| {
            Tasks::builder()
                .replication_tasks(task(
                    "orders-nightly-full-load",
                    "stopped",
                    Some("Stop Reason FULL_LOAD_ONLY_FINISHED"),
                ))
                .replication_tasks(task("scratch-test", "failed", None))
                .marker("page-2")
                .build()
        });
    let second = mock!(dms::Client::describe_replication_tasks)
        .match_requests(|r| r.marker() == Some("page-2"))
        .then_output(|| {
            Tasks::builder()
                .replication_tasks(task(
                    "payments-nightly-full-load",
                    "stopped",
                    Some("Stop Reason RECOVERABLE_ERROR"),
                ))
                .build()
        });
    let serverless = mock!(dms::Client::describe_replications).then_output(|| {
        Replications::builder()
            .replications(
                dms::types::Replication::builder()
                    .replication_config_identifier("support-cdc")
                    .replication_config_arn(
                        "arn:aws:dms:eu-west-1:123456789012:replication-config:SUP",
                    )
                    .replication_type(dms::types::MigrationTypeValue::Cdc)
                    .status("failed")
                    .failure_messages("Source endpoint unreachable")
                    .build(),
            )
            .build()
    });
    let client = mock_client!(dms, RuleMode::MatchAny, [&first, &second, &serverless]);
    let scope = DmsConfig {
        tasks: vec!["*-nightly-full-load".into(), "*-cdc".into()],
        serverless: true,
    };
    let adapter = Dms::new(client, scope, context("DMS"));
    let tasks = adapter.tasks().await.expect("tasks");
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "orders-nightly-full-load",
            "payments-nightly-full-load",
            "support-cdc"
        ],
        "both pages, the serverless replication, and nothing outside the scope"
    );
    assert_eq!(
        tasks[0].health(),
        Health::Ok,
        "a finished full load is healthy"
    );
    assert_eq!(tasks[1].health(), Health::Failed);
    let stats = tasks[0].stats.as_ref().unwrap();
    assert_eq!(stats.tables_loaded, 12);
    assert_eq!(stats.full_load_progress_percent, 100);
    assert_eq!(
        stats.full_load_finished.unwrap().to_rfc3339(),
        "2026-11-18T12:06:40+00:00"
    );
    assert!(tasks[2].serverless);
    assert_eq!(tasks[2].health(), Health::Failed);
    assert_eq!(
        tasks[2].last_failure_message.as_deref(),
        Some("Source endpoint unreachable")
    );
    assert_eq!(first.num_calls(), 1);
    assert_eq!(second.num_calls(), 1);
}

#[tokio::test]
async fn dms_with_no_tasks_is_an_empty_list_and_table_statistics_use_the_arn() {
    use dms::operation::describe_replication_tasks::{
        DescribeReplicationTasksError, DescribeReplicationTasksOutput,
    };
    use dms::operation::describe_replications::DescribeReplicationsError;
    use dms::operation::describe_table_statistics::DescribeTableStatisticsOutput;
    let none = mock!(dms::Client::describe_replication_tasks).then_error(|| {
        DescribeReplicationTasksError::ResourceNotFoundFault(
            dms::types::error::ResourceNotFoundFault::builder()
                .message("No Tasks found matching provided filters")
                .meta(error_meta("ResourceNotFoundFault", "No Tasks found"))
                .build(),
        )
    });
    let no_serverless = mock!(dms::Client::describe_replications).then_error(|| {
        DescribeReplicationsError::generic(error_meta("ResourceNotFoundFault", "none"))
    });
    let client = mock_client!(dms, RuleMode::MatchAny, [&none, &no_serverless]);
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
    assert_eq!(adapter.tasks().await.expect("no tasks is no error"), vec![]);

    let arn = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS";
    let lookup = mock!(dms::Client::describe_replication_tasks)
        .match_requests(|r| {
            r.filters()
                .iter()
                .any(|f| f.name() == "replication-task-id" && f.values() == ["orders"])
        })
        .then_output(move || {
            DescribeReplicationTasksOutput::builder()
                .replication_tasks(
                    dms::types::ReplicationTask::builder()
                        .replication_task_identifier("orders")
                        .replication_task_arn(arn)
                        .build(),
                )
                .build()
        });
    let tables = mock!(dms::Client::describe_table_statistics)
        .match_requests(move |r| r.replication_task_arn() == Some(arn))
        .then_output(|| {
            DescribeTableStatisticsOutput::builder()
                .table_statistics(
                    dms::types::TableStatistics::builder()
                        .schema_name("public")
                        .table_name("order_lines")
                        .table_state("Table error")
                        .full_load_rows(1_234_567)
                        .inserts(10)
                        .build(),
                )
                .build()
        });
    let client = mock_client!(dms, RuleMode::MatchAny, [&lookup, &tables]);
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
    let stats = adapter.table_statistics("orders").await.expect("tables");
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].table, "order_lines");
    assert_eq!(stats[0].full_load_rows, 1_234_567);
    assert_eq!(stats[0].state.health(), Health::Failed);
}

#[tokio::test]
async fn dms_task_settings_are_read_with_the_settings_and_by_arn() {
    use dms::operation::describe_replication_tasks::DescribeReplicationTasksOutput;
    let arn = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS";
    let lookup = mock!(dms::Client::describe_replication_tasks)
        .match_requests(|r| r.without_settings() == Some(true))
        .then_output(move || {
            DescribeReplicationTasksOutput::builder()
                .replication_tasks(
                    dms::types::ReplicationTask::builder()
                        .replication_task_identifier("orders")
                        .replication_task_arn(arn)
                        .build(),
                )
                .build()
        });
    let settings = mock!(dms::Client::describe_replication_tasks)
        .match_requests(move |r| {
            r.without_settings() == Some(false)
                && r.filters()
                    .iter()
                    .any(|f| f.name() == "replication-task-arn" && f.values() == [arn])
        })
        .then_output(move || {
            DescribeReplicationTasksOutput::builder()
                .replication_tasks(
                    dms::types::ReplicationTask::builder()
                        .replication_task_identifier("orders")
                        .replication_task_arn(arn)
                        .replication_task_settings(
                            r#"{"TargetMetadata":{},"FullLoadSettings":{"TargetTablePrepMode":"TRUNCATE_BEFORE_LOAD","MaxFullLoadSubTasks":8}}"#,
                        )
                        .build(),
                )
                .build()
        });
    let client = mock_client!(dms, RuleMode::MatchAny, [&lookup, &settings]);
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
    let read = adapter.task_settings("orders").await.expect("settings");
    assert_eq!(
        read.target_table_prep_mode,
        Some(opsdeck::domain::TablePrepMode::TruncateBeforeLoad)
    );
    assert_eq!(settings.num_calls(), 1);

    // Settings that are not JSON are a bad response, not a panic; missing ones are unknown.
    assert!(
        opsdeck::aws::dms::settings_of("{}")
            .unwrap()
            .target_table_prep_mode
            .is_none()
    );
    assert!(opsdeck::aws::dms::settings_of("not json").is_err());
}

#[tokio::test]
async fn dms_errors_carry_their_kind_and_hint() {
    use dms::operation::describe_replication_tasks::DescribeReplicationTasksError;
    for (code, kind, hint) in [
        ("AccessDeniedFault", ErrorKind::Permission, "docs/iam"),
        ("ThrottlingException", ErrorKind::Throttled, "backs off"),
        (
            "ExpiredTokenException",
            ErrorKind::Auth,
            "aws sso login --profile data-prod",
        ),
    ] {
        let denied = mock!(dms::Client::describe_replication_tasks).then_error(move || {
            DescribeReplicationTasksError::generic(error_meta(code, "refused"))
        });
        // The Serverless listing is asked alongside; its answer does not matter here.
        let serverless = mock!(dms::Client::describe_replications).then_output(|| {
            dms::operation::describe_replications::DescribeReplicationsOutput::builder().build()
        });
        let client = mock_client!(dms, RuleMode::MatchAny, [&denied, &serverless]);
        let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
        let error = adapter.tasks().await.expect_err(code);
        assert_eq!(error.kind, kind, "{code}");
        assert_eq!(error.message, format!("DMS: {code}: refused"));
        assert!(
            error.hint.as_deref().unwrap_or("").contains(hint),
            "{code}: {error}"
        );
    }
}

#[tokio::test]
async fn dms_changes_are_sent_once_even_where_the_sdk_retries_reads() {
    use aws_smithy_types::retry::RetryConfig;
    let task_arn = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS";
    // The first answer is lost to a 503; a retry would find the task starting.
    let start = mock!(dms::Client::start_replication_task)
        .sequence()
        .http_status(503, None)
        .http_response(move || {
            json_answer(
                400,
                "req-again",
                serde_json::json!({
                    "__type": "InvalidResourceStateFault",
                    "message": "Replication task is currently starting"
                }),
            )
        })
        .build();
    let list = mock!(dms::Client::describe_replication_tasks)
        .sequence()
        .http_status(503, None)
        .output(|| {
            dms::operation::describe_replication_tasks::DescribeReplicationTasksOutput::builder()
                .build()
        })
        .build();
    let no_serverless = mock!(dms::Client::describe_replications).then_output(|| {
        dms::operation::describe_replications::DescribeReplicationsOutput::builder().build()
    });
    let client = mock_client!(
        dms,
        RuleMode::MatchAny,
        [&start, &list, &no_serverless],
        |config| config.retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(std::time::Duration::from_millis(1))
        )
    );
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
    // A read is retried past the 503.
    adapter
        .tasks()
        .await
        .expect("the listing, on its second attempt");
    assert_eq!(list.num_calls(), 2);
    // A change is not: the lost answer is said as it is, not as "already starting".
    let error = adapter
        .start_task(task_arn, false, StartMode::ResumeProcessing)
        .await
        .expect_err("the 503");
    assert_eq!(start.num_calls(), 1, "sent once");
    assert!(!error.message.contains("currently starting"), "{error}");
}

#[tokio::test]
async fn mwaa_sends_a_change_once_and_retries_a_read_even_a_batch_listing() {
    use aws_sdk_mwaa as mwaa;
    use aws_smithy_types::retry::RetryConfig;
    use opsdeck::airflow::{ApiRequest, ApiVersion, Transport};
    use opsdeck::aws::mwaa::MwaaTransport;
    let answered = || {
        mwaa::operation::invoke_rest_api::InvokeRestApiOutput::builder()
            .rest_api_status_code(200)
            .rest_api_response(aws_smithy_types::Document::Object(Default::default()))
            .build()
    };
    // Each request's first answer is lost to a 503.
    let listing = mock!(mwaa::Client::invoke_rest_api)
        .match_requests(|r| r.path() == Some("/dags/~/dagRuns/list"))
        .sequence()
        .http_status(503, None)
        .output(answered)
        .build();
    let post = mock!(mwaa::Client::invoke_rest_api)
        .match_requests(|r| r.method() == Some(&mwaa::types::RestApiMethod::Post))
        .sequence()
        .http_status(503, None)
        .output(answered)
        .build();
    let get = mock!(mwaa::Client::invoke_rest_api)
        .match_requests(|r| r.method() == Some(&mwaa::types::RestApiMethod::Get))
        .sequence()
        .http_status(503, None)
        .output(answered)
        .build();
    let client = mock_client!(
        mwaa,
        RuleMode::MatchAny,
        [&listing, &post, &get],
        |config| {
            config.retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(std::time::Duration::from_millis(1)),
            )
        }
    );
    let transport = MwaaTransport::new(
        client,
        "data-platform".into(),
        context("MWAA"),
        Some(ApiVersion::V2),
    );
    transport
        .send(&ApiRequest::get("/dags"))
        .await
        .expect("a read, on its second attempt");
    assert_eq!(get.num_calls(), 2);
    // The batch listing of runs is a read, though a POST.
    transport
        .send(&ApiRequest::post(
            "/dags/~/dagRuns/list",
            serde_json::json!({"order_by": "-run_after", "page_limit": 100}),
        ))
        .await
        .expect("a listing, on its second attempt");
    assert_eq!(listing.num_calls(), 2);
    // A new run sent twice would be two runs.
    let error = transport
        .send(&ApiRequest::post(
            "/dags/refresh_marts/dagRuns",
            serde_json::json!({"logical_date": null}),
        ))
        .await;
    assert!(error.is_err(), "{error:?}");
    assert_eq!(post.num_calls(), 1, "sent once");
}

/// A JSON value as the Smithy document InvokeRestApi carries.
fn document(value: &serde_json::Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    match value {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(match n.as_u64() {
            Some(u) => Number::PosInt(u),
            None => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(items) => Document::Array(items.iter().map(document).collect()),
        serde_json::Value::Object(map) => {
            Document::Object(map.iter().map(|(k, v)| (k.clone(), document(v))).collect())
        }
    }
}

#[tokio::test]
async fn mwaa_airflow_2_runs_of_every_dag_in_batch_requests() {
    use aws_sdk_mwaa as mwaa;
    use opsdeck::airflow::{AirflowClient, RunScope};
    use opsdeck::aws::mwaa::MwaaTransport;
    use opsdeck::source::WorkflowSource;
    use std::sync::{Arc, Mutex};

    let environment = mock!(mwaa::Client::get_environment).then_output(|| {
        mwaa::operation::get_environment::GetEnvironmentOutput::builder()
            .environment(
                mwaa::types::Environment::builder()
                    .airflow_version("2.10.3")
                    .build(),
            )
            .build()
    });
    let answer = |body: serde_json::Value| {
        mwaa::operation::invoke_rest_api::InvokeRestApiOutput::builder()
            .rest_api_status_code(200)
            .rest_api_response(document(&body))
            .build()
    };
    let dags = mock!(mwaa::Client::invoke_rest_api)
        .match_requests(|r| r.path() == Some("/dags"))
        .then_output(move || {
            answer(serde_json::json!({"dags": [
                {"dag_id": "nightly_dms_to_s3", "is_paused": false},
                {"dag_id": "dbt_build", "is_paused": false}
            ], "total_entries": 2}))
        });
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = bodies.clone();
    let runs = mock!(mwaa::Client::invoke_rest_api)
        .match_requests(move |r| {
            let listing = r.path() == Some("/dags/~/dagRuns/list");
            if listing {
                seen.lock().unwrap().push(format!("{:?}", r.body()));
            }
            listing
        })
        .then_output(move || {
            answer(serde_json::json!({"dag_runs": [
                {"dag_id": "dbt_build", "dag_run_id": "scheduled__2026-12-04T02:00:00+00:00",
                 "state": "success", "execution_date": "2026-12-04T02:00:00+00:00",
                 "start_date": "2026-12-05T02:00:04+00:00", "end_date": "2026-12-05T02:20:00+00:00"},
                {"dag_id": "nightly_dms_to_s3", "dag_run_id": "scheduled__2026-12-04T01:00:00+00:00",
                 "state": "success", "execution_date": "2026-12-04T01:00:00+00:00",
                 "start_date": "2026-12-05T01:00:03+00:00", "end_date": "2026-12-05T01:40:00+00:00"}
            ], "total_entries": 2}))
        });
    let client = mock_client!(mwaa, RuleMode::MatchAny, [&environment, &dags, &runs]);
    let transport = MwaaTransport::new(client, "data-prod".into(), context("MWAA"), None);
    let client = AirflowClient::new(Arc::new(transport), RunScope::default());
    let shown = client.runs().await.expect("the runs");
    assert_eq!(shown.len(), 2);
    client.runs().await.expect("a later poll");
    assert_eq!(environment.num_calls(), 1, "the version, asked once");
    assert_eq!(dags.num_calls(), 2, "a page of DAGs a poll");
    // The first poll: the window and the active runs; the second: the active runs and
    // those ended since. Every DAG at once, never one request per DAG.
    assert_eq!(runs.num_calls(), 4);
    let bodies = bodies.lock().unwrap();
    assert!(bodies.iter().all(|b| !b.contains("dag_ids")), "{bodies:?}");
    assert!(
        bodies[0].contains("start_date_gte"),
        "Airflow 2: {}",
        bodies[0]
    );
    assert!(bodies[0].contains("-start_date"), "{}", bodies[0]);
    assert!(bodies[1].contains("-execution_date"), "{}", bodies[1]);
    assert!(bodies[3].contains("end_date_gte"), "{}", bodies[3]);
}

#[tokio::test]
async fn dms_start_task_sends_the_mode_to_the_api_of_its_kind() {
    use dms::types::StartReplicationTaskTypeValue;
    let task_arn = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS";
    let config_arn = "arn:aws:dms:eu-west-1:123456789012:replication-config:SUP";
    let classic = mock!(dms::Client::start_replication_task)
        .match_requests(move |r| {
            r.replication_task_arn() == Some(task_arn)
                && r.start_replication_task_type()
                    == Some(&StartReplicationTaskTypeValue::ResumeProcessing)
        })
        .then_http_response(move || {
            json_answer(
                200,
                "req-start-classic",
                serde_json::json!({"ReplicationTask": {
                    "ReplicationTaskIdentifier": "orders-cdc",
                    "ReplicationTaskArn": task_arn,
                    "Status": "starting"
                }}),
            )
        });
    let serverless = mock!(dms::Client::start_replication)
        .match_requests(move |r| {
            r.replication_config_arn() == Some(config_arn)
                && r.start_replication_type() == Some("reload-target")
        })
        .then_http_response(|| {
            json_answer(
                200,
                "req-start-serverless",
                serde_json::json!({"Replication": {
                    "ReplicationConfigIdentifier": "support-cdc",
                    "Status": "starting"
                }}),
            )
        });
    let client = mock_client!(dms, RuleMode::MatchAny, [&classic, &serverless]);
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));

    let outcome = adapter
        .start_task(task_arn, false, StartMode::ResumeProcessing)
        .await
        .expect("StartReplicationTask");
    assert_eq!(outcome.message, "orders-cdc starting (resume-processing)");
    assert_eq!(outcome.request_id.as_deref(), Some("req-start-classic"));
    assert_eq!((classic.num_calls(), serverless.num_calls()), (1, 0));

    let outcome = adapter
        .start_task(config_arn, true, StartMode::ReloadTarget)
        .await
        .expect("StartReplication");
    assert_eq!(outcome.message, "support-cdc starting (reload-target)");
    assert_eq!(outcome.request_id.as_deref(), Some("req-start-serverless"));
    assert_eq!((classic.num_calls(), serverless.num_calls()), (1, 1));
}

#[tokio::test]
async fn dms_start_task_refused_keeps_the_request_id_and_says_why() {
    let refused = mock!(dms::Client::start_replication_task).then_http_response(|| {
        json_answer(
            400,
            "req-refused-start",
            serde_json::json!({
                "__type": "InvalidResourceStateFault",
                "message": "Replication task is currently running"
            }),
        )
    });
    let client = mock_client!(dms, [&refused]);
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
    let error = adapter
        .start_task(
            "arn:aws:dms:eu-west-1:1:task:X",
            false,
            StartMode::StartReplication,
        )
        .await
        .expect_err("a running task does not start");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        error.message,
        "DMS: InvalidResourceStateFault: Replication task is currently running \
         (request id req-refused-start)"
    );
    assert!(error.hint.unwrap().contains("current state"));
}

#[tokio::test]
async fn dms_reload_tables_names_the_tables_and_refuses_too_many_before_sending() {
    use dms::operation::describe_replication_tasks::DescribeReplicationTasksOutput as Tasks;
    use dms::types::ReloadOptionValue;
    let task_arn = "arn:aws:dms:eu-west-1:123456789012:task:orders-cdc";
    let config_arn = "arn:aws:dms:eu-west-1:123456789012:replication-config:SUP";
    let chosen = |tables: &[dms::types::TableToReload]| {
        tables
            .iter()
            .map(|t| format!("{}.{}", t.schema_name(), t.table_name()))
            .collect::<Vec<_>>()
    };
    let classic = mock!(dms::Client::reload_tables)
        .match_requests(move |r| {
            r.replication_task_arn() == Some(task_arn)
                && r.reload_option() == Some(&ReloadOptionValue::DataReload)
                && chosen(r.tables_to_reload()) == ["public.orders", "public.order_lines"]
        })
        .then_http_response(move || {
            json_answer(
                200,
                "req-reload",
                serde_json::json!({"ReplicationTaskArn": task_arn}),
            )
        });
    let serverless = mock!(dms::Client::reload_replication_tables)
        .match_requests(move |r| {
            r.replication_config_arn() == Some(config_arn)
                && r.reload_option() == Some(&ReloadOptionValue::DataReload)
                && chosen(r.tables_to_reload()) == ["support.tickets"]
        })
        .then_http_response(move || {
            json_answer(
                200,
                "req-reload-serverless",
                serde_json::json!({"ReplicationConfigArn": config_arn}),
            )
        });
    let listing = mock!(dms::Client::describe_replication_tasks).then_output(|| {
        Tasks::builder()
            .replication_tasks(task("orders-cdc", "running", None))
            .build()
    });
    let client = mock_client!(dms, RuleMode::MatchAny, [&classic, &serverless, &listing]);
    let classic_only = DmsConfig {
        tasks: vec![],
        serverless: false,
    };
    let adapter = Dms::new(client, classic_only, context("DMS"));
    adapter.tasks().await.expect("tasks");

    let too_many: Vec<TableName> = (0..=MAX_RELOAD_TABLES)
        .map(|n| table("public", &format!("t{n}")))
        .collect();
    let error = adapter
        .reload_tables(task_arn, false, &too_many)
        .await
        .expect_err("eleven tables");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        error.message,
        "DMS: 11 tables chosen, ReloadTables takes at most 10"
    );
    let error = adapter
        .reload_tables(task_arn, false, &[])
        .await
        .expect_err("no table");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        (classic.num_calls(), serverless.num_calls()),
        (0, 0),
        "refused before anything was sent"
    );

    let outcome = adapter
        .reload_tables(
            task_arn,
            false,
            &[table("public", "orders"), table("public", "order_lines")],
        )
        .await
        .expect("ReloadTables");
    assert_eq!(outcome.request_id.as_deref(), Some("req-reload"));
    assert_eq!(
        outcome.message,
        "orders-cdc: 2 table(s) reloading (data-reload)"
    );
    let outcome = adapter
        .reload_tables(config_arn, true, &[table("support", "tickets")])
        .await
        .expect("ReloadReplicationTables");
    assert_eq!(outcome.request_id.as_deref(), Some("req-reload-serverless"));
    assert_eq!(
        outcome.message,
        format!("{config_arn}: 1 table(s) reloading (data-reload)"),
        "a replication not listed is named by its ARN"
    );
    assert_eq!((classic.num_calls(), serverless.num_calls()), (1, 1));
}

#[tokio::test]
async fn dms_reload_tables_of_a_stopped_task_is_rejected_with_a_hint() {
    let task_arn = "arn:aws:dms:eu-west-1:123456789012:task:ORDERS";
    let refused = mock!(dms::Client::reload_tables).then_http_response(|| {
        json_answer(
            400,
            "req-not-running",
            serde_json::json!({
                "__type": "InvalidResourceStateFault",
                "message": "Replication Task is not running"
            }),
        )
    });
    let client = mock_client!(dms, [&refused]);
    let adapter = Dms::new(client, DmsConfig::default(), context("DMS"));
    let error = adapter
        .reload_tables(task_arn, false, &[table("public", "orders")])
        .await
        .expect_err("not running");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        error.message,
        "DMS: InvalidResourceStateFault: Replication Task is not running \
         (request id req-not-running)"
    );
    assert!(
        error
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("ReloadTables works only while the task is running"),
        "{error}"
    );
    assert_eq!(refused.num_calls(), 1, "a refusal is not retried");
}

fn redshift(client: rsd::Client) -> Redshift {
    Redshift::new(
        client,
        RedshiftConfig {
            target: RedshiftTarget::Workgroup("analytics".into()),
            database: "dev".into(),
            auth: RedshiftAuth::Iam,
        },
        context("Redshift"),
    )
}

#[tokio::test]
async fn redshift_runs_one_statement_waits_for_it_and_reads_every_page() {
    use rsd::operation::describe_statement::DescribeStatementOutput;
    use rsd::operation::execute_statement::ExecuteStatementOutput;
    use rsd::operation::get_statement_result::GetStatementResultOutput;
    use rsd::types::{ColumnMetadata, Field, StatusString};
    let execute = mock!(rsd::Client::execute_statement)
        .match_requests(|r| {
            r.workgroup_name() == Some("analytics")
                && r.database() == Some("dev")
                && r.cluster_identifier().is_none()
                && r.statement_name() == Some("opsdeck-query-health")
                && r.sql().is_some_and(|sql| {
                    sql.contains("sys_query_history") && sql.contains("r.session_id")
                })
        })
        .then_output(|| ExecuteStatementOutput::builder().id("stmt-1").build());
    let describe = mock!(rsd::Client::describe_statement)
        .sequence()
        .output(|| {
            DescribeStatementOutput::builder()
                .id("stmt-1")
                .status(StatusString::Started)
                .build()
                .unwrap()
        })
        .output(|| {
            DescribeStatementOutput::builder()
                .id("stmt-1")
                .status(StatusString::Finished)
                .duration(1_500_000_000)
                .build()
                .unwrap()
        })
        .build();
    let columns = || {
        [
            "query_id",
            "status",
            "query_text",
            "elapsed_time",
            "start_time",
            "session_id",
        ]
        .map(|name| ColumnMetadata::builder().name(name).build())
        .to_vec()
    };
    let row = |id: i64, status: &str| {
        vec![
            Field::LongValue(id),
            Field::StringValue(status.into()),
            Field::StringValue("SELECT 1".into()),
            Field::LongValue(2_000_000_000),
            Field::StringValue("2026-11-25 02:00:00".into()),
            // The process of a finished query may be gone from the view: null.
            if status == "running" {
                Field::LongValue(1_073_971_370)
            } else {
                Field::IsNull(true)
            },
        ]
    };
    let results = mock!(rsd::Client::get_statement_result)
        .sequence()
        .output(move || {
            GetStatementResultOutput::builder()
                .set_column_metadata(Some(columns()))
                .records(row(1, "failed"))
                .next_token("more")
                .build()
                .unwrap()
        })
        .output(move || {
            GetStatementResultOutput::builder()
                .set_column_metadata(Some(columns()))
                .records(row(2, "running"))
                .build()
                .unwrap()
        })
        .build();
    let client = mock_client!(rsd, RuleMode::MatchAny, [&execute, &describe, &results]);
    let queries = redshift(client).queries().await.expect("queries");
    assert_eq!(queries.len(), 2, "both pages");
    assert_eq!(queries[0].status, QueryStatus::Failed);
    assert_eq!(queries[1].status, QueryStatus::Running);
    assert_eq!(
        queries[1].health(),
        Health::Degraded,
        "33 min of elapsed time is slow"
    );
    assert_eq!(queries[0].pid, None);
    assert_eq!(
        queries[1].pid,
        Some(1_073_971_370),
        "session_id is the process a cancel signals"
    );
    assert_eq!(execute.num_calls(), 1);
    assert_eq!(describe.num_calls(), 2, "waited until FINISHED");
}

#[tokio::test]
async fn redshift_rerun_submits_the_sql_and_does_not_wait() {
    let sql = "INSERT INTO mart.daily_orders SELECT * FROM stage.orders WHERE day = '2026-11-24'";
    let execute = mock!(rsd::Client::execute_statement)
        .match_requests(move |r| {
            r.sql() == Some(sql)
                && r.workgroup_name() == Some("analytics")
                && r.statement_name() == Some("opsdeck-rerun")
        })
        .then_compute_response(|r| {
            let id = format!("stmt-{}", r.database().unwrap_or("none"));
            aws_smithy_mocks::MockResponse::Http(json_answer(
                200,
                &format!("req-{id}"),
                serde_json::json!({"Id": id, "WorkgroupName": "analytics"}),
            ))
        });
    let describe = mock!(rsd::Client::describe_statement).then_error(|| {
        rsd::operation::describe_statement::DescribeStatementError::generic(error_meta(
            "ValidationException",
            "a re-run is not waited for",
        ))
    });
    let client = mock_client!(rsd, RuleMode::MatchAny, [&execute, &describe]);
    let adapter = redshift(client);

    let outcome = adapter
        .rerun(Some("mart"), sql)
        .await
        .expect("ExecuteStatement");
    assert_eq!(outcome.message, "statement stmt-mart submitted");
    assert_eq!(outcome.request_id.as_deref(), Some("req-stmt-mart"));
    assert_eq!(
        outcome.created.as_deref(),
        Some("stmt-mart"),
        "the statement is named, to be followed"
    );
    let outcome = adapter.rerun(None, sql).await.expect("ExecuteStatement");
    assert_eq!(
        outcome.message, "statement stmt-dev submitted",
        "the configured database when the query named none"
    );
    assert_eq!(execute.num_calls(), 2);
    assert_eq!(describe.num_calls(), 0, "submitted, never waited for");

    let error = adapter.rerun(None, "  ").await.expect_err("no SQL");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(execute.num_calls(), 2, "nothing sent");
}

#[tokio::test]
async fn redshift_a_rerun_is_followed_by_describe_and_cancelled_by_its_statement() {
    use opsdeck::domain::StatementState;
    let submitted = mock!(rsd::Client::describe_statement)
        .match_requests(|r| r.id() == Some("stmt-1"))
        .then_http_response(|| {
            // Before the warehouse picks it up, the query id is 0.
            json_answer(
                200,
                "req-d1",
                serde_json::json!({"Id": "stmt-1", "Status": "SUBMITTED", "RedshiftQueryId": 0}),
            )
        });
    let failed = mock!(rsd::Client::describe_statement)
        .match_requests(|r| r.id() == Some("stmt-2"))
        .then_http_response(|| {
            json_answer(
                200,
                "req-d2",
                serde_json::json!({
                    "Id": "stmt-2", "Status": "FAILED", "RedshiftQueryId": 4242,
                    "Error": "ERROR: Disk Full\n"
                }),
            )
        });
    let cancelled = mock!(rsd::Client::cancel_statement)
        .match_requests(|r| r.id() == Some("stmt-1"))
        .then_http_response(|| json_answer(200, "req-c1", serde_json::json!({"Status": true})));
    let ended = mock!(rsd::Client::cancel_statement)
        .match_requests(|r| r.id() == Some("stmt-2"))
        .then_http_response(|| json_answer(200, "req-c2", serde_json::json!({"Status": false})));
    let client = mock_client!(
        rsd,
        RuleMode::MatchAny,
        [&submitted, &failed, &cancelled, &ended]
    );
    let adapter = redshift(client);

    let first = adapter
        .statement("stmt-1")
        .await
        .expect("DescribeStatement");
    assert_eq!(first.state, StatementState::Submitted);
    assert_eq!(first.query_id, None, "a query id of 0 is none yet");
    let second = adapter
        .statement("stmt-2")
        .await
        .expect("DescribeStatement");
    assert_eq!(second.state, StatementState::Failed);
    assert_eq!(second.query_id, Some(4242));
    assert_eq!(second.error.as_deref(), Some("ERROR: Disk Full"));

    let outcome = adapter
        .cancel_statement("stmt-1")
        .await
        .expect("CancelStatement");
    assert_eq!(outcome.request_id.as_deref(), Some("req-c1"));
    assert_eq!(outcome.message, "statement stmt-1 cancelled");
    let error = adapter
        .cancel_statement("stmt-2")
        .await
        .expect_err("an ended statement is not cancelled");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert!(error.message.contains("req-c2"), "{}", error.message);
    assert_eq!(cancelled.num_calls() + ended.num_calls(), 2);
}

#[tokio::test]
async fn redshift_rerun_refused_keeps_the_request_id() {
    let refused = mock!(rsd::Client::execute_statement).then_http_response(|| {
        json_answer(
            400,
            "req-too-many",
            serde_json::json!({
                "__type": "ActiveStatementsExceededException",
                "Message": "Active statements exceeded the allowed quota."
            }),
        )
    });
    let client = mock_client!(rsd, [&refused]);
    let error = redshift(client)
        .rerun(None, "SELECT 1")
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        error.message,
        "Redshift: ActiveStatementsExceededException: Active statements exceeded the allowed \
         quota. (request id req-too-many)"
    );
    assert!(error.hint.unwrap().contains("try again"));
}

#[tokio::test]
async fn redshift_cancel_signals_the_process_and_waits_for_the_statement() {
    use rsd::operation::describe_statement::DescribeStatementOutput;
    use rsd::types::StatusString;
    let execute = mock!(rsd::Client::execute_statement)
        .match_requests(|r| {
            r.sql() == Some("SELECT pg_cancel_backend(1073971370)")
                && r.database() == Some("dev")
                && r.workgroup_name() == Some("analytics")
                && r.statement_name() == Some("opsdeck-cancel")
        })
        .then_http_response(|| {
            json_answer(200, "req-cancel", serde_json::json!({"Id": "stmt-cancel"}))
        });
    let describe = mock!(rsd::Client::describe_statement)
        .match_requests(|r| r.id() == Some("stmt-cancel"))
        .sequence()
        .output(|| {
            DescribeStatementOutput::builder()
                .id("stmt-cancel")
                .status(StatusString::Submitted)
                .build()
                .unwrap()
        })
        .output(|| {
            DescribeStatementOutput::builder()
                .id("stmt-cancel")
                .status(StatusString::Finished)
                .build()
                .unwrap()
        })
        .build();
    let client = mock_client!(rsd, RuleMode::MatchAny, [&execute, &describe]);
    let adapter = redshift(client);

    let outcome = adapter
        .cancel(43_411_367, Some(1_073_971_370))
        .await
        .expect("cancel");
    assert_eq!(
        outcome.message,
        "cancel sent to process 1073971370 of query 43411367"
    );
    assert_eq!(outcome.request_id.as_deref(), Some("req-cancel"));
    assert_eq!(describe.num_calls(), 2, "waited until FINISHED");

    let error = adapter
        .cancel(43_411_367, None)
        .await
        .expect_err("no process");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert!(
        error.message.contains("the query's process is not known"),
        "{error}"
    );
    for pid in [0, -7, i64::from(i32::MAX) + 1] {
        let error = adapter
            .cancel(43_411_367, Some(pid))
            .await
            .expect_err("not a process id");
        assert_eq!(error.kind, ErrorKind::Rejected, "{pid}");
    }
    assert_eq!(
        execute.num_calls(),
        1,
        "nothing sent without a valid process"
    );
}

#[tokio::test]
async fn redshift_a_refused_cancel_says_who_may_cancel() {
    use rsd::operation::describe_statement::DescribeStatementOutput;
    use rsd::operation::execute_statement::ExecuteStatementOutput;
    use rsd::types::StatusString;
    let execute = mock!(rsd::Client::execute_statement)
        .then_output(|| ExecuteStatementOutput::builder().id("stmt-c2").build());
    let describe = mock!(rsd::Client::describe_statement).then_output(|| {
        DescribeStatementOutput::builder()
            .id("stmt-c2")
            .status(StatusString::Failed)
            .error("ERROR: must be superuser to cancel other user's query")
            .build()
            .unwrap()
    });
    let client = mock_client!(rsd, RuleMode::MatchAny, [&execute, &describe]);
    let error = redshift(client)
        .cancel(7, Some(1234))
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        error.message,
        "Redshift: cancel statement failed: ERROR: must be superuser to cancel other user's query"
    );
    assert!(error.hint.unwrap().contains("only a superuser"));
}

#[tokio::test]
async fn redshift_a_failed_statement_says_why() {
    use rsd::operation::describe_statement::DescribeStatementOutput;
    use rsd::operation::execute_statement::ExecuteStatementOutput;
    use rsd::types::StatusString;
    let execute = mock!(rsd::Client::execute_statement)
        .then_output(|| ExecuteStatementOutput::builder().id("stmt-2").build());
    let describe = mock!(rsd::Client::describe_statement).then_output(|| {
        DescribeStatementOutput::builder()
            .id("stmt-2")
            .status(StatusString::Failed)
            .error("ERROR: permission denied for relation sys_query_history")
            .build()
            .unwrap()
    });
    let client = mock_client!(rsd, RuleMode::MatchAny, [&execute, &describe]);
    let error = redshift(client).queries().await.expect_err("failed");
    assert_eq!(error.kind, ErrorKind::Rejected);
    assert_eq!(
        error.message,
        "Redshift: query health statement failed: ERROR: permission denied for relation sys_query_history"
    );
    assert!(error.hint.unwrap().contains("sys:monitor"));
}

fn cost_result(day: &str, next: &str, groups: &[(&str, &str)]) -> ce::types::ResultByTime {
    let mut result = ce::types::ResultByTime::builder()
        .time_period(
            ce::types::DateInterval::builder()
                .start(day)
                .end(next)
                .build()
                .unwrap(),
        )
        .estimated(true);
    for (service, amount) in groups {
        result = result.groups(
            ce::types::Group::builder()
                .keys(*service)
                .metrics(
                    "UnblendedCost",
                    ce::types::MetricValue::builder()
                        .amount(*amount)
                        .unit("USD")
                        .build(),
                )
                .build(),
        );
    }
    result.build()
}

#[tokio::test]
async fn cost_reads_every_page_sums_decimals_exactly_and_counts_billed_requests() {
    use ce::operation::get_cost_and_usage::GetCostAndUsageOutput;
    let pages = mock!(ce::Client::get_cost_and_usage)
        .match_requests(|r| {
            r.granularity() == Some(&ce::types::Granularity::Daily)
                && r.metrics() == ["UnblendedCost"]
                && r.group_by().iter().any(|g| g.key() == Some("SERVICE"))
                && r.time_period()
                    .is_some_and(|p| p.start() == "2026-11-01" && p.end() == "2026-11-03")
        })
        .sequence()
        .output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(cost_result(
                    "2026-11-01",
                    "2026-11-02",
                    &[
                        ("Amazon Redshift", "0.1000000001"),
                        ("AWS Database Migration Service", "0.2"),
                    ],
                ))
                .results_by_time(cost_result(
                    "2026-11-02",
                    "2026-11-03",
                    &[("Amazon Redshift", "0.1")],
                ))
                .next_page_token("page-2")
                .build()
        })
        .output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(cost_result(
                    "2026-11-02",
                    "2026-11-03",
                    &[("Amazon Redshift", "0.2000000002")],
                ))
                .build()
        })
        .build();
    let client = mock_client!(ce, [&pages]);
    let adapter = CostExplorer::new(client, CostConfig::default(), context("Cost Explorer"));
    let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
    let series = adapter.daily_spend(start, end).await.expect("spend");
    assert_eq!(series.unit, "USD");
    assert_eq!(
        series.days.len(),
        2,
        "a day split over two pages is one day"
    );
    assert_eq!(series.total(), "0.6000000003".parse::<Decimal>().unwrap());
    assert_eq!(
        series.days[1].by_service,
        [(
            "Amazon Redshift".to_string(),
            "0.3000000002".parse().unwrap()
        )]
    );
    assert!(series.days[0].estimated);
    assert_eq!(adapter.billed_requests(), Some(2), "each page is billed");
    assert_eq!(pages.num_calls(), 2);
}

#[tokio::test]
async fn cost_filters_to_the_environment_and_names_a_bad_amount() {
    use ce::operation::get_cost_and_usage::GetCostAndUsageOutput;
    let scoped = mock!(ce::Client::get_cost_and_usage)
        .match_requests(|r| {
            let Some(filter) = r.filter() else {
                return false;
            };
            let parts = filter.and();
            parts.len() == 2
                && parts[0]
                    .dimensions()
                    .is_some_and(|d| d.values() == ["123456789012"])
                && parts[1]
                    .tags()
                    .is_some_and(|t| t.key() == Some("team") && t.values() == ["data"])
        })
        .then_output(|| {
            GetCostAndUsageOutput::builder()
                .results_by_time(cost_result(
                    "2026-11-01",
                    "2026-11-02",
                    &[("Amazon S3", "12,5")],
                ))
                .build()
        });
    let client = mock_client!(ce, [&scoped]);
    let scope = CostConfig {
        linked_accounts: vec!["123456789012".into()],
        tags: vec![("team".into(), vec!["data".into()])],
    };
    let adapter = CostExplorer::new(client, scope, context("Cost Explorer"));
    let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let error = adapter
        .daily_spend(start, start.succ_opt().unwrap())
        .await
        .expect_err("a comma is not a decimal point");
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert_eq!(
        error.message,
        "Cost Explorer: an amount that is not a number: `12,5`"
    );
    assert_eq!(scoped.num_calls(), 1);
}
