//! Rendering: a pure function of the model and a theme. Nothing here changes state or
//! waits on anything.

mod airflow;
mod cost;
mod cost_chart;
mod counts;
mod dialog;
mod dms;
mod help;
mod logview;
mod overview;
mod recovery;
mod redshift;
pub mod theme;
mod timeline;
mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::command::completions;
use crate::app::{Action, Confirmable, Mode, Model, Tab};
use crate::text::inert_line;
use theme::Theme;

/// The smallest terminal the console draws into: every tab's counts, a few rows of its
/// list and the footer fit. Below it, it says so plainly instead of drawing empty frames.
pub const MIN_SIZE: (u16, u16) = (60, 16);

/// Draws the whole console.
pub fn render(frame: &mut Frame, model: &Model, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "opsdeck needs at least {}x{} — this terminal is {}x{}. Make the window larger \
             (q quits).",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.warning)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(frame, header, model, theme);
    render_tabs(frame, tabs, model, theme);
    match model.tab {
        Tab::Overview => overview::render(frame, body, model, theme),
        Tab::Dms => dms::render(frame, body, model, theme),
        Tab::Airflow => airflow::render(frame, body, model, theme),
        Tab::Redshift => redshift::render(frame, body, model, theme),
        Tab::Cost => cost::render(frame, body, model, theme),
    }
    render_footer(frame, footer, model, theme);
    if matches!(model.mode, Mode::Help | Mode::Messages) {
        help::render(frame, body, model, theme);
    }
    if let Mode::Command { input } = &model.mode {
        render_completions(frame, body, model, input, theme);
    }
    if let Mode::Confirm(dialog) = &model.mode {
        dialog::render(frame, body, dialog, theme);
    }
    // A log and the timeline read full screen: everything below the header, their
    // footers included.
    let below = Rect {
        y: tabs.y,
        height: area.height.saturating_sub(1),
        ..area
    };
    match &model.mode {
        Mode::Log(view) => logview::render(frame, below, view, theme),
        Mode::Timeline(timeline) => timeline::render(frame, below, model, timeline, theme),
        _ => {}
    }
}

fn render_header(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let env = &model.environment;
    let mut spans = vec![Span::styled(
        " opsdeck ",
        theme.header.add_modifier(Modifier::BOLD),
    )];
    if env.demo {
        spans.push(Span::styled(" DEMO ", theme.header_demo));
    }
    if env.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.header_demo));
    }
    spans.push(Span::styled(
        format!(" env {} ", inert_line(&env.name)),
        theme.header,
    ));
    if let Some(profile) = &env.profile {
        spans.push(Span::styled(
            format!("· profile {} ", inert_line(profile)),
            theme.header,
        ));
    }
    if let Some(region) = &env.region {
        spans.push(Span::styled(
            format!("· {} ", inert_line(region)),
            theme.header,
        ));
    }
    let clock = model
        .platform_now
        .format(" %Y-%m-%d %H:%M UTC ")
        .to_string();
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let pad = usize::from(area.width).saturating_sub(used + crate::text::width(&clock));
    spans.push(Span::styled(" ".repeat(pad), theme.header));
    if pad > 0 {
        spans.push(Span::styled(clock, theme.header));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.header), area);
}

fn render_tabs(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    // The widest form that fits: full titles, short ones, then numbers; a tab's count of
    // failed items is never cut (shortened to thousands only when nothing else fits).
    let title = |tab: Tab, form: usize| -> &'static str {
        match form {
            0 => tab.title(),
            1 => match tab {
                Tab::Overview => "Over",
                Tab::Dms => "DMS",
                Tab::Airflow => "Air",
                Tab::Redshift => "Red",
                Tab::Cost => "Cost",
            },
            _ => "",
        }
    };
    let mut spans = Vec::new();
    for form in 0..4 {
        spans.clear();
        for tab in Tab::ALL {
            let style = if tab == model.tab {
                theme.tab_active
            } else {
                theme.tab_inactive
            };
            let name = match title(tab, form) {
                "" => format!(" {} ", tab.index() + 1),
                title => format!(" {} {title} ", tab.index() + 1),
            };
            spans.push(Span::styled(name, style));
            let problems = model.problems[tab.index()];
            if problems > 0 {
                let n = if form < 3 {
                    problems.to_string()
                } else {
                    counts::compact(problems)
                };
                spans.push(Span::styled(format!("✖{n} "), theme.failed));
            }
            spans.push(Span::styled("│", theme.border));
        }
        if Line::from(spans.clone()).width() <= usize::from(area.width) {
            break;
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_footer(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let line = match &model.mode {
        Mode::Command { input } => Line::from(vec![
            Span::styled(":", theme.accent),
            Span::styled(input.clone(), theme.text),
            Span::styled("█", theme.accent),
            Span::styled("   Tab complete · Enter run · Esc cancel", theme.muted),
        ]),
        Mode::Filter { input } => Line::from(vec![
            Span::styled("/", theme.accent),
            Span::styled(input.clone(), theme.text),
            Span::styled("█", theme.accent),
            Span::styled("   Enter keep · Esc clear", theme.muted),
        ]),
        Mode::Confirm(dialog) if dialog.typed.is_some() => Line::from(vec![
            Span::styled(" type the name, Enter", theme.footer_key),
            Span::styled(
                format!(" {} ", dialog.confirm_label.to_lowercase()),
                theme.footer_text,
            ),
            Span::styled(" Esc", theme.footer_key),
            Span::styled(" cancel ", theme.footer_text),
            Span::styled(" ↑↓", theme.footer_key),
            Span::styled(" mode ", theme.footer_text),
        ]),
        Mode::Confirm(dialog)
            if matches!(&dialog.action, crate::app::Confirmable::Recover { plan, .. }
                if plan.chosen().is_empty()) =>
        {
            Line::from(vec![
                Span::styled(" o", theme.footer_key),
                Span::styled(" add the stale stages ", theme.footer_text),
                Span::styled(" Esc", theme.footer_key),
                Span::styled(" cancel ", theme.footer_text),
            ])
        }
        Mode::Confirm(dialog) if !dialog.ready() => Line::from(vec![
            Span::styled(" waiting for the dry run… ", theme.footer_text),
            Span::styled(" Esc", theme.footer_key),
            Span::styled(" cancel ", theme.footer_text),
        ]),
        Mode::Confirm(dialog) => {
            let mut spans = vec![
                Span::styled(" y", theme.footer_key),
                Span::styled(
                    format!(" {} ", dialog.confirm_label.to_lowercase()),
                    theme.footer_text,
                ),
                Span::styled(" Esc", theme.footer_key),
                Span::styled(" cancel ", theme.footer_text),
            ];
            if matches!(&dialog.action, Confirmable::Start { modes, .. } if modes.len() > 1) {
                spans.push(Span::styled(" ↑↓ jk", theme.footer_key));
                spans.push(Span::styled(" mode ", theme.footer_text));
            }
            // A plan with stages on stale data: the key that takes them in or leaves them.
            if matches!(&dialog.action, Confirmable::Recover { plan, .. }
                if plan.steps.iter().any(|s| s.optional))
            {
                spans.push(Span::styled(" o", theme.footer_key));
                spans.push(Span::styled(" stale stages ", theme.footer_text));
            }
            spans.extend([
                Span::styled(" Tab", theme.footer_key),
                Span::styled(" switch button ", theme.footer_text),
                Span::styled(" Enter", theme.footer_key),
                Span::styled(" press it ", theme.footer_text),
            ]);
            Line::from(spans)
        }
        _ => match &model.notice {
            Some(notice) => notice_line(model, notice, theme, area.width),
            None => hints(model, theme, area.width),
        },
    };
    let mut line = line;
    // A dialog's key hints go whole or not at all, the last ones first, on a narrow terminal.
    if matches!(model.mode, Mode::Confirm(_)) {
        while line.width() > usize::from(area.width) && line.spans.len() > 2 {
            line.spans.truncate(line.spans.len() - 2);
        }
    }
    frame.render_widget(Paragraph::new(line), area);
}

/// The footer's message; one too long for the terminal is cut, and says which key shows
/// it whole in the message log.
fn notice_line(
    model: &Model,
    notice: &crate::app::Notice,
    theme: &Theme,
    width: u16,
) -> Line<'static> {
    let style = if notice.is_error {
        theme.failed
    } else {
        theme.accent
    };
    let text = inert_line(&notice.text);
    let width = usize::from(width);
    if crate::text::width(&text) <= width {
        return Line::styled(text, style);
    }
    let key = model.keymap.key_text(Action::Messages);
    let more = if key.is_empty() {
        " :messages".to_string()
    } else {
        format!(" {key} full text")
    };
    Line::from(vec![
        Span::styled(
            crate::text::fit(&text, width.saturating_sub(crate::text::width(&more))),
            style,
        ),
        Span::styled(more, theme.footer_key),
    ])
}

/// Key hints for the footer, from the live keymap.
fn hints(model: &Model, theme: &Theme, width: u16) -> Line<'static> {
    let actions: &[Action] = if matches!(model.mode, Mode::Help | Mode::Messages) {
        &[Action::Back, Action::Down, Action::Quit]
    } else if model.tab == Tab::Cost {
        &[
            Action::Open,
            Action::Back,
            Action::CostPeriod,
            Action::CostMetric,
            Action::CostGroup,
            Action::CostGranularity,
            Action::Export,
            Action::CostAnomalies,
            Action::Help,
            Action::Quit,
        ]
    } else if model.detail.is_some() {
        &[
            Action::Back,
            Action::Down,
            Action::Retry,
            Action::Mark,
            Action::Refresh,
            Action::Help,
            Action::Quit,
        ]
    } else {
        &[
            Action::NextTab,
            Action::Open,
            Action::Retry,
            Action::Mark,
            Action::Filter,
            Action::SortNext,
            Action::CommandMode,
            Action::Refresh,
            Action::Help,
            Action::Quit,
        ]
    };
    // Retrying means something only where there is something to retry; in read-only
    // mode the mutating keys are not offered at all.
    let retry_here = matches!(model.tab, Tab::Dms | Tab::Airflow | Tab::Redshift)
        && !model.environment.read_only;
    // The other actions where they apply: a new run of a DAG on the Airflow list, a cancel
    // on a query that runs (or whose re-run does).
    let mut actions = actions.to_vec();
    if retry_here && model.mode == Mode::Normal {
        let extra = match model.tab {
            Tab::Airflow if model.detail.is_none() => Some(Action::Trigger),
            Tab::Redshift if crate::app::act::can_cancel_selected(model) => {
                Some(Action::CancelQuery)
            }
            _ => None,
        };
        if let Some(extra) = extra {
            let at = actions
                .iter()
                .position(|a| *a == Action::Retry)
                .map_or(actions.len(), |i| i + 1);
            actions.insert(at, extra);
        }
    }
    // On the Overview of a red night, the key that recovers it (or cancels a running plan).
    if model.tab == Tab::Overview
        && model.detail.is_none()
        && model.mode == Mode::Normal
        && !model.environment.read_only
        && (model.chains.iter().any(|c| c.is_red())
            || model.recoveries.iter().any(|r| r.is_running()))
    {
        let at = actions
            .iter()
            .position(|a| *a == Action::Open)
            .map_or(0, |i| i + 1);
        actions.insert(at, Action::Recover);
    }
    // On the Overview of a platform with pipelines, the night's timeline.
    if model.tab == Tab::Overview
        && model.detail.is_none()
        && model.mode == Mode::Normal
        && !model.pipelines.is_empty()
    {
        let at = actions
            .iter()
            .position(|a| matches!(a, Action::Recover | Action::Open))
            .map_or(0, |i| i + 1);
        let at = actions
            .iter()
            .position(|a| *a == Action::Recover)
            .map_or(at, |i| i + 1);
        actions.insert(at, Action::Timeline);
    }
    // With rows marked, the key that clears them all.
    if !model.marks.is_empty()
        && let Some(at) = actions.iter().position(|a| *a == Action::Mark)
    {
        actions.insert(at + 1, Action::ClearMarks);
    }
    let mut shown: Vec<(Action, String)> = actions
        .iter()
        .filter(|a| retry_here || !matches!(a, Action::Retry | Action::Mark | Action::ClearMarks))
        // In a detail only a DMS task's tables are marked (for a reload).
        .filter(|a| !matches!(a, Action::Mark) || model.detail.is_none() || model.tab == Tab::Dms)
        .map(|a| (*a, model.keymap.key_text(*a)))
        .filter(|(_, key)| !key.is_empty())
        .collect();
    // On the Cost tab Enter and Esc move through the drill-downs.
    let hint_of = |action: Action| match (model.tab, action) {
        _ if action == Action::Down && model.mode != Mode::Normal => "scroll",
        (Tab::Cost, Action::Open) => "drill in",
        (Tab::Cost, Action::Back) => "up",
        _ => action.hint(),
    };
    // On a narrow terminal the least needed hints go first, whole (help lists them all).
    let width_of = |shown: &[(Action, String)]| {
        shown
            .iter()
            .map(|(a, k)| crate::text::width(k) + crate::text::width(hint_of(*a)) + 3)
            .sum::<usize>()
            // The last hint's trailing space may fall past the edge.
            .saturating_sub(1)
    };
    for drop in [
        Action::CostAnomalies,
        Action::Trigger,
        Action::CostGranularity,
        Action::Mark,
        Action::SortNext,
        Action::CommandMode,
        Action::NextTab,
        Action::Filter,
    ] {
        if width_of(&shown) <= usize::from(width) {
            break;
        }
        shown.retain(|(a, _)| *a != drop);
    }
    // Still too wide: the hints before help and quit go, the last first, so no hint is cut.
    while width_of(&shown) > usize::from(width) && shown.len() > 2 {
        let at = shown
            .iter()
            .rposition(|(a, _)| !matches!(a, Action::Help | Action::Quit))
            .unwrap_or(0);
        shown.remove(at);
    }
    let mut spans = Vec::new();
    for (action, key) in shown {
        let hint = hint_of(action);
        spans.push(Span::styled(format!(" {key}"), theme.footer_key));
        spans.push(Span::styled(format!(" {hint} "), theme.footer_text));
    }
    Line::from(spans)
}

fn render_completions(frame: &mut Frame, body: Rect, model: &Model, input: &str, theme: &Theme) {
    let options = completions(
        input,
        crate::app::command::Choices {
            themes: &model.themes,
            environments: &model.environments,
        },
    );
    if options.is_empty() || body.height < 3 {
        return;
    }
    let height = (options.len() as u16 + 2).min(body.height);
    let width = options
        .iter()
        .map(|o| crate::text::width(&inert_line(o)) as u16)
        .max()
        .unwrap_or(0)
        + 4;
    let area = Rect {
        x: body.x,
        y: body.y + body.height - height,
        width: width.min(body.width),
        height,
    };
    let lines: Vec<Line> = options
        .into_iter()
        .map(|o| Line::styled(format!(":{}", inert_line(&o)), theme.text))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(widgets::block(theme, "commands")),
        area,
    );
}
