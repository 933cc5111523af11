//! The rows a table shows: filtered, sorted, and the selection among them.
//!
//! Each tab's table lists indices into its source's data, so a render builds only the
//! rows on screen and `Enter` finds the item behind the selection.

use std::cmp::Ordering;

use crate::domain::breakdown::BreakdownRow;
use crate::domain::failure::ItemRef;
use crate::domain::{Failure, QueryRecord, ReplicationTask, TableName, WorkflowRun};

/// What a row is, to find it again after new data and to mark it: an item of a source,
/// a group of the cost breakdown, or a table in a replication task's detail.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowKey {
    Item(ItemRef),
    Group(String),
    Table(TableName),
}

impl RowKey {
    /// The key of a table in a replication task's detail.
    pub fn table(schema: &str, table: &str) -> RowKey {
        RowKey::Table(TableName {
            schema: schema.to_string(),
            table: table.to_string(),
        })
    }
}

/// Which column a table is sorted by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: usize,
    pub descending: bool,
}

/// A table's filter, sort, selection and the resulting row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableView {
    /// Index of the selected row among `rows`.
    pub selected: usize,
    /// Case-insensitive text every shown row contains ("" shows all).
    pub filter: String,
    pub sort: Sort,
    /// Indices into the source's items, in display order.
    pub rows: Vec<usize>,
    /// How many times the rows were built: data that does not feed a view leaves it alone.
    pub builds: u64,
}

impl TableView {
    /// An empty view sorted by the given column.
    pub fn new(column: usize, descending: bool) -> Self {
        TableView {
            selected: 0,
            filter: String::new(),
            sort: Sort { column, descending },
            rows: Vec::new(),
            builds: 0,
        }
    }

    /// The key of the selected item, read from the items the rows were built from.
    pub fn selected_key<T: Listed>(&self, items: &[T]) -> Option<RowKey> {
        self.selected_index()
            .and_then(|i| items.get(i))
            .map(Listed::key)
    }

    /// Recomputes the rows from the items, putting the selection back on the item with key
    /// `keep` when it is still shown.
    pub fn rebuild<T: Listed>(&mut self, items: &[T], keep: Option<RowKey>) {
        self.builds += 1;
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..items.len())
            .filter(|i| needle.is_empty() || items[*i].matches(&needle))
            .collect();
        let sort = self.sort;
        let direct = |order: Ordering| {
            if sort.descending {
                order.reverse()
            } else {
                order
            }
        };
        // A column that has integer ranks is ranked once per item, not twice per comparison
        // (health, for one, is worked out from several fields).
        let ranks: Option<Vec<Rank>> = items.iter().map(|i| i.rank(sort.column)).collect();
        match ranks {
            Some(ranks) if !items.is_empty() => rows.sort_by(|a, b| {
                direct(ranks[*a].cmp(&ranks[*b])).then_with(|| items[*a].tie(&items[*b]))
            }),
            _ => rows.sort_by(|a, b| {
                direct(items[*a].compare(&items[*b], sort.column))
                    .then_with(|| items[*a].tie(&items[*b]))
            }),
        }
        self.rows = rows;
        if let Some(pos) =
            keep.and_then(|key| self.rows.iter().position(|i| items[*i].key() == key))
        {
            self.selected = pos;
        }
        self.clamp();
    }

    /// Keeps the selection inside the rows.
    pub fn clamp(&mut self) {
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// The index into the items of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    /// Selects the row showing item `index`, if it is shown.
    pub fn select_item(&mut self, index: usize) -> bool {
        match self.rows.iter().position(|i| *i == index) {
            Some(pos) => {
                self.selected = pos;
                true
            }
            None => false,
        }
    }
}

/// A precomputed sort position: a primary and a secondary integer.
pub type Rank = (i64, i64);

/// A time as a rank part; no time sorts first, as `None < Some` does.
fn micros(at: Option<chrono::DateTime<chrono::Utc>>) -> i64 {
    at.map_or(i64::MIN, |at| at.timestamp_micros())
}

/// An item a table lists: how to find it by text, sort it by column, and know it again.
pub trait Listed {
    /// The column titles, in order.
    const COLUMNS: &'static [&'static str];
    /// The column a new table sorts by, and whether descending.
    const DEFAULT_SORT: Sort;
    /// True if the item contains `needle` (already lower case) in any shown text.
    fn matches(&self, needle: &str) -> bool;
    /// Orders two items by a column (ascending).
    fn compare(&self, other: &Self, column: usize) -> Ordering;
    /// The column's order as integers, when it has one: `a.rank(c).cmp(&b.rank(c))` must
    /// equal `a.compare(b, c)`. Sorting then works each item's rank out only once.
    fn rank(&self, column: usize) -> Option<Rank> {
        let _ = column;
        None
    }
    /// Breaks ties in any column, the same way every time (by what identifies the item).
    fn tie(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
    /// A key that stays the same for the same item across refreshes.
    fn key(&self) -> RowKey;
}

fn contains(haystacks: &[&str], needle: &str) -> bool {
    haystacks.iter().any(|h| h.to_lowercase().contains(needle))
}

impl Listed for ReplicationTask {
    const COLUMNS: &'static [&'static str] =
        &["HEALTH", "TASK", "TYPE", "STATUS", "LOAD", "ERR", "SINCE"];
    const DEFAULT_SORT: Sort = Sort {
        column: 0,
        descending: true,
    };

    fn matches(&self, needle: &str) -> bool {
        contains(
            &[
                &self.id,
                &self.source_database,
                self.status.as_str(),
                self.migration_type.as_str(),
                self.health().label(),
                self.last_failure_message.as_deref().unwrap_or(""),
            ],
            needle,
        )
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        let stats = |t: &ReplicationTask| t.stats.clone().unwrap_or_default();
        match column {
            0 => self.health().cmp(&other.health()),
            2 => self
                .migration_type
                .as_str()
                .cmp(other.migration_type.as_str()),
            3 => self.status.as_str().cmp(other.status.as_str()),
            4 => stats(self)
                .full_load_progress_percent
                .cmp(&stats(other).full_load_progress_percent),
            5 => stats(self).tables_errored.cmp(&stats(other).tables_errored),
            6 => self.since().cmp(&other.since()),
            _ => self.id.cmp(&other.id),
        }
    }

    fn rank(&self, column: usize) -> Option<Rank> {
        match column {
            0 => Some((self.health() as i64, 0)),
            6 => Some((micros(self.since()), 0)),
            _ => None,
        }
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.id.cmp(&other.id)
    }

    fn key(&self) -> RowKey {
        RowKey::Item(ItemRef::Replication {
            id: self.id.clone(),
        })
    }
}

impl Listed for WorkflowRun {
    const COLUMNS: &'static [&'static str] = &[
        "HEALTH", "DAG", "RUN", "STATE", "STARTED", "DURATION", "FAILURE",
    ];
    const DEFAULT_SORT: Sort = Sort {
        column: 4,
        descending: true,
    };

    fn matches(&self, needle: &str) -> bool {
        contains(
            &[
                &self.dag_id,
                &self.run_id,
                self.state.as_str(),
                &self.run_type,
                self.health().label(),
                self.failure.as_deref().unwrap_or(""),
            ],
            needle,
        )
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        let duration = |r: &WorkflowRun| r.ended_at.zip(r.started_at).map(|(e, s)| e - s);
        match column {
            0 => self.health().cmp(&other.health()),
            1 => self.dag_id.cmp(&other.dag_id),
            3 => self.state.as_str().cmp(other.state.as_str()),
            4 => (self.started_at, self.logical_date).cmp(&(other.started_at, other.logical_date)),
            5 => duration(self).cmp(&duration(other)),
            6 => self.failure.cmp(&other.failure),
            _ => self.run_id.cmp(&other.run_id),
        }
    }

    fn rank(&self, column: usize) -> Option<Rank> {
        match column {
            0 => Some((self.health() as i64, 0)),
            4 => Some((micros(self.started_at), micros(self.logical_date))),
            _ => None,
        }
    }

    fn tie(&self, other: &Self) -> Ordering {
        (&self.dag_id, &self.run_id).cmp(&(&other.dag_id, &other.run_id))
    }

    fn key(&self) -> RowKey {
        RowKey::Item(ItemRef::WorkflowRun {
            dag_id: self.dag_id.clone(),
            run_id: self.run_id.clone(),
        })
    }
}

impl Listed for QueryRecord {
    const COLUMNS: &'static [&'static str] = &[
        "HEALTH",
        "QUERY",
        "LABEL / SQL",
        "USER",
        "STATUS",
        "ELAPSED",
        "QUEUED",
    ];
    const DEFAULT_SORT: Sort = Sort {
        column: 0,
        descending: true,
    };

    fn matches(&self, needle: &str) -> bool {
        contains(
            &[
                &self.query_id.to_string(),
                &self.label,
                &self.user,
                &self.query_type,
                self.status.as_str(),
                self.health().label(),
                self.text.get(..200).unwrap_or(&self.text),
                self.error_message.as_deref().unwrap_or(""),
            ],
            needle,
        )
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        match column {
            0 => self
                .health()
                .cmp(&other.health())
                .then(self.started_at.cmp(&other.started_at)),
            2 => self.title().cmp(other.title()),
            3 => self.user.cmp(&other.user),
            4 => self.status.as_str().cmp(other.status.as_str()),
            5 => self.elapsed_micros.cmp(&other.elapsed_micros),
            6 => self.queue_micros.cmp(&other.queue_micros),
            _ => self.query_id.cmp(&other.query_id),
        }
    }

    fn rank(&self, column: usize) -> Option<Rank> {
        match column {
            0 => Some((self.health() as i64, micros(self.started_at))),
            _ => None,
        }
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.query_id.cmp(&other.query_id)
    }

    fn key(&self) -> RowKey {
        RowKey::Item(ItemRef::Query { id: self.query_id })
    }
}

/// The Overview's failures. Sorted by HEALTH they are in the order of their causes: root
/// causes first, each with its consequences under it, then other failures, then degraded
/// items (see [`crate::domain::snapshot::group`]); that is the default.
impl Listed for Failure {
    const COLUMNS: &'static [&'static str] = &["HEALTH", "SOURCE", "ITEM", "REASON", "SINCE"];
    const DEFAULT_SORT: Sort = Sort {
        column: 0,
        descending: false,
    };

    fn matches(&self, needle: &str) -> bool {
        contains(
            &[
                &self.title,
                &self.reason,
                self.health.label(),
                source_name(self),
            ],
            needle,
        )
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        match column {
            0 => self.order.cmp(&other.order),
            1 => source_name(self).cmp(source_name(other)),
            3 => self.reason.cmp(&other.reason),
            4 => self.since.cmp(&other.since),
            _ => self.title.cmp(&other.title),
        }
    }

    fn rank(&self, column: usize) -> Option<Rank> {
        match column {
            0 => Some((i64::from(self.order), 0)),
            4 => Some((micros(self.since), 0)),
            _ => None,
        }
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.item.cmp(&other.item)
    }

    fn key(&self) -> RowKey {
        RowKey::Item(self.item.clone())
    }
}

/// The service a failure comes from, for the Overview's SOURCE column.
pub fn source_name(failure: &Failure) -> &'static str {
    match failure.item {
        ItemRef::Replication { .. } => "DMS",
        ItemRef::WorkflowRun { .. } => "Airflow",
        ItemRef::Query { .. } => "Redshift",
    }
}

impl Listed for BreakdownRow {
    const COLUMNS: &'static [&'static str] =
        &["GROUP", "TOTAL", "SHARE", "CHANGE", "CHANGE%", "TREND"];
    const DEFAULT_SORT: Sort = Sort {
        column: 1,
        descending: true,
    };

    fn matches(&self, needle: &str) -> bool {
        contains(&[&self.key], needle)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        match column {
            0 => self.key.cmp(&other.key),
            3 => self.change.cmp(&other.change),
            4 => self.change_percent.cmp(&other.change_percent),
            _ => self.total.cmp(&other.total),
        }
    }

    fn tie(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }

    fn key(&self) -> RowKey {
        RowKey::Group(self.key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn spend(service: &str, total: i64) -> BreakdownRow {
        BreakdownRow {
            key: service.into(),
            total: Decimal::from(total),
            share: Decimal::ZERO,
            previous: Decimal::ZERO,
            change: Decimal::ZERO,
            change_percent: None,
            amounts: Vec::new(),
            exact_total: Decimal::from(total),
            exact_previous: Decimal::ZERO,
        }
    }

    #[test]
    fn rebuild_filters_sorts_and_keeps_the_selection() {
        let items = vec![spend("S3", 5), spend("Redshift", 9), spend("DMS", 7)];
        let mut view = TableView::new(1, true);
        view.rebuild(&items, None);
        assert_eq!(view.rows, vec![1, 2, 0]);
        view.selected = 1; // DMS
        let keep = view.selected_key(&items);
        let items = vec![spend("DMS", 1), spend("S3", 5), spend("Redshift", 9)];
        view.rebuild(&items, keep);
        assert_eq!(view.selected_index(), Some(0));
        view.filter = "s3".into();
        view.rebuild(&items, None);
        assert_eq!(view.rows, vec![1]);
        assert_eq!(view.selected, 0);
    }
}
