//! The `opsdeck` binary: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    opsdeck::cli::main_with(opsdeck::cli::Cli::parse())
}
