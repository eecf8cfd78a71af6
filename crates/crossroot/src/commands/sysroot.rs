//! `crossroot sysroot`: add, path, list, remove.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use crossroot_archive::{ArchiveClient, ClientOptions, Lockfile, Sysroot};
use crossroot_config::{Config, Env, Flags};
use crossroot_store::Cache;

use crate::cli::{GlobalArgs, SysrootCommand};
use crate::printer::{Printer, out};

/// Configuration, cache and lockfile as seen from the current directory.
pub struct Context {
    pub cwd: PathBuf,
    pub config: Config,
    pub cache: Cache,
}

impl Context {
    pub fn load(global: &GlobalArgs, printer: &Printer) -> anyhow::Result<Context> {
        let cwd = std::env::current_dir()?;
        let flags = Flags {
            mirror: global.mirror.clone(),
            release: global.release.clone(),
            manifest_path: global.manifest_path.clone(),
            offline: global.offline,
            locked: global.locked,
        };
        let config = Config::load(&cwd, &Env::from_process(), &flags, Path::new("/"))?;
        for w in &config.warnings {
            printer.warn(w);
        }
        let cache = Cache::new(config.cache_dir.clone());
        Ok(Context { cwd, config, cache })
    }

    /// `crossroot.lock` next to `Cargo.lock`, when crossroot runs inside a cargo project.
    pub fn lock_path(&self) -> Option<PathBuf> {
        self.config.workspace_root.as_ref().map(|_| {
            self.config
                .lock_dir(&self.cwd)
                .join(crossroot_archive::LOCKFILE_NAME)
        })
    }

    pub fn load_lock(&self) -> anyhow::Result<Option<(PathBuf, Lockfile)>> {
        match self.lock_path() {
            Some(path) => {
                let lock = Lockfile::load(&path)?;
                Ok(Some((path, lock)))
            }
            None => Ok(None),
        }
    }

    /// An archive client for `triple`'s mirror.
    pub fn client(
        &self,
        global: &GlobalArgs,
        triple: Option<&str>,
        printer: &Printer,
    ) -> anyhow::Result<ArchiveClient> {
        let mirror = self.config.mirror(triple)?;
        printer.verbose(format!("mirror {} (from {})", mirror.url, mirror.source));
        if global.insecure_skip_verify {
            printer.warn(
                "--insecure-skip-verify: NOT checking the archive's OpenPGP signature or any \
                 hash. Anyone on the network path can change what ends up in the sysroot.",
            );
        }
        let opts = ClientOptions {
            mirror: mirror.url,
            cache: self.cache.clone(),
            offline: self.config.offline,
            locked: self.config.locked,
            verify: !global.insecure_skip_verify,
            keyring: std::env::var_os("CROSSROOT_KEYRING")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        };
        let reporter = Arc::new(crate::progress::TermReporter::new(printer));
        Ok(ArchiveClient::new(opts, reporter)?)
    }
}

/// Ensure `target`'s sysroot with its configured packages plus `extra`, keeping
/// `crossroot.lock` up to date. Shared by `sysroot add`/`path` and the build commands.
pub fn ensure(
    global: &GlobalArgs,
    ctx: &Context,
    target: &crossroot_target::Target,
    extra: &[String],
    printer: &Printer,
) -> anyhow::Result<Sysroot> {
    let start = Instant::now();
    let tc = ctx.config.for_target(target.triple());
    let release = target.release(tc.release)?;
    let mut packages = tc.debian_packages.clone();
    for p in extra {
        if !packages.contains(p) {
            packages.push(p.clone());
        }
    }
    let mut lock = ctx.load_lock()?;
    let client = ctx.client(global, Some(target.triple()), printer)?;
    let sysroot =
        client.ensure_sysroot(target, release, &packages, lock.as_mut().map(|(_, l)| l))?;
    if let Some((path, lock)) = &lock {
        if lock.save(path)? {
            printer.verbose(format!("wrote {}", path.display()));
        }
    }
    let fetched = client.bytes_fetched();
    printer.status(
        "Finished",
        format!(
            "{} sysroot ({release}, {} packages) in {:.2}s{}",
            target.triple(),
            sysroot.packages.len(),
            start.elapsed().as_secs_f64(),
            if fetched > 0 {
                format!(", {} downloaded", crossroot_archive::human_bytes(fetched))
            } else {
                String::new()
            }
        ),
    );
    Ok(sysroot)
}

pub fn run(
    global: &GlobalArgs,
    cmd: SysrootCommand,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let ctx = Context::load(global, printer)?;
    match cmd {
        SysrootCommand::Add { target, packages } => {
            let target = super::parse_target(&target)?;
            let sysroot = ensure(global, &ctx, &target, &packages, printer)?;
            out(sysroot.root.display());
        }
        SysrootCommand::Path { target } => {
            let target = super::parse_target(&target)?;
            let tc = ctx.config.for_target(target.triple());
            let release = target.release(tc.release)?;
            let lock = ctx.load_lock()?;
            let found = crossroot_archive::find_sysroot(
                &ctx.cache,
                &target,
                release,
                lock.as_ref().map(|(_, l)| l),
            )?;
            let covers = found
                .as_ref()
                .is_some_and(|s| tc.debian_packages.iter().all(|p| s.requested.contains(p)));
            let sysroot = match found {
                Some(s) if covers => s,
                _ => ensure(global, &ctx, &target, &[], printer)?,
            };
            out(sysroot.root.display());
        }
        SysrootCommand::List { target } => {
            let triple = match &target {
                Some(t) => Some(super::parse_target(t)?.triple()),
                None => None,
            };
            let all = crossroot_archive::list_sysroots(&ctx.cache, triple)?;
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
            let freed = crossroot_archive::remove_sysroots(&ctx.cache, target.triple())?;
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
