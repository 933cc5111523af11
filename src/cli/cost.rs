//! `opsdeck cost`: the cost review's breakdown on stdout, as a table for people or CSV and
//! JSON for spreadsheets and scripts. The period is compared with the equal period before
//! it; amounts are decimals throughout.

use std::io::Write as _;
use std::process::ExitCode;

use super::Context;
pub use crate::domain::breakdown::{CostReport, CostRequest};
use crate::poll::cost_report;

/// Runs `opsdeck cost`: the breakdown asked, as a table, CSV or JSON.
pub fn start(context: Context, request: CostRequest, format: &str) -> anyhow::Result<ExitCode> {
    let _log = context.start_log();
    let runtime = context.runtime()?;
    let (_, sources) = context.connect(&runtime, None)?;
    let today = sources.clock.now().date_naive();
    let report = runtime
        .block_on(cost_report(
            &sources,
            request,
            today,
            &context.config.cost.stages,
        ))
        .map_err(|e| anyhow::anyhow!("cannot read the spend: {e}"))?;
    let text = match format {
        "csv" => report.csv(),
        "json" => format!("{}\n", crate::text::json_pretty(&report.json())),
        _ => report.table_within(crate::cli::output::terminal_columns()),
    };
    let mut stdout = crate::cli::output::stdout_output();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
