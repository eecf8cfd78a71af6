//! `crossroot build|check|test|run|bench|doc|clippy`: cargo with the target's environment.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use crate::cli::{CargoArgs, GlobalArgs};
use crate::printer::Printer;
use crate::provision::{self, Needs};

pub fn run(
    global: &GlobalArgs,
    subcommand: &str,
    args: CargoArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let target = find_target(&args.args).ok_or_else(|| {
        anyhow::anyhow!("`crossroot {subcommand}` needs a target").context(crate::report::Hint(
            format!(
                "add `--target <TARGET>`, e.g. `crossroot {subcommand} --target aarch64-linux`"
            ),
        ))
    })?;
    let target = super::parse_target(&target)?;
    let cwd = std::env::current_dir()?;
    let needs = Needs {
        runner: matches!(subcommand, "test" | "run" | "bench"),
    };
    // `--manifest-path` among cargo's arguments also selects the project crossroot configures.
    let mut global = global.clone();
    if global.manifest_path.is_none() {
        global.manifest_path = find_value(&args.args, "--manifest-path").map(Into::into);
    }
    let global = &global;
    let config = super::load_config(global, printer)?;
    let mut sources = provision::sources(global, &config, printer)?;
    let tenv = provision::provision(&config, target, &cwd, sources.as_mut(), needs, printer)?;
    tenv.explain(printer);

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg(subcommand);
    if let Some(manifest) = &global.manifest_path {
        if find_value(&args.args, "--manifest-path").is_none() {
            cmd.arg("--manifest-path").arg(manifest);
        }
    }
    if global.offline {
        cmd.arg("--offline");
    }
    cmd.args(with_triple(&args.args, target.triple()));
    tenv.apply(&mut cmd);
    let floor = super::floor::FloorCheck::start(global, subcommand, &tenv, &args.args, printer);
    let status = cmd.status().map_err(|e| {
        anyhow::anyhow!(e).context(format!("failed to run `{}`", cargo.to_string_lossy()))
    })?;
    if let Some(floor) = floor.filter(|_| status.success()) {
        floor.finish(printer)?;
    }
    Ok(provision::exit_code(status))
}

/// The value of `--target T` / `--target=T` among cargo's arguments (before any `--`).
fn find_target(args: &[OsString]) -> Option<String> {
    find_value(args, "--target")
}

/// The value of `flag V` / `flag=V` among cargo's arguments (before any `--`).
fn find_value(args: &[OsString], flag: &str) -> Option<String> {
    let mut it = args.iter().map(|a| a.to_string_lossy());
    let prefix = format!("{flag}=");
    while let Some(arg) = it.next() {
        if arg == "--" {
            break;
        }
        if arg == flag {
            return it.next().map(|s| s.into_owned());
        }
        if let Some(v) = arg.strip_prefix(&prefix) {
            return Some(v.to_string());
        }
    }
    None
}

/// cargo's arguments with the target spelled as the Rust triple cargo knows (`aarch64-linux` or
/// `aarch64-unknown-linux-gnu.2.31` → `aarch64-unknown-linux-gnu`).
fn with_triple(args: &[OsString], triple: &str) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut it = args.iter();
    let mut done = false;
    while let Some(arg) = it.next() {
        if done || arg == "--" {
            done = true;
            out.push(arg.clone());
            continue;
        }
        if arg == "--target" {
            out.push(arg.clone());
            if it.next().is_some() {
                out.push(triple.into());
            }
            done = true;
        } else if arg.to_string_lossy().starts_with("--target=") {
            out.push(format!("--target={triple}").into());
            done = true;
        } else {
            out.push(arg.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn target_aliases_become_triples_and_everything_else_passes_through() {
        assert_eq!(
            with_triple(
                &os(&[
                    "--release",
                    "--target",
                    "aarch64-linux",
                    "-p",
                    "x",
                    "--",
                    "--target",
                    "y"
                ]),
                "aarch64-unknown-linux-gnu"
            ),
            os(&[
                "--release",
                "--target",
                "aarch64-unknown-linux-gnu",
                "-p",
                "x",
                "--",
                "--target",
                "y"
            ])
        );
        assert_eq!(
            with_triple(&os(&["--target=arm64.2.31"]), "aarch64-unknown-linux-gnu"),
            os(&["--target=aarch64-unknown-linux-gnu"])
        );
        assert_eq!(find_target(&os(&["--", "--target", "x"])), None);
        assert_eq!(
            find_value(
                &os(&["--target", "x", "--manifest-path=a/Cargo.toml"]),
                "--manifest-path"
            )
            .as_deref(),
            Some("a/Cargo.toml")
        );
        assert_eq!(
            find_target(&os(&["-q", "--target=riscv64"])).as_deref(),
            Some("riscv64")
        );
    }
}
