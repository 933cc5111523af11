//! The Airflow side of the demo: a small scheduler that runs the DAGs of `dags.rs`.
//!
//! Each step it creates the runs that are due (scheduled at their times, manual ones
//! now and then), then moves every running run's task instances along
//! (`task_instances.rs`). Runs are kept for a week.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::dags::{self, DagSpec};
use super::messages::TaskFailure;
use super::replication::Replication;
use super::seed::{Seed, day_key, midnight, minute_of_day, seconds_between, text_key, time_key};
use super::task_instances::Cx;
use super::warehouse::PlannedQuery;
use super::workflow_view::{Incident, Run, RunKind, Ti};
use crate::domain::RunState;

/// A task failure the backstory puts into one night's scheduled run.
#[derive(Debug, Clone)]
pub(super) struct ForcedTaskFailure {
    pub night: NaiveDate,
    pub dag: &'static str,
    pub task: &'static str,
    pub failure: TaskFailure,
}

/// A manual run the backstory triggers, whose task's first try fails at `fail_at`.
#[derive(Debug, Clone)]
pub(super) struct ForcedManualRun {
    pub dag: &'static str,
    pub at: DateTime<Utc>,
    pub task: &'static str,
    pub failure: TaskFailure,
    pub fail_at: DateTime<Utc>,
}

struct Trigger {
    dag: usize,
    at: DateTime<Utc>,
    incident: Option<(usize, Incident)>,
}

/// The scheduler and every run it keeps (a week).
pub(super) struct Workflow {
    seed: Seed,
    pub(super) dags: Vec<DagSpec>,
    pub(super) runs: Vec<Run>,
    triggers: Vec<Trigger>,
    planned_day: Option<NaiveDate>,
    forced: Option<ForcedTaskFailure>,
    /// Queries the tasks sent, for the warehouse to pick up.
    pub outbox: Vec<PlannedQuery>,
}

impl Workflow {
    /// A scheduler with no runs yet.
    pub fn new(
        seed: Seed,
        forced: Option<ForcedTaskFailure>,
        manual: Option<ForcedManualRun>,
    ) -> Self {
        let dags = dags::all();
        let triggers = manual
            .and_then(|m| {
                let dag = dags.iter().position(|d| d.id == m.dag)?;
                let task = dags[dag].task_index(m.task)?;
                let incident = Incident {
                    failure: m.failure,
                    failing_tries: 1,
                    forced_end: Some(m.fail_at),
                };
                Some(Trigger {
                    dag,
                    at: m.at,
                    incident: Some((task, incident)),
                })
            })
            .into_iter()
            .collect();
        Workflow {
            seed,
            dags,
            runs: Vec::new(),
            triggers,
            planned_day: None,
            forced,
            outbox: Vec::new(),
        }
    }

    /// One step ending at `t`.
    pub fn step(&mut self, t: DateTime<Utc>, replication: &mut Replication) {
        let day = t.date_naive();
        if self.planned_day != Some(day) {
            self.plan_day(day);
        }
        let minute = minute_of_day(t);
        for dag in 0..self.dags.len() {
            if self.dags[dag].hour * 60 + self.dags[dag].minute == minute {
                self.create_run(dag, t, RunKind::Scheduled, None);
            }
        }
        while let Some(i) = self.triggers.iter().position(|tr| tr.at <= t) {
            let trigger = self.triggers.swap_remove(i);
            self.create_run(trigger.dag, trigger.at, RunKind::Manual, trigger.incident);
        }
        for i in 0..self.runs.len() {
            if self.runs[i].state != RunState::Running {
                continue;
            }
            // Runs are kept in creation order, so whatever a run waits for comes before it.
            let (earlier, rest) = self.runs.split_at_mut(i);
            let run = &mut rest[0];
            let mut cx = Cx {
                seed: self.seed,
                t,
                replication,
                earlier,
                dags: &self.dags,
                outbox: &mut self.outbox,
            };
            run.advance(&self.dags[run.dag], &mut cx);
        }
        if minute % 60 == 0 {
            let horizon = t - Duration::days(7);
            self.runs
                .retain(|r| r.logical >= horizon || r.state == RunState::Running);
        }
    }

    /// A manual run of DAG `dag` at `at`, created by the first step after it.
    pub(super) fn add_trigger(&mut self, dag: usize, at: DateTime<Utc>) {
        self.triggers.push(Trigger {
            dag,
            at,
            incident: None,
        });
    }

    /// Now and then someone triggers a run by hand during office hours.
    fn plan_day(&mut self, day: NaiveDate) {
        self.planned_day = Some(day);
        let mut rng = self.seed.rng(&[text_key("manual-runs"), day_key(day)]);
        let chance = if super::seed::is_weekend(day) { 10 } else { 35 };
        if rng.u32(0..100) < chance {
            let dag = if rng.u32(0..100) < 60 { 3 } else { 4 };
            let at = midnight(day)
                + Duration::hours(8)
                + seconds_between(&mut rng, 0, 9 * 3600)
                + Duration::microseconds(rng.i64(0..1_000_000));
            self.triggers.push(Trigger {
                dag,
                at,
                incident: None,
            });
        }
    }

    fn create_run(
        &mut self,
        dag: usize,
        at: DateTime<Utc>,
        kind: RunKind,
        incident: Option<(usize, Incident)>,
    ) {
        let spec = &self.dags[dag];
        let key = self.seed.key(&[
            text_key(spec.id),
            time_key(at),
            at.timestamp_subsec_micros().into(),
        ]);
        let mut rng = fastrand::Rng::with_seed(key);
        let mut incidents: Vec<Option<Incident>> = vec![None; spec.tasks.len()];
        for (i, task) in spec.tasks.iter().enumerate() {
            for risk in &task.risks {
                // Every risk draws, hit or not, so that one change does not shift the rest.
                let (roll, tries_roll) = (rng.u32(0..1000), rng.u32(0..100));
                if roll < risk.per_mille && incidents[i].is_none() {
                    let max_tries = task.retries + 1;
                    let failing_tries = match (risk.transient, tries_roll) {
                        (true, 0..65) => 1,
                        (true, 65..90) => 2.min(max_tries),
                        _ => max_tries,
                    };
                    incidents[i] = Some(Incident {
                        failure: risk.failure.clone(),
                        failing_tries,
                        forced_end: None,
                    });
                }
            }
        }
        let forced = self
            .forced
            .as_ref()
            .filter(|f| {
                kind == RunKind::Scheduled && f.dag == spec.id && f.night == at.date_naive()
            })
            .and_then(|f| Some((spec.task_index(f.task)?, f.failure.clone())));
        if let Some((task, failure)) = forced {
            incidents[task] = Some(Incident {
                failure,
                failing_tries: spec.tasks[task].retries + 1,
                forced_end: None,
            });
        }
        if let Some((task, incident)) = incident {
            incidents[task] = Some(incident);
        }
        let run_id = match kind {
            RunKind::Scheduled => format!("scheduled__{}", at.format("%Y-%m-%dT%H:%M:%S+00:00")),
            RunKind::Manual => format!("manual__{}", at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00")),
        };
        self.runs.push(Run {
            dag,
            run_id,
            kind,
            key,
            logical: at,
            started_at: at + Duration::milliseconds(rng.i64(900..4_000)),
            ended_at: None,
            state: RunState::Running,
            tis: vec![Ti::default(); spec.tasks.len()],
            incidents,
        });
    }
}
