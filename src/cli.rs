//! The command line: flags, subcommands, and the start-up that wires config, theme,
//! sources and the terminal together.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::app::{Environment, Keymap, Model, ModelInit};
use crate::config::{Config, EnvironmentConfig, Paths};
use crate::demo::{DemoOptions, DemoPlatform};
use crate::poll::Cadence;
use crate::runtime::{Console, Environments, Opened, run};
use crate::source::{SourceKind, Sources};
use crate::term::TerminalGuard;
use crate::ui::theme::Theme;

/// opsdeck: the on-call console for the nightly data platform (DMS → Airflow → Redshift)
/// and what it costs.
#[derive(Debug, Parser)]
#[command(name = "opsdeck", version, about, long_about = None)]
pub struct Cli {
    /// Run on the embedded demo platform (no AWS credentials needed).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Seed of the demo platform: the same seed gives the same platform.
    #[arg(long, value_name = "N", default_value_t = 7, global = true)]
    pub seed: u64,
    /// How fast demo time runs (60 = a night in about 8 minutes).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, global = true)]
    pub demo_speed: f64,
    /// The environment to watch (an [[environment]] of the config; default: the first).
    #[arg(short = 'e', long = "env", value_name = "NAME", global = true)]
    pub env: Option<String>,
    /// AWS profile (overrides the environment's).
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,
    /// AWS region (overrides the environment's).
    #[arg(long, value_name = "REGION", global = true)]
    pub region: Option<String>,
    /// Load trial: pad the demo's task, run and query lists to N rows each (at most
    /// 100000).
    #[arg(long, value_name = "N", global = true, value_parser = parse_demo_rows)]
    pub demo_rows: Option<usize>,
    /// Theme: default, light, high-contrast, or a themes/NAME.toml in the config dir.
    #[arg(long, value_name = "NAME", global = true)]
    pub theme: Option<String>,
    /// No action may change the platform (overrides the config's read_only, and
    /// --write).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Actions allowed even where the config says read_only (the flag --read-only wins).
    #[arg(long, global = true)]
    pub write: bool,
    /// Config file (default: $XDG_CONFIG_HOME/opsdeck/config.toml).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands; without one, the console starts.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the version and the config, theme, log and state paths.
    Info,
    /// Read every source once and print a summary: exit 0 all healthy, 1 something
    /// degraded or failed, 2 a source could not be read.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// The longest status takes (15s when not given): a source not read by then is
        /// reported as not read in time (exit 2).
        #[arg(long, value_name = "DURATION", value_parser = parse_limit)]
        timeout: Option<std::time::Duration>,
    },
    /// Retry a failed stage: print what will happen, ask, do it, record it. Exit 0 done,
    /// 1 the call failed (or, with --wait, the item failed again), 2 nothing was done (not
    /// confirmed, read-only, no terminal), 3 with --wait the item had not settled in time.
    Retry {
        #[command(subcommand)]
        target: RetryCommand,
        /// Go ahead without asking (for runbooks); without a terminal it is required.
        #[arg(long, global = true)]
        yes: bool,
        /// Then follow the item until it recovers or fails again, at most LIMIT (30m, 2h;
        /// 1h when none is given).
        #[arg(
            long,
            global = true,
            value_name = "LIMIT",
            num_args = 0..=1,
            default_missing_value = "1h",
            value_parser = parse_limit
        )]
        wait: Option<std::time::Duration>,
    },
    /// Spend by service (or account, region, usage type, tag) over a period, against the
    /// equal period before: a table, or CSV / JSON for spreadsheets and scripts.
    Cost {
        /// 7d, 30d, 90d, mtd, last-month, or FROM..TO (2026-10-01..2026-11-01, TO not
        /// included).
        #[arg(long, default_value = "30d", value_parser = parse_period)]
        period: crate::domain::cost::Period,
        /// service, account, region, usage-type, tag:KEY, or stage (the pipeline stages of
        /// the config's [[cost.stage]]).
        #[arg(long, default_value = "service", value_parser = parse_grouping)]
        group_by: Grouping,
        /// unblended, amortized or net-unblended.
        #[arg(long, default_value = "unblended", value_parser = parse_metric)]
        metric: crate::domain::cost::Metric,
        /// Amounts per month instead of per day.
        #[arg(long)]
        monthly: bool,
        /// Only spend where a dimension has a value: service=NAME, region=…, tag:KEY=…
        /// (repeatable).
        #[arg(long, value_name = "DIM=VALUE", value_parser = parse_filter)]
        filter: Vec<crate::domain::cost::CostFilter>,
        /// table, csv or json.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
        format: String,
    },
    /// Show the audit log of actions.
    Audit {
        /// Only actions since: 24h, 30m, 7d, or an RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Print JSON (an array of records) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// What `opsdeck retry` retries.
#[derive(Debug, Subcommand)]
pub enum RetryCommand {
    /// Start a stopped or failed DMS task (or Serverless replication) again.
    Dms {
        /// The task identifier (or its ARN).
        task: String,
        /// resume (default for a task that ran), start (a task that never ran), or
        /// reload-target (destructive: every table; asks for the task's name).
        #[arg(long, value_parser = parse_mode)]
        mode: Option<crate::domain::StartMode>,
    },
    /// Clear the failed and upstream-failed task instances of a DAG run (or one task).
    Dag {
        dag_id: String,
        run_id: String,
        /// Clear only this task instance.
        #[arg(long, value_name = "TASK_ID")]
        task: Option<String>,
        /// With --task: clear the tasks downstream of it too.
        #[arg(long, requires = "task")]
        downstream: bool,
    },
    /// Run the SQL of a failed Redshift query again (never a truncated text).
    Query {
        /// The query id (SYS_QUERY_HISTORY's query_id).
        id: i64,
    },
}

fn parse_period(s: &str) -> Result<crate::domain::cost::Period, String> {
    crate::domain::cost::Period::parse(s)
}

/// `--group-by`: a provider dimension, or the pipeline stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    pub group_by: crate::domain::cost::GroupBy,
    pub by_stage: bool,
}

fn parse_grouping(s: &str) -> Result<Grouping, String> {
    if s.trim().eq_ignore_ascii_case("stage") {
        return Ok(Grouping {
            group_by: crate::domain::cost::GroupBy::Service,
            by_stage: true,
        });
    }
    parse_group(s).map(|group_by| Grouping {
        group_by,
        by_stage: false,
    })
}

fn parse_group(s: &str) -> Result<crate::domain::cost::GroupBy, String> {
    crate::domain::cost::GroupBy::parse(s).ok_or_else(|| {
        format!("`{s}` is not a grouping: service, account, region, usage-type or tag:KEY")
    })
}

fn parse_metric(s: &str) -> Result<crate::domain::cost::Metric, String> {
    crate::domain::cost::Metric::parse(s)
        .ok_or_else(|| format!("`{s}` is not a metric: unblended, amortized or net-unblended"))
}

fn parse_filter(s: &str) -> Result<crate::domain::cost::CostFilter, String> {
    let (dimension, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not DIM=VALUE (service=Amazon Redshift)"))?;
    Ok(crate::domain::cost::CostFilter {
        dimension: parse_group(dimension)?,
        value: value.to_string(),
    })
}

/// The most rows `--demo-rows` pads a list to: ten times the load trial of
/// docs/performance.md, and far below what would exhaust memory.
pub const MAX_DEMO_ROWS: usize = 100_000;

fn parse_demo_rows(s: &str) -> Result<usize, String> {
    match s.trim().parse::<u64>() {
        Ok(rows) if (1..=MAX_DEMO_ROWS as u64).contains(&rows) => Ok(rows as usize),
        _ => Err(format!(
            "`{s}` is not a number of rows from 1 to {MAX_DEMO_ROWS}"
        )),
    }
}

/// The longest `--wait` (and `status --timeout`): a week, far from any clock's limit.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 60 * 60);

fn parse_limit(s: &str) -> Result<std::time::Duration, String> {
    match crate::actions::audit::parse_age(s) {
        Some(age) => age.and_then(|age| {
            age.to_std()
                .ok()
                .filter(|d| !d.is_zero() && *d <= MAX_WAIT)
                .ok_or_else(|| format!("`{s}` is no time to wait: from 1s to 7d"))
        }),
        None => Err(format!("`{s}` is not a length of time: 90s, 30m, 2h")),
    }
}

fn parse_mode(s: &str) -> Result<crate::domain::StartMode, String> {
    crate::domain::StartMode::parse(s)
        .ok_or_else(|| format!("`{s}` is not a mode: resume, start or reload-target"))
}

/// The read-only rule: `--read-only` wins, then `--write`, then the config.
fn read_only(cli: &Cli, configured: bool) -> bool {
    cli.read_only || (!cli.write && configured)
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=100_000.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a speed between 0 and 100000")),
    }
}

/// Runs opsdeck as the command line asks; errors are printed before the terminal is
/// touched, with a non-zero exit.
pub fn main_with(cli: Cli) -> ExitCode {
    match start(cli) {
        Ok(code) => code,
        // A closed standard output is the reader's choice, not an error to report.
        Err(error) if broken_pipe(&error) => ExitCode::from(EXIT_CLOSED_PIPE),
        Err(error) => {
            // An error may quote a remote string (an identifier, a service's message).
            let mut err = crate::text::InertWriter::new(std::io::stderr());
            let _ = writeln!(err, "opsdeck: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The exit code of a writer that stopped at a closed pipe, as a shell reports one ended
/// by SIGPIPE (128 + 13).
const EXIT_CLOSED_PIPE: u8 = 141;

/// Whether an error is, at its root, a write to a pipe whose reader has gone.
fn broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn start(cli: Cli) -> anyhow::Result<ExitCode> {
    // `status` ends by its deadline, counted from here, whatever its sources do.
    let status_deadline = match &cli.command {
        Some(Command::Status { timeout, .. }) => {
            let allowed = timeout.unwrap_or(crate::status::DEFAULT_DEADLINE);
            Some((std::time::Instant::now() + allowed, allowed))
        }
        _ => None,
    };
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
    let theme_name = cli
        .theme
        .clone()
        .or_else(|| match &platform {
            Platform::Aws(environment) => environment.theme.clone(),
            Platform::Demo => None,
        })
        .or(config.theme.clone())
        .unwrap_or_else(|| "default".to_string());
    if let Some(Command::Info) = cli.command {
        let mut stdout = crate::term::stdout_output();
        print_info(
            &mut stdout,
            &paths,
            config_path.as_deref(),
            &theme_name,
            no_color,
        )?;
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let audit_path = crate::actions::audit::AuditLog::default_path(&paths.state_dir);
    if let Some(Command::Audit { since, json }) = &cli.command {
        return show_audit(&audit_path, since.as_deref(), *json);
    }
    // Only the console draws: a subcommand does not fail on a theme it would not use.
    let theme = match Theme::resolve(&theme_name, Some(&paths.themes_dir)) {
        Ok(theme) => theme,
        Err(_) if cli.command.is_some() => Theme::default(),
        Err(error) => return Err(error.into()),
    };
    let theme = if no_color {
        theme.without_colors()
    } else {
        theme
    };
    if matches!(platform, Platform::Demo) && config.pipelines.is_empty() {
        config.pipelines = Config::parse(
            crate::demo::PIPELINE_TOML,
            std::path::Path::new("demo pipeline"),
        )?
        .pipelines;
    }
    let _log = crate::logging::init(&paths.state_dir, &paths.log_file);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (environment, sources) = match &platform {
        Platform::Demo => {
            let demo = DemoPlatform::new(DemoOptions {
                seed: cli.seed,
                speed: cli.demo_speed,
                start: chrono::Utc::now(),
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
                read_only: read_only(&cli, config.read_only),
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
            let connect = crate::aws::platform::sources(env, &paths.cache_dir);
            let connected = match status_deadline {
                Some((deadline, allowed)) => {
                    let in_time = async { tokio::time::timeout_at(deadline.into(), connect).await };
                    match runtime.block_on(in_time) {
                        Ok(connected) => connected,
                        Err(_) => {
                            runtime.shutdown_background();
                            anyhow::bail!(
                                "nothing could be read: the AWS configuration of `{}` did not \
                                 load within {} (status --timeout)",
                                env.name,
                                crate::text::age(allowed)
                            );
                        }
                    }
                }
                None => runtime.block_on(connect),
            };
            let budget = config.budget_for(env);
            let mut header = header_of(env, config.read_only, connected.region, budget);
            header.read_only = read_only(&cli, header.read_only);
            (header, connected.sources)
        }
    };
    let mut environment_names: Vec<String> =
        config.environments.iter().map(|e| e.name.clone()).collect();
    // From the demo, `:env demo` comes back to it (the same simulated platform).
    let demo = environment.demo.then(|| {
        environment_names.push(environment.name.clone());
        (environment.clone(), sources.clone())
    });
    let environments = ConfiguredEnvironments {
        demo,
        budgets: config
            .environments
            .iter()
            .map(|e| config.budget_for(e))
            .collect(),
        environments: config.environments.clone(),
        read_only: config.read_only,
        read_only_flag: (cli.read_only || cli.write).then_some(cli.read_only),
        cache_dir: paths.cache_dir.clone(),
        cli_theme: cli.theme.clone(),
        config_theme: config.theme.clone(),
    };
    let cost_stages = config.cost.stages.clone();
    let mut console = console(
        config,
        theme,
        theme_name,
        environment,
        sources,
        Some(paths.themes_dir.clone()),
        no_color,
    );
    console.model.environments = environment_names;
    console.model.cost_stages = cost_stages;
    console.environments = Some(Arc::new(environments));
    console.export_dir = Some(paths.state_dir.join("exports"));
    console.audit = match crate::actions::audit::AuditLog::open(&audit_path) {
        Ok(log) => Some(Arc::new(log)),
        Err(error) => {
            tracing::error!(%error, path = %audit_path.display(), "cannot open the audit log: actions are off");
            None
        }
    };
    if let Some(Command::Cost {
        period,
        group_by,
        metric,
        monthly,
        filter,
        format,
    }) = &cli.command
    {
        let request = crate::cost_report::CostRequest {
            period: *period,
            granularity: if *monthly {
                crate::domain::cost::Granularity::Monthly
            } else {
                crate::domain::cost::Granularity::Daily
            },
            metric: *metric,
            group_by: group_by.group_by.clone(),
            filters: filter.clone(),
            by_stage: group_by.by_stage,
        };
        let today = console.sources.clock.now().date_naive();
        let report = runtime
            .block_on(crate::cost_report::report(
                &console.sources,
                request,
                today,
                &console.model.cost_stages,
            ))
            .map_err(|e| anyhow::anyhow!("cannot read the spend: {e}"))?;
        let text = match format.as_str() {
            "csv" => report.csv(),
            "json" => format!("{}\n", crate::text::json_pretty(&report.json())),
            _ => report.table(),
        };
        let mut stdout = crate::term::stdout_output();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Command::Retry { target, yes, wait }) = &cli.command {
        let actor = crate::actions::actor::Actor {
            sources: console.sources.clone(),
            environment: console.model.environment.name.clone(),
            read_only: console.model.environment.read_only,
            audit: console.audit.clone(),
            interface: crate::actions::audit::Interface::Cli,
        };
        if actor.audit.is_none() && !actor.read_only {
            anyhow::bail!(
                "cannot open the audit log {}: no action is done unrecorded",
                audit_path.display()
            );
        }
        let target = match target {
            RetryCommand::Dms { task, mode } => crate::retry::Target::Dms {
                task: task.clone(),
                mode: *mode,
            },
            RetryCommand::Dag {
                dag_id,
                run_id,
                task,
                downstream,
            } => crate::retry::Target::Dag {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
                task: task.clone(),
                downstream: *downstream,
            },
            RetryCommand::Query { id } => crate::retry::Target::Query { id: *id },
        };
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let confirm = crate::retry::Confirm::from_stdin(*yes, &mut input);
        // The demo's platform moves at --demo-speed: a look a second; AWS: every 10 s.
        let pause = if matches!(platform, Platform::Demo) {
            std::time::Duration::from_secs(1)
        } else {
            std::time::Duration::from_secs(10)
        };
        let wait = wait.map(|limit| crate::retry::Wait { limit, pause });
        let code = runtime.block_on(crate::retry::retry(
            &actor,
            &target,
            confirm,
            wait,
            &mut crate::term::stdout_output(),
            &mut std::io::stderr(),
        ))?;
        return Ok(ExitCode::from(code));
    }
    if let (Some(Command::Status { json, .. }), Some((deadline, allowed))) =
        (&cli.command, status_deadline)
    {
        let json = *json;
        let report = runtime.block_on(crate::status::collect(
            console.model,
            &console.sources,
            deadline.into(),
            allowed,
        ));
        // Work still running past the deadline (a request that never ends, a blocking
        // lookup) is left behind, not waited for.
        runtime.shutdown_background();
        let text = if json {
            format!("{}\n", crate::text::json_pretty(&report.json()))
        } else {
            report.text()
        };
        // A reader that stops early (`| head`) changes nothing of what was found.
        let mut stdout = crate::term::stdout_output();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        return Ok(ExitCode::from(report.exit_code()));
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the console needs a terminal; for a one-shot summary run `opsdeck status` (add --json for scripts)"
        );
    }
    let mut guard = TerminalGuard::enter()?;
    let result = runtime.block_on(run(&mut guard.terminal, console));
    drop(guard);
    // The input thread blocks on the terminal; do not wait for it.
    runtime.shutdown_background();
    result?;
    // Ended by a signal: 128 + its number, as a shell reports a process it ended.
    Ok(match crate::term::signal_received() {
        Some(signal) => ExitCode::from(128u8.saturating_add(signal)),
        None => ExitCode::SUCCESS,
    })
}

/// What the header says of an environment: the region its clients resolved, which is
/// the configured one when there is one.
fn header_of(
    environment: &EnvironmentConfig,
    read_only: bool,
    resolved_region: Option<String>,
    budget: Option<rust_decimal::Decimal>,
) -> Environment {
    Environment {
        name: environment.name.clone(),
        profile: environment.profile.clone(),
        region: environment.region.clone().or(resolved_region),
        demo: false,
        read_only: environment.read_only.unwrap_or(read_only),
        budget,
    }
}

/// The config's environments, for `:env NAME`.
struct ConfiguredEnvironments {
    /// The demo platform the console started on, to come back to.
    demo: Option<(Environment, Sources)>,
    environments: Vec<EnvironmentConfig>,
    /// The monthly budget of each environment, in the same order.
    budgets: Vec<Option<rust_decimal::Decimal>>,
    /// The config's top-level `read_only`, for environments that do not say.
    read_only: bool,
    /// `--read-only` (Some(true)) or `--write` (Some(false)), which win over the config.
    read_only_flag: Option<bool>,
    cache_dir: PathBuf,
    /// `--theme`, which wins over every environment's theme.
    cli_theme: Option<String>,
    config_theme: Option<String>,
}

#[async_trait::async_trait]
impl Environments for ConfiguredEnvironments {
    async fn open(&self, name: &str) -> Result<Opened, String> {
        if let Some((environment, sources)) = &self.demo
            && environment.name == name
        {
            return Ok(Opened {
                environment: environment.clone(),
                sources: sources.clone(),
                theme: self
                    .cli_theme
                    .clone()
                    .or_else(|| self.config_theme.clone())
                    .unwrap_or_else(|| "default".to_string()),
            });
        }
        let Some(index) = self.environments.iter().position(|e| e.name == name) else {
            return Err(format!("no environment `{name}` in the config"));
        };
        let environment = &self.environments[index];
        tracing::info!(environment = %name, "switching environment");
        let connected = crate::aws::platform::sources(environment, &self.cache_dir).await;
        let theme = self
            .cli_theme
            .clone()
            .or_else(|| environment.theme.clone())
            .or_else(|| self.config_theme.clone())
            .unwrap_or_else(|| "default".to_string());
        let mut header = header_of(
            environment,
            self.read_only,
            connected.region,
            self.budgets[index],
        );
        if let Some(flag) = self.read_only_flag {
            header.read_only = flag;
        }
        Ok(Opened {
            environment: header,
            sources: connected.sources,
            theme,
        })
    }
}

/// What the console watches.
enum Platform {
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

/// The model and runtime settings for a platform.
pub fn console(
    config: Config,
    theme: Theme,
    theme_name: String,
    environment: Environment,
    sources: Sources,
    themes_dir: Option<PathBuf>,
    no_color: bool,
) -> Console {
    let polling = &config.polling;
    let cadences: HashMap<SourceKind, Cadence> = SourceKind::ALL
        .iter()
        .map(|kind| {
            (
                *kind,
                Cadence {
                    background: polling.interval(*kind),
                    visible: polling.visible_interval(*kind),
                    max_backoff: polling.max_backoff,
                },
            )
        })
        .collect();
    let now = chrono::Utc::now();
    let model = Model::new(ModelInit {
        environment,
        keymap: Keymap::with_overrides(&config.keys),
        pipelines: config.pipelines,
        theme_name,
        themes: Theme::available(themes_dir.as_deref()),
        intervals: SourceKind::ALL
            .iter()
            .map(|k| (*k, polling.interval(*k)))
            .collect(),
        now,
        platform_now: sources.clock.now(),
    });
    Console {
        model,
        theme,
        sources,
        cadences,
        themes_dir,
        no_color,
        environments: None,
        audit: None,
        export_dir: None,
    }
}

/// `opsdeck audit`: the log as a table or JSON.
fn show_audit(path: &std::path::Path, since: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let since = since
        .map(crate::actions::audit::parse_since)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    let trail = crate::actions::audit::read(path, since)?;
    for problem in &trail.unreadable {
        let _ = writeln!(
            crate::text::InertWriter::new(std::io::stderr()),
            "opsdeck audit: {}: {problem}",
            path.display()
        );
    }
    let mut stdout = crate::term::stdout_output();
    if json {
        crate::actions::audit::render_json(&trail.records, &mut stdout)?;
    } else {
        crate::actions::audit::render_table(&trail.records, &mut stdout)?;
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_info(
    out: &mut dyn std::io::Write,
    paths: &Paths,
    config: Option<&std::path::Path>,
    theme: &str,
    no_color: bool,
) -> std::io::Result<()> {
    let config_text = match config {
        Some(path) => path.display().to_string(),
        None => format!(
            "{} (not present: defaults in use)",
            paths.config_file.display()
        ),
    };
    writeln!(out, "opsdeck {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "config   {config_text}")?;
    writeln!(
        out,
        "theme    {theme}{} (user themes in {})",
        if no_color {
            ", without colour (NO_COLOR)"
        } else {
            ""
        },
        paths.themes_dir.display()
    )?;
    writeln!(out, "log      {}", paths.log_file.display())?;
    writeln!(out, "state    {}", paths.state_dir.display())?;
    writeln!(out, "cache    {}", paths.cache_dir.display())
}
