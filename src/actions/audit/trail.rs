//! Reading the log back: its records, requests paired with their outcomes, and the
//! `--since` of `opsdeck audit`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{ActionRecord, AuditEntry, AuditId, AuditRecord, Interface, NO_OUTCOME, Settled};

/// A failure to read the log back.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the audit log {}: {source}", path.display())]
pub struct AuditReadError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// The records read back, and the lines that could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditTrail {
    pub records: Vec<AuditRecord>,
    /// One sentence per unreadable line ("line 7: …"); an incomplete last line is one.
    pub unreadable: Vec<String>,
}

/// Reads the log at `path` (no file: no records). With `since`, keeps the actions begun
/// (or refused) at or after it, and their outcomes.
pub fn read(path: &Path, since: Option<DateTime<Utc>>) -> Result<AuditTrail, AuditReadError> {
    let failed = |source| AuditReadError {
        path: path.to_path_buf(),
        source,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(AuditTrail::default()),
        Err(e) => return Err(failed(e)),
    };
    let mut reader = BufReader::new(file);
    let mut trail = AuditTrail::default();
    let mut bytes = Vec::new();
    for number in 1.. {
        bytes.clear();
        if reader.read_until(b'\n', &mut bytes).map_err(failed)? == 0 {
            break;
        }
        if bytes.last() != Some(&b'\n') {
            trail.unreadable.push(format!(
                "line {number} is incomplete: the process ended while writing it"
            ));
            break;
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<AuditRecord>(&bytes) {
            Ok(record) => trail.records.push(record),
            Err(e) => trail.unreadable.push(format!("line {number}: {e}")),
        }
    }
    if let Some(since) = since {
        let is_outcome = |r: &AuditRecord| {
            matches!(
                r.entry,
                AuditEntry::Outcome { .. } | AuditEntry::Settled { .. }
            )
        };
        let requested: HashMap<AuditId, bool> = trail
            .records
            .iter()
            .filter(|r| !is_outcome(r))
            .map(|r| (r.id.clone(), r.time >= since))
            .collect();
        // An outcome goes with its request; one whose request is not in the log, by its time.
        trail.records.retain(|r| match requested.get(&r.id) {
            Some(&kept) => kept,
            None => r.time >= since,
        });
    }
    Ok(trail)
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Succeeded,
    Failed,
    Refused,
    /// A request with no outcome: the process ended during the call.
    NoOutcome,
}

impl Ending {
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Succeeded => "ok",
            Ending::Failed => "failed",
            Ending::Refused => "refused",
            Ending::NoOutcome => "no outcome",
        }
    }
}

/// A request paired with its outcome, or a refusal: one row of `opsdeck audit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditedAction {
    pub time: DateTime<Utc>,
    pub id: AuditId,
    /// `None` for an outcome whose request could not be read.
    pub interface: Option<Interface>,
    pub environment: String,
    pub caller: String,
    pub what: String,
    pub target: String,
    pub parameters: serde_json::Value,
    pub ending: Ending,
    /// The service's request id.
    pub request_id: Option<String>,
    /// What happened, the error, the reason of a refusal, or [`NO_OUTCOME`].
    pub message: String,
    pub duration_ms: Option<u64>,
    /// How the item ended when the action was followed: `recovered`, `failed_again`,
    /// `not_settled`; none when it was not followed (or not to its end).
    pub settled: Option<Settled>,
    /// What the follow said at the end.
    pub settled_message: Option<String>,
}

/// Pairs requests with their outcomes by id, in the order of the log.
pub fn audited_actions(records: &[AuditRecord]) -> Vec<AuditedAction> {
    let mut actions: Vec<AuditedAction> = Vec::new();
    let mut requests: HashMap<&AuditId, usize> = HashMap::new();
    for record in records {
        let row = |action: &ActionRecord, ending, message: &str| AuditedAction {
            time: record.time,
            id: record.id.clone(),
            interface: Some(action.interface),
            environment: action.environment.clone(),
            caller: action.caller.clone(),
            what: action.what.clone(),
            target: action.target.clone(),
            parameters: action.parameters.clone(),
            ending,
            request_id: None,
            message: message.to_string(),
            duration_ms: None,
            settled: None,
            settled_message: None,
        };
        match &record.entry {
            AuditEntry::Request(action) => {
                requests.insert(&record.id, actions.len());
                actions.push(row(action, Ending::NoOutcome, NO_OUTCOME));
            }
            AuditEntry::Refused { action, reason } => {
                actions.push(row(action, Ending::Refused, reason));
            }
            AuditEntry::Outcome {
                ok,
                request_id,
                message,
                duration_ms,
            } => {
                let index = match requests.get(&record.id) {
                    Some(&index) => index,
                    None => {
                        actions.push(AuditedAction {
                            time: record.time,
                            id: record.id.clone(),
                            interface: None,
                            environment: String::new(),
                            caller: String::new(),
                            what: "(request unreadable)".to_string(),
                            target: String::new(),
                            parameters: serde_json::Value::Null,
                            ending: Ending::NoOutcome,
                            request_id: None,
                            message: String::new(),
                            duration_ms: None,
                            settled: None,
                            settled_message: None,
                        });
                        actions.len() - 1
                    }
                };
                let action = &mut actions[index];
                action.ending = if *ok {
                    Ending::Succeeded
                } else {
                    Ending::Failed
                };
                action.request_id.clone_from(request_id);
                action.message.clone_from(message);
                action.duration_ms = Some(*duration_ms);
            }
            AuditEntry::Settled { settled, message } => {
                if let Some(&index) = requests.get(&record.id) {
                    actions[index].settled = Some(*settled);
                    actions[index].settled_message = Some(message.clone());
                }
            }
        }
    }
    actions
}

/// Reads `--since`: an age (`90s`, `30m`, `24h`, `7d`, `2w`), an RFC 3339 time, or a date
/// (midnight UTC).
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    parse_since_at(text, Utc::now())
}

/// Reads a length of time as `90s`, `30m`, `24h`, `7d` or `2w`; none when the text is not
/// written that way, an error when it is but cannot be counted (negative, too long).
pub fn parse_age(text: &str) -> Option<Result<chrono::TimeDelta, String>> {
    let text = text.trim();
    let unit_at = text.char_indices().last().map_or(0, |(at, _)| at);
    let count = text[..unit_at].parse::<i64>().ok()?;
    let seconds = match &text[unit_at..] {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(
        count
            .checked_mul(seconds)
            .filter(|_| count >= 0)
            .and_then(chrono::TimeDelta::try_seconds)
            .ok_or_else(|| format!("`{text}` is not a length of time opsdeck can count")),
    )
}

/// [`parse_since`] with ages counted back from `now`.
pub fn parse_since_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Some(age) = parse_age(text) {
        return age.and_then(|age| {
            now.checked_sub_signed(age)
                .ok_or_else(|| format!("`{text}` is not an age opsdeck can count back"))
        });
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.to_utc());
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(format!(
        "`{text}` is not a time: give an age (30m, 24h, 7d) or a time \
         (2026-11-23T01:00:00Z, or 2026-11-23 for midnight UTC)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_ages_times_and_dates() {
        let now = "2026-11-23T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(parse_since_at("24h", now), Ok(at("2026-11-22T09:30:00Z")));
        assert_eq!(parse_since_at("30m", now), Ok(at("2026-11-23T09:00:00Z")));
        assert_eq!(parse_since_at("7d", now), Ok(at("2026-11-16T09:30:00Z")));
        assert_eq!(
            parse_since_at("2026-11-23T01:00:00+01:00", now),
            Ok(at("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            parse_since_at("2026-11-20", now),
            Ok(at("2026-11-20T00:00:00Z"))
        );
        for bad in ["", "yesterday", "24", "h", "-3h", "5y", "99999999999999w"] {
            let error = parse_since_at(bad, now).expect_err(bad);
            assert!(error.contains(&format!("`{bad}`")), "{error}");
        }
    }
}
