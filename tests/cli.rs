//! The binary's command line, run as a user would: exit codes, messages, and that a bad
//! config never touches the terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

/// Runs opsdeck with XDG dirs of its own under a temp dir.
fn opsdeck(name: &str, args: &[&str]) -> (Output, PathBuf) {
    opsdeck_with(name, args, &[])
}

/// Runs opsdeck with XDG dirs of its own and more environment variables.
fn opsdeck_with(name: &str, args: &[&str], vars: &[(&str, &str)]) -> (Output, PathBuf) {
    let home = std::env::temp_dir().join(format!("opsdeck-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("NO_COLOR")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().copied())
        .output()
        .expect("run opsdeck");
    (output, home)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bad_config_is_named_and_exits_before_the_terminal_is_touched() {
    let path = fixture("unknown-polling-key.toml");
    let (output, home) = opsdeck("badconfig", &["--demo", "--config", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "opsdeck: {}:4: unknown key `colour` in [polling]; expected one of: \
             replication, workflow, warehouse, cost, visible, max_backoff\n",
            path.display()
        )
    );
    assert!(output.stdout.is_empty());
    assert!(
        !output.stderr.contains(&0x1b),
        "no escape sequence was written"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_missing_config_file_is_named() {
    let (output, home) = opsdeck(
        "missing",
        &["--demo", "--config", "/nonexistent/opsdeck.toml"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "opsdeck: cannot read /nonexistent/opsdeck.toml: No such file or directory (os error 2)\n"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn an_unknown_theme_lists_the_available_ones() {
    let (output, home) = opsdeck("theme", &["--demo", "--theme", "neon"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "opsdeck: unknown theme `neon`; available: default, high-contrast, light\n"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn without_a_terminal_the_console_points_to_status() {
    let (output, home) = opsdeck("noterminal", &["--demo"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "opsdeck: the console needs a terminal; for a one-shot summary run `opsdeck status` (add --json for scripts)\n"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn status_of_the_demo_exits_1_and_names_what_fails() {
    let (output, home) = opsdeck("status", &["--demo", "status"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("opsdeck status · env demo (DEMO) · eu-west-1 · "));
    assert!(lines[1].starts_with("DMS      ✖ "), "{stdout}");
    assert!(lines[4].starts_with("Cost     month to date $"), "{stdout}");
    assert!(stdout.contains("\nfailing now ("), "{stdout}");
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn status_json_is_one_document_with_every_source() {
    let (output, home) = opsdeck("statusjson", &["--demo", "status", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc["environment"], "demo");
    assert_eq!(doc["exit_code"], 1);
    for source in ["replication", "workflow", "warehouse"] {
        assert!(
            doc["sources"][source]["counts"]["failed"].is_u64(),
            "{source}"
        );
    }
    for side in ["current", "previous"] {
        // Money as an exact decimal string with its cents, "0.00" included.
        let amount = doc["sources"]["cost"]["month_to_date"][side]
            .as_str()
            .unwrap();
        let (units, cents) = amount.split_once('.').expect(amount);
        assert!(units.chars().all(|c| c.is_ascii_digit()), "{amount}");
        assert!(
            cents.len() == 2 && cents.chars().all(|c| c.is_ascii_digit()),
            "{amount}"
        );
    }
    let failing = doc["failing"].as_array().unwrap();
    assert!(!failing.is_empty());
    assert!(
        failing
            .iter()
            .all(|f| f["reason"].is_string() && f["source"].is_string())
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn an_unknown_environment_lists_the_configured_ones() {
    let path = fixture("environments.toml");
    let (output, home) = opsdeck(
        "env",
        &["--config", path.to_str().unwrap(), "-e", "qa", "status"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "opsdeck: no environment `qa` in the config; environments: prod, staging, onprem\n"
    );
    let (output, home2) = opsdeck("envdemo", &["--demo", "-e", "prod", "status"]);
    assert_eq!(
        stderr(&output),
        "opsdeck: --demo and -e prod choose two platforms: give one of them\n"
    );
    let _ = std::fs::remove_dir_all(home);
    let _ = std::fs::remove_dir_all(home2);
}

#[test]
fn status_of_an_unreachable_platform_exits_2_with_the_cause() {
    let (output, home) = opsdeck_with(
        "unreachable",
        &["status", "--region", "eu-west-1"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            // Port 9 (discard) is closed on loopback: the connection is refused at once.
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("DMS      ✖ DMS: cannot connect: Connection refused"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Redshift – Redshift is not configured for environment `default`"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn status_names_the_region_the_sdk_resolved_when_the_config_gives_none() {
    let (output, home) = opsdeck_with(
        "resolved-region",
        &["status"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_REGION", "ap-southeast-2"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let header = stdout.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("opsdeck status · env default · ap-southeast-2 · "),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn info_prints_version_and_paths() {
    let (output, home) = opsdeck("info", &["info"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("opsdeck {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(
        lines[1],
        format!(
            "config   {} (not present: defaults in use)",
            home.join("config/opsdeck/config.toml").display()
        )
    );
    assert!(lines[2].starts_with("theme    default (user themes in "));
    assert_eq!(
        lines[3],
        format!(
            "log      {}",
            home.join("state/opsdeck/opsdeck.log").display()
        )
    );
    assert_eq!(
        lines[4],
        format!("state    {}", home.join("state/opsdeck").display())
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_bad_demo_speed_is_refused() {
    let (output, home) = opsdeck("speed", &["--demo", "--demo-speed", "fast"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`fast` is not a speed between 0 and 100000"));
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn status_without_a_region_says_so_rather_than_blame_the_network() {
    let home = std::env::temp_dir().join(format!("opsdeck-cli-noregion-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("status")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        )
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // Cost Explorer's region is fixed: keep it off the network.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("run opsdeck");
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("DMS      ✖ DMS: no AWS region (give --region"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_subcommand_does_not_fail_on_a_theme_it_does_not_draw() {
    let (output, home) = opsdeck("themeless", &["--demo", "--theme", "nope", "status"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(home);
    let (output, home) = opsdeck("themeless-tui", &["--demo", "--theme", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope"), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(home);
}
