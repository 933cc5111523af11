//! The command line: the arguments, one [`Context`] built from them, and one module per
//! subcommand, chosen by one `match`. Without a subcommand, the console starts.

mod args;
mod audit;
pub mod console;
mod context;
pub mod cost;
mod info;
mod logging;
pub mod output;
pub mod recover;
pub mod retry;
pub mod status;

use std::io::Write as _;
use std::process::ExitCode;

pub use args::{Cli, Command, Grouping, MAX_DEMO_ROWS, RetryCommand};
pub use context::{Context, Platform};

/// Runs opsdeck as the command line asks; errors are printed before the terminal is
/// touched, with a non-zero exit.
pub fn main_with(cli: Cli) -> ExitCode {
    match start(cli) {
        Ok(code) => code,
        // A closed standard output is the reader's choice, not an error to report.
        Err(error) if broken_pipe(&error) => ExitCode::from(EXIT_CLOSED_PIPE),
        Err(error) => {
            // An error may quote a remote string (an identifier, a service's message).
            let mut err = crate::text::InertWriter::new(std::io::stderr());
            let _ = writeln!(err, "opsdeck: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The exit code of a writer that stopped at a closed pipe, as a shell reports one ended
/// by SIGPIPE (128 + 13).
const EXIT_CLOSED_PIPE: u8 = 141;

/// Whether an error is, at its root, a write to a pipe whose reader has gone.
fn broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn start(mut cli: Cli) -> anyhow::Result<ExitCode> {
    // `status` ends by its deadline, counted from here, whatever its sources do.
    let started = std::time::Instant::now();
    let command = cli.command.take();
    let context = Context::new(cli)?;
    match command {
        None => console::start(context),
        Some(Command::Info) => info::show(&context),
        Some(Command::Audit { since, json }) => audit::show(&context, since.as_deref(), json),
        Some(Command::Status { json, timeout }) => status::start(context, started, json, timeout),
        Some(Command::Retry { target, yes, wait }) => retry::start(context, target, yes, wait),
        Some(Command::Recover {
            pipeline,
            include_stale,
            yes,
            wait,
        }) => recover::start(context, pipeline, include_stale, yes, wait),
        Some(Command::Cost {
            period,
            group_by,
            metric,
            monthly,
            filter,
            format,
        }) => {
            let request = cost::CostRequest {
                period,
                granularity: if monthly {
                    crate::domain::cost::Granularity::Monthly
                } else {
                    crate::domain::cost::Granularity::Daily
                },
                metric,
                group_by: group_by.group_by,
                filters: filter,
                by_stage: group_by.by_stage,
            };
            cost::start(context, request, &format)
        }
    }
}
