//! `opsdeck info`: the version and the paths opsdeck reads and writes.

use std::io::Write as _;
use std::process::ExitCode;

use super::Context;
use crate::config::Paths;

pub fn show(context: &Context) -> anyhow::Result<ExitCode> {
    let mut stdout = crate::cli::output::stdout_output();
    print_info(
        &mut stdout,
        &context.paths,
        context.config_path.as_deref(),
        &context.theme_name,
        context.no_color,
    )?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_info(
    out: &mut dyn std::io::Write,
    paths: &Paths,
    config: Option<&std::path::Path>,
    theme: &str,
    no_color: bool,
) -> std::io::Result<()> {
    let config_text = match config {
        Some(path) => path.display().to_string(),
        None => format!(
            "{} (not present: defaults in use)",
            paths.config_file.display()
        ),
    };
    writeln!(out, "opsdeck {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "config   {config_text}")?;
    writeln!(
        out,
        "theme    {theme}{} (user themes in {})",
        if no_color {
            ", without colour (NO_COLOR)"
        } else {
            ""
        },
        paths.themes_dir.display()
    )?;
    writeln!(out, "log      {}", paths.log_file.display())?;
    writeln!(out, "state    {}", paths.state_dir.display())?;
    writeln!(out, "cache    {}", paths.cache_dir.display())
}
