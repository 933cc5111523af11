//! The effect executor: carries out what `update` asks — polls, detail fetches, the cost
//! review and its export, actions and their audit records, themes, environment switches —
//! on the current environment's [`Session`]. Outcomes come back as messages.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use super::cost::{export_cost, review_cost};
use super::session::Session;
use super::{Environments, Opened};
use crate::actions::Actor;
use crate::actions::audit::{AuditLog, Interface};
use crate::app::{Effect, Environment, Model, Msg, update};
use crate::poll::{Cadence, fetch_detail};
use crate::source::{SourceKind, Sources};
use crate::ui::theme::Theme;

/// What the executor keeps for the console's whole run.
pub struct Settings {
    pub cadences: HashMap<SourceKind, Cadence>,
    /// Where user themes live, for `:theme NAME`.
    pub themes_dir: Option<PathBuf>,
    /// NO_COLOR was set: themes load without colours.
    pub no_color: bool,
    pub environments: Option<Arc<dyn Environments>>,
    pub audit: Option<Arc<AuditLog>>,
    pub export_dir: Option<PathBuf>,
}

/// Whether the loop goes on after an effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Carries out effects on the current session.
pub struct Executor {
    /// The theme frames are drawn in.
    pub theme: Theme,
    session: Session,
    settings: Settings,
    opened_tx: mpsc::UnboundedSender<(u64, Result<Opened, String>)>,
    /// The number of the last `:env` asked: only its answer counts.
    opening: u64,
}

impl Executor {
    /// Opens the first environment's session; the receiver is its channel.
    pub fn new(
        theme: Theme,
        sources: Sources,
        model: &Model,
        settings: Settings,
        opened_tx: mpsc::UnboundedSender<(u64, Result<Opened, String>)>,
    ) -> (Executor, mpsc::UnboundedReceiver<Msg>) {
        let actor = actor_of(&sources, &model.environment, &settings.audit);
        let (session, rx) = Session::open(sources, actor, &settings.cadences, model.tab.source());
        let executor = Executor {
            theme,
            session,
            settings,
            opened_tx,
            opening: 0,
        };
        (executor, rx)
    }

    /// Whether `request` is the last `:env` asked.
    pub fn is_last_opening(&self, request: u64) -> bool {
        request == self.opening
    }

    /// Replaces the session by the opened environment's: the old one's work stops and its
    /// channel closes. Returns the effects of the switch and the new session's channel.
    pub fn switch(
        &mut self,
        model: &mut Model,
        opened: Opened,
    ) -> (Vec<Effect>, mpsc::UnboundedReceiver<Msg>) {
        let actor = actor_of(&opened.sources, &opened.environment, &self.settings.audit);
        if opened.theme != model.theme_name
            && let Some(Ok(files)) = &opened.theme_files
            && let Ok(loaded) = self.resolve_theme(&opened.theme, files)
        {
            self.theme = loaded;
            update(model, Msg::ThemeLoaded(Ok(opened.theme)));
        }
        let (session, rx) = Session::open(
            opened.sources,
            actor,
            &self.settings.cadences,
            model.tab.source(),
        );
        // Dropping the old session aborts what it ran.
        self.session = session;
        // After the theme: its notice names the environment.
        let effects = update(model, Msg::EnvironmentSwitched(Ok(opened.environment)));
        (effects, rx)
    }

    /// The theme `name` from its files (read off the loop), without colour under NO_COLOR.
    fn resolve_theme(
        &self,
        name: &str,
        files: &crate::config::themes::ThemeFiles,
    ) -> Result<Theme, String> {
        super::resolve_theme(name, files)
            .map(|loaded| {
                if self.settings.no_color {
                    loaded.without_colors()
                } else {
                    loaded
                }
            })
            .map_err(|error| error.to_string())
    }

    /// Carries out one effect.
    pub fn execute(&mut self, model: &mut Model, effect: Effect) -> Flow {
        let session = &mut self.session;
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::Refresh(kind) => session.refresh(kind),
            // The cost review asked right after (the next effect) goes past the cache,
            // and so does the polled spend (the Overview's month to date).
            Effect::RefetchCost => {
                session.sources.cost.bypass_cache_once();
                session.refresh(SourceKind::Cost);
            }
            Effect::FetchCostReview(request) => {
                let sources = session.sources.clone();
                let stages = model.cost_stages.clone();
                session.spawn(async move {
                    Some(review_cost(&sources, request, &stages, Utc::now()).await)
                });
            }
            // The file is written off the loop; its path (or why not) comes back.
            Effect::ExportCost { report, json } => {
                let dir = self.settings.export_dir.clone();
                session.spawn_detached(async move {
                    let written = tokio::task::spawn_blocking(move || {
                        export_cost(dir.as_deref(), &report, json)
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("the export stopped: {e}")));
                    Some(Msg::Exported(written))
                });
            }
            Effect::Focus(focus) => session.focus(focus),
            // The theme's files are read off the loop; what was read comes back to be
            // applied (`ApplyTheme`).
            Effect::LoadTheme(name) => {
                let themes_dir = self.settings.themes_dir.clone();
                session.spawn(async move {
                    let read = super::read_theme_files(name.clone(), themes_dir).await;
                    Some(Msg::ThemeRead { name, read })
                });
            }
            Effect::ApplyTheme { name, files } => {
                let msg = self.resolve_theme(&name, &files).map(|loaded| {
                    self.theme = loaded;
                    name
                });
                update(model, Msg::ThemeLoaded(msg));
            }
            Effect::SwitchEnvironment(name) => {
                self.opening += 1;
                match &self.settings.environments {
                    Some(environments) => {
                        let (environments, opened_tx) =
                            (environments.clone(), self.opened_tx.clone());
                        let request = self.opening;
                        let themes_dir = self.settings.themes_dir.clone();
                        tokio::spawn(async move {
                            let mut opened = environments.open(&name).await;
                            // Its theme's files are read here too, off the loop.
                            if let Ok(opened) = opened.as_mut() {
                                let files =
                                    super::read_theme_files(opened.theme.clone(), themes_dir).await;
                                opened.theme_files = Some(files);
                            }
                            let _ = opened_tx.send((request, opened));
                        });
                    }
                    None => {
                        let error = "this console has no environments to switch to";
                        update(model, Msg::EnvironmentSwitched(Err(error.into())));
                    }
                }
            }
            Effect::PreviewClear {
                dag_id,
                run_id,
                scope,
            } => {
                let actor = session.actor.clone();
                session.spawn(async move {
                    let result = actor.preview_clear(&dag_id, &run_id, &scope).await;
                    Some(Msg::ClearPreview {
                        dag_id,
                        run_id,
                        scope,
                        result,
                    })
                });
            }
            Effect::Act(actions) => {
                for action in actions {
                    let actor = session.actor.clone();
                    session.spawn_detached(async move {
                        let (result, recorded) = actor.perform_recorded(&action).await;
                        let recorded = recorded.map(|id| id.0);
                        Some(Msg::ActionDone {
                            action,
                            result,
                            recorded,
                        })
                    });
                }
            }
            Effect::WatchStatement(statement) => session.watch(statement),
            Effect::RecordSettled {
                recorded,
                ok,
                message,
            } => {
                let actor = session.actor.clone();
                session.spawn_detached(async move {
                    let id = crate::actions::audit::AuditId(recorded);
                    let settled = crate::actions::audit::Settled::of(ok);
                    actor.settled(&id, settled, &message).await;
                    None
                });
            }
            Effect::BeginPlan { pipeline, steps } => {
                let actor = session.actor.clone();
                session.spawn(async move {
                    let recorded = actor.begin_plan(&pipeline, &steps).await;
                    Some(Msg::PlanRecorded {
                        pipeline,
                        recorded: recorded.map(|id| id.0),
                    })
                });
            }
            Effect::EndPlan {
                recorded,
                ok,
                message,
                took_ms,
            } => {
                let actor = session.actor.clone();
                session.spawn_detached(async move {
                    let id = crate::actions::audit::AuditId(recorded);
                    let took = std::time::Duration::from_millis(took_ms);
                    actor.end_plan(&id, ok, &message, took).await;
                    None
                });
            }
            Effect::Refuse { action, reason } => {
                let actor = session.actor.clone();
                session.spawn_detached(async move {
                    actor.refuse(&action, &reason).await;
                    None
                });
            }
            Effect::FetchDetail(request) => {
                let sources = session.sources.clone();
                session.spawn(async move {
                    Some(Msg::DetailFetched(fetch_detail(request, &sources).await))
                });
            }
        }
        Flow::Continue
    }
}

/// The actor of an environment, for the console.
fn actor_of(sources: &Sources, environment: &Environment, audit: &Option<Arc<AuditLog>>) -> Actor {
    Actor {
        sources: sources.clone(),
        environment: environment.name.clone(),
        read_only: environment.read_only,
        read_only_by_flag: environment.read_only_by_flag,
        audit: audit.clone(),
        interface: Interface::Tui,
    }
}
