//! The configuration file: theme, polling intervals, key bindings, pipelines,
//! environments, and the budget and stages of the bill.
//!
//! Read from `$XDG_CONFIG_HOME/opsdeck/config.toml` or `--config FILE`; every key is
//! optional. Errors name the file, the line and the key (see [`ConfigError`]).

mod cost;
pub(crate) mod diagnostic;
mod environment;
mod error;
mod paths;
mod raw;
pub mod themes;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use rust_decimal::Decimal;
use toml::Spanned;

use crate::domain::stages::OTHER_STAGE;
use crate::domain::{PipelineDefinition, StageDefinition, StageSelector};
use crate::keymap::{Action, Key};
use crate::source::SourceKind;

pub use cost::{CostSettings, DEFAULT_CURRENCY};
pub use environment::{
    AirflowConfig, AirflowEndpoint, CostConfig, DEFAULT_RUNS_PER_DAG, DmsConfig, EnvironmentConfig,
    RedshiftAuth, RedshiftConfig, RedshiftTarget,
};
pub use error::ConfigError;
pub(crate) use error::Located;
pub use paths::Paths;

use raw::{RawConfig, RawKeys, RawPipeline, RawPolling, RawStage};

/// Everything the configuration file can set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The theme to start with: a built-in or a user theme in the config dir's `themes/`.
    pub theme: Option<String>,
    /// How often each source is asked.
    pub polling: Polling,
    /// Rebound actions, in file order, for [`Keymap::with_overrides`](crate::keymap::Keymap::with_overrides).
    pub keys: Vec<(Action, Vec<Key>)>,
    /// The pipelines the overview follows, in file order.
    pub pipelines: Vec<PipelineDefinition>,
    /// Refuse every mutating action (the environment's own setting wins).
    pub read_only: bool,
    /// The platforms to watch, in file order; the first is the default.
    pub environments: Vec<EnvironmentConfig>,
    /// The budget and the stages of the bill (`[cost]`).
    pub cost: CostSettings,
}

/// Polling intervals (`[polling]`, in seconds in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// Background interval of the replication (DMS) source.
    pub replication: Duration,
    /// Background interval of the workflow (Airflow) source.
    pub workflow: Duration,
    /// Background interval of the warehouse (Redshift) source.
    pub warehouse: Duration,
    /// Background interval of the cost source (Cost Explorer bills per request).
    pub cost: Duration,
    /// Interval of the visible tab's source, never slower than its background interval.
    pub visible: Duration,
    /// Cap of the exponential backoff after errors.
    pub max_backoff: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            replication: Duration::from_secs(30),
            workflow: Duration::from_secs(30),
            warehouse: Duration::from_secs(60),
            cost: Duration::from_secs(6 * 60 * 60),
            visible: Duration::from_secs(5),
            max_backoff: Duration::from_secs(300),
        }
    }
}

impl Polling {
    /// The background interval of a source.
    pub fn interval(&self, kind: SourceKind) -> Duration {
        match kind {
            SourceKind::Replication => self.replication,
            SourceKind::Workflow => self.workflow,
            SourceKind::Warehouse => self.warehouse,
            SourceKind::Cost => self.cost,
        }
    }

    /// The interval of a source while its tab is visible: `visible`, unless the
    /// background interval is already faster.
    pub fn visible_interval(&self, kind: SourceKind) -> Duration {
        self.visible.min(self.interval(kind))
    }

    fn from_raw(raw: RawPolling) -> Polling {
        let default = Polling::default();
        let or = |value: Option<raw::Seconds>, fallback: Duration| {
            value.map_or(fallback, |s| Duration::from_secs(s.0))
        };
        Polling {
            replication: or(raw.replication, default.replication),
            workflow: or(raw.workflow, default.workflow),
            warehouse: or(raw.warehouse, default.warehouse),
            cost: or(raw.cost, default.cost),
            visible: or(raw.visible, default.visible),
            max_backoff: or(raw.max_backoff, default.max_backoff),
        }
    }
}

impl Config {
    /// Parses a config file's text; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            diagnostic::deserialize(text).map_err(|d| ConfigError::from_diagnostic(origin, d))?;
        let line = |span: std::ops::Range<usize>| Some(diagnostic::line_of(text, span.start));
        let cost: CostSettings = raw.cost.build().map_err(|misfit| {
            ConfigError::at(origin, line(misfit.at..misfit.at), misfit.message)
        })?;
        Ok(Config {
            theme: raw.theme.map(|name| name.0),
            polling: Polling::from_raw(raw.polling),
            keys: keys(raw.keys, origin, &line)?,
            pipelines: pipelines(raw.pipeline, origin, &line, &cost)?,
            read_only: raw.read_only.unwrap_or(false),
            environments: environments(raw.environment, origin, &line)?,
            cost,
        })
    }

    /// The monthly budget of an environment: its own `budget`, else `[cost] budget`.
    pub fn budget_for(&self, environment: &EnvironmentConfig) -> Option<Decimal> {
        environment.budget.or(self.cost.budget)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = read_text(path).map_err(|cause| ConfigError::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        Config::parse(&text, path)
    }
}

/// The longest config file read: a config is a few kilobytes; a larger "file" is some
/// other file given by mistake (and reading it all would only waste memory).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The text of a config or theme file. Anything but a regular file (a FIFO, a device, a
/// socket, a directory) is refused before it is opened: opening a FIFO would wait for a
/// writer, and reading a device might never end.
pub(crate) fn read_text(path: &Path) -> io::Result<String> {
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", file_kind(&metadata)),
        ));
    }
    if metadata.len() > MAX_CONFIG_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {} bytes long, more than a config file's {MAX_CONFIG_BYTES}",
                metadata.len()
            ),
        ));
    }
    let mut text = String::new();
    io::Read::read_to_string(
        &mut io::Read::take(fs::File::open(path)?, MAX_CONFIG_BYTES + 1),
        &mut text,
    )?;
    Ok(text)
}

/// What a file that is not a regular file is, in a few words.
fn file_kind(metadata: &fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    "a special file"
}

type LineOf<'a> = dyn Fn(std::ops::Range<usize>) -> Option<usize> + 'a;

/// The `[keys]` table; a key given to two actions in the file is a mistake worth naming.
fn keys(
    raw: RawKeys,
    origin: &Path,
    line: &LineOf<'_>,
) -> Result<Vec<(Action, Vec<Key>)>, ConfigError> {
    let mut taken: HashMap<Key, Action> = HashMap::new();
    // An action the file does not rebind keeps its default keys: one of them given to
    // another action would leave the key doing one of the two, silently.
    let rebound: Vec<Action> = raw.0.iter().map(|(action, _)| *action).collect();
    let mut bindings = Vec::with_capacity(raw.0.len());
    for (action, list) in raw.0 {
        let span = list.span();
        let mut keys = Vec::new();
        for name in list.into_inner().0 {
            if let Some(owner) = Action::ALL.iter().find(|other| {
                **other != action
                    && !rebound.contains(other)
                    && other.default_keys().contains(&name.key)
            }) {
                return Err(ConfigError::at(
                    origin,
                    line(span),
                    format!(
                        "key `{}` is bound to both `{}` (its default key) and `{}` in [keys]; \
                         give `{}` another key, or `{} = []` to unbind it",
                        name.text,
                        action_name(*owner),
                        action_name(action),
                        action_name(*owner),
                        action_name(*owner),
                    ),
                ));
            }
            match taken.insert(name.key, action) {
                Some(other) if other != action => {
                    return Err(ConfigError::at(
                        origin,
                        line(span),
                        format!(
                            "key `{}` is bound to both `{}` and `{}` in [keys]",
                            name.text,
                            action_name(other),
                            action_name(action)
                        ),
                    ));
                }
                _ => {}
            }
            if !keys.contains(&name.key) {
                keys.push(name.key);
            }
        }
        bindings.push((action, keys));
    }
    Ok(bindings)
}

/// An action's name in the config file (`next_tab`).
fn action_name(action: Action) -> String {
    match toml::Value::try_from(action) {
        Ok(toml::Value::String(name)) => name,
        _ => format!("{action:?}"),
    }
}

/// The `[[pipeline]]` tables, each with at least one stage and one selector per stage.
fn pipelines(
    raw: Vec<Spanned<RawPipeline>>,
    origin: &Path,
    line: &LineOf<'_>,
    cost: &CostSettings,
) -> Result<Vec<PipelineDefinition>, ConfigError> {
    let mut pipelines: Vec<PipelineDefinition> = Vec::with_capacity(raw.len());
    for spanned in raw {
        let at = line(spanned.span());
        let pipeline = spanned.into_inner();
        let name = pipeline.name.0;
        if pipelines.iter().any(|p| p.name == name) {
            return Err(ConfigError::at(
                origin,
                at,
                format!("pipeline `{name}` is defined twice"),
            ));
        }
        if pipeline.stage.is_empty() {
            return Err(ConfigError::at(
                origin,
                at,
                format!("pipeline `{name}` has no stages; add [[pipeline.stage]] tables"),
            ));
        }
        let mut stages: Vec<StageDefinition> = Vec::with_capacity(pipeline.stage.len());
        for spanned in pipeline.stage {
            let at = line(spanned.span());
            let stage = stage(spanned.into_inner())
                .map_err(|message| ConfigError::at(origin, at, message))?;
            if let Some(cost_stage) = &stage.cost {
                let names = cost.stages.names();
                if !names.contains(&cost_stage.as_str()) || cost_stage == OTHER_STAGE {
                    return Err(ConfigError::at(
                        origin,
                        at,
                        format!(
                            "pipeline stage `{}`: `cost = \"{cost_stage}\"` names no cost stage; \
                             the stages are {}",
                            stage.name,
                            names
                                .iter()
                                .filter(|n| **n != OTHER_STAGE)
                                .copied()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
            if stages.iter().any(|s| s.name == stage.name) {
                return Err(ConfigError::at(
                    origin,
                    at,
                    format!("pipeline `{name}` has two stages named `{}`", stage.name),
                ));
            }
            stages.push(stage);
        }
        pipelines.push(PipelineDefinition { name, stages });
    }
    Ok(pipelines)
}

/// The `[[environment]]` tables, with distinct names.
fn environments(
    raw: Vec<Spanned<environment::RawEnvironment>>,
    origin: &Path,
    line: &LineOf<'_>,
) -> Result<Vec<EnvironmentConfig>, ConfigError> {
    let mut environments: Vec<EnvironmentConfig> = Vec::with_capacity(raw.len());
    for spanned in raw {
        let at = spanned.span();
        let environment = spanned.into_inner().build().map_err(|misfit| {
            ConfigError::at(origin, line(misfit.at..misfit.at), misfit.message)
        })?;
        if environments.iter().any(|e| e.name == environment.name) {
            return Err(ConfigError::at(
                origin,
                line(at),
                format!("environment `{}` is defined twice", environment.name),
            ));
        }
        environments.push(environment);
    }
    Ok(environments)
}

/// One stage; the error is the message without its location.
fn stage(raw: RawStage) -> Result<StageDefinition, String> {
    let name = raw.name.0;
    let selector = match (raw.replication, raw.dag) {
        (Some(pattern), None) => StageSelector::Replication { pattern: pattern.0 },
        (None, Some(dag)) => StageSelector::Workflow { dag_id: dag.0 },
        _ => {
            return Err(format!(
                "pipeline stage `{name}` needs exactly one of `replication` or `dag`"
            ));
        }
    };
    Ok(StageDefinition {
        name,
        selector,
        cost: raw.cost.map(|c| c.0),
    })
}

#[cfg(test)]
mod tests;
