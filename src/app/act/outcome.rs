//! What happens after an action: its outcome as a message, the source refreshed at once,
//! the item followed until it settles, and the word its row shows meanwhile.

use chrono::Duration;

use super::{FOLLOW_MINUTES, notice};
use crate::app::model::{Detail, Follow, Model, Rerun};
use crate::app::msg::{DetailRequest, Effect};
use crate::domain::action::ActionTarget;
use crate::domain::failure::ItemRef;
use crate::domain::follow::{AfterAction, Followed, Seen};
use crate::domain::{Action, ActionOutcome};
use crate::source::{SourceError, SourceKind};

/// An action's answer: the message, the refresh, the follow.
pub(in crate::app) fn done(
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
                    listed => Some(listed.item()),
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
        effects.push(Effect::FetchDetail(DetailRequest::TableStatistics {
            task_id: task_id.clone(),
        }));
    }
    if let (Action::ClearRun { .. }, Some(Detail::Run { dag_id, run_id, .. })) =
        (&action, &model.detail)
    {
        effects.push(Effect::FetchDetail(DetailRequest::TaskInstances {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
        }));
    }
    effects
}

/// After new data: a followed item that settled says how it ended, and the audit log
/// records it beside the action.
pub(in crate::app) fn settle(model: &mut Model) -> Vec<Effect> {
    if model.following.is_empty() {
        return Vec::new();
    }
    let now = model.now;
    let mut said = Vec::new();
    let mut kept = Vec::new();
    let mut effects = Vec::new();
    let mut ended: Vec<(ItemRef, Option<bool>, String)> = Vec::new();
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
                ended.push((follow.item.clone(), Some(ok), message.clone()));
                let mark = if ok { "✔" } else { "✖" };
                said.push((format!("{mark} {message}"), !ok));
            }
            None if now > follow.until => {
                let message = format!("{}: stopped watching (no change)", follow.name);
                record(&follow, None, &message);
                ended.push((follow.item.clone(), None, message.clone()));
                said.push((message, false));
            }
            None => kept.push(follow),
        }
    }
    model.following = kept;
    if let Some((text, is_error)) = said.pop() {
        model.notice = notice(text, is_error);
    }
    // A recovery plan whose step settled goes on (or stops), and says so.
    for (item, ok, message) in ended {
        effects.extend(crate::app::recovery::settled(model, &item, ok, &message));
    }
    effects
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
