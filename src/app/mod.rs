//! The pure state machine of the console: model, messages, `update`, effects.
//!
//! Nothing here does I/O, awaits or draws: the runtime feeds messages in and carries the
//! returned effects out, and the UI renders the model.

pub mod act;
pub mod command;
pub mod confirm;
pub mod cost;
pub mod logview;
pub mod model;
pub mod msg;
pub mod overlay;
pub mod recovery;
pub mod resource;
pub mod tab;
pub mod timeline;
pub mod update;
pub mod view;

/// The keymap's vocabulary, which the config reads too: see [`crate::keymap`].
pub use crate::keymap as keys;

pub use confirm::{Confirmable, Confirmation};
pub use keys::{Action, Key, KeyCode, Keymap};
pub use model::{Detail, Environment, Mode, Model, ModelInit, Notice};
pub use msg::{CostAnswers, DetailPayload, DetailRequest, Effect, Msg, Payload};
pub use resource::{Freshness, Resource};
pub use tab::Tab;
pub use update::update;
pub use view::{Listed, Sort, TableView};

#[cfg(test)]
mod tests;
