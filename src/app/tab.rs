//! The tabs of the console.

use crate::source::SourceKind;

/// One tab of the console, in the order of their number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tab {
    #[default]
    Overview,
    Dms,
    Airflow,
    Redshift,
    Cost,
}

impl Tab {
    /// Every tab, in order (`1`–`5`).
    pub const ALL: [Tab; 5] = [
        Tab::Overview,
        Tab::Dms,
        Tab::Airflow,
        Tab::Redshift,
        Tab::Cost,
    ];

    /// The title shown in the tab bar.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Dms => "DMS",
            Tab::Airflow => "Airflow",
            Tab::Redshift => "Redshift",
            Tab::Cost => "Cost",
        }
    }

    /// The command-mode name (`:dms`).
    pub fn command(self) -> &'static str {
        match self {
            Tab::Overview => "overview",
            Tab::Dms => "dms",
            Tab::Airflow => "airflow",
            Tab::Redshift => "redshift",
            Tab::Cost => "cost",
        }
    }

    /// Position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The next tab, wrapping around.
    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    /// The previous tab, wrapping around.
    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }

    /// The source the tab shows, if it shows one (the Overview shows them all).
    pub fn source(self) -> Option<SourceKind> {
        match self {
            Tab::Overview => None,
            Tab::Dms => Some(SourceKind::Replication),
            Tab::Airflow => Some(SourceKind::Workflow),
            Tab::Redshift => Some(SourceKind::Warehouse),
            Tab::Cost => Some(SourceKind::Cost),
        }
    }
}
