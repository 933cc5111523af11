//! The audit log: every action that changes the platform, written before the call, again
//! with its outcome, or once when it is refused.
//!
//! The log is `audit.jsonl` in the state dir (`$XDG_STATE_HOME/opsdeck`), one JSON object
//! per line, readable by the owner only (0600). A record is written with one `write` on a
//! file opened for appending and then synced to disk, so it survives the process dying
//! right after, and two writers never interleave within a line. Every record has `time`
//! (RFC 3339, UTC), `id` (shared by a request and its outcome) and `phase`:
//!
//! - `request`, before the call: `what`, `target`, `environment`, `caller` (an ARN, or
//!   `unknown: <why>`), `interface` (`tui` or `cli`) and `parameters` (the action);
//! - `outcome`, after it: `ok`, `request_id` (the service's), `message` (what happened, or
//!   the error) and `duration_ms`;
//! - `refused`, instead of a call: the fields of a request and the `reason`;
//! - `settled`, when an action that was followed to its end got there (or was given up
//!   on): `settled` (`recovered`, `failed_again` or `not_settled`) and `message` (how it
//!   ended, as the console or `opsdeck retry --wait` said it).
//!
//! No credential is written: actions carry none, nothing from the environment is added,
//! and secrets a re-run query's SQL may spell out (`CREDENTIALS '…'`, `PASSWORD '…'`,
//! access key ids) are masked as `***`.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Action, ActionOutcome};
use crate::text::micros;
use crate::text::{fit, inert_line, pad, width};

/// The name of the log in the state dir.
pub const FILE_NAME: &str = "audit.jsonl";

/// What a request with no outcome record says: the process ended during the call.
pub const NO_OUTCOME: &str = "no outcome recorded (the process ended during the call)";

/// Where an action was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interface {
    Tui,
    Cli,
}

impl Interface {
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Tui => "tui",
            Interface::Cli => "cli",
        }
    }
}

/// Who asked for actions, where, and through what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// The environment's name in the config.
    pub environment: String,
    /// The caller's ARN, or [`unknown_caller`]'s text.
    pub caller: String,
    pub interface: Interface,
}

/// The caller of a context whose identity could not be had: `unknown: <why>`.
pub fn unknown_caller(why: impl fmt::Display) -> String {
    format!("unknown: {why}")
}

/// The id a request and its outcome share: time, process and a counter, unique per host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuditId(pub String);

impl AuditId {
    fn next() -> AuditId {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let millis = Utc::now().timestamp_millis();
        AuditId(format!("{millis:x}-{:x}-{n}", std::process::id()))
    }
}

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub time: DateTime<Utc>,
    pub id: AuditId,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// What a record says, by its `phase`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum AuditEntry {
    Request(ActionRecord),
    Outcome {
        ok: bool,
        request_id: Option<String>,
        message: String,
        duration_ms: u64,
    },
    Refused {
        #[serde(flatten)]
        action: ActionRecord,
        reason: String,
    },
    Settled {
        settled: Settled,
        message: String,
    },
}

/// How a followed action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// The item came back to health.
    Recovered,
    /// The item failed again.
    FailedAgain,
    /// The follow ended before the item did (a time limit, or the source could not be
    /// read).
    NotSettled,
}

impl Settled {
    /// From a follow's verdict: healthy, failed, or none.
    pub fn of(ok: Option<bool>) -> Settled {
        match ok {
            Some(true) => Settled::Recovered,
            Some(false) => Settled::FailedAgain,
            None => Settled::NotSettled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Settled::Recovered => "recovered",
            Settled::FailedAgain => "failed again",
            Settled::NotSettled => "not settled",
        }
    }
}

/// An action as a request or refusal records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    pub what: String,
    pub target: String,
    pub environment: String,
    pub caller: String,
    pub interface: Interface,
    /// The action as serialized (kept as JSON, so records of older versions still read).
    pub parameters: serde_json::Value,
}

impl ActionRecord {
    fn of(action: &Action, context: &AuditContext) -> ActionRecord {
        let mut parameters = serde_json::to_value(action).unwrap_or_default();
        redact_value(&mut parameters);
        ActionRecord {
            what: action.verb().to_string(),
            target: action.target(),
            environment: context.environment.clone(),
            caller: context.caller.clone(),
            interface: context.interface,
            parameters,
        }
    }
}

/// The log, open for appending; shared by reference between the tasks that act.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// `audit.jsonl` in the state dir.
    pub fn default_path(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// Opens (or creates, mode 0600, with its directory) the log at `path`. A log readable
    /// by others is tightened to 0600 and a warning logged; a last line left incomplete by
    /// a crash is ended, so the next record starts on a line of its own.
    pub fn open(path: &Path) -> io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the audit log {} is not a regular file", path.display()),
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
                tracing::warn!(
                    "audit log {} was mode {mode:03o}, readable by others: tightened to 600",
                    path.display()
                );
            }
        }
        if metadata.len() > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::End(-1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                tracing::warn!(
                    "audit log {}: ending an incomplete last line",
                    path.display()
                );
                file.write_all(b"\n")?;
                file.sync_data()?;
            }
        }
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a request before its call; the id goes to [`finish`](Self::finish).
    pub fn begin(&self, action: &Action, context: &AuditContext) -> io::Result<AuditId> {
        let entry = AuditEntry::Request(ActionRecord::of(action, context));
        self.append(entry)
    }

    /// Records the outcome of the request `id`: what the source said, or the error.
    pub fn finish(
        &self,
        id: &AuditId,
        outcome: Result<&ActionOutcome, &str>,
        duration: Duration,
    ) -> io::Result<()> {
        let (ok, request_id, message) = match outcome {
            Ok(outcome) => (true, outcome.request_id.clone(), outcome.message.as_str()),
            Err(error) => (false, None, error),
        };
        let entry = AuditEntry::Outcome {
            ok,
            request_id,
            message: redact(message),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        };
        self.write(id.clone(), entry)
    }

    /// Records how the followed action `id` ended.
    pub fn settled(&self, id: &AuditId, settled: Settled, message: &str) -> io::Result<()> {
        let entry = AuditEntry::Settled {
            settled,
            message: redact(message),
        };
        self.write(id.clone(), entry)
    }

    /// Records an action refused before any call (read-only mode, one already in flight,
    /// a wrong typed confirmation, no terminal to confirm on).
    pub fn refused(
        &self,
        action: &Action,
        context: &AuditContext,
        reason: &str,
    ) -> io::Result<AuditId> {
        let entry = AuditEntry::Refused {
            action: ActionRecord::of(action, context),
            reason: redact(reason),
        };
        self.append(entry)
    }

    fn append(&self, entry: AuditEntry) -> io::Result<AuditId> {
        let id = AuditId::next();
        self.write(id.clone(), entry)?;
        Ok(id)
    }

    fn write(&self, id: AuditId, entry: AuditEntry) -> io::Result<()> {
        let record = AuditRecord {
            time: Utc::now().trunc_subsecs(3),
            id,
            entry,
        };
        let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(&line)?;
        file.sync_data()
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

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

/// Column widths of the table: time, interface, environment, what, target, outcome,
/// duration; two spaces between, 98 columns in all.
const WIDTHS: [usize; 7] = [19, 3, 8, 22, 18, 10, 6];
const TABLE_WIDTH: usize = 98;

/// Writes the actions of `records` as a table for `opsdeck audit`, within 100 columns:
/// a row per action (time in UTC, interface, environment, what, target, outcome,
/// duration), then indented lines with the message (or error, or reason), the service's
/// request id, the whole target when the row cut it, and the caller.
/// Every string from the log is made inert (no control characters reach the terminal).
pub fn render_table(records: &[AuditRecord], out: &mut dyn Write) -> io::Result<()> {
    let actions = audited_actions(records);
    if actions.is_empty() {
        return writeln!(out, "no actions recorded");
    }
    let header = [
        "TIME (UTC)",
        "UI",
        "ENV",
        "WHAT",
        "TARGET",
        "OUTCOME",
        "TOOK",
    ];
    write_row(out, header.map(str::to_string))?;
    for action in &actions {
        let target = inert_line(&action.target);
        write_row(
            out,
            [
                action.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                action.interface.map_or("", Interface::as_str).to_string(),
                inert_line(&action.environment),
                inert_line(&action.what),
                target.clone(),
                action.ending.as_str().to_string(),
                action
                    .duration_ms
                    .map_or(String::new(), |ms| micros(ms.saturating_mul(1000))),
            ],
        )?;
        if !action.message.is_empty() {
            writeln!(
                out,
                "  {}",
                fit(&inert_line(&action.message), TABLE_WIDTH - 2)
            )?;
        }
        if let (Some(settled), Some(message)) = (action.settled, &action.settled_message) {
            writeln!(
                out,
                "  then {}: {}",
                settled.as_str(),
                fit(&inert_line(message), TABLE_WIDTH - 16)
            )?;
        }
        let mut detail = Vec::new();
        if let Some(request_id) = &action.request_id {
            detail.push(format!("request {}", inert_line(request_id)));
        }
        if width(&target) > WIDTHS[4] {
            detail.push(format!("target {target}"));
        }
        if !action.caller.is_empty() {
            detail.push(format!("by {}", inert_line(&action.caller)));
        }
        write_detail(out, &detail)?;
    }
    Ok(())
}

/// Writes the parts of a detail, ` · ` between them, on as few indented lines as fit.
fn write_detail(out: &mut dyn Write, parts: &[String]) -> io::Result<()> {
    let mut line = String::new();
    for part in parts {
        let part = fit(part, TABLE_WIDTH - 2);
        if !line.is_empty() && width(&line) + 3 + width(&part) > TABLE_WIDTH - 2 {
            writeln!(out, "  {line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(&part);
    }
    if !line.is_empty() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

fn write_row(out: &mut dyn Write, cells: [String; 7]) -> io::Result<()> {
    let line = cells
        .iter()
        .zip(WIDTHS)
        .map(|(cell, columns)| pad(cell, columns))
        .collect::<Vec<_>>()
        .join("  ");
    writeln!(out, "{}", line.trim_end())
}

/// Writes the actions of `records` for `opsdeck audit --json`: one JSON array (pretty
/// printed) of objects with the fields of [`AuditedAction`] — `time`, `id`, `interface`,
/// `environment`, `caller`, `what`, `target`, `parameters`, `ending` (`succeeded`,
/// `failed`, `refused`, `no_outcome`), `request_id`, `message`, `duration_ms`.
pub fn render_json(records: &[AuditRecord], out: &mut dyn Write) -> io::Result<()> {
    crate::text::write_json_pretty(&mut *out, &audited_actions(records))?;
    writeln!(out)
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
fn redact(text: &str) -> String {
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

fn redact_value(value: &mut serde_json::Value) {
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
    use crate::domain::action::{ClearScope, StartMode, TableName};

    fn every_action() -> Vec<Action> {
        let arn = "arn:aws:dms:eu-west-1:123456789012:task:ABC".to_string();
        vec![
            Action::StartTask {
                task_id: "orders-cdc".into(),
                arn: arn.clone(),
                serverless: false,
                mode: StartMode::ReloadTarget,
            },
            Action::ReloadTables {
                task_id: "orders-cdc".into(),
                arn,
                serverless: true,
                tables: vec![TableName {
                    schema: "public".into(),
                    table: "orders".into(),
                }],
            },
            Action::ClearRun {
                dag_id: "dbt_build".into(),
                run_id: "scheduled__2026-11-23".into(),
                scope: ClearScope::Failed,
            },
            Action::TriggerDag {
                dag_id: "refresh_marts".into(),
            },
            Action::RerunQuery {
                query_id: 42,
                database: Some("dev".into()),
                sql: "COPY sales FROM 's3://bucket/sales/' CREDENTIALS \
                      'aws_access_key_id=AKIAIOSFODNN7EXAMPLE;aws_secret_access_key=wJalrXUtnFEMI/K7MDENG'"
                    .into(),
            },
            Action::RerunQuery {
                query_id: 43,
                database: None,
                sql: "ALTER USER etl PASSWORD 'Hunter2-secret'; UNLOAD ('select 1') TO 's3://b/x' \
                      ACCESS_KEY_ID 'ASIAIOSFODNN7EXAMPLE' SECRET_ACCESS_KEY 'wJalrXUtnFEMI' \
                      SESSION_TOKEN 'FwoGZXIvYXdzEXAMPLE'"
                    .into(),
            },
            Action::CancelQuery {
                query_id: 44,
                pid: Some(1073),
                statement: None,
            },
            Action::CancelQuery {
                query_id: 45,
                pid: None,
                statement: Some("d9b6c0c9-0747-4bf4-b142-e8883122f766".into()),
            },
        ]
    }

    #[test]
    fn no_record_of_any_action_holds_a_credential() {
        let context = AuditContext {
            environment: "prod".into(),
            caller: "arn:aws:sts::123456789012:assumed-role/Operator/alice".into(),
            interface: Interface::Cli,
        };
        let forbidden = [
            "AKIA",
            "ASIA",
            "aws_secret",
            "SecretAccessKey",
            "secret_access_key=",
            "SessionToken",
            "wJalrXUtnFEMI",
            "Hunter2",
            "FwoGZXIvYXdz",
        ];
        for action in every_action() {
            let request = AuditRecord {
                time: Utc::now(),
                id: AuditId::next(),
                entry: AuditEntry::Request(ActionRecord::of(&action, &context)),
            };
            let line = serde_json::to_string(&request).unwrap();
            for word in forbidden {
                assert!(!line.contains(word), "{word} in {line}");
            }
            // Exactly the documented fields, nothing taken from the environment.
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            let mut keys: Vec<&str> = value
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "caller",
                    "environment",
                    "id",
                    "interface",
                    "parameters",
                    "phase",
                    "target",
                    "time",
                    "what"
                ]
            );
            assert_eq!(
                value["parameters"]["action"],
                serde_json::to_value(&action).unwrap()["action"]
            );
        }
    }

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

    /// The table's columns line up by display width, whatever the names hold: a CJK or
    /// emoji task id, environment or message takes two columns a character.
    #[test]
    fn the_table_lines_up_wide_characters_by_display_width() {
        let context = AuditContext {
            environment: "生产环境".into(),
            caller: "arn:aws:sts::123456789012:assumed-role/运维/小明".into(),
            interface: Interface::Tui,
        };
        let time = "2026-11-23T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut records = Vec::new();
        for task_id in ["orders-cdc", "订单-全量-夜间-加载任务", "🚀-launch-🚀-load"]
        {
            let action = Action::StartTask {
                task_id: task_id.into(),
                arn: "arn:aws:dms:eu-west-1:123456789012:task:ABC".into(),
                serverless: false,
                mode: StartMode::ResumeProcessing,
            };
            let id = AuditId::next();
            records.push(AuditRecord {
                time,
                id: id.clone(),
                entry: AuditEntry::Request(ActionRecord::of(&action, &context)),
            });
            records.push(AuditRecord {
                time,
                id,
                entry: AuditEntry::Outcome {
                    ok: true,
                    request_id: Some("req-1".into()),
                    message: format!("{task_id} 正在启动 ({})", "数据".repeat(60)),
                    duration_ms: 1200,
                },
            });
        }
        let mut out = Vec::new();
        render_table(&records, &mut out).unwrap();
        let table = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("2026")).collect();
        assert_eq!(rows.len(), 3, "{table}");
        // OUTCOME starts at the same column on every row, counted in display columns.
        let outcome_at = |line: &str| {
            let at = line.find("  ok  ").expect("an outcome") + 2;
            crate::text::width(&line[..at])
        };
        let header = table.lines().next().unwrap();
        let header_at = crate::text::width(&header[..header.find("OUTCOME").unwrap()]);
        for row in &rows {
            assert_eq!(outcome_at(row), header_at, "{table}");
        }
        for line in table.lines() {
            assert!(crate::text::width(line) <= TABLE_WIDTH, "too wide: {line}");
        }
        assert!(table.contains("target 订单-全量-夜间-加载任务"), "{table}");
    }

    #[test]
    fn ids_differ_within_a_process() {
        assert_ne!(AuditId::next(), AuditId::next());
    }
}
