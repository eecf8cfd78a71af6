//! `crossroot doctor`: check that everything crossroot needs is present or can be provisioned.
//!
//! The checks and their wording are `crossroot_provision::doctor`'s; this prints the report and
//! exits non-zero when a check fails. Output is plain text, readable without colour.

use std::process::ExitCode;

use crossroot_provision::doctor::{self, Status};

use crate::cli::GlobalArgs;
use crate::printer::{self, Printer};

pub fn run(
    global: &GlobalArgs,
    target: Option<&str>,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let target = target.map(super::parse_target).transpose()?;
    let settings = super::settings(global, None, printer)?;
    let checks = doctor::run_checks(&settings, target.as_ref());
    printer::out(doctor::report(target.as_ref(), &checks));
    Ok(if checks.iter().any(|c| c.status == Status::Fail) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
