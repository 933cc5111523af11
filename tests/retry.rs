//! `opsdeck retry` and `opsdeck audit` as a runbook uses them: what they print, their exit
//! codes, the audit records they leave, and that read-only mode sends no mutating request.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs opsdeck with XDG dirs of its own under `home` (kept between calls of one test).
fn opsdeck(home: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().copied())
        .output()
        .expect("run opsdeck")
}

fn home(name: &str) -> PathBuf {
    let home = std::env::temp_dir().join(format!("opsdeck-retry-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    home
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The failed DMS task of the demo right now, from `opsdeck status --json`.
fn failed_demo_task(home: &Path) -> String {
    failed_demo_item(home, "replication")["task_id"]
        .as_str()
        .expect("a DMS item names its task")
        .to_string()
}

fn audit(home: &Path) -> Vec<serde_json::Value> {
    let output = opsdeck(home, &["audit", "--json"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "audit --json is a JSON array ({e}): {}",
            text(&output.stdout)
        )
    })
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_done_and_the_refusal_is_recorded() {
    let home = home("noterm");
    let task = failed_demo_task(&home);
    let output = opsdeck(&home, &["--demo", "retry", "dms", &task], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("will be started with resume-processing"));
    assert!(
        text(&output.stderr).contains("no terminal to confirm on and no --yes"),
        "{}",
        text(&output.stderr)
    );
    let records = audit(&home);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["ending"], "refused");
    assert_eq!(records[0]["target"], task.as_str());
    assert_eq!(records[0]["interface"], "cli");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join("state/opsdeck/audit.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn with_yes_the_retry_is_done_and_recorded_before_and_after() {
    let home = home("yes");
    let task = failed_demo_task(&home);
    let output = opsdeck(&home, &["--demo", "retry", "dms", &task, "--yes"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("✔ start {task} with resume-processing")),
        "{stdout}"
    );
    assert!(stdout.contains("request id demo-"), "{stdout}");
    // One action, recorded as a request before the call and an outcome after it.
    let log = std::fs::read_to_string(home.join("state/opsdeck/audit.jsonl")).unwrap();
    let phases: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["phase"].to_string())
        .collect();
    assert_eq!(phases, ["\"request\"", "\"outcome\""]);
    let records = audit(&home);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0]["ending"], "succeeded");
    assert_eq!(records[0]["what"], "start-replication-task");
    assert_eq!(records[0]["parameters"]["mode"], "resume-processing");
    assert!(records[0]["caller"].as_str().unwrap().starts_with("demo:"));
    assert!(
        records[0]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("demo-")
    );
    // The table for people.
    let table = opsdeck(&home, &["audit", "--since", "1h"], &[]);
    assert!(
        text(&table.stdout).contains(&task),
        "{}",
        text(&table.stdout)
    );
    // A mode that does not fit the task is refused before anything is sent.
    let wrong = opsdeck(
        &home,
        &["--demo", "retry", "dms", &task, "--mode", "start", "--yes"],
        &[],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("ran before"),
        "{}",
        text(&wrong.stderr)
    );
    let bad_since = opsdeck(&home, &["audit", "--since", "yesterday-ish"], &[]);
    assert_eq!(bad_since.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn read_only_refuses_even_with_yes() {
    let home = home("readonly");
    let task = failed_demo_task(&home);
    let output = opsdeck(
        &home,
        &["--demo", "--read-only", "retry", "dms", &task, "--yes"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("read-only"),
        "{}",
        text(&output.stderr)
    );
    let records = audit(&home);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["ending"], "refused");
    assert!(
        records[0]["message"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{records:#?}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn read_only_sends_no_mutating_request() {
    let home = home("recorded");
    let (url, seen) = common::recording::endpoint();
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("AWS_MAX_ATTEMPTS", "1"),
    ];
    for args in [
        &[
            "--read-only",
            "--region",
            "eu-west-1",
            "retry",
            "dms",
            "orders-full-load",
            "--yes",
        ][..],
        &[
            "--read-only",
            "--region",
            "eu-west-1",
            "retry",
            "dms",
            "orders-full-load",
            "--mode",
            "reload-target",
            "--yes",
        ],
    ] {
        let output = opsdeck(&home, args, &vars);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains("read-only"),
            "{}",
            text(&output.stderr)
        );
    }
    common::recording::assert_read_only(&seen.lock().unwrap());
    let _ = std::fs::remove_dir_all(home);
}

/// The first failed item of `source` in the demo right now, from `opsdeck status --json`.
fn failed_demo_item(home: &Path, source: &str) -> serde_json::Value {
    let output = opsdeck(home, &["--demo", "status", "--json"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["failing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["source"] == source && f["health"] == "failed")
        .map(|f| f["item"].clone())
        .unwrap_or_else(|| panic!("the demo has a failed {source} item: {json:#}"))
}

#[test]
fn wait_follows_the_retried_item_until_it_settles() {
    let home = home("wait");
    let task = failed_demo_task(&home);
    let fast = ["--demo", "--demo-speed", "400", "retry"];
    let wait = ["--yes", "--wait", "5m"];
    let args: Vec<&str> = fast
        .iter()
        .copied()
        .chain(["dms", task.as_str()])
        .chain(wait)
        .collect();
    let output = opsdeck(&home, &args, &[]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("waiting for {task} to settle (at most 5 min)")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("  {task}: running")), "{stdout}");
    assert!(stdout.contains(&format!("✔ {task} recovered")), "{stdout}");
    // The audit log has how it ended beside the action.
    let records = audit(&home);
    let start = records
        .iter()
        .rev()
        .find(|r| r["what"] == "start-replication-task" && r["ending"] == "succeeded")
        .expect("the start is recorded");
    assert_eq!(start["settled"], "recovered", "{start:#}");
    assert!(
        start["settled_message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("{task} recovered"))),
        "{start:#}"
    );
    let table = text(&opsdeck(&home, &["audit"], &[]).stdout);
    assert!(table.contains("then recovered:"), "{table}");

    // A cleared run settles one way or the other within the wait: recovered, or failed
    // again when its cause (a DMS load this process did not retry) is still there.
    let run = failed_demo_item(&home, "workflow");
    let (dag, run_id) = (
        run["dag_id"].as_str().unwrap(),
        run["run_id"].as_str().unwrap(),
    );
    let args: Vec<&str> = fast
        .iter()
        .copied()
        .chain(["dag", dag, run_id])
        .chain(wait)
        .collect();
    let output = opsdeck(&home, &args, &[]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    match output.status.code() {
        Some(0) => assert!(stdout.contains("recovered"), "{stdout}"),
        Some(1) => assert!(
            stderr.contains(&format!("✖ {dag}/{run_id} failed again")),
            "{stderr}"
        ),
        other => panic!("the run did not settle ({other:?}): {stdout}{stderr}"),
    }
    let records = audit(&home);
    let clear = records.last().expect("the clear is recorded");
    let expected = if output.status.code() == Some(0) {
        "recovered"
    } else {
        "failed_again"
    };
    assert_eq!(clear["settled"], expected, "{clear:#}");

    // No time to wait is refused by the command line.
    let output = opsdeck(
        &home,
        &["--demo", "retry", "dms", &task, "--yes", "--wait", "0s"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("no time to wait"),
        "{}",
        text(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(home);
}

/// The demo night's recovery as a runbook runs it: the failed load resumed, then each
/// blocked DAG run cleared once the one before it recovered, every step in the audit log
/// in order under the plan's own record.
#[test]
fn recover_brings_the_demo_night_to_green_and_records_every_step_in_order() {
    let home = home("recover");
    let output = opsdeck(
        &home,
        &[
            "--demo",
            "--demo-speed",
            "400",
            "recover",
            "--yes",
            "--wait",
            "10m",
        ],
        &[],
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.starts_with("Recovery plan for nightly (4 step(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1. DMS loads · start ") && stdout.contains("with resume-processing"),
        "{stdout}"
    );
    // The dry run of each clear is listed under its step.
    assert!(stdout.contains("(upstream_failed)\n"), "{stdout}");
    assert!(stdout.contains("(optional: ran on stale data)"), "{stdout}");
    assert!(
        stdout.contains("✔ nightly recovered: 4 step(s)"),
        "{stdout}"
    );
    let records = audit(&home);
    let rows: Vec<(String, String, String)> = records
        .iter()
        .map(|r| {
            (
                r["what"].as_str().unwrap_or_default().to_string(),
                r["target"].as_str().unwrap_or_default().to_string(),
                r["settled"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 5, "{rows:#?}");
    assert_eq!(rows[0].0, "recover-pipeline");
    assert_eq!(rows[0].1, "nightly");
    assert_eq!(records[0]["ending"], "succeeded");
    assert_eq!(
        records[0]["parameters"]["steps"].as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(rows[1].0, "start-replication-task");
    let dags: Vec<&str> = rows[2..]
        .iter()
        .map(|(what, target, _)| {
            assert_eq!(what, "clear-task-instances");
            target.split('/').next().unwrap()
        })
        .collect();
    assert_eq!(dags, ["nightly_dms_to_s3", "clean_anonymize", "dbt_build"]);
    assert!(
        rows[1..]
            .iter()
            .all(|(_, _, settled)| settled == "recovered"),
        "{rows:#?}"
    );
    let _ = std::fs::remove_dir_all(home);
}

/// A step that fails again stops the plan there: nothing after it is sent.
#[test]
fn recover_stops_at_a_step_that_fails_again() {
    let home = home("recover-again");
    let args = [
        "--demo",
        "--demo-speed",
        "400",
        "--demo-keep-faults",
        "recover",
        "nightly",
        "--yes",
        "--wait",
        "10m",
    ];
    let output = opsdeck(&home, &args, &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stopped at step 1 (DMS loads)") && stderr.contains("3 step(s) not run"),
        "{stderr}"
    );
    let records = audit(&home);
    assert_eq!(records.len(), 2, "{records:#?}");
    assert_eq!(records[0]["what"], "recover-pipeline");
    assert_eq!(records[0]["ending"], "failed");
    assert_eq!(records[1]["what"], "start-replication-task");
    assert_eq!(records[1]["settled"], "failed_again");
    let _ = std::fs::remove_dir_all(home);
}

/// Read-only has no plan to run, and without a terminal nothing is done without --yes.
#[test]
fn recover_refuses_read_only_and_without_a_terminal() {
    let home = home("recover-refused");
    for (args, says) in [
        (
            vec!["--demo", "--read-only", "recover", "--yes"],
            "environment demo is read-only",
        ),
        (
            vec!["--demo", "recover"],
            "no terminal to confirm on and no --yes",
        ),
        (
            vec!["--demo", "recover", "nope", "--yes"],
            "no pipeline `nope` (pipelines: nightly, streaming)",
        ),
    ] {
        let output = opsdeck(&home, &args, &[]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    // Each refusal of a plan that was shown is recorded; the unknown pipeline had none.
    let records = audit(&home);
    assert_eq!(records.len(), 2, "{records:#?}");
    assert!(records.iter().all(|r| r["ending"] == "refused"));
    let _ = std::fs::remove_dir_all(home);
}

/// A plan not done within its limit exits 3: at real speed the resumed load takes minutes.
#[test]
fn recover_not_done_within_its_limit_exits_3() {
    let home = home("recover-limit");
    let output = opsdeck(&home, &["--demo", "recover", "--yes", "--wait", "2s"], &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("stopped at step 1 (DMS loads)") && stderr.contains("not done within 2 s"),
        "{stderr}"
    );
    let records = audit(&home);
    assert_eq!(records[0]["what"], "recover-pipeline");
    assert_eq!(records[0]["ending"], "failed");
    assert_eq!(records[1]["settled"], "not_settled");
    let _ = std::fs::remove_dir_all(home);
}
