//! How one run's task instances move: the scheduler's part of Airflow in small. Tasks
//! start when their upstream tasks succeeded, become `upstream_failed` when one failed,
//! sensors poke, failed tries wait for their retry. Times are exact (a task that ended at
//! 02:14:07 ended then); the simulation's steps only decide when a change becomes visible.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::dags::{DagSpec, TaskKind};
use super::messages::{FailureContext, TaskFailure};
use super::replication::{LoadStatus, Replication};
use super::seed::{Seed, fraction_of, seconds_between, text_key, time_key};
use super::warehouse::{PlannedQuery, task_queries};
use super::workflow_view::{Run, RunKind};
use crate::domain::{RunState, TaskState};

/// What a task's progress needs besides its run.
pub(super) struct Cx<'a> {
    pub seed: Seed,
    pub t: DateTime<Utc>,
    pub replication: &'a mut Replication,
    /// Runs created before the one moving: the ones its sensors may wait for.
    pub earlier: &'a [Run],
    pub dags: &'a [DagSpec],
    pub outbox: &'a mut Vec<PlannedQuery>,
}

impl Run {
    /// Moves every task instance as far as `cx.t` allows, then settles the run's state.
    pub(super) fn advance(&mut self, dag: &DagSpec, cx: &mut Cx) {
        // Each pass moves a task by at most one state; a chain of quick tasks that all
        // ended within one step needs a few passes.
        for _ in 0..(4 * dag.tasks.len() + 8) {
            let mut changed = false;
            for i in 0..dag.tasks.len() {
                changed |= self.move_task(dag, i, cx);
            }
            if !changed {
                break;
            }
        }
        let terminal = |s: &TaskState| {
            matches!(
                s,
                TaskState::Success
                    | TaskState::Failed
                    | TaskState::UpstreamFailed
                    | TaskState::Skipped
            )
        };
        if self.tis.iter().all(|ti| terminal(&ti.state)) {
            let failed = self
                .tis
                .iter()
                .any(|ti| matches!(ti.state, TaskState::Failed | TaskState::UpstreamFailed));
            self.state = if failed {
                RunState::Failed
            } else {
                RunState::Success
            };
            self.ended_at = self.tis.iter().filter_map(|ti| ti.ended_at).max();
        }
    }

    fn move_task(&mut self, dag: &DagSpec, i: usize, cx: &mut Cx) -> bool {
        let spec = &dag.tasks[i];
        let t = cx.t;
        match self.tis[i].state {
            TaskState::NoStatus => {
                let ups = || spec.upstream.iter().map(|&u| &self.tis[u]);
                let broken = ups()
                    .filter(|ti| matches!(ti.state, TaskState::Failed | TaskState::UpstreamFailed))
                    .filter_map(|ti| ti.ended_at)
                    .max();
                if let Some(at) = broken {
                    let ti = &mut self.tis[i];
                    ti.state = TaskState::UpstreamFailed;
                    ti.ended_at = Some(at);
                    return true;
                }
                if !ups().all(|ti| ti.state == TaskState::Success) {
                    return false;
                }
                // Ready once its upstream ended, and not before it was cleared: a task
                // cleared hours after its upstream ran starts then, not back then.
                let floor = self.tis[i].ready_at.unwrap_or(self.started_at);
                let after = ups()
                    .filter_map(|ti| ti.ended_at)
                    .max()
                    .unwrap_or(self.started_at)
                    .max(floor);
                let mut rng = cx.seed.rng(&[self.key, i as u64, text_key("ready")]);
                let ti = &mut self.tis[i];
                ti.state = TaskState::Scheduled;
                ti.ready_at = Some(after + Duration::milliseconds(rng.i64(1_500..12_000)));
                true
            }
            TaskState::Scheduled if self.tis[i].ready_at.is_some_and(|r| r <= t) => {
                let at = self.tis[i].ready_at.unwrap_or(t);
                self.start_try(dag, i, at, cx);
                true
            }
            TaskState::UpForRetry if self.tis[i].retry_at.is_some_and(|r| r <= t) => {
                let at = self.tis[i].retry_at.unwrap_or(t);
                self.start_try(dag, i, at, cx);
                true
            }
            TaskState::Running if self.tis[i].ends_at.is_some_and(|e| e <= t) => {
                self.finish_try(dag, i);
                true
            }
            TaskState::Running | TaskState::UpForReschedule
                if self.tis[i].next_poke.is_some_and(|p| p <= t) =>
            {
                self.poke(dag, i, cx);
                true
            }
            _ => false,
        }
    }

    fn start_try(&mut self, dag: &DagSpec, i: usize, at: DateTime<Utc>, cx: &mut Cx) {
        let spec = &dag.tasks[i];
        let ti = &mut self.tis[i];
        ti.try_number += 1;
        ti.state = TaskState::Running;
        ti.started_at = Some(at);
        ti.ended_at = None;
        ti.retry_at = None;
        let mut rng = cx.seed.rng(&[self.key, i as u64, u64::from(ti.try_number)]);
        match &spec.kind {
            TaskKind::Work { seconds, footprint } => {
                let planned = seconds_between(&mut rng, seconds.0, seconds.1);
                let incident = self.incidents[i]
                    .as_ref()
                    .filter(|inc| ti.try_number <= inc.failing_tries);
                let end = match incident {
                    None => at + planned,
                    Some(inc) => match inc.forced_end.filter(|_| ti.try_number == 1) {
                        Some(end) => end.max(at + Duration::seconds(5)),
                        None => at + failing_after(&inc.failure, planned, &mut rng),
                    },
                };
                ti.ends_at = Some(end);
                ti.fails = incident.map(|inc| inc.failure.clone());
                let key = cx
                    .seed
                    .key(&[self.key, i as u64, u64::from(ti.try_number), 1]);
                let queries = task_queries(*footprint, &spec.id, at, end, ti.fails.as_ref(), key);
                cx.outbox.extend(queries);
            }
            TaskKind::DmsStart(db) => {
                cx.replication.start_full_load(*db, at);
                ti.ends_at = Some(at + seconds_between(&mut rng, 12, 30));
                ti.fails = None;
            }
            TaskKind::DmsWait(_) | TaskKind::S3Files(_) | TaskKind::External { .. } => {
                ti.next_poke = Some(at);
            }
        }
    }

    fn finish_try(&mut self, dag: &DagSpec, i: usize) {
        let spec = &dag.tasks[i];
        let ti = &mut self.tis[i];
        let at = ti.ends_at.take().unwrap_or(self.started_at);
        ti.ended_at = Some(at);
        match ti.fails.take() {
            None => ti.state = TaskState::Success,
            Some(failure) => {
                let last_try = ti.try_number > spec.retries;
                self.record_failure(dag, i, failure, at, last_try);
                if !last_try {
                    let ti = &mut self.tis[i];
                    ti.state = TaskState::UpForRetry;
                    ti.retry_at = Some(at + Duration::seconds(spec.retry_delay_secs));
                }
            }
        }
    }

    fn poke(&mut self, dag: &DagSpec, i: usize, cx: &mut Cx) {
        let spec = &dag.tasks[i];
        let Some(p) = self.tis[i].next_poke.take() else {
            return;
        };
        let started = self.tis[i].started_at.unwrap_or(p);
        let night = self.logical.date_naive();
        let verdict: Option<Result<(), TaskFailure>> = match spec.kind {
            TaskKind::DmsWait(db) => match cx.replication.load_status(db, night, p) {
                LoadStatus::Running => None,
                LoadStatus::Stopped { .. } => Some(Ok(())),
                LoadStatus::Failed => Some(Err(TaskFailure::DmsStatus {
                    arn: cx.replication.load_arn(db).to_string(),
                })),
            },
            TaskKind::S3Files(db) => match cx.replication.load_status(db, night, p) {
                LoadStatus::Stopped { ok: true } => Some(Ok(())),
                _ => None,
            },
            TaskKind::External {
                dag: upstream,
                ref task,
            } => external_verdict(cx, upstream, task.as_deref(), night, p),
            _ => Some(Ok(())),
        };
        let waited = p - started;
        let verdict = verdict.or_else(|| {
            (waited.num_seconds() >= spec.sensor_timeout_secs()).then(|| {
                let poking = match &spec.kind {
                    TaskKind::S3Files(db) => format!(
                        "Poking for key : s3://acme-data-lake-raw/dms/{}/LOAD_COMPLETE",
                        super::catalog::DATABASES[*db].name
                    ),
                    TaskKind::External { dag: up, .. } => {
                        format!("Poking for DAG '{up}' on {night} ...")
                    }
                    _ => "Poking ...".to_string(),
                };
                Err(TaskFailure::SensorTimeout {
                    timeout_secs: spec.sensor_timeout_secs(),
                    waited_millis: waited.num_milliseconds(),
                    poking,
                })
            })
        });
        match verdict {
            None => {
                let ti = &mut self.tis[i];
                ti.state = TaskState::UpForReschedule;
                // Rescheduled pokes come back a little late, as the scheduler is busy.
                let late = cx.seed.per_mille(&[self.key, i as u64, time_key(p)]) as i64;
                ti.next_poke = Some(
                    p + Duration::seconds(spec.poke_secs()) + Duration::milliseconds(200 + late),
                );
            }
            Some(Ok(())) => {
                let ti = &mut self.tis[i];
                ti.state = TaskState::Success;
                ti.ended_at = Some(p);
            }
            Some(Err(failure)) => {
                self.tis[i].ended_at = Some(p);
                self.record_failure(dag, i, failure, p, true);
            }
        }
    }

    fn record_failure(
        &mut self,
        dag: &DagSpec,
        i: usize,
        failure: TaskFailure,
        at: DateTime<Utc>,
        last_try: bool,
    ) {
        let ctx = FailureContext {
            dag_id: dag.id,
            task_id: &dag.tasks[i].id,
            run_id: &self.run_id,
            logical: self.logical,
            started: self.tis[i].started_at.unwrap_or(at),
            at,
            last_try,
            key: self.key ^ ((i as u64) << 32),
        };
        let (line, log) = (failure.exception_line(&ctx), failure.log_tail(&ctx));
        let ti = &mut self.tis[i];
        ti.exception = Some(line);
        ti.error = Some(log);
        if last_try {
            ti.state = TaskState::Failed;
        }
    }
}

/// What an ExternalTaskSensor poking at `p` sees of the scheduled run of `night` of
/// `upstream` (or of one task of it): nothing final yet, success, or failure.
fn external_verdict(
    cx: &Cx,
    upstream: &'static str,
    task: Option<&str>,
    night: NaiveDate,
    p: DateTime<Utc>,
) -> Option<Result<(), TaskFailure>> {
    let run = cx.earlier.iter().rev().find(|r| {
        r.kind == RunKind::Scheduled
            && cx.dags[r.dag].id == upstream
            && r.logical.date_naive() == night
    })?;
    let (state, ended) = match task {
        None => {
            let state = match run.state {
                RunState::Success => TaskState::Success,
                RunState::Failed => TaskState::Failed,
                _ => TaskState::Running,
            };
            (state, run.ended_at)
        }
        Some(id) => {
            let ti = &run.tis[cx.dags[run.dag].task_index(id)?];
            (ti.state.clone(), ti.ended_at)
        }
    };
    if ended.is_none_or(|at| at > p) {
        return None;
    }
    match state {
        TaskState::Success => Some(Ok(())),
        TaskState::Failed | TaskState::UpstreamFailed => Some(Err(TaskFailure::ExternalFailed {
            dag: upstream.to_string(),
            task: task.map(str::to_string),
            logical: run.logical,
        })),
        _ => None,
    }
}

/// How far into a try a failure strikes.
fn failing_after(failure: &TaskFailure, planned: Duration, rng: &mut fastrand::Rng) -> Duration {
    match failure {
        TaskFailure::Tests => planned,
        TaskFailure::PermissionDenied => seconds_between(rng, 2, 6),
        TaskFailure::SftpBanner => seconds_between(rng, 10, 30),
        _ => fraction_of(planned, 0.3 + 0.6 * rng.f64()),
    }
}
