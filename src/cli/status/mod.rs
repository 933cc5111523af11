//! `opsdeck status`: one look at every source of an environment, without the console —
//! for cron, CI and alerting. Each source is read once, concurrently, and the failures and
//! counts are the domain's [`Snapshot`] of the answers: the same derivation the console's
//! Overview shows.

use std::io::Write as _;
use std::process::ExitCode;

use super::Context;
use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::failure::{Cause, CauseCounts, ItemRef};
use crate::domain::snapshot::Snapshot;
use crate::domain::{Environment, Failure, Health, HealthCounts, PipelineDefinition, SpendSeries};
use crate::poll::fetch;
use crate::source::{ErrorKind, Payload, SourceError, SourceKind, Sources};
use crate::text::{inert_line, money, pad};

mod json;

/// What `status` found, and the exit code it means.
pub struct StatusReport {
    environment: Environment,
    /// When the report was made (the machine's clock).
    generated_at: DateTime<Utc>,
    /// The platform's clock when the sources were read (the demo's may be frozen).
    platform_now: DateTime<Utc>,
    /// Failures and counts of what the sources returned.
    snapshot: Snapshot,
    /// The daily spend, when Cost Explorer answered (or its cache did).
    spend: Option<SpendSeries>,
    /// When the spend was fetched from Cost Explorer: now, or earlier for a cached answer.
    spend_fetched_at: Option<DateTime<Utc>>,
    /// Why an older cached answer was served: renewing it failed.
    spend_renewal: Option<SourceError>,
    /// Why each source that returned nothing returned nothing.
    errors: Vec<(SourceKind, SourceError)>,
    /// The sources that had not answered when the deadline came.
    late: Vec<SourceKind>,
}

/// How long `status` waits for its sources when `--timeout` does not say.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(15);

/// Every source healthy.
pub const EXIT_HEALTHY: u8 = 0;
/// Something is degraded or failed.
pub const EXIT_UNHEALTHY: u8 = 1;
/// A source could not be read.
pub const EXIT_UNREADABLE: u8 = 2;

const COUNTED: [Health; 4] = [
    Health::Failed,
    Health::Degraded,
    Health::Running,
    Health::Ok,
];

/// Reads every source of `sources` once, concurrently, for `environment`, each until
/// `deadline`: a source that has not answered by then is reported as not read in time
/// (`allowed` is the time it had, for the message).
pub async fn collect(
    environment: Environment,
    pipelines: &[PipelineDefinition],
    sources: &Sources,
    deadline: tokio::time::Instant,
    allowed: Duration,
) -> StatusReport {
    let platform_now = sources.clock.now();
    let mut late = Vec::new();
    let in_time = |kind: SourceKind| async move {
        tokio::time::timeout_at(deadline, fetch(kind, sources))
            .await
            .map_err(|_| kind)
    };
    let (tasks, runs, queries, spend) = tokio::join!(
        in_time(SourceKind::Replication),
        in_time(SourceKind::Workflow),
        in_time(SourceKind::Warehouse),
        in_time(SourceKind::Cost),
    );
    let (mut task_data, mut run_data, mut query_data, mut spend_data) = (None, None, None, None);
    let mut errors = Vec::new();
    for (kind, answer) in [
        (SourceKind::Replication, tasks),
        (SourceKind::Workflow, runs),
        (SourceKind::Warehouse, queries),
        (SourceKind::Cost, spend),
    ] {
        let answer = answer.unwrap_or_else(|kind| {
            late.push(kind);
            Err(not_in_time(kind, allowed))
        });
        match answer {
            Ok(Payload::Tasks(t)) => task_data = Some(t),
            Ok(Payload::Runs(r)) => run_data = Some(r),
            Ok(Payload::Queries(q)) => query_data = Some(q),
            Ok(Payload::Spend(s)) => spend_data = Some(s),
            Err(error) => errors.push((kind, error)),
        }
    }
    let snapshot = Snapshot::of(
        pipelines,
        task_data.as_deref(),
        run_data.as_deref(),
        query_data.as_deref(),
    );
    let generated_at = Utc::now();
    // A cached answer carries when it was fetched; a new one was fetched just now.
    let spend_fetched_at = spend_data
        .as_ref()
        .map(|s| s.fetched_at.unwrap_or(generated_at));
    let spend_renewal = spend_data
        .as_ref()
        .and_then(|s| s.fetched_at)
        .and_then(|_| sources.cost.renewal_error());
    StatusReport {
        environment,
        generated_at,
        platform_now,
        snapshot,
        spend: spend_data,
        spend_fetched_at,
        spend_renewal,
        errors,
        late,
    }
}

/// The error of a source that had not answered by the deadline.
fn not_in_time(kind: SourceKind, allowed: Duration) -> SourceError {
    SourceError::new(
        ErrorKind::Unreachable,
        format!(
            "{}: not read in time (no answer within {})",
            kind.message_name(),
            crate::text::age(allowed)
        ),
    )
    .with_hint("check the network or the service, or give it longer with `status --timeout 60s`")
}

impl StatusReport {
    /// Health counts of a source, `None` when it returned nothing.
    fn counts(&self, kind: SourceKind) -> Option<HealthCounts> {
        let counts = &self.snapshot.counts;
        match kind {
            SourceKind::Replication => counts.tasks,
            SourceKind::Workflow => counts.runs,
            SourceKind::Warehouse => counts.queries,
            SourceKind::Cost => None,
        }
    }

    fn error(&self, kind: SourceKind) -> Option<&SourceError> {
        self.errors
            .iter()
            .find_map(|(k, error)| (*k == kind).then_some(error))
    }

    /// What is failing, grouped by cause as the Overview lists it: root causes first, each
    /// with its consequences, then other failures, then degraded items.
    fn failing(&self) -> Vec<&Failure> {
        self.snapshot.failures.iter().collect()
    }

    /// The green stages that ran on stale data: pipeline, stage, why.
    fn stale(&self) -> Vec<(&str, &str, &str)> {
        self.snapshot
            .chains
            .iter()
            .flat_map(|chain| {
                chain.stages.iter().filter_map(|stage| {
                    Some((
                        chain.pipeline.as_str(),
                        stage.name.as_str(),
                        stage.stale.as_deref()?,
                    ))
                })
            })
            .collect()
    }

    /// The configured sources that could not be read (in time or at all).
    fn unread(&self) -> Vec<SourceKind> {
        SourceKind::ALL
            .iter()
            .copied()
            .filter(|kind| {
                self.error(*kind)
                    .is_some_and(|e| e.kind != ErrorKind::NotConfigured)
                    // An older answer shown in place of one that could not be renewed:
                    // Cost Explorer was not read.
                    || (*kind == SourceKind::Cost && self.spend_renewal.is_some())
            })
            .collect()
    }

    /// Whether no source at all was read: every one failed, was late, or is not
    /// configured.
    fn nothing_read(&self) -> bool {
        SourceKind::ALL
            .iter()
            .all(|kind| self.error(*kind).is_some())
    }

    /// 2 if a configured source could not be read (a cached cost answer whose renewal
    /// failed included), else 1 if anything is failed or degraded or a stage ran on stale
    /// data, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.unread().is_empty() {
            EXIT_UNREADABLE
        } else if self.snapshot.failures.is_empty() && self.stale().is_empty() {
            EXIT_HEALTHY
        } else {
            EXIT_UNHEALTHY
        }
    }

    /// The human summary: a line per source, then what is failing now.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let env = &self.environment;
        let _ = write!(out, "opsdeck status · env {}", inert_line(&env.name));
        if env.demo {
            out.push_str(" (DEMO)");
        }
        // As the console's header says them: the profile named as one.
        if let Some(profile) = &env.profile {
            let _ = write!(out, " · profile {}", inert_line(profile));
        }
        if let Some(region) = &env.region {
            let _ = write!(out, " · {}", inert_line(region));
        }
        let _ = writeln!(out, " · {}", self.generated_at.format("%Y-%m-%d %H:%M UTC"));
        for &kind in SourceKind::ALL {
            out.push_str(&pad(kind.service_name(), 9));
            if let Some(error) = self.error(kind) {
                // A source the environment does not have is not a failure of it.
                let mark = if error.kind == ErrorKind::NotConfigured {
                    "–"
                } else {
                    "✖"
                };
                let _ = write!(out, "{mark} {}", inert_line(&error.to_string()));
            } else if kind == SourceKind::Cost {
                out.push_str(&self.cost_text());
            } else if let Some(counts) = self.counts(kind) {
                let parts: Vec<String> = COUNTED
                    .iter()
                    .map(|h| format!("{} {} {}", h.symbol(), counts.get(*h), h.label()))
                    .collect();
                out.push_str(&parts.join("  "));
            }
            out.push('\n');
        }
        let failing = self.failing();
        let unread: Vec<&str> = self.unread().iter().map(|k| k.message_name()).collect();
        if self.nothing_read() {
            // No answer is no news: "nothing is failing" would claim what was not seen.
            out.push_str("\nnothing could be read from any source\n");
        } else if failing.is_empty() && !unread.is_empty() {
            let _ = writeln!(
                out,
                "\nnothing is failing in what could be read; not read: {}",
                unread.join(", ")
            );
        } else if failing.is_empty() {
            out.push_str("\nnothing is failing\n");
        } else {
            let _ = writeln!(out, "\nfailing now ({}):", failing_summary(&failing));
            for f in failing {
                // A consequence goes under its root cause, named by its stage.
                let (lead, why) = match &f.cause {
                    Cause::Own => (
                        format!("{} {}", f.health.symbol(), pad(f.health.label(), 8)),
                        String::new(),
                    ),
                    Cause::Root { pipeline, stage } => (
                        format!("{} {}", f.health.symbol(), pad(f.health.label(), 8)),
                        format!("root cause of {pipeline} at {stage}: "),
                    ),
                    // As the Overview says it: blocked by the root cause above it.
                    Cause::Consequence { stage, .. } => {
                        (" ↳ blocked".to_string(), format!("at {stage}: "))
                    }
                    Cause::Waiting {
                        upstream, stage, ..
                    } => (
                        format!("{} {}", Health::Failed.symbol(), pad("waits", 8)),
                        format!("at {stage}, waits for {upstream} (running now): "),
                    ),
                };
                let _ = writeln!(
                    out,
                    "{lead} {} {} {} {}",
                    pad(source_of(&f.item).service_name(), 8),
                    pad(&inert_line(&f.title), 28),
                    pad(&since(f.since, self.platform_now), 12),
                    inert_line(&format!("{why}{}", f.reason))
                );
            }
        }
        let stale = self.stale();
        if !stale.is_empty() {
            let _ = writeln!(out, "\nran on stale data ({}):", stale.len());
            for (pipeline, stage, why) in stale {
                let _ = writeln!(
                    out,
                    "◌ {} {}: green, but {}",
                    inert_line(pipeline),
                    inert_line(stage),
                    inert_line(why)
                );
            }
        }
        out
    }

    fn cost_text(&self) -> String {
        let Some(series) = self.spend.as_ref() else {
            return String::new();
        };
        let mtd = series.month_to_date(self.platform_now.date_naive());
        let mut text = format!(
            "month to date {} vs {} last month",
            money(mtd.current, &series.unit),
            money(mtd.previous, &series.unit)
        );
        if let Some(pct) = mtd.change_percent() {
            let _ = write!(text, " ({}%)", crate::domain::money::signed(pct));
        }
        let _ = write!(text, " · {}", mtd.dates_label());
        // An answer from the cache is not today's: say how old it is, and why it was not
        // renewed when that failed.
        if let Some(cached_at) = series.fetched_at {
            let age = (self.generated_at - cached_at).to_std().unwrap_or_default();
            let _ = write!(text, " · as of {} ago", crate::text::age(age));
        }
        if let Some(error) = &self.spend_renewal {
            let _ = write!(text, " · not renewed: {}", inert_line(&error.to_string()));
        }
        text
    }
}

fn source_of(item: &ItemRef) -> SourceKind {
    match item {
        ItemRef::Replication { .. } => SourceKind::Replication,
        ItemRef::WorkflowRun { .. } => SourceKind::Workflow,
        ItemRef::Query { .. } => SourceKind::Warehouse,
    }
}

/// "2 root causes with 5 blocked, 9 other" (and "2 waiting for a running stage" while an
/// upstream stage runs again), or the count alone when nothing is grouped.
fn failing_summary(failing: &[&Failure]) -> String {
    let counts = CauseCounts::of(failing.iter().copied());
    match counts.summary(" with ") {
        Some(grouped) => {
            let other = failing.len() - counts.roots - counts.blocked - counts.waiting;
            format!("{}: {grouped}, {other} other", failing.len())
        }
        None => failing.len().to_string(),
    }
}

fn since(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        Some(at) => format!(
            "{} ago",
            crate::text::age((now - at).to_std().unwrap_or_default())
        ),
        None => "-".to_string(),
    }
}

/// Runs `opsdeck status` from `started`, printing the report; its exit code says how the
/// platform is.
pub fn start(
    context: Context,
    started: std::time::Instant,
    json: bool,
    timeout: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let allowed = timeout.unwrap_or(DEFAULT_DEADLINE);
    let deadline = started + allowed;
    let _log = context.start_log();
    let runtime = context.runtime()?;
    let (environment, sources) = match context.connect(&runtime, Some((deadline, allowed))) {
        Ok(connected) => connected,
        Err(error) => {
            // A lookup still running is left behind, not waited for.
            runtime.shutdown_background();
            return Err(error);
        }
    };
    let pipelines = context.config.pipelines.clone();
    let report = runtime.block_on(collect(
        environment,
        &pipelines,
        &sources,
        deadline.into(),
        allowed,
    ));
    // Work still running past the deadline (a request that never ends, a blocking
    // lookup) is left behind, not waited for.
    runtime.shutdown_background();
    let text = if json {
        format!("{}\n", crate::text::json_pretty(&report.json()))
    } else {
        report.text()
    };
    // A reader that stops early (`| head`) changes nothing of what was found.
    let mut stdout = crate::cli::output::stdout_output();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::from(report.exit_code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(environment: Environment) -> StatusReport {
        StatusReport {
            environment,
            generated_at: Utc::now(),
            platform_now: Utc::now(),
            snapshot: Snapshot::default(),
            spend: None,
            spend_fetched_at: None,
            spend_renewal: None,
            errors: vec![(
                SourceKind::Cost,
                not_in_time(SourceKind::Cost, Duration::from_secs(15)),
            )],
            late: vec![SourceKind::Cost],
        }
    }

    #[test]
    fn the_header_names_the_profile_as_the_console_does() {
        let text = report(Environment {
            name: "default".into(),
            profile: Some("nope".into()),
            region: Some("eu-west-1".into()),
            ..Environment::default()
        })
        .text();
        let header = text.lines().next().unwrap();
        assert!(
            header.starts_with("opsdeck status · env default · profile nope · eu-west-1 · "),
            "{header}"
        );
    }

    /// While a resumed load runs, the red runs after it wait for it: the text and the JSON
    /// say so alike, and no root cause is named.
    #[test]
    fn red_stages_under_a_running_load_wait_in_the_text_and_the_json() {
        use crate::domain::chain::tests::{nightly, red_night, resumed_load};
        let (_, runs) = red_night();
        let mut status = report(Environment::default());
        status.snapshot = Snapshot::of(&[nightly()], Some(&[resumed_load()]), Some(&runs), None);
        let text = status.text();
        assert!(
            text.contains("failing now (2: 2 waiting for a running stage, 0 other):"),
            "{text}"
        );
        assert!(
            text.contains("at dbt, waits for loads (running now): "),
            "{text}"
        );
        assert!(!text.contains("root cause"), "{text}");
        let json = status.json();
        assert_eq!(json["pipelines"][0]["waits_for"], "loads");
        assert_eq!(json["pipelines"][0]["root_cause"], serde_json::Value::Null);
        assert_eq!(
            json["failing"][1]["cause"],
            serde_json::json!({"kind": "waiting", "pipeline": "nightly", "stage": "dbt", "upstream_stage": "loads"})
        );
    }

    #[test]
    fn a_late_cost_answer_is_named_cost_explorer_as_every_message_does() {
        let text = report(Environment::default()).text();
        assert!(
            text.contains("✖ Cost Explorer: not read in time (no answer within 15 s)"),
            "{text}"
        );
        assert!(text.contains("not read: Cost Explorer\n"), "{text}");
    }
}
