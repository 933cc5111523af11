//! The nightly chain of stages (DMS loads → clean → dbt → marts) and its status.

use chrono::{DateTime, Utc};

use super::{Health, HealthCounts, ReplicationTask, WorkflowRun};

/// Which items make up a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageSelector {
    /// Replication tasks whose identifier matches a pattern (`*` matches any run of characters).
    Replication { pattern: String },
    /// The latest run of one workflow (DAG).
    Workflow { dag_id: String },
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDefinition {
    pub name: String,
    pub selector: StageSelector,
    /// The cost stage (`[[cost.stage]]` name) whose last night's cost the chain shows.
    pub cost: Option<String>,
}

/// A named chain of stages, run in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineDefinition {
    pub name: String,
    pub stages: Vec<StageDefinition>,
}

/// How one stage is doing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageStatus {
    pub name: String,
    pub health: Health,
    /// A few words: "6/6 ok", "running", "failed: dbt test", "no data".
    pub detail: String,
    pub since: Option<DateTime<Utc>>,
}

impl PipelineDefinition {
    /// The status of every stage from what the sources last returned.
    ///
    /// A source that has not answered yet is passed as `None`, and its stages say "no data".
    pub fn status(
        &self,
        tasks: Option<&[ReplicationTask]>,
        runs: Option<&[WorkflowRun]>,
    ) -> Vec<StageStatus> {
        self.stages
            .iter()
            .map(|stage| stage.status(tasks, runs))
            .collect()
    }
}

impl StageDefinition {
    fn status(
        &self,
        tasks: Option<&[ReplicationTask]>,
        runs: Option<&[WorkflowRun]>,
    ) -> StageStatus {
        let no_data = || StageStatus {
            name: self.name.clone(),
            health: Health::Unknown,
            detail: "no data".to_string(),
            since: None,
        };
        match &self.selector {
            StageSelector::Replication { pattern } => {
                let Some(tasks) = tasks else { return no_data() };
                let matching: Vec<&ReplicationTask> = tasks
                    .iter()
                    .filter(|t| wildcard_match(pattern, &t.id))
                    .collect();
                if matching.is_empty() {
                    return StageStatus {
                        detail: "no tasks match".to_string(),
                        ..no_data()
                    };
                }
                let counts = HealthCounts::tally(matching.iter().map(|t| t.health()));
                let health = counts.overall();
                let detail = match health {
                    Health::Failed => format!("{} failed of {}", counts.failed, counts.total()),
                    Health::Degraded => {
                        format!("{} degraded of {}", counts.degraded, counts.total())
                    }
                    Health::Running => format!("{} running of {}", counts.running, counts.total()),
                    _ => format!("{}/{} ok", counts.ok, counts.total()),
                };
                let since = matching.iter().filter_map(|t| t.since()).max();
                StageStatus {
                    name: self.name.clone(),
                    health,
                    detail,
                    since,
                }
            }
            StageSelector::Workflow { dag_id } => {
                let Some(runs) = runs else { return no_data() };
                let latest = runs
                    .iter()
                    .filter(|r| &r.dag_id == dag_id)
                    .max_by_key(|r| (r.logical_date, r.started_at));
                match latest {
                    None => StageStatus {
                        detail: "no runs".to_string(),
                        ..no_data()
                    },
                    Some(run) => StageStatus {
                        name: self.name.clone(),
                        health: run.health(),
                        detail: run.state.as_str().to_string(),
                        since: run.since(),
                    },
                }
            }
        }
    }
}

/// Matches `text` against a pattern where `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*-nightly", "orders-nightly"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("orders", "orders"));
        assert!(!wildcard_match("orders", "orders2"));
        assert!(wildcard_match("a*b*c", "aXbYc"));
        assert!(!wildcard_match("a*b*c", "aXcYb"));
        assert!(!wildcard_match("ab*ba", "aba"));
    }
}
