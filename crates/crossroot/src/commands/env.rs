//! `crossroot env`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::cli::EnvFormat;

pub fn run(global: &GlobalArgs, target: &str, format: EnvFormat, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot env` is not implemented yet")
}
