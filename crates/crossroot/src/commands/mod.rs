//! One module per command; each turns its flags into one resolved request, calls the
//! libraries and prints.

use std::process::ExitCode;
use std::sync::Arc;

use crossroot_config::CargoArgs;
use crossroot_provision::{HostEnv, Provisioner, Settings, Verify};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::printer::Printer;

mod cache;
mod cargo;
mod ci;
mod doctor;
mod env;
mod exec;
mod floor;
mod inspect;
mod sysroot;
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
        Command::Nextest(a) => cargo::nextest(global, a, printer),
        Command::Cargo(a) => cargo::any(global, a, printer),
        Command::Exec { target, program } => exec::run(global, &target, program, printer),
        Command::Env { target, format } => env::run(global, &target, format, printer),
        Command::Inspect(args) => inspect::run(global, args, printer),
        Command::Ci(cmd) => ci::run(global, cmd, printer),
    }
}

/// Parse a target the user typed; the error carries its own hint.
pub fn parse_target(input: &str) -> anyhow::Result<crossroot_target::Target> {
    Ok(crossroot_target::parse(input)?)
}

/// The settings of this invocation, decided once: crossroot's flags, cargo's flags that
/// concern crossroot (`--offline`, `--locked`, `--frozen`, `--manifest-path` wherever they
/// appear among cargo's arguments), `CROSSROOT_*` and `CARGO_NET_OFFLINE`, and the project's
/// `Cargo.toml` metadata. Prints the configuration's warnings.
pub fn settings(
    global: &GlobalArgs,
    cargo: Option<&CargoArgs>,
    printer: &Printer,
) -> anyhow::Result<Settings> {
    let env = crossroot_config::Env::from_process();
    let cwd = std::env::current_dir()?;
    let mut flags = crossroot_config::Flags {
        mirror: global.mirror.clone(),
        security_mirror: global.security_mirror.clone(),
        no_updates: global.no_updates,
        release: global.release.clone(),
        manifest_path: global.manifest_path.clone(),
        // cargo's own switch for offline work counts for crossroot too.
        offline: global.offline || global.frozen || env.is_true("CARGO_NET_OFFLINE"),
        locked: global.locked || global.frozen,
        static_deps: global.static_deps,
    };
    if let Some(cargo) = cargo {
        flags = flags.merge_cargo(cargo);
    }
    let apt_root = env
        .get(crossroot_config::vars::APT_ROOT)
        .map_or_else(|| std::path::PathBuf::from("/"), std::path::PathBuf::from);
    let config = crossroot_config::Config::load(&cwd, &env, &flags, &apt_root)?;
    for warning in &config.warnings {
        printer.warn(warning);
    }
    Ok(Settings {
        cwd,
        config,
        verify: if global.insecure_skip_verify {
            Verify::InsecureSkip
        } else {
            Verify::Checked
        },
        keyring: env.get("CROSSROOT_KEYRING").map(std::path::PathBuf::from),
        env: HostEnv::from_process(),
    })
}

/// A provisioner for this invocation, reporting through the terminal.
pub fn provisioner(settings: Settings, printer: &Printer) -> Provisioner {
    Provisioner::new(
        settings,
        Arc::new(crate::progress::TermReporter::new(printer)),
    )
}

/// A child's exit status as ours (signals as 128 + signal, like a shell).
pub fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// With `-v`: the sysroot, compiler and linker, each value crossroot sets, and each it leaves
/// to the user.
pub fn explain(tenv: &crossroot_provision::TargetEnv, printer: &Printer) {
    use crossroot_toolchain::env::Decision;
    if printer.verbose == 0 {
        return;
    }
    printer.verbose(format!(
        "sysroot `{}` (Debian {}), C compiler `{}` ({:?}, clang {}), linker {}",
        tenv.sysroot.display(),
        tenv.release,
        tenv.toolchain.clang.display(),
        tenv.toolchain.source,
        tenv.toolchain.version,
        tenv.toolchain
            .ld_lld
            .as_ref()
            .map(|p| format!("`{}`", p.display()))
            .unwrap_or_else(|| "ld.lld".into()),
    ));
    if let Some(stubs) = &tenv.glibc_stubs {
        printer.verbose(format!(
            "glibc floor {} below the sysroot's: every link goes through the stubs in `{}`",
            stubs.floor,
            stubs.dir.display()
        ));
    }
    for d in &tenv.decisions {
        match d {
            Decision::Set(v) => printer.verbose(format!("set {}={}", v.key, v.value)),
            Decision::UserSet { var, user_value } => printer.verbose(format!(
                "keeping your {}={} (crossroot would set `{}`)",
                var.key,
                user_value.to_string_lossy(),
                var.value
            )),
        }
    }
}

/// Everything `exec` and `env` need for `--target T`: parse T, resolve, provision, explain.
pub fn provision_one(
    global: &GlobalArgs,
    target: &str,
    needs: crossroot_provision::Needs,
    printer: &Printer,
) -> anyhow::Result<crossroot_provision::TargetEnv> {
    let target = parse_target(target)?;
    let mut p = provisioner(settings(global, None, printer)?, printer);
    let req = p.request(target, needs)?;
    let tenv = p.provision(&req)?;
    explain(&tenv, printer);
    Ok(tenv)
}
