//! The command line: flags, subcommands and how each is read.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    /// Demo: a retried failure fails again, as when its cause was not dealt with (to
    /// rehearse a retry or a recovery that stops).
    #[arg(long, global = true)]
    pub demo_keep_faults: bool,
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
    /// Recover a pipeline's night with one plan: retry the root cause, then clear each
    /// downstream stage once the one before it has recovered. Prints the plan, asks, runs
    /// it. Exit 0 the night is green, 1 a step failed again (the plan stops there), 2
    /// nothing was done (not confirmed, read-only, no terminal, nothing to recover), 3 not
    /// done within LIMIT.
    Recover {
        /// The pipeline (a [[pipeline]] name); by default the first whose night is red.
        pipeline: Option<String>,
        /// Also run again the stages that ran green on stale data.
        #[arg(long)]
        include_stale: bool,
        /// Go ahead without asking (for runbooks); without a terminal it is required.
        #[arg(long)]
        yes: bool,
        /// The longest the whole plan may take (2h when not given).
        #[arg(
            long,
            value_name = "LIMIT",
            num_args = 0..=1,
            default_missing_value = "2h",
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

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=100_000.0).contains(&x) => Ok(x),
        _ => Err(format!("`{s}` is not a speed between 0 and 100000")),
    }
}
