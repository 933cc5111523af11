//! Who the credentials of an environment belong to (STS GetCallerIdentity), so the audit
//! log can say who did an action. The call needs no permission: any valid credentials
//! may make it, and a refusal means the credentials themselves are not usable.

use aws_config::SdkConfig;
use aws_sdk_sts::Client;

use super::{ErrorContext, source_error};
use crate::source::{ErrorKind, SourceError};

/// The ARN of the identity the configuration's credentials belong to (a user, or an
/// assumed role's session: `arn:aws:sts::123456789012:assumed-role/Operator/alice`).
///
/// The client honours `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_STS`) like every other.
/// Errors carry no profile in their hint; [`caller_identity_of`] takes a context that does.
pub async fn caller_identity(config: &SdkConfig) -> Result<String, SourceError> {
    caller_identity_of(&Client::new(config), &ErrorContext::new("STS", None)).await
}

/// [`caller_identity`] through a given client, with errors told in `context`.
pub async fn caller_identity_of(
    client: &Client,
    context: &ErrorContext,
) -> Result<String, SourceError> {
    let output = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| source_error(e, context))?;
    match output.arn() {
        Some(arn) if !arn.trim().is_empty() => Ok(arn.trim().to_string()),
        _ => Err(SourceError::new(
            ErrorKind::BadResponse,
            format!(
                "{}: GetCallerIdentity answered without an ARN",
                context.service
            ),
        )),
    }
}
