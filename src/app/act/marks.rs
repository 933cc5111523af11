//! Marks: Space on the rows (or the tables of a task's detail) one `r` acts on together.

use super::notice;
use crate::app::model::{Detail, Model};
use crate::app::tab::Tab;
use crate::app::view::{Listed, RowKey};

/// Space: marks or unmarks the selected row and moves down, on the tabs that retry (and
/// the tables in a DMS task's detail, for a reload).
pub(in crate::app) fn mark(model: &mut Model) {
    if let Some(Detail::Task { tables, scroll, .. }) = &mut model.detail {
        let Some(rows) = tables.data.as_ref() else {
            return;
        };
        let Some(table) = rows.get((*scroll).min(rows.len().saturating_sub(1))) else {
            return;
        };
        let key = RowKey::table(&table.schema, &table.table);
        if !model.marks.remove(&key) {
            model.marks.insert(key);
        }
        *scroll = (*scroll + 1).min(rows.len().saturating_sub(1));
        return;
    }
    if model.detail.is_some() || !matches!(model.tab, Tab::Dms | Tab::Airflow | Tab::Redshift) {
        return;
    }
    if model.tab == Tab::Redshift {
        // A re-run shows its one query's SQL before it runs: queries go one at a time.
        model.notice = notice(
            "queries are run again one at a time: r on the selected failed query".to_string(),
            true,
        );
        return;
    }
    let Some(key) = selected_key(model) else {
        return;
    };
    if !model.marks.remove(&key) {
        model.marks.insert(key);
    }
    let tab = model.tab;
    model.view_mut(tab).move_by(1);
}

/// `u`: clears every mark (of the list, or of the tables in a task's detail).
pub(in crate::app) fn clear_marks(model: &mut Model) {
    let n = std::mem::take(&mut model.marks).len();
    model.notice = notice(
        match n {
            0 => "nothing is marked".to_string(),
            1 => "1 mark cleared".to_string(),
            n => format!("{n} marks cleared"),
        },
        false,
    );
}

fn selected_key(model: &Model) -> Option<RowKey> {
    let view = model.view(model.tab);
    match model.tab {
        Tab::Dms => view.selected_key(model.tasks.data.as_deref()?),
        Tab::Airflow => view.selected_key(model.runs.data.as_deref()?),
        Tab::Redshift => view.selected_key(model.queries.data.as_deref()?),
        _ => None,
    }
}

/// The marked items of a list, or the selected one when nothing is marked.
pub(super) fn chosen<'a, T: Listed>(model: &Model, items: &'a [T]) -> Vec<&'a T> {
    if model.marks.is_empty() {
        return model
            .view(model.tab)
            .selected_index()
            .and_then(|i| items.get(i))
            .into_iter()
            .collect();
    }
    items
        .iter()
        .filter(|i| model.marks.contains(&i.key()))
        .collect()
}
