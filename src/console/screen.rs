//! The frame writer: draws the model into an off-screen buffer and sends the terminal
//! only what changed, nothing at all when the frame is the one already on screen. A frame
//! that writes is wrapped in the terminal's synchronized update (DEC mode 2026), so a slow
//! link never shows it half drawn.

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::queue;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};

use crate::app::Model;
use crate::ui::{self, theme::Theme};

/// A terminal that can hold back a frame until it is whole (DEC mode 2026, a
/// synchronized update); terminals without it ignore the sequences.
pub trait Synchronized: Backend {
    fn begin_update(&mut self) -> Result<(), Self::Error>;
    fn end_update(&mut self) -> Result<(), Self::Error>;
}

impl<W: std::io::Write> Synchronized for ratatui::backend::CrosstermBackend<W> {
    fn begin_update(&mut self) -> std::io::Result<()> {
        queue!(self, BeginSynchronizedUpdate)
    }
    fn end_update(&mut self) -> std::io::Result<()> {
        queue!(self, EndSynchronizedUpdate)
    }
}

/// The test terminal keeps cells only: there is nothing to hold back.
impl Synchronized for ratatui::backend::TestBackend {
    fn begin_update(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn end_update(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The last frame sent to the terminal, so an identical frame sends nothing at all.
#[derive(Default)]
pub struct Screen {
    last: Option<Buffer>,
}

impl Screen {
    pub fn draw<B: Synchronized>(
        &mut self,
        terminal: &mut Terminal<B>,
        model: &Model,
        theme: &Theme,
    ) -> Result<(), B::Error> {
        terminal.autoresize()?;
        let mut frame = terminal.get_frame();
        ui::render(&mut frame, model, theme);
        let current = terminal.current_buffer_mut();
        if self.last.as_ref() == Some(current) {
            // Nothing changed on screen: write nothing, not even cursor or colour resets.
            current.reset();
            return Ok(());
        }
        self.last = Some(current.clone());
        terminal.backend_mut().begin_update()?;
        terminal.flush()?;
        terminal.swap_buffers();
        terminal.backend_mut().end_update()?;
        terminal.backend_mut().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Environment, Keymap, ModelInit, Msg, update};
    use chrono::Utc;
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};
    use std::collections::HashMap;

    fn model(now: chrono::DateTime<Utc>) -> Model {
        Model::new(ModelInit {
            environment: Environment {
                name: "demo".into(),
                profile: None,
                region: None,
                demo: true,
                read_only: false,
                read_only_by_flag: false,
                budget: None,
            },
            environments: Vec::new(),
            keymap: Keymap::default(),
            pipelines: Vec::new(),
            cost_stages: crate::domain::stages::CostStages::defaults(),
            theme_name: "default".into(),
            themes: Vec::new(),
            intervals: HashMap::new(),
            now,
            platform_now: now,
        })
    }

    /// A terminal that only counts what it is sent.
    #[derive(Clone, Default)]
    struct Counted(std::rc::Rc<std::cell::Cell<usize>>);

    impl std::io::Write for Counted {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.set(self.0.get() + buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A terminal that keeps what it is sent.
    #[derive(Clone, Default)]
    struct Kept(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Kept {
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).unwrap()
        }
    }

    impl std::io::Write for Kept {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// An unchanged model sends not one byte to the terminal; a change sends only a diff.
    #[test]
    fn identical_frames_write_nothing() {
        let written = Counted::default();
        let backend = CrosstermBackend::new(written.clone());
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        };
        let mut terminal = Terminal::with_options(backend, options).unwrap();
        let theme = Theme::builtin("default").unwrap();
        let now = Utc::now();
        let mut model = model(now);
        let mut screen = Screen::default();
        screen.draw(&mut terminal, &model, &theme).unwrap();
        let first = written.0.get();
        assert!(first > 1000, "the first frame draws the screen");
        screen.draw(&mut terminal, &model, &theme).unwrap();
        screen.draw(&mut terminal, &model, &theme).unwrap();
        assert_eq!(written.0.get(), first, "identical frames write nothing");
        update(&mut model, Msg::Key(crate::app::Key::char('2')));
        screen.draw(&mut terminal, &model, &theme).unwrap();
        let second = written.0.get() - first;
        assert!(
            second > 0 && second < first,
            "a change writes a diff ({second} bytes)"
        );
    }

    /// A frame that changes reaches the terminal whole, inside one synchronized update; an
    /// identical frame sends not even the brackets.
    #[test]
    fn a_changed_frame_is_one_synchronized_update() {
        const BEGIN: &str = "\x1b[?2026h";
        const END: &str = "\x1b[?2026l";
        let sent = Kept::default();
        let backend = CrosstermBackend::new(sent.clone());
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        };
        let mut terminal = Terminal::with_options(backend, options).unwrap();
        let theme = Theme::builtin("default").unwrap();
        let mut model = model(Utc::now());
        let mut screen = Screen::default();
        for change in [None, Some('2')] {
            if let Some(key) = change {
                update(&mut model, Msg::Key(crate::app::Key::char(key)));
            }
            screen.draw(&mut terminal, &model, &theme).unwrap();
            let frame = sent.take();
            assert!(
                frame.starts_with(BEGIN),
                "the frame opens the update: {frame:?}"
            );
            assert!(
                frame.ends_with(END),
                "the frame closes the update: {frame:?}"
            );
            assert_eq!(frame.matches(BEGIN).count(), 1);
            assert_eq!(frame.matches(END).count(), 1);
            assert!(
                frame.len() > BEGIN.len() + END.len(),
                "the frame draws inside it"
            );
        }
        screen.draw(&mut terminal, &model, &theme).unwrap();
        assert_eq!(sent.take(), "", "an identical frame sends nothing");
    }
}
