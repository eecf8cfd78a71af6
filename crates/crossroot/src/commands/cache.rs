//! `crossroot cache`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::cli::CacheCommand;

pub fn run(global: &GlobalArgs, cmd: CacheCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot cache` is not implemented yet")
}
