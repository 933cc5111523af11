//! The command line: flags, subcommands, and the start-up that wires config, theme,
//! sources and the terminal together.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{Environment, Keymap, Model, ModelInit};
use crate::config::{Config, Paths};
use crate::demo::{DemoOptions, DemoPlatform};
use crate::poll::Cadence;
use crate::runtime::{Console, run};
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
    /// Theme: default, light, high-contrast, or a themes/NAME.toml in the config dir.
    #[arg(long, value_name = "NAME", global = true)]
    pub theme: Option<String>,
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
        Err(error) => {
            eprintln!("opsdeck: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn start(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::discover()?;
    let config_path = cli.config.clone().or_else(|| {
        paths
            .config_file
            .is_file()
            .then(|| paths.config_file.clone())
    });
    let mut config = match &config_path {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let theme_name = cli
        .theme
        .clone()
        .or(config.theme.clone())
        .unwrap_or_else(|| "default".to_string());
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if let Some(Command::Info) = cli.command {
        print_info(&paths, config_path.as_deref(), &theme_name, no_color);
        return Ok(ExitCode::SUCCESS);
    }
    let theme = Theme::resolve(&theme_name, Some(&paths.themes_dir))?;
    let theme = if no_color {
        theme.without_colors()
    } else {
        theme
    };
    if !cli.demo {
        anyhow::bail!(
            "no platform to watch: this build reads the embedded demo platform only; run `opsdeck --demo`"
        );
    }
    if config.pipelines.is_empty() {
        config.pipelines = Config::parse(
            crate::demo::PIPELINE_TOML,
            std::path::Path::new("demo pipeline"),
        )?
        .pipelines;
    }
    let _log = crate::logging::init(&paths.state_dir, &paths.log_file);
    let platform = DemoPlatform::new(DemoOptions {
        seed: cli.seed,
        speed: cli.demo_speed,
        start: chrono::Utc::now(),
    });
    let sources = platform.sources();
    let environment = Environment {
        name: "demo".to_string(),
        profile: None,
        region: Some("eu-west-1".to_string()),
        demo: true,
    };
    let console = console(
        config,
        theme,
        theme_name,
        environment,
        sources,
        Some(paths.themes_dir.clone()),
        no_color,
    );
    tracing::info!(
        seed = cli.seed,
        speed = cli.demo_speed,
        "starting on the demo platform"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut guard = TerminalGuard::enter()?;
    let result = runtime.block_on(run(&mut guard.terminal, console));
    drop(guard);
    // The input thread blocks on the terminal; do not wait for it.
    runtime.shutdown_background();
    result?;
    Ok(ExitCode::SUCCESS)
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
    }
}

fn print_info(paths: &Paths, config: Option<&std::path::Path>, theme: &str, no_color: bool) {
    let config_text = match config {
        Some(path) => path.display().to_string(),
        None => format!(
            "{} (not present: defaults in use)",
            paths.config_file.display()
        ),
    };
    println!("opsdeck {}", env!("CARGO_PKG_VERSION"));
    println!("config   {config_text}");
    println!(
        "theme    {theme}{} (user themes in {})",
        if no_color {
            ", without colour (NO_COLOR)"
        } else {
            ""
        },
        paths.themes_dir.display()
    );
    println!("log      {}", paths.log_file.display());
    println!("state    {}", paths.state_dir.display());
    println!("cache    {}", paths.cache_dir.display());
}
