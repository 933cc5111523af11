//! What the client remembers of DAG runs between polls, and which of them it shows.
//!
//! A poll asks Airflow only what changed (see `runs.rs`), so the client keeps the runs it
//! has read. The rule for what is kept and shown, per DAG that is not paused:
//!
//! - its runs of the last [`WINDOW`] (by start, or by due time for a run not started),
//!   newest first, at most `runs_per_dag`;
//! - its queued and running runs, whatever their age (a cleared old run runs again);
//! - and in any case its newest run, however old: a DAG whose last run failed three days
//!   ago is still failing now.
//!
//! `run_states` then hides the runs in other states.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::wire::DagPage;
use crate::domain::{RunState, WorkflowRun};

/// How far back the window of runs shown reaches.
pub(super) const WINDOW: TimeDelta = TimeDelta::hours(24);

/// How far before the latest end seen a poll asks for runs that ended: an end written
/// (committed) late by Airflow is still caught.
const END_MARGIN: TimeDelta = TimeDelta::minutes(2);

/// A run by its DAG and run id.
pub(super) type RunKey = (String, String);

/// The key of a run.
pub(super) fn key_of(run: &WorkflowRun) -> RunKey {
    (run.dag_id.clone(), run.run_id.clone())
}

/// Whether a run may still change without being cleared.
pub(super) fn is_active(run: &WorkflowRun) -> bool {
    matches!(run.state, RunState::Queued | RunState::Running)
}

/// When a run ran, or was due when it has not started.
fn time_of(run: &WorkflowRun) -> Option<DateTime<Utc>> {
    run.started_at.or(run.logical_date)
}

/// Whether the next page of a listing may hold more: Airflow's total when it gives one,
/// else a full page.
pub(super) fn more_after(got: usize, read: usize, total: Option<u64>, page: usize) -> bool {
    match total {
        Some(total) => got > 0 && (read as u64) < total,
        None => got >= page,
    }
}

/// The DAGs `GET /dags` lists, read one page per poll in rounds: a DAG not listed in a
/// whole round is gone (deleted, or its file removed).
#[derive(Debug, Clone, Default)]
pub(super) struct DagRoster {
    /// Each listed DAG and whether it is paused.
    paused: HashMap<String, bool>,
    /// The DAGs listed in the round under way.
    this_round: HashSet<String>,
    /// Where the next page starts.
    pub next_offset: usize,
    /// Whether a whole round was read.
    pub complete: bool,
}

impl DagRoster {
    /// Takes in the page read at `next_offset`; true when it ended a round.
    pub fn absorb(&mut self, page: DagPage, page_size: usize) -> bool {
        let got = page.dags.len();
        for dag in page.dags {
            if let Some(id) = dag.dag_id {
                self.paused.insert(id.clone(), dag.is_paused == Some(true));
                self.this_round.insert(id);
            }
        }
        self.next_offset += got;
        if more_after(got, self.next_offset, page.total_entries, page_size) {
            return false;
        }
        let listed = std::mem::take(&mut self.this_round);
        self.paused.retain(|id, _| listed.contains(id));
        self.next_offset = 0;
        self.complete = true;
        true
    }

    /// Whether the DAG was listed as paused.
    pub fn is_paused(&self, dag_id: &str) -> bool {
        self.paused.get(dag_id).copied().unwrap_or(false)
    }

    /// The listed DAGs that are not paused.
    fn active(&self) -> impl Iterator<Item = &String> {
        self.paused
            .iter()
            .filter(|(_, paused)| !**paused)
            .map(|(id, _)| id)
    }
}

/// The runs remembered between polls.
#[derive(Debug, Clone, Default)]
pub(super) struct RunBook {
    /// Whether the window was read; until then (and after a poll that could not catch up)
    /// the next poll reads it whole.
    pub loaded: bool,
    runs: HashMap<RunKey, WorkflowRun>,
    /// The latest end of a run seen, by Airflow's clock.
    latest_end: Option<DateTime<Utc>>,
    pub roster: DagRoster,
    /// DAGs that a look-up found without any run.
    never_ran: HashSet<String>,
    /// Failed runs (with their end) whose failed task was asked for: asked once.
    explained: HashSet<(RunKey, Option<DateTime<Utc>>)>,
}

impl RunBook {
    /// Takes in runs as Airflow answered them; an answer replaces what was remembered,
    /// keeping the explanation of a run that did not change; a paused DAG's runs are left
    /// out. Returns how many runs were known already, unchanged.
    pub fn absorb(&mut self, runs: impl IntoIterator<Item = WorkflowRun>) -> usize {
        let mut unchanged = 0;
        for mut run in runs {
            if let Some(end) = run.ended_at {
                self.latest_end = self.latest_end.max(Some(end));
            }
            if self.roster.is_paused(&run.dag_id) {
                continue;
            }
            self.never_ran.remove(&run.dag_id);
            let key = key_of(&run);
            if let Some(old) = self.runs.get(&key)
                && old.state == run.state
                && old.ended_at == run.ended_at
            {
                run.failure.clone_from(&old.failure);
                run.tasks_retrying = old.tasks_retrying;
                unchanged += 1;
            }
            self.runs.insert(key, run);
        }
        unchanged
    }

    /// From when to ask for the runs that ended: a little before the latest end seen, or
    /// the window's start when none was seen.
    pub fn ended_since(&self, window_start: DateTime<Utc>) -> DateTime<Utc> {
        self.latest_end.map_or(window_start, |end| end - END_MARGIN)
    }

    /// Forgets the remembered active runs that neither the complete list of active runs
    /// nor the runs ended since named: they were deleted.
    pub fn forget_vanished(&mut self, named: &HashSet<RunKey>) {
        self.runs
            .retain(|key, run| !is_active(run) || named.contains(key));
    }

    /// Forgets the runs of DAGs the last round of the DAG listing did not list.
    pub fn forget_unlisted(&mut self) {
        let roster = &self.roster;
        self.runs
            .retain(|(dag, _), _| roster.paused.contains_key(dag));
        self.never_ran.retain(|dag| roster.paused.contains_key(dag));
    }

    /// DAGs listed, not paused, of which no run is known (nor known to be missing): their
    /// newest run is looked up. Sorted, for stable requests.
    pub fn uncovered(&self) -> Vec<String> {
        let covered: HashSet<&str> = self.runs.keys().map(|(dag, _)| dag.as_str()).collect();
        let mut dags: Vec<String> = self
            .roster
            .active()
            .filter(|dag| !covered.contains(dag.as_str()) && !self.never_ran.contains(*dag))
            .cloned()
            .collect();
        dags.sort();
        dags
    }

    /// Notes DAGs a complete look-up found without any run.
    pub fn never_ran(&mut self, dags: impl IntoIterator<Item = String>) {
        self.never_ran.extend(dags);
    }

    /// Keeps the runs the rule shows (before the state filter) and forgets the others.
    pub fn prune(&mut self, now: DateTime<Utc>, runs_per_dag: usize) {
        let window_start = now - WINDOW;
        let mut ordered: Vec<(&RunKey, &WorkflowRun)> = self
            .runs
            .iter()
            .filter(|(_, run)| !self.roster.is_paused(&run.dag_id))
            .collect();
        ordered.sort_by(|(a_key, a), (b_key, b)| {
            a.dag_id
                .cmp(&b.dag_id)
                .then_with(|| time_of(b).cmp(&time_of(a)))
                .then_with(|| b_key.1.cmp(&a_key.1))
        });
        let mut keep: HashSet<RunKey> = HashSet::new();
        let mut rank = 0;
        let mut dag: Option<&str> = None;
        for (key, run) in ordered {
            if dag != Some(run.dag_id.as_str()) {
                dag = Some(run.dag_id.as_str());
                rank = 0;
            }
            let recent = time_of(run).is_some_and(|t| t >= window_start);
            if rank == 0 || is_active(run) || (rank < runs_per_dag && recent) {
                keep.insert(key.clone());
            }
            rank += 1;
        }
        self.runs.retain(|key, _| keep.contains(key));
        self.explained.retain(|(key, _)| keep.contains(key));
    }

    /// The runs shown, in the states asked for (all when `states` is empty), newest first.
    pub fn shown(&self, states: &[String]) -> Vec<WorkflowRun> {
        let mut runs: Vec<WorkflowRun> = self
            .runs
            .values()
            .filter(|run| !self.roster.is_paused(&run.dag_id))
            .filter(|run| states.is_empty() || states.iter().any(|s| s == run.state.as_str()))
            .cloned()
            .collect();
        runs.sort_by(|a, b| {
            time_of(b)
                .cmp(&time_of(a))
                .then_with(|| a.dag_id.cmp(&b.dag_id))
                .then_with(|| a.run_id.cmp(&b.run_id))
        });
        runs
    }

    /// The runs whose task instances say more: the running (how many tasks wait for a
    /// retry) and the failed not yet asked about (which task failed), at most `limit`.
    pub fn to_explain(&self, limit: usize) -> Vec<RunKey> {
        let mut keys: Vec<RunKey> = self
            .runs
            .iter()
            .filter(|(key, run)| match run.state {
                RunState::Running => true,
                RunState::Failed => !self.explained.contains(&((*key).clone(), run.ended_at)),
                _ => false,
            })
            .map(|(key, _)| key.clone())
            .collect();
        keys.sort();
        keys.truncate(limit);
        keys
    }

    /// Writes what the task instances said into the runs asked about. `complete` says the
    /// answer held every instance asked for: only then is a failed run without a failed
    /// task noted as asked.
    pub fn explain(
        &mut self,
        asked: &[RunKey],
        failed: &HashMap<RunKey, String>,
        retrying: &HashMap<RunKey, u32>,
        complete: bool,
    ) {
        for key in asked {
            let Some(run) = self.runs.get_mut(key) else {
                continue;
            };
            match run.state {
                RunState::Failed => {
                    if let Some(task) = failed.get(key) {
                        run.failure = Some(format!("task {task} failed"));
                    }
                    if complete || run.failure.is_some() {
                        self.explained.insert((key.clone(), run.ended_at));
                    }
                }
                RunState::Running => {
                    run.tasks_retrying = retrying.get(key).copied().unwrap_or(0);
                }
                _ => {}
            }
        }
    }

    /// How many runs are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.runs.len()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::wire::DagEntry;
    use super::*;

    fn at(hour: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap() + TimeDelta::hours(hour)
    }

    fn run(dag: &str, id: &str, state: RunState, hour: i64) -> WorkflowRun {
        WorkflowRun {
            dag_id: dag.into(),
            run_id: id.into(),
            state,
            run_type: "scheduled".into(),
            logical_date: Some(at(hour)),
            started_at: Some(at(hour)),
            ended_at: None,
            failure: None,
            tasks_retrying: 0,
        }
    }

    fn listed(book: &mut RunBook, dags: &[(&str, bool)]) {
        let page = DagPage {
            dags: dags
                .iter()
                .map(|(id, paused)| DagEntry {
                    dag_id: Some(id.to_string()),
                    is_paused: Some(*paused),
                })
                .collect(),
            total_entries: Some(dags.len() as u64),
        };
        assert!(book.roster.absorb(page, 100));
    }

    fn ids(runs: &[WorkflowRun]) -> Vec<&str> {
        runs.iter().map(|r| r.run_id.as_str()).collect()
    }

    #[test]
    fn the_window_and_the_newest_run_of_each_dag() {
        let mut book = RunBook::default();
        listed(
            &mut book,
            &[("hourly", false), ("weekly", false), ("old", true)],
        );
        let now = at(48);
        book.absorb((0..30).map(|h| run("hourly", &format!("h{h:02}"), RunState::Success, 18 + h)));
        book.absorb([
            run("weekly", "w1", RunState::Failed, -72),
            run("weekly", "w0", RunState::Success, -240),
            // Cleared and running again, long after it was due.
            run("hourly", "backfill", RunState::Running, -500),
            run("old", "o1", RunState::Failed, 47),
        ]);
        book.prune(now, 10);
        let shown = book.shown(&[]);
        assert_eq!(
            ids(&shown),
            [
                "h29", "h28", "h27", "h26", "h25", "h24", "h23", "h22", "h21", "h20", "w1",
                "backfill"
            ],
            "ten of hourly and its running run, the newest of weekly, nothing of a paused DAG"
        );
        assert_eq!(book.len(), 12, "the rest is forgotten");
        assert_eq!(ids(&book.shown(&["failed".into()])), ["w1"]);
    }

    #[test]
    fn a_run_read_again_keeps_its_explanation_until_it_changes() {
        let mut book = RunBook::default();
        let mut failed = run("d", "r", RunState::Failed, 1);
        failed.ended_at = Some(at(2));
        book.absorb([failed.clone()]);
        let key = key_of(&failed);
        assert_eq!(book.to_explain(100), std::slice::from_ref(&key));
        book.explain(
            std::slice::from_ref(&key),
            &HashMap::from([(key.clone(), "load".to_string())]),
            &HashMap::new(),
            true,
        );
        assert!(book.to_explain(100).is_empty(), "asked once");
        book.absorb([failed.clone()]);
        assert_eq!(
            book.shown(&[])[0].failure.as_deref(),
            Some("task load failed")
        );
        // Cleared, failed again: a new end, asked again.
        failed.ended_at = Some(at(5));
        book.absorb([failed]);
        assert_eq!(book.shown(&[])[0].failure, None);
        assert_eq!(book.to_explain(100), [key]);
        assert_eq!(book.ended_since(at(0)), at(5) - END_MARGIN);
    }

    #[test]
    fn vanished_and_unlisted_runs_are_forgotten() {
        let mut book = RunBook::default();
        listed(&mut book, &[("a", false), ("b", false), ("c", false)]);
        book.absorb([
            run("a", "gone", RunState::Running, 1),
            run("a", "done", RunState::Success, 0),
            run("b", "b1", RunState::Queued, 1),
            run("c", "c1", RunState::Success, 1),
        ]);
        book.forget_vanished(&HashSet::from([("b".to_string(), "b1".to_string())]));
        assert_eq!(ids(&book.shown(&[])), ["b1", "c1", "done"]);
        assert!(book.uncovered().is_empty());
        listed(
            &mut book,
            &[("a", false), ("b", false), ("d", false), ("e", false)],
        );
        book.forget_unlisted();
        assert_eq!(ids(&book.shown(&[])), ["b1", "done"]);
        assert_eq!(book.uncovered(), ["d", "e"]);
        book.never_ran(["e".to_string()]);
        assert_eq!(book.uncovered(), ["d"]);
    }

    #[test]
    fn a_dag_listing_round_spans_pages() {
        let mut roster = DagRoster::default();
        let page = |from: usize, to: usize| DagPage {
            dags: (from..to)
                .map(|i| DagEntry {
                    dag_id: Some(format!("d{i}")),
                    is_paused: Some(i == 150),
                })
                .collect(),
            total_entries: Some(160),
        };
        assert!(!roster.absorb(page(0, 100), 100));
        assert_eq!(roster.next_offset, 100);
        assert!(!roster.complete);
        assert!(roster.absorb(page(100, 160), 100));
        assert_eq!((roster.next_offset, roster.complete), (0, true));
        assert!(roster.is_paused("d150") && !roster.is_paused("d1"));
        assert_eq!(roster.active().count(), 159);
    }

    #[test]
    fn pages_follow_the_total_or_a_full_page() {
        assert!(more_after(100, 100, Some(230), 100));
        assert!(!more_after(30, 230, Some(230), 100));
        assert!(
            more_after(50, 50, Some(230), 100),
            "a server page smaller than asked"
        );
        assert!(!more_after(0, 100, Some(230), 100));
        assert!(more_after(100, 100, None, 100));
        assert!(!more_after(99, 99, None, 100));
    }
}
