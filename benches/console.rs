//! Render and update at scale: every tab of the seed-7 demo, and a DMS tab of 10 000 tasks
//! (the table is virtualized, so it should cost what 50 rows do).

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use opsdeck::app::{Key, Model, Msg, Payload, update};
use opsdeck::source::SourceKind;
use opsdeck::ui::render;
use opsdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn with_tasks(model: &Model, count: usize) -> Model {
    let mut model = model.clone();
    let template = model.tasks.data.clone().unwrap_or_default();
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let mut task = template[i % template.len()].clone();
            task.id = format!("{}-{i:05}", task.id);
            task
        })
        .collect();
    let now = model.now;
    update(
        &mut model,
        Msg::Fetched {
            kind: SourceKind::Replication,
            fetched_at: now,
            result: Ok(Payload::Tasks(tasks)),
        },
    );
    model
}

fn bench_render(c: &mut Criterion) {
    let base = common::demo_model();
    let theme = Theme::builtin("default").expect("built-in theme");
    for (tab, key) in [
        ("overview", '1'),
        ("dms", '2'),
        ("airflow", '3'),
        ("redshift", '4'),
        ("cost", '5'),
    ] {
        let mut model = base.clone();
        update(&mut model, Msg::Key(Key::char(key)));
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
            c.bench_function(&format!("render {tab} {w}x{h}"), |b| {
                b.iter(|| terminal.draw(|f| render(f, &model, &theme)).map(|_| ()))
            });
        }
    }
    let mut big = with_tasks(&base, 10_000);
    update(&mut big, Msg::Key(Key::char('2')));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test terminal");
    c.bench_function("render dms 10000 tasks 160x48", |b| {
        b.iter(|| terminal.draw(|f| render(f, &big, &theme)).map(|_| ()))
    });
}

fn bench_update(c: &mut Criterion) {
    let base = common::demo_model();
    let big = with_tasks(&base, 10_000);
    let tasks = big.tasks.data.clone().unwrap_or_default();
    c.bench_function("update: 10000 tasks arrive", |b| {
        b.iter_batched(
            || (base.clone(), tasks.clone()),
            |(mut model, tasks)| {
                let now = model.now;
                update(
                    &mut model,
                    Msg::Fetched {
                        kind: SourceKind::Replication,
                        fetched_at: now,
                        result: Ok(Payload::Tasks(tasks)),
                    },
                )
            },
            criterion::BatchSize::LargeInput,
        )
    });
    c.bench_function("update: key j on 10000 tasks", |b| {
        let mut model = big.clone();
        update(&mut model, Msg::Key(Key::char('2')));
        b.iter(|| update(&mut model, Msg::Key(Key::char('j'))))
    });
}

criterion_group!(benches, bench_render, bench_update);
criterion_main!(benches);
