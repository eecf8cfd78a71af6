//! crossroot's configuration, layered from lowest to highest precedence:
//! built-in defaults < `[workspace.metadata.crossroot]` < `[package.metadata.crossroot]` (both in
//! `Cargo.toml`) < `CROSSROOT_*` environment variables < command-line flags.
//!
//! Owns: finding the project's `Cargo.toml` and workspace root (by reading TOML directly, never by
//! running `cargo metadata`: a no-op build must stay fast), the metadata keys and their per-target
//! tables, the cache root, and the choice of Debian mirror (flag, `CROSSROOT_MIRROR`, config, or
//! the host's apt sources — see [`apt`]).
//!
//! Must not: read the process environment (the binary passes an [`Env`]; only the binary calls
//! [`Env::from_process`]), print anything (warnings are returned in [`Config::warnings`]), touch
//! the network, or know how sysroots are built.
//!
//! Keys, in `[workspace.metadata.crossroot]`, `[package.metadata.crossroot]` and in per-target
//! tables `[package.metadata.crossroot.target.<triple>]` (same for the workspace):
//!
//! | key | type | merge |
//! | --- | --- | --- |
//! | `debian-packages` | list of package names | every layer and target table adds to the list |
//! | `debian-release` | release name (`bookworm`, `trixie`, `12`, `stable`…) | highest layer wins |
//! | `mirror` | `http://`, `https://` or `file:///` URL of a Debian archive (see [`Mirror`]) | highest layer wins |
//! | `security-mirror` | URL of the security archive (`<release>-security`), when it is not `<mirror>-security` | highest layer wins |
//! | `updates` | boolean: also read `<release>-updates` and `<release>-security` (default `true`) | highest layer wins |
//! | `targets` | list of targets (`["aarch64-linux", "s390x-linux"]`), used when no `--target` is given; not in per-target tables | highest layer wins (the whole list) |
//! | `static-deps` | boolean: link the sysroot's static C libraries (`libssl.a`, `libz.a`…) | highest layer wins |
//!
//! For scalar keys the order is: flag > environment > package target table > package >
//! workspace target table > workspace. Environment: `CROSSROOT_MIRROR`,
//! `CROSSROOT_DEBIAN_RELEASE`, `CROSSROOT_DEBIAN_PACKAGES` (comma- or space-separated, added to
//! the list), `CROSSROOT_SECURITY_MIRROR`, `CROSSROOT_UPDATES=0` (as `--no-updates`), `CROSSROOT_CACHE_DIR`, `CROSSROOT_OFFLINE=1`, `CROSSROOT_STATIC_DEPS=1` (`0` turns
//! a `static-deps = true` of the files off; the flag `--static-deps` turns it on). A variable crossroot reads that is set
//! to a value that is not UTF-8 is an error naming it, never silently skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crossroot_target::Release;

pub mod apt;
mod cargo_args;
mod manifest;
pub mod mirror;

pub use cargo_args::CargoArgs;

pub use manifest::{find_manifest, find_workspace_root};
pub use mirror::{Mirror, MirrorError, MirrorFile, MirrorProblem, MirrorSource};

/// Environment variable names crossroot reads.
pub mod vars {
    pub const CACHE_DIR: &str = "CROSSROOT_CACHE_DIR";
    pub const MIRROR: &str = "CROSSROOT_MIRROR";
    pub const SECURITY_MIRROR: &str = "CROSSROOT_SECURITY_MIRROR";
    /// `0` reads only the release's main suite (as `--no-updates`).
    pub const UPDATES: &str = "CROSSROOT_UPDATES";
    pub const DEBIAN_RELEASE: &str = "CROSSROOT_DEBIAN_RELEASE";
    pub const DEBIAN_PACKAGES: &str = "CROSSROOT_DEBIAN_PACKAGES";
    pub const OFFLINE: &str = "CROSSROOT_OFFLINE";
    pub const STATIC_DEPS: &str = "CROSSROOT_STATIC_DEPS";
    /// Read by the binary only: the root under which the host's `etc/apt` is looked up
    /// (default `/`). Lets tests and unusual hosts point mirror discovery elsewhere.
    pub const APT_ROOT: &str = "CROSSROOT_APT_ROOT";
}

/// The hint shown when no mirror can be found anywhere.
pub const NO_MIRROR_HINT: &str = "pass --mirror URL, set CROSSROOT_MIRROR, or `mirror = \"URL\"` in [package.metadata.crossroot]";

/// A snapshot of environment variables. Tests build one with [`Env::from_pairs`] (or
/// [`Env::from_os_pairs`] for values that are not UTF-8); only the binary calls
/// [`Env::from_process`]. Empty values count as unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Variables with a UTF-8 name whose value is not UTF-8: reading one is an error
    /// ([`Env::value`]), not a silent "unset".
    not_unicode: BTreeSet<String>,
}

impl Env {
    /// The current process's environment. Variables whose name is not UTF-8 are left out (none
    /// of them can be one crossroot reads); those whose value is not UTF-8 are remembered.
    pub fn from_process() -> Self {
        Env::from_os_pairs(std::env::vars_os())
    }

    /// An environment holding these variables, as the OS gives them.
    pub fn from_os_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut env = Env::default();
        for (k, v) in pairs {
            let Ok(k) = k.into().into_string() else {
                continue;
            };
            match v.into().into_string() {
                Ok(v) => {
                    env.not_unicode.remove(&k);
                    env.vars.insert(k, v);
                }
                Err(_) => {
                    env.vars.remove(&k);
                    env.not_unicode.insert(k);
                }
            }
        }
        env
    }

    /// An environment holding exactly these variables.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_unicode: BTreeSet::new(),
        }
    }

    /// The value of `key`, or `None` when unset, empty or not UTF-8 (see [`Env::value`]).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of `key`, or `None` when unset or empty; an error naming `key` when its value
    /// is not UTF-8.
    pub fn value(&self, key: &str) -> Result<Option<&str>, ConfigError> {
        if self.not_unicode.contains(key) {
            return Err(ConfigError::NotUnicode {
                var: key.to_string(),
            });
        }
        Ok(self.get(key))
    }

    /// This environment with `key` set to `value`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.not_unicode.remove(&key);
        self.vars.insert(key, value.into());
        self
    }

    /// Every variable with a UTF-8 value, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether a boolean switch such as `CROSSROOT_OFFLINE` is on (`1`, `true`, `yes`).
    pub fn is_true(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
    }
}

/// The command-line flags that take part in configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub mirror: Option<String>,
    /// `--security-mirror`.
    pub security_mirror: Option<String>,
    /// `--no-updates`: read only the release's main suite.
    pub no_updates: bool,
    pub release: Option<String>,
    pub manifest_path: Option<PathBuf>,
    pub offline: bool,
    pub locked: bool,
    /// `--static-deps`.
    pub static_deps: bool,
}

impl Flags {
    /// Add the flags crossroot shares with cargo, read from cargo's own arguments by
    /// [`CargoArgs`] (`crossroot test --target T --offline`, where clap hands everything after
    /// the subcommand to cargo): `--offline`, `--locked`, `--frozen`, crossroot's
    /// `--static-deps`, and `--manifest-path` unless crossroot's own flag gave one.
    pub fn merge_cargo(mut self, cargo: &CargoArgs) -> Self {
        self.offline |= cargo.offline;
        self.locked |= cargo.locked;
        self.static_deps |= cargo.static_deps;
        if self.manifest_path.is_none() {
            self.manifest_path = cargo.manifest_path.clone();
        }
        self
    }
}

/// A Debian mirror and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorChoice {
    /// The archive root (`…/debian`).
    pub url: Mirror,
    pub source: MirrorSource,
    /// The security archive root (`…/debian-security`, serving `<release>-security`), if one
    /// is known: given, found in the host's apt sources, or derived from `url`.
    pub security: Option<SecurityRoot>,
}

/// The security archive root and how crossroot came to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityRoot {
    pub url: Mirror,
    pub source: SecuritySource,
}

/// Where the security archive root came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecuritySource {
    /// `--security-mirror`.
    Flag,
    /// `CROSSROOT_SECURITY_MIRROR`.
    Env,
    /// `security-mirror = …` in this `Cargo.toml`.
    Config(PathBuf),
    /// The host's apt sources, from this file.
    Apt(PathBuf),
    /// `<mirror>-security`, derived from a mirror whose path ends in `/debian`.
    Derived,
}

impl std::fmt::Display for SecuritySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecuritySource::Flag => f.write_str("--security-mirror"),
            SecuritySource::Env => f.write_str(vars::SECURITY_MIRROR),
            SecuritySource::Config(p) => write!(f, "`security-mirror` in {}", p.display()),
            SecuritySource::Apt(p) => write!(f, "apt sources ({})", p.display()),
            SecuritySource::Derived => f.write_str("derived from the mirror"),
        }
    }
}

/// The security root of a mirror whose path ends in `/debian`: the same path ending in
/// `/debian-security` (the layout of Debian's own mirrors). Pure.
pub fn derive_security(mirror: &Mirror) -> Option<Mirror> {
    if !mirror.request_url().ends_with("/debian") {
        return None;
    }
    Mirror::parse(
        &format!("{}-security", mirror.request_url()),
        MirrorSource::Flag,
    )
    .ok()
}

/// The configuration for one target, all layers merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetConfig {
    /// Extra Debian packages for the sysroot: every layer's list, general lists then target
    /// tables, duplicates removed, in first-seen order.
    pub debian_packages: Vec<String>,
    /// The Debian release the user asked for, if any (the target model picks a default).
    pub release: Option<Release>,
    /// A mirror from flag, environment or config (not apt discovery: see [`Config::mirror`]).
    pub mirror: Option<Mirror>,
    /// Link the sysroot's static C libraries (`--static-deps`, `CROSSROOT_STATIC_DEPS`,
    /// `static-deps`).
    pub static_deps: bool,
    /// Read `<release>-updates` and `<release>-security` besides the release (default; off
    /// with `--no-updates`, `CROSSROOT_UPDATES=0` or `updates = false`).
    pub updates: bool,
}

/// Why the configuration cannot be loaded or a mirror found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("manifest `{}` does not exist", path.display())]
    ManifestNotFound { path: PathBuf },
    #[error("`--manifest-path` must point to a `Cargo.toml` file, not `{}`", path.display())]
    ManifestNotCargoToml { path: PathBuf },
    /// Reading a file failed (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("could not parse `{}`: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("`{key}` in `{}` must be {expected}", path.display())]
    InvalidValue {
        path: PathBuf,
        key: String,
        expected: &'static str,
    },
    #[error("unknown Debian release `{value}` (from {origin})")]
    BadRelease { value: String, origin: String },
    #[error(transparent)]
    BadMirror(#[from] MirrorError),
    #[error("the environment variable `{var}` is set to a value that is not UTF-8")]
    NotUnicode { var: String },
    #[error("the environment variable `{var}` is set to `{value}`, which is not a switch")]
    BadSwitch { var: String, value: String },
    #[error("no cache directory: CROSSROOT_CACHE_DIR, XDG_CACHE_HOME and HOME are all unset")]
    NoCacheDir,
    #[error("no Debian mirror configured, and none found in the host's apt sources")]
    NoMirror {
        /// The apt source files that were read.
        searched: Vec<PathBuf>,
    },
}

impl crossroot_hint::Hint for ConfigError {
    /// What the user can do next.
    fn hint(&self) -> Option<String> {
        match self {
            ConfigError::ManifestNotFound { .. } | ConfigError::ManifestNotCargoToml { .. } => {
                Some("pass the path of a `Cargo.toml`, or run crossroot inside a cargo project".into())
            }
            ConfigError::InvalidValue { .. } => Some(
                "see the crossroot-config docs: `debian-packages` and `targets` are lists of strings, `debian-release` and `mirror` are strings, `static-deps` is `true` or `false`".into(),
            ),
            ConfigError::BadRelease { .. } => Some(format!(
                "use one of: {}",
                Release::ALL
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            ConfigError::BadMirror(e) => e.hint(),
            ConfigError::NotUnicode { var } => {
                Some(format!("set `{var}` to a UTF-8 value, or unset it"))
            }
            ConfigError::BadSwitch { var, .. } => {
                Some(format!("set `{var}` to `1` (on) or `0` (off), or unset it"))
            }
            ConfigError::NoCacheDir => Some(format!("set {} to a writable directory", vars::CACHE_DIR)),
            ConfigError::NoMirror { .. } => Some(NO_MIRROR_HINT.into()),
            ConfigError::Io(_) | ConfigError::Parse { .. } => None,
        }
    }
}

/// Settings from one `Cargo.toml` table (general or per-target).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layer {
    pub(crate) packages: Vec<String>,
    pub(crate) release: Option<Release>,
    pub(crate) mirror: Option<Mirror>,
    pub(crate) security_mirror: Option<Mirror>,
    pub(crate) updates: Option<bool>,
    /// `targets = [...]` (general tables only), as written.
    pub(crate) targets: Option<Vec<String>>,
    pub(crate) static_deps: Option<bool>,
}

/// One `[*.metadata.crossroot]` section with its per-target tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileLayer {
    pub(crate) file: PathBuf,
    pub(crate) general: Layer,
    pub(crate) targets: BTreeMap<String, Layer>,
}

/// The loaded configuration. Cheap to build: reads at most a few `Cargo.toml` files.
#[derive(Debug, Clone)]
pub struct Config {
    /// The directory of the project's `Cargo.toml`, if crossroot runs inside a project.
    pub manifest_dir: Option<PathBuf>,
    /// The workspace root: where `Cargo.lock` and `crossroot.lock` live.
    pub workspace_root: Option<PathBuf>,
    /// crossroot's cache root.
    pub cache_dir: PathBuf,
    /// Problems worth telling the user about (unknown keys, misspelt target tables), each
    /// naming its file and key. The binary prints them.
    pub warnings: Vec<String>,
    /// `--offline` or `CROSSROOT_OFFLINE`.
    pub offline: bool,
    /// `--locked`.
    pub locked: bool,
    /// Lowest precedence first: workspace, then package.
    layers: Vec<FileLayer>,
    env_packages: Vec<String>,
    env_release: Option<Release>,
    env_mirror: Option<Mirror>,
    flag_release: Option<Release>,
    flag_mirror: Option<Mirror>,
    env_security: Option<Mirror>,
    flag_security: Option<Mirror>,
    env_updates: Option<bool>,
    flag_no_updates: bool,
    env_static_deps: Option<bool>,
    flag_static_deps: bool,
    apt_root: PathBuf,
}

impl Config {
    /// Load the configuration as seen from `cwd`. `apt_root` is the directory under which the
    /// host's `etc/apt` lives (`/` outside tests); it is read only by [`Config::mirror`].
    pub fn load(
        cwd: &Path,
        env: &Env,
        flags: &Flags,
        apt_root: &Path,
    ) -> Result<Config, ConfigError> {
        let mut warnings = Vec::new();
        let manifest = match &flags.manifest_path {
            Some(path) => Some(manifest::check_manifest_path(&cwd.join(path))?),
            None => find_manifest(cwd),
        };
        let (manifest_dir, workspace_root, layers) = match &manifest {
            Some(path) => {
                let loaded = manifest::load_layers(path, &mut warnings)?;
                (
                    path.parent().map(Path::to_path_buf),
                    Some(loaded.workspace_root),
                    loaded.layers,
                )
            }
            None => (None, None, Vec::new()),
        };

        let cache_dir = cache_dir(cwd, env)?;

        let env_packages = env
            .value(vars::DEBIAN_PACKAGES)?
            .map(|v| {
                v.split([',', ' ', '\t', '\n'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let env_release = env
            .value(vars::DEBIAN_RELEASE)?
            .map(|v| parse_release(v, vars::DEBIAN_RELEASE))
            .transpose()?;
        let flag_release = flags
            .release
            .as_deref()
            .map(|v| parse_release(v, "--debian-release"))
            .transpose()?;
        let env_mirror = env
            .value(vars::MIRROR)?
            .map(|v| Mirror::parse(v, MirrorSource::Env))
            .transpose()?;
        let flag_mirror = flags
            .mirror
            .as_deref()
            .map(|v| Mirror::parse(v, MirrorSource::Flag))
            .transpose()?;
        let env_security = env
            .value(vars::SECURITY_MIRROR)?
            .map(|v| Mirror::parse(v, MirrorSource::Env))
            .transpose()?;
        let flag_security = flags
            .security_mirror
            .as_deref()
            .map(|v| Mirror::parse(v, MirrorSource::Flag))
            .transpose()?;
        let env_updates = env
            .value(vars::UPDATES)?
            .map(|v| parse_bool(v, vars::UPDATES))
            .transpose()?;
        env.value(vars::OFFLINE)?;
        let env_static_deps = env
            .value(vars::STATIC_DEPS)?
            .map(|v| parse_bool(v, vars::STATIC_DEPS))
            .transpose()?;

        Ok(Config {
            manifest_dir,
            workspace_root,
            cache_dir,
            warnings,
            offline: flags.offline || env.is_true(vars::OFFLINE),
            locked: flags.locked,
            layers,
            env_packages,
            env_release,
            env_mirror,
            flag_release,
            flag_mirror,
            env_security,
            flag_security,
            env_updates,
            flag_no_updates: flags.no_updates,
            env_static_deps,
            flag_static_deps: flags.static_deps,
            apt_root: apt_root.to_path_buf(),
        })
    }

    /// The settings for `triple` (a full Rust triple), all layers merged.
    pub fn for_target(&self, triple: &str) -> TargetConfig {
        let mut packages: Vec<String> = Vec::new();
        let mut add = |list: &[String]| {
            for p in list {
                if !packages.contains(p) {
                    packages.push(p.clone());
                }
            }
        };
        for layer in &self.layers {
            add(&layer.general.packages);
            if let Some(t) = layer.targets.get(triple) {
                add(&t.packages);
            }
        }
        add(&self.env_packages);

        let release = self
            .flag_release
            .or(self.env_release)
            .or_else(|| self.file_scalar(triple, |l| l.release).map(|(r, _)| r));
        let mirror = self
            .flag_mirror
            .clone()
            .or_else(|| self.env_mirror.clone())
            .or_else(|| self.config_mirror(Some(triple)).map(|(m, _)| m));
        let static_deps = self.flag_static_deps
            || self
                .env_static_deps
                .or_else(|| self.file_scalar(triple, |l| l.static_deps).map(|(v, _)| v))
                .unwrap_or(false);
        TargetConfig {
            debian_packages: packages,
            release,
            mirror,
            static_deps,
            updates: self.updates(Some(triple)),
        }
    }

    /// Whether `<release>-updates` and `<release>-security` are read besides the release:
    /// `--no-updates` > `CROSSROOT_UPDATES` > `updates` in the files > yes.
    pub fn updates(&self, triple: Option<&str>) -> bool {
        if self.flag_no_updates {
            return false;
        }
        if let Some(v) = self.env_updates {
            return v;
        }
        let from_files = match triple {
            Some(t) => self.file_scalar(t, |l| l.updates).map(|(v, _)| v),
            None => self.layers.iter().rev().find_map(|l| l.general.updates),
        };
        from_files.unwrap_or(true)
    }

    /// The security root to use with `main` (chosen by [`Config::mirror`]): `--security-mirror`,
    /// `CROSSROOT_SECURITY_MIRROR`, the config, the host's apt sources (only when `main` came from
    /// them too), else `<main>-security` when `main`'s path ends in `/debian`.
    fn security(
        &self,
        triple: Option<&str>,
        main: &Mirror,
        apt: Option<&apt::Sources>,
    ) -> Option<SecurityRoot> {
        let given = |url: &Option<Mirror>, source: SecuritySource| {
            url.clone().map(|url| SecurityRoot { url, source })
        };
        given(&self.flag_security, SecuritySource::Flag)
            .or_else(|| given(&self.env_security, SecuritySource::Env))
            .or_else(|| {
                let (url, file) = match triple {
                    Some(t) => self.file_scalar(t, |l| l.security_mirror.clone()),
                    None => self.layers.iter().rev().find_map(|l| {
                        l.general
                            .security_mirror
                            .clone()
                            .map(|m| (m, l.file.clone()))
                    }),
                }?;
                Some(SecurityRoot {
                    url,
                    source: SecuritySource::Config(file),
                })
            })
            .or_else(|| {
                let (url, file) = apt::pick_security(&apt?.sources)?;
                Some(SecurityRoot {
                    url,
                    source: SecuritySource::Apt(file),
                })
            })
            .or_else(|| {
                derive_security(main).map(|url| SecurityRoot {
                    url,
                    source: SecuritySource::Derived,
                })
            })
    }

    /// The Debian mirror to use for `triple` (or for no target in particular): `--mirror`, then
    /// `CROSSROOT_MIRROR`, then the config, then the host's apt sources (read only now).
    pub fn mirror(&self, triple: Option<&str>) -> Result<MirrorChoice, ConfigError> {
        let given = self
            .flag_mirror
            .clone()
            .map(|url| (url, MirrorSource::Flag))
            .or_else(|| self.env_mirror.clone().map(|url| (url, MirrorSource::Env)))
            .or_else(|| {
                self.config_mirror(triple)
                    .map(|(url, file)| (url, MirrorSource::Config(file)))
            });
        if let Some((url, source)) = given {
            let security = self.security(triple, &url, None);
            return Ok(MirrorChoice {
                url,
                source,
                security,
            });
        }
        let found = apt::read_sources(&self.apt_root);
        match apt::pick_debian(&found.sources) {
            Some((url, file)) => Ok(MirrorChoice {
                security: self.security(triple, &url, Some(&found)),
                url,
                source: MirrorSource::Apt(file),
            }),
            None => Err(ConfigError::NoMirror {
                searched: found.files,
            }),
        }
    }

    /// The `targets = [...]` list of the highest layer that has one (package over workspace),
    /// as written (aliases allowed), and the file it came from. Commands that build use it when
    /// no `--target` is given.
    pub fn targets(&self) -> Option<(&[String], &Path)> {
        self.layers
            .iter()
            .rev()
            .find_map(|l| Some((l.general.targets.as_deref()?, l.file.as_path())))
    }

    /// The directory `Cargo.lock` and `crossroot.lock` live in: the workspace root, else `cwd`.
    pub fn lock_dir<'a>(&'a self, cwd: &'a Path) -> &'a Path {
        self.workspace_root.as_deref().unwrap_or(cwd)
    }

    /// A scalar from the files: package target table > package > workspace target table >
    /// workspace; returns the value and the file it came from.
    fn file_scalar<T>(
        &self,
        triple: &str,
        get: impl Fn(&Layer) -> Option<T>,
    ) -> Option<(T, PathBuf)> {
        for layer in self.layers.iter().rev() {
            if let Some(v) = layer.targets.get(triple).and_then(&get) {
                return Some((v, layer.file.clone()));
            }
            if let Some(v) = get(&layer.general) {
                return Some((v, layer.file.clone()));
            }
        }
        None
    }

    fn config_mirror(&self, triple: Option<&str>) -> Option<(Mirror, PathBuf)> {
        match triple {
            Some(t) => self.file_scalar(t, |l| l.mirror.clone()),
            None => self
                .layers
                .iter()
                .rev()
                .find_map(|l| l.general.mirror.clone().map(|m| (m, l.file.clone()))),
        }
    }
}

/// The cache root from `env`: `CROSSROOT_CACHE_DIR` (relative paths are taken from `cwd`), else
/// `$XDG_CACHE_HOME/crossroot` (if absolute), else `$HOME/.cache/crossroot`. The first of these
/// that is set to a value that is not UTF-8 is an error.
pub fn cache_dir(cwd: &Path, env: &Env) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = env.value(vars::CACHE_DIR)? {
        return Ok(cwd.join(dir));
    }
    if let Some(xdg) = env
        .value("XDG_CACHE_HOME")?
        .filter(|x| Path::new(x).is_absolute())
    {
        return Ok(Path::new(xdg).join("crossroot"));
    }
    if let Some(home) = env.value("HOME")? {
        return Ok(Path::new(home).join(".cache").join("crossroot"));
    }
    Err(ConfigError::NoCacheDir)
}

/// A boolean switch from the environment: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`.
fn parse_bool(value: &str, var: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::BadSwitch {
            var: var.to_string(),
            value: value.to_string(),
        }),
    }
}

fn parse_release(value: &str, origin: &str) -> Result<Release, ConfigError> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("stable") {
        // The newest release crossroot knows as stable.
        return Ok(Release::Trixie);
    }
    v.parse::<Release>().map_err(|_| ConfigError::BadRelease {
        value: value.to_string(),
        origin: origin.to_string(),
    })
}

#[cfg(test)]
mod tests;
