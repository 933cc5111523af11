//! Logs go to a file under the XDG state dir, never to the terminal the console draws on.
//! The file is capped: past [`LOG_CAP`] bytes it becomes `opsdeck.log.1` (replacing the
//! one before) and a new file starts, so the logs never take more than twice the cap.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;

/// Log lines queued for the writer thread at most; past that, lines are dropped (counted
/// by the appender) rather than blocking the console.
const LINES_QUEUED: usize = 1024;

/// The size past which the log file is rotated: weeks of the console's INFO lines.
pub const LOG_CAP: u64 = 10 * 1024 * 1024;

/// Starts logging to `log_file`; returns the guard that flushes it on drop, or `None` when
/// the file cannot be opened (the console then runs without a log rather than not at all).
pub fn init(state_dir: &Path, log_file: &Path) -> Option<WorkerGuard> {
    fs::create_dir_all(state_dir).ok()?;
    let file = CappedFile::open(log_file, LOG_CAP).ok()?;
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

/// A log file that moves to `NAME.1` once it would pass `cap` bytes.
pub struct CappedFile {
    path: PathBuf,
    file: fs::File,
    len: u64,
    cap: u64,
}

impl CappedFile {
    /// Opens `path` for appending; a file already past `cap` is rotated first.
    pub fn open(path: &Path, cap: u64) -> io::Result<Self> {
        let file = append(path)?;
        let len = file.metadata()?.len();
        let mut capped = CappedFile {
            path: path.to_path_buf(),
            file,
            len,
            cap,
        };
        if len >= cap {
            capped.rotate()?;
        }
        Ok(capped)
    }

    /// The file the previous log was moved to.
    pub fn rotated_path(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".1");
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        fs::rename(&self.path, Self::rotated_path(&self.path))?;
        self.file = append(&self.path)?;
        self.len = 0;
        Ok(())
    }
}

fn append(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new().create(true).append(true).open(path)
}

impl Write for CappedFile {
    /// The appender writes one whole line per call, so a line is never split across files.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.len > 0 && self.len + buf.len() as u64 > self.cap {
            self.rotate()?;
        }
        let written = self.file.write(buf)?;
        self.len += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("opsdeck-log-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_log_never_passes_twice_its_cap() {
        let dir = temp_dir("cap");
        let path = dir.join("opsdeck.log");
        let mut log = CappedFile::open(&path, 1000).unwrap();
        for n in 0..500 {
            log.write_all(format!("line {n:04} of the console's log\n").as_bytes())
                .unwrap();
        }
        log.flush().unwrap();
        let current = fs::read_to_string(&path).unwrap();
        let rotated = fs::read_to_string(CappedFile::rotated_path(&path)).unwrap();
        assert!(current.len() <= 1000, "{}", current.len());
        assert!(rotated.len() <= 1000, "{}", rotated.len());
        assert!(current.ends_with("line 0499 of the console's log\n"));
        // Whole lines, the older ones in the rotated file, nothing else kept.
        assert!(rotated.starts_with("line "));
        assert!(rotated.ends_with(" of the console's log\n"));
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_log_found_past_its_cap_is_rotated_at_start() {
        let dir = temp_dir("start");
        let path = dir.join("opsdeck.log");
        fs::write(&path, "x".repeat(2000)).unwrap();
        let mut log = CappedFile::open(&path, 1000).unwrap();
        log.write_all(b"fresh\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "fresh\n");
        assert_eq!(
            fs::read_to_string(CappedFile::rotated_path(&path))
                .unwrap()
                .len(),
            2000
        );
        let _ = fs::remove_dir_all(dir);
    }
}
