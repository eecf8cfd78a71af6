//! `crossroot cache`: dir, clean, prune.

use std::process::ExitCode;

use crate::cli::{CacheCommand, GlobalArgs};
use crate::printer::{Printer, out};

pub fn run(global: &GlobalArgs, cmd: CacheCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    let ctx = super::sysroot::Context::load(global, printer)?;
    match cmd {
        CacheCommand::Dir => out(ctx.cache.root().display()),
        CacheCommand::Clean => {
            let freed = ctx.cache.clean()?;
            printer.status(
                "Removed",
                format!(
                    "{} ({})",
                    ctx.cache.root().display(),
                    crossroot_archive::human_bytes(freed)
                ),
            );
        }
        CacheCommand::Prune => {
            let freed = crossroot_archive::prune(&ctx.cache)?;
            printer.status(
                "Pruned",
                format!(
                    "{} from {}",
                    crossroot_archive::human_bytes(freed),
                    ctx.cache.root().display()
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
