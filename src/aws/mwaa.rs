//! MWAA: the Airflow REST API through `InvokeRestApi`, as a [`Transport`] of the Airflow
//! client. The API version comes from `GetEnvironment`'s AirflowVersion (2.x → v1, 3.x →
//! v2). Airflow's own error answers come back as `RestApiClientException` /
//! `RestApiServerException` carrying Airflow's status and body; they are handed to the
//! client as answers, which retries reads on a 5xx (the SDK does not) and maps the rest.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_mwaa::Client;
use aws_sdk_mwaa::operation::invoke_rest_api::InvokeRestApiError;
use aws_sdk_mwaa::types::RestApiMethod;
use aws_smithy_types::{Document, Number};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::{ErrorContext, source_error};
use crate::airflow::{ApiRequest, ApiResponse, ApiVersion, Method, Transport};
use crate::source::{ErrorKind, SourceError, SourceResult};

/// InvokeRestApi refuses a longer `Path`.
pub const MAX_PATH: usize = 64;

/// The REST API of one MWAA environment.
pub struct MwaaTransport {
    client: Client,
    environment: String,
    context: ErrorContext,
    version: OnceCell<ApiVersion>,
}

impl MwaaTransport {
    /// The environment `environment` (its MWAA name) through `client`; `api_version`
    /// overrides what GetEnvironment says.
    pub fn new(
        client: Client,
        environment: String,
        context: ErrorContext,
        api_version: Option<ApiVersion>,
    ) -> Self {
        MwaaTransport {
            client,
            environment,
            context,
            version: OnceCell::new_with(api_version),
        }
    }

    async fn ask_version(&self) -> SourceResult<ApiVersion> {
        let answer = self
            .client
            .get_environment()
            .name(&self.environment)
            .send()
            .await
            .map_err(|e| source_error(e, &self.context))?;
        let release = answer
            .environment()
            .and_then(|e| e.airflow_version())
            .unwrap_or_default();
        ApiVersion::of_airflow(release).ok_or_else(|| {
            SourceError::new(
                ErrorKind::BadResponse,
                format!(
                    "MWAA: environment {} runs Airflow `{release}`, which opsdeck cannot read",
                    self.environment
                ),
            )
            .with_hint("opsdeck reads Airflow 2 and 3; set `api_version` in [environment.airflow] to force one")
        })
    }
}

#[async_trait]
impl Transport for MwaaTransport {
    async fn api_version(&self) -> SourceResult<ApiVersion> {
        self.version
            .get_or_try_init(|| self.ask_version())
            .await
            .copied()
    }

    async fn send(&self, request: &ApiRequest) -> SourceResult<ApiResponse> {
        if request.path.len() > MAX_PATH {
            return Err(SourceError::new(
                ErrorKind::Rejected,
                format!(
                    "MWAA: the REST path is {} characters; InvokeRestApi takes at most {MAX_PATH}",
                    request.path.len()
                ),
            )
            .with_hint(if request.path.contains("/logs/") {
                format!(
                    "open it in the Airflow UI, or in CloudWatch Logs (log group airflow-{}-Task)",
                    self.environment
                )
            } else {
                // An action's path names the DAG: a long DAG id does not fit.
                "the DAG id is too long for InvokeRestApi: do it in the Airflow UI".to_string()
            }));
        }
        let method = match request.method {
            Method::Get => RestApiMethod::Get,
            Method::Post => RestApiMethod::Post,
        };
        let query = (!request.query.is_empty()).then(|| {
            Document::Object(
                request
                    .query
                    .iter()
                    .map(|(k, v)| (k.clone(), Document::String(v.clone())))
                    .collect(),
            )
        });
        let answer = self
            .client
            .invoke_rest_api()
            .name(&self.environment)
            .path(&request.path)
            .method(method)
            .set_query_parameters(query)
            .set_body(request.body.as_ref().map(document_of));
        // A read (a GET, or a batch listing, which Airflow serves as a POST) may be retried
        // by the SDK; a change (a clear, a new run) is sent once, so an answer lost on the
        // way cannot clear twice or trigger a second run.
        let answer = if request.is_read() {
            answer.send().await
        } else {
            answer
                .customize()
                .config_override(
                    aws_sdk_mwaa::config::Builder::default()
                        .retry_config(aws_sdk_mwaa::config::retry::RetryConfig::disabled()),
                )
                .send()
                .await
        };
        match answer {
            Ok(out) => Ok(ApiResponse {
                status: out
                    .rest_api_status_code()
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(200),
                body: out.rest_api_response().map(json_of).unwrap_or(Value::Null),
            }),
            Err(error) => {
                let airflow_answer = match error.as_service_error() {
                    Some(InvokeRestApiError::RestApiClientException(e)) => {
                        Some((e.rest_api_status_code(), e.rest_api_response(), 400))
                    }
                    Some(InvokeRestApiError::RestApiServerException(e)) => {
                        Some((e.rest_api_status_code(), e.rest_api_response(), 500))
                    }
                    _ => None,
                };
                match airflow_answer {
                    Some((status, body, fallback)) => Ok(ApiResponse {
                        status: status
                            .and_then(|s| u16::try_from(s).ok())
                            .unwrap_or(fallback),
                        body: body.map(json_of).unwrap_or(Value::Null),
                    }),
                    None => Err(source_error(error, &self.context)),
                }
            }
        }
    }

    fn access_hint(&self) -> String {
        format!(
            "the AWS role needs airflow:InvokeRestApi on arn:aws:airflow:REGION:ACCOUNT:role/{}/Viewer (or User/Op to retry)",
            self.environment
        )
    }
}

/// A JSON value as a Smithy document.
pub(crate) fn document_of(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(document_of).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_of(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A Smithy document as a JSON value.
pub(crate) fn json_of(document: &Document) -> Value {
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(json_of).collect()),
        Document::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), json_of(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn documents_round_trip() {
        let value = json!({
            "dag_ids": ["a", "b"],
            "page_limit": 100,
            "offset": -1,
            "ratio": 0.5,
            "only_failed": true,
            "note": null
        });
        assert_eq!(json_of(&document_of(&value)), value);
    }
}
