//! `crossroot doctor`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;


pub fn run(global: &GlobalArgs, target: Option<&str>, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot doctor` is not implemented yet")
}
