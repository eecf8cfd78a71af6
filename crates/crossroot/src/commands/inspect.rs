//! `crossroot inspect`: report what ELF and PE files are, what they need, and whether they fit a target.
//!
//! Reading, checking and wording are `crossroot_inspect::report`'s job; this module turns the
//! flags into the checks (provisioning the sysroot for `--target`), prints each file's report
//! (or the JSON of docs/inspect-json.md) and sets the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use crossroot_inspect::report::{Checks, Document, inspect_file};
use crossroot_target::{GlibcVersion, Target};

use crate::cli::{GlobalArgs, InspectArgs};
use crate::printer::{Printer, out};
use crate::report::WithHint;

/// Where the sysroot of `target` lives, for `--target` without `--sysroot`: the sysroot the
/// build commands use (same release, packages and `crossroot.lock`), provisioned from the
/// archive when missing (which `--offline` refuses, with its own error).
fn sysroot_for(target: &Target, global: &GlobalArgs, printer: &Printer) -> anyhow::Result<PathBuf> {
    let mut p = super::provisioner(super::settings(global, None, printer)?, printer);
    let req = p.request(*target, crossroot_provision::Needs::default())?;
    let sysroot = p.sysroot(&req).with_context(|| {
        format!(
            "could not provision the sysroot of `{target}` (to use a tree you have, pass \
             `--sysroot <DIR>`)"
        )
    })?;
    Ok(sysroot.root)
}

pub fn run(global: &GlobalArgs, args: InspectArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let expect = args
        .expect_target
        .as_deref()
        .map(super::parse_target)
        .transpose()?;
    let target = args
        .target
        .as_deref()
        .map(super::parse_target)
        .transpose()?;
    let floor = match args.glibc.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<GlibcVersion>()
                .map_err(|()| anyhow::anyhow!("invalid glibc version `{text}`"))
                .with_hint("write it as `2.31`")?,
        ),
    };
    // A floor written on the target (`aarch64-unknown-linux-gnu.2.31`) counts too.
    let floor = floor.or(expect.and_then(|t| t.glibc_floor));
    let sysroot = match (&args.sysroot, &target) {
        (Some(dir), _) => {
            if !dir.is_dir() {
                return Err(anyhow::anyhow!(
                    "sysroot `{}` is not a directory",
                    dir.display()
                ))
                .with_hint(
                    "pass the root of the target's filesystem tree (the one holding lib/ and usr/)",
                );
            }
            Some(dir.clone())
        }
        // A Windows target has no sysroot to look DLLs up in: PE files list what must ship.
        (None, Some(t)) if t.spec.is_windows() => None,
        (None, Some(t)) => Some(sysroot_for(t, global, printer)?),
        (None, None) => None,
    };
    let sysroot_target = target.or(expect).map(|t| t.spec);

    let owners = sysroot.as_deref().map(crossroot_archive::library_owners);
    let checks = Checks {
        sysroot: sysroot.as_deref().map(|s| (s, sysroot_target)),
        expect,
        floor,
        owners: owners.as_ref(),
    };
    let results = args
        .files
        .iter()
        .map(|path| inspect_file(path, &checks))
        .collect::<Result<Vec<_>, _>>()?;
    let doc = Document::new(results);
    let all_ok = doc.ok;

    if args.json {
        out(serde_json::to_string_pretty(&doc).context("serialising the report")?);
    } else {
        for (i, result) in doc.files.iter().enumerate() {
            if let Some(text) = result.human() {
                if i > 0 {
                    out("");
                }
                out(text.trim_end());
            }
        }
        for result in &doc.files {
            for line in result.problems() {
                printer.line(&format!("error: {line}"));
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
