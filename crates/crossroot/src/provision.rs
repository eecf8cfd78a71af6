//! Everything a target needs before cargo (or any build system) can cross-compile and run for
//! it: the Rust std (rustup), the sysroot, a C compiler and linker, QEMU — and the environment
//! that wires them together. Shared by `build|test|…`, `exec` and `env`.
//!
//! The fast path (everything present) runs no process and touches no network: the active Rust
//! toolchain is read from rustup's settings, tool versions come from a probe cache, and
//! generated files are only compared.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crossroot_archive::PathFilter;
use crossroot_runner::Runner;
use crossroot_target::{Libc, Release, Target};
use crossroot_toolchain::clang::{self, CToolchain, ProbeCache};
use crossroot_toolchain::env::{CrossSetup, Decision};
use crossroot_toolchain::files::{self, Generated};
use crossroot_toolchain::rust;

use crate::cli::GlobalArgs;
use crate::commands::sysroot::Context;
use crate::printer::Printer;

/// Where sysroots and host-architecture tool trees come from (the Debian archive in the product).
pub trait Sources {
    /// The sysroot for `target` built from `release` with `packages` (plus the base packages).
    fn sysroot(
        &mut self,
        target: &Target,
        release: Release,
        packages: &[String],
    ) -> anyhow::Result<PathBuf>;
    /// A tree of host-architecture (amd64) packages unpacked in the cache, holding only the
    /// members `filter` keeps.
    fn host_tree(
        &mut self,
        name: &str,
        packages: &[&str],
        filter: &PathFilter,
    ) -> anyhow::Result<PathBuf>;
}

/// What the caller is going to do with the environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// Target programs will run (test, run, bench, exec, env): provision QEMU.
    pub runner: bool,
}

/// A target ready to build and run for.
#[derive(Debug)]
pub struct TargetEnv {
    pub target: Target,
    pub release: Release,
    pub sysroot: PathBuf,
    pub toolchain: CToolchain,
    pub runner: Option<Runner>,
    pub generated: Generated,
    pub decisions: Vec<Decision>,
}

impl TargetEnv {
    /// Set every variable the user did not set themselves.
    pub fn apply(&self, cmd: &mut Command) {
        for d in &self.decisions {
            if let Decision::Set(v) = d {
                cmd.env(&v.key, &v.value);
            }
        }
    }

    /// With `-v`: each value crossroot sets, and each it leaves to the user.
    pub fn explain(&self, printer: &Printer) {
        if printer.verbose == 0 {
            return;
        }
        printer.verbose(format!(
            "sysroot `{}` (Debian {}), C compiler `{}` ({:?}, clang {}), linker {}",
            self.sysroot.display(),
            self.release,
            self.toolchain.clang.display(),
            self.toolchain.source,
            self.toolchain.version,
            self.toolchain
                .ld_lld
                .as_ref()
                .map(|p| format!("`{}`", p.display()))
                .unwrap_or_else(|| "ld.lld".into()),
        ));
        for d in &self.decisions {
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
}

/// The ELF machine of the host crossroot runs on.
pub fn host_machine() -> u16 {
    crossroot_target::host().map_or(0, |h| h.elf_machine)
}

/// The host as a table entry: its Debian architecture is the one of the tool packages (clang,
/// QEMU, pkgconf) crossroot provisions, and its multiarch dir is where their libraries live.
pub fn host_spec() -> anyhow::Result<&'static crossroot_target::TargetSpec> {
    crossroot_target::host().ok_or_else(|| {
        anyhow::anyhow!(
            "crossroot cannot provision host tools on a `{}` host",
            std::env::consts::ARCH
        )
        .context(crate::report::Hint(
            "install clang (14 or newer) and qemu-user yourself: crossroot uses them from PATH"
                .into(),
        ))
    })
}

fn process_env(key: &str) -> Option<OsString> {
    std::env::var_os(key)
}

/// FNV-1a: a short, stable name for a directory derived from paths.
fn short_hash(parts: &[&Path]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_os_str().as_encoded_bytes().iter().chain(b"\0") {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

/// Base packages every sysroot of this kind needs on top of the project's.
pub fn target_packages(target: &Target, project: &[String]) -> Vec<String> {
    let mut pkgs: Vec<String> = project.to_vec();
    if target.spec.libc == Libc::Musl && !pkgs.iter().any(|p| p == "musl-dev") {
        pkgs.push("musl-dev".into());
    }
    pkgs
}

/// Provision everything `target` needs and compute its environment.
pub fn provision(
    config: &crossroot_config::Config,
    target: Target,
    cwd: &Path,
    sources: &mut dyn Sources,
    needs: Needs,
    printer: &Printer,
) -> anyhow::Result<TargetEnv> {
    let env = &process_env;
    let triple = target.triple();
    let target_config = config.for_target(triple);
    let cache = config.cache_dir.clone();
    let path_var = std::env::var_os("PATH");

    // 1. Rust std.
    let rust_tc = rust::locate(cwd, env)?;
    if !rust_tc.has_std(triple) {
        // Without rustup this is an error that names the exact fix.
        rust::add_std_command(&rust_tc, triple)?;
        printer.status(
            "Installing",
            format!("the Rust standard library for `{triple}` (`rustup target add {triple}`)"),
        );
        rust::add_std(&rust_tc, triple)?;
    }

    // 2. Sysroot.
    let release = target.release(target_config.release)?;
    let packages = target_packages(&target, &target_config.debian_packages);
    let sysroot = sources
        .sysroot(&target, release, &packages)
        .with_context(|| format!("could not provision the sysroot for `{target}`"))?;

    // 3. C compiler and linker.
    let probes_file = cache.join(crossroot_store::TOOLCHAIN).join("probes.json");
    let mut probes = ProbeCache::load(&probes_file);
    let ld_lld = rust_tc.rust_lld();
    let host = clang::find_host_clang(path_var.as_deref(), &mut probes)
        .and_then(|(c, v)| clang::host_toolchain(c, v, ld_lld.clone(), path_var.as_deref()));
    let toolchain = match host {
        Some(tc) => tc,
        None => {
            let tree = sources
                .host_tree(
                    "clang",
                    clang::CLANG_TREE_PACKAGES,
                    &PathFilter::parse(clang::CLANG_TREE_FILTER)?,
                )
                .context("could not provision clang")?;
            let libs = clang::link_tree_libraries(
                &tree,
                host_spec()?.multiarch,
                &cache
                    .join(crossroot_store::TOOLCHAIN)
                    .join(format!("clang-libs-{}", short_hash(&[&tree]))),
            )?;
            clang::tree_toolchain(&tree, libs, ld_lld.clone(), path_var.as_deref(), triple)?
        }
    };

    // 4. QEMU.
    let native = target.spec.runs_natively_on(host_machine());
    let runner = if needs.runner && !native {
        let qemu = match crossroot_runner::find_host_qemu(target.spec, path_var.as_deref(), |p| {
            probes.version(p, &["--version"], crossroot_runner::parse_qemu_version)
        }) {
            Some(q) => q,
            None => {
                let tree = sources
                    .host_tree(
                        crossroot_runner::qemu_tree_name(target.spec),
                        crossroot_runner::QEMU_TREE_PACKAGES,
                        &PathFilter::parse(&crossroot_runner::qemu_tree_filter(target.spec))?,
                    )
                    .context("could not provision QEMU")?;
                crossroot_runner::qemu_in_tree(&tree, target.spec)?
            }
        };
        crossroot_runner::runner_for(target.spec, host_machine(), &qemu, &sysroot)
    } else {
        None
    };
    probes.save(&probes_file)?;

    // 5. pkg-config on the host.
    let gen_dir = cache.join(crossroot_store::TOOLCHAIN).join(format!(
        "{}-{}",
        triple,
        short_hash(&[&sysroot, &toolchain.clang])
    ));
    let pkg_config = if clang::find_on_path("pkg-config", path_var.as_deref()).is_some()
        || clang::find_on_path("pkgconf", path_var.as_deref()).is_some()
    {
        None
    } else {
        let tree = sources
            .host_tree("pkgconf", &["pkgconf-bin"], &PathFilter::all())
            .context("could not provision pkg-config")?;
        let wrapper = gen_dir.join("bin/pkg-config");
        files::write_if_changed(
            &wrapper,
            files::exec_wrapper(
                &tree.join("usr/bin/pkgconf"),
                &[],
                &[clang::link_tree_libraries(
                    &tree,
                    host_spec()?.multiarch,
                    &cache
                        .join(crossroot_store::TOOLCHAIN)
                        .join(format!("pkgconf-libs-{}", short_hash(&[&tree]))),
                )?],
            )
            .as_bytes(),
            true,
        )?;
        Some(wrapper)
    };

    // 6. Generated files and the environment.
    let emulator = runner.as_ref().map(Runner::argv);
    let generated = files::generate(
        &gen_dir,
        target.spec,
        &sysroot,
        &toolchain,
        emulator.as_deref(),
    )?;
    let runner_value = match &runner {
        None => None,
        Some(r) => Some(match r.cargo_value() {
            Some(v) => v,
            None => {
                let w = gen_dir.join("bin/runner");
                r.write_wrapper(&w)?;
                w.display().to_string()
            }
        }),
    };
    let vars = crossroot_toolchain::env::cross_env(&CrossSetup {
        spec: target.spec,
        sysroot: &sysroot,
        cc: &generated.cc,
        cxx: &generated.cxx,
        ar: &toolchain.ar,
        pkg_config: pkg_config.as_deref(),
        libclang_dir: toolchain.libclang_dir.as_deref(),
        resource_dir: toolchain.resource_dir.as_deref(),
        cmake_toolchain_file: Some(&generated.cmake_toolchain),
        runner: runner_value,
    });
    let decisions = crossroot_toolchain::env::decide(vars, process_env);
    Ok(TargetEnv {
        target,
        release,
        sysroot,
        toolchain,
        runner,
        generated,
        decisions,
    })
}

/// Sysroots and host trees from the Debian archive, through the same code as `crossroot sysroot`
/// (lockfile included). The archive client is created only when something is missing.
pub struct ArchiveSources<'a> {
    global: &'a GlobalArgs,
    printer: &'a Printer,
    ctx: Context,
    client: Option<crossroot_archive::ArchiveClient>,
}

impl ArchiveSources<'_> {
    fn client(&mut self) -> anyhow::Result<&crossroot_archive::ArchiveClient> {
        if self.client.is_none() {
            self.client = Some(self.ctx.client(self.global, None, self.printer)?);
        }
        self.client
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("archive client unavailable"))
    }
}

impl Sources for ArchiveSources<'_> {
    fn sysroot(
        &mut self,
        target: &Target,
        release: Release,
        packages: &[String],
    ) -> anyhow::Result<PathBuf> {
        let lock = self.ctx.load_lock()?;
        let found = crossroot_archive::find_sysroot(
            &self.ctx.cache,
            target,
            release,
            lock.as_ref().map(|(_, l)| l),
        )?;
        if let Some(s) = found {
            if packages.iter().all(|p| s.requested.contains(p)) && s.root.is_dir() {
                return Ok(s.root);
            }
        }
        let s = crate::commands::sysroot::ensure(
            self.global,
            &self.ctx,
            target,
            packages,
            self.printer,
        )?;
        Ok(s.root)
    }

    fn host_tree(
        &mut self,
        name: &str,
        packages: &[&str],
        filter: &PathFilter,
    ) -> anyhow::Result<PathBuf> {
        let packages: Vec<String> = packages.iter().map(|p| p.to_string()).collect();
        let tree = self.client()?.ensure_host_tree(
            name,
            host_spec()?.debian_arch,
            Release::Bookworm,
            &packages,
            filter,
        )?;
        Ok(tree.root)
    }
}

/// Everything a command given `--target T` needs, provisioned, for commands that run no cargo
/// (`exec`, `env`): parse T, load the config, provision, and explain (`-v`).
pub fn for_target(
    global: &GlobalArgs,
    target: &str,
    needs: Needs,
    printer: &Printer,
) -> anyhow::Result<TargetEnv> {
    let target = crate::commands::parse_target(target)?;
    let cwd = std::env::current_dir()?;
    let config = crate::commands::load_config(global, printer)?;
    let mut sources = sources(global, &config, printer)?;
    let tenv = provision(&config, target, &cwd, sources.as_mut(), needs, printer)?;
    tenv.explain(printer);
    Ok(tenv)
}

/// Where sysroots and tool trees come from.
pub fn sources<'a>(
    global: &'a GlobalArgs,
    config: &crossroot_config::Config,
    printer: &'a Printer,
) -> anyhow::Result<Box<dyn Sources + 'a>> {
    let ctx = Context {
        cwd: std::env::current_dir()?,
        config: config.clone(),
        cache: crossroot_store::Cache::new(config.cache_dir.clone()),
    };
    Ok(Box::new(ArchiveSources {
        global,
        printer,
        ctx,
        client: None,
    }))
}

/// A child's exit status as ours (signals as 128 + signal, like a shell).
pub fn exit_code(status: std::process::ExitStatus) -> std::process::ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
