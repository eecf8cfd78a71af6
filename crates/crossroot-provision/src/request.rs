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
#[derive(Debug)]
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
    pub needs: Needs,
}

impl Request {
    /// Resolve `target` against the configuration: the one place that reads it.
    pub fn resolve(config: &Config, target: Target, needs: Needs) -> Result<Request, crate::Error> {
        let tc = config.for_target(target.triple());
        let release = target.release(tc.release)?;
        Ok(Request {
            packages: target_packages(&target, &tc.debian_packages),
            mirror: match config.mirror(Some(target.triple())) {
                Ok(m) => Ok(m),
                Err(ConfigError::NoMirror { searched }) => Err(NoMirror { searched }),
                Err(e) => return Err(e.into()),
            },
            release_configured: tc.release.is_some(),
            release,
            target,
            needs,
        })
    }

    /// The same target with `extra` packages added (`crossroot sysroot add`).
    pub fn with_packages(mut self, extra: &[String]) -> Request {
        for p in extra {
            if !self.packages.contains(p) {
                self.packages.push(p.clone());
            }
        }
        self
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

/// Base packages every sysroot of this kind needs on top of the project's.
pub fn target_packages(target: &Target, project: &[String]) -> Vec<String> {
    let mut pkgs: Vec<String> = project.to_vec();
    if target.spec.libc == Libc::Musl && !pkgs.iter().any(|p| p == "musl-dev") {
        pkgs.push("musl-dev".into());
    }
    pkgs
}
