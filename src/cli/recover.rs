//! `opsdeck recover`: a pipeline's night brought back to green by one plan, for runbooks.
//! It prints the plan (the root cause's retry, each downstream clear with its dry run),
//! asks on a terminal or goes ahead with `--yes`, then runs the steps in order, each only
//! once the step before it has recovered, followed by the rules the console and
//! `retry --wait` use. The plan and every step are in the audit log.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use super::Context;
use super::retry::{
    Asked, Confirm, EXIT_DONE, EXIT_FAILED, EXIT_REFUSED, EXIT_UNSETTLED, Wait, follow_item,
    go_ahead, open_actor, pause_of,
};
use crate::actions::actor::Actor;
use crate::domain::chain::Chain;
use crate::domain::follow::{AfterAction, Watch};
use crate::domain::recovery::{self, Plan, StepKind};
use crate::domain::snapshot::latest_runs;
use crate::domain::{ClearedTask, PipelineDefinition};
use crate::text::{InertWriter, age, inert_line};

/// How long the whole plan may take when `--wait` does not say.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(2 * 60 * 60);

/// What `recover` is asked to do.
pub struct Request<'a> {
    pub pipelines: &'a [PipelineDefinition],
    /// The pipeline named; the first red one when none is.
    pub pipeline: Option<&'a str>,
    pub include_stale: bool,
    /// The longest the whole plan may take, and the pause between two looks.
    pub wait: Wait,
}

/// Plans, confirms and runs a recovery; the exit code says how it went.
pub async fn recover(
    actor: &Actor,
    request: &Request<'_>,
    mut confirm: Confirm<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let (mut out, mut err) = (InertWriter::new(out), InertWriter::new(err));
    let (out, err): (&mut dyn Write, &mut dyn Write) = (&mut out, &mut err);
    let started = tokio::time::Instant::now();
    let mut plan = match plan(actor, request).await {
        Ok(plan) => plan,
        Err((code, message)) => {
            let to = if code == EXIT_DONE { out } else { err };
            writeln!(to, "opsdeck recover: {}", inert_line(&message))?;
            return Ok(code);
        }
    };
    plan.include_stale(request.include_stale);
    preview(actor, &mut plan).await;
    print_plan(&plan, request.include_stale, out)?;
    let chosen: Vec<&recovery::Step> = plan.chosen();
    let Some(first) = chosen.iter().find_map(|s| s.action()) else {
        writeln!(
            err,
            "opsdeck recover: no step is chosen (--include-stale runs the optional ones): \
             nothing was done"
        )?;
        return Ok(EXIT_REFUSED);
    };
    let question = format!("Run these {} step(s)? [y/N] ", chosen.len());
    let asked = Asked {
        command: "recover",
        question: &question,
        typed: None,
    };
    if !go_ahead(actor, first, &mut confirm, asked, out, err).await? {
        return Ok(EXIT_REFUSED);
    }
    let summaries = plan.chosen_summaries();
    let Some(plan_id) = actor.begin_plan(&plan.pipeline, &summaries).await else {
        writeln!(
            err,
            "opsdeck recover: the plan could not be written to the audit log: nothing was done"
        )?;
        return Ok(EXIT_REFUSED);
    };
    let deadline = started + request.wait.limit;
    let total = chosen.len();
    let mut ending = (
        EXIT_DONE,
        Plan::recovered(&plan.pipeline, total, &plan.left_stale()),
    );
    for (i, step) in chosen.iter().enumerate() {
        let number = i + 1;
        writeln!(out, "\nstep {number}/{total}: {}", inert_line(&step.what()))?;
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let wait = Wait {
            limit: left,
            pause: request.wait.pause,
        };
        let followed = match &step.kind {
            StepKind::Act(action) => {
                let acted_at = actor.sources.clock.now();
                let (result, audit_id) = actor.perform_recorded(action).await;
                let outcome = match result {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        let message = format!("step {number} ({}): {error}", action.summary());
                        writeln!(err, "✖ {}", inert_line(&message))?;
                        ending = (EXIT_FAILED, format!("stopped at {message}"));
                        break;
                    }
                };
                write!(out, "✔ {}: {}", action.summary(), outcome.message)?;
                if let Some(id) = &outcome.request_id {
                    write!(out, " (request id {id})")?;
                }
                writeln!(out)?;
                match AfterAction::of(action, &outcome, acted_at) {
                    Some(after) => {
                        let (code, settled) = follow_item(actor, after, wait, out, err).await?;
                        if let (Some(id), Some((settled, message))) = (&audit_id, &settled) {
                            actor.settled(id, *settled, message).await;
                        }
                        (code, settled.map(|(_, m)| m))
                    }
                    None => (EXIT_DONE, None),
                }
            }
            StepKind::Wait(item) => {
                let after = AfterAction {
                    item: item.clone(),
                    name: step.item.clone(),
                    // It runs already: its first end is its end.
                    watch: Watch::created(),
                };
                let (code, settled) = follow_item(actor, after, wait, out, err).await?;
                (code, settled.map(|(_, m)| m))
            }
        };
        match followed {
            (EXIT_DONE, _) => {}
            (code, message) => {
                let why = message.unwrap_or_else(|| "not settled".to_string());
                let left = total - number;
                let message = format!(
                    "stopped at step {number} ({}): {why}; {left} step(s) not run",
                    step.stage
                );
                writeln!(err, "✖ {}", inert_line(&message))?;
                if code == EXIT_UNSETTLED {
                    writeln!(
                        err,
                        "  not done within {}: `opsdeck recover` again continues from the \
                         first stage that is not green",
                        age(request.wait.limit)
                    )?;
                }
                ending = (code, message);
                break;
            }
        }
    }
    let (code, message) = ending;
    actor
        .end_plan(&plan_id, code == EXIT_DONE, &message, started.elapsed())
        .await;
    if code == EXIT_DONE {
        writeln!(out, "\n✔ {}", inert_line(&message))?;
    }
    Ok(code)
}

/// Reads the platform and builds the plan of the pipeline asked for; the exit code and
/// message when there is none (0: the night is green).
async fn plan(actor: &Actor, request: &Request<'_>) -> Result<Plan, (u8, String)> {
    if request.pipelines.is_empty() {
        return Err((
            EXIT_REFUSED,
            "no [[pipeline]] in the config: a plan follows a pipeline's stages".to_string(),
        ));
    }
    let read =
        |e: crate::source::SourceError| (EXIT_REFUSED, format!("cannot read the platform: {e}"));
    let tasks = actor.sources.replication.tasks().await.map_err(read)?;
    let runs = actor.sources.workflow.runs().await.map_err(read)?;
    let latest = latest_runs(&runs);
    let chains = Chain::all(request.pipelines, Some(&tasks), Some(&latest));
    let chain = match request.pipeline {
        Some(name) => chains.iter().find(|c| c.pipeline == name).ok_or_else(|| {
            let names: Vec<&str> = chains.iter().map(|c| c.pipeline.as_str()).collect();
            (
                EXIT_REFUSED,
                format!("no pipeline `{name}` (pipelines: {})", names.join(", ")),
            )
        })?,
        None => match chains
            .iter()
            .find(|c| c.is_red())
            .or_else(|| chains.iter().find(|c| !c.is_green()))
        {
            Some(chain) => chain,
            None => {
                return Err((
                    EXIT_DONE,
                    "every pipeline is green: nothing to recover".to_string(),
                ));
            }
        },
    };
    recovery::plan(chain, &tasks, &latest).map_err(|message| {
        let code = if chain.is_green() {
            EXIT_DONE
        } else {
            EXIT_REFUSED
        };
        (code, message)
    })
}

/// Fills each clear step's dry run; one that cannot be read says so in the plan.
async fn preview(actor: &Actor, plan: &mut Plan) {
    for step in plan.steps.iter_mut() {
        let Some((dag_id, run_id, scope)) = step.clear() else {
            continue;
        };
        let (dag_id, run_id, scope) = (dag_id.to_string(), run_id.to_string(), scope.clone());
        step.preview = match actor.preview_clear(&dag_id, &run_id, &scope).await {
            Ok(cleared) => Some(cleared),
            Err(error) => {
                tracing::warn!(%error, "the dry run of a plan's clear failed");
                None
            }
        };
    }
}

fn print_plan(plan: &Plan, include_stale: bool, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Recovery plan for {} ({} step(s), each after the one before has recovered):",
        inert_line(&plan.pipeline),
        plan.chosen().len()
    )?;
    let chosen = plan.chosen();
    for step in &plan.steps {
        let label = match chosen.iter().position(|c| std::ptr::eq(*c, step)) {
            Some(i) => step.summary(i + 1),
            // A wait that nothing after it needs is not a step: it is only said.
            None if matches!(step.kind, StepKind::Wait(_)) => {
                let note = format!("{}: {} runs now", step.stage, step.item);
                writeln!(out, "   note: {}", inert_line(&note))?;
                continue;
            }
            None => format!(
                "-. {} (not run{})",
                step.what(),
                if include_stale {
                    ""
                } else {
                    ": --include-stale runs it"
                }
            ),
        };
        writeln!(out, "{}", inert_line(&label))?;
        writeln!(out, "   {}", inert_line(&step.effect))?;
        match (&step.kind, &step.preview) {
            (StepKind::Act(_), Some(cleared)) => print_preview(cleared, out)?,
            (StepKind::Act(_), None) if step.clear().is_some() => {
                writeln!(
                    out,
                    "   (the dry run could not be read: the clear lists its tasks when it runs)"
                )?;
            }
            _ => {}
        }
    }
    for note in &plan.notes {
        writeln!(out, "   note: {}", inert_line(note))?;
    }
    Ok(())
}

fn print_preview(cleared: &[ClearedTask], out: &mut dyn Write) -> std::io::Result<()> {
    const SHOWN: usize = 8;
    for task in cleared.iter().take(SHOWN) {
        writeln!(
            out,
            "     {} ({})",
            inert_line(&task.task_id),
            inert_line(&task.state)
        )?;
    }
    if cleared.len() > SHOWN {
        writeln!(out, "     … and {} more", cleared.len() - SHOWN)?;
    }
    Ok(())
}

/// Runs `opsdeck recover`.
pub fn start(
    context: Context,
    pipeline: Option<String>,
    include_stale: bool,
    yes: bool,
    wait: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let _log = context.start_log();
    let runtime = context.runtime()?;
    let actor = open_actor(&context, &runtime)?;
    let request = Request {
        pipelines: &context.config.pipelines,
        pipeline: pipeline.as_deref(),
        include_stale,
        wait: Wait {
            limit: wait.unwrap_or(DEFAULT_LIMIT),
            pause: pause_of(&context),
        },
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let confirm = Confirm::from_stdin(yes, &mut input as &mut dyn BufRead);
    let code = runtime.block_on(recover(
        &actor,
        &request,
        confirm,
        &mut crate::cli::output::stdout_output(),
        &mut std::io::stderr(),
    ))?;
    Ok(ExitCode::from(code))
}
