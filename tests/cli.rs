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

/// Runs opsdeck with its own XDG dirs, stopping it if it runs past `limit`; returns its
/// exit code, standard output and error, and how long it ran.
fn opsdeck_within(
    name: &str,
    args: &[&str],
    vars: &[(&str, &str)],
    limit: std::time::Duration,
) -> (Option<i32>, String, String, std::time::Duration) {
    use std::io::Read as _;
    let home = std::env::temp_dir().join(format!("opsdeck-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run opsdeck");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("opsdeck {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let took = started.elapsed();
    let _ = std::fs::remove_dir_all(home);
    (
        code,
        reader.join().unwrap(),
        err_reader.join().unwrap(),
        took,
    )
}

/// A loopback server that accepts connections and never answers; its port.
fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// A loopback HTTP server that answers each request with `answer(request head)`, then
/// closes the connection; its port.
fn answering_server(answer: fn(&str) -> Vec<u8>) -> u16 {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                // The head, then as much body as it announces.
                let head_end = loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                    if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
                    }
                };
                let head = String::from_utf8_lossy(&seen[..head_end]).to_string();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while seen.len() < head_end + length {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(&answer(&head));
                let _ = stream.flush();
            });
        }
    });
    port
}

fn http_answer(status: &str, content_length: usize, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: \
         {content_length}\r\nConnection: close\r\n\r\n{body}"
    )
    .into_bytes()
}

/// A config of one environment with every source: DMS, Redshift and Cost Explorer at
/// AWS_ENDPOINT_URL, and an Airflow 3 (user `opsdeck`) at `port`.
fn airflow_config(name: &str, port: u16) -> PathBuf {
    let path = std::env::temp_dir().join(format!("opsdeck-cli-{name}-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "[[environment]]\nname = \"lab\"\nregion = \"eu-west-1\"\n\n\
             [environment.airflow]\nurl = \"http://127.0.0.1:{port}\"\n\
             username = \"opsdeck\"\npassword_env = \"OPSDECK_TEST_AIRFLOW_PASSWORD\"\n\
             api_version = 2\n\n\
             [environment.redshift]\ncluster = \"warehouse-lab\"\n\
             database = \"analytics\"\ndb_user = \"opsdeck\"\n"
        ),
    )
    .unwrap();
    path
}

const AWS_TEST_VARS: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
    ("AWS_MAX_ATTEMPTS", "1"),
];

#[test]
fn read_only_wins_over_write_when_both_are_given() {
    let (output, home) = opsdeck("bothflags", &["--demo", "status", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let task = doc["failing"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|f| f["item"]["task_id"].as_str().map(str::to_string))
        .expect("a failed DMS task in the demo");
    let _ = std::fs::remove_dir_all(home);
    for order in [["--write", "--read-only"], ["--read-only", "--write"]] {
        let mut args = vec!["--demo"];
        args.extend(order);
        args.extend(["retry", "dms", task.as_str(), "--yes"]);
        let (output, home) = opsdeck("bothflags", &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{order:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("environment demo is read-only: nothing was done"),
            "{order:?}: {}",
            stderr(&output)
        );
        // --write cannot help here, so the refusal does not offer it.
        assert!(
            stderr(&output)
                .contains("(opened with --read-only: start without it to allow actions)"),
            "{order:?}: {}",
            stderr(&output)
        );
        let _ = std::fs::remove_dir_all(home);
    }
}

#[test]
fn demo_rows_past_the_bound_are_refused_with_the_bound() {
    let (output, home) = opsdeck("demorows", &["--demo", "--demo-rows", "99999999999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`99999999999` is not a number of rows from 1 to 100000"),
        "{}",
        stderr(&output)
    );
    assert!(
        !output.stderr.contains(&0x1b),
        "no escape sequence was written"
    );
    let _ = std::fs::remove_dir_all(home);
    let (output, home) = opsdeck("demorows0", &["--demo", "--demo-rows", "0", "status"]);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(home);
    let (output, home) = opsdeck("demorowsok", &["--demo", "--demo-rows", "100000", "status"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_fifo_as_config_is_refused_without_waiting_for_a_writer() {
    let fifo = std::env::temp_dir().join(format!("opsdeck-cli-config-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (code, _, err, _) = opsdeck_within(
        "fifo",
        &["--demo", "--config", fifo.to_str().unwrap(), "status"],
        &[],
        std::time::Duration::from_secs(10),
    );
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        format!(
            "opsdeck: cannot read {}: it is a named pipe (FIFO), not a regular file\n",
            fifo.display()
        )
    );
    let _ = std::fs::remove_file(&fifo);
    let dir = std::env::temp_dir();
    let (output, home) = opsdeck("dirconfig", &["--demo", "--config", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "opsdeck: cannot read {}: it is a directory, not a regular file\n",
            dir.display()
        )
    );
    let _ = std::fs::remove_dir_all(home);
}

/// Runs opsdeck with a standard output whose reader has already gone.
fn with_closed_stdout(name: &str, args: &[&str]) -> (Option<i32>, String) {
    let home = std::env::temp_dir().join(format!("opsdeck-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .output()
        .expect("run opsdeck");
    (output.status.code(), stderr(&output))
}

#[test]
fn a_closed_pipe_ends_every_subcommand_quietly() {
    let name = "closedpipe";
    // An audit log with a record in it, so that `audit` has something to print.
    let (output, home) = opsdeck(name, &["--demo", "status", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let task = doc["failing"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|f| f["item"]["task_id"].as_str().map(str::to_string))
        .expect("a failed DMS task in the demo");
    let retry = ["--demo", "retry", "dms", task.as_str(), "--yes"];
    let (code, err) = with_closed_stdout(name, &retry);
    assert_eq!((code, err.as_str()), (Some(0), ""), "retry");
    for (args, expected) in [
        (vec!["--demo", "audit", "--json"], 0),
        (vec!["--demo", "audit"], 0),
        (vec!["--demo", "status"], 1),
        (vec!["--demo", "status", "--json"], 1),
        (vec!["--demo", "cost"], 0),
        (vec!["--demo", "cost", "--format", "csv"], 0),
        (vec!["info"], 0),
    ] {
        let (code, err) = with_closed_stdout(name, &args);
        assert_eq!(code, Some(expected), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn status_with_no_source_read_says_nothing_could_be_read() {
    let (output, home) = opsdeck_with(
        "nothingread",
        &["status", "--region", "eu-west-1"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.ends_with("\nnothing could be read from any source\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("nothing is failing"), "{stdout}");
    let _ = std::fs::remove_dir_all(home);
}

/// A source that accepts the connection and never answers: `status` ends by its
/// deadline, names what was not read in time, and exits 2.
#[test]
fn status_ends_by_its_deadline_whatever_the_sources_do() {
    let port = silent_server();
    let endpoint = format!("http://127.0.0.1:{port}");
    let config = airflow_config("deadline", port);
    let mut vars = AWS_TEST_VARS.to_vec();
    vars.push(("AWS_ENDPOINT_URL", &endpoint));
    vars.push(("OPSDECK_TEST_AIRFLOW_PASSWORD", "pw"));
    let (code, stdout, stderr, took) = opsdeck_within(
        "deadline",
        &[
            "--config",
            config.to_str().unwrap(),
            "status",
            "--timeout",
            "2s",
        ],
        &vars,
        std::time::Duration::from_secs(15),
    );
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    for service in ["DMS", "Airflow", "Redshift", "Cost Explorer"] {
        assert!(
            stdout.contains(&format!(
                "{service}: not read in time (no answer within 2 s)"
            )),
            "{service}: {stdout}"
        );
    }
    assert!(
        stdout.ends_with("\nnothing could be read from any source\n"),
        "{stdout}"
    );
    let (code, stdout, _, _) = opsdeck_within(
        "deadline-json",
        &[
            "--config",
            config.to_str().unwrap(),
            "status",
            "--json",
            "--timeout",
            "1s",
        ],
        &vars,
        std::time::Duration::from_secs(15),
    );
    assert_eq!(code, Some(2));
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(doc["sources"]["workflow"]["error"]["kind"], "timeout");
    assert_eq!(doc["nothing_read"], true);
    let _ = std::fs::remove_file(config);
}

#[test]
fn status_timeout_must_be_a_length_of_time() {
    let (output, home) = opsdeck("badtimeout", &["--demo", "status", "--timeout", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`soon` is not a length of time"),
        "{}",
        stderr(&output)
    );
    let _ = std::fs::remove_dir_all(home);
}

/// Something other than AWS and Airflow answers 200 with a web page: each source says it
/// got a malformed answer, with a hint, instead of "HTTP 200 with no error code".
#[test]
fn status_names_malformed_answers_of_each_source() {
    fn portal(_: &str) -> Vec<u8> {
        let page = "<html><body>Sign in to the guest Wi-Fi</body></html>";
        http_answer("200 OK", page.len(), page)
    }
    let port = answering_server(portal);
    let endpoint = format!("http://127.0.0.1:{port}");
    let config = airflow_config("malformed", port);
    let mut vars = AWS_TEST_VARS.to_vec();
    vars.push(("AWS_ENDPOINT_URL", &endpoint));
    vars.push(("OPSDECK_TEST_AIRFLOW_PASSWORD", "pw"));
    let (code, stdout, stderr, _) = opsdeck_within(
        "malformed",
        &["--config", config.to_str().unwrap(), "status"],
        &vars,
        std::time::Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "DMS      ✖ DMS: malformed answer (HTTP 200, not JSON: `<html><body>Sign in to the guest Wi-Fi</…`)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "Airflow  ✖ Airflow: malformed answer: POST /auth/token answered text that is not JSON"
        ),
        "{stdout}"
    );
    for line in ["Redshift ✖ Redshift", "Cost     ✖ Cost Explorer"] {
        assert!(
            stdout.contains(&format!(
                "{line}: malformed answer (HTTP 200, not JSON: `<html><body>Sign in to the guest Wi-Fi</…`)"
            )),
            "{line}: {stdout}"
        );
    }
    assert!(!stdout.contains("no error code or message"), "{stdout}");
    let _ = std::fs::remove_file(config);
}

/// Airflow signs in, then its answer to the DAG listing stops half-way.
#[test]
fn status_names_an_airflow_answer_cut_short() {
    fn cut(head: &str) -> Vec<u8> {
        if head.starts_with("POST /auth/token") {
            let token = r#"{"access_token": "t1"}"#;
            return http_answer("201 Created", token.len(), token);
        }
        // Announces more than it sends, then closes.
        http_answer("200 OK", 500, r#"{"dags": [{"dag_id": "nightly"#)
    }
    let port = answering_server(cut);
    let config = airflow_config("cutshort", port);
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut vars = AWS_TEST_VARS.to_vec();
    vars.push(("AWS_ENDPOINT_URL", &endpoint));
    vars.push(("OPSDECK_TEST_AIRFLOW_PASSWORD", "pw"));
    let (code, stdout, stderr, _) = opsdeck_within(
        "cutshort",
        &["--config", config.to_str().unwrap(), "status"],
        &vars,
        std::time::Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains("Airflow  ✖ Airflow: answer cut short: GET /dags answered"),
        "{stdout}"
    );
    assert!(!stdout.contains("expected struct"), "{stdout}");
    for service in ["DMS", "Redshift", "Cost Explorer"] {
        assert!(
            stdout.contains(&format!(
                "{service}: answer cut short (end of file before message length reached)"
            )),
            "{service}: {stdout}"
        );
    }
    let _ = std::fs::remove_file(config);
}
