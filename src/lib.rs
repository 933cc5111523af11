//! opsdeck: a terminal operations console for a cloud data platform on AWS — DMS
//! replication, Airflow DAG runs, Redshift query health and Cost Explorer spend in one
//! keyboard-driven screen.
//!
//! Layers (see docs/architecture.md): `domain` (types and health rules) ← `source` (the
//! traits) ← `aws`, `airflow` and `demo` (the adapters); `app` (the pure state machine) ←
//! `ui` (pure rendering); `poll` (the pollers) and `actions` (the actor and the audit log)
//! do the I/O; `console` runs the loop that wires them together; `cli` reads the command
//! line and starts a one-shot command or the console; `text` is shared by every output.

pub mod actions;
pub mod airflow;
pub mod app;
pub mod aws;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod domain;
pub mod keymap;
pub mod poll;
pub mod source;
pub mod text;
pub mod ui;
