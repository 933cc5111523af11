//! Redshift query health through the Data API: one statement over the system views
//! (`SYS_QUERY_HISTORY`, with the first `SYS_LOAD_ERROR_DETAIL` row of each failed COPY),
//! run with ExecuteStatement, waited for with DescribeStatement, read with
//! GetStatementResult. Works for provisioned clusters and Serverless workgroups.
//!
//! The actions go through the same Data API: a re-run is a new ExecuteStatement of the
//! query's SQL (submitted, not waited for, then followed with DescribeStatement); a cancel
//! runs `pg_cancel_backend` on the query's process as one of the console's own statements,
//! or CancelStatement when the query is a statement the console submitted.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_redshiftdata::Client;
use aws_sdk_redshiftdata::config::http::HttpResponse;
use aws_sdk_redshiftdata::error::SdkError;
use aws_sdk_redshiftdata::operation::RequestId;
use aws_sdk_redshiftdata::operation::describe_statement::DescribeStatementOutput;
use aws_sdk_redshiftdata::operation::execute_statement::builders::ExecuteStatementFluentBuilder;
use aws_sdk_redshiftdata::operation::execute_statement::{
    ExecuteStatementError, ExecuteStatementOutput,
};
use aws_sdk_redshiftdata::types::{Field, StatusString};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, NaiveDateTime, Utc};
use tokio::sync::Mutex;

use super::error::action_error;
use super::{ErrorContext, source_error};
use crate::config::{RedshiftAuth, RedshiftConfig, RedshiftTarget};
use crate::domain::{ActionOutcome, QueryRecord, QueryStatus, StatementProgress, StatementState};
use crate::source::{ErrorKind, SourceError, SourceResult, WarehouseSource};

/// SYS_QUERY_HISTORY keeps this many characters of a query's text.
const TEXT_LIMIT: usize = 4000;
/// How long the console waits for its own statement before giving up on it.
const STATEMENT_DEADLINE: Duration = Duration::from_secs(60);
/// Names of the console's statements, so a DBA can tell them apart.
const STATEMENT_NAME: &str = "opsdeck-query-health";
const RERUN_NAME: &str = "opsdeck-rerun";
const CANCEL_NAME: &str = "opsdeck-cancel";

/// The last 24 hours: every query that is not a plain success (failed, canceled, still
/// active), and the 50 longest and the 50 longest-queued of the rest; with the first load
/// error of a failed COPY. Times are in microseconds, as the view counts them.
pub const QUERY_HEALTH_SQL: &str = "\
WITH recent AS (
  SELECT q.query_id, q.query_label, q.user_id, q.database_name, q.query_type, q.status,
         q.start_time, q.end_time, q.elapsed_time, q.queue_time, q.execution_time,
         q.error_message, q.returned_rows, q.query_text, q.session_id,
         ROW_NUMBER() OVER (ORDER BY q.elapsed_time DESC) AS by_elapsed,
         ROW_NUMBER() OVER (ORDER BY q.queue_time DESC) AS by_queue
  FROM sys_query_history q
  WHERE q.start_time >= DATEADD(hour, -24, GETDATE())
),
load_errors AS (
  SELECT query_id,
         MIN(TRIM(file_name) || ' line ' || line_number || ', column ' || TRIM(column_name)
             || ': ' || TRIM(error_message)) AS load_error
  FROM sys_load_error_detail
  WHERE start_time >= DATEADD(hour, -24, GETDATE())
  GROUP BY query_id
)
SELECT r.query_id, r.query_label, u.usename AS user_name, r.database_name, r.query_type,
       r.status, r.start_time, r.end_time, r.elapsed_time, r.queue_time, r.execution_time,
       r.error_message, r.returned_rows, r.query_text, r.session_id, e.load_error
FROM recent r
LEFT JOIN pg_user u ON u.usesysid = r.user_id
LEFT JOIN load_errors e ON e.query_id = r.query_id
WHERE r.status <> 'success' OR r.by_elapsed <= 50 OR r.by_queue <= 50
ORDER BY r.start_time DESC
LIMIT 2000";

/// The Redshift adapter of one environment.
pub struct Redshift {
    client: Client,
    target: RedshiftConfig,
    context: ErrorContext,
    /// The console's own statements, one at a time per environment (the Data API allows
    /// 200 active statements per cluster: the console must never be the one that fills it).
    one_at_a_time: Mutex<()>,
}

impl Redshift {
    /// An adapter over a Redshift Data API client for one warehouse.
    pub fn new(client: Client, target: RedshiftConfig, context: ErrorContext) -> Self {
        Redshift {
            client,
            target,
            context,
            one_at_a_time: Mutex::new(()),
        }
    }

    /// An ExecuteStatement of `sql` against the environment's cluster or workgroup, signed
    /// in as configured.
    fn statement(&self, sql: &str, database: &str, name: &str) -> ExecuteStatementFluentBuilder {
        let request = self
            .client
            .execute_statement()
            .sql(sql)
            .database(database)
            .statement_name(name);
        let request = match &self.target.target {
            RedshiftTarget::Cluster(cluster) => request.cluster_identifier(cluster),
            RedshiftTarget::Workgroup(workgroup) => request.workgroup_name(workgroup),
        };
        match &self.target.auth {
            RedshiftAuth::Iam => request,
            RedshiftAuth::Secret(arn) => request.secret_arn(arn),
            RedshiftAuth::DbUser(user) => request.db_user(user),
        }
    }

    /// Runs one statement of the console's and returns its rows as column → value maps.
    async fn run(&self, sql: &str) -> SourceResult<Vec<HashMap<String, Field>>> {
        let _turn = self.one_at_a_time.lock().await;
        let answer = self
            .statement(sql, &self.target.database, STATEMENT_NAME)
            .send()
            .await
            .map_err(|e| source_error(e, &self.context))?;
        let id = statement_id(&answer)?;
        self.wait_for(&id, Purpose::QueryHealth).await?;
        self.rows_of(&id).await
    }

    /// The error of an action's ExecuteStatement, with its request id.
    fn action_failed(&self, error: SdkError<ExecuteStatementError, HttpResponse>) -> SourceError {
        let code = error.code().map(str::to_string);
        let mapped = action_error(error, &self.context);
        match code.as_deref() {
            Some("ActiveStatementsExceededException") => mapped.with_hint(
                "the warehouse runs as many Data API statements as it allows: try again when some finish",
            ),
            _ => mapped,
        }
    }

    /// Waits until a statement finished, backing off from 100 ms to 2 s between looks.
    async fn wait_for(&self, id: &str, purpose: Purpose) -> SourceResult<()> {
        let what = purpose.what();
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            let statement = self
                .client
                .describe_statement()
                .id(id)
                .send()
                .await
                .map_err(|e| source_error(e, &self.context))?;
            match statement.status() {
                Some(StatusString::Finished) => {
                    // Duration is in nanoseconds.
                    tracing::debug!(
                        statement = id,
                        millis = statement.duration() / 1_000_000,
                        "{what} statement finished"
                    );
                    return Ok(());
                }
                Some(StatusString::Failed) => {
                    let error = statement.error().unwrap_or("no reason given").trim();
                    return Err(SourceError::new(
                        ErrorKind::Rejected,
                        format!("Redshift: {what} statement failed: {error}"),
                    )
                    .with_hint(purpose.hint(error)));
                }
                Some(StatusString::Aborted) => {
                    return Err(SourceError::new(
                        ErrorKind::Rejected,
                        format!("Redshift: {what} statement was aborted"),
                    ));
                }
                _ => {}
            }
            if started.elapsed() > STATEMENT_DEADLINE {
                // Best effort: a statement left running would count against the cluster's limit.
                let _ = self.client.cancel_statement().id(id).send().await;
                return Err(SourceError::new(
                    ErrorKind::Unreachable,
                    format!(
                        "Redshift: {what} took longer than {} s and was cancelled",
                        STATEMENT_DEADLINE.as_secs()
                    ),
                )
                .with_hint("the warehouse is overloaded or the queue is full"));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    async fn rows_of(&self, id: &str) -> SourceResult<Vec<HashMap<String, Field>>> {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .get_statement_result()
                .id(id)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| source_error(e, &self.context))?;
            let names: Vec<String> = page
                .column_metadata()
                .iter()
                .map(|c| c.name().unwrap_or_default().to_ascii_lowercase())
                .collect();
            rows.extend(
                page.records()
                    .iter()
                    .map(|record| names.iter().cloned().zip(record.iter().cloned()).collect()),
            );
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(rows);
            }
        }
    }
}

/// What one of the console's waited-for statements is for: its name in messages and the
/// hint when it fails.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    QueryHealth,
    Cancel,
}

impl Purpose {
    fn what(self) -> &'static str {
        match self {
            Purpose::QueryHealth => "query health",
            Purpose::Cancel => "cancel",
        }
    }

    fn hint(self, error: &str) -> &'static str {
        let denied = error.contains("permission denied") || error.contains("must be superuser");
        match self {
            Purpose::QueryHealth if denied => {
                "grant the database user sys:monitor (or run as a superuser) to see every query"
            }
            Purpose::Cancel if denied => {
                "only a superuser or the user running the query can cancel it"
            }
            _ => "check the database, the user and the target in [environment.redshift]",
        }
    }
}

/// The id of a submitted statement.
fn statement_id(answer: &ExecuteStatementOutput) -> SourceResult<String> {
    answer.id().map(str::to_string).ok_or_else(|| {
        SourceError::new(
            ErrorKind::BadResponse,
            "Redshift: a statement without an id",
        )
    })
}

#[async_trait]
impl WarehouseSource for Redshift {
    async fn queries(&self) -> SourceResult<Vec<QueryRecord>> {
        let rows = self.run(QUERY_HEALTH_SQL).await?;
        Ok(rows.iter().filter_map(query_of).collect())
    }

    async fn rerun(&self, database: Option<&str>, sql: &str) -> SourceResult<ActionOutcome> {
        if sql.trim().is_empty() {
            return Err(SourceError::new(
                ErrorKind::Rejected,
                "Redshift: no SQL to run",
            ));
        }
        let database = database
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(&self.target.database);
        // Submitted, not waited for: the operator's query may run for hours, and it must not
        // hold the turn of the console's own statements. The SDK fills ClientToken, so its
        // own retries of the call do not run the SQL twice.
        let answer = self
            .statement(sql, database, RERUN_NAME)
            .send()
            .await
            .map_err(|e| self.action_failed(e))?;
        let id = statement_id(&answer)?;
        Ok(ActionOutcome {
            request_id: answer.request_id().map(str::to_string),
            message: format!("statement {id} submitted"),
            created: Some(id),
        })
    }

    async fn cancel(&self, query_id: i64, pid: Option<i64>) -> SourceResult<ActionOutcome> {
        let Some(pid) = pid else {
            return Err(SourceError::new(
                ErrorKind::Rejected,
                format!("Redshift: the query's process is not known (query {query_id})"),
            )
            .with_hint("the query history gave no session id: cancel it from a SQL client"));
        };
        // pg_cancel_backend takes an INTEGER; the statement is built from that number alone.
        let pid = i32::try_from(pid).ok().filter(|p| *p > 0).ok_or_else(|| {
            SourceError::new(
                ErrorKind::Rejected,
                format!("Redshift: {pid} is not a process id (query {query_id})"),
            )
        })?;
        let sql = format!("SELECT pg_cancel_backend({pid})");
        let _turn = self.one_at_a_time.lock().await;
        let answer = self
            .statement(&sql, &self.target.database, CANCEL_NAME)
            .send()
            .await
            .map_err(|e| self.action_failed(e))?;
        let request_id = answer.request_id().map(str::to_string);
        let id = statement_id(&answer)?;
        // The statement's own failure carries no request id: the submit's names it.
        self.wait_for(&id, Purpose::Cancel).await.map_err(|mut e| {
            if let Some(request_id) = &request_id {
                e.message = format!("{} (request id {request_id})", e.message);
            }
            e
        })?;
        Ok(ActionOutcome {
            request_id,
            message: format!("cancel sent to process {pid} of query {query_id}"),
            created: None,
        })
    }

    async fn statement(&self, id: &str) -> SourceResult<StatementProgress> {
        // Not in the turn of the console's own statements: a look, not a statement.
        let answer = self
            .client
            .describe_statement()
            .id(id)
            .send()
            .await
            .map_err(|e| source_error(e, &self.context))?;
        Ok(progress_of(id, &answer))
    }

    async fn cancel_statement(&self, id: &str) -> SourceResult<ActionOutcome> {
        let answer = self
            .client
            .cancel_statement()
            .id(id)
            .send()
            .await
            .map_err(|e| action_error(e, &self.context))?;
        let request_id = answer.request_id().map(str::to_string);
        if answer.status() != Some(true) {
            let said = request_id
                .as_deref()
                .map(|r| format!(" (request id {r})"))
                .unwrap_or_default();
            return Err(SourceError::new(
                ErrorKind::Rejected,
                format!("Redshift: statement {id} was not cancelled{said}"),
            )
            .with_hint("it may have ended already: the next refresh shows how"));
        }
        Ok(ActionOutcome {
            request_id,
            message: format!("statement {id} cancelled"),
            created: None,
        })
    }
}

/// A DescribeStatement answer as the console follows it. The service reports a query id
/// of 0 (or -1) until the warehouse has given the statement one.
pub fn progress_of(id: &str, answer: &DescribeStatementOutput) -> StatementProgress {
    StatementProgress {
        id: id.to_string(),
        state: answer.status().map_or(StatementState::Submitted, |s| {
            StatementState::parse(s.as_str())
        }),
        query_id: Some(answer.redshift_query_id()).filter(|q| *q > 0),
        error: answer
            .error()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string),
    }
}

/// One row of the query health statement; a row with no query id is skipped.
pub fn query_of(row: &HashMap<String, Field>) -> Option<QueryRecord> {
    let text = string(row, "query_text").unwrap_or_default();
    let error = string(row, "error_message").filter(|e| !e.trim().is_empty());
    let load_error = string(row, "load_error").filter(|e| !e.trim().is_empty());
    let error_message = match (error, load_error) {
        (Some(error), Some(load)) => Some(format!("{}; {}", error.trim(), load.trim())),
        (Some(error), None) => Some(error.trim().to_string()),
        (None, load) => load.map(|l| l.trim().to_string()),
    };
    Some(QueryRecord {
        query_id: long(row, "query_id")?,
        label: string(row, "query_label")
            .unwrap_or_default()
            .trim()
            .to_string(),
        user: string(row, "user_name")
            .unwrap_or_default()
            .trim()
            .to_string(),
        database: string(row, "database_name")
            .unwrap_or_default()
            .trim()
            .to_string(),
        query_type: string(row, "query_type")
            .unwrap_or_default()
            .trim()
            .to_string(),
        status: QueryStatus::parse(string(row, "status").unwrap_or_default().trim()),
        started_at: string(row, "start_time").and_then(|t| timestamp(&t)),
        ended_at: string(row, "end_time").and_then(|t| timestamp(&t)),
        elapsed_micros: micros(row, "elapsed_time"),
        queue_micros: micros(row, "queue_time"),
        execution_micros: micros(row, "execution_time"),
        error_message,
        returned_rows: long(row, "returned_rows"),
        text_truncated: text.chars().count() >= TEXT_LIMIT,
        text: text.into(),
        spilled_mb: None,
        pid: long(row, "session_id").filter(|pid| *pid > 0),
    })
}

fn string(row: &HashMap<String, Field>, column: &str) -> Option<String> {
    match row.get(column)? {
        Field::StringValue(s) => Some(s.clone()),
        Field::LongValue(n) => Some(n.to_string()),
        _ => None,
    }
}

fn long(row: &HashMap<String, Field>, column: &str) -> Option<i64> {
    match row.get(column)? {
        Field::LongValue(n) => Some(*n),
        Field::StringValue(s) => s.trim().parse().ok(),
        Field::DoubleValue(x) if x.is_finite() => Some(*x as i64),
        _ => None,
    }
}

fn micros(row: &HashMap<String, Field>, column: &str) -> u64 {
    long(row, column)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0)
}

/// A system view timestamp (UTC, without zone: `2026-11-25 02:14:03.123456`).
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .map(|t| t.and_utc())
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Field)]) -> HashMap<String, Field> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_failed_copy_row_becomes_a_failed_query_with_its_load_error() {
        let r = row(&[
            ("query_id", Field::LongValue(43411367)),
            (
                "query_label",
                Field::StringValue("airflow:load_orders ".into()),
            ),
            ("user_name", Field::StringValue("etl".into())),
            ("database_name", Field::StringValue("dev".into())),
            ("query_type", Field::StringValue("COPY".into())),
            ("status", Field::StringValue("failed".into())),
            (
                "start_time",
                Field::StringValue("2026-11-25 02:14:03.123456".into()),
            ),
            ("end_time", Field::StringValue("2026-11-25 02:15:03".into())),
            ("elapsed_time", Field::LongValue(60_000_000)),
            ("queue_time", Field::LongValue(0)),
            ("execution_time", Field::LongValue(59_000_000)),
            (
                "error_message",
                Field::StringValue("Load into table 'orders' failed.".into()),
            ),
            ("returned_rows", Field::IsNull(true)),
            ("session_id", Field::LongValue(1_073_971_370)),
            (
                "query_text",
                Field::StringValue("COPY orders FROM 's3://lake/orders/'".into()),
            ),
            (
                "load_error",
                Field::StringValue(
                    "s3://lake/orders/part-0001 line 12, column amount: Invalid digit".into(),
                ),
            ),
        ]);
        let q = query_of(&r).unwrap();
        assert_eq!(q.query_id, 43411367);
        assert_eq!(q.label, "airflow:load_orders");
        assert_eq!(q.status, QueryStatus::Failed);
        assert_eq!(q.elapsed_micros, 60_000_000);
        assert_eq!(q.returned_rows, None);
        assert_eq!(q.pid, Some(1_073_971_370));
        assert_eq!(
            q.error_message.as_deref(),
            Some(
                "Load into table 'orders' failed.; s3://lake/orders/part-0001 line 12, column amount: Invalid digit"
            )
        );
        assert_eq!(
            q.started_at.unwrap().to_rfc3339(),
            "2026-11-25T02:14:03.123456+00:00"
        );
        assert!(!q.text_truncated);
    }

    #[test]
    fn rows_without_an_id_are_skipped_and_long_texts_marked_cut() {
        assert!(query_of(&row(&[("status", Field::StringValue("failed".into()))])).is_none());
        let long_text = "x".repeat(TEXT_LIMIT);
        let q = query_of(&row(&[
            ("query_id", Field::LongValue(1)),
            ("status", Field::StringValue("levitating".into())),
            ("query_text", Field::StringValue(long_text)),
            ("elapsed_time", Field::LongValue(-5)),
        ]))
        .unwrap();
        assert!(q.text_truncated);
        assert_eq!(q.elapsed_micros, 0);
        assert_eq!(q.pid, None, "no session id, no process to cancel");
        assert_eq!(q.status.as_str(), "levitating");
    }
}
