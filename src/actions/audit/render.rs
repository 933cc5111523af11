//! `opsdeck audit`'s outputs: a table within 100 columns (or a terminal's width), or JSON.

use std::io::{self, Write};

use super::trail::audited_actions;
use super::{AuditRecord, Interface};
use crate::text::{fit, inert_line, micros, pad, width};

/// Column widths of the full table: time, interface, environment, what, target, outcome,
/// duration; two spaces between, 98 columns in all.
const WIDTHS: [usize; 7] = [19, 3, 8, 22, 18, 10, 6];
/// The full table's width: what a pipe gets.
pub const TABLE_WIDTH: usize = 98;

/// Columns of the table that shrink (environment, what, target) keep at least this many.
const NAME_AT_LEAST: usize = 6;

/// The columns' widths within `columns` (0 for a column left out). The time, outcome and
/// duration keep their widest value whole; environment, what and target shrink, the
/// widest first; when they cannot keep [`NAME_AT_LEAST`], the interface goes, then the
/// environment.
fn layout(columns: usize, rows: &[[String; 7]]) -> [usize; 7] {
    let mut widths = WIDTHS;
    if columns >= TABLE_WIDTH {
        return widths;
    }
    for i in [0, 5, 6] {
        widths[i] = rows
            .iter()
            .map(|r| width(&r[i]))
            .max()
            .unwrap_or(0)
            .max(widths[i]);
    }
    let shown = |widths: &[usize; 7]| widths.iter().filter(|&&w| w > 0).count();
    let fixed = |widths: &[usize; 7]| -> usize {
        [0, 1, 5, 6].iter().map(|&i| widths[i]).sum::<usize>() + 2 * (shown(widths) - 1)
    };
    let flexible = [2, 3, 4];
    for drop in [1, 2] {
        let at_least = flexible.iter().filter(|&&i| widths[i] > 0).count() * NAME_AT_LEAST;
        if fixed(&widths) + at_least <= columns {
            break;
        }
        widths[drop] = 0;
    }
    let room = columns.saturating_sub(fixed(&widths));
    while flexible.iter().map(|&i| widths[i]).sum::<usize>() > room {
        let widest = flexible
            .into_iter()
            .max_by_key(|&i| (widths[i], i))
            .expect("three columns");
        if widths[widest] <= NAME_AT_LEAST {
            break;
        }
        widths[widest] -= 1;
    }
    widths
}

/// Writes the actions of `records` as a table for `opsdeck audit`, within `columns`
/// display columns ([`TABLE_WIDTH`] for its full width; see [`layout`] for what narrows):
/// a row per action (time in UTC, interface, environment, what, target, outcome,
/// duration), then indented lines with the message (or error, or reason), the service's
/// request id, the whole target when the row cut it, and the caller.
/// Every string from the log is made inert (no control characters reach the terminal).
pub fn render_table(
    records: &[AuditRecord],
    out: &mut dyn Write,
    columns: usize,
) -> io::Result<()> {
    let actions = audited_actions(records);
    if actions.is_empty() {
        return writeln!(out, "no actions recorded");
    }
    let header = [
        "TIME (UTC)",
        "UI",
        "ENV",
        "WHAT",
        "TARGET",
        "OUTCOME",
        "TOOK",
    ];
    let rows: Vec<[String; 7]> = actions
        .iter()
        .map(|action| {
            [
                action.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                action.interface.map_or("", Interface::as_str).to_string(),
                inert_line(&action.environment),
                inert_line(&action.what),
                inert_line(&action.target),
                action.ending.as_str().to_string(),
                action
                    .duration_ms
                    .map_or(String::new(), |ms| micros(ms.saturating_mul(1000))),
            ]
        })
        .collect();
    let widths = layout(columns, &rows);
    let line_width = columns.min(TABLE_WIDTH);
    write_row(out, &header.map(str::to_string), &widths)?;
    for (action, row) in actions.iter().zip(&rows) {
        write_row(out, row, &widths)?;
        let target = &row[4];
        if !action.message.is_empty() {
            writeln!(
                out,
                "  {}",
                fit(&inert_line(&action.message), line_width.saturating_sub(2))
            )?;
        }
        if let (Some(settled), Some(message)) = (action.settled, &action.settled_message) {
            let lead = format!("  then {}: ", settled.as_str());
            writeln!(
                out,
                "{lead}{}",
                fit(
                    &inert_line(message),
                    line_width.saturating_sub(width(&lead))
                )
            )?;
        }
        let mut detail = Vec::new();
        if let Some(request_id) = &action.request_id {
            detail.push(format!("request {}", inert_line(request_id)));
        }
        if width(target) > widths[4] {
            detail.push(format!("target {target}"));
        }
        if !action.caller.is_empty() {
            detail.push(format!("by {}", inert_line(&action.caller)));
        }
        write_detail(out, &detail, line_width)?;
    }
    Ok(())
}

/// Writes the parts of a detail, ` · ` between them, on as few indented lines as fit.
fn write_detail(out: &mut dyn Write, parts: &[String], columns: usize) -> io::Result<()> {
    let room = columns.saturating_sub(2);
    let mut line = String::new();
    for part in parts {
        let part = fit(part, room);
        if !line.is_empty() && width(&line) + 3 + width(&part) > room {
            writeln!(out, "  {line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push_str(" · ");
        }
        line.push_str(&part);
    }
    if !line.is_empty() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

fn write_row(out: &mut dyn Write, cells: &[String; 7], widths: &[usize; 7]) -> io::Result<()> {
    let line = cells
        .iter()
        .zip(widths)
        .filter(|(_, columns)| **columns > 0)
        .map(|(cell, columns)| pad(cell, *columns))
        .collect::<Vec<_>>()
        .join("  ");
    writeln!(out, "{}", line.trim_end())
}

/// Writes the actions of `records` for `opsdeck audit --json`: one JSON array (pretty
/// printed) of objects with the fields of [`AuditedAction`] — `time`, `id`, `interface`,
/// `environment`, `caller`, `what`, `target`, `parameters`, `ending` (`succeeded`,
/// `failed`, `refused`, `no_outcome`), `request_id`, `message`, `duration_ms`.
pub fn render_json(records: &[AuditRecord], out: &mut dyn Write) -> io::Result<()> {
    crate::text::write_json_pretty(&mut *out, &audited_actions(records))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::{ActionRecord, AuditContext, AuditEntry, AuditId, Interface};
    use super::*;
    use crate::domain::Action;
    use crate::domain::action::StartMode;
    use chrono::{DateTime, Utc};
    /// The table's columns line up by display width, whatever the names hold: a CJK or
    /// emoji task id, environment or message takes two columns a character.
    #[test]
    fn the_table_lines_up_wide_characters_by_display_width() {
        let context = AuditContext {
            environment: "生产环境".into(),
            caller: "arn:aws:sts::123456789012:assumed-role/运维/小明".into(),
            interface: Interface::Tui,
        };
        let records = started(
            &context,
            &["orders-cdc", "订单-全量-夜间-加载任务", "🚀-launch-🚀-load"],
            |task_id| format!("{task_id} 正在启动 ({})", "数据".repeat(60)),
            1200,
        );
        let mut out = Vec::new();
        render_table(&records, &mut out, TABLE_WIDTH).unwrap();
        let table = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("2026")).collect();
        assert_eq!(rows.len(), 3, "{table}");
        // OUTCOME starts at the same column on every row, counted in display columns.
        let outcome_at = |line: &str| {
            let at = line.find("  ok  ").expect("an outcome") + 2;
            crate::text::width(&line[..at])
        };
        let header = table.lines().next().unwrap();
        let header_at = crate::text::width(&header[..header.find("OUTCOME").unwrap()]);
        for row in &rows {
            assert_eq!(outcome_at(row), header_at, "{table}");
        }
        for line in table.lines() {
            assert!(crate::text::width(line) <= TABLE_WIDTH, "too wide: {line}");
        }
        assert!(table.contains("target 订单-全量-夜间-加载任务"), "{table}");
    }

    /// On a narrow terminal the table fits its width: no line wider, the time, outcome
    /// and duration whole, names cut with `…`.
    #[test]
    fn the_table_fits_a_narrow_terminal_without_cutting_a_time_or_duration() {
        let context = AuditContext {
            environment: "production-eu".into(),
            caller: "arn:aws:sts::123456789012:assumed-role/oncall/alex".into(),
            interface: Interface::Cli,
        };
        let records = started(
            &context,
            &[
                "orders-cdc-full-load-and-replication",
                "订单-全量-夜间-加载任务",
            ],
            |task_id| format!("{task_id} starting {}", "x".repeat(120)),
            1234,
        );
        let mut full = Vec::new();
        render_table(&records, &mut full, TABLE_WIDTH).unwrap();
        let full = String::from_utf8(full).unwrap();
        let took = full
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap();
        for columns in [80, 60] {
            let mut out = Vec::new();
            render_table(&records, &mut out, columns).unwrap();
            let table = String::from_utf8(out).unwrap();
            for line in table.lines() {
                assert!(
                    width(line) <= columns,
                    "wider than {columns}: {line}\n{table}"
                );
            }
            let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("2026")).collect();
            assert_eq!(rows.len(), 2, "{table}");
            for row in rows {
                assert!(row.starts_with("2026-11-23 09:30:00"), "{table}");
                assert!(row.contains("  ok  "), "{table}");
                assert!(row.ends_with(took), "duration {took} whole: {row}");
                assert!(row.contains('…'), "the target is cut with …: {row}");
            }
            assert!(
                table.contains("target orders-cdc-full-load-and-replication"),
                "{table}"
            );
        }
    }

    /// A start of each task and its success, recorded under `context`: the message of
    /// each from `message`, every call taking `duration_ms`.
    fn started(
        context: &AuditContext,
        task_ids: &[&str],
        message: impl Fn(&str) -> String,
        duration_ms: u64,
    ) -> Vec<AuditRecord> {
        let time = "2026-11-23T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut records = Vec::new();
        for task_id in task_ids {
            let action = Action::StartTask {
                task_id: (*task_id).into(),
                arn: "arn:aws:dms:eu-west-1:123456789012:task:ABC".into(),
                serverless: false,
                mode: StartMode::ResumeProcessing,
            };
            let id = AuditId::next();
            records.push(AuditRecord {
                time,
                id: id.clone(),
                entry: AuditEntry::Request(ActionRecord::of(&action, context)),
            });
            records.push(AuditRecord {
                time,
                id,
                entry: AuditEntry::Outcome {
                    ok: true,
                    request_id: Some("req-1".into()),
                    message: message(task_id),
                    duration_ms,
                },
            });
        }
        records
    }
}
