//! `update`: the only place the model changes.

mod input;
mod navigate;

pub(super) use input::go_to;
use input::*;
pub use navigate::columns_of;
use navigate::*;

use crate::app::command::{self, Command};
use crate::app::confirm::{Confirmable, Confirmation};
use crate::app::keys::{Action, Key, KeyCode};
use crate::app::model::{Detail, Mode, Model, Notice, TaskLog};
use crate::app::msg::{DetailPayload, DetailRequest, Effect, Msg, Payload};
use crate::app::resource::Resource;
use crate::app::tab::Tab;
use crate::domain::TaskState;
use crate::domain::failure::ItemRef;
use crate::source::SourceKind;

/// Applies one message to the model and returns the work the runtime must do.
///
/// Every message the footer is given is also kept, with its time, for the message log
/// (`L`, `:messages`): a footer line is cut at the terminal's width, the log is not.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let before = model.notice.clone();
    let effects = apply(model, msg);
    if model.notice != before
        && let Some(notice) = &model.notice
    {
        if model.messages.len() == crate::app::overlay::MESSAGES_KEPT {
            model.messages.pop_front();
        }
        model
            .messages
            .push_back(crate::app::overlay::LoggedMessage {
                at: model.platform_now,
                text: notice.text.clone(),
                is_error: notice.is_error,
            });
    }
    effects
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Resize { width, height } => {
            model.size = (width, height);
            Vec::new()
        }
        Msg::Tick { now, platform_now } => {
            model.now = now;
            model.platform_now = platform_now;
            crate::app::recovery::tick(model)
        }
        Msg::FetchStarted(kind) => {
            set_loading(model, kind);
            Vec::new()
        }
        Msg::Fetched {
            kind,
            fetched_at,
            result,
        } => on_fetched(model, kind, fetched_at, result),
        Msg::DetailFetched(payload) => {
            on_detail(model, payload);
            log_fetch(model).into_iter().collect()
        }
        Msg::ThemeRead { name, read } => match read {
            Ok(files) => vec![Effect::ApplyTheme { name, files }],
            Err(error) => {
                model.notice = Some(error_notice(error));
                Vec::new()
            }
        },
        Msg::ThemeLoaded(Ok(name)) => {
            model.notice = Some(info(format!("theme {name}")));
            model.theme_name = name;
            Vec::new()
        }
        Msg::ThemeLoaded(Err(error)) => {
            model.notice = Some(error_notice(error));
            Vec::new()
        }
        Msg::EnvironmentSwitched(Ok(environment)) => {
            model.notice = Some(info(format!(
                "environment {}{}",
                environment.name,
                if environment.read_only {
                    " (read-only)"
                } else {
                    ""
                }
            )));
            model.switch_environment(environment);
            // The Cost tab asks the new environment its question at once.
            if model.tab == Tab::Cost {
                return crate::app::cost::ask(model);
            }
            Vec::new()
        }
        Msg::EnvironmentSwitched(Err(error)) => {
            model.notice = Some(error_notice(error));
            Vec::new()
        }
        Msg::ClearPreview {
            dag_id,
            run_id,
            scope,
            result,
        } => {
            crate::app::act::clear_preview(model, &dag_id, &run_id, &scope, result);
            Vec::new()
        }
        Msg::ActionDone {
            action,
            result,
            recorded,
        } => {
            // A recovery plan's step hears of its action after the follow is set up.
            let step = action.clone();
            let answer = result.clone();
            let mut effects = crate::app::act::done(model, action, result, recorded);
            effects.extend(crate::app::recovery::acted(model, &step, &answer));
            effects
        }
        Msg::PlanRecorded { pipeline, recorded } => {
            crate::app::recovery::recorded(model, &pipeline, recorded)
        }
        Msg::StatementProgress { statement, result } => {
            crate::app::act::statement_progress(model, &statement, result)
        }
        Msg::CostReviewed(answers) => {
            crate::app::cost::reviewed(model, *answers);
            Vec::new()
        }
        Msg::Exported(Ok(path)) => {
            model.notice = Some(info(format!("exported to {path}")));
            Vec::new()
        }
        Msg::Exported(Err(error)) => {
            model.notice = Some(error_notice(format!("export failed: {error}")));
            Vec::new()
        }
        Msg::Quit => quit(model),
    }
}

fn info(text: String) -> Notice {
    Notice {
        text,
        is_error: false,
    }
}

fn error_notice(text: String) -> Notice {
    Notice {
        text,
        is_error: true,
    }
}

fn quit(model: &mut Model) -> Vec<Effect> {
    model.quit = true;
    vec![Effect::Quit]
}

fn set_loading(model: &mut Model, kind: SourceKind) {
    match kind {
        SourceKind::Replication => model.tasks.loading = true,
        SourceKind::Workflow => model.runs.loading = true,
        SourceKind::Warehouse => model.queries.loading = true,
        SourceKind::Cost => model.spend.loading = true,
    }
}

fn on_fetched(
    model: &mut Model,
    kind: SourceKind,
    fetched_at: chrono::DateTime<chrono::Utc>,
    result: Result<Payload, crate::source::SourceError>,
) -> Vec<Effect> {
    fn apply<T>(
        resource: &mut Resource<T>,
        at: chrono::DateTime<chrono::Utc>,
        result: Result<Payload, crate::source::SourceError>,
        take: impl FnOnce(Payload) -> Option<T>,
    ) {
        match result {
            Ok(payload) => match take(payload) {
                Some(data) => resource.apply(at, Ok(data)),
                // A payload of the wrong kind is a wiring bug; keep the old data.
                None => resource.loading = false,
            },
            Err(error) => resource.apply(at, Err(error)),
        }
    }
    let keys = model.selection_keys();
    // A failed fetch keeps the data: nothing derived from it changes.
    let new_data = result.is_ok();
    match kind {
        SourceKind::Replication => apply(&mut model.tasks, fetched_at, result, |p| match p {
            Payload::Tasks(t) => Some(t),
            _ => None,
        }),
        SourceKind::Workflow => apply(&mut model.runs, fetched_at, result, |p| match p {
            Payload::Runs(r) => Some(r),
            _ => None,
        }),
        SourceKind::Warehouse => apply(&mut model.queries, fetched_at, result, |p| match p {
            Payload::Queries(q) => Some(q),
            _ => None,
        }),
        SourceKind::Cost => apply(&mut model.spend, fetched_at, result, |p| match p {
            Payload::Spend(s) => Some(s),
            _ => None,
        }),
    }
    if new_data {
        model.rederive_source(kind, keys);
    }
    let mut effects = crate::app::act::settle(model);
    if new_data && kind == SourceKind::Workflow {
        effects.extend(crate::app::timeline::runs_arrived(model));
    }
    effects
}

/// A run's task instances with the failed ones first (then the upstream-failed, then the
/// rest, each in Airflow's order): the detail opens on the failure.
fn failed_first(
    mut instances: Vec<crate::domain::TaskInstance>,
) -> Vec<crate::domain::TaskInstance> {
    use crate::domain::TaskState;
    instances.sort_by_key(|t| match t.state {
        TaskState::Failed | TaskState::UpForRetry => 0,
        TaskState::UpstreamFailed => 1,
        _ => 2,
    });
    instances
}

fn on_detail(model: &mut Model, payload: DetailPayload) {
    let now = model.now;
    if let DetailPayload::TaskInstances {
        dag_id,
        run_id,
        result,
    } = &payload
    {
        crate::app::timeline::instances_arrived(model, dag_id, run_id, result);
    }
    if let DetailPayload::TaskSettings { task_id, result } = &payload {
        crate::app::act::settings_for_dialog(model, task_id, result);
    }
    match (payload, model.detail.as_mut()) {
        (
            DetailPayload::TableStatistics { task_id, result },
            Some(Detail::Task { id, tables, .. }),
        ) if *id == task_id => tables.apply(now, result),
        (
            DetailPayload::TaskSettings { task_id, result },
            Some(Detail::Task { id, settings, .. }),
        ) if *id == task_id => settings.apply(now, result),
        (
            DetailPayload::TaskInstances {
                dag_id,
                run_id,
                result,
            },
            Some(Detail::Run {
                dag_id: d,
                run_id: r,
                instances,
                ..
            }),
        ) if *d == dag_id && *r == run_id => {
            instances.apply(now, result.map(failed_first));
        }
        (
            DetailPayload::TaskLog {
                dag_id,
                run_id,
                task_id,
                try_number,
                result,
            },
            Some(Detail::Run {
                dag_id: d,
                run_id: r,
                log: Some(log),
                ..
            }),
        ) if *d == dag_id
            && *r == run_id
            && log.task_id == task_id
            && log.try_number == try_number =>
        {
            log.text.apply(now, result)
        }
        // The operator has moved on: a late answer for another item is dropped.
        _ => {}
    }
}
