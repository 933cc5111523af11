//! Confirm, then act: an action that costs money or changes the platform first opens a
//! dialog that says what it will do; only a yes turns it into effects. The dialog's focus
//! starts on Cancel, so a stray Enter does nothing; a destructive action asks for the
//! target's name to be typed.

use super::keys::{Key, KeyCode};
use super::msg::Effect;
use crate::domain::recovery::Plan;
use crate::domain::{Action, ClearScope, ClearedTask, StartMode, TableName, TablePrepMode};

/// A replication task a start dialog is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartTarget {
    pub task_id: String,
    pub arn: String,
    pub serverless: bool,
    /// Its status now, for the dialog ("failed", "stopped").
    pub status: String,
    /// What reload-target does to its target, once the settings are read.
    pub prep: Option<Result<Option<TablePrepMode>, String>>,
}

/// A DAG run a clear dialog is about, with the dry run's answer once it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearTarget {
    pub dag_id: String,
    pub run_id: String,
    pub preview: Option<Result<Vec<ClearedTask>, String>>,
}

/// An action that waits for the operator's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmable {
    /// Ask Cost Explorer again now, past the cache (billed).
    RefetchCost,
    /// Start replication tasks again in the chosen mode.
    Start {
        targets: Vec<StartTarget>,
        modes: Vec<StartMode>,
        chosen: usize,
    },
    /// Reload some tables of a running replication task.
    Reload {
        task_id: String,
        arn: String,
        serverless: bool,
        tables: Vec<TableName>,
    },
    /// Clear task instances of DAG runs, after a dry run lists them.
    Clear {
        targets: Vec<ClearTarget>,
        scope: ClearScope,
    },
    /// A new run of a DAG.
    Trigger { dag_id: String },
    /// Run a failed query's SQL again.
    Rerun {
        query_id: i64,
        database: String,
        sql: String,
    },
    /// Cancel a running query; `statement` when it is one the console submitted.
    Cancel {
        query_id: i64,
        pid: Option<i64>,
        label: String,
        statement: Option<String>,
    },
    /// Run a pipeline's recovery plan; each clear step's dry run once it is in (by step).
    Recover {
        plan: Box<Plan>,
        previews: Vec<Option<Result<Vec<ClearedTask>, String>>>,
    },
    /// Cancel the steps a running recovery plan has not sent.
    CancelRecovery { pipeline: String },
}

impl Confirmable {
    /// The mode a start dialog has chosen.
    pub fn chosen_mode(&self) -> Option<StartMode> {
        match self {
            Confirmable::Start { modes, chosen, .. } => modes.get(*chosen).copied(),
            _ => None,
        }
    }

    /// The platform actions a yes carries out.
    pub fn actions(&self) -> Vec<Action> {
        match self {
            Confirmable::RefetchCost => Vec::new(),
            Confirmable::Start { targets, .. } => {
                let Some(mode) = self.chosen_mode() else {
                    return Vec::new();
                };
                targets
                    .iter()
                    .map(|t| Action::StartTask {
                        task_id: t.task_id.clone(),
                        arn: t.arn.clone(),
                        serverless: t.serverless,
                        mode,
                    })
                    .collect()
            }
            Confirmable::Reload {
                task_id,
                arn,
                serverless,
                tables,
            } => vec![Action::ReloadTables {
                task_id: task_id.clone(),
                arn: arn.clone(),
                serverless: *serverless,
                tables: tables.clone(),
            }],
            Confirmable::Clear { targets, scope } => targets
                .iter()
                // A run whose dry run found nothing to clear is left alone.
                .filter(|t| matches!(&t.preview, Some(Ok(tasks)) if !tasks.is_empty()))
                .map(|t| Action::ClearRun {
                    dag_id: t.dag_id.clone(),
                    run_id: t.run_id.clone(),
                    scope: scope.clone(),
                })
                .collect(),
            Confirmable::Trigger { dag_id } => vec![Action::TriggerDag {
                dag_id: dag_id.clone(),
            }],
            Confirmable::Rerun {
                query_id,
                database,
                sql,
            } => vec![Action::RerunQuery {
                query_id: *query_id,
                database: Some(database.clone()),
                sql: sql.clone(),
            }],
            Confirmable::Cancel {
                query_id,
                pid,
                statement,
                ..
            } => vec![Action::CancelQuery {
                query_id: *query_id,
                pid: *pid,
                statement: statement.clone(),
            }],
            Confirmable::Recover { plan, .. } => plan
                .chosen()
                .into_iter()
                .filter_map(|s| s.action().cloned())
                .collect(),
            Confirmable::CancelRecovery { .. } => Vec::new(),
        }
    }

    /// The effect of a confirmed action.
    fn effect(&self) -> Effect {
        match self {
            Confirmable::RefetchCost => Effect::RefetchCost,
            _ => Effect::Act(self.actions()),
        }
    }

    /// False while the dialog waits for something it must show first (a dry run).
    fn ready(&self) -> bool {
        match self {
            Confirmable::Clear { targets, .. } => {
                targets.iter().all(|t| t.preview.is_some()) && !self.actions().is_empty()
            }
            Confirmable::Recover { plan, previews } => {
                !plan.chosen().is_empty()
                    && plan.steps.iter().zip(previews).all(|(step, preview)| {
                        !step.chosen || step.clear().is_none() || preview.is_some()
                    })
            }
            _ => true,
        }
    }
}

/// A name the operator must type before a destructive action goes ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub expected: String,
    pub input: String,
}

/// An open dialog: what it asks, what saying yes does, and which button has the focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub action: Confirmable,
    pub title: String,
    /// What will happen, one line each.
    pub lines: Vec<String>,
    /// The label of the yes button ("Refetch").
    pub confirm_label: String,
    /// True when the yes button has the focus; Cancel has it at first.
    pub on_confirm: bool,
    /// Set when the action is destructive: the name to type, and what is typed so far.
    pub typed: Option<Box<Typed>>,
    /// Marked rows the action leaves out, each with the reason ("payments-cdc: running").
    pub left_out: Vec<String>,
}

/// What a key does to an open dialog.
#[derive(Debug)]
pub enum Answer {
    /// The dialog stays open (perhaps changed).
    Open,
    /// The dialog stays open and its choice changed: its text must be written again (and
    /// perhaps something fetched).
    Changed,
    /// Closed without acting.
    Cancelled,
    /// Closed with a yes: carry out this effect.
    Confirmed(Effect),
    /// Closed without acting because the typed name was wrong.
    Refused(String),
}

impl Confirmation {
    /// A dialog for `action` with its focus on Cancel.
    pub fn new(action: Confirmable, title: &str, lines: Vec<String>, confirm_label: &str) -> Self {
        Confirmation {
            action,
            title: title.to_string(),
            lines,
            confirm_label: confirm_label.to_string(),
            on_confirm: false,
            typed: None,
            left_out: Vec::new(),
        }
    }

    /// True when a yes would act now (nothing left to wait for).
    pub fn ready(&self) -> bool {
        self.action.ready()
    }

    /// `y` confirms, `n` and Esc cancel, Enter presses the focused button, Tab and the
    /// arrows move the focus; ↑ ↓ (and j k) change a start dialog's mode, `d` a clear
    /// dialog's downstream choice. While a name must be typed, letters are the name and
    /// Enter submits it (Enter with nothing typed cancels).
    pub fn answer(&mut self, key: Key) -> Answer {
        if let Some(typed) = self.typed.as_mut() {
            match key.code {
                KeyCode::Esc => return Answer::Cancelled,
                KeyCode::Char(c) if !key.ctrl && !key.alt => {
                    typed.input.push(c);
                    return Answer::Open;
                }
                KeyCode::Backspace => {
                    typed.input.pop();
                    return Answer::Open;
                }
                KeyCode::Enter if typed.input.is_empty() => return Answer::Cancelled,
                KeyCode::Enter if typed.input == typed.expected => {
                    return Answer::Confirmed(self.action.effect());
                }
                KeyCode::Enter => {
                    return Answer::Refused(format!(
                        "typed `{}`, not `{}`: nothing was done",
                        typed.input, typed.expected
                    ));
                }
                KeyCode::Up | KeyCode::Down => {}
                _ => return Answer::Open,
            }
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => return self.choose(-1),
            KeyCode::Down | KeyCode::Char('j') => return self.choose(1),
            KeyCode::Char('d') => return self.toggle_downstream(),
            KeyCode::Char('o') => return self.toggle_optional(),
            _ => {}
        }
        let ready = self.ready();
        match key.code {
            KeyCode::Char('y' | 'Y') if ready => Answer::Confirmed(self.action.effect()),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Answer::Cancelled,
            KeyCode::Enter if self.on_confirm && ready => Answer::Confirmed(self.action.effect()),
            KeyCode::Enter if self.on_confirm => Answer::Open,
            KeyCode::Enter => Answer::Cancelled,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                self.on_confirm = !self.on_confirm;
                Answer::Open
            }
            KeyCode::Char('h') => {
                self.on_confirm = false;
                Answer::Open
            }
            KeyCode::Char('l') => {
                self.on_confirm = true;
                Answer::Open
            }
            _ => Answer::Open,
        }
    }

    fn choose(&mut self, delta: isize) -> Answer {
        let Confirmable::Start { modes, chosen, .. } = &mut self.action else {
            return Answer::Open;
        };
        let next = (*chosen as isize + delta).clamp(0, modes.len() as isize - 1) as usize;
        if next == *chosen {
            return Answer::Open;
        }
        *chosen = next;
        Answer::Changed
    }

    /// A plan's optional steps (stages that ran on stale data): all in, or all out.
    fn toggle_optional(&mut self) -> Answer {
        let Confirmable::Recover { plan, .. } = &mut self.action else {
            return Answer::Open;
        };
        let Some(first) = plan.steps.iter().find(|s| s.optional) else {
            return Answer::Open;
        };
        let include = !first.chosen;
        plan.include_stale(include);
        Answer::Changed
    }

    fn toggle_downstream(&mut self) -> Answer {
        let Confirmable::Clear {
            scope: ClearScope::Task { downstream, .. },
            targets,
        } = &mut self.action
        else {
            return Answer::Open;
        };
        *downstream = !*downstream;
        for target in targets {
            target.preview = None;
        }
        Answer::Changed
    }
}
