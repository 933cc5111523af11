//! The Redshift side of the demo: a SYS_QUERY_HISTORY of the last 24 hours.
//!
//! Queries are planned whole when they are submitted (queue time, run time, outcome);
//! what a query shows at an instant (queued, running, finished) is computed from its plan.
//! Ids are given in order of submission, so they only grow.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};

use super::catalog::{
    ANALYSTS, DASHBOARDS, DATABASES, MART_MODELS, Model, STAGING_MODELS, WAREHOUSE_DATABASE,
};
use super::dags::Footprint;
use super::messages::TaskFailure;
use super::seed::{Seed, is_weekend, micros, seconds_between, text_key, time_key};
use super::sql;
use crate::domain::{QueryRecord, QueryStatus};

/// How a planned query ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Success,
    Failed(String),
    Canceled,
}

/// A query planned from submission to end.
#[derive(Debug, Clone)]
pub(super) struct PlannedQuery {
    pub submitted: DateTime<Utc>,
    pub queue: Duration,
    pub execution: Duration,
    pub outcome: Outcome,
    pub user: &'static str,
    pub label: String,
    pub query_type: &'static str,
    pub text: std::sync::Arc<str>,
    pub text_truncated: bool,
    pub spilled_mb: Option<u64>,
    pub rows: i64,
}

impl PlannedQuery {
    /// A query with the given text, kept to what the warehouse keeps.
    pub fn new(user: &'static str, query_type: &'static str, label: String, text: String) -> Self {
        let (text, text_truncated) = sql::keep(text);
        PlannedQuery {
            submitted: DateTime::<Utc>::MIN_UTC,
            queue: Duration::zero(),
            execution: Duration::seconds(1),
            outcome: Outcome::Success,
            user,
            label,
            query_type,
            text: text.into(),
            text_truncated,
            spilled_mb: None,
            rows: 0,
        }
    }

    /// Runs from `start` to `end` with a short queue first.
    fn between(mut self, start: DateTime<Utc>, end: DateTime<Utc>, queue_ms: i64) -> Self {
        self.submitted = start;
        self.queue = Duration::milliseconds(queue_ms);
        self.execution = (end - start - self.queue).max(Duration::milliseconds(40));
        self
    }

    /// The SYS_QUERY_HISTORY row at `now`.
    fn record(&self, id: i64, now: DateTime<Utc>) -> QueryRecord {
        let queued_until = self.submitted + self.queue;
        let ends = queued_until + self.execution;
        let (status, ended_at, error) = if now < queued_until {
            (QueryStatus::Queued, None, None)
        } else if now < ends {
            (QueryStatus::Running, None, None)
        } else {
            match &self.outcome {
                Outcome::Success => (QueryStatus::Success, Some(ends), None),
                Outcome::Failed(e) => (QueryStatus::Failed, Some(ends), Some(e.clone())),
                Outcome::Canceled => (QueryStatus::Canceled, Some(ends), None),
            }
        };
        let until = ended_at.unwrap_or(now);
        QueryRecord {
            query_id: id,
            label: self.label.clone(),
            user: self.user.to_string(),
            database: WAREHOUSE_DATABASE.to_string(),
            query_type: self.query_type.to_string(),
            returned_rows: (status == QueryStatus::Success).then_some(self.rows),
            status,
            started_at: Some(self.submitted),
            ended_at,
            elapsed_micros: micros(until - self.submitted),
            queue_micros: micros(until.min(queued_until) - self.submitted),
            execution_micros: micros(until - until.min(queued_until)),
            error_message: error,
            text: self.text.clone(),
            text_truncated: self.text_truncated,
            spilled_mb: self.spilled_mb.filter(|_| now >= queued_until),
            // Redshift's process ids are ten digits starting 1073…
            pid: Some(1_073_000_000 + id % 1_000_000),
        }
    }
}

/// The warehouse's query history.
pub(super) struct Warehouse {
    seed: Seed,
    next_id: i64,
    pending: Vec<PlannedQuery>,
    history: Vec<(i64, PlannedQuery)>,
}

impl Warehouse {
    /// An empty history whose ids start at a realistic number; `forced` are queued for
    /// submission at their times.
    pub fn new(seed: Seed, origin: DateTime<Utc>, forced: Vec<PlannedQuery>) -> Self {
        let days = (origin.date_naive() - NaiveDate::default()).num_days();
        Warehouse {
            seed,
            next_id: 41_000_000 + (days % 1_000) * 3_100,
            pending: forced,
            history: Vec::new(),
        }
    }

    /// One step ending at `t`: the BI tools and analysts submit queries, everything
    /// submitted before `t` gets its id.
    pub fn step(&mut self, t: DateTime<Utc>, from_workflows: &mut Vec<PlannedQuery>) {
        self.pending.append(from_workflows);
        self.people(t);
        let mut due: Vec<PlannedQuery> = Vec::new();
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].submitted < t {
                due.push(self.pending.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by(|a, b| (a.submitted, &a.label, &a.text).cmp(&(b.submitted, &b.label, &b.text)));
        for query in due {
            self.history.push((self.next_id, query));
            self.next_id += 1 + (self.next_id % 3);
        }
        if t.minute() == 0 {
            let horizon = t - Duration::hours(25);
            self.history.retain(|(_, q)| q.submitted >= horizon);
        }
    }

    /// The latest query with exactly this text, to run again.
    pub(super) fn find_by_text(&self, sql: &str) -> Option<PlannedQuery> {
        self.history
            .iter()
            .rev()
            .find(|(_, q)| !q.text_truncated && &*q.text == sql)
            .map(|(_, q)| q.clone())
    }

    /// Submits a query again at `now`, by the console's user, ending well; its new id.
    pub(super) fn submit_again(&mut self, mut query: PlannedQuery, now: DateTime<Utc>) -> i64 {
        query.submitted = now;
        query.queue = Duration::milliseconds(300);
        query.outcome = Outcome::Success;
        query.user = "opsdeck";
        let id = self.next_id;
        self.history.push((id, query));
        self.next_id += 1 + (self.next_id % 3);
        id
    }

    /// The plan of a query in the history, to change.
    pub(super) fn planned_mut(&mut self, id: i64) -> Option<&mut PlannedQuery> {
        self.history
            .iter_mut()
            .find(|(i, _)| *i == id)
            .map(|(_, q)| q)
    }

    /// Dashboards and ad-hoc queries submitted in the minute before `t`.
    fn people(&mut self, t: DateTime<Utc>) {
        let minute = t - Duration::minutes(1);
        let mut rng = self.seed.rng(&[text_key("people"), time_key(t)]);
        let office = (7..19).contains(&minute.hour());
        let weekend = is_weekend(minute.date_naive());
        // Dashboard views per minute; each view runs one query per tile.
        let views = match (office, weekend) {
            (true, false) => 0.07,
            (true, true) => 0.02,
            _ => 0.01,
        };
        let analysts = if office && !weekend { 0.016 } else { 0.0 };
        let (view_roll, analyst_roll) = (rng.f64(), rng.f64());
        let at = minute + Duration::milliseconds(rng.i64(0..50_000));
        if view_roll < views {
            let board = &DASHBOARDS[rng.usize(0..DASHBOARDS.len())];
            let user = board.tool;
            let tiles = rng.usize(3..=8);
            // At most one tile of a view misbehaves.
            let (odd_tile, oddity) = (rng.usize(0..tiles), rng.u32(0..1000));
            for tile in 0..tiles {
                let long = board.tool == "looker" && rng.u32(0..100) < 4;
                let text = sql::dashboard(board, &mut rng, long);
                let label = format!("{user}:{}", board.name);
                let mut q = PlannedQuery::new(user, "SELECT", label, text);
                q.submitted = at + Duration::milliseconds(tile as i64 * rng.i64(15..400));
                q.queue = Duration::milliseconds(if rng.u32(0..12) == 0 {
                    rng.i64(2_000..40_000)
                } else {
                    rng.i64(0..900)
                });
                q.execution = Duration::milliseconds(rng.i64(250..9_000));
                q.rows = rng.i64(1..5_000);
                if tile == odd_tile {
                    match oddity {
                        0..12 if user == "metabase" => {
                            q.execution =
                                Duration::seconds(600) + Duration::milliseconds(rng.i64(0..900));
                            q.outcome = Outcome::Failed(
                                "ERROR: canceling statement due to statement timeout".into(),
                            );
                        }
                        12..20 => q.outcome = Outcome::Canceled,
                        20..45 => {
                            q.execution = seconds_between(&mut rng, 16 * 60, 38 * 60);
                            q.spilled_mb = Some(rng.u64(600..6_000));
                        }
                        _ => {}
                    }
                }
                self.pending.push(q);
            }
        }
        if analyst_roll < analysts {
            let user = ANALYSTS[rng.usize(0..ANALYSTS.len())];
            let long = rng.u32(0..100) < 10;
            let mut q =
                PlannedQuery::new(user, "SELECT", String::new(), sql::adhoc(&mut rng, long));
            q.submitted = at + Duration::seconds(7);
            q.queue = Duration::milliseconds(rng.i64(0..3_000));
            q.execution = seconds_between(&mut rng, 2, 240);
            q.rows = rng.i64(10..250_000);
            match rng.u32(0..100) {
                0..2 => {
                    q.query_type = "CTAS";
                    q.execution = seconds_between(&mut rng, 300, 720);
                    q.outcome = Outcome::Failed("ERROR: Disk Full".into());
                }
                2..4 => q.outcome = Outcome::Canceled,
                4..8 => {
                    q.execution = seconds_between(&mut rng, 16 * 60, 45 * 60);
                    q.spilled_mb = Some(rng.u64(1_500..9_000));
                }
                8..16 => q.spilled_mb = Some(rng.u64(150..2_500)),
                _ => {}
            }
            self.pending.push(q);
        }
    }

    /// The rows of the last 24 hours at `now`, newest first.
    pub fn queries(&self, now: DateTime<Utc>) -> Vec<QueryRecord> {
        let since = now - Duration::hours(24);
        self.history
            .iter()
            .rev()
            .filter(|(_, q)| q.submitted >= since && q.submitted <= now)
            .map(|(id, q)| q.record(*id, now))
            .collect()
    }
}

/// The queries an Airflow task try sends while it runs from `start` to `end`, ending
/// with the failure the try meets, if any.
pub(super) fn task_queries(
    footprint: Footprint,
    task_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    failure: Option<&TaskFailure>,
    key: u64,
) -> Vec<PlannedQuery> {
    let night = start.date_naive();
    let mut rng = fastrand::Rng::with_seed(key);
    let error = failure.and_then(|f| f.redshift_error(key));
    let outcome = |fails: bool| match (&error, fails) {
        (Some(e), true) => Outcome::Failed(e.clone()),
        (None, true) => Outcome::Canceled,
        _ => Outcome::Success,
    };
    let label = format!("airflow:{task_id}");
    let single = |query_type, text: String, rng: &mut fastrand::Rng| {
        let mut q = PlannedQuery::new("airflow", query_type, label.clone(), text).between(
            start + Duration::seconds(2),
            end,
            rng.i64(0..400),
        );
        q.outcome = outcome(failure.is_some());
        vec![q]
    };
    match footprint {
        Footprint::None => Vec::new(),
        Footprint::Refresh(view) => single("DDL", sql::refresh(view), &mut rng),
        Footprint::Analyze => single("UTILITY", sql::analyze(), &mut rng),
        Footprint::Unload => single("UNLOAD", sql::unload(night), &mut rng),
        Footprint::Copy(db) => {
            let database = &DATABASES[db];
            // A failing COPY is the first table's; a good try copies every table in turn.
            let tables = if failure.is_some() {
                &database.tables[..1]
            } else {
                database.tables
            };
            let total: u64 = tables.iter().map(|t| t.rows).sum::<u64>().max(1);
            let span = (end - start).num_milliseconds().max(1) as f64;
            let mut at = start + Duration::seconds(2);
            let mut queries = Vec::new();
            for table in tables {
                let until =
                    at + Duration::milliseconds((span * table.rows as f64 / total as f64) as i64);
                let text = sql::copy(database.name, table.name, night);
                let mut q = PlannedQuery::new("airflow", "COPY", label.clone(), text).between(
                    at,
                    until.min(end),
                    rng.i64(0..300),
                );
                q.outcome = outcome(failure.is_some());
                q.rows = table.rows as i64;
                queries.push(q);
                at = until;
            }
            queries
        }
        Footprint::DbtStaging => dbt_queries(
            &STAGING_MODELS,
            "staging",
            start,
            end,
            failure,
            &outcome,
            &mut rng,
        ),
        Footprint::DbtMarts => dbt_queries(
            &MART_MODELS,
            "marts",
            start,
            end,
            failure,
            &outcome,
            &mut rng,
        ),
    }
}

/// dbt's four threads working through a layer's models from `start` to `end`.
fn dbt_queries(
    models: &[Model],
    layer: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    failure: Option<&TaskFailure>,
    outcome: &dyn Fn(bool) -> Outcome,
    rng: &mut fastrand::Rng,
) -> Vec<PlannedQuery> {
    const THREADS: usize = 4;
    // Schedule in units of model weight first, then scale the schedule to the try.
    let mut lanes = [0.0f64; THREADS];
    let mut spans = Vec::with_capacity(models.len());
    for model in models {
        let lane = (0..THREADS)
            .min_by(|&a, &b| lanes[a].total_cmp(&lanes[b]))
            .unwrap_or(0);
        let begin = lanes[lane];
        lanes[lane] = begin + f64::from(model.weight) + 0.08;
        spans.push((begin, begin + f64::from(model.weight)));
    }
    let makespan = lanes.iter().copied().fold(1.0, f64::max);
    // A good try spends its whole time on models; a failing one dies part way through.
    let full = match failure {
        None => end - start - Duration::seconds(6),
        Some(_) => (end - start) * 10 / 7,
    };
    let scale = full.num_milliseconds().max(1) as f64 / makespan;
    let origin = start + Duration::seconds(3);
    let at = |units: f64| origin + Duration::milliseconds((units * scale) as i64);
    let mut queries = Vec::new();
    for (model, &(b, f)) in models.iter().zip(&spans) {
        let (begin, finish) = (at(b), at(f));
        if failure.is_some() && begin >= end {
            continue;
        }
        let query_type = if model.incremental { "INSERT" } else { "CTAS" };
        let text = sql::dbt_model(model, layer);
        let mut q = PlannedQuery::new("dbt", query_type, format!("dbt:{}", model.name), text)
            .between(begin, finish.min(end), rng.i64(0..350));
        if failure.is_some() && finish > end {
            // The model named by the error fails with it; the others in flight are
            // cancelled when dbt stops.
            q.outcome = match failure {
                Some(TaskFailure::DiskFull { model: named }) if named != model.name => {
                    Outcome::Canceled
                }
                _ => outcome(true),
            };
        }
        let spill_chance = if model.name == "fct_orders" { 35 } else { 4 };
        if rng.u32(0..100) < spill_chance {
            q.spilled_mb = Some(rng.u64(400..7_000));
        }
        q.rows = i64::from(model.weight) * rng.i64(40_000..90_000);
        queries.push(q);
    }
    queries
}
