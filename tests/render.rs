//! Rendering: snapshots of every tab and detail at 80x24 and 160x48 from the seed-7 demo,
//! health colours per theme, NO_COLOR, small terminals, inert remote strings.

mod common;

use opsdeck::app::{DetailPayload, Key, KeyCode, Model, Msg, update};
use opsdeck::domain::Health;
use opsdeck::ui::render;
use opsdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn draw(model: &Model, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, model, theme)).unwrap();
    terminal
}

/// The screen as text, as a terminal shows it: the cell a wide character covers is not
/// written again.
fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut covered = 0;
        for x in 0..buffer.area.width {
            if covered > 0 {
                covered -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            covered = opsdeck::text::width(symbol).saturating_sub(1);
            out.push_str(symbol);
        }
        out.push('\n');
    }
    out
}

fn press(model: &mut Model, keys: &str) {
    for c in keys.chars() {
        let key = match c {
            '\r' => Key::plain(KeyCode::Enter),
            '\x1b' => Key::plain(KeyCode::Esc),
            c => Key::char(c),
        };
        for effect in update(model, Msg::Key(key)) {
            fulfil(model, effect);
        }
    }
}

/// Runs one answer of the frozen demo to its end.
fn block_on<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(work)
}

/// Carries out detail fetches against the same frozen demo, as the runtime would.
fn fulfil(model: &mut Model, effect: opsdeck::app::Effect) {
    use opsdeck::app::{DetailRequest, Effect};
    let platform = common::platform();
    let payload = match effect {
        Effect::FetchDetail(DetailRequest::TableStatistics { task_id }) => {
            DetailPayload::TableStatistics {
                result: platform.table_statistics(&task_id),
                task_id,
            }
        }
        Effect::FetchDetail(DetailRequest::TaskSettings { task_id }) => {
            DetailPayload::TaskSettings {
                result: platform.task_settings(&task_id),
                task_id,
            }
        }
        Effect::FetchDetail(DetailRequest::TaskInstances { dag_id, run_id }) => {
            DetailPayload::TaskInstances {
                result: platform.task_instances(&dag_id, &run_id),
                dag_id,
                run_id,
            }
        }
        Effect::FetchDetail(DetailRequest::TaskLog {
            dag_id,
            run_id,
            task_id,
            try_number,
        }) => {
            let result = block_on(
                platform
                    .sources()
                    .workflow
                    .task_log(&dag_id, &run_id, &task_id, try_number),
            );
            DetailPayload::TaskLog {
                dag_id,
                run_id,
                task_id,
                try_number,
                result,
            }
        }
        Effect::PreviewClear {
            dag_id,
            run_id,
            scope,
        } => {
            let result = block_on(
                platform
                    .sources()
                    .workflow
                    .clear(&dag_id, &run_id, &scope, true),
            );
            update(
                model,
                Msg::ClearPreview {
                    dag_id,
                    run_id,
                    scope,
                    result,
                },
            );
            return;
        }
        Effect::FetchCostReview(request) => {
            let msg = block_on(opsdeck::console::review_cost(
                &platform.sources(),
                request,
                &model.cost_stages,
                model.now,
            ));
            update(model, msg);
            return;
        }
        _ => return,
    };
    update(model, Msg::DetailFetched(payload));
}

/// A DMS poll answers `tasks` now.
fn tasks_arrive(model: &mut Model, tasks: Vec<opsdeck::domain::ReplicationTask>) {
    let now = model.now;
    update(
        model,
        Msg::Fetched {
            kind: opsdeck::source::SourceKind::Replication,
            fetched_at: now,
            result: Ok(opsdeck::app::Payload::Tasks(tasks)),
        },
    );
}

fn snapshot(name: &str, keys: &str) {
    let mut model = common::demo_model();
    press(&mut model, keys);
    let theme = Theme::builtin("default").unwrap();
    for (w, h) in [(80, 24), (160, 48)] {
        let terminal = draw(&model, &theme, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(terminal.backend().buffer()));
    }
}

#[test]
fn overview() {
    snapshot("overview", "");
}

/// The recovery plan of the demo's red night, as `R` opens it on the Overview.
#[test]
fn recover_plan() {
    snapshot("recover_plan", "R");
}

/// A plan taller than the terminal says how much of it is not shown, above its buttons.
#[test]
fn a_plan_taller_than_the_terminal_says_what_is_not_shown() {
    let mut model = common::demo_model();
    press(&mut model, "R");
    let theme = Theme::builtin("default").unwrap();
    let screen = text(draw(&model, &theme, 60, 16).backend().buffer());
    assert!(screen.contains("more line(s) not shown"), "{screen}");
    assert!(screen.contains("[ Recover ]"), "{screen}");
    let screen = text(draw(&model, &theme, 160, 48).backend().buffer());
    assert!(!screen.contains("not shown"), "{screen}");
}

/// The plan's progress pane once its first step was sent and answered, and the load runs
/// again: the red runs after it wait for it.
#[test]
fn recover_progress() {
    let mut model = common::demo_model();
    press(&mut model, "Ry");
    let recovery = &model.recoveries[0];
    let action = recovery.steps[0]
        .step
        .action()
        .cloned()
        .expect("a first action");
    update(
        &mut model,
        Msg::ActionDone {
            action,
            result: Ok(opsdeck::domain::ActionOutcome {
                request_id: Some("demo-661e4b3541577".into()),
                message: "shipping-nightly-full-load starting (resume-processing)".into(),
                created: None,
            }),
            recorded: None,
        },
    );
    let mut tasks = model.tasks.data.clone().expect("the demo's tasks");
    let resumed = tasks
        .iter_mut()
        .find(|t| t.health() == opsdeck::domain::Health::Failed)
        .expect("the failed load");
    resumed.status = opsdeck::domain::TaskStatus::parse("running");
    resumed.stop_reason = None;
    resumed.started_at = Some(model.platform_now);
    if let Some(stats) = resumed.stats.as_mut() {
        stats.tables_errored = 0;
    }
    tasks_arrive(&mut model, tasks);
    let theme = Theme::builtin("default").unwrap();
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = text(draw(&model, &theme, w, h).backend().buffer());
        assert!(screen.contains("recovery · nightly · step 1/4"), "{screen}");
        assert!(screen.contains("waiting for a running stage"), "{screen}");
        assert!(!screen.contains("✖ root"), "{screen}");
        insta::assert_snapshot!(format!("recover_progress_{w}x{h}"), screen);
    }
}

/// A run's failed try read full screen: `Enter` on the run, `Enter` on its failed try
/// (listed first).
#[test]
fn airflow_log() {
    snapshot("airflow_log", "3\r\r");
}

/// The demo's red night on one time axis, its runs' task instances read as `T` opens it.
#[test]
fn night_timeline() {
    snapshot("night_timeline", "T");
}

#[test]
fn dms() {
    snapshot("dms", "2");
}

#[test]
fn dms_detail() {
    snapshot("dms_detail", "2\r");
}

#[test]
fn airflow() {
    snapshot("airflow", "3");
}

#[test]
fn airflow_detail() {
    snapshot("airflow_detail", "3\r");
}

#[test]
fn redshift() {
    snapshot("redshift", "4");
}

#[test]
fn redshift_detail() {
    snapshot("redshift_detail", "4\r");
}

#[test]
fn cost() {
    snapshot("cost", "5");
}

#[test]
fn help() {
    snapshot("help", "?");
}

#[test]
fn filtered_dms() {
    snapshot("dms_filtered", "2/orders\r");
}

/// Every cell that shows a health symbol carries that health's style in every theme.
#[test]
fn health_colours_follow_the_theme() {
    let model = common::demo_model();
    for name in Theme::BUILTIN {
        let theme = Theme::builtin(name).unwrap();
        let terminal = draw(&model, &theme, 160, 48);
        let buffer = terminal.backend().buffer();
        let mut seen = Vec::new();
        for health in [Health::Failed, Health::Degraded, Health::Ok] {
            let style = theme.health(health);
            let cell = (0..buffer.area.height)
                .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
                .map(|p| &buffer[p])
                .find(|c| {
                    c.symbol() == health.symbol() && c.fg == style.fg.unwrap_or(Color::Reset)
                });
            assert!(cell.is_some(), "{name}: no {health} symbol in its colour");
            seen.push(style.fg);
        }
        seen.dedup();
        assert_eq!(seen.len(), 3, "{name}: health colours must differ");
    }
}

#[test]
fn no_color_draws_no_colour_at_all() {
    let mut model = common::demo_model();
    let theme = Theme::builtin("default").unwrap().without_colors();
    for keys in ["", "2", "\r", "\x1b3", "4", "5", "?"] {
        press(&mut model, keys);
        let terminal = draw(&model, &theme, 100, 30);
        let buffer = terminal.backend().buffer();
        for cell in buffer.content() {
            assert_eq!(
                cell.fg,
                Color::Reset,
                "fg colour on {:?} after {keys:?}",
                cell.symbol()
            );
            assert_eq!(
                cell.bg,
                Color::Reset,
                "bg colour on {:?} after {keys:?}",
                cell.symbol()
            );
        }
    }
}

#[test]
fn small_terminals_degrade_without_panicking() {
    let mut model = common::demo_model();
    let theme = Theme::builtin("default").unwrap();
    for keys in ["", "2", "\r", "\x1b3", "\r", "\x1b4", "\r", "\x1b5", "?"] {
        press(&mut model, keys);
        for (w, h) in [
            (80, 24),
            (60, 16),
            (40, 10),
            (39, 9),
            (10, 3),
            (1, 1),
            (0, 0),
        ] {
            draw(&model, &theme, w, h);
        }
    }
    let terminal = draw(&model, &theme, 30, 8);
    assert!(text(terminal.backend().buffer()).contains("needs at least 60x16"));
}

/// Whatever column a list is sorted by, its header shows the arrow at 80x24: the sorted
/// column stays when a narrow terminal drops others.
#[test]
fn the_sorted_column_is_shown_at_80x24() {
    use opsdeck::app::view::Listed;
    use opsdeck::domain::{Failure, QueryRecord, ReplicationTask, WorkflowRun};
    let theme = Theme::builtin("default").unwrap();
    for (tab, columns) in [
        ("1", Failure::COLUMNS.len()),
        ("2", ReplicationTask::COLUMNS.len()),
        ("3", WorkflowRun::COLUMNS.len()),
        ("4", QueryRecord::COLUMNS.len()),
    ] {
        let mut model = common::demo_model();
        press(&mut model, tab);
        for _ in 0..columns {
            press(&mut model, "s");
            let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
            let notice = model.notice.clone().map(|n| n.text).unwrap_or_default();
            // "sorted by source ↑": the header says SOURCE▲.
            let column = notice
                .trim_start_matches("sorted by ")
                .trim_end_matches([' ', '↑', '↓'])
                .to_uppercase();
            // In a narrow column the title gives way to the arrow: "LOA▼".
            let marked = (2..=column.len()).any(|n| {
                let head = &column[..n];
                screen.contains(&format!("{head}▲")) || screen.contains(&format!("{head}▼"))
            });
            assert!(marked, "tab {tab}, {notice}: no sort arrow\n{screen}");
        }
    }
}

/// At the smallest usable size the Cost tab's lines that do not fit end with an ellipsis,
/// never cut at the border (the budget warning among them); the footer drops whole hints.
#[test]
fn at_60x16_cost_lines_end_with_an_ellipsis_and_footer_hints_go_whole() {
    let mut model = common::demo_model();
    press(&mut model, "5");
    let theme = Theme::builtin("default").unwrap();
    let screen = text(draw(&model, &theme, 60, 16).backend().buffer());
    let forecast = screen
        .lines()
        .find(|l| l.contains("month end"))
        .unwrap_or_else(|| panic!("no forecast line:\n{screen}"));
    let inside = forecast.trim_end().trim_end_matches('│').trim_end();
    assert!(
        inside.ends_with('…'),
        "cut without an ellipsis: {forecast}\n{screen}"
    );
    // The footer's key hints go whole: the last ones before help and quit leave first.
    for keys in ["", "\x1b1"] {
        press(&mut model, keys);
        let screen = text(draw(&model, &theme, 60, 16).backend().buffer());
        let footer = screen.lines().last().unwrap_or_default().trim_end();
        assert!(footer.ends_with("q quit"), "{footer:?}\n{screen}");
        assert!(footer.contains("? help"), "{footer:?}");
    }
}

/// Below the smallest usable size the console says so plainly, instead of empty frames;
/// at that size every tab still shows its data.
#[test]
fn below_the_smallest_usable_size_it_says_so() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    for (w, h) in [(40, 10), (59, 24), (80, 15)] {
        let screen = text(draw(&model, &theme, w, h).backend().buffer());
        let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&format!(
                "opsdeck needs at least 60x16 — this terminal is {w}x{h}"
            )),
            "{screen}"
        );
        assert!(!screen.contains('┌'), "no empty frame:\n{screen}");
    }
    let overview = text(draw(&model, &theme, 60, 16).backend().buffer());
    assert!(!overview.contains("needs at least"), "{overview}");
    assert!(overview.contains("DMS      ✖"), "{overview}");
    // The failing list keeps rows of its own at the smallest size.
    assert!(overview.contains("failing now"), "{overview}");
    let failing_rows = overview
        .lines()
        .filter(|l| {
            ["✖ failed", "✖ root", "↳ blocked"]
                .iter()
                .any(|w| l.contains(w))
        })
        .count();
    assert!(failing_rows >= 2, "{overview}");
    // The root cause comes first, even at the smallest size.
    assert!(overview.contains("✖ root"), "{overview}");
    for keys in ["2", "3", "4"] {
        press(&mut model, keys);
        let screen = text(draw(&model, &theme, 60, 16).backend().buffer());
        assert!(
            screen.lines().filter(|l| l.contains(" ok ")).count() >= 2,
            "rows are shown after {keys:?}:\n{screen}"
        );
    }
    // A dialog's key hints are left out whole, never cut in a word.
    press(&mut model, "2r");
    let screen = text(draw(&model, &theme, 60, 16).backend().buffer());
    let footer = screen.lines().last().unwrap().trim_end();
    assert!(footer.ends_with("switch button"), "{footer}");
}

/// With 10 000 rows a source's counts are never cut: words give way to symbols, never a
/// digit; the tab bar's counts of failed items too.
#[test]
fn counts_are_never_cut() {
    use opsdeck::domain::{Health, HealthCounts};
    let model = common::padded_model(10_000);
    let theme = Theme::builtin("default").unwrap();
    let counts: [(&str, HealthCounts); 3] = [
        ("DMS", model.counts.tasks.unwrap()),
        ("Airflow", model.counts.runs.unwrap()),
        ("Redshift", model.counts.queries.unwrap()),
    ];
    assert!(
        counts.iter().any(|(_, c)| c.ok > 999),
        "the padded demo has four-digit counts: {counts:?}"
    );
    for (w, h) in [(80, 24), (60, 20), (60, 16)] {
        let screen = text(draw(&model, &theme, w, h).backend().buffer());
        for (name, c) in counts {
            let line = screen
                .lines()
                .find(|l| l.starts_with(&format!("│{name} ")))
                .unwrap_or_else(|| panic!("no {name} line at {w}x{h}:\n{screen}"));
            for health in [
                Health::Failed,
                Health::Degraded,
                Health::Running,
                Health::Ok,
            ] {
                let shown = format!("{} {} ", health.symbol(), c.get(health));
                assert!(
                    line.contains(&shown),
                    "{w}x{h}: `{shown}` cut from {name}:\n{line}"
                );
            }
        }
        let cost = screen.lines().find(|l| l.starts_with("│Cost ")).unwrap();
        assert!(cost.contains("MTD $22,281.01"), "{w}x{h}: {cost}");
        assert!(
            cost.contains("+3.1%"),
            "{w}x{h}: the change is never cut: {cost}"
        );
        let tabs = screen.lines().nth(1).unwrap();
        for (i, n) in model.problems.iter().enumerate().filter(|(_, n)| **n > 0) {
            assert!(
                tabs.contains(&format!("{} ", i + 1)) && tabs.contains(&format!("✖{n} ")),
                "{w}x{h}: tab {} lost its count {n}:\n{tabs}",
                i + 1
            );
        }
    }
}

/// A symbol and its word agree: a stage that is degraded while it runs says degraded, a
/// task instance that has not started is not drawn as running.
#[test]
fn symbols_and_words_agree() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    let overview = text(draw(&model, &theme, 160, 48).backend().buffer());
    assert!(
        overview.contains("marts ▲ degraded · running"),
        "{overview}"
    );
    assert!(!overview.contains("▲ running"), "{overview}");
    press(&mut model, "3\r");
    let detail = text(draw(&model, &theme, 160, 48).backend().buffer());
    assert!(detail.contains("○ no_status"), "{detail}");
    assert!(!detail.contains("▶ no_status"), "{detail}");
    // Every ▶ on any screen is followed by a running state or a count.
    for keys in ["\x1b", "1", "2", "\r", "\x1b3", "4"] {
        press(&mut model, keys);
        let screen = text(draw(&model, &theme, 160, 48).backend().buffer());
        for (at, _) in screen.match_indices("▶ ") {
            let word: String = screen[at + "▶ ".len()..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            assert!(
                [
                    "running",
                    "restarting",
                    "deferred",
                    "up_for_reschedule",
                    "full",
                    "Full",
                    "Table"
                ]
                .contains(&word.as_str())
                    || word.chars().all(|c| c.is_ascii_digit()),
                "`▶ {word}` after {keys:?}:\n{screen}"
            );
        }
    }
}

#[test]
fn remote_strings_cannot_reach_the_terminal() {
    let mut model = common::demo_model();
    let mut tasks = model.tasks.data.clone().unwrap();
    tasks[0].id = "evil\x1b[2J\x1b]0;owned\x07task".into();
    tasks[0].last_failure_message = Some("boom\x1b[31m red\r\nsecond line".into());
    tasks_arrive(&mut model, tasks);
    let theme = Theme::builtin("default").unwrap();
    for keys in ["", "2", "/evil\r", "\r"] {
        press(&mut model, keys);
        let terminal = draw(&model, &theme, 160, 48);
        let screen = text(terminal.backend().buffer());
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "control character drawn after {keys:?}"
        );
    }
}

/// A failing source shows its error in its own pane, keeps its last data, and leaves the
/// other panes as they were.
#[test]
fn a_failing_source_shows_its_error_in_place() {
    use opsdeck::source::{ErrorKind, SourceError, SourceKind};
    let mut model = common::demo_model();
    let now = model.now;
    let throttled = SourceError::new(ErrorKind::Throttled, "DMS: Rate exceeded")
        .with_hint("opsdeck backs off and retries");
    update(
        &mut model,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: now,
            result: Err(throttled),
        },
    );
    let theme = Theme::builtin("default").unwrap();
    let overview = text(draw(&model, &theme, 80, 24).backend().buffer());
    assert!(
        overview.contains("DMS      ✖ DMS: Rate exceeded"),
        "{overview}"
    );
    assert!(overview.contains("Airflow  ✖ 3 failed"), "{overview}");
    press(&mut model, "2");
    let dms = text(draw(&model, &theme, 100, 30).backend().buffer());
    assert!(
        dms.contains(
            "✖ DMS: Rate exceeded — opsdeck backs off and retries (showing the last data)"
        ),
        "{dms}"
    );
    assert!(
        dms.contains("shipping-nightly-full-load"),
        "the last data stays:\n{dms}"
    );
    insta::assert_snapshot!(
        "dms_error_80x24",
        text(draw(&model, &theme, 80, 24).backend().buffer())
    );
}

/// A pane's age changes rarely while nobody touches the console: "just now" while its
/// source polls on time, then tens of seconds, and the stale mark comes exactly at two
/// polling intervals with the exact age.
#[test]
fn pane_ages_move_in_steps_and_turn_stale_exactly() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    press(&mut model, "2");
    let fetched = model.tasks.fetched_at.expect("demo data");
    let interval = model.tasks.interval.as_secs() as i64;
    let title_at = |model: &mut Model, secs: i64| {
        let at = fetched + chrono::Duration::seconds(secs);
        update(
            model,
            Msg::Tick {
                now: at,
                platform_now: at,
            },
        );
        let screen = text(draw(model, &theme, 80, 24).backend().buffer());
        let line = screen.lines().nth(2).unwrap().to_string();
        let age = line
            .rsplit("──")
            .next()
            .unwrap()
            .trim_end_matches('┐')
            .trim();
        age.to_string()
    };
    let mut seen = Vec::<String>::new();
    for secs in 0..=2 * interval {
        let age = title_at(&mut model, secs);
        if seen.last() != Some(&age) {
            seen.push(age);
        }
    }
    // Over two polling intervals the words change only a few times, never each second.
    assert!(seen.len() <= 5, "{seen:?}");
    assert_eq!(seen[0], "updated just now", "{seen:?}");
    assert!(
        (0..=interval).all(|s| title_at(&mut model, s) == "updated just now"),
        "a source polled on time stays just now"
    );
    assert!(
        seen.iter().all(|age| !age.contains("stale")),
        "not stale at two intervals: {seen:?}"
    );
    let stale = title_at(&mut model, 2 * interval + 1);
    assert_eq!(
        stale,
        format!(
            "⚠ stale: updated {} ago",
            opsdeck::text::age(std::time::Duration::from_secs((2 * interval + 1) as u64))
        )
    );
}

/// Data older than two polling intervals is marked stale in its pane's title.
#[test]
fn stale_data_is_marked() {
    let mut model = common::demo_model();
    let later = model.now + chrono::Duration::seconds(75);
    update(
        &mut model,
        Msg::Tick {
            now: later,
            platform_now: later,
        },
    );
    press(&mut model, "2");
    let theme = Theme::builtin("default").unwrap();
    let terminal = draw(&model, &theme, 80, 24);
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("⚠ stale: updated 1 min ago"), "{screen}");
    let buffer = terminal.backend().buffer();
    let x = (0..80)
        .find(|x| buffer[(*x, 2)].symbol() == "⚠")
        .expect("the mark");
    assert_eq!(buffer[(x, 2)].fg, theme.warning.fg.unwrap_or(Color::Reset));
}

/// Spend from a provider that bills each request: the Cost tab counts the session's
/// requests, and Ctrl-r asks before it spends.
#[test]
fn billed_cost_shows_its_count_and_asks_before_a_refetch() {
    use opsdeck::source::SourceKind;
    let mut model = common::demo_model();
    let mut series = model.spend.data.clone().unwrap();
    series.billed_requests = Some(2);
    let now = model.now;
    update(
        &mut model,
        Msg::Fetched {
            kind: SourceKind::Cost,
            fetched_at: now - chrono::Duration::minutes(42),
            result: Ok(opsdeck::app::Payload::Spend(series)),
        },
    );
    press(&mut model, "5");
    update(&mut model, Msg::Key(Key::ctrl('r')));
    let theme = Theme::builtin("default").unwrap();
    for (w, h) in [(80, 24), (160, 48)] {
        let terminal = draw(&model, &theme, w, h);
        insta::assert_snapshot!(
            format!("cost_refetch_dialog_{w}x{h}"),
            text(terminal.backend().buffer())
        );
    }
}

/// A failed try's log, fetched apart from the task instances (as Airflow serves it), shows
/// its last lines, inert.
#[test]
fn a_fetched_log_tail_shows_its_end_inert() {
    use opsdeck::app::{Detail, DetailRequest, Effect};
    use opsdeck::domain::{TaskInstance, TaskState};
    let mut model = common::demo_model();
    press(&mut model, "3\r");
    let Some(Detail::Run { dag_id, run_id, .. }) = model.detail.clone() else {
        panic!("a run detail is open");
    };
    let failed = TaskInstance {
        task_id: "load_orders".into(),
        state: TaskState::Failed,
        try_number: 3,
        max_tries: 3,
        operator: "PythonOperator".into(),
        started_at: None,
        ended_at: None,
        error: None,
    };
    let effects = update(
        &mut model,
        Msg::DetailFetched(DetailPayload::TaskInstances {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            result: Ok(vec![failed]),
        }),
    );
    assert_eq!(
        effects,
        vec![Effect::FetchDetail(DetailRequest::TaskLog {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            task_id: "load_orders".into(),
            try_number: 3,
        })]
    );
    let theme = Theme::builtin("default").unwrap();
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    assert!(screen.contains("reading the log of try 3"), "{screen}");

    let mut log: Vec<String> = (1..=40).map(|i| format!("[task] line {i}")).collect();
    log.push("ValueError: \x1b[31m3 rows\x1b[0m rejected\x07".into());
    update(
        &mut model,
        Msg::DetailFetched(DetailPayload::TaskLog {
            dag_id,
            run_id,
            task_id: "load_orders".into(),
            try_number: 3,
            result: Ok(log.join("\n")),
        }),
    );
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    assert!(
        screen.contains("3 rows"),
        "the log's last line shows:\n{screen}"
    );
    assert!(screen.contains("rejected"), "{screen}");
    assert!(
        !screen.contains("line 1 "),
        "the log's start scrolls away:\n{screen}"
    );
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "no control character reaches the terminal:\n{screen}"
    );
}

#[test]
fn the_footer_offers_cancel_on_a_running_query_and_trigger_on_the_dag_runs() {
    let theme = Theme::builtin("default").unwrap();
    let footer = |model: &Model| {
        let terminal = draw(model, &theme, 160, 48);
        text(terminal.backend().buffer())
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    let mut model = common::demo_model();
    press(&mut model, "4");
    // The worst sorts first: a failed query, nothing to cancel.
    assert!(!footer(&model).contains("x cancel"), "{}", footer(&model));
    press(&mut model, "/running\r");
    assert!(
        footer(&model).contains("x cancel query"),
        "{}",
        footer(&model)
    );
    press(&mut model, "3");
    assert!(footer(&model).contains("t trigger"), "{}", footer(&model));
    // Read-only offers neither.
    model.environment.read_only = true;
    assert!(!footer(&model).contains("t trigger"), "{}", footer(&model));
    press(&mut model, "4");
    assert!(!footer(&model).contains("x cancel"), "{}", footer(&model));
}

#[test]
fn a_forecast_and_anomalies_kept_from_earlier_say_their_own_age() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    press(&mut model, "5");
    let screen = |model: &Model| text(draw(model, &theme, 160, 48).backend().buffer());
    assert!(!screen(&model).contains("as of"), "{}", screen(&model));
    let earlier = model.now - chrono::Duration::hours(3);
    model.cost.forecast.fetched_at = Some(earlier);
    model.cost.anomalies.fetched_at = Some(earlier);
    let shown = screen(&model);
    assert_eq!(shown.matches("as of 3 h ago").count(), 2, "{shown}");
}

/// Help is as wide as it needs: at 160x48 no line of it is cut, and it lists every
/// command of the command table; at 80x24 it wraps and scrolls instead of cutting.
#[test]
fn help_is_as_wide_as_it_needs_and_lists_every_command() {
    use opsdeck::app::command::COMMANDS;
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    update(
        &mut model,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    press(&mut model, "?");
    let mut seen = String::new();
    // Scroll through it all, gathering what is shown.
    for _ in 0..60 {
        seen.push_str(&text(draw(&model, &theme, 160, 48).backend().buffer()));
        press(&mut model, "j");
    }
    for action in opsdeck::app::Action::ALL {
        assert!(
            seen.contains(action.description()),
            "`{}` whole at 160x48",
            action.description()
        );
    }
    for command in COMMANDS {
        assert!(seen.contains(command.usage), "{} in help", command.usage);
        assert!(seen.contains(command.does), "{} whole", command.does);
    }
    for description in [
        "mark or unmark the row and move down (one r retries all marked)",
        "retry: DMS task, DAG run (clear), task instance, query re-run",
    ] {
        assert!(seen.contains(description), "{description} whole");
    }
    // At 80x24 a long line wraps: its end is on screen too.
    let mut model = common::demo_model();
    press(&mut model, "?");
    let mut seen = String::new();
    for _ in 0..80 {
        seen.push_str(&text(draw(&model, &theme, 80, 24).backend().buffer()));
        press(&mut model, "j");
    }
    assert!(seen.contains("(:messages)"), "{seen}");
    assert!(seen.contains("FROM..TO)"), "{seen}");
}

/// A message longer than the footer is cut there with the key that shows it whole, and
/// the message log shows it whole, wrapped, with its time.
#[test]
fn a_long_message_is_read_in_full_in_the_message_log() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    let id = "5b0e1f2a-7c3d-4e5f-8a9b-0c1d2e3f4a5b";
    update(
        &mut model,
        Msg::Exported(Ok(format!(
            "/home/ana/.local/state/opsdeck/exports/cost-2026-11-23.csv · request id {id}"
        ))),
    );
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    let footer = screen.lines().last().unwrap();
    assert!(footer.ends_with("L full text"), "{footer}");
    assert!(!screen.contains(id), "{screen}");
    press(&mut model, "L");
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(id), "{screen}");
    assert!(screen.contains("09:30:00"), "{screen}");
    insta::assert_snapshot!("messages_80x24", screen);
}

/// The demo with wide characters (CJK, emoji) in task ids, DAG ids, labels and SQL.
fn wide_model() -> Model {
    use opsdeck::app::Payload;
    use opsdeck::source::SourceKind;
    let mut model = common::demo_model();
    let now = model.now;
    let mut tasks = model.tasks.data.clone().unwrap();
    let failed = tasks
        .iter()
        .position(|t| t.status.as_str() == "failed")
        .unwrap();
    tasks[failed].id = "订单-全量-夜间-加载任务-🚀-shipping".into();
    tasks[0].id = format!("{}-数据仓库", tasks[0].id);
    let mut runs = model.runs.data.clone().unwrap();
    for run in runs.iter_mut().filter(|r| r.dag_id == "dbt_build") {
        run.dag_id = "数据构建_dbt_🚀".into();
    }
    let mut queries = model.queries.data.clone().unwrap();
    queries[0].label = "报表:销售日报_每日刷新".into();
    queries[0].text = "SELECT 客户编号, 订单总额 FROM 销售.订单 WHERE 状态 = '已完成' -- 🚀 每日"
        .repeat(3)
        .into();
    for (kind, payload) in [
        (SourceKind::Replication, Payload::Tasks(tasks)),
        (SourceKind::Workflow, Payload::Runs(runs)),
        (SourceKind::Warehouse, Payload::Queries(queries)),
    ] {
        update(
            &mut model,
            Msg::Fetched {
                kind,
                fetched_at: now,
                result: Ok(payload),
            },
        );
    }
    model
}

/// Wide characters are fitted by display width: every drawn line keeps its frame, and a
/// dialog about a CJK task shows its whole text and its buttons.
#[test]
fn wide_characters_are_fitted_by_display_width() {
    let theme = Theme::builtin("default").unwrap();
    for (name, keys) in [
        ("wide_overview", ""),
        ("wide_dms", "2"),
        ("wide_start_dialog", "2r"),
        ("wide_airflow", "3"),
        ("wide_redshift_detail", "4/报表\r\r"),
    ] {
        let mut model = wide_model();
        press(&mut model, keys);
        let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
        for (y, line) in screen.lines().enumerate().skip(2).take(21) {
            assert_eq!(
                opsdeck::text::width(line),
                80,
                "{name}: line {y}:\n{screen}"
            );
            let last = line.chars().last().unwrap();
            assert!(
                matches!(last, '│' | '┐' | '┘'),
                "{name}: line {y} lost its frame:\n{screen}"
            );
        }
        insta::assert_snapshot!(format!("{name}_80x24"), screen);
    }
    let mut model = wide_model();
    press(&mut model, "2r");
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("订单-全量-夜间-加载任务-🚀-shipping"),
        "{screen}"
    );
    assert!(screen.contains("[ Cancel ]"), "{screen}");
    assert!(screen.contains("↑ ↓ or k j choose the mode"), "{screen}");
}

/// The Overview's cost line names the days it compares with, the month to date's own
/// label (the one `status` and the Cost tab use), and is never cut at 80x24.
#[test]
fn the_overview_names_the_dates_its_cost_compares_with() {
    let theme = Theme::builtin("default").unwrap();
    let model = common::demo_model();
    let series = model.spend.data.clone().expect("the demo's spend");
    let mtd = series.month_to_date(model.platform_now.date_naive());
    assert_eq!(mtd.compared_label(), "Oct 01–23");
    assert!(mtd.dates_label().ends_with(&mtd.compared_label()));
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    let line = screen
        .lines()
        .find(|l| l.contains("│Cost "))
        .unwrap_or_else(|| panic!("a cost line:\n{screen}"));
    let comparison = format!(
        "MTD {} vs {} ({}) +3.1%",
        opsdeck::text::money(mtd.current, &series.unit),
        opsdeck::text::money(mtd.previous, &series.unit),
        mtd.compared_label()
    );
    assert!(line.contains(&comparison), "{comparison:?} in {line:?}");
    assert!(!line.contains("last month"), "{line}");
    // The Cost tab at month to date names the same days the same way.
    let mut model = model;
    press(&mut model, "5pp");
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    assert!(screen.contains("month to date"), "{screen}");
    let compared = format!(
        " vs {} ({})",
        opsdeck::text::money(mtd.previous, &series.unit),
        mtd.compared_label()
    );
    assert!(screen.contains(&compared), "{compared:?} in\n{screen}");
}

/// At small heights the Cost tab leaves its chart out rather than draw an empty box, and
/// its groups take the rows; with room the chart is drawn with its bars.
#[test]
fn the_cost_tab_leaves_out_a_chart_it_has_no_room_for() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    press(&mut model, "5");
    let small = text(draw(&model, &theme, 60, 16).backend().buffer());
    assert!(!small.contains("spend per bucket"), "{small}");
    assert!(small.contains("Amazon Relational"), "{small}");
    let large = text(draw(&model, &theme, 80, 24).backend().buffer());
    let chart: Vec<&str> = large
        .lines()
        .skip_while(|l| !l.contains("spend per bucket"))
        .skip(1)
        .take_while(|l| !l.contains("└"))
        .collect();
    assert!(chart.iter().any(|l| l.contains('█')), "{large}");
}

/// The Airflow tab says which runs it lists: on a real Airflow each DAG's runs of the last
/// 24 hours, its active runs and its newest run; the demo its last 7 days. The words
/// shorten with the width and never run into the data's age.
#[test]
fn the_airflow_tab_names_the_window_of_runs_it_shows() {
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    press(&mut model, "3");
    let top = |model: &Model, w: u16| {
        let screen = text(draw(model, &theme, w, 24).backend().buffer());
        screen.lines().nth(2).unwrap().to_string()
    };
    let line = top(&model, 80);
    assert!(
        line.contains("DAG runs (21/21) · demo runs of the last 7 days"),
        "{line}"
    );
    assert!(top(&model, 60).contains("DAG runs (21/21) · last 7 days"));
    model.environment.demo = false;
    for (w, window) in [
        (80, "DAG runs (21/21) · last 24 h, active, newest per DAG "),
        (60, "DAG runs (21/21) · last 24 h, active "),
    ] {
        let line = top(&model, w);
        assert!(line.contains(window), "{line}");
        assert!(line.contains(" updated just now ┐"), "{line}");
    }
}

/// At 80 columns nothing is cut without showing it: a marked row keeps its health word
/// whole, and a source error too long for its lines ends with `…` (it wraps first).
#[test]
fn text_is_never_cut_without_an_ellipsis_at_80_columns() {
    use opsdeck::source::{ErrorKind, SourceError};
    let theme = Theme::builtin("default").unwrap();
    let mut model = common::demo_model();
    // Mark the failed and the degraded task.
    press(&mut model, "2  ");
    let dms = text(draw(&model, &theme, 80, 24).backend().buffer());
    assert!(dms.contains("●▲ degraded "), "{dms}");
    assert!(dms.contains("●✖ failed "), "{dms}");

    let mut model = common::demo_model();
    let error = SourceError::new(
        ErrorKind::Throttled,
        "Cost Explorer: the request was sent but not answered within 30 s",
    )
    .with_hint(
        "check the network path to ce.us-east-1.amazonaws.com, the proxy settings and the \
         credentials of the profile; opsdeck keeps the last spend and tries again at the \
         next poll, every 6 hours",
    );
    press(&mut model, "5");
    model.cost.report.error = Some(error);
    let cost = text(draw(&model, &theme, 80, 24).backend().buffer());
    let rows: Vec<&str> = cost.lines().collect();
    let at = rows
        .iter()
        .position(|l| l.contains("✖ Cost Explorer"))
        .unwrap_or_else(|| panic!("the error is shown:\n{cost}"));
    // Two lines under the data: the second ends with … and not in a word cut short.
    let second = rows[at + 1].trim_matches(['│', ' ']);
    assert!(second.ends_with('…'), "{second:?}\n{cost}");
    assert!(
        rows[at].contains("✖ Cost Explorer: the request was sent"),
        "{cost}"
    );
}

/// On the Overview at 80 columns, a stale source's age is cut with `…` when it does not
/// fit beside the counts, never mid-word without a mark.
#[test]
fn the_overview_cuts_a_stale_age_with_an_ellipsis() {
    let mut model = common::demo_model();
    let later = model.now + chrono::Duration::minutes(3);
    update(
        &mut model,
        Msg::Tick {
            now: later,
            platform_now: later,
        },
    );
    let theme = Theme::builtin("default").unwrap();
    let screen = text(draw(&model, &theme, 80, 24).backend().buffer());
    let stale: Vec<&str> = screen.lines().filter(|l| l.contains("⚠ stale")).collect();
    assert!(!stale.is_empty(), "{screen}");
    for line in stale {
        let age = line[line.find("⚠ stale").unwrap()..].trim_end_matches(['│', ' ']);
        assert!(
            age.ends_with("ago") || age.ends_with('…') || age.ends_with('⟳'),
            "{age:?}\n{screen}"
        );
    }
}
