//! The DMS listing keeps the classic tasks it read when the Serverless listing fails (a
//! role without dms:DescribeReplications must not blank the DMS pane).

use aws_sdk_databasemigration as dms;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use opsdeck::aws::ErrorContext;
use opsdeck::aws::dms::Dms;
use opsdeck::config::DmsConfig;
use opsdeck::source::ReplicationSource;

#[tokio::test]
async fn classic_tasks_survive_a_refused_serverless_listing() {
    use dms::operation::describe_replication_tasks::DescribeReplicationTasksOutput;
    use dms::operation::describe_replications::DescribeReplicationsError;
    let classic = mock!(dms::Client::describe_replication_tasks).then_output(|| {
        DescribeReplicationTasksOutput::builder()
            .replication_tasks(
                dms::types::ReplicationTask::builder()
                    .replication_task_identifier("orders-nightly-full-load")
                    .replication_task_arn("arn:aws:dms:eu-west-1:123456789012:task:ORDERS")
                    .status("failed")
                    .build(),
            )
            .build()
    });
    let denied = mock!(dms::Client::describe_replications).then_error(|| {
        DescribeReplicationsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedFault")
                .message("not authorized to perform: dms:DescribeReplications")
                .build(),
        )
    });
    let client = mock_client!(dms, RuleMode::MatchAny, [&classic, &denied]);
    let adapter = Dms::new(
        client,
        DmsConfig::default(),
        ErrorContext::new("DMS", Some("data-prod".into())),
    );
    let tasks = adapter.tasks().await.expect("the classic tasks are shown");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].id, "orders-nightly-full-load");
}
