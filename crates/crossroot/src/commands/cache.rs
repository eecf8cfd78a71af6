//! `crossroot cache`: dir, clean, prune.

use std::process::ExitCode;

use crate::cli::{CacheCommand, GlobalArgs};
use crate::printer::{Printer, out};

pub fn run(global: &GlobalArgs, cmd: CacheCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cache =
        crossroot_store::Cache::new(super::settings(global, None, printer)?.config.cache_dir);
    match cmd {
        CacheCommand::Dir => out(cache.root().display()),
        CacheCommand::Clean => {
            let freed = cache.clean(|| waiting(printer))?;
            printer.status(
                "Removed",
                format!(
                    "{} ({})",
                    cache.root().display(),
                    crossroot_archive::human_bytes(freed)
                ),
            );
        }
        CacheCommand::Prune => {
            let freed = crossroot_archive::prune(&cache, || waiting(printer))?;
            printer.status(
                "Pruned",
                format!(
                    "{} from {}",
                    crossroot_archive::human_bytes(freed),
                    cache.root().display()
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn waiting(printer: &Printer) {
    printer.status(
        "Waiting",
        "for other crossroot processes using the cache to finish (a build, test or `exec` \
         holds it until its cargo or program exits)",
    );
}
