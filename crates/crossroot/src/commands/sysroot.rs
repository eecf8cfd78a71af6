//! `crossroot sysroot`: add, path, list, remove.

use std::process::ExitCode;

use crossroot_provision::Needs;

use crate::cli::{GlobalArgs, SysrootCommand};
use crate::printer::{Printer, out};

pub fn run(
    global: &GlobalArgs,
    cmd: SysrootCommand,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let mut p = super::provisioner(super::settings(global, None, printer)?, printer);
    let needs = Needs::default();
    match cmd {
        SysrootCommand::Add { target, packages } => {
            let target = super::parse_target(&target)?;
            let req = p.request(target, needs)?.with_packages(&packages)?;
            let sysroot = p.build_sysroot(&req)?;
            out(sysroot.root.display());
        }
        SysrootCommand::Path { target } => {
            let target = super::parse_target(&target)?;
            let req = p.request(target, needs)?;
            out(p.sysroot(&req)?.root.display());
        }
        SysrootCommand::List { target } => {
            let triple = match &target {
                Some(t) => Some(super::parse_target(t)?.triple()),
                None => None,
            };
            let all = crossroot_archive::list_sysroots(p.cache(), triple)?;
            if all.is_empty() {
                printer.status(
                    "Empty",
                    "no sysroots yet; add one with `crossroot sysroot add --target <T> <PACKAGE>…`",
                );
            }
            for (root, m) in all {
                out(format!(
                    "{} ({}, {}): {} packages at {}",
                    m.name,
                    m.release,
                    m.arch,
                    m.packages.len(),
                    root.display()
                ));
                if !m.requested.is_empty() {
                    out(format!("  requested: {}", m.requested.join(" ")));
                }
                for p in &m.packages {
                    out(format!("  {} {} {}", p.name, p.version, p.arch));
                }
            }
        }
        SysrootCommand::Remove { target } => {
            let target = super::parse_target(&target)?;
            let freed = crossroot_archive::remove_sysroots(p.cache(), target.triple())?;
            if freed == 0 {
                printer.status("Nothing", format!("to remove for {}", target.triple()));
            } else {
                printer.status(
                    "Removed",
                    format!(
                        "the sysroots of {} ({})",
                        target.triple(),
                        crossroot_archive::human_bytes(freed)
                    ),
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
