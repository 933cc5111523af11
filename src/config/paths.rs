//! Where opsdeck keeps its files, by the XDG base directory conventions.

use std::path::{Path, PathBuf};

use etcetera::BaseStrategy;

use super::ConfigError;

/// The application's directory name under each base directory.
const APP_DIR: &str = "opsdeck";

/// The files and directories opsdeck reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `config.toml` in [`config_dir`](Self::config_dir).
    pub config_file: PathBuf,
    /// `$XDG_CONFIG_HOME/opsdeck` (default `~/.config/opsdeck`).
    pub config_dir: PathBuf,
    /// User themes, `themes/NAME.toml` in the config dir.
    pub themes_dir: PathBuf,
    /// `$XDG_STATE_HOME/opsdeck` (default `~/.local/state/opsdeck`): log, audit record.
    pub state_dir: PathBuf,
    /// `opsdeck.log` in the state dir.
    pub log_file: PathBuf,
    /// `$XDG_CACHE_HOME/opsdeck` (default `~/.cache/opsdeck`): the Cost Explorer cache.
    pub cache_dir: PathBuf,
}

impl Paths {
    /// The paths of the current user, from `XDG_CONFIG_HOME`, `XDG_STATE_HOME` and
    /// `XDG_CACHE_HOME` or their defaults under the home directory (XDG on macOS too).
    pub fn discover() -> Result<Paths, ConfigError> {
        let base =
            etcetera::choose_base_strategy().map_err(|e| ConfigError::NoHome(e.to_string()))?;
        // Only the XDG strategy has a state dir; elsewhere logs go with the data.
        let state_home = base.state_dir().unwrap_or_else(|| base.data_dir());
        Ok(Paths::under(
            &base.config_dir(),
            &state_home,
            &base.cache_dir(),
        ))
    }

    /// The paths under given base directories (what `discover` uses; handy in tests).
    pub fn under(config_home: &Path, state_home: &Path, cache_home: &Path) -> Paths {
        let config_dir = config_home.join(APP_DIR);
        let state_dir = state_home.join(APP_DIR);
        Paths {
            config_file: config_dir.join("config.toml"),
            themes_dir: config_dir.join("themes"),
            log_file: state_dir.join("opsdeck.log"),
            cache_dir: cache_home.join(APP_DIR),
            config_dir,
            state_dir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_live_under_the_app_directories() {
        let paths = Paths::under(Path::new("/c"), Path::new("/s"), Path::new("/k"));
        assert_eq!(paths.config_file, Path::new("/c/opsdeck/config.toml"));
        assert_eq!(paths.themes_dir, Path::new("/c/opsdeck/themes"));
        assert_eq!(paths.log_file, Path::new("/s/opsdeck/opsdeck.log"));
        assert_eq!(paths.cache_dir, Path::new("/k/opsdeck"));
    }

    /// A base directory as XDG says: the variable when it holds an absolute path, else
    /// its default under the home directory.
    fn xdg(var: &str, default: &str) -> PathBuf {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME").expect("the tests run with a HOME");
                PathBuf::from(home).join(default)
            })
    }

    #[test]
    fn discover_names_an_opsdeck_config_file() {
        let paths = Paths::discover().expect("discovery finds the home directory");
        let expected = Paths::under(
            &xdg("XDG_CONFIG_HOME", ".config"),
            &xdg("XDG_STATE_HOME", ".local/state"),
            &xdg("XDG_CACHE_HOME", ".cache"),
        );
        assert_eq!(paths, expected);
        assert!(paths.config_file.ends_with("opsdeck/config.toml"));
        assert!(paths.log_file.ends_with("opsdeck/opsdeck.log"));
    }
}
