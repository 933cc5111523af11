//! Confirm, then act: an action that costs money or changes the platform first opens a
//! dialog that says what it will do; only a yes turns it into an effect. The dialog's
//! focus starts on Cancel, so a stray Enter does nothing.

use super::keys::{Key, KeyCode};
use super::msg::Effect;

/// An action that waits for the operator's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmable {
    /// Ask Cost Explorer again now, past the cache (billed).
    RefetchCost,
}

impl Confirmable {
    /// The effect of a confirmed action.
    fn effect(&self) -> Effect {
        match self {
            Confirmable::RefetchCost => Effect::RefetchCost,
        }
    }
}

/// An open dialog: what it asks, what saying yes does, and which button has the focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub action: Confirmable,
    pub title: String,
    /// What will happen, one line each.
    pub lines: Vec<String>,
    /// The label of the yes button ("Refetch").
    pub confirm_label: String,
    /// True when the yes button has the focus; Cancel has it at first.
    pub on_confirm: bool,
}

/// What a key does to an open dialog.
pub enum Answer {
    /// The dialog stays open (perhaps with the focus moved).
    Open,
    /// Closed without acting.
    Cancelled,
    /// Closed with a yes: carry out this effect.
    Confirmed(Effect),
}

impl Confirmation {
    /// A dialog for `action` with its focus on Cancel.
    pub fn new(action: Confirmable, title: &str, lines: Vec<String>, confirm_label: &str) -> Self {
        Confirmation {
            action,
            title: title.to_string(),
            lines,
            confirm_label: confirm_label.to_string(),
            on_confirm: false,
        }
    }

    /// `y` confirms, `n` and Esc cancel, Enter presses the focused button, Tab and the
    /// arrows move the focus.
    pub fn answer(&mut self, key: Key) -> Answer {
        match key.code {
            KeyCode::Char('y' | 'Y') => Answer::Confirmed(self.action.effect()),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Answer::Cancelled,
            KeyCode::Enter if self.on_confirm => Answer::Confirmed(self.action.effect()),
            KeyCode::Enter => Answer::Cancelled,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                self.on_confirm = !self.on_confirm;
                Answer::Open
            }
            KeyCode::Char('h') => {
                self.on_confirm = false;
                Answer::Open
            }
            KeyCode::Char('l') => {
                self.on_confirm = true;
                Answer::Open
            }
            _ => Answer::Open,
        }
    }
}
