//! The config file through the library's public API: a full file, an empty one, and the
//! exact message of every kind of mistake.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use opsdeck::app::keys::{Action, Key, KeyCode, Keymap};
use opsdeck::config::{Config, ConfigError, CostSettings, Paths, Polling};
use opsdeck::domain::stages::{CostStage, CostStages};
use opsdeck::domain::{PipelineDefinition, StageDefinition, StageSelector};
use opsdeck::source::SourceKind;
use rust_decimal::Decimal;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

/// The message of loading a fixture that must fail.
fn error_of(name: &str) -> String {
    match Config::load(&fixture(name)) {
        Ok(config) => panic!("{name} loaded: {config:?}"),
        Err(error) => error.to_string(),
    }
}

fn stage(name: &str, selector: StageSelector) -> StageDefinition {
    StageDefinition {
        name: name.to_string(),
        selector,
        cost: None,
    }
}

fn dag(dag_id: &str) -> StageSelector {
    StageSelector::Workflow {
        dag_id: dag_id.to_string(),
    }
}

#[test]
fn full_file_sets_every_key() {
    let config = Config::load(&fixture("full.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.theme.as_deref(), Some("high-contrast"));
    assert_eq!(
        config.polling,
        Polling {
            replication: Duration::from_secs(15),
            workflow: Duration::from_secs(20),
            warehouse: Duration::from_secs(45),
            cost: Duration::from_secs(43200),
            visible: Duration::from_secs(3),
            max_backoff: Duration::from_secs(600),
        }
    );
    assert_eq!(
        config.keys,
        vec![
            (Action::Quit, vec![Key::char('Q')]),
            (
                Action::Refresh,
                vec![Key::ctrl('r'), Key::plain(KeyCode::F(5))]
            ),
            (Action::NextTab, vec![Key::char('l')]),
            (Action::PrevTab, vec![Key::char('h')]),
        ]
    );
    assert_eq!(
        config.pipelines,
        vec![
            PipelineDefinition {
                name: "nightly".to_string(),
                stages: vec![
                    stage(
                        "DMS loads",
                        StageSelector::Replication {
                            pattern: "*-nightly-full-load".to_string(),
                        },
                    ),
                    stage("clean", dag("clean_anonymize")),
                    stage("dbt", dag("dbt_build")),
                ],
            },
            PipelineDefinition {
                name: "marts".to_string(),
                stages: vec![stage("refresh", dag("refresh_marts"))],
            },
        ]
    );
}

#[test]
fn full_file_keys_feed_the_keymap() {
    let config = Config::load(&fixture("full.toml")).unwrap_or_else(|e| panic!("{e}"));
    let keymap = Keymap::with_overrides(&config.keys);
    assert_eq!(keymap.action(Key::char('Q')), Some(Action::Quit));
    assert_eq!(keymap.action(Key::char('q')), None);
    assert_eq!(
        keymap.action(Key::plain(KeyCode::F(5))),
        Some(Action::Refresh)
    );
}

#[test]
fn visible_interval_is_the_faster_of_the_two() {
    let config = Config::load(&fixture("full.toml")).unwrap_or_else(|e| panic!("{e}"));
    for &kind in SourceKind::ALL {
        assert_eq!(
            config.polling.visible_interval(kind),
            Duration::from_secs(3),
            "{kind:?}"
        );
    }
    let polling = Polling::default();
    assert_eq!(
        polling.interval(SourceKind::Cost),
        Duration::from_secs(21600)
    );
    assert_eq!(
        polling.visible_interval(SourceKind::Replication),
        Duration::from_secs(5)
    );
}

#[test]
fn empty_file_gives_the_defaults() {
    let config = Config::load(&fixture("empty.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config, Config::default());
    assert_eq!(config.theme, None);
    assert_eq!(config.polling.replication, Duration::from_secs(30));
    assert_eq!(config.polling.workflow, Duration::from_secs(30));
    assert_eq!(config.polling.warehouse, Duration::from_secs(60));
    assert_eq!(config.polling.cost, Duration::from_secs(21600));
    assert_eq!(config.polling.visible, Duration::from_secs(5));
    assert_eq!(config.polling.max_backoff, Duration::from_secs(300));
    assert!(config.keys.is_empty());
    assert!(config.pipelines.is_empty());
    assert_eq!(config.cost, CostSettings::default());
    assert_eq!(config.cost.budget, None);
    assert_eq!(config.cost.currency, "USD");
    assert_eq!(config.cost.stages, CostStages::defaults());
}

#[test]
fn unknown_top_level_key() {
    let path = fixture("unknown-top-level-key.toml");
    assert_eq!(
        error_of("unknown-top-level-key.toml"),
        format!(
            "{}:2: unknown key `colour` at the top level; expected one of: \
             theme, read_only, polling, keys, pipeline, environment, cost",
            path.display()
        )
    );
}

#[test]
fn unknown_key_in_polling() {
    let path = fixture("unknown-polling-key.toml");
    assert_eq!(
        error_of("unknown-polling-key.toml"),
        format!(
            "{}:4: unknown key `colour` in [polling]; expected one of: \
             replication, workflow, warehouse, cost, visible, max_backoff",
            path.display()
        )
    );
}

#[test]
fn bad_value_type() {
    let path = fixture("bad-value-type.toml");
    assert_eq!(
        error_of("bad-value-type.toml"),
        format!(
            "{}:2: bad value for `polling.replication`: expected a whole number of seconds \
             from 1 to 604800 (a week), found \"fast\"",
            path.display()
        )
    );
}

#[test]
fn zero_interval() {
    let path = fixture("zero-interval.toml");
    assert_eq!(
        error_of("zero-interval.toml"),
        format!(
            "{}:3: bad value for `polling.visible`: expected a whole number of seconds \
             from 1 to 604800 (a week), found 0",
            path.display()
        )
    );
}

#[test]
fn unknown_action() {
    let path = fixture("unknown-action.toml");
    assert_eq!(
        error_of("unknown-action.toml"),
        format!(
            "{}:3: unknown action `explode` in [keys]; actions are: quit, help, messages, \
             next_tab, prev_tab, tab_overview, tab_dms, tab_airflow, tab_redshift, tab_cost, \
             command_mode, filter, up, down, top, bottom, page_up, page_down, open, back, \
             refresh, sort_next, sort_reverse, mark, clear_marks, retry, recover, timeline, \
             trigger, cancel_query, cost_period, cost_metric, cost_group, cost_granularity, cost_anomalies, export, \
             export_json",
            path.display()
        )
    );
}

#[test]
fn unknown_key_name() {
    let path = fixture("unknown-key-name.toml");
    assert_eq!(
        error_of("unknown-key-name.toml"),
        format!(
            "{}:7: bad value for `keys.quit`: unknown key `hyper-x` \
             (examples: q, ctrl-r, shift-tab, enter, esc, pgup, f5, space)",
            path.display()
        )
    );
}

#[test]
fn stage_without_a_selector() {
    let path = fixture("bad-stage.toml");
    assert_eq!(
        error_of("bad-stage.toml"),
        format!(
            "{}:9: pipeline stage `clean` needs exactly one of `replication` or `dag`",
            path.display()
        )
    );
}

#[test]
fn toml_syntax_error() {
    let path = fixture("syntax-error.toml");
    assert_eq!(
        error_of("syntax-error.toml"),
        format!(
            "{}:1: invalid TOML: unclosed table, expected `]`",
            path.display()
        )
    );
}

#[test]
fn unreadable_file_is_named() {
    let path = fixture("does-not-exist.toml");
    let cause = match std::fs::read_to_string(&path) {
        Ok(_) => panic!("{} exists", path.display()),
        Err(cause) => cause,
    };
    let error = Config::load(&path).err();
    assert!(matches!(error, Some(ConfigError::Read { .. })), "{error:?}");
    assert_eq!(
        error.map(|e| e.to_string()),
        Some(format!("cannot read {}: {cause}", path.display()))
    );
}

#[test]
fn errors_carry_file_and_line() {
    let path = fixture("zero-interval.toml");
    match Config::load(&path) {
        Err(ConfigError::Invalid { file, line, .. }) => {
            assert_eq!(file, path);
            assert_eq!(line, Some(3));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn parse_names_the_origin_it_is_given() {
    let error = Config::parse("[polling]\ncost = 0\n", Path::new("config.toml")).err();
    assert_eq!(
        error.map(|e| e.to_string()).as_deref(),
        Some(
            "config.toml:2: bad value for `polling.cost`: expected a whole number of seconds \
             from 1 to 604800 (a week), found 0"
        )
    );
}

#[test]
fn paths_follow_the_xdg_layout() {
    let paths = Paths::under(
        Path::new("/home/ana/.config"),
        Path::new("/home/ana/.local/state"),
        Path::new("/home/ana/.cache"),
    );
    assert_eq!(
        paths,
        Paths {
            config_file: PathBuf::from("/home/ana/.config/opsdeck/config.toml"),
            config_dir: PathBuf::from("/home/ana/.config/opsdeck"),
            themes_dir: PathBuf::from("/home/ana/.config/opsdeck/themes"),
            state_dir: PathBuf::from("/home/ana/.local/state/opsdeck"),
            log_file: PathBuf::from("/home/ana/.local/state/opsdeck/opsdeck.log"),
            cache_dir: PathBuf::from("/home/ana/.cache/opsdeck"),
        }
    );
}

#[test]
fn environments_are_read_in_file_order_with_every_part() {
    use opsdeck::config::{AirflowConfig, AirflowEndpoint, RedshiftAuth, RedshiftTarget};
    let config = Config::load(&fixture("environments.toml")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = config
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["prod", "staging", "onprem"]);
    let prod = &config.environments[0];
    assert_eq!(prod.profile.as_deref(), Some("data-prod"));
    assert_eq!(prod.region.as_deref(), Some("eu-west-1"));
    assert_eq!(prod.theme.as_deref(), Some("high-contrast"));
    assert_eq!(prod.read_only, Some(true));
    assert_eq!(prod.dms.tasks, ["*-nightly-full-load", "*-cdc"]);
    assert!(prod.dms.serverless);
    assert_eq!(
        prod.airflow,
        Some(AirflowConfig::new(AirflowEndpoint::Mwaa {
            environment: "data-prod-airflow".into()
        }))
    );
    let redshift = prod.redshift.as_ref().unwrap();
    assert_eq!(
        redshift.target,
        RedshiftTarget::Cluster("warehouse-prod".into())
    );
    assert_eq!(redshift.auth, RedshiftAuth::DbUser("opsdeck".into()));
    assert_eq!(prod.cost.linked_accounts, ["123456789012"]);
    assert_eq!(
        prod.cost.tags,
        [("team".to_string(), vec!["data".to_string()])]
    );
    let staging = &config.environments[1];
    assert_eq!(
        staging.airflow,
        Some(AirflowConfig {
            endpoint: AirflowEndpoint::SelfManaged {
                url: "https://airflow.staging.internal".into(),
                username: Some("opsdeck".into()),
                password_env: Some("OPSDECK_AIRFLOW_PASSWORD".into()),
            },
            api_version: Some(2),
            runs_per_dag: 5,
            run_states: vec!["failed".into(), "running".into()],
        })
    );
    let redshift = staging.redshift.as_ref().unwrap();
    assert_eq!(
        redshift.target,
        RedshiftTarget::Workgroup("analytics-staging".into())
    );
    assert!(matches!(redshift.auth, RedshiftAuth::Secret(_)));
    let onprem = &config.environments[2];
    assert_eq!(onprem.airflow, None);
    assert_eq!(onprem.redshift, None);
    assert!(!config.read_only);
}

#[test]
fn environment_mistakes_are_named_with_their_line() {
    let cases = [
        (
            "[[environment]]\nname = \"prod\"\n\n[environment.airflow]\nmwaa = \"a\"\nurl = \"https://b\"\n",
            "x.toml:4: environment `prod`: [environment.airflow] needs exactly one of `mwaa` (an MWAA environment name) or `url` (a self-managed Airflow)",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.redshift]\nworkgroup = \"w\"\ndatabase = \"dev\"\ndb_user = \"u\"\n",
            "x.toml:3: environment `prod`: `db_user` works with a provisioned `cluster` only; a Serverless workgroup signs in with IAM or `secret_arn`",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.redshift]\ncluster = \"c\"\n",
            "x.toml:3: missing key `database` in [environment.redshift]",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.redshift]\ncluster = \"c\"\ndatabase = \"d\"\npassword = \"p\"\n",
            "x.toml:6: unknown key `password` in [environment.redshift]; expected one of: cluster, workgroup, database, secret_arn, db_user",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[[environment]]\nname = \"prod\"\n",
            "x.toml:3: environment `prod` is defined twice",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.airflow]\nmwaa = \"a\"\napi_version = 3\n",
            "x.toml:3: environment `prod`: airflow `api_version` is 1 (Airflow 2) or 2 (Airflow 3), not 3",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.airflow]\nmwaa = \"a\"\nruns_per_dag = 0\n",
            "x.toml:3: environment `prod`: airflow `runs_per_dag` must be between 1 and 100, not 0",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.airflow]\nmwaa = \"a\"\nrun_states = [\"failed\", \"broken\"]\n",
            "x.toml:3: environment `prod`: airflow `run_states` has `broken`; a DAG run state is one of: queued, running, success, failed",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.airflow]\nurl = \"airflow.internal\"\n",
            "x.toml:3: environment `prod`: airflow `url` must start with http:// or https://, not `airflow.internal`",
        ),
    ];
    for (text, expected) in cases {
        let error = Config::parse(text, Path::new("x.toml")).expect_err(text);
        assert_eq!(error.to_string(), expected, "{text}");
    }
}

fn amount(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn cost_file_sets_budget_currency_and_stages() {
    let config = Config::load(&fixture("cost.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.cost.budget, Some(amount("30000.00")));
    assert_eq!(config.cost.currency, "EUR");
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        config.cost.stages,
        CostStages {
            stages: vec![
                CostStage {
                    name: "ingest".into(),
                    services: vec![
                        "AWS Database Migration Service".into(),
                        "Amazon Relational Database Service".into(),
                    ],
                    tags: vec![],
                },
                CostStage {
                    name: "lake".into(),
                    services: vec!["Amazon Simple Storage Service".into(), "AWS Glue".into()],
                    tags: vec![pair("stage", "lake")],
                },
                CostStage {
                    name: "dbt".into(),
                    services: vec![],
                    tags: vec![
                        pair("stage", "transform"),
                        pair("stage", "dbt"),
                        pair("team", "analytics"),
                    ],
                },
            ],
        }
    );
    let stages = &config.cost.stages;
    assert_eq!(
        stages.stage_of_service("Amazon Relational Database Service"),
        Some("ingest")
    );
    // The file's stages replace the defaults.
    assert_eq!(stages.stage_of_service("Amazon Redshift"), None);
    assert_eq!(stages.stage_of_tag("team", "analytics"), Some("dbt"));
}

#[test]
fn an_environment_budget_wins_over_the_files() {
    let config = Config::load(&fixture("cost.toml")).unwrap_or_else(|e| panic!("{e}"));
    let prod = &config.environments[0];
    assert_eq!(prod.budget, Some(amount("24000")));
    assert_eq!(prod.cost.linked_accounts, ["123456789012"]);
    assert_eq!(config.budget_for(prod), Some(amount("24000")));
    let staging = &config.environments[1];
    assert_eq!(staging.budget, None);
    assert_eq!(config.budget_for(staging), Some(amount("30000")));
    let bare = Config::load(&fixture("environments.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bare.budget_for(&bare.environments[0]), None);
}

#[test]
fn negative_budget() {
    let path = fixture("negative-budget.toml");
    assert_eq!(
        error_of("negative-budget.toml"),
        format!(
            "{}:3: bad value for `cost.budget`: expected an amount above zero, like 30000 or \
             \"30000.00\", found -500",
            path.display()
        )
    );
}

#[test]
fn unknown_key_in_cost() {
    let path = fixture("unknown-cost-key.toml");
    assert_eq!(
        error_of("unknown-cost-key.toml"),
        format!(
            "{}:4: unknown key `yearly_budget` in [cost]; expected one of: budget, currency, stage",
            path.display()
        )
    );
}

#[test]
fn cost_stage_without_a_name() {
    let path = fixture("cost-stage-without-name.toml");
    assert_eq!(
        error_of("cost-stage-without-name.toml"),
        format!("{}:5: missing key `name` in [[cost.stage]]", path.display())
    );
}

#[test]
fn cost_stage_that_claims_nothing() {
    let path = fixture("cost-stage-claims-nothing.toml");
    assert_eq!(
        error_of("cost-stage-claims-nothing.toml"),
        format!(
            "{}:9: cost stage `serving` claims no cost; give it `services`, `tags` or both",
            path.display()
        )
    );
}

#[test]
fn cost_mistakes_are_named_with_their_line() {
    let cases = [
        (
            "[cost]\nbudget = 0\n",
            "x.toml:2: bad value for `cost.budget`: expected an amount above zero, like 30000 or \"30000.00\", found 0",
        ),
        (
            "[cost]\nbudget = \"30,000\"\n",
            "x.toml:2: bad value for `cost.budget`: expected an amount above zero, like 30000 or \"30000.00\", found \"30,000\"",
        ),
        (
            "[cost]\ncurrency = \"usd\"\n",
            "x.toml:2: bad value for `cost.currency`: expected a currency code of three capital letters, like \"USD\", found \"usd\"",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.cost]\nbudget = -1.5\n",
            "x.toml:4: bad value for `environment[0].cost.budget`: expected an amount above zero, like 30000 or \"30000.00\", found -1.5",
        ),
        (
            "[[environment]]\nname = \"prod\"\n[environment.cost]\nbudgt = 1\n",
            "x.toml:4: unknown key `budgt` in [environment.cost]; expected one of: linked_accounts, tags, budget",
        ),
        (
            "[[cost.stage]]\nname = \"a\"\nservices = [\"AWS Glue\"]\n[[cost.stage]]\nname = \"a\"\ntags = { stage = \"a\" }\n",
            "x.toml:4: cost stage `a` is defined twice",
        ),
        (
            "[[cost.stage]]\nname = \"a\"\nservices = [\"AWS Glue\"]\n[[cost.stage]]\nname = \"b\"\nservices = [\"AWS Glue\"]\n",
            "x.toml:4: cost stage `b`: service `AWS Glue` is already in stage `a`",
        ),
        (
            "[[cost.stage]]\nname = \"a\"\ntags = { stage = \"x\" }\n[[cost.stage]]\nname = \"b\"\ntags = { stage = [\"y\", \"x\"] }\n",
            "x.toml:4: cost stage `b`: tag `stage = \"x\"` is already in stage `a`",
        ),
        (
            "[[cost.stage]]\nname = \"other\"\nservices = [\"Tax\"]\n",
            "x.toml:1: cost stage `other` is reserved for the costs no stage claims; choose another name",
        ),
        (
            "[[cost.stage]]\nname = \"a\"\ntags = { stage = 5 }\n",
            "x.toml:3: bad value for `cost.stage[0].tags.stage`: expected a tag value or a list of tag values, like \"migration\" or [\"migration\", \"dms\"], found 5",
        ),
        (
            "[[cost.stage]]\nname = \"a\"\nservice = [\"AWS Glue\"]\n",
            "x.toml:3: unknown key `service` in [[cost.stage]]; expected one of: name, services, tags",
        ),
    ];
    for (text, expected) in cases {
        let error = Config::parse(text, Path::new("x.toml")).expect_err(text);
        assert_eq!(error.to_string(), expected, "{text}");
    }
}

#[test]
fn a_pipeline_stage_names_an_existing_cost_stage() {
    let path = fixture("pipeline-unknown-cost-stage.toml");
    assert_eq!(
        error_of("pipeline-unknown-cost-stage.toml"),
        format!(
            "{}:4: pipeline stage `dbt`: `cost = \"dbt\"` names no cost stage; the stages \
             are migration, lake, orchestration, warehouse, transform",
            path.display()
        )
    );
    // The demo's pipeline names the default stages.
    let demo = opsdeck::config::Config::parse(
        opsdeck::demo::PIPELINE_TOML,
        std::path::Path::new("demo pipeline"),
    )
    .unwrap();
    assert_eq!(
        demo.pipelines[0].stages[0].cost.as_deref(),
        Some("migration")
    );
}

#[test]
fn a_key_taken_from_an_action_that_keeps_it_is_named() {
    let path = fixture("key-bound-twice.toml");
    assert_eq!(
        error_of("key-bound-twice.toml"),
        format!(
            "{}:5: key `r` is bound to both `retry` (its default key) and `quit` in [keys]; \
             give `retry` another key, or `retry = []` to unbind it",
            path.display()
        )
    );
}

#[test]
fn a_default_key_is_free_once_its_action_moves() {
    let config = Config::parse(
        "[keys]\nquit = \"r\"\nretry = \"X\"\n",
        Path::new("config.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keymap = Keymap::with_overrides(&config.keys);
    assert_eq!(keymap.action(Key::char('r')), Some(Action::Quit));
    assert_eq!(keymap.action(Key::char('X')), Some(Action::Retry));
}

#[test]
fn an_interval_past_a_week_is_refused_before_it_reaches_a_clock() {
    let path = fixture("huge-interval.toml");
    assert_eq!(
        error_of("huge-interval.toml"),
        format!(
            "{}:3: bad value for `polling.replication`: expected a whole number of seconds \
             from 1 to 604800 (a week), found 9223372036854775807",
            path.display()
        )
    );
    for field in [
        "replication",
        "workflow",
        "warehouse",
        "cost",
        "visible",
        "max_backoff",
    ] {
        let week = format!("[polling]\n{field} = 604800\n");
        assert!(Config::parse(&week, Path::new("c.toml")).is_ok(), "{field}");
        let more = format!("[polling]\n{field} = 604801\n");
        assert!(
            Config::parse(&more, Path::new("c.toml")).is_err(),
            "{field}"
        );
    }
}
