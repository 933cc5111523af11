//! What is failing now and how healthy each source is, derived from what the sources
//! returned: the console's Overview and badges and `opsdeck status` read the same.

use std::collections::HashMap;

use super::{Failure, HealthCounts, QueryRecord, ReplicationTask, WorkflowRun};

/// Health counts of each source's items; `None` until the source has answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceCounts {
    pub tasks: Option<HealthCounts>,
    pub runs: Option<HealthCounts>,
    pub queries: Option<HealthCounts>,
}

/// The failures and health counts of the sources' latest answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Every unhealthy item, tasks then runs then queries, each in its source's order.
    pub failures: Vec<Failure>,
    pub counts: SourceCounts,
}

impl Snapshot {
    /// Derives the snapshot from each source's data (`None` for a source not read yet).
    /// Only the newest run of each workflow counts: a failure a later run fixed is not
    /// failing now.
    pub fn of(
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
            failures.extend(queries.iter().filter_map(Failure::of_query));
        }
        Snapshot {
            failures,
            counts: SourceCounts {
                tasks: tasks.map(|t| HealthCounts::tally(t.iter().map(ReplicationTask::health))),
                runs: latest.map(|r| HealthCounts::tally(r.iter().map(|r| r.health()))),
                queries: queries.map(|q| HealthCounts::tally(q.iter().map(QueryRecord::health))),
            },
        }
    }
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
        let snapshot = Snapshot::of(None, Some(&runs), None);
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
        assert_eq!(Snapshot::of(None, None, None), Snapshot::default());
    }
}
