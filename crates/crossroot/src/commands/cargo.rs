//! `crossroot build|check|test|run|bench|doc|clippy`: cargo with the target's environment.

use std::process::ExitCode;

use crate::cli::{CargoArgs, GlobalArgs};
use crate::printer::Printer;

pub fn run(
    global: &GlobalArgs,
    subcommand: &str,
    args: CargoArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let target = find_target(&args.args).ok_or_else(|| {
        anyhow::anyhow!("`crossroot {subcommand}` needs a target")
            .context(crate::report::Hint(format!(
                "add `--target <TARGET>`, e.g. `crossroot {subcommand} --target aarch64-linux`"
            )))
    })?;
    let target = super::parse_target(&target)?;
    let _ = (global, printer, target);
    anyhow::bail!("`crossroot {subcommand}` is not implemented yet")
}

/// The value of `--target T` / `--target=T` among cargo's arguments (before any `--`).
fn find_target(args: &[std::ffi::OsString]) -> Option<String> {
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = it.next() {
        if arg == "--" {
            break;
        }
        if arg == "--target" {
            return it.next().map(|s| s.into_owned());
        }
        if let Some(v) = arg.strip_prefix("--target=") {
            return Some(v.to_string());
        }
    }
    None
}
