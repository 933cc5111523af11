//! The night's chain as causes: for each `[[pipeline]]`, tonight's run of every stage, the
//! first red stage (the root cause), the red stages after it (its consequences), and the
//! green stages that ran on stale data.
//!
//! A pipeline's stages run in order, each on what the stages before it produced. So a
//! failure in a stage after a red one is a consequence: it cannot be fixed before its
//! upstream is (a sensor that gave up waiting, an `upstream_failed` task), and a stage
//! that finished green before an upstream stage recovered read last night's data.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::failure::ItemRef;
use super::follow::Seen;
use super::pipeline::{StageSelector, wildcard_match};
use super::{Health, HealthCounts, PipelineDefinition, ReplicationTask, WorkflowRun};

/// Tonight's run of one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageNight {
    pub name: String,
    /// The stage as a whole: failed when any of its items failed.
    pub health: Health,
    /// The stage's items tonight: the replication tasks it matches, or its DAG's newest run.
    pub items: Vec<ItemRef>,
    /// The items that failed, in the order of `items`.
    pub failing: Vec<ItemRef>,
    /// When the stage's newest work began (the latest start of its items).
    pub started_at: Option<DateTime<Utc>>,
    /// When the stage last finished (the latest end of its items), once it has.
    pub ended_at: Option<DateTime<Utc>>,
    /// Set on a green stage that ran on stale data: why ("ran while DMS loads was failed").
    pub stale: Option<String>,
    /// Its newest run is of an earlier night than the pipeline's newest (tonight's has not
    /// started yet): it is neither red nor green tonight, and neither root nor stale.
    pub earlier: bool,
    /// Work of the stage is under way and will end: a load starting or running (not a
    /// change capture running, which never ends), a DAG run queued or running.
    pub in_flight: bool,
}

impl StageNight {
    /// True when the stage is green and its input was tonight's.
    pub fn is_green(&self) -> bool {
        self.health == Health::Ok && self.stale.is_none()
    }
}

/// One pipeline's night.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub pipeline: String,
    pub stages: Vec<StageNight>,
}

impl Chain {
    /// Each pipeline's night from what the sources last returned (`None`: not read yet;
    /// its stages have no items).
    pub fn all(
        pipelines: &[PipelineDefinition],
        tasks: Option<&[ReplicationTask]>,
        latest: Option<&[&WorkflowRun]>,
    ) -> Vec<Chain> {
        // Only the DAGs the stages name are kept: a platform of thousands of DAGs is not
        // hashed for a pipeline of five.
        let dags: Vec<&str> = pipelines
            .iter()
            .flat_map(|p| p.stages.iter())
            .filter_map(|s| match &s.selector {
                StageSelector::Workflow { dag_id } => Some(dag_id.as_str()),
                StageSelector::Replication { .. } => None,
            })
            .collect();
        let by_dag: Option<HashMap<&str, &WorkflowRun>> = latest.map(|runs| {
            runs.iter()
                .filter(|r| dags.contains(&r.dag_id.as_str()))
                .map(|r| (r.dag_id.as_str(), *r))
                .collect()
        });
        pipelines
            .iter()
            .map(|p| Chain::of(p, tasks, by_dag.as_ref()))
            .collect()
    }

    fn of(
        pipeline: &PipelineDefinition,
        tasks: Option<&[ReplicationTask]>,
        runs: Option<&HashMap<&str, &WorkflowRun>>,
    ) -> Chain {
        // Tonight is the newest logical date among the stages' runs: a stage whose newest run
        // is of an earlier night has not run tonight yet.
        let night = pipeline
            .stages
            .iter()
            .filter_map(|stage| match &stage.selector {
                StageSelector::Workflow { dag_id } => runs?.get(dag_id.as_str())?.logical_date,
                StageSelector::Replication { .. } => None,
            })
            .map(|at| at.date_naive())
            .max();
        let mut stages: Vec<StageNight> = pipeline
            .stages
            .iter()
            .map(|stage| match &stage.selector {
                StageSelector::Replication { pattern } => {
                    let matching: Vec<&ReplicationTask> = tasks
                        .unwrap_or_default()
                        .iter()
                        .filter(|t| wildcard_match(pattern, &t.id))
                        .collect();
                    of_tasks(&stage.name, &matching)
                }
                StageSelector::Workflow { dag_id } => of_run(
                    &stage.name,
                    runs.and_then(|r| r.get(dag_id.as_str()).copied()),
                    night,
                ),
            })
            .collect();
        mark_stale(&mut stages);
        Chain {
            pipeline: pipeline.name.clone(),
            stages,
        }
    }

    /// The first stage that failed tonight.
    fn first_failed(&self) -> Option<usize> {
        self.stages.iter().position(|s| s.health == Health::Failed)
    }

    /// True when a stage failed tonight (whether a root cause or waiting for an upstream
    /// stage that runs again).
    pub fn is_red(&self) -> bool {
        self.first_failed().is_some()
    }

    /// The root cause: the first stage that failed tonight, unless an upstream stage runs
    /// now (then the red stages wait for it: see `rerunning`).
    pub fn root(&self) -> Option<usize> {
        self.first_failed().filter(|_| self.rerunning().is_none())
    }

    /// The nearest stage upstream of the first red one whose work runs now (a retried
    /// load, a cleared run, or one still running late): the red stages after it wait for
    /// it, as the recovery plan does, and none of them is the root cause while it runs.
    pub fn rerunning(&self) -> Option<usize> {
        let first = self.first_failed()?;
        self.stages[..first].iter().rposition(|up| up.in_flight)
    }

    /// The failed stages after the root cause (its consequences), or every failed stage
    /// while an upstream stage runs again (they wait for it).
    pub fn consequences(&self) -> Vec<usize> {
        let from = match (self.root(), self.rerunning()) {
            (Some(root), _) => root + 1,
            (None, Some(upstream)) => upstream + 1,
            (None, None) => return Vec::new(),
        };
        (from..self.stages.len())
            .filter(|&i| self.stages[i].health == Health::Failed)
            .collect()
    }

    /// The green stages that ran on stale data.
    pub fn stale(&self) -> Vec<usize> {
        (0..self.stages.len())
            .filter(|&i| self.stages[i].stale.is_some())
            .collect()
    }

    /// True when every stage that ran tonight is green on tonight's data.
    pub fn is_green(&self) -> bool {
        self.stages.iter().all(|s| {
            s.is_green() || (s.health == Health::Unknown && (s.items.is_empty() || s.earlier))
        })
    }
}

fn of_tasks(name: &str, tasks: &[&ReplicationTask]) -> StageNight {
    let counts = HealthCounts::tally(tasks.iter().map(|t| t.health()));
    StageNight {
        name: name.to_string(),
        health: if tasks.is_empty() {
            Health::Unknown
        } else {
            counts.overall()
        },
        items: tasks.iter().map(|t| task_ref(t)).collect(),
        failing: tasks
            .iter()
            .filter(|t| t.health() == Health::Failed)
            .map(|t| task_ref(t))
            .collect(),
        started_at: tasks.iter().filter_map(|t| t.started_at).max(),
        ended_at: tasks
            .iter()
            .filter_map(|t| {
                let stats = t.stats.as_ref()?;
                stats.stopped_at.or(stats.full_load_finished)
            })
            .max(),
        stale: None,
        earlier: false,
        in_flight: tasks.iter().any(|t| Seen::of_task(t) == Seen::Working),
    }
}

fn task_ref(task: &ReplicationTask) -> ItemRef {
    ItemRef::Replication {
        id: task.id.clone(),
    }
}

fn of_run(name: &str, run: Option<&WorkflowRun>, night: Option<NaiveDate>) -> StageNight {
    let Some(run) = run else {
        return StageNight {
            name: name.to_string(),
            health: Health::Unknown,
            items: Vec::new(),
            failing: Vec::new(),
            started_at: None,
            ended_at: None,
            stale: None,
            earlier: false,
            in_flight: false,
        };
    };
    let item = ItemRef::WorkflowRun {
        dag_id: run.dag_id.clone(),
        run_id: run.run_id.clone(),
    };
    let earlier = matches!(
        (run.logical_date, night),
        (Some(at), Some(night)) if at.date_naive() < night
    );
    let health = if earlier {
        Health::Unknown
    } else {
        run.health()
    };
    StageNight {
        name: name.to_string(),
        health,
        failing: if health == Health::Failed {
            vec![item.clone()]
        } else {
            Vec::new()
        },
        items: vec![item],
        started_at: run.started_at,
        ended_at: run.ended_at,
        stale: None,
        earlier,
        in_flight: !earlier && Seen::of_run(run) == Seen::Working,
    }
}

/// Marks each green stage that finished while an upstream stage was failed, before an
/// upstream stage finished (it recovered later), or before an upstream stage started again.
fn mark_stale(stages: &mut [StageNight]) {
    for i in 0..stages.len() {
        if stages[i].health != Health::Ok {
            continue;
        }
        let Some(done) = stages[i].ended_at else {
            continue;
        };
        let reason = stages[..i].iter().find_map(|up| match up.health {
            Health::Failed => Some(format!("ran while {} was failed", up.name)),
            Health::Ok if up.ended_at.is_some_and(|end| end > done) => {
                Some(format!("ran before {} recovered", up.name))
            }
            Health::Running | Health::Degraded
                if up.started_at.is_some_and(|start| start > done) =>
            {
                Some(format!("ran before {} ran again", up.name))
            }
            _ => None,
        });
        stages[i].stale = reason;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{MigrationType, RunState, StageDefinition, TaskStats, TaskStatus};

    pub(crate) fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, hour, minute, 0).unwrap()
    }

    pub(crate) fn load(
        id: &str,
        failed: bool,
        started: (u32, u32),
        ended: (u32, u32),
    ) -> ReplicationTask {
        ReplicationTask {
            id: id.into(),
            arn: format!("arn:aws:dms:eu-west-1:1:task:{id}"),
            source_database: "orders".into(),
            migration_type: MigrationType::parse("full-load"),
            status: TaskStatus::parse(if failed { "failed" } else { "stopped" }),
            stop_reason: (!failed).then(|| "Stop Reason FULL_LOAD_ONLY_FINISHED".into()),
            last_failure_message: failed.then(|| "network error".into()),
            started_at: Some(at(started.0, started.1)),
            stats: Some(TaskStats {
                full_load_started: Some(at(started.0, started.1)),
                stopped_at: Some(at(ended.0, ended.1)),
                ..TaskStats::default()
            }),
            serverless: false,
        }
    }

    /// The red night's failed shipping load, resumed at 09:00 and running now.
    pub(crate) fn resumed_load() -> ReplicationTask {
        let mut resumed = load("shipping-full-load", false, (9, 0), (9, 0));
        resumed.status = TaskStatus::parse("running");
        resumed.stop_reason = None;
        resumed
    }

    pub(crate) fn run(
        dag: &str,
        state: &str,
        started: (u32, u32),
        ended: Option<(u32, u32)>,
    ) -> WorkflowRun {
        WorkflowRun {
            dag_id: dag.into(),
            run_id: "scheduled__2026-12-05T01:00:00+00:00".into(),
            state: RunState::parse(state),
            run_type: "scheduled".into(),
            logical_date: Some(at(1, 0)),
            started_at: Some(at(started.0, started.1)),
            ended_at: ended.map(|(h, m)| at(h, m)),
            failure: (state == "failed").then(|| "wait_upstream: sensor failed".into()),
            tasks_retrying: 0,
        }
    }

    pub(crate) fn nightly() -> PipelineDefinition {
        let dag = |name: &str, dag: &str| StageDefinition {
            name: name.into(),
            selector: StageSelector::Workflow { dag_id: dag.into() },
            cost: None,
        };
        PipelineDefinition {
            name: "nightly".into(),
            stages: vec![
                StageDefinition {
                    name: "loads".into(),
                    selector: StageSelector::Replication {
                        pattern: "*-full-load".into(),
                    },
                    cost: None,
                },
                dag("landing", "landing"),
                dag("dbt", "dbt"),
                dag("marts", "marts"),
            ],
        }
    }

    fn chain(tasks: &[ReplicationTask], runs: &[WorkflowRun]) -> Chain {
        let latest: Vec<&WorkflowRun> = runs.iter().collect();
        Chain::all(&[nightly()], Some(tasks), Some(&latest)).remove(0)
    }

    /// A red night: the shipping load failed, landing and dbt after it, marts ran green
    /// on stale data.
    pub(crate) fn red_night() -> ([ReplicationTask; 2], [WorkflowRun; 3]) {
        (
            [
                load("orders-full-load", false, (1, 0), (1, 40)),
                load("shipping-full-load", true, (1, 0), (1, 20)),
            ],
            [
                run("landing", "failed", (1, 0), Some((1, 25))),
                run("dbt", "failed", (3, 0), Some((3, 30))),
                run("marts", "success", (4, 30), Some((4, 45))),
            ],
        )
    }

    fn healths(chain: &Chain) -> Vec<Health> {
        chain.stages.iter().map(|s| s.health).collect()
    }

    #[test]
    fn a_failed_first_stage_is_the_root_and_later_failures_its_consequences() {
        let (tasks, runs) = red_night();
        let chain = chain(&tasks, &runs);
        assert_eq!(chain.root(), Some(0));
        assert_eq!(
            chain.stages[0].failing,
            [ItemRef::Replication {
                id: "shipping-full-load".into()
            }]
        );
        assert_eq!(chain.consequences(), [1, 2]);
        // Marts finished green while the loads were red: last night's data.
        assert_eq!(chain.stale(), [3]);
        assert_eq!(
            chain.stages[3].stale.as_deref(),
            Some("ran while loads was failed")
        );
        assert!(!chain.is_green());
    }

    #[test]
    fn red_stages_wait_for_an_upstream_stage_that_runs_and_none_is_the_root() {
        // The shipping load failed at 01:20 and was resumed at 09:00 (running now): landing
        // and dbt, red since the night, wait for it.
        let resumed = resumed_load();
        let (_, runs) = red_night();
        let waiting = chain(std::slice::from_ref(&resumed), &runs);
        assert!(waiting.is_red());
        assert_eq!(waiting.rerunning(), Some(0));
        assert_eq!(waiting.root(), None);
        assert_eq!(waiting.consequences(), [1, 2]);
        // A cleared landing run queued again: dbt waits for it, the loads are green.
        let mut runs_again = runs.clone();
        runs_again[0] = run("landing", "queued", (9, 40), None);
        let green_loads = [load("shipping-full-load", false, (9, 0), (9, 30))];
        let waiting = chain(&green_loads, &runs_again);
        assert_eq!(waiting.rerunning(), Some(1));
        assert_eq!(waiting.root(), None);
        assert_eq!(waiting.consequences(), [2]);
        // A change capture running is its steady state, not work that will end: landing's
        // failure is the root cause.
        let mut capture = resumed;
        capture.migration_type = MigrationType::parse("cdc");
        let rooted = chain(&[capture], &runs);
        assert_eq!(rooted.rerunning(), None);
        assert_eq!(rooted.root(), Some(1));
        assert_eq!(rooted.consequences(), [2]);
    }

    #[test]
    fn a_root_in_a_middle_stage_leaves_the_stages_before_it_alone() {
        let tasks = [load("orders-full-load", false, (1, 0), (1, 40))];
        let runs = [
            run("landing", "success", (1, 0), Some((1, 50))),
            run("dbt", "failed", (3, 0), Some((3, 30))),
            run("marts", "failed", (4, 30), Some((4, 45))),
        ];
        let chain = chain(&tasks, &runs);
        assert_eq!(chain.root(), Some(2));
        assert_eq!(chain.consequences(), [3]);
        assert!(chain.stale().is_empty());
        assert_eq!(
            healths(&chain),
            [Health::Ok, Health::Ok, Health::Failed, Health::Failed]
        );
    }

    #[test]
    fn a_recovered_stage_leaves_earlier_green_ones_stale_and_later_ones_fresh() {
        // The loads failed at 01:20 and were resumed at 09:00; landing was cleared after.
        let tasks = [load("shipping-full-load", false, (9, 0), (9, 30))];
        let runs = [
            run("landing", "success", (9, 31), Some((9, 40))),
            run("dbt", "running", (9, 41), None),
            run("marts", "success", (4, 30), Some((4, 45))),
        ];
        let chain = chain(&tasks, &runs);
        assert_eq!(chain.root(), None);
        assert!(
            chain.stages[1].stale.is_none(),
            "landing ran after the loads"
        );
        assert_eq!(
            chain.stages[3].stale.as_deref(),
            Some("ran before loads recovered")
        );
        // dbt runs again now: marts, done at 04:45, is stale by it too; the loads say first.
        let runs = [
            run("landing", "success", (1, 0), Some((1, 50))),
            run("dbt", "running", (9, 41), None),
            run("marts", "success", (4, 30), Some((4, 45))),
        ];
        let tasks = [load("shipping-full-load", false, (1, 0), (1, 30))];
        let chain = super::tests::chain(&tasks, &runs);
        assert_eq!(
            chain.stages[3].stale.as_deref(),
            Some("ran before dbt ran again")
        );
    }

    #[test]
    fn a_stage_that_never_ran_is_neither_root_nor_stale() {
        let tasks = [load("orders-full-load", false, (1, 0), (1, 40))];
        let runs = [run("marts", "success", (4, 30), Some((4, 45)))];
        let chain = chain(&tasks, &runs);
        assert_eq!(
            healths(&chain),
            [Health::Ok, Health::Unknown, Health::Unknown, Health::Ok]
        );
        assert_eq!(chain.root(), None);
        assert!(chain.stale().is_empty());
        assert!(chain.stages[1].items.is_empty());
        assert!(chain.is_green());
        // A pipeline whose sources were not read has no items and no root.
        let unread = Chain::all(&[nightly()], None, None).remove(0);
        assert!(unread.stages.iter().all(|s| s.items.is_empty()));
        assert_eq!(unread.root(), None);
    }

    #[test]
    fn a_stage_whose_newest_run_is_last_nights_waits_for_tonight() {
        // Tonight's loads and landing run; dbt and marts still show last night's runs.
        let tasks = [load("orders-full-load", false, (1, 0), (1, 40))];
        let yesterday = |mut r: WorkflowRun| {
            let day = chrono::Duration::days(1);
            r.logical_date = r.logical_date.map(|d| d - day);
            r.started_at = r.started_at.map(|d| d - day);
            r.ended_at = r.ended_at.map(|d| d - day);
            r
        };
        let runs = [
            run("landing", "running", (1, 0), None),
            yesterday(run("dbt", "failed", (3, 0), Some((3, 30)))),
            yesterday(run("marts", "success", (4, 30), Some((4, 45)))),
        ];
        let chain = chain(&tasks, &runs);
        assert!(chain.stages[2].earlier && chain.stages[3].earlier);
        assert_eq!(
            chain.root(),
            None,
            "last night's failure is not tonight's root"
        );
        assert!(
            chain.stale().is_empty(),
            "last night's green is not stale tonight"
        );
        assert_eq!(chain.stages[3].health, Health::Unknown);
    }
}
