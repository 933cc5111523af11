//! The binary in a pseudo-terminal, driven as a person would: keys in, screen read back.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const WAIT: Duration = Duration::from_secs(20);

/// A running opsdeck in a pseudo-terminal, its screen parsed by vt100.
struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn MasterPty + Send>,
    _home: TempHome,
}

/// XDG dirs of a test's own, so no user config or state is read or written.
struct TempHome(PathBuf);

impl TempHome {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("opsdeck-pty-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempHome(dir)
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Session {
    fn start(name: &str, args: &[&str], cols: u16, rows: u16) -> Session {
        Session::start_with(name, args, &[], cols, rows)
    }

    fn start_with(
        name: &str,
        args: &[&str],
        envs: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Session {
        let home = TempHome::new(name);
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_opsdeck"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", &home.0);
        cmd.env("XDG_CONFIG_HOME", home.0.join("config"));
        cmd.env("XDG_STATE_HOME", home.0.join("state"));
        cmd.env("XDG_CACHE_HOME", home.0.join("cache"));
        cmd.env_remove("NO_COLOR");
        for (key, value) in envs {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn opsdeck");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (s, r) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Session {
            child,
            writer,
            screen,
            raw,
            _master: pair.master,
            _home: home,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.contents();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{text}` never appeared; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the console take each key in turn, as typing would.
        std::thread::sleep(Duration::from_millis(120));
    }

    /// The text of the rows drawn in the theme's selection colour (the selected row).
    fn selected_rows(&self) -> Vec<String> {
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        let selection = vt100::Color::Rgb(0x1f, 0x3a, 0x5f);
        screen
            .rows(0, cols.get())
            .enumerate()
            .filter(|(y, _)| {
                (0..cols.get()).any(|x| {
                    screen
                        .cell(*y as u16, x)
                        .is_some_and(|c| c.bgcolor() == selection)
                })
            })
            .map(|(_, text)| text)
            .take(usize::from(rows.get()))
            .collect()
    }

    /// Waits until the selected row contains `text`.
    fn wait_selected(&self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let rows = self.selected_rows();
            if let Some(row) = rows.iter().find(|r| r.contains(text)) {
                return row.clone();
            }
            assert!(
                Instant::now() < deadline,
                "`{text}` never selected; selected rows {rows:?}; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resizes the terminal, as a window being dragged does.
    fn resize(&mut self, cols: u16, rows: u16) {
        self._master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.screen.lock().unwrap().set_size(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
        );
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain what was written before the exit.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "opsdeck did not exit; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn assert_terminal_restored(&self) {
        let parser = self.screen.lock().unwrap();
        assert!(
            !parser.screen().alternate_screen(),
            "still on the alternate screen"
        );
        assert!(!parser.screen().hide_cursor(), "cursor left hidden");
        let raw = self.raw.lock().unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("\x1b[?1049h"),
            "never entered the alternate screen"
        );
        assert!(
            text.contains("\x1b[?1049l"),
            "never left the alternate screen"
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn visits_every_tab_opens_details_filters_and_quits() {
    let mut s = Session::start("tour", &["--demo", "--seed", "7"], 100, 30);
    let screen = s.wait_for("failing now");
    assert!(
        screen.contains("DEMO"),
        "the header says DEMO plainly:\n{screen}"
    );
    assert!(screen.contains("nightly pipeline"));
    s.wait_for("✖ failed");

    s.send("2");
    s.wait_for("DMS tasks");
    s.wait_for("nightly-full-load");
    s.send("\r");
    s.wait_for("table statistics");
    s.wait_for("ARN");
    s.send("\x1b");
    s.wait_for("DMS tasks");

    s.send("/orders");
    let screen = s.wait_for("/orders");
    assert!(
        !screen.contains("payments-nightly"),
        "the filter hides other tasks:\n{screen}"
    );
    s.send("\r");
    s.send("\x1b");
    s.wait_for("payments");

    s.send("3");
    s.wait_for("DAG runs");
    s.send("\r");
    s.wait_for("task instances");
    s.send("\x1b");

    s.send("4");
    s.wait_for("queries, last 24 h");
    s.send("\r");
    s.wait_for("SQL");
    s.send("\x1b");

    s.send("5");
    s.wait_for("cost review");
    s.wait_for("by service");
    // Drill into the largest service and back up.
    s.send("\r");
    s.wait_for("by usage type");
    s.send("\x1b");
    s.wait_for("all › by service");

    s.send(":overview\r");
    s.wait_for("failing now");
    s.send("?");
    s.wait_for("help");
    s.send("\x1b");

    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    s.assert_terminal_restored();
}

/// SIGTERM, SIGHUP (the SSH link dropped) and SIGINT all end the console through its
/// normal exit, so the terminal is restored, and the exit code is 128 + the signal's
/// number, as shells expect of a process a signal ended.
#[test]
fn signals_restore_the_terminal() {
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let mut s = Session::start(&format!("sig{signal}"), &["--demo"], 80, 24);
        s.wait_for("failing now");
        let pid = s.child.process_id().expect("a pid");
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = s.wait_exit();
        assert_eq!(
            status.exit_code(),
            code,
            "SIG{signal}: exit status {status:?}"
        );
        s.assert_terminal_restored();
    }
}

/// `:env NAME` moves the whole console to another environment of the config: the header
/// names it (and says READ-ONLY where the config says so), nothing of the old one stays.
#[test]
fn env_command_switches_environment() {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/config/environments.toml"
    );
    let mut s = Session::start_with(
        "env",
        &["--config", config, "-e", "staging"],
        &[
            // Nothing answers here: the panes say so, the switch itself works offline.
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
        100,
        30,
    );
    let screen = s.wait_for("env staging");
    assert!(!screen.contains("READ-ONLY"), "{screen}");
    s.send(":env pr");
    s.send("\t");
    s.wait_for(":env prod");
    s.send("\r");
    let screen = s.wait_for("env prod");
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("profile data-prod"), "{screen}");
    s.send(":env nowhere\r");
    s.wait_for("no environment `nowhere` (available: prod, staging, onprem)");
    s.send("q");
    s.wait_exit();
    s.assert_terminal_restored();
}

/// The operator's night: a failed DMS task, `r`, the dialog that defaults to Cancel, a
/// wrong name refused for a reload-target, then a resume confirmed, the row retrying, the
/// outcome, and the task recovering as the (fast) demo night goes on.
#[test]
fn a_failed_task_is_retried_from_the_dialog_and_recovers() {
    let mut s = Session::start("retry", &["--demo", "--demo-speed", "400"], 120, 30);
    s.wait_for("failing now");
    s.send("2");
    s.wait_for("DMS tasks");
    // The worst sorts first: the failed task is selected.
    let screen = s.wait_for("✖ failed");
    assert!(
        screen.contains("r retry"),
        "the footer offers the retry:\n{screen}"
    );
    s.send("r");
    let screen = s.wait_for("again?");
    assert!(screen.contains("resume-processing"), "{screen}");
    assert!(screen.contains("[ Cancel ]"), "{screen}");
    // reload-target wants the task's name; a wrong one does nothing.
    s.send("\x1b[B");
    s.wait_for("DESTRUCTIVE");
    s.wait_for("TargetTablePrepMode");
    s.send("nope\r");
    s.wait_for("nothing was done");
    // Resume, confirmed with y.
    s.send("r");
    s.wait_for("again?");
    s.send("y");
    s.wait_for("✔ start");
    let screen = s.wait_for("recovered");
    assert!(screen.contains("✔"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_terminal_restored();
}

/// The night recovered from the console at 80x24: the root cause is the first failing
/// row, `R` opens the plan, a yes runs it, the pane shows each step, the chain turns green.
#[test]
fn the_night_is_recovered_with_one_plan_at_80x24() {
    let mut s = Session::start("recover", &["--demo", "--demo-speed", "400"], 80, 24);
    let screen = s.wait_for("1 root cause");
    let first = screen
        .lines()
        .skip_while(|l| !l.contains("HEALTH"))
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(
        first.contains("✖ root") && first.contains("nightly-full-load"),
        "the root cause is the first failing row: {first:?}\n{screen}"
    );
    assert!(
        screen.contains("R recover"),
        "the footer offers it:\n{screen}"
    );
    s.send("R");
    let screen = s.wait_for("recover nightly?");
    assert!(screen.contains("1. DMS loads: start"), "{screen}");
    assert!(screen.contains("4. dbt: clear dbt_build"), "{screen}");
    // The dry runs are in: the yes goes.
    s.wait_for("7 task(s)");
    s.send("y");
    s.wait_for("recovery · nightly · step 1/4");
    s.wait_for("step 2/4");
    let screen = s.wait_for("✔ 1. DMS loads");
    assert!(screen.contains("2. landing"), "{screen}");
    // Each step waits for the one before it; the last one ends the plan.
    let deadline = Instant::now() + Duration::from_secs(120);
    let screen = loop {
        let screen = s.contents();
        if screen.contains("nightly recovered: 4 step(s)") {
            break screen;
        }
        assert!(
            Instant::now() < deadline,
            "the plan never ended; the screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        screen.contains("dbt ✔ success"),
        "the chain turns green:\n{screen}"
    );
    assert!(!screen.contains("root cause"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
}

/// `:theme` reads the theme's files beside the loop and applies what it read; an unknown
/// name says what exists.
#[test]
fn the_theme_command_applies_a_theme_and_names_an_unknown_one() {
    let mut s = Session::start("theme", &["--demo"], 100, 30);
    s.wait_for("failing now");
    s.send(":theme light\r");
    s.wait_for("theme light");
    s.send(":theme nope\r");
    let screen = s.wait_for("unknown theme `nope`");
    assert!(screen.contains("light"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn read_only_console_sends_no_mutating_request() {
    let (url, seen) = common::recording::endpoint();
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let mut s = Session::start_with(
        "readonly",
        &["--read-only", "--region", "eu-west-1"],
        &vars,
        100,
        30,
    );
    s.wait_for("READ-ONLY");
    s.send("2");
    let screen = s.wait_for("orders-full-load");
    assert!(
        !screen.contains("r retry"),
        "no retry offered in the footer:\n{screen}"
    );
    // Every mutating key, and a yes after each, on the failed task and in its detail.
    s.send("r");
    s.wait_for("read-only");
    s.send("y");
    s.send("\r");
    s.send("r");
    s.send(" r");
    s.send("\x1b");
    s.send("y");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_terminal_restored();
    common::recording::assert_read_only(&seen.lock().unwrap());
}

/// In a DAG run's detail, `G` selects the last task instance and `k` (and ↑) move up from
/// it at once.
#[test]
fn after_g_k_moves_up_in_a_run_detail() {
    let mut s = Session::start("gk", &["--demo", "--seed", "7"], 120, 40);
    s.wait_for("failing now");
    s.send("3");
    s.wait_for("DAG runs");
    s.send("\r");
    s.wait_for("task instances");
    s.wait_for("warm_looker_cache");
    let first = s.selected_rows();
    s.send("G");
    let last = s.wait_selected("warm_looker_cache");
    s.send("k");
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = s.selected_rows();
        if !rows.is_empty() && !rows.iter().any(|r| r == &last) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "k did not move up from {last:?} (first {first:?}):\n{}",
            s.contents()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let above = s.selected_rows();
    s.send("\x1b[F"); // End
    s.wait_selected("warm_looker_cache");
    s.send("\x1b[A"); // ↑
    let again = s.selected_rows();
    assert_eq!(again, above, "↑ after End moves up as k after G does");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_terminal_restored();
}

/// The start dialog's keys are the documented ones: k j and ↑ ↓ choose the mode; while the
/// name of a reload-target is typed, k is a letter of it and ↑ still moves the mode.
#[test]
fn the_start_dialog_keys_do_what_it_says() {
    let mut s = Session::start("dialogkeys", &["--demo", "--seed", "7"], 120, 30);
    s.wait_for("failing now");
    s.send("2");
    s.wait_for("✖ failed");
    s.send("r");
    let screen = s.wait_for("again?");
    assert!(screen.contains("↑ ↓ or k j choose the mode"), "{screen}");
    assert!(
        screen.contains("↑↓ jk mode"),
        "the footer says it:\n{screen}"
    );
    s.send("j");
    let screen = s.wait_for("DESTRUCTIVE");
    assert!(
        screen.contains("letters go into the name"),
        "the dialog says k j type now:\n{screen}"
    );
    s.send("k");
    s.wait_for("name: k");
    assert!(
        s.contents().contains("DESTRUCTIVE"),
        "k typed, the mode stays"
    );
    s.send("\x1b[A");
    let deadline = Instant::now() + WAIT;
    while s.contents().contains("DESTRUCTIVE") {
        assert!(
            Instant::now() < deadline,
            "↑ did not move the mode:\n{}",
            s.contents()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    s.wait_for("▶ resume-processing");
    s.send("\x1b");
    s.wait_for("DMS tasks");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_terminal_restored();
}

/// Too small a terminal says so plainly; made larger, the console draws.
#[test]
fn a_small_terminal_is_told_and_a_larger_one_draws() {
    let mut s = Session::start("small", &["--demo"], 40, 10);
    let screen = s.wait_for("at least 60x16");
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("opsdeck needs at least 60x16 — this terminal is 40x10"),
        "{screen}"
    );
    assert!(!screen.contains('┌'), "no empty frames:\n{screen}");
    s.resize(80, 24);
    s.wait_for("failing now");
    s.resize(60, 16);
    // At 60 columns the tab bar shortens its titles.
    let screen = s.wait_for("1 Over │");
    assert!(screen.contains("DMS      ✖"), "{screen}");
    assert!(screen.contains("failing now"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_terminal_restored();
}

/// A footer message too long for 80 columns is read whole in the message log.
#[test]
fn the_message_log_shows_a_cut_message_whole() {
    let mut s = Session::start("messages", &["--demo", "--seed", "7"], 80, 24);
    s.wait_for("failing now");
    s.send("3");
    s.wait_for("DAG runs");
    // The running run sorts first: retrying it is refused with a long message.
    s.send("r");
    let screen = s.wait_for("L full text");
    assert!(!screen.contains("(t triggers a new run)"), "{screen}");
    s.send("L");
    let screen = s.wait_for("messages — Esc closes");
    let flat = screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("(t triggers a new run)"), "{screen}");
    s.send("\x1b");
    s.send("q");
    assert!(s.wait_exit().success());
    s.assert_terminal_restored();
}

#[test]
fn an_environment_switch_resets_the_cost_tab_and_the_demo_can_be_opened_again() {
    let (url, _seen) = common::recording::endpoint();
    let config = std::env::temp_dir().join(format!("opsdeck-pty-envs-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        "[[environment]]\nname = \"prod\"\nregion = \"eu-west-1\"\n[environment.dms]\n",
    )
    .unwrap();
    let vars = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let config_arg = config.to_string_lossy().into_owned();
    let mut s = Session::start_with(
        "envs",
        &["--demo", "--seed", "7", "--config", &config_arg],
        &vars,
        120,
        36,
    );
    s.wait_for("DEMO");
    s.send("5");
    s.wait_for("Amazon Redshift");
    s.send(":env prod\r");
    let screen = s.wait_for("env prod");
    assert!(!screen.contains("DEMO"), "{screen}");
    // The demo's breakdown is gone: prod's Cost Explorer answers (here, a refusal) fill
    // the tab.
    let deadline = Instant::now() + WAIT;
    loop {
        let screen = s.contents();
        if !screen.contains("Amazon Redshift") && screen.contains("AccessDenied") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Cost tab still shows the demo's spend, or no error:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    s.send(":env demo\r");
    s.wait_for("DEMO");
    s.wait_for("Amazon Redshift");
    s.send("q");
    assert!(s.wait_exit().success());
    let _ = std::fs::remove_file(config);
}

/// Inputs that used to abort the process (an allocation of 99 999 999 999 rows) or panic
/// it (an interval that overflows the clock) are refused before the terminal is touched:
/// the message is on the normal screen, in cooked mode, and no escape sequence was sent.
#[test]
fn inputs_out_of_bounds_are_refused_before_the_terminal_is_touched() {
    let interval = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/huge-interval.toml");
    let interval = interval.to_str().unwrap();
    for (name, args, message) in [
        (
            "rows",
            vec!["--demo", "--demo-rows", "99999999999"],
            "is not a number of rows from 1 to 100000",
        ),
        (
            "interval",
            vec!["--demo", "--config", interval],
            "expected a whole number of seconds from 1 to 604800",
        ),
    ] {
        let mut s = Session::start(&format!("bounds-{name}"), &args, 80, 24);
        let status = s.wait_exit();
        assert_eq!(status.exit_code(), 2, "{name}: {status:?}");
        let screen = s.wait_for(message);
        assert!(
            !s.screen.lock().unwrap().screen().alternate_screen(),
            "{name}"
        );
        let raw = s.raw.lock().unwrap();
        assert!(
            !String::from_utf8_lossy(&raw).contains("\x1b[?1049h"),
            "{name}: entered the alternate screen:\n{screen}"
        );
    }
}

/// `e` on the Cost tab writes the view beside the console's loop and says where; the file
/// holds the table on screen.
#[test]
fn the_cost_tab_exports_what_it_shows_and_says_where() {
    let mut s = Session::start("export", &["--demo", "--seed", "7"], 120, 36);
    s.wait_for("failing now");
    s.send("5");
    s.wait_for("Amazon Redshift");
    s.send("e");
    s.wait_for("exported to");
    let dir = s._home.0.join("state/opsdeck/exports");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let csv = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        csv.contains("Amazon Redshift") && csv.contains("TOTAL"),
        "{csv}"
    );
    s.send("q");
    assert!(s.wait_exit().success());
}
