//! Moving about: the selection, sorting, opening and leaving details, jumps, refreshes.

use super::*;

pub(super) fn move_selection(model: &mut Model, delta: isize) {
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
pub(super) fn detail_last_row(model: &Model) -> usize {
    let rows = match &model.detail {
        Some(Detail::Task { tables, .. }) => tables.data.as_ref().map_or(0, Vec::len),
        Some(Detail::Run { instances, .. }) => instances.data.as_ref().map_or(0, Vec::len),
        Some(Detail::Query { id, .. }) => model.query(*id).map_or(0, |q| {
            // The text scrolls as it wraps in the pane (the terminal less its borders).
            let columns = usize::from(model.size.0.saturating_sub(2)).max(1);
            let wrapped = |text: &str| {
                text.lines()
                    .map(|l| crate::app::overlay::wrap(l, columns).len())
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

pub(super) fn back(model: &mut Model) {
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

pub(super) fn sort(model: &mut Model, next_column: bool) {
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
    use crate::app::view::Listed;
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

pub(super) fn refresh(model: &mut Model) -> Vec<Effect> {
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
            .map(|at| crate::text::age((model.now - at).to_std().unwrap_or_default()) + " ago")
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
        effects.extend(crate::app::cost::ask_again(model));
    }
    effects
}

/// The fetch that fills the open detail view, if it needs one.
pub(super) fn detail_fetch(model: &mut Model) -> Option<Effect> {
    match model.detail.as_mut()? {
        Detail::Task { id, tables, .. } => {
            tables.loading = true;
            Some(Effect::FetchDetail(DetailRequest::TableStatistics {
                task_id: id.clone(),
            }))
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
            Some(Effect::FetchDetail(DetailRequest::TaskInstances {
                dag_id: dag_id.clone(),
                run_id: run_id.clone(),
            }))
        }
        Detail::Query { .. } => None,
    }
}

pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    if model.detail.is_some() {
        // In a run's detail: the selected try's log, full screen.
        crate::app::logview::open(model);
        return Vec::new();
    }
    // A detail starts with no marks of its own.
    model.marks.clear();
    let tab = model.tab;
    if tab == Tab::Cost {
        return crate::app::cost::drill(model);
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
        effects.push(Effect::FetchDetail(DetailRequest::TaskSettings {
            task_id: id.clone(),
        }));
    }
    effects
}

/// Goes to the tab of a failing item and selects it there, clearing a filter that hides it.
pub(super) fn jump_to(model: &mut Model, item: ItemRef) -> Vec<Effect> {
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
