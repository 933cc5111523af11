//! The ports: one async trait per kind of source, each answering in domain types or a
//! [`SourceError`] that says what kind of failure it was.
//!
//! Adapters (AWS, self-managed Airflow) and the demo platform implement these; the
//! pollers and the runtime only ever see the traits.

mod update;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::cost::{CostAnomaly, CostQuery, Forecast, Metric};
use crate::domain::{
    ActionOutcome, ClearScope, ClearedTask, QueryRecord, ReplicationTask, SpendSeries, StartMode,
    StatementProgress, TableName, TableStatistics, TaskInstance, TaskSettings, WorkflowRun,
};

pub use update::{DetailPayload, DetailRequest, Payload, Update};

/// The four kinds of source the console reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::VariantArray)]
pub enum SourceKind {
    Replication,
    Workflow,
    Warehouse,
    Cost,
}

impl SourceKind {
    /// Every kind, in tab order (the order of declaration).
    pub const ALL: &'static [SourceKind] = <SourceKind as strum::VariantArray>::VARIANTS;

    /// The name used in config files (`[intervals] replication = 15`).
    pub fn config_name(self) -> &'static str {
        match self {
            SourceKind::Replication => "replication",
            SourceKind::Workflow => "workflow",
            SourceKind::Warehouse => "warehouse",
            SourceKind::Cost => "cost",
        }
    }

    /// The name of the service behind it, as the operator says it.
    pub fn service_name(self) -> &'static str {
        match self {
            SourceKind::Replication => "DMS",
            SourceKind::Workflow => "Airflow",
            SourceKind::Warehouse => "Redshift",
            SourceKind::Cost => "Cost",
        }
    }

    /// The service's full name, as messages say it ("Cost Explorer: …"); the same as
    /// [`SourceKind::service_name`] but for Cost Explorer, whose short name is a label.
    pub fn message_name(self) -> &'static str {
        match self {
            SourceKind::Cost => "Cost Explorer",
            other => other.service_name(),
        }
    }
}

/// What kind of failure a source call met; decides the hint shown to the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Missing, invalid or expired credentials.
    Auth,
    /// The caller is not allowed to do this.
    Permission,
    /// The service asked us to slow down.
    Throttled,
    /// The endpoint could not be reached (network, DNS, timeout).
    Unreachable,
    /// The thing asked for does not exist.
    NotFound,
    /// The service answered with something we could not read.
    BadResponse,
    /// The service refused the request as it stands (invalid state, bad parameter).
    Rejected,
    /// The environment does not name this source (nothing to ask).
    NotConfigured,
    /// The environment names this source, but a setting it needs is missing (no region):
    /// nothing was sent.
    Misconfigured,
}

/// A failed source call: its kind, a one-line cause, and a hint for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl SourceError {
    /// A new error of the given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SourceError {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint of what to do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// The result of a source call.
pub type SourceResult<T> = Result<T, SourceError>;

/// Replication tasks (DMS).
#[async_trait]
pub trait ReplicationSource: Send + Sync {
    /// Every replication task in scope, with its latest statistics.
    async fn tasks(&self) -> SourceResult<Vec<ReplicationTask>>;
    /// Per-table statistics of one task, by its identifier.
    async fn table_statistics(&self, task_id: &str) -> SourceResult<Vec<TableStatistics>>;
    /// The settings of one task that matter before a retry (read on demand: large).
    async fn task_settings(&self, task_id: &str) -> SourceResult<TaskSettings>;
    /// Starts a task again in `mode` (StartReplicationTask; StartReplication for a
    /// Serverless replication, whose `arn` is the replication config's).
    async fn start_task(
        &self,
        arn: &str,
        serverless: bool,
        mode: StartMode,
    ) -> SourceResult<ActionOutcome> {
        let _ = (arn, serverless, mode);
        Err(cannot("start replication tasks"))
    }
    /// Reloads some tables of a running task (ReloadTables; ReloadReplicationTables for
    /// Serverless), at most [`crate::domain::MAX_RELOAD_TABLES`].
    async fn reload_tables(
        &self,
        arn: &str,
        serverless: bool,
        tables: &[TableName],
    ) -> SourceResult<ActionOutcome> {
        let _ = (arn, serverless, tables);
        Err(cannot("reload tables"))
    }
}

/// The error of a source that does not offer an action.
fn cannot(what: &str) -> SourceError {
    SourceError::new(
        ErrorKind::NotConfigured,
        format!("this source cannot {what}"),
    )
}

/// Workflow runs (Airflow).
#[async_trait]
pub trait WorkflowSource: Send + Sync {
    /// Recent runs of every workflow, newest first.
    async fn runs(&self) -> SourceResult<Vec<WorkflowRun>>;
    /// [`WorkflowSource::runs`], handing `early` what can be shown already when a long read
    /// (the first of a large platform) has more pages to go.
    async fn runs_progressively(
        &self,
        early: &(dyn Fn(Vec<WorkflowRun>) + Send + Sync),
    ) -> SourceResult<Vec<WorkflowRun>> {
        let _ = early;
        self.runs().await
    }
    /// The task instances of one run.
    async fn task_instances(&self, dag_id: &str, run_id: &str) -> SourceResult<Vec<TaskInstance>>;
    /// The last lines of one try's log of a task instance (where a failure says why), as
    /// the source wrote them: remote text, to be sanitized before display.
    async fn task_log(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
    ) -> SourceResult<String> {
        let _ = (dag_id, run_id, task_id, try_number);
        Err(SourceError::new(
            ErrorKind::NotConfigured,
            "this workflow source does not serve task logs",
        ))
    }
    /// Clears task instances of a run so the same run runs them again
    /// (clearTaskInstances). With `dry_run` nothing changes: the answer lists what a clear
    /// would reset, for the dialog's preview.
    async fn clear(
        &self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
        dry_run: bool,
    ) -> SourceResult<Vec<ClearedTask>> {
        let _ = (dag_id, run_id, scope, dry_run);
        Err(cannot("clear task instances"))
    }
    /// Starts a new run of a DAG (a new run id: not a retry). The outcome names the run.
    async fn trigger(&self, dag_id: &str) -> SourceResult<ActionOutcome> {
        let _ = dag_id;
        Err(cannot("trigger DAG runs"))
    }
}

/// Warehouse query health (Redshift).
#[async_trait]
pub trait WarehouseSource: Send + Sync {
    /// Recent and active queries: the failed, the running, the queued and the slow.
    async fn queries(&self) -> SourceResult<Vec<QueryRecord>>;
    /// Runs a query's full SQL again as a new statement; the outcome names the statement.
    async fn rerun(&self, database: Option<&str>, sql: &str) -> SourceResult<ActionOutcome> {
        let _ = (database, sql);
        Err(cannot("run queries"))
    }
    /// Cancels a running query (pg_cancel_backend on its process id).
    async fn cancel(&self, query_id: i64, pid: Option<i64>) -> SourceResult<ActionOutcome> {
        let _ = (query_id, pid);
        Err(cannot("cancel queries"))
    }
    /// Where a statement the console submitted (a re-run) stands.
    async fn statement(&self, id: &str) -> SourceResult<StatementProgress> {
        let _ = id;
        Err(cannot("describe statements"))
    }
    /// Cancels a statement the console submitted (CancelStatement on its id).
    async fn cancel_statement(&self, id: &str) -> SourceResult<ActionOutcome> {
        let _ = id;
        Err(cannot("cancel statements"))
    }
}

/// Spend (Cost Explorer).
#[async_trait]
pub trait CostSource: Send + Sync {
    /// Daily spend by service from `start` to `end` (exclusive).
    async fn daily_spend(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<SpendSeries>;
    /// The answer to a cost review's query: amounts per day (or month) per group, in the
    /// query's metric. The groups are in `by_service` whatever the grouping.
    async fn cost(&self, query: &CostQuery) -> SourceResult<SpendSeries> {
        if query.is_daily_by_service() {
            return self.daily_spend(query.start, query.end).await;
        }
        Err(cannot("group or filter spend"))
    }
    /// The forecast of spend from `start` to `end` (exclusive; `start` at most today).
    async fn forecast(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        metric: Metric,
    ) -> SourceResult<Forecast> {
        let _ = (start, end, metric);
        Err(cannot("forecast spend"))
    }
    /// The spend anomalies detected from `start` to `end` (exclusive).
    async fn anomalies(&self, start: NaiveDate, end: NaiveDate) -> SourceResult<Vec<CostAnomaly>> {
        let _ = (start, end);
        Err(cannot("report spend anomalies"))
    }
    /// [`CostSource::forecast`], with the time it was fetched when that was before this
    /// call (an answer kept from earlier); none for an answer fetched now.
    async fn forecast_dated(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        metric: Metric,
    ) -> SourceResult<(Forecast, Option<DateTime<Utc>>)> {
        self.forecast(start, end, metric).await.map(|f| (f, None))
    }
    /// [`CostSource::anomalies`], dated as [`CostSource::forecast_dated`] is.
    async fn anomalies_dated(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> SourceResult<(Vec<CostAnomaly>, Option<DateTime<Utc>>)> {
        self.anomalies(start, end).await.map(|a| (a, None))
    }
    /// Requests this session has sent to a provider that bills each one; `None` for a
    /// provider that does not bill (the demo).
    fn billed_requests(&self) -> Option<u64> {
        None
    }
    /// Makes the next `daily_spend` ask the provider even if a cached answer is fresh.
    fn bypass_cache_once(&self) {}
    /// Why the last answer handed out from a cache past its time was not renewed: the
    /// provider failed and the older answer was served instead. `None` when the last
    /// answer was fresh or renewed, and for a source without a cache.
    fn renewal_error(&self) -> Option<SourceError> {
        None
    }
}

/// A source the environment does not configure: every call says so, with the config
/// section that would set it up.
#[derive(Debug, Clone)]
pub struct Unconfigured {
    /// The environment's name.
    pub environment: String,
    /// The config table that would configure it (`[environment.redshift]`).
    pub section: &'static str,
    /// The service, as the operator says it.
    pub service: &'static str,
}

impl Unconfigured {
    fn error(&self) -> SourceError {
        SourceError::new(
            ErrorKind::NotConfigured,
            format!(
                "{} is not configured for environment `{}`",
                self.service, self.environment
            ),
        )
        .with_hint(format!(
            "add {} to the config: see docs/configuration.md",
            self.section
        ))
    }
}

#[async_trait]
impl WorkflowSource for Unconfigured {
    async fn runs(&self) -> SourceResult<Vec<WorkflowRun>> {
        Err(self.error())
    }
    async fn task_instances(&self, _: &str, _: &str) -> SourceResult<Vec<TaskInstance>> {
        Err(self.error())
    }
    async fn task_log(&self, _: &str, _: &str, _: &str, _: u32) -> SourceResult<String> {
        Err(self.error())
    }
}

#[async_trait]
impl WarehouseSource for Unconfigured {
    async fn queries(&self) -> SourceResult<Vec<QueryRecord>> {
        Err(self.error())
    }
}

/// The platform's notion of "now": the wall clock for real platforms, a simulated clock for
/// the demo (which may run faster than real time).
pub trait PlatformClock: Send + Sync {
    /// The current time on the platform.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl PlatformClock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Everything one environment's console reads, behind the traits.
#[derive(Clone)]
pub struct Sources {
    pub replication: Arc<dyn ReplicationSource>,
    pub workflow: Arc<dyn WorkflowSource>,
    pub warehouse: Arc<dyn WarehouseSource>,
    pub cost: Arc<dyn CostSource>,
    pub clock: Arc<dyn PlatformClock>,
    pub identity: Arc<dyn Identity>,
}

/// Who the environment's credentials belong to, for the audit log.
#[async_trait]
pub trait Identity: Send + Sync {
    /// The caller's ARN (or the demo's operator); an error when the credentials say none.
    async fn caller(&self) -> SourceResult<String>;
}
