//! `crossroot sysroot`.

use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::cli::SysrootCommand;

pub fn run(global: &GlobalArgs, cmd: SysrootCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    let _ = (global, printer);
    anyhow::bail!("`crossroot sysroot` is not implemented yet")
}
