//! The retry rules: what can be retried, in which modes, and why not. The console's
//! dialogs, `opsdeck retry` and the chain's recovery plan all ask here, so a refusal reads
//! the same wherever it is met.
//!
//! What a mode does is said by the mode itself ([`StartMode::effect`],
//! [`TablePrepMode::effect`](super::TablePrepMode::effect)).

use super::{
    QueryRecord, QueryStatus, ReplicationTask, RunState, StartMode, TaskStatus, WorkflowRun,
};

/// What a `reload-target` start is told as, before its name is asked for.
pub const RELOAD_WARNING: &str = "DESTRUCTIVE: every table is reloaded from the source.";

/// True for a task DMS starts again: stopped, failed, or ready (never ran). Not one that
/// runs or is being changed.
pub fn startable(task: &ReplicationTask) -> bool {
    matches!(
        task.status,
        TaskStatus::Stopped | TaskStatus::Failed | TaskStatus::Ready
    )
}

/// True when a task has run before: it has a stop point to resume from, and
/// start-replication is no longer valid for it.
pub fn ran_before(task: &ReplicationTask) -> bool {
    task.status != TaskStatus::Ready
        || task
            .stats
            .as_ref()
            .is_some_and(|s| s.full_load_started.is_some() || s.stopped_at.is_some())
}

/// The mode a retry of the task uses unless told otherwise: resume-processing for a task
/// that ran before (tables already loaded are kept), start-replication for one that never ran.
pub fn default_start_mode(task: &ReplicationTask) -> StartMode {
    if ran_before(task) {
        StartMode::ResumeProcessing
    } else {
        StartMode::StartReplication
    }
}

/// Why a task is left out of a start, as a dialog lists it ("orders-cdc: running (…)").
pub fn not_startable(task: &ReplicationTask) -> String {
    format!(
        "{}: {} (only a stopped or failed task starts again)",
        task.id,
        task.status.as_str()
    )
}

/// Whether `mode` may start the task, and why not.
pub fn check_start(task: &ReplicationTask, mode: StartMode) -> Result<(), String> {
    if !startable(task) {
        return Err(format!(
            "{} is {}: only a stopped or failed task can be started again",
            task.id,
            task.status.as_str()
        ));
    }
    if mode == StartMode::StartReplication && ran_before(task) {
        return Err(format!(
            "{} ran before: start-replication is only for a task that never ran (use \
             --mode resume or --mode reload-target)",
            task.id
        ));
    }
    Ok(())
}

/// The modes one start of these (startable) tasks offers, the first the default: only
/// start-replication when none ran before; resume-processing or reload-target when all did.
/// A mix has no mode valid for all of them.
pub fn start_modes(tasks: &[&ReplicationTask]) -> Result<Vec<StartMode>, String> {
    if tasks.iter().all(|t| !ran_before(t)) {
        Ok(vec![StartMode::StartReplication])
    } else if tasks.iter().any(|t| !ran_before(t)) {
        Err("a task that never ran cannot be resumed: retry it on its own".to_string())
    } else {
        Ok(vec![StartMode::ResumeProcessing, StartMode::ReloadTarget])
    }
}

/// Whether a DAG run is retried (its failed task instances cleared), and why not. A run
/// that did not fail is not retried: a new run is a trigger, another action.
pub fn check_clear(run: &WorkflowRun) -> Result<(), String> {
    if run.state == RunState::Failed {
        Ok(())
    } else {
        Err(format!(
            "{} {} is {}: only a failed run is retried",
            run.dag_id,
            run.run_id,
            run.state.as_str()
        ))
    }
}

/// Why a run is left out of a retry of several, as a dialog lists it.
pub fn not_clearable(run: &WorkflowRun) -> String {
    format!(
        "{} {}: {} (only a failed run is retried)",
        run.dag_id,
        run.run_id,
        run.state.as_str()
    )
}

/// What a clear whose dry run found nothing says.
pub fn nothing_to_clear(dag_id: &str, run_id: &str) -> String {
    format!("{dag_id} {run_id}: nothing to clear (no failed or upstream-failed task)")
}

/// Whether a query's SQL is run again, and why not: only a failed query, and only when the
/// warehouse kept its whole text.
pub fn check_rerun(query: &QueryRecord) -> Result<(), String> {
    if query.status != QueryStatus::Failed {
        return Err(format!(
            "query {} is {}: only a failed query is run again",
            query.query_id,
            query.status.as_str()
        ));
    }
    if query.text_truncated {
        return Err(format!(
            "query {}: the warehouse kept only the start of its SQL; a truncated text is \
             never run again (re-run it from its source, e.g. the dbt model)",
            query.query_id
        ));
    }
    Ok(())
}

/// Whether a query can be cancelled through its process, and why not.
pub fn check_cancel(query: &QueryRecord) -> Result<(), String> {
    if matches!(query.status, QueryStatus::Running | QueryStatus::Queued) {
        Ok(())
    } else {
        Err(format!(
            "query {} is {}: only a running or queued query can be cancelled",
            query.query_id,
            query.status.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::{MigrationType, TaskStats};

    fn task(id: &str, status: &str, ran: bool) -> ReplicationTask {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).unwrap();
        ReplicationTask {
            id: id.into(),
            arn: format!("arn:{id}"),
            source_database: "orders".into(),
            migration_type: MigrationType::parse("full-load"),
            status: TaskStatus::parse(status),
            stop_reason: None,
            last_failure_message: None,
            started_at: ran.then_some(at),
            stats: Some(TaskStats {
                full_load_started: ran.then_some(at),
                ..TaskStats::default()
            }),
            serverless: false,
        }
    }

    #[test]
    fn a_task_that_ran_resumes_and_one_that_never_ran_starts() {
        let failed = task("orders", "failed", true);
        let fresh = task("new", "ready", false);
        assert_eq!(default_start_mode(&failed), StartMode::ResumeProcessing);
        assert_eq!(default_start_mode(&fresh), StartMode::StartReplication);
        assert_eq!(
            start_modes(&[&failed]).unwrap(),
            [StartMode::ResumeProcessing, StartMode::ReloadTarget]
        );
        assert_eq!(
            start_modes(&[&fresh]).unwrap(),
            [StartMode::StartReplication]
        );
        assert!(start_modes(&[&failed, &fresh]).is_err());
        assert!(check_start(&failed, StartMode::ResumeProcessing).is_ok());
        assert!(check_start(&fresh, StartMode::StartReplication).is_ok());
        let err = check_start(&failed, StartMode::StartReplication).unwrap_err();
        assert!(err.contains("orders ran before"), "{err}");
        // A ready task that has a stop point ran before.
        assert!(ran_before(&task("again", "ready", true)));
    }

    #[test]
    fn a_running_task_is_not_started() {
        let running = task("orders-cdc", "running", true);
        assert!(!startable(&running));
        assert_eq!(
            check_start(&running, StartMode::ResumeProcessing).unwrap_err(),
            "orders-cdc is running: only a stopped or failed task can be started again"
        );
        assert_eq!(
            not_startable(&running),
            "orders-cdc: running (only a stopped or failed task starts again)"
        );
    }
}
