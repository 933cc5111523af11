//! What is failing now and how healthy each source is, derived from what the sources
//! returned: the console's Overview and badges and `opsdeck status` read the same.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::chain::Chain;
use super::failure::{Cause, ItemRef};
use super::{
    Failure, Health, HealthCounts, PipelineDefinition, QueryRecord, ReplicationTask, WorkflowRun,
};

/// Health counts of each source's items; `None` until the source has answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceCounts {
    pub tasks: Option<HealthCounts>,
    pub runs: Option<HealthCounts>,
    pub queries: Option<HealthCounts>,
}

/// The failures, the pipelines' nights and the health counts of the sources' latest answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Every unhealthy item, grouped by cause (see [`group`]).
    pub failures: Vec<Failure>,
    /// Each pipeline's night, in the order of the definitions.
    pub chains: Vec<Chain>,
    pub counts: SourceCounts,
}

impl Snapshot {
    /// Derives the snapshot from each source's data (`None` for a source not read yet).
    /// Only the newest run of each workflow counts: a failure a later run fixed is not
    /// failing now.
    pub fn of(
        pipelines: &[PipelineDefinition],
        tasks: Option<&[ReplicationTask]>,
        runs: Option<&[WorkflowRun]>,
        queries: Option<&[QueryRecord]>,
    ) -> Snapshot {
        let latest = runs.map(latest_runs);
        let mut failures: Vec<Failure> = Vec::new();
        if let Some(tasks) = tasks {
            failures.extend(tasks.iter().filter_map(Failure::of_task));
        }
        if let Some(latest) = &latest {
            failures.extend(latest.iter().copied().filter_map(Failure::of_run));
        }
        if let Some(queries) = queries {
            let ran_well_later = ran_well_later(queries);
            failures.extend(
                queries
                    .iter()
                    .filter(|q| !ran_well_later.contains(&q.query_id))
                    .filter_map(Failure::of_query),
            );
        }
        let chains = Chain::all(pipelines, tasks, latest.as_deref());
        Snapshot {
            failures: group(failures, &chains),
            chains,
            counts: SourceCounts {
                tasks: tasks.map(|t| HealthCounts::tally(t.iter().map(ReplicationTask::health))),
                runs: latest.map(|r| HealthCounts::tally(r.iter().map(|r| r.health()))),
                queries: queries.map(|q| HealthCounts::tally(q.iter().map(QueryRecord::health))),
            },
        }
    }
}

/// The queries that failed or were canceled and whose SQL ran well later: the same text on
/// the same database succeeded after they ended (a re-run, or the next schedule). Like a
/// DAG's failed run that a newer run replaced, they are not failing now (the Redshift tab
/// still lists them as they ended).
fn ran_well_later(queries: &[QueryRecord]) -> HashSet<i64> {
    use super::QueryStatus;
    use chrono::{DateTime, Utc};
    // A text is looked up by its length, database, first and last bytes: cheap to hash
    // however long the SQL, and compared whole only where those match.
    type Key<'a> = (usize, &'a str, &'a [u8], &'a [u8]);
    fn key(query: &QueryRecord) -> Key<'_> {
        let bytes = query.text.as_bytes();
        let n = bytes.len();
        (
            n,
            query.database.as_str(),
            &bytes[..n.min(64)],
            &bytes[n.saturating_sub(64)..],
        )
    }
    let ended_badly =
        |q: &&QueryRecord| matches!(q.status, QueryStatus::Failed | QueryStatus::Canceled);
    let wanted: HashSet<Key> = queries.iter().filter(ended_badly).map(key).collect();
    let mut found = HashSet::new();
    if wanted.is_empty() {
        return found;
    }
    // Most successes differ from every failure in the length of their text: passed over
    // by a binary search, nothing hashed.
    let mut lengths: Vec<usize> = wanted.iter().map(|k| k.0).collect();
    lengths.sort_unstable();
    lengths.dedup();
    // The latest start of each text that succeeded, for the texts that also failed.
    let mut latest: HashMap<Key, Vec<(&QueryRecord, DateTime<Utc>)>> = HashMap::new();
    for success in queries.iter().filter(|q| q.status == QueryStatus::Success) {
        let Some(started) = success.started_at else {
            continue;
        };
        if lengths.binary_search(&success.text.len()).is_err() {
            continue;
        }
        let k = key(success);
        if !wanted.contains(&k) {
            continue;
        }
        let texts = latest.entry(k).or_default();
        match texts.iter_mut().find(|(q, _)| same_sql(q, success)) {
            Some((_, at)) => *at = (*at).max(started),
            None => texts.push((success, started)),
        }
    }
    for query in queries.iter().filter(ended_badly) {
        let Some(ended) = query.ended_at.or(query.started_at) else {
            continue;
        };
        let later = latest.get(&key(query)).is_some_and(|texts| {
            texts
                .iter()
                .any(|(q, started)| *started > ended && same_sql(q, query))
        });
        if later {
            found.insert(query.query_id);
        }
    }
    found
}

/// The same SQL: the same text, cut or whole alike.
fn same_sql(a: &QueryRecord, b: &QueryRecord) -> bool {
    a.text_truncated == b.text_truncated && (Arc::ptr_eq(&a.text, &b.text) || a.text == b.text)
}

/// Orders failures by cause and marks each: every pipeline's root cause first (its failed
/// items; the newest first), each followed by its consequences in stage order; then the
/// other failures, then degraded and unknown items, each newest first. So a dashboard's
/// canceled query never comes before the load that broke the night.
pub fn group(mut failures: Vec<Failure>, chains: &[Chain]) -> Vec<Failure> {
    // Only the red stages' items are looked up: found in one pass over the failures,
    // rather than every failure hashed.
    let wanted: Vec<&ItemRef> = chains
        .iter()
        .flat_map(|c| c.stages.iter())
        .filter(|s| s.health == Health::Failed)
        .flat_map(|s| s.failing.iter())
        .collect();
    let index: HashMap<&ItemRef, usize> = if wanted.is_empty() {
        HashMap::new()
    } else {
        failures
            .iter()
            .enumerate()
            .filter(|(_, f)| f.health == Health::Failed && wanted.contains(&&f.item))
            .map(|(i, f)| (&f.item, i))
            .collect()
    };
    let mut causes: Vec<Option<Cause>> = vec![None; failures.len()];
    // For each root: the failures of its stage, then its consequences.
    let mut roots: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for chain in chains {
        if let Some(upstream) = chain.rerunning() {
            // Nothing is the root while an upstream stage runs again: its red stages wait.
            let mut waiting = Vec::new();
            for later in chain.consequences() {
                for item in &chain.stages[later].failing {
                    if let Some(&i) = index.get(item)
                        && causes[i].is_none()
                    {
                        causes[i] = Some(Cause::Waiting {
                            upstream: chain.stages[upstream].name.clone(),
                            pipeline: chain.pipeline.clone(),
                            stage: chain.stages[later].name.clone(),
                        });
                        waiting.push(i);
                    }
                }
            }
            if !waiting.is_empty() {
                roots.push((Vec::new(), waiting));
            }
            continue;
        }
        let Some(root) = chain.root() else { continue };
        let stage = &chain.stages[root];
        let mut own: Vec<usize> = stage
            .failing
            .iter()
            .filter_map(|item| index.get(item).copied())
            .filter(|&i| causes[i].is_none())
            .collect();
        own.sort_by(|&a, &b| failures[b].since.cmp(&failures[a].since));
        let Some(&anchor) = own.first() else { continue };
        for &i in &own {
            causes[i] = Some(Cause::Root {
                pipeline: chain.pipeline.clone(),
                stage: stage.name.clone(),
            });
        }
        let mut downstream = Vec::new();
        for later in chain.consequences() {
            let stage = &chain.stages[later];
            for item in &stage.failing {
                if let Some(&i) = index.get(item)
                    && causes[i].is_none()
                {
                    causes[i] = Some(Cause::Consequence {
                        root: failures[anchor].item.clone(),
                        pipeline: chain.pipeline.clone(),
                        stage: stage.name.clone(),
                    });
                    downstream.push(i);
                }
            }
        }
        roots.push((own, downstream));
    }
    // The newest root cause first (a group that waits, by its first stage).
    let lead = |(own, downstream): &(Vec<usize>, Vec<usize>)| {
        failures[*own
            .first()
            .or(downstream.first())
            .expect("a group has a row")]
        .since
    };
    roots.sort_by_key(|group| std::cmp::Reverse(lead(group)));
    let newest_first = |mut rows: Vec<usize>| {
        rows.sort_by(|&a, &b| failures[b].since.cmp(&failures[a].since));
        rows
    };
    let others = newest_first(
        (0..failures.len())
            .filter(|&i| causes[i].is_none() && failures[i].health == Health::Failed)
            .collect(),
    );
    let rest = newest_first(
        (0..failures.len())
            .filter(|&i| causes[i].is_none() && failures[i].health != Health::Failed)
            .collect(),
    );
    let order: Vec<usize> = roots
        .into_iter()
        .flat_map(|(own, downstream)| own.into_iter().chain(downstream))
        .chain(others)
        .chain(rest)
        .collect();
    for (i, cause) in causes.into_iter().enumerate() {
        failures[i].cause = cause.unwrap_or_default();
    }
    let mut slots: Vec<Option<Failure>> = failures.into_iter().map(Some).collect();
    order
        .into_iter()
        .enumerate()
        .filter_map(|(at, i)| {
            let mut failure = slots[i].take()?;
            failure.order = at as u32;
            Some(failure)
        })
        .collect()
}

/// The newest run of each workflow: an old failure that a later run fixed is not "failing now".
///
/// In the order each workflow first appears; linear in the number of runs.
pub fn latest_runs(runs: &[WorkflowRun]) -> Vec<&WorkflowRun> {
    let mut latest: Vec<&WorkflowRun> = Vec::new();
    let mut slots: HashMap<&str, usize> = HashMap::new();
    for run in runs {
        match slots.get(run.dag_id.as_str()) {
            Some(&i) => {
                let slot = &mut latest[i];
                if (run.logical_date, run.started_at) > (slot.logical_date, slot.started_at) {
                    *slot = run;
                }
            }
            None => {
                slots.insert(&run.dag_id, latest.len());
                latest.push(run);
            }
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::failure::ItemRef;
    use crate::domain::{Health, RunState};

    fn run(dag: &str, state: &str, hour: u32) -> WorkflowRun {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0).unwrap();
        WorkflowRun {
            dag_id: dag.into(),
            run_id: format!("scheduled__{hour}"),
            state: RunState::parse(state),
            run_type: "scheduled".into(),
            logical_date: Some(at),
            started_at: Some(at),
            ended_at: None,
            failure: (state == "failed").then(|| "dbt_test: 3 tests failed".into()),
            tasks_retrying: 0,
        }
    }

    #[test]
    fn only_the_newest_run_of_a_workflow_fails_and_an_unread_source_has_no_counts() {
        let runs = vec![
            run("dbt_build", "failed", 1),
            run("dbt_build", "success", 2),
            run("refresh_marts", "success", 1),
            run("refresh_marts", "failed", 3),
        ];
        let snapshot = Snapshot::of(&[], None, Some(&runs), None);
        assert_eq!(
            snapshot
                .failures
                .iter()
                .map(|f| f.item.clone())
                .collect::<Vec<_>>(),
            vec![ItemRef::WorkflowRun {
                dag_id: "refresh_marts".into(),
                run_id: "scheduled__3".into()
            }]
        );
        let counts = snapshot.counts.runs.expect("runs were read");
        assert_eq!(counts.get(Health::Failed), 1);
        assert_eq!(counts.get(Health::Ok), 1);
        assert_eq!(snapshot.counts.tasks, None);
        assert_eq!(snapshot.counts.queries, None);
        assert_eq!(Snapshot::of(&[], None, None, None), Snapshot::default());
    }

    #[test]
    fn root_causes_come_first_with_their_consequences_then_failures_then_noise() {
        use crate::domain::chain::tests::{load, nightly, run as stage_run};
        use crate::domain::warehouse::tests::query;
        use chrono::TimeZone as _;
        let tasks = vec![
            load("orders-full-load", false, (1, 0), (1, 40)),
            load("shipping-full-load", true, (1, 0), (1, 20)),
        ];
        let runs = vec![
            stage_run("landing", "failed", (1, 0), Some((1, 25))),
            stage_run("dbt", "failed", (3, 0), Some((3, 30))),
            stage_run("other_dag", "failed", (5, 0), Some((5, 10))),
        ];
        // A canceled dashboard query and a failed one, both newer than the root cause.
        let at = |hour| Some(Utc.with_ymd_and_hms(2026, 12, 5, hour, 0, 0).unwrap());
        let mut canceled = query("canceled");
        (canceled.query_id, canceled.ended_at) = (7, at(9));
        let mut failed = query("failed");
        (failed.query_id, failed.ended_at) = (8, at(8));
        let queries = vec![canceled, failed];
        let snapshot = Snapshot::of(&[nightly()], Some(&tasks), Some(&runs), Some(&queries));
        let items: Vec<ItemRef> = snapshot.failures.iter().map(|f| f.item.clone()).collect();
        let run_ref = |dag: &str| ItemRef::WorkflowRun {
            dag_id: dag.into(),
            run_id: "scheduled__2026-12-05T01:00:00+00:00".into(),
        };
        assert_eq!(
            items,
            [
                ItemRef::Replication {
                    id: "shipping-full-load".into()
                },
                run_ref("landing"),
                run_ref("dbt"),
                ItemRef::Query { id: 8 },
                run_ref("other_dag"),
                ItemRef::Query { id: 7 },
            ]
        );
        assert!(snapshot.failures[0].is_root());
        assert!(snapshot.failures[1].is_consequence() && snapshot.failures[2].is_consequence());
        match &snapshot.failures[1].cause {
            Cause::Consequence { root, stage, .. } => {
                assert_eq!(
                    root,
                    &ItemRef::Replication {
                        id: "shipping-full-load".into()
                    }
                );
                assert_eq!(stage, "landing");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            snapshot
                .failures
                .iter()
                .map(|f| f.order)
                .collect::<Vec<_>>(),
            (0..6).collect::<Vec<_>>()
        );
        assert_eq!(snapshot.chains.len(), 1);
    }

    #[test]
    fn a_query_whose_sql_ran_well_later_is_not_failing_now() {
        use crate::domain::warehouse::tests::query;
        use chrono::TimeZone as _;
        let at = |hour| Some(Utc.with_ymd_and_hms(2026, 12, 5, hour, 0, 0).unwrap());
        let run = |id, status, hour, text: &str, database: &str| {
            let mut q = query(status);
            q.query_id = id;
            (q.started_at, q.ended_at) = (at(hour), at(hour));
            q.text = text.into();
            q.database = database.into();
            q
        };
        let queries = vec![
            // Failed at 08:00, the same SQL succeeded at 09:00 (its re-run).
            run(1, "failed", 8, "insert into marts.x select 1", "analytics"),
            run(2, "success", 9, "insert into marts.x select 1", "analytics"),
            // The same SQL ran well only before it failed: still failing.
            run(3, "success", 6, "select 2", "analytics"),
            run(4, "failed", 7, "select 2", "analytics"),
            // Ran well later, but on another database: still failing.
            run(5, "failed", 7, "select 3", "analytics"),
            run(6, "success", 9, "select 3", "staging"),
            // A canceled dashboard query that ran well on the next refresh.
            run(7, "canceled", 7, "select 4", "analytics"),
            run(8, "success", 8, "select 4", "analytics"),
            // Long texts alike at both ends but not in the middle: another SQL.
            run(
                9,
                "failed",
                7,
                &format!("{}x{}", "a".repeat(90), "b".repeat(90)),
                "analytics",
            ),
            run(
                10,
                "success",
                9,
                &format!("{}y{}", "a".repeat(90), "b".repeat(90)),
                "analytics",
            ),
        ];
        let snapshot = Snapshot::of(&[], None, None, Some(&queries));
        let failing: Vec<&ItemRef> = snapshot.failures.iter().map(|f| &f.item).collect();
        let mut ids: Vec<i64> = failing
            .iter()
            .map(|item| match item {
                ItemRef::Query { id } => *id,
                other => panic!("{other:?}"),
            })
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, [4, 5, 9], "{:#?}", snapshot.failures);
        // The counts are of what the warehouse ran, as its tab lists it.
        assert_eq!(snapshot.counts.queries.unwrap().get(Health::Failed), 4);
    }

    #[test]
    fn red_stages_under_a_running_retry_wait_for_it_and_none_is_a_root() {
        use crate::domain::chain::tests::{nightly, red_night, resumed_load};
        let (_, runs) = red_night();
        let snapshot = Snapshot::of(&[nightly()], Some(&[resumed_load()]), Some(&runs), None);
        let shown: Vec<(&str, &Cause)> = snapshot
            .failures
            .iter()
            .map(|f| (f.title.as_str(), &f.cause))
            .collect();
        let waits = |stage: &str| Cause::Waiting {
            upstream: "loads".into(),
            pipeline: "nightly".into(),
            stage: stage.into(),
        };
        assert_eq!(
            shown,
            [("landing", &waits("landing")), ("dbt", &waits("dbt"))]
        );
        assert!(snapshot.failures.iter().all(|f| f.is_waiting()));
    }

    #[test]
    fn two_independent_root_causes_each_keep_their_own_consequences() {
        use crate::domain::chain::tests::{load, nightly, run as stage_run};
        use crate::domain::{StageDefinition, StageSelector};
        // A second pipeline, red at its own first stage, later than the nightly's root.
        let reporting = PipelineDefinition {
            name: "reporting".into(),
            stages: vec![
                StageDefinition {
                    name: "extract".into(),
                    selector: StageSelector::Workflow {
                        dag_id: "report_extract".into(),
                    },
                    cost: None,
                },
                StageDefinition {
                    name: "publish".into(),
                    selector: StageSelector::Workflow {
                        dag_id: "report_publish".into(),
                    },
                    cost: None,
                },
            ],
        };
        let tasks = vec![load("shipping-full-load", true, (1, 0), (1, 20))];
        let runs = vec![
            stage_run("landing", "failed", (1, 0), Some((1, 25))),
            stage_run("report_extract", "failed", (6, 0), Some((6, 10))),
            stage_run("report_publish", "failed", (6, 30), Some((6, 40))),
        ];
        let snapshot = Snapshot::of(&[nightly(), reporting], Some(&tasks), Some(&runs), None);
        let shown: Vec<(&str, &str)> = snapshot
            .failures
            .iter()
            .map(|f| {
                let role = match &f.cause {
                    Cause::Root { pipeline, .. } => pipeline.as_str(),
                    Cause::Consequence { .. } => "  blocked",
                    Cause::Waiting { .. } => "  waits",
                    Cause::Own => "own",
                };
                (f.title.as_str(), role)
            })
            .collect();
        // The newer root first, each followed by what it blocked.
        assert_eq!(
            shown,
            [
                ("report_extract", "reporting"),
                ("report_publish", "  blocked"),
                ("shipping-full-load", "nightly"),
                ("landing", "  blocked"),
            ]
        );
        match &snapshot.failures[1].cause {
            Cause::Consequence { root, .. } => assert_eq!(root, &snapshot.failures[0].item),
            other => panic!("{other:?}"),
        }
    }
}
