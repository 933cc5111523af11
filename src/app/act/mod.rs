//! Actions on the platform from the console: the keys that open a retry, trigger or cancel
//! dialog, the dialog's text, the refusals (read-only, one already in flight, a wrong
//! typed name), and what happens after: the outcome as a message, the source refreshed at
//! once, the item followed until it settles.

mod dialog;
mod marks;
mod outcome;
mod plan;
mod statement;

use super::model::{Model, Notice};

pub use dialog::describe;
pub(super) use dialog::{answer, clear_preview, settings_for_dialog};
pub(super) use marks::{clear_marks, mark};
pub use outcome::row_activity;
pub(super) use outcome::{done, settle};
pub use plan::can_cancel_selected;
pub(super) use plan::{cancel_query, retry, trigger};
pub(super) use statement::statement_progress;

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
            "read-only: {what} is off in environment {} ({})",
            model.environment.name,
            model.environment.allow_actions_hint()
        ),
        true,
    );
    true
}
