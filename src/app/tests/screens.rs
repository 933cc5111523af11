//! `update` tests: help, the message log, rebound keys, selections kept across new data, detail logs, the pollers' updates.

use super::*;

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
    // The failed try comes first (then the upstream-failed): its log is read at once.
    let Some(Detail::Run {
        instances: listed, ..
    }) = &m.detail
    else {
        panic!("a run detail is open");
    };
    let order: Vec<&str> = listed
        .data
        .iter()
        .flatten()
        .map(|t| t.task_id.as_str())
        .collect();
    assert_eq!(order, ["dbt_run", "dbt_test", "extract"]);
    assert_eq!(
        effects,
        vec![Effect::FetchDetail(DetailRequest::TaskLog {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            task_id: "dbt_run".into(),
            try_number: 2,
        })]
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
    assert!(
        effects.contains(&Effect::FetchDetail(DetailRequest::TaskInstances {
            dag_id: dag_id.clone(),
            run_id: run_id.clone()
        }))
    );
    assert!(matches!(&m.detail, Some(Detail::Run { log: None, .. })));
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

#[test]
fn a_pollers_updates_map_onto_the_console() {
    use crate::source::Update;
    assert!(matches!(
        Msg::from(Update::Started(SourceKind::Cost)),
        Msg::FetchStarted(SourceKind::Cost)
    ));
    let fetched = Msg::from(Update::Fetched {
        kind: SourceKind::Warehouse,
        fetched_at: t(9, 30),
        result: Ok(Payload::Queries(Vec::new())),
    });
    assert!(matches!(
        fetched,
        Msg::Fetched { kind: SourceKind::Warehouse, fetched_at, result: Ok(Payload::Queries(q)) }
            if fetched_at == t(9, 30) && q.is_empty()
    ));
}

#[test]
fn enter_reads_the_failed_try_log_full_screen_and_searches_it() {
    use crate::app::logview::{screen_lines, text_area};
    let mut m = loaded();
    update(
        &mut m,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    press(&mut m, "3");
    key(&mut m, KeyCode::Enter);
    let Some(Detail::Run { dag_id, run_id, .. }) = m.detail.clone() else {
        panic!("a run detail is open");
    };
    let mut failed = instance("dbt_run", "failed", 2);
    let mut log: String = (1..=60)
        .map(|i| format!("[2026-11-23 02:00:{i:02}] INFO dbt_run: model {i} built\n"))
        .collect();
    log.push_str(
        "Traceback (most recent call last):\n  File \"run.py\", line 7, in <module>\n\
         ValueError: 3 rows rejected by the warehouse: customer_email is longer than its \
         column allows (varchar 256) in model fct_customers\n",
    );
    failed.error = Some(log.clone());
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskInstances {
            dag_id,
            run_id,
            result: Ok(vec![instance("extract", "success", 1), failed]),
        }),
    );
    key(&mut m, KeyCode::Enter);
    let view = |m: &Model| match &m.mode {
        Mode::Log(view) => (**view).clone(),
        other => panic!("no log open: {other:?}"),
    };
    let (columns, rows) = text_area(m.size);
    let lines = screen_lines(&log, columns);
    // It opens at the end: the exception, wrapped whole, is on screen at 80x24.
    let opened = view(&m);
    assert_eq!(opened.scroll, lines.len() - rows);
    let shown = &lines[opened.scroll..];
    assert!(
        shown.iter().any(|l| l.starts_with("ValueError: 3 rows")),
        "{shown:?}"
    );
    assert!(
        shown.last().unwrap().ends_with("fct_customers"),
        "{shown:?}"
    );
    press(&mut m, "g");
    assert_eq!(view(&m).scroll, 0);
    key(&mut m, KeyCode::PageDown);
    assert_eq!(view(&m).scroll, rows);
    press(&mut m, "/model 12");
    key(&mut m, KeyCode::Enter);
    let found = view(&m);
    assert_eq!(found.hits.len(), 1);
    assert!(
        lines[found.scroll].contains("model 12 built"),
        "{}",
        lines[found.scroll]
    );
    press(&mut m, "/built");
    key(&mut m, KeyCode::Enter);
    let first = view(&m).current;
    press(&mut m, "n");
    assert_eq!(view(&m).current, first.map(|i| i + 1));
    press(&mut m, "N");
    assert_eq!(view(&m).current, first);
    press(&mut m, "/nowhere");
    key(&mut m, KeyCode::Enter);
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("`nowhere` is not in this log")
    );
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.detail.is_some(), "Esc leaves the log, not the run");
}
