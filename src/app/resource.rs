//! What the model keeps of one source: its data, when it was fetched, its last error.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::source::SourceError;

/// The last known state of one source's data.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    /// The last data that arrived, kept when a later fetch fails.
    pub data: Option<T>,
    /// Wall-clock time of the fetch that produced `data`.
    pub fetched_at: Option<DateTime<Utc>>,
    /// The error of the latest fetch, cleared by the next success.
    pub error: Option<SourceError>,
    /// A request is in flight.
    pub loading: bool,
    /// The source's polling interval; data older than two of them is stale.
    pub interval: Duration,
}

/// How old a resource's data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Nothing has arrived yet.
    Never,
    /// Younger than two polling intervals.
    Fresh(Duration),
    /// Older than two polling intervals: the pane warns.
    Stale(Duration),
}

impl<T> Resource<T> {
    /// An empty resource polled at the given interval.
    pub fn new(interval: Duration) -> Self {
        Resource {
            data: None,
            fetched_at: None,
            error: None,
            loading: false,
            interval,
        }
    }

    /// Takes a fetch's outcome: new data replaces the old; an error keeps the old data.
    pub fn apply(&mut self, fetched_at: DateTime<Utc>, outcome: Result<T, SourceError>) {
        self.loading = false;
        match outcome {
            Ok(data) => {
                self.data = Some(data);
                self.fetched_at = Some(fetched_at);
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// How old the data is at `now`.
    pub fn freshness(&self, now: DateTime<Utc>) -> Freshness {
        let Some(at) = self.fetched_at else {
            return Freshness::Never;
        };
        let age = (now - at).to_std().unwrap_or_default();
        if age > self.interval * 2 {
            Freshness::Stale(age)
        } else {
            Freshness::Fresh(age)
        }
    }
}
