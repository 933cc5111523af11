//! `opsdeck audit`'s outputs: a table within 100 columns, or JSON.

use std::io::{self, Write};

use super::trail::audited_actions;
use super::{AuditRecord, Interface};
use crate::text::{fit, inert_line, micros, pad, width};

/// Column widths of the table: time, interface, environment, what, target, outcome,
/// duration; two spaces between, 98 columns in all.
const WIDTHS: [usize; 7] = [19, 3, 8, 22, 18, 10, 6];
const TABLE_WIDTH: usize = 98;

/// Writes the actions of `records` as a table for `opsdeck audit`, within 100 columns:
/// a row per action (time in UTC, interface, environment, what, target, outcome,
/// duration), then indented lines with the message (or error, or reason), the service's
/// request id, the whole target when the row cut it, and the caller.
/// Every string from the log is made inert (no control characters reach the terminal).
pub fn render_table(records: &[AuditRecord], out: &mut dyn Write) -> io::Result<()> {
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
    write_row(out, header.map(str::to_string))?;
    for action in &actions {
        let target = inert_line(&action.target);
        write_row(
            out,
            [
                action.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                action.interface.map_or("", Interface::as_str).to_string(),
                inert_line(&action.environment),
                inert_line(&action.what),
                target.clone(),
                action.ending.as_str().to_string(),
                action
                    .duration_ms
                    .map_or(String::new(), |ms| micros(ms.saturating_mul(1000))),
            ],
        )?;
        if !action.message.is_empty() {
            writeln!(
                out,
                "  {}",
                fit(&inert_line(&action.message), TABLE_WIDTH - 2)
            )?;
        }
        if let (Some(settled), Some(message)) = (action.settled, &action.settled_message) {
            writeln!(
                out,
                "  then {}: {}",
                settled.as_str(),
                fit(&inert_line(message), TABLE_WIDTH - 16)
            )?;
        }
        let mut detail = Vec::new();
        if let Some(request_id) = &action.request_id {
            detail.push(format!("request {}", inert_line(request_id)));
        }
        if width(&target) > WIDTHS[4] {
            detail.push(format!("target {target}"));
        }
        if !action.caller.is_empty() {
            detail.push(format!("by {}", inert_line(&action.caller)));
        }
        write_detail(out, &detail)?;
    }
    Ok(())
}

/// Writes the parts of a detail, ` · ` between them, on as few indented lines as fit.
fn write_detail(out: &mut dyn Write, parts: &[String]) -> io::Result<()> {
    let mut line = String::new();
    for part in parts {
        let part = fit(part, TABLE_WIDTH - 2);
        if !line.is_empty() && width(&line) + 3 + width(&part) > TABLE_WIDTH - 2 {
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

fn write_row(out: &mut dyn Write, cells: [String; 7]) -> io::Result<()> {
    let line = cells
        .iter()
        .zip(WIDTHS)
        .map(|(cell, columns)| pad(cell, columns))
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
        let time = "2026-11-23T09:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut records = Vec::new();
        for task_id in ["orders-cdc", "订单-全量-夜间-加载任务", "🚀-launch-🚀-load"]
        {
            let action = Action::StartTask {
                task_id: task_id.into(),
                arn: "arn:aws:dms:eu-west-1:123456789012:task:ABC".into(),
                serverless: false,
                mode: StartMode::ResumeProcessing,
            };
            let id = AuditId::next();
            records.push(AuditRecord {
                time,
                id: id.clone(),
                entry: AuditEntry::Request(ActionRecord::of(&action, &context)),
            });
            records.push(AuditRecord {
                time,
                id,
                entry: AuditEntry::Outcome {
                    ok: true,
                    request_id: Some("req-1".into()),
                    message: format!("{task_id} 正在启动 ({})", "数据".repeat(60)),
                    duration_ms: 1200,
                },
            });
        }
        let mut out = Vec::new();
        render_table(&records, &mut out).unwrap();
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
}
