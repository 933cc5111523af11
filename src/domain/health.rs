//! The one health scale shared by every kind of item.

use std::fmt;

/// How an item is doing, from the operator's point of view.
///
/// The order is "worst last" so that `max()` over a set gives its overall health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Health {
    /// Finished well or idle in a good state.
    Ok,
    /// Working right now, nothing wrong so far.
    Running,
    /// The status could not be understood (an unknown status string, no data).
    #[default]
    Unknown,
    /// Working, but something in it is wrong (errored tables, a slow or spilling query).
    Degraded,
    /// Failed: needs someone.
    Failed,
}

impl Health {
    /// Every health, best first, in the order the UI lists counts.
    pub const ALL: [Health; 5] = [
        Health::Ok,
        Health::Running,
        Health::Degraded,
        Health::Failed,
        Health::Unknown,
    ];

    /// A symbol that tells the health without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Health::Ok => "✔",
            Health::Running => "▶",
            Health::Degraded => "▲",
            Health::Failed => "✖",
            Health::Unknown => "?",
        }
    }

    /// A short word that tells the health without colour.
    pub fn label(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Running => "running",
            Health::Degraded => "degraded",
            Health::Failed => "failed",
            Health::Unknown => "unknown",
        }
    }

    /// True for the states that need an operator's attention.
    pub fn is_problem(self) -> bool {
        matches!(self, Health::Degraded | Health::Failed)
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How many items of a source are in each health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthCounts {
    pub ok: usize,
    pub running: usize,
    pub degraded: usize,
    pub failed: usize,
    pub unknown: usize,
}

impl HealthCounts {
    /// Counts the healths of a set of items.
    pub fn tally(healths: impl IntoIterator<Item = Health>) -> Self {
        let mut counts = HealthCounts::default();
        for health in healths {
            counts.add(health);
        }
        counts
    }

    /// Adds one item of the given health.
    pub fn add(&mut self, health: Health) {
        *self.slot(health) += 1;
    }

    /// The count of one health.
    pub fn get(&self, health: Health) -> usize {
        match health {
            Health::Ok => self.ok,
            Health::Running => self.running,
            Health::Degraded => self.degraded,
            Health::Failed => self.failed,
            Health::Unknown => self.unknown,
        }
    }

    fn slot(&mut self, health: Health) -> &mut usize {
        match health {
            Health::Ok => &mut self.ok,
            Health::Running => &mut self.running,
            Health::Degraded => &mut self.degraded,
            Health::Failed => &mut self.failed,
            Health::Unknown => &mut self.unknown,
        }
    }

    /// All items counted.
    pub fn total(&self) -> usize {
        self.ok + self.running + self.degraded + self.failed + self.unknown
    }

    /// The worst health present, or `Unknown` for an empty set.
    pub fn overall(&self) -> Health {
        Health::ALL
            .iter()
            .copied()
            .filter(|h| self.get(*h) > 0)
            .max()
            .unwrap_or(Health::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_is_the_worst_present() {
        let counts = HealthCounts::tally([Health::Ok, Health::Running, Health::Degraded]);
        assert_eq!(counts.overall(), Health::Degraded);
        assert_eq!(counts.total(), 3);
        assert_eq!(HealthCounts::default().overall(), Health::Unknown);
        assert_eq!(HealthCounts::tally([Health::Ok]).overall(), Health::Ok);
    }
}
