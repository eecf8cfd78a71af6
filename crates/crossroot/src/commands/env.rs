//! `crossroot env --target T [--format …]`: what any build system needs to cross-compile for T.

use std::process::ExitCode;

use crossroot_toolchain::env::{Decision, shell_word};

use crate::cli::{EnvFormat, GlobalArgs};
use crate::printer::{Printer, out};
use crossroot_provision::Needs;

pub fn run(
    global: &GlobalArgs,
    target: &str,
    format: EnvFormat,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let tenv = super::provision_one(global, target, Needs { runner: true }, printer)?;
    let set: Vec<_> = tenv
        .decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Set(v) => Some(v),
            Decision::UserSet { .. } => None,
        })
        .collect();
    match format {
        EnvFormat::Sh => {
            for v in &set {
                out(format!("export {}={}", v.key, shell_word(&v.value)));
            }
        }
        EnvFormat::Fish => {
            for v in &set {
                out(format!("set -gx {} {}", v.key, shell_word(&v.value)));
            }
        }
        EnvFormat::Github => {
            // Lines for `$GITHUB_ENV`.
            for v in &set {
                out(format!("{}={}", v.key, v.value));
            }
        }
        EnvFormat::Json => {
            let env: serde_json::Map<String, serde_json::Value> = set
                .iter()
                .map(|v| (v.key.clone(), serde_json::Value::String(v.value.clone())))
                .collect();
            let doc = serde_json::json!({
                "target": tenv.target.to_string(),
                "triple": tenv.target.triple(),
                "release": tenv.release.name(),
                "sysroot": tenv.sysroot,
                "cc": tenv.generated.cc,
                "cxx": tenv.generated.cxx,
                "cmake_toolchain_file": tenv.generated.cmake_toolchain,
                "meson_cross_file": tenv.generated.meson_cross,
                "runner": tenv.runner.as_ref().map(|r| r.argv()),
                "env": env,
                "user_set": tenv.decisions.iter().filter_map(|d| match d {
                    Decision::UserSet { var, .. } => Some(var.key.clone()),
                    Decision::Set(_) => None,
                }).collect::<Vec<_>>(),
            });
            out(serde_json::to_string_pretty(&doc)?);
        }
        EnvFormat::Cmake => out(tenv.generated.cmake_toolchain.display()),
        EnvFormat::Meson => out(tenv.generated.meson_cross.display()),
    }
    Ok(ExitCode::SUCCESS)
}
