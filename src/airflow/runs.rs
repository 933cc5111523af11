//! The poll of DAG runs: a handful of batch requests per poll, however many DAGs there are.
//!
//! The first poll (or one after the client lost track) reads the window of runs shown:
//! the DAG listing (`GET /dags`, 100 a page), then `POST /dags/~/dagRuns/list` for every
//! DAG at once (no `dag_ids`), bounded by time (`run_after_gte` on API v2; `start_date_gte`
//! on v1, which has no due time), newest first, 100 a page, paging only while the window
//! is not covered (at most [`WINDOW_PAGES`]); then the active runs and the newest run of
//! each DAG the window left out. When pages follow, the first page is shown at once.
//!
//! Every later poll asks only what changed:
//! 1. one page of the DAG listing, round after round (paused, new and removed DAGs);
//! 2. the queued and running runs of every DAG, whatever their age;
//! 3. the runs of every DAG that ended since the latest end seen (`end_date_gte`, newest
//!    first, paging only until a run already known): how the runs that were active ended,
//!    and a run marked failed or successful by hand;
//! 4. only when a DAG listed has no known run: its newest runs (`dag_ids` of up to 100
//!    such DAGs in one request);
//! 5. only when runs are running or newly failed: one
//!    `POST /dags/~/dagRuns/~/taskInstances/list` for all of them.
//!
//! Which of the runs read are shown is `book.rs`'s rule.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::book::{RunBook, RunKey, WINDOW, key_of, more_after};
use super::client::{AirflowClient, MAX_PAGES, PAGE};
use super::wire::{DagPage, RunEntry, RunPage, TaskPage, read};
use super::{ApiRequest, ApiVersion};
use crate::domain::{TaskState, WorkflowRun};
use crate::source::SourceResult;

/// Pages of the window read at most on a first poll (the newest 1 000 runs of the window).
const WINDOW_PAGES: usize = 10;
/// Pages of active or ended runs read at most per poll; more ended runs than that and the
/// next poll reads the window again.
const CHANGE_PAGES: usize = 10;
/// Look-ups of DAGs without a known run on a first poll (later polls: one).
const FIRST_LOOKUPS: usize = 5;

/// How far a paged listing is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    /// To its last page.
    End,
    /// Until a page holds a run known already, unchanged: newest first, what follows was
    /// read before.
    KnownReached,
}

/// Where what a first poll shows early goes.
pub(super) type Early<'a> = &'a (dyn Fn(Vec<WorkflowRun>) + Send + Sync);

/// A time as the request bodies take it.
fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Runs by when they were due, newest first.
fn newest_first(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V1 => "-execution_date",
        ApiVersion::V2 => "-run_after",
    }
}

/// The window of runs: since `start`, newest first.
fn window_body(version: ApiVersion, start: DateTime<Utc>) -> Value {
    let (bound, order) = match version {
        ApiVersion::V1 => ("start_date_gte", "-start_date"),
        ApiVersion::V2 => ("run_after_gte", "-run_after"),
    };
    json!({bound: stamp(start), "order_by": order, "page_limit": PAGE})
}

impl AirflowClient {
    /// One poll of the runs shown; `early` gets what the first page of a long first read
    /// shows.
    pub(super) async fn poll_runs(&self, early: Early<'_>) -> SourceResult<Vec<WorkflowRun>> {
        let version = self.transport.api_version().await?;
        // Held for the whole poll: two polls at once would both read what changed.
        let mut held = self.book.lock().await;
        let now = Utc::now();
        // Worked on a copy: a poll that fails half-way changes nothing.
        let mut book = if held.loaded {
            held.clone()
        } else {
            RunBook::default()
        };
        let lookups = if book.loaded {
            self.catch_up(version, &mut book, now).await?;
            1
        } else {
            self.read_window(version, &mut book, now, early).await?;
            FIRST_LOOKUPS
        };
        self.look_up(version, &mut book, lookups).await?;
        book.prune(now, self.scope.runs_per_dag as usize);
        self.explain(&mut book).await;
        let shown = book.shown(&self.scope.states);
        *held = book;
        Ok(shown)
    }

    /// The first poll: the DAG listing, the window, the active runs.
    async fn read_window(
        &self,
        version: ApiVersion,
        book: &mut RunBook,
        now: DateTime<Utc>,
        early: Early<'_>,
    ) -> SourceResult<()> {
        self.list_dag_page(book).await?;
        let show_first = |book: &RunBook, more: bool| {
            if more || !book.roster.complete {
                let mut preview = book.clone();
                preview.prune(now, self.scope.runs_per_dag as usize);
                early(preview.shown(&self.scope.states));
            }
        };
        self.list_runs(
            window_body(version, now - WINDOW),
            book,
            WINDOW_PAGES,
            Until::End,
            show_first,
        )
        .await?;
        for _ in 1..MAX_PAGES {
            if book.roster.complete {
                break;
            }
            self.list_dag_page(book).await?;
        }
        self.active_runs(version, book).await?;
        book.loaded = true;
        Ok(())
    }

    /// A later poll: one page of the DAG listing, the active runs, the runs ended since.
    async fn catch_up(
        &self,
        version: ApiVersion,
        book: &mut RunBook,
        now: DateTime<Utc>,
    ) -> SourceResult<()> {
        self.list_dag_page(book).await?;
        let since = book.ended_since(now - WINDOW);
        // The active runs first: a run that ends between the two answers is in the second.
        let (mut named, all_active) = self.active_runs(version, book).await?;
        let ended =
            json!({"end_date_gte": stamp(since), "order_by": "-end_date", "page_limit": PAGE});
        let (ended, all_ended) = self
            .list_runs(ended, book, CHANGE_PAGES, Until::KnownReached, |_, _| {})
            .await?;
        named.extend(ended);
        if all_active {
            book.forget_vanished(&named);
        }
        if !all_ended {
            tracing::info!("more DAG runs ended than a poll reads: reading the window again");
            book.loaded = false;
        }
        Ok(())
    }

    /// The queued and running runs of every DAG.
    async fn active_runs(
        &self,
        version: ApiVersion,
        book: &mut RunBook,
    ) -> SourceResult<(HashSet<RunKey>, bool)> {
        let body = json!({
            "states": ["queued", "running"],
            "order_by": newest_first(version),
            "page_limit": PAGE,
        });
        self.list_runs(body, book, CHANGE_PAGES, Until::End, |_, _| {})
            .await
    }

    /// The newest runs of the DAGs listed without a known run, up to `rounds` requests of
    /// 100 DAGs each; a DAG a complete answer leaves out has never run.
    async fn look_up(
        &self,
        version: ApiVersion,
        book: &mut RunBook,
        rounds: usize,
    ) -> SourceResult<()> {
        for _ in 0..rounds {
            let mut asked = book.uncovered();
            if asked.is_empty() {
                break;
            }
            asked.truncate(PAGE);
            let body = json!({
                "dag_ids": asked,
                "order_by": newest_first(version),
                "page_limit": PAGE,
            });
            let (named, complete) = self.list_runs(body, book, 1, Until::End, |_, _| {}).await?;
            let found: HashSet<&str> = named.iter().map(|(dag, _)| dag.as_str()).collect();
            if complete {
                book.never_ran(asked.into_iter().filter(|d| !found.contains(d.as_str())));
            }
            if found.is_empty() {
                break;
            }
        }
        Ok(())
    }

    /// One page of `GET /dags`, where the last poll's left off.
    async fn list_dag_page(&self, book: &mut RunBook) -> SourceResult<()> {
        let request = ApiRequest::get("/dags")
            .with_query("limit", PAGE)
            .with_query("offset", book.roster.next_offset);
        let page: DagPage = read(self.call(request.clone()).await?, &request)?;
        if book.roster.absorb(page, PAGE) {
            book.forget_unlisted();
        }
        Ok(())
    }

    /// Reads up to `pages` pages of the batch run listing asked by `body` into `book`,
    /// telling `after_first` whether more follow the first page. Returns the runs read and
    /// whether the listing was read as far as `until` asks.
    async fn list_runs(
        &self,
        body: Value,
        book: &mut RunBook,
        pages: usize,
        until: Until,
        mut after_first: impl FnMut(&RunBook, bool),
    ) -> SourceResult<(HashSet<RunKey>, bool)> {
        let mut named = HashSet::new();
        let mut read_so_far = 0;
        for page in 0..pages {
            let mut body = body.clone();
            if read_so_far > 0 {
                body["page_offset"] = json!(read_so_far);
            }
            let request = ApiRequest::post("/dags/~/dagRuns/list", body);
            let answer: RunPage = read(self.call(request.clone()).await?, &request)?;
            let got = answer.dag_runs.len();
            read_so_far += got;
            let runs: Vec<WorkflowRun> = answer
                .dag_runs
                .iter()
                .filter_map(RunEntry::to_run)
                .collect();
            named.extend(runs.iter().map(key_of));
            let known = book.absorb(runs);
            let more = more_after(got, read_so_far, answer.total_entries, PAGE)
                && !(until == Until::KnownReached && known > 0);
            if page == 0 {
                after_first(book, more && pages > 1);
            }
            if !more {
                return Ok((named, true));
            }
        }
        Ok((named, false))
    }

    /// Fills in, with one batch request, which task failed in each newly failed run and
    /// how many tasks of each running run wait for a retry. Best effort: the runs are
    /// shown without it when it fails.
    async fn explain(&self, book: &mut RunBook) {
        let asked = book.to_explain(PAGE);
        if asked.is_empty() {
            return;
        }
        let dag_ids: BTreeSet<&str> = asked.iter().map(|(dag, _)| dag.as_str()).collect();
        let run_ids: BTreeSet<&str> = asked.iter().map(|(_, run)| run.as_str()).collect();
        let request = ApiRequest::post(
            "/dags/~/dagRuns/~/taskInstances/list",
            json!({
                "dag_ids": dag_ids,
                "dag_run_ids": run_ids,
                "state": ["failed", "up_for_retry"],
                "page_limit": PAGE,
            }),
        );
        let page: TaskPage = match self
            .call(request.clone())
            .await
            .and_then(|b| read(b, &request))
        {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(%error, "cannot tell which tasks failed");
                return;
            }
        };
        let got = page.task_instances.len();
        let complete = !more_after(got, got, page.total_entries, PAGE);
        // The failed task of a run is the one that failed first.
        let mut first_failed: HashMap<RunKey, (Option<String>, String)> = HashMap::new();
        let mut retrying: HashMap<RunKey, u32> = HashMap::new();
        for entry in &page.task_instances {
            let (Some(dag), Some(run), Some(task)) =
                (&entry.dag_id, &entry.dag_run_id, entry.to_task())
            else {
                continue;
            };
            let key = (dag.clone(), run.clone());
            match task.state {
                TaskState::Failed => {
                    let ended = entry.end_date.clone();
                    let earlier = first_failed.get(&key).is_some_and(|(e, _)| e <= &ended);
                    if !earlier {
                        first_failed.insert(key, (ended, task.task_id));
                    }
                }
                TaskState::UpForRetry => *retrying.entry(key).or_default() += 1,
                _ => {}
            }
        }
        let failed: HashMap<RunKey, String> = first_failed
            .into_iter()
            .map(|(key, (_, task))| (key, task))
            .collect();
        book.explain(&asked, &failed, &retrying, complete);
    }
}
