//! Starting the console: the theme, the model, the environments `:env` opens, the audit
//! log, then the terminal and the loop.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::Context;
use super::context::Opening;
use crate::app::Environment;
use crate::config::EnvironmentConfig;
use crate::console::{Console, Environments, Opened, TerminalGuard, run};
use crate::poll::Cadence;
use crate::source::{SourceKind, Sources};

pub fn start(context: Context) -> anyhow::Result<ExitCode> {
    let themes_dir = context.paths.themes_dir.clone();
    let theme = crate::console::load_theme(&context.theme_name, Some(&themes_dir))?;
    let theme = if context.no_color {
        theme.without_colors()
    } else {
        theme
    };
    let _log = context.start_log();
    let runtime = context.runtime()?;
    let (environment, sources) = context.connect(&runtime, None)?;
    let model = context.model(
        environment.clone(),
        &sources,
        crate::console::theme_names(Some(&themes_dir)),
    );
    let (config, paths) = (&context.config, &context.paths);
    let environments = ConfiguredEnvironments {
        // From the demo, `:env demo` comes back to it (the same simulated platform).
        demo: environment.demo.then(|| (environment, sources.clone())),
        budgets: config
            .environments
            .iter()
            .map(|e| config.budget_for(e))
            .collect(),
        environments: config.environments.clone(),
        opening: context.opening.clone(),
        cache_dir: paths.cache_dir.clone(),
    };
    let audit = context.open_audit();
    let console = Console {
        model,
        theme,
        sources,
        cadences: cadences(&context),
        themes_dir: Some(themes_dir),
        no_color: context.no_color,
        environments: Some(Arc::new(environments)),
        audit,
        export_dir: Some(paths.state_dir.join("exports")),
    };
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
    Ok(match crate::console::terminal::signal_received() {
        Some(signal) => ExitCode::from(128u8.saturating_add(signal)),
        None => ExitCode::SUCCESS,
    })
}

/// How often each source is polled, in the background and on screen.
fn cadences(context: &Context) -> HashMap<SourceKind, Cadence> {
    let polling = &context.config.polling;
    SourceKind::ALL
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
        .collect()
}

/// The config's environments, for `:env NAME`.
struct ConfiguredEnvironments {
    /// The demo platform the console started on, to come back to.
    demo: Option<(Environment, Sources)>,
    environments: Vec<EnvironmentConfig>,
    /// The monthly budget of each environment, in the same order.
    budgets: Vec<Option<rust_decimal::Decimal>>,
    opening: Opening,
    cache_dir: PathBuf,
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
                theme: self.opening.theme(None),
                theme_files: None,
            });
        }
        let Some(index) = self.environments.iter().position(|e| e.name == name) else {
            return Err(format!("no environment `{name}` in the config"));
        };
        let environment = &self.environments[index];
        tracing::info!(environment = %name, "switching environment");
        let connected = crate::aws::platform::sources(environment, &self.cache_dir).await;
        Ok(Opened {
            environment: self
                .opening
                .header(environment, connected.region, self.budgets[index]),
            sources: connected.sources,
            theme: self.opening.theme(Some(environment)),
            theme_files: None,
        })
    }
}
