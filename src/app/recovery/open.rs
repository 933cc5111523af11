//! Opening a recovery plan: which pipeline (the one named, the selected item's, or the
//! first red one), the plan dialog with its dry runs asked for, and the question whether to
//! cancel a running plan's remaining steps.

use super::notice;
use crate::app::confirm::{Confirmable, Confirmation};
use crate::app::model::{Mode, Model};
use crate::app::msg::Effect;
use crate::domain::chain::Chain;
use crate::domain::failure::{Cause, ItemRef};
use crate::domain::recovery;
use crate::domain::snapshot::latest_runs;

/// `R` and `:recover [PIPELINE]`: the plan of the pipeline named, of the root cause
/// selected on the Overview, or of the first red pipeline; on a running plan, the question
/// whether to cancel its remaining steps.
pub(in crate::app) fn open(model: &mut Model, pipeline: Option<&str>) -> Vec<Effect> {
    if pipeline == Some("cancel") {
        return ask_cancel(model, None);
    }
    if model.environment.read_only {
        model.notice = notice(
            format!(
                "read-only: recovering is off in environment {} ({})",
                model.environment.name,
                model.environment.allow_actions_hint()
            ),
            true,
        );
        return Vec::new();
    }
    if model.pipelines.is_empty() {
        model.notice = notice(
            "no [[pipeline]] in the config: a recovery plan follows a pipeline's stages"
                .to_string(),
            true,
        );
        return Vec::new();
    }
    let chosen = match pipeline {
        Some(name) => match model.chains.iter().find(|c| c.pipeline == name) {
            Some(chain) => chain,
            None => {
                let names: Vec<&str> = model.chains.iter().map(|c| c.pipeline.as_str()).collect();
                model.notice = notice(
                    format!("no pipeline `{name}` (pipelines: {})", names.join(", ")),
                    true,
                );
                return Vec::new();
            }
        },
        None => match red_chain(model) {
            Some(chain) => chain,
            None => {
                model.notice = notice(
                    "every pipeline is green: nothing to recover".to_string(),
                    false,
                );
                return Vec::new();
            }
        },
    };
    let name = chosen.pipeline.clone();
    if model
        .recoveries
        .iter()
        .any(|r| r.pipeline == name && r.is_running())
    {
        return ask_cancel(model, Some(&name));
    }
    let (Some(tasks), Some(runs)) = (model.tasks.data.as_deref(), model.runs.data.as_deref())
    else {
        model.notice = notice(
            "the plan needs DMS and Airflow read first: still loading".to_string(),
            true,
        );
        return Vec::new();
    };
    let latest = latest_runs(runs);
    let plan = match recovery::plan(chosen, tasks, &latest) {
        Ok(plan) => plan,
        Err(why) => {
            model.notice = notice(why, chosen.is_red());
            return Vec::new();
        }
    };
    let previews = vec![None; plan.steps.len()];
    let title = format!("recover {name}?");
    let mut dialog = Confirmation::new(
        Confirmable::Recover {
            plan: Box::new(plan),
            previews,
        },
        &title,
        Vec::new(),
        "Recover",
    );
    crate::app::act::describe(&mut dialog);
    let effects = preview_effects(&dialog.action);
    model.mode = Mode::Confirm(dialog);
    effects
}

/// The night a key opens without a pipeline named: the selected item's pipeline, else
/// the first with a root cause, else the first that is not green.
pub(in crate::app) fn red_chain(model: &Model) -> Option<&Chain> {
    selected_pipeline(model)
        .and_then(|name| model.chains.iter().find(|c| c.pipeline == name))
        .or_else(|| model.chains.iter().find(|c| c.is_red()))
        .or_else(|| model.chains.iter().find(|c| !c.is_green()))
}

/// The pipeline of what is selected: on the Overview a root cause or one of its
/// consequences; on the DMS and Airflow tabs (or in an item's detail) an item of one of
/// the pipeline's stages.
fn selected_pipeline(model: &Model) -> Option<String> {
    use crate::app::Tab;
    let item = match (model.tab, &model.detail) {
        (Tab::Overview, _) => {
            let index = model.view(Tab::Overview).selected_index()?;
            return match &model.failures.get(index)?.cause {
                Cause::Root { pipeline, .. }
                | Cause::Consequence { pipeline, .. }
                | Cause::Waiting { pipeline, .. } => Some(pipeline.clone()),
                Cause::Own => None,
            };
        }
        (Tab::Dms, Some(crate::app::Detail::Task { id, .. })) => {
            ItemRef::Replication { id: id.clone() }
        }
        (Tab::Airflow, Some(crate::app::Detail::Run { dag_id, run_id, .. })) => {
            ItemRef::WorkflowRun {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
            }
        }
        (Tab::Dms, None) => {
            let index = model.view(Tab::Dms).selected_index()?;
            let task = model.tasks.data.as_ref()?.get(index)?;
            ItemRef::Replication {
                id: task.id.clone(),
            }
        }
        (Tab::Airflow, None) => {
            let index = model.view(Tab::Airflow).selected_index()?;
            let run = model.runs.data.as_ref()?.get(index)?;
            ItemRef::WorkflowRun {
                dag_id: run.dag_id.clone(),
                run_id: run.run_id.clone(),
            }
        }
        _ => return None,
    };
    model
        .chains
        .iter()
        .find(|c| c.stages.iter().any(|s| s.items.contains(&item)))
        .map(|c| c.pipeline.clone())
}

/// The dry runs a plan dialog still needs: one for each chosen clear step not read yet.
pub(in crate::app) fn preview_effects(action: &Confirmable) -> Vec<Effect> {
    let Confirmable::Recover { plan, previews } = action else {
        return Vec::new();
    };
    plan.steps
        .iter()
        .zip(previews)
        .filter(|(step, preview)| step.chosen && preview.is_none())
        .filter_map(|(step, _)| step.clear())
        .map(|(dag_id, run_id, scope)| Effect::PreviewClear {
            dag_id: dag_id.to_string(),
            run_id: run_id.to_string(),
            scope: scope.clone(),
        })
        .collect()
}

/// The question whether to cancel the steps a running plan has left.
fn ask_cancel(model: &mut Model, pipeline: Option<&str>) -> Vec<Effect> {
    let Some(running) = model
        .recoveries
        .iter()
        .find(|r| r.is_running() && pipeline.is_none_or(|p| r.pipeline == p))
    else {
        model.notice = notice("no recovery plan is running".to_string(), true);
        return Vec::new();
    };
    let step = &running.steps[running.current];
    let mut dialog = Confirmation::new(
        Confirmable::CancelRecovery {
            pipeline: running.pipeline.clone(),
        },
        &format!(
            "stop {}'s recovery after step {}?",
            running.pipeline,
            running.current + 1
        ),
        vec![
            format!(
                "Step {} of {} ({}) goes on: it was sent, and it is still watched.",
                running.current + 1,
                running.steps.len(),
                step.step.what()
            ),
            format!(
                "The {} step(s) after it are not sent. R opens the plan again from the \
                 platform's state.",
                running.steps.len() - running.current - 1
            ),
        ],
        "Stop the plan",
    );
    dialog.on_confirm = false;
    model.mode = Mode::Confirm(dialog);
    Vec::new()
}
