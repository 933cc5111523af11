//! Following an item after an action until it settles: the rules the console's
//! `watching…` and `opsdeck retry --wait` share.
//!
//! A retried item still shows its old failure until the service moves it, so its end
//! counts only after it was seen working. An item the action created (a triggered run, a
//! re-run's statement) has no old state: its first end is its end. A change-capture task
//! never ends when it is well: running without errored tables for a minute is its
//! recovery.

use chrono::{DateTime, Duration, Utc};

use super::{
    Health, QueryRecord, ReplicationTask, RunState, StatementProgress, StatementState, TaskStatus,
    WorkflowRun,
};

/// How long a change-capture task runs without errors before it counts as recovered.
pub const STEADY_SECONDS: i64 = 60;

/// What a followed item looks like at one look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not listed (yet).
    Missing,
    /// Queued, starting or running.
    Working,
    /// A change-capture task running without errored tables: its healthy state.
    Steady,
    /// Ended: well, or not.
    Ended { ok: bool },
    /// Neither working nor ended (stopped by a person, a state not known).
    Idle,
}

impl Seen {
    fn of_health(health: Health) -> Seen {
        match health {
            Health::Running => Seen::Working,
            Health::Ok => Seen::Ended { ok: true },
            Health::Failed | Health::Degraded => Seen::Ended { ok: false },
            Health::Unknown => Seen::Idle,
        }
    }

    /// A replication task.
    pub fn of_task(task: &ReplicationTask) -> Seen {
        let health = task.health();
        if health == Health::Running
            && task.status == TaskStatus::Running
            && task.migration_type.captures_changes()
        {
            return Seen::Steady;
        }
        Seen::of_health(health)
    }

    /// A workflow run: it settles when it ends; a task up for retry in a running run is
    /// not an end.
    pub fn of_run(run: &WorkflowRun) -> Seen {
        match run.state {
            RunState::Queued | RunState::Running => Seen::Working,
            _ => Seen::of_health(run.health()),
        }
    }

    /// A warehouse query.
    pub fn of_query(query: &QueryRecord) -> Seen {
        Seen::of_health(query.health())
    }

    /// A statement the console submitted.
    pub fn of_statement(progress: &StatementProgress) -> Seen {
        match progress.state {
            StatementState::Finished => Seen::Ended { ok: true },
            StatementState::Failed | StatementState::Aborted => Seen::Ended { ok: false },
            _ => Seen::Working,
        }
    }
}

/// The watch kept on one followed item between looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// True for an item the action created: its first end counts.
    pub created: bool,
    /// Seen working since the action: only then does a retried item's end count.
    pub seen_working: bool,
    /// Since when a change-capture task has looked steady.
    pub steady_since: Option<DateTime<Utc>>,
}

impl Watch {
    /// A watch on an item that failed and was retried.
    pub fn retried() -> Watch {
        Watch {
            created: false,
            seen_working: false,
            steady_since: None,
        }
    }

    /// A watch on an item the action created.
    pub fn created() -> Watch {
        Watch {
            created: true,
            ..Watch::retried()
        }
    }

    /// Takes a look at `now`; the end once the item has settled: `Some(true)` ended
    /// well (recovered, succeeded), `Some(false)` ended badly.
    pub fn observe(&mut self, seen: Seen, now: DateTime<Utc>) -> Option<bool> {
        match seen {
            Seen::Steady => {
                self.seen_working = true;
                let since = *self.steady_since.get_or_insert(now);
                (now - since >= Duration::seconds(STEADY_SECONDS)).then_some(true)
            }
            Seen::Working => {
                self.seen_working = true;
                self.steady_since = None;
                None
            }
            Seen::Ended { ok } if self.seen_working || self.created => Some(ok),
            Seen::Ended { .. } | Seen::Missing | Seen::Idle => {
                self.steady_since = None;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(second: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap() + Duration::seconds(second)
    }

    #[test]
    fn a_retried_item_ends_only_after_it_was_seen_working() {
        let mut watch = Watch::retried();
        assert_eq!(
            watch.observe(Seen::Ended { ok: false }, at(0)),
            None,
            "the old failure"
        );
        assert_eq!(watch.observe(Seen::Missing, at(1)), None);
        assert_eq!(watch.observe(Seen::Working, at(2)), None);
        assert_eq!(watch.observe(Seen::Ended { ok: false }, at(3)), Some(false));
        let mut watch = Watch::retried();
        watch.observe(Seen::Working, at(0));
        assert_eq!(watch.observe(Seen::Ended { ok: true }, at(9)), Some(true));
    }

    #[test]
    fn a_created_item_ends_at_its_first_end() {
        let mut watch = Watch::created();
        assert_eq!(watch.observe(Seen::Missing, at(0)), None);
        assert_eq!(watch.observe(Seen::Ended { ok: true }, at(1)), Some(true));
    }

    #[test]
    fn a_steady_change_capture_task_recovers_after_a_minute_without_a_break() {
        let mut watch = Watch::retried();
        assert_eq!(watch.observe(Seen::Steady, at(0)), None);
        assert_eq!(watch.observe(Seen::Steady, at(59)), None);
        // A break (errored tables, a restart) starts the minute again.
        assert_eq!(watch.observe(Seen::Working, at(60)), None);
        assert_eq!(watch.observe(Seen::Steady, at(61)), None);
        assert_eq!(watch.observe(Seen::Steady, at(120)), None);
        assert_eq!(watch.observe(Seen::Steady, at(121)), Some(true));
    }

    #[test]
    fn a_running_run_with_a_task_up_for_retry_is_working() {
        let run = WorkflowRun {
            dag_id: "refresh_marts".into(),
            run_id: "manual__1".into(),
            state: RunState::Running,
            run_type: "manual".into(),
            logical_date: None,
            started_at: None,
            ended_at: None,
            failure: None,
            tasks_retrying: 1,
        };
        assert_eq!(run.health(), Health::Degraded);
        assert_eq!(Seen::of_run(&run), Seen::Working);
    }
}
