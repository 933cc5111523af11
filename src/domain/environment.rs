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
    /// The environment's monthly budget, when the config sets one.
    pub budget: Option<Decimal>,
}
