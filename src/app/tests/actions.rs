//! `update` tests: retries, marks and their dialogs.

use super::*;

#[test]
fn retrying_a_failed_task_asks_with_cancel_first_and_sends_one_request() {
    use crate::domain::StartMode;
    let mut m = loaded();
    press(&mut m, "2");
    // The failed task sorts first.
    let effects = press(&mut m, "r");
    assert_eq!(
        effects,
        vec![Effect::FetchDetail(DetailRequest::TaskSettings {
            task_id: "orders-nightly-full-load".into()
        })]
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
    assert!(
        m.in_flight
            .contains_key(&crate::domain::action::ActionTarget::Item(
                crate::domain::failure::ItemRef::Replication {
                    id: "orders-nightly-full-load".into()
                }
            ))
    );
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
    // The refusal says what would allow actions: the config's setting or `--write`...
    assert!(
        m.notice
            .clone()
            .unwrap()
            .text
            .contains("--write, or read_only = false"),
        "{:?}",
        m.notice
    );
    // ...but not `--write` when `--read-only` was given, which wins over it.
    m.environment.read_only_by_flag = true;
    press(&mut m, "x");
    let text = m.notice.clone().unwrap().text;
    assert!(text.contains("opened with --read-only"), "{text}");
    assert!(!text.contains("--write"), "{text}");
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
            Effect::FetchDetail(DetailRequest::TableStatistics { task_id })
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

#[test]
fn a_marked_table_is_told_apart_from_one_whose_dotted_name_reads_the_same() {
    use crate::domain::{TableName, TableState, TableStatistics};
    let mut m = loaded();
    press(&mut m, "2");
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
    let table = |schema: &str, name: &str| TableStatistics {
        schema: schema.into(),
        table: name.into(),
        state: TableState::Error,
        full_load_rows: 10,
        inserts: 0,
        updates: 0,
        deletes: 0,
        ddls: 0,
        last_update: None,
    };
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TableStatistics {
            task_id: "inventory-cdc".into(),
            result: Ok(vec![
                table("sales.eu", "orders"),
                table("sales", "eu.orders"),
            ]),
        }),
    );
    // "sales.eu"."orders" is marked; "sales"."eu.orders" is not, though both read
    // sales.eu.orders.
    press(&mut m, " ");
    assert_eq!(m.marks.len(), 1);
    press(&mut m, "r");
    assert!(
        dialog(&m).title.contains("reload 1 table(s)"),
        "{}",
        dialog(&m).title
    );
    let effects = press(&mut m, "y");
    let Some(Effect::Act(actions)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(
        matches!(&actions[..], [crate::domain::Action::ReloadTables { tables, .. }]
        if tables == &vec![TableName { schema: "sales.eu".into(), table: "orders".into() }])
    );
}
