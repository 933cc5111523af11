//! The terminal guard: raw mode and the alternate screen on the way in, and always
//! restored on the way out — on a normal exit, on a panic (the message is printed after the
//! restore) and on the signals the runtime turns into a quit; and what the console reads
//! from it: keys and resizes on a thread of their own, signals on a task.

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

use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc;

use crate::app::{Key, KeyCode, Msg};

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

/// Where the console's input comes from: the terminal (keys, resizes) and signals.
/// A test passes its own, which sends what it likes on the loop's channel.
pub type Input = Box<dyn FnOnce(mpsc::UnboundedSender<Msg>) + Send>;

/// The terminal's events and the process's signals, as the console reads them.
pub fn terminal_input() -> Input {
    Box::new(|tx| {
        spawn_input(tx.clone());
        spawn_signals(tx);
    })
}

/// Reads terminal events on a thread of its own (crossterm's read blocks).
fn spawn_input(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) => key_of(key).map(Msg::Key),
                Ok(Event::Resize(width, height)) => Some(Msg::Resize { width, height }),
                Ok(_) => None,
                Err(error) => {
                    tracing::error!(%error, "cannot read the terminal");
                    Some(Msg::Quit)
                }
            };
            if let Some(msg) = msg
                && tx.send(msg).is_err()
            {
                return;
            }
        }
    });
}

/// SIGTERM, SIGHUP and SIGINT end the console through the normal path, so the terminal is
/// restored.
fn spawn_signals(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        let (name, number) = tokio::select! {
            _ = term.recv() => ("SIGTERM", 15),
            _ = hup.recv() => ("SIGHUP", 1),
            _ = int.recv() => ("SIGINT", 2),
        };
        tracing::info!(signal = name, "quitting on signal");
        note_signal(number);
        let _ = tx.send(Msg::Quit);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
