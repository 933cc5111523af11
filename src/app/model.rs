//! The console's whole state: what each source said, what the operator is looking at.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::keys::Keymap;
use super::resource::Resource;
use super::tab::Tab;
use super::view::{Listed, RowKey, TableView};
use crate::domain::action::ActionTarget;
use crate::domain::breakdown::{BreakdownRow, CostReport, CostRequest};
use crate::domain::cost::{CostAnomaly, Forecast, GroupBy};
use crate::domain::failure::ItemRef;
use crate::domain::follow::Watch;
use crate::domain::snapshot::Snapshot;
pub use crate::domain::snapshot::{SourceCounts, latest_runs};
use crate::domain::stages::CostStages;
use crate::domain::{
    Action, Failure, Health, PipelineDefinition, QueryRecord, ReplicationTask, SpendSeries,
    StageStatus, StatementProgress, TableStatistics, TaskInstance, TaskSettings, WorkflowRun,
};
use crate::source::SourceKind;
use rust_decimal::Decimal;

/// Days of spend the Cost tab shows.
pub const COST_DAYS: usize = 30;

pub use crate::domain::environment::Environment;

/// What the keyboard is talking to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a filter after `/`.
    Filter { input: String },
    /// Typing a command after `:`.
    Command { input: String },
    /// The help overlay.
    Help,
    /// The log of recent messages.
    Messages,
    /// A dialog waiting for a yes or a no.
    Confirm(super::confirm::Confirmation),
    /// A try's log, full screen.
    Log(Box<super::logview::LogView>),
    /// A pipeline's night on a time axis, full screen.
    Timeline(Box<super::timeline::Timeline>),
}

/// The item a detail view is about, and what was fetched for it.
#[derive(Debug, Clone)]
pub enum Detail {
    Task {
        id: String,
        tables: Resource<Vec<TableStatistics>>,
        /// Fetched once when the detail opens (the settings JSON is large).
        settings: Resource<TaskSettings>,
        scroll: usize,
    },
    Run {
        dag_id: String,
        run_id: String,
        instances: Resource<Vec<TaskInstance>>,
        /// The log tail of the selected failed try, fetched when the selection lands on it.
        log: Option<TaskLog>,
        scroll: usize,
    },
    Query {
        id: i64,
        scroll: usize,
    },
}

impl Detail {
    /// The scroll offset of the detail's body.
    pub fn scroll_mut(&mut self) -> &mut usize {
        match self {
            Detail::Task { scroll, .. }
            | Detail::Run { scroll, .. }
            | Detail::Query { scroll, .. } => scroll,
        }
    }
}

/// The log tail of one try of a task instance, as the workflow source sent it (remote text:
/// rendered inert).
#[derive(Debug, Clone)]
pub struct TaskLog {
    pub task_id: String,
    pub try_number: u32,
    pub text: Resource<String>,
}

/// The cost review: the question the Cost tab asks (period, metric, grouping,
/// drill-down) and the answers (the breakdown against the period before, the month's
/// forecast, the period's anomalies).
#[derive(Debug, Clone)]
pub struct CostReview {
    pub request: CostRequest,
    /// The grouping before each drill-down step, to go back up.
    pub crumbs: Vec<GroupBy>,
    pub report: Resource<CostReport>,
    pub forecast: Resource<Forecast>,
    pub anomalies: Resource<Vec<CostAnomaly>>,
    /// This month's spend so far in the review's metric, for the month's end.
    pub month_to_date: MonthSpent,
    /// The selected anomaly while the anomaly list has the keys.
    pub anomaly: Option<usize>,
    /// The request the answers on screen are for (None before the first).
    pub asked: Option<CostRequest>,
    /// The billed requests of the session as of the review's last answers.
    pub billed_requests: Option<u64>,
}

/// Where the month's spend so far comes from, in the review's metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthSpent {
    /// The polled spend (unblended cost) answers it.
    Polled,
    /// Asked in the review's metric.
    Known(Decimal),
    /// Asked in the review's metric, and not answered: no month's end is shown rather
    /// than one that adds two metrics.
    Unknown,
}

impl Model {
    /// This month's spend so far in the cost review's metric; none when it is not known
    /// in that metric.
    pub fn month_spent(&self) -> Option<Decimal> {
        match self.cost.month_to_date {
            MonthSpent::Polled => self.spend.data.as_ref().map(|spend| {
                spend
                    .month_to_date(self.platform_now.date_naive())
                    .exact_current
            }),
            MonthSpent::Known(spent) => Some(spent),
            MonthSpent::Unknown => None,
        }
    }
}

impl Default for CostReview {
    fn default() -> Self {
        // Cost data changes a few times a day: an answer is stale after half a day.
        let interval = Duration::from_secs(6 * 3600);
        CostReview {
            request: CostRequest::default(),
            crumbs: Vec::new(),
            report: Resource::new(interval),
            forecast: Resource::new(interval),
            anomalies: Resource::new(interval),
            month_to_date: MonthSpent::Polled,
            anomaly: None,
            asked: None,
            billed_requests: None,
        }
    }
}

impl CostReview {
    /// Drops every answer and the drill-down (another environment's services and tags),
    /// keeping the period, metric, grouping and granularity the operator chose.
    pub fn forget_answers(&mut self) {
        let mut request = self.request.clone();
        if let Some(first) = self.crumbs.first() {
            request.group_by = first.clone();
        }
        request.filters.clear();
        *self = CostReview {
            request,
            ..CostReview::default()
        };
    }

    /// The groups of the answer on screen.
    pub fn rows(&self) -> &[BreakdownRow] {
        self.report
            .data
            .as_ref()
            .map_or(&[], |r| r.breakdown.rows.as_slice())
    }
}

/// A one-line message in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// Everything the model needs at start.
#[derive(Debug, Clone)]
pub struct ModelInit {
    pub environment: Environment,
    /// Environments `:env NAME` can switch to.
    pub environments: Vec<String>,
    pub keymap: Keymap,
    pub pipelines: Vec<PipelineDefinition>,
    /// The pipeline stages spend is grouped into.
    pub cost_stages: CostStages,
    pub theme_name: String,
    pub themes: Vec<String>,
    /// The background polling interval of each source.
    pub intervals: HashMap<SourceKind, Duration>,
    pub now: DateTime<Utc>,
    pub platform_now: DateTime<Utc>,
}

/// The console's state. Only `update` changes it; rendering only reads it.
#[derive(Debug, Clone)]
pub struct Model {
    pub environment: Environment,
    pub tab: Tab,
    pub mode: Mode,
    pub detail: Option<Detail>,
    pub keymap: Keymap,
    pub pipelines: Vec<PipelineDefinition>,
    pub theme_name: String,
    /// Theme names offered by `:theme` completion.
    pub themes: Vec<String>,
    /// Environments `:env NAME` can switch to, from the config.
    pub environments: Vec<String>,
    pub tasks: Resource<Vec<ReplicationTask>>,
    pub runs: Resource<Vec<WorkflowRun>>,
    pub queries: Resource<Vec<QueryRecord>>,
    pub spend: Resource<SpendSeries>,
    /// What is failing now across all sources, derived from the data above.
    pub failures: Vec<Failure>,
    /// The cost review on the Cost tab: what is asked, and the answers.
    pub cost: CostReview,
    /// The pipeline stages cost is summed into (the config's, or the defaults).
    pub cost_stages: CostStages,
    /// The monthly budget of the environment, when the config sets one.
    pub budget: Option<Decimal>,
    /// Yesterday's cost of each cost stage, from the daily spend (for the pipeline chain).
    pub stage_costs: Vec<(String, Decimal)>,
    /// Health counts per source, derived from the data (the newest run of each DAG).
    pub counts: SourceCounts,
    /// Each pipeline's stages with their status, derived from tasks and runs.
    pub stages: Vec<Vec<StageStatus>>,
    /// Each pipeline's night as causes: root, consequences, stages on stale data.
    pub chains: Vec<crate::domain::chain::Chain>,
    /// Failing items per tab, for the tab bar's badges, in [`Tab::ALL`] order.
    pub problems: [usize; 5],
    /// One table view per tab, in [`Tab::ALL`] order.
    pub views: [TableView; 5],
    pub now: DateTime<Utc>,
    pub platform_now: DateTime<Utc>,
    /// Terminal size, for paging.
    pub size: (u16, u16),
    pub notice: Option<Notice>,
    /// Every message the footer showed, newest last (at most
    /// [`super::overlay::MESSAGES_KEPT`]), for the message log.
    pub messages: std::collections::VecDeque<super::overlay::LoggedMessage>,
    /// How far the open overlay (help, the message log) is scrolled.
    pub overlay_scroll: usize,
    pub quit: bool,
    /// Actions sent and not yet answered, by [`Action::acts_on`]: their rows say
    /// "retrying…", and a second request for the same item is refused.
    pub in_flight: BTreeMap<ActionTarget, Action>,
    /// Rows marked with Space on the current tab (by [`Listed::key`]), or tables in a
    /// task's detail: one `r` retries all.
    pub marks: BTreeSet<RowKey>,
    /// The recovery plans run this session (at most one per pipeline), the running ones
    /// and the last that ended, for the progress pane.
    pub recoveries: Vec<super::recovery::Recovery>,
    /// Items retried and watched until they settle (recovered, or failed again).
    pub following: Vec<Follow>,
    /// Re-runs the console submitted, followed through their statements until they end.
    pub reruns: Vec<Rerun>,
}

/// A re-run of a failed query: the statement the console submitted for it, followed
/// until it ends. While it runs, `x` on its row cancels it with CancelStatement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerun {
    /// The failed query whose SQL it runs again.
    pub of_query: i64,
    /// The Data API statement id.
    pub statement: String,
    /// The warehouse's last word on it; none before the first look.
    pub progress: Option<StatementProgress>,
    /// The re-run's audit record, where how it ended is written.
    pub recorded: Option<String>,
}

impl Rerun {
    /// The warehouse's query id of the re-run, once it has one.
    pub fn query_id(&self) -> Option<i64> {
        self.progress.as_ref().and_then(|p| p.query_id)
    }

    /// True when the re-run is, or is about, the query with this id.
    pub fn concerns(&self, query_id: i64) -> bool {
        self.of_query == query_id || self.query_id() == Some(query_id)
    }
}

/// An item watched after a retry until it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    pub item: ItemRef,
    /// What the operator calls it, for the message when it settles.
    pub name: String,
    /// What has been seen of it since the action; created or retried.
    pub watch: Watch,
    /// Given up on after this (an item that never moves is not watched for ever).
    pub until: DateTime<Utc>,
    /// The action's audit record, where how it ended is written.
    pub recorded: Option<String>,
}

impl Model {
    /// A model with no data yet.
    pub fn new(init: ModelInit) -> Self {
        let interval = |kind| {
            init.intervals
                .get(&kind)
                .copied()
                .unwrap_or(Duration::from_secs(30))
        };
        let view = |sort: super::view::Sort| TableView::new(sort.column, sort.descending);
        let budget = init.environment.budget;
        let mut model = Model {
            environment: init.environment,
            tab: Tab::Overview,
            mode: Mode::Normal,
            detail: None,
            keymap: init.keymap,
            pipelines: init.pipelines,
            theme_name: init.theme_name,
            themes: init.themes,
            environments: init.environments,
            tasks: Resource::new(interval(SourceKind::Replication)),
            runs: Resource::new(interval(SourceKind::Workflow)),
            queries: Resource::new(interval(SourceKind::Warehouse)),
            spend: Resource::new(interval(SourceKind::Cost)),
            failures: Vec::new(),
            cost: CostReview::default(),
            cost_stages: init.cost_stages,
            budget,
            stage_costs: Vec::new(),
            counts: SourceCounts::default(),
            stages: Vec::new(),
            chains: Vec::new(),
            problems: [0; 5],
            views: [
                view(Failure::DEFAULT_SORT),
                view(ReplicationTask::DEFAULT_SORT),
                view(WorkflowRun::DEFAULT_SORT),
                view(QueryRecord::DEFAULT_SORT),
                view(BreakdownRow::DEFAULT_SORT),
            ],
            now: init.now,
            platform_now: init.platform_now,
            size: (80, 24),
            notice: None,
            messages: std::collections::VecDeque::new(),
            overlay_scroll: 0,
            quit: false,
            in_flight: BTreeMap::new(),
            marks: BTreeSet::new(),
            following: Vec::new(),
            recoveries: Vec::new(),
            reruns: Vec::new(),
        };
        // The pipeline chain shows its stages ("no data") before any source answers.
        model.rederive([None, None, None, None, None]);
        model
    }

    /// Moves to another environment: its data starts empty (nothing of the old one may
    /// be mistaken for the new), details and filters close, the tab and sort orders stay.
    pub fn switch_environment(&mut self, environment: Environment) {
        self.budget = environment.budget;
        self.environment = environment;
        self.tasks = Resource::new(self.tasks.interval);
        self.runs = Resource::new(self.runs.interval);
        self.queries = Resource::new(self.queries.interval);
        self.spend = Resource::new(self.spend.interval);
        self.detail = None;
        self.mode = Mode::Normal;
        self.marks.clear();
        self.following.clear();
        self.recoveries.clear();
        self.reruns.clear();
        self.in_flight.clear();
        self.stage_costs.clear();
        self.cost.forget_answers();
        for view in &mut self.views {
            view.filter.clear();
            view.selected = 0;
        }
        self.rederive([None, None, None, None, None]);
    }

    /// The table view of a tab.
    pub fn view(&self, tab: Tab) -> &TableView {
        &self.views[tab.index()]
    }

    /// The table view of a tab, to change.
    pub fn view_mut(&mut self, tab: Tab) -> &mut TableView {
        &mut self.views[tab.index()]
    }

    /// How many rows a page of a table holds at the current terminal size.
    pub fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(8)).max(1)
    }

    /// The key of each tab's selected item, to find it again after new data arrives.
    ///
    /// A selection on the first row stays on the first row, so a list the operator has
    /// not moved in keeps showing the newest and worst items at the top.
    pub fn selection_keys(&self) -> [Option<RowKey>; 5] {
        Tab::ALL.map(|tab| {
            if self.view(tab).selected == 0 {
                None
            } else {
                self.selected_key(tab)
            }
        })
    }

    fn selected_key(&self, tab: Tab) -> Option<RowKey> {
        let view = self.view(tab);
        match tab {
            Tab::Overview => view.selected_key(&self.failures),
            Tab::Dms => view.selected_key(self.tasks.data.as_deref().unwrap_or(&[])),
            Tab::Airflow => view.selected_key(self.runs.data.as_deref().unwrap_or(&[])),
            Tab::Redshift => view.selected_key(self.queries.data.as_deref().unwrap_or(&[])),
            Tab::Cost => view.selected_key(self.cost.rows()),
        }
    }

    /// Re-derives the failure list and the spend table, and re-sorts every view, keeping
    /// each selection on the item it was on (`keys` from [`Model::selection_keys`] taken
    /// before the data changed).
    pub fn rederive(&mut self, keys: [Option<RowKey>; 5]) {
        self.derive_failures();
        self.stage_costs = self.yesterday_by_stage();
        for (tab, key) in Tab::ALL.into_iter().zip(keys) {
            self.rebuild_with(tab, key);
        }
    }

    /// Derives again only what new data of `kind` feeds: after tasks, runs or queries,
    /// the failures, counts, pipeline chain, the Overview's list and the source's own
    /// tab; after spend, the stages' cost of last night. The other tabs keep their rows.
    pub fn rederive_source(&mut self, kind: SourceKind, keys: [Option<RowKey>; 5]) {
        if kind == SourceKind::Cost {
            self.stage_costs = self.yesterday_by_stage();
            return;
        }
        self.derive_failures();
        for (tab, key) in Tab::ALL.into_iter().zip(keys) {
            if tab == Tab::Overview || tab.source() == Some(kind) {
                self.rebuild_with(tab, key);
            }
        }
    }

    /// The failures, health counts, pipeline stages and problem badges of the lists.
    fn derive_failures(&mut self) {
        let snapshot = Snapshot::of(
            &self.pipelines,
            self.tasks.data.as_deref(),
            self.runs.data.as_deref(),
            self.queries.data.as_deref(),
        );
        self.failures = snapshot.failures;
        self.chains = snapshot.chains;
        self.counts = snapshot.counts;
        self.stages = self
            .pipelines
            .iter()
            .map(|p| p.status(self.tasks.data.as_deref(), self.runs.data.as_deref()))
            .collect();
        self.problems = Tab::ALL.map(|tab| {
            self.failures
                .iter()
                .filter(|f| f.health == Health::Failed && tab_of(&f.item) == tab)
                .count()
        });
    }

    /// Yesterday's spend of each cost stage: the last whole day of the daily spend.
    fn yesterday_by_stage(&self) -> Vec<(String, Decimal)> {
        let Some(spend) = &self.spend.data else {
            return Vec::new();
        };
        let yesterday = self.platform_now.date_naive().pred_opt();
        let Some(i) = spend.days.iter().position(|d| Some(d.date) == yesterday) else {
            return Vec::new();
        };
        self.cost_stages
            .per_stage(spend)
            .into_iter()
            .map(|(stage, amounts)| (stage, amounts[i]))
            .collect()
    }

    /// Re-filters and re-sorts one tab's rows after its filter or sort changed.
    pub fn rebuild_view(&mut self, tab: Tab) {
        let key = self.selected_key(tab);
        self.rebuild_with(tab, key);
    }

    fn rebuild_with(&mut self, tab: Tab, key: Option<RowKey>) {
        let view = &mut self.views[tab.index()];
        match tab {
            Tab::Overview => view.rebuild(&self.failures, key),
            Tab::Dms => view.rebuild(self.tasks.data.as_deref().unwrap_or(&[]), key),
            Tab::Airflow => view.rebuild(self.runs.data.as_deref().unwrap_or(&[]), key),
            Tab::Redshift => view.rebuild(self.queries.data.as_deref().unwrap_or(&[]), key),
            Tab::Cost => view.rebuild(self.cost.rows(), key),
        }
    }

    /// The replication task a detail or selection names.
    pub fn task(&self, id: &str) -> Option<&ReplicationTask> {
        self.tasks.data.as_ref()?.iter().find(|t| t.id == id)
    }

    /// The workflow run a detail or selection names.
    pub fn run(&self, dag_id: &str, run_id: &str) -> Option<&WorkflowRun> {
        self.runs
            .data
            .as_ref()?
            .iter()
            .find(|r| r.dag_id == dag_id && r.run_id == run_id)
    }

    /// The query a detail or selection names.
    pub fn query(&self, id: i64) -> Option<&QueryRecord> {
        self.queries
            .data
            .as_ref()?
            .iter()
            .find(|q| q.query_id == id)
    }
}

/// The tab an item lives in.
pub fn tab_of(item: &ItemRef) -> Tab {
    match item {
        ItemRef::Replication { .. } => Tab::Dms,
        ItemRef::WorkflowRun { .. } => Tab::Airflow,
        ItemRef::Query { .. } => Tab::Redshift,
    }
}
