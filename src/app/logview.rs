//! A try's log, read full screen as `less` reads it: lines cut at the screen's width (never
//! lost), `j` `k` `PgUp` `PgDn` `g` `G` to move, `/` to search, `n` `N` from match to match,
//! `Esc` or `q` back to the run. It opens at the log's end, where the exception is.

use unicode_segmentation::UnicodeSegmentation as _;

use super::keys::{Action, Key, KeyCode};
use super::model::{Detail, Mode, Model};
use crate::text::{inert, width};

/// An open log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    /// "dbt_build · dbt_test · try 2".
    pub title: String,
    /// The log as the source sent it (remote text: made inert when laid out).
    pub text: String,
    /// The first screen line shown.
    pub scroll: usize,
    /// What is typed after `/`, while it is typed.
    pub typing: Option<String>,
    /// The last search, and the screen lines it is found on.
    pub needle: String,
    pub hits: Vec<usize>,
    /// Which of `hits` was gone to last.
    pub current: Option<usize>,
}

/// The columns and rows of log text a terminal of `size` shows: the screen less the
/// header, the box's borders and the footer.
pub fn text_area(size: (u16, u16)) -> (usize, usize) {
    (
        usize::from(size.0.saturating_sub(2)).max(1),
        usize::from(size.1.saturating_sub(4)).max(1),
    )
}

/// The log laid out in screen lines of at most `columns` display columns: each line made
/// inert, then cut where it reaches the edge (indentation kept, nothing dropped).
pub fn screen_lines(text: &str, columns: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = inert(line.trim_end_matches('\r'));
        let mut current = String::new();
        let mut used = 0;
        for grapheme in line.graphemes(true) {
            let w = width(grapheme);
            if used + w > columns && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            current.push_str(grapheme);
            used += w;
        }
        out.push(current);
    }
    out
}

impl LogView {
    fn laid(&self, model: &Model) -> Vec<String> {
        screen_lines(&self.text, text_area(model.size).0)
    }

    fn last_scroll(&self, model: &Model) -> usize {
        self.laid(model)
            .len()
            .saturating_sub(text_area(model.size).1)
    }
}

/// `Enter` in a run's detail: the selected task instance's log, full screen, when there is
/// one to read (its error, or the fetched log of its failed try).
pub(super) fn open(model: &mut Model) -> bool {
    let Some(Detail::Run {
        dag_id,
        instances,
        log,
        scroll,
        ..
    }) = &model.detail
    else {
        return false;
    };
    let Some(rows) = instances.data.as_ref() else {
        return false;
    };
    let Some(instance) = rows.get((*scroll).min(rows.len().saturating_sub(1))) else {
        return false;
    };
    let text = match (&instance.error, log) {
        (Some(error), _) => error.clone(),
        (None, Some(log))
            if log.task_id == instance.task_id && log.try_number == instance.try_number =>
        {
            match &log.text.data {
                Some(text) if !text.trim().is_empty() => text.clone(),
                _ => return false,
            }
        }
        _ => return false,
    };
    let mut view = LogView {
        title: format!(
            "{dag_id} · {} · try {}",
            instance.task_id, instance.try_number
        ),
        text,
        scroll: 0,
        typing: None,
        needle: String::new(),
        hits: Vec::new(),
        current: None,
    };
    view.scroll = view.last_scroll(model);
    model.mode = Mode::Log(Box::new(view));
    true
}

/// A key while a log is open.
pub(super) fn on_key(model: &mut Model, mut view: LogView, key: Key) {
    if let Some(mut typed) = view.typing.take() {
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                view.needle = typed;
                view.current = None;
                search(model, &mut view);
                next_hit(model, &mut view, true, true);
            }
            KeyCode::Backspace => {
                typed.pop();
                view.typing = Some(typed);
            }
            KeyCode::Char(c) if !key.ctrl && !key.alt => {
                typed.push(c);
                view.typing = Some(typed);
            }
            _ => view.typing = Some(typed),
        }
        model.mode = Mode::Log(Box::new(view));
        return;
    }
    let page = text_area(model.size).1;
    let last = view.last_scroll(model);
    match key.code {
        KeyCode::Char('/') => view.typing = Some(String::new()),
        KeyCode::Char('n') => next_hit(model, &mut view, true, false),
        KeyCode::Char('N') => next_hit(model, &mut view, false, false),
        KeyCode::Char('q') | KeyCode::Esc => {
            model.mode = Mode::Normal;
            return;
        }
        _ => match model.keymap.action(key) {
            Some(Action::Down) => view.scroll = (view.scroll + 1).min(last),
            Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
            Some(Action::PageDown) => view.scroll = (view.scroll + page).min(last),
            Some(Action::PageUp) => view.scroll = view.scroll.saturating_sub(page),
            Some(Action::Top) => view.scroll = 0,
            Some(Action::Bottom) => view.scroll = last,
            Some(Action::Back) => {
                model.mode = Mode::Normal;
                return;
            }
            _ => {}
        },
    }
    model.mode = Mode::Log(Box::new(view));
}

/// The screen lines that hold the needle (case-insensitive).
fn search(model: &Model, view: &mut LogView) {
    let needle = view.needle.to_lowercase();
    view.hits = if needle.is_empty() {
        Vec::new()
    } else {
        view.laid(model)
            .iter()
            .enumerate()
            .filter(|(_, line)| line.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    };
}

/// Goes to the next (or previous) match, from the current one, or (`from_here`, a new
/// search) from the first match on or after the top line; wraps around the log's ends.
/// The footer says when there is none.
fn next_hit(model: &mut Model, view: &mut LogView, forward: bool, from_here: bool) {
    if view.needle.is_empty() {
        return;
    }
    if view.hits.is_empty() {
        view.current = None;
        model.notice = Some(super::model::Notice {
            text: format!("`{}` is not in this log", view.needle),
            is_error: true,
        });
        return;
    }
    let count = view.hits.len();
    let next = match (view.current, from_here) {
        (Some(i), false) if forward => (i + 1) % count,
        (Some(i), false) => (i + count - 1) % count,
        _ => view
            .hits
            .iter()
            .position(|&h| h >= view.scroll)
            .unwrap_or(0),
    };
    view.current = Some(next);
    // The match on the top line, or on the last page (which ends the log).
    view.scroll = view.hits[next].min(view.last_scroll(model));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_at_the_edge_and_kept_whole() {
        let text = "Traceback (most recent call last):\n  File \"x.py\", line 3\n\u{1b}[31mError\u{1b}[0m: 订单数据订单数据";
        let lines = screen_lines(text, 12);
        assert_eq!(lines[0], "Traceback (m");
        assert_eq!(lines[1], "ost recent c");
        assert!(lines.iter().all(|l| width(l) <= 12), "{lines:?}");
        // Indentation stays; escape sequences never reach the screen.
        assert!(lines.iter().any(|l| l.starts_with("  File")));
        assert!(lines.iter().all(|l| !l.contains('\u{1b}')));
        let joined: String = lines.concat();
        assert!(joined.contains("Error: 订单数据订单数据"), "{joined}");
    }
}
