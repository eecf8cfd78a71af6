//! `crossroot build|check|test|run|bench|doc|clippy`: cargo with the target's environment.

use std::process::{Command, ExitCode};

use crossroot_config::CargoArgs;
use crossroot_provision::Needs;

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::report::Hint;

pub fn run(
    global: &GlobalArgs,
    subcommand: &str,
    args: crate::cli::CargoArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let cargo_args = CargoArgs::parse(&args.args);
    let target = match cargo_args.targets.as_slice() {
        [] => {
            return Err(
                anyhow::anyhow!("`crossroot {subcommand}` needs a target").context(Hint(format!(
                    "add `--target <TARGET>`, e.g. `crossroot {subcommand} --target aarch64-linux`"
                ))),
            );
        }
        [one] => super::parse_target(one)?,
        several => {
            return Err(anyhow::anyhow!(
                "`crossroot {subcommand}` takes one target, got {}",
                several.join(", ")
            )
            .context(Hint(format!(
                "run `crossroot {subcommand}` once per target"
            ))));
        }
    };
    let settings = super::settings(global, Some(&cargo_args), printer)?;
    let manifest_path = global.manifest_path.clone();
    let mut provisioner = super::provisioner(settings, printer);
    let needs = Needs {
        runner: matches!(subcommand, "test" | "run" | "bench"),
    };
    let req = provisioner.request(target, needs)?;
    let tenv = provisioner.provision(&req)?;
    super::explain(&tenv, printer);

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg(subcommand);
    // crossroot's own flags written before cargo's arguments are cargo's too.
    if let Some(manifest) = manifest_path
        .as_ref()
        .filter(|_| cargo_args.manifest_path.is_none())
    {
        cmd.arg("--manifest-path").arg(manifest);
    }
    if (global.offline || global.frozen) && !cargo_args.offline {
        cmd.arg("--offline");
    }
    if (global.locked || global.frozen) && !cargo_args.locked {
        cmd.arg("--locked");
    }
    cmd.args(cargo_args.with_triple(target.triple()));
    tenv.apply(&mut cmd);
    let floor = super::floor::FloorCheck::start(
        subcommand,
        &tenv,
        &cargo_args,
        manifest_path.as_deref(),
        printer,
    );
    let status = cmd.status().map_err(|e| {
        anyhow::anyhow!(e).context(format!("failed to run `{}`", cargo.to_string_lossy()))
    })?;
    if let Some(floor) = floor.filter(|_| status.success()) {
        floor.finish(printer)?;
    }
    Ok(super::exit_code(status))
}
