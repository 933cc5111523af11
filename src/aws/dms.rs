//! DMS: replication tasks (DescribeReplicationTasks, without their large settings),
//! DMS Serverless replications (DescribeReplications) in the same list, and table
//! statistics of one task or replication on demand; the retries: StartReplicationTask /
//! StartReplication and ReloadTables / ReloadReplicationTables.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_databasemigration::Client;
use aws_sdk_databasemigration::config::http::HttpResponse;
use aws_sdk_databasemigration::error::SdkError;
use aws_sdk_databasemigration::operation::RequestId;
use aws_sdk_databasemigration::types::{
    Filter, ReloadOptionValue, Replication, ReplicationStats, ReplicationTaskStats,
    StartReplicationTaskTypeValue, TableToReload,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::action_error;
use super::{ErrorContext, source_error, time_of};
use crate::config::DmsConfig;
use crate::domain::pipeline::wildcard_match;
use crate::domain::replication::{MigrationType, TableState, TaskStats, TaskStatus};
use crate::domain::{
    ActionOutcome, MAX_RELOAD_TABLES, ReplicationTask, StartMode, TableName, TablePrepMode,
    TableStatistics, TaskSettings,
};
use crate::source::{ErrorKind, ReplicationSource, SourceError, SourceResult};

/// Records per page of a task listing (the service allows 20 to 100).
const TASK_PAGE: i32 = 100;
/// Records per page of table statistics (the service allows up to 500).
const TABLE_PAGE: i32 = 500;
/// Pages read at most per listing, so a service that keeps answering with a marker cannot
/// keep a poll going forever (100 000 tasks).
const MAX_PAGES: usize = 1000;

/// The DMS adapter of one environment.
pub struct Dms {
    client: Client,
    scope: DmsConfig,
    context: ErrorContext,
    /// Identifier → (ARN, serverless) of the last listing, for table statistics by id.
    known: Mutex<HashMap<String, (String, bool)>>,
}

impl Dms {
    /// An adapter over a DMS client, showing the tasks the scope selects.
    pub fn new(client: Client, scope: DmsConfig, context: ErrorContext) -> Self {
        Dms {
            client,
            scope,
            context,
            known: Mutex::new(HashMap::new()),
        }
    }

    fn in_scope(&self, id: &str) -> bool {
        self.scope.tasks.is_empty() || self.scope.tasks.iter().any(|p| wildcard_match(p, id))
    }

    async fn classic_tasks(&self) -> SourceResult<Vec<ReplicationTask>> {
        let mut tasks = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .describe_replication_tasks()
                .without_settings(true)
                .max_records(TASK_PAGE)
                .set_marker(marker.take())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                // An account with no tasks answers "not found" rather than an empty list.
                Err(e) if is_not_found(&e) => break,
                Err(e) => return Err(source_error(e, &self.context)),
            };
            tasks.extend(page.replication_tasks().iter().filter_map(task_of));
            marker = page.marker().filter(|m| !m.is_empty()).map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
        Ok(tasks)
    }

    async fn serverless_replications(&self) -> SourceResult<Vec<ReplicationTask>> {
        let mut tasks = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .describe_replications()
                .max_records(TASK_PAGE)
                .set_marker(marker.take())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) if is_not_found(&e) => break,
                Err(e) => return Err(source_error(e, &self.context)),
            };
            tasks.extend(page.replications().iter().filter_map(replication_of));
            marker = page.marker().filter(|m| !m.is_empty()).map(str::to_string);
            if marker.is_none() {
                break;
            }
        }
        Ok(tasks)
    }

    /// The ARN of a task by identifier: from the last listing, or asked of the service.
    async fn arn_of(&self, task_id: &str) -> SourceResult<(String, bool)> {
        if let Some(found) = self.known_lock().get(task_id) {
            return Ok(found.clone());
        }
        let answer = self
            .client
            .describe_replication_tasks()
            .without_settings(true)
            .filters(
                Filter::builder()
                    .name("replication-task-id")
                    .values(task_id)
                    .build()
                    .map_err(|e| SourceError::new(ErrorKind::Rejected, e.to_string()))?,
            )
            .send()
            .await;
        let found = match answer {
            Ok(page) => page
                .replication_tasks()
                .iter()
                .find_map(|t| t.replication_task_arn().map(str::to_string)),
            Err(e) if is_not_found(&e) => None,
            Err(e) => return Err(source_error(e, &self.context)),
        };
        found.map(|arn| (arn, false)).ok_or_else(|| {
            SourceError::new(
                ErrorKind::NotFound,
                format!("DMS: replication task {task_id} not found"),
            )
        })
    }

    fn known_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, bool)>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The identifier of a task by ARN, from the last listing; the ARN when it is not known.
    fn name_of(&self, arn: &str) -> String {
        self.known_lock()
            .iter()
            .find(|(_, (known, _))| known == arn)
            .map_or_else(|| arn.to_string(), |(id, _)| id.clone())
    }

    /// The error of a retry, with its request id and a hint for the refusals a retry meets.
    fn action_failed<E>(&self, error: SdkError<E, HttpResponse>, state_hint: &str) -> SourceError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let code = error.code().map(str::to_string);
        let mapped = action_error(error, &self.context);
        match code.as_deref() {
            Some("InvalidResourceStateFault") => mapped.with_hint(state_hint),
            // DMS also says AccessDeniedFault when its own service role cannot reach an
            // endpoint: the hint must not send the operator to IAM alone.
            Some("AccessDeniedFault") => mapped.with_hint(
                "either opsdeck's role lacks the permission (see docs/iam) or DMS's role \
                 cannot reach an endpoint of the task: the message says which",
            ),
            _ => mapped,
        }
    }
}

/// What an InvalidResourceStateFault of a start means.
const START_STATE_HINT: &str = "the task cannot start from its current state: it may be \
     starting or running already, or still being created or modified";
/// What an InvalidResourceStateFault of a reload means.
const RELOAD_STATE_HINT: &str = "ReloadTables works only while the task is running: start \
     it (resume-processing) first, or reload every table with reload-target";

/// The message of a start: the task's name, the state the service answered, the mode.
fn start_message(name: &str, status: Option<&str>, mode: StartMode) -> String {
    match status.map(str::trim).filter(|s| !s.is_empty()) {
        Some(status) => format!("{name} {status} ({mode})"),
        None => format!("{name}: start sent ({mode})"),
    }
}

#[async_trait]
impl ReplicationSource for Dms {
    async fn tasks(&self) -> SourceResult<Vec<ReplicationTask>> {
        // The two listings are independent: asked at once.
        let serverless = async {
            if self.scope.serverless {
                Some(self.serverless_replications().await)
            } else {
                None
            }
        };
        let (classic, serverless) = tokio::join!(self.classic_tasks(), serverless);
        let mut tasks = classic?;
        match serverless {
            Some(Ok(replications)) => tasks.extend(replications),
            // A role without dms:DescribeReplications, or a service that fails to answer
            // it, must not blank the classic tasks already read.
            Some(Err(error)) => {
                tracing::warn!(%error, "DMS Serverless replications not listed; classic tasks shown");
            }
            None => {}
        }
        tasks.retain(|t| self.in_scope(&t.id));
        let mut known = self.known_lock();
        known.clear();
        known.extend(
            tasks
                .iter()
                .map(|t| (t.id.clone(), (t.arn.clone(), t.serverless))),
        );
        Ok(tasks)
    }

    async fn table_statistics(&self, task_id: &str) -> SourceResult<Vec<TableStatistics>> {
        let (arn, serverless) = self.arn_of(task_id).await?;
        let mut tables = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let (page, next) = if serverless {
                let answer = self
                    .client
                    .describe_replication_table_statistics()
                    .replication_config_arn(&arn)
                    .max_records(TABLE_PAGE)
                    .set_marker(marker.take())
                    .send()
                    .await
                    .map_err(|e| source_error(e, &self.context))?;
                let page: Vec<_> = answer
                    .replication_table_statistics()
                    .iter()
                    .map(table_of)
                    .collect();
                (page, answer.marker().map(str::to_string))
            } else {
                let answer = self
                    .client
                    .describe_table_statistics()
                    .replication_task_arn(&arn)
                    .max_records(TABLE_PAGE)
                    .set_marker(marker.take())
                    .send()
                    .await
                    .map_err(|e| source_error(e, &self.context))?;
                let page: Vec<_> = answer.table_statistics().iter().map(table_of).collect();
                (page, answer.marker().map(str::to_string))
            };
            tables.extend(page);
            marker = next.filter(|m| !m.is_empty());
            if marker.is_none() {
                break;
            }
        }
        Ok(tables)
    }

    async fn task_settings(&self, task_id: &str) -> SourceResult<TaskSettings> {
        let (arn, serverless) = self.arn_of(task_id).await?;
        let filter = |name: &str| {
            Filter::builder()
                .name(name)
                .values(&arn)
                .build()
                .map_err(|e| SourceError::new(ErrorKind::Rejected, e.to_string()))
        };
        // A serverless replication keeps its settings in its replication config.
        let json = if serverless {
            let answer = self
                .client
                .describe_replication_configs()
                .filters(filter("replication-config-arn")?)
                .send()
                .await
                .map_err(|e| source_error(e, &self.context))?;
            answer
                .replication_configs()
                .first()
                .and_then(|c| c.replication_settings())
                .map(str::to_string)
        } else {
            let answer = self
                .client
                .describe_replication_tasks()
                .without_settings(false)
                .filters(filter("replication-task-arn")?)
                .send()
                .await
                .map_err(|e| source_error(e, &self.context))?;
            answer
                .replication_tasks()
                .first()
                .and_then(|t| t.replication_task_settings())
                .map(str::to_string)
        };
        match json {
            Some(json) => settings_of(&json).map_err(|e| {
                SourceError::new(
                    ErrorKind::BadResponse,
                    format!("DMS: the settings of {task_id} are not readable JSON: {e}"),
                )
            }),
            None => Ok(TaskSettings::default()),
        }
    }

    async fn start_task(
        &self,
        arn: &str,
        serverless: bool,
        mode: StartMode,
    ) -> SourceResult<ActionOutcome> {
        if serverless {
            let answer = self
                .client
                .start_replication()
                .replication_config_arn(arn)
                .start_replication_type(mode.as_str())
                .customize()
                .config_override(sent_once())
                .send()
                .await
                .map_err(|e| self.action_failed(e, START_STATE_HINT))?;
            let replication = answer.replication();
            let name = replication
                .and_then(|r| r.replication_config_identifier())
                .map_or_else(|| self.name_of(arn), str::to_string);
            Ok(ActionOutcome {
                request_id: answer.request_id().map(str::to_string),
                message: start_message(&name, replication.and_then(|r| r.status()), mode),
                created: None,
            })
        } else {
            let answer = self
                .client
                .start_replication_task()
                .replication_task_arn(arn)
                .start_replication_task_type(StartReplicationTaskTypeValue::from(mode.as_str()))
                .customize()
                .config_override(sent_once())
                .send()
                .await
                .map_err(|e| self.action_failed(e, START_STATE_HINT))?;
            let task = answer.replication_task();
            let name = task
                .and_then(|t| t.replication_task_identifier())
                .map_or_else(|| self.name_of(arn), str::to_string);
            Ok(ActionOutcome {
                request_id: answer.request_id().map(str::to_string),
                message: start_message(&name, task.and_then(|t| t.status()), mode),
                created: None,
            })
        }
    }

    async fn reload_tables(
        &self,
        arn: &str,
        serverless: bool,
        tables: &[TableName],
    ) -> SourceResult<ActionOutcome> {
        // Refused here, before anything is sent: the service would refuse it too, and a
        // partial reload split behind the operator's back is not what they confirmed.
        if tables.is_empty() {
            return Err(SourceError::new(
                ErrorKind::Rejected,
                "DMS: no table chosen to reload",
            ));
        }
        if tables.len() > MAX_RELOAD_TABLES {
            return Err(SourceError::new(
                ErrorKind::Rejected,
                format!(
                    "DMS: {} tables chosen, ReloadTables takes at most {MAX_RELOAD_TABLES}",
                    tables.len()
                ),
            )
            .with_hint(format!(
                "reload at most {MAX_RELOAD_TABLES} at a time, or every table with reload-target"
            )));
        }
        let to_reload = tables
            .iter()
            .map(|t| {
                TableToReload::builder()
                    .schema_name(&t.schema)
                    .table_name(&t.table)
                    .build()
                    .map_err(|e| SourceError::new(ErrorKind::Rejected, e.to_string()))
            })
            .collect::<SourceResult<Vec<_>>>()?;
        let request_id = if serverless {
            self.client
                .reload_replication_tables()
                .replication_config_arn(arn)
                .set_tables_to_reload(Some(to_reload))
                .reload_option(ReloadOptionValue::DataReload)
                .customize()
                .config_override(sent_once())
                .send()
                .await
                .map_err(|e| self.action_failed(e, RELOAD_STATE_HINT))?
                .request_id()
                .map(str::to_string)
        } else {
            self.client
                .reload_tables()
                .replication_task_arn(arn)
                .set_tables_to_reload(Some(to_reload))
                .reload_option(ReloadOptionValue::DataReload)
                .customize()
                .config_override(sent_once())
                .send()
                .await
                .map_err(|e| self.action_failed(e, RELOAD_STATE_HINT))?
                .request_id()
                .map(str::to_string)
        };
        Ok(ActionOutcome {
            request_id,
            message: format!(
                "{}: {} table(s) reloading (data-reload)",
                self.name_of(arn),
                tables.len()
            ),
            created: None,
        })
    }
}

/// The settings an operator needs from a task's settings JSON; what is missing stays
/// unknown.
pub fn settings_of(json: &str) -> Result<TaskSettings, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    Ok(TaskSettings {
        target_table_prep_mode: value
            .pointer("/FullLoadSettings/TargetTablePrepMode")
            .and_then(serde_json::Value::as_str)
            .map(TablePrepMode::parse),
    })
}

fn is_not_found<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(error: &E) -> bool {
    error.code() == Some("ResourceNotFoundFault")
}

/// A classic task; one without an identifier is not one the operator could name.
fn task_of(task: &aws_sdk_databasemigration::types::ReplicationTask) -> Option<ReplicationTask> {
    Some(ReplicationTask {
        id: task.replication_task_identifier()?.to_string(),
        arn: task.replication_task_arn().unwrap_or_default().to_string(),
        source_database: String::new(),
        migration_type: MigrationType::parse(
            task.migration_type().map(|m| m.as_str()).unwrap_or(""),
        ),
        status: TaskStatus::parse(task.status().unwrap_or("")),
        stop_reason: task.stop_reason().map(str::to_string),
        last_failure_message: task
            .last_failure_message()
            .filter(|m| !m.is_empty())
            .map(Into::into),
        started_at: task.replication_task_start_date().and_then(time_of),
        stats: task.replication_task_stats().map(task_stats),
        serverless: false,
    })
}

fn task_stats(s: &ReplicationTaskStats) -> TaskStats {
    TaskStats {
        full_load_progress_percent: percent(s.full_load_progress_percent()),
        elapsed_millis: u64::try_from(s.elapsed_time_millis()).unwrap_or(0),
        tables_loaded: count(s.tables_loaded()),
        tables_loading: count(s.tables_loading()),
        tables_queued: count(s.tables_queued()),
        tables_errored: count(s.tables_errored()),
        full_load_started: s.full_load_start_date().and_then(time_of),
        full_load_finished: s.full_load_finish_date().and_then(time_of),
        stopped_at: s.stop_date().and_then(time_of),
    }
}

/// A DMS Serverless replication, in the same shape as a task.
fn replication_of(r: &Replication) -> Option<ReplicationTask> {
    let failures = r.failure_messages();
    Some(ReplicationTask {
        id: r.replication_config_identifier()?.to_string(),
        arn: r.replication_config_arn().unwrap_or_default().to_string(),
        source_database: String::new(),
        migration_type: MigrationType::parse(
            r.replication_type().map(|m| m.as_str()).unwrap_or(""),
        ),
        status: TaskStatus::parse(r.status().unwrap_or("")),
        stop_reason: r.stop_reason().map(str::to_string),
        last_failure_message: (!failures.is_empty()).then(|| failures.join("; ").into()),
        started_at: r
            .replication_stats()
            .and_then(|s| s.start_date())
            .or(r.replication_create_time())
            .and_then(time_of),
        stats: r.replication_stats().map(replication_stats),
        serverless: true,
    })
}

fn replication_stats(s: &ReplicationStats) -> TaskStats {
    TaskStats {
        full_load_progress_percent: percent(s.full_load_progress_percent()),
        elapsed_millis: u64::try_from(s.elapsed_time_millis()).unwrap_or(0),
        tables_loaded: count(s.tables_loaded()),
        tables_loading: count(s.tables_loading()),
        tables_queued: count(s.tables_queued()),
        tables_errored: count(s.tables_errored()),
        full_load_started: s.full_load_start_date().and_then(time_of),
        full_load_finished: s.full_load_finish_date().and_then(time_of),
        stopped_at: s.stop_date().and_then(time_of),
    }
}

fn table_of(t: &aws_sdk_databasemigration::types::TableStatistics) -> TableStatistics {
    TableStatistics {
        schema: t.schema_name().unwrap_or_default().to_string(),
        table: t.table_name().unwrap_or_default().to_string(),
        state: TableState::parse(t.table_state().unwrap_or("")),
        full_load_rows: rows(t.full_load_rows()),
        inserts: rows(t.inserts()),
        updates: rows(t.updates()),
        deletes: rows(t.deletes()),
        ddls: rows(t.ddls()),
        last_update: t.last_update_time().and_then(time_of),
    }
}

/// A percentage clamped to 0..=100 (a service bug must not draw a bar past its end).
fn percent(value: i32) -> u8 {
    u8::try_from(value.clamp(0, 100)).unwrap_or(0)
}

fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn rows(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A change is sent once: the SDK's own retry of a call whose answer was lost would start
/// (or reload) again, or report "already starting" for a start that happened. A refusal or
/// a throttled call is said, and the operator asks again.
fn sent_once() -> aws_sdk_databasemigration::config::Builder {
    aws_sdk_databasemigration::config::Builder::default()
        .retry_config(aws_sdk_databasemigration::config::retry::RetryConfig::disabled())
}
