//! An environment session: everything one environment runs — its sources, the actor that
//! acts on them, one poller per source, the ticks of its clock, the watchers of re-run
//! statements, the detail fetches and cost work under way — and the channel they answer
//! on. Ending the session (dropping it) aborts all of it and closes the channel, so a late
//! answer of an old environment never reaches the panes of the next one.
//!
//! An action already sent to the platform is the exception: it runs to its end so that
//! its outcome is written to the audit log; only its answer to the console is dropped.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::actions::Actor;
use crate::app::Msg;
use crate::poll::{Cadence, Poller};
use crate::source::{ErrorKind, SourceError, SourceKind, Sources};

/// How often the clock in the model moves (ages on screen count in seconds).
const TICK: Duration = Duration::from_secs(1);
/// The longest pause between two looks at a followed statement.
const WATCH_PAUSE_MAX: Duration = Duration::from_secs(15);
/// How long a re-run is followed before the console stops looking.
const WATCH_LIMIT: Duration = Duration::from_secs(12 * 3600);

/// What one environment runs; dropping it ends all of it.
pub struct Session {
    pub sources: Sources,
    pub actor: Actor,
    tx: mpsc::UnboundedSender<Msg>,
    pollers: HashMap<SourceKind, Poller>,
    ticks: JoinHandle<()>,
    /// Watchers, detail fetches and cost work: aborted with the session.
    tasks: Vec<JoinHandle<()>>,
}

impl Session {
    /// Starts the pollers and the ticks of an environment (the `focus` source polled
    /// faster); the receiver is where all its answers arrive.
    pub fn open(
        sources: Sources,
        actor: Actor,
        cadences: &HashMap<SourceKind, Cadence>,
        focus: Option<SourceKind>,
    ) -> (Session, mpsc::UnboundedReceiver<Msg>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let session = Session {
            ticks: spawn_ticks(tx.clone(), sources.clone()),
            pollers: spawn_pollers(&sources, cadences, &tx, focus),
            sources,
            actor,
            tx,
            tasks: Vec::new(),
        };
        (session, rx)
    }

    /// Asks the poller of `kind` to fetch now.
    pub fn refresh(&self, kind: SourceKind) {
        if let Some(poller) = self.pollers.get(&kind) {
            poller.refresh();
        }
    }

    /// Polls the source on screen faster, the others at their background pace.
    pub fn focus(&self, focus: Option<SourceKind>) {
        for (kind, poller) in &self.pollers {
            poller.set_visible(Some(*kind) == focus);
        }
    }

    /// Runs `work` for this session: its message, if any, is answered on the session's
    /// channel, and the work is aborted when the session ends.
    pub fn spawn(&mut self, work: impl Future<Output = Option<Msg>> + Send + 'static) {
        let tx = self.tx.clone();
        self.track(tokio::spawn(async move {
            if let Some(msg) = work.await {
                let _ = tx.send(msg);
            }
        }));
    }

    /// Runs `work` to its end even past the session (an action the platform was asked
    /// to do, whose outcome the audit log must get); its answer, if any, goes to the
    /// session's channel, and is dropped once the session has ended.
    pub fn spawn_detached(&self, work: impl Future<Output = Option<Msg>> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            if let Some(msg) = work.await {
                let _ = tx.send(msg);
            }
        });
    }

    /// Follows a statement the console submitted until it ends (see [`spawn_watch`]).
    pub fn watch(&mut self, statement: String) {
        let watcher = spawn_watch(self.tx.clone(), self.sources.clone(), statement);
        self.track(watcher);
    }

    fn track(&mut self, task: JoinHandle<()>) {
        self.tasks.retain(|t| !t.is_finished());
        self.tasks.push(task);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The pollers stop as they are dropped with the session.
        self.ticks.abort();
        for task in &self.tasks {
            task.abort();
        }
    }
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

    /// Ending a session aborts what it runs and closes its channel: work still under way
    /// never answers, and nothing of it reaches whoever reads next.
    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn ending_a_session_aborts_its_work_and_closes_its_channel() {
        use chrono::TimeZone;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        let platform = crate::demo::DemoPlatform::frozen(7, at);
        let sources = platform.sources();
        let actor = Actor {
            sources: sources.clone(),
            environment: "demo".into(),
            read_only: true,
            read_only_by_flag: false,
            audit: None,
            interface: crate::actions::audit::Interface::Tui,
        };
        let (mut session, mut rx) = Session::open(sources, actor, &HashMap::new(), None);
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        session.spawn(async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            flag.store(true, Ordering::SeqCst);
            Some(Msg::Quit)
        });
        session.watch("no-such-statement".into());
        drop(session);
        let drained = tokio::time::timeout(Duration::from_secs(600), async {
            while let Some(msg) = rx.recv().await {
                assert!(
                    !matches!(msg, Msg::Quit | Msg::StatementProgress { .. }),
                    "an answer of an ended session: {msg:?}"
                );
            }
        })
        .await;
        assert!(drained.is_ok(), "the channel closes with the session");
        assert!(!finished.load(Ordering::SeqCst), "its work was aborted");
    }
}
