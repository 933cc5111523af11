//! Actions on the platform from the console: the keys that open a retry, trigger or cancel
//! dialog, the dialog's text, the refusals (read-only, one already in flight, a wrong
//! typed name), and what happens after: the outcome as a message, the source refreshed at
//! once, the item followed until it settles.

use chrono::Duration;

use super::confirm::{Answer, ClearTarget, Confirmable, Confirmation, StartTarget, Typed};
use super::model::{Detail, Follow, Mode, Model, Notice, Rerun};
use super::msg::Effect;
use super::tab::Tab;
use super::view::{Listed, RowKey};
use crate::domain::action::ActionTarget;
use crate::domain::failure::ItemRef;
use crate::domain::follow::{AfterAction, Followed, Seen};
use crate::domain::{
    Action, ActionOutcome, ClearScope, ClearedTask, MAX_RELOAD_TABLES, QueryStatus,
    ReplicationTask, RunState, StartMode, StatementProgress, StatementState, TableName, TaskStatus,
};
use crate::source::{SourceError, SourceKind};

/// How long a retried item is watched for before the console stops waiting for it.
const FOLLOW_MINUTES: i64 = 30;

fn notice(text: String, is_error: bool) -> Option<Notice> {
    Some(Notice { text, is_error })
}

/// In read-only mode no action starts: the refusal is said and recorded.
fn read_only_refusal(model: &mut Model, what: &str) -> bool {
    if !model.environment.read_only {
        return false;
    }
    model.notice = notice(
        format!(
            "read-only: {what} is off in environment {} (--write or read_only = false allows it)",
            model.environment.name
        ),
        true,
    );
    true
}

/// Space: marks or unmarks the selected row and moves down, on the tabs that retry (and
/// the tables in a DMS task's detail, for a reload).
pub(super) fn mark(model: &mut Model) {
    if let Some(Detail::Task { tables, scroll, .. }) = &mut model.detail {
        let Some(rows) = tables.data.as_ref() else {
            return;
        };
        let Some(table) = rows.get((*scroll).min(rows.len().saturating_sub(1))) else {
            return;
        };
        let key = RowKey::table(&table.schema, &table.table);
        if !model.marks.remove(&key) {
            model.marks.insert(key);
        }
        *scroll = (*scroll + 1).min(rows.len().saturating_sub(1));
        return;
    }
    if model.detail.is_some() || !matches!(model.tab, Tab::Dms | Tab::Airflow | Tab::Redshift) {
        return;
    }
    if model.tab == Tab::Redshift {
        // A re-run shows its one query's SQL before it runs: queries go one at a time.
        model.notice = notice(
            "queries are run again one at a time: r on the selected failed query".to_string(),
            true,
        );
        return;
    }
    let Some(key) = selected_key(model) else {
        return;
    };
    if !model.marks.remove(&key) {
        model.marks.insert(key);
    }
    let tab = model.tab;
    model.view_mut(tab).move_by(1);
}

/// `u`: clears every mark (of the list, or of the tables in a task's detail).
pub(super) fn clear_marks(model: &mut Model) {
    let n = std::mem::take(&mut model.marks).len();
    model.notice = notice(
        match n {
            0 => "nothing is marked".to_string(),
            1 => "1 mark cleared".to_string(),
            n => format!("{n} marks cleared"),
        },
        false,
    );
}

fn selected_key(model: &Model) -> Option<RowKey> {
    let view = model.view(model.tab);
    match model.tab {
        Tab::Dms => view.selected_key(model.tasks.data.as_deref()?),
        Tab::Airflow => view.selected_key(model.runs.data.as_deref()?),
        Tab::Redshift => view.selected_key(model.queries.data.as_deref()?),
        _ => None,
    }
}

/// The marked items of a list, or the selected one when nothing is marked.
fn chosen<'a, T: Listed>(model: &Model, items: &'a [T]) -> Vec<&'a T> {
    if model.marks.is_empty() {
        return model
            .view(model.tab)
            .selected_index()
            .and_then(|i| items.get(i))
            .into_iter()
            .collect();
    }
    items
        .iter()
        .filter(|i| model.marks.contains(&i.key()))
        .collect()
}

/// `r`: the retry of what is selected (or marked) on this tab.
pub(super) fn retry(model: &mut Model) -> Vec<Effect> {
    if read_only_refusal(model, "retrying") {
        return Vec::new();
    }
    match (model.tab, &model.detail) {
        (Tab::Dms, None) => retry_tasks(model),
        (Tab::Dms, Some(Detail::Task { id, .. })) => {
            let id = id.clone();
            match model.task(&id).cloned() {
                Some(task) if task.status == TaskStatus::Running => reload_tables(model, task),
                task => open_start(model, task.into_iter().collect()),
            }
        }
        (Tab::Airflow, None) => retry_runs(model),
        (Tab::Airflow, Some(Detail::Run { .. })) => clear_instance(model),
        (Tab::Redshift, _) => rerun_query(model),
        _ => Vec::new(),
    }
}

fn retry_tasks(model: &mut Model) -> Vec<Effect> {
    let Some(tasks) = model.tasks.data.as_deref() else {
        return Vec::new();
    };
    let chosen: Vec<ReplicationTask> = chosen(model, tasks).into_iter().cloned().collect();
    open_start(model, chosen)
}

/// True for a task DMS would start: stopped or failed (not running, not being changed).
fn startable(task: &ReplicationTask) -> bool {
    matches!(
        task.status,
        TaskStatus::Stopped | TaskStatus::Failed | TaskStatus::Ready
    )
}

fn open_start(model: &mut Model, tasks: Vec<ReplicationTask>) -> Vec<Effect> {
    let (startable, busy): (Vec<_>, Vec<_>) = tasks.into_iter().partition(startable);
    let left_out: Vec<String> = busy
        .iter()
        .map(|t| {
            format!(
                "{}: {} (only a stopped or failed task starts again)",
                t.id,
                t.status.as_str()
            )
        })
        .collect();
    if startable.is_empty() {
        let text = match busy.first() {
            Some(task) if busy.len() == 1 => format!(
                "{} is {}: only a stopped or failed task can be started again",
                task.id,
                task.status.as_str()
            ),
            Some(_) => "none of the marked tasks is stopped or failed".to_string(),
            None => "no task selected".to_string(),
        };
        model.notice = notice(text, true);
        return Vec::new();
    }
    // A task that never ran has no stop point: start-replication is its only mode.
    let never_ran = |t: &ReplicationTask| {
        t.status == TaskStatus::Ready
            && t.stats
                .as_ref()
                .is_none_or(|s| s.full_load_started.is_none() && s.stopped_at.is_none())
    };
    let modes = if startable.iter().all(never_ran) {
        vec![StartMode::StartReplication]
    } else if startable.iter().any(never_ran) {
        model.notice = notice(
            "a task that never ran cannot be resumed: retry it on its own".to_string(),
            true,
        );
        return Vec::new();
    } else {
        vec![StartMode::ResumeProcessing, StartMode::ReloadTarget]
    };
    let known_prep = |t: &ReplicationTask| match &model.detail {
        Some(Detail::Task { id, settings, .. }) if *id == t.id => settings
            .data
            .as_ref()
            .map(|s| Ok(s.target_table_prep_mode.clone())),
        _ => None,
    };
    let targets: Vec<StartTarget> = startable
        .iter()
        .map(|t| StartTarget {
            task_id: t.id.clone(),
            arn: t.arn.clone(),
            serverless: t.serverless,
            status: t.status.as_str().to_string(),
            prep: known_prep(t),
        })
        .collect();
    // What reload-target does depends on each task's TargetTablePrepMode: read them now.
    let effects: Vec<Effect> = targets
        .iter()
        .filter(|t| t.prep.is_none())
        .map(|t| Effect::FetchTaskSettings {
            task_id: t.task_id.clone(),
        })
        .collect();
    let title = if targets.len() == 1 {
        format!("start {} again?", targets[0].task_id)
    } else {
        format!("start {} tasks again?", targets.len())
    };
    let mut dialog = Confirmation::new(
        Confirmable::Start {
            targets,
            modes,
            chosen: 0,
        },
        &title,
        Vec::new(),
        "Start",
    );
    if !busy.is_empty() {
        dialog.title = format!("{title} ({} left out: busy)", busy.len());
    }
    dialog.left_out = left_out;
    describe(&mut dialog);
    model.mode = Mode::Confirm(dialog);
    effects
}

/// In a running task's detail: reload the marked tables (or the selected one).
fn reload_tables(model: &mut Model, task: ReplicationTask) -> Vec<Effect> {
    let Some(Detail::Task { tables, scroll, .. }) = &model.detail else {
        return Vec::new();
    };
    let Some(rows) = tables.data.as_ref() else {
        model.notice = notice("the table statistics are still loading".to_string(), true);
        return Vec::new();
    };
    let picked: Vec<TableName> = if model.marks.is_empty() {
        rows.get((*scroll).min(rows.len().saturating_sub(1)))
            .into_iter()
            .map(|t| TableName {
                schema: t.schema.clone(),
                table: t.table.clone(),
            })
            .collect()
    } else {
        rows.iter()
            .filter(|t| model.marks.contains(&RowKey::table(&t.schema, &t.table)))
            .map(|t| TableName {
                schema: t.schema.clone(),
                table: t.table.clone(),
            })
            .collect()
    };
    if picked.is_empty() {
        return Vec::new();
    }
    if picked.len() > MAX_RELOAD_TABLES {
        model.notice = notice(
            format!(
                "{} tables marked: DMS reloads at most {MAX_RELOAD_TABLES} in one call",
                picked.len()
            ),
            true,
        );
        return Vec::new();
    }
    let title = format!("reload {} table(s) of {}?", picked.len(), task.id);
    let mut dialog = Confirmation::new(
        Confirmable::Reload {
            task_id: task.id,
            arn: task.arn,
            serverless: task.serverless,
            tables: picked,
        },
        &title,
        Vec::new(),
        "Reload",
    );
    describe(&mut dialog);
    model.mode = Mode::Confirm(dialog);
    Vec::new()
}

fn retry_runs(model: &mut Model) -> Vec<Effect> {
    let Some(runs) = model.runs.data.as_deref() else {
        return Vec::new();
    };
    let picked: Vec<_> = chosen(model, runs);
    let left_out: Vec<String> = picked
        .iter()
        .filter(|r| r.state != RunState::Failed)
        .map(|r| {
            format!(
                "{} {}: {} (only a failed run is retried)",
                r.dag_id,
                r.run_id,
                r.state.as_str()
            )
        })
        .collect();
    let failed: Vec<ClearTarget> = picked
        .iter()
        .filter(|r| r.state == RunState::Failed)
        .map(|r| ClearTarget {
            dag_id: r.dag_id.clone(),
            run_id: r.run_id.clone(),
            preview: None,
        })
        .collect();
    if failed.is_empty() {
        model.notice = notice(
            match picked.first() {
                Some(run) if picked.len() == 1 => format!(
                    "{} {} is {}: only a failed run is retried (t triggers a new run)",
                    run.dag_id,
                    run.run_id,
                    run.state.as_str()
                ),
                _ => "none of the marked runs failed".to_string(),
            },
            true,
        );
        return Vec::new();
    }
    let effects = open_clear(model, failed, ClearScope::Failed);
    if let Mode::Confirm(dialog) = &mut model.mode
        && !left_out.is_empty()
    {
        dialog.title = format!("{} ({} left out: not failed)", dialog.title, left_out.len());
        dialog.left_out = left_out;
        describe(dialog);
    }
    effects
}

fn clear_instance(model: &mut Model) -> Vec<Effect> {
    let Some(Detail::Run {
        dag_id,
        run_id,
        instances,
        scroll,
        ..
    }) = &model.detail
    else {
        return Vec::new();
    };
    let Some(rows) = instances.data.as_ref() else {
        model.notice = notice("the task instances are still loading".to_string(), true);
        return Vec::new();
    };
    let Some(instance) = rows.get((*scroll).min(rows.len().saturating_sub(1))) else {
        return Vec::new();
    };
    let target = ClearTarget {
        dag_id: dag_id.clone(),
        run_id: run_id.clone(),
        preview: None,
    };
    let scope = ClearScope::Task {
        task_id: instance.task_id.clone(),
        downstream: false,
    };
    open_clear(model, vec![target], scope)
}

fn open_clear(model: &mut Model, targets: Vec<ClearTarget>, scope: ClearScope) -> Vec<Effect> {
    let effects = preview_effects(&targets, &scope);
    let title = match (&scope, targets.len()) {
        (ClearScope::Failed, 1) => format!("retry {} {}?", targets[0].dag_id, targets[0].run_id),
        (ClearScope::Failed, n) => format!("retry {n} DAG runs?"),
        (ClearScope::Task { task_id, .. }, _) => format!("clear {task_id}?"),
    };
    let mut dialog = Confirmation::new(
        Confirmable::Clear { targets, scope },
        &title,
        Vec::new(),
        "Clear",
    );
    describe(&mut dialog);
    model.mode = Mode::Confirm(dialog);
    effects
}

fn preview_effects(targets: &[ClearTarget], scope: &ClearScope) -> Vec<Effect> {
    targets
        .iter()
        .filter(|t| t.preview.is_none())
        .map(|t| Effect::PreviewClear {
            dag_id: t.dag_id.clone(),
            run_id: t.run_id.clone(),
            scope: scope.clone(),
        })
        .collect()
}

/// `t`: a new run of the selected run's DAG.
pub(super) fn trigger(model: &mut Model) -> Vec<Effect> {
    if model.tab != Tab::Airflow || read_only_refusal(model, "triggering") {
        return Vec::new();
    }
    let dag_id = match &model.detail {
        Some(Detail::Run { dag_id, .. }) => Some(dag_id.clone()),
        _ => model.runs.data.as_deref().and_then(|runs| {
            let i = model.view(Tab::Airflow).selected_index()?;
            runs.get(i).map(|r| r.dag_id.clone())
        }),
    };
    let Some(dag_id) = dag_id else {
        return Vec::new();
    };
    let mut dialog = Confirmation::new(
        Confirmable::Trigger {
            dag_id: dag_id.clone(),
        },
        &format!("trigger a new run of {dag_id}?"),
        Vec::new(),
        "Trigger",
    );
    describe(&mut dialog);
    model.mode = Mode::Confirm(dialog);
    Vec::new()
}

fn rerun_query(model: &mut Model) -> Vec<Effect> {
    let Some(query) = selected_query(model) else {
        return Vec::new();
    };
    if query.status != QueryStatus::Failed {
        model.notice = notice(
            format!(
                "query {} is {}: only a failed query is run again",
                query.query_id,
                query.status.as_str()
            ),
            true,
        );
        return Vec::new();
    }
    if query.text_truncated {
        model.notice = notice(
            format!(
                "query {}: the warehouse kept only the start of its SQL; a truncated text is \
                 never run again (re-run it from its source, e.g. the dbt model)",
                query.query_id
            ),
            true,
        );
        return Vec::new();
    }
    let mut dialog = Confirmation::new(
        Confirmable::Rerun {
            query_id: query.query_id,
            database: query.database.clone(),
            sql: query.text.to_string(),
        },
        &format!("run the SQL of query {} again?", query.query_id),
        Vec::new(),
        "Run",
    );
    describe(&mut dialog);
    model.mode = Mode::Confirm(dialog);
    Vec::new()
}

fn selected_query(model: &Model) -> Option<&crate::domain::QueryRecord> {
    let queries = model.queries.data.as_deref()?;
    match &model.detail {
        Some(Detail::Query { id, .. }) => queries.iter().find(|q| q.query_id == *id),
        _ => queries.get(model.view(Tab::Redshift).selected_index()?),
    }
}

/// True when `x` has something to cancel on the selected query: it runs or waits, or a
/// re-run of it the console submitted does.
pub fn can_cancel_selected(model: &Model) -> bool {
    model.tab == Tab::Redshift
        && selected_query(model).is_some_and(|q| {
            matches!(q.status, QueryStatus::Running | QueryStatus::Queued)
                || model.reruns.iter().any(|r| r.concerns(q.query_id))
        })
}

/// `x`: cancel the selected running query. A query that is a re-run the console
/// submitted, or a failed query whose re-run still runs, is cancelled through its
/// statement (CancelStatement); any other through its process (pg_cancel_backend).
pub(super) fn cancel_query(model: &mut Model) -> Vec<Effect> {
    if model.tab != Tab::Redshift || read_only_refusal(model, "cancelling") {
        return Vec::new();
    }
    let Some(query) = selected_query(model) else {
        return Vec::new();
    };
    let own = model
        .reruns
        .iter()
        .find(|r| r.concerns(query.query_id))
        .cloned();
    let confirmable = if let Some(rerun) = own {
        Confirmable::Cancel {
            query_id: rerun.query_id().unwrap_or(query.query_id),
            pid: None,
            label: format!("the console's re-run of query {}", rerun.of_query),
            statement: Some(rerun.statement),
        }
    } else {
        if !matches!(query.status, QueryStatus::Running | QueryStatus::Queued) {
            model.notice = notice(
                format!(
                    "query {} is {}: only a running or queued query can be cancelled",
                    query.query_id,
                    query.status.as_str()
                ),
                true,
            );
            return Vec::new();
        }
        Confirmable::Cancel {
            query_id: query.query_id,
            pid: query.pid,
            label: if query.label.is_empty() {
                query.user.clone()
            } else {
                query.label.clone()
            },
            statement: None,
        }
    };
    let title = match &confirmable {
        Confirmable::Cancel {
            statement: Some(statement),
            ..
        } => format!("cancel statement {statement}?"),
        _ => format!("cancel query {}?", query.query_id),
    };
    let mut dialog = Confirmation::new(confirmable, &title, Vec::new(), "Cancel query");
    describe(&mut dialog);
    model.mode = Mode::Confirm(dialog);
    Vec::new()
}

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
                lines.push("DESTRUCTIVE: every table is reloaded from the source.".to_string());
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
            match scope {
                ClearScope::Failed => lines.push(
                    "The same run runs again the task instances that failed and those that \
                     did not run because of them (same logical date and conf)."
                        .to_string(),
                ),
                ClearScope::Task { downstream, .. } => lines.push(format!(
                    "The same run runs this task again{} (d: {} downstream tasks).",
                    if *downstream {
                        ", and every task downstream of it"
                    } else {
                        ", alone"
                    },
                    if *downstream { "without" } else { "with" }
                )),
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
pub(super) fn answer(model: &mut Model, mut dialog: Confirmation, answer: Answer) -> Vec<Effect> {
    match answer {
        Answer::Open => {
            model.mode = Mode::Confirm(dialog);
            Vec::new()
        }
        Answer::Changed => {
            describe(&mut dialog);
            let effects = match &dialog.action {
                Confirmable::Clear { targets, scope } => preview_effects(targets, scope),
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
        Answer::Confirmed(Effect::Act(actions)) => {
            model.mode = Mode::Normal;
            submit(model, actions)
        }
        Answer::Confirmed(Effect::RefetchCost) => {
            model.mode = Mode::Normal;
            // The cost review on screen is asked again past the cache too.
            let mut effects = vec![Effect::RefetchCost];
            effects.extend(super::cost::ask_again(model));
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
pub(super) fn clear_preview(
    model: &mut Model,
    dag_id: &str,
    run_id: &str,
    scope: &ClearScope,
    result: Result<Vec<ClearedTask>, SourceError>,
) {
    let Mode::Confirm(dialog) = &mut model.mode else {
        return;
    };
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
pub(super) fn settings_for_dialog(
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

/// An action's answer: the message, the refresh, the follow.
pub(super) fn done(
    model: &mut Model,
    action: Action,
    result: Result<ActionOutcome, SourceError>,
    recorded: Option<String>,
) -> Vec<Effect> {
    model.in_flight.remove(&action.acts_on());
    let kind = match &action {
        Action::StartTask { .. } | Action::ReloadTables { .. } => SourceKind::Replication,
        Action::ClearRun { .. } | Action::TriggerDag { .. } => SourceKind::Workflow,
        Action::RerunQuery { .. } | Action::CancelQuery { .. } => SourceKind::Warehouse,
    };
    let mut effects = vec![Effect::Refresh(kind)];
    match result {
        Ok(outcome) => {
            let id = outcome
                .request_id
                .as_deref()
                .map(|id| format!(" · request id {id}"))
                .unwrap_or_default();
            model.notice = notice(
                format!("✔ {}: {}{id}", action.summary(), outcome.message),
                false,
            );
            // A reload keeps its task running (its tables' progress is in the task's
            // detail, read again below) and a cancel ends at once: neither is followed.
            if let Some(next) = AfterAction::of(&action, &outcome, model.platform_now) {
                let item = match next.item {
                    Followed::Statement { id, of_query } => {
                        model.reruns.retain(|r| r.statement != id);
                        model.reruns.push(Rerun {
                            of_query,
                            statement: id.clone(),
                            progress: None,
                            recorded: recorded.clone(),
                        });
                        effects.push(Effect::WatchStatement(id));
                        None
                    }
                    Followed::Task(id) => Some(ItemRef::Replication { id }),
                    Followed::Run { dag_id, run_id } => {
                        Some(ItemRef::WorkflowRun { dag_id, run_id })
                    }
                };
                if let Some(item) = item {
                    model.following.retain(|f| f.item != item);
                    model.following.push(Follow {
                        name: next.name,
                        watch: next.watch,
                        item,
                        until: model.now + Duration::minutes(FOLLOW_MINUTES),
                        recorded,
                    });
                }
            }
        }
        Err(error) => {
            model.notice = notice(format!("✖ {}: {error}", action.summary()), true);
        }
    }
    if let (Action::ReloadTables { task_id, .. }, Some(Detail::Task { id, .. })) =
        (&action, &model.detail)
        && task_id == id
    {
        effects.push(Effect::FetchTableStatistics {
            task_id: task_id.clone(),
        });
    }
    if let (Action::ClearRun { .. }, Some(Detail::Run { dag_id, run_id, .. })) =
        (&action, &model.detail)
    {
        effects.push(Effect::FetchTaskInstances {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
        });
    }
    effects
}

/// After new data: a followed item that settled says how it ended, and the audit log
/// records it beside the action.
pub(super) fn settle(model: &mut Model) -> Vec<Effect> {
    if model.following.is_empty() {
        return Vec::new();
    }
    let now = model.now;
    let mut said = Vec::new();
    let mut kept = Vec::new();
    let mut effects = Vec::new();
    let mut record = |follow: &Follow, ok: Option<bool>, message: &str| {
        if let Some(recorded) = &follow.recorded {
            effects.push(Effect::RecordSettled {
                recorded: recorded.clone(),
                ok,
                message: message.to_string(),
            });
        }
    };
    for mut follow in std::mem::take(&mut model.following) {
        let seen = match &follow.item {
            ItemRef::Replication { id } => model.task(id).map(Seen::of_task),
            ItemRef::WorkflowRun { dag_id, run_id } => model.run(dag_id, run_id).map(Seen::of_run),
            ItemRef::Query { id } => model.query(*id).map(Seen::of_query),
        };
        let seen = seen.unwrap_or(Seen::Missing);
        match follow.watch.observe(seen, now) {
            Some(ok) => {
                let message = format!("{} {}", follow.name, follow.watch.ending(seen, ok));
                record(&follow, Some(ok), &message);
                let mark = if ok { "✔" } else { "✖" };
                said.push((format!("{mark} {message}"), !ok));
            }
            None if now > follow.until => {
                let message = format!("{}: stopped watching (no change)", follow.name);
                record(&follow, None, &message);
                said.push((message, false));
            }
            None => kept.push(follow),
        }
    }
    model.following = kept;
    if let Some((text, is_error)) = said.pop() {
        model.notice = notice(text, is_error);
    }
    effects
}

/// A look at a followed re-run's statement: its end is said, and the warehouse read again
/// so its row shows how it ended.
pub(super) fn statement_progress(
    model: &mut Model,
    statement: &str,
    result: Result<StatementProgress, SourceError>,
) -> Vec<Effect> {
    let Some(at) = model.reruns.iter().position(|r| r.statement == statement) else {
        // Not followed (any more): another environment's, or already ended.
        return Vec::new();
    };
    let progress = match result {
        Ok(progress) if !progress.state.has_ended() => {
            model.reruns[at].progress = Some(progress);
            return Vec::new();
        }
        Ok(progress) => progress,
        Err(error) => {
            let rerun = model.reruns.remove(at);
            let message = format!(
                "re-run of query {}: statement {statement} cannot be followed: {error}",
                rerun.of_query
            );
            model.notice = notice(message.clone(), true);
            return settled_record(&rerun, None, message).into_iter().collect();
        }
    };
    let rerun = model.reruns.remove(at);
    let became = progress
        .query_id
        .or(rerun.query_id())
        .map(|q| format!(" as query {q}"))
        .unwrap_or_default();
    let of = rerun.of_query;
    let (ok, message) = match progress.state {
        StatementState::Finished => (Some(true), format!("re-run of query {of} finished{became}")),
        StatementState::Failed => (
            Some(false),
            format!(
                "re-run of query {of} failed again{became}: {}",
                progress.error.as_deref().unwrap_or("no reason given")
            ),
        ),
        _ => (None, format!("re-run of query {of} was aborted{became}")),
    };
    model.notice = match ok {
        Some(true) => notice(format!("✔ {message}"), false),
        Some(false) => notice(format!("✖ {message}"), true),
        None => notice(message.clone(), true),
    };
    let mut effects = vec![Effect::Refresh(SourceKind::Warehouse)];
    effects.extend(settled_record(&rerun, ok, message));
    effects
}

/// The audit record of how a re-run ended, when the re-run was recorded.
fn settled_record(rerun: &Rerun, ok: Option<bool>, message: String) -> Option<Effect> {
    rerun
        .recorded
        .clone()
        .map(|recorded| Effect::RecordSettled {
            recorded,
            ok,
            message,
        })
}

/// The word a row shows for an item with an action in flight or being followed.
pub fn row_activity(model: &Model, item: &ItemRef) -> Option<&'static str> {
    if model
        .in_flight
        .contains_key(&ActionTarget::Item(item.clone()))
    {
        return Some("retrying…");
    }
    let rerun = match item {
        ItemRef::Query { id } => model.reruns.iter().any(|r| r.concerns(*id)),
        _ => false,
    };
    (rerun || model.following.iter().any(|f| &f.item == item)).then_some("watching…")
}
