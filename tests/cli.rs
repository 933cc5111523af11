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
fn without_a_platform_it_says_how_to_start_the_demo() {
    let (output, home) = opsdeck("noplatform", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("run `opsdeck --demo`"),
        "{}",
        stderr(&output)
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
