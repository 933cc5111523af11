//! A stand-in for the AWS endpoints that records the operation of every request, for the
//! tests that prove read-only mode sends no mutating request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// An endpoint on loopback that answers DMS reads with one failed task (anything else is
/// denied) and records the operation of every request it gets.
pub fn endpoint() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (mut target, body, mut stream) = read_request(stream);
            // Query-protocol services (STS) name the operation in the body.
            if target == "(no target)" {
                target = String::from_utf8_lossy(&body)
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("Action="))
                    .unwrap_or("(unknown)")
                    .to_string();
            }
            log.lock().unwrap().push(target.clone());
            let (status, answer) = if target.ends_with("DescribeReplicationTasks") {
                (
                    "200 OK",
                    r#"{"ReplicationTasks":[{"ReplicationTaskIdentifier":"orders-full-load","ReplicationTaskArn":"arn:aws:dms:eu-west-1:123456789012:task:ORDERS","Status":"failed","MigrationType":"full-load","LastFailureMessage":"ODBC general error"}]}"#,
                )
            } else if target.ends_with("DescribeReplications") {
                ("200 OK", r#"{"Replications":[]}"#)
            } else {
                (
                    "400 Bad Request",
                    r#"{"__type":"AccessDeniedException","message":"not in this test"}"#,
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, seen)
}

/// Reads one HTTP request: its `X-Amz-Target` ("(no target)" without one), its body, and
/// the stream to answer on.
pub fn read_request(stream: TcpStream) -> (String, Vec<u8>, TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut target = String::from("(no target)");
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("x-amz-target:") {
            target = line[line.len() - v.len()..].trim().to_string();
        }
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    (target, body, reader.into_inner())
}

/// The endpoint was reached (DMS was listed), and nothing was asked to change.
pub fn assert_read_only(seen: &[String]) {
    assert!(
        seen.iter().any(|t| t.ends_with("DescribeReplicationTasks")),
        "the endpoint was reached: {seen:?}"
    );
    assert!(mutating(seen).is_empty(), "no mutating request: {seen:?}");
}

/// The operations among `seen` that would change something.
pub fn mutating(seen: &[String]) -> Vec<&String> {
    seen.iter()
        .filter(|t| {
            [
                "Start", "Stop", "Reload", "Cancel", "Execute", "Invoke", "Delete", "Modify",
            ]
            .iter()
            .any(|verb| t.contains(verb))
        })
        .collect()
}
