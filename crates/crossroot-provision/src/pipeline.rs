//! The pipeline: a [`Request`] → the Rust std, the sysroot, a C compiler and linker, the
//! runner, pkg-config, generated files → a [`TargetEnv`].
//!
//! The fast path (everything present) runs no process and touches no network: the active Rust
//! toolchain is read from rustup's settings, tool versions come from a probe cache, trees are
//! found through their `current` pointers, and generated files are only compared.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossroot_archive::{ArchiveClient, ClientOptions, Lockfile, PathFilter, Sysroot};
use crossroot_store::{Cache, Reporter};
use crossroot_target::{Release, Target};
use crossroot_toolchain::clang::{self, CToolchain, ProbeCache};
use crossroot_toolchain::env::{CrossSetup, Decision};
use crossroot_toolchain::files::{self, Generated};
use crossroot_toolchain::rust;

use crate::request::{Request, Settings, Verify};
use crate::{Error, host};

/// The release host tool trees (clang, QEMU, pkgconf) come from.
pub const HOST_TOOLS_RELEASE: Release = Release::Bookworm;

/// The warning `--insecure-skip-verify` earns, printed once per command.
pub const INSECURE_WARNING: &str = "--insecure-skip-verify: NOT checking the archive's OpenPGP \
     signature or any hash. Anyone on the network path can change what ends up in the sysroot.";

/// A target ready to build and run for.
#[derive(Debug)]
pub struct TargetEnv {
    pub target: Target,
    pub release: Release,
    pub sysroot: PathBuf,
    pub toolchain: CToolchain,
    /// How target programs run: `None` when they run natively (or no runner was asked for).
    pub runner: Option<crossroot_runner::Runner>,
    pub generated: Generated,
    /// The link-only glibc stubs every link goes through, for a floor older than the
    /// sysroot's glibc.
    pub glibc_stubs: Option<crate::GlibcStubs>,
    /// Each variable crossroot sets, or leaves to the user who set it.
    pub decisions: Vec<Decision>,
    /// `--static-deps`: the artefacts must need nothing beyond glibc's own libraries.
    pub static_deps: bool,
    /// The cache held shared from the start of provisioning for as long as this value lives,
    /// so `cache clean` and `cache prune` wait (as cargo's commands wait for its package cache)
    /// instead of deleting the sysroot and tools under cargo or the program crossroot runs.
    /// Keep the `TargetEnv` alive until that child has exited.
    _in_use: crossroot_store::LockGuard,
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
}

/// Provisions targets for one command: owns the archive client (created only when something
/// is missing), the lockfile (loaded once) and the reporter.
pub struct Provisioner {
    settings: Settings,
    cache: Cache,
    reporter: Arc<dyn Reporter>,
    /// One client per mirror, security root and `updates` switch.
    clients: Vec<(ClientKey, ArchiveClient)>,
    lock: Option<Option<(PathBuf, Lockfile)>>,
    warned_insecure: bool,
}

impl std::fmt::Debug for Provisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioner")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Provisioner {
    pub fn new(settings: Settings, reporter: Arc<dyn Reporter>) -> Provisioner {
        Provisioner {
            cache: Cache::new(settings.config.cache_dir.clone()),
            settings,
            reporter,
            clients: Vec::new(),
            lock: None,
            warned_insecure: false,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub(crate) fn reporter(&self) -> &Arc<dyn Reporter> {
        &self.reporter
    }

    /// Resolve `target` for this command's configuration.
    pub fn request(&self, target: Target, needs: crate::Needs) -> Result<Request, Error> {
        Request::resolve(&self.settings.config, target, needs)
    }

    /// Provision everything `req` needs and compute its environment.
    pub fn provision(&mut self, req: &Request) -> Result<TargetEnv, Error> {
        // The cache is in use from now until the returned environment is dropped, after the
        // build or program that uses it: `cache clean`/`prune` wait.
        let in_use = self.cache.lock_in_use(|| {
            self.reporter.status(
                "Waiting",
                "for another crossroot process to finish cleaning the cache",
            );
        })?;
        let env = self.settings.env.clone();
        let lookup = |k: &str| env.get(k);
        let target = req.target;
        let triple = target.triple();
        let path_var = env.get("PATH");
        let tool_dir = self.cache.root().join(crossroot_store::TOOLCHAIN);

        // 1. Rust std.
        let rust_tc = rust::locate(&self.settings.cwd, &lookup)?;
        if !rust_tc.has_std(triple) {
            // Without rustup this is an error that names the exact fix.
            rust::add_std_command(&rust_tc, triple)?;
            if self.settings.offline() {
                return Err(Error::Offline {
                    what: "the Rust standard library".into(),
                    target: target.to_string(),
                    why: crate::OFFLINE_WHY,
                    fix: format!(
                        "run `rustup target add {triple}` once while online, or run without --offline"
                    ),
                });
            }
            self.reporter.status(
                "Installing",
                &format!("the Rust standard library for `{triple}` (`rustup target add {triple}`)"),
            );
            rust::add_std(&rust_tc, triple)?;
        }

        let probes_file = tool_dir.join("probes.json");
        let mut probes = ProbeCache::load(&probes_file);
        let windows = target.spec.is_windows();

        // 2. Sysroot (for Windows: the mingw-w64 tree, which is also 3., the compiler).
        let (sysroot, mingw) = if windows {
            let (tree, tc) = self
                .mingw(req, &tool_dir)
                .map_err(|e| e.in_step("the mingw-w64 toolchain", &target))?;
            (tree, Some(tc))
        } else {
            let root = self
                .sysroot_with_static_archives(req)
                .map_err(|e| e.in_step("the sysroot", &target))?
                .root;
            (root, None)
        };

        // 3. C compiler and linker.
        let ld_lld = rust_tc.rust_lld();
        let host_clang = if windows {
            None
        } else {
            clang::find_host_clang(path_var.as_deref(), &mut probes)
                .and_then(|(c, v)| clang::host_toolchain(c, v, ld_lld.clone(), path_var.as_deref()))
        };
        let toolchain = match (mingw, host_clang) {
            (Some(tc), _) | (None, Some(tc)) => tc,
            (None, None) => {
                let tree = self
                    .host_tree(
                        "clang",
                        clang::CLANG_TREE_PACKAGES,
                        &PathFilter::parse(clang::CLANG_TREE_FILTER)?,
                    )
                    .map_err(|e| e.in_step("clang", &target))?;
                let libs = clang::link_tree_libraries(
                    &tree,
                    host::host_spec()?.multiarch,
                    &tool_dir.join(format!("clang-libs-{}", short_hash(&[&tree]))),
                )?;
                clang::tree_toolchain(&tree, libs, ld_lld.clone(), path_var.as_deref(), triple)?
            }
        };

        // 4. The runner.
        // A floor older than the sysroot's glibc links against stubs: their own wrappers, so
        // builds with and without the floor never rewrite each other's.
        let stub_dir = crate::glibc::stub_dir(&self.cache, &target, req.release, &sysroot);
        let mut hashed: Vec<&Path> = vec![&sysroot, &toolchain.clang];
        hashed.extend(stub_dir.as_deref());
        let gen_dir = tool_dir.join(format!("{}-{}", triple, short_hash(&hashed)));
        let runner = match crossroot_runner::kind(target.spec, host::host_machine()) {
            _ if !req.needs.runner => None,
            crossroot_runner::Kind::Native => None,
            crossroot_runner::Kind::Wine => Some(
                self.wine(req, &toolchain, &tool_dir, &gen_dir)
                    .map_err(|e| e.in_step("Wine", &target))?,
            ),
            crossroot_runner::Kind::Qemu => {
                let qemu =
                    match crossroot_runner::find_host_qemu(target.spec, path_var.as_deref(), |p| {
                        probes.version(p, &["--version"], crossroot_runner::parse_qemu_version)
                    }) {
                        Some(q) => q,
                        None => {
                            let tree = self
                                .host_tree(
                                    crossroot_runner::qemu_tree_name(target.spec),
                                    crossroot_runner::QEMU_TREE_PACKAGES,
                                    &PathFilter::parse(&crossroot_runner::qemu_tree_filter(
                                        target.spec,
                                    ))?,
                                )
                                .map_err(|e| e.in_step("QEMU", &target))?;
                            crossroot_runner::qemu_in_tree(&tree, target.spec)?
                        }
                    };
                crossroot_runner::runner_for(target.spec, host::host_machine(), &qemu, &sysroot)
            }
        };
        probes.save(&probes_file)?;

        // 5. pkg-config on the host.
        let pkg_config = if clang::find_on_path("pkg-config", path_var.as_deref()).is_some()
            || clang::find_on_path("pkgconf", path_var.as_deref()).is_some()
        {
            None
        } else {
            let tree = self
                .host_tree("pkgconf", &["pkgconf-bin"], &PathFilter::all())
                .map_err(|e| e.in_step("pkg-config", &target))?;
            let wrapper = gen_dir.join("bin/pkg-config");
            let libs = clang::link_tree_libraries(
                &tree,
                host::host_spec()?.multiarch,
                &tool_dir.join(format!("pkgconf-libs-{}", short_hash(&[&tree]))),
            )?;
            files::write_if_changed(
                &wrapper,
                files::exec_wrapper(&tree.join("usr/bin/pkgconf"), &[], &[libs]).as_bytes(),
                true,
            )?;
            Some(wrapper)
        };
        // `--static-deps`: glibc's own libraries stay dynamic (see the wrapper's docs).
        let pkg_config = match pkg_config {
            _ if !req.static_deps => pkg_config,
            Some(real) => Some(static_pkg_config(&gen_dir, &real)?),
            None => match clang::find_on_path("pkg-config", path_var.as_deref())
                .or_else(|| clang::find_on_path("pkgconf", path_var.as_deref()))
            {
                Some(real) => Some(static_pkg_config(&gen_dir, &real)?),
                None => None,
            },
        };

        // 6. Generated files and the environment.
        let emulator = runner.as_ref().map(crossroot_runner::Runner::argv);
        let floor_header = stub_dir
            .as_ref()
            .map(|d| d.join(crossroot_glibc::FLOOR_HEADER));
        let generated = files::generate(
            &gen_dir,
            target.spec,
            &sysroot,
            &toolchain,
            emulator.as_deref(),
            floor_header
                .as_deref()
                .zip(stub_dir.as_deref())
                .map(|(header, stubs)| crossroot_toolchain::flags::GlibcFloor { stubs, header }),
        )?;
        let glibc_stubs = crate::glibc::ensure(
            &self.cache,
            self.reporter.as_ref(),
            &target,
            req.release,
            &sysroot,
            &generated.cc,
        )
        .map_err(|e| e.in_step("the glibc stubs", &target))?;
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
            static_deps: req.static_deps,
        });
        let decisions = crossroot_toolchain::env::decide(vars, lookup);
        Ok(TargetEnv {
            target,
            release: req.release,
            sysroot,
            toolchain,
            runner,
            generated,
            glibc_stubs,
            decisions,
            static_deps: req.static_deps,
            _in_use: in_use,
        })
    }

    /// The sysroot `req` would use now, without building anything: the lockfile's, else the
    /// last one built, if it covers the requested packages.
    pub fn find_sysroot(&mut self, req: &Request) -> Result<Option<Sysroot>, Error> {
        let cache = self.cache.clone();
        let found = crossroot_archive::find_sysroot(
            &cache,
            &req.target,
            req.release,
            self.lockfile()?.as_ref().map(|(_, l)| l),
        )?;
        // A sysroot resolved from other suites (before the update suites were read, or with
        // `--no-updates`) is not this request's.
        let suites = crossroot_archive::suite_names(
            req.release,
            req.updates,
            req.mirror.as_ref().is_ok_and(|m| m.security.is_some()),
        );
        Ok(found.filter(|s| {
            s.suites == suites
                && req.packages.iter().all(|p| s.requested.contains(p))
                && s.root.is_dir()
        }))
    }

    /// `req`'s sysroot: the one present if it covers the request, else built (or extended)
    /// from the archive, keeping `crossroot.lock` up to date.
    pub fn sysroot(&mut self, req: &Request) -> Result<Sysroot, Error> {
        if let Some(s) = self.find_sysroot(req)? {
            return Ok(s);
        }
        self.build_sysroot(req)
    }

    /// `req`'s sysroot; with `--static-deps`, also the `-dev` packages that ship the static
    /// archives its pkg-config files link but it lacks (`sqlite3.pc` links `-lz` privately,
    /// and `libsqlite3-dev` does not depend on `zlib1g-dev`). A library `-l<name>` is looked
    /// up as `lib<name>-dev`, the name Debian's `-dev` packages provide by convention
    /// (`zlib1g-dev` provides `libz-dev`). One that no package provides is left out with a
    /// warning naming it, and the link then names it too.
    fn sysroot_with_static_archives(&mut self, req: &Request) -> Result<Sysroot, Error> {
        let sysroot = self.sysroot(req)?;
        if !req.static_deps {
            return Ok(sysroot);
        }
        let missing =
            crossroot_toolchain::pkgconfig::missing_static_libs(req.target.spec, &sysroot.root);
        // (library, package) for each archive the sysroot lacks.
        let wanted: Vec<(String, String)> = missing
            .into_iter()
            .map(|name| {
                let package = format!("lib{name}-dev");
                (name, package)
            })
            .filter(|(_, p)| !req.packages.contains(p))
            .collect();
        if wanted.is_empty() {
            return Ok(sysroot);
        }
        self.reporter.note(&format!(
            "--static-deps: the sysroot's pkg-config files link {} without a static archive; adding {}",
            wanted
                .iter()
                .map(|(n, _)| format!("`-l{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            wanted
                .iter()
                .map(|(_, p)| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let mut wider = req.clone();
        wider.packages.extend(wanted.iter().map(|(_, p)| p.clone()));
        if let Ok(s) = self.sysroot(&wider) {
            return Ok(s);
        }
        // One at a time: keep each package the archive has.
        let mut best = sysroot;
        let mut kept = req.clone();
        for (name, package) in &wanted {
            let mut attempt = kept.clone();
            attempt.packages.push(package.clone());
            match self.sysroot(&attempt) {
                Ok(s) => {
                    best = s;
                    kept = attempt;
                }
                Err(e) => self.reporter.status(
                    "Warning",
                    &format!(
                        "--static-deps: no static archive for `-l{name}` ({package}: {e}); add \
                         the Debian `-dev` package that ships `lib{name}.a` to `debian-packages`"
                    ),
                ),
            }
        }
        Ok(best)
    }

    /// Build (or re-check) `req`'s sysroot from the archive, whatever is present. When the
    /// update suites are read and one of them is inconsistent on the mirror (its signed
    /// `InRelease` verifies, but an index or package it lists is missing or does not match:
    /// a mirror caught mid-sync), the sysroot is built from the release alone, with a warning.
    /// Withholding updates is a freeze a network attacker can always cause; crossroot says so
    /// rather than refusing to work. A bad signature stays an error.
    pub fn build_sysroot(&mut self, req: &Request) -> Result<Sysroot, Error> {
        match self.build_sysroot_from(req) {
            Err(e) if req.updates && mirror_inconsistent(&e) => {
                self.reporter.status(
                    "Warning",
                    &format!(
                        "{e}; the {target} sysroot is built from `{release}` alone, without \
                         the fixes of its update suites (pass --no-updates to skip them \
                         knowingly)",
                        release = req.release,
                        target = req.target.triple(),
                    ),
                );
                let mut alone = req.clone();
                alone.updates = false;
                self.build_sysroot_from(&alone)
            }
            other => other,
        }
    }

    fn build_sysroot_from(&mut self, req: &Request) -> Result<Sysroot, Error> {
        let mirror = req
            .mirror
            .clone()
            .map_err(crossroot_config::ConfigError::from)?;
        self.lockfile()?;
        let client = self.client(&mirror, req.updates)?;
        let lock = Mutex::new(self.lock.take().flatten());
        let built = self.build_sysroot_with(&self.clients[client].1, req, &lock, true);
        self.lock = Some(lock.into_inner().unwrap_or_else(|p| p.into_inner()));
        built
    }

    /// [`Provisioner::build_sysroot`] through `client`, with the command's lockfile behind a
    /// mutex so several targets can build at once: each works on its own copy, and its entry
    /// is written back (and the file saved) under the mutex. `alone`: no other thread uses
    /// `client` meanwhile, so its byte count is this sysroot's download.
    fn build_sysroot_with(
        &self,
        client: &ArchiveClient,
        req: &Request,
        lock: &Mutex<Option<(PathBuf, Lockfile)>>,
        alone: bool,
    ) -> Result<Sysroot, Error> {
        let start = Instant::now();
        let before = client.bytes_fetched();
        let mut mine = lock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(_, l)| l.clone());
        let built = client.ensure_sysroot(&req.target, req.release, &req.packages, mine.as_mut());
        let saved = {
            let mut shared = lock.lock().unwrap_or_else(|p| p.into_inner());
            match (shared.as_mut(), &mine) {
                (Some((path, l)), Some(m)) => {
                    if let Some(entry) = m.target(req.target.triple(), &req.release.to_string()) {
                        l.set_target(entry.clone());
                    }
                    l.save(path).map(|wrote| wrote.then(|| path.clone()))
                }
                _ => Ok(None),
            }
        };
        let sysroot = built?;
        if let Some(path) = saved? {
            self.reporter.note(&format!("wrote {}", path.display()));
        }
        let fetched = if alone {
            client.bytes_fetched().saturating_sub(before)
        } else {
            0
        };
        self.reporter.status(
            "Finished",
            &format!(
                "{} sysroot ({}, {} packages) in {:.2}s{}",
                req.target.triple(),
                req.release,
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

    /// Fetch and build, one thread per target, what several targets need from the archive:
    /// each sysroot and QEMU tree, and clang when the host has none. [`Provisioner::provision`]
    /// then finds them in the cache. One result per request, in order, with the error
    /// `provision` would have given for that step (clang's goes to the first Linux target).
    /// Windows targets (mingw-w64, Wine) are left to `provision`.
    pub fn prefetch(&mut self, reqs: &[&Request]) -> Vec<Result<(), Error>> {
        let mut results: Vec<Result<(), Error>> = reqs.iter().map(|_| Ok(())).collect();
        if let Err(e) = self.lockfile() {
            // `provision` meets the same error for every target; report it once, first.
            if let Some(first) = results.first_mut() {
                *first = Err(e);
            }
            return results;
        }
        let env = self.settings.env.clone();
        let path_var = env.get("PATH");
        let mut probes = ProbeCache::load(
            &self
                .cache
                .root()
                .join(crossroot_store::TOOLCHAIN)
                .join("probes.json"),
        );
        let linux: Vec<usize> = (0..reqs.len())
            .filter(|&i| !reqs[i].target.spec.is_windows())
            .collect();
        let arch = match host::host_spec() {
            Ok(h) => h.debian_arch,
            Err(_) => return results, // `provision` says why.
        };
        // Only what is missing is fetched here: a warm cache needs no client and no mirror.
        let tree_missing = |name: &str, packages: &[&str], filter: Result<PathFilter, _>| {
            filter.is_ok_and(|f| {
                crossroot_archive::find_host_tree(
                    &self.cache,
                    name,
                    arch,
                    HOST_TOOLS_RELEASE,
                    packages,
                    &f,
                )
                .is_ok_and(|t| t.is_none())
            })
        };
        let need_clang = !linux.is_empty()
            && clang::find_host_clang(path_var.as_deref(), &mut probes).is_none()
            && tree_missing(
                "clang",
                clang::CLANG_TREE_PACKAGES,
                PathFilter::parse(clang::CLANG_TREE_FILTER),
            );
        let need_qemu: Vec<bool> = reqs
            .iter()
            .map(|r| {
                !r.target.spec.is_windows()
                    && r.needs.runner
                    && crossroot_runner::kind(r.target.spec, host::host_machine())
                        == crossroot_runner::Kind::Qemu
                    && crossroot_runner::find_host_qemu(r.target.spec, path_var.as_deref(), |p| {
                        probes.version(p, &["--version"], crossroot_runner::parse_qemu_version)
                    })
                    .is_none()
                    && tree_missing(
                        crossroot_runner::qemu_tree_name(r.target.spec),
                        crossroot_runner::QEMU_TREE_PACKAGES,
                        PathFilter::parse(&crossroot_runner::qemu_tree_filter(r.target.spec)),
                    )
            })
            .collect();
        // Clients are made here, one per mirror, before any thread starts.
        let mut sysroot_client: Vec<Option<usize>> = vec![None; reqs.len()];
        for &i in &linux {
            match self.find_sysroot(reqs[i]) {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(e) => {
                    results[i] = Err(e.in_step("the sysroot", &reqs[i].target));
                    continue;
                }
            }
            let client = reqs[i]
                .mirror
                .clone()
                .map_err(|e| Error::from(crossroot_config::ConfigError::from(e)))
                .and_then(|m| self.client(&m, reqs[i].updates));
            match client {
                Ok(c) => sysroot_client[i] = Some(c),
                Err(e) => results[i] = Err(e.in_step("the sysroot", &reqs[i].target)),
            }
        }
        // Without a host mirror, `provision` reports it for the step that needs one.
        let host_client = if need_clang || need_qemu.contains(&true) {
            self.settings
                .config
                .mirror(None)
                .map_err(Error::from)
                .and_then(|m| self.client(&m, false))
                .ok()
        } else {
            None
        };
        let host_arch = match host::host_spec() {
            Ok(h) => h.debian_arch,
            Err(_) => {
                return reqs
                    .iter()
                    .map(|_| {
                        Err(Error::UnsupportedHost {
                            arch: std::env::consts::ARCH,
                        })
                    })
                    .collect();
            }
        };
        let lock = Mutex::new(self.lock.take().flatten());
        let this = &*self;
        let (clang_result, per_target) = std::thread::scope(|scope| {
            let clang_job = (need_clang && host_client.is_some()).then(|| {
                scope.spawn(|| -> Result<(), Error> {
                    let client = &this.clients[host_client.unwrap_or_default()].1;
                    this.host_tree_with(
                        client,
                        host_arch,
                        "clang",
                        clang::CLANG_TREE_PACKAGES,
                        &PathFilter::parse(clang::CLANG_TREE_FILTER)?,
                    )
                    .map(|_| ())
                })
            });
            let jobs: Vec<_> = reqs
                .iter()
                .enumerate()
                .map(|(i, req)| {
                    let client = sysroot_client[i];
                    let qemu = need_qemu[i];
                    let lock = &lock;
                    scope.spawn(move || -> Result<(), Error> {
                        if let Some(client) = client {
                            this.build_sysroot_with(&this.clients[client].1, req, lock, false)
                                .map_err(|e| e.in_step("the sysroot", &req.target))?;
                        }
                        if let (true, Some(host)) = (qemu, host_client) {
                            this.host_tree_with(
                                &this.clients[host].1,
                                host_arch,
                                crossroot_runner::qemu_tree_name(req.target.spec),
                                crossroot_runner::QEMU_TREE_PACKAGES,
                                &PathFilter::parse(&crossroot_runner::qemu_tree_filter(
                                    req.target.spec,
                                ))?,
                            )
                            .map_err(|e| e.in_step("QEMU", &req.target))?;
                        }
                        Ok(())
                    })
                })
                .collect();
            let clang_result = clang_job.map(|j| j.join());
            let per_target: Vec<_> = jobs.into_iter().map(|j| j.join()).collect();
            (clang_result, per_target)
        });
        self.lock = Some(lock.into_inner().unwrap_or_else(|p| p.into_inner()));
        for (slot, joined) in results.iter_mut().zip(per_target) {
            if slot.is_ok() {
                *slot = joined.unwrap_or_else(|p| std::panic::resume_unwind(p));
                // An inconsistent update suite is left to `provision`, which builds the
                // sysroot from the release alone, with its warning.
                if slot.as_ref().is_err_and(mirror_inconsistent_in_step) {
                    *slot = Ok(());
                }
            }
        }
        if let (Some(joined), Some(&first)) = (clang_result, linux.first()) {
            let clang = joined
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
                .map_err(|e| e.in_step("clang", &reqs[first].target));
            if results[first].is_ok() {
                results[first] = clang;
            }
        }
        results
    }

    /// A tree of host-architecture packages unpacked in the cache: found if present, else
    /// built from the archive (the mirror configured for no target in particular).
    /// Only the members `filter` keeps are unpacked (`PathFilter::all()` for everything).
    pub fn host_tree(
        &mut self,
        name: &str,
        packages: &[&str],
        filter: &PathFilter,
    ) -> Result<PathBuf, Error> {
        let arch = host::host_spec()?.debian_arch;
        self.host_tree_of(arch, name, packages, filter)
    }

    /// [`Provisioner::host_tree`] of the Debian architecture `arch`, for a tool the host runs in
    /// another of its modes (Wine's 32-bit side: `i386` on an `amd64` host).
    pub fn host_tree_of(
        &mut self,
        arch: &str,
        name: &str,
        packages: &[&str],
        filter: &PathFilter,
    ) -> Result<PathBuf, Error> {
        if let Some(root) = self.cached_tree(arch, name, packages, filter)? {
            return Ok(root);
        }
        let mirror = self.settings.config.mirror(None)?;
        let client = self.client(&mirror, false)?;
        self.host_tree_with(&self.clients[client].1, arch, name, packages, filter)
    }

    /// The root of the finished tree `name` of `arch` in the cache, if any.
    fn cached_tree(
        &self,
        arch: &str,
        name: &str,
        packages: &[&str],
        filter: &PathFilter,
    ) -> Result<Option<PathBuf>, Error> {
        Ok(crossroot_archive::find_host_tree(
            &self.cache,
            name,
            arch,
            HOST_TOOLS_RELEASE,
            packages,
            filter,
        )?
        .map(|t| t.root))
    }

    /// [`Provisioner::host_tree_of`] through `client`.
    fn host_tree_with(
        &self,
        client: &ArchiveClient,
        arch: &str,
        name: &str,
        packages: &[&str],
        filter: &PathFilter,
    ) -> Result<PathBuf, Error> {
        if let Some(root) = self.cached_tree(arch, name, packages, filter)? {
            return Ok(root);
        }
        let packages: Vec<String> = packages.iter().map(|p| p.to_string()).collect();
        let tree = client.ensure_host_tree(name, arch, HOST_TOOLS_RELEASE, &packages, filter)?;
        Ok(tree.root)
    }

    /// `crossroot.lock`, loaded once per command.
    fn lockfile(&mut self) -> Result<&Option<(PathBuf, Lockfile)>, Error> {
        if self.lock.is_none() {
            let loaded = match self.settings.lock_path() {
                Some(path) => {
                    let lock = Lockfile::load(&path)?;
                    Some((path, lock))
                }
                None => None,
            };
            self.lock = Some(loaded);
        }
        Ok(self.lock.get_or_insert(None))
    }

    /// The index in `clients` of the archive client for `mirror`, created on first use.
    fn client(
        &mut self,
        mirror: &crossroot_config::MirrorChoice,
        updates: bool,
    ) -> Result<usize, Error> {
        let security = mirror.security.as_ref().map(|s| s.url.clone());
        let key = (mirror.url.clone(), security.clone(), updates);
        if let Some(i) = self.clients.iter().position(|(k, _)| *k == key) {
            return Ok(i);
        }
        {
            self.reporter
                .note(&format!("mirror {} (from {})", mirror.url, mirror.source));
            if updates {
                match &mirror.security {
                    Some(s) => self
                        .reporter
                        .note(&format!("security mirror {} ({})", s.url, s.source)),
                    None => self.reporter.note(
                        "no security mirror (give one with --security-mirror): -security is not read",
                    ),
                }
            }
            if self.settings.verify == Verify::InsecureSkip && !self.warned_insecure {
                self.warned_insecure = true;
                self.reporter.status("Warning", INSECURE_WARNING);
            }
            let opts = ClientOptions {
                mirror: mirror.url.clone(),
                security,
                updates,
                cache: self.cache.clone(),
                offline: self.settings.config.offline,
                locked: self.settings.config.locked,
                verify: self.settings.verify == Verify::Checked,
                keyring: self.settings.keyring.clone(),
            };
            let client = ArchiveClient::new(opts, self.reporter.clone())?;
            self.clients.push((key, client));
        }
        Ok(self.clients.len() - 1)
    }
}

/// What tells archive clients apart: the mirror, the security root, and whether the update
/// suites are read.
type ClientKey = (
    crossroot_config::Mirror,
    Option<crossroot_config::Mirror>,
    bool,
);

/// The `--static-deps` pkg-config around `real`, written into `gen_dir/bin`.
fn static_pkg_config(gen_dir: &Path, real: &Path) -> Result<PathBuf, Error> {
    let wrapper = gen_dir.join("bin/pkg-config-static");
    files::write_if_changed(
        &wrapper,
        files::static_pkg_config_wrapper(real).as_bytes(),
        true,
    )?;
    Ok(wrapper)
}

/// An update suite the mirror serves inconsistently (see [`Provisioner::build_sysroot`]).
fn mirror_inconsistent(e: &Error) -> bool {
    matches!(
        e,
        Error::Archive(crossroot_archive::ArchiveError::UpdateSuite { .. })
    )
}

/// [`mirror_inconsistent`] inside a step of provisioning.
fn mirror_inconsistent_in_step(e: &Error) -> bool {
    match e {
        Error::Step { source, .. } => mirror_inconsistent(source),
        other => mirror_inconsistent(other),
    }
}

/// FNV-1a: a short, stable name for a directory derived from paths.
pub(crate) fn short_hash(parts: &[&Path]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_os_str().as_encoded_bytes().iter().chain(b"\0") {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
}
