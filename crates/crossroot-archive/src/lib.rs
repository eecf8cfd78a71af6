//! The Debian archive client: fetch, verify the chain, build sysroots and host tool trees, and
//! keep `crossroot.lock`.
//!
//! Owns: HTTP (retries, parallel downloads, conditional requests), the chain of trust
//! `InRelease` signature → `Packages.xz` hash → `.deb` hash, staging and atomic persist of
//! sysroots in the cache, the lockfile, and the `ensure_*` API the binary and the toolchain call.
//! Must not: parse Debian formats or resolve dependencies itself (that is `crossroot-debian`),
//! unpack `.deb`s itself (that is `crossroot-extract`), print anything (progress goes through
//! [`crossroot_store::Reporter`]), or write outside the cache and the lockfile.

use std::path::PathBuf;
use std::sync::Arc;

pub use crossroot_config::Mirror;
pub use crossroot_store::{Cache, Reporter};
pub use crossroot_target::Release;

mod build;
mod debian;
mod error;
mod http;
mod index;
mod lockfile;
mod sysroot;

pub use build::human_bytes;
pub use crossroot_extract::{FilterError, PathFilter};
pub use error::{ALLOW_ROLLBACK_VAR, ArchiveError};
pub use http::{
    HTTP_LOW_SPEED_LIMIT_VAR, HTTP_LOW_SPEED_TIME_VAR, HTTP_MAX_UNSIGNED_SIZE_VAR,
    HTTP_TIMEOUT_VAR, HttpLimits,
};
pub use lockfile::{LOCKFILE_NAME, LockedPackage, LockedTarget, Lockfile};
pub use sysroot::{
    HostTree, InstalledPackage, Manifest, Sysroot, find_host_tree, find_sysroot, library_owners,
    list_sysroots, prune, remove_sysroots,
};

/// How the client talks to the archive.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The Debian mirror (validated by `crossroot-config`: requests go to its
    /// [`Mirror::request_url`], messages show its redacted `Display`).
    pub mirror: Mirror,
    /// The security archive root, serving `<release>-security` (`None`: that suite is not read).
    pub security: Option<Mirror>,
    /// Read `<release>-updates` (and `<release>-security` when `security` is known) besides the
    /// release, taking the newest version of each package across them. Sysroots only: host
    /// tool trees are resolved from the release alone.
    pub updates: bool,
    pub cache: Cache,
    /// Use only what is cached; fail naming exactly what is missing.
    pub offline: bool,
    /// Fail if the lockfile would change.
    pub locked: bool,
    /// `false` only with `--insecure-skip-verify`: no signature or hash checks.
    pub verify: bool,
    /// Keyring to verify `InRelease` with (default: the host's Debian archive keyring if
    /// present, else the one crossroot carries).
    pub keyring: Option<PathBuf>,
}

/// One suite a sysroot is resolved from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    /// `bookworm`, `bookworm-updates`, `bookworm-security`.
    pub name: String,
    /// Whether it lives on the security archive root rather than the mirror.
    pub security: bool,
}

/// The value of [`LockedPackage::archive`] for a package of the security archive root.
pub const SECURITY_ARCHIVE: &str = "security";

/// The suites a sysroot of `release` is resolved from: the release itself, then (with `updates`)
/// `<release>-updates` and, when a security root is known, `<release>-security`. `sid` has
/// neither. The first is required; the others are skipped when the mirror lacks them.
pub fn suites(release: Release, updates: bool, security: bool) -> Vec<Suite> {
    let name = release.name();
    let mut out = vec![Suite {
        name: name.to_string(),
        security: false,
    }];
    if updates && release != Release::Sid {
        out.push(Suite {
            name: format!("{name}-updates"),
            security: false,
        });
        if security {
            out.push(Suite {
                name: format!("{name}-security"),
                security: true,
            });
        }
    }
    out
}

/// The names of [`suites`], as manifests and the lockfile record them.
pub fn suite_names(release: Release, updates: bool, security: bool) -> Vec<String> {
    suites(release, updates, security)
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// The host's Debian archive keyring, used when present.
pub const HOST_KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// The environment variable with a test hook: milliseconds to sleep after each extracted `.deb`
/// (lets crash tests kill a process in the middle of extraction).
pub const TEST_EXTRACT_DELAY_VAR: &str = "CROSSROOT_TEST_EXTRACT_DELAY_MS";

/// A client for one mirror and one cache.
pub struct ArchiveClient {
    opts: ClientOptions,
    reporter: Arc<dyn Reporter>,
    http: http::Http,
    /// Loaded on first use: parsing keyrings costs tens of milliseconds the fast path skips.
    keyring: std::sync::OnceLock<Result<debian::Keyring, String>>,
}

impl std::fmt::Debug for ArchiveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveClient")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl ArchiveClient {
    /// A client for `opts.mirror`. Cannot fail today (the mirror is validated by its type);
    /// the `Result` leaves room for options that need checking.
    pub fn new(opts: ClientOptions, reporter: Arc<dyn Reporter>) -> Result<Self, ArchiveError> {
        if !opts.verify {
            reporter.status(
                "Warning",
                "--insecure-skip-verify: the archive's signatures and hashes are NOT checked",
            );
        }
        Ok(ArchiveClient {
            opts,
            reporter,
            http: http::Http::new(http::HttpLimits::from_env()?),
            keyring: std::sync::OnceLock::new(),
        })
    }

    fn keyring(&self) -> Result<&debian::Keyring, ArchiveError> {
        let loaded = self.keyring.get_or_init(|| {
            if self.opts.verify {
                debian::Keyring::load(self.opts.keyring.as_deref()).map_err(|e| e.to_string())
            } else {
                Ok(debian::Keyring::none())
            }
        });
        match loaded {
            Ok(k) => Ok(k),
            Err(_) => {
                // Load again to return the typed error (only on this failure path).
                Err(debian::Keyring::load(self.opts.keyring.as_deref())
                    .err()
                    .unwrap_or_else(|| ArchiveError::Io(std::io::Error::other("keyring"))))
            }
        }
    }

    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// The mirror this client fetches from.
    pub fn mirror(&self) -> &Mirror {
        &self.opts.mirror
    }

    /// The archive root a package recorded with `archive` comes from (see
    /// [`LockedPackage::archive`]).
    pub(crate) fn root_of(&self, pkg: &LockedPackage) -> Result<&Mirror, ArchiveError> {
        match pkg.archive.as_deref() {
            None => Ok(&self.opts.mirror),
            Some(SECURITY_ARCHIVE) => {
                self.opts
                    .security
                    .as_ref()
                    .ok_or_else(|| ArchiveError::NoSecurityMirror {
                        package: format!("{} {}", pkg.name, pkg.version),
                    })
            }
            Some(other) => Err(ArchiveError::UnknownArchive {
                package: format!("{} {}", pkg.name, pkg.version),
                archive: other.to_string(),
            }),
        }
    }

    /// Bytes received from the mirror by this client so far.
    pub fn bytes_fetched(&self) -> u64 {
        self.http.bytes_fetched()
    }

    /// HTTP requests this client has sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.http.requests()
    }
}
