//! The simulation: the platform's state and the fixed one-minute steps that move it.
//!
//! It starts at the backstory's origin (midnight, a few days before the demo's start) and
//! steps minute by minute up to whatever "now" a read asks for. Random draws happen only
//! inside steps, keyed by what they decide, so the state at a given simulated time is the
//! same however the time was reached.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::backstory::Backstory;
use super::replication::Replication;
use super::seed::{STEP_SECONDS, Seed};
use super::spend::Spend;
use super::warehouse::Warehouse;
use super::workflow::Workflow;
use crate::domain::{
    QueryRecord, ReplicationTask, SpendSeries, TableStatistics, TaskInstance, WorkflowRun,
};

/// The longest gap between reads that is replayed minute by minute.
const MAX_CATCH_UP_DAYS: i64 = 30;

/// How finely the backstory follows the demo's start.
const STORY_GRID_SECONDS: i64 = 600;

/// The start rounded down to its ten minutes.
pub fn story_anchor(start: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = start.timestamp();
    let floored = seconds - seconds.rem_euclid(STORY_GRID_SECONDS);
    DateTime::from_timestamp(floored, 0).unwrap_or(start)
}

/// The whole simulated platform.
pub(super) struct Simulation {
    /// The next step to apply.
    cursor: DateTime<Utc>,
    /// The latest time a read looked at; reads never look back before it.
    seen: DateTime<Utc>,
    pub(super) replication: Replication,
    pub(super) workflow: Workflow,
    pub(super) warehouse: Warehouse,
    pub(super) spend: Spend,
}

impl Simulation {
    /// The platform of `seed`, played from its backstory up to `start`.
    ///
    /// The backstory is placed at `story` (an earlier demo's anchor), or around the start's
    /// ten minutes, not its second: demos of one seed with the same anchor tell the same
    /// story, so at the same demo time they show the same items with the same ids.
    pub fn new(seed: u64, start: DateTime<Utc>, story: Option<DateTime<Utc>>) -> Self {
        let seed = Seed(seed);
        let anchor = story
            .filter(|at| *at <= start)
            .unwrap_or_else(|| story_anchor(start));
        let story = Backstory::new(seed, anchor);
        let mut sim = Simulation {
            cursor: story.origin,
            seen: story.origin,
            replication: Replication::new(
                seed,
                story.origin,
                Some(story.load_failure),
                story.cdc_events,
            ),
            workflow: Workflow::new(seed, Some(story.task_failure), Some(story.manual_run)),
            warehouse: Warehouse::new(seed, story.origin, story.queries),
            spend: Spend::new(seed, start.date_naive()),
        };
        sim.advance_to(start);
        sim
    }

    /// Applies every step up to `now` and returns the time reads should show.
    ///
    /// A clock that went backwards (a negative `advance`) cannot undo steps: reads then
    /// keep showing the latest time seen.
    pub fn advance_to(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let step = Duration::seconds(STEP_SECONDS);
        // Reads months apart would replay every minute between them. Nothing older than a
        // week is shown, so skip ahead to eight days before, in whole minutes so that the
        // steps stay on the schedule's minutes. Only such long gaps lose exact replay.
        if now - self.cursor > Duration::days(MAX_CATCH_UP_DAYS) {
            let skip = (now - self.cursor - Duration::days(8)).num_minutes();
            self.cursor += Duration::minutes(skip);
        }
        while self.cursor <= now {
            let t = self.cursor;
            self.replication.step(t);
            self.workflow.step(t, &mut self.replication);
            self.warehouse.step(t, &mut self.workflow.outbox);
            self.cursor = t + step;
        }
        self.seen = self.seen.max(now);
        self.seen
    }

    pub fn tasks(&self, now: DateTime<Utc>) -> Vec<ReplicationTask> {
        self.replication.tasks(now)
    }

    pub fn table_statistics(&self, id: &str, now: DateTime<Utc>) -> Option<Vec<TableStatistics>> {
        self.replication.table_statistics(id, now)
    }

    pub fn runs(&self, now: DateTime<Utc>) -> Vec<WorkflowRun> {
        self.workflow.runs(now)
    }

    pub fn task_instances(&self, dag_id: &str, run_id: &str) -> Option<Vec<TaskInstance>> {
        self.workflow.task_instances(dag_id, run_id)
    }

    pub fn queries(&self, now: DateTime<Utc>) -> Vec<QueryRecord> {
        self.warehouse.queries(now)
    }

    pub fn daily_spend(&self, start: NaiveDate, end: NaiveDate, now: DateTime<Utc>) -> SpendSeries {
        self.spend.series(start, end, now.date_naive())
    }
}
