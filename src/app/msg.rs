//! Messages into the state machine and the effects it asks the runtime to carry out.

use chrono::{DateTime, Utc};

use super::keys::Key;
use crate::domain::breakdown::{CostReport, CostRequest};
use crate::domain::cost::{CostAnomaly, Forecast};
use crate::domain::{Action, ActionOutcome, ClearScope, ClearedTask, StatementProgress};
use crate::source::{SourceError, SourceKind};
use rust_decimal::Decimal;

use crate::source::Update;
pub use crate::source::{DetailPayload, DetailRequest, Payload};

/// The cost review's answers to one request.
#[derive(Debug, Clone)]
pub struct CostAnswers {
    pub request: CostRequest,
    pub fetched_at: DateTime<Utc>,
    pub report: Result<CostReport, SourceError>,
    pub forecast: Result<Forecast, SourceError>,
    /// When the forecast was fetched (earlier than `fetched_at` when it was kept).
    pub forecast_at: DateTime<Utc>,
    pub anomalies: Result<Vec<CostAnomaly>, SourceError>,
    /// When the anomalies were fetched.
    pub anomalies_at: DateTime<Utc>,
    /// This month's spend so far in the review's metric, which the month's end adds to
    /// the forecast; none when the polled spend (unblended) answers it.
    pub month_to_date: Option<Result<Decimal, SourceError>>,
    /// The requests the provider has answered this session, read when these answers
    /// arrived; `None` for a provider that does not bill.
    pub billed_requests: Option<u64>,
}

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key was pressed.
    Key(Key),
    /// The terminal changed size.
    Resize { width: u16, height: u16 },
    /// Time passed: the wall clock and the platform's clock.
    Tick {
        now: DateTime<Utc>,
        platform_now: DateTime<Utc>,
    },
    /// A poller sent a request.
    FetchStarted(SourceKind),
    /// A poller's request finished.
    Fetched {
        kind: SourceKind,
        fetched_at: DateTime<Utc>,
        result: Result<Payload, SourceError>,
    },
    /// A detail request finished.
    DetailFetched(DetailPayload),
    /// The files of a theme asked for with `:theme` were read (or could not be).
    ThemeRead {
        name: String,
        read: Result<crate::config::themes::ThemeFiles, String>,
    },
    /// The runtime loaded a theme asked for with `:theme` (or could not).
    ThemeLoaded(Result<String, String>),
    /// The runtime opened the environment asked for with `:env` (or could not).
    EnvironmentSwitched(Result<super::model::Environment, String>),
    /// The dry run of a clear answered: what a clear would reset.
    ClearPreview {
        dag_id: String,
        run_id: String,
        scope: ClearScope,
        result: Result<Vec<ClearedTask>, SourceError>,
    },
    /// An action the operator confirmed was carried out (or failed).
    ActionDone {
        action: Action,
        result: Result<ActionOutcome, SourceError>,
        /// The id of the action's audit record, for how its follow ends.
        recorded: Option<String>,
    },
    /// A look at a re-run's statement the console follows (or why it cannot be followed).
    StatementProgress {
        statement: String,
        result: Result<StatementProgress, SourceError>,
    },
    /// The cost review's answers for a request.
    CostReviewed(Box<CostAnswers>),
    /// An export of the cost review was written (its path), or could not be.
    Exported(Result<String, String>),
    /// A recovery plan was written to the audit log (its record's id), or could not be.
    PlanRecorded {
        pipeline: String,
        recorded: Option<String>,
    },
    /// A signal asked the console to stop.
    Quit,
}

/// Work the runtime does for the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Fetch a source now, whatever its timer says.
    Refresh(SourceKind),
    /// The visible tab changed: poll this source faster (none for the Overview).
    Focus(Option<SourceKind>),
    /// Fetch the detail of one item (its table statistics, settings, task instances or a
    /// try's log) for its detail view.
    FetchDetail(DetailRequest),
    /// Ask the cost source again now, past its cache (each request is billed).
    RefetchCost,
    /// Read a theme's files by name (off the loop), to apply it.
    LoadTheme(String),
    /// Apply a theme from its files, read.
    ApplyTheme {
        name: String,
        files: crate::config::themes::ThemeFiles,
    },
    /// Open another environment from the config and watch it instead.
    SwitchEnvironment(String),
    /// Ask for the dry run of a clear, for the dialog's preview (changes nothing).
    PreviewClear {
        dag_id: String,
        run_id: String,
        scope: ClearScope,
    },
    /// Carry out confirmed actions (each written to the audit log before and after).
    Act(Vec<Action>),
    /// Follow a statement the console submitted (a re-run) until it ends.
    WatchStatement(String),
    /// Record an action that was refused, and why (read-only, one already in flight,
    /// a wrong typed name).
    Refuse { action: Action, reason: String },
    /// Record how a followed action ended beside its audit record `recorded`: recovered
    /// (`Some(true)`), failed again (`Some(false)`), or not settled (`None`).
    RecordSettled {
        recorded: String,
        ok: Option<bool>,
        message: String,
    },
    /// Record a recovery plan before its first step: its pipeline and its steps.
    BeginPlan {
        pipeline: String,
        steps: Vec<String>,
    },
    /// Record how the recovery plan `recorded` ended.
    EndPlan {
        recorded: String,
        ok: bool,
        message: String,
        took_ms: u64,
    },
    /// Ask the cost review's question: the breakdown, the forecast, the anomalies.
    FetchCostReview(CostRequest),
    /// Write the cost review on screen to a file, as CSV or JSON.
    ExportCost { report: Box<CostReport>, json: bool },
    /// Leave the console.
    Quit,
}

impl From<Update> for Msg {
    /// A poller's report, as the console's message.
    fn from(update: Update) -> Msg {
        match update {
            Update::Started(kind) => Msg::FetchStarted(kind),
            Update::Fetched {
                kind,
                fetched_at,
                result,
            } => Msg::Fetched {
                kind,
                fetched_at,
                result,
            },
        }
    }
}
