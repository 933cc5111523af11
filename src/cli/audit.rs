//! `opsdeck audit`: the audit log of actions, as a table or JSON.

use std::io::Write as _;
use std::process::ExitCode;

use super::Context;

/// `opsdeck audit`: the log as a table or JSON.
pub fn show(context: &Context, since: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let path = context.audit_path.as_path();
    let since = since
        .map(crate::actions::audit::parse_since)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    let trail = crate::actions::audit::read(path, since)?;
    for problem in &trail.unreadable {
        let _ = writeln!(
            crate::text::InertWriter::new(std::io::stderr()),
            "opsdeck audit: {}: {problem}",
            path.display()
        );
    }
    let mut stdout = crate::cli::output::stdout_output();
    if json {
        crate::actions::audit::render_json(&trail.records, &mut stdout)?;
    } else {
        // On a terminal the table fits its width; a pipe gets the full table.
        let columns =
            crate::cli::output::terminal_columns().unwrap_or(crate::actions::audit::TABLE_WIDTH);
        crate::actions::audit::render_table(&trail.records, &mut stdout, columns)?;
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
