//! What Airflow tasks say when they fail: exception lines, log tails, and the Redshift
//! error of the query a failure killed. Worded as the services word them, so that an
//! on-call engineer recognises them.

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::catalog::FLAKY_TESTS;

/// Why an Airflow task try failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TaskFailure {
    /// S3 throttled the anonymiser's writes; usually passes on retry.
    SlowDown,
    /// The Glue cleaning job died.
    GlueJob,
    /// A COPY rejected rows of a file.
    CopyLoad { table: String },
    /// The worker was killed under the task (MWAA scaling in).
    Sigterm,
    /// A model ran the cluster out of disk.
    DiskFull { model: String },
    /// dbt tests failed.
    Tests,
    /// Two transactions on the same table collided.
    Serializable,
    /// The UNLOAD lost its grant when dbt rebuilt the table.
    PermissionDenied,
    /// The finance partner's SFTP server did not answer.
    SftpBanner,
    /// The DMS task a sensor waits for ended in a terminal status.
    DmsStatus { arn: String },
    /// A sensor waited longer than its timeout.
    SensorTimeout {
        timeout_secs: i64,
        waited_millis: i64,
        poking: String,
    },
    /// The DAG (or the task of it) an ExternalTaskSensor waits for failed.
    ExternalFailed {
        dag: String,
        task: Option<String>,
        logical: DateTime<Utc>,
    },
}

/// Where and when a failure happened, for the log lines.
pub(super) struct FailureContext<'a> {
    pub dag_id: &'a str,
    pub task_id: &'a str,
    pub run_id: &'a str,
    pub logical: DateTime<Utc>,
    pub started: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// True when no retry is left: the log ends with "Marking task as FAILED".
    pub last_try: bool,
    /// Seeds the details (test names, ids) so that they are stable.
    pub key: u64,
}

impl TaskFailure {
    /// The exception line: the run's `failure` is "task_id: " and this.
    pub fn exception_line(&self, ctx: &FailureContext) -> String {
        match self {
            TaskFailure::SlowDown => {
                "botocore.exceptions.ClientError: An error occurred (SlowDown) \
                 when calling the PutObject operation (reached max retries: 4): Please reduce your \
                 request rate."
                    .to_string()
            }
            TaskFailure::GlueJob => format!(
                "AirflowException: Exiting Job {} Run State: FAILED",
                glue_run_id(ctx.key)
            ),
            TaskFailure::CopyLoad { table } => format!(
                "redshift_connector.error.ProgrammingError: Load into table '{table}' failed. \
                 Check 'sys_load_error_detail' system table for details."
            ),
            TaskFailure::Sigterm => "AirflowException: Task received SIGTERM signal".to_string(),
            TaskFailure::DiskFull { model } => format!(
                "dbt run failed: Database Error in model {model} (models/marts/{model}.sql): Disk Full"
            ),
            TaskFailure::Tests => {
                let (failed, total) = failed_tests(ctx.key);
                format!(
                    "dbt test failed: {} of {total} tests failed ({})",
                    failed.len(),
                    failed.join(", ")
                )
            }
            TaskFailure::Serializable => format!(
                "redshift_connector.error.ProgrammingError: {}",
                serializable_detail(ctx.key)
            ),
            TaskFailure::PermissionDenied => {
                "redshift_connector.error.ProgrammingError: permission denied for relation \
                 fct_revenue"
                    .to_string()
            }
            TaskFailure::SftpBanner => {
                "paramiko.ssh_exception.SSHException: Error reading SSH protocol banner".to_string()
            }
            TaskFailure::DmsStatus { .. } => "AirflowException: Unexpected status: failed".into(),
            TaskFailure::SensorTimeout {
                timeout_secs,
                waited_millis,
                ..
            } => format!(
                "AirflowSensorTimeout: Sensor has timed out; run duration of {:.3} seconds \
                 exceeds the specified timeout of {timeout_secs}.0.",
                *waited_millis as f64 / 1000.0
            ),
            TaskFailure::ExternalFailed {
                dag, task: None, ..
            } => {
                format!("AirflowException: The external DAG {dag} failed.")
            }
            TaskFailure::ExternalFailed {
                dag,
                task: Some(task),
                ..
            } => format!(
                "AirflowException: Some of the external tasks ['{task}'] in DAG {dag} failed."
            ),
        }
    }

    /// The exception as the log prints it: fully qualified, and for dbt the
    /// BashOperator's own exception rather than dbt's summary.
    fn logged_exception(&self, ctx: &FailureContext) -> String {
        match self {
            TaskFailure::Tests | TaskFailure::DiskFull { .. } => {
                "airflow.exceptions.AirflowException: Bash command failed. The command returned \
                 a non-zero exit code 1."
                    .to_string()
            }
            _ => {
                let line = self.exception_line(ctx);
                if line.starts_with("Airflow") {
                    format!("airflow.exceptions.{line}")
                } else {
                    line
                }
            }
        }
    }

    /// The error the warehouse records for the query this failure killed, if any.
    pub fn redshift_error(&self, key: u64) -> Option<String> {
        match self {
            TaskFailure::CopyLoad { table } => Some(format!(
                "ERROR: Load into table '{table}' failed. Check 'sys_load_error_detail' system \
                 table for details."
            )),
            TaskFailure::DiskFull { .. } => Some("ERROR: Disk Full".to_string()),
            TaskFailure::Serializable => Some(format!("ERROR: {}", serializable_detail(key))),
            TaskFailure::PermissionDenied => {
                Some("ERROR: permission denied for relation fct_revenue".to_string())
            }
            _ => None,
        }
    }

    /// The last lines of the failed try's log, in Airflow 2's log format.
    pub fn log_tail(&self, ctx: &FailureContext) -> String {
        let (before, now) = (ctx.at - chrono::Duration::seconds(41), ctx.at);
        let line = |at: DateTime<Utc>, origin: &str, level: &str, text: &str| {
            format!(
                "{} {{{origin}}} {level} - {text}",
                at.format("[%Y-%m-%d, %H:%M:%S UTC]")
            )
        };
        let dbt = |text: &str| line(now, "subprocess.py:93", "INFO", text);
        let mut lines: Vec<String> = match self {
            TaskFailure::SlowDown => vec![
                line(
                    before,
                    "anonymize.py:96",
                    "INFO",
                    "Hashing 9 PII columns (part 37 of 64)",
                ),
                line(
                    now,
                    "taskinstance.py:3311",
                    "ERROR",
                    "Task failed with exception",
                ),
                "Traceback (most recent call last):".into(),
                "  File \"/usr/local/airflow/dags/acme/anonymize.py\", line 142, in write_part"
                    .into(),
                "    s3.put_object(Bucket=CLEAN_BUCKET, Key=key, Body=body)".into(),
            ],
            TaskFailure::GlueJob => vec![
                line(
                    before,
                    "glue.py:247",
                    "INFO",
                    &format!(
                        "Polling for AWS Glue Job {} current run state with status RUNNING",
                        ctx.task_id
                    ),
                ),
                line(
                    now,
                    "glue.py:211",
                    "ERROR",
                    "An error occurred while calling \
                     o142.pyWriteDynamicFrame. Job aborted due to stage failure: Task 17 in \
                     stage 9.0 failed 4 times: ExecutorLostFailure (executor 6 exited) Reason: \
                     Container killed by YARN for exceeding memory limits.",
                ),
            ],
            TaskFailure::CopyLoad { table } => vec![
                line(
                    before,
                    "s3_to_redshift.py:195",
                    "INFO",
                    "Executing COPY command...",
                ),
                line(
                    before,
                    "sql.py:511",
                    "INFO",
                    &format!(
                        "Running statement: COPY landing.{table} FROM \
                     's3://acme-data-lake-clean/...' FORMAT AS CSV GZIP, parameters: None"
                    ),
                ),
            ],
            TaskFailure::Sigterm => vec![
                line(
                    before,
                    "subprocess.py:93",
                    "INFO",
                    "14 of 31 START sql incremental model marts.fct_orders ... [RUN]",
                ),
                line(
                    now,
                    "local_task_job_runner.py:346",
                    "WARNING",
                    "State of this instance has been externally set to None. Terminating instance.",
                ),
                line(
                    now,
                    "taskinstance.py:2611",
                    "ERROR",
                    "Received SIGTERM. Terminating subprocesses.",
                ),
                line(
                    now,
                    "subprocess.py:104",
                    "INFO",
                    "Sending SIGTERM signal to process group",
                ),
            ],
            TaskFailure::DiskFull { model } => vec![
                dbt("Completed with 1 error and 0 warnings:"),
                dbt(&format!(
                    "  Database Error in model {model} (models/marts/{model}.sql)"
                )),
                dbt("  Disk Full"),
                dbt(
                    "  DETAIL: error: Disk Full  code: 1016  context: node: 3  location: fdisk_api.cpp:343",
                ),
                dbt("Done. PASS=9 WARN=0 ERROR=1 SKIP=2 TOTAL=12"),
                line(
                    now,
                    "subprocess.py:97",
                    "INFO",
                    "Command exited with return code 1",
                ),
            ],
            TaskFailure::Tests => {
                let (failed, total) = failed_tests(ctx.key);
                let mut lines = Vec::new();
                for (i, test) in failed.iter().enumerate() {
                    let results = 3 + (ctx.key >> (i * 5)) % 40;
                    lines.push(dbt(&format!("Failure in test {test}")));
                    lines.push(dbt(&format!(
                        "  Got {results} results, configured to fail if != 0"
                    )));
                }
                let (errors, passed) = (failed.len(), total - failed.len());
                lines.push(dbt(&format!(
                    "Done. PASS={passed} WARN=0 ERROR={errors} SKIP=0 TOTAL={total}"
                )));
                lines.push(line(
                    now,
                    "subprocess.py:97",
                    "INFO",
                    "Command exited with return code 1",
                ));
                lines
            }
            TaskFailure::Serializable => vec![line(
                before,
                "sql.py:511",
                "INFO",
                "Running statement: REFRESH MATERIALIZED VIEW ..., parameters: None",
            )],
            TaskFailure::PermissionDenied => vec![line(
                before,
                "sql.py:511",
                "INFO",
                "Running statement: UNLOAD ('SELECT ... FROM marts.fct_revenue ...'), parameters: None",
            )],
            TaskFailure::SftpBanner => vec![
                line(
                    before,
                    "sftp.py:96",
                    "INFO",
                    "Connecting to sftp.finance-partner.example:22",
                ),
                line(
                    now,
                    "transport.py:1909",
                    "ERROR",
                    "Exception (client): Error reading SSH protocol banner",
                ),
            ],
            TaskFailure::DmsStatus { arn } => vec![
                line(
                    before,
                    "dms.py:141",
                    "INFO",
                    &format!("DMS Replication task ({arn}) has status: running."),
                ),
                line(
                    now,
                    "dms.py:141",
                    "INFO",
                    &format!("DMS Replication task ({arn}) has status: failed."),
                ),
            ],
            TaskFailure::SensorTimeout { poking, .. } => {
                vec![line(before, "base.py:294", "INFO", poking)]
            }
            TaskFailure::ExternalFailed { dag, logical, .. } => vec![line(
                now,
                "external_task.py:274",
                "INFO",
                &format!(
                    "Poking for DAG '{dag}' on {} ...",
                    logical.format("%Y-%m-%dT%H:%M:%S+00:00")
                ),
            )],
        };
        // Airflow logs "Task failed with exception" just before the exception (the
        // traceback case has it above the traceback).
        if *self != TaskFailure::SlowDown {
            lines.push(line(
                now,
                "taskinstance.py:3311",
                "ERROR",
                "Task failed with exception",
            ));
        }
        lines.push(self.logged_exception(ctx));
        let compact = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%S").to_string();
        let marking = format!(
            "Marking task as {}. dag_id={}, task_id={}, run_id={}, execution_date={}, \
             start_date={}, end_date={}",
            if ctx.last_try {
                "FAILED"
            } else {
                "UP_FOR_RETRY"
            },
            ctx.dag_id,
            ctx.task_id,
            ctx.run_id,
            compact(ctx.logical),
            compact(ctx.started),
            compact(ctx.at),
        );
        lines.push(line(now, "taskinstance.py:1225", "INFO", &marking));
        lines.join("\n")
    }
}

/// A Glue job run id (`jr_` and 64 hex digits).
fn glue_run_id(key: u64) -> String {
    let mut rng = Rng::with_seed(key);
    let hex: String = (0..4).map(|_| format!("{:016x}", rng.u64(..))).collect();
    format!("jr_{hex}")
}

/// Which dbt tests failed, and how many ran.
fn failed_tests(key: u64) -> (Vec<&'static str>, usize) {
    let mut rng = Rng::with_seed(key);
    let count = rng.usize(1..=3);
    let mut tests = FLAKY_TESTS.to_vec();
    rng.shuffle(&mut tests);
    tests.truncate(count);
    (tests, 210 + rng.usize(0..=4))
}

/// Redshift's serializable isolation error, with stable table and transaction ids.
fn serializable_detail(key: u64) -> String {
    let mut rng = Rng::with_seed(key);
    let xid = 48_800_000 + rng.u64(0..100_000);
    format!(
        "1023 DETAIL: Serializable isolation violation on table - {}, transactions forming the \
         cycle are: {}, {} (pid:{})",
        236_000 + rng.u64(0..1_000),
        xid,
        xid - rng.u64(3..40),
        1_070_000 + rng.u64(0..9_000)
    )
}
