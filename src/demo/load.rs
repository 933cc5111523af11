//! Load trials: the demo platform with every list padded to a given number of rows, to
//! measure the console at the scale of a large company (`opsdeck --demo --demo-rows 10000`).
//!
//! Copies keep their original's state and are named after it with a `~N` suffix, so a
//! detail request for a copy is answered with its original's details.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    ActionOutcome, ClearScope, ClearedTask, QueryRecord, ReplicationTask, StartMode,
    StatementProgress, TableName, TableStatistics, TaskInstance, TaskSettings, WorkflowRun,
};
use crate::source::{ReplicationSource, SourceResult, Sources, WarehouseSource, WorkflowSource};

/// Separates an original's name from a copy's number.
const COPY_MARK: char = '~';

/// `sources` with the task, run and query lists each padded to at least `rows` rows.
pub fn padded(sources: Sources, rows: usize) -> Sources {
    let padding = Arc::new(Padded {
        inner: sources.clone(),
        rows,
    });
    Sources {
        replication: padding.clone(),
        workflow: padding.clone(),
        warehouse: padding,
        ..sources
    }
}

/// Pads `items` to `rows` with copies made by `copy(original, n)`.
pub fn pad<T: Clone>(items: Vec<T>, rows: usize, copy: impl Fn(&T, usize) -> T) -> Vec<T> {
    if items.is_empty() || items.len() >= rows {
        return items;
    }
    let originals = items.len();
    let mut padded = items;
    padded.reserve(rows - originals);
    for n in originals..rows {
        let copy = copy(&padded[n % originals], n / originals);
        padded.push(copy);
    }
    padded
}

/// The name of copy `n` of `name`.
pub fn copy_name(name: &str, n: usize) -> String {
    format!("{name}{COPY_MARK}{n}")
}

/// The original's name of a copy's name (a name that is no copy is its own original).
fn original_name(name: &str) -> &str {
    name.rsplit_once(COPY_MARK)
        .map_or(name, |(original, _)| original)
}

/// Copies of tasks, runs and queries, told apart by name (queries by id).
pub fn copy_task(task: &ReplicationTask, n: usize) -> ReplicationTask {
    ReplicationTask {
        id: copy_name(&task.id, n),
        arn: copy_name(&task.arn, n),
        ..task.clone()
    }
}

/// A copy of a DAG run under a copied DAG id.
pub fn copy_run(run: &WorkflowRun, n: usize) -> WorkflowRun {
    WorkflowRun {
        dag_id: copy_name(&run.dag_id, n),
        ..run.clone()
    }
}

/// A copy of a query under an id no real query has.
pub fn copy_query(query: &QueryRecord, n: usize) -> QueryRecord {
    QueryRecord {
        query_id: query.query_id.saturating_add(
            i64::try_from(n)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000_000),
        ),
        ..query.clone()
    }
}

struct Padded {
    inner: Sources,
    rows: usize,
}

#[async_trait]
impl ReplicationSource for Padded {
    async fn tasks(&self) -> SourceResult<Vec<ReplicationTask>> {
        Ok(pad(
            self.inner.replication.tasks().await?,
            self.rows,
            copy_task,
        ))
    }

    async fn table_statistics(&self, task_id: &str) -> SourceResult<Vec<TableStatistics>> {
        self.inner
            .replication
            .table_statistics(original_name(task_id))
            .await
    }

    async fn task_settings(&self, task_id: &str) -> SourceResult<TaskSettings> {
        self.inner
            .replication
            .task_settings(original_name(task_id))
            .await
    }

    // Actions go to the platform: the originals act as in the demo, a copy is refused
    // as an unknown item.
    async fn start_task(
        &self,
        arn: &str,
        serverless: bool,
        mode: StartMode,
    ) -> SourceResult<ActionOutcome> {
        self.inner
            .replication
            .start_task(arn, serverless, mode)
            .await
    }

    async fn reload_tables(
        &self,
        arn: &str,
        serverless: bool,
        tables: &[TableName],
    ) -> SourceResult<ActionOutcome> {
        self.inner
            .replication
            .reload_tables(arn, serverless, tables)
            .await
    }
}

#[async_trait]
impl WorkflowSource for Padded {
    async fn runs(&self) -> SourceResult<Vec<WorkflowRun>> {
        Ok(pad(self.inner.workflow.runs().await?, self.rows, copy_run))
    }

    async fn task_instances(&self, dag_id: &str, run_id: &str) -> SourceResult<Vec<TaskInstance>> {
        self.inner
            .workflow
            .task_instances(original_name(dag_id), run_id)
            .await
    }

    async fn task_log(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
    ) -> SourceResult<String> {
        self.inner
            .workflow
            .task_log(original_name(dag_id), run_id, task_id, try_number)
            .await
    }

    async fn clear(
        &self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
        dry_run: bool,
    ) -> SourceResult<Vec<ClearedTask>> {
        self.inner
            .workflow
            .clear(dag_id, run_id, scope, dry_run)
            .await
    }

    async fn trigger(&self, dag_id: &str) -> SourceResult<ActionOutcome> {
        self.inner.workflow.trigger(dag_id).await
    }
}

#[async_trait]
impl WarehouseSource for Padded {
    async fn queries(&self) -> SourceResult<Vec<QueryRecord>> {
        Ok(pad(
            self.inner.warehouse.queries().await?,
            self.rows,
            copy_query,
        ))
    }

    async fn rerun(&self, database: Option<&str>, sql: &str) -> SourceResult<ActionOutcome> {
        self.inner.warehouse.rerun(database, sql).await
    }

    async fn cancel(&self, query_id: i64, pid: Option<i64>) -> SourceResult<ActionOutcome> {
        self.inner.warehouse.cancel(query_id, pid).await
    }

    async fn statement(&self, id: &str) -> SourceResult<StatementProgress> {
        self.inner.warehouse.statement(id).await
    }

    async fn cancel_statement(&self, id: &str) -> SourceResult<ActionOutcome> {
        self.inner.warehouse.cancel_statement(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoPlatform;
    use chrono::{TimeZone, Utc};
    use std::collections::HashSet;

    #[tokio::test]
    async fn every_list_reaches_the_row_count_with_distinct_names() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        let sources = padded(DemoPlatform::frozen(7, at).sources(), 1000);
        let tasks = sources.replication.tasks().await.unwrap();
        let runs = sources.workflow.runs().await.unwrap();
        let queries = sources.warehouse.queries().await.unwrap();
        assert_eq!(tasks.len(), 1000);
        assert_eq!(runs.len(), 1000);
        assert_eq!(queries.len(), 1000);
        let ids: HashSet<_> = tasks.iter().map(|t| &t.id).collect();
        assert_eq!(ids.len(), 1000, "task ids are distinct");
        let ids: HashSet<_> = queries.iter().map(|q| q.query_id).collect();
        assert_eq!(ids.len(), 1000, "query ids are distinct");
        let copy = tasks.last().unwrap();
        assert!(copy.id.contains(COPY_MARK));
        let stats = sources.replication.table_statistics(&copy.id).await;
        assert!(stats.is_ok(), "a copy's details are its original's");
    }

    #[tokio::test]
    async fn actions_reach_the_platform_under_the_padding() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        let sources = padded(DemoPlatform::frozen(7, at).sources(), 1000);
        let tasks = sources.replication.tasks().await.unwrap();
        let failed = tasks
            .iter()
            .find(|t| t.status == crate::domain::TaskStatus::Failed && !t.id.contains(COPY_MARK))
            .expect("the demo's failed load");
        let started = sources
            .replication
            .start_task(&failed.arn, failed.serverless, StartMode::ResumeProcessing)
            .await;
        assert!(started.is_ok(), "{started:?}");
    }

    #[test]
    fn nothing_to_pad_stays_as_it_is() {
        assert!(pad(Vec::<u8>::new(), 10, |x, _| *x).is_empty());
        assert_eq!(pad(vec![1, 2, 3], 2, |x, _| *x), vec![1, 2, 3]);
        assert_eq!(
            pad(vec![1, 2], 5, |x, n| x * 10 + n as i32),
            vec![1, 2, 11, 21, 12]
        );
    }
}
