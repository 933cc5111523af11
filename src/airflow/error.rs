//! Airflow's error answers as [`SourceError`]s: the kind by HTTP status, the cause from
//! Airflow's own message, and a hint.

use serde_json::Value;

use super::ApiRequest;
use crate::source::{ErrorKind, SourceError};

/// The longest piece of an error body kept in a message.
const MAX_DETAIL: usize = 300;

/// An answer of Airflow with an error status.
pub(crate) fn http_error(
    status: u16,
    body: &Value,
    request: &ApiRequest,
    access_hint: &str,
) -> SourceError {
    let kind = match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Permission,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::Throttled,
        500.. => ErrorKind::Unreachable,
        _ => ErrorKind::Rejected,
    };
    let detail = detail_of(body);
    let said = if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    };
    let error = SourceError::new(
        kind,
        format!("Airflow: {} answered {status}{said}", request.describe()),
    );
    match kind {
        ErrorKind::Auth | ErrorKind::Permission => error.with_hint(access_hint.to_string()),
        ErrorKind::Throttled => error.with_hint("Airflow is rate limiting: opsdeck backs off"),
        ErrorKind::Unreachable => {
            error.with_hint("Airflow had an internal error: check its api-server; opsdeck retries")
        }
        _ => error,
    }
}

/// A success answer whose body cannot be what was asked for: empty or cut off (`Null`:
/// the body was empty or its reading failed), or text that is not JSON (the transports
/// keep such a body as a string). `None` for a JSON body, which the reader then checks.
pub(crate) fn unreadable_answer(body: &Value, request: &ApiRequest) -> Option<SourceError> {
    let asked = request.describe();
    let cut_short = |what: String| {
        SourceError::new(
            ErrorKind::BadResponse,
            format!("Airflow: answer cut short: {asked} {what}"),
        )
        .with_hint(
            "the connection dropped mid-answer, on the network or at a proxy: opsdeck asks again",
        )
    };
    match body {
        Value::Null => Some(cut_short(
            "answered with an empty or incomplete body".into(),
        )),
        Value::String(text) => Some(match serde_json::from_str::<Value>(text) {
            Err(e) if e.is_eof() => cut_short(format!(
                "answered JSON that stops after {} bytes",
                text.len()
            )),
            _ => SourceError::new(
                ErrorKind::BadResponse,
                format!(
                    "Airflow: malformed answer: {asked} answered text that is not JSON: `{}`",
                    quote(text)
                ),
            )
            .with_hint(
                "check `url` or `mwaa` in [environment.airflow]: something other than \
                 Airflow's API may answer there, such as a login page or a proxy",
            ),
        }),
        _ => None,
    }
}

/// How much of an unreadable body a message quotes.
const QUOTED: usize = 40;

/// The start of a remote text, inert and on one line.
fn quote(text: &str) -> String {
    let line = crate::text::inert_line(text);
    match line.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Airflow's message in an error body: FastAPI's `detail` (a string, or a list of
/// validation errors) in Airflow 3, connexion's `title`/`detail` in Airflow 2, or the body
/// itself when it is text.
pub(crate) fn detail_of(body: &Value) -> String {
    let text = match body {
        Value::Object(map) => match map.get("detail") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Object(o) => {
                        let message = o.get("msg").and_then(Value::as_str).unwrap_or("invalid");
                        let at = o
                            .get("loc")
                            .and_then(Value::as_array)
                            .map(|loc| {
                                loc.iter()
                                    .map(|p| match p {
                                        Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(".")
                            })
                            .unwrap_or_default();
                        if at.is_empty() {
                            message.to_string()
                        } else {
                            format!("{at}: {message}")
                        }
                    }
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            Some(other) if !other.is_null() => other.to_string(),
            _ => map
                .get("title")
                .or_else(|| map.get("message"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(MAX_DETAIL) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn list() -> ApiRequest {
        ApiRequest::post("/dags/~/dagRuns/list", json!({}))
    }

    #[test]
    fn statuses_map_to_kinds() {
        let e = http_error(
            401,
            &json!({"detail": "Token Expired"}),
            &list(),
            "check it",
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        assert_eq!(
            e.message,
            "Airflow: POST /dags/~/dagRuns/list answered 401: Token Expired"
        );
        assert_eq!(e.hint.as_deref(), Some("check it"));
        assert_eq!(
            http_error(403, &Value::Null, &list(), "").kind,
            ErrorKind::Permission
        );
        assert_eq!(
            http_error(404, &Value::Null, &list(), "").kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            http_error(429, &Value::Null, &list(), "").kind,
            ErrorKind::Throttled
        );
        assert_eq!(
            http_error(503, &Value::Null, &list(), "").kind,
            ErrorKind::Unreachable
        );
        let e = http_error(422, &Value::Null, &list(), "");
        assert_eq!(e.kind, ErrorKind::Rejected);
        assert_eq!(e.message, "Airflow: POST /dags/~/dagRuns/list answered 422");
    }

    #[test]
    fn bodies_that_cannot_be_read_say_what_happened() {
        let dags = ApiRequest::get("/dags");
        let e = unreadable_answer(&Value::Null, &dags).unwrap();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert_eq!(
            e.message,
            "Airflow: answer cut short: GET /dags answered with an empty or incomplete body"
        );
        assert!(e.hint.unwrap().contains("dropped mid-answer"));
        let e = unreadable_answer(&json!(r#"{"dags": [{"dag_id": "a"#), &dags).unwrap();
        assert_eq!(
            e.message,
            "Airflow: answer cut short: GET /dags answered JSON that stops after 23 bytes"
        );
        let e = unreadable_answer(&json!("<html>\u{1b}[31mSign in</html>"), &dags).unwrap();
        assert_eq!(
            e.message,
            "Airflow: malformed answer: GET /dags answered text that is not JSON: \
             `<html>Sign in</html>`"
        );
        assert!(e.hint.unwrap().contains("[environment.airflow]"));
        assert!(unreadable_answer(&json!({"dags": []}), &dags).is_none());
    }

    #[test]
    fn details_of_both_generations() {
        assert_eq!(
            detail_of(
                &json!({"detail": [{"loc": ["body", "page_limit"], "msg": "Input should be a valid integer", "type": "int_parsing"}]})
            ),
            "body.page_limit: Input should be a valid integer"
        );
        assert_eq!(
            detail_of(&json!({"title": "DAG not found", "detail": null, "status": 404})),
            "DAG not found"
        );
        assert_eq!(
            detail_of(
                &json!({"title": "Not Found", "detail": "DAGRun with id x not found", "status": 404})
            ),
            "DAGRun with id x not found"
        );
        assert_eq!(
            detail_of(&json!("<html>\n bad gateway </html>")),
            "<html> bad gateway </html>"
        );
        assert_eq!(
            detail_of(&json!("x".repeat(400))).chars().count(),
            MAX_DETAIL + 1
        );
    }
}
