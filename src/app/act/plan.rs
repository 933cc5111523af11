//! The keys that plan an action: what is selected or marked becomes a retry, trigger,
//! re-run or cancel dialog, or a refusal that says why not.

use super::dialog::describe;
use super::marks::chosen;
use super::{notice, read_only_refusal};
use crate::app::confirm::{ClearTarget, Confirmable, Confirmation, StartTarget};
use crate::app::model::{Detail, Mode, Model};
use crate::app::msg::{DetailRequest, Effect};
use crate::app::tab::Tab;
use crate::app::view::RowKey;
use crate::domain::retry;
use crate::domain::{
    ClearScope, MAX_RELOAD_TABLES, QueryStatus, ReplicationTask, TableName, TaskStatus,
};

/// `r`: the retry of what is selected (or marked) on this tab.
pub(in crate::app) fn retry(model: &mut Model) -> Vec<Effect> {
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

fn open_start(model: &mut Model, tasks: Vec<ReplicationTask>) -> Vec<Effect> {
    let (startable, busy): (Vec<_>, Vec<_>) = tasks.into_iter().partition(retry::startable);
    let left_out: Vec<String> = busy.iter().map(retry::not_startable).collect();
    if startable.is_empty() {
        let text = match busy.first() {
            Some(task) if busy.len() == 1 => {
                retry::check_start(task, retry::default_start_mode(task))
                    .err()
                    .unwrap_or_default()
            }
            Some(_) => "none of the marked tasks is stopped or failed".to_string(),
            None => "no task selected".to_string(),
        };
        model.notice = notice(text, true);
        return Vec::new();
    }
    let modes = match retry::start_modes(&startable.iter().collect::<Vec<_>>()) {
        Ok(modes) => modes,
        Err(reason) => {
            model.notice = notice(reason, true);
            return Vec::new();
        }
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
        .map(|t| {
            Effect::FetchDetail(DetailRequest::TaskSettings {
                task_id: t.task_id.clone(),
            })
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
        .filter(|r| retry::check_clear(r).is_err())
        .map(|r| retry::not_clearable(r))
        .collect();
    let failed: Vec<ClearTarget> = picked
        .iter()
        .filter(|r| retry::check_clear(r).is_ok())
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
                    "{} (t triggers a new run)",
                    retry::check_clear(run).err().unwrap_or_default()
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
        (ClearScope::Run, 1) => format!("run {} {} again?", targets[0].dag_id, targets[0].run_id),
        (ClearScope::Run, n) => format!("run {n} DAG runs again?"),
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

pub(super) fn preview_effects(targets: &[ClearTarget], scope: &ClearScope) -> Vec<Effect> {
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
pub(in crate::app) fn trigger(model: &mut Model) -> Vec<Effect> {
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
    if let Err(reason) = retry::check_rerun(query) {
        model.notice = notice(reason, true);
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
pub(in crate::app) fn cancel_query(model: &mut Model) -> Vec<Effect> {
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
        if let Err(reason) = retry::check_cancel(query) {
            model.notice = notice(reason, true);
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
