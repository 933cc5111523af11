//! Render and update at scale: every tab of the seed-7 demo at 80x24 and 160x48, and the
//! DMS, Airflow and Redshift tabs with 10 000 rows each at 200x50 (tables are virtualized,
//! so 10 000 rows should cost what 50 do).

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use opsdeck::app::{Key, Model, Msg, Payload, update};
use opsdeck::demo::load::{copy_query, copy_run, copy_task, pad};
use opsdeck::ui::render;
use opsdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ROWS: usize = 10_000;

/// The seed-7 lists padded to `ROWS` rows each, as poll results.
fn big_payloads(model: &Model) -> [Payload; 3] {
    let tasks = model.tasks.data.clone().unwrap_or_default();
    let runs = model.runs.data.clone().unwrap_or_default();
    let queries = model.queries.data.clone().unwrap_or_default();
    [
        Payload::Tasks(pad(tasks, ROWS, copy_task)),
        Payload::Runs(pad(runs, ROWS, copy_run)),
        Payload::Queries(pad(queries, ROWS, copy_query)),
    ]
}

fn arrive(model: &mut Model, payload: Payload) {
    let now = model.now;
    update(
        model,
        Msg::Fetched {
            kind: payload.kind(),
            fetched_at: now,
            result: Ok(payload),
        },
    );
}

fn bench_render(c: &mut Criterion) {
    let base = common::demo_model();
    let theme = Theme::builtin("default").expect("built-in theme");
    let tabs = [
        ("overview", '1'),
        ("dms", '2'),
        ("airflow", '3'),
        ("redshift", '4'),
        ("cost", '5'),
    ];
    for (tab, key) in tabs {
        let mut model = base.clone();
        update(&mut model, Msg::Key(Key::char(key)));
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
            c.bench_function(&format!("render {tab} {w}x{h}"), |b| {
                b.iter(|| terminal.draw(|f| render(f, &model, &theme)).map(|_| ()))
            });
        }
    }
    let mut big = base.clone();
    for payload in big_payloads(&base) {
        arrive(&mut big, payload);
    }
    for (tab, key) in tabs {
        let mut model = big.clone();
        update(&mut model, Msg::Key(Key::char(key)));
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test terminal");
        c.bench_function(&format!("render {tab} 10000 rows 200x50"), |b| {
            b.iter(|| terminal.draw(|f| render(f, &model, &theme)).map(|_| ()))
        });
    }
}

fn bench_update(c: &mut Criterion) {
    let base = common::demo_model();
    for payload in big_payloads(&base) {
        let name = match &payload {
            Payload::Tasks(_) => "tasks",
            Payload::Runs(_) => "runs",
            Payload::Queries(_) => "queries",
            Payload::Spend(_) => "spend",
        };
        c.bench_function(&format!("update: 10000 {name} arrive"), |b| {
            // The old model and the payload are made and dropped outside the timing.
            b.iter_batched_ref(
                || (base.clone(), Some(payload.clone())),
                |(model, payload)| arrive(model, payload.take().expect("one payload per run")),
                BatchSize::LargeInput,
            )
        });
    }
    c.bench_function("update: key j on 10000 tasks", |b| {
        let mut model = base.clone();
        let [tasks, _, _] = big_payloads(&base);
        arrive(&mut model, tasks);
        update(&mut model, Msg::Key(Key::char('2')));
        b.iter(|| update(&mut model, Msg::Key(Key::char('j'))))
    });
}

/// The cost review's aggregation: 13 months of daily spend by 200 services into a
/// breakdown (totals, shares, the change against the 13 months before, daily amounts).
fn bench_breakdown(c: &mut Criterion) {
    use chrono::NaiveDate;
    use opsdeck::domain::breakdown::Breakdown;
    use opsdeck::domain::{DailySpend, SpendSeries};
    use rust_decimal::Decimal;
    let series = |start: NaiveDate| SpendSeries {
        unit: "USD".into(),
        days: start
            .iter_days()
            .take(395)
            .enumerate()
            .map(|(d, date)| DailySpend {
                date,
                by_service: (0..200)
                    .map(|s| {
                        (
                            format!("service {s:03}"),
                            Decimal::new(1_234_567_891 + (d * 7 + s * 13) as i64, 8),
                        )
                    })
                    .collect(),
                estimated: false,
            })
            .collect(),
        ..SpendSeries::default()
    };
    let before = series(NaiveDate::from_ymd_opt(2024, 9, 26).expect("a date"));
    let now = series(NaiveDate::from_ymd_opt(2025, 10, 26).expect("a date"));
    c.bench_function(
        "breakdown: 13 months x 200 services, daily, with the period before",
        |b| b.iter(|| Breakdown::of(&now, Some(&before))),
    );
}

/// The Cost tab drawing a review of 90 days × 50 services (stacked bars, the groups with
/// their sparklines, the anomalies).
fn bench_cost_tab(c: &mut Criterion) {
    use chrono::NaiveDate;
    use opsdeck::domain::breakdown::{Breakdown, CostReport, CostRequest};
    use opsdeck::domain::cost::Period;
    use opsdeck::domain::{DailySpend, SpendSeries};
    use rust_decimal::Decimal;
    let start = NaiveDate::from_ymd_opt(2026, 8, 25).expect("a date");
    let series = SpendSeries {
        unit: "USD".into(),
        days: start
            .iter_days()
            .take(90)
            .enumerate()
            .map(|(d, date)| DailySpend {
                date,
                by_service: (0..50)
                    .map(|s| {
                        (
                            format!("service {s:02}"),
                            Decimal::new(98_765_432 + (d * 11 + s * 97) as i64, 6),
                        )
                    })
                    .collect(),
                estimated: false,
            })
            .collect(),
        ..SpendSeries::default()
    };
    let request = CostRequest {
        period: Period::LastDays(90),
        ..CostRequest::default()
    };
    let (query, _) = request.queries(NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date"));
    let mut model = common::demo_model();
    update(&mut model, Msg::Key(Key::char('5')));
    model.cost.report.data = Some(CostReport {
        breakdown: Breakdown::of(&series, Some(&series)),
        request: request.clone(),
        query,
        cached_at: None,
        compared: None,
        row_filter: None,
    });
    model.cost.asked = Some(request);
    model.rebuild_view(opsdeck::app::Tab::Cost);
    let theme = Theme::builtin("default").expect("built-in theme");
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        c.bench_function(
            &format!("render cost review 90 days x 50 services {w}x{h}"),
            |b| b.iter(|| terminal.draw(|f| render(f, &model, &theme)).map(|_| ())),
        );
    }
}

/// The demo platform: built with its backstory (budget 50 ms in a debug build), a read a
/// few seconds on, and a read a year on (which skips ahead rather than replay every
/// minute; budget a few seconds).
fn bench_demo(c: &mut Criterion) {
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 23, 9, 30, 0).unwrap();
    c.bench_function("demo: construction", |b| {
        b.iter(|| opsdeck::demo::DemoPlatform::frozen(7, at))
    });
    c.bench_function("demo: a read 5 s on", |b| {
        b.iter_batched(
            || opsdeck::demo::DemoPlatform::frozen(7, at),
            |platform| {
                platform.advance(chrono::Duration::seconds(5));
                platform.queries()
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("demo: a read a year on", |b| {
        b.iter_batched(
            || opsdeck::demo::DemoPlatform::frozen(7, at),
            |platform| {
                platform.advance(chrono::Duration::days(365));
                platform.runs()
            },
            BatchSize::LargeInput,
        )
    });
}

/// The night as causes at scale: the failures of 10 000 tasks, runs and queries grouped
/// by the pipelines' chains, and the recovery plan built from the chain (budget 5 ms).
fn bench_chain(c: &mut Criterion) {
    use opsdeck::domain::recovery;
    use opsdeck::domain::snapshot::{Snapshot, latest_runs};
    let base = common::demo_model();
    let tasks = pad(base.tasks.data.clone().unwrap_or_default(), ROWS, copy_task);
    let runs = pad(base.runs.data.clone().unwrap_or_default(), ROWS, copy_run);
    let queries = pad(
        base.queries.data.clone().unwrap_or_default(),
        ROWS,
        copy_query,
    );
    c.bench_function(
        "chain: group causes and plan, 10000 tasks, runs, queries",
        |b| {
            b.iter(|| {
                let snapshot =
                    Snapshot::of(&base.pipelines, Some(&tasks), Some(&runs), Some(&queries));
                let latest = latest_runs(&runs);
                let plan = recovery::plan(&snapshot.chains[0], &tasks, &latest);
                (snapshot.failures.len(), plan.map(|p| p.steps.len()))
            })
        },
    );
}

/// The night's timeline of the demo with 200 task instances listed (each retried, so none
/// is folded into "ended well"), drawn at 200x50 (budget 1 ms a frame).
fn bench_timeline(c: &mut Criterion) {
    use opsdeck::app::{DetailPayload, DetailRequest, Effect, Key};
    use opsdeck::domain::{TaskInstance, TaskState};
    let mut model = common::demo_model();
    let effects = update(&mut model, Msg::Key(Key::char('T')));
    let runs: Vec<(String, String)> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::FetchDetail(DetailRequest::TaskInstances { dag_id, run_id }) => {
                Some((dag_id, run_id))
            }
            _ => None,
        })
        .collect();
    let per_run = 200 / runs.len().max(1);
    let start = model.platform_now - chrono::Duration::hours(8);
    for (dag_id, run_id) in runs {
        let instances = (0..per_run)
            .map(|i| TaskInstance {
                task_id: format!("task_{i:03}"),
                state: if i % 7 == 0 {
                    TaskState::Failed
                } else {
                    TaskState::Success
                },
                try_number: 2,
                max_tries: 3,
                operator: "PythonOperator".into(),
                started_at: Some(start + chrono::Duration::minutes(i as i64)),
                ended_at: Some(start + chrono::Duration::minutes(i as i64 + 20)),
                error: None,
            })
            .collect();
        update(
            &mut model,
            Msg::DetailFetched(DetailPayload::TaskInstances {
                dag_id,
                run_id,
                result: Ok(instances),
            }),
        );
    }
    let theme = Theme::builtin("default").expect("built-in theme");
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    c.bench_function("render timeline 200 task instances 200x50", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| render(frame, &model, &theme))
                .map(|_| ())
        })
    });
}

criterion_group!(
    benches,
    bench_chain,
    bench_timeline,
    bench_render,
    bench_update,
    bench_breakdown,
    bench_cost_tab,
    bench_demo
);
criterion_main!(benches);
