//! `opsdeck retry`: the console's retries for runbooks and scripts. It prints what will
//! happen, asks on a terminal (the task's name for a reload-target), or goes ahead with
//! `--yes`; without a terminal and without `--yes` it refuses. The same audit records and
//! the same read-only rule as the console.

use std::process::ExitCode;

use super::{Context, Platform, RetryCommand};
use std::io::{BufRead, IsTerminal as _, Write};

use crate::actions::actor::Actor;
use crate::actions::audit::Settled;
use crate::domain::follow::{AfterAction, Followed, Seen};
use crate::domain::retry as rules;
use crate::domain::{Action, ActionOutcome, ClearScope, StartMode};
use crate::source::SourceError;
use crate::text::InertWriter;
use crate::text::{age, inert_line};

/// Done: the action was carried out.
pub const EXIT_DONE: u8 = 0;
/// The platform refused or the call failed.
pub const EXIT_FAILED: u8 = 1;
/// Nothing was done: not confirmed, read-only, no terminal without `--yes`, bad target.
pub const EXIT_REFUSED: u8 = 2;
/// Done, and with `--wait` the item had not settled when the wait ran out.
pub const EXIT_UNSETTLED: u8 = 3;

/// `--wait`: follow the item after the action until it settles, at most `limit`, with a
/// look every `pause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub limit: std::time::Duration,
    pub pause: std::time::Duration,
}

/// What to retry, as the command line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Dms {
        task: String,
        mode: Option<StartMode>,
    },
    Dag {
        dag_id: String,
        run_id: String,
        task: Option<String>,
        downstream: bool,
    },
    Query {
        id: i64,
    },
}

/// How the operator answers: `--yes`, or lines read from a terminal.
pub struct Confirm<'a> {
    pub yes: bool,
    /// The terminal's input, or none when stdin is not a terminal.
    pub input: Option<&'a mut dyn BufRead>,
}

impl Confirm<'_> {
    /// `--yes` and the process's stdin when it is a terminal.
    pub fn from_stdin(yes: bool, stdin: &mut dyn BufRead) -> Confirm<'_> {
        Confirm {
            yes,
            input: std::io::stdin().is_terminal().then_some(stdin),
        }
    }
}

/// Plans, confirms and carries out a retry; the exit code says how it went. What it says
/// goes to `out`, errors to `err`.
pub async fn retry(
    actor: &Actor,
    target: &Target,
    mut confirm: Confirm<'_>,
    wait: Option<Wait>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    // Task ids, DAG ids, messages and SQL from the platform are formatted into every line:
    // the lines themselves are made inert.
    let (mut out, mut err) = (InertWriter::new(out), InertWriter::new(err));
    let (out, err): (&mut dyn Write, &mut dyn Write) = (&mut out, &mut err);
    let plan = match plan(actor, target, out).await {
        Ok(plan) => plan,
        Err(message) => {
            writeln!(err, "opsdeck retry: {message}")?;
            return Ok(EXIT_REFUSED);
        }
    };
    let question = match &plan.typed {
        Some(name) => format!("Type `{name}` to go ahead: "),
        None => "Go ahead? [y/N] ".to_string(),
    };
    let asked = Asked {
        command: "retry",
        question: &question,
        typed: plan.typed.as_deref(),
    };
    if !go_ahead(actor, &plan.action, &mut confirm, asked, out, err).await? {
        return Ok(EXIT_REFUSED);
    }
    // Before the call: an end dated after this is the retry's.
    let acted_at = actor.sources.clock.now();
    let (result, audit_id) = actor.perform_recorded(&plan.action).await;
    match result {
        Ok(outcome) => {
            write!(out, "✔ {}: {}", plan.action.summary(), outcome.message)?;
            if let Some(id) = &outcome.request_id {
                write!(out, " (request id {id})")?;
            }
            writeln!(out)?;
            match wait {
                Some(wait) => {
                    let done = (&plan.action, &outcome, acted_at);
                    let (code, ending) = follow(actor, done, wait, out, err).await?;
                    // How it ended goes to the audit log beside the action.
                    if let (Some(id), Some((settled, message))) = (&audit_id, ending) {
                        actor.settled(id, settled, &message).await;
                    }
                    Ok(code)
                }
                None => Ok(EXIT_DONE),
            }
        }
        Err(error) => {
            writeln!(err, "✖ {}: {error}", plan.action.summary())?;
            Ok(EXIT_FAILED)
        }
    }
}

/// What a command asks before it acts: its name (for its messages), the question, and
/// the name to type instead of a yes, for a destructive action.
pub(super) struct Asked<'a> {
    pub command: &'a str,
    pub question: &'a str,
    pub typed: Option<&'a str>,
}

/// The rules before an action from the command line: refused in read-only mode, without a
/// terminal and without `--yes`, or without the operator's yes (or the typed name); each
/// refusal recorded against `action` and said on `err`. True: go ahead.
pub(super) async fn go_ahead(
    actor: &Actor,
    action: &Action,
    confirm: &mut Confirm<'_>,
    asked: Asked<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<bool> {
    let command = asked.command;
    if actor.read_only {
        let reason = format!("environment {} is read-only", actor.environment);
        actor.refuse(action, &reason).await;
        writeln!(
            err,
            "opsdeck {command}: {reason}: nothing was done ({})",
            crate::domain::environment::allow_actions_hint(actor.read_only_by_flag)
        )?;
        return Ok(false);
    }
    if confirm.yes {
        return Ok(true);
    }
    let Some(input) = confirm.input.as_mut() else {
        let reason = "no terminal to confirm on and no --yes";
        actor.refuse(action, reason).await;
        writeln!(
            err,
            "opsdeck {command}: {reason}: nothing was done (add --yes in runbooks)"
        )?;
        return Ok(false);
    };
    write!(out, "{}", asked.question)?;
    out.flush()?;
    let mut line = String::new();
    input.read_line(&mut line)?;
    let answer = line.trim();
    let agreed = match asked.typed {
        Some(name) => answer == name,
        None => matches!(answer, "y" | "Y" | "yes" | "YES" | "Yes"),
    };
    if !agreed {
        let reason = match asked.typed {
            Some(name) if !answer.is_empty() => format!("typed `{answer}`, not `{name}`"),
            _ => "not confirmed".to_string(),
        };
        actor.refuse(action, &reason).await;
        writeln!(err, "opsdeck {command}: {reason}: nothing was done")?;
        return Ok(false);
    }
    Ok(true)
}

/// An action, and the name to type before it when it is destructive.
struct Plan {
    action: Action,
    typed: Option<String>,
}

/// Reads the target, checks the retry makes sense, and prints what it will do.
async fn plan(actor: &Actor, target: &Target, out: &mut dyn Write) -> Result<Plan, String> {
    let say = |out: &mut dyn Write, line: String| {
        let _ = writeln!(out, "{}", crate::text::inert_line(&line));
    };
    let read = |e: SourceError| format!("cannot read the target: {e}");
    match target {
        Target::Dms { task, mode } => {
            let tasks = actor.sources.replication.tasks().await.map_err(read)?;
            let Some(task) = tasks.iter().find(|t| &t.id == task || &t.arn == task) else {
                return Err(format!("no replication task `{task}`"));
            };
            let mode = mode.unwrap_or_else(|| rules::default_start_mode(task));
            rules::check_start(task, mode)?;
            say(
                out,
                format!(
                    "{} ({}{}) will be started with {mode}: {}.",
                    task.id,
                    task.status.as_str(),
                    if task.serverless { ", Serverless" } else { "" },
                    mode.effect()
                ),
            );
            let typed = if mode.is_destructive() {
                let prep = match actor.sources.replication.task_settings(&task.id).await {
                    Ok(settings) => match settings.target_table_prep_mode {
                        Some(p) => format!("{}: {}", p.as_str(), p.effect()),
                        None => "not set".to_string(),
                    },
                    Err(e) => format!("unknown ({e})"),
                };
                say(out, rules::RELOAD_WARNING.to_string());
                say(out, format!("TargetTablePrepMode {prep}"));
                Some(task.id.clone())
            } else {
                None
            };
            Ok(Plan {
                action: Action::StartTask {
                    task_id: task.id.clone(),
                    arn: task.arn.clone(),
                    serverless: task.serverless,
                    mode,
                },
                typed,
            })
        }
        Target::Dag {
            dag_id,
            run_id,
            task,
            downstream,
        } => {
            let scope = match task {
                Some(task_id) => ClearScope::Task {
                    task_id: task_id.clone(),
                    downstream: *downstream,
                },
                None => ClearScope::Failed,
            };
            let cleared = actor
                .preview_clear(dag_id, run_id, &scope)
                .await
                .map_err(|e| format!("the dry run of the clear failed: {e}"))?;
            if cleared.is_empty() {
                return Err(rules::nothing_to_clear(dag_id, run_id));
            }
            say(
                out,
                format!(
                    "{dag_id} {run_id}: the same run runs these {} task instance(s) again:",
                    cleared.len()
                ),
            );
            for t in &cleared {
                say(out, format!("  {} ({})", t.task_id, t.state));
            }
            Ok(Plan {
                action: Action::ClearRun {
                    dag_id: dag_id.clone(),
                    run_id: run_id.clone(),
                    scope,
                },
                typed: None,
            })
        }
        Target::Query { id } => {
            let queries = actor.sources.warehouse.queries().await.map_err(read)?;
            let Some(query) = queries.iter().find(|q| q.query_id == *id) else {
                return Err(format!("no query {id} in the last 24 hours"));
            };
            rules::check_rerun(query)?;
            say(
                out,
                format!(
                    "query {id} will run again as a new statement in {}:",
                    query.database
                ),
            );
            for line in query.text.lines() {
                say(out, format!("  {line}"));
            }
            Ok(Plan {
                action: Action::RerunQuery {
                    query_id: *id,
                    database: Some(query.database.clone()),
                    sql: query.text.to_string(),
                },
                typed: None,
            })
        }
    }
}

/// Follows the item an action retried or created until it settles, saying each state it
/// passes through: exit 0 when it recovered (or succeeded), 1 when it failed again,
/// [`EXIT_UNSETTLED`] when the wait ran out first. Three failed looks in a row end the wait.
/// With the exit code comes how it ended, for the audit log (none: nothing to follow).
async fn follow(
    actor: &Actor,
    (action, outcome, acted_at): (&Action, &ActionOutcome, chrono::DateTime<chrono::Utc>),
    wait: Wait,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<(u8, Option<(Settled, String)>)> {
    let Some(after) = AfterAction::of(action, outcome, acted_at) else {
        writeln!(
            out,
            "nothing to wait for: {} has no end to watch",
            action.summary()
        )?;
        return Ok((EXIT_DONE, None));
    };
    follow_item(actor, after, wait, out, err).await
}

/// Follows an item until it settles, by the rules of [`crate::domain::follow`], saying each
/// state it passes through; the exit code and how it ended, as [`follow`] says them.
pub(super) async fn follow_item(
    actor: &Actor,
    AfterAction {
        item,
        name,
        mut watch,
    }: AfterAction,
    wait: Wait,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<(u8, Option<(Settled, String)>)> {
    let sources = &actor.sources;
    let started = tokio::time::Instant::now();
    writeln!(
        out,
        "waiting for {} to settle (at most {})…",
        inert_line(&name),
        age(wait.limit)
    )?;
    let mut last = String::new();
    let mut failed_looks = 0;
    loop {
        tokio::time::sleep(wait.pause).await;
        let look: Result<(Seen, String), SourceError> = match &item {
            Followed::Task(id) => sources.replication.tasks().await.map(|tasks| {
                tasks.iter().find(|t| t.id == *id).map_or_else(
                    || (Seen::Missing, "not listed".to_string()),
                    |t| (Seen::of_task(t), t.status.as_str().to_string()),
                )
            }),
            Followed::Run { dag_id, run_id } => sources.workflow.runs().await.map(|runs| {
                runs.iter()
                    .find(|r| r.dag_id == *dag_id && r.run_id == *run_id)
                    .map_or_else(
                        || (Seen::Missing, "not listed yet".to_string()),
                        |r| (Seen::of_run(r), r.state.as_str().to_string()),
                    )
            }),
            Followed::Statement { id, .. } => sources.warehouse.statement(id).await.map(|p| {
                let state = match (p.query_id, &p.error) {
                    (_, Some(error)) => format!("{}: {error}", p.state.as_str()),
                    (Some(query), None) => format!("{} as query {query}", p.state.as_str()),
                    (None, None) => p.state.as_str().to_string(),
                };
                (Seen::of_statement(&p), state)
            }),
        };
        match look {
            Err(error) => {
                failed_looks += 1;
                if failed_looks >= 3 {
                    let message = format!("cannot follow {name}: {error}");
                    writeln!(err, "✖ {}", inert_line(&message))?;
                    return Ok((EXIT_UNSETTLED, Some((Settled::NotSettled, message))));
                }
            }
            Ok((seen, state)) => {
                failed_looks = 0;
                if state != last {
                    writeln!(out, "  {}: {}", inert_line(&name), inert_line(&state))?;
                    last = state;
                }
                if let Some(ok) = watch.observe(seen, sources.clock.now()) {
                    let message = format!("{name} {}", watch.ending(seen, ok));
                    let ending = Some((Settled::of(Some(ok)), message.clone()));
                    return if ok {
                        writeln!(out, "✔ {}", inert_line(&message))?;
                        Ok((EXIT_DONE, ending))
                    } else {
                        writeln!(err, "✖ {}", inert_line(&message))?;
                        Ok((EXIT_FAILED, ending))
                    };
                }
            }
        }
        if started.elapsed() >= wait.limit {
            let message = format!(
                "{name} has not settled after {} (last: {last}); it goes on",
                age(wait.limit),
            );
            writeln!(err, "⧗ {}", inert_line(&message))?;
            return Ok((EXIT_UNSETTLED, Some((Settled::NotSettled, message))));
        }
    }
}

/// Runs `opsdeck retry`: the exit code says what was done (see [`EXIT_DONE`] and after).
pub fn start(
    context: Context,
    target: RetryCommand,
    yes: bool,
    wait: Option<std::time::Duration>,
) -> anyhow::Result<ExitCode> {
    let _log = context.start_log();
    let runtime = context.runtime()?;
    let actor = open_actor(&context, &runtime)?;
    let target = match target {
        RetryCommand::Dms { task, mode } => Target::Dms { task, mode },
        RetryCommand::Dag {
            dag_id,
            run_id,
            task,
            downstream,
        } => Target::Dag {
            dag_id,
            run_id,
            task,
            downstream,
        },
        RetryCommand::Query { id } => Target::Query { id },
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let confirm = Confirm::from_stdin(yes, &mut input);
    let pause = pause_of(&context);
    let wait = wait.map(|limit| Wait { limit, pause });
    let code = runtime.block_on(retry(
        &actor,
        &target,
        confirm,
        wait,
        &mut crate::cli::output::stdout_output(),
        &mut std::io::stderr(),
    ))?;
    Ok(ExitCode::from(code))
}

/// The actor of the environment the command line names, with the audit log open: no
/// action is done unrecorded (read-only needs no log: it only refuses).
pub(super) fn open_actor(
    context: &Context,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Actor> {
    let (environment, sources) = context.connect(runtime, None)?;
    let audit = context.open_audit();
    let actor = Actor {
        sources,
        environment: environment.name.clone(),
        read_only: environment.read_only,
        read_only_by_flag: environment.read_only_by_flag,
        audit,
        interface: crate::actions::audit::Interface::Cli,
    };
    if actor.audit.is_none() && !actor.read_only {
        anyhow::bail!(
            "cannot open the audit log {}: no action is done unrecorded",
            context.audit_path.display()
        );
    }
    Ok(actor)
}

/// The pause between two looks of a follow: the demo moves at `--demo-speed`, a look a
/// second; AWS is looked at every 10 s.
pub(super) fn pause_of(context: &Context) -> std::time::Duration {
    if matches!(context.platform, Platform::Demo) {
        std::time::Duration::from_secs(1)
    } else {
        std::time::Duration::from_secs(10)
    }
}
