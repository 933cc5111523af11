//! The embedded demo platform: a simulated company's data platform, in-process, behind
//! the same traits as the real AWS adapters.
//!
//! Six operational databases are copied nightly by DMS full loads and continuously by
//! CDC tasks; Airflow DAGs land, clean and anonymise the data and build it with dbt; a
//! Redshift warehouse serves dashboards; Cost Explorer shows 90 days of spend. Things
//! progress with the platform's clock, and fail now and then, from a seeded generator:
//! the same seed and the same simulated time always give the same state.
//!
//! ```no_run
//! use opsdeck::demo::{DemoOptions, DemoPlatform};
//!
//! let platform = DemoPlatform::new(DemoOptions::default());
//! let sources = platform.sources();
//! # let _ = sources;
//! ```

mod actions;
mod backstory;
mod catalog;
mod cdc;
pub mod cost;
mod dags;
mod dms_messages;
pub mod load;
mod messages;
mod replication;
mod seed;
pub(crate) mod simulation;
mod spend;
mod sql;
mod task_instances;
mod warehouse;
mod workflow;
mod workflow_view;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::cost::{CostAnomaly, CostQuery, Forecast, Metric};
use crate::domain::{
    ActionOutcome, ClearScope, ClearedTask, MigrationType, QueryRecord, ReplicationTask,
    SpendSeries, StartMode, StatementProgress, TableName, TablePrepMode, TableStatistics,
    TaskInstance, TaskSettings, WorkflowRun,
};
use crate::source::{
    CostSource, ErrorKind, PlatformClock, ReplicationSource, SourceError, SourceResult, Sources,
    WarehouseSource, WorkflowSource,
};
use simulation::Simulation;
pub use simulation::story_anchor;

/// The demo's pipeline definition, in the config file's format; its stages name the
/// demo's replication tasks and DAGs.
pub const PIPELINE_TOML: &str = include_str!("pipeline.toml");

/// The seed the application uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 7;

/// How to start a live demo platform.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    /// Chooses the company's history and fate; the same seed replays the same story.
    pub seed: u64,
    /// Simulated seconds per wall-clock second (1.0 is real time).
    pub speed: f64,
    /// The platform time at creation.
    pub start: DateTime<Utc>,
    /// Where the backstory is placed (its failures happen in the hours before it): an
    /// earlier demo's, so that demos of one seed started apart tell the same story and
    /// show the same items with the same ids at the same demo time. None (or one after
    /// `start`): around the start, see [`story_anchor`].
    pub story: Option<DateTime<Utc>>,
    /// A retried failure fails again: the cause was not dealt with (to rehearse a retry,
    /// or a recovery plan, that stops).
    pub keep_faults: bool,
}

impl Default for DemoOptions {
    /// Seed 7, real time, starting now.
    fn default() -> Self {
        DemoOptions {
            seed: DEFAULT_SEED,
            speed: 1.0,
            start: Utc::now(),
            story: None,
            keep_faults: false,
        }
    }
}

/// How the platform's clock moves besides `advance`.
enum Pace {
    /// With the wall clock, scaled.
    Live { since: Instant, speed: f64 },
    /// Not at all.
    Frozen,
}

/// The platform's clock: a start, a pace, and what `advance` added.
struct DemoClock {
    start: DateTime<Utc>,
    pace: Pace,
    advanced_micros: AtomicI64,
}

impl DemoClock {
    fn now(&self) -> DateTime<Utc> {
        let mut micros = self.advanced_micros.load(Ordering::Relaxed);
        if let Pace::Live { since, speed } = &self.pace {
            // Float to integer casts saturate, so an absurd speed cannot wrap around.
            let run = (since.elapsed().as_secs_f64() * speed * 1e6) as i64;
            micros = micros.saturating_add(run);
        }
        // A century either way is more than any demo needs, and keeps every date
        // computation of the simulation far from chrono's limits.
        let limit = Duration::days(36_500)
            .num_microseconds()
            .unwrap_or(i64::MAX);
        self.start + Duration::microseconds(micros.clamp(-limit, limit))
    }
}

/// The simulated platform. Cheap to clone: clones share the simulation and the clock.
#[derive(Clone)]
pub struct DemoPlatform {
    simulation: Arc<Mutex<Simulation>>,
    clock: Arc<DemoClock>,
}

impl fmt::Debug for DemoPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoPlatform")
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}

impl DemoPlatform {
    /// A live platform: its time is `options.start` plus the wall-clock time elapsed
    /// since creation times `options.speed`.
    pub fn new(options: DemoOptions) -> Self {
        let speed = if options.speed.is_finite() {
            options.speed.max(0.0)
        } else {
            1.0
        };
        let platform = Self::build(
            options.seed,
            options.start,
            options.story,
            Pace::Live {
                since: Instant::now(),
                speed,
            },
        );
        platform
            .simulation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .replication
            .keep_faults = options.keep_faults;
        platform
    }

    /// For tests: a platform whose clock moves only with [`DemoPlatform::advance`].
    pub fn frozen(seed: u64, at: DateTime<Utc>) -> Self {
        Self::build(seed, at, None, Pace::Frozen)
    }

    fn build(seed: u64, start: DateTime<Utc>, story: Option<DateTime<Utc>>, pace: Pace) -> Self {
        DemoPlatform {
            simulation: Arc::new(Mutex::new(Simulation::new(seed, start, story))),
            clock: Arc::new(DemoClock {
                start,
                pace,
                advanced_micros: AtomicI64::new(0),
            }),
        }
    }

    /// Moves the clock forward (on a live platform, on top of the wall clock). The
    /// simulation cannot run backwards: after a negative advance, reads keep showing
    /// the latest time they showed.
    pub fn advance(&self, by: Duration) {
        let micros = by.num_microseconds().unwrap_or(if by < Duration::zero() {
            i64::MIN
        } else {
            i64::MAX
        });
        // fetch_update with a closure that always answers Some cannot fail.
        let _ =
            self.clock
                .advanced_micros
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                    Some(old.saturating_add(micros))
                });
    }

    /// The platform's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Every source of the platform, clock included, each a handle on this platform.
    pub fn sources(&self) -> Sources {
        Sources {
            replication: Arc::new(self.clone()),
            workflow: Arc::new(self.clone()),
            warehouse: Arc::new(self.clone()),
            cost: Arc::new(self.clone()),
            clock: Arc::new(self.clone()),
            identity: Arc::new(DemoIdentity),
        }
    }

    /// Runs a read on the simulation brought up to the clock's now. The lock is held
    /// only for the stepping and the read, never across an await.
    fn read<T>(&self, read: impl FnOnce(&Simulation, DateTime<Utc>) -> T) -> T {
        let now = self.now();
        let mut simulation = self.lock();
        let shown = simulation.advance_to(now);
        read(&simulation, shown)
    }

    /// Carries an action out on the simulation brought up to now; the outcome has a
    /// request id of the demo's own, as a service's answer would.
    fn act(
        &self,
        action: impl FnOnce(&mut Simulation, DateTime<Utc>) -> SourceResult<String>,
    ) -> SourceResult<ActionOutcome> {
        let now = self.now();
        let mut simulation = self.lock();
        let shown = simulation.advance_to(now);
        let message = action(&mut simulation, shown)?;
        Ok(ActionOutcome {
            request_id: Some(format!("demo-{:x}", shown.timestamp_micros())),
            message,
            created: None,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Simulation> {
        // A panic in another reader leaves a state that is still whole (steps do not
        // unwind half way in practice); carry on rather than poison every later read.
        self.simulation
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every replication task (classic and serverless), full loads first.
    pub fn tasks(&self) -> Vec<ReplicationTask> {
        self.read(|sim, now| sim.tasks(now))
    }

    /// Per-table statistics of one task; `NotFound` for an unknown id.
    pub fn table_statistics(&self, task_id: &str) -> Result<Vec<TableStatistics>, SourceError> {
        self.read(|sim, now| sim.table_statistics(task_id, now))
            .ok_or_else(|| {
                SourceError::new(
                    ErrorKind::NotFound,
                    format!("replication task {task_id} not found"),
                )
            })
    }

    /// The settings of one task: the nightly full loads drop and re-create their target
    /// folders, the CDC tasks leave the target as it is.
    pub fn task_settings(&self, task_id: &str) -> Result<TaskSettings, SourceError> {
        let task = self
            .tasks()
            .into_iter()
            .find(|t| t.id == task_id)
            .ok_or_else(|| {
                SourceError::new(
                    ErrorKind::NotFound,
                    format!("replication task {task_id} not found"),
                )
            })?;
        let mode = match task.migration_type {
            MigrationType::Cdc => TablePrepMode::DoNothing,
            _ => TablePrepMode::DropAndCreate,
        };
        Ok(TaskSettings {
            target_table_prep_mode: Some(mode),
        })
    }

    /// The DAG runs of the last week, newest first.
    pub fn runs(&self) -> Vec<WorkflowRun> {
        self.read(|sim, now| sim.runs(now))
    }

    /// The task instances of one run; `NotFound` for an unknown DAG or run.
    pub fn task_instances(
        &self,
        dag_id: &str,
        run_id: &str,
    ) -> Result<Vec<TaskInstance>, SourceError> {
        self.read(|sim, _| sim.task_instances(dag_id, run_id))
            .ok_or_else(|| {
                SourceError::new(
                    ErrorKind::NotFound,
                    format!("DAG run {dag_id}/{run_id} not found"),
                )
            })
    }

    /// The warehouse's queries of the last 24 hours, newest first.
    pub fn queries(&self) -> Vec<QueryRecord> {
        self.read(|sim, now| sim.queries(now))
    }

    /// A failed query whose whole SQL is known, run again now: the query and the
    /// re-run's outcome (which names its statement).
    #[cfg(test)]
    pub(crate) async fn rerun_a_failed_query(&self) -> (QueryRecord, ActionOutcome) {
        let failed = self
            .queries()
            .into_iter()
            .find(|q| q.status == crate::domain::QueryStatus::Failed && !q.text_truncated)
            .expect("a failed query with its whole SQL");
        let outcome = WarehouseSource::rerun(self, Some(&failed.database), &failed.text)
            .await
            .expect("the re-run is submitted");
        (failed, outcome)
    }

    /// Daily spend by service from `start` to `end_exclusive`, up to the clock's today.
    pub fn daily_spend(&self, start: NaiveDate, end_exclusive: NaiveDate) -> SpendSeries {
        self.read(|sim, now| sim.daily_spend(start, end_exclusive, now))
    }
}

impl PlatformClock for DemoPlatform {
    fn now(&self) -> DateTime<Utc> {
        DemoPlatform::now(self)
    }
}

#[async_trait]
impl ReplicationSource for DemoPlatform {
    async fn tasks(&self) -> SourceResult<Vec<ReplicationTask>> {
        Ok(DemoPlatform::tasks(self))
    }

    async fn table_statistics(&self, task_id: &str) -> SourceResult<Vec<TableStatistics>> {
        DemoPlatform::table_statistics(self, task_id)
    }

    async fn task_settings(&self, task_id: &str) -> SourceResult<TaskSettings> {
        DemoPlatform::task_settings(self, task_id)
    }

    async fn start_task(
        &self,
        arn: &str,
        _serverless: bool,
        mode: StartMode,
    ) -> SourceResult<ActionOutcome> {
        self.act(|sim, now| sim.replication.start(arn, mode, now))
    }

    async fn reload_tables(
        &self,
        arn: &str,
        _serverless: bool,
        tables: &[TableName],
    ) -> SourceResult<ActionOutcome> {
        self.act(|sim, now| sim.replication.reload(arn, tables, now))
    }
}

#[async_trait]
impl WorkflowSource for DemoPlatform {
    async fn runs(&self) -> SourceResult<Vec<WorkflowRun>> {
        Ok(DemoPlatform::runs(self))
    }

    async fn task_instances(&self, dag_id: &str, run_id: &str) -> SourceResult<Vec<TaskInstance>> {
        DemoPlatform::task_instances(self, dag_id, run_id)
    }

    /// The simulated platform keeps no logs: a task's error stands for its log's tail.
    async fn task_log(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
    ) -> SourceResult<String> {
        let tasks = DemoPlatform::task_instances(self, dag_id, run_id)?;
        let task = tasks
            .iter()
            .find(|t| t.task_id == task_id && (1..=t.try_number).contains(&try_number))
            .ok_or_else(|| {
                SourceError::new(
                    ErrorKind::NotFound,
                    format!("no log of try {try_number} of task {task_id} in {dag_id}/{run_id}"),
                )
            })?;
        Ok(task
            .error
            .clone()
            .unwrap_or_else(|| format!("task {task_id} try {try_number}: {}", task.state.as_str())))
    }

    async fn clear(
        &self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
        dry_run: bool,
    ) -> SourceResult<Vec<ClearedTask>> {
        let now = self.now();
        let mut simulation = self.lock();
        let shown = simulation.advance_to(now);
        simulation
            .workflow
            .clear(dag_id, run_id, scope, dry_run, shown)
    }

    async fn trigger(&self, dag_id: &str) -> SourceResult<ActionOutcome> {
        let mut created = String::new();
        let outcome = self.act(|sim, now| {
            created = sim.workflow.trigger(dag_id, now)?;
            Ok(format!("new run {created} of {dag_id} queued"))
        })?;
        Ok(ActionOutcome {
            created: Some(created),
            ..outcome
        })
    }
}

#[async_trait]
impl WarehouseSource for DemoPlatform {
    async fn queries(&self) -> SourceResult<Vec<QueryRecord>> {
        Ok(DemoPlatform::queries(self))
    }

    async fn rerun(&self, _database: Option<&str>, sql: &str) -> SourceResult<ActionOutcome> {
        let mut query_id = 0;
        let outcome = self.act(|sim, now| {
            query_id = sim.warehouse.rerun(sql, now)?;
            Ok(format!(
                "statement {} submitted",
                actions::statement_id(query_id)
            ))
        })?;
        Ok(ActionOutcome {
            created: Some(actions::statement_id(query_id)),
            ..outcome
        })
    }

    async fn statement(&self, id: &str) -> SourceResult<StatementProgress> {
        self.read(|sim, now| sim.warehouse.statement(id, now))
    }

    async fn cancel_statement(&self, id: &str) -> SourceResult<ActionOutcome> {
        self.act(|sim, now| {
            sim.warehouse.cancel_statement(id, now)?;
            Ok(format!("statement {id} cancelled"))
        })
    }

    async fn cancel(&self, query_id: i64, pid: Option<i64>) -> SourceResult<ActionOutcome> {
        self.act(|sim, now| {
            sim.warehouse.cancel(query_id, now)?;
            Ok(match pid {
                Some(pid) => format!("cancel sent to process {pid} of query {query_id}"),
                None => format!("query {query_id} cancelled"),
            })
        })
    }
}

/// The demo's operator: the local user, on the demo platform.
struct DemoIdentity;

#[async_trait]
impl crate::source::Identity for DemoIdentity {
    async fn caller(&self) -> SourceResult<String> {
        let user = std::env::var("USER").unwrap_or_else(|_| "operator".to_string());
        Ok(format!("demo:{user}"))
    }
}

#[async_trait]
impl CostSource for DemoPlatform {
    async fn daily_spend(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<SpendSeries> {
        Ok(DemoPlatform::daily_spend(self, start, end))
    }

    async fn cost(&self, query: &CostQuery) -> SourceResult<SpendSeries> {
        Ok(self.read(|sim, now| sim.spend.query(query, now.date_naive())))
    }

    async fn forecast(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        _metric: Metric,
    ) -> SourceResult<Forecast> {
        Ok(self.read(|sim, now| sim.spend.forecast(start, end, now.date_naive())))
    }

    async fn anomalies(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<Vec<CostAnomaly>> {
        Ok(self.read(|sim, now| sim.spend.anomalies(start, end, now.date_naive())))
    }
}
