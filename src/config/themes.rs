//! Theme files: a user's `themes/NAME.toml` in the config dir, which wins over the
//! built-in of the same name. Only the reading is here; the `Theme` type, its styles and
//! the parsing of a file's text are the ui's.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The user's file for the theme `name`, read: its path and text (none when there is no
/// such file, or `name` cannot be a file's name); an error names the file.
pub fn read(
    name: &str,
    user_themes_dir: Option<&Path>,
) -> Result<Option<(PathBuf, String)>, (PathBuf, io::Error)> {
    let Some(dir) = user_themes_dir.filter(|_| is_theme_name(name)) else {
        return Ok(None);
    };
    let path = dir.join(format!("{name}.toml"));
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(cause) if cause.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(cause) => Err((path, cause)),
    }
}

/// What a theme called `name` is made from, read from disk: the user's file for the name
/// (its path and text), or, without one, the names of the user's theme files (which an
/// unknown name's message lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeFiles {
    pub file: Option<(PathBuf, String)>,
    pub user_themes: Vec<String>,
}

/// Reads what the theme `name` is made from; an error names the file that could not be read.
pub fn read_for(
    name: &str,
    user_themes_dir: Option<&Path>,
) -> Result<ThemeFiles, (PathBuf, io::Error)> {
    let file = read(name, user_themes_dir)?;
    let user_themes = match &file {
        Some(_) => Vec::new(),
        None => names(user_themes_dir),
    };
    Ok(ThemeFiles { file, user_themes })
}

/// The names of the user's theme files, sorted.
pub fn names(user_themes_dir: Option<&Path>) -> Vec<String> {
    let mut names = Vec::new();
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
    names
}

/// Theme names are file stems: letters, digits, `-` and `_` (no paths).
pub fn is_theme_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
