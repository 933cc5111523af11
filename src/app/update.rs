//! `update`: the only place the model changes.

use super::command::{self, Command};
use super::confirm::{Confirmable, Confirmation};
use super::keys::{Action, Key, KeyCode};
use super::model::{Detail, Mode, Model, Notice, TaskLog};
use super::msg::{DetailPayload, Effect, Msg, Payload};
use super::resource::Resource;
use super::tab::Tab;
use crate::domain::TaskState;
use crate::domain::failure::ItemRef;
use crate::source::SourceKind;

/// Applies one message to the model and returns the work the runtime must do.
///
/// Every message the footer is given is also kept, with its time, for the message log
/// (`L`, `:messages`): a footer line is cut at the terminal's width, the log is not.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let before = model.notice.clone();
    let effects = apply(model, msg);
    if model.notice != before
        && let Some(notice) = &model.notice
    {
        if model.messages.len() == super::overlay::MESSAGES_KEPT {
            model.messages.pop_front();
        }
        model.messages.push_back(super::overlay::LoggedMessage {
            at: model.platform_now,
            text: notice.text.clone(),
            is_error: notice.is_error,
        });
    }
    effects
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Resize { width, height } => {
            model.size = (width, height);
            Vec::new()
        }
        Msg::Tick { now, platform_now } => {
            model.now = now;
            model.platform_now = platform_now;
            Vec::new()
        }
        Msg::FetchStarted(kind) => {
            set_loading(model, kind);
            Vec::new()
        }
        Msg::Fetched {
            kind,
            fetched_at,
            result,
        } => on_fetched(model, kind, fetched_at, result),
        Msg::DetailFetched(payload) => {
            on_detail(model, payload);
            log_fetch(model).into_iter().collect()
        }
        Msg::ThemeLoaded(Ok(name)) => {
            model.notice = Some(info(format!("theme {name}")));
            model.theme_name = name;
            Vec::new()
        }
        Msg::ThemeLoaded(Err(error)) => {
            model.notice = Some(error_notice(error));
            Vec::new()
        }
        Msg::EnvironmentSwitched(Ok(environment)) => {
            model.notice = Some(info(format!(
                "environment {}{}",
                environment.name,
                if environment.read_only {
                    " (read-only)"
                } else {
                    ""
                }
            )));
            model.switch_environment(environment);
            // The Cost tab asks the new environment its question at once.
            if model.tab == Tab::Cost {
                return super::cost::ask(model);
            }
            Vec::new()
        }
        Msg::EnvironmentSwitched(Err(error)) => {
            model.notice = Some(error_notice(error));
            Vec::new()
        }
        Msg::ClearPreview {
            dag_id,
            run_id,
            scope,
            result,
        } => {
            super::act::clear_preview(model, &dag_id, &run_id, &scope, result);
            Vec::new()
        }
        Msg::ActionDone {
            action,
            result,
            recorded,
        } => super::act::done(model, action, result, recorded),
        Msg::StatementProgress { statement, result } => {
            super::act::statement_progress(model, &statement, result)
        }
        Msg::CostReviewed(answers) => {
            super::cost::reviewed(model, *answers);
            Vec::new()
        }
        Msg::Exported(Ok(path)) => {
            model.notice = Some(info(format!("exported to {path}")));
            Vec::new()
        }
        Msg::Exported(Err(error)) => {
            model.notice = Some(error_notice(format!("export failed: {error}")));
            Vec::new()
        }
        Msg::Quit => quit(model),
    }
}

fn info(text: String) -> Notice {
    Notice {
        text,
        is_error: false,
    }
}

fn error_notice(text: String) -> Notice {
    Notice {
        text,
        is_error: true,
    }
}

fn quit(model: &mut Model) -> Vec<Effect> {
    model.quit = true;
    vec![Effect::Quit]
}

fn set_loading(model: &mut Model, kind: SourceKind) {
    match kind {
        SourceKind::Replication => model.tasks.loading = true,
        SourceKind::Workflow => model.runs.loading = true,
        SourceKind::Warehouse => model.queries.loading = true,
        SourceKind::Cost => model.spend.loading = true,
    }
}

fn on_fetched(
    model: &mut Model,
    kind: SourceKind,
    fetched_at: chrono::DateTime<chrono::Utc>,
    result: Result<Payload, crate::source::SourceError>,
) -> Vec<Effect> {
    fn apply<T>(
        resource: &mut Resource<T>,
        at: chrono::DateTime<chrono::Utc>,
        result: Result<Payload, crate::source::SourceError>,
        take: impl FnOnce(Payload) -> Option<T>,
    ) {
        match result {
            Ok(payload) => match take(payload) {
                Some(data) => resource.apply(at, Ok(data)),
                // A payload of the wrong kind is a wiring bug; keep the old data.
                None => resource.loading = false,
            },
            Err(error) => resource.apply(at, Err(error)),
        }
    }
    let keys = model.selection_keys();
    match kind {
        SourceKind::Replication => apply(&mut model.tasks, fetched_at, result, |p| match p {
            Payload::Tasks(t) => Some(t),
            _ => None,
        }),
        SourceKind::Workflow => apply(&mut model.runs, fetched_at, result, |p| match p {
            Payload::Runs(r) => Some(r),
            _ => None,
        }),
        SourceKind::Warehouse => apply(&mut model.queries, fetched_at, result, |p| match p {
            Payload::Queries(q) => Some(q),
            _ => None,
        }),
        SourceKind::Cost => apply(&mut model.spend, fetched_at, result, |p| match p {
            Payload::Spend(s) => Some(s),
            _ => None,
        }),
    }
    model.rederive(keys);
    super::act::settle(model)
}

fn on_detail(model: &mut Model, payload: DetailPayload) {
    let now = model.now;
    if let DetailPayload::TaskSettings { task_id, result } = &payload {
        super::act::settings_for_dialog(model, task_id, result);
    }
    match (payload, model.detail.as_mut()) {
        (
            DetailPayload::TableStatistics { task_id, result },
            Some(Detail::Task { id, tables, .. }),
        ) if *id == task_id => tables.apply(now, result),
        (
            DetailPayload::TaskSettings { task_id, result },
            Some(Detail::Task { id, settings, .. }),
        ) if *id == task_id => settings.apply(now, result),
        (
            DetailPayload::TaskInstances {
                dag_id,
                run_id,
                result,
            },
            Some(Detail::Run {
                dag_id: d,
                run_id: r,
                instances,
                ..
            }),
        ) if *d == dag_id && *r == run_id => instances.apply(now, result),
        (
            DetailPayload::TaskLog {
                dag_id,
                run_id,
                task_id,
                try_number,
                result,
            },
            Some(Detail::Run {
                dag_id: d,
                run_id: r,
                log: Some(log),
                ..
            }),
        ) if *d == dag_id
            && *r == run_id
            && log.task_id == task_id
            && log.try_number == try_number =>
        {
            log.text.apply(now, result)
        }
        // The operator has moved on: a late answer for another item is dropped.
        _ => {}
    }
}

fn on_key(model: &mut Model, key: Key) -> Vec<Effect> {
    // Ctrl-C always leaves, whatever the mode and the keymap say.
    if key == Key::ctrl('c') {
        return quit(model);
    }
    match model.mode.clone() {
        Mode::Normal => on_action_key(model, key),
        Mode::Help | Mode::Messages => {
            let action = model.keymap.action(key);
            let page = model.page_rows() as isize;
            match action {
                Some(Action::Quit) => return quit(model),
                Some(Action::Back) => model.mode = Mode::Normal,
                Some(Action::Help) if model.mode == Mode::Help => model.mode = Mode::Normal,
                Some(Action::Messages) if model.mode == Mode::Messages => model.mode = Mode::Normal,
                Some(Action::Help) => open_overlay(model, Mode::Help),
                Some(Action::Messages) => open_overlay(model, Mode::Messages),
                Some(Action::Up) => scroll_overlay(model, -1),
                Some(Action::Down) => scroll_overlay(model, 1),
                Some(Action::PageUp) => scroll_overlay(model, -page),
                Some(Action::PageDown) => scroll_overlay(model, page),
                Some(Action::Top) => scroll_overlay(model, isize::MIN / 2),
                Some(Action::Bottom) => scroll_overlay(model, isize::MAX / 2),
                _ => {}
            }
            Vec::new()
        }
        Mode::Filter { input } => on_filter_key(model, input, key),
        Mode::Command { input } => on_command_key(model, input, key),
        Mode::Confirm(mut dialog) => {
            let answer = dialog.answer(key);
            super::act::answer(model, dialog, answer)
        }
    }
}

/// Opens help or the message log: help at its top, the log at its newest message.
fn open_overlay(model: &mut Model, mode: Mode) {
    let newest = mode == Mode::Messages;
    model.mode = mode;
    model.overlay_scroll = 0;
    if newest {
        scroll_overlay(model, isize::MAX / 2);
    }
}

/// Scrolls the open overlay, within its lines as laid out on the terminal.
fn scroll_overlay(model: &mut Model, delta: isize) {
    let most = super::overlay::laid_on_terminal(model).map_or(0, |l| l.max_scroll());
    model.overlay_scroll = (model.overlay_scroll.min(most) as isize)
        .saturating_add(delta)
        .clamp(0, most as isize) as usize;
}

fn on_filter_key(model: &mut Model, mut input: String, key: Key) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            model.mode = Mode::Normal;
            set_filter(model, String::new());
        }
        KeyCode::Enter => model.mode = Mode::Normal,
        KeyCode::Backspace => {
            input.pop();
            set_filter(model, input.clone());
            model.mode = Mode::Filter { input };
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            input.push(c);
            set_filter(model, input.clone());
            model.mode = Mode::Filter { input };
        }
        _ => {}
    }
    Vec::new()
}

fn set_filter(model: &mut Model, filter: String) {
    let tab = model.tab;
    let view = model.view_mut(tab);
    view.filter = filter;
    model.rebuild_view(tab);
}

fn on_command_key(model: &mut Model, mut input: String, key: Key) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => model.mode = Mode::Normal,
        KeyCode::Enter => {
            model.mode = Mode::Normal;
            return run_command(model, &input);
        }
        KeyCode::Tab => {
            model.mode = Mode::Command {
                input: command::complete(
                    &input,
                    command::Choices {
                        themes: &model.themes,
                        environments: &model.environments,
                    },
                ),
            }
        }
        KeyCode::Backspace => {
            if input.pop().is_none() {
                model.mode = Mode::Normal;
            } else {
                model.mode = Mode::Command { input };
            }
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            input.push(c);
            model.mode = Mode::Command { input };
        }
        _ => {}
    }
    Vec::new()
}

fn run_command(model: &mut Model, input: &str) -> Vec<Effect> {
    match command::parse(input) {
        Ok(Command::Quit) => quit(model),
        Ok(Command::Help) => {
            open_overlay(model, Mode::Help);
            Vec::new()
        }
        Ok(Command::Messages) => {
            open_overlay(model, Mode::Messages);
            Vec::new()
        }
        Ok(Command::Tab(tab)) => switch_tab(model, tab),
        Ok(Command::CostPeriod(period)) => super::cost::set_period(model, &period),
        Ok(Command::CostGroup(group)) => super::cost::set_group(model, &group),
        Ok(Command::CostMetric(metric)) => super::cost::set_metric(model, &metric),
        Ok(Command::Theme(Some(name))) => vec![Effect::LoadTheme(name)],
        Ok(Command::Theme(None)) => {
            model.notice = Some(info(format!(
                "theme {} (available: {})",
                model.theme_name,
                model.themes.join(", ")
            )));
            Vec::new()
        }
        Ok(Command::Env(Some(name))) if name == model.environment.name => {
            model.notice = Some(info(format!("already on environment {name}")));
            Vec::new()
        }
        Ok(Command::Env(Some(name))) if model.environments.contains(&name) => {
            model.notice = Some(info(format!("opening environment {name}…")));
            vec![Effect::SwitchEnvironment(name)]
        }
        Ok(Command::Env(name)) => {
            let known = if model.environments.is_empty() {
                "the config defines none; see docs/configuration.md".to_string()
            } else {
                format!("available: {}", model.environments.join(", "))
            };
            model.notice = Some(match name {
                Some(name) => error_notice(format!("no environment `{name}` ({known})")),
                None => info(format!("environment {} ({known})", model.environment.name)),
            });
            Vec::new()
        }
        Err(message) => {
            model.notice = Some(error_notice(message));
            Vec::new()
        }
    }
}

/// Goes to a tab, as its number key does.
pub(super) fn go_to(model: &mut Model, tab: Tab) -> Vec<Effect> {
    switch_tab(model, tab)
}

fn switch_tab(model: &mut Model, tab: Tab) -> Vec<Effect> {
    model.detail = None;
    if model.tab == tab {
        return Vec::new();
    }
    model.tab = tab;
    // Marks belong to the list they were made in.
    model.marks.clear();
    let mut effects = vec![Effect::Focus(tab.source())];
    if tab == Tab::Cost {
        effects.extend(super::cost::ask(model));
    }
    effects
}

fn on_action_key(model: &mut Model, key: Key) -> Vec<Effect> {
    let Some(action) = model.keymap.action(key) else {
        return Vec::new();
    };
    model.notice = None;
    match action {
        Action::Quit => return quit(model),
        Action::Help => open_overlay(model, Mode::Help),
        Action::Messages => open_overlay(model, Mode::Messages),
        Action::CommandMode => {
            model.mode = Mode::Command {
                input: String::new(),
            }
        }
        Action::Filter => {
            let input = model.view(model.tab).filter.clone();
            model.mode = Mode::Filter { input };
        }
        Action::NextTab => return switch_tab(model, model.tab.next()),
        Action::PrevTab => return switch_tab(model, model.tab.prev()),
        Action::TabOverview => return switch_tab(model, Tab::Overview),
        Action::TabDms => return switch_tab(model, Tab::Dms),
        Action::TabAirflow => return switch_tab(model, Tab::Airflow),
        Action::TabRedshift => return switch_tab(model, Tab::Redshift),
        Action::TabCost => return switch_tab(model, Tab::Cost),
        Action::Up | Action::Down
            if model.tab == Tab::Cost
                && super::cost::move_anomaly(model, if action == Action::Up { -1 } else { 1 }) => {}
        Action::Up => move_selection(model, -1),
        Action::Down => move_selection(model, 1),
        Action::PageUp => move_selection(model, -(model.page_rows() as isize)),
        Action::PageDown => move_selection(model, model.page_rows() as isize),
        Action::Top => move_selection(model, isize::MIN / 2),
        Action::Bottom => move_selection(model, isize::MAX / 2),
        Action::Open => return open(model),
        Action::Back if model.tab == Tab::Cost && model.detail.is_none() => {
            let (handled, effects) = super::cost::up(model);
            if handled {
                return effects;
            }
            back(model)
        }
        Action::Back => back(model),
        Action::Refresh => return refresh(model),
        Action::SortNext => sort(model, true),
        Action::SortReverse => sort(model, false),
        Action::Mark => super::act::mark(model),
        Action::ClearMarks => super::act::clear_marks(model),
        Action::Retry => return super::act::retry(model),
        Action::Trigger => return super::act::trigger(model),
        Action::CancelQuery => return super::act::cancel_query(model),
        _ if model.tab != Tab::Cost => {}
        Action::CostPeriod => return super::cost::next_period(model),
        Action::CostMetric => return super::cost::next_metric(model),
        Action::CostGroup => return super::cost::next_grouping(model),
        Action::CostGranularity => return super::cost::toggle_granularity(model),
        Action::CostAnomalies => super::cost::toggle_anomalies(model),
        Action::Export => return super::cost::export(model, false),
        Action::ExportJson => return super::cost::export(model, true),
    }
    log_fetch(model).into_iter().collect()
}

/// The log fetch a run's detail needs when its selection rests on a failed try whose log
/// the source did not send with the task instances (Airflow serves logs separately).
fn log_fetch(model: &mut Model) -> Option<Effect> {
    let Some(Detail::Run {
        dag_id,
        run_id,
        instances,
        log,
        scroll,
    }) = model.detail.as_mut()
    else {
        return None;
    };
    let rows = instances.data.as_ref()?;
    let selected = rows.get((*scroll).min(rows.len().saturating_sub(1)))?;
    let failed = matches!(selected.state, TaskState::Failed | TaskState::UpForRetry);
    if !failed || selected.error.is_some() || selected.try_number == 0 {
        return None;
    }
    if log
        .as_ref()
        .is_some_and(|l| l.task_id == selected.task_id && l.try_number == selected.try_number)
    {
        return None;
    }
    let mut text = Resource::new(instances.interval);
    text.loading = true;
    *log = Some(TaskLog {
        task_id: selected.task_id.clone(),
        try_number: selected.try_number,
        text,
    });
    Some(Effect::FetchTaskLog {
        dag_id: dag_id.clone(),
        run_id: run_id.clone(),
        task_id: selected.task_id.clone(),
        try_number: selected.try_number,
    })
}

fn move_selection(model: &mut Model, delta: isize) {
    if model.detail.is_some() {
        // The cursor stays on the detail's rows: past the last one (after `G` or a page
        // down) a move up would first have to climb back through rows that do not exist.
        let last = detail_last_row(model);
        if let Some(detail) = model.detail.as_mut() {
            let scroll = detail.scroll_mut();
            *scroll = ((*scroll).min(last) as isize)
                .saturating_add(delta)
                .clamp(0, last as isize) as usize;
        }
        return;
    }
    let tab = model.tab;
    model.view_mut(tab).move_by(delta);
}

/// The last row the open detail's cursor can rest on: its tables, its task instances, or
/// the lines of a query's text (0 while they are loading).
fn detail_last_row(model: &Model) -> usize {
    let rows = match &model.detail {
        Some(Detail::Task { tables, .. }) => tables.data.as_ref().map_or(0, Vec::len),
        Some(Detail::Run { instances, .. }) => instances.data.as_ref().map_or(0, Vec::len),
        Some(Detail::Query { id, .. }) => model.query(*id).map_or(0, |q| {
            // The text scrolls as it wraps in the pane (the terminal less its borders).
            let columns = usize::from(model.size.0.saturating_sub(2)).max(1);
            let wrapped = |text: &str| {
                text.lines()
                    .map(|l| super::overlay::wrap(l, columns).len())
                    .sum::<usize>()
            };
            let error = q.error_message.as_deref().map_or(0, |e| wrapped(e) + 1);
            // The fields above the SQL, the error, the SQL's title and its lines; the last
            // scroll shows the text's end at the bottom of the pane (the body less its
            // borders), so it counts as many rows fewer, less the one it rests on.
            let shown = usize::from(model.size.1.saturating_sub(5)).max(1);
            (8 + error + wrapped(&q.text)).saturating_sub(shown - 1)
        }),
        None => 0,
    };
    rows.saturating_sub(1)
}

fn back(model: &mut Model) {
    if model.detail.take().is_some() {
        // Marks made in the detail (tables) are the detail's.
        model.marks.clear();
        return;
    }
    let tab = model.tab;
    if !model.view(tab).filter.is_empty() {
        set_filter(model, String::new());
    }
}

fn sort(model: &mut Model, next_column: bool) {
    if model.detail.is_some() {
        return;
    }
    let tab = model.tab;
    let columns = columns_of(tab);
    let view = model.view_mut(tab);
    if next_column {
        view.sort.column = (view.sort.column + 1) % columns.len();
    } else {
        view.sort.descending = !view.sort.descending;
    }
    let notice = format!(
        "sorted by {} {}",
        columns[view.sort.column].to_lowercase(),
        if view.sort.descending { "↓" } else { "↑" }
    );
    model.rebuild_view(tab);
    model.notice = Some(info(notice));
}

/// The column titles of a tab's table.
pub fn columns_of(tab: Tab) -> &'static [&'static str] {
    use super::view::Listed;
    use crate::domain::breakdown::BreakdownRow;
    use crate::domain::{Failure, QueryRecord, ReplicationTask, WorkflowRun};
    match tab {
        Tab::Overview => Failure::COLUMNS,
        Tab::Dms => ReplicationTask::COLUMNS,
        Tab::Airflow => WorkflowRun::COLUMNS,
        Tab::Redshift => QueryRecord::COLUMNS,
        Tab::Cost => BreakdownRow::COLUMNS,
    }
}

fn refresh(model: &mut Model) -> Vec<Effect> {
    // Cost Explorer bills every request and its data changes a few times a day: a
    // refresh on the Cost tab goes past the cache only after a yes.
    if model.tab == Tab::Cost
        && model.detail.is_none()
        && model.spend.data.is_some()
        && let Some(billed) = model.billed_requests()
    {
        let age = model
            .spend
            .fetched_at
            .map(|at| super::resource::age((model.now - at).to_std().unwrap_or_default()) + " ago")
            .unwrap_or_else(|| "never".to_string());
        model.mode = Mode::Confirm(Confirmation::new(
            Confirmable::RefetchCost,
            "refetch spend from Cost Explorer?",
            vec![
                format!("The spend on screen was fetched {age}."),
                "Cost Explorer refreshes its data about three times a day.".to_string(),
                if model.cost.request.metric == crate::domain::cost::Metric::UnblendedCost {
                    "Asking again for this view sends 5 questions (this period, the one \
                     before, the forecast, the anomalies, the Overview's spend): USD 0.01 \
                     per request, each page counts."
                } else {
                    "Asking again for this view sends 6 questions (this period, the one \
                     before, the forecast, the anomalies, the month so far in this metric, \
                     the Overview's spend): USD 0.01 per request, each page counts."
                }
                .to_string(),
                format!(
                    "This session has made {billed} billed request{} so far.",
                    if billed == 1 { "" } else { "s" }
                ),
            ],
            "Refetch",
        ));
        return Vec::new();
    }
    let mut effects: Vec<Effect> = match model.tab.source() {
        Some(kind) => vec![Effect::Refresh(kind)],
        None => [
            SourceKind::Replication,
            SourceKind::Workflow,
            SourceKind::Warehouse,
        ]
        .into_iter()
        .map(Effect::Refresh)
        .collect(),
    };
    effects.extend(detail_fetch(model));
    if model.tab == Tab::Cost {
        effects.extend(super::cost::ask_again(model));
    }
    effects
}

/// The fetch that fills the open detail view, if it needs one.
fn detail_fetch(model: &mut Model) -> Option<Effect> {
    match model.detail.as_mut()? {
        Detail::Task { id, tables, .. } => {
            tables.loading = true;
            Some(Effect::FetchTableStatistics {
                task_id: id.clone(),
            })
        }
        Detail::Run {
            dag_id,
            run_id,
            instances,
            log,
            ..
        } => {
            instances.loading = true;
            // A refresh reads the log again once the task instances are back.
            *log = None;
            Some(Effect::FetchTaskInstances {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
            })
        }
        Detail::Query { .. } => None,
    }
}

fn open(model: &mut Model) -> Vec<Effect> {
    if model.detail.is_some() {
        return Vec::new();
    }
    // A detail starts with no marks of its own.
    model.marks.clear();
    let tab = model.tab;
    if tab == Tab::Cost {
        return super::cost::drill(model);
    }
    let Some(index) = model.view(tab).selected_index() else {
        return Vec::new();
    };
    let detail_interval = std::time::Duration::from_secs(30);
    model.detail = match tab {
        Tab::Overview => return jump_to(model, model.failures[index].item.clone()),
        Tab::Dms => model.tasks.data.as_ref().map(|tasks| Detail::Task {
            id: tasks[index].id.clone(),
            tables: Resource::new(detail_interval),
            settings: Resource::new(detail_interval),
            scroll: 0,
        }),
        Tab::Airflow => model.runs.data.as_ref().map(|runs| Detail::Run {
            dag_id: runs[index].dag_id.clone(),
            run_id: runs[index].run_id.clone(),
            instances: Resource::new(detail_interval),
            log: None,
            scroll: 0,
        }),
        Tab::Redshift => model.queries.data.as_ref().map(|queries| Detail::Query {
            id: queries[index].query_id,
            scroll: 0,
        }),
        Tab::Cost => None,
    };
    let mut effects: Vec<Effect> = detail_fetch(model).into_iter().collect();
    if let Some(Detail::Task { id, settings, .. }) = model.detail.as_mut() {
        settings.loading = true;
        effects.push(Effect::FetchTaskSettings {
            task_id: id.clone(),
        });
    }
    effects
}

/// Goes to the tab of a failing item and selects it there, clearing a filter that hides it.
fn jump_to(model: &mut Model, item: ItemRef) -> Vec<Effect> {
    let (tab, index) = match &item {
        ItemRef::Replication { id } => (
            Tab::Dms,
            model
                .tasks
                .data
                .as_ref()
                .and_then(|t| t.iter().position(|t| &t.id == id)),
        ),
        ItemRef::WorkflowRun { dag_id, run_id } => (
            Tab::Airflow,
            model.runs.data.as_ref().and_then(|r| {
                r.iter()
                    .position(|r| &r.dag_id == dag_id && &r.run_id == run_id)
            }),
        ),
        ItemRef::Query { id } => (
            Tab::Redshift,
            model
                .queries
                .data
                .as_ref()
                .and_then(|q| q.iter().position(|q| q.query_id == *id)),
        ),
    };
    let effects = switch_tab(model, tab);
    if let Some(index) = index
        && !model.view_mut(tab).select_item(index)
    {
        set_filter(model, String::new());
        model.view_mut(tab).select_item(index);
    }
    effects
}
