//! The terminal guard: raw mode and the alternate screen on the way in, and always
//! restored on the way out — on a normal exit, on a panic (the message is printed after the
//! restore) and on the signals the runtime turns into a quit.

use std::io::{self, Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{KeyCode as CtKeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use crate::app::{Key, KeyCode};

/// True while the terminal is in raw mode on the alternate screen.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The number of the signal that ended the console (0: none).
static SIGNAL: AtomicU8 = AtomicU8::new(0);

/// Records that the console quits on signal `number` (15 for SIGTERM), so that the process
/// exits with 128 + `number` once the terminal is restored.
pub fn note_signal(number: u8) {
    SIGNAL.store(number, Ordering::SeqCst);
}

/// The signal the console quit on, if any.
pub fn signal_received() -> Option<u8> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        number => Some(number),
    }
}

/// The terminal the console draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal's raw mode and alternate screen; restores them when dropped.
pub struct TerminalGuard {
    pub terminal: Tui,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and installs the panic hook that leaves
    /// them before the panic message is printed.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        execute!(stdout(), EnterAlternateScreen, Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor; does nothing the
/// second time.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        // Raw mode first: it has more side effects than the alternate screen.
        let _ = disable_raw_mode();
        let mut out = stdout();
        let _ = execute!(out, LeaveAlternateScreen, Show);
        let _ = out.flush();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        // A panic on a background task would otherwise leave the console running on a
        // restored terminal: end the process as a panic on the main thread would.
        std::process::exit(101);
    }));
}

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

/// The console's key for a terminal key event (presses only).
pub fn key_of(event: KeyEvent) -> Option<Key> {
    if event.kind != KeyEventKind::Press {
        return None;
    }
    let code = match event.code {
        CtKeyCode::Char(c) => KeyCode::Char(c),
        CtKeyCode::Enter => KeyCode::Enter,
        CtKeyCode::Esc => KeyCode::Esc,
        CtKeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        CtKeyCode::Tab => KeyCode::Tab,
        CtKeyCode::BackTab => KeyCode::BackTab,
        CtKeyCode::Backspace => KeyCode::Backspace,
        CtKeyCode::Delete => KeyCode::Delete,
        CtKeyCode::Up => KeyCode::Up,
        CtKeyCode::Down => KeyCode::Down,
        CtKeyCode::Left => KeyCode::Left,
        CtKeyCode::Right => KeyCode::Right,
        CtKeyCode::Home => KeyCode::Home,
        CtKeyCode::End => KeyCode::End,
        CtKeyCode::PageUp => KeyCode::PageUp,
        CtKeyCode::PageDown => KeyCode::PageDown,
        CtKeyCode::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        alt: event.modifiers.contains(KeyModifiers::ALT),
    })
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

    #[test]
    fn converts_key_events() {
        let ev = |code, mods| KeyEvent::new(code, mods);
        assert_eq!(
            key_of(ev(CtKeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Key::char('q'))
        );
        assert_eq!(
            key_of(ev(CtKeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Key::ctrl('r'))
        );
        assert_eq!(
            key_of(ev(CtKeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Key::char('G'))
        );
        assert_eq!(
            key_of(ev(CtKeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Key::plain(KeyCode::BackTab))
        );
        assert_eq!(key_of(ev(CtKeyCode::CapsLock, KeyModifiers::NONE)), None);
    }
}
