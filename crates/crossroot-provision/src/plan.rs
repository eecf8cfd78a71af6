//! A dry run of the pipeline: for each step, what is present, what would be fetched, and
//! whether fetching is possible now. `doctor` and `targets` ask this instead of re-deriving
//! what provisioning would do; it runs no download and builds nothing.

use std::path::PathBuf;

use crossroot_config::{ConfigError, MirrorChoice};
use crossroot_target::{Release, Target, TargetError};
use crossroot_toolchain::clang::{CToolchain, ProbeCache};
use crossroot_toolchain::rust::RustToolchain;

use crate::host::{self, QemuFound};
use crate::request::Settings;

/// Why something missing cannot be fetched right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// No mirror is configured and none was found in the host's apt sources.
    NoMirror,
    /// `--offline`, `--frozen` or `CROSSROOT_OFFLINE`.
    Offline,
}

impl Blocked {
    /// Why, as the end of a sentence ("provisionable …, but …").
    pub fn why(self) -> &'static str {
        match self {
            Blocked::NoMirror => "but no mirror is configured",
            Blocked::Offline => crate::OFFLINE_WHY,
        }
    }

    /// What the user can do.
    pub fn fix(self) -> String {
        match self {
            Blocked::NoMirror => crossroot_config::NO_MIRROR_HINT.to_string(),
            Blocked::Offline => "run once without --offline to provision it into the cache".into(),
        }
    }
}

/// A missing piece: the Debian packages that provide it, and whether they can be fetched now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    pub packages: &'static [&'static str],
    pub blocked: Option<Blocked>,
}

/// The Rust standard library for the target.
#[derive(Debug)]
pub enum StdPlan {
    /// No Rust toolchain was found at all.
    NoToolchain,
    Installed {
        sysroot: PathBuf,
    },
    /// `rustup target add` will install it on first use (unless blocked).
    Install {
        blocked: Option<Blocked>,
    },
    /// It cannot be installed automatically (no rustup): the error says what to do.
    Impossible(crossroot_toolchain::Error),
}

/// The C compiler and linker.
#[derive(Debug, Clone)]
pub enum CompilerPlan {
    /// clang >= 14 on PATH.
    Host(CToolchain),
    /// clang provisioned earlier, in the cache.
    Cached(PathBuf),
    Missing(Fetch),
}

/// How target programs will run.
#[derive(Debug, Clone)]
pub enum RunnerPlan {
    Native,
    /// A Windows target: Wine (see [`TargetPlan::windows`]).
    Wine,
    Qemu(QemuFound),
    Missing(Fetch),
}

/// A host tool tree of the Windows targets (mingw-w64, Wine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreePlan {
    /// In the cache; `version` is the main package's Debian version.
    Cached {
        root: PathBuf,
        version: Option<String>,
    },
    /// Fetched from the Debian archive on first use (unless blocked).
    Missing {
        packages: Vec<String>,
        blocked: Option<Blocked>,
    },
}

/// The private Wine prefix of the cached Wine tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixPlan {
    /// Complete, made from the tree with the current fixes.
    Ready(PathBuf),
    /// Made (in a staging directory, under a lock) on first use.
    ToCreate(PathBuf),
    /// The directory is there but incomplete: rebuilt on first use.
    Damaged(PathBuf),
}

/// The steps of a Windows target: the mingw-w64 tree is its sysroot and compiler, Wine its
/// runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsPlan {
    pub mingw: TreePlan,
    pub wine: TreePlan,
    /// `None` while the Wine tree itself is missing.
    pub prefix: Option<PrefixPlan>,
    /// The cached Wine tree has this crossroot's fixes (else they are made on first use).
    pub wine_fixed: bool,
}

/// The dry run for the host and, when given, one target.
#[derive(Debug)]
pub struct Plan {
    pub rust: Option<RustToolchain>,
    /// The mirror for the target (or for no target), or why there is none.
    pub mirror: Result<MirrorChoice, ConfigError>,
    /// Why nothing can be fetched now, if so.
    pub blocked: Option<Blocked>,
    /// The linker clang will use when crossroot provisions it (rustup's rust-lld, if any).
    pub rust_lld: Option<PathBuf>,
    pub compiler: CompilerPlan,
    pub target: Option<TargetPlan>,
}

/// The steps that depend on the target.
#[derive(Debug)]
pub struct TargetPlan {
    pub target: Target,
    pub std: StdPlan,
    pub runner: RunnerPlan,
    /// The release, whether it was configured, or why the target cannot use any.
    pub release: Result<(Release, bool), TargetError>,
    /// A finished sysroot for the target is in the cache.
    pub sysroot_cached: bool,
    /// For a Windows target: its toolchain, Wine and prefix.
    pub windows: Option<WindowsPlan>,
}

/// What provisioning would do now for `target` (or only the host's part without one).
pub fn plan(settings: &Settings, target: Option<&Target>) -> Plan {
    let config = &settings.config;
    let rust = host::rust_toolchain(&settings.cwd, &settings.env);
    let probes_file = config
        .cache_dir
        .join(crossroot_store::TOOLCHAIN)
        .join("probes.json");
    let mut probes = ProbeCache::load(&probes_file);
    let mirror = config.mirror(target.map(Target::triple));
    let blocked = if config.offline {
        Some(Blocked::Offline)
    } else if mirror.is_err() {
        Some(Blocked::NoMirror)
    } else {
        None
    };
    let path = settings.env.get("PATH");
    let rust_lld = rust.as_ref().and_then(RustToolchain::rust_lld);
    let compiler = match host::host_c_toolchain(rust.as_ref(), &mut probes, path.clone()) {
        Some(tc) => CompilerPlan::Host(tc),
        None => match crossroot_archive::PathFilter::parse(
            crossroot_toolchain::clang::CLANG_TREE_FILTER,
        )
        .ok()
        .and_then(|filter| {
            host::cached_host_tree(
                &config.cache_dir,
                "clang",
                crossroot_toolchain::clang::CLANG_TREE_PACKAGES,
                &filter,
            )
        }) {
            Some(tree) => CompilerPlan::Cached(tree),
            None => CompilerPlan::Missing(Fetch {
                packages: crossroot_toolchain::clang::CLANG_TREE_PACKAGES,
                blocked,
            }),
        },
    };
    let target = target.map(|t| {
        let std = match &rust {
            None => StdPlan::NoToolchain,
            Some(r) if r.has_std(t.triple()) => StdPlan::Installed {
                sysroot: r.sysroot.clone(),
            },
            Some(r) => match crossroot_toolchain::rust::add_std_command(r, t.triple()) {
                Ok(_) => StdPlan::Install {
                    blocked: config.offline.then_some(Blocked::Offline),
                },
                Err(e) => StdPlan::Impossible(e),
            },
        };
        let runner = if host::runs_natively(t.spec) {
            RunnerPlan::Native
        } else if t.spec.is_windows() {
            RunnerPlan::Wine
        } else {
            match host::find_qemu(t.spec, &config.cache_dir, &mut probes, path.as_deref()) {
                Some(q) => RunnerPlan::Qemu(q),
                None => RunnerPlan::Missing(Fetch {
                    packages: crossroot_runner::QEMU_TREE_PACKAGES,
                    blocked,
                }),
            }
        };
        let windows = t.spec.is_windows().then(|| {
            let project =
                crate::request::target_packages(t, &config.for_target(t.triple()).debian_packages);
            windows_plan(t.spec, &config.cache_dir, &project, blocked)
        });
        let explicit = config.for_target(t.triple()).release;
        TargetPlan {
            target: *t,
            std,
            runner,
            release: t.release(explicit).map(|r| (r, explicit.is_some())),
            sysroot_cached: host::sysroot_present(&config.cache_dir, t.triple()),
            windows,
        }
    });
    Plan {
        rust,
        mirror,
        blocked,
        rust_lld,
        compiler,
        target,
    }
}

/// The main package of a tree and its version in the tree's manifest.
fn tree_plan(
    cache_dir: &std::path::Path,
    arch: Option<&str>,
    name: &str,
    packages: &[String],
    filter: &[String],
    blocked: Option<Blocked>,
) -> TreePlan {
    let refs: Vec<&str> = packages.iter().map(String::as_str).collect();
    let found = crossroot_archive::PathFilter::parse(filter)
        .ok()
        .and_then(|f| match arch {
            Some(arch) => host::find_cached_tree_of(cache_dir, arch, name, &refs, &f),
            None => host::find_cached_host_tree(cache_dir, name, &refs, &f),
        });
    match found {
        Some(tree) => TreePlan::Cached {
            version: packages.first().and_then(|main| {
                tree.packages
                    .iter()
                    .find(|p| &p.name == main)
                    .map(|p| p.version.clone())
            }),
            root: tree.root,
        },
        None => TreePlan::Missing {
            packages: packages.to_vec(),
            blocked,
        },
    }
}

/// What provisioning would do for the Windows target `spec`.
fn windows_plan(
    spec: &crossroot_target::TargetSpec,
    cache_dir: &std::path::Path,
    project_packages: &[String],
    blocked: Option<Blocked>,
) -> WindowsPlan {
    use crossroot_runner::wine;
    let mut mingw_packages = crossroot_toolchain::mingw::tree_packages(spec);
    for p in project_packages {
        if !mingw_packages.contains(p) {
            mingw_packages.push(p.clone());
        }
    }
    let mingw = tree_plan(
        cache_dir,
        None,
        &crossroot_toolchain::mingw::tree_name(spec),
        &mingw_packages,
        &crossroot_toolchain::mingw::tree_filter(spec),
        blocked,
    );
    let wine_packages: Vec<String> = wine::tree_packages(spec)
        .iter()
        .map(|p| p.to_string())
        .collect();
    // Wine's tree has the target's architecture (i386 for i686: Wine's 32-bit side).
    let wine_tree = tree_plan(
        cache_dir,
        Some(spec.debian_arch),
        &wine::tree_name(spec),
        &wine_packages,
        &wine::tree_filter(),
        blocked,
    );
    let (prefix, wine_fixed) = match &wine_tree {
        TreePlan::Cached { root, .. } => {
            let dir = cache_dir
                .join(crate::windows::WINE_PREFIXES)
                .join(crate::windows::prefix_key(root));
            let prefix = if wine::prefix_is_complete(&dir) {
                PrefixPlan::Ready(dir)
            } else if dir.exists() {
                PrefixPlan::Damaged(dir)
            } else {
                PrefixPlan::ToCreate(dir)
            };
            let fixed = crate::windows::linux_multiarch(spec.debian_arch)
                .is_ok_and(|m| wine::fixes_done(&wine::WineTree::at(root, spec, m)));
            (Some(prefix), fixed)
        }
        TreePlan::Missing { .. } => (None, false),
    };
    WindowsPlan {
        mingw,
        wine: wine_tree,
        prefix,
        wine_fixed,
    }
}
