//! The confirmation dialog: its text, the answers that fill it in (a clear's dry run, a
//! task's settings), and its yes, which sends the actions not refused.

use super::notice;
use super::plan::preview_effects;
use crate::app::confirm::{Answer, Confirmable, Confirmation, Typed};
use crate::app::model::{Mode, Model};
use crate::app::msg::Effect;
use crate::domain::{Action, ClearScope, ClearedTask, QueryStatus, StartMode};
use crate::source::SourceError;

/// Writes the dialog's text from what it holds, and sets or clears the typed name.
pub fn describe(dialog: &mut Confirmation) {
    let mut lines = Vec::new();
    let mut typed: Option<String> = None;
    match &dialog.action {
        Confirmable::RefetchCost => return,
        Confirmable::Start {
            targets,
            modes,
            chosen,
        } => {
            // A long list of marked tasks is counted past its first rows, so the modes and
            // the buttons stay on screen.
            const SHOWN: usize = 8;
            for t in targets.iter().take(SHOWN) {
                lines.push(format!(
                    "{} ({}{})",
                    t.task_id,
                    t.status,
                    if t.serverless { ", Serverless" } else { "" }
                ));
            }
            if targets.len() > SHOWN {
                lines.push(format!("… and {} more tasks", targets.len() - SHOWN));
            }
            lines.push(String::new());
            for (i, mode) in modes.iter().enumerate() {
                let mark = if i == *chosen { "▶" } else { " " };
                lines.push(format!("{mark} {mode}: {}", mode.effect()));
            }
            let mode = modes.get(*chosen).copied();
            if mode == Some(StartMode::ReloadTarget) {
                lines.push(String::new());
                lines.push(crate::domain::retry::RELOAD_WARNING.to_string());
                for t in targets {
                    let prep = match &t.prep {
                        None => "TargetTablePrepMode: reading the task settings…".to_string(),
                        Some(Err(e)) => format!("TargetTablePrepMode unknown ({e})"),
                        Some(Ok(None)) => "TargetTablePrepMode not set".to_string(),
                        Some(Ok(Some(p))) => {
                            format!("TargetTablePrepMode {}: {}", p.as_str(), p.effect())
                        }
                    };
                    lines.push(format!("{}: {prep}", t.task_id));
                }
                typed = Some(if targets.len() == 1 {
                    targets[0].task_id.clone()
                } else {
                    format!("reload {} tasks", targets.len())
                });
            }
            if modes.len() > 1 {
                // While a name is typed, letters go into it: only the arrows move the mode.
                lines.push(if typed.is_some() {
                    "↑ ↓ choose the mode (letters go into the name)".to_string()
                } else {
                    "↑ ↓ or k j choose the mode".to_string()
                });
            }
        }
        Confirmable::Reload {
            task_id, tables, ..
        } => {
            lines.push(format!(
                "{task_id} keeps running; these tables are loaded again from the source \
                 (data-reload), their change capture restarts:"
            ));
            lines.extend(tables.iter().map(|t| format!("  {t}")));
        }
        Confirmable::Clear { targets, scope } => {
            let effect = scope.effect();
            match scope {
                ClearScope::Task { downstream, .. } => lines.push(format!(
                    "{} (d: {} downstream tasks).",
                    effect.trim_end_matches('.'),
                    if *downstream { "without" } else { "with" }
                )),
                ClearScope::Failed | ClearScope::Run => lines.push(effect),
            }
            for t in targets {
                match &t.preview {
                    None => lines.push(format!(
                        "{} {}: asking Airflow what a clear resets (dry run)…",
                        t.dag_id, t.run_id
                    )),
                    Some(Err(e)) => lines.push(format!(
                        "{} {}: the dry run failed: {e}",
                        t.dag_id, t.run_id
                    )),
                    Some(Ok(tasks)) if tasks.is_empty() => {
                        lines.push(format!("{} {}: nothing to clear", t.dag_id, t.run_id))
                    }
                    Some(Ok(tasks)) => {
                        lines.push(format!(
                            "{} {}: {} task instance(s) will be cleared:",
                            t.dag_id,
                            t.run_id,
                            tasks.len()
                        ));
                        lines.extend(preview_lines(tasks));
                    }
                }
            }
        }
        Confirmable::Trigger { dag_id } => {
            lines.push(format!(
                "A NEW run of {dag_id} starts now, with a new run id and today's logical date."
            ));
            lines.push(
                "This is not a retry: a failed run stays failed (r on it retries it).".to_string(),
            );
        }
        Confirmable::Rerun {
            database,
            sql: text,
            ..
        } => {
            lines.push(format!(
                "A new statement in database {database}, as the console's user:"
            ));
            lines.extend(text.lines().take(12).map(|l| format!("  {l}")));
            if text.lines().count() > 12 {
                lines.push(format!("  … ({} lines in all)", text.lines().count()));
            }
        }
        Confirmable::Cancel {
            pid,
            label,
            statement,
            ..
        } => {
            lines.push(format!(
                "The query of {label} stops; its transaction rolls back."
            ));
            lines.push(match (statement, pid) {
                (Some(statement), _) => format!(
                    "CancelStatement is sent for statement {statement}, which the console submitted."
                ),
                (None, Some(pid)) => format!("pg_cancel_backend({pid}) is sent to its process."),
                (None, None) => {
                    "Its process is not known: the cancel will be refused.".to_string()
                }
            });
        }
        Confirmable::Recover { plan, previews } => plan_lines(plan, previews, &mut lines),
        Confirmable::CancelRecovery { .. } => return,
    }
    if !dialog.left_out.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Left out, {} marked row(s) that cannot be retried:",
            dialog.left_out.len()
        ));
        const SHOWN: usize = 8;
        lines.extend(dialog.left_out.iter().take(SHOWN).map(|l| format!("  {l}")));
        if dialog.left_out.len() > SHOWN {
            lines.push(format!("  … and {} more", dialog.left_out.len() - SHOWN));
        }
    }
    dialog.lines = lines;
    dialog.typed = match (typed, dialog.typed.take()) {
        (Some(expected), Some(old)) if old.expected == expected => Some(old),
        (Some(expected), _) => {
            dialog.lines.push(format!(
                "Type `{expected}` and Enter to go ahead; Esc cancels."
            ));
            Some(Box::new(Typed {
                expected,
                input: String::new(),
            }))
        }
        (None, _) => None,
    };
    if let Some(t) = &dialog.typed
        && !dialog.lines.iter().any(|l| l.starts_with("Type `"))
    {
        dialog.lines.push(format!(
            "Type `{}` and Enter to go ahead; Esc cancels.",
            t.expected
        ));
    }
}

/// A recovery plan, compact enough for 80x24: each step in a line or two, a clear's dry run
/// on one line, the stale stages offered unchecked.
fn plan_lines(
    plan: &crate::domain::recovery::Plan,
    previews: &[Option<Result<Vec<ClearedTask>, String>>],
    lines: &mut Vec<String>,
) {
    use crate::domain::recovery::StepKind;
    lines.push(
        "Each step starts when the one before it has recovered; one that fails again stops \
         the plan."
            .to_string(),
    );
    let chosen = plan.chosen();
    for (step, preview) in plan.steps.iter().zip(previews) {
        let position = chosen.iter().position(|c| std::ptr::eq(*c, step));
        let lead = match (position, step.optional) {
            (Some(i), true) => format!("{}. [x]", i + 1),
            (Some(i), false) => format!("{}.", i + 1),
            (None, true) => "[ ]".to_string(),
            // A wait no chosen step comes after is not part of the run.
            (None, false) => continue,
        };
        let what = match &step.kind {
            StepKind::Act(Action::StartTask { task_id, mode, .. }) => {
                format!("start {task_id} with {mode}: {}", mode.effect())
            }
            StepKind::Act(Action::ClearRun {
                dag_id,
                scope: ClearScope::Run,
                ..
            }) => format!("run {dag_id} again, every task (it ran on stale data)"),
            StepKind::Act(Action::ClearRun { dag_id, .. }) => format!("clear {dag_id}"),
            StepKind::Act(action) => action.summary(),
            StepKind::Wait(_) => format!("wait for {} (it runs now)", step.item),
        };
        lines.push(format!("{lead} {}: {what}", step.stage));
        if step.clear().is_some() && (step.chosen || !step.optional) {
            lines.push(match preview {
                None => "   dry run: reading…".to_string(),
                Some(Err(e)) => format!("   dry run failed: {e}"),
                Some(Ok(tasks)) => format!("   {}", cleared_line(tasks)),
            });
        }
    }
    if chosen.is_empty() {
        lines.push(
            "Nothing is red: only stages that ran on stale data are left. o adds them.".to_string(),
        );
    } else if plan.steps.iter().any(|s| s.optional) {
        lines.push(
            "o: also (or no longer) run again the stages that ran on stale data.".to_string(),
        );
    }
}

/// A dry run in one line: "3 tasks: wait_shipping (failed), check_files (upstream_failed), +1".
fn cleared_line(tasks: &[ClearedTask]) -> String {
    const SHOWN: usize = 2;
    let named: Vec<String> = tasks
        .iter()
        .take(SHOWN)
        .map(|t| format!("{} ({})", t.task_id, t.state))
        .collect();
    let more = tasks.len().saturating_sub(SHOWN);
    format!(
        "{} task(s): {}{}",
        tasks.len(),
        named.join(", "),
        if more > 0 {
            format!(", +{more}")
        } else {
            String::new()
        }
    )
}

fn preview_lines(tasks: &[ClearedTask]) -> impl Iterator<Item = String> + '_ {
    const SHOWN: usize = 8;
    let more = tasks.len().saturating_sub(SHOWN);
    tasks
        .iter()
        .take(SHOWN)
        .map(|t| format!("  {} ({})", t.task_id, t.state))
        .chain((more > 0).then(|| format!("  … and {more} more")))
}

/// A key in an open dialog.
pub(in crate::app) fn answer(
    model: &mut Model,
    mut dialog: Confirmation,
    answer: Answer,
) -> Vec<Effect> {
    match answer {
        Answer::Open => {
            model.mode = Mode::Confirm(dialog);
            Vec::new()
        }
        Answer::Changed => {
            describe(&mut dialog);
            let effects = match &dialog.action {
                Confirmable::Clear { targets, scope } => preview_effects(targets, scope),
                recover @ Confirmable::Recover { .. } => {
                    crate::app::recovery::preview_effects(recover)
                }
                _ => Vec::new(),
            };
            model.mode = Mode::Confirm(dialog);
            effects
        }
        Answer::Cancelled => {
            model.mode = Mode::Normal;
            Vec::new()
        }
        Answer::Refused(reason) => {
            model.mode = Mode::Normal;
            model.notice = notice(reason.clone(), true);
            dialog
                .action
                .actions()
                .into_iter()
                .map(|action| Effect::Refuse {
                    action,
                    reason: reason.clone(),
                })
                .collect()
        }
        Answer::Confirmed(_) if matches!(dialog.action, Confirmable::Recover { .. }) => {
            let Confirmable::Recover { plan, .. } = dialog.action else {
                return Vec::new();
            };
            crate::app::recovery::confirmed(model, *plan)
        }
        Answer::Confirmed(_) if matches!(dialog.action, Confirmable::CancelRecovery { .. }) => {
            let Confirmable::CancelRecovery { pipeline } = dialog.action else {
                return Vec::new();
            };
            crate::app::recovery::cancel(model, &pipeline)
        }
        Answer::Confirmed(Effect::Act(actions)) => {
            model.mode = Mode::Normal;
            submit(model, actions)
        }
        Answer::Confirmed(Effect::RefetchCost) => {
            model.mode = Mode::Normal;
            // The cost review on screen is asked again past the cache too.
            let mut effects = vec![Effect::RefetchCost];
            effects.extend(crate::app::cost::ask_again(model));
            effects
        }
        Answer::Confirmed(effect) => {
            model.mode = Mode::Normal;
            vec![effect]
        }
    }
}

/// Sends confirmed actions, refusing any whose item has one in flight.
fn submit(model: &mut Model, actions: Vec<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut send = Vec::new();
    for action in actions {
        if model.environment.read_only {
            effects.push(Effect::Refuse {
                reason: "read-only".to_string(),
                action,
            });
            continue;
        }
        // pg_cancel_backend cancels whatever its session runs now: a query that ended while
        // the dialog was open must not cost the session's next query.
        if let Action::CancelQuery {
            query_id,
            statement: None,
            ..
        } = &action
            && let Some(status) = model
                .query(*query_id)
                .map(|q| q.status.clone())
                .filter(|s| !matches!(s, QueryStatus::Running | QueryStatus::Queued))
        {
            let reason = format!(
                "query {query_id} ended ({}) while the dialog was open: nothing was cancelled",
                status.as_str()
            );
            model.notice = notice(reason.clone(), true);
            effects.push(Effect::Refuse { reason, action });
            continue;
        }
        let key = action.acts_on();
        if model.in_flight.contains_key(&key) {
            model.notice = notice(
                format!("{}: one request is already in flight", action.target()),
                true,
            );
            effects.push(Effect::Refuse {
                reason: "a request for the same item is in flight".to_string(),
                action,
            });
            continue;
        }
        model.in_flight.insert(key, action.clone());
        send.push(action);
    }
    if !send.is_empty() {
        model.notice = notice(
            if send.len() == 1 {
                format!("{}…", send[0].summary())
            } else {
                format!("{} actions sent…", send.len())
            },
            false,
        );
        model.marks.clear();
        effects.insert(0, Effect::Act(send));
    }
    effects
}

/// The dry run of a clear answered: into the open dialog, if it is still the one asking.
pub(in crate::app) fn clear_preview(
    model: &mut Model,
    dag_id: &str,
    run_id: &str,
    scope: &ClearScope,
    result: Result<Vec<ClearedTask>, SourceError>,
) {
    let Mode::Confirm(dialog) = &mut model.mode else {
        return;
    };
    if let Confirmable::Recover { plan, previews } = &mut dialog.action {
        let answer = result.map_err(|e| e.to_string());
        for (step, preview) in plan.steps.iter().zip(previews.iter_mut()) {
            if step.clear() == Some((dag_id, run_id, scope)) {
                *preview = Some(answer.clone());
            }
        }
        describe(dialog);
        return;
    }
    let Confirmable::Clear {
        targets,
        scope: asked,
    } = &mut dialog.action
    else {
        return;
    };
    if asked != scope {
        return;
    }
    if let Some(target) = targets
        .iter_mut()
        .find(|t| t.dag_id == dag_id && t.run_id == run_id)
    {
        target.preview = Some(result.map_err(|e| e.to_string()));
    }
    describe(dialog);
}

/// Task settings answered while a start dialog waits for them.
pub(in crate::app) fn settings_for_dialog(
    model: &mut Model,
    task_id: &str,
    result: &Result<crate::domain::TaskSettings, SourceError>,
) {
    let Mode::Confirm(dialog) = &mut model.mode else {
        return;
    };
    let Confirmable::Start { targets, .. } = &mut dialog.action else {
        return;
    };
    if let Some(target) = targets.iter_mut().find(|t| t.task_id == task_id) {
        target.prep = Some(match result {
            Ok(settings) => Ok(settings.target_table_prep_mode.clone()),
            Err(e) => Err(e.message.clone()),
        });
    }
    describe(dialog);
}
