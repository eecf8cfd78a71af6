//! `crossroot doctor`'s checks: for the host and, when given, one target, whether everything
//! crossroot needs is present or can be provisioned — each an `ok`, `info`, `warn` or `fail`
//! with what was found and a one-line fix. Read from the [`plan`], so doctor reports
//! what a build would actually do. The binary only prints [`report`]'s lines.

use std::path::Path;

use crossroot_hint::Hint as _;
use crossroot_target::Target;

use crate::Settings;
use crate::host::{self, QemuFound};
use crate::plan::{
    self, Blocked, CompilerPlan, Fetch, Plan, PrefixPlan, RunnerPlan, StdPlan, TreePlan,
    WindowsPlan,
};

/// Below this much free space in the cache the check fails; below [`FREE_WARN`] it warns.
const FREE_FAIL: u64 = 256 << 20;
/// One sysroot takes 20–300 MB, clang+lld ~300 MB unpacked, QEMU ~70 MB.
const FREE_WARN: u64 = 2 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Info,
    Warn,
    Fail,
}

impl Status {
    /// `ok`, `info`, `warn` or `fail`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct Check {
    pub status: Status,
    pub name: &'static str,
    pub detail: String,
    pub fix: String,
}

fn check(
    status: Status,
    name: &'static str,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Check {
    Check {
        status,
        name,
        detail: detail.into(),
        fix: fix.into(),
    }
}

const NOTHING_TO_DO: &str = "nothing to do";

/// Every check for the host and, when given, `target`, in the order they are printed.
pub fn run_checks(settings: &Settings, target: Option<&Target>) -> Vec<Check> {
    let config = &settings.config;
    let plan = plan::plan(settings, target);
    let mut checks = vec![rustup()];
    if let Some(t) = &plan.target {
        checks.push(rust_std(t.target.triple(), &t.std));
    }
    if let Some(w) = plan.target.as_ref().and_then(|t| t.windows.as_ref()) {
        checks.push(mingw(w));
        checks.extend(wine(w));
    } else {
        checks.push(compiler(&plan, target));
        if let Some(t) = &plan.target {
            checks.push(qemu(t.target.triple(), t.target.spec.qemu, &t.runner));
        }
        checks.push(binfmt());
    }
    checks.push(mirror_check(config.offline, &plan.mirror));
    if let Some(t) = &plan.target {
        checks.push(release(t));
    }
    checks.push(cache_dir(&config.cache_dir));
    if let Some(t) = target.filter(|t| t.spec.is_32bit() && !t.spec.is_windows()) {
        let work = config
            .workspace_root
            .clone()
            .unwrap_or_else(|| settings.cwd.clone());
        checks.push(dir_cookies(t, &config.cache_dir, Some(&work)));
    }
    checks
}

/// A tree to be fetched: `ok` when it can be, `warn` with the fix when not.
fn missing_tree(
    name: &'static str,
    what: &str,
    packages: &[String],
    blocked: Option<Blocked>,
) -> Check {
    let packages = packages.join(", ");
    match blocked {
        None => check(
            Status::Ok,
            name,
            format!(
                "{what} not in the cache yet; provisionable from the Debian archive ({packages}) into the cache on first use"
            ),
            NOTHING_TO_DO,
        ),
        Some(b) => check(
            Status::Warn,
            name,
            format!(
                "{what} not in the cache; provisionable from the Debian archive ({packages}), {}",
                b.why()
            ),
            b.fix(),
        ),
    }
}

fn version_of(version: &Option<String>) -> String {
    version.as_ref().map_or(String::new(), |v| format!(" {v}"))
}

fn mingw(w: &WindowsPlan) -> Check {
    let name = "mingw-w64 toolchain";
    match &w.mingw {
        TreePlan::Cached { root, version } => check(
            Status::Ok,
            name,
            format!(
                "GCC{} (posix threads) in the cache ({})",
                version_of(version),
                root.display()
            ),
            NOTHING_TO_DO,
        ),
        TreePlan::Missing { packages, blocked } => {
            missing_tree(name, "mingw-w64 GCC", packages, *blocked)
        }
    }
}

fn wine(w: &WindowsPlan) -> Vec<Check> {
    let name = "Wine";
    let tree = match &w.wine {
        TreePlan::Cached { root, version } => {
            let fixes = if w.wine_fixed {
                "fixed and stripped"
            } else {
                "fixes and stripping made on first use"
            };
            check(
                Status::Ok,
                name,
                format!(
                    "Wine{} in the cache ({}); {fixes}",
                    version_of(version),
                    root.display()
                ),
                NOTHING_TO_DO,
            )
        }
        TreePlan::Missing { packages, blocked } => missing_tree(name, "Wine", packages, *blocked),
    };
    let prefix_name = "Wine prefix";
    let prefix = match &w.prefix {
        None => check(
            Status::Ok,
            prefix_name,
            "created in the cache with the Wine tree on first use",
            NOTHING_TO_DO,
        ),
        Some(PrefixPlan::Ready(dir)) => check(
            Status::Ok,
            prefix_name,
            format!("ready ({})", dir.display()),
            NOTHING_TO_DO,
        ),
        Some(PrefixPlan::ToCreate(dir)) => check(
            Status::Ok,
            prefix_name,
            format!(
                "not created yet; `wineboot` makes it on first use ({})",
                dir.display()
            ),
            NOTHING_TO_DO,
        ),
        Some(PrefixPlan::Damaged(dir)) => check(
            Status::Warn,
            prefix_name,
            format!(
                "{} is incomplete (a killed or failed `wineboot`); it is rebuilt on first use",
                dir.display()
            ),
            format!(
                "nothing, or remove {} to rebuild it now with the next `crossroot test`",
                dir.display()
            ),
        ),
    };
    vec![tree, prefix]
}

fn rustup() -> Check {
    match (host::rustup_version(), host::rustc_version()) {
        (Some(v), _) => check(Status::Ok, "rustup", v, NOTHING_TO_DO),
        (None, Some(rustc)) => check(
            Status::Warn,
            "rustup",
            format!(
                "not found; {rustc} is, so target standard libraries must be installed by hand"
            ),
            "install rustup (the Rust toolchain installer) so crossroot can add target standard libraries",
        ),
        (None, None) => check(
            Status::Fail,
            "rustup",
            "neither rustup nor rustc found on PATH",
            "install Rust with rustup and make sure `~/.cargo/bin` is on PATH",
        ),
    }
}

fn rust_std(triple: &str, std: &StdPlan) -> Check {
    let name = "Rust std";
    match std {
        StdPlan::NoToolchain => check(
            Status::Fail,
            name,
            format!("no Rust toolchain found, so no std for {triple}"),
            format!("install Rust with rustup, then `rustup target add {triple}`"),
        ),
        StdPlan::Installed { sysroot } => check(
            Status::Ok,
            name,
            format!("{triple} installed in {}", sysroot.display()),
            NOTHING_TO_DO,
        ),
        StdPlan::Install { blocked: None } => check(
            Status::Ok,
            name,
            format!(
                "{triple} not installed yet; crossroot runs `rustup target add {triple}` on first use"
            ),
            format!("`rustup target add {triple}` to install it now"),
        ),
        StdPlan::Install { blocked: Some(b) } => check(
            Status::Warn,
            name,
            format!("{triple} not installed yet, {}", b.why()),
            format!("`rustup target add {triple}` while online"),
        ),
        StdPlan::Impossible(e) => check(
            Status::Fail,
            name,
            format!("{triple} is not installed: {e}"),
            e.hint()
                .unwrap_or_else(|| format!("install the std for {triple}")),
        ),
    }
}

fn compiler(plan: &Plan, target: Option<&Target>) -> Check {
    let name = "C compiler/linker";
    let what = target.map_or("any target".to_string(), |t| {
        format!("`{}`", t.spec.clang_target)
    });
    let linker = |ld: &Option<std::path::PathBuf>| match ld {
        Some(p) => format!("rust-lld ({})", p.display()),
        None => "clang's own lld".to_string(),
    };
    match &plan.compiler {
        CompilerPlan::Host(tc) => check(
            Status::Ok,
            name,
            format!(
                "host clang {} ({}) can target {what}; links with {}",
                tc.version,
                tc.clang.display(),
                linker(&tc.ld_lld)
            ),
            NOTHING_TO_DO,
        ),
        CompilerPlan::Cached(tree) => check(
            Status::Ok,
            name,
            format!(
                "clang from crossroot's cache ({}); links with {}",
                tree.display(),
                linker(&plan.rust_lld)
            ),
            NOTHING_TO_DO,
        ),
        CompilerPlan::Missing(Fetch { packages, blocked }) => {
            let packages = packages.join(", ");
            match blocked {
                Some(b) => check(
                    Status::Warn,
                    name,
                    format!(
                        "no clang >= {} on the host; provisionable from the Debian archive ({packages}), {}",
                        crossroot_toolchain::clang::MIN_CLANG,
                        b.why()
                    ),
                    b.fix(),
                ),
                None => check(
                    Status::Ok,
                    name,
                    format!(
                        "no clang >= {} on the host; provisionable from the Debian archive into the cache on first use ({packages}); links with {}",
                        crossroot_toolchain::clang::MIN_CLANG,
                        linker(&plan.rust_lld)
                    ),
                    NOTHING_TO_DO,
                ),
            }
        }
    }
}

fn qemu(triple: &str, qemu: &str, runner: &RunnerPlan) -> Check {
    let name = "QEMU";
    match runner {
        RunnerPlan::Native => check(
            Status::Ok,
            name,
            format!("{triple} runs natively on this host; no QEMU needed"),
            NOTHING_TO_DO,
        ),
        RunnerPlan::Wine => check(
            Status::Ok,
            name,
            format!("{triple} runs under Wine; no QEMU needed"),
            NOTHING_TO_DO,
        ),
        RunnerPlan::Qemu(QemuFound::Path(p)) => check(
            Status::Ok,
            name,
            format!("{} on PATH", p.display()),
            NOTHING_TO_DO,
        ),
        RunnerPlan::Qemu(QemuFound::Cache(p)) => check(
            Status::Ok,
            name,
            format!("{} in the cache", p.display()),
            NOTHING_TO_DO,
        ),
        RunnerPlan::Missing(Fetch { packages, blocked }) => {
            let packages = packages.join(", ");
            match blocked {
                None => check(
                    Status::Ok,
                    name,
                    format!(
                        "no {qemu} >= {} on the host; provisionable from the Debian archive ({packages}) into the cache on first use",
                        crossroot_runner::MIN_QEMU
                    ),
                    NOTHING_TO_DO,
                ),
                Some(b) => check(
                    Status::Warn,
                    name,
                    format!(
                        "no {qemu} >= {} on the host; provisionable from the Debian archive ({packages}), {}",
                        crossroot_runner::MIN_QEMU,
                        b.why()
                    ),
                    b.fix(),
                ),
            }
        }
    }
}

fn binfmt() -> Check {
    let detail = if host::binfmt_misc_mounted() {
        "mounted; crossroot does not use it"
    } else {
        "not mounted; crossroot does not need it"
    };
    check(
        Status::Info,
        "binfmt_misc",
        detail,
        "nothing to do: crossroot runs target programs through QEMU explicitly",
    )
}

fn mirror_check(
    offline: bool,
    mirror: &Result<crossroot_config::MirrorChoice, crossroot_config::ConfigError>,
) -> Check {
    let name = "Debian mirror";
    match mirror {
        Ok(m) => check(
            Status::Ok,
            name,
            format!("{} (from {})", m.url, m.source),
            NOTHING_TO_DO,
        ),
        Err(e) => {
            let searched = match e {
                crossroot_config::ConfigError::NoMirror { searched } if !searched.is_empty() => {
                    format!(
                        " (read {})",
                        searched
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
                _ => String::new(),
            };
            let status = if offline { Status::Warn } else { Status::Fail };
            check(
                status,
                name,
                format!("{e}{searched}"),
                e.hint()
                    .unwrap_or_else(|| crossroot_config::NO_MIRROR_HINT.into()),
            )
        }
    }
}

fn release(t: &plan::TargetPlan) -> Check {
    let name = "Debian release";
    match &t.release {
        Ok(_) if t.windows.is_some() => check(
            Status::Ok,
            name,
            format!(
                "{} (the mingw-w64 and Wine packages, for the host's architecture)",
                crate::HOST_TOOLS_RELEASE
            ),
            NOTHING_TO_DO,
        ),
        Ok((r, configured)) => {
            let why = if *configured {
                "configured"
            } else if t.target.glibc_floor.is_some() {
                "from the glibc floor"
            } else {
                "default"
            };
            check(
                Status::Ok,
                name,
                format!("{r} ({why}) carries `{}`", t.target.spec.debian_arch),
                NOTHING_TO_DO,
            )
        }
        Err(e) => check(
            Status::Fail,
            name,
            e.to_string(),
            e.hint()
                .unwrap_or_else(|| "pick another release with --debian-release".into()),
        ),
    }
}

fn cache_dir(dir: &Path) -> Check {
    let name = "cache dir";
    let shown = dir.display();
    let fix_env = "set CROSSROOT_CACHE_DIR to a writable directory with a few GB free";
    if let Err(e) = fs_err::create_dir_all(dir) {
        return check(
            Status::Fail,
            name,
            format!("cannot create {shown}: {e}"),
            fix_env,
        );
    }
    let probe = dir.join(format!(".doctor-write-test-{}", std::process::id()));
    if let Err(e) = fs_err::write(&probe, b"ok") {
        return check(
            Status::Fail,
            name,
            format!("{shown} is not writable: {e}"),
            fix_env,
        );
    }
    let _ = fs_err::remove_file(&probe);
    match fs4::available_space(dir) {
        Ok(free) if free < FREE_FAIL => check(
            Status::Fail,
            name,
            format!("{shown} is writable but only {} free", human(free)),
            "free some space, or set CROSSROOT_CACHE_DIR elsewhere (`crossroot cache prune` removes unused files)",
        ),
        Ok(free) if free < FREE_WARN => check(
            Status::Warn,
            name,
            format!(
                "{shown} is writable; {} free (a sysroot needs up to 300 MB, clang ~300 MB)",
                human(free)
            ),
            "free some space, or set CROSSROOT_CACHE_DIR elsewhere",
        ),
        Ok(free) => check(
            Status::Ok,
            name,
            format!("{shown} is writable; {} free", human(free)),
            NOTHING_TO_DO,
        ),
        Err(e) => check(
            Status::Warn,
            name,
            format!("{shown} is writable; free space unknown ({e})"),
            NOTHING_TO_DO,
        ),
    }
}

fn dir_cookies(t: &Target, cache: &Path, work: Option<&Path>) -> Check {
    let name = "32-bit directory listing";
    let mut places = vec![("cache dir", cache)];
    if let Some(w) = work {
        places.push(("work dir", w));
    }
    let mut affected = Vec::new();
    let mut seen = Vec::new();
    for (label, path) in places {
        let fs = host::fs_type_of(path).unwrap_or_else(|| "unknown".into());
        if host::has_64bit_dir_cookies(&fs) {
            affected.push(format!("{label} {} is on {fs}", path.display()));
        }
        seen.push(format!("{label} on {fs}"));
    }
    if affected.is_empty() {
        return check(
            Status::Ok,
            name,
            format!("{}: no 64-bit directory cookies", seen.join(", ")),
            NOTHING_TO_DO,
        );
    }
    check(
        Status::Warn,
        name,
        format!(
            "{}: {} is 32-bit, and C code built without _FILE_OFFSET_BITS=64 may fail to list directories there under emulation (EOVERFLOW, `Value too large for defined data type`); Rust's std is not affected",
            affected.join(", "),
            t.triple()
        ),
        "crossroot builds C code through cc-rs with -D_FILE_OFFSET_BITS=64 (its default `CFLAGS_<target>`); keep that flag if you set your own CFLAGS, and build other C code with it too, or keep the directories it lists on tmpfs or btrfs",
    )
}

fn human(bytes: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}

/// The report `crossroot doctor` prints: a heading, two lines per check, a count.
pub fn report(target: Option<&Target>, checks: &[Check]) -> String {
    let mut out = Vec::new();
    match target {
        Some(t) => out.push(format!("crossroot doctor for {t}")),
        None => out.push("crossroot doctor (pass --target T for the target's checks)".into()),
    }
    out.push(String::new());
    for c in checks {
        out.push(format!("{:<5} {}: {}", c.status.label(), c.name, c.detail));
        out.push(format!("      fix: {}", c.fix));
    }
    let count = |s| checks.iter().filter(|c| c.status == s).count();
    out.push(String::new());
    let warnings = count(Status::Warn);
    out.push(format!(
        "{} ok, {} info, {warnings} {}, {} failed",
        count(Status::Ok),
        count(Status::Info),
        if warnings == 1 { "warning" } else { "warnings" },
        count(Status::Fail)
    ));
    out.join("\n")
}

#[cfg(test)]
mod windows_tests {
    use std::path::PathBuf;

    use super::*;

    fn plan(prefix: Option<PrefixPlan>, fixed: bool) -> WindowsPlan {
        WindowsPlan {
            mingw: TreePlan::Cached {
                root: PathBuf::from("/c/mingw"),
                version: Some("12.2.0-14".into()),
            },
            wine: TreePlan::Cached {
                root: PathBuf::from("/c/wine"),
                version: Some("8.0~repack-4".into()),
            },
            prefix,
            wine_fixed: fixed,
        }
    }

    #[test]
    fn a_damaged_prefix_warns_and_names_the_directory() {
        let checks = wine(&plan(Some(PrefixPlan::Damaged("/c/pfx".into())), true));
        assert_eq!(checks[0].status, Status::Ok);
        assert_eq!(
            checks[0].detail,
            "Wine 8.0~repack-4 in the cache (/c/wine); fixed and stripped"
        );
        assert_eq!(checks[1].name, "Wine prefix");
        assert_eq!(checks[1].status, Status::Warn);
        assert!(
            checks[1].detail.starts_with("/c/pfx is incomplete"),
            "{checks:?}"
        );
        assert!(checks[1].fix.contains("remove /c/pfx"), "{checks:?}");
    }

    #[test]
    fn a_tree_from_an_older_crossroot_is_fixed_on_first_use() {
        let checks = wine(&plan(Some(PrefixPlan::ToCreate("/c/pfx".into())), false));
        assert!(
            checks[0]
                .detail
                .ends_with("fixes and stripping made on first use"),
            "{checks:?}"
        );
        assert_eq!(checks[1].status, Status::Ok);
        assert!(
            checks[1].detail.starts_with("not created yet"),
            "{checks:?}"
        );
        let w = plan(Some(PrefixPlan::Ready("/c/pfx".into())), true);
        assert_eq!(wine(&w)[1].detail, "ready (/c/pfx)");
        assert_eq!(
            mingw(&w).detail,
            "GCC 12.2.0-14 (posix threads) in the cache (/c/mingw)"
        );
    }
}
