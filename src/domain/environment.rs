//! Which environment is being looked at: what the console's header and `opsdeck status`
//! say of it.

use rust_decimal::Decimal;

/// Which environment is looked at, for the header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Environment {
    pub name: String,
    pub profile: Option<String>,
    pub region: Option<String>,
    /// True on the embedded demo platform: the header says DEMO plainly.
    pub demo: bool,
    /// Mutating actions are off for this environment; the header says so.
    pub read_only: bool,
    /// Read-only because `--read-only` was given, which no setting overrides.
    pub read_only_by_flag: bool,
    /// The environment's monthly budget, when the config sets one.
    pub budget: Option<Decimal>,
}

impl Environment {
    /// What would allow actions here, for a read-only refusal to say.
    pub fn allow_actions_hint(&self) -> &'static str {
        allow_actions_hint(self.read_only_by_flag)
    }
}

/// What would allow actions in a read-only environment: without `--read-only`, the
/// `--write` flag or the config; with it, only starting again without it.
pub fn allow_actions_hint(by_flag: bool) -> &'static str {
    if by_flag {
        "opened with --read-only: start without it to allow actions"
    } else {
        "--write, or read_only = false in the config, allows actions"
    }
}
