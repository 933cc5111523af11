//! Logs go to a file under the XDG state dir, never to the terminal the console draws on.

use std::fs;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;

/// Log lines queued for the writer thread at most; past that, lines are dropped (counted
/// by the appender) rather than blocking the console.
const LINES_QUEUED: usize = 1024;

/// Starts logging to `log_file`; returns the guard that flushes it on drop, or `None` when
/// the file cannot be opened (the console then runs without a log rather than not at all).
pub fn init(state_dir: &Path, log_file: &Path) -> Option<WorkerGuard> {
    fs::create_dir_all(state_dir).ok()?;
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file)
        .ok()?;
    // The default queue holds 128 000 lines, allocated (and touched) up front: megabytes
    // of memory for a console that logs a few lines a minute.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LINES_QUEUED)
        .finish(file);
    let level = match std::env::var("OPSDECK_LOG").as_deref() {
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        Ok("warn") => tracing::Level::WARN,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(level)
        .try_init()
        .ok()?;
    Some(guard)
}
