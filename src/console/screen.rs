//! The frame writer: draws the model into an off-screen buffer and sends the terminal
//! only what changed, nothing at all when the frame is the one already on screen.

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;

use crate::app::Model;
use crate::ui::{self, theme::Theme};

/// The last frame sent to the terminal, so an identical frame sends nothing at all.
#[derive(Default)]
pub struct Screen {
    last: Option<Buffer>,
}

impl Screen {
    pub fn draw<B: Backend>(
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
        terminal.flush()?;
        terminal.swap_buffers();
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
}
