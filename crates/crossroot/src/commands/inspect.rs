//! `crossroot inspect`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::cli::InspectArgs;

pub fn run(global: &GlobalArgs, args: InspectArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot inspect` is not implemented yet")
}
