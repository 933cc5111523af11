//! Theme files: a user's `themes/NAME.toml` in the config dir is read here and wins over
//! the built-in of the same name (the `Theme` type and its styles are the ui's).

use std::fs;
use std::io;
use std::path::Path;

use crate::ui::theme::{Theme, ThemeError};

/// The theme called `name`: the user's `NAME.toml` if there is one, else the built-in;
/// an unknown name is an error that lists the themes that exist.
pub fn load(name: &str, user_themes_dir: Option<&Path>) -> Result<Theme, ThemeError> {
    if is_theme_name(name) {
        if let Some(dir) = user_themes_dir {
            let path = dir.join(format!("{name}.toml"));
            match fs::read_to_string(&path) {
                Ok(text) => return Theme::parse(name, &text, &path),
                Err(cause) if cause.kind() == io::ErrorKind::NotFound => {}
                Err(cause) => return Err(ThemeError::Read { path, cause }),
            }
        }
        if let Some(theme) = Theme::builtin(name) {
            return Ok(theme);
        }
    }
    Err(ThemeError::Unknown {
        name: name.to_string(),
        available: available(user_themes_dir),
    })
}

/// Every theme name that [`load`] accepts, sorted, without duplicates.
pub fn available(user_themes_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = Theme::BUILTIN.iter().map(|n| n.to_string()).collect();
    let entries = user_themes_dir.and_then(|dir| fs::read_dir(dir).ok());
    for entry in entries.into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            && is_theme_name(stem)
        {
            names.push(stem.to_string());
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Theme names are file stems: letters, digits, `-` and `_` (no paths).
fn is_theme_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
