//! Themes through the library's public API: the built-ins, user overrides, partial user
//! themes, errors, and the NO_COLOR variant.

use std::fs;
use std::path::{Path, PathBuf};

use opsdeck::domain::Health;
use opsdeck::ui::theme::{Theme, ThemeError};
use ratatui::style::{Color, Modifier};

/// A fresh user themes directory under the system temp dir, removed on drop.
struct TempThemes(PathBuf);

impl TempThemes {
    fn new(test: &str) -> TempThemes {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-themes-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        TempThemes(dir)
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.0.join(name);
        fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for TempThemes {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/themes")
}

fn builtin(name: &str) -> Theme {
    Theme::builtin(name).unwrap_or_else(|| panic!("no built-in {name}"))
}

fn resolve(name: &str, dir: Option<&Path>) -> Theme {
    opsdeck::console::load_theme(name, dir).unwrap_or_else(|e| panic!("{e}"))
}

fn error_of(name: &str, dir: Option<&Path>) -> String {
    match opsdeck::console::load_theme(name, dir) {
        Ok(theme) => panic!("{name} resolved: {theme:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn every_builtin_loads_and_they_differ() {
    let themes: Vec<Theme> = Theme::BUILTIN.iter().map(|n| builtin(n)).collect();
    for (theme, name) in themes.iter().zip(Theme::BUILTIN) {
        assert_eq!(theme.name, name);
        assert_eq!(&resolve(name, None), theme);
        assert!(theme.text.fg.is_some(), "{name} has no text colour");
    }
    assert_ne!(themes[0], themes[1]);
    assert_ne!(themes[0], themes[2]);
    assert_ne!(themes[1], themes[2]);
    assert_eq!(Theme::default(), themes[0]);
    assert_eq!(Theme::builtin("nope"), None);
}

#[test]
fn health_styles_differ_in_every_builtin() {
    for name in Theme::BUILTIN {
        let theme = builtin(name);
        for (i, a) in Health::ALL.iter().enumerate() {
            for b in &Health::ALL[i + 1..] {
                assert_ne!(theme.health(*a), theme.health(*b), "{name}: {a} vs {b}");
            }
        }
        assert!(
            theme
                .health(Health::Failed)
                .add_modifier
                .contains(Modifier::BOLD),
            "{name}: failures should be bold"
        );
    }
}

#[test]
fn user_file_overrides_the_builtin_of_the_same_name() {
    let dir = TempThemes::new("override");
    dir.write("light.toml", "ok = \"magenta\"\n");
    let theme = resolve("light", Some(&dir.0));
    let light = builtin("light");
    assert_eq!(theme.name, "light");
    assert_eq!(theme.ok.fg, Some(Color::Magenta));
    assert_ne!(theme.ok, light.ok);
    assert_eq!(theme.text, light.text);
    assert_eq!(theme.failed, light.failed);
    // Without the user dir, the built-in is untouched.
    assert_eq!(resolve("light", None), light);
}

#[test]
fn partial_user_theme_falls_back_to_default() {
    let theme = resolve("partial", Some(&fixtures()));
    let default = builtin("default");
    assert_eq!(theme.name, "partial");
    assert_eq!(theme.failed.fg, Some(Color::White));
    assert_eq!(theme.failed.bg, Some(Color::Red));
    for ((slot, style), (_, fallback)) in theme.styles().into_iter().zip(default.styles()) {
        if slot != "failed" {
            assert_eq!(style, fallback, "{slot}");
        }
    }
}

#[test]
fn unknown_theme_lists_what_exists() {
    let dir = TempThemes::new("unknown");
    dir.write("mine.toml", "accent = \"magenta\"\n");
    dir.write("light.toml", "accent = \"magenta\"\n");
    dir.write("notes.txt", "not a theme\n");
    assert_eq!(
        error_of("nope", Some(&dir.0)),
        "unknown theme `nope`; available: default, high-contrast, light, mine"
    );
    assert_eq!(
        error_of("nope", None),
        "unknown theme `nope`; available: default, high-contrast, light"
    );
    assert!(matches!(
        opsdeck::console::load_theme("../mine", Some(&dir.0)),
        Err(ThemeError::Unknown { .. })
    ));
}

#[test]
fn available_is_sorted_and_deduplicated() {
    let dir = TempThemes::new("available");
    dir.write("solarized.toml", "");
    dir.write("default.toml", "");
    assert_eq!(
        opsdeck::console::theme_names(Some(&dir.0)),
        vec!["default", "high-contrast", "light", "solarized"]
    );
    assert_eq!(
        opsdeck::console::theme_names(Some(&dir.0.join("missing"))),
        vec!["default", "high-contrast", "light"]
    );
}

#[test]
fn theme_file_errors_name_file_line_and_slot() {
    let dir = fixtures();
    assert_eq!(
        error_of("typo", Some(&dir)),
        format!(
            "{}:3: unknown slot `okk`; expected one of: text, muted, accent, border, title, \
             header, header_demo, tab_active, tab_inactive, selection, ok, running, degraded, \
             failed, unknown, warning, chart_bar, footer_key, footer_text, dialog",
            dir.join("typo.toml").display()
        )
    );
    assert_eq!(
        error_of("bad-colour", Some(&dir)),
        format!(
            "{}:2: bad value for `failed.fg`: unknown colour `grean` \
             (examples: green, light-red, #3fb950, indexed(244))",
            dir.join("bad-colour.toml").display()
        )
    );
}

#[test]
fn without_colors_leaves_no_colour_and_keeps_the_marks() {
    for name in Theme::BUILTIN {
        let theme = builtin(name).without_colors();
        for (slot, style) in theme.styles() {
            assert_eq!(style.fg, None, "{name}.{slot}");
            assert_eq!(style.bg, None, "{name}.{slot}");
        }
        assert!(theme.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(theme.tab_active.add_modifier.contains(Modifier::REVERSED));
        assert_ne!(theme.tab_active, theme.tab_inactive, "{name}");
        assert_ne!(theme.selection, theme.text, "{name}");
        assert_eq!(
            theme.failed.add_modifier,
            builtin(name).failed.add_modifier | Modifier::BOLD
        );
    }
}
