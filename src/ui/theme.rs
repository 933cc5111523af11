//! Themes: one style per semantic slot (text, ok, failed, selection, …), read from TOML.
//!
//! The built-ins live in the top-level `themes/` and are compiled in; a user file
//! `themes/NAME.toml` in the config dir overrides the built-in of the same name and may set
//! only some slots: the rest come from the built-in of that name, or from `default`.

use std::io;
use std::path::{Path, PathBuf};

use ratatui::style::{Modifier, Style};
use serde::Deserialize;

use crate::config::Located;
use crate::config::diagnostic::{self, Diagnostic, Problem, dotted, table_header};
use crate::domain::Health;

mod slot;

use slot::SlotStyle;

/// The compiled-in theme files, by name.
const BUILTIN_FILES: [(&str, &str); 3] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// Declares the slots once: the public struct, the file's serde struct, and their walks.
macro_rules! slots {
    ($($(#[doc = $doc:literal])* $slot:ident,)*) => {
        /// A resolved theme: one ratatui [`Style`] per semantic slot.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            /// The name it was resolved by.
            pub name: String,
            $($(#[doc = $doc])* pub $slot: Style,)*
        }

        /// A theme file as written: every slot optional.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields, expecting = "a table of slots")]
        struct ThemeFile {
            $($slot: Option<SlotStyle>,)*
        }

        impl Theme {
            /// The slot names, as written in theme files.
            pub const SLOTS: &'static [&'static str] = &[$(stringify!($slot)),*];

            /// Every slot's name and style, in [`SLOTS`](Self::SLOTS) order.
            pub fn styles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($slot), self.$slot)),*]
            }

            fn styles_mut(&mut self) -> Vec<&mut Style> {
                vec![$(&mut self.$slot),*]
            }

            fn unstyled(name: &str) -> Theme {
                Theme { name: name.to_string(), $($slot: Style::new(),)* }
            }

            fn overlay(mut self, file: ThemeFile) -> Theme {
                $(if let Some(SlotStyle(style)) = file.$slot { self.$slot = style; })*
                self
            }
        }

        impl ThemeFile {
            /// The slots the file leaves out.
            #[cfg(test)]
            fn missing(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(if self.$slot.is_none() { missing.push(stringify!($slot)); })*
                missing
            }
        }
    };
}

slots! {
    /// Body text.
    text,
    /// Secondary text: ages, hints, zero counts.
    muted,
    /// Emphasis: links, the focused pane's marks.
    accent,
    /// Pane borders.
    border,
    /// Pane titles.
    title,
    /// The top bar and table headers.
    header,
    /// The DEMO badge in the top bar.
    header_demo,
    /// The visible tab.
    tab_active,
    /// The other tabs.
    tab_inactive,
    /// The selected row.
    selection,
    /// Health: ok.
    ok,
    /// Health: running.
    running,
    /// Health: degraded.
    degraded,
    /// Health: failed.
    failed,
    /// Health: unknown.
    unknown,
    /// Stale data, throttling, anything to notice that is not a health.
    warning,
    /// Bars of the cost chart.
    chart_bar,
    /// Keys in the footer.
    footer_key,
    /// Words in the footer.
    footer_text,
    /// Confirmation dialogs.
    dialog,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin("default").unwrap_or_else(|| Theme::unstyled("default"))
    }
}

impl Theme {
    /// The names of the compiled-in themes.
    pub const BUILTIN: [&'static str; 3] = ["default", "light", "high-contrast"];

    /// A compiled-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN_FILES.iter().find(|(n, _)| *n == name)?;
        let base = Theme::unstyled(name).overlay(parse_file(DEFAULT_TEXT).ok()?);
        Some(base.overlay(parse_file(text).ok()?))
    }

    /// Parses a theme file's text; `origin` names it in messages. Slots the file leaves
    /// out come from the built-in of the same name, or from `default`.
    pub fn parse(name: &str, text: &str, origin: &Path) -> Result<Theme, ThemeError> {
        let file = parse_file(text).map_err(|d| ThemeError::from_diagnostic(origin, d))?;
        let mut base = Theme::builtin(name).unwrap_or_default();
        base.name = name.to_string();
        Ok(base.overlay(file))
    }

    /// The theme called `name`: the user's file of that name (its path and text, as
    /// [`crate::config::themes::read`] found it) if there is one, else the built-in; an
    /// unknown name is an error that lists the built-ins and `user_themes`.
    pub fn resolve(
        name: &str,
        user_file: Option<(&Path, &str)>,
        user_themes: &[String],
    ) -> Result<Theme, ThemeError> {
        if let Some((path, text)) = user_file {
            return Theme::parse(name, text, path);
        }
        Theme::builtin(name).ok_or_else(|| ThemeError::Unknown {
            name: name.to_string(),
            available: Theme::available(user_themes),
        })
    }

    /// Every theme name: the built-ins and `user_themes`, sorted, without duplicates.
    pub fn available(user_themes: &[String]) -> Vec<String> {
        let mut names: Vec<String> = Theme::BUILTIN.iter().map(|n| n.to_string()).collect();
        names.extend(user_themes.iter().cloned());
        names.sort();
        names.dedup();
        names
    }

    /// The style of a health.
    pub fn health(&self, health: Health) -> Style {
        match health {
            Health::Ok => self.ok,
            Health::Running => self.running,
            Health::Degraded => self.degraded,
            Health::Failed => self.failed,
            Health::Unknown => self.unknown,
        }
    }

    /// The theme for `NO_COLOR`: no foreground or background anywhere, modifiers kept, and
    /// the selection, the active tab and the badges marked by reverse video and bold.
    pub fn without_colors(mut self) -> Theme {
        for style in self.styles_mut() {
            *style = Style {
                fg: None,
                bg: None,
                ..*style
            };
        }
        let loud = Modifier::REVERSED | Modifier::BOLD;
        self.selection = self.selection.add_modifier(Modifier::REVERSED);
        self.tab_active = self.tab_active.add_modifier(loud);
        self.tab_inactive = self.tab_inactive.remove_modifier(loud);
        self.header_demo = self.header_demo.add_modifier(loud);
        self.footer_key = self.footer_key.add_modifier(Modifier::BOLD);
        self.failed = self.failed.add_modifier(Modifier::BOLD);
        self
    }
}

const DEFAULT_TEXT: &str = BUILTIN_FILES[0].1;

fn parse_file(text: &str) -> Result<ThemeFile, Diagnostic> {
    diagnostic::deserialize(text)
}

/// A theme that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// No user file and no built-in has this name.
    #[error("unknown theme `{name}`; available: {}", available.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// What exists, sorted.
        available: Vec<String>,
    },
    /// The user's theme file exists but could not be read.
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (shown in the message, so not a `source`).
        cause: io::Error,
    },
    /// The theme file is wrong: `themes/mine.toml:3: unknown slot `okk`; …`.
    #[error("{}", Located { file, line: *line, message })]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong, naming the slot.
        message: String,
    },
}

impl ThemeError {
    fn from_diagnostic(file: &Path, diagnostic: Diagnostic) -> Self {
        let Diagnostic {
            line,
            path,
            problem,
        } = diagnostic;
        let message = match problem {
            Problem::Syntax(text) => format!("invalid TOML: {text}"),
            Problem::UnknownKey { key, expected } => match table_header(&path) {
                None => format!(
                    "unknown slot `{key}`; expected one of: {}",
                    expected.join(", ")
                ),
                Some(header) => format!(
                    "unknown key `{key}` in {header}; expected one of: {}",
                    expected.join(", ")
                ),
            },
            Problem::UnknownName { name, expected } => format!(
                "bad value for `{}`: unknown name `{name}`; expected one of: {}",
                dotted(&path),
                expected.join(", ")
            ),
            Problem::Missing(key) => format!("missing key `{key}` in `{}`", dotted(&path)),
            Problem::BadValue(text) => format!("bad value for `{}`: {text}", dotted(&path)),
        };
        ThemeError::Invalid {
            file: file.to_path_buf(),
            line,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_files_set_every_slot() {
        for (name, text) in BUILTIN_FILES {
            let file = parse_file(text).unwrap_or_else(|d| panic!("{name}: {d:?}"));
            assert!(
                file.missing().is_empty(),
                "{name} misses {:?}",
                file.missing()
            );
        }
    }

    #[test]
    fn errors_name_the_slot_and_line() {
        let err = |text: &str| match Theme::parse("mine", text, Path::new("mine.toml")) {
            Ok(_) => panic!("parsed {text:?}"),
            Err(e) => e.to_string(),
        };
        assert!(
            err("ok = \"green\"\nokk = \"red\"\n").starts_with(
                "mine.toml:2: unknown slot `okk`; expected one of: text, muted, accent,"
            )
        );
        assert_eq!(
            err("[ok]\nfg = \"grean\"\n"),
            "mine.toml:2: bad value for `ok.fg`: unknown colour `grean` \
             (examples: green, light-red, #3fb950, indexed(244))"
        );
        assert_eq!(
            err("\nok = { fg = \"green\", bolt = true }\n"),
            "mine.toml:2: unknown key `bolt` in [ok]; expected one of: \
             fg, bg, bold, reversed, italic, underlined, dim"
        );
        assert_eq!(
            err("ok = 5\n"),
            "mine.toml:1: bad value for `ok`: expected a colour or a table like \
             { fg = \"green\", bold = true }, found 5"
        );
    }
}
