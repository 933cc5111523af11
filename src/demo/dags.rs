//! The Airflow DAGs of the demo company: their task graphs, operators, schedules, retry
//! settings, and what can go wrong in each task.

use super::catalog::{DATABASES, MATERIALIZED_VIEWS};
use super::messages::TaskFailure;

/// What a task does to the warehouse while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Footprint {
    None,
    /// One COPY per table of a database into `landing.stg_<table>`.
    Copy(usize),
    DbtStaging,
    DbtMarts,
    /// REFRESH MATERIALIZED VIEW of one of [`MATERIALIZED_VIEWS`].
    Refresh(usize),
    Analyze,
    Unload,
}

/// How a task behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TaskKind {
    /// Runs for a drawn number of seconds in `(lo, hi)`.
    Work {
        seconds: (i64, i64),
        footprint: Footprint,
    },
    /// DmsStartTaskOperator: starts a database's full load.
    DmsStart(usize),
    /// DmsTaskCompletedSensor: succeeds on `stopped`, fails on `failed`.
    DmsWait(usize),
    /// S3KeySensor on the load's completion marker, which only a good load writes.
    S3Files(usize),
    /// ExternalTaskSensor on another DAG's scheduled run of the same night, or on one
    /// task of it.
    External {
        dag: &'static str,
        task: Option<String>,
    },
}

/// A way a task can fail, and how often it does (per thousand runs).
#[derive(Debug, Clone)]
pub(super) struct Risk {
    pub per_mille: u32,
    pub failure: TaskFailure,
    /// Transient failures usually pass on a retry; the others fail every try.
    pub transient: bool,
}

/// One task of a DAG.
#[derive(Debug, Clone)]
pub(super) struct TaskSpec {
    pub id: String,
    pub operator: &'static str,
    /// Indexes of upstream tasks (always earlier in the DAG's list).
    pub upstream: Vec<usize>,
    pub kind: TaskKind,
    pub retries: u32,
    pub retry_delay_secs: i64,
    pub risks: Vec<Risk>,
}

impl TaskSpec {
    /// Sensors poke every this many seconds and give up after `sensor_timeout_secs`.
    pub fn poke_secs(&self) -> i64 {
        match self.kind {
            TaskKind::External { .. } => 120,
            _ => 60,
        }
    }

    /// How long a sensor waits before it fails with AirflowSensorTimeout.
    pub fn sensor_timeout_secs(&self) -> i64 {
        match self.kind {
            TaskKind::S3Files(_) => 1_200,
            TaskKind::External {
                dag: "refresh_marts",
                ..
            } => 7_200,
            _ => 10_800,
        }
    }
}

/// One DAG and its daily schedule (a CronTriggerTimetable: the logical date is the
/// time it runs).
#[derive(Debug, Clone)]
pub(super) struct DagSpec {
    pub id: &'static str,
    pub hour: i64,
    pub minute: i64,
    pub tasks: Vec<TaskSpec>,
}

impl DagSpec {
    /// The index of a task by id.
    pub fn task_index(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.id == id)
    }

    /// Every task downstream of `task`, directly or not.
    #[cfg(test)]
    pub fn downstream_of(&self, task: usize) -> Vec<usize> {
        let mut below = vec![false; self.tasks.len()];
        for (i, spec) in self.tasks.iter().enumerate() {
            below[i] = spec.upstream.iter().any(|&u| u == task || below[u]);
        }
        (0..self.tasks.len()).filter(|&i| below[i]).collect()
    }

    fn add(
        &mut self,
        id: impl Into<String>,
        operator: &'static str,
        upstream: &[usize],
        kind: TaskKind,
    ) -> usize {
        self.tasks.push(TaskSpec {
            id: id.into(),
            operator,
            upstream: upstream.to_vec(),
            kind,
            retries: 0,
            retry_delay_secs: 300,
            risks: Vec::new(),
        });
        self.tasks.len() - 1
    }

    fn retries(&mut self, task: usize, retries: u32, delay_secs: i64) {
        self.tasks[task].retries = retries;
        self.tasks[task].retry_delay_secs = delay_secs;
    }

    fn risk(&mut self, task: usize, per_mille: u32, failure: TaskFailure, transient: bool) {
        self.tasks[task].risks.push(Risk {
            per_mille,
            failure,
            transient,
        });
    }
}

fn work(lo: i64, hi: i64, footprint: Footprint) -> TaskKind {
    TaskKind::Work {
        seconds: (lo, hi),
        footprint,
    }
}

fn external(dag: &'static str) -> TaskKind {
    TaskKind::External { dag, task: None }
}

fn dag(id: &'static str, hour: i64, minute: i64) -> DagSpec {
    DagSpec {
        id,
        hour,
        minute,
        tasks: Vec::new(),
    }
}

/// Every DAG, in the order their nightly runs start.
pub(super) fn all() -> Vec<DagSpec> {
    vec![
        nightly_dms_to_s3(),
        clean_anonymize(),
        dbt_build(),
        refresh_marts(),
        export_finance(),
    ]
}

fn nightly_dms_to_s3() -> DagSpec {
    let mut d = dag("nightly_dms_to_s3", 1, 0);
    let mut checks = Vec::new();
    for (db, database) in DATABASES.iter().enumerate() {
        let name = database.name;
        let start = d.add(
            format!("start_{name}_full_load"),
            "DmsStartTaskOperator",
            &[],
            TaskKind::DmsStart(db),
        );
        let wait = d.add(
            format!("wait_{name}_full_load"),
            "DmsTaskCompletedSensor",
            &[start],
            TaskKind::DmsWait(db),
        );
        checks.push(d.add(
            format!("check_{name}_files"),
            "S3KeySensor",
            &[wait],
            TaskKind::S3Files(db),
        ));
    }
    d.add(
        "write_landing_manifest",
        "PythonOperator",
        &checks,
        work(8, 25, Footprint::None),
    );
    d
}

fn clean_anonymize() -> DagSpec {
    let mut d = dag("clean_anonymize", 2, 0);
    let mut copies = Vec::new();
    for (db, database) in DATABASES.iter().enumerate() {
        let name = database.name;
        // Each database goes on as soon as its own files landed.
        let landed = TaskKind::External {
            dag: "nightly_dms_to_s3",
            task: Some(format!("check_{name}_files")),
        };
        let wait = d.add(
            format!("wait_{name}_landed"),
            "ExternalTaskSensor",
            &[],
            landed,
        );
        let clean = d.add(
            format!("clean_{name}"),
            "GlueJobOperator",
            &[wait],
            work(240, 660, Footprint::None),
        );
        d.retries(clean, 1, 300);
        d.risk(clean, 12, TaskFailure::GlueJob, false);
        let anonymize = d.add(
            format!("anonymize_{name}"),
            "PythonOperator",
            &[clean],
            work(150, 540, Footprint::None),
        );
        d.retries(anonymize, 2, 300);
        d.risk(anonymize, 28, TaskFailure::SlowDown, true);
        let copy = d.add(
            format!("copy_{name}_to_redshift"),
            "S3ToRedshiftOperator",
            &[anonymize],
            work(70, 330, Footprint::Copy(db)),
        );
        d.retries(copy, 1, 120);
        let table = format!("stg_{}", database.tables[0].name);
        d.risk(copy, 7, TaskFailure::CopyLoad { table }, false);
        copies.push(copy);
    }
    d.add(
        "publish_clean_manifest",
        "PythonOperator",
        &copies,
        work(10, 30, Footprint::None),
    );
    d
}

fn dbt_build() -> DagSpec {
    let mut d = dag("dbt_build", 3, 0);
    let wait = d.add(
        "wait_for_clean_anonymize",
        "ExternalTaskSensor",
        &[],
        external("clean_anonymize"),
    );
    let deps = d.add(
        "dbt_deps",
        "BashOperator",
        &[wait],
        work(25, 70, Footprint::None),
    );
    d.retries(deps, 2, 60);
    let seed = d.add(
        "dbt_seed",
        "BashOperator",
        &[deps],
        work(50, 130, Footprint::None),
    );
    let staging = d.add(
        "dbt_run_staging",
        "BashOperator",
        &[seed],
        work(480, 900, Footprint::DbtStaging),
    );
    let marts = d.add(
        "dbt_run_marts",
        "BashOperator",
        &[staging],
        work(900, 1_800, Footprint::DbtMarts),
    );
    d.risk(marts, 18, TaskFailure::Sigterm, false);
    d.risk(
        marts,
        14,
        TaskFailure::DiskFull {
            model: "fct_orders".into(),
        },
        false,
    );
    let test = d.add(
        "dbt_test",
        "BashOperator",
        &[marts],
        work(240, 480, Footprint::None),
    );
    d.risk(test, 90, TaskFailure::Tests, false);
    d.add(
        "publish_dbt_docs",
        "BashOperator",
        &[test],
        work(60, 140, Footprint::None),
    );
    d
}

fn refresh_marts() -> DagSpec {
    let mut d = dag("refresh_marts", 4, 30);
    let refreshes: Vec<usize> = MATERIALIZED_VIEWS
        .iter()
        .enumerate()
        .map(|(i, view)| {
            let id = format!("refresh_{view}");
            let task = d.add(
                id,
                "SQLExecuteQueryOperator",
                &[],
                work(120, 600, Footprint::Refresh(i)),
            );
            d.retries(task, 1, 300);
            d.risk(task, 12, TaskFailure::Serializable, true);
            task
        })
        .collect();
    let analyze = d.add(
        "analyze_marts",
        "SQLExecuteQueryOperator",
        &refreshes,
        work(90, 240, Footprint::Analyze),
    );
    d.add(
        "warm_looker_cache",
        "HttpOperator",
        &[analyze],
        work(8, 30, Footprint::None),
    );
    d
}

fn export_finance() -> DagSpec {
    let mut d = dag("export_finance", 5, 0);
    let wait = d.add(
        "wait_for_refresh_marts",
        "ExternalTaskSensor",
        &[],
        external("refresh_marts"),
    );
    let unload = d.add(
        "unload_revenue_to_s3",
        "RedshiftToS3Operator",
        &[wait],
        work(90, 300, Footprint::Unload),
    );
    d.risk(unload, 22, TaskFailure::PermissionDenied, false);
    let build = d.add(
        "build_finance_extract",
        "PythonOperator",
        &[unload],
        work(60, 180, Footprint::None),
    );
    let upload = d.add(
        "upload_to_finance_sftp",
        "SFTPOperator",
        &[build],
        work(15, 60, Footprint::None),
    );
    d.retries(upload, 3, 180);
    d.risk(upload, 60, TaskFailure::SftpBanner, true);
    d.add(
        "notify_finance",
        "SlackWebhookOperator",
        &[upload],
        work(3, 10, Footprint::None),
    );
    d
}
