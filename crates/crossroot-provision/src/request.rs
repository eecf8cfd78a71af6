//! The resolved request: everything provisioning needs to know, decided once per command.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use crossroot_config::{Config, ConfigError, MirrorChoice};
use crossroot_target::{Libc, Release, Target};

/// What the caller is going to do with the environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Target programs will run (test, run, bench, exec, env): provision the runner.
    pub runner: bool,
}

/// Whether the archive's signatures and hashes are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// The chain of trust: signed `InRelease` → `Packages.xz` → `.deb` SHA-256.
    Checked,
    /// `--insecure-skip-verify`: nothing is checked.
    InsecureSkip,
}

/// A read-only view of the host's environment (`PATH`, user-set `CC_<target>`…), so the
/// library never reads the process environment itself.
#[derive(Clone)]
pub struct HostEnv(Arc<Lookup>);

/// How [`HostEnv`] reads a variable.
type Lookup = dyn Fn(&str) -> Option<OsString> + Send + Sync;

impl HostEnv {
    /// The environment of this process (called by the binary only).
    pub fn from_process() -> Self {
        HostEnv(Arc::new(|k| std::env::var_os(k)))
    }

    /// Exactly these variables (tests).
    pub fn from_pairs<K: Into<String>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let map: std::collections::BTreeMap<String, OsString> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        HostEnv(Arc::new(move |k| map.get(k).cloned()))
    }

    pub fn get(&self, key: &str) -> Option<OsString> {
        (self.0)(key)
    }
}

impl std::fmt::Debug for HostEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostEnv")
    }
}

/// Settings shared by every target of one command, from the configuration and the flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The working directory (where rustup's toolchain override is looked up).
    pub cwd: PathBuf,
    pub config: Config,
    pub verify: Verify,
    /// A keyring to check `InRelease` with instead of the default one.
    pub keyring: Option<PathBuf>,
    pub env: HostEnv,
}

impl Settings {
    /// `--offline`, `--frozen` or `CROSSROOT_OFFLINE`: nothing may be downloaded.
    pub fn offline(&self) -> bool {
        self.config.offline
    }

    /// `crossroot.lock` next to `Cargo.lock`, when crossroot runs inside a cargo project.
    pub fn lock_path(&self) -> Option<PathBuf> {
        self.config.workspace_root.as_ref().map(|_| {
            self.config
                .lock_dir(&self.cwd)
                .join(crossroot_archive::LOCKFILE_NAME)
        })
    }
}

/// One target, resolved once: its release, packages and mirror. Everything below takes this
/// value and never looks at the configuration again.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: Target,
    pub release: Release,
    /// The project's packages plus what the target kind needs (`musl-dev` for musl).
    pub packages: Vec<String>,
    /// The mirror, or where crossroot looked for one (an error only once something must be
    /// fetched).
    pub mirror: Result<MirrorChoice, NoMirror>,
    /// Whether the release came from the configuration (`--debian-release`, config, env).
    pub release_configured: bool,
    /// Link the sysroot's static C libraries and check that no NEEDED library outside glibc
    /// remains (`--static-deps`, `CROSSROOT_STATIC_DEPS`, `static-deps`). Always false for
    /// musl, whose binaries are static anyway.
    pub static_deps: bool,
    /// Read `<release>-updates` and `<release>-security` besides the release (`--no-updates`,
    /// `CROSSROOT_UPDATES=0` and `updates = false` turn it off).
    pub updates: bool,
    pub needs: Needs,
}

impl Request {
    /// Resolve `target` against the configuration: the one place that reads it.
    pub fn resolve(config: &Config, target: Target, needs: Needs) -> Result<Request, crate::Error> {
        let tc = config.for_target(target.triple());
        let release = target.release(tc.release)?;
        crate::glibc::check_release(&target, release)?;
        check_musl_packages(&target, &tc.debian_packages)?;
        Ok(Request {
            packages: target_packages(&target, &tc.debian_packages),
            mirror: match config.mirror(Some(target.triple())) {
                Ok(m) => Ok(m),
                Err(ConfigError::NoMirror { searched }) => Err(NoMirror { searched }),
                Err(e) => return Err(e.into()),
            },
            release_configured: tc.release.is_some(),
            static_deps: tc.static_deps && target.spec.libc == Libc::Gnu,
            updates: tc.updates,
            release,
            target,
            needs,
        })
    }

    /// The same target with `extra` packages added (`crossroot sysroot add`); for musl, a
    /// Debian library is refused as in [`Request::resolve`].
    pub fn with_packages(mut self, extra: &[String]) -> Result<Request, crate::Error> {
        check_musl_packages(&self.target, extra)?;
        for p in extra {
            if !self.packages.contains(p) {
                self.packages.push(p.clone());
            }
        }
        Ok(self)
    }
}

/// No mirror is configured and none was found in the host's apt sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMirror {
    /// The apt source files that were read.
    pub searched: Vec<PathBuf>,
}

impl From<NoMirror> for ConfigError {
    fn from(e: NoMirror) -> ConfigError {
        ConfigError::NoMirror {
            searched: e.searched,
        }
    }
}

/// Debian packages a musl sysroot may hold besides its base set: musl itself and the kernel's
/// headers. Everything else Debian ships is built against glibc (its `-dev` packages pull in
/// `libc6-dev`, whose `libc.a` and crt files then end up on the musl link line).
pub const MUSL_ALLOWED_PACKAGES: &[&str] = &["musl-dev", "musl-tools", "linux-libc-dev"];

/// A musl target may not ask for Debian's libraries (see [`MUSL_ALLOWED_PACKAGES`]): refuse
/// before anything is built, naming them.
pub fn check_musl_packages(target: &Target, packages: &[String]) -> Result<(), crate::Error> {
    if target.spec.libc != Libc::Musl {
        return Ok(());
    }
    let refused: Vec<String> = packages
        .iter()
        .filter(|p| !MUSL_ALLOWED_PACKAGES.contains(&p.as_str()))
        .cloned()
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let gnu = target.spec.triple.replace("-musl", "-gnu");
    Err(crate::Error::MuslWithDebianLibraries {
        target: target.to_string(),
        packages: refused,
        gnu: crossroot_target::by_triple(&gnu).map(|s| s.triple),
    })
}

/// Base packages every sysroot of this kind needs on top of the project's.
pub fn target_packages(target: &Target, project: &[String]) -> Vec<String> {
    let mut pkgs: Vec<String> = project.to_vec();
    if target.spec.libc == Libc::Musl && !pkgs.iter().any(|p| p == "musl-dev") {
        pkgs.push("musl-dev".into());
    }
    pkgs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;

    fn config(env: &[(&str, &str)], flags: crossroot_config::Flags) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home").display().to_string();
        let env = crossroot_config::Env::from_pairs(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain([("HOME".to_string(), home)]),
        );
        let cfg =
            Config::load(dir.path(), &env, &flags, &dir.path().join("no-apt")).expect("config");
        (dir, cfg)
    }

    fn target(name: &str) -> Target {
        crossroot_target::parse(name).expect("target")
    }

    #[test]
    fn musl_refuses_debian_libraries_before_building() {
        let (_dir, cfg) = config(
            &[(
                "CROSSROOT_DEBIAN_PACKAGES",
                "zlib1g-dev musl-tools libssl-dev",
            )],
            Default::default(),
        );
        let err =
            Request::resolve(&cfg, target("x86_64-musl"), Needs::default()).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "`x86_64-unknown-linux-musl` cannot use the Debian packages `zlib1g-dev`, \
             `libssl-dev`: Debian builds its libraries against glibc, and glibc objects must \
             never be linked into a musl binary"
        );
        let hint = err.hint().expect("hint");
        assert!(hint.contains("`libz-sys` with `static`"), "{hint}");
        assert!(
            hint.contains("build for `x86_64-unknown-linux-gnu` with `--static-deps`"),
            "{hint}"
        );
        // The same packages are fine for glibc.
        let req = Request::resolve(&cfg, target("x86_64-linux"), Needs::default()).expect("gnu");
        assert!(req.packages.contains(&"zlib1g-dev".to_string()));
    }

    #[test]
    fn musl_with_its_own_packages_only_resolves() {
        let (_dir, cfg) = config(
            &[("CROSSROOT_DEBIAN_PACKAGES", "musl-tools")],
            Default::default(),
        );
        let req = Request::resolve(&cfg, target("aarch64-unknown-linux-musl"), Needs::default())
            .expect("allowed");
        assert_eq!(req.packages, ["musl-tools", "musl-dev"]);
        // `crossroot sysroot add` is held to the same rule.
        let err = req
            .with_packages(&["libsqlite3-dev".to_string()])
            .expect_err("refused");
        assert!(err.to_string().contains("`libsqlite3-dev`"), "{err}");
    }

    #[test]
    fn static_deps_is_resolved_once_and_only_for_glibc() {
        let flags = crossroot_config::Flags {
            static_deps: true,
            ..Default::default()
        };
        let (_dir, cfg) = config(&[], flags);
        let gnu = Request::resolve(&cfg, target("aarch64-linux"), Needs::default()).expect("gnu");
        assert!(gnu.static_deps);
        let musl = Request::resolve(&cfg, target("aarch64-unknown-linux-musl"), Needs::default())
            .expect("musl");
        assert!(!musl.static_deps, "musl binaries are static anyway");
        let (_dir, cfg) = config(&[], Default::default());
        let plain = Request::resolve(&cfg, target("aarch64-linux"), Needs::default()).expect("gnu");
        assert!(!plain.static_deps);
    }
}
