//! The console: the loop that turns terminal events, poll results, ticks and signals into
//! messages, applies them with `update`, has the effects carried out, and draws when the
//! frame changed.
//!
//! - [`effects`]: the effect executor, which carries out what `update` asks;
//! - [`session`]: what one environment runs, replaced whole by an `:env` switch;
//! - [`screen`]: the frame writer;
//! - [`terminal`]: the terminal guard, and the input read from the terminal and signals;
//! - [`cost`]: the cost review asked of the sources, and its export.

mod cost;
mod effects;
mod screen;
mod session;
pub mod terminal;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ratatui::Terminal;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::actions::audit::AuditLog;
use crate::app::{Environment, Model, Msg, update};
use crate::poll::Cadence;
use crate::source::{SourceKind, Sources};
use crate::ui::theme::{Theme, ThemeError};

pub use cost::{export, review_cost};
use effects::{Executor, Flow};
use screen::Screen;
pub use screen::Synchronized;
pub use terminal::{Input, TerminalGuard, terminal_input};

/// The shortest time between two frames (30 frames a second at most).
const FRAME: Duration = Duration::from_millis(33);
/// The most messages applied before a frame is drawn.
const BATCH: usize = 512;

/// Everything the runtime needs besides the terminal.
pub struct Console {
    pub model: Model,
    pub theme: Theme,
    pub sources: Sources,
    pub cadences: HashMap<SourceKind, Cadence>,
    /// Where user themes live, for `:theme NAME`.
    pub themes_dir: Option<PathBuf>,
    /// NO_COLOR was set: themes load without colours.
    pub no_color: bool,
    /// Opens the environments `:env NAME` switches to (none: the command says so).
    pub environments: Option<Arc<dyn Environments>>,
    /// The audit log actions are written to (none: actions are refused).
    pub audit: Option<Arc<AuditLog>>,
    /// Where `e` writes the cost review (none: export is refused with a message).
    pub export_dir: Option<PathBuf>,
}

/// An environment opened by name: what the header shows, its sources, its theme.
pub struct Opened {
    pub environment: Environment,
    pub sources: Sources,
    /// The theme to show it in (the command line's, the environment's, or the config's).
    pub theme: String,
    /// That theme's files, read beside the opening (off the loop); none until then.
    pub theme_files: Option<Result<crate::config::themes::ThemeFiles, String>>,
}

/// The environments of the config, opened on demand for `:env NAME`.
#[async_trait]
pub trait Environments: Send + Sync {
    /// Builds the sources of the environment called `name`.
    async fn open(&self, name: &str) -> Result<Opened, String>;
}

/// The theme called `name`: the user's `NAME.toml` in `user_themes_dir` if there is one,
/// else the built-in; an unknown name is an error that lists the themes that exist.
pub fn load_theme(
    name: &str,
    user_themes_dir: Option<&std::path::Path>,
) -> Result<Theme, ThemeError> {
    let files = crate::config::themes::read_for(name, user_themes_dir)
        .map_err(|(path, cause)| ThemeError::Read { path, cause })?;
    resolve_theme(name, &files)
}

/// The theme called `name` from what was read for it (no I/O: the loop calls it).
pub fn resolve_theme(
    name: &str,
    files: &crate::config::themes::ThemeFiles,
) -> Result<Theme, ThemeError> {
    Theme::resolve(
        name,
        files
            .file
            .as_ref()
            .map(|(path, text)| (path.as_path(), text.as_str())),
        &files.user_themes,
    )
}

/// Reads the theme `name`'s files on a blocking thread, off the loop; a failure is its
/// message.
pub async fn read_theme_files(
    name: String,
    user_themes_dir: Option<std::path::PathBuf>,
) -> Result<crate::config::themes::ThemeFiles, String> {
    tokio::task::spawn_blocking(move || {
        crate::config::themes::read_for(&name, user_themes_dir.as_deref())
            .map_err(|(path, cause)| ThemeError::Read { path, cause }.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(format!("cannot read the theme: {e}")))
}

/// Every theme name [`load_theme`] accepts, sorted, without duplicates.
pub fn theme_names(user_themes_dir: Option<&std::path::Path>) -> Vec<String> {
    Theme::available(&crate::config::themes::names(user_themes_dir))
}

/// Runs the console on the terminal's input until the operator quits or a signal arrives.
pub async fn run<B: Synchronized>(
    terminal: &mut Terminal<B>,
    console: Console,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    run_with(terminal, console, terminal_input()).await
}

/// Runs the console on the messages `input` sends.
pub async fn run_with<B: Synchronized>(
    terminal: &mut Terminal<B>,
    console: Console,
    input: Input,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut model = console.model;
    // The terminal and signals outlive environments; everything an environment runs
    // answers on its session's channel, which a switch replaces: a late answer of the old
    // environment finds its channel closed and never reaches the new one's panes.
    let (main_tx, main_rx) = mpsc::unbounded_channel::<Msg>();
    input(main_tx.clone());
    // Environments open beside the loop: keys and drawing go on meanwhile.
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel::<(u64, Result<Opened, String>)>();
    let (mut executor, session_rx) = Executor::new(
        console.theme,
        console.sources,
        &model,
        effects::Settings {
            cadences: console.cadences,
            themes_dir: console.themes_dir,
            no_color: console.no_color,
            environments: console.environments,
            audit: console.audit,
            export_dir: console.export_dir,
        },
        opened_tx,
    );
    let mut inbox = Inbox {
        main: main_rx,
        session: session_rx,
    };
    let size = terminal.size()?;
    update(
        &mut model,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );

    let mut screen = Screen::default();
    screen.draw(terminal, &model, &executor.theme)?;
    let mut last_frame = Instant::now();
    loop {
        let mut effects = tokio::select! {
            msg = inbox.recv() => match msg {
                Some(msg) => update(&mut model, msg),
                None => break,
            },
            Some((request, opened)) = opened_rx.recv() => {
                // Only the last `:env` asked counts.
                if !executor.is_last_opening(request) {
                    continue;
                }
                match opened {
                    Err(error) => update(&mut model, Msg::EnvironmentSwitched(Err(error))),
                    Ok(opened) => {
                        let (effects, session_rx) = executor.switch(&mut model, opened);
                        inbox.session = session_rx;
                        effects
                    }
                }
            }
        };
        let mut applied = 1;
        // Coalesce: apply what is already queued, and wait out the rest of a frame.
        let frame_due = last_frame + FRAME;
        loop {
            match inbox.try_recv() {
                Some(msg) if applied < BATCH => {
                    effects.extend(update(&mut model, msg));
                    applied += 1;
                }
                Some(msg) => {
                    effects.extend(update(&mut model, msg));
                    break;
                }
                None if Instant::now() < frame_due => {
                    tokio::select! {
                        msg = inbox.recv() => match msg {
                            Some(msg) => { effects.extend(update(&mut model, msg)); applied += 1; }
                            None => break,
                        },
                        _ = tokio::time::sleep_until(frame_due) => break,
                    }
                }
                None => break,
            }
        }
        for effect in effects {
            if executor.execute(&mut model, effect) == Flow::Quit {
                return Ok(());
            }
        }
        if model.quit {
            return Ok(());
        }
        screen.draw(terminal, &model, &executor.theme)?;
        last_frame = Instant::now();
    }
    drop(main_tx);
    Ok(())
}

/// Where the loop's messages come from: the terminal and signals, and the current
/// environment's session.
struct Inbox {
    main: mpsc::UnboundedReceiver<Msg>,
    session: mpsc::UnboundedReceiver<Msg>,
}

impl Inbox {
    /// The next message of either channel.
    async fn recv(&mut self) -> Option<Msg> {
        tokio::select! {
            msg = self.main.recv() => msg,
            Some(msg) = self.session.recv() => Some(msg),
        }
    }

    /// A message already queued, the terminal's first.
    fn try_recv(&mut self) -> Option<Msg> {
        self.main
            .try_recv()
            .ok()
            .or_else(|| self.session.try_recv().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Key, KeyCode, Keymap, ModelInit};
    use crate::domain::stages::CostStages;
    use chrono::TimeZone;
    use ratatui::backend::TestBackend;

    /// An environment that takes as long as it likes to open: it says it was asked, then
    /// never answers.
    struct Slow(Arc<tokio::sync::Notify>);

    #[async_trait]
    impl Environments for Slow {
        async fn open(&self, _name: &str) -> Result<Opened, String> {
            self.0.notify_one();
            std::future::pending().await
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_environment_opening_does_not_hold_up_the_loop() {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 9, 30, 0)
            .unwrap();
        let platform = crate::demo::DemoPlatform::frozen(7, at);
        let sources = platform.sources();
        let model = Model::new(ModelInit {
            environment: Environment {
                name: "demo".into(),
                profile: None,
                region: None,
                demo: true,
                read_only: true,
                read_only_by_flag: false,
                budget: None,
            },
            environments: vec!["demo".into(), "prod".into()],
            keymap: Keymap::default(),
            pipelines: Vec::new(),
            cost_stages: CostStages::defaults(),
            theme_name: "default".into(),
            themes: Vec::new(),
            intervals: HashMap::new(),
            now: at,
            platform_now: at,
        });
        let asked = Arc::new(tokio::sync::Notify::new());
        let console = Console {
            model,
            theme: Theme::default(),
            sources,
            cadences: HashMap::new(),
            themes_dir: None,
            no_color: false,
            environments: Some(Arc::new(Slow(asked.clone()))),
            audit: None,
            export_dir: None,
        };
        let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<Msg>();
        let input: Input = Box::new(move |tx| {
            tokio::spawn(async move {
                while let Some(msg) = keys_rx.recv().await {
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            });
        });
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let drive = async {
            for c in ":env prod".chars() {
                keys_tx.send(Msg::Key(Key::char(c))).unwrap();
            }
            keys_tx.send(Msg::Key(Key::plain(KeyCode::Enter))).unwrap();
            asked.notified().await;
            // The environment is still opening: the loop goes on with the next messages.
            keys_tx.send(Msg::Quit).unwrap();
        };
        let ran = tokio::time::timeout(Duration::from_secs(10), async {
            let (ran, ()) = tokio::join!(run_with(&mut terminal, console, input), drive);
            ran
        })
        .await;
        ran.expect("the loop quits while an environment is opening")
            .expect("the loop ends without error");
    }
}
