//! The operator's actions change the simulated platform as the real services would.

use chrono::Duration;

use super::super::DemoPlatform;
use super::snapshot_time;
use crate::domain::{
    ClearScope, Health, QueryStatus, RunState, StartMode, StatementState, TaskStatus,
};
use crate::source::ErrorKind;

#[tokio::test(flavor = "current_thread")]
async fn a_failed_full_load_resumes_and_recovers_and_cannot_be_started_twice() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    let tasks = platform.tasks();
    let failed = tasks
        .iter()
        .find(|t| t.health() == Health::Failed && !t.serverless)
        .expect("seed 7 has a failed task");
    // A task that ran before cannot be started as if it never had.
    let wrong = sources
        .replication
        .start_task(&failed.arn, false, StartMode::StartReplication)
        .await;
    assert!(matches!(wrong, Err(e) if e.kind == ErrorKind::Rejected));

    let outcome = sources
        .replication
        .start_task(&failed.arn, false, StartMode::ResumeProcessing)
        .await
        .expect("a failed task starts");
    assert!(outcome.request_id.is_some());
    assert!(outcome.message.contains(&failed.id), "{}", outcome.message);
    let now = platform
        .tasks()
        .into_iter()
        .find(|t| t.id == failed.id)
        .unwrap();
    assert!(
        matches!(now.status, TaskStatus::Starting | TaskStatus::Running),
        "{:?}",
        now.status
    );
    // A second start while it runs is refused, as DMS refuses it.
    let again = sources
        .replication
        .start_task(&failed.arn, false, StartMode::ResumeProcessing)
        .await;
    assert!(
        matches!(again, Err(e) if e.kind == ErrorKind::Rejected && e.message.contains("InvalidResourceStateFault"))
    );

    platform.advance(Duration::hours(3));
    let later = platform
        .tasks()
        .into_iter()
        .find(|t| t.id == failed.id)
        .unwrap();
    assert_eq!(later.health(), Health::Ok, "{later:?}");
    assert_eq!(later.status, TaskStatus::Stopped);
}

#[tokio::test(flavor = "current_thread")]
async fn a_running_cdc_task_reloads_tables_and_cannot_be_started() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    let cdc = platform
        .tasks()
        .into_iter()
        .find(|t| {
            t.migration_type != crate::domain::MigrationType::FullLoad
                && t.status == TaskStatus::Running
        })
        .expect("a running CDC task");
    let tables = platform.table_statistics(&cdc.id).unwrap();
    let names: Vec<_> = tables
        .iter()
        .take(2)
        .map(|t| crate::domain::TableName {
            schema: t.schema.clone(),
            table: t.table.clone(),
        })
        .collect();
    let outcome = sources
        .replication
        .reload_tables(&cdc.arn, cdc.serverless, &names)
        .await
        .expect("a running task reloads tables");
    assert!(
        outcome.message.contains("2 table(s)"),
        "{}",
        outcome.message
    );
    let after = platform.table_statistics(&cdc.id).unwrap();
    assert_eq!(after[0].state, crate::domain::TableState::BeingReloaded);
    // Eleven tables are more than one call takes.
    let many = vec![names[0].clone(); 11];
    let refused = sources
        .replication
        .reload_tables(&cdc.arn, false, &many)
        .await;
    assert!(matches!(refused, Err(e) if e.kind == ErrorKind::Rejected));
    // A running task cannot be started.
    let running = sources
        .replication
        .start_task(&cdc.arn, false, StartMode::ResumeProcessing)
        .await;
    assert!(matches!(running, Err(e) if e.kind == ErrorKind::Rejected));
}

#[tokio::test(flavor = "current_thread")]
async fn clearing_a_failed_run_previews_then_runs_it_to_success() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    // The earliest failure of the night is the root cause: a run whose sensor waits for
    // a failed upstream DAG would fail again, as it would on Airflow.
    let run = platform
        .runs()
        .into_iter()
        .filter(|r| r.state == RunState::Failed)
        .min_by_key(|r| r.logical_date)
        .expect("seed 7 has a failed run");
    let before = platform.task_instances(&run.dag_id, &run.run_id).unwrap();
    let expected: Vec<String> = before
        .iter()
        .filter(|t| t.state.as_str() == "failed" || t.state.as_str() == "upstream_failed")
        .map(|t| t.task_id.clone())
        .collect();
    assert!(!expected.is_empty());
    let preview = sources
        .workflow
        .clear(&run.dag_id, &run.run_id, &ClearScope::Failed, true)
        .await
        .unwrap();
    let previewed: Vec<String> = preview.iter().map(|t| t.task_id.clone()).collect();
    assert_eq!(
        previewed, expected,
        "the dry run lists exactly the failed and upstream-failed"
    );
    // A dry run changes nothing.
    assert_eq!(
        platform.task_instances(&run.dag_id, &run.run_id).unwrap(),
        before
    );

    sources
        .workflow
        .clear(&run.dag_id, &run.run_id, &ClearScope::Failed, false)
        .await
        .unwrap();
    let cleared = platform
        .runs()
        .into_iter()
        .find(|r| r.run_id == run.run_id && r.dag_id == run.dag_id)
        .unwrap();
    assert!(
        matches!(cleared.state, RunState::Running | RunState::Queued),
        "{:?}",
        cleared.state
    );
    platform.advance(Duration::hours(4));
    let done = platform
        .runs()
        .into_iter()
        .find(|r| r.run_id == run.run_id && r.dag_id == run.dag_id)
        .unwrap();
    assert_eq!(done.state, RunState::Success, "{done:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn trigger_makes_a_new_run_and_queries_rerun_and_cancel() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    let outcome = sources.workflow.trigger("refresh_marts").await.unwrap();
    assert!(outcome.message.contains("manual__"), "{}", outcome.message);
    let created = outcome.created.clone().expect("the new run is named");
    assert!(outcome.message.contains(&created), "{}", outcome.message);
    platform.advance(Duration::minutes(2));
    assert!(
        platform
            .runs()
            .iter()
            .any(|r| r.dag_id == "refresh_marts" && outcome.message.contains(&r.run_id))
    );
    let missing = sources.workflow.trigger("no_such_dag").await;
    assert!(matches!(missing, Err(e) if e.kind == ErrorKind::NotFound));

    let before = platform.queries().len();
    let (_, rerun) = platform.rerun_a_failed_query().await;
    assert!(rerun.created.is_some(), "a re-run names its statement");
    assert!(platform.queries().len() > before);

    let running = platform
        .queries()
        .into_iter()
        .find(|q| q.status == QueryStatus::Running)
        .or_else(|| {
            platform.advance(Duration::minutes(1));
            platform
                .queries()
                .into_iter()
                .find(|q| q.status == QueryStatus::Running)
        });
    if let Some(running) = running {
        sources
            .warehouse
            .cancel(running.query_id, running.pid)
            .await
            .unwrap();
        let now = platform
            .queries()
            .into_iter()
            .find(|q| q.query_id == running.query_id)
            .unwrap();
        assert_eq!(now.status, QueryStatus::Canceled);
        let twice = sources
            .warehouse
            .cancel(running.query_id, running.pid)
            .await;
        assert!(matches!(twice, Err(e) if e.kind == ErrorKind::Rejected));
    } else {
        panic!("the demo warehouse has a running query within a minute of 09:30");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_rerun_is_followed_through_its_statement_and_cancelled_by_it() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    let (failed, rerun) = platform.rerun_a_failed_query().await;
    let statement = rerun.created.clone().expect("a re-run names its statement");
    assert!(rerun.message.contains(&statement), "{}", rerun.message);
    // The statement is followed as the Data API describes it: submitted while it queues,
    // then started with a query id, then finished as that query.
    let first = sources.warehouse.statement(&statement).await.unwrap();
    assert_eq!(first.state, StatementState::Submitted);
    assert_eq!(first.query_id, None);
    platform.advance(Duration::seconds(1));
    let started = sources.warehouse.statement(&statement).await.unwrap();
    let query_id = started
        .query_id
        .expect("a started statement has a query id");
    let row = platform
        .queries()
        .into_iter()
        .find(|q| q.query_id == query_id)
        .expect("the re-run is a row of the query history");
    assert_eq!(row.text, failed.text);
    platform.advance(Duration::hours(3));
    let ended = sources.warehouse.statement(&statement).await.unwrap();
    assert_eq!(ended.state, StatementState::Finished, "{ended:?}");
    assert_eq!(ended.query_id, Some(query_id));
    let unknown = sources.warehouse.statement("not-a-statement").await;
    assert!(matches!(unknown, Err(e) if e.kind == ErrorKind::NotFound));

    // A second re-run cancelled through its statement ends aborted.
    let again = sources
        .warehouse
        .rerun(Some(&failed.database), &failed.text)
        .await
        .unwrap()
        .created
        .unwrap();
    platform.advance(Duration::seconds(1));
    let cancelled = sources.warehouse.cancel_statement(&again).await.unwrap();
    assert!(cancelled.message.contains(&again), "{}", cancelled.message);
    let aborted = sources.warehouse.statement(&again).await.unwrap();
    assert_eq!(aborted.state, StatementState::Aborted, "{aborted:?}");
    let twice = sources.warehouse.cancel_statement(&again).await;
    assert!(matches!(twice, Err(e) if e.kind == ErrorKind::Rejected));
}
