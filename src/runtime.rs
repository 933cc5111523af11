//! The runtime: turns terminal events, poll results, ticks and signals into messages,
//! applies them with `update`, carries out the effects, and draws when the model changed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{self, Event};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::actor::Actor;
use crate::app::{Effect, Environment, Model, Msg, update};
use crate::audit::{AuditLog, Interface};
use crate::poll::{Cadence, Poller, fetch_detail};
use crate::source::{ErrorKind, SourceError, SourceKind, Sources};
use crate::ui::theme::Theme;
use crate::ui::{self};

/// The shortest time between two frames (30 frames a second at most).
const FRAME: Duration = Duration::from_millis(33);
/// How often the clock in the model moves (ages on screen count in seconds).
const TICK: Duration = Duration::from_secs(1);
/// The most messages applied before a frame is drawn.
const BATCH: usize = 512;
/// The longest pause between two looks at a followed statement.
const WATCH_PAUSE_MAX: Duration = Duration::from_secs(15);
/// How long a re-run is followed before the console stops looking.
const WATCH_LIMIT: Duration = Duration::from_secs(12 * 3600);

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
}

/// The environments of the config, opened on demand for `:env NAME`.
#[async_trait]
pub trait Environments: Send + Sync {
    /// Builds the sources of the environment called `name`.
    async fn open(&self, name: &str) -> Result<Opened, String>;
}

/// Runs the console until the operator quits or a signal arrives.
pub async fn run<B: Backend>(terminal: &mut Terminal<B>, console: Console) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let Console {
        mut model,
        mut theme,
        mut sources,
        cadences,
        themes_dir,
        no_color,
        environments,
        audit,
        export_dir,
    } = console;
    let actor_of = |sources: &Sources, environment: &Environment| Actor {
        sources: sources.clone(),
        environment: environment.name.clone(),
        read_only: environment.read_only,
        audit: audit.clone(),
        interface: Interface::Tui,
    };
    let mut actor = actor_of(&sources, &model.environment);
    // The terminal and signals outlive environments; everything an environment runs
    // (pollers, ticks of its clock, detail fetches, actions, watchers, the cost review)
    // answers on its session's channel, which a switch replaces: a late answer of the old
    // environment finds its channel closed and never reaches the new one's panes.
    let (main_tx, main_rx) = mpsc::unbounded_channel::<Msg>();
    let (mut tx, session_rx) = mpsc::unbounded_channel::<Msg>();
    let mut inbox = Inbox {
        main: main_rx,
        session: session_rx,
    };
    // Environments open beside the loop: keys and drawing go on meanwhile.
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel::<(u64, Result<Opened, String>)>();
    let mut opening = 0u64;
    spawn_input(main_tx.clone());
    spawn_signals(main_tx.clone());
    let mut ticks = spawn_ticks(tx.clone(), sources.clone());
    let mut pollers = spawn_pollers(&sources, &cadences, &tx, model.tab.source());
    let mut watchers: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    let load_theme = |name: &str| -> Result<Theme, String> {
        Theme::resolve(name, themes_dir.as_deref())
            .map(|loaded| {
                if no_color {
                    loaded.without_colors()
                } else {
                    loaded
                }
            })
            .map_err(|error| error.to_string())
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
    screen.draw(terminal, &model, &theme)?;
    let mut last_frame = Instant::now();
    loop {
        let mut effects = tokio::select! {
            msg = inbox.recv() => match msg {
                Some(msg) => update(&mut model, msg),
                None => break,
            },
            Some((request, opened)) = opened_rx.recv() => {
                // Only the last `:env` asked counts.
                if request != opening {
                    continue;
                }
                match opened {
                    Err(error) => update(&mut model, Msg::EnvironmentSwitched(Err(error))),
                    Ok(opened) => {
                        // Stop the old environment's work and close its channel first.
                        drop(pollers);
                        ticks.abort();
                        for watcher in watchers.drain(..) {
                            watcher.abort();
                        }
                        let (session_tx, session_rx) = mpsc::unbounded_channel::<Msg>();
                        tx = session_tx;
                        inbox.session = session_rx;
                        sources = opened.sources;
                        actor = actor_of(&sources, &opened.environment);
                        if opened.theme != model.theme_name
                            && let Ok(loaded) = load_theme(&opened.theme)
                        {
                            theme = loaded;
                            update(&mut model, Msg::ThemeLoaded(Ok(opened.theme)));
                        }
                        ticks = spawn_ticks(tx.clone(), sources.clone());
                        pollers = spawn_pollers(&sources, &cadences, &tx, model.tab.source());
                        // After the theme: its notice names the environment.
                        update(&mut model, Msg::EnvironmentSwitched(Ok(opened.environment)))
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
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Refresh(kind) => {
                    if let Some(p) = pollers.get(&kind) {
                        p.refresh();
                    }
                }
                // The cost review asked right after (the next effect) goes past the cache,
                // and so does the polled spend (the Overview's month to date).
                Effect::RefetchCost => {
                    sources.cost.bypass_cache_once();
                    if let Some(p) = pollers.get(&SourceKind::Cost) {
                        p.refresh();
                    }
                }
                Effect::FetchCostReview(request) => {
                    let (tx, sources) = (tx.clone(), sources.clone());
                    let stages = model.cost_stages.clone();
                    tokio::spawn(async move {
                        let msg = review_cost(&sources, request, &stages, Utc::now()).await;
                        let _ = tx.send(msg);
                    });
                }
                Effect::ExportCost { report, json } => {
                    let msg = export_cost(export_dir.as_deref(), &report, json);
                    update(&mut model, Msg::Exported(msg));
                }
                Effect::Focus(focus) => {
                    for (kind, poller) in &pollers {
                        poller.set_visible(Some(*kind) == focus);
                    }
                }
                Effect::LoadTheme(name) => {
                    let msg = load_theme(&name).map(|loaded| {
                        theme = loaded;
                        name
                    });
                    // Applied at once, so the new theme is drawn in this frame.
                    update(&mut model, Msg::ThemeLoaded(msg));
                }
                Effect::SwitchEnvironment(name) => {
                    opening += 1;
                    match &environments {
                        Some(environments) => {
                            let (environments, opened_tx) =
                                (environments.clone(), opened_tx.clone());
                            let request = opening;
                            tokio::spawn(async move {
                                let opened = environments.open(&name).await;
                                let _ = opened_tx.send((request, opened));
                            });
                        }
                        None => {
                            let error = "this console has no environments to switch to";
                            update(&mut model, Msg::EnvironmentSwitched(Err(error.into())));
                        }
                    }
                }
                Effect::PreviewClear {
                    dag_id,
                    run_id,
                    scope,
                } => {
                    let (tx, actor) = (tx.clone(), actor.clone());
                    tokio::spawn(async move {
                        let result = actor.preview_clear(&dag_id, &run_id, &scope).await;
                        let _ = tx.send(Msg::ClearPreview {
                            dag_id,
                            run_id,
                            scope,
                            result,
                        });
                    });
                }
                Effect::Act(actions) => {
                    for action in actions {
                        let (tx, actor) = (tx.clone(), actor.clone());
                        tokio::spawn(async move {
                            let (result, recorded) = actor.perform_recorded(&action).await;
                            let recorded = recorded.map(|id| id.0);
                            let _ = tx.send(Msg::ActionDone {
                                action,
                                result,
                                recorded,
                            });
                        });
                    }
                }
                Effect::WatchStatement(statement) => {
                    watchers.retain(|w| !w.is_finished());
                    watchers.push(spawn_watch(tx.clone(), sources.clone(), statement));
                }
                Effect::RecordSettled {
                    recorded,
                    ok,
                    message,
                } => {
                    let actor = actor.clone();
                    tokio::spawn(async move {
                        let id = crate::audit::AuditId(recorded);
                        let settled = crate::audit::Settled::of(ok);
                        actor.settled(&id, settled, &message).await;
                    });
                }
                Effect::Refuse { action, reason } => {
                    let actor = actor.clone();
                    tokio::spawn(async move { actor.refuse(&action, &reason).await });
                }
                detail @ (Effect::FetchTableStatistics { .. }
                | Effect::FetchTaskSettings { .. }
                | Effect::FetchTaskInstances { .. }
                | Effect::FetchTaskLog { .. }) => {
                    let tx = tx.clone();
                    let sources = sources.clone();
                    if let Some(request) = detail.detail_request() {
                        tokio::spawn(async move {
                            let payload = fetch_detail(request, &sources).await;
                            let _ = tx.send(Msg::DetailFetched(payload));
                        });
                    }
                }
            }
        }
        if model.quit {
            return Ok(());
        }
        screen.draw(terminal, &model, &theme)?;
        last_frame = Instant::now();
    }
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

/// Asks the cost review's question: the breakdown with the period before, this month's
/// forecast from today, and the period's anomalies, at once; the answers are stamped
/// `fetched_at`.
pub async fn review_cost(
    sources: &Sources,
    request: crate::domain::breakdown::CostRequest,
    stages: &crate::domain::stages::CostStages,
    fetched_at: chrono::DateTime<Utc>,
) -> Msg {
    use chrono::{Datelike, Months};
    let today = sources.clock.now().date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let next_month = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let (start, end) = request.period.dates(today);
    let metric = request.metric;
    // The polled spend is unblended: another metric's month so far is asked in that metric
    // (one monthly bucket; the same question is cached like any other).
    let month_to_date = async {
        if metric == crate::domain::cost::Metric::UnblendedCost {
            return None;
        }
        let query = crate::domain::cost::CostQuery {
            start: first,
            end: today.succ_opt().unwrap_or(today),
            granularity: crate::domain::cost::Granularity::Monthly,
            metric,
            group_by: crate::domain::cost::GroupBy::Service,
            filters: Vec::new(),
        };
        Some(sources.cost.cost(&query).await.map(|series| series.total()))
    };
    let (report, forecast, anomalies, month_to_date) = tokio::join!(
        crate::cost_report::report(sources, request.clone(), today, stages),
        sources.cost.forecast_dated(today, next_month, metric),
        sources.cost.anomalies_dated(start, end),
        month_to_date,
    );
    // Each answer is as old as its own fetch: a kept forecast may be older than a fresh
    // breakdown.
    let dated = |at: &Option<chrono::DateTime<Utc>>| at.unwrap_or(fetched_at);
    let forecast_at = forecast.as_ref().map_or(fetched_at, |(_, at)| dated(at));
    let anomalies_at = anomalies.as_ref().map_or(fetched_at, |(_, at)| dated(at));
    let forecast = forecast.map(|(f, _)| f);
    let anomalies = anomalies.map(|(a, _)| a);
    // An answer from the disk cache is as old as its fetch, not as this read.
    let fetched_at = report
        .as_ref()
        .ok()
        .and_then(|r| r.cached_at)
        .unwrap_or(fetched_at);
    Msg::CostReviewed(Box::new(crate::app::CostAnswers {
        request,
        fetched_at,
        report,
        forecast,
        forecast_at,
        anomalies,
        anomalies_at,
        month_to_date,
        billed_requests: sources.cost.billed_requests(),
    }))
}

/// Writes the cost review to `dir` as CSV or JSON (never over an earlier file); what the
/// footer says: the file's path, or why not.
fn export_cost(
    dir: Option<&std::path::Path>,
    report: &crate::domain::breakdown::CostReport,
    json: bool,
) -> Result<String, String> {
    let dir = dir.ok_or("no directory to export to")?;
    let path = crate::cost_report::export(dir, report, json)?;
    // Said short on screen: the home directory as ~.
    let shown = path.display().to_string();
    let shown = match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && shown.starts_with(&home) => {
            format!("~{}", &shown[home.len()..])
        }
        _ => shown,
    };
    let groups = report.breakdown.rows.len();
    Ok(match &report.row_filter {
        Some(filter) => format!(
            "{shown} ({groups} group{} matching \"{}\")",
            if groups == 1 { "" } else { "s" },
            crate::text::inert_line(filter)
        ),
        None => shown,
    })
}

/// The last frame sent to the terminal, so an identical frame sends nothing at all.
#[derive(Default)]
struct Screen {
    last: Option<Buffer>,
}

impl Screen {
    fn draw<B: Backend>(
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

/// Reads terminal events on a thread of its own (crossterm's read blocks).
fn spawn_input(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) => crate::term::key_of(key).map(Msg::Key),
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
        crate::term::note_signal(number);
        let _ = tx.send(Msg::Quit);
    });
}

fn spawn_ticks(tx: mpsc::UnboundedSender<Msg>, sources: Sources) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let msg = Msg::Tick {
                now: Utc::now(),
                platform_now: sources.clock.now(),
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    })
}

/// Follows a statement the console submitted: a DescribeStatement after 1 s, then at
/// doubling pauses up to 15 s, until it ends. Only a change is sent; a look that fails
/// three times in a row, or a statement still running after [`WATCH_LIMIT`], ends the
/// watch with the reason.
fn spawn_watch(
    tx: mpsc::UnboundedSender<Msg>,
    sources: Sources,
    statement: String,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        let mut pause = Duration::from_secs(1);
        let mut last = None;
        let mut failures = 0;
        loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(WATCH_PAUSE_MAX);
            let result = match sources.warehouse.statement(&statement).await {
                Err(error) if failures < 2 => {
                    failures += 1;
                    tracing::warn!(%statement, %error, "cannot describe a followed statement");
                    continue;
                }
                Ok(_) if started.elapsed() > WATCH_LIMIT => Err(SourceError::new(
                    ErrorKind::Unreachable,
                    format!(
                        "still running after {} h: no longer followed",
                        WATCH_LIMIT.as_secs() / 3600
                    ),
                )),
                result => result,
            };
            failures = 0;
            let ended = result.as_ref().map_or(true, |p| p.state.has_ended());
            if ended || result.as_ref().ok() != last.as_ref() {
                last = result.as_ref().ok().cloned();
                let msg = Msg::StatementProgress {
                    statement: statement.clone(),
                    result,
                };
                if tx.send(msg).is_err() || ended {
                    return;
                }
            }
        }
    })
}

/// Cost Explorer bills every request: its tab on screen does not poll it faster, and after
/// a failure it is not asked again sooner than half its interval (`Ctrl-r` asks at once).
fn billed_cadence(kind: SourceKind, cadence: Cadence) -> Cadence {
    match kind {
        SourceKind::Cost => Cadence {
            visible: cadence.background,
            ..cadence
        },
        _ => cadence,
    }
}

/// One poller per source, the focused one polled faster (but Cost Explorer).
fn spawn_pollers(
    sources: &Sources,
    cadences: &HashMap<SourceKind, Cadence>,
    tx: &mpsc::UnboundedSender<Msg>,
    focus: Option<SourceKind>,
) -> HashMap<SourceKind, Poller> {
    SourceKind::ALL
        .iter()
        .map(|kind| {
            let cadence = billed_cadence(
                *kind,
                cadences.get(kind).copied().unwrap_or(Cadence {
                    background: Duration::from_secs(30),
                    visible: Duration::from_secs(5),
                    max_backoff: Duration::from_secs(300),
                }),
            );
            let poller = Poller::spawn(*kind, sources.clone(), cadence, tx.clone());
            poller.set_visible(Some(*kind) == focus);
            (*kind, poller)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Environment, Keymap, ModelInit};
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};

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
            keymap: Keymap::default(),
            pipelines: Vec::new(),
            theme_name: "default".into(),
            themes: Vec::new(),
            intervals: HashMap::new(),
            now,
            platform_now: now,
        })
    }

    #[test]
    fn cost_explorer_is_polled_no_faster_on_screen_nor_after_a_failure() {
        let configured = Cadence {
            background: Duration::from_secs(6 * 3600),
            visible: Duration::from_secs(5),
            max_backoff: Duration::from_secs(300),
        };
        let cost = billed_cadence(SourceKind::Cost, configured);
        assert_eq!(cost.delay(true, 0, 0.0), Duration::from_secs(6 * 3600));
        for failures in 1..6 {
            assert!(
                cost.delay(true, failures, 0.0) >= Duration::from_secs(3 * 3600),
                "a failed, billed request is not retried within minutes"
            );
        }
        let dms = billed_cadence(SourceKind::Replication, configured);
        assert_eq!(dms.delay(true, 0, 0.0), Duration::from_secs(5));
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

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_followed_statement_is_looked_at_until_it_ends_and_only_changes_are_sent() {
        use crate::domain::StatementState;
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        let platform = crate::demo::DemoPlatform::frozen(7, at);
        let sources = platform.sources();
        let (_, rerun) = platform.rerun_a_failed_query().await;
        let statement = rerun.created.expect("a re-run names its statement");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let watcher = spawn_watch(tx, sources.clone(), statement.clone());
        let mut next = async || match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await
        {
            Ok(Some(Msg::StatementProgress {
                statement: s,
                result,
            })) => {
                assert_eq!(s, statement);
                Some(result.expect("described").state)
            }
            Ok(other) => panic!("not a statement's progress: {other:?}"),
            Err(_) => None,
        };
        assert_eq!(next().await, Some(StatementState::Submitted));
        // Nothing moves: looks go on, nothing is sent.
        assert_eq!(next().await, None);
        platform.advance(chrono::Duration::seconds(1));
        assert_eq!(next().await, Some(StatementState::Started));
        platform.advance(chrono::Duration::hours(3));
        assert_eq!(next().await, Some(StatementState::Finished));
        // Its end ends the watch.
        watcher.await.expect("the watcher ends by itself");
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_statement_that_cannot_be_described_three_times_ends_the_watch_with_why() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        let platform = crate::demo::DemoPlatform::frozen(7, at);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let started = Instant::now();
        let watcher = spawn_watch(tx, platform.sources(), "no-such-statement".into());
        match rx.recv().await {
            Some(Msg::StatementProgress { result: Err(e), .. }) => {
                assert!(e.message.contains("not found"), "{e}");
            }
            other => panic!("no error said: {other:?}"),
        }
        // Looks after 1, 2 and 4 s: the third failure in a row is said.
        assert_eq!(started.elapsed(), Duration::from_secs(7));
        watcher.await.expect("the watcher ends by itself");
    }
}
