//! A re-run's statement followed until it ends, and how it ended written to the audit log.

use super::notice;
use crate::app::model::{Model, Rerun};
use crate::app::msg::Effect;
use crate::domain::{StatementProgress, StatementState};
use crate::source::{SourceError, SourceKind};

/// A look at a followed re-run's statement: its end is said, and the warehouse read again
/// so its row shows how it ended.
pub(in crate::app) fn statement_progress(
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
