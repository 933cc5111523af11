//! The traits, through `sources()`.

use chrono::Duration;

use super::super::DemoPlatform;
use super::snapshot_time;
use crate::source::ErrorKind;

#[tokio::test(flavor = "current_thread")]
async fn the_traits_work_through_sources() {
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    assert_eq!(sources.clock.now(), snapshot_time());
    let tasks = sources.replication.tasks().await.unwrap_or_default();
    assert_eq!(tasks, platform.tasks());
    let stats = sources
        .replication
        .table_statistics("orders-nightly-full-load")
        .await;
    assert!(stats.is_ok_and(|s| s.iter().any(|t| t.table == "order_items")));
    let missing = sources.replication.table_statistics("no-such-task").await;
    assert!(matches!(missing, Err(e) if e.kind == ErrorKind::NotFound));
    let runs = sources.workflow.runs().await.unwrap_or_default();
    let first = runs.first().unwrap_or_else(|| panic!("runs"));
    let instances = sources
        .workflow
        .task_instances(&first.dag_id, &first.run_id)
        .await;
    assert!(instances.is_ok_and(|i| !i.is_empty()));
    assert!(
        !sources
            .warehouse
            .queries()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    let today = snapshot_time().date_naive();
    let spend = sources
        .cost
        .daily_spend(today - Duration::days(6), today)
        .await;
    assert_eq!(spend.map(|s| s.days.len()).unwrap_or_default(), 6);
    platform.advance(Duration::minutes(90));
    assert_eq!(sources.clock.now(), snapshot_time() + Duration::minutes(90));
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_task_log_tail_is_its_error() {
    use crate::domain::{RunState, TaskState};
    let platform = DemoPlatform::frozen(7, snapshot_time());
    let sources = platform.sources();
    let runs = sources.workflow.runs().await.unwrap_or_default();
    let failed = runs
        .iter()
        .find(|r| r.state == RunState::Failed)
        .unwrap_or_else(|| panic!("a failed run"));
    let tasks = sources
        .workflow
        .task_instances(&failed.dag_id, &failed.run_id)
        .await
        .unwrap_or_default();
    let task = tasks
        .iter()
        .find(|t| t.state == TaskState::Failed)
        .unwrap_or_else(|| panic!("a failed task"));
    let log = sources
        .workflow
        .task_log(
            &failed.dag_id,
            &failed.run_id,
            &task.task_id,
            task.try_number,
        )
        .await;
    assert_eq!(log.ok(), task.error.clone());
    let never = sources
        .workflow
        .task_log(&failed.dag_id, &failed.run_id, &task.task_id, 0)
        .await;
    assert!(matches!(never, Err(e) if e.kind == ErrorKind::NotFound));
}
