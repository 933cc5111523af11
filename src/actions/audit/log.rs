//! Writing the log: one record a line, appended with one `write` and synced.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{SubsecRound, Utc};

use super::redact::redact;
use super::{
    ActionRecord, AuditContext, AuditEntry, AuditId, AuditRecord, FILE_NAME, PLAN_VERB, Settled,
};
use crate::domain::{Action, ActionOutcome};

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

    /// Records a recovery plan before its first step: the pipeline and its steps, as one
    /// request (`recover-pipeline`) whose outcome [`finish_plan`](Self::finish_plan) writes.
    /// Each step is recorded as the action it is.
    pub fn begin_plan(
        &self,
        pipeline: &str,
        steps: &[String],
        context: &AuditContext,
    ) -> io::Result<AuditId> {
        let entry = AuditEntry::Request(ActionRecord {
            what: PLAN_VERB.to_string(),
            target: pipeline.to_string(),
            environment: context.environment.clone(),
            caller: context.caller.clone(),
            interface: context.interface,
            parameters: serde_json::json!({ "steps": steps }),
        });
        self.append(entry)
    }

    /// Records how the plan `id` ended: every step recovered, or where it stopped and why.
    pub fn finish_plan(
        &self,
        id: &AuditId,
        ok: bool,
        message: &str,
        duration: Duration,
    ) -> io::Result<()> {
        let entry = AuditEntry::Outcome {
            ok,
            request_id: None,
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
