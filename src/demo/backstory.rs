//! The backstory: what must have happened before the demo starts so that every seed, at
//! any time of day, opens on a console with something to look at — a failed load, a
//! failed run, a degraded CDC task, failed, slow, queued and cancelled queries.
//!
//! The seed decides which database, DAG task, table and query; the start time decides
//! only when, so that each forced item is visible at the start.

use chrono::{DateTime, Duration, Utc};

use super::catalog::{ANALYSTS, CDC_TASKS, DASHBOARDS, DATABASES, MATERIALIZED_VIEWS, SERVERLESS};
use super::cdc::CdcEvent;
use super::dms_messages::LoadFailure;
use super::messages::TaskFailure;
use super::replication::ForcedLoadFailure;
use super::seed::{Seed, midnight, minute_of_day, minutes_between, seconds_between, text_key};
use super::sql;
use super::warehouse::{Outcome, PlannedQuery};
use super::workflow::{ForcedManualRun, ForcedTaskFailure};

/// How many days of history the simulation plays before the start.
const HISTORY_DAYS: i64 = 3;

/// Everything forced into the history before the start.
pub(super) struct Backstory {
    /// Where the simulation begins: midnight, a few days before the start.
    pub origin: DateTime<Utc>,
    pub load_failure: ForcedLoadFailure,
    pub task_failure: ForcedTaskFailure,
    pub manual_run: ForcedManualRun,
    pub cdc_events: Vec<CdcEvent>,
    pub queries: Vec<PlannedQuery>,
}

impl Backstory {
    /// The backstory of a seed for a demo starting at `start`.
    pub fn new(seed: Seed, start: DateTime<Utc>) -> Self {
        let mut rng = seed.rng(&[text_key("backstory")]);
        let today = start.date_naive();
        let time_of_day = minute_of_day(start);
        let mut cdc_events = Vec::new();

        // The loads restart at 01:00; a failure tonight is only sure to show from 01:05.
        // Before that, last night's failure shows, except in the minutes when tonight's
        // loads have already restarted: then the serverless replication is the one down.
        let night = if time_of_day >= 65 {
            today
        } else {
            today - Duration::days(1)
        };
        if (60..65).contains(&time_of_day) {
            let at = start - minutes_between(&mut rng, 20, 50);
            cdc_events.push(CdcEvent::Stop {
                task: SERVERLESS,
                at,
                resume: start + minutes_between(&mut rng, 120, 240),
            });
        }
        let kinds = [
            LoadFailure::Odbc,
            LoadFailure::Odbc,
            LoadFailure::LoadUtility,
            LoadFailure::Fatal,
            LoadFailure::LowMemory,
        ];
        let load_failure = ForcedLoadFailure {
            night,
            database: rng.usize(0..DATABASES.len()),
            kind: kinds[rng.usize(0..kinds.len())],
            deadline: start - Duration::seconds(30),
        };

        let choices: [(&str, &str, TaskFailure); 6] = [
            ("dbt_build", "dbt_test", TaskFailure::Tests),
            (
                "clean_anonymize",
                "anonymize_customers",
                TaskFailure::SlowDown,
            ),
            (
                "clean_anonymize",
                "copy_payments_to_redshift",
                TaskFailure::CopyLoad {
                    table: "stg_payments".into(),
                },
            ),
            ("dbt_build", "dbt_run_marts", TaskFailure::Sigterm),
            (
                "export_finance",
                "unload_revenue_to_s3",
                TaskFailure::PermissionDenied,
            ),
            (
                "dbt_build",
                "dbt_run_marts",
                TaskFailure::DiskFull {
                    model: "fct_orders".into(),
                },
            ),
        ];
        let (dag, task, failure) = choices[rng.usize(0..choices.len())].clone();
        let task_failure = ForcedTaskFailure {
            night: night - Duration::days(1),
            dag,
            task,
            failure,
        };

        let view = rng.usize(0..MATERIALIZED_VIEWS.len());
        let manual_run = ForcedManualRun {
            dag: "refresh_marts",
            at: start
                - seconds_between(&mut rng, 9 * 60, 14 * 60)
                - Duration::microseconds(rng.i64(0..1_000_000)),
            task: [
                "refresh_mv_sales_daily",
                "refresh_mv_customer_ltv",
                "refresh_mv_inventory_position",
            ][view],
            failure: TaskFailure::Serializable,
            fail_at: start - seconds_between(&mut rng, 40, 150),
        };

        let cdc_task = rng.usize(0..SERVERLESS);
        let table_count = CDC_TASKS[cdc_task].tables.len();
        let first = rng.usize(0..table_count);
        let mut tables = vec![first];
        if rng.bool() {
            tables.push((first + 1 + rng.usize(0..table_count - 1)) % table_count);
        }
        cdc_events.push(CdcEvent::TableErrors {
            task: cdc_task,
            tables,
            at: start - minutes_between(&mut rng, 40, 300),
            until: start + minutes_between(&mut rng, 180, 600),
        });

        Backstory {
            origin: midnight(today - Duration::days(HISTORY_DAYS)),
            load_failure,
            task_failure,
            manual_run,
            cdc_events,
            queries: forced_queries(&mut rng, start),
        }
    }
}

/// A failed, a slow spilling, a queued and a cancelled query around the start.
fn forced_queries(rng: &mut fastrand::Rng, start: DateTime<Utc>) -> Vec<PlannedQuery> {
    let board = |name: &str| {
        DASHBOARDS
            .iter()
            .find(|d| d.name == name)
            .unwrap_or(&DASHBOARDS[0])
    };
    let analyst = ANALYSTS[rng.usize(0..ANALYSTS.len())];
    let mut queries = Vec::new();

    let failed_at =
        start - minutes_between(rng, 25, 200) - Duration::milliseconds(rng.i64(0..60_000));
    let mut failed = match rng.usize(0..3) {
        0 => {
            let finance = board("Finance daily");
            let mut q = PlannedQuery::new(
                "metabase",
                "SELECT",
                format!("metabase:{}", finance.name),
                sql::dashboard(finance, rng, false),
            );
            q.execution = Duration::milliseconds(rng.i64(30..90));
            q.outcome = Outcome::Failed("ERROR: permission denied for relation fct_revenue".into());
            q
        }
        1 => {
            let refunds = board("Refunds watch");
            let mut q = PlannedQuery::new(
                "metabase",
                "SELECT",
                format!("metabase:{}", refunds.name),
                sql::dashboard(refunds, rng, false),
            );
            q.execution = Duration::seconds(600) + Duration::milliseconds(rng.i64(0..900));
            q.outcome =
                Outcome::Failed("ERROR: canceling statement due to statement timeout".into());
            q
        }
        _ => {
            let mut q = PlannedQuery::new(
                analyst,
                "CTAS",
                String::new(),
                format!(
                    "CREATE TABLE scratch.{analyst}_cohorts AS\n{}",
                    sql::adhoc(rng, false)
                ),
            );
            q.execution = seconds_between(rng, 360, 660);
            q.outcome = Outcome::Failed("ERROR: Disk Full".into());
            q
        }
    };
    failed.submitted = failed_at;
    failed.queue = Duration::milliseconds(rng.i64(0..800));
    queries.push(failed);

    // Still running at the start, past the 15-minute mark, spilling, text cut at 4000.
    let mut slow = PlannedQuery::new(analyst, "SELECT", String::new(), sql::adhoc(rng, true));
    slow.submitted =
        start - minutes_between(rng, 17, 28) - Duration::milliseconds(rng.i64(0..60_000));
    slow.queue = Duration::milliseconds(rng.i64(400..2_000));
    slow.execution = (start - slow.submitted) + minutes_between(rng, 6, 25);
    slow.spilled_mb = Some(rng.u64(2_400..9_000));
    slow.rows = rng.i64(200_000..2_000_000);
    queries.push(slow);

    // Waiting behind it for more than five minutes.
    let sales = board("Sales Overview");
    let mut queued = PlannedQuery::new(
        "looker",
        "SELECT",
        format!("looker:{}", sales.name),
        sql::dashboard(sales, rng, false),
    );
    queued.submitted =
        start - minutes_between(rng, 6, 9) - Duration::milliseconds(rng.i64(1_000..60_000));
    queued.queue = (start - queued.submitted) + minutes_between(rng, 2, 6);
    queued.execution = seconds_between(rng, 20, 80);
    queued.rows = rng.i64(20..400);
    queries.push(queued);

    let mut canceled = PlannedQuery::new(
        ANALYSTS[rng.usize(0..ANALYSTS.len())],
        "SELECT",
        String::new(),
        sql::adhoc(rng, false),
    );
    canceled.submitted =
        start - minutes_between(rng, 60, 300) - Duration::milliseconds(rng.i64(0..60_000));
    canceled.queue = Duration::milliseconds(rng.i64(0..1_500));
    canceled.execution = seconds_between(rng, 180, 480);
    canceled.outcome = Outcome::Canceled;
    queries.push(canceled);
    queries
}
