//! Fixtures shared by the integration tests: a model filled from the demo platform at a
//! fixed seed and time, exactly as the runtime would fill it.

#![allow(dead_code)]

pub mod hostile;
pub mod recording;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use opsdeck::app::{Environment, Keymap, Model, ModelInit, Msg, update};
use opsdeck::config::Config;
use opsdeck::demo::{DemoPlatform, PIPELINE_TOML};
use opsdeck::poll::fetch;
use opsdeck::source::SourceKind;

/// The instant every snapshot is taken at.
pub fn snapshot_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
}

/// The demo platform at seed 7, frozen at [`snapshot_time`].
pub fn platform() -> DemoPlatform {
    DemoPlatform::frozen(7, snapshot_time())
}

/// A model with every source fetched once from `platform`, fetched "3 seconds ago".
pub fn model_from(platform: &DemoPlatform) -> Model {
    model_with(platform, platform.sources())
}

/// The seed-7 model with every list padded to `rows` rows, as `--demo-rows` does.
pub fn padded_model(rows: usize) -> Model {
    let platform = platform();
    let sources = opsdeck::demo::load::padded(platform.sources(), rows);
    model_with(&platform, sources)
}

/// A model with every source fetched once from `sources` (the platform's, or padded).
pub fn model_with(platform: &DemoPlatform, sources: opsdeck::source::Sources) -> Model {
    let now = platform.now();
    let pipelines = Config::parse(PIPELINE_TOML, Path::new("demo pipeline"))
        .expect("the demo pipeline parses")
        .pipelines;
    let mut model = Model::new(ModelInit {
        environment: Environment {
            name: "demo".into(),
            profile: None,
            region: Some("eu-west-1".into()),
            demo: true,
            read_only: false,
            read_only_by_flag: false,
            // As `opsdeck --demo` has it: the demo company's monthly budget.
            budget: Some(rust_decimal::Decimal::from(30_000)),
        },
        environments: Vec::new(),
        keymap: Keymap::default(),
        pipelines,
        cost_stages: opsdeck::domain::stages::CostStages::defaults(),
        theme_name: "default".into(),
        themes: vec!["default".into(), "high-contrast".into(), "light".into()],
        intervals: SourceKind::ALL
            .iter()
            .map(|k| (*k, Duration::from_secs(30)))
            .collect::<HashMap<_, _>>(),
        now,
        platform_now: now,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for &kind in SourceKind::ALL {
        let result = runtime.block_on(fetch(kind, &sources));
        update(
            &mut model,
            Msg::Fetched {
                kind,
                fetched_at: now - chrono::Duration::seconds(3),
                result,
            },
        );
    }
    model
}

/// The seed-7 model at the snapshot time.
pub fn demo_model() -> Model {
    model_from(&platform())
}
