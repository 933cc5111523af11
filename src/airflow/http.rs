//! [`HttpTransport`]: a self-managed Airflow at a base URL. Airflow 3 (`/api/v2`) takes a
//! JWT from `POST /auth/token`, fetched on first use and again once when Airflow says it
//! expired; Airflow 2 (`/api/v1`) takes basic auth.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell};

use super::error::{detail_of, http_error};
use super::{ApiRequest, ApiResponse, ApiVersion, Method, Transport};
use crate::source::{ErrorKind, SourceError, SourceResult};

/// The longest an answer may take (an MWAA-like bound: a poll must not hang).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Who the console signs in as.
#[derive(Clone)]
struct Credentials {
    username: String,
    /// `None` when the variable named by `password_env` is not set.
    password: Option<String>,
    password_env: Option<String>,
}

/// A self-managed Airflow's REST API over HTTP(S).
pub struct HttpTransport {
    client: Result<reqwest::Client, SourceError>,
    /// `https://airflow.internal` (no trailing slash).
    base: String,
    credentials: Option<Credentials>,
    version: OnceCell<ApiVersion>,
    /// Airflow 3's JWT, once fetched.
    token: Mutex<Option<String>>,
}

impl HttpTransport {
    /// An Airflow at `base_url`, signing in as `username` with `password` (read by the
    /// caller from the variable `password_env`), speaking `api_version` or, when `None`,
    /// the version the server answers to.
    pub fn new(
        base_url: &str,
        username: Option<String>,
        password: Option<String>,
        password_env: Option<String>,
        api_version: Option<ApiVersion>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                SourceError::new(
                    ErrorKind::Unreachable,
                    format!("Airflow: cannot set up HTTPS: {e}"),
                )
            });
        let version = OnceCell::new_with(api_version);
        HttpTransport {
            client,
            base: base_url.trim_end_matches('/').to_string(),
            credentials: username.map(|username| Credentials {
                username,
                password,
                password_env,
            }),
            version,
            token: Mutex::new(None),
        }
    }

    fn client(&self) -> SourceResult<&reqwest::Client> {
        self.client.as_ref().map_err(Clone::clone)
    }

    fn unreachable(&self, error: reqwest::Error) -> SourceError {
        let what = if error.is_timeout() {
            "no answer in time"
        } else if error.is_connect() {
            "cannot connect"
        } else {
            "request failed"
        };
        let mut cause: &dyn std::error::Error = &error;
        while let Some(next) = cause.source() {
            cause = next;
        }
        SourceError::new(
            ErrorKind::Unreachable,
            format!("Airflow: {what} at {}: {cause}", self.base),
        )
        .with_hint("check `url` in [environment.airflow], the network or VPN, and that the api-server runs")
    }

    /// The password, or an error saying how to give it.
    fn password<'a>(&self, credentials: &'a Credentials) -> SourceResult<&'a str> {
        credentials.password.as_deref().ok_or_else(|| {
            let hint = match &credentials.password_env {
                Some(var) => format!("export {var} with the password of `{}`", credentials.username),
                None => "set `password_env` in [environment.airflow] to the variable that holds the password".to_string(),
            };
            SourceError::new(
                ErrorKind::Auth,
                format!("Airflow: no password for user `{}`", credentials.username),
            )
            .with_hint(hint)
        })
    }

    /// Airflow 3's `POST /auth/token`.
    async fn fetch_token(&self, credentials: &Credentials) -> SourceResult<String> {
        let url = format!("{}/auth/token", self.base);
        let answer = self
            .client()?
            .post(&url)
            .json(&json!({
                "username": credentials.username,
                "password": self.password(credentials)?,
            }))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = answer.status().as_u16();
        let body = body_of(answer).await;
        if (200..300).contains(&status)
            && let Some(token) = body.get("access_token").and_then(Value::as_str)
        {
            return Ok(token.to_string());
        }
        let request = ApiRequest::post("/auth/token", Value::Null);
        if (200..300).contains(&status) {
            return Err(super::error::unreadable_answer(&body, &request).unwrap_or_else(|| {
                SourceError::new(
                    ErrorKind::BadResponse,
                    "Airflow: malformed answer: POST /auth/token answered JSON without an access_token",
                )
                .with_hint("check `url` in [environment.airflow]: it should be Airflow 3's api-server, which signs in at /auth/token")
            }));
        }
        let mut error = http_error(status, &body, &request, &self.access_hint());
        if matches!(status, 400 | 401 | 403) {
            error.kind = ErrorKind::Auth;
            error.message = format!(
                "Airflow refused user `{}` at /auth/token: {}",
                credentials.username,
                detail_of(&body)
            );
            error.hint = Some(self.access_hint());
        }
        Err(error)
    }

    /// The JWT to send: the one held, or a new one when none is held or the held one is
    /// `refused`. The lock is not held during requests, so requests run side by side.
    async fn token_for(
        &self,
        credentials: &Credentials,
        refused: Option<&str>,
    ) -> SourceResult<String> {
        let mut token = self.token.lock().await;
        match token.as_deref() {
            Some(held) if Some(held) != refused => Ok(held.to_string()),
            _ => {
                let fresh = self.fetch_token(credentials).await?;
                *token = Some(fresh.clone());
                Ok(fresh)
            }
        }
    }

    async fn attempt(
        &self,
        version: ApiVersion,
        request: &ApiRequest,
        token: Option<&str>,
    ) -> SourceResult<ApiResponse> {
        let url = format!("{}{}{}", self.base, version.prefix(), request.path);
        let client = self.client()?;
        let mut builder = match request.method {
            Method::Get => client.get(&url),
            Method::Post => client.post(&url),
        }
        .header(reqwest::header::ACCEPT, "application/json")
        .query(&request.query);
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        if let Some(token) = token {
            builder = builder.bearer_auth(token);
        } else if let (ApiVersion::V1, Some(credentials)) = (version, &self.credentials) {
            builder = builder.basic_auth(&credentials.username, Some(self.password(credentials)?));
        }
        let answer = builder.send().await.map_err(|e| self.unreachable(e))?;
        let status = answer.status().as_u16();
        let body = body_of(answer).await;
        Ok(ApiResponse { status, body })
    }

    /// The API the server speaks: `/api/v2/version` exists on Airflow 3 only.
    async fn detect_version(&self) -> SourceResult<ApiVersion> {
        let url = format!("{}/api/v2/version", self.base);
        let answer = self
            .client()?
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        Ok(if answer.status() == StatusCode::NOT_FOUND {
            ApiVersion::V1
        } else {
            ApiVersion::V2
        })
    }
}

/// The JSON of an answer; text that is not JSON (a proxy's error page) as a string.
async fn body_of(answer: reqwest::Response) -> Value {
    let text = answer.text().await.unwrap_or_default();
    if text.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Whether an answer means the JWT is no longer good: expired (401), or signed with a key
/// the server no longer has (403 "Invalid JWT token", after a restart).
fn token_refused(response: &ApiResponse) -> bool {
    response.status == 401 || (response.status == 403 && detail_of(&response.body).contains("JWT"))
}

#[async_trait]
impl Transport for HttpTransport {
    async fn api_version(&self) -> SourceResult<ApiVersion> {
        self.version
            .get_or_try_init(|| self.detect_version())
            .await
            .copied()
    }

    async fn send(&self, request: &ApiRequest) -> SourceResult<ApiResponse> {
        let version = self.api_version().await?;
        let credentials = match (version, &self.credentials) {
            (ApiVersion::V2, Some(credentials)) => credentials,
            _ => return self.attempt(version, request, None).await,
        };
        let stale = self.token_for(credentials, None).await?;
        let response = self.attempt(version, request, Some(&stale)).await?;
        if !token_refused(&response) {
            return Ok(response);
        }
        let fresh = self.token_for(credentials, Some(&stale)).await?;
        self.attempt(version, request, Some(&fresh)).await
    }

    fn access_hint(&self) -> String {
        match &self.credentials {
            Some(c) => format!(
                "check `username` ({}) and the password in ${} for {}, and that the user's role may read DAG runs",
                c.username,
                c.password_env.as_deref().unwrap_or("?"),
                self.base
            ),
            None => format!(
                "{} asks for a user: set `username` and `password_env` in [environment.airflow]",
                self.base
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What the scripted server saw: `METHOD /path Authorization`.
    type Seen = Arc<Mutex<Vec<String>>>;

    /// A one-thread HTTP/1.1 server on 127.0.0.1 answering with `answer(method, path,
    /// authorization)`; every answer closes its connection.
    fn serve(
        answer: impl Fn(&str, &str, &str) -> (u16, String) + Send + 'static,
    ) -> (String, Seen) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Seen = Arc::default();
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                reader.read_line(&mut head).unwrap();
                let (mut length, mut auth) = (0, String::new());
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    let (name, value) = line.split_once(": ").unwrap_or((line, ""));
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => length = value.parse().unwrap(),
                        "authorization" => auth = value.to_string(),
                        _ => {}
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let mut words = head.split_whitespace();
                let (method, path) = (words.next().unwrap(), words.next().unwrap());
                log.lock().unwrap().push(format!("{method} {path} {auth}"));
                let (status, body) = answer(method, path, &auth);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, seen)
    }

    fn transport(url: &str, version: Option<ApiVersion>) -> HttpTransport {
        HttpTransport::new(
            url,
            Some("ops".into()),
            Some("pw".into()),
            Some("AIRFLOW_PW".into()),
            version,
        )
    }

    /// Tokens `t1`, `t2`, … in order; the API takes only `good`.
    fn tokens_then(good: &'static str, refusal: (u16, &'static str)) -> (String, Seen) {
        let issued = Mutex::new(0);
        serve(move |method, path, auth| match (method, path) {
            ("POST", "/auth/token") => {
                let mut n = issued.lock().unwrap();
                *n += 1;
                (201, format!("{{\"access_token\": \"t{n}\"}}"))
            }
            (_, "/api/v2/dags") if auth == format!("Bearer {good}") => {
                (200, r#"{"dags": [], "total_entries": 0}"#.into())
            }
            _ => (refusal.0, refusal.1.into()),
        })
    }

    #[tokio::test]
    async fn an_expired_token_is_replaced_once() {
        let (url, seen) = tokens_then("t2", (401, r#"{"detail": "Token Expired"}"#));
        let transport = transport(&url, Some(ApiVersion::V2));
        let answer = transport.send(&ApiRequest::get("/dags")).await.unwrap();
        assert_eq!(answer.status, 200);
        // The new token is kept.
        let answer = transport.send(&ApiRequest::get("/dags")).await.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "POST /auth/token ",
                "GET /api/v2/dags Bearer t1",
                "POST /auth/token ",
                "GET /api/v2/dags Bearer t2",
                "GET /api/v2/dags Bearer t2",
            ]
        );
    }

    #[tokio::test]
    async fn a_token_from_before_a_restart_is_replaced() {
        let (url, _) = tokens_then("t2", (403, r#"{"detail": "Invalid JWT token"}"#));
        let answer = transport(&url, Some(ApiVersion::V2))
            .send(&ApiRequest::get("/dags"))
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
    }

    #[tokio::test]
    async fn a_refusal_that_is_not_the_token_is_passed_on() {
        let (url, seen) = tokens_then("never", (403, r#"{"detail": "Forbidden"}"#));
        let answer = transport(&url, Some(ApiVersion::V2))
            .send(&ApiRequest::get("/dags"))
            .await
            .unwrap();
        assert_eq!(answer.status, 403);
        assert_eq!(seen.lock().unwrap().len(), 2, "no second token");

        let (url, seen) = tokens_then("never", (401, r#"{"detail": "Token Expired"}"#));
        let answer = transport(&url, Some(ApiVersion::V2))
            .send(&ApiRequest::get("/dags"))
            .await
            .unwrap();
        assert_eq!(answer.status, 401, "one new token, then the answer");
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn airflow_2_is_detected_and_takes_basic_auth() {
        let (url, seen) = serve(|_, path, _| match path {
            "/api/v2/version" => (404, r#"{"title": "Not Found"}"#.into()),
            _ => (200, r#"{"dags": []}"#.into()),
        });
        let transport = transport(&url, None);
        assert_eq!(transport.api_version().await.ok(), Some(ApiVersion::V1));
        transport
            .send(&ApiRequest::get("/dags").with_query("limit", 100))
            .await
            .unwrap();
        assert_eq!(
            seen.lock().unwrap().last().map(String::as_str),
            // base64("ops:pw")
            Some("GET /api/v1/dags?limit=100 Basic b3BzOnB3")
        );
    }

    #[tokio::test]
    async fn a_refused_sign_in_is_an_auth_error() {
        let (url, _) = serve(|_, _, _| (401, r#"{"detail": "Invalid credentials"}"#.into()));
        let error = transport(&url, Some(ApiVersion::V2))
            .send(&ApiRequest::get("/dags"))
            .await
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Auth);
        assert_eq!(
            error.message,
            "Airflow refused user `ops` at /auth/token: Invalid credentials"
        );
    }

    #[tokio::test]
    async fn a_proxy_page_is_kept_as_text() {
        let (url, _) = serve(|_, _, _| (502, "<html>Bad Gateway</html>".into()));
        let answer = HttpTransport::new(&url, None, None, None, Some(ApiVersion::V2))
            .send(&ApiRequest::get("/dags"))
            .await
            .unwrap();
        assert_eq!(answer.status, 502);
        assert_eq!(
            answer.body,
            Value::String("<html>Bad Gateway</html>".into())
        );
    }
}
