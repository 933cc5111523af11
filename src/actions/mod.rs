//! Platform actions: the actor that carries them out (for the console and `opsdeck
//! retry` alike) and the audit log that records each one.

pub mod actor;
pub mod audit;

pub use actor::Actor;
