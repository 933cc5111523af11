//! What can go wrong with the configuration, worded for the person who wrote the file.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, Problem, dotted, table_header};

/// A configuration file that could not be used.
///
/// Messages name the file and, when known, the line and the key:
/// `config.toml:4: unknown key `colour` in [polling]; expected one of: replication, …`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why it could not be read (shown in the message, so not a `source`).
        cause: io::Error,
    },
    /// The file was read, but something in it is wrong.
    #[error("{}", Located { file, line: *line, message })]
    Invalid {
        /// The file, as given to [`Config::parse`](super::Config::parse).
        file: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// What is wrong, naming the key.
        message: String,
    },
    /// The home directory, under which the XDG directories live, could not be found.
    #[error("cannot find the configuration directory: {0}")]
    NoHome(String),
}

impl ConfigError {
    /// An error at a line of a file.
    pub(super) fn at(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// Words a parsing problem of the config file.
    pub(super) fn from_diagnostic(file: &Path, diagnostic: Diagnostic) -> Self {
        let Diagnostic {
            line,
            path,
            problem,
        } = diagnostic;
        let message = match problem {
            Problem::Syntax(text) => format!("invalid TOML: {text}"),
            Problem::UnknownKey { key, expected } => {
                let place = match table_header(&path) {
                    Some(header) => format!("in {header}"),
                    None => "at the top level".to_string(),
                };
                if expected.is_empty() {
                    format!("unknown key `{key}` {place}; it takes no keys")
                } else {
                    format!(
                        "unknown key `{key}` {place}; expected one of: {}",
                        expected.join(", ")
                    )
                }
            }
            Problem::UnknownName { name, expected } if dotted(&path) == "keys" => {
                format!(
                    "unknown action `{name}` in [keys]; actions are: {}",
                    expected.join(", ")
                )
            }
            Problem::UnknownName { name, expected } => format!(
                "bad value for `{}`: unknown name `{name}`; expected one of: {}",
                dotted(&path),
                expected.join(", ")
            ),
            Problem::Missing(key) => match table_header(&path) {
                Some(header) => format!("missing key `{key}` in {header}"),
                None => format!("missing key `{key}` at the top level"),
            },
            Problem::BadValue(text) if path.is_empty() => format!("bad value: {text}"),
            Problem::BadValue(text) => format!("bad value for `{}`: {text}", dotted(&path)),
        };
        ConfigError::Invalid {
            file: file.to_path_buf(),
            line,
            message,
        }
    }
}

/// `file:line: message`, or `file: message` when the line is not known.
pub(crate) struct Located<'a> {
    pub file: &'a Path,
    pub line: Option<usize>,
    pub message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}
