//! `update` driven message by message, as the runtime would, with no terminal.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::{
    MigrationType, QueryRecord, QueryStatus, ReplicationTask, RunState, TaskStats, TaskStatus,
    WorkflowRun,
};
use crate::source::{ErrorKind, SourceError, SourceKind};

fn t(hour: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, hour, min, 0).unwrap()
}

fn model() -> Model {
    let mut intervals = HashMap::new();
    for &kind in SourceKind::ALL {
        intervals.insert(kind, Duration::from_secs(30));
    }
    Model::new(ModelInit {
        environment: Environment {
            name: "demo".into(),
            profile: None,
            region: Some("eu-west-1".into()),
            demo: true,
            read_only: false,
            budget: None,
        },
        keymap: Keymap::default(),
        pipelines: Vec::new(),
        theme_name: "default".into(),
        themes: vec!["default".into(), "high-contrast".into(), "light".into()],
        intervals,
        now: t(9, 30),
        platform_now: t(9, 30),
    })
}

fn task(id: &str, status: &str, stop: Option<&str>, started: DateTime<Utc>) -> ReplicationTask {
    ReplicationTask {
        id: id.into(),
        arn: format!(
            "arn:aws:dms:eu-west-1:123456789012:task:{}",
            id.to_uppercase()
        ),
        source_database: id.split('-').next().unwrap_or(id).into(),
        migration_type: MigrationType::FullLoad,
        status: TaskStatus::parse(status),
        stop_reason: stop.map(str::to_string),
        last_failure_message: (status == "failed").then(|| "Last Error ODBC general error.".into()),
        started_at: Some(started),
        stats: Some(TaskStats::default()),
        serverless: false,
    }
}

fn tasks() -> Vec<ReplicationTask> {
    vec![
        task("orders-nightly-full-load", "failed", None, t(1, 0)),
        task(
            "customers-nightly-full-load",
            "stopped",
            Some("Stop Reason FULL_LOAD_ONLY_FINISHED"),
            t(1, 0),
        ),
        task("payments-nightly-full-load", "running", None, t(1, 5)),
        task("inventory-cdc", "running", None, t(0, 0)),
    ]
}

fn run(dag: &str, state: &str, started: DateTime<Utc>) -> WorkflowRun {
    WorkflowRun {
        dag_id: dag.into(),
        run_id: format!("scheduled__{}", started.to_rfc3339()),
        state: RunState::parse(state),
        run_type: "scheduled".into(),
        logical_date: Some(started),
        started_at: Some(started),
        ended_at: None,
        failure: (state == "failed").then(|| "dbt_test: 3 tests failed".into()),
        tasks_retrying: 0,
    }
}

fn query(id: i64, status: &str, started: DateTime<Utc>) -> QueryRecord {
    QueryRecord {
        query_id: id,
        label: format!("dbt:model_{id}"),
        user: "dbt".into(),
        database: "analytics".into(),
        query_type: "CTAS".into(),
        status: QueryStatus::parse(status),
        started_at: Some(started),
        ended_at: Some(started),
        elapsed_micros: 1_000_000,
        queue_micros: 0,
        execution_micros: 1_000_000,
        error_message: (status == "failed").then(|| "ERROR: Disk Full".into()),
        returned_rows: None,
        text: "create table x as select 1".into(),
        text_truncated: false,
        spilled_mb: None,
        pid: None,
    }
}

fn loaded() -> Model {
    let mut m = model();
    let at = t(9, 30);
    for (kind, payload) in [
        (SourceKind::Replication, Payload::Tasks(tasks())),
        (
            SourceKind::Workflow,
            Payload::Runs(vec![
                run("dbt_build", "failed", t(3, 0)),
                run("clean_anonymize", "success", t(2, 0)),
                run("dbt_build", "success", t(3, 0) - chrono::Duration::days(1)),
            ]),
        ),
        (
            SourceKind::Warehouse,
            Payload::Queries(vec![
                query(1, "success", t(8, 0)),
                query(2, "failed", t(8, 30)),
            ]),
        ),
    ] {
        update(
            &mut m,
            Msg::Fetched {
                kind,
                fetched_at: at,
                result: Ok(payload),
            },
        );
    }
    m
}

fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in keys.chars() {
        effects.extend(update(m, Msg::Key(Key::char(c))));
    }
    effects
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    update(m, Msg::Key(Key::plain(code)))
}

#[test]
fn number_keys_tab_and_backtab_switch_tabs_and_focus_the_source() {
    let mut m = loaded();
    assert_eq!(
        press(&mut m, "2"),
        vec![Effect::Focus(Some(SourceKind::Replication))]
    );
    assert_eq!(m.tab, Tab::Dms);
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.tab, Tab::Airflow);
    key(&mut m, KeyCode::BackTab);
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.tab, Tab::Overview);
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.tab, Tab::Cost);
    assert_eq!(press(&mut m, "1"), vec![Effect::Focus(None)]);
    assert!(press(&mut m, "1").is_empty(), "same tab: no effect");
}

#[test]
fn navigation_moves_and_stops_at_the_ends() {
    let mut m = loaded();
    press(&mut m, "2");
    assert_eq!(m.view(Tab::Dms).rows.len(), 4);
    press(&mut m, "jjjjjj");
    assert_eq!(m.view(Tab::Dms).selected, 3);
    press(&mut m, "k");
    assert_eq!(m.view(Tab::Dms).selected, 2);
    press(&mut m, "g");
    assert_eq!(m.view(Tab::Dms).selected, 0);
    press(&mut m, "G");
    assert_eq!(m.view(Tab::Dms).selected, 3);
    key(&mut m, KeyCode::PageUp);
    assert_eq!(m.view(Tab::Dms).selected, 0);
    key(&mut m, KeyCode::Down);
    assert_eq!(m.view(Tab::Dms).selected, 1);
}

#[test]
fn worst_health_sorts_first_and_sort_keys_change_order() {
    let mut m = loaded();
    press(&mut m, "2");
    let first = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[first].id,
        "orders-nightly-full-load"
    );
    press(&mut m, "s"); // by task id
    assert_eq!(m.view(Tab::Dms).sort.column, 1);
    let first = m.view(Tab::Dms).rows[0];
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[first].id,
        "payments-nightly-full-load"
    );
    press(&mut m, "S");
    let first = m.view(Tab::Dms).rows[0];
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[first].id,
        "customers-nightly-full-load"
    );
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("sorted by task")
    );
}

#[test]
fn filter_narrows_live_enter_keeps_and_esc_clears() {
    let mut m = loaded();
    press(&mut m, "2/orders");
    assert!(matches!(&m.mode, Mode::Filter { input } if input == "orders"));
    assert_eq!(m.view(Tab::Dms).rows.len(), 1);
    key(&mut m, KeyCode::Backspace);
    assert_eq!(m.view(Tab::Dms).filter, "order");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.view(Tab::Dms).rows.len(), 1, "filter kept after Enter");
    press(&mut m, "j"); // keys are actions again
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.view(Tab::Dms).rows.len(), 4, "Esc clears the filter");
    press(&mut m, "/zzz");
    assert_eq!(m.view(Tab::Dms).rows.len(), 0);
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.view(Tab::Dms).filter, "");
}

#[test]
fn command_mode_switches_tabs_completes_and_reports_errors() {
    let mut m = loaded();
    press(&mut m, ":air");
    key(&mut m, KeyCode::Tab);
    assert!(matches!(&m.mode, Mode::Command { input } if input == "airflow"));
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Effect::Focus(Some(SourceKind::Workflow))]
    );
    assert_eq!(m.tab, Tab::Airflow);
    press(&mut m, ":theme li");
    key(&mut m, KeyCode::Tab);
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Effect::LoadTheme("light".into())]
    );
    update(&mut m, Msg::ThemeLoaded(Ok("light".into())));
    assert_eq!(m.theme_name, "light");
    press(&mut m, ":bogus");
    key(&mut m, KeyCode::Enter);
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "unknown command `:bogus` (try :help)"
    );
    assert!(m.notice.as_ref().unwrap().is_error);
    press(&mut m, ":x");
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.tab, Tab::Airflow);
    press(&mut m, ":q");
    assert_eq!(key(&mut m, KeyCode::Enter), vec![Effect::Quit]);
    assert!(m.quit);
}

#[test]
fn enter_opens_a_detail_that_fetches_and_esc_goes_back() {
    let mut m = loaded();
    press(&mut m, "2");
    let effects = key(&mut m, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![
            Effect::FetchTableStatistics {
                task_id: "orders-nightly-full-load".into()
            },
            Effect::FetchTaskSettings {
                task_id: "orders-nightly-full-load".into()
            }
        ]
    );
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskSettings {
            task_id: "orders-nightly-full-load".into(),
            result: Ok(crate::domain::TaskSettings {
                target_table_prep_mode: Some(crate::domain::TablePrepMode::TruncateBeforeLoad),
            }),
        }),
    );
    assert!(matches!(&m.detail, Some(Detail::Task { settings, .. })
        if settings.data.as_ref().unwrap().target_table_prep_mode
            == Some(crate::domain::TablePrepMode::TruncateBeforeLoad)));
    assert!(matches!(&m.detail, Some(Detail::Task { id, .. }) if id == "orders-nightly-full-load"));
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TableStatistics {
            task_id: "orders-nightly-full-load".into(),
            result: Ok(Vec::new()),
        }),
    );
    assert!(matches!(&m.detail, Some(Detail::Task { tables, .. }) if tables.data.is_some()));
    // An answer for another task is dropped.
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TableStatistics {
            task_id: "other".into(),
            result: Err(SourceError::new(ErrorKind::NotFound, "gone")),
        }),
    );
    assert!(matches!(&m.detail, Some(Detail::Task { tables, .. }) if tables.error.is_none()));
    key(&mut m, KeyCode::Esc);
    assert!(m.detail.is_none());
    assert_eq!(m.tab, Tab::Dms);

    press(&mut m, "3");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::FetchTaskInstances { dag_id, .. }] if dag_id == "dbt_build")
    );
    press(&mut m, "4");
    assert!(m.detail.is_none(), "switching tabs closes the detail");
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(matches!(m.detail, Some(Detail::Query { id: 2, .. })));
}

#[test]
fn overview_lists_failures_newest_first_and_enter_jumps_to_the_item() {
    let mut m = loaded();
    let titles: Vec<&str> = m
        .view(Tab::Overview)
        .rows
        .iter()
        .map(|i| m.failures[*i].title.as_str())
        .collect();
    assert_eq!(
        titles,
        vec![
            "query 2 dbt:model_2",
            "dbt_build",
            "orders-nightly-full-load"
        ]
    );
    press(&mut m, "jj");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.tab, Tab::Dms);
    let selected = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[selected].id,
        "orders-nightly-full-load"
    );
}

#[test]
fn jumping_clears_a_filter_that_hides_the_item() {
    let mut m = loaded();
    press(&mut m, "2/customers");
    key(&mut m, KeyCode::Enter);
    press(&mut m, "1");
    press(&mut m, "G");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.tab, Tab::Dms);
    assert_eq!(m.view(Tab::Dms).filter, "");
    let selected = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[selected].id,
        "orders-nightly-full-load"
    );
}

#[test]
fn an_older_failed_run_fixed_by_a_newer_one_is_not_failing_now() {
    let mut m = loaded();
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Workflow,
            fetched_at: t(9, 31),
            result: Ok(Payload::Runs(vec![
                run("dbt_build", "failed", t(3, 0) - chrono::Duration::days(1)),
                run("dbt_build", "success", t(3, 0)),
            ])),
        },
    );
    assert!(m.failures.iter().all(|f| f.title != "dbt_build"));
}

#[test]
fn data_goes_stale_after_two_intervals_and_errors_keep_the_data() {
    let mut m = loaded();
    assert!(matches!(m.tasks.freshness(m.now), Freshness::Fresh(_)));
    update(
        &mut m,
        Msg::Tick {
            now: t(9, 30) + chrono::Duration::seconds(61),
            platform_now: t(9, 31),
        },
    );
    assert!(matches!(m.tasks.freshness(m.now), Freshness::Stale(d) if d.as_secs() == 61));
    update(&mut m, Msg::FetchStarted(SourceKind::Replication));
    assert!(m.tasks.loading);
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 32),
            result: Err(SourceError::new(ErrorKind::Throttled, "Rate exceeded")),
        },
    );
    assert!(!m.tasks.loading);
    assert_eq!(
        m.tasks.data.as_ref().unwrap().len(),
        4,
        "the old data stays"
    );
    assert_eq!(m.tasks.error.as_ref().unwrap().message, "Rate exceeded");
    assert!(m.runs.error.is_none(), "other sources are untouched");
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 33),
            result: Ok(Payload::Tasks(tasks())),
        },
    );
    assert!(m.tasks.error.is_none());
    update(
        &mut m,
        Msg::Tick {
            now: t(9, 33),
            platform_now: t(9, 33),
        },
    );
    assert!(matches!(m.tasks.freshness(m.now), Freshness::Fresh(_)));
}

#[test]
fn refresh_asks_for_the_visible_source_or_all_on_the_overview() {
    let mut m = loaded();
    let effects = update(&mut m, Msg::Key(Key::ctrl('r')));
    assert_eq!(effects.len(), 3);
    assert!(
        !effects.contains(&Effect::Refresh(SourceKind::Cost)),
        "cost is billed: not on a global refresh"
    );
    press(&mut m, "5");
    // The demo does not bill: the spend and the review on screen are asked again at once.
    assert_eq!(
        update(&mut m, Msg::Key(Key::ctrl('r'))),
        vec![
            Effect::Refresh(SourceKind::Cost),
            Effect::FetchCostReview(crate::domain::breakdown::CostRequest::default())
        ]
    );
}

fn with_billed_spend(m: &mut Model, billed: u64) {
    let series = crate::domain::SpendSeries {
        unit: "USD".into(),
        billed_requests: Some(billed),
        ..Default::default()
    };
    update(
        m,
        Msg::Fetched {
            kind: SourceKind::Cost,
            fetched_at: t(9, 0),
            result: Ok(Payload::Spend(series)),
        },
    );
}

#[test]
fn a_billed_refresh_opens_a_dialog_that_defaults_to_cancel() {
    let mut m = loaded();
    with_billed_spend(&mut m, 3);
    press(&mut m, "5");
    assert!(update(&mut m, Msg::Key(Key::ctrl('r'))).is_empty());
    let Mode::Confirm(dialog) = &m.mode else {
        panic!("expected a dialog, got {:?}", m.mode);
    };
    let text = dialog.lines.join("\n");
    assert!(text.contains("fetched 30 min ago"), "{text}");
    assert!(text.contains("USD 0.01 per request"), "{text}");
    assert!(text.contains("3 billed requests so far"), "{text}");
    assert!(!dialog.on_confirm, "the focus starts on Cancel");
    // A stray Enter presses Cancel; Esc and n cancel too.
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    for cancel in [KeyCode::Esc, KeyCode::Char('n')] {
        update(&mut m, Msg::Key(Key::ctrl('r')));
        assert!(key(&mut m, cancel).is_empty());
        assert_eq!(m.mode, Mode::Normal);
    }
    // Other keys leave it open and do nothing behind it.
    update(&mut m, Msg::Key(Key::ctrl('r')));
    assert!(press(&mut m, "jq1").is_empty());
    assert!(matches!(m.mode, Mode::Confirm(_)));
    assert_eq!(m.tab, Tab::Cost);
    // Tab moves the focus to the yes button, Enter presses it.
    // The yes goes past the cache, and the review on screen is asked again with it.
    let refetch = vec![
        Effect::RefetchCost,
        Effect::FetchCostReview(crate::domain::breakdown::CostRequest::default()),
    ];
    key(&mut m, KeyCode::Tab);
    assert_eq!(key(&mut m, KeyCode::Enter), refetch);
    assert_eq!(m.mode, Mode::Normal);
    update(&mut m, Msg::Key(Key::ctrl('r')));
    assert_eq!(press(&mut m, "y"), refetch);
}

#[test]
fn help_opens_and_closes_and_quit_works_everywhere() {
    let mut m = loaded();
    press(&mut m, "?");
    assert_eq!(m.mode, Mode::Help);
    press(&mut m, "jr");
    assert_eq!(m.mode, Mode::Help, "other keys do nothing in help");
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    press(&mut m, "/abc");
    assert_eq!(update(&mut m, Msg::Key(Key::ctrl('c'))), vec![Effect::Quit]);
    let mut m = loaded();
    assert_eq!(press(&mut m, "q"), vec![Effect::Quit]);
    let mut m = loaded();
    assert_eq!(update(&mut m, Msg::Quit), vec![Effect::Quit]);
}

/// Help lists every key of the live keymap and every command of the command table, and
/// scrolls within its lines when it is taller than the terminal.
#[test]
fn help_lists_every_command_and_scrolls_within_its_lines() {
    let mut m = loaded();
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    press(&mut m, "?");
    let rows = overlay::help_rows(&m);
    for usage in [
        ":env [NAME]",
        ":ctx [NAME]",
        ":group G",
        ":metric M",
        ":messages",
        ":theme [NAME]",
    ] {
        assert!(rows.iter().any(|r| r.left == usage), "{usage} in help");
    }
    assert!(
        rows.iter()
            .any(|r| r.left == "u" && r.text == "clear every mark")
    );
    let laid = overlay::laid_on_terminal(&m).unwrap();
    assert!(laid.max_scroll() > 0, "taller than 24 rows");
    assert_eq!(m.overlay_scroll, 0, "help opens at its top");
    press(&mut m, "G");
    assert_eq!(m.overlay_scroll, laid.max_scroll());
    press(&mut m, "k");
    assert_eq!(
        m.overlay_scroll,
        laid.max_scroll() - 1,
        "k moves up at once"
    );
    press(&mut m, "gk");
    assert_eq!(m.overlay_scroll, 0);
    press(&mut m, "j");
    assert_eq!(m.overlay_scroll, 1);
    // Opened again, it starts at its top; a rebound key shows in it.
    key(&mut m, KeyCode::Esc);
    press(&mut m, "?");
    assert_eq!(m.overlay_scroll, 0);
    m.keymap = Keymap::with_overrides(&[(Action::ClearMarks, vec![Key::char('U')])]);
    assert!(overlay::help_rows(&m).iter().any(|r| r.left == "U"));
}

/// Every footer message is kept with its time; `L` and `:messages` show them in full,
/// newest at the bottom.
#[test]
fn footer_messages_are_kept_in_a_log_with_their_times() {
    let mut m = loaded();
    let long = format!(
        "✔ start orders-nightly-full-load with resume-processing: starting · request id {}",
        "5b0e1f2a-7c3d-4e5f-8a9b-0c1d2e3f4a5b"
    );
    m.notice = None;
    for (i, text) in ["first", long.as_str()].into_iter().enumerate() {
        let at = t(9, 31 + i as u32);
        update(
            &mut m,
            Msg::Tick {
                now: at,
                platform_now: at,
            },
        );
        update(&mut m, Msg::Exported(Ok(text.to_string())));
    }
    press(&mut m, "s");
    assert_eq!(m.messages.len(), 3, "{:?}", m.messages);
    assert_eq!(m.messages[0].at, t(9, 31));
    assert!(m.messages[1].text.ends_with("0c1d2e3f4a5b"));
    assert!(m.messages[2].text.starts_with("sorted by"));
    press(&mut m, "L");
    assert_eq!(m.mode, Mode::Messages);
    let rows = overlay::message_rows(&m);
    assert_eq!(rows[0].left, "09:31:00");
    assert!(
        rows[1]
            .text
            .contains("5b0e1f2a-7c3d-4e5f-8a9b-0c1d2e3f4a5b")
    );
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    press(&mut m, ":messages");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.mode, Mode::Messages);
    press(&mut m, "L");
    assert_eq!(m.mode, Mode::Normal, "L closes it again");
    // The log keeps the newest messages only.
    for i in 0..overlay::MESSAGES_KEPT + 5 {
        update(&mut m, Msg::Exported(Ok(format!("file {i}"))));
    }
    assert_eq!(m.messages.len(), overlay::MESSAGES_KEPT);
    assert!(
        m.messages
            .back()
            .unwrap()
            .text
            .contains(&format!("file {}", overlay::MESSAGES_KEPT + 4))
    );
}

#[test]
fn rebound_keys_take_effect() {
    let mut m = loaded();
    m.keymap = Keymap::with_overrides(&[(Action::Quit, vec![Key::char('x')])]);
    assert!(press(&mut m, "q").is_empty());
    assert_eq!(press(&mut m, "x"), vec![Effect::Quit]);
}

#[test]
fn new_data_keeps_a_moved_selection_on_its_item_and_a_top_selection_at_the_top() {
    let mut m = loaded();
    press(&mut m, "2j");
    let before = m.view(Tab::Dms).selected_index().unwrap();
    let id = m.tasks.data.as_ref().unwrap()[before].id.clone();
    let mut reversed = tasks();
    reversed.reverse();
    reversed.insert(0, task("aaa-new-failure", "failed", None, t(9, 31)));
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 31),
            result: Ok(Payload::Tasks(reversed)),
        },
    );
    let after = m.view(Tab::Dms).selected_index().unwrap();
    assert_eq!(
        m.tasks.data.as_ref().unwrap()[after].id,
        id,
        "the selection followed its item"
    );
    assert_eq!(
        m.view(Tab::Overview).selected,
        0,
        "the untouched overview stays at the top"
    );
    let top = m.view(Tab::Overview).selected_index().unwrap();
    assert_eq!(m.failures[top].title, "aaa-new-failure");
}

#[test]
fn env_command_switches_among_the_config_environments() {
    let mut m = loaded();
    press(&mut m, ":env prod");
    key(&mut m, KeyCode::Enter);
    assert!(m.notice.as_ref().unwrap().is_error, "no environments yet");
    assert!(
        m.notice.as_ref().unwrap().text.contains("defines none"),
        "{:?}",
        m.notice
    );
    m.environments = vec!["staging".into(), "prod".into()];
    press(&mut m, ":");
    key(&mut m, KeyCode::Tab);
    assert!(matches!(&m.mode, Mode::Command { input } if input.is_empty()));
    press(&mut m, "en");
    key(&mut m, KeyCode::Tab);
    press(&mut m, "p");
    key(&mut m, KeyCode::Tab);
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Effect::SwitchEnvironment("prod".into())]
    );
    press(&mut m, ":env nope");
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![],
        "an unknown name is refused before anything is opened"
    );
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "no environment `nope` (available: staging, prod)"
    );
    press(&mut m, "2/x");
    key(&mut m, KeyCode::Enter);
    assert!(m.tasks.data.is_some());
    update(
        &mut m,
        Msg::EnvironmentSwitched(Ok(Environment {
            name: "prod".into(),
            profile: Some("prod-admin".into()),
            region: Some("eu-central-1".into()),
            demo: false,
            read_only: true,
            budget: Some(rust_decimal::Decimal::from(24_000)),
        })),
    );
    assert_eq!(m.environment.name, "prod");
    assert!(
        m.tasks.data.is_none(),
        "nothing of the old environment stays"
    );
    assert!(m.failures.is_empty());
    assert_eq!(m.view(Tab::Dms).filter, "");
    assert_eq!(m.tab, Tab::Dms, "the operator stays on the same tab");
    assert_eq!(
        m.notice.as_ref().unwrap().text,
        "environment prod (read-only)"
    );
    press(&mut m, ":env prod");
    assert_eq!(key(&mut m, KeyCode::Enter), vec![]);
    update(
        &mut m,
        Msg::EnvironmentSwitched(Err("cannot read profile `x`".into())),
    );
    assert_eq!(m.environment.name, "prod", "a failed switch stays put");
}

fn instance(task_id: &str, state: &str, try_number: u32) -> crate::domain::TaskInstance {
    crate::domain::TaskInstance {
        task_id: task_id.into(),
        state: crate::domain::TaskState::parse(Some(state)),
        try_number,
        max_tries: 2,
        operator: "BashOperator".into(),
        started_at: Some(t(2, 0)),
        ended_at: Some(t(2, 5)),
        error: None,
    }
}

#[test]
fn a_failed_try_without_an_error_has_its_log_fetched_once_when_selected() {
    let mut m = loaded();
    press(&mut m, "3");
    key(&mut m, KeyCode::Enter);
    let Some(Detail::Run { dag_id, run_id, .. }) = m.detail.clone() else {
        panic!("a run detail is open");
    };
    let instances = vec![
        instance("extract", "success", 1),
        instance("dbt_run", "failed", 2),
        instance("dbt_test", "upstream_failed", 0),
    ];
    let effects = update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskInstances {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            result: Ok(instances.clone()),
        }),
    );
    assert!(
        effects.is_empty(),
        "the first row succeeded: no log to read"
    );
    let effects = press(&mut m, "j");
    assert_eq!(
        effects,
        vec![Effect::FetchTaskLog {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            task_id: "dbt_run".into(),
            try_number: 2,
        }]
    );
    assert!(matches!(&m.detail, Some(Detail::Run { log: Some(l), .. }) if l.text.loading));
    // The same try is not asked for again while it is selected, nor after new instances.
    assert!(press(&mut m, "jk").is_empty());
    let effects = update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskInstances {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            result: Ok(instances),
        }),
    );
    assert!(effects.is_empty());
    // A log for another try is dropped; the right one lands.
    for (try_number, text) in [(1, "old try"), (2, "ValueError: 3 rows rejected")] {
        update(
            &mut m,
            Msg::DetailFetched(DetailPayload::TaskLog {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
                task_id: "dbt_run".into(),
                try_number,
                result: Ok(text.into()),
            }),
        );
    }
    assert!(matches!(&m.detail, Some(Detail::Run { log: Some(l), .. })
        if l.text.data.as_deref() == Some("ValueError: 3 rows rejected")));
    // An upstream-failed task never ran: it has no log to read.
    assert!(press(&mut m, "j").is_empty());
    // Ctrl-r reads the instances again, then the log once they are back.
    let effects = update(&mut m, Msg::Key(Key::ctrl('r')));
    assert!(effects.contains(&Effect::FetchTaskInstances {
        dag_id: dag_id.clone(),
        run_id: run_id.clone()
    }));
    assert!(matches!(&m.detail, Some(Detail::Run { log: None, .. })));
}

fn detail_scroll(m: &Model) -> usize {
    match &m.detail {
        Some(
            Detail::Run { scroll, .. } | Detail::Task { scroll, .. } | Detail::Query { scroll, .. },
        ) => *scroll,
        None => panic!("no detail open"),
    }
}

#[test]
fn after_g_the_selection_of_a_run_detail_moves_up_at_once() {
    let mut m = loaded();
    press(&mut m, "3");
    key(&mut m, KeyCode::Enter);
    let Some(Detail::Run { dag_id, run_id, .. }) = m.detail.clone() else {
        panic!("a run detail is open");
    };
    let instances: Vec<_> = ["extract", "clean", "dbt_run", "dbt_test", "publish"]
        .into_iter()
        .map(|id| instance(id, "success", 1))
        .collect();
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskInstances {
            dag_id,
            run_id,
            result: Ok(instances),
        }),
    );
    press(&mut m, "G");
    assert_eq!(detail_scroll(&m), 4, "G rests on the last task instance");
    press(&mut m, "k");
    assert_eq!(detail_scroll(&m), 3, "k moves up from the last row");
    key(&mut m, KeyCode::End);
    key(&mut m, KeyCode::Up);
    assert_eq!(detail_scroll(&m), 3, "so does the up arrow after End");
    key(&mut m, KeyCode::PageDown);
    key(&mut m, KeyCode::PageDown);
    press(&mut m, "k");
    assert_eq!(
        detail_scroll(&m),
        3,
        "paging down stops at the last row too"
    );
    press(&mut m, "gk");
    assert_eq!(detail_scroll(&m), 0);
    // In a query's detail G stops at the end of its text, and k scrolls back at once.
    press(&mut m, "4");
    key(&mut m, KeyCode::Enter);
    press(&mut m, "G");
    let end = detail_scroll(&m);
    assert!(end < 100, "G scrolls to the text's end, not past it: {end}");
    press(&mut m, "k");
    assert_eq!(detail_scroll(&m), end.saturating_sub(1));
}

fn dialog(m: &Model) -> &Confirmation {
    match &m.mode {
        Mode::Confirm(dialog) => dialog,
        other => panic!("no dialog open: {other:?}"),
    }
}

fn start_of(task_id: &str, mode: crate::domain::StartMode) -> crate::domain::Action {
    crate::domain::Action::StartTask {
        task_id: task_id.into(),
        arn: format!(
            "arn:aws:dms:eu-west-1:123456789012:task:{}",
            task_id.to_uppercase()
        ),
        serverless: false,
        mode,
    }
}

#[test]
fn retrying_a_failed_task_asks_with_cancel_first_and_sends_one_request() {
    use crate::domain::StartMode;
    let mut m = loaded();
    press(&mut m, "2");
    // The failed task sorts first.
    let effects = press(&mut m, "r");
    assert_eq!(
        effects,
        vec![Effect::FetchTaskSettings {
            task_id: "orders-nightly-full-load".into()
        }]
    );
    let d = dialog(&m);
    assert!(!d.on_confirm, "Cancel has the focus");
    assert!(d.lines.iter().any(|l| l.contains("▶ resume-processing")));
    assert!(d.lines.iter().any(|l| l.contains("reload-target")));
    assert!(d.typed.is_none());
    // Enter on Cancel does nothing.
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert_eq!(m.mode, Mode::Normal);

    press(&mut m, "r");
    let effects = press(&mut m, "y");
    let action = start_of("orders-nightly-full-load", StartMode::ResumeProcessing);
    assert_eq!(effects, vec![Effect::Act(vec![action.clone()])]);
    assert!(m.in_flight.contains_key("dms:orders-nightly-full-load"));
    // A second confirmation while the first is in flight sends nothing.
    press(&mut m, "r");
    let effects = press(&mut m, "y");
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            action: action.clone(),
            reason: "a request for the same item is in flight".into()
        }]
    );
    // The answer: a message with the request id, a refresh, the task followed.
    let effects = update(
        &mut m,
        Msg::ActionDone {
            recorded: Some("audit-1".into()),
            action,
            result: Ok(crate::domain::ActionOutcome {
                request_id: Some("req-1".into()),
                message: "orders-nightly-full-load starting (resume-processing)".into(),
                created: None,
            }),
        },
    );
    assert_eq!(effects, vec![Effect::Refresh(SourceKind::Replication)]);
    let notice = m.notice.clone().unwrap();
    assert!(
        notice.text.contains("req-1") && !notice.is_error,
        "{notice:?}"
    );
    assert!(m.in_flight.is_empty());
    assert_eq!(m.following.len(), 1);
    // Running, then stopped after a full load: recovered.
    let mut now = tasks();
    now[0] = task("orders-nightly-full-load", "running", None, t(9, 31));
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 31),
            result: Ok(Payload::Tasks(now.clone())),
        },
    );
    assert_eq!(m.following.len(), 1, "still running: still followed");
    now[0] = task(
        "orders-nightly-full-load",
        "stopped",
        Some("Stop Reason FULL_LOAD_ONLY_FINISHED"),
        t(9, 31),
    );
    let effects = update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 50),
            result: Ok(Payload::Tasks(now)),
        },
    );
    assert!(m.following.is_empty());
    assert!(m.notice.unwrap().text.contains("recovered"));
    // How it ended goes to the audit log beside the action.
    assert_eq!(
        effects,
        vec![Effect::RecordSettled {
            recorded: "audit-1".into(),
            ok: Some(true),
            message: "orders-nightly-full-load recovered".into(),
        }]
    );
}

#[test]
fn reload_target_needs_the_task_name_typed_and_refuses_a_wrong_one() {
    use crate::domain::{StartMode, TablePrepMode, TaskSettings};
    let mut m = loaded();
    press(&mut m, "2r");
    key(&mut m, KeyCode::Down);
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskSettings {
            task_id: "orders-nightly-full-load".into(),
            result: Ok(TaskSettings {
                target_table_prep_mode: Some(TablePrepMode::DropAndCreate),
            }),
        }),
    );
    let d = dialog(&m);
    assert!(
        d.lines.iter().any(|l| l.contains("DROP_AND_CREATE")),
        "{:?}",
        d.lines
    );
    assert!(d.lines.iter().any(|l| l.contains("every table")));
    assert_eq!(
        d.typed.as_ref().map(|t| t.expected.as_str()),
        Some("orders-nightly-full-load")
    );
    // `y` is a letter of the name here, not a yes.
    let effects = press(&mut m, "y");
    assert!(effects.is_empty());
    let effects = key(&mut m, KeyCode::Enter);
    let action = start_of("orders-nightly-full-load", StartMode::ReloadTarget);
    assert_eq!(
        effects,
        vec![Effect::Refuse {
            action: action.clone(),
            reason: "typed `y`, not `orders-nightly-full-load`: nothing was done".into()
        }]
    );
    assert!(m.notice.clone().unwrap().is_error);
    assert!(m.in_flight.is_empty());

    press(&mut m, "r");
    key(&mut m, KeyCode::Down);
    press(&mut m, "orders-nightly-full-load");
    let effects = key(&mut m, KeyCode::Enter);
    assert_eq!(effects, vec![Effect::Act(vec![action])]);
}

/// The start dialog's keys are the ones its text, the footer and the guide give: ↑ ↓ and
/// k j choose the mode; while the name of a reload-target is typed, letters (k and j
/// included) go into the name and only the arrows choose the mode.
#[test]
fn the_start_dialog_moves_the_mode_with_the_keys_it_names() {
    use crate::domain::StartMode;
    let mut m = loaded();
    press(&mut m, "2r");
    let chosen = |m: &Model| dialog(m).action.chosen_mode();
    assert!(
        dialog(&m)
            .lines
            .iter()
            .any(|l| l == "↑ ↓ or k j choose the mode")
    );
    press(&mut m, "j");
    assert_eq!(chosen(&m), Some(StartMode::ReloadTarget), "j moves down");
    assert!(
        dialog(&m)
            .lines
            .iter()
            .any(|l| l == "↑ ↓ choose the mode (letters go into the name)"),
        "{:?}",
        dialog(&m).lines
    );
    press(&mut m, "k");
    assert_eq!(chosen(&m), Some(StartMode::ReloadTarget), "k is typed");
    assert_eq!(dialog(&m).typed.as_ref().unwrap().input, "k");
    key(&mut m, KeyCode::Up);
    assert_eq!(chosen(&m), Some(StartMode::ResumeProcessing), "↑ moves up");
    assert!(dialog(&m).typed.is_none());
    key(&mut m, KeyCode::Down);
    assert_eq!(chosen(&m), Some(StartMode::ReloadTarget), "↓ moves down");
    assert_eq!(dialog(&m).typed.as_ref().unwrap().input, "", "a new name");
    key(&mut m, KeyCode::Up);
    press(&mut m, "jk");
    assert_eq!(chosen(&m), Some(StartMode::ReloadTarget), "j, then k typed");
}

#[test]
fn marked_rows_retry_together_and_busy_ones_are_left_out() {
    let mut m = loaded();
    press(&mut m, "2");
    // Mark the failed task and the running one (Space moves down).
    press(&mut m, "  ");
    assert_eq!(m.marks.len(), 2);
    press(&mut m, "r");
    let d = dialog(&m);
    assert!(d.title.contains("1 left out: busy"), "{}", d.title);
    // The dialog names what it leaves out, and why.
    let running = m.view(Tab::Dms).rows[1];
    let running = m.tasks.data.as_ref().unwrap()[running].id.clone();
    assert!(
        d.lines
            .iter()
            .any(|l| l.contains("Left out, 1 marked row(s)")),
        "{:?}",
        d.lines
    );
    assert!(
        d.lines.iter().any(|l| l.contains(&format!(
            "{running}: running (only a stopped or failed task starts again)"
        ))),
        "{:?}",
        d.lines
    );
    let effects = press(&mut m, "y");
    assert!(
        matches!(&effects[..], [Effect::Act(actions)] if actions.len() == 1),
        "{effects:?}"
    );
    assert!(m.marks.is_empty(), "marks are spent by the retry");
    // Marks belong to their tab.
    press(&mut m, " 3");
    assert!(m.marks.is_empty());
    // A marked run that did not fail is named in the clear dialog too.
    press(&mut m, "g  r");
    let d = dialog(&m);
    assert!(d.title.contains("1 left out: not failed"), "{}", d.title);
    assert!(
        d.lines
            .iter()
            .any(|l| l.contains("clean_anonymize") && l.contains("only a failed run is retried")),
        "{:?}",
        d.lines
    );
    key(&mut m, KeyCode::Esc);
}

/// A start of many marked tasks lists the first ones and counts the rest, so the dialog's
/// modes stay on screen.
#[test]
fn a_start_of_many_marked_tasks_counts_past_the_first_rows() {
    let mut m = loaded();
    let many: Vec<_> = (0..12)
        .map(|i| {
            task(
                &format!("db{i:02}-nightly-full-load"),
                "failed",
                None,
                t(1, i),
            )
        })
        .collect();
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: t(9, 30),
            result: Ok(Payload::Tasks(many)),
        },
    );
    press(&mut m, "2");
    press(&mut m, &" ".repeat(12));
    press(&mut m, "r");
    let d = dialog(&m);
    assert_eq!(d.title, "start 12 tasks again?");
    assert_eq!(
        d.lines
            .iter()
            .filter(|l| l.contains("-nightly-full-load (failed)"))
            .count(),
        8
    );
    assert!(
        d.lines.iter().any(|l| l == "… and 4 more tasks"),
        "{:?}",
        d.lines
    );
    assert!(d.lines.iter().any(|l| l.contains("resume-processing")));
}

#[test]
fn u_clears_every_mark_and_redshift_does_not_mark() {
    let mut m = loaded();
    press(&mut m, "2   ");
    assert_eq!(m.marks.len(), 3);
    assert_eq!(m.view(Tab::Dms).selected, 3, "Space moves down");
    press(&mut m, "u");
    assert!(m.marks.is_empty());
    assert_eq!(m.notice.as_ref().unwrap().text, "3 marks cleared");
    press(&mut m, "u");
    assert_eq!(m.notice.as_ref().unwrap().text, "nothing is marked");
    // Queries are re-run one at a time: no mark is made, and the key says why.
    press(&mut m, "4 ");
    assert!(m.marks.is_empty());
    assert!(m.notice.as_ref().unwrap().text.contains("one at a time"));
}

#[test]
fn a_run_retry_shows_the_dry_run_before_it_can_be_confirmed() {
    use crate::domain::{ClearScope, ClearedTask};
    let mut m = loaded();
    press(&mut m, "3");
    let effects = press(&mut m, "r");
    let Some(Effect::PreviewClear {
        dag_id,
        run_id,
        scope,
    }) = effects.first().cloned()
    else {
        panic!("a dry run is asked for: {effects:?}");
    };
    assert_eq!(scope, ClearScope::Failed);
    assert!(!dialog(&m).ready());
    assert!(press(&mut m, "y").is_empty(), "no yes before the preview");
    assert!(matches!(m.mode, Mode::Confirm(_)));
    update(
        &mut m,
        Msg::ClearPreview {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            scope: scope.clone(),
            result: Ok(vec![
                ClearedTask {
                    task_id: "dbt_test".into(),
                    state: "failed".into(),
                },
                ClearedTask {
                    task_id: "publish_docs".into(),
                    state: "upstream_failed".into(),
                },
            ]),
        },
    );
    let d = dialog(&m);
    assert!(d.ready());
    assert!(d.lines.iter().any(|l| l.contains("dbt_test (failed)")));
    assert!(
        d.lines
            .iter()
            .any(|l| l.contains("publish_docs (upstream_failed)"))
    );
    let effects = press(&mut m, "y");
    assert_eq!(
        effects,
        vec![Effect::Act(vec![crate::domain::Action::ClearRun {
            dag_id,
            run_id,
            scope
        }])]
    );
    // `t` triggers a new run: a different action, and the dialog says so.
    press(&mut m, "t");
    assert!(dialog(&m).lines.iter().any(|l| l.contains("not a retry")));
}

#[test]
fn read_only_offers_no_action_and_refuses_the_keys() {
    let mut m = loaded();
    m.environment.read_only = true;
    press(&mut m, "2");
    assert!(press(&mut m, "r").is_empty());
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.notice.clone().unwrap().text.contains("read-only"));
    press(&mut m, "3");
    assert!(press(&mut m, "rt").is_empty());
    press(&mut m, "4");
    assert!(press(&mut m, "x").is_empty());
    assert_eq!(m.mode, Mode::Normal);
}

#[test]
fn a_truncated_query_is_never_run_again() {
    let mut m = loaded();
    let mut queries = vec![query(2, "failed", t(8, 30))];
    queries[0].text_truncated = true;
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Warehouse,
            fetched_at: t(9, 30),
            result: Ok(Payload::Queries(queries)),
        },
    );
    press(&mut m, "4");
    assert!(press(&mut m, "r").is_empty());
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.notice.unwrap().text.contains("truncated"));
}

#[test]
fn marked_tables_of_a_running_task_are_reloaded_ten_at_most() {
    use crate::domain::{TableName, TableState, TableStatistics};
    let mut m = loaded();
    press(&mut m, "2");
    // The running CDC task: move to it and open its detail.
    let index = m
        .view(Tab::Dms)
        .rows
        .iter()
        .position(|&i| m.tasks.data.as_ref().unwrap()[i].id == "inventory-cdc")
        .unwrap();
    for _ in 0..index {
        press(&mut m, "j");
    }
    key(&mut m, KeyCode::Enter);
    let table = |name: &str| TableStatistics {
        schema: "public".into(),
        table: name.into(),
        state: TableState::Error,
        full_load_rows: 10,
        inserts: 0,
        updates: 0,
        deletes: 0,
        ddls: 0,
        last_update: None,
    };
    let names: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TableStatistics {
            task_id: "inventory-cdc".into(),
            result: Ok(names.iter().map(|n| table(n)).collect()),
        }),
    );
    // Two marked tables: one dialog, one ReloadTables of both.
    press(&mut m, "  ");
    press(&mut m, "r");
    assert!(dialog(&m).title.contains("reload 2 table(s)"));
    let effects = press(&mut m, "y");
    let Some(Effect::Act(actions)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(
        matches!(&actions[..], [crate::domain::Action::ReloadTables { tables, .. }]
        if tables == &vec![
            TableName { schema: "public".into(), table: "t00".into() },
            TableName { schema: "public".into(), table: "t01".into() },
        ])
    );
    // Done: the task's tables are read again; the running task is not watched for an end.
    let action = actions[0].clone();
    let task_id = match &action {
        crate::domain::Action::ReloadTables { task_id, .. } => task_id.clone(),
        _ => unreachable!(),
    };
    let effects = update(
        &mut m,
        Msg::ActionDone {
            recorded: None,
            action,
            result: Ok(crate::domain::ActionOutcome {
                request_id: Some("req-r".into()),
                message: "2 table(s) reloading".into(),
                created: None,
            }),
        },
    );
    assert_eq!(
        effects,
        vec![
            Effect::Refresh(SourceKind::Replication),
            Effect::FetchTableStatistics { task_id }
        ]
    );
    assert!(m.following.is_empty());
    // Eleven marked tables are more than DMS takes in one call.
    m.in_flight.clear();
    m.marks.clear();
    key(&mut m, KeyCode::Home);
    press(&mut m, &" ".repeat(11));
    assert!(press(&mut m, "r").is_empty());
    assert!(m.notice.clone().unwrap().text.contains("at most 10"));
    // Leaving the detail forgets its marks.
    key(&mut m, KeyCode::Esc);
    assert!(m.marks.is_empty());
}

fn answer_review(m: &mut Model, request: crate::domain::breakdown::CostRequest) {
    update(m, Msg::CostReviewed(Box::new(review_answers(request))));
}

/// The answers of a small review: two services over two days, one anomaly, no forecast.
fn review_answers(request: crate::domain::breakdown::CostRequest) -> CostAnswers {
    use crate::domain::breakdown::{Breakdown, CostReport};
    use crate::domain::cost::CostAnomaly;
    use crate::domain::{DailySpend, SpendSeries};
    let day = |d: u32, by: &[(&str, i64)]| DailySpend {
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
        by_service: by
            .iter()
            .map(|(k, a)| (k.to_string(), rust_decimal::Decimal::from(*a)))
            .collect(),
        estimated: false,
    };
    let series = SpendSeries {
        unit: "USD".into(),
        days: vec![
            day(1, &[("Amazon Redshift", 200), ("AWS Glue", 30)]),
            day(2, &[("Amazon Redshift", 600), ("AWS Glue", 31)]),
        ],
        ..SpendSeries::default()
    };
    let (query, _) = request.queries(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let report = CostReport {
        breakdown: Breakdown::of(&series, None),
        request: request.clone(),
        query,
        cached_at: None,
        compared: None,
        row_filter: None,
    };
    let anomaly = CostAnomaly {
        id: "a-1".into(),
        start: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        end: None,
        unit: "USD".into(),
        impact: rust_decimal::Decimal::from(400),
        root_causes: vec![crate::domain::cost::RootCause {
            service: Some("Amazon Redshift".into()),
            ..Default::default()
        }],
    };
    CostAnswers {
        request,
        fetched_at: t(9, 30),
        report: Ok(report),
        forecast: Err(SourceError::new(ErrorKind::NotConfigured, "no forecast")),
        forecast_at: t(9, 30),
        anomalies: Ok(vec![anomaly]),
        anomalies_at: t(9, 30),
        month_to_date: None,
        billed_requests: None,
    }
}

#[test]
fn the_cost_review_asks_changes_drills_and_goes_back_up() {
    use crate::domain::breakdown::CostRequest;
    use crate::domain::cost::{GroupBy, Period};
    let mut m = loaded();
    let effects = press(&mut m, "5");
    let asked = CostRequest::default();
    assert!(
        effects.contains(&Effect::FetchCostReview(asked.clone())),
        "{effects:?}"
    );
    answer_review(&mut m, asked.clone());
    assert_eq!(m.cost.rows().len(), 2);
    assert_eq!(m.cost.rows()[0].key, "Amazon Redshift");
    // Coming back to the tab asks nothing: the answer is there.
    press(&mut m, "1");
    let effects = press(&mut m, "5");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(_)))
    );

    // p: the next period; a late answer to the old question is dropped.
    let effects = press(&mut m, "p");
    let Some(Effect::FetchCostReview(ninety)) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    assert_eq!(ninety.period, Period::LastDays(90));
    answer_review(&mut m, asked);
    assert!(
        m.cost.report.loading,
        "the 30-day answer does not end the 90-day wait"
    );
    answer_review(&mut m, ninety.clone());

    // Enter: into Amazon Redshift, by usage type; Esc: back to all services.
    let effects = key(&mut m, KeyCode::Enter);
    let Some(Effect::FetchCostReview(drilled)) = effects.first().cloned() else {
        panic!("{effects:?}");
    };
    assert_eq!(drilled.group_by, GroupBy::UsageType);
    assert_eq!(drilled.filters[0].value, "Amazon Redshift");
    answer_review(&mut m, drilled);
    let effects = key(&mut m, KeyCode::Esc);
    assert!(
        matches!(&effects[..], [Effect::FetchCostReview(r)] if *r == ninety),
        "{effects:?}"
    );
    answer_review(&mut m, ninety.clone());

    // a, then Enter: from the anomaly to its service's breakdown.
    press(&mut m, "a");
    assert_eq!(m.cost.anomaly, Some(0));
    let effects = key(&mut m, KeyCode::Enter);
    assert!(matches!(&effects[..], [Effect::FetchCostReview(r)]
        if r.filters[0].value == "Amazon Redshift" && r.group_by == GroupBy::UsageType));

    // e: the view on screen to a file.
    let effects = press(&mut m, "e");
    assert!(matches!(
        &effects[..],
        [Effect::ExportCost { json: false, .. }]
    ));
    // m and b change the question; `:cost PERIOD` sets the period.
    assert!(
        matches!(&press(&mut m, "m")[..], [Effect::FetchCostReview(r)]
        if r.metric == crate::domain::cost::Metric::AmortizedCost)
    );
    press(&mut m, ":cost 2026-10-01..2026-11-01");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r)
        if matches!(r.period, Period::Range(..)))),
        "{effects:?}"
    );
    press(&mut m, ":cost fortnight");
    key(&mut m, KeyCode::Enter);
    assert!(m.notice.clone().unwrap().is_error);
    // :group takes tags and the stages; :metric any metric.
    press(&mut m, ":group tag:team");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r)
        if r.group_by == GroupBy::Tag("team".into()) && !r.by_stage)),
        "{effects:?}"
    );
    press(&mut m, ":group stage");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r) if r.by_stage))
    );
    press(&mut m, ":metric net-unblended");
    let effects = key(&mut m, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchCostReview(r)
        if r.metric == crate::domain::cost::Metric::NetUnblendedCost))
    );
    press(&mut m, ":group colour");
    key(&mut m, KeyCode::Enter);
    assert!(m.notice.unwrap().is_error);
}

#[test]
fn a_rerun_is_followed_through_its_statement_and_x_cancels_it_by_statement() {
    use crate::domain::failure::ItemRef;
    use crate::domain::{Action, ActionOutcome, StatementProgress, StatementState};
    let queries = |list: Vec<QueryRecord>| Msg::Fetched {
        kind: SourceKind::Warehouse,
        fetched_at: t(9, 30),
        result: Ok(Payload::Queries(list)),
    };
    let progress = |state, query_id, error: Option<&str>| Msg::StatementProgress {
        statement: "s-1".into(),
        result: Ok(StatementProgress {
            id: "s-1".into(),
            state,
            query_id,
            error: error.map(str::to_string),
        }),
    };
    let mut m = loaded();
    update(&mut m, queries(vec![query(2, "failed", t(8, 30))]));
    press(&mut m, "4");
    press(&mut m, "r");
    let action = match &press(&mut m, "y")[..] {
        [Effect::Act(actions)] => actions[0].clone(),
        other => panic!("no re-run sent: {other:?}"),
    };
    let effects = update(
        &mut m,
        Msg::ActionDone {
            recorded: None,
            action,
            result: Ok(ActionOutcome {
                request_id: Some("req-7".into()),
                message: "statement s-1 submitted".into(),
                created: Some("s-1".into()),
            }),
        },
    );
    assert_eq!(
        effects,
        vec![
            Effect::Refresh(SourceKind::Warehouse),
            Effect::WatchStatement("s-1".into())
        ]
    );
    let watching = |m: &Model, id| act::row_activity(m, &ItemRef::Query { id });
    assert_eq!(watching(&m, 2), Some("watching…"));

    // It starts as query 9, which the next poll brings.
    assert!(update(&mut m, progress(StatementState::Started, Some(9), None)).is_empty());
    update(
        &mut m,
        queries(vec![
            query(2, "failed", t(8, 30)),
            query(9, "running", t(9, 31)),
        ]),
    );
    assert_eq!(watching(&m, 9), Some("watching…"));

    // `x` on the failed original cancels its re-run, through the statement.
    press(&mut m, "x");
    let d = dialog(&m);
    assert!(!d.on_confirm);
    assert!(
        d.lines
            .iter()
            .any(|l| l.contains("CancelStatement") && l.contains("s-1")),
        "{:?}",
        d.lines
    );
    assert_eq!(
        press(&mut m, "y"),
        vec![Effect::Act(vec![Action::CancelQuery {
            query_id: 9,
            pid: None,
            statement: Some("s-1".into()),
        }])]
    );

    // It ends failed: said with the warehouse's reason, the warehouse read again.
    let effects = update(
        &mut m,
        progress(StatementState::Failed, Some(9), Some("ERROR: Disk Full")),
    );
    assert_eq!(effects, vec![Effect::Refresh(SourceKind::Warehouse)]);
    let notice = m.notice.clone().unwrap();
    assert!(notice.is_error);
    assert!(
        notice
            .text
            .contains("re-run of query 2 failed again as query 9: ERROR: Disk Full"),
        "{notice:?}"
    );
    assert!(m.reruns.is_empty());
    assert_eq!(watching(&m, 2), None);
    // A late look at a statement no longer followed changes nothing.
    assert!(update(&mut m, progress(StatementState::Finished, Some(9), None)).is_empty());
    assert_eq!(m.notice, Some(notice));
}

#[test]
fn a_rerun_that_cannot_be_followed_says_why_and_stops_watching() {
    use crate::domain::ActionOutcome;
    let mut m = loaded();
    update(
        &mut m,
        Msg::Fetched {
            kind: SourceKind::Warehouse,
            fetched_at: t(9, 30),
            result: Ok(Payload::Queries(vec![query(2, "failed", t(8, 30))])),
        },
    );
    press(&mut m, "4r");
    let Effect::Act(actions) = press(&mut m, "y").remove(0) else {
        panic!("no re-run sent")
    };
    update(
        &mut m,
        Msg::ActionDone {
            recorded: None,
            action: actions[0].clone(),
            result: Ok(ActionOutcome {
                request_id: None,
                message: "statement s-2 submitted".into(),
                created: Some("s-2".into()),
            }),
        },
    );
    assert_eq!(m.reruns.len(), 1);
    update(
        &mut m,
        Msg::StatementProgress {
            statement: "s-2".into(),
            result: Err(SourceError::new(ErrorKind::Permission, "not authorized")),
        },
    );
    assert!(m.reruns.is_empty());
    let notice = m.notice.unwrap();
    assert!(notice.is_error && notice.text.contains("s-2 cannot be followed"));
}

#[test]
fn a_month_so_far_not_answered_in_the_review_metric_shows_no_month_end() {
    use crate::domain::breakdown::CostRequest;
    use crate::domain::cost::Metric;
    let mut m = loaded();
    press(&mut m, "5");
    let request = CostRequest {
        metric: Metric::AmortizedCost,
        ..CostRequest::default()
    };
    m.cost.asked = Some(request.clone());
    let mut answers = review_answers(request);
    answers.month_to_date = Some(Ok(rust_decimal::Decimal::from(1234)));
    update(&mut m, Msg::CostReviewed(Box::new(answers.clone())));
    assert_eq!(m.month_spent(), Some(rust_decimal::Decimal::from(1234)));
    answers.month_to_date = Some(Err(SourceError::new(ErrorKind::Throttled, "slow down")));
    update(&mut m, Msg::CostReviewed(Box::new(answers)));
    assert_eq!(m.month_spent(), None, "never a sum of two metrics");
}

#[test]
fn a_triggered_run_is_followed_and_a_retrying_task_is_not_its_end() {
    use crate::domain::{Action, ActionOutcome};
    let runs = |list: Vec<WorkflowRun>| Msg::Fetched {
        kind: SourceKind::Workflow,
        fetched_at: t(9, 31),
        result: Ok(Payload::Runs(list)),
    };
    let mut m = loaded();
    let effects = update(
        &mut m,
        Msg::ActionDone {
            recorded: None,
            action: Action::TriggerDag {
                dag_id: "refresh_marts".into(),
            },
            result: Ok(ActionOutcome {
                request_id: None,
                message: "new run manual__1 of refresh_marts queued".into(),
                created: Some("manual__1".into()),
            }),
        },
    );
    assert_eq!(effects, vec![Effect::Refresh(SourceKind::Workflow)]);
    assert_eq!(m.following.len(), 1);
    let mut new = run("refresh_marts", "running", t(9, 31));
    new.run_id = "manual__1".into();
    new.run_type = "manual".into();
    // Running with a task up for retry: degraded, yet not ended.
    new.tasks_retrying = 1;
    update(&mut m, runs(vec![new.clone()]));
    assert_eq!(m.following.len(), 1, "still running: still followed");
    new.tasks_retrying = 0;
    new.state = RunState::Success;
    update(&mut m, runs(vec![new]));
    assert!(m.following.is_empty());
    let notice = m.notice.unwrap();
    assert_eq!(
        notice.text,
        "✔ new run manual__1 of refresh_marts succeeded"
    );
    assert!(!notice.is_error);
}

#[test]
fn a_resumed_change_capture_task_recovers_once_it_runs_steadily() {
    use crate::domain::{Action, ActionOutcome, StartMode};
    let mut m = loaded();
    let mut cdc = task("orders-cdc", "failed", None, t(0, 0));
    cdc.migration_type = MigrationType::Cdc;
    let fetched = |m: &mut Model, task: &ReplicationTask, at| {
        update(
            m,
            Msg::Fetched {
                kind: SourceKind::Replication,
                fetched_at: at,
                result: Ok(Payload::Tasks(vec![task.clone()])),
            },
        );
    };
    let tick = |m: &mut Model, at| {
        update(
            m,
            Msg::Tick {
                now: at,
                platform_now: at,
            },
        );
    };
    fetched(&mut m, &cdc, t(9, 30));
    update(
        &mut m,
        Msg::ActionDone {
            recorded: None,
            action: Action::StartTask {
                task_id: "orders-cdc".into(),
                arn: cdc.arn.clone(),
                serverless: false,
                mode: StartMode::ResumeProcessing,
            },
            result: Ok(ActionOutcome {
                request_id: Some("req-9".into()),
                message: "orders-cdc starting".into(),
                created: None,
            }),
        },
    );
    cdc.status = TaskStatus::Running;
    cdc.last_failure_message = None;
    tick(&mut m, t(9, 31));
    fetched(&mut m, &cdc, t(9, 31));
    assert_eq!(m.following.len(), 1, "running for a moment: still followed");
    tick(&mut m, t(9, 33));
    fetched(&mut m, &cdc, t(9, 33));
    assert!(m.following.is_empty());
    assert_eq!(m.notice.unwrap().text, "✔ orders-cdc running again");
}

#[test]
fn a_query_that_ended_while_the_cancel_dialog_was_open_is_not_cancelled() {
    let queries = |status: &str| {
        let mut q = query(5, status, t(9, 0));
        q.pid = Some(1073);
        Msg::Fetched {
            kind: SourceKind::Warehouse,
            fetched_at: t(9, 30),
            result: Ok(Payload::Queries(vec![q])),
        }
    };
    let mut m = loaded();
    update(&mut m, queries("running"));
    press(&mut m, "4x");
    assert!(
        dialog(&m)
            .lines
            .iter()
            .any(|l| l.contains("pg_cancel_backend"))
    );
    // The next poll, before the yes: the query has finished.
    update(&mut m, queries("success"));
    let effects = press(&mut m, "y");
    assert!(
        matches!(&effects[..], [Effect::Refuse { reason, .. }] if reason.contains("ended (success)")),
        "{effects:?}"
    );
    assert!(m.notice.unwrap().text.contains("nothing was cancelled"));
    assert!(m.in_flight.is_empty());
}

// The cost review's money: export of the view on screen, a failed refetch, the billed count.

#[test]
fn export_writes_the_groups_the_filtered_table_shows() {
    use crate::domain::breakdown::CostRequest;
    let mut m = loaded();
    press(&mut m, "5");
    answer_review(&mut m, CostRequest::default());
    m.view_mut(Tab::Cost).filter = "glue".into();
    m.rebuild_view(Tab::Cost);
    assert_eq!(m.view(Tab::Cost).rows.len(), 1);
    let effects = press(&mut m, "e");
    let [
        Effect::ExportCost {
            report,
            json: false,
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    let keys: Vec<&str> = report
        .breakdown
        .rows
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    assert_eq!(keys, ["AWS Glue"]);
    assert_eq!(report.breakdown.total.to_string(), "61.00");
    assert_eq!(report.row_filter.as_deref(), Some("glue"));
    assert!(
        report
            .csv()
            .lines()
            .last()
            .unwrap()
            .starts_with("TOTAL,61.00,")
    );
    // Unfiltered, every group, in the table's order.
    m.view_mut(Tab::Cost).filter.clear();
    m.rebuild_view(Tab::Cost);
    let effects = press(&mut m, "E");
    let [Effect::ExportCost { report, json: true }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(report.breakdown.rows.len(), 2);
    assert_eq!(report.row_filter, None);
}

#[test]
fn an_environment_switch_resets_the_cost_review_and_takes_the_new_budget() {
    let mut m = loaded();
    m.budget = Some(rust_decimal::Decimal::from(30_000));
    press(&mut m, "5");
    let request = m.cost.request.clone();
    answer_review(&mut m, request);
    assert!(m.cost.report.data.is_some() && m.cost.anomalies.data.is_some());
    m.stage_costs = vec![("migration".into(), rust_decimal::Decimal::from(63))];
    update(
        &mut m,
        Msg::EnvironmentSwitched(Ok(Environment {
            name: "prod".into(),
            profile: None,
            region: Some("eu-central-1".into()),
            demo: false,
            read_only: false,
            budget: None,
        })),
    );
    assert!(
        m.cost.report.data.is_none(),
        "no breakdown of the old environment"
    );
    assert!(
        m.cost.report.loading,
        "the Cost tab asks the new environment at once"
    );
    assert!(m.cost.forecast.data.is_none() && m.cost.anomalies.data.is_none());
    assert!(m.stage_costs.is_empty());
    assert_eq!(m.budget, None, "the new environment's budget, none here");
    assert!(m.in_flight.is_empty());
}
