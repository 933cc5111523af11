//! Continuous replications: CDC tasks and the DMS Serverless replication.
//!
//! They run all the time; their counters grow each step with the business day, a table
//! now and then stops applying changes ("Table error", the task degraded) until someone
//! reloads it, and rarely a whole task stops and is resumed hours later.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use super::catalog::{ACCOUNT, CDC_TASKS, CdcSpec, DATABASES, DIURNAL_PERCENT, REGION, rows_on};
use super::dms_messages::{cdc_fatal, cdc_table_error};
use super::replication::{resource_id, task_arn};
use super::seed::{
    Seed, day_key, is_weekend, midnight, minutes_between, seconds_between, text_key, time_key,
};
use crate::domain::{
    MigrationType, ReplicationTask, TableState, TableStatistics, TaskStats, TaskStatus,
};

/// Something that happens to a continuous replication at a given time.
#[derive(Debug, Clone)]
pub(super) enum CdcEvent {
    /// Changes to some tables stop applying until `until`.
    TableErrors {
        task: usize,
        tables: Vec<usize>,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// The whole task stops; someone resumes it at `resume`.
    Stop {
        task: usize,
        at: DateTime<Utc>,
        resume: DateTime<Utc>,
    },
}

impl CdcEvent {
    fn at(&self) -> DateTime<Utc> {
        match self {
            CdcEvent::TableErrors { at, .. } | CdcEvent::Stop { at, .. } => *at,
        }
    }

    fn task(&self) -> usize {
        match self {
            CdcEvent::TableErrors { task, .. } | CdcEvent::Stop { task, .. } => *task,
        }
    }
}

/// How often the change counters move, in minutes.
const COUNTER_MINUTES: u32 = 5;

enum CdcStatus {
    Running,
    Starting {
        until: DateTime<Utc>,
    },
    Stopped {
        at: DateTime<Utc>,
        resume: DateTime<Utc>,
    },
}

struct CdcTable {
    full_load_rows: u64,
    inserts: f64,
    updates: f64,
    deletes: f64,
    ddls: u64,
    last_update: Option<DateTime<Utc>>,
    error_until: Option<DateTime<Utc>>,
    reload_until: Option<DateTime<Utc>>,
}

/// One continuous replication.
pub(super) struct CdcTask {
    index: usize,
    arn: String,
    first_started: DateTime<Utc>,
    started_at: DateTime<Utc>,
    status: CdcStatus,
    last_failure_message: Option<std::sync::Arc<str>>,
    tables: Vec<CdcTable>,
    /// Events not yet applied, soonest last (so `pop` takes the next one).
    events: Vec<CdcEvent>,
    /// Forced events keep their task clear of random ones around them.
    quiet: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    planned_day: Option<NaiveDate>,
}

impl CdcTask {
    /// Every continuous replication as it was at `origin`, with the forced events.
    pub fn all(seed: Seed, origin: DateTime<Utc>, forced: Vec<CdcEvent>) -> Vec<CdcTask> {
        let days = (origin.date_naive() - date_2026()).num_days();
        CDC_TASKS
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                let mut rng = seed.rng(&[text_key("cdc-origin"), index as u64]);
                let first_started = origin - Duration::days(spec.running_for_days)
                    + seconds_between(&mut rng, 0, 86_399);
                let minutes = (origin - first_started).num_minutes() as f64;
                let tables = spec
                    .tables
                    .iter()
                    .map(|t| {
                        // About 0.55 of the peak rate on average over day and week.
                        let ddls = rng.u64(0..3);
                        let mut so_far = |rate: f64| rate * minutes * (0.5 + 0.1 * rng.f64());
                        let (inserts, updates, deletes) =
                            (so_far(t.inserts), so_far(t.updates), so_far(t.deletes));
                        CdcTable {
                            full_load_rows: full_load_rows(spec, t.name, days),
                            inserts,
                            updates,
                            deletes,
                            ddls,
                            last_update: None,
                            error_until: None,
                            reload_until: None,
                        }
                    })
                    .collect();
                let mut events: Vec<CdcEvent> = forced
                    .iter()
                    .filter(|e| e.task() == index)
                    .cloned()
                    .collect();
                let quiet = events
                    .iter()
                    .map(|e| match e {
                        CdcEvent::TableErrors { at, until, .. } => (*at, *until),
                        CdcEvent::Stop { at, resume, .. } => (*at, *resume),
                    })
                    .map(|(a, b)| (a - Duration::hours(12), b + Duration::hours(2)))
                    .collect();
                events.sort_by_key(|e| std::cmp::Reverse(e.at()));
                CdcTask {
                    index,
                    arn: match spec.serverless {
                        true => format!(
                            "arn:aws:dms:{REGION}:{ACCOUNT}:replication-config:{}",
                            resource_id(spec.id)
                        ),
                        false => task_arn(spec.id),
                    },
                    first_started,
                    started_at: first_started,
                    status: CdcStatus::Running,
                    last_failure_message: None,
                    tables,
                    events,
                    quiet,
                    planned_day: None,
                }
            })
            .collect()
    }

    fn spec(&self) -> &'static CdcSpec {
        &CDC_TASKS[self.index]
    }

    /// The task's ARN (the replication config's, for Serverless).
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// True while the task is stopped.
    pub fn is_stopped(&self) -> bool {
        matches!(self.status, CdcStatus::Stopped { .. })
    }

    /// An operator's start: running again after a short start, every table reloaded first
    /// when `reload_all` (reload-target).
    pub(super) fn resume_at(&mut self, now: DateTime<Utc>, reload_all: bool) {
        self.started_at = now;
        self.status = CdcStatus::Starting {
            until: now + Duration::seconds(75),
        };
        if reload_all {
            for i in 0..self.tables.len() {
                self.reload_table(i, now);
            }
        }
    }

    /// The index of a table by schema and name.
    pub(super) fn table_index(&self, schema: &str, table: &str) -> Option<usize> {
        if schema != "public" {
            return None;
        }
        self.spec().tables.iter().position(|t| t.name == table)
    }

    /// Loads one table again: its errors end, it is being reloaded for a few minutes.
    pub(super) fn reload_table(&mut self, i: usize, now: DateTime<Utc>) {
        if let Some(table) = self.tables.get_mut(i) {
            table.error_until = None;
            table.reload_until = Some(now + Duration::minutes(9 + (i as i64 * 4) % 11));
        }
    }

    /// The task identifier.
    pub fn id(&self) -> &'static str {
        self.spec().id
    }

    /// One simulation step ending at `t`.
    pub fn step(&mut self, seed: Seed, t: DateTime<Utc>, day: NaiveDate) {
        if self.planned_day != Some(day) {
            self.plan_day(seed, day);
        }
        while self.events.last().is_some_and(|e| e.at() <= t) {
            if let Some(event) = self.events.pop() {
                self.apply(seed, event);
            }
        }
        match self.status {
            CdcStatus::Stopped { resume, .. } if t >= resume => {
                self.started_at = resume;
                self.status = CdcStatus::Starting {
                    until: resume + Duration::seconds(75),
                };
            }
            CdcStatus::Starting { until } if t >= until => self.status = CdcStatus::Running,
            _ => {}
        }
        let spec = self.spec();
        for (i, table) in self.tables.iter_mut().enumerate() {
            if table.error_until.is_some_and(|until| t >= until) {
                table.error_until = None;
                table.reload_until = Some(t + Duration::minutes(9 + (i as i64 * 4) % 11));
            }
            if table.reload_until.is_some_and(|until| t >= until) {
                table.reload_until = None;
                let days = (day - date_2026()).num_days();
                table.full_load_rows = full_load_rows(spec, spec.tables[i].name, days);
                table.last_update = Some(t);
            }
        }
        // Like DMS's own table statistics, the counters move every few minutes.
        if !t.minute().is_multiple_of(COUNTER_MINUTES) || !matches!(self.status, CdcStatus::Running)
        {
            return;
        }
        let weekend = if is_weekend(day) { 0.7 } else { 1.0 };
        let busy = f64::from(DIURNAL_PERCENT[t.hour() as usize]) / 100.0 * weekend;
        let minutes = f64::from(COUNTER_MINUTES);
        for (i, table) in self.tables.iter_mut().enumerate() {
            if table.error_until.is_some() || table.reload_until.is_some() {
                continue;
            }
            let jitter =
                0.75 + seed.per_mille(&[self.index as u64, i as u64, time_key(t)]) as f64 / 2000.0;
            let factor = busy * jitter * minutes;
            let rates = &spec.tables[i];
            table.inserts += rates.inserts * factor;
            table.updates += rates.updates * factor;
            table.deletes += rates.deletes * factor;
            if (rates.inserts + rates.updates) * factor >= 0.5 {
                table.last_update = Some(t);
            }
        }
    }

    /// Draws the day's random events: now and then a table error, rarely a stop.
    fn plan_day(&mut self, seed: Seed, day: NaiveDate) {
        self.planned_day = Some(day);
        let mut rng = seed.rng(&[text_key("cdc-day"), self.index as u64, day_key(day)]);
        let serverless = self.spec().serverless;
        let mut fresh = Vec::new();
        if rng.u32(0..100) < 22 {
            let at = midnight(day) + seconds_between(&mut rng, 0, 86_399);
            let table = rng.usize(0..self.tables.len());
            fresh.push(CdcEvent::TableErrors {
                task: self.index,
                tables: vec![table],
                at,
                until: at + minutes_between(&mut rng, 90, 480),
            });
        }
        if rng.u32(0..100) < if serverless { 6 } else { 3 } {
            let at = midnight(day) + seconds_between(&mut rng, 0, 86_399);
            fresh.push(CdcEvent::Stop {
                task: self.index,
                at,
                resume: at + minutes_between(&mut rng, 80, 300),
            });
        }
        let quiet = &self.quiet;
        fresh.retain(|e| !quiet.iter().any(|(a, b)| *a <= e.at() && e.at() <= *b));
        self.events.extend(fresh);
        self.events.sort_by_key(|e| std::cmp::Reverse(e.at()));
    }

    fn apply(&mut self, seed: Seed, event: CdcEvent) {
        let key = seed.key(&[text_key("cdc-message"), time_key(event.at())]);
        match event {
            CdcEvent::TableErrors { tables, until, .. } => {
                if !matches!(self.status, CdcStatus::Running) {
                    return;
                }
                for &i in &tables {
                    if let Some(table) = self.tables.get_mut(i) {
                        table.error_until = Some(until);
                        table.reload_until = None;
                        self.last_failure_message =
                            Some(cdc_table_error(self.spec().tables[i].name, key).into());
                    }
                }
            }
            CdcEvent::Stop { at, resume, .. } => {
                if matches!(self.status, CdcStatus::Stopped { .. }) {
                    return;
                }
                self.last_failure_message = Some(
                    if self.spec().serverless {
                        format!(
                            "Last Error Replication '{}' was stopped: its capacity of 16 DCU ran \
                         out of memory while applying cached changes [1020101] Stop Reason \
                         STOPPED_DUE_TO_LOW_MEMORY Error Level FATAL",
                            resource_id(self.spec().id)
                        )
                    } else {
                        cdc_fatal(self.spec().database, key)
                    }
                    .into(),
                );
                self.status = CdcStatus::Stopped { at, resume };
            }
        }
    }

    fn table_state(&self, i: usize) -> TableState {
        let table = &self.tables[i];
        if table.error_until.is_some() {
            TableState::Error
        } else if table.reload_until.is_some() {
            TableState::BeingReloaded
        } else {
            TableState::Completed
        }
    }

    /// The task as DescribeReplicationTasks (or DescribeReplications) shows it.
    pub fn view(&self) -> ReplicationTask {
        let spec = self.spec();
        let (status, stop_reason, stopped_at) = match self.status {
            CdcStatus::Running => (TaskStatus::Running, None, None),
            CdcStatus::Starting { .. } => (TaskStatus::Starting, None, None),
            CdcStatus::Stopped { at, .. } => {
                let reason = if spec.serverless {
                    "Stop Reason STOPPED_DUE_TO_LOW_MEMORY"
                } else {
                    "Stop Reason FATAL_ERROR"
                };
                (TaskStatus::Stopped, Some(reason.to_string()), Some(at))
            }
        };
        let has_full_load = spec.migration_type != "cdc";
        let full_load_took = Duration::minutes(23 + (self.index as i64 * 7) % 19);
        let mut stats = TaskStats {
            full_load_progress_percent: 100,
            elapsed_millis: full_load_took.num_milliseconds() as u64,
            full_load_started: has_full_load.then_some(self.first_started),
            full_load_finished: has_full_load.then_some(self.first_started + full_load_took),
            stopped_at,
            ..TaskStats::default()
        };
        for i in 0..self.tables.len() {
            match self.table_state(i) {
                TableState::Error => stats.tables_errored += 1,
                TableState::BeingReloaded => stats.tables_loading += 1,
                _ => stats.tables_loaded += 1,
            }
        }
        ReplicationTask {
            id: spec.id.to_string(),
            arn: self.arn.clone(),
            source_database: spec.database.to_string(),
            migration_type: MigrationType::parse(spec.migration_type),
            status,
            stop_reason,
            last_failure_message: self.last_failure_message.clone(),
            started_at: Some(self.started_at),
            stats: Some(stats),
            serverless: spec.serverless,
        }
    }

    /// Per-table statistics, counters since the task last started a full load.
    pub fn table_statistics(&self) -> Vec<TableStatistics> {
        self.tables
            .iter()
            .enumerate()
            .map(|(i, table)| TableStatistics {
                schema: "public".to_string(),
                table: self.spec().tables[i].name.to_string(),
                state: self.table_state(i),
                full_load_rows: table.full_load_rows,
                inserts: table.inserts as u64,
                updates: table.updates as u64,
                deletes: table.deletes as u64,
                ddls: table.ddls,
                last_update: table.last_update,
            })
            .collect()
    }
}

fn date_2026() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

/// The rows a full load of this table copies on a day (from the database catalogue).
fn full_load_rows(spec: &CdcSpec, table: &str, days_since_2026: i64) -> u64 {
    DATABASES
        .iter()
        .filter(|db| db.name == spec.database)
        .flat_map(|db| db.tables.iter())
        .find(|t| t.name == table)
        .map_or(250_000, |t| rows_on(t, days_since_2026))
}
