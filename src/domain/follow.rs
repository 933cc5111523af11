//! Following an item after an action until it settles: the rules the console's
//! `watching…` and `opsdeck retry --wait` share.
//!
//! A retried item still shows its old failure until the service moves it, so its end
//! counts only after it was seen working, or when the end is dated after the action (a
//! retry that fails again between two looks). An item the action created (a triggered run, a
//! re-run's statement) has no old state: its first end is its end. A change-capture task
//! never ends when it is well: running without errored tables for a minute is its
//! recovery.

use chrono::{DateTime, Duration, Utc};

use super::failure::ItemRef;
use super::{
    Action, ActionOutcome, Health, QueryRecord, ReplicationTask, RunState, StatementProgress,
    StatementState, TaskStatus, WorkflowRun,
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
    /// Ended: well, or not; `at` dates the run that ended (a task's start, a run's or a
    /// query's end) when the source says.
    Ended { ok: bool, at: Option<DateTime<Utc>> },
    /// Neither working nor ended (stopped by a person, a state not known).
    Idle,
}

impl Seen {
    fn of_health(health: Health, at: Option<DateTime<Utc>>) -> Seen {
        match health {
            Health::Running => Seen::Working,
            Health::Ok => Seen::Ended { ok: true, at },
            Health::Failed | Health::Degraded => Seen::Ended { ok: false, at },
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
        // A task's end is not dated; its start is: a start after the action is the retry's.
        Seen::of_health(health, task.started_at)
    }

    /// A workflow run: it settles when it ends; a task up for retry in a running run is
    /// not an end.
    pub fn of_run(run: &WorkflowRun) -> Seen {
        match run.state {
            RunState::Queued | RunState::Running => Seen::Working,
            _ => Seen::of_health(run.health(), run.ended_at),
        }
    }

    /// A warehouse query.
    pub fn of_query(query: &QueryRecord) -> Seen {
        Seen::of_health(query.health(), query.ended_at)
    }

    /// A statement the console submitted.
    pub fn of_statement(progress: &StatementProgress) -> Seen {
        match progress.state {
            StatementState::Finished => Seen::Ended { ok: true, at: None },
            StatementState::Failed | StatementState::Aborted => Seen::Ended {
                ok: false,
                at: None,
            },
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
    /// When the action was done, on the source's clock: an end dated after it is new.
    pub acted_at: Option<DateTime<Utc>>,
}

impl Watch {
    /// A watch on an item that failed and was retried at `acted_at`.
    pub fn retried(acted_at: DateTime<Utc>) -> Watch {
        Watch {
            created: false,
            seen_working: false,
            steady_since: None,
            acted_at: Some(acted_at),
        }
    }

    /// A watch on an item the action created.
    pub fn created() -> Watch {
        Watch {
            created: true,
            seen_working: false,
            steady_since: None,
            acted_at: None,
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
            Seen::Ended { ok, at } if self.seen_working || self.created || self.after(at) => {
                Some(ok)
            }
            Seen::Ended { .. } | Seen::Missing | Seen::Idle => {
                self.steady_since = None;
                None
            }
        }
    }
}

impl Watch {
    fn after(&self, at: Option<DateTime<Utc>>) -> bool {
        matches!((self.acted_at, at), (Some(acted), Some(at)) if at >= acted)
    }

    /// How a settled item ended, in words: `recovered`, `running again` (a steady
    /// change-capture task), `failed again`; for a created one `succeeded` or `failed`.
    pub fn ending(&self, seen: Seen, ok: bool) -> &'static str {
        match (self.created, ok) {
            (true, true) => "succeeded",
            (true, false) => "failed",
            (false, true) if seen == Seen::Steady => "running again",
            (false, true) => "recovered",
            (false, false) => "failed again",
        }
    }
}

/// What an action leaves to follow until it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// A replication task started again.
    Task(String),
    /// A DAG run cleared, or a new one triggered.
    Run { dag_id: String, run_id: String },
    /// A re-run's Data API statement, and the query it runs again.
    Statement { id: String, of_query: i64 },
}

impl Followed {
    /// The item to follow for a listed task or run (a query is followed through its
    /// re-run's statement, which only the re-run names).
    pub fn of(item: &ItemRef) -> Option<Followed> {
        match item {
            ItemRef::Replication { id } => Some(Followed::Task(id.clone())),
            ItemRef::WorkflowRun { dag_id, run_id } => Some(Followed::Run {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
            }),
            ItemRef::Query { .. } => None,
        }
    }

    /// The listed item it is about (a statement: the query it runs again).
    pub fn item(&self) -> ItemRef {
        match self {
            Followed::Task(id) => ItemRef::Replication { id: id.clone() },
            Followed::Run { dag_id, run_id } => ItemRef::WorkflowRun {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
            },
            Followed::Statement { of_query, .. } => ItemRef::Query { id: *of_query },
        }
    }
}

/// The item an action leaves to follow, what to call it, and the watch to keep on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterAction {
    pub item: Followed,
    pub name: String,
    pub watch: Watch,
}

impl AfterAction {
    /// What `action`, answered with `outcome` after being sent at `acted_at`, leaves to
    /// follow; none for an action with no end to watch (a reload keeps its task running,
    /// a cancel ends at once).
    pub fn of(
        action: &Action,
        outcome: &ActionOutcome,
        acted_at: DateTime<Utc>,
    ) -> Option<AfterAction> {
        let (item, watch, name) = match (action, outcome.created.clone()) {
            (Action::StartTask { task_id, .. }, _) => (
                Followed::Task(task_id.clone()),
                Watch::retried(acted_at),
                action.target(),
            ),
            (Action::ClearRun { dag_id, run_id, .. }, _) => (
                Followed::Run {
                    dag_id: dag_id.clone(),
                    run_id: run_id.clone(),
                },
                Watch::retried(acted_at),
                action.target(),
            ),
            (Action::TriggerDag { dag_id }, Some(run_id)) => (
                Followed::Run {
                    dag_id: dag_id.clone(),
                    run_id: run_id.clone(),
                },
                Watch::created(),
                format!("new run {run_id} of {dag_id}"),
            ),
            (Action::RerunQuery { query_id, .. }, Some(id)) => (
                Followed::Statement {
                    id,
                    of_query: *query_id,
                },
                Watch::created(),
                format!("re-run of query {query_id}"),
            ),
            _ => return None,
        };
        Some(AfterAction { item, name, watch })
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
        let old = Seen::Ended {
            ok: false,
            at: Some(at(-600)),
        };
        let mut watch = Watch::retried(at(0));
        assert_eq!(watch.observe(old, at(1)), None, "the old failure");
        assert_eq!(watch.observe(Seen::Missing, at(2)), None);
        assert_eq!(watch.observe(Seen::Working, at(3)), None);
        assert_eq!(watch.observe(old, at(4)), Some(false));
        let mut watch = Watch::retried(at(0));
        watch.observe(Seen::Working, at(1));
        let ok = Seen::Ended { ok: true, at: None };
        assert_eq!(watch.observe(ok, at(9)), Some(true));
        assert_eq!(watch.ending(ok, true), "recovered");
        assert_eq!(watch.ending(old, false), "failed again");
    }

    #[test]
    fn a_retry_that_fails_again_between_two_looks_is_seen_by_its_date() {
        let mut watch = Watch::retried(at(0));
        let undated = Seen::Ended {
            ok: false,
            at: None,
        };
        assert_eq!(watch.observe(undated, at(5)), None);
        let again = Seen::Ended {
            ok: false,
            at: Some(at(3)),
        };
        assert_eq!(watch.observe(again, at(5)), Some(false));
    }

    #[test]
    fn a_created_item_ends_at_its_first_end() {
        let mut watch = Watch::created();
        assert_eq!(watch.observe(Seen::Missing, at(0)), None);
        let ok = Seen::Ended { ok: true, at: None };
        assert_eq!(watch.observe(ok, at(1)), Some(true));
        assert_eq!(watch.ending(ok, true), "succeeded");
    }

    #[test]
    fn a_steady_change_capture_task_recovers_after_a_minute_without_a_break() {
        let mut watch = Watch::retried(at(0));
        assert_eq!(watch.observe(Seen::Steady, at(0)), None);
        assert_eq!(watch.observe(Seen::Steady, at(59)), None);
        // A break (errored tables, a restart) starts the minute again.
        assert_eq!(watch.observe(Seen::Working, at(60)), None);
        assert_eq!(watch.observe(Seen::Steady, at(61)), None);
        assert_eq!(watch.observe(Seen::Steady, at(120)), None);
        assert_eq!(watch.observe(Seen::Steady, at(121)), Some(true));
        assert_eq!(watch.ending(Seen::Steady, true), "running again");
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

    #[test]
    fn an_action_leaves_its_item_to_follow_or_none() {
        let outcome = |created: Option<&str>| ActionOutcome {
            request_id: None,
            message: String::new(),
            created: created.map(str::to_string),
        };
        let trigger = Action::TriggerDag {
            dag_id: "refresh_marts".into(),
        };
        let next = AfterAction::of(&trigger, &outcome(Some("manual__1")), at(0)).unwrap();
        assert_eq!(
            next.item,
            Followed::Run {
                dag_id: "refresh_marts".into(),
                run_id: "manual__1".into()
            }
        );
        assert_eq!(next.name, "new run manual__1 of refresh_marts");
        assert!(next.watch.created);
        assert_eq!(AfterAction::of(&trigger, &outcome(None), at(0)), None);
        let rerun = Action::RerunQuery {
            query_id: 7,
            database: None,
            sql: "SELECT 1".into(),
        };
        let next = AfterAction::of(&rerun, &outcome(Some("s-1")), at(0)).unwrap();
        assert_eq!(
            next.item,
            Followed::Statement {
                id: "s-1".into(),
                of_query: 7
            }
        );
        let cancel = Action::CancelQuery {
            query_id: 7,
            pid: Some(1),
            statement: None,
        };
        assert_eq!(AfterAction::of(&cancel, &outcome(None), at(0)), None);
    }
}
