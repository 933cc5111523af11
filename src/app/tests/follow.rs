//! `update` tests: items followed after an action until they settle; re-runs followed by statement.

use super::*;

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
