//! Keys and the keymap: which key does which action, as data the config can override.
//!
//! Neutral ground: the console's `update` dispatches on these actions and `config` reads
//! overrides of them, so neither has to import the other.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A key the console reacts to, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

/// A key press: a code and the modifiers that matter for bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> Self {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    /// A character key without modifiers.
    pub const fn char(c: char) -> Self {
        Key::plain(KeyCode::Char(c))
    }

    /// A character key with Ctrl.
    pub const fn ctrl(c: char) -> Self {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }
}

/// Why a key name in the config could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key `{0}` (examples: q, ctrl-r, shift-tab, enter, esc, pgup, f5, space)")]
pub struct KeyParseError(pub String);

impl FromStr for Key {
    type Err = KeyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || KeyParseError(s.to_string());
        let mut key = Key::plain(KeyCode::Esc);
        let mut rest = s.trim();
        let mut shift = false;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                key.ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                key.alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) if shift => KeyCode::Char(c.to_ascii_uppercase()),
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if shift => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                f if f.starts_with('f') => {
                    let n: u8 = f[1..].parse().map_err(|_| err())?;
                    if !(1..=24).contains(&n) {
                        return Err(err());
                    }
                    KeyCode::F(n)
                }
                _ => return Err(err()),
            },
        };
        if rest.is_empty() {
            return Err(err());
        }
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
        }
    }
}

/// Everything a key can be bound to. The names are the config's (`[keys] quit = "q"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Messages,
    NextTab,
    PrevTab,
    TabOverview,
    TabDms,
    TabAirflow,
    TabRedshift,
    TabCost,
    CommandMode,
    Filter,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Refresh,
    SortNext,
    SortReverse,
    Mark,
    ClearMarks,
    Retry,
    Recover,
    Timeline,
    Trigger,
    CancelQuery,
    CostPeriod,
    CostMetric,
    CostGroup,
    CostGranularity,
    CostAnomalies,
    Export,
    ExportJson,
}

impl Action {
    /// Every action, in the order help lists them.
    pub const ALL: [Action; 37] = [
        Action::TabOverview,
        Action::TabDms,
        Action::TabAirflow,
        Action::TabRedshift,
        Action::TabCost,
        Action::NextTab,
        Action::PrevTab,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Back,
        Action::Filter,
        Action::SortNext,
        Action::SortReverse,
        Action::CommandMode,
        Action::Refresh,
        Action::Mark,
        Action::ClearMarks,
        Action::Retry,
        Action::Recover,
        Action::Timeline,
        Action::Trigger,
        Action::CancelQuery,
        Action::CostPeriod,
        Action::CostMetric,
        Action::CostGroup,
        Action::CostGranularity,
        Action::CostAnomalies,
        Action::Export,
        Action::ExportJson,
        Action::Messages,
        Action::Help,
        Action::Quit,
    ];

    /// True for the actions that change the platform: gone in read-only mode.
    pub fn mutates(self) -> bool {
        matches!(
            self,
            Action::Retry | Action::Recover | Action::Trigger | Action::CancelQuery
        )
    }

    /// What the action does, for help.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show or hide this help",
            Action::Messages => "the recent messages in full, with their times (:messages)",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::TabOverview => "Overview tab",
            Action::TabDms => "DMS tab",
            Action::TabAirflow => "Airflow tab",
            Action::TabRedshift => "Redshift tab",
            Action::TabCost => "Cost tab",
            Action::CommandMode => "command mode (:dms, :q …)",
            Action::Filter => "filter rows (Esc clears)",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Open => "open the detail of the row",
            Action::Back => "back / close",
            Action::Refresh => "refresh this tab now",
            Action::SortNext => "sort by the next column",
            Action::SortReverse => "reverse the sort order",
            Action::Mark => "mark or unmark the row and move down (one r retries all marked)",
            Action::ClearMarks => "clear every mark",
            Action::Retry => "retry: DMS task, DAG run (clear), task instance, query re-run",
            Action::Recover => {
                "recover the night: one plan from the root cause down the pipeline (:recover)"
            }
            Action::Timeline => {
                "the night's timeline: every stage and item on one time axis (:night)"
            }
            Action::Trigger => "trigger a new run of the DAG (not a retry)",
            Action::CancelQuery => "cancel the running query",
            Action::CostPeriod => "Cost: next period (7d, 30d, 90d, month to date, last month)",
            Action::CostMetric => "Cost: next metric (unblended, amortized, net unblended)",
            Action::CostGroup => "Cost: group by service, account, region, usage type, stage",
            Action::CostGranularity => "Cost: daily or monthly amounts",
            Action::CostAnomalies => "Cost: move between the groups and the anomalies",
            Action::Export => "Cost: export the view as CSV (the file is named on screen)",
            Action::ExportJson => "Cost: export the view as JSON",
        }
    }

    /// A short word for the footer.
    pub fn hint(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Messages => "messages",
            Action::NextTab | Action::PrevTab => "tabs",
            Action::TabOverview
            | Action::TabDms
            | Action::TabAirflow
            | Action::TabRedshift
            | Action::TabCost => "tab",
            Action::CommandMode => "cmd",
            Action::Filter => "filter",
            Action::Up | Action::Down => "move",
            Action::Top | Action::Bottom => "top/end",
            Action::PageUp | Action::PageDown => "page",
            Action::Open => "detail",
            Action::Back => "back",
            Action::Refresh => "refresh",
            Action::SortNext => "sort",
            Action::SortReverse => "reverse",
            Action::Mark => "mark",
            Action::ClearMarks => "unmark all",
            Action::Retry => "retry",
            Action::Recover => "recover",
            Action::Timeline => "night",
            Action::Trigger => "trigger",
            Action::CancelQuery => "cancel query",
            Action::CostPeriod => "period",
            Action::CostMetric => "metric",
            Action::CostGroup => "group",
            Action::CostGranularity => "daily/monthly",
            Action::CostAnomalies => "anomalies",
            Action::Export => "export",
            Action::ExportJson => "json",
        }
    }

    /// The keys bound to the action when the config says nothing.
    pub fn default_keys(self) -> Vec<Key> {
        use KeyCode::*;
        match self {
            Action::Quit => vec![Key::char('q')],
            Action::Help => vec![Key::char('?')],
            Action::Messages => vec![Key::char('L')],
            Action::NextTab => vec![Key::plain(Tab)],
            Action::PrevTab => vec![Key::plain(BackTab)],
            Action::TabOverview => vec![Key::char('1')],
            Action::TabDms => vec![Key::char('2')],
            Action::TabAirflow => vec![Key::char('3')],
            Action::TabRedshift => vec![Key::char('4')],
            Action::TabCost => vec![Key::char('5')],
            Action::CommandMode => vec![Key::char(':')],
            Action::Filter => vec![Key::char('/')],
            Action::Up => vec![Key::char('k'), Key::plain(Up)],
            Action::Down => vec![Key::char('j'), Key::plain(Down)],
            Action::Top => vec![Key::char('g'), Key::plain(Home)],
            Action::Bottom => vec![Key::char('G'), Key::plain(End)],
            Action::PageUp => vec![Key::plain(PageUp), Key::ctrl('b')],
            Action::PageDown => vec![Key::plain(PageDown), Key::ctrl('f')],
            Action::Open => vec![Key::plain(Enter)],
            Action::Back => vec![Key::plain(Esc)],
            Action::Refresh => vec![Key::ctrl('r')],
            Action::SortNext => vec![Key::char('s')],
            Action::SortReverse => vec![Key::char('S')],
            Action::Mark => vec![Key::char(' ')],
            Action::ClearMarks => vec![Key::char('u')],
            Action::Retry => vec![Key::char('r')],
            Action::Recover => vec![Key::char('R')],
            Action::Timeline => vec![Key::char('T')],
            Action::Trigger => vec![Key::char('t')],
            Action::CancelQuery => vec![Key::char('x')],
            Action::CostPeriod => vec![Key::char('p')],
            Action::CostMetric => vec![Key::char('m')],
            Action::CostGroup => vec![Key::char('b')],
            Action::CostGranularity => vec![Key::char('d')],
            Action::CostAnomalies => vec![Key::char('a')],
            Action::Export => vec![Key::char('e')],
            Action::ExportJson => vec![Key::char('E')],
        }
    }
}

/// The live mapping from keys to actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .flat_map(|a| a.default_keys().into_iter().map(move |k| (k, *a)))
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The default keymap with some actions rebound: each named action loses its default
    /// keys and takes the given ones; a key taken from another action moves to this one.
    pub fn with_overrides(overrides: &[(Action, Vec<Key>)]) -> Self {
        let mut map = Keymap::default();
        for (action, keys) in overrides {
            map.bindings
                .retain(|(k, a)| a != action && !keys.contains(k));
            map.bindings.extend(keys.iter().map(|k| (*k, *action)));
        }
        map
    }

    /// The action bound to a key, if any.
    pub fn action(&self, key: Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a)
    }

    /// The keys bound to an action, in binding order.
    pub fn keys(&self, action: Action) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The first key of an action as text, for hints ("" if unbound).
    pub fn key_text(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_names() {
        assert_eq!("q".parse::<Key>().unwrap(), Key::char('q'));
        assert_eq!("ctrl-r".parse::<Key>().unwrap(), Key::ctrl('r'));
        assert_eq!("Ctrl-R".parse::<Key>().unwrap(), Key::ctrl('R'));
        assert_eq!(
            "shift-tab".parse::<Key>().unwrap(),
            Key::plain(KeyCode::BackTab)
        );
        assert_eq!(
            "pgdn".parse::<Key>().unwrap(),
            Key::plain(KeyCode::PageDown)
        );
        assert_eq!("f5".parse::<Key>().unwrap(), Key::plain(KeyCode::F(5)));
        assert_eq!("space".parse::<Key>().unwrap(), Key::char(' '));
        assert_eq!("shift-a".parse::<Key>().unwrap(), Key::char('A'));
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("hyper-x".parse::<Key>().is_err());
        assert!("f99".parse::<Key>().is_err());
    }

    #[test]
    fn overrides_replace_defaults_and_steal_keys() {
        let map = Keymap::with_overrides(&[(Action::Quit, vec![Key::char('x')])]);
        assert_eq!(map.action(Key::char('x')), Some(Action::Quit));
        assert_eq!(map.action(Key::char('q')), None);
        let map = Keymap::with_overrides(&[(Action::Refresh, vec![Key::char('j')])]);
        assert_eq!(map.action(Key::char('j')), Some(Action::Refresh));
        assert_eq!(map.keys(Action::Down), vec![Key::plain(KeyCode::Down)]);
    }

    #[test]
    fn every_action_has_a_default_key() {
        let map = Keymap::default();
        for action in Action::ALL {
            assert!(!map.keys(action).is_empty(), "{action:?}");
        }
    }
}
