//! What every subcommand starts from, built once: the paths, the config, the platform
//! chosen, the theme's name, the audit log's path.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::args::Cli;
use crate::app::{Keymap, Model, ModelInit};
use crate::config::{Config, EnvironmentConfig, Paths};
use crate::demo::{DemoOptions, DemoPlatform};
use crate::domain::Environment;
use crate::source::{SourceKind, Sources};

/// The command line read against the config and the machine's paths.
pub struct Context {
    /// The global flags (the subcommand is taken out and matched on).
    pub cli: Cli,
    pub paths: Paths,
    /// The config file read, if any.
    pub config_path: Option<PathBuf>,
    pub config: Config,
    /// NO_COLOR is set.
    pub no_color: bool,
    pub platform: Platform,
    /// The theme asked for: `--theme`, the environment's, the config's, or "default".
    pub theme_name: String,
    pub audit_path: PathBuf,
    /// How an environment of the config is opened, at start or by `:env`.
    pub opening: Opening,
}

impl Context {
    /// The audit log, open for appending; none when it cannot be opened (then every
    /// action is refused, and the cause is logged).
    pub fn open_audit(&self) -> Option<std::sync::Arc<crate::actions::audit::AuditLog>> {
        match crate::actions::audit::AuditLog::open(&self.audit_path) {
            Ok(log) => Some(std::sync::Arc::new(log)),
            Err(error) => {
                tracing::error!(%error, path = %self.audit_path.display(), "cannot open the audit log: actions are off");
                None
            }
        }
    }

    pub fn new(cli: Cli) -> anyhow::Result<Context> {
        let paths = Paths::discover()?;
        // A default path that is there but is no regular file is refused by `load`, not
        // passed over.
        let config_path = cli.config.clone().or_else(|| {
            paths
                .config_file
                .exists()
                .then(|| paths.config_file.clone())
        });
        let mut config = match &config_path {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let platform = choose_platform(&cli, &config)?;
        let opening = Opening::of(&cli, &config);
        let theme_name = opening.theme(match &platform {
            Platform::Aws(environment) => Some(environment),
            Platform::Demo => None,
        });
        if matches!(platform, Platform::Demo) && config.pipelines.is_empty() {
            config.pipelines = Config::parse(
                crate::demo::PIPELINE_TOML,
                std::path::Path::new("demo pipeline"),
            )?
            .pipelines;
        }
        let audit_path = crate::actions::audit::AuditLog::default_path(&paths.state_dir);
        Ok(Context {
            cli,
            paths,
            config_path,
            config,
            no_color,
            platform,
            theme_name,
            audit_path,
            opening,
        })
    }

    /// Starts the log file; it is written until the guard is dropped.
    pub fn start_log(&self) -> Option<tracing_appender::non_blocking::WorkerGuard> {
        super::logging::init(&self.paths.state_dir, &self.paths.log_file)
    }

    /// The runtime the commands and the console run on.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }

    /// Opens the chosen platform: what the header says of it, and its sources. With a
    /// deadline (`status`), an AWS configuration that does not load by then is an error.
    pub fn connect(
        &self,
        runtime: &tokio::runtime::Runtime,
        deadline: Option<(Instant, Duration)>,
    ) -> anyhow::Result<(Environment, Sources)> {
        let (cli, config) = (&self.cli, &self.config);
        Ok(match &self.platform {
            Platform::Demo => {
                let start = chrono::Utc::now();
                let demo = DemoPlatform::new(DemoOptions {
                    seed: cli.seed,
                    speed: cli.demo_speed,
                    start,
                    story: demo_story(&self.paths.state_dir, cli.seed, start),
                    keep_faults: cli.demo_keep_faults,
                });
                let sources = match cli.demo_rows {
                    Some(rows) => crate::demo::load::padded(demo.sources(), rows),
                    None => demo.sources(),
                };
                tracing::info!(
                    seed = cli.seed,
                    speed = cli.demo_speed,
                    "starting on the demo platform"
                );
                let environment = Environment {
                    name: "demo".to_string(),
                    profile: None,
                    region: Some("eu-west-1".to_string()),
                    demo: true,
                    read_only: self.opening.read_only(config.read_only),
                    read_only_by_flag: self.opening.read_only_by_flag(),
                    // The demo company budgets its platform at USD 30,000 a month.
                    budget: config
                        .cost
                        .budget
                        .or(Some(rust_decimal::Decimal::from(30_000))),
                };
                (environment, sources)
            }
            Platform::Aws(env) => {
                tracing::info!(environment = %env.name, "starting on AWS");
                let connect = crate::aws::platform::sources(env, &self.paths.cache_dir);
                let connected = match deadline {
                    Some((deadline, allowed)) => {
                        let in_time =
                            async { tokio::time::timeout_at(deadline.into(), connect).await };
                        match runtime.block_on(in_time) {
                            Ok(connected) => connected,
                            Err(_) => anyhow::bail!(
                                "nothing could be read: the AWS configuration of `{}` did not \
                                 load within {} (status --timeout)",
                                env.name,
                                crate::text::age(allowed)
                            ),
                        }
                    }
                    None => runtime.block_on(connect),
                };
                let header = self
                    .opening
                    .header(env, connected.region, config.budget_for(env));
                (header, connected.sources)
            }
        })
    }

    /// The console's model at start, on `environment`.
    pub fn model(&self, environment: Environment, sources: &Sources, themes: Vec<String>) -> Model {
        let config = &self.config;
        let polling = &config.polling;
        let mut environments: Vec<String> =
            config.environments.iter().map(|e| e.name.clone()).collect();
        // From the demo, `:env demo` comes back to it (the same simulated platform).
        if environment.demo {
            environments.push(environment.name.clone());
        }
        Model::new(ModelInit {
            environment,
            environments,
            keymap: Keymap::with_overrides(&config.keys),
            pipelines: config.pipelines.clone(),
            cost_stages: config.cost.stages.clone(),
            theme_name: self.theme_name.clone(),
            themes,
            intervals: SourceKind::ALL
                .iter()
                .map(|k| (*k, polling.interval(*k)))
                .collect::<HashMap<_, _>>(),
            now: chrono::Utc::now(),
            platform_now: sources.clock.now(),
        })
    }
}

/// The rules by which an environment is opened, at start or by `:env`: the command line's
/// `--theme`, `--read-only` and `--write` over the environment's settings, over the
/// config's. `--read-only` wins over `--write`, whatever their order.
#[derive(Debug, Clone)]
pub struct Opening {
    cli_theme: Option<String>,
    config_theme: Option<String>,
    /// The config's top-level `read_only`, for environments that do not say.
    config_read_only: bool,
    /// `--read-only` (Some(true)) or `--write` (Some(false)), which win over the config.
    read_only_flag: Option<bool>,
}

impl Opening {
    pub fn of(cli: &Cli, config: &Config) -> Opening {
        Opening {
            cli_theme: cli.theme.clone(),
            config_theme: config.theme.clone(),
            config_read_only: config.read_only,
            read_only_flag: (cli.read_only || cli.write).then_some(cli.read_only),
        }
    }

    /// The theme an environment is drawn in (none: the demo): `--theme`, the
    /// environment's, the config's, or "default".
    pub fn theme(&self, environment: Option<&EnvironmentConfig>) -> String {
        self.cli_theme
            .clone()
            .or_else(|| environment.and_then(|e| e.theme.clone()))
            .or_else(|| self.config_theme.clone())
            .unwrap_or_else(|| "default".to_string())
    }

    /// Whether `--read-only` was given, which no setting overrides.
    pub fn read_only_by_flag(&self) -> bool {
        self.read_only_flag == Some(true)
    }

    /// Whether an environment configured `configured` is opened read-only.
    pub fn read_only(&self, configured: bool) -> bool {
        self.read_only_flag.unwrap_or(configured)
    }

    /// What the header says of an environment: the region its clients resolved, which is
    /// the configured one when there is one.
    pub fn header(
        &self,
        environment: &EnvironmentConfig,
        resolved_region: Option<String>,
        budget: Option<rust_decimal::Decimal>,
    ) -> Environment {
        Environment {
            name: environment.name.clone(),
            profile: environment.profile.clone(),
            region: environment.region.clone().or(resolved_region),
            demo: false,
            read_only: self.read_only(environment.read_only.unwrap_or(self.config_read_only)),
            read_only_by_flag: self.read_only_by_flag(),
            budget,
        }
    }
}

/// What the console watches.
pub enum Platform {
    /// The embedded demo platform.
    Demo,
    /// An environment on AWS.
    Aws(Box<EnvironmentConfig>),
}

/// The demo under `--demo`; otherwise the environment `-e` names, the config's first, or
/// (with none configured) the default AWS credentials and region. `--profile` and
/// `--region` override the environment's.
fn choose_platform(cli: &Cli, config: &Config) -> anyhow::Result<Platform> {
    if cli.demo {
        if let Some(name) = &cli.env {
            anyhow::bail!("--demo and -e {name} choose two platforms: give one of them");
        }
        return Ok(Platform::Demo);
    }
    let mut environment = match &cli.env {
        Some(name) => match config.environments.iter().find(|e| &e.name == name) {
            Some(environment) => environment.clone(),
            None if config.environments.is_empty() => anyhow::bail!(
                "no environment `{name}`: the config defines none; add an [[environment]] table (see docs/configuration.md)"
            ),
            None => anyhow::bail!(
                "no environment `{name}` in the config; environments: {}",
                config
                    .environments
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        None => config
            .environments
            .first()
            .cloned()
            .unwrap_or_else(|| EnvironmentConfig {
                name: "default".to_string(),
                ..EnvironmentConfig::default()
            }),
    };
    if cli.profile.is_some() {
        environment.profile = cli.profile.clone();
    }
    if cli.region.is_some() {
        environment.region = cli.region.clone();
    }
    Ok(Platform::Aws(Box::new(environment)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use clap::Parser;

    /// The console's model is built with what the config says, not patched after.
    #[test]
    fn the_model_starts_with_the_configs_environments_and_cost_stages() {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/config/cost.toml"
        );
        let cli = Cli::parse_from(["opsdeck", "--demo", "--config", fixture]);
        let context = Context::new(cli).expect("the fixture loads");
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 9, 30, 0)
            .unwrap();
        let platform = DemoPlatform::frozen(7, at);
        let environment = Environment {
            name: "demo".into(),
            profile: None,
            region: None,
            demo: true,
            read_only: false,
            read_only_by_flag: false,
            budget: None,
        };
        let model = context.model(environment, &platform.sources(), Vec::new());
        assert_eq!(model.environments, ["prod", "staging", "demo"]);
        assert_eq!(model.cost_stages, context.config.cost.stages);
        assert_ne!(
            model.cost_stages,
            crate::domain::stages::CostStages::defaults()
        );
    }

    /// An environment opened at start and one opened by `:env` follow the same rules.
    #[test]
    fn flags_win_over_the_environment_which_wins_over_the_config() {
        let config = Config::parse(
            "theme = \"light\"\nread_only = true\n\n[[environment]]\nname = \"prod\"\n\
             theme = \"high-contrast\"\n\n[[environment]]\nname = \"dev\"\nread_only = false\n",
            std::path::Path::new("test"),
        )
        .expect("a config");
        let (prod, dev) = (&config.environments[0], &config.environments[1]);
        let opening = |args: &[&str]| {
            let cli = Cli::parse_from(std::iter::once("opsdeck").chain(args.iter().copied()));
            Opening::of(&cli, &config)
        };
        let plain = opening(&[]);
        assert_eq!(plain.theme(Some(prod)), "high-contrast");
        assert_eq!(plain.theme(Some(dev)), "light");
        assert_eq!(plain.theme(None), "light");
        assert_eq!(
            opening(&["--theme", "default"]).theme(Some(prod)),
            "default"
        );
        let header = |opening: &Opening, environment| opening.header(environment, None, None);
        assert!(header(&plain, prod).read_only, "the config's read_only");
        assert!(!header(&plain, dev).read_only, "the environment's own");
        assert!(!header(&plain, prod).read_only_by_flag);
        assert!(!header(&opening(&["--write"]), prod).read_only);
        for both in [["--write", "--read-only"], ["--read-only", "--write"]] {
            let flagged = header(&opening(&both), dev);
            assert!(flagged.read_only && flagged.read_only_by_flag, "{both:?}");
        }
    }
}

/// How long a demo's backstory is told again by the next demos of its seed.
const DEMO_STORY_HOURS: i64 = 6;

/// Where the demo of `seed` starting at `start` places its backstory: where the last
/// demo of the same seed did, if that was within [`DEMO_STORY_HOURS`], so the commands of a
/// runbook (`status`, then `retry query ID`) see the same items with the same ids; else a
/// new place, kept in the state dir (`demo-story.json`) for the next. A file that cannot be
/// read or written only means a new story.
fn demo_story(
    state_dir: &std::path::Path,
    seed: u64,
    start: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Story {
        seed: u64,
        at: chrono::DateTime<chrono::Utc>,
    }
    let path = state_dir.join("demo-story.json");
    let kept = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<Story>(&text).ok())
        .filter(|story| {
            story.seed == seed
                && story.at <= start
                && start - story.at < chrono::Duration::hours(DEMO_STORY_HOURS)
        });
    if let Some(story) = kept {
        return Some(story.at);
    }
    let at = crate::demo::story_anchor(start);
    let written = std::fs::create_dir_all(state_dir).and_then(|()| {
        let text = serde_json::to_string(&Story { seed, at }).map_err(std::io::Error::other)?;
        std::fs::write(&path, text)
    });
    if let Err(error) = written {
        tracing::warn!(%error, path = %path.display(), "cannot keep the demo's story");
    }
    Some(at)
}

#[cfg(test)]
mod demo_story_tests {
    use super::demo_story;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn a_demo_tells_the_last_demos_story_of_its_seed_for_six_hours() {
        let dir = std::env::temp_dir().join(format!("opsdeck-story-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = Utc.with_ymd_and_hms(2026, 11, 23, 9, 34, 12).unwrap();
        let anchor = demo_story(&dir, 7, first).unwrap();
        assert_eq!(
            anchor,
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
        );
        // Later demos of the seed keep it; another seed, or one six hours on, start anew.
        assert_eq!(
            demo_story(&dir, 7, first + Duration::minutes(47)),
            Some(anchor)
        );
        assert_eq!(
            demo_story(&dir, 7, first + Duration::hours(5)),
            Some(anchor)
        );
        let other = demo_story(&dir, 8, first + Duration::minutes(47)).unwrap();
        assert_eq!(
            other,
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 20, 0).unwrap()
        );
        let later = first + Duration::hours(7);
        assert_eq!(
            demo_story(&dir, 8, later),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 16, 30, 0).unwrap())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
