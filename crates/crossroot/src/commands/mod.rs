//! One module per command; each glues library crates together and prints.

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::printer::Printer;

mod cache;
mod cargo;
mod doctor;
mod env;
mod exec;
mod floor;
mod host;
mod inspect;
pub(crate) mod sysroot;
mod targets;

pub fn run(cli: Cli, printer: &Printer) -> anyhow::Result<ExitCode> {
    let global = &cli.global;
    match cli.command {
        Command::Targets { json } => targets::run(global, json, printer),
        Command::Doctor { target } => doctor::run(global, target.as_deref(), printer),
        Command::Sysroot(cmd) => sysroot::run(global, cmd, printer),
        Command::Cache(cmd) => cache::run(global, cmd, printer),
        Command::Build(a) => cargo::run(global, "build", a, printer),
        Command::Check(a) => cargo::run(global, "check", a, printer),
        Command::Test(a) => cargo::run(global, "test", a, printer),
        Command::Run(a) => cargo::run(global, "run", a, printer),
        Command::Bench(a) => cargo::run(global, "bench", a, printer),
        Command::Doc(a) => cargo::run(global, "doc", a, printer),
        Command::Clippy(a) => cargo::run(global, "clippy", a, printer),
        Command::Exec { target, program } => exec::run(global, &target, program, printer),
        Command::Env { target, format } => env::run(global, &target, format, printer),
        Command::Inspect(args) => inspect::run(global, args, printer),
    }
}

/// Parse a target the user typed; the error carries its own hint.
pub fn parse_target(input: &str) -> anyhow::Result<crossroot_target::Target> {
    Ok(crossroot_target::parse(input)?)
}

/// Load the configuration for this invocation (flags, `CROSSROOT_*`, Cargo.toml metadata) and
/// print its warnings.
pub fn load_config(
    global: &crate::cli::GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<crossroot_config::Config> {
    load_config_for_cargo(global, &[], printer)
}

/// [`load_config`] for the cargo commands: `--manifest-path`, `--offline`, `--locked` and
/// `--frozen` written among cargo's arguments (`crossroot test --target T --manifest-path P`)
/// count too.
pub fn load_config_for_cargo(
    global: &crate::cli::GlobalArgs,
    cargo_args: &[std::ffi::OsString],
    printer: &Printer,
) -> anyhow::Result<crossroot_config::Config> {
    let env = crossroot_config::Env::from_process();
    let cwd = std::env::current_dir()?;
    let flags = crossroot_config::Flags {
        mirror: global.mirror.clone(),
        release: global.release.clone(),
        manifest_path: global.manifest_path.clone(),
        offline: global.offline,
        locked: global.locked,
    }
    .merge_cargo_args(cargo_args);
    let apt_root = env
        .get(crossroot_config::vars::APT_ROOT)
        .map_or_else(|| std::path::PathBuf::from("/"), std::path::PathBuf::from);
    let config = crossroot_config::Config::load(&cwd, &env, &flags, &apt_root)?;
    for warning in &config.warnings {
        printer.warn(warning);
    }
    Ok(config)
}
