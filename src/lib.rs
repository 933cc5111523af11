//! opsdeck: a terminal operations console for a cloud data platform on AWS — DMS
//! replication, Airflow DAG runs, Redshift query health and Cost Explorer spend in one
//! keyboard-driven screen.
//!
//! Layers (see docs/architecture.md): `domain` (types and health rules) ← `source` (the
//! traits) ← `demo` (and the AWS adapters); `app` (the pure state machine) ← `ui` (pure
//! rendering); `poll` and `runtime` wire them together; `cli` starts it all.

pub mod actor;
pub mod airflow;
pub mod app;
pub mod audit;
pub mod aws;
pub mod cli;
pub mod config;
pub mod cost_report;
pub mod demo;
pub mod domain;
pub mod keymap;
pub mod logging;
pub mod poll;
pub mod retry;
pub mod runtime;
pub mod source;
pub mod status;
pub mod term;
pub mod text;
pub mod ui;
