//! Remote text is inert in every output: a stand-in AWS whose every string field carries
//! escape sequences, C1 controls and bidi overrides, read through each subcommand in each
//! of its formats. Nothing that drives or reorders a terminal may come out, and JSON still
//! reads back to the service's exact text.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::hostile::{has_controls, hostile};

fn home(name: &str) -> PathBuf {
    let home = std::env::temp_dir().join(format!("opsdeck-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(home.join("config/opsdeck")).unwrap();
    std::fs::write(
        home.join("config/opsdeck/config.toml"),
        r#"
[[environment]]
name = "evil"
region = "eu-west-1"

[environment.dms]

[environment.redshift]
cluster = "warehouse"
database = "dev"
db_user = "opsdeck"
"#,
    )
    .unwrap();
    home
}

fn opsdeck(home: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("run opsdeck")
}

/// Runs a subcommand and checks that neither stream holds a control; returns stdout.
fn inert_run(home: &Path, url: &str, args: &[&str]) -> String {
    let output = opsdeck(home, url, args);
    let (out, err) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(
        !has_controls(&out),
        "opsdeck {args:?} printed raw controls: {out:?}"
    );
    assert!(
        !has_controls(&err),
        "opsdeck {args:?} printed raw controls on stderr: {err:?}"
    );
    out
}

#[test]
fn status_as_text_and_json_is_inert_and_the_json_reads_back_exactly() {
    let home = home("status");
    let url = common::hostile::endpoint();
    let text = inert_run(&home, &url, &["status"]);
    assert!(text.contains("orders-load"), "{text}");
    let json = inert_run(&home, &url, &["status", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("status --json is JSON");
    let failing = value["failing"].as_array().expect("a failing list");
    assert!(
        failing
            .iter()
            .any(|f| f["item"]["task_id"] == hostile("orders-load").as_str()),
        "the JSON keeps the task's exact identifier: {json}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn retries_of_hostile_items_print_inert_lines_and_the_audit_too() {
    let home = home("retry");
    let url = common::hostile::endpoint();
    let id = hostile("orders-load");
    inert_run(&home, &url, &["--write", "retry", "dms", &id, "--yes"]);
    inert_run(
        &home,
        &url,
        &["--write", "retry", "dms", "no-such-task", "--yes"],
    );
    inert_run(&home, &url, &["--write", "retry", "query", "4242", "--yes"]);
    inert_run(
        &home,
        &url,
        &["--write", "retry", "dag", &hostile("dag"), "--yes"],
    );
    let table = inert_run(&home, &url, &["audit"]);
    assert!(table.contains("orders-load"), "{table}");
    let json = inert_run(&home, &url, &["audit", "--json"]);
    let records: serde_json::Value = serde_json::from_str(&json).expect("audit --json is JSON");
    assert!(
        json.contains("\\u001b") || json.contains("\\u009b"),
        "controls are escaped, not dropped, in JSON: {json}"
    );
    assert!(records.as_array().is_some_and(|r| !r.is_empty()), "{json}");
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn cost_in_every_format_is_inert() {
    let home = home("cost");
    let url = common::hostile::endpoint();
    for format in ["table", "csv", "json"] {
        let out = inert_run(
            &home,
            &url,
            &[
                "cost",
                "--period",
                "2026-11-01..2026-11-03",
                "--format",
                format,
            ],
        );
        assert!(out.contains("Amazon Redshift"), "{format}: {out}");
        if format == "json" {
            serde_json::from_str::<serde_json::Value>(&out).expect("cost JSON is JSON");
        }
    }
    let _ = std::fs::remove_dir_all(home);
}
