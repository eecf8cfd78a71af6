//! `crossroot exec`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;


pub fn run(global: &GlobalArgs, target: &str, program: Vec<std::ffi::OsString>, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot exec` is not implemented yet")
}
