//! The night as a timeline: `T` (or `:night [PIPELINE]`) lays a pipeline's night out on one
//! time axis, from the first start to now: a bar per stage, and under it a bar per item
//! (its DMS tasks, its DAG run and the run's task instances, read when the timeline opens),
//! queued and running told apart, failures and retries marked, and the recovery plan's
//! steps beside the items they act on as they run.

use chrono::{DateTime, Utc};

use super::keys::{Action, Key, KeyCode};
use super::model::{Mode, Model, Notice};
use super::msg::{DetailRequest, Effect};
use super::recovery::StepState;
use super::resource::Resource;
use crate::domain::failure::ItemRef;
use crate::domain::{Health, TaskInstance, TaskState};

/// An open timeline.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub pipeline: String,
    /// The first row shown.
    pub scroll: usize,
    /// The task instances of the night's DAG runs, by run, as they are read.
    pub instances: Vec<RunInstances>,
}

/// The task instances of one run.
#[derive(Debug, Clone)]
pub struct RunInstances {
    pub dag_id: String,
    pub run_id: String,
    pub instances: Resource<Vec<TaskInstance>>,
    /// The run's state when its task instances were last asked for.
    pub read_at_state: Option<crate::domain::RunState>,
}

/// Two timelines are the same when they show the same pipeline from the same row with the
/// same task instances (the fetch times do not count).
impl PartialEq for Timeline {
    fn eq(&self, other: &Self) -> bool {
        self.pipeline == other.pipeline
            && self.scroll == other.scroll
            && self.instances.len() == other.instances.len()
            && self.instances.iter().zip(&other.instances).all(|(a, b)| {
                a.dag_id == b.dag_id && a.run_id == b.run_id && a.instances.data == b.instances.data
            })
    }
}

impl Eq for Timeline {}

/// What a bar is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting to start (a queued run, a task instance with no start yet).
    Queued,
    Running,
    Ended,
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 0 a stage, 1 an item of it, 2 a task instance of a run.
    pub depth: u8,
    pub label: String,
    pub health: Health,
    pub phase: Phase,
    /// When it started (or, queued, since when it waits); none: not yet.
    pub start: Option<DateTime<Utc>>,
    /// When it ended; none while it runs or waits.
    pub end: Option<DateTime<Utc>>,
    /// Tries beyond the first (a retried task instance).
    pub retries: u32,
    /// A note after the bar: "ran on stale data", "step 2 watching…".
    pub note: Option<String>,
}

/// `T` and `:night [PIPELINE]`: the timeline of the pipeline named, of the selected root
/// cause's, or of the first red pipeline (else the first).
pub(super) fn open(model: &mut Model, pipeline: Option<&str>) -> Vec<Effect> {
    let chain = match pipeline {
        Some(name) => model.chains.iter().find(|c| c.pipeline == name),
        None => super::recovery::red_chain(model).or_else(|| model.chains.first()),
    };
    let Some(chain) = chain else {
        model.notice = Some(Notice {
            text: match pipeline {
                Some(name) => format!("no pipeline `{name}`"),
                None => "no [[pipeline]] in the config: the timeline follows a pipeline's stages"
                    .to_string(),
            },
            is_error: true,
        });
        return Vec::new();
    };
    let interval = std::time::Duration::from_secs(30);
    let runs: Vec<(String, String)> = chain
        .stages
        .iter()
        .flat_map(|s| s.items.iter())
        .filter_map(|item| match item {
            ItemRef::WorkflowRun { dag_id, run_id } => Some((dag_id.clone(), run_id.clone())),
            _ => None,
        })
        .collect();
    let timeline = Timeline {
        pipeline: chain.pipeline.clone(),
        scroll: 0,
        instances: runs
            .iter()
            .map(|(dag_id, run_id)| {
                let mut instances = Resource::new(interval);
                instances.loading = true;
                RunInstances {
                    dag_id: dag_id.clone(),
                    run_id: run_id.clone(),
                    instances,
                    read_at_state: model.run(dag_id, run_id).map(|run| run.state.clone()),
                }
            })
            .collect(),
    };
    model.mode = Mode::Timeline(Box::new(timeline));
    runs.into_iter()
        .map(|(dag_id, run_id)| {
            Effect::FetchDetail(DetailRequest::TaskInstances { dag_id, run_id })
        })
        .collect()
}

/// Task instances answered while the timeline is open: into its run's row.
pub(super) fn instances_arrived(
    model: &mut Model,
    dag_id: &str,
    run_id: &str,
    result: &Result<Vec<TaskInstance>, crate::source::SourceError>,
) {
    let now = model.now;
    let Mode::Timeline(timeline) = &mut model.mode else {
        return;
    };
    if let Some(run) = timeline
        .instances
        .iter_mut()
        .find(|r| r.dag_id == dag_id && r.run_id == run_id)
    {
        run.instances.apply(now, result.clone());
    }
}

/// New runs while the timeline is open: the task instances of a run that runs (or whose
/// state changed since they were read) are read again, so a cleared run's rows move on
/// with it rather than showing the failed tries until the timeline is opened again.
pub(super) fn runs_arrived(model: &mut Model) -> Vec<Effect> {
    let runs = model.runs.data.as_deref().unwrap_or_default();
    let Mode::Timeline(timeline) = &mut model.mode else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    for read in timeline
        .instances
        .iter_mut()
        .filter(|r| !r.instances.loading)
    {
        let Some(run) = runs
            .iter()
            .find(|r| r.dag_id == read.dag_id && r.run_id == read.run_id)
        else {
            continue;
        };
        let in_flight = matches!(
            run.state,
            crate::domain::RunState::Queued | crate::domain::RunState::Running
        );
        if in_flight || read.read_at_state.as_ref() != Some(&run.state) {
            read.instances.loading = true;
            read.read_at_state = Some(run.state.clone());
            effects.push(Effect::FetchDetail(DetailRequest::TaskInstances {
                dag_id: read.dag_id.clone(),
                run_id: read.run_id.clone(),
            }));
        }
    }
    effects
}

/// A key while the timeline is open: scroll, or back.
pub(super) fn on_key(model: &mut Model, mut timeline: Timeline, key: Key) {
    let total = rows(model, &timeline).len();
    let page = usize::from(model.size.1.saturating_sub(6)).max(1);
    let last = total.saturating_sub(page);
    match key.code {
        KeyCode::Char('q') | KeyCode::Esc => {
            model.mode = Mode::Normal;
            return;
        }
        _ => match model.keymap.action(key) {
            Some(Action::Down) => timeline.scroll = (timeline.scroll + 1).min(last),
            Some(Action::Up) => timeline.scroll = timeline.scroll.saturating_sub(1),
            Some(Action::PageDown) => timeline.scroll = (timeline.scroll + page).min(last),
            Some(Action::PageUp) => timeline.scroll = timeline.scroll.saturating_sub(page),
            Some(Action::Top) => timeline.scroll = 0,
            Some(Action::Bottom) => timeline.scroll = last,
            Some(Action::Back | Action::Timeline) => {
                model.mode = Mode::Normal;
                return;
            }
            _ => {}
        },
    }
    model.mode = Mode::Timeline(Box::new(timeline));
}

/// The rows of the timeline from what the model holds now.
pub fn rows(model: &Model, timeline: &Timeline) -> Vec<Row> {
    let Some(chain) = model
        .chains
        .iter()
        .find(|c| c.pipeline == timeline.pipeline)
    else {
        return Vec::new();
    };
    let plan = model
        .recoveries
        .iter()
        .find(|r| r.pipeline == timeline.pipeline);
    let step_note = |item: &ItemRef| -> Option<String> {
        let plan = plan?;
        plan.steps.iter().enumerate().find_map(|(i, step)| {
            (step.step.item().as_ref() == Some(item) && step.state != StepState::Pending)
                .then(|| format!("plan step {} {}", i + 1, step.state.word()))
        })
    };
    // While an upstream stage runs, the red stages after it wait for it.
    let waits_for = chain.rerunning().map(|up| chain.stages[up].name.as_str());
    let waiting = if waits_for.is_some() {
        chain.consequences()
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (index, stage) in chain.stages.iter().enumerate() {
        let at = out.len();
        if stage.earlier {
            // Its newest run is last night's: tonight's bars are not mixed with it.
            out.push(Row {
                depth: 0,
                label: stage.name.clone(),
                health: Health::Unknown,
                phase: Phase::Queued,
                start: None,
                end: None,
                retries: 0,
                note: Some("not run tonight yet".to_string()),
            });
            continue;
        }
        out.push(Row {
            depth: 0,
            label: stage.name.clone(),
            health: stage.health,
            phase: Phase::Ended,
            start: None,
            end: None,
            retries: 0,
            note: match (&stage.stale, waits_for) {
                (Some(why), _) => Some(format!("◌ stale: {why}")),
                (None, Some(upstream)) if waiting.contains(&index) => {
                    Some(format!("waits for {upstream}"))
                }
                _ => None,
            },
        });
        for item in &stage.items {
            match item {
                ItemRef::Replication { id } => {
                    let Some(task) = model.task(id) else { continue };
                    let stats = task.stats.as_ref();
                    let end = stats.and_then(|s| s.stopped_at.or(s.full_load_finished));
                    let health = task.health();
                    let running = health == Health::Running;
                    out.push(Row {
                        depth: 1,
                        label: task.id.clone(),
                        health,
                        phase: if running {
                            Phase::Running
                        } else {
                            Phase::Ended
                        },
                        start: task
                            .started_at
                            .or_else(|| stats.and_then(|s| s.full_load_started)),
                        end: if running { None } else { end },
                        retries: 0,
                        note: step_note(item),
                    });
                }
                ItemRef::WorkflowRun { dag_id, run_id } => {
                    let Some(run) = model.run(dag_id, run_id) else {
                        continue;
                    };
                    let queued = run.state == crate::domain::RunState::Queued;
                    let running = run.state == crate::domain::RunState::Running;
                    out.push(Row {
                        depth: 1,
                        label: run.dag_id.clone(),
                        health: run.health(),
                        phase: if queued {
                            Phase::Queued
                        } else if running {
                            Phase::Running
                        } else {
                            Phase::Ended
                        },
                        start: if queued {
                            run.logical_date
                        } else {
                            run.started_at
                        },
                        end: if queued || running {
                            None
                        } else {
                            run.ended_at
                        },
                        retries: 0,
                        note: step_note(item),
                    });
                    let instances = timeline
                        .instances
                        .iter()
                        .find(|r| r.dag_id == *dag_id && r.run_id == *run_id)
                        .and_then(|r| r.instances.data.as_ref());
                    // What went wrong or still runs is listed; the tasks that ended well
                    // on their first try are counted, so the night fits a screen.
                    let mut fine = 0;
                    for task in instances.into_iter().flatten() {
                        let row = instance_row(task);
                        if row.health == Health::Ok && row.retries == 0 && row.phase == Phase::Ended
                        {
                            fine += 1;
                        } else {
                            out.push(row);
                        }
                    }
                    if fine > 0 {
                        out.push(Row {
                            depth: 2,
                            label: format!("+ {fine} ended well"),
                            health: Health::Ok,
                            phase: Phase::Ended,
                            start: None,
                            end: None,
                            retries: 0,
                            note: None,
                        });
                    }
                }
                ItemRef::Query { .. } => {}
            }
        }
        // The stage spans its items.
        let items = &out[at + 1..];
        let start = items
            .iter()
            .filter(|r| r.depth == 1)
            .filter_map(|r| r.start)
            .min();
        let running = items
            .iter()
            .any(|r| r.depth == 1 && r.phase != Phase::Ended);
        let end = items
            .iter()
            .filter(|r| r.depth == 1)
            .filter_map(|r| r.end)
            .max();
        let stage_row = &mut out[at];
        stage_row.start = start;
        stage_row.phase = if running {
            Phase::Running
        } else {
            Phase::Ended
        };
        stage_row.end = if running { None } else { end };
    }
    out
}

fn instance_row(task: &TaskInstance) -> Row {
    // Not started and not ended for good: it waits (an upstream-failed or skipped task
    // ended without running).
    let waiting = matches!(
        task.state,
        TaskState::NoStatus
            | TaskState::Scheduled
            | TaskState::Queued
            | TaskState::UpForRetry
            | TaskState::UpForReschedule
            | TaskState::Deferred
    ) || (task.started_at.is_none()
        && !matches!(
            task.state,
            TaskState::UpstreamFailed | TaskState::Skipped | TaskState::Removed
        ));
    let running = !waiting && task.ended_at.is_none();
    Row {
        depth: 2,
        label: task.task_id.clone(),
        health: task.state.health(),
        phase: if waiting {
            Phase::Queued
        } else if running {
            Phase::Running
        } else {
            Phase::Ended
        },
        start: task.started_at,
        end: task.ended_at,
        retries: task.try_number.saturating_sub(1),
        note: match task.state {
            TaskState::UpstreamFailed => Some("✖ upstream failed: did not run".to_string()),
            TaskState::Skipped => Some("skipped".to_string()),
            TaskState::UpForRetry => Some("up for retry".to_string()),
            _ => None,
        },
    }
}
