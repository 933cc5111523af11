//! Carries out actions on an environment's sources, for the console and `opsdeck retry`
//! alike: refused in read-only mode, written to the audit log before the call (an action
//! that cannot be recorded is not done) and again with its outcome.

use std::sync::Arc;
use std::time::Instant;

use crate::actions::audit::{AuditContext, AuditId, AuditLog, Interface, Settled, unknown_caller};
use crate::domain::{Action, ActionOutcome, ClearScope, ClearedTask};
use crate::source::{ErrorKind, SourceError, SourceResult, Sources};

/// The actions of one environment.
#[derive(Clone)]
pub struct Actor {
    pub sources: Sources,
    /// The environment's name, for the audit log.
    pub environment: String,
    pub read_only: bool,
    /// Read-only because `--read-only` was given (a refusal then does not offer `--write`).
    pub read_only_by_flag: bool,
    /// None when the log could not be opened: then every action is refused.
    pub audit: Option<Arc<AuditLog>>,
    pub interface: Interface,
}

impl Actor {
    async fn context(&self) -> AuditContext {
        let caller = match self.sources.identity.caller().await {
            Ok(caller) => caller,
            Err(error) => unknown_caller(error),
        };
        AuditContext {
            environment: self.environment.clone(),
            caller,
            interface: self.interface,
        }
    }

    /// Carries one action out; the refusals and failures come back as errors.
    pub async fn perform(&self, action: &Action) -> SourceResult<ActionOutcome> {
        self.perform_recorded(action).await.0
    }

    /// Like [`perform`](Self::perform), with the id of its audit record (none when the
    /// action was refused before its call), for [`settled`](Self::settled).
    pub async fn perform_recorded(
        &self,
        action: &Action,
    ) -> (SourceResult<ActionOutcome>, Option<AuditId>) {
        match self.call(action).await {
            Ok((result, id)) => (result, Some(id)),
            Err(refused) => (Err(refused), None),
        }
    }

    /// Records a recovery plan of `pipeline` before its first step (none when there is
    /// no log: then no step is done either).
    pub async fn begin_plan(&self, pipeline: &str, steps: &[String]) -> Option<AuditId> {
        let audit = self.audit.as_ref()?;
        let context = self.context().await;
        let written = blocking({
            let (audit, pipeline, steps) = (audit.clone(), pipeline.to_string(), steps.to_vec());
            move || audit.begin_plan(&pipeline, &steps, &context)
        })
        .await;
        written
            .map_err(|error| tracing::error!(%error, "cannot write a plan to the audit log"))
            .ok()
    }

    /// Records how the plan `id` ended.
    pub async fn end_plan(&self, id: &AuditId, ok: bool, message: &str, took: std::time::Duration) {
        let Some(audit) = &self.audit else {
            return;
        };
        let written = blocking({
            let (audit, id, message) = (audit.clone(), id.clone(), message.to_string());
            move || audit.finish_plan(&id, ok, &message, took)
        })
        .await;
        if let Err(error) = written {
            tracing::error!(%error, "cannot write how a plan ended to the audit log");
        }
    }

    /// Records how the followed action `id` ended.
    pub async fn settled(&self, id: &AuditId, settled: Settled, message: &str) {
        let Some(audit) = &self.audit else {
            return;
        };
        let written = blocking({
            let (audit, id, message) = (audit.clone(), id.clone(), message.to_string());
            move || audit.settled(&id, settled, &message)
        })
        .await;
        if let Err(error) = written {
            tracing::error!(%error, "cannot write how an action ended to the audit log");
        }
    }

    /// The call, recorded: a refusal before it is the error; otherwise the source's
    /// answer and the record's id.
    async fn call(
        &self,
        action: &Action,
    ) -> Result<(SourceResult<ActionOutcome>, AuditId), SourceError> {
        if self.read_only {
            let reason = format!("environment {} is read-only", self.environment);
            self.refuse(action, &reason).await;
            return Err(SourceError::new(ErrorKind::Rejected, reason).with_hint(
                crate::domain::environment::allow_actions_hint(self.read_only_by_flag),
            ));
        }
        let Some(audit) = &self.audit else {
            return Err(SourceError::new(
                ErrorKind::Rejected,
                "the audit log cannot be opened: no action is done unrecorded",
            )
            .with_hint("see `opsdeck info` for the state directory"));
        };
        let context = self.context().await;
        // Each record is synced to disk: written off the console's thread.
        let id = blocking({
            let (audit, action) = (audit.clone(), action.clone());
            move || audit.begin(&action, &context)
        })
        .await
        .map_err(|e| {
            SourceError::new(
                ErrorKind::Rejected,
                format!(
                    "cannot write the audit log {}: {e}; nothing was done",
                    audit.path().display()
                ),
            )
        })?;
        let started = Instant::now();
        let result = dispatch(&self.sources, action).await;
        let took = started.elapsed();
        let finished = blocking({
            let (audit, outcome, id) = (audit.clone(), result.clone(), id.clone());
            move || match &outcome {
                Ok(outcome) => audit.finish(&id, Ok(outcome), took),
                Err(error) => audit.finish(&id, Err(&error.to_string()), took),
            }
        })
        .await;
        if let Err(error) = finished {
            tracing::error!(%error, "cannot write an action's outcome to the audit log");
        }
        Ok((result, id))
    }

    /// Records an action that was refused before any call.
    pub async fn refuse(&self, action: &Action, reason: &str) {
        let Some(audit) = &self.audit else {
            return;
        };
        let context = self.context().await;
        let refused = blocking({
            let (audit, action, reason) = (audit.clone(), action.clone(), reason.to_string());
            move || audit.refused(&action, &context, &reason).map(|_| ())
        })
        .await;
        if let Err(error) = refused {
            tracing::error!(%error, "cannot write a refusal to the audit log");
        }
    }

    /// The dry run of a clear: what it would reset. Changes nothing, so it is not
    /// recorded, and read-only mode allows it.
    pub async fn preview_clear(
        &self,
        dag_id: &str,
        run_id: &str,
        scope: &ClearScope,
    ) -> SourceResult<Vec<ClearedTask>> {
        self.sources
            .workflow
            .clear(dag_id, run_id, scope, true)
            .await
    }
}

/// Runs a write of the audit log on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    write: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(write)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

/// The source call that carries an action out.
async fn dispatch(sources: &Sources, action: &Action) -> SourceResult<ActionOutcome> {
    match action {
        Action::StartTask {
            arn,
            serverless,
            mode,
            ..
        } => {
            sources
                .replication
                .start_task(arn, *serverless, *mode)
                .await
        }
        Action::ReloadTables {
            arn,
            serverless,
            tables,
            ..
        } => {
            sources
                .replication
                .reload_tables(arn, *serverless, tables)
                .await
        }
        Action::ClearRun {
            dag_id,
            run_id,
            scope,
        } => {
            let cleared = sources.workflow.clear(dag_id, run_id, scope, false).await?;
            let names: Vec<&str> = cleared.iter().map(|t| t.task_id.as_str()).collect();
            Ok(ActionOutcome {
                request_id: None,
                message: if names.is_empty() {
                    "nothing was left to clear".to_string()
                } else {
                    format!(
                        "{} task instance(s) cleared: {}",
                        names.len(),
                        names.join(", ")
                    )
                },
                created: None,
            })
        }
        Action::TriggerDag { dag_id } => sources.workflow.trigger(dag_id).await,
        Action::RerunQuery { database, sql, .. } => {
            sources.warehouse.rerun(database.as_deref(), sql).await
        }
        Action::CancelQuery {
            statement: Some(statement),
            ..
        } => sources.warehouse.cancel_statement(statement).await,
        Action::CancelQuery { query_id, pid, .. } => {
            sources.warehouse.cancel(*query_id, *pid).await
        }
    }
}
