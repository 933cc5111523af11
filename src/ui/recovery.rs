//! The recovery plan's progress pane on the Overview: one line per step (its state, since
//! when, its request id), the current one kept in view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::block;
use crate::app::Model;
use crate::app::recovery::{PlanState, Recovery, StepState};
use crate::domain::recovery::StepKind;
use crate::domain::{Action, ClearScope, Health};
use crate::text::{age, fit, inert_line};

/// The plan the pane shows: a running one, else the one that ended last.
pub fn shown(model: &Model) -> Option<&Recovery> {
    model
        .recoveries
        .iter()
        .find(|r| r.is_running())
        .or_else(|| model.recoveries.last())
}

/// The rows the pane wants: its steps and its borders.
pub fn height(model: &Model) -> u16 {
    shown(model).map_or(0, |r| r.steps.len() as u16 + 2)
}

/// Draws the pane of the plan [`shown`] in `area`.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let Some(recovery) = shown(model) else {
        return;
    };
    let total = recovery.steps.len();
    let title = match &recovery.state {
        PlanState::Running => format!(
            "recovery · {} · step {}/{total} · {}",
            inert_line(&recovery.pipeline),
            recovery.current + 1,
            running_for(model, recovery)
        ),
        _ => format!(
            "recovery · {}",
            inert_line(&recovery.ending().unwrap_or_default())
        ),
    };
    // Between the corners and the title's spaces; the whole line is under `L`.
    let room = usize::from(area.width.saturating_sub(4));
    let b = block(theme, &crate::text::fit(&title, room));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let width = usize::from(inner.width);
    let rows = usize::from(inner.height);
    // The current step stays in view when the pane is shorter than the plan.
    let first = (recovery.current + 1).saturating_sub(rows);
    let lines: Vec<Line> = recovery
        .steps
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, step)| {
            let (symbol, health) = match step.state {
                StepState::Pending => ("○", Health::Unknown),
                StepState::Sent | StepState::Watching => ("▶", Health::Running),
                StepState::Recovered => ("✔", Health::Ok),
                StepState::Failed => ("✖", Health::Failed),
                StepState::NotRun => ("–", Health::Unknown),
            };
            let since = step
                .since
                .map(|at| format!(" {}", at.format("%H:%M:%S")))
                .unwrap_or_default();
            let request = step
                .request_id
                .as_deref()
                .map(|id| format!(" · req {}", inert_line(id)))
                .unwrap_or_default();
            let state = format!(" {}{since}{request}", step.state.word());
            let what = format!(
                "{}. {}: {}",
                i + 1,
                inert_line(&step.step.stage),
                inert_line(&short(&step.step.kind, &step.step.item))
            );
            // The state and its time are kept whole; the step's words give way.
            let room = width.saturating_sub(2 + crate::text::width(&state));
            Line::from(vec![
                Span::styled(format!("{symbol} "), theme.health(health)),
                Span::styled(fit(&what, room), theme.text),
                Span::styled(fit(&state, width.saturating_sub(2)), theme.muted),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A step in a few words: "start shipping-nightly-full-load", "clear dbt_build".
fn short(kind: &StepKind, item: &str) -> String {
    match kind {
        StepKind::Act(Action::StartTask { task_id, .. }) => format!("start {task_id}"),
        StepKind::Act(Action::ClearRun {
            dag_id,
            scope: ClearScope::Run,
            ..
        }) => format!("run {dag_id} again"),
        StepKind::Act(Action::ClearRun { dag_id, .. }) => format!("clear {dag_id}"),
        StepKind::Act(action) => action.summary(),
        StepKind::Wait(_) => format!("wait for {item}"),
    }
}

fn running_for(model: &Model, recovery: &Recovery) -> String {
    let took = (model.now - recovery.started_at)
        .to_std()
        .unwrap_or_default();
    format!("running {}", age(took))
}
