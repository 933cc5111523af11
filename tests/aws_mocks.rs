//! The AWS adapters' mapping of every operation they call, through the real SDK clients
//! with `aws-smithy-mocks` answering in place of AWS: pages, fields, and errors.

use aws_sdk_costexplorer as ce;
use aws_sdk_databasemigration as dms;
use aws_sdk_redshiftdata as rsd;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::DateTime as SdkTime;
use aws_smithy_types::error::ErrorMetadata;
use chrono::NaiveDate;
use opsdeck::aws::ErrorContext;
use opsdeck::aws::cost::CostExplorer;
use opsdeck::aws::dms::Dms;
use opsdeck::aws::redshift::Redshift;
use opsdeck::config::{CostConfig, DmsConfig, RedshiftAuth, RedshiftConfig, RedshiftTarget};
use opsdeck::domain::{Health, QueryStatus};
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
        let client = mock_client!(dms, [&denied]);
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
                && r.sql().is_some_and(|sql| sql.contains("sys_query_history"))
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
    assert_eq!(execute.num_calls(), 1);
    assert_eq!(describe.num_calls(), 2, "waited until FINISHED");
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
