//! The DMS side of the demo: six nightly full-load tasks (this file) and the continuous
//! replications (`cdc.rs`), behind one [`Replication`].
//!
//! A full load is planned when it starts (its duration, the table schedule, whether and
//! where it fails); what it shows at any instant is computed from that plan, so progress
//! moves smoothly between the simulation's one-minute steps.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::catalog::{ACCOUNT, DATABASES, LOAD_PARALLELISM, REGION, nightly_task_id, rows_on};
use super::cdc::{CdcEvent, CdcTask};
use super::dms_messages::LoadFailure;
use super::seed::{Seed, day_key, fraction_of, minutes_between, seconds_between, text_key};
use crate::domain::{
    MigrationType, ReplicationTask, TableState, TableStatistics, TaskStats, TaskStatus,
};

/// Chance that one nightly full load fails on its own.
const LOAD_FAILURE_PERCENT: u32 = 2;

/// A full load the backstory makes fail, so that the console has something to show.
#[derive(Debug, Clone)]
pub(super) struct ForcedLoadFailure {
    pub night: NaiveDate,
    pub database: usize,
    pub kind: LoadFailure,
    /// The failure happens no later than this (just before the demo's start).
    pub deadline: DateTime<Utc>,
}

/// Every replication task of the platform.
pub(super) struct Replication {
    seed: Seed,
    loads: Vec<FullLoadTask>,
    cdc: Vec<CdcTask>,
    forced: Option<ForcedLoadFailure>,
    /// A started load fails again as it failed before (the cause was not dealt with).
    pub keep_faults: bool,
}

struct FullLoadTask {
    id: String,
    arn: String,
    run: LoadRun,
    /// How many times it was started; keys the random draws of each start.
    starts: u64,
}

/// One start of a full load, planned in full when it starts.
struct LoadRun {
    night: NaiveDate,
    requested: DateTime<Utc>,
    started: DateTime<Utc>,
    finish: DateTime<Utc>,
    tables: Vec<TablePlan>,
    failure: Option<(DateTime<Utc>, LoadFailure, usize)>,
}

struct TablePlan {
    rows: u64,
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Where a full load stands, as a sensor polling DMS sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LoadStatus {
    Running,
    /// `stopped`: finished well or stopped by an error (a sensor cannot tell).
    Stopped {
        ok: bool,
    },
    Failed,
}

impl Replication {
    /// The platform as it was at `origin`: last night's loads finished, CDC running.
    pub fn new(
        seed: Seed,
        origin: DateTime<Utc>,
        forced: Option<ForcedLoadFailure>,
        cdc_events: Vec<CdcEvent>,
    ) -> Self {
        let previous_night = origin.date_naive() - Duration::days(1);
        let loads = DATABASES
            .iter()
            .enumerate()
            .map(|(db, database)| {
                let id = nightly_task_id(database.name);
                let requested = super::seed::at(previous_night, 1, 0) + Duration::seconds(12);
                FullLoadTask {
                    arn: task_arn(&id),
                    run: LoadRun::plan(seed, db, 0, requested, None, false),
                    id,
                    starts: 1,
                }
            })
            .collect();
        Replication {
            seed,
            loads,
            cdc: CdcTask::all(seed, origin, cdc_events),
            forced,
            keep_faults: false,
        }
    }

    /// Advances the continuous replications by one step ending at `t`.
    pub fn step(&mut self, t: DateTime<Utc>) {
        let day = t.date_naive();
        for task in &mut self.cdc {
            task.step(self.seed, t, day);
        }
    }

    /// Starts a database's full load (the `reload-target` a DmsStartTaskOperator sends).
    pub fn start_full_load(&mut self, database: usize, at: DateTime<Utc>) {
        let Some(task) = self.loads.get_mut(database) else {
            return;
        };
        let forced = self
            .forced
            .as_ref()
            .filter(|f| f.database == database && f.night == at.date_naive())
            .map(|f| (f.kind, f.deadline));
        task.run = LoadRun::plan(self.seed, database, task.starts, at, forced, true);
        task.starts += 1;
    }

    /// What a sensor polling the load of `night` sees at `at`.
    pub fn load_status(&self, database: usize, night: NaiveDate, at: DateTime<Utc>) -> LoadStatus {
        let Some(task) = self.loads.get(database) else {
            return LoadStatus::Failed;
        };
        let run = &task.run;
        if run.night != night || at < run.started {
            return LoadStatus::Running;
        }
        match run.failure {
            Some((when, kind, _)) if at >= when => match kind.status() {
                "failed" => LoadStatus::Failed,
                _ => LoadStatus::Stopped { ok: false },
            },
            _ if at >= run.finish => LoadStatus::Stopped { ok: true },
            _ => LoadStatus::Running,
        }
    }

    /// The database index of the full-load task with this ARN.
    pub fn load_index(&self, arn: &str) -> Option<usize> {
        self.loads.iter().position(|t| t.arn == arn)
    }

    /// The continuous replications, to act on.
    pub fn cdc_mut(&mut self) -> &mut [CdcTask] {
        &mut self.cdc
    }

    /// An operator's start of a full load: planned anew from `now`, with no failure drawn
    /// (the cause was dealt with). Resuming keeps the tables the stopped run completed.
    pub fn restart_load(&mut self, database: usize, resume: bool, now: DateTime<Utc>) {
        let Some(task) = self.loads.get_mut(database) else {
            return;
        };
        let done: Vec<bool> = (0..task.run.tables.len())
            .map(|i| resume && task.run.table_at(i, now).0 == TableState::Completed)
            .collect();
        // Kept, the fault strikes again a few minutes into the new run.
        let again = self.keep_faults.then(|| {
            let kind = task
                .run
                .failure
                .map_or(LoadFailure::Odbc, |(_, kind, _)| kind);
            (kind, now + Duration::minutes(3))
        });
        let mut run = LoadRun::plan(self.seed, database, task.starts, now, again, false);
        let started = run.started;
        for (table, done) in run.tables.iter_mut().zip(done) {
            if done {
                table.begin = started;
                table.end = started;
            }
        }
        task.run = run;
        task.starts += 1;
    }

    /// The ARN of a database's full-load task.
    pub fn load_arn(&self, database: usize) -> &str {
        self.loads.get(database).map_or("", |t| t.arn.as_str())
    }

    /// Every task as DescribeReplicationTasks (and DescribeReplications) would show it.
    pub fn tasks(&self, now: DateTime<Utc>) -> Vec<ReplicationTask> {
        let loads = self
            .loads
            .iter()
            .enumerate()
            .map(|(db, task)| task.view(db, now));
        loads.chain(self.cdc.iter().map(CdcTask::view)).collect()
    }

    /// Per-table statistics of one task, or `None` for an unknown id.
    pub fn table_statistics(&self, id: &str, now: DateTime<Utc>) -> Option<Vec<TableStatistics>> {
        if let Some((db, task)) = self.loads.iter().enumerate().find(|(_, t)| t.id == id) {
            return Some(task.run.table_statistics(db, now));
        }
        self.cdc
            .iter()
            .find(|t| t.id() == id)
            .map(CdcTask::table_statistics)
    }
}

impl LoadRun {
    /// Plans a load requested at `requested`: its schedule of tables and its fate.
    fn plan(
        seed: Seed,
        db: usize,
        start_number: u64,
        requested: DateTime<Utc>,
        forced: Option<(LoadFailure, DateTime<Utc>)>,
        may_fail: bool,
    ) -> LoadRun {
        let database = &DATABASES[db];
        let night = requested.date_naive();
        let mut rng = seed.rng(&[
            text_key("full-load"),
            db as u64,
            day_key(night),
            start_number,
        ]);
        let started = requested + seconds_between(&mut rng, 40, 90);
        let (lo, hi) = database.load_minutes;
        let duration = minutes_between(&mut rng, lo, hi) + seconds_between(&mut rng, 0, 59);
        let days = (night - NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(night)).num_days();
        let rows: Vec<u64> = database.tables.iter().map(|t| rows_on(t, days)).collect();

        // List scheduling over the sub-task slots, in catalogue order, then scaled so the
        // slowest slot ends when the drawn duration says.
        let mut lanes = [0u64; LOAD_PARALLELISM];
        let mut spans = Vec::with_capacity(rows.len());
        for &n in &rows {
            let lane = (0..LOAD_PARALLELISM).min_by_key(|&i| lanes[i]).unwrap_or(0);
            let begin = lanes[lane];
            lanes[lane] += n.max(200_000);
            spans.push((begin, lanes[lane]));
        }
        let makespan = lanes.iter().copied().max().unwrap_or(1).max(1) as f64;
        let tables: Vec<TablePlan> = spans
            .iter()
            .zip(&rows)
            .map(|(&(b, e), &n)| TablePlan {
                rows: n,
                begin: started + fraction_of(duration, b as f64 / makespan),
                end: started + fraction_of(duration, e as f64 / makespan),
            })
            .collect();

        let fails_by_chance = may_fail && rng.u32(0..100) < LOAD_FAILURE_PERCENT;
        let kind = LoadFailure::ALL[rng.usize(0..LoadFailure::ALL.len())];
        let when = started + fraction_of(duration, 0.15 + 0.7 * rng.f64());
        let failure = match forced {
            Some((kind, deadline)) => {
                let at = when.min(deadline).max(started + Duration::seconds(20));
                Some((at, kind))
            }
            None if fails_by_chance => Some((when, kind)),
            None => None,
        }
        .map(|(at, kind)| {
            // The table that breaks is one being copied at that moment.
            let table = tables
                .iter()
                .rposition(|t| t.begin <= at && at < t.end)
                .unwrap_or(0);
            (at, kind, table)
        });
        LoadRun {
            night,
            requested,
            started,
            finish: started + duration,
            tables,
            failure,
        }
    }

    /// The state of one table at `now`, its rows copied so far, and when it last changed.
    fn table_at(&self, i: usize, now: DateTime<Utc>) -> (TableState, u64, Option<DateTime<Utc>>) {
        let table = &self.tables[i];
        let copied = |until: DateTime<Utc>| {
            let total = (table.end - table.begin).num_milliseconds().max(1) as f64;
            let done = (until - table.begin).num_milliseconds().max(0) as f64;
            ((table.rows as f64) * (done / total).min(1.0)) as u64
        };
        if let Some((at, kind, broken)) = self.failure.filter(|(at, _, _)| now >= *at) {
            return if table.end <= at {
                (TableState::Completed, table.rows, Some(table.end))
            } else if table.begin <= at {
                let state = if kind.errors_a_table() && i == broken {
                    TableState::Error
                } else {
                    TableState::Cancelled
                };
                (state, copied(at), Some(at))
            } else {
                (TableState::BeforeLoad, 0, None)
            };
        }
        if now < table.begin {
            (TableState::BeforeLoad, 0, None)
        } else if now < table.end {
            (TableState::FullLoad, copied(now), Some(now))
        } else {
            (TableState::Completed, table.rows, Some(table.end))
        }
    }

    fn table_statistics(&self, db: usize, now: DateTime<Utc>) -> Vec<TableStatistics> {
        DATABASES[db]
            .tables
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let (state, rows, last_update) = self.table_at(i, now);
                TableStatistics {
                    schema: "public".to_string(),
                    table: spec.name.to_string(),
                    state,
                    full_load_rows: rows,
                    inserts: 0,
                    updates: 0,
                    deletes: 0,
                    ddls: 0,
                    last_update,
                }
            })
            .collect()
    }
}

impl FullLoadTask {
    fn view(&self, db: usize, now: DateTime<Utc>) -> ReplicationTask {
        let run = &self.run;
        let failure = run.failure.filter(|(at, _, _)| now >= *at);
        let ended = failure
            .map(|(at, _, _)| at)
            .or((now >= run.finish).then_some(run.finish));
        let (status, stop_reason, message) = match failure {
            Some((_, kind, table)) => (
                TaskStatus::parse(kind.status()),
                Some(kind.stop_reason().to_string()),
                Some(kind.message(
                    DATABASES[db].name,
                    DATABASES[db].tables[table].name,
                    arn_resource(&self.arn),
                )),
            ),
            None if ended.is_some() => (
                TaskStatus::Stopped,
                Some("Stop Reason FULL_LOAD_ONLY_FINISHED".to_string()),
                None,
            ),
            None if now < run.started => (TaskStatus::Starting, None, None),
            None => (TaskStatus::Running, None, None),
        };
        let mut stats = TaskStats {
            full_load_started: (now >= run.started).then_some(run.started),
            full_load_finished: ended.filter(|_| failure.is_none()),
            stopped_at: ended,
            elapsed_millis: (ended.unwrap_or(now) - run.started)
                .num_milliseconds()
                .max(0) as u64,
            ..TaskStats::default()
        };
        let (mut copied, mut total) = (0u64, 0u64);
        for (i, table) in run.tables.iter().enumerate() {
            let (state, rows, _) = run.table_at(i, now);
            copied += rows;
            total += table.rows;
            match state {
                TableState::Completed => stats.tables_loaded += 1,
                TableState::FullLoad => stats.tables_loading += 1,
                TableState::Error => stats.tables_errored += 1,
                _ => stats.tables_queued += 1,
            }
        }
        stats.full_load_progress_percent = if ended.is_some() && failure.is_none() {
            100
        } else {
            (copied.saturating_mul(100) / total.max(1)).min(99) as u8
        };
        ReplicationTask {
            id: self.id.clone(),
            arn: self.arn.clone(),
            source_database: DATABASES[db].name.to_string(),
            migration_type: MigrationType::FullLoad,
            status,
            stop_reason,
            last_failure_message: message.map(Into::into),
            started_at: Some(run.requested),
            stats: Some(stats),
            serverless: false,
        }
    }
}

/// A stable, realistic resource id (26 characters of DMS's alphabet) for a name.
pub(super) fn resource_id(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = fastrand::Rng::with_seed(text_key(name));
    (0..26)
        .map(|_| char::from(ALPHABET[rng.usize(0..ALPHABET.len())]))
        .collect()
}

/// The ARN of a classic DMS task.
pub(super) fn task_arn(id: &str) -> String {
    format!("arn:aws:dms:{REGION}:{ACCOUNT}:task:{}", resource_id(id))
}

/// The part of an ARN after its last colon.
fn arn_resource(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}
