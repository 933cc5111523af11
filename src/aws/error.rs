//! SDK errors as [`SourceError`]s: what kind of failure, one line of cause, and a hint the
//! operator can act on at 3 a.m.

use std::error::Error as StdError;

use aws_sdk_databasemigration::config::http::HttpResponse;
use aws_sdk_databasemigration::error::{DisplayErrorContext, SdkError};
use aws_sdk_databasemigration::operation::RequestId;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::source::{ErrorKind, SourceError};

/// Where an error happened, for its message and hint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorContext {
    /// The service as the operator says it ("DMS").
    pub service: &'static str,
    /// The AWS profile in use, for "run `aws sso login --profile X`".
    pub profile: Option<String>,
}

impl ErrorContext {
    /// The context of one service under a profile.
    pub fn new(service: &'static str, profile: Option<String>) -> Self {
        ErrorContext { service, profile }
    }

    fn profile_flag(&self) -> String {
        match &self.profile {
            Some(profile) => format!(" --profile {profile}"),
            None => String::new(),
        }
    }
}

/// Error codes, as services spell them, by the kind of failure they mean.
const AUTH_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
];
const PERMISSION_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AccessDeniedFault",
    "UnauthorizedOperation",
    "UnauthorizedException",
];
const THROTTLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
];
const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundFault",
    "ResourceNotFoundException",
    "DataNotAvailableException",
];

/// Turns an SDK error into a source error with a hint.
pub fn source_error<E>(error: SdkError<E, HttpResponse>, context: &ErrorContext) -> SourceError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let service = context.service;
    match &error {
        SdkError::ServiceError(inner) => {
            let status = inner.raw().status().as_u16();
            // A success status the SDK could not read: not an error AWS said, but an
            // answer that is not AWS's (a proxy's page) or that was cut on the way.
            if (200..300).contains(&status) {
                return malformed_answer(status, inner.raw().body().bytes(), context);
            }
            let code = inner.err().code().unwrap_or("");
            let message = inner.err().message().unwrap_or("").trim();
            service_error(code, message, status, context)
        }
        SdkError::TimeoutError(_) => SourceError::new(
            ErrorKind::Unreachable,
            format!("{service}: no answer in time"),
        )
        .with_hint("check the network or VPN, or the endpoint in AWS_ENDPOINT_URL"),
        SdkError::DispatchFailure(failure) => {
            let chain = DisplayErrorContext(&error).to_string();
            if let Some(credentials) = credentials_error(&chain, context) {
                return credentials;
            }
            // No region anywhere: nothing was sent, so the network is not the cause.
            let lower = chain.to_ascii_lowercase();
            if lower.contains("missing region") || lower.contains("missing signing region") {
                return SourceError::new(
                    ErrorKind::Misconfigured,
                    format!("{service}: no AWS region"),
                )
                .with_hint(format!(
                    "give --region, `region` in the environment, AWS_REGION, or a region in \
                     ~/.aws/config{}",
                    context
                        .profile
                        .as_deref()
                        .map(|p| format!(" for profile {p}"))
                        .unwrap_or_default()
                ));
            }
            let what = if failure.is_timeout() {
                "timed out connecting"
            } else {
                "cannot connect"
            };
            SourceError::new(
                ErrorKind::Unreachable,
                format!("{service}: {what}: {}", last_cause(&error)),
            )
            .with_hint("check the network or VPN, the region, or AWS_ENDPOINT_URL")
        }
        SdkError::ResponseError(_) => response_error(&last_cause(&error), context),
        // Construction failures are mostly credentials that could not be had.
        _ => {
            let chain = DisplayErrorContext(&error).to_string();
            credentials_error(&chain, context).unwrap_or_else(|| {
                SourceError::new(
                    ErrorKind::Rejected,
                    format!("{service}: {}", last_cause(&error)),
                )
            })
        }
    }
}

/// Turns the SDK error of a call that changes something into a source error whose message
/// ends with the service's request id, when the answer carried one: the audit log keeps
/// it, and it is what AWS support asks for.
pub fn action_error<E>(error: SdkError<E, HttpResponse>, context: &ErrorContext) -> SourceError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    // The header of the raw answer; else what the deserializer copied into the metadata.
    let request_id = error
        .request_id()
        .or_else(|| error.meta().request_id())
        .filter(|id| !id.trim().is_empty())
        .map(str::to_string);
    let mut mapped = source_error(error, context);
    if let Some(id) = request_id {
        mapped.message = format!("{} (request id {id})", mapped.message);
    }
    mapped
}

/// How much of an unreadable body a message quotes.
const QUOTED: usize = 40;

/// A success answer whose body could not be read: what was wrong with it (empty, not
/// UTF-8, JSON that stops early, not JSON), with the service and a hint.
fn malformed_answer(status: u16, body: Option<&[u8]>, context: &ErrorContext) -> SourceError {
    let service = context.service;
    let body = body.unwrap_or_default();
    let (what, cut) = if body.iter().all(u8::is_ascii_whitespace) {
        (format!("HTTP {status} with an empty body"), true)
    } else {
        match std::str::from_utf8(body) {
            Err(_) => (format!("HTTP {status}, not UTF-8 text"), false),
            Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Err(e) if e.is_eof() => (
                    format!("HTTP {status}, the JSON stops after {} bytes", body.len()),
                    true,
                ),
                Err(_) => (format!("HTTP {status}, not JSON: `{}`", quote(text)), false),
                Ok(_) => (format!("HTTP {status}, JSON of another shape"), false),
            },
        }
    };
    let (said, hint) = if cut {
        ("answer cut short", CUT_SHORT_HINT)
    } else {
        ("malformed answer", NOT_AWS_HINT)
    };
    SourceError::new(
        ErrorKind::BadResponse,
        format!("{service}: {said} ({what})"),
    )
    .with_hint(hint)
}

/// An answer whose reading failed on the way (the body ended before its announced length,
/// or could not be decoded).
fn response_error(cause: &str, context: &ErrorContext) -> SourceError {
    let service = context.service;
    let lower = cause.to_ascii_lowercase();
    let cut = [
        "end of file",
        "incomplete",
        "message length",
        "connection closed",
        "reset",
    ]
    .iter()
    .any(|sign| lower.contains(sign));
    let cause = crate::text::inert_line(cause);
    if cut {
        SourceError::new(
            ErrorKind::BadResponse,
            format!("{service}: answer cut short ({cause})"),
        )
        .with_hint(CUT_SHORT_HINT)
    } else {
        SourceError::new(
            ErrorKind::BadResponse,
            format!("{service}: malformed answer ({cause})"),
        )
        .with_hint(NOT_AWS_HINT)
    }
}

/// The hint of an answer that stopped early.
const CUT_SHORT_HINT: &str =
    "the connection dropped mid-answer, on the network or at a proxy: opsdeck asks again";
/// The hint of an answer that is not AWS's.
const NOT_AWS_HINT: &str = "something other than AWS answered: check AWS_ENDPOINT_URL, a \
                            proxy or a captive portal on the way";

/// The start of a remote text, inert and on one line, for a message.
fn quote(text: &str) -> String {
    let line = crate::text::inert_line(text);
    match line.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// A service's answer: by its error code first, then by its HTTP status.
fn service_error(code: &str, message: &str, status: u16, context: &ErrorContext) -> SourceError {
    let service = context.service;
    let said = match (code.is_empty(), message.is_empty()) {
        // Nothing but a status: say the status rather than nothing.
        (true, true) => format!("HTTP {status} with no error code or message"),
        (false, true) => code.to_string(),
        (true, false) => message.to_string(),
        (false, false) => format!("{code}: {message}"),
    };
    let lower = message.to_ascii_lowercase();
    let kind = if AUTH_CODES.contains(&code) || status == 401 {
        ErrorKind::Auth
    } else if PERMISSION_CODES.contains(&code) || status == 403 {
        ErrorKind::Permission
    } else if THROTTLE_CODES.contains(&code) || status == 429 {
        ErrorKind::Throttled
    } else if NOT_FOUND_CODES.contains(&code) || status == 404 {
        ErrorKind::NotFound
    } else if status >= 500 {
        ErrorKind::Unreachable
    } else {
        ErrorKind::Rejected
    };
    let error = SourceError::new(kind, format!("{service}: {said}"));
    match kind {
        ErrorKind::Auth if lower.contains("expired") || code.starts_with("Expired") => error
            .with_hint(format!(
                "credentials expired: run `aws sso login{}` (or refresh them) and press Ctrl-r",
                context.profile_flag()
            )),
        ErrorKind::Auth => error.with_hint(format!(
            "the credentials were refused: check `aws sts get-caller-identity{}`",
            context.profile_flag()
        )),
        ErrorKind::Permission => error
            .with_hint("the role lacks a permission: see docs/iam for the policy opsdeck needs"),
        ErrorKind::Throttled => error.with_hint("AWS is throttling: opsdeck backs off and retries"),
        ErrorKind::Unreachable => {
            error.with_hint("the service had an internal error: opsdeck retries")
        }
        _ => error,
    }
}

/// A missing or expired credential, recognised in the SDK's error chain.
fn credentials_error(chain: &str, context: &ErrorContext) -> Option<SourceError> {
    let lower = chain.to_ascii_lowercase();
    let service = context.service;
    let sso = lower.contains("sso") || lower.contains("token has expired");
    if sso && (lower.contains("expired") || lower.contains("refresh")) {
        return Some(
            SourceError::new(ErrorKind::Auth, format!("{service}: SSO token expired"))
                .with_hint(format!("run `aws sso login{}`", context.profile_flag())),
        );
    }
    if lower.contains("no credentials")
        || lower.contains("credential provider")
        || lower.contains("credentials provider")
        || lower.contains("loading credentials")
        || lower.contains("failed to load credentials")
        || lower.contains("credentialsnotloaded")
    {
        let hint = match &context.profile {
            Some(profile) => format!(
                "profile `{profile}` gave no credentials: check ~/.aws/config, or run `aws sso login --profile {profile}`"
            ),
            None => {
                "no AWS credentials found: set AWS_PROFILE, use --profile, or run `aws configure`"
                    .to_string()
            }
        };
        return Some(
            SourceError::new(ErrorKind::Auth, format!("{service}: no usable credentials"))
                .with_hint(hint),
        );
    }
    None
}

/// The innermost cause of an error, which is usually the one that says what happened.
fn last_cause(error: &(dyn StdError + 'static)) -> String {
    let mut cause: &(dyn StdError + 'static) = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> ErrorContext {
        ErrorContext::new("DMS", Some("data-prod".into()))
    }

    #[test]
    fn service_codes_map_to_kinds_with_hints() {
        let e = service_error("AccessDeniedFault", "not allowed", 400, &context());
        assert_eq!(e.kind, ErrorKind::Permission);
        assert_eq!(e.message, "DMS: AccessDeniedFault: not allowed");
        let e = service_error("", "", 500, &context());
        assert_eq!(e.message, "DMS: HTTP 500 with no error code or message");
        assert_eq!(e.kind, ErrorKind::Unreachable);
        let e = service_error(
            "ExpiredTokenException",
            "The security token included in the request is expired",
            400,
            &context(),
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(
            e.hint
                .unwrap()
                .contains("aws sso login --profile data-prod")
        );
        let e = service_error("ThrottlingException", "Rate exceeded", 400, &context());
        assert_eq!(e.kind, ErrorKind::Throttled);
        let e = service_error("ResourceNotFoundFault", "", 400, &context());
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.message, "DMS: ResourceNotFoundFault");
        let e = service_error("InternalFailure", "", 500, &context());
        assert_eq!(e.kind, ErrorKind::Unreachable);
        let e = service_error(
            "InvalidResourceStateFault",
            "task is running",
            400,
            &context(),
        );
        assert_eq!(e.kind, ErrorKind::Rejected);
    }

    #[test]
    fn success_answers_that_cannot_be_read_say_so() {
        let e = malformed_answer(
            200,
            Some(b"<html><body>Sign in to the Wi-Fi</body></html>"),
            &context(),
        );
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert_eq!(
            e.message,
            "DMS: malformed answer (HTTP 200, not JSON: `<html><body>Sign in to the Wi-Fi</body><…`)"
        );
        assert!(e.hint.unwrap().contains("AWS_ENDPOINT_URL"));
        let e = malformed_answer(200, Some(&[0x7b, 0xff, 0xfe, 0x7d]), &context());
        assert_eq!(
            e.message,
            "DMS: malformed answer (HTTP 200, not UTF-8 text)"
        );
        let e = malformed_answer(
            200,
            Some(br#"{"ReplicationTasks": [{"Replicat"#),
            &context(),
        );
        assert_eq!(
            e.message,
            "DMS: answer cut short (HTTP 200, the JSON stops after 32 bytes)"
        );
        assert!(e.hint.unwrap().contains("dropped mid-answer"));
        let e = malformed_answer(200, None, &context());
        assert_eq!(
            e.message,
            "DMS: answer cut short (HTTP 200 with an empty body)"
        );
        // Remote text quoted in the message is inert.
        let e = malformed_answer(200, Some(b"\x1b]0;owned\x07oops"), &context());
        assert_eq!(
            e.message,
            "DMS: malformed answer (HTTP 200, not JSON: `oops`)"
        );
    }

    #[test]
    fn answers_that_fail_on_the_way_say_so() {
        let e = response_error("end of file before message length reached", &context());
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert_eq!(
            e.message,
            "DMS: answer cut short (end of file before message length reached)"
        );
        assert!(e.hint.unwrap().contains("dropped mid-answer"));
        let e = response_error("invalid gzip header", &context());
        assert_eq!(e.message, "DMS: malformed answer (invalid gzip header)");
    }

    #[test]
    fn credential_failures_are_recognised() {
        let e = credentials_error(
            "dispatch failure: other: the credentials provider was not enabled: no credentials",
            &ErrorContext::new("Redshift", None),
        )
        .unwrap();
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(e.hint.unwrap().contains("aws configure"));
        let e = credentials_error(
            "failed to load SSO token: the SSO session has expired or is invalid",
            &context(),
        )
        .unwrap();
        assert_eq!(e.message, "DMS: SSO token expired");
        assert_eq!(
            e.hint.as_deref(),
            Some("run `aws sso login --profile data-prod`")
        );
        assert!(credentials_error("connection refused", &context()).is_none());
    }
}
