//! The Airflow REST client: one client, two ways to reach the API.
//!
//! [`AirflowClient`] speaks Airflow's stable REST API (v1 for Airflow 2, v2 for Airflow 3)
//! and implements [`WorkflowSource`](crate::source::WorkflowSource). How a request gets to
//! Airflow is a [`Transport`]: [`HttpTransport`] for a self-managed Airflow at a base URL
//! (basic auth for Airflow 2, a JWT from `/auth/token` for Airflow 3), or the MWAA
//! transport in `aws::mwaa`, which wraps each request in InvokeRestApi.
//!
//! Every listing uses the batch endpoints (`POST /dags/~/dagRuns/list`,
//! `POST /dags/~/dagRuns/~/taskInstances/list`) as batches, for every DAG at once: a poll
//! sends the same few requests whatever the number of DAGs (`runs.rs`), and their paths are
//! short and carry no run id, which MWAA's 64-character `Path` needs. The actions (clear, trigger) name the DAG in
//! their path, so through MWAA a DAG id of more than 39 characters cannot be cleared (50 to
//! trigger).

mod actions;
mod book;
mod client;
mod error;
mod http;
mod log;
mod runs;
mod wire;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use serde_json::Value;

pub use client::{AirflowClient, RunScope};
pub use http::HttpTransport;

use crate::source::SourceResult;

/// The version of Airflow's stable REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// Airflow 2: `/api/v1`.
    V1,
    /// Airflow 3: `/api/v2`.
    V2,
}

impl ApiVersion {
    /// The path prefix of the API on an Airflow server.
    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/api/v1",
            ApiVersion::V2 => "/api/v2",
        }
    }

    /// The API an Airflow release serves ("2.10.3" → v1, "3.0.6" → v2).
    pub fn of_airflow(release: &str) -> Option<Self> {
        let major: u32 = release.trim().split('.').next()?.parse().ok()?;
        match major {
            2 => Some(ApiVersion::V1),
            3.. => Some(ApiVersion::V2),
            _ => None,
        }
    }

    /// The API by its number in the config (`api_version = 2`).
    pub fn from_number(number: u8) -> Option<Self> {
        match number {
            1 => Some(ApiVersion::V1),
            2 => Some(ApiVersion::V2),
            _ => None,
        }
    }
}

/// The HTTP methods the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request to the REST API, with its path relative to the API prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    /// `/dags/~/dagRuns/list`: segments that carry ids are percent-encoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// A JSON body without null values.
    pub body: Option<Value>,
}

impl ApiRequest {
    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            method: Method::Get,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    /// A POST of `body` to `path`.
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        ApiRequest {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    /// The same request with one more query parameter.
    pub fn with_query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Whether the request only reads, so that repeating it is harmless: GETs and the
    /// batch listings (which Airflow serves as POSTs).
    pub fn is_read(&self) -> bool {
        self.method == Method::Get || self.path.ends_with("/list")
    }

    /// `GET /dags`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

/// Airflow's answer: its HTTP status and JSON body (an error's body too).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Value,
}

/// How requests reach the REST API. A transport returns every answer Airflow gave, errors
/// included, as an [`ApiResponse`]; it fails only when it got no answer from Airflow
/// (unreachable, signed out of AWS, refused by MWAA itself).
#[async_trait]
pub trait Transport: Send + Sync {
    /// The API version the server speaks (asked once, then remembered).
    async fn api_version(&self) -> SourceResult<ApiVersion>;
    /// Sends one request.
    async fn send(&self, request: &ApiRequest) -> SourceResult<ApiResponse>;
    /// What to check when Airflow refuses the caller (401/403), in the operator's words.
    fn access_hint(&self) -> String;
}

/// A path segment with everything but unreserved characters percent-encoded (run ids
/// carry `+` and `:`).
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
