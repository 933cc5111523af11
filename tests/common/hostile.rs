//! A stand-in for the AWS endpoints whose every string field is hostile: escape sequences
//! (colour, window title, hyperlink, screen clear), C1 controls, bidi overrides. The tests
//! that use it prove that no output of opsdeck lets them reach a terminal raw.

use std::io::Write;
use std::net::TcpListener;

/// A string with one of each kind of terminal control in it, around `word`.
pub fn hostile(word: &str) -> String {
    format!("\u{1b}]0;owned\u{7}{word}\u{1b}[31m\u{9b}2J\u{202e}red\u{1b}[0m")
}

/// True when `text` holds a character that drives or reorders a terminal.
pub fn has_controls(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

/// JSON text of a string, as a service would send it.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The answer to one operation of the JSON 1.1 services (DMS, Redshift Data, Cost
/// Explorer); anything else is denied.
fn answer(target: &str) -> (&'static str, String) {
    let op = target.rsplit('.').next().unwrap_or("");
    let ok = |body: String| ("200 OK", body);
    match op {
        "DescribeReplicationTasks" => ok(format!(
            r#"{{"ReplicationTasks":[{{"ReplicationTaskIdentifier":{id},"ReplicationTaskArn":"arn:aws:dms:eu-west-1:123456789012:task:EVIL","Status":"failed","MigrationType":"full-load","LastFailureMessage":{msg},"StopReason":{reason}}}]}}"#,
            id = quoted(&hostile("orders-load")),
            msg = quoted(&hostile("ODBC error")),
            reason = quoted(&hostile("FATAL_ERROR")),
        )),
        "DescribeReplications" => ok(r#"{"Replications":[]}"#.to_string()),
        "StartReplicationTask" => ok(format!(
            r#"{{"ReplicationTask":{{"ReplicationTaskIdentifier":{id},"ReplicationTaskArn":"arn:aws:dms:eu-west-1:123456789012:task:EVIL","Status":{status}}}}}"#,
            id = quoted(&hostile("orders-load")),
            status = quoted(&hostile("starting")),
        )),
        "ExecuteStatement" => ok(r#"{"Id":"statement-1"}"#.to_string()),
        "DescribeStatement" => ok(
            r#"{"Id":"statement-1","Status":"FINISHED","HasResultSet":true,"ResultRows":1}"#
                .to_string(),
        ),
        "GetStatementResult" => {
            let columns = [
                "query_id",
                "query_label",
                "user_name",
                "database_name",
                "query_type",
                "status",
                "start_time",
                "end_time",
                "elapsed_time",
                "queue_time",
                "execution_time",
                "error_message",
                "returned_rows",
                "session_id",
                "query_text",
                "load_error",
            ];
            let value = |c: &str| match c {
                "query_id" | "session_id" => r#"{"longValue":4242}"#.to_string(),
                "elapsed_time" | "queue_time" | "execution_time" => {
                    r#"{"longValue":60000000}"#.to_string()
                }
                "returned_rows" => r#"{"isNull":true}"#.to_string(),
                "status" => r#"{"stringValue":"failed"}"#.to_string(),
                "start_time" => r#"{"stringValue":"2026-11-25 02:14:03"}"#.to_string(),
                "end_time" => r#"{"stringValue":"2026-11-25 02:15:03"}"#.to_string(),
                other => format!(r#"{{"stringValue":{}}}"#, quoted(&hostile(other))),
            };
            ok(format!(
                r#"{{"ColumnMetadata":[{}],"Records":[[{}]],"TotalNumRows":1}}"#,
                columns
                    .iter()
                    .map(|c| format!(r#"{{"name":"{c}"}}"#))
                    .collect::<Vec<_>>()
                    .join(","),
                columns
                    .iter()
                    .map(|c| value(c))
                    .collect::<Vec<_>>()
                    .join(","),
            ))
        }
        "GetCostAndUsage" => {
            let day = |start: &str, end: &str| {
                format!(
                    r#"{{"TimePeriod":{{"Start":"{start}","End":"{end}"}},"Total":{{}},"Groups":[{{"Keys":[{key}],"Metrics":{{"UnblendedCost":{{"Amount":"12.345","Unit":"USD"}}}}}}],"Estimated":false}}"#,
                    key = quoted(&hostile("Amazon Redshift")),
                )
            };
            ok(format!(
                r#"{{"ResultsByTime":[{},{}],"DimensionValueAttributes":[]}}"#,
                day("2026-11-01", "2026-11-02"),
                day("2026-11-02", "2026-11-03"),
            ))
        }
        _ => (
            "400 Bad Request",
            format!(
                r#"{{"__type":"AccessDeniedException","message":{}}}"#,
                quoted(&hostile("denied"))
            ),
        ),
    }
}

/// An endpoint on loopback answering as above; runs until the test binary ends.
pub fn endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || {
                let (target, _, mut stream) = super::recording::read_request(stream);
                let (status, body) = answer(&target);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    url
}
