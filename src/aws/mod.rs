//! The AWS adapters: the source traits over the official SDK. This is the only module
//! that names an `aws-sdk-*` type; everything it returns is a domain type or a
//! [`SourceError`](crate::source::SourceError).
//!
//! Credentials come from aws-config's default chain (environment, profiles, SSO,
//! assume-role, web identity, IMDS) with the environment's profile and region; the SDK's
//! `AWS_ENDPOINT_URL` and per-service `AWS_ENDPOINT_URL_*` variables redirect it (to a VPC
//! endpoint, or to an emulator in the tests).

pub mod cost;
pub mod dms;
mod error;
pub mod identity;
pub mod mwaa;
pub mod platform;
pub mod redshift;

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_types::timeout::TimeoutConfig;
use chrono::{DateTime, Utc};

pub use error::{ErrorContext, source_error};
pub use identity::caller_identity;

/// What the adapters need to know of an environment to reach AWS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsTarget {
    pub profile: Option<String>,
    pub region: Option<String>,
}

/// Loads the SDK configuration: the default credential chain, the profile and region of
/// the environment, the SDK's standard retries, and one HTTPS client (rustls with ring).
pub async fn load_config(target: &AwsTarget) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(20))
                .build(),
        );
    if let Some(profile) = &target.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &target.region {
        loader = loader.region(Region::new(region.clone()));
    }
    loader.load().await
}

/// An SDK timestamp as a chrono one (`None` when out of chrono's range).
pub(crate) fn time_of(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}
