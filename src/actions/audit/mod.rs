//! The audit log: every action that changes the platform, written before the call, again
//! with its outcome, or once when it is refused.
//!
//! The log is `audit.jsonl` in the state dir (`$XDG_STATE_HOME/opsdeck`), one JSON object
//! per line, readable by the owner only (0600). A record is written with one `write` on a
//! file opened for appending and then synced to disk, so it survives the process dying
//! right after, and two writers never interleave within a line. Every record has `time`
//! (RFC 3339, UTC), `id` (shared by a request and its outcome) and `phase`:
//!
//! - `request`, before the call: `what`, `target`, `environment`, `caller` (an ARN, or
//!   `unknown: <why>`), `interface` (`tui` or `cli`) and `parameters` (the action);
//! - `outcome`, after it: `ok`, `request_id` (the service's), `message` (what happened, or
//!   the error) and `duration_ms`;
//! - `refused`, instead of a call: the fields of a request and the `reason`;
//! - `settled`, when an action that was followed to its end got there (or was given up
//!   on): `settled` (`recovered`, `failed_again` or `not_settled`) and `message` (how it
//!   ended, as the console or `opsdeck retry --wait` said it).
//!
//! No credential is written: actions carry none, nothing from the environment is added,
//! and secrets a re-run query's SQL may spell out (`CREDENTIALS '…'`, `PASSWORD '…'`,
//! access key ids) are masked as `***`.

mod log;
mod redact;
mod render;
mod trail;

pub use log::AuditLog;
pub use render::{TABLE_WIDTH, render_json, render_table};
pub use trail::{
    AuditReadError, AuditTrail, AuditedAction, Ending, audited_actions, parse_age, parse_since,
    parse_since_at, read,
};

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Action;
use redact::redact_value;

/// The name of the log in the state dir.
pub const FILE_NAME: &str = "audit.jsonl";

/// What a request with no outcome record says: the process ended during the call.
pub const NO_OUTCOME: &str = "no outcome recorded (the process ended during the call)";

/// Where an action was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interface {
    Tui,
    Cli,
}

impl Interface {
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Tui => "tui",
            Interface::Cli => "cli",
        }
    }
}

/// Who asked for actions, where, and through what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// The environment's name in the config.
    pub environment: String,
    /// The caller's ARN, or [`unknown_caller`]'s text.
    pub caller: String,
    pub interface: Interface,
}

/// The caller of a context whose identity could not be had: `unknown: <why>`.
pub fn unknown_caller(why: impl fmt::Display) -> String {
    format!("unknown: {why}")
}

/// The id a request and its outcome share: time, process and a counter, unique per host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuditId(pub String);

impl AuditId {
    fn next() -> AuditId {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let millis = Utc::now().timestamp_millis();
        AuditId(format!("{millis:x}-{:x}-{n}", std::process::id()))
    }
}

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the record of a recovery plan is called in the log's `what`.
pub const PLAN_VERB: &str = "recover-pipeline";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub time: DateTime<Utc>,
    pub id: AuditId,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// What a record says, by its `phase`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum AuditEntry {
    Request(ActionRecord),
    Outcome {
        ok: bool,
        request_id: Option<String>,
        message: String,
        duration_ms: u64,
    },
    Refused {
        #[serde(flatten)]
        action: ActionRecord,
        reason: String,
    },
    Settled {
        settled: Settled,
        message: String,
    },
}

/// How a followed action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// The item came back to health.
    Recovered,
    /// The item failed again.
    FailedAgain,
    /// The follow ended before the item did (a time limit, or the source could not be
    /// read).
    NotSettled,
}

impl Settled {
    /// From a follow's verdict: healthy, failed, or none.
    pub fn of(ok: Option<bool>) -> Settled {
        match ok {
            Some(true) => Settled::Recovered,
            Some(false) => Settled::FailedAgain,
            None => Settled::NotSettled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Settled::Recovered => "recovered",
            Settled::FailedAgain => "failed again",
            Settled::NotSettled => "not settled",
        }
    }
}

/// An action as a request or refusal records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    pub what: String,
    pub target: String,
    pub environment: String,
    pub caller: String,
    pub interface: Interface,
    /// The action as serialized (kept as JSON, so records of older versions still read).
    pub parameters: serde_json::Value,
}

impl ActionRecord {
    fn of(action: &Action, context: &AuditContext) -> ActionRecord {
        let mut parameters = serde_json::to_value(action).unwrap_or_default();
        redact_value(&mut parameters);
        ActionRecord {
            what: action.verb().to_string(),
            target: action.target(),
            environment: context.environment.clone(),
            caller: context.caller.clone(),
            interface: context.interface,
            parameters,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::action::{ClearScope, StartMode, TableName};

    fn every_action() -> Vec<Action> {
        let arn = "arn:aws:dms:eu-west-1:123456789012:task:ABC".to_string();
        vec![
            Action::StartTask {
                task_id: "orders-cdc".into(),
                arn: arn.clone(),
                serverless: false,
                mode: StartMode::ReloadTarget,
            },
            Action::ReloadTables {
                task_id: "orders-cdc".into(),
                arn,
                serverless: true,
                tables: vec![TableName {
                    schema: "public".into(),
                    table: "orders".into(),
                }],
            },
            Action::ClearRun {
                dag_id: "dbt_build".into(),
                run_id: "scheduled__2026-11-23".into(),
                scope: ClearScope::Failed,
            },
            Action::TriggerDag {
                dag_id: "refresh_marts".into(),
            },
            Action::RerunQuery {
                query_id: 42,
                database: Some("dev".into()),
                sql: "COPY sales FROM 's3://bucket/sales/' CREDENTIALS \
                      'aws_access_key_id=AKIAIOSFODNN7EXAMPLE;aws_secret_access_key=wJalrXUtnFEMI/K7MDENG'"
                    .into(),
            },
            Action::RerunQuery {
                query_id: 43,
                database: None,
                sql: "ALTER USER etl PASSWORD 'Hunter2-secret'; UNLOAD ('select 1') TO 's3://b/x' \
                      ACCESS_KEY_ID 'ASIAIOSFODNN7EXAMPLE' SECRET_ACCESS_KEY 'wJalrXUtnFEMI' \
                      SESSION_TOKEN 'FwoGZXIvYXdzEXAMPLE'"
                    .into(),
            },
            Action::CancelQuery {
                query_id: 44,
                pid: Some(1073),
                statement: None,
            },
            Action::CancelQuery {
                query_id: 45,
                pid: None,
                statement: Some("d9b6c0c9-0747-4bf4-b142-e8883122f766".into()),
            },
        ]
    }

    #[test]
    fn no_record_of_any_action_holds_a_credential() {
        let context = AuditContext {
            environment: "prod".into(),
            caller: "arn:aws:sts::123456789012:assumed-role/Operator/alice".into(),
            interface: Interface::Cli,
        };
        let forbidden = [
            "AKIA",
            "ASIA",
            "aws_secret",
            "SecretAccessKey",
            "secret_access_key=",
            "SessionToken",
            "wJalrXUtnFEMI",
            "Hunter2",
            "FwoGZXIvYXdz",
        ];
        for action in every_action() {
            let request = AuditRecord {
                time: Utc::now(),
                id: AuditId::next(),
                entry: AuditEntry::Request(ActionRecord::of(&action, &context)),
            };
            let line = serde_json::to_string(&request).unwrap();
            for word in forbidden {
                assert!(!line.contains(word), "{word} in {line}");
            }
            // Exactly the documented fields, nothing taken from the environment.
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            let mut keys: Vec<&str> = value
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "caller",
                    "environment",
                    "id",
                    "interface",
                    "parameters",
                    "phase",
                    "target",
                    "time",
                    "what"
                ]
            );
            assert_eq!(
                value["parameters"]["action"],
                serde_json::to_value(&action).unwrap()["action"]
            );
        }
    }

    #[test]
    fn ids_differ_within_a_process() {
        assert_ne!(AuditId::next(), AuditId::next());
    }
}
