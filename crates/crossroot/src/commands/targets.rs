//! `crossroot targets`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;


pub fn run(global: &GlobalArgs, json: bool, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot targets` is not implemented yet")
}
