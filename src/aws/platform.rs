//! One environment's sources on AWS: the SDK configuration loaded once, a client per
//! service, the adapters over them, and the disk cache in front of Cost Explorer.

use std::path::Path;
use std::sync::Arc;

use aws_config::{Region, SdkConfig};

use super::cost::CostExplorer;
use super::cost::{CachedCost, DEFAULT_TTL};
use super::dms::Dms;
use super::mwaa::MwaaTransport;
use super::redshift::Redshift;
use super::{AwsTarget, ErrorContext, load_config};
use crate::airflow::{AirflowClient, ApiVersion, HttpTransport, RunScope, Transport};
use crate::config::{AirflowConfig, AirflowEndpoint, EnvironmentConfig};
use crate::source::{Sources, SystemClock, Unconfigured, WarehouseSource, WorkflowSource};

/// The Airflow REST client of an environment: through MWAA's InvokeRestApi, or over HTTP
/// to a self-managed Airflow (its password read from the variable `password_env` names).
pub fn airflow_client(
    airflow: &AirflowConfig,
    config: &SdkConfig,
    context: ErrorContext,
) -> AirflowClient {
    let version = airflow.api_version.and_then(ApiVersion::from_number);
    let transport: Arc<dyn Transport> = match &airflow.endpoint {
        AirflowEndpoint::Mwaa { environment } => Arc::new(MwaaTransport::new(
            aws_sdk_mwaa::Client::new(config),
            environment.clone(),
            context,
            version,
        )),
        AirflowEndpoint::SelfManaged {
            url,
            username,
            password_env,
        } => Arc::new(HttpTransport::new(
            url,
            username.clone(),
            password_env
                .as_ref()
                .and_then(|var| std::env::var(var).ok()),
            password_env.clone(),
            version,
        )),
    };
    AirflowClient::new(transport, RunScope::from(airflow))
}

/// Cost Explorer answers in one region only.
const COST_EXPLORER_REGION: &str = "us-east-1";

/// An environment opened on AWS: its sources, and the region its clients use.
pub struct Connected {
    pub sources: Sources,
    /// The region the SDK resolved (the environment's, else AWS_REGION or the profile's),
    /// for the header; none when there is none anywhere.
    pub region: Option<String>,
}

/// The sources of an environment, with Cost Explorer answers cached under `cache_dir`.
pub async fn sources(environment: &EnvironmentConfig, cache_dir: &Path) -> Connected {
    let target = AwsTarget {
        profile: environment.profile.clone(),
        region: environment.region.clone(),
    };
    let config = load_config(&target).await;
    let context = |service| ErrorContext::new(service, environment.profile.clone());

    let dms = Dms::new(
        aws_sdk_databasemigration::Client::new(&config),
        environment.dms.clone(),
        context("DMS"),
    );
    let warehouse: Arc<dyn WarehouseSource> = match &environment.redshift {
        Some(redshift) => Arc::new(Redshift::new(
            aws_sdk_redshiftdata::Client::new(&config),
            redshift.clone(),
            context("Redshift"),
        )),
        None => Arc::new(Unconfigured {
            environment: environment.name.clone(),
            section: "[environment.redshift]",
            service: "Redshift",
        }),
    };
    let workflow: Arc<dyn WorkflowSource> = match &environment.airflow {
        Some(airflow) => Arc::new(airflow_client(airflow, &config, context("MWAA"))),
        None => Arc::new(Unconfigured {
            environment: environment.name.clone(),
            section: "[environment.airflow]",
            service: "Airflow",
        }),
    };
    let cost_config = aws_sdk_costexplorer::config::Builder::from(&config)
        .region(Region::new(COST_EXPLORER_REGION))
        .build();
    let cost = CostExplorer::new(
        aws_sdk_costexplorer::Client::from_conf(cost_config),
        environment.cost.clone(),
        context("Cost Explorer"),
    );
    let region = config.region().map(|r| r.to_string());
    let sources = Sources {
        replication: Arc::new(dms),
        workflow,
        warehouse,
        cost: Arc::new(CachedCost::new(
            Arc::new(cost),
            &cache_dir.join("cost"),
            &environment.name,
            &environment.cost,
            DEFAULT_TTL,
        )),
        clock: Arc::new(SystemClock),
        identity: Arc::new(AwsIdentity {
            config,
            context: context("STS"),
            known: tokio::sync::OnceCell::new(),
        }),
    };
    Connected { sources, region }
}

/// The caller of an environment's credentials, asked of STS once and then remembered.
struct AwsIdentity {
    config: SdkConfig,
    context: ErrorContext,
    known: tokio::sync::OnceCell<String>,
}

#[async_trait::async_trait]
impl crate::source::Identity for AwsIdentity {
    async fn caller(&self) -> crate::source::SourceResult<String> {
        self.known
            .get_or_try_init(|| async {
                let client = aws_sdk_sts::Client::new(&self.config);
                super::identity::caller_identity_of(&client, &self.context).await
            })
            .await
            .cloned()
    }
}
