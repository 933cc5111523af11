//! Masking the secrets a record could quote (a re-run query's SQL, a service's message).

/// Keywords whose quoted literal is a secret in Redshift SQL (COPY, UNLOAD, CREATE USER).
const SECRET_LITERALS: &[&str] = &[
    "password",
    "credentials",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "master_symmetric_key",
];
/// Keys whose `key=value` value is a secret (in a credentials string or a DSN).
const SECRET_KEYS: &[&str] = &[
    "aws_access_key_id=",
    "aws_secret_access_key=",
    "aws_session_token=",
    "token=",
    "password=",
];

/// Masks the secrets a string may spell out as `***`.
pub(super) fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for keyword in SECRET_LITERALS {
        for (at, _) in lower.match_indices(keyword) {
            let mut start = at + keyword.len();
            while start < bytes.len() && (bytes[start] == b' ' || bytes[start] == b'=') {
                start += 1;
            }
            if bytes.get(start) == Some(&b'\'') {
                let end = lower[start + 1..]
                    .find('\'')
                    .map_or(bytes.len(), |i| start + 1 + i);
                spans.push((start + 1, end));
            }
        }
    }
    for key in SECRET_KEYS {
        for (at, _) in lower.match_indices(key) {
            let start = at + key.len();
            let end = lower[start..]
                .find([';', '\'', '"', ' ', '&', '\n'])
                .map_or(bytes.len(), |i| start + i);
            spans.push((start, end));
        }
    }
    // Access key ids (AKIA…, ASIA…: 20 upper-case letters and digits) wherever they are.
    for (at, _) in text.match_indices("AKIA").chain(text.match_indices("ASIA")) {
        let end = text[at..]
            .find(|c: char| !c.is_ascii_uppercase() && !c.is_ascii_digit())
            .map_or(text.len(), |i| at + i);
        if end - at >= 16 {
            spans.push((at, end));
        }
    }
    spans.retain(|(start, end)| start < end);
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        if end <= done {
            continue;
        }
        out.push_str(&text[done..start.max(done)]);
        out.push_str("***");
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

pub(super) fn redact_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = redact(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_sql_are_masked_and_the_rest_kept() {
        assert_eq!(
            redact("CREATE USER bob PASSWORD 'p4ss' VALID UNTIL 'x'"),
            "CREATE USER bob PASSWORD '***' VALID UNTIL 'x'"
        );
        assert_eq!(
            redact("copy t from 's3://b' credentials 'aws_iam_role=arn:aws:iam::1:role/R'"),
            "copy t from 's3://b' credentials '***'"
        );
        assert_eq!(redact("key AKIAIOSFODNN7EXAMPLE here"), "key *** here");
        assert_eq!(redact("select * from passwords"), "select * from passwords");
        assert_eq!(
            redact("dsn host=x password=s3cret user=y"),
            "dsn host=x password=*** user=y"
        );
    }
}
