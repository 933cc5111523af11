//! One plan that brings a pipeline's night back to green: retry the root cause with the
//! mode the retry rules choose, then clear each downstream stage that failed, in order,
//! each only once the step before it recovered; the stages that ran on stale data may be
//! run again too (optional, off unless asked).
//!
//! The plan is derived from the platform's state, never stored: built again after a stop,
//! it starts from the first stage that is not green.

use std::collections::HashMap;

use super::chain::Chain;
use super::failure::ItemRef;
use super::follow::Followed;
use super::retry;
use super::{Action, ClearScope, ClearedTask, Health, ReplicationTask, WorkflowRun};

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// An action: a retry of the root cause, a clear of a downstream run.
    Act(Action),
    /// Nothing to send: an item already running again (a step of an earlier plan) is
    /// waited for before the steps after it.
    Wait(Followed),
}

/// One step of a recovery plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The pipeline stage it belongs to.
    pub stage: String,
    /// What the operator calls the item (task id, `dag_id run_id`).
    pub item: String,
    pub kind: StepKind,
    /// What it does, in a sentence.
    pub effect: String,
    /// A stage that ran on stale data: chosen only when asked.
    pub optional: bool,
    /// Part of the run: every required step, and the optional ones asked for.
    pub chosen: bool,
    /// The task instances a clear resets (its dry run), once read.
    pub preview: Option<Vec<ClearedTask>>,
}

impl Step {
    /// The action of the step, if it sends one.
    pub fn action(&self) -> Option<&Action> {
        match &self.kind {
            StepKind::Act(action) => Some(action),
            StepKind::Wait(_) => None,
        }
    }

    /// The listed item the step acts on or waits for.
    pub fn item(&self) -> Option<ItemRef> {
        match &self.kind {
            StepKind::Act(action) => match action.acts_on() {
                super::action::ActionTarget::Item(item) => Some(item),
                super::action::ActionTarget::Dag { .. } => None,
            },
            StepKind::Wait(followed) => Some(followed.item()),
        }
    }

    /// The DAG run a clear step clears, for its dry run.
    pub fn clear(&self) -> Option<(&str, &str, &ClearScope)> {
        match &self.kind {
            StepKind::Act(Action::ClearRun {
                dag_id,
                run_id,
                scope,
            }) => Some((dag_id, run_id, scope)),
            _ => None,
        }
    }

    /// One line: "1. DMS loads · start shipping-full-load with resume-processing".
    pub fn summary(&self, number: usize) -> String {
        format!("{number}. {}", self.what())
    }

    /// What the step does, without its number: "DMS loads · start … with resume-processing".
    pub fn what(&self) -> String {
        let what = match &self.kind {
            StepKind::Act(action) => action.summary(),
            StepKind::Wait(_) => format!("wait for {} to finish (it runs now)", self.item),
        };
        let optional = if self.optional {
            " (optional: ran on stale data)"
        } else {
            ""
        };
        format!("{} · {what}{optional}", self.stage)
    }
}

/// The plan of one pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub pipeline: String,
    pub steps: Vec<Step>,
    /// Stages the plan leaves alone, and why ("marts: running now").
    pub notes: Vec<String>,
}

impl Plan {
    /// The steps that will run, in order: the chosen ones, less the waits that no chosen
    /// action comes after (waiting for what runs anyway is not a step of the plan).
    pub fn chosen(&self) -> Vec<&Step> {
        let mut chosen: Vec<&Step> = self.steps.iter().filter(|s| s.chosen).collect();
        while chosen
            .last()
            .is_some_and(|s| matches!(s.kind, StepKind::Wait(_)))
        {
            chosen.pop();
        }
        chosen
    }

    /// The chosen steps as the audit log records them, numbered as they run.
    pub fn chosen_summaries(&self) -> Vec<String> {
        self.chosen()
            .iter()
            .enumerate()
            .map(|(i, s)| s.summary(i + 1))
            .collect()
    }

    /// The stages that ran on stale data and that the plan, as chosen, leaves so: a
    /// recovered night says they are still stale.
    pub fn left_stale(&self) -> Vec<String> {
        let mut stages: Vec<String> = Vec::new();
        for step in self.steps.iter().filter(|s| s.optional && !s.chosen) {
            if !stages.contains(&step.stage) {
                stages.push(step.stage.clone());
            }
        }
        stages
    }

    /// How a plan that ran every step ends: recovered, and what it left on stale data.
    pub fn recovered(pipeline: &str, steps: usize, left_stale: &[String]) -> String {
        let mut line = format!("{pipeline} recovered: {steps} step(s)");
        if !left_stale.is_empty() {
            line.push_str(&format!(
                "; still on stale data: {} (not chosen: the plan's o, or --include-stale)",
                left_stale.join(", ")
            ));
        }
        line
    }

    /// Chooses (or leaves out) the optional steps.
    pub fn include_stale(&mut self, include: bool) {
        for step in self.steps.iter_mut().filter(|s| s.optional) {
            step.chosen = include;
        }
    }
}

/// Builds the plan of `chain` from the tasks and the newest run of each DAG; why not, when
/// there is nothing to recover or the root cause cannot be retried.
pub fn plan(
    chain: &Chain,
    tasks: &[ReplicationTask],
    latest: &[&WorkflowRun],
) -> Result<Plan, String> {
    // Only the chain's items are looked up, not every task and run of the platform.
    let items: Vec<&ItemRef> = chain.stages.iter().flat_map(|s| s.items.iter()).collect();
    let tasks: HashMap<&str, &ReplicationTask> = tasks
        .iter()
        .filter(|t| {
            items
                .iter()
                .any(|i| matches!(i, ItemRef::Replication { id } if *id == t.id))
        })
        .map(|t| (t.id.as_str(), t))
        .collect();
    let runs: HashMap<(&str, &str), &WorkflowRun> = latest
        .iter()
        .filter(|r| {
            items.iter().any(|i| {
                matches!(i, ItemRef::WorkflowRun { dag_id, run_id }
                    if *dag_id == r.dag_id && *run_id == r.run_id)
            })
        })
        .map(|r| ((r.dag_id.as_str(), r.run_id.as_str()), *r))
        .collect();
    let Some(first) = chain
        .stages
        .iter()
        .position(|s| !s.is_green() && !s.items.is_empty() && !s.earlier)
    else {
        return Err(format!("{} is green: nothing to recover", chain.pipeline));
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut notes = Vec::new();
    for stage in &chain.stages[first..] {
        if stage.items.is_empty() || stage.earlier {
            notes.push(format!("{}: did not run tonight (yet)", stage.name));
            continue;
        }
        match stage.health {
            Health::Failed => {
                for item in &stage.failing {
                    steps.push(retry_step(&stage.name, item, &tasks, &runs)?);
                }
            }
            Health::Ok if stage.stale.is_some() => {
                for item in &stage.items {
                    match item {
                        ItemRef::WorkflowRun { dag_id, run_id } => {
                            steps.push(stale_rerun(&stage.name, dag_id, run_id))
                        }
                        _ => notes.push(format!(
                            "{}: ran on stale data; a replication is not run again by the plan",
                            stage.name
                        )),
                    }
                }
            }
            Health::Running | Health::Degraded => {
                // What runs now reads what the plan is about to redo upstream: once it has
                // ended, it ran on stale data, and running it again is offered as for a
                // stale stage.
                let upstream_redone = steps.iter().any(|s| matches!(s.kind, StepKind::Act(_)));
                for item in &stage.items {
                    let Some(follow) = Followed::of(item) else {
                        continue;
                    };
                    let running = match item {
                        ItemRef::Replication { id } => tasks.get(id.as_str()).is_some_and(|t| {
                            t.health() != Health::Ok && !t.migration_type.captures_changes()
                        }),
                        ItemRef::WorkflowRun { dag_id, run_id } => runs
                            .get(&(dag_id.as_str(), run_id.as_str()))
                            .is_some_and(|r| r.health() != Health::Ok),
                        ItemRef::Query { .. } => false,
                    };
                    if running {
                        steps.push(Step {
                            stage: stage.name.clone(),
                            item: item_name(item),
                            effect: "runs now: the steps after it wait until it has recovered"
                                .to_string(),
                            kind: StepKind::Wait(follow),
                            optional: false,
                            chosen: true,
                            preview: None,
                        });
                        if let (true, ItemRef::WorkflowRun { dag_id, run_id }) =
                            (upstream_redone, item)
                        {
                            steps.push(stale_rerun(&stage.name, dag_id, run_id));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Waiting for what runs anyway is a step only when something comes after it.
    while steps
        .last()
        .is_some_and(|s| matches!(s.kind, StepKind::Wait(_)))
    {
        let step = steps.pop().expect("a last step");
        notes.push(format!("{}: {} runs now", step.stage, step.item));
    }
    if steps.is_empty() {
        return Err(format!(
            "{}: nothing the plan can do now ({})",
            chain.pipeline,
            notes.join("; ")
        ));
    }
    Ok(Plan {
        pipeline: chain.pipeline.clone(),
        steps,
        notes,
    })
}

/// Running a stage's DAG run again from its first task, offered (not chosen) for a stage
/// on stale data.
fn stale_rerun(stage: &str, dag_id: &str, run_id: &str) -> Step {
    Step {
        stage: stage.to_string(),
        item: format!("{dag_id} {run_id}"),
        effect: ClearScope::Run.effect(),
        kind: StepKind::Act(Action::ClearRun {
            dag_id: dag_id.to_string(),
            run_id: run_id.to_string(),
            scope: ClearScope::Run,
        }),
        optional: true,
        chosen: false,
        preview: None,
    }
}

fn item_name(item: &ItemRef) -> String {
    match item {
        ItemRef::Replication { id } => id.clone(),
        ItemRef::WorkflowRun { dag_id, run_id } => format!("{dag_id} {run_id}"),
        ItemRef::Query { id } => format!("query {id}"),
    }
}

/// The retry of a failed item by the retry rules: a task starts again in its default mode
/// (resume-processing for a task that ran), a run's failed task instances are cleared.
fn retry_step(
    stage: &str,
    item: &ItemRef,
    tasks: &HashMap<&str, &ReplicationTask>,
    runs: &HashMap<(&str, &str), &WorkflowRun>,
) -> Result<Step, String> {
    let (kind, effect) = match item {
        ItemRef::Replication { id } => {
            let task = tasks
                .get(id.as_str())
                .ok_or_else(|| format!("replication task {id} is no longer listed"))?;
            let mode = retry::default_start_mode(task);
            retry::check_start(task, mode)?;
            (
                StepKind::Act(Action::StartTask {
                    task_id: task.id.clone(),
                    arn: task.arn.clone(),
                    serverless: task.serverless,
                    mode,
                }),
                format!("{mode}: {}", mode.effect()),
            )
        }
        ItemRef::WorkflowRun { dag_id, run_id } => {
            let run = runs
                .get(&(dag_id.as_str(), run_id.as_str()))
                .ok_or_else(|| format!("DAG run {dag_id} {run_id} is no longer listed"))?;
            retry::check_clear(run)?;
            (
                StepKind::Act(Action::ClearRun {
                    dag_id: dag_id.clone(),
                    run_id: run_id.clone(),
                    scope: ClearScope::Failed,
                }),
                ClearScope::Failed.effect(),
            )
        }
        ItemRef::Query { id } => return Err(format!("query {id} is not a pipeline stage")),
    };
    Ok(Step {
        stage: stage.to_string(),
        item: item_name(item),
        kind,
        effect,
        optional: false,
        chosen: true,
        preview: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StartMode;
    use crate::domain::chain::tests::{load, nightly, red_night, run};

    fn night(tasks: &[ReplicationTask], runs: &[WorkflowRun]) -> Plan {
        let latest: Vec<&WorkflowRun> = runs.iter().collect();
        let chain = Chain::all(&[nightly()], Some(tasks), Some(&latest)).remove(0);
        plan(&chain, tasks, &latest).unwrap()
    }

    #[test]
    fn the_root_is_resumed_then_each_failed_stage_cleared_and_stale_ones_offered() {
        let (tasks, runs) = red_night();
        let plan = night(&tasks, &runs);
        let lines: Vec<String> = plan
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| s.summary(i + 1))
            .collect();
        assert_eq!(
            lines,
            [
                "1. loads · start shipping-full-load with resume-processing",
                "2. landing · clear the failed tasks of landing/scheduled__2026-12-05T01:00:00+00:00",
                "3. dbt · clear the failed tasks of dbt/scheduled__2026-12-05T01:00:00+00:00",
                "4. marts · clear every task of marts/scheduled__2026-12-05T01:00:00+00:00 \
                 (optional: ran on stale data)",
            ]
        );
        assert!(matches!(
            plan.steps[0].kind,
            StepKind::Act(Action::StartTask {
                mode: StartMode::ResumeProcessing,
                ..
            })
        ));
        assert_eq!(plan.chosen().len(), 3, "the stale stage is off by default");
        // Recovered without it, the night says what it left on stale data.
        assert_eq!(plan.left_stale(), ["marts"]);
        assert_eq!(
            Plan::recovered("nightly", 3, &plan.left_stale()),
            "nightly recovered: 3 step(s); still on stale data: marts (not chosen: the plan's \
             o, or --include-stale)"
        );
        let mut plan = plan;
        plan.include_stale(true);
        assert_eq!(plan.chosen().len(), 4);
        assert!(plan.left_stale().is_empty());
        assert_eq!(
            Plan::recovered("nightly", 4, &plan.left_stale()),
            "nightly recovered: 4 step(s)"
        );
    }

    #[test]
    fn a_stage_running_on_what_the_plan_redoes_is_waited_for_then_offered_again() {
        // Marts still runs while the loads are red: once it ends it ran on stale data.
        let (tasks, mut runs) = red_night();
        runs[2] = run("marts", "running", (4, 30), None);
        let plan = night(&tasks, &runs);
        let marts: Vec<(bool, bool)> = plan
            .steps
            .iter()
            .filter(|s| s.stage == "marts")
            .map(|s| (matches!(s.kind, StepKind::Wait(_)), s.optional))
            .collect();
        assert_eq!(marts, [(true, false), (false, true)], "{:#?}", plan.steps);
        // Not chosen, the run is no step, and the night ends saying marts is still stale.
        assert!(plan.chosen().iter().all(|s| s.stage != "marts"));
        assert_eq!(plan.left_stale(), ["marts"]);
        let mut plan = plan;
        plan.include_stale(true);
        let chosen: Vec<(&str, bool)> = plan
            .chosen()
            .iter()
            .map(|s| (s.stage.as_str(), matches!(s.kind, StepKind::Wait(_))))
            .collect();
        assert_eq!(
            &chosen[3..],
            [("marts", true), ("marts", false)],
            "waited for, then run again"
        );
        assert!(plan.left_stale().is_empty());
    }

    #[test]
    fn built_again_after_a_stop_it_continues_from_the_first_stage_not_green() {
        // The loads recovered and landing was cleared and runs now; dbt is still red.
        let tasks = [load("shipping-full-load", false, (9, 0), (9, 30))];
        let runs = [
            run("landing", "running", (9, 31), None),
            run("dbt", "failed", (3, 0), Some((3, 30))),
            run("marts", "success", (10, 30), Some((10, 45))),
        ];
        let plan = night(&tasks, &runs);
        let items: Vec<(&str, bool)> = plan
            .steps
            .iter()
            .map(|s| (s.stage.as_str(), matches!(s.kind, StepKind::Wait(_))))
            .collect();
        // Marts ran at 10:30 while dbt was red: offered again, off by default.
        assert_eq!(items, [("landing", true), ("dbt", false), ("marts", false)]);
        assert!(plan.steps[2].optional && !plan.steps[2].chosen);
        assert_eq!(plan.chosen().len(), 2);
        // Without dbt's clear, waiting for landing would be a plan that does nothing.
        let mut waiting = plan.clone();
        waiting.steps.truncate(1);
        assert!(waiting.chosen().is_empty());
    }

    #[test]
    fn a_green_night_has_no_plan_and_a_running_tail_is_no_step() {
        let tasks = [load("shipping-full-load", false, (1, 0), (1, 30))];
        let runs = [
            run("landing", "success", (1, 31), Some((1, 50))),
            run("dbt", "success", (3, 0), Some((3, 30))),
            run("marts", "success", (4, 30), Some((4, 45))),
        ];
        let latest: Vec<&WorkflowRun> = runs.iter().collect();
        let chain = Chain::all(&[nightly()], Some(&tasks), Some(&latest)).remove(0);
        assert_eq!(
            plan(&chain, &tasks, &latest).unwrap_err(),
            "nightly is green: nothing to recover"
        );
        let runs = [
            run("landing", "success", (1, 31), Some((1, 50))),
            run("dbt", "running", (3, 0), None),
        ];
        let latest: Vec<&WorkflowRun> = runs.iter().collect();
        let chain = Chain::all(&[nightly()], Some(&tasks), Some(&latest)).remove(0);
        let err = plan(&chain, &tasks, &latest).unwrap_err();
        assert!(err.contains("nothing the plan can do now"), "{err}");
    }
}
