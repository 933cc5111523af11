//! The audit log on disk: what each kind of action leaves, the file's mode, a request that
//! survives the process dying during the call, concurrent writers, and the caller's
//! identity from STS (through `aws-smithy-mocks`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sts as sts;
use aws_smithy_mocks::{mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use opsdeck::actions::audit::{
    self, AuditContext, AuditEntry, AuditLog, AuditTrail, Ending, Interface, NO_OUTCOME,
};
use opsdeck::aws::ErrorContext;
use opsdeck::aws::identity::caller_identity_of;
use opsdeck::domain::action::{Action, ActionOutcome, ClearScope, StartMode};
use opsdeck::source::ErrorKind;

/// The child process of the crash test is told where its log is by this variable.
const CRASH_LOG: &str = "OPSDECK_AUDIT_CRASH_LOG";

fn log_path(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("opsdeck-audit-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // A state dir that does not exist yet: the log creates it.
    AuditLog::default_path(&dir.join("state"))
}

fn context(interface: Interface) -> AuditContext {
    AuditContext {
        environment: "prod".into(),
        caller: "arn:aws:sts::123456789012:assumed-role/Operator/alice".into(),
        interface,
    }
}

fn start(task_id: &str) -> Action {
    Action::StartTask {
        task_id: task_id.into(),
        arn: format!("arn:aws:dms:eu-west-1:123456789012:task:{task_id}"),
        serverless: false,
        mode: StartMode::ResumeProcessing,
    }
}

fn read_all(path: &std::path::Path) -> AuditTrail {
    audit::read(path, None).expect("the log reads back")
}

#[test]
fn confirmed_failed_and_refused_actions_are_recorded() {
    let path = log_path("kinds");
    let log = AuditLog::open(&path).unwrap();
    let cli = context(Interface::Cli);

    let id = log.begin(&start("orders-cdc"), &cli).unwrap();
    let outcome = ActionOutcome {
        request_id: Some("5f2c6d0e-8a3b-4c1d-9e7f-0a1b2c3d4e5f".into()),
        message: "task starting".into(),
        created: None,
    };
    log.finish(&id, Ok(&outcome), Duration::from_millis(850))
        .unwrap();

    let clear = Action::ClearRun {
        dag_id: "dbt_build".into(),
        run_id: "scheduled__2026-11-23T00:00:00+00:00".into(),
        scope: ClearScope::Failed,
    };
    let id = log.begin(&clear, &context(Interface::Tui)).unwrap();
    log.finish(
        &id,
        Err("MWAA: AccessDeniedException: not allowed"),
        Duration::from_secs(2),
    )
    .unwrap();

    log.refused(
        &Action::TriggerDag {
            dag_id: "refresh_marts".into(),
        },
        &cli,
        "read-only mode",
    )
    .unwrap();

    let trail = read_all(&path);
    assert!(trail.unreadable.is_empty(), "{:?}", trail.unreadable);
    let phases: Vec<&str> = trail
        .records
        .iter()
        .map(|r| match r.entry {
            AuditEntry::Request(_) => "request",
            AuditEntry::Outcome { .. } => "outcome",
            AuditEntry::Refused { .. } => "refused",
            AuditEntry::Settled { .. } => "settled",
        })
        .collect();
    assert_eq!(
        phases,
        ["request", "outcome", "request", "outcome", "refused"]
    );

    let lines = std::fs::read_to_string(&path).unwrap();
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["phase"], "request");
    assert_eq!(first["what"], "start-replication-task");
    assert_eq!(first["target"], "orders-cdc");
    assert_eq!(first["environment"], "prod");
    assert_eq!(first["interface"], "cli");
    assert_eq!(first["parameters"]["mode"], "resume-processing");
    assert!(first["time"].as_str().unwrap().ends_with('Z'));

    let actions = audit::audited_actions(&trail.records);
    assert_eq!(actions.len(), 3);
    assert_eq!(actions[0].ending, Ending::Succeeded);
    assert_eq!(actions[0].message, "task starting");
    assert_eq!(actions[0].duration_ms, Some(850));
    assert_eq!(
        actions[0].request_id.as_deref(),
        Some("5f2c6d0e-8a3b-4c1d-9e7f-0a1b2c3d4e5f")
    );
    assert_eq!(actions[1].ending, Ending::Failed);
    assert_eq!(actions[1].interface, Some(Interface::Tui));
    assert_eq!(
        actions[1].message,
        "MWAA: AccessDeniedException: not allowed"
    );
    assert_eq!(actions[2].ending, Ending::Refused);
    assert_eq!(actions[2].message, "read-only mode");

    let mut table = Vec::new();
    audit::render_table(&trail.records, &mut table, audit::TABLE_WIDTH).unwrap();
    let table = String::from_utf8(table).unwrap();
    for line in table.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
    assert!(
        table.contains("start-replication-task  orders-cdc"),
        "{table}"
    );
    assert!(table.contains("request 5f2c6d0e-8a3b-4c1d-9e7f-0a1b2c3d4e5f"));
    assert!(table.contains("850ms"));
    assert!(
        table.contains("target dbt_build/scheduled__2026-11-23T00:00:00+00:00"),
        "{table}"
    );
    assert!(table.contains("refused"));

    let mut json = Vec::new();
    audit::render_json(&trail.records, &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert_eq!(json[1]["ending"], "failed");
    assert_eq!(json[2]["ending"], "refused");
}

#[cfg(unix)]
#[test]
fn the_log_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let path = log_path("mode");
    let log = AuditLog::open(&path).unwrap();
    log.refused(
        &start("x"),
        &context(Interface::Cli),
        "no terminal and no --yes",
    )
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    drop(log);

    // A log someone widened is tightened again when opened.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _log = AuditLog::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}

/// What the child process of `a_request_survives_a_crash_during_the_call` does: it records
/// a request, then dies before any outcome.
fn record_a_request_and_crash(path: &std::ffi::OsStr) -> ! {
    let log = AuditLog::open(std::path::Path::new(path)).unwrap();
    log.begin(&start("payments-cdc"), &context(Interface::Tui))
        .unwrap();
    std::process::abort();
}

#[test]
fn a_request_survives_a_crash_during_the_call() {
    // The test runs itself again as the child that crashes, with the log's path set.
    if let Some(path) = std::env::var_os(CRASH_LOG) {
        record_a_request_and_crash(&path);
    }
    let path = log_path("crash");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_request_survives_a_crash_during_the_call",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_LOG, &path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&child.stderr);
    assert!(
        !child.status.success(),
        "the child was meant to abort: {said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(child.status.signal(), Some(6), "not SIGABRT: {said}");
    }

    let trail = read_all(&path);
    assert!(trail.unreadable.is_empty(), "{:?}", trail.unreadable);
    let actions = audit::audited_actions(&trail.records);
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].target, "payments-cdc");
    assert_eq!(actions[0].ending, Ending::NoOutcome);
    assert_eq!(actions[0].message, NO_OUTCOME);
    let mut table = Vec::new();
    audit::render_table(&trail.records, &mut table, audit::TABLE_WIDTH).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("no outcome recorded (the process ended during the call)"),
        "{table}"
    );
}

#[test]
fn a_torn_last_line_is_reported_and_the_next_record_starts_clean() {
    let path = log_path("torn");
    let log = AuditLog::open(&path).unwrap();
    log.begin(&start("orders-cdc"), &context(Interface::Cli))
        .unwrap();
    drop(log);
    // A crash in the middle of a write leaves a line without its end.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, br#"{"time":"2026-11-23T01:4"#).unwrap();
    drop(file);

    let trail = read_all(&path);
    assert_eq!(trail.records.len(), 1);
    assert_eq!(trail.unreadable.len(), 1);
    assert!(trail.unreadable[0].contains("line 2 is incomplete"));

    let log = AuditLog::open(&path).unwrap();
    log.refused(
        &start("orders-cdc"),
        &context(Interface::Cli),
        "already in flight",
    )
    .unwrap();
    let trail = read_all(&path);
    assert_eq!(trail.records.len(), 2, "{:?}", trail.unreadable);
    assert_eq!(trail.unreadable.len(), 1);
    assert!(trail.unreadable[0].starts_with("line 2:"));
}

#[test]
fn since_keeps_the_recent_actions_with_their_outcomes() {
    let path = log_path("since");
    let log = AuditLog::open(&path).unwrap();
    let id = log
        .begin(&start("orders-cdc"), &context(Interface::Cli))
        .unwrap();
    log.finish(
        &id,
        Err("DMS: InvalidResourceStateFault"),
        Duration::from_secs(1),
    )
    .unwrap();
    let trail = audit::read(
        &path,
        Some(chrono::Utc::now() - chrono::TimeDelta::hours(1)),
    )
    .unwrap();
    assert_eq!(trail.records.len(), 2);
    let later = audit::parse_since("2999-01-01T00:00:00Z").unwrap();
    assert!(audit::read(&path, Some(later)).unwrap().records.is_empty());
    // An action begun before `since` is left out whole, even if it ended after.
    let old = path.with_file_name("old.jsonl");
    std::fs::write(
        &old,
        concat!(
            r#"{"time":"2026-01-01T00:00:00Z","id":"a-1","phase":"request","what":"trigger-dag-run","#,
            r#""target":"x","environment":"prod","caller":"c","interface":"cli","parameters":{}}"#,
            "\n",
            r#"{"time":"2026-01-01T00:02:00Z","id":"a-1","phase":"outcome","ok":true,"#,
            r#""request_id":null,"message":"run queued","duration_ms":120000}"#,
            "\n",
        ),
    )
    .unwrap();
    let since = |text: &str| Some(audit::parse_since(text).unwrap());
    assert!(
        audit::read(&old, since("2026-01-01T00:01:00Z"))
            .unwrap()
            .records
            .is_empty()
    );
    let both = audit::read(&old, since("2026-01-01")).unwrap();
    assert_eq!(both.records.len(), 2);
    assert_eq!(
        audit::audited_actions(&both.records)[0].message,
        "run queued"
    );
    let missing = audit::read(&path.with_file_name("none.jsonl"), None).unwrap();
    assert!(missing.records.is_empty() && missing.unreadable.is_empty());
}

#[test]
fn remote_text_reaches_the_table_inert() {
    let path = log_path("inert");
    let log = AuditLog::open(&path).unwrap();
    let id = log
        .begin(&start("orders\x1b[2J-cdc"), &context(Interface::Cli))
        .unwrap();
    log.finish(
        &id,
        Err("bad\x1b]0;title\x07 news\nsecond line"),
        Duration::ZERO,
    )
    .unwrap();
    let mut table = Vec::new();
    audit::render_table(&read_all(&path).records, &mut table, audit::TABLE_WIDTH).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(
        !table.chars().any(|c| c.is_control() && c != '\n'),
        "{table:?}"
    );
}

#[test]
fn concurrent_writers_never_interleave_lines() {
    let path = log_path("concurrent");
    let shared = Arc::new(AuditLog::open(&path).unwrap());
    // A second handle on the same file stands for a second opsdeck process.
    let other = Arc::new(AuditLog::open(&path).unwrap());
    // Records larger than a pipe buffer, so a split write would show.
    let sql = "select 1 -- padding\n".repeat(400);
    let threads: Vec<_> = [shared.clone(), shared, other]
        .into_iter()
        .enumerate()
        .map(|(writer, log)| {
            let sql = sql.clone();
            std::thread::spawn(move || {
                for n in 0..60 {
                    let action = Action::RerunQuery {
                        query_id: (writer * 1000 + n) as i64,
                        database: None,
                        sql: sql.clone(),
                    };
                    let id = log.begin(&action, &context(Interface::Tui)).unwrap();
                    log.finish(&id, Err("failed"), Duration::from_millis(1))
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let trail = read_all(&path);
    assert!(trail.unreadable.is_empty(), "{:?}", trail.unreadable);
    assert_eq!(trail.records.len(), 3 * 60 * 2);
    let actions = audit::audited_actions(&trail.records);
    assert_eq!(actions.len(), 3 * 60);
    assert!(actions.iter().all(|a| a.ending == Ending::Failed));
    assert!(actions.iter().all(|a| a.parameters["sql"] == sql.as_str()));
}

#[tokio::test]
async fn the_caller_is_the_arn_sts_names() {
    use sts::operation::get_caller_identity::{GetCallerIdentityError, GetCallerIdentityOutput};
    let identity = mock!(sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account("123456789012")
            .user_id("AROAEXAMPLE:alice")
            .arn("arn:aws:sts::123456789012:assumed-role/Operator/alice")
            .build()
    });
    let client = mock_client!(sts, [&identity]);
    let sts_context = ErrorContext::new("STS", Some("data-prod".into()));
    assert_eq!(
        caller_identity_of(&client, &sts_context).await.unwrap(),
        "arn:aws:sts::123456789012:assumed-role/Operator/alice"
    );

    let expired = mock!(sts::Client::get_caller_identity).then_error(|| {
        GetCallerIdentityError::generic(
            ErrorMetadata::builder()
                .code("ExpiredToken")
                .message("The security token included in the request is expired")
                .build(),
        )
    });
    let client = mock_client!(sts, [&expired]);
    let error = caller_identity_of(&client, &sts_context).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth);
    assert!(error.message.starts_with("STS: ExpiredToken"), "{error}");
    assert!(
        error
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("aws sso login --profile data-prod")
    );
    let context = AuditContext {
        caller: audit::unknown_caller(&error),
        ..context(Interface::Cli)
    };
    assert!(context.caller.starts_with("unknown: STS: ExpiredToken"));

    let anonymous = mock!(sts::Client::get_caller_identity)
        .then_output(|| GetCallerIdentityOutput::builder().build());
    let client = mock_client!(sts, [&anonymous]);
    let error = caller_identity_of(&client, &sts_context).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadResponse);
}
