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

mod actions;
mod cost;
mod env;
mod follow;
mod navigation;
mod recovery;
mod screens;

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
            read_only_by_flag: false,
            budget: None,
        },
        environments: Vec::new(),
        keymap: Keymap::default(),
        pipelines: Vec::new(),
        cost_stages: crate::domain::stages::CostStages::defaults(),
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

fn detail_scroll(m: &Model) -> usize {
    match &m.detail {
        Some(
            Detail::Run { scroll, .. } | Detail::Task { scroll, .. } | Detail::Query { scroll, .. },
        ) => *scroll,
        None => panic!("no detail open"),
    }
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
