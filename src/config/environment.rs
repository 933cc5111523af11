//! `[[environment]]`: the platforms opsdeck can watch — which AWS profile and region, which
//! DMS tasks, which Airflow, which Redshift, which slice of the bill.

use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use super::raw::{Amount, Name};

/// One environment (`[[environment]]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvironmentConfig {
    /// What the header calls it ("prod"); `-e NAME` chooses it.
    pub name: String,
    /// The AWS profile (from ~/.aws/config); none uses the default chain.
    pub profile: Option<String>,
    /// The AWS region; none uses the profile's or `AWS_REGION`.
    pub region: Option<String>,
    /// A theme for this environment (a red header for prod).
    pub theme: Option<String>,
    /// Refuse every mutating action in this environment.
    pub read_only: Option<bool>,
    pub dms: DmsConfig,
    pub airflow: Option<AirflowConfig>,
    pub redshift: Option<RedshiftConfig>,
    /// The part of the bill Cost Explorer is asked about.
    pub cost: CostConfig,
    /// This environment's monthly budget (`[environment.cost] budget`), in `[cost]
    /// currency`; it wins over `[cost] budget` (see
    /// [`Config::budget_for`](super::Config::budget_for)). Kept apart from [`CostConfig`],
    /// which is the scope of the Cost Explorer requests and of their cache.
    pub budget: Option<Decimal>,
}

/// Which replication tasks to show (`[environment.dms]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmsConfig {
    /// Task identifier patterns (`*` wildcards); empty shows every task.
    pub tasks: Vec<String>,
    /// Whether DMS Serverless replications are listed too.
    pub serverless: bool,
}

impl Default for DmsConfig {
    fn default() -> Self {
        DmsConfig {
            tasks: Vec::new(),
            serverless: true,
        }
    }
}

/// Which Airflow to read and how much of it (`[environment.airflow]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AirflowConfig {
    /// Where the REST API is.
    pub endpoint: AirflowEndpoint,
    /// The REST API version to speak (1 for Airflow 2, 2 for Airflow 3); none asks the
    /// server (MWAA: GetEnvironment's AirflowVersion; self-managed: `/api/v2/version`).
    pub api_version: Option<u8>,
    /// At most how many of each DAG's runs of the last 24 hours to show; its queued and
    /// running runs, and its newest run however old, are shown in any case.
    pub runs_per_dag: u32,
    /// Only runs in these states (`queued running success failed`); empty shows all.
    pub run_states: Vec<String>,
}

/// The default of `runs_per_dag`.
pub const DEFAULT_RUNS_PER_DAG: u32 = 10;

/// Where the Airflow REST API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AirflowEndpoint {
    /// An Amazon MWAA environment, reached through InvokeRestApi.
    Mwaa { environment: String },
    /// A self-managed Airflow at a base URL.
    SelfManaged {
        url: String,
        /// The user for basic auth (Airflow 2) or for `/auth/token` (Airflow 3).
        username: Option<String>,
        /// The environment variable that holds the password (never the password itself).
        password_env: Option<String>,
    },
}

impl AirflowConfig {
    /// An Airflow at `endpoint` with the default limits.
    pub fn new(endpoint: AirflowEndpoint) -> Self {
        AirflowConfig {
            endpoint,
            api_version: None,
            runs_per_dag: DEFAULT_RUNS_PER_DAG,
            run_states: Vec::new(),
        }
    }
}

/// Which warehouse to ask about query health (`[environment.redshift]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedshiftConfig {
    pub target: RedshiftTarget,
    pub database: String,
    pub auth: RedshiftAuth,
}

/// A provisioned cluster or a Serverless workgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedshiftTarget {
    Cluster(String),
    Workgroup(String),
}

/// How the Data API signs in to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedshiftAuth {
    /// As the caller's IAM identity (temporary credentials).
    Iam,
    /// With a Secrets Manager secret.
    Secret(String),
    /// As a database user, with temporary credentials (provisioned clusters only).
    DbUser(String),
}

/// Which part of the bill is this environment's (`[environment.cost]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CostConfig {
    /// Linked accounts to count; empty counts every account the caller sees.
    pub linked_accounts: Vec<String>,
    /// Tag key and the values to count (`tags = { team = ["data"] }`).
    pub tags: Vec<(String, Vec<String>)>,
}

/// `[[environment]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [[environment]] table")]
pub(super) struct RawEnvironment {
    name: Name,
    profile: Option<Name>,
    region: Option<Name>,
    theme: Option<Name>,
    read_only: Option<bool>,
    #[serde(default)]
    dms: RawDms,
    airflow: Option<Spanned<RawAirflow>>,
    redshift: Option<Spanned<RawRedshift>>,
    #[serde(default)]
    cost: RawCost,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [environment.dms] table")]
struct RawDms {
    #[serde(default)]
    tasks: Vec<Name>,
    serverless: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [environment.airflow] table")]
struct RawAirflow {
    mwaa: Option<Name>,
    url: Option<Name>,
    username: Option<Name>,
    password_env: Option<Name>,
    api_version: Option<u8>,
    runs_per_dag: Option<u32>,
    #[serde(default)]
    run_states: Vec<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [environment.redshift] table")]
struct RawRedshift {
    cluster: Option<Name>,
    workgroup: Option<Name>,
    database: Name,
    secret_arn: Option<Name>,
    db_user: Option<Name>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an [environment.cost] table")]
struct RawCost {
    #[serde(default)]
    linked_accounts: Vec<Name>,
    #[serde(default)]
    tags: std::collections::BTreeMap<String, Vec<Name>>,
    budget: Option<Amount>,
}

/// Airflow's DAG run states, for `run_states`.
const RUN_STATES: [&str; 4] = ["queued", "running", "success", "failed"];

/// A problem found after parsing, with the byte offset it is at.
pub(super) struct Misfit {
    pub at: usize,
    pub message: String,
}

fn names(list: Vec<Name>) -> Vec<String> {
    list.into_iter().map(|n| n.0).collect()
}

impl RawEnvironment {
    /// Checks the combinations serde cannot, and builds the environment.
    pub(super) fn build(self) -> Result<EnvironmentConfig, Misfit> {
        let name = self.name.0;
        let airflow = match self.airflow {
            None => None,
            Some(spanned) => {
                let at = spanned.span().start;
                let raw = spanned.into_inner();
                let misfit = |message: String| Misfit { at, message };
                let endpoint = match (raw.mwaa, raw.url) {
                    (Some(mwaa), None) => {
                        if raw.username.is_some() || raw.password_env.is_some() {
                            return Err(misfit(format!(
                                "environment `{name}`: `username` and `password_env` are for a self-managed Airflow (`url`); MWAA signs in with the AWS credentials"
                            )));
                        }
                        AirflowEndpoint::Mwaa {
                            environment: mwaa.0,
                        }
                    }
                    (None, Some(url)) => {
                        if !(url.0.starts_with("http://") || url.0.starts_with("https://")) {
                            return Err(misfit(format!(
                                "environment `{name}`: airflow `url` must start with http:// or https://, not `{}`",
                                url.0
                            )));
                        }
                        AirflowEndpoint::SelfManaged {
                            url: url.0.trim_end_matches('/').to_string(),
                            username: raw.username.map(|n| n.0),
                            password_env: raw.password_env.map(|n| n.0),
                        }
                    }
                    _ => {
                        return Err(misfit(format!(
                            "environment `{name}`: [environment.airflow] needs exactly one of `mwaa` (an MWAA environment name) or `url` (a self-managed Airflow)"
                        )));
                    }
                };
                if let Some(version) = raw.api_version
                    && !matches!(version, 1 | 2)
                {
                    return Err(misfit(format!(
                        "environment `{name}`: airflow `api_version` is 1 (Airflow 2) or 2 (Airflow 3), not {version}"
                    )));
                }
                let runs_per_dag = raw.runs_per_dag.unwrap_or(DEFAULT_RUNS_PER_DAG);
                if !(1..=100).contains(&runs_per_dag) {
                    return Err(misfit(format!(
                        "environment `{name}`: airflow `runs_per_dag` must be between 1 and 100, not {runs_per_dag}"
                    )));
                }
                let run_states = names(raw.run_states);
                if let Some(state) = run_states
                    .iter()
                    .find(|s| !RUN_STATES.contains(&s.as_str()))
                {
                    return Err(misfit(format!(
                        "environment `{name}`: airflow `run_states` has `{state}`; a DAG run state is one of: {}",
                        RUN_STATES.join(", ")
                    )));
                }
                Some(AirflowConfig {
                    endpoint,
                    api_version: raw.api_version,
                    runs_per_dag,
                    run_states,
                })
            }
        };
        let redshift = match self.redshift {
            None => None,
            Some(spanned) => {
                let at = spanned.span().start;
                let raw = spanned.into_inner();
                let misfit = |message: String| Misfit { at, message };
                let target = match (raw.cluster, raw.workgroup) {
                    (Some(cluster), None) => RedshiftTarget::Cluster(cluster.0),
                    (None, Some(workgroup)) => RedshiftTarget::Workgroup(workgroup.0),
                    _ => {
                        return Err(misfit(format!(
                            "environment `{name}`: [environment.redshift] needs exactly one of `cluster` (provisioned) or `workgroup` (Serverless)"
                        )));
                    }
                };
                let auth = match (raw.secret_arn, raw.db_user) {
                    (None, None) => RedshiftAuth::Iam,
                    (Some(secret), None) => RedshiftAuth::Secret(secret.0),
                    (None, Some(user)) => {
                        if matches!(target, RedshiftTarget::Workgroup(_)) {
                            return Err(misfit(format!(
                                "environment `{name}`: `db_user` works with a provisioned `cluster` only; a Serverless workgroup signs in with IAM or `secret_arn`"
                            )));
                        }
                        RedshiftAuth::DbUser(user.0)
                    }
                    (Some(_), Some(_)) => {
                        return Err(misfit(format!(
                            "environment `{name}`: give `secret_arn` or `db_user`, not both"
                        )));
                    }
                };
                Some(RedshiftConfig {
                    target,
                    database: raw.database.0,
                    auth,
                })
            }
        };
        Ok(EnvironmentConfig {
            name,
            profile: self.profile.map(|n| n.0),
            region: self.region.map(|n| n.0),
            theme: self.theme.map(|n| n.0),
            read_only: self.read_only,
            dms: DmsConfig {
                tasks: names(self.dms.tasks),
                serverless: self.dms.serverless.unwrap_or(true),
            },
            airflow,
            redshift,
            cost: CostConfig {
                linked_accounts: names(self.cost.linked_accounts),
                tags: self
                    .cost
                    .tags
                    .into_iter()
                    .map(|(key, values)| (key, names(values)))
                    .collect(),
            },
            budget: self.cost.budget.map(|amount| amount.0),
        })
    }
}
