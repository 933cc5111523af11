//! Warehouse queries (Redshift's SYS_QUERY_HISTORY rows) and their health.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Health;

/// The status of a warehouse query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryStatus {
    Planning,
    Queued,
    Running,
    Returning,
    Failed,
    Canceled,
    Success,
    Other(String),
}

impl QueryStatus {
    /// Reads the warehouse's spelling; an unknown status is kept.
    pub fn parse(raw: &str) -> Self {
        match raw.trim().to_ascii_lowercase().as_str() {
            "planning" => QueryStatus::Planning,
            "queued" => QueryStatus::Queued,
            "running" => QueryStatus::Running,
            "returning" => QueryStatus::Returning,
            "failed" => QueryStatus::Failed,
            "canceled" | "cancelled" => QueryStatus::Canceled,
            "success" => QueryStatus::Success,
            _ => QueryStatus::Other(raw.to_string()),
        }
    }

    /// The warehouse's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            QueryStatus::Planning => "planning",
            QueryStatus::Queued => "queued",
            QueryStatus::Running => "running",
            QueryStatus::Returning => "returning",
            QueryStatus::Failed => "failed",
            QueryStatus::Canceled => "canceled",
            QueryStatus::Success => "success",
            QueryStatus::Other(s) => s,
        }
    }

    /// True while the query has not ended.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            QueryStatus::Planning
                | QueryStatus::Queued
                | QueryStatus::Running
                | QueryStatus::Returning
        )
    }
}

/// Limits above which a query counts as slow or starved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryThresholds {
    /// Elapsed time past which an active or finished query is "slow".
    pub slow_micros: u64,
    /// Queue time past which a query is "starved".
    pub queued_micros: u64,
}

impl Default for QueryThresholds {
    fn default() -> Self {
        QueryThresholds {
            slow_micros: 15 * 60 * 1_000_000,
            queued_micros: 5 * 60 * 1_000_000,
        }
    }
}

/// One warehouse query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRecord {
    pub query_id: i64,
    /// The query label (a dbt model, a dashboard name), empty when none.
    pub label: String,
    pub user: String,
    pub database: String,
    /// SELECT, INSERT, COPY, CTAS, …
    pub query_type: String,
    pub status: QueryStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Microseconds, as the system views count them.
    pub elapsed_micros: u64,
    pub queue_micros: u64,
    pub execution_micros: u64,
    pub error_message: Option<String>,
    pub returned_rows: Option<i64>,
    /// Shared: dashboards and dbt send the same SQL all day, and a copy of the list
    /// (the next poll) shares the texts of the last one.
    pub text: Arc<str>,
    /// True when the warehouse cut the text (SYS_QUERY_HISTORY keeps 4000 characters).
    pub text_truncated: bool,
    /// Megabytes written to disk because memory ran out, when known.
    pub spilled_mb: Option<u64>,
    /// The process running the query (SYS_QUERY_HISTORY's session_id), for a cancel.
    pub pid: Option<i64>,
}

impl QueryRecord {
    /// The health of the query under the default thresholds.
    pub fn health(&self) -> Health {
        self.health_with(QueryThresholds::default())
    }

    /// The health of the query under the given thresholds.
    pub fn health_with(&self, limits: QueryThresholds) -> Health {
        match &self.status {
            QueryStatus::Failed => Health::Failed,
            QueryStatus::Other(_) => Health::Unknown,
            _ if self.is_troubled(limits) => Health::Degraded,
            QueryStatus::Canceled => Health::Degraded,
            status if status.is_active() => Health::Running,
            _ => Health::Ok,
        }
    }

    fn is_troubled(&self, limits: QueryThresholds) -> bool {
        self.elapsed_micros > limits.slow_micros
            || self.queue_micros > limits.queued_micros
            || self.spilled_mb.is_some_and(|mb| mb > 0)
    }

    /// Why the query is unhealthy, in one line, when it is.
    pub fn problem(&self) -> Option<String> {
        let limits = QueryThresholds::default();
        match self.health_with(limits) {
            Health::Failed => Some(
                self.error_message
                    .clone()
                    .unwrap_or_else(|| "query failed".to_string()),
            ),
            Health::Degraded => {
                let mut why = Vec::new();
                if self.status == QueryStatus::Canceled {
                    why.push("canceled".to_string());
                }
                if self.elapsed_micros > limits.slow_micros {
                    why.push(format!("slow: {}", micros_text(self.elapsed_micros)));
                }
                if self.queue_micros > limits.queued_micros {
                    why.push(format!("queued {}", micros_text(self.queue_micros)));
                }
                if let Some(mb) = self.spilled_mb.filter(|mb| *mb > 0) {
                    why.push(format!("spilled {mb} MB to disk"));
                }
                Some(why.join(", "))
            }
            _ => None,
        }
    }

    /// The label if there is one, else the start of the SQL.
    pub fn title(&self) -> &str {
        if self.label.is_empty() {
            self.text.lines().next().unwrap_or("")
        } else {
            &self.label
        }
    }
}

/// "4m 12s" for microseconds.
fn micros_text(micros: u64) -> String {
    let secs = micros / 1_000_000;
    if secs >= 3600 {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn query(status: &str) -> QueryRecord {
        QueryRecord {
            query_id: 1,
            label: String::new(),
            user: "dbt".into(),
            database: "analytics".into(),
            query_type: "SELECT".into(),
            status: QueryStatus::parse(status),
            started_at: None,
            ended_at: None,
            elapsed_micros: 1_000_000,
            queue_micros: 0,
            execution_micros: 1_000_000,
            error_message: None,
            returned_rows: None,
            text: "select 1".into(),
            text_truncated: false,
            spilled_mb: None,
            pid: None,
        }
    }

    #[test]
    fn query_health() {
        assert_eq!(query("success").health(), Health::Ok);
        assert_eq!(query("running").health(), Health::Running);
        assert_eq!(query("failed").health(), Health::Failed);
        assert_eq!(query("???").health(), Health::Unknown);
        let mut slow = query("running");
        slow.elapsed_micros = 20 * 60 * 1_000_000;
        assert_eq!(slow.health(), Health::Degraded);
        assert_eq!(slow.problem().as_deref(), Some("slow: 20m 00s"));
        let mut spilled = query("success");
        spilled.spilled_mb = Some(2048);
        assert_eq!(
            spilled.problem().as_deref(),
            Some("spilled 2048 MB to disk")
        );
    }
}
