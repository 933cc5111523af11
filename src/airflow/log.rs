//! The tail of a task log, from either generation's answer: Airflow 2 sends the log as
//! text (`content` is a string), Airflow 3 as structured messages (`event`, `level`,
//! `timestamp`, and an `error_detail` with the exception and its frames).

use serde_json::{Map, Value};

use super::wire::time;

/// Lines of a log kept for the detail view: enough for a traceback's end.
pub(super) const TAIL_LINES: usize = 40;
/// Frames of a structured exception kept (the innermost ones, where it was raised).
const FRAMES: usize = 3;

/// The last `lines` lines of the log in an answer.
pub(super) fn tail(body: &Value, lines: usize) -> String {
    let mut all = Vec::new();
    match body.get("content").unwrap_or(body) {
        Value::String(text) => all.extend(text.lines().map(str::to_string)),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(text) => all.extend(text.lines().map(str::to_string)),
                    Value::Object(message) => render(message, &mut all),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    while all.last().is_some_and(|l| l.trim().is_empty()) {
        all.pop();
    }
    let start = all.len().saturating_sub(lines);
    all[start..].join("\n")
}

/// One structured message as log lines: `09:12:27 ERROR Task failed with exception`, then
/// the exception as Python prints it.
fn render(message: &Map<String, Value>, out: &mut Vec<String>) {
    let event = message.get("event").and_then(Value::as_str).unwrap_or("");
    // The log viewer's folding markers carry nothing to read.
    if event.starts_with("::group::") || event == "::endgroup::" {
        return;
    }
    let mut line = String::new();
    if let Some(raw) = message.get("timestamp").and_then(Value::as_str) {
        match time(Some(raw)) {
            Some(t) => line.push_str(&t.format("%H:%M:%S ").to_string()),
            None => {
                line.push_str(raw);
                line.push(' ');
            }
        }
    }
    if let Some(level) = message.get("level").and_then(Value::as_str) {
        line.push_str(&level.to_ascii_uppercase());
        line.push(' ');
    }
    let mut text = event.lines();
    line.push_str(text.next().unwrap_or(""));
    out.push(line.trim_end().to_string());
    out.extend(text.map(str::to_string));
    if let Some(Value::Array(exceptions)) = message.get("error_detail") {
        for exception in exceptions.iter().filter_map(Value::as_object) {
            render_exception(exception, out);
        }
    }
}

fn render_exception(exception: &Map<String, Value>, out: &mut Vec<String>) {
    let text = |key| exception.get(key).and_then(Value::as_str).unwrap_or("");
    if let Some(Value::Array(frames)) = exception.get("frames") {
        let start = frames.len().saturating_sub(FRAMES);
        for frame in frames[start..].iter().filter_map(Value::as_object) {
            let field = |key| frame.get(key).map(plain).unwrap_or_default();
            out.push(format!(
                "  File \"{}\", line {}, in {}",
                field("filename"),
                field("lineno"),
                field("name")
            ));
        }
    }
    let kind = text("exc_type");
    let value = text("exc_value");
    match (kind.is_empty(), value.is_empty()) {
        (false, false) => out.push(format!("{kind}: {value}")),
        (false, true) => out.push(kind.to_string()),
        (true, false) => out.push(value.to_string()),
        (true, true) => {}
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn airflow_3_structured_log_ends_with_the_exception() {
        let body = json!({"content": [
            {"event": "::group::Log message source details"},
            {"event": "/tmp/logs/attempt=1.log"},
            {"event": "::endgroup::"},
            {"timestamp": "2026-11-25T09:12:26.761702Z", "event": "Filling up the DagBag", "level": "info"},
            {"timestamp": "2026-11-25T09:12:27.037313Z", "event": "Task failed with exception",
             "level": "error", "logger": "task",
             "error_detail": [{"exc_type": "ValueError", "exc_value": "3 rows rejected",
                "frames": [
                    {"filename": "/a/python.py", "lineno": 231, "name": "execute"},
                    {"filename": "/a/runner.py", "lineno": 97, "name": "run"},
                    {"filename": "/b/python.py", "lineno": 254, "name": "execute_callable"},
                    {"filename": "/dags/test.py", "lineno": 56, "name": "transform"}
                ]}]},
            {"timestamp": "2026-11-25T09:12:27.038527Z", "event": "::group::Post Execute", "level": "info"},
            {"timestamp": "2026-11-25T09:12:27.054370Z", "event": "::endgroup::", "level": "info"}
        ], "continuation_token": null});
        assert_eq!(
            tail(&body, TAIL_LINES),
            "/tmp/logs/attempt=1.log\n\
             09:12:26 INFO Filling up the DagBag\n\
             09:12:27 ERROR Task failed with exception\n  \
             File \"/a/runner.py\", line 97, in run\n  \
             File \"/b/python.py\", line 254, in execute_callable\n  \
             File \"/dags/test.py\", line 56, in transform\n\
             ValueError: 3 rows rejected"
        );
        assert_eq!(
            tail(&body, 2),
            "  File \"/dags/test.py\", line 56, in transform\nValueError: 3 rows rejected"
        );
    }

    #[test]
    fn airflow_2_text_log_and_plain_lists() {
        let body =
            json!({"content": "line 1\nline 2\nERROR - boom\n\n", "continuation_token": "x"});
        assert_eq!(tail(&body, 2), "line 2\nERROR - boom");
        let body = json!({"content": ["a\nb", "c"]});
        assert_eq!(tail(&body, 10), "a\nb\nc");
        assert_eq!(tail(&json!({"content": null}), 10), "");
    }
}
