//! The pure state machine of the console: model, messages, `update`, effects.

pub mod keys;
