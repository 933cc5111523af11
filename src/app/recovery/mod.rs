//! The night's recovery from the console: `R` (or `:recover [PIPELINE]`) opens the plan of
//! the pipeline (the root cause's retry, then each blocked stage's clear with its dry run,
//! the stale stages offered), a yes runs it step by step, each step sent only once the one
//! before it has recovered, followed by the rules of [`crate::domain::follow`]. A step that
//! fails again stops the plan; `R` on a running plan cancels the steps not yet sent (the
//! running one goes on and is still watched). The plan is recomputed from the platform's
//! state each time it opens, so after a stop it continues from the first stage not green.

use chrono::{DateTime, Duration, Utc};

use super::model::{Follow, Mode, Model, Notice};
use super::msg::Effect;
use crate::domain::failure::ItemRef;
use crate::domain::follow::{AfterAction, Watch};
use crate::domain::recovery::{Plan, Step, StepKind};
use crate::domain::{Action, ActionOutcome};
use crate::source::SourceError;

/// How often the source of a plan's running step is read, whatever its poll interval: the
/// next step waits on it.
const LOOK_SECONDS: i64 = 5;

/// How long one step of a plan is watched before the plan stops waiting for it: a full
/// load can take hours.
const STEP_HOURS: i64 = 4;

/// Where one step of a running plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Not sent yet: it waits for the step before it.
    Pending,
    /// Sent; the answer is not in.
    Sent,
    /// Done or already running: followed until it settles.
    Watching,
    Recovered,
    /// The call failed, or the item failed again: the plan stopped here.
    Failed,
    /// Never sent: the plan stopped or was cancelled before it.
    NotRun,
}

impl StepState {
    /// The word the progress pane shows.
    pub fn word(self) -> &'static str {
        match self {
            StepState::Pending => "waiting",
            StepState::Sent => "sending…",
            StepState::Watching => "watching…",
            StepState::Recovered => "recovered",
            StepState::Failed => "failed",
            StepState::NotRun => "not run",
        }
    }
}

/// One step of a running plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningStep {
    pub step: Step,
    pub state: StepState,
    /// Since when it is in its state, on the platform's clock (as the header shows it).
    pub since: Option<DateTime<Utc>>,
    /// The service's request id of its action.
    pub request_id: Option<String>,
    /// What the last word about it said (the outcome, how it settled, why it failed).
    pub message: String,
}

/// How a plan stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanState {
    Running,
    /// Every step recovered.
    Recovered,
    /// A step failed: where and why.
    Stopped(String),
    /// The operator cancelled the steps left.
    Cancelled,
}

/// A plan the console runs (or ran): at most one per pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub pipeline: String,
    pub steps: Vec<RunningStep>,
    /// The step running now (or the last one, once the plan ended).
    pub current: usize,
    pub state: PlanState,
    pub started_at: DateTime<Utc>,
    /// The plan's audit record, once written.
    pub recorded: Option<String>,
    /// The end was said to the audit log (or waits for the record to exist).
    pub end_written: bool,
    /// The stages on stale data the plan was not asked to run again.
    pub left_stale: Vec<String>,
}

impl Recovery {
    /// True while steps are left to run.
    pub fn is_running(&self) -> bool {
        self.state == PlanState::Running
    }

    /// How the plan ended, in a line, once it has.
    pub fn ending(&self) -> Option<String> {
        let total = self.steps.len();
        match &self.state {
            PlanState::Running => None,
            PlanState::Recovered => Some(Plan::recovered(&self.pipeline, total, &self.left_stale)),
            PlanState::Stopped(why) => Some(format!("{} stopped: {why}", self.pipeline)),
            PlanState::Cancelled => Some(format!(
                "{}: the steps after step {} were cancelled",
                self.pipeline,
                self.current + 1
            )),
        }
    }
}

mod open;

pub(in crate::app) use open::{open, preview_effects, red_chain};

fn notice(text: String, is_error: bool) -> Option<Notice> {
    Some(Notice { text, is_error })
}

/// On a tick: the source of each running plan's watched step is read again when its
/// last answer is older than [`LOOK_SECONDS`].
pub(super) fn tick(model: &Model) -> Vec<Effect> {
    use crate::source::SourceKind;
    let mut kinds: Vec<SourceKind> = Vec::new();
    for recovery in model.recoveries.iter().filter(|r| r.is_running()) {
        let step = &recovery.steps[recovery.current];
        if step.state != StepState::Watching {
            continue;
        }
        let kind = match step.step.item() {
            Some(ItemRef::Replication { .. }) => SourceKind::Replication,
            Some(ItemRef::WorkflowRun { .. }) => SourceKind::Workflow,
            Some(ItemRef::Query { .. }) => SourceKind::Warehouse,
            None => continue,
        };
        let (loading, fetched_at) = match kind {
            SourceKind::Replication => (model.tasks.loading, model.tasks.fetched_at),
            SourceKind::Workflow => (model.runs.loading, model.runs.fetched_at),
            _ => (model.queries.loading, model.queries.fetched_at),
        };
        let stale = fetched_at.is_none_or(|at| model.now - at >= Duration::seconds(LOOK_SECONDS));
        if !loading && stale && !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds.into_iter().map(Effect::Refresh).collect()
}

/// The yes of a plan dialog: the plan is recorded and its first step sent.
pub(super) fn confirmed(model: &mut Model, mut plan: Plan) -> Vec<Effect> {
    model.mode = Mode::Normal;
    if model.environment.read_only {
        return Vec::new();
    }
    let left_stale = plan.left_stale();
    let summaries = plan.chosen_summaries();
    plan.steps = plan.chosen().into_iter().cloned().collect();
    let pipeline = plan.pipeline.clone();
    model.recoveries.retain(|r| r.pipeline != pipeline);
    model.recoveries.push(Recovery {
        pipeline: pipeline.clone(),
        steps: plan
            .steps
            .into_iter()
            .map(|step| RunningStep {
                step,
                state: StepState::Pending,
                since: None,
                request_id: None,
                message: String::new(),
            })
            .collect(),
        current: 0,
        state: PlanState::Running,
        started_at: model.now,
        recorded: None,
        end_written: false,
        left_stale,
    });
    let mut effects = vec![Effect::BeginPlan {
        pipeline: pipeline.clone(),
        steps: summaries,
    }];
    effects.extend(begin_step(model, model.recoveries.len() - 1));
    effects
}

/// Sends the current step of plan `r`, or starts watching it.
fn begin_step(model: &mut Model, r: usize) -> Vec<Effect> {
    let (now, at) = (model.now, model.platform_now);
    let recovery = &mut model.recoveries[r];
    let index = recovery.current;
    let running = &mut recovery.steps[index];
    running.since = Some(at);
    match running.step.kind.clone() {
        StepKind::Act(action) => {
            let key = action.acts_on();
            if model.in_flight.contains_key(&key) {
                let why = format!("{}: one request is already in flight", action.target());
                return stop(model, r, why);
            }
            running.state = StepState::Sent;
            model.in_flight.insert(key, action.clone());
            model.notice = notice(
                format!(
                    "recover {}: step {} · {}…",
                    recovery.pipeline,
                    index + 1,
                    action.summary()
                ),
                false,
            );
            vec![Effect::Act(vec![action])]
        }
        StepKind::Wait(item) => {
            running.state = StepState::Watching;
            let name = running.step.item.clone();
            let item = item.item();
            model.following.retain(|f| f.item != item);
            model.following.push(Follow {
                name,
                // It runs already: its first end is its end.
                watch: Watch::created(),
                item,
                until: now + Duration::hours(STEP_HOURS),
                recorded: None,
            });
            Vec::new()
        }
    }
}

/// The plan running `action` as its current step, if one is.
fn running_step(model: &Model, action: &Action) -> Option<usize> {
    model
        .recoveries
        .iter()
        .position(|r| r.is_running() && r.steps[r.current].step.action() == Some(action))
}

/// An action's answer, for the plan whose step it is: a failed call stops the plan; a done
/// one is watched (longer than a lone retry), or recovered at once when it has no end to
/// watch.
pub(super) fn acted(
    model: &mut Model,
    action: &Action,
    result: &Result<ActionOutcome, SourceError>,
) -> Vec<Effect> {
    let Some(r) = running_step(model, action) else {
        return Vec::new();
    };
    let (now, at) = (model.now, model.platform_now);
    let current = model.recoveries[r].current;
    match result {
        Err(error) => {
            model.recoveries[r].steps[current].message = error.to_string();
            let why = format!("step {} ({}): {error}", current + 1, action.summary());
            stop(model, r, why)
        }
        Ok(outcome) => {
            let step = &mut model.recoveries[r].steps[current];
            step.request_id.clone_from(&outcome.request_id);
            step.message.clone_from(&outcome.message);
            step.since = Some(at);
            if AfterAction::of(action, outcome, model.platform_now).is_none() {
                step.state = StepState::Recovered;
                return advance(model, r);
            }
            step.state = StepState::Watching;
            // A plan's step may take hours (a full load): watched longer than a lone retry.
            if let Some(item) = model.recoveries[r].steps[current].step.item()
                && let Some(follow) = model.following.iter_mut().find(|f| f.item == item)
            {
                follow.until = now + Duration::hours(STEP_HOURS);
            }
            Vec::new()
        }
    }
}

/// A followed item settled (`ok`: recovered, failed again, or not settled in time): the
/// plan whose current step it is goes on, or stops there.
pub(super) fn settled(
    model: &mut Model,
    item: &ItemRef,
    ok: Option<bool>,
    message: &str,
) -> Vec<Effect> {
    // A cancelled plan's running step is still watched: how it ends is shown too.
    let Some(r) = model.recoveries.iter().position(|r| {
        matches!(r.state, PlanState::Running | PlanState::Cancelled) && {
            let step = &r.steps[r.current];
            step.state == StepState::Watching && step.step.item().as_ref() == Some(item)
        }
    }) else {
        return Vec::new();
    };
    let current = model.recoveries[r].current;
    let at = model.platform_now;
    let running = model.recoveries[r].is_running();
    let step = &mut model.recoveries[r].steps[current];
    step.since = Some(at);
    step.message = message.to_string();
    if !running {
        step.state = if ok == Some(true) {
            StepState::Recovered
        } else {
            StepState::Failed
        };
        return Vec::new();
    }
    match ok {
        Some(true) => {
            step.state = StepState::Recovered;
            advance(model, r)
        }
        _ => {
            step.state = StepState::Failed;
            let stage = step.step.stage.clone();
            stop(
                model,
                r,
                format!("step {} ({stage}): {message}", current + 1),
            )
        }
    }
}

/// The next step of plan `r`, or its end.
fn advance(model: &mut Model, r: usize) -> Vec<Effect> {
    let recovery = &mut model.recoveries[r];
    if recovery.current + 1 >= recovery.steps.len() {
        recovery.state = PlanState::Recovered;
        let ending = recovery.ending().unwrap_or_default();
        model.notice = notice(format!("✔ {ending}"), false);
        return end(model, r, true);
    }
    recovery.current += 1;
    begin_step(model, r)
}

/// Stops plan `r` at its current step: the steps after it are not run.
fn stop(model: &mut Model, r: usize, why: String) -> Vec<Effect> {
    let recovery = &mut model.recoveries[r];
    let current = recovery.current;
    recovery.steps[current].state = StepState::Failed;
    for step in &mut recovery.steps[current + 1..] {
        step.state = StepState::NotRun;
    }
    recovery.state = PlanState::Stopped(why);
    let ending = recovery.ending().unwrap_or_default();
    model.notice = notice(format!("✖ {ending} (R plans again from here)"), true);
    end(model, r, false)
}

/// The yes of the cancel question: the steps not sent are not run.
pub(super) fn cancel(model: &mut Model, pipeline: &str) -> Vec<Effect> {
    model.mode = Mode::Normal;
    let Some(r) = model
        .recoveries
        .iter()
        .position(|r| r.pipeline == pipeline && r.is_running())
    else {
        return Vec::new();
    };
    let recovery = &mut model.recoveries[r];
    let current = recovery.current;
    for step in &mut recovery.steps[current + 1..] {
        step.state = StepState::NotRun;
    }
    recovery.state = PlanState::Cancelled;
    let ending = recovery.ending().unwrap_or_default();
    model.notice = notice(
        format!(
            "{ending}; step {} goes on and is still watched",
            current + 1
        ),
        false,
    );
    end(model, r, false)
}

/// The end of plan `r`, for the audit log (once its record exists).
fn end(model: &mut Model, r: usize, ok: bool) -> Vec<Effect> {
    let recovery = &mut model.recoveries[r];
    let Some(recorded) = recovery.recorded.clone() else {
        // Written when the record is (see `recorded`).
        return Vec::new();
    };
    recovery.end_written = true;
    vec![Effect::EndPlan {
        recorded,
        ok,
        message: recovery.ending().unwrap_or_default(),
        took_ms: u64::try_from((model.now - recovery.started_at).num_milliseconds())
            .unwrap_or_default(),
    }]
}

/// The plan's audit record was written (or could not be): its id, and its end if it ended
/// meanwhile.
pub(super) fn recorded(model: &mut Model, pipeline: &str, id: Option<String>) -> Vec<Effect> {
    let Some(r) = model
        .recoveries
        .iter()
        .rposition(|r| r.pipeline == pipeline && r.recorded.is_none())
    else {
        return Vec::new();
    };
    let Some(id) = id else {
        // The steps are refused by the actor when there is no log: nothing more to do.
        return Vec::new();
    };
    model.recoveries[r].recorded = Some(id);
    let recovery = &model.recoveries[r];
    if recovery.is_running() || recovery.end_written {
        return Vec::new();
    }
    let ok = recovery.state == PlanState::Recovered;
    end(model, r, ok)
}
