//! Pollers: one task per source, at most one request in flight, faster while visible,
//! backing off with jitter after failures, every result stamped with its fetch time.

mod cost;
pub mod schedule;

pub use cost::cost_report;

use std::time::Duration;

use chrono::{Days, Utc};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout};

use crate::domain::WorkflowRun;
use crate::source::{
    DetailPayload, DetailRequest, ErrorKind, Payload, SourceError, SourceKind, Sources, Update,
};
pub use schedule::Cadence;

/// How long one request may take before it counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Days of spend a cost fetch asks for: enough for month-to-date against last month.
const SPEND_DAYS: u64 = 62;

/// What the runtime tells a poller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Control {
    visible: bool,
    /// Bumped by each "refresh now"; a change makes the poller fetch at once.
    refresh: u64,
}

/// The runtime's handle on one poller.
pub struct Poller {
    control: watch::Sender<Control>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Poller {
    /// A dropped poller stops at once, a request in flight included.
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Poller {
    /// Starts polling `kind` on the current tokio runtime, sending its [`Update`]s to `tx`
    /// as whatever message type the receiver speaks.
    pub fn spawn<M: From<Update> + Send + 'static>(
        kind: SourceKind,
        sources: Sources,
        cadence: Cadence,
        tx: mpsc::UnboundedSender<M>,
    ) -> Self {
        let (control, rx) = watch::channel(Control::default());
        let task = tokio::spawn(run(kind, sources, cadence, tx, rx));
        Poller { control, task }
    }

    /// Marks the source visible (polled faster) or not.
    pub fn set_visible(&self, visible: bool) {
        self.control.send_if_modified(|c| {
            let changed = c.visible != visible;
            c.visible = visible;
            changed
        });
    }

    /// Asks for a fetch now; a request already in flight counts as this one's answer.
    pub fn refresh(&self) {
        self.control.send_modify(|c| c.refresh += 1);
    }
}

async fn run<M: From<Update> + Send + 'static>(
    kind: SourceKind,
    sources: Sources,
    cadence: Cadence,
    tx: mpsc::UnboundedSender<M>,
    mut control: watch::Receiver<Control>,
) {
    let send = |update: Update| tx.send(M::from(update)).is_ok();
    let mut failures = 0u32;
    let mut rng = fastrand::Rng::new();
    loop {
        let seen = *control.borrow_and_update();
        if !send(Update::Started(kind)) {
            return;
        }
        let started = Instant::now();
        // What a long first read can show already is shown, then the rest is awaited.
        let early = |runs: Vec<WorkflowRun>| {
            send(Update::Fetched {
                kind,
                fetched_at: Utc::now(),
                result: Ok(Payload::Runs(runs)),
            });
            send(Update::Started(kind));
        };
        let result = with_timeout(fetch_showing_early(kind, &sources, &early)).await;
        failures = if result.is_ok() {
            0
        } else {
            failures.saturating_add(1)
        };
        // A cached answer says when it was fetched; everything else is fresh.
        let fetched_at = match &result {
            Ok(Payload::Spend(series)) => series.fetched_at.unwrap_or_else(Utc::now),
            _ => Utc::now(),
        };
        if !send(Update::Fetched {
            kind,
            fetched_at,
            result,
        }) {
            return;
        }
        let jitter = rng.f64();
        let mut visible = seen.visible;
        let mut deadline = started + cadence.delay(visible, failures, jitter);
        loop {
            tokio::select! {
                _ = sleep_until(deadline) => break,
                changed = control.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let now = *control.borrow();
                    if now.refresh != seen.refresh {
                        break;
                    }
                    if now.visible != visible {
                        visible = now.visible;
                        deadline = started + cadence.delay(visible, failures, jitter);
                    }
                }
            }
        }
    }
}

async fn with_timeout<T>(
    request: impl Future<Output = Result<T, SourceError>>,
) -> Result<T, SourceError> {
    match timeout(REQUEST_TIMEOUT, request).await {
        Ok(result) => result,
        Err(_) => Err(SourceError::new(
            ErrorKind::Unreachable,
            format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
        )
        .with_hint("check the network or the endpoint")),
    }
}

/// One request to a source.
pub async fn fetch(kind: SourceKind, sources: &Sources) -> Result<Payload, SourceError> {
    fetch_showing_early(kind, sources, &|_| {}).await
}

/// [`fetch`], handing `early` the runs a long first read of workflow runs can show before
/// its last page.
async fn fetch_showing_early(
    kind: SourceKind,
    sources: &Sources,
    early: &(dyn Fn(Vec<WorkflowRun>) + Send + Sync),
) -> Result<Payload, SourceError> {
    match kind {
        SourceKind::Replication => sources.replication.tasks().await.map(Payload::Tasks),
        SourceKind::Workflow => sources
            .workflow
            .runs_progressively(early)
            .await
            .map(Payload::Runs),
        SourceKind::Warehouse => sources.warehouse.queries().await.map(Payload::Queries),
        SourceKind::Cost => {
            let today = sources.clock.now().date_naive();
            let end = today.checked_add_days(Days::new(1)).unwrap_or(today);
            let start = today
                .checked_sub_days(Days::new(SPEND_DAYS))
                .unwrap_or(today);
            let mut series = sources.cost.daily_spend(start, end).await?;
            series.billed_requests = sources.cost.billed_requests();
            Ok(Payload::Spend(series))
        }
    }
}

/// Carries out a detail request.
pub async fn fetch_detail(request: DetailRequest, sources: &Sources) -> DetailPayload {
    match request {
        DetailRequest::TableStatistics { task_id } => {
            let result = with_timeout(sources.replication.table_statistics(&task_id)).await;
            DetailPayload::TableStatistics { task_id, result }
        }
        DetailRequest::TaskSettings { task_id } => {
            let result = with_timeout(sources.replication.task_settings(&task_id)).await;
            DetailPayload::TaskSettings { task_id, result }
        }
        DetailRequest::TaskInstances { dag_id, run_id } => {
            let result = with_timeout(sources.workflow.task_instances(&dag_id, &run_id)).await;
            DetailPayload::TaskInstances {
                dag_id,
                run_id,
                result,
            }
        }
        DetailRequest::TaskLog {
            dag_id,
            run_id,
            task_id,
            try_number,
        } => {
            let result = with_timeout(
                sources
                    .workflow
                    .task_log(&dag_id, &run_id, &task_id, try_number),
            )
            .await;
            DetailPayload::TaskLog {
                dag_id,
                run_id,
                task_id,
                try_number,
                result,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::*;
    use crate::demo::{DemoOptions, DemoPlatform};
    use crate::domain::TaskInstance;
    use crate::source::{SourceResult, WorkflowSource};

    /// Runs read in two pages, the first shown early.
    struct TwoPages(Vec<WorkflowRun>);

    #[async_trait]
    impl WorkflowSource for TwoPages {
        async fn runs(&self) -> SourceResult<Vec<WorkflowRun>> {
            Ok(self.0.clone())
        }
        async fn runs_progressively(
            &self,
            early: &(dyn Fn(Vec<WorkflowRun>) + Send + Sync),
        ) -> SourceResult<Vec<WorkflowRun>> {
            early(self.0[..1].to_vec());
            Ok(self.0.clone())
        }
        async fn task_instances(&self, _: &str, _: &str) -> SourceResult<Vec<TaskInstance>> {
            Ok(Vec::new())
        }
    }

    fn runs(update: Update) -> Option<usize> {
        match update {
            Update::Fetched {
                result: Ok(Payload::Runs(runs)),
                ..
            } => Some(runs.len()),
            _ => None,
        }
    }

    #[tokio::test]
    async fn the_first_page_of_a_long_read_is_shown_then_the_rest() {
        let mut sources = DemoPlatform::new(DemoOptions::default()).sources();
        let all = sources.workflow.runs().await.unwrap();
        assert!(all.len() > 1);
        sources.workflow = Arc::new(TwoPages(all.clone()));
        let (tx, mut rx) = mpsc::unbounded_channel::<Update>();
        let cadence = Cadence {
            background: Duration::from_secs(600),
            visible: Duration::from_secs(600),
            max_backoff: Duration::from_secs(600),
        };
        let _poller = Poller::spawn(SourceKind::Workflow, sources, cadence, tx);
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(rx.recv().await.unwrap());
        }
        assert!(matches!(seen[0], Update::Started(SourceKind::Workflow)));
        assert!(
            matches!(seen[2], Update::Started(SourceKind::Workflow)),
            "still loading"
        );
        let mut seen = seen.into_iter();
        assert_eq!(runs(seen.nth(1).unwrap()), Some(1), "the first page");
        assert_eq!(runs(seen.nth(1).unwrap()), Some(all.len()), "then all");
    }
}
