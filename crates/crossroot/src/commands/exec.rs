//! `crossroot exec --target T -- PROGRAM [ARGS]`: run a target program with T's sysroot.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crossroot_provision::Needs;

pub fn run(
    global: &GlobalArgs,
    target: &str,
    program: Vec<OsString>,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let tenv = super::provision_one(global, target, Needs { runner: true }, printer)?;
    let Some((prog, args)) = program.split_first() else {
        anyhow::bail!("`crossroot exec` needs a program to run");
    };
    let mut cmd = match &tenv.runner {
        Some(runner) => runner.command(prog, args),
        None => {
            let mut c = Command::new(prog);
            c.args(args);
            c
        }
    };
    let status = cmd.status().map_err(|e| {
        anyhow::anyhow!(e).context(format!("failed to run `{}`", prog.to_string_lossy()))
    })?;
    Ok(super::exit_code(status))
}
