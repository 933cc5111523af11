//! Keys: what each key does in each mode (normal, filter, command, overlays, dialogs).

use super::*;

pub(super) fn on_key(model: &mut Model, key: Key) -> Vec<Effect> {
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
            crate::app::act::answer(model, dialog, answer)
        }
        Mode::Log(view) => {
            crate::app::logview::on_key(model, *view, key);
            Vec::new()
        }
        Mode::Timeline(timeline) => {
            crate::app::timeline::on_key(model, *timeline, key);
            Vec::new()
        }
    }
}

/// Opens help or the message log: help at its top, the log at its newest message.
pub(super) fn open_overlay(model: &mut Model, mode: Mode) {
    let newest = mode == Mode::Messages;
    model.mode = mode;
    model.overlay_scroll = 0;
    if newest {
        scroll_overlay(model, isize::MAX / 2);
    }
}

/// Scrolls the open overlay, within its lines as laid out on the terminal.
pub(super) fn scroll_overlay(model: &mut Model, delta: isize) {
    let most = crate::app::overlay::laid_on_terminal(model).map_or(0, |l| l.max_scroll());
    model.overlay_scroll = (model.overlay_scroll.min(most) as isize)
        .saturating_add(delta)
        .clamp(0, most as isize) as usize;
}

pub(super) fn on_filter_key(model: &mut Model, mut input: String, key: Key) -> Vec<Effect> {
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

pub(super) fn set_filter(model: &mut Model, filter: String) {
    let tab = model.tab;
    let view = model.view_mut(tab);
    view.filter = filter;
    model.rebuild_view(tab);
}

pub(super) fn on_command_key(model: &mut Model, mut input: String, key: Key) -> Vec<Effect> {
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

pub(super) fn run_command(model: &mut Model, input: &str) -> Vec<Effect> {
    match command::parse(input) {
        Ok(Command::Quit) => quit(model),
        Ok(Command::Recover(pipeline)) => crate::app::recovery::open(model, pipeline.as_deref()),
        Ok(Command::Night(pipeline)) => crate::app::timeline::open(model, pipeline.as_deref()),
        Ok(Command::Help) => {
            open_overlay(model, Mode::Help);
            Vec::new()
        }
        Ok(Command::Messages) => {
            open_overlay(model, Mode::Messages);
            Vec::new()
        }
        Ok(Command::Tab(tab)) => switch_tab(model, tab),
        Ok(Command::CostPeriod(period)) => crate::app::cost::set_period(model, &period),
        Ok(Command::CostGroup(group)) => crate::app::cost::set_group(model, &group),
        Ok(Command::CostMetric(metric)) => crate::app::cost::set_metric(model, &metric),
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
pub(in crate::app) fn go_to(model: &mut Model, tab: Tab) -> Vec<Effect> {
    switch_tab(model, tab)
}

pub(super) fn switch_tab(model: &mut Model, tab: Tab) -> Vec<Effect> {
    model.detail = None;
    if model.tab == tab {
        return Vec::new();
    }
    model.tab = tab;
    // Marks belong to the list they were made in.
    model.marks.clear();
    let mut effects = vec![Effect::Focus(tab.source())];
    if tab == Tab::Cost {
        effects.extend(crate::app::cost::ask(model));
    }
    effects
}

pub(super) fn on_action_key(model: &mut Model, key: Key) -> Vec<Effect> {
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
                && crate::app::cost::move_anomaly(
                    model,
                    if action == Action::Up { -1 } else { 1 },
                ) => {}
        Action::Up => move_selection(model, -1),
        Action::Down => move_selection(model, 1),
        Action::PageUp => move_selection(model, -(model.page_rows() as isize)),
        Action::PageDown => move_selection(model, model.page_rows() as isize),
        Action::Top => move_selection(model, isize::MIN / 2),
        Action::Bottom => move_selection(model, isize::MAX / 2),
        Action::Open => return open(model),
        Action::Back if model.tab == Tab::Cost && model.detail.is_none() => {
            let (handled, effects) = crate::app::cost::up(model);
            if handled {
                return effects;
            }
            back(model)
        }
        Action::Back => back(model),
        Action::Refresh => return refresh(model),
        Action::SortNext => sort(model, true),
        Action::SortReverse => sort(model, false),
        Action::Mark => crate::app::act::mark(model),
        Action::ClearMarks => crate::app::act::clear_marks(model),
        Action::Retry => return crate::app::act::retry(model),
        Action::Recover => return crate::app::recovery::open(model, None),
        Action::Timeline => return crate::app::timeline::open(model, None),
        Action::Trigger => return crate::app::act::trigger(model),
        Action::CancelQuery => return crate::app::act::cancel_query(model),
        _ if model.tab != Tab::Cost => {}
        Action::CostPeriod => return crate::app::cost::next_period(model),
        Action::CostMetric => return crate::app::cost::next_metric(model),
        Action::CostGroup => return crate::app::cost::next_grouping(model),
        Action::CostGranularity => return crate::app::cost::toggle_granularity(model),
        Action::CostAnomalies => crate::app::cost::toggle_anomalies(model),
        Action::Export => return crate::app::cost::export(model, false),
        Action::ExportJson => return crate::app::cost::export(model, true),
    }
    log_fetch(model).into_iter().collect()
}

/// The log fetch a run's detail needs when its selection rests on a failed try whose log
/// the source did not send with the task instances (Airflow serves logs separately).
pub(super) fn log_fetch(model: &mut Model) -> Option<Effect> {
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
    Some(Effect::FetchDetail(DetailRequest::TaskLog {
        dag_id: dag_id.clone(),
        run_id: run_id.clone(),
        task_id: selected.task_id.clone(),
        try_number: selected.try_number,
    }))
}
