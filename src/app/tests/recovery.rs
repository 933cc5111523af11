//! `update` tests: the night's recovery plan from the console, step by step.

use super::*;
use crate::app::confirm::Confirmable;
use crate::app::recovery::{PlanState, StepState};
use crate::domain::failure::Cause;
use crate::domain::{
    Action, ActionOutcome, ClearScope, PipelineDefinition, StageDefinition, StageSelector,
    StartMode,
};

fn nightly() -> Vec<PipelineDefinition> {
    let dag = |name: &str, dag: &str| StageDefinition {
        name: name.into(),
        selector: StageSelector::Workflow { dag_id: dag.into() },
        cost: None,
    };
    vec![PipelineDefinition {
        name: "nightly".into(),
        stages: vec![
            StageDefinition {
                name: "loads".into(),
                selector: StageSelector::Replication {
                    pattern: "*-nightly-full-load".into(),
                },
                cost: None,
            },
            dag("landing", "nightly_dms_to_s3"),
            dag("dbt", "dbt_build"),
        ],
    }]
}

fn ended(mut run: WorkflowRun, at: DateTime<Utc>) -> WorkflowRun {
    run.ended_at = Some(at);
    run
}

fn tasks_now(orders: ReplicationTask) -> Msg {
    Msg::Fetched {
        kind: SourceKind::Replication,
        fetched_at: t(9, 40),
        result: Ok(Payload::Tasks(vec![
            orders,
            task(
                "customers-nightly-full-load",
                "stopped",
                Some("Stop Reason FULL_LOAD_ONLY_FINISHED"),
                t(1, 0),
            ),
        ])),
    }
}

fn runs_now(runs: Vec<WorkflowRun>) -> Msg {
    Msg::Fetched {
        kind: SourceKind::Workflow,
        fetched_at: t(9, 40),
        result: Ok(Payload::Runs(runs)),
    }
}

/// A red night: the orders load failed, landing and dbt failed after it.
fn red_night() -> Model {
    let mut m = model();
    m.pipelines = nightly();
    update(
        &mut m,
        tasks_now(task("orders-nightly-full-load", "failed", None, t(1, 0))),
    );
    update(
        &mut m,
        runs_now(vec![
            ended(run("nightly_dms_to_s3", "failed", t(1, 0)), t(1, 30)),
            ended(run("dbt_build", "failed", t(3, 0)), t(3, 20)),
        ]),
    );
    m
}

fn cleared(m: &mut Model, dag: &str) {
    let run_id = m
        .runs
        .data
        .as_ref()
        .and_then(|runs| runs.iter().find(|r| r.dag_id == dag))
        .map(|r| r.run_id.clone())
        .unwrap();
    update(
        m,
        Msg::ClearPreview {
            dag_id: dag.into(),
            run_id,
            scope: ClearScope::Failed,
            result: Ok(vec![crate::domain::ClearedTask {
                task_id: "wait_upstream".into(),
                state: "failed".into(),
            }]),
        },
    );
}

fn done(m: &mut Model, action: Action, ok: bool) -> Vec<Effect> {
    update(
        m,
        Msg::ActionDone {
            recorded: Some(format!("step-{}", action.verb())),
            result: if ok {
                Ok(ActionOutcome {
                    request_id: Some("req-1".into()),
                    message: "sent".into(),
                    created: None,
                })
            } else {
                Err(SourceError::new(ErrorKind::Rejected, "Airflow said no"))
            },
            action,
        },
    )
}

fn acts(effects: &[Effect]) -> Vec<Action> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Act(actions) => Some(actions.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn r_opens_the_plan_and_a_yes_runs_it_step_by_step_until_a_step_fails() {
    let mut m = red_night();
    // The root cause is the Overview's first row.
    assert!(m.failures[m.view(Tab::Overview).rows[0]].is_root());
    let effects = press(&mut m, "R");
    let previews = effects
        .iter()
        .filter(|e| matches!(e, Effect::PreviewClear { .. }))
        .count();
    assert_eq!(previews, 2, "{effects:?}");
    let Mode::Confirm(dialog) = &m.mode else {
        panic!("no plan dialog: {:?}", m.mode)
    };
    assert!(matches!(dialog.action, Confirmable::Recover { .. }));
    let text = dialog.lines.join("\n");
    assert!(
        text.contains("1. loads: start orders-nightly-full-load with resume-processing"),
        "{text}"
    );
    assert!(
        text.contains("2. landing: clear nightly_dms_to_s3"),
        "{text}"
    );
    assert!(text.contains("3. dbt: clear dbt_build"), "{text}");
    assert!(text.contains("dry run: reading…"), "{text}");
    // Not before the dry runs are in.
    assert!(acts(&press(&mut m, "y")).is_empty());
    cleared(&mut m, "nightly_dms_to_s3");
    cleared(&mut m, "dbt_build");
    let effects = press(&mut m, "y");
    assert!(
        matches!(&effects[0], Effect::BeginPlan { pipeline, steps } if pipeline == "nightly" && steps.len() == 3),
        "{effects:?}"
    );
    let start = acts(&effects);
    assert!(
        matches!(
            &start[..],
            [Action::StartTask {
                mode: StartMode::ResumeProcessing,
                ..
            }]
        ),
        "{start:?}"
    );
    assert!(
        update(
            &mut m,
            Msg::PlanRecorded {
                pipeline: "nightly".into(),
                recorded: Some("plan-1".into()),
            },
        )
        .is_empty()
    );
    // The start is answered: the task is watched, nothing else is sent yet.
    assert!(acts(&done(&mut m, start[0].clone(), true)).is_empty());
    assert_eq!(m.recoveries[0].steps[0].state, StepState::Watching);
    assert_eq!(
        m.recoveries[0].steps[0].request_id.as_deref(),
        Some("req-1")
    );
    // The source of the watched step is read every few seconds.
    update(
        &mut m,
        Msg::Tick {
            now: t(9, 41),
            platform_now: t(9, 41),
        },
    );
    // While the load runs again, the red runs after it wait for it: neither is a root cause.
    assert!(
        acts(&update(
            &mut m,
            tasks_now(task("orders-nightly-full-load", "running", None, t(9, 36))),
        ))
        .is_empty()
    );
    let rows = &m.view(Tab::Overview).rows;
    let first = &m.failures[rows[0]];
    assert!(first.is_waiting(), "{:?}", first.cause);
    assert!(m.failures.iter().all(|f| !f.is_root()));
    // The task finished after the start: the next step, the clear of landing, goes.
    let effects = update(
        &mut m,
        tasks_now(task(
            "orders-nightly-full-load",
            "stopped",
            Some("Stop Reason FULL_LOAD_ONLY_FINISHED"),
            t(9, 35),
        )),
    );
    let clear = acts(&effects);
    assert!(
        matches!(&clear[..], [Action::ClearRun { dag_id, scope: ClearScope::Failed, .. }] if dag_id == "nightly_dms_to_s3"),
        "{effects:?}"
    );
    assert_eq!(m.recoveries[0].steps[0].state, StepState::Recovered);
    done(&mut m, clear[0].clone(), true);
    // While the cleared landing run runs, dbt waits for it (an Airflow stage runs now).
    assert!(
        acts(&update(
            &mut m,
            runs_now(vec![
                run("nightly_dms_to_s3", "running", t(1, 0)),
                ended(run("dbt_build", "failed", t(3, 0)), t(3, 20)),
            ]),
        ))
        .is_empty()
    );
    let dbt = m.failures.iter().find(|f| f.title == "dbt_build").unwrap();
    assert!(
        matches!(&dbt.cause, Cause::Waiting { upstream, .. } if upstream == "landing"),
        "{:?}",
        dbt.cause
    );
    let effects = update(
        &mut m,
        runs_now(vec![
            ended(run("nightly_dms_to_s3", "success", t(1, 0)), t(9, 45)),
            ended(run("dbt_build", "failed", t(3, 0)), t(3, 20)),
        ]),
    );
    let clear = acts(&effects);
    assert!(
        matches!(&clear[..], [Action::ClearRun { dag_id, .. }] if dag_id == "dbt_build"),
        "{effects:?}"
    );
    // The last clear is refused: the plan stops there and says so to the audit log.
    let effects = done(&mut m, clear[0].clone(), false);
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::EndPlan { recorded, ok: false, .. } if recorded == "plan-1")
        ),
        "{effects:?}"
    );
    let recovery = &m.recoveries[0];
    assert!(
        matches!(&recovery.state, PlanState::Stopped(why) if why.contains("step 3") && why.contains("Airflow said no")),
        "{:?}",
        recovery.state
    );
    assert!(m.notice.as_ref().unwrap().text.contains("nightly stopped"));
    // Planned again, it starts from the first stage that is not green: dbt.
    press(&mut m, "R");
    let Mode::Confirm(dialog) = &m.mode else {
        panic!("no plan dialog")
    };
    let text = dialog.lines.join("\n");
    assert!(text.contains("1. dbt: clear dbt_build"), "{text}");
    assert!(!text.contains("loads"), "{text}");
}

#[test]
fn r_on_a_running_plan_asks_to_cancel_the_steps_left_and_the_running_one_goes_on() {
    let mut m = red_night();
    press(&mut m, "R");
    cleared(&mut m, "nightly_dms_to_s3");
    cleared(&mut m, "dbt_build");
    let start = acts(&press(&mut m, "y"));
    update(
        &mut m,
        Msg::PlanRecorded {
            pipeline: "nightly".into(),
            recorded: Some("plan-1".into()),
        },
    );
    done(&mut m, start[0].clone(), true);
    press(&mut m, "R");
    let Mode::Confirm(dialog) = &m.mode else {
        panic!("no question")
    };
    assert!(matches!(dialog.action, Confirmable::CancelRecovery { .. }));
    assert!(dialog.lines[0].contains("goes on"), "{:?}", dialog.lines);
    let effects = press(&mut m, "y");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::EndPlan { ok: false, .. })),
        "{effects:?}"
    );
    let recovery = &m.recoveries[0];
    assert_eq!(recovery.state, PlanState::Cancelled);
    assert_eq!(recovery.steps[1].state, StepState::NotRun);
    // The running step is still watched.
    assert!(
        m.following
            .iter()
            .any(|f| f.name == "orders-nightly-full-load")
    );
}

#[test]
fn read_only_has_no_plan_and_a_green_night_nothing_to_recover() {
    let mut m = red_night();
    m.environment.read_only = true;
    assert!(press(&mut m, "R").is_empty());
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.notice.as_ref().unwrap().text.contains("read-only"));
    let mut m = model();
    m.pipelines = nightly();
    update(
        &mut m,
        tasks_now(task(
            "orders-nightly-full-load",
            "stopped",
            Some("Stop Reason FULL_LOAD_ONLY_FINISHED"),
            t(1, 0),
        )),
    );
    update(&mut m, runs_now(Vec::new()));
    press(&mut m, "R");
    assert_eq!(m.mode, Mode::Normal);
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing to recover"),
        "{:?}",
        m.notice
    );
}

/// The DAGs whose task instances the effects read.
fn instance_reads(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchDetail(DetailRequest::TaskInstances { dag_id, .. }) => {
                Some(dag_id.as_str())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn t_lays_the_night_out_and_marks_the_plan_steps_as_they_run() {
    use crate::app::timeline::{Phase, rows};
    let mut m = red_night();
    let effects = press(&mut m, "T");
    assert_eq!(instance_reads(&effects), ["nightly_dms_to_s3", "dbt_build"]);
    let run_id = m.runs.data.as_ref().unwrap()[0].run_id.clone();
    let mut retried = instance("wait_upstream", "failed", 2);
    retried.started_at = Some(t(1, 5));
    update(
        &mut m,
        Msg::DetailFetched(DetailPayload::TaskInstances {
            dag_id: "nightly_dms_to_s3".into(),
            run_id,
            result: Ok(vec![
                instance("extract", "success", 1),
                retried,
                instance("publish", "upstream_failed", 0),
            ]),
        }),
    );
    let Mode::Timeline(timeline) = m.mode.clone() else {
        panic!("no timeline: {:?}", m.mode)
    };
    // While it is open, a run cleared and running again has its task instances read
    // again (not dbt's, still loading its first answer).
    let mut m2 = m.clone();
    let effects = update(
        &mut m2,
        runs_now(vec![
            run("nightly_dms_to_s3", "running", t(1, 0)),
            ended(run("dbt_build", "failed", t(3, 0)), t(3, 20)),
        ]),
    );
    assert_eq!(instance_reads(&effects), ["nightly_dms_to_s3"]);
    let laid = rows(&m, &timeline);
    let labels: Vec<(u8, &str)> = laid.iter().map(|r| (r.depth, r.label.as_str())).collect();
    assert_eq!(
        labels,
        [
            (0, "loads"),
            (1, "orders-nightly-full-load"),
            (1, "customers-nightly-full-load"),
            (0, "landing"),
            (1, "nightly_dms_to_s3"),
            (2, "wait_upstream"),
            (2, "publish"),
            (2, "+ 1 ended well"),
            (0, "dbt"),
            (1, "dbt_build"),
        ]
    );
    assert_eq!(laid[5].retries, 1, "the second try is marked");
    assert_eq!(laid[6].phase, Phase::Ended);
    assert!(laid[6].note.as_deref().unwrap().contains("upstream failed"));
    // A running plan's step is noted on its item's row.
    key(&mut m, KeyCode::Esc);
    assert_eq!(m.mode, Mode::Normal);
    press(&mut m, "R");
    cleared(&mut m, "nightly_dms_to_s3");
    cleared(&mut m, "dbt_build");
    press(&mut m, "y");
    press(&mut m, "T");
    let Mode::Timeline(timeline) = m.mode.clone() else {
        panic!("no timeline")
    };
    let laid = rows(&m, &timeline);
    assert_eq!(
        laid[1].note.as_deref(),
        Some("plan step 1 sending…"),
        "{laid:#?}"
    );
    // Once the load runs again, the red stages after it say they wait for it.
    update(
        &mut m,
        tasks_now(task("orders-nightly-full-load", "running", None, t(9, 36))),
    );
    let laid = rows(&m, &timeline);
    let waits: Vec<(&str, Option<&str>)> = laid
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| (r.label.as_str(), r.note.as_deref()))
        .collect();
    assert_eq!(
        waits,
        [
            ("loads", None),
            ("landing", Some("waits for loads")),
            ("dbt", Some("waits for loads")),
        ]
    );
}
