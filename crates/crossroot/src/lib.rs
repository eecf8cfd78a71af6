//! The `crossroot` binary: command line, output and error rendering. Thin by design.
//!
//! Owns: argument parsing (clap), the `cargo crossroot` calling convention, the printer and
//! progress bars, and turning errors into one `error:` / `Caused by:` / `hint:` report.
//! Must not: hold logic that belongs to a library crate (targets, archive, toolchain, runner,
//! inspect). Commands here glue those crates together and print.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod printer;
mod progress;
mod report;

/// Entry point shared by the `crossroot` and `cargo-crossroot` executables.
pub fn main() -> ExitCode {
    let args = cli::normalized_args(std::env::args_os());
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout and usage errors to stderr itself.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let printer = printer::Printer::new(&cli.global);
    match commands::run(cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            report::render(&err, &printer);
            ExitCode::FAILURE
        }
    }
}
