//! Standard output of the one-shot commands.

use std::io::{self, Stdout, Write, stdout};

/// Standard output for a one-shot command that stops minding a reader who left: once a
/// write finds the pipe closed (`opsdeck audit | head -1`), every write after it succeeds
/// without being written, so the command finishes what it does (a retry still records
/// its outcome) and ends with its own exit code, without a "Broken pipe" message.
pub struct Output<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> Output<W> {
    /// Wraps a writer (normally `stdout()`).
    pub fn new(inner: W) -> Self {
        Output {
            inner,
            closed: false,
        }
    }

    /// Whether the reader has gone.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn quiet<T>(&mut self, result: io::Result<T>, gone: T) -> io::Result<T> {
        match result {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(gone)
            }
            other => other,
        }
    }
}

/// Standard output as every subcommand writes it: remote text made inert line by line
/// ([`crate::text::InertWriter`]), and quiet once its reader has gone.
pub fn stdout_output() -> crate::text::InertWriter<Output<Stdout>> {
    crate::text::InertWriter::new(Output::new(stdout()))
}

/// The width of the terminal standard output writes to, in columns: `COLUMNS` when set
/// to a number, else what the terminal says. `None` when standard output is not a
/// terminal (a pipe, a file): tables keep their full width there, so scripts see the same
/// columns whatever the terminal.
pub fn terminal_columns() -> Option<usize> {
    use std::io::IsTerminal as _;
    if !stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| {
            ratatui::crossterm::terminal::size()
                .ok()
                .map(|(columns, _)| usize::from(columns))
                .filter(|&c| c > 0)
        })
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.quiet(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.quiet(result, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone after `room` bytes.
    struct ClosingPipe {
        room: usize,
        written: Vec<u8>,
    }

    impl Write for ClosingPipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            if self.room == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_quietly() {
        let mut out = Output::new(ClosingPipe {
            room: 4,
            written: Vec::new(),
        });
        assert!(writeln!(out, "first line").is_ok());
        assert!(out.closed());
        assert!(writeln!(out, "second line").is_ok());
        assert!(out.flush().is_ok());
        assert_eq!(out.inner.written, b"firs");
    }

    #[test]
    fn other_write_errors_still_count() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::StorageFull))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Output::new(Full);
        assert!(writeln!(out, "x").is_err());
        assert!(!out.closed());
    }
}
