//! The archive client's one error type.

use std::path::PathBuf;

use crate::http::{
    HTTP_LOW_SPEED_LIMIT_VAR, HTTP_LOW_SPEED_TIME_VAR, HTTP_MAX_UNSIGNED_SIZE_VAR, HTTP_TIMEOUT_VAR,
};

/// The environment variable that lets a deliberately older `InRelease` replace a newer cached one.
pub const ALLOW_ROLLBACK_VAR: &str = "CROSSROOT_ALLOW_RELEASE_ROLLBACK";

fn oversized(url: &str, limit: u64, signed: bool) -> String {
    if signed {
        format!("`{url}` is larger than its signed size of {limit} bytes; stopped reading there")
    } else {
        let limit = if limit % (1 << 20) == 0 {
            format!("{} MiB", limit >> 20)
        } else {
            format!("{limit} bytes")
        };
        format!(
            "`{url}` is larger than {limit}, the most crossroot reads of a file without a signed \
             size; stopped reading there"
        )
    }
}

/// Anything that can go wrong while fetching, verifying or building a sysroot.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot reach `{url}`")]
    Connect {
        url: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("`{url}` answered HTTP {status}")]
    HttpStatus { url: String, status: u16 },
    #[error("`{url}` does not exist on the mirror (HTTP 404)")]
    NotFound { url: String },
    #[error("download of `{url}` was cut short: got {got} of {expected} bytes")]
    Truncated {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("SHA-256 mismatch for `{file}`: expected {expected}, got {actual}")]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error("size mismatch for `{file}`: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        file: String,
        expected: u64,
        actual: u64,
    },
    #[error("the OpenPGP signature of `{url}` does not verify against the keyring `{keyring}`")]
    BadSignature {
        url: String,
        keyring: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot read the keyring `{path}`")]
    Keyring {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("`{path}` is not listed in the signed `{release_url}`, so it cannot be verified")]
    NotInRelease { path: String, release_url: String },
    #[error("cannot parse `{what}`")]
    Parse {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot resolve the packages for `{arch}` ({release})")]
    Resolve {
        arch: String,
        release: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `deb` names the package file, or the tree being finalized.
    #[error("cannot unpack `{deb}`")]
    Extract {
        deb: String,
        #[source]
        source: crossroot_extract::ExtractError,
    },
    #[error(
        "`{deb}` unpacks to more than {limit} bytes, though its signed Installed-Size is \
         {installed_kib} KiB: refused as a decompression bomb"
    )]
    UnpacksTooLarge {
        deb: String,
        installed_kib: u64,
        limit: u64,
    },
    #[error("--offline: {} needed file(s) are not in the cache:\n{}", missing.len(), missing.iter().map(|m| format!("    {m}")).collect::<Vec<_>>().join("\n"))]
    OfflineMissing { missing: Vec<String> },
    #[error("--locked: crossroot.lock would change for `{target}`: {reason}")]
    LockWouldChange { target: String, reason: String },
    #[error("cannot read the lockfile `{path}`")]
    Lockfile {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the sysroot manifest `{path}` is damaged")]
    Manifest {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("`{value}` in {var} is not {expected}")]
    BadEnv {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("`{url}` did not finish within {secs} s ({HTTP_TIMEOUT_VAR})")]
    Deadline { url: String, secs: u64 },
    #[error(
        "`{url}` is too slow: {got} bytes in the last {secs} s, below {limit} bytes/s \
         ({HTTP_LOW_SPEED_LIMIT_VAR} over {HTTP_LOW_SPEED_TIME_VAR})"
    )]
    TooSlow {
        url: String,
        got: u64,
        secs: u64,
        limit: u64,
    },
    #[error("{}", oversized(url, *limit, *signed))]
    Oversized {
        url: String,
        limit: u64,
        signed: bool,
    },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("refusing `{url}`")]
    ReleaseCheck {
        url: String,
        #[source]
        source: crossroot_debian::verify::ReleaseCheckError,
    },
    #[error("the cached package `{deb}` is damaged (`{}`)", path.display())]
    DamagedCache {
        deb: String,
        path: PathBuf,
        /// Whether crossroot could remove it.
        removed: bool,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("`{package}` comes from the security archive, but no security mirror is known")]
    NoSecurityMirror { package: String },
    #[error(
        "`{package}` is recorded as coming from the archive `{archive}`, which crossroot does not know"
    )]
    UnknownArchive { package: String, archive: String },
    /// A file that an update suite's verified `InRelease` lists is missing on the mirror or
    /// not what it says (a mirror caught mid-sync).
    #[error("the mirror's `{suite}` is inconsistent: {source}")]
    UpdateSuite {
        suite: String,
        #[source]
        source: Box<ArchiveError>,
    },
    #[error(transparent)]
    Store(#[from] crossroot_store::StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ArchiveError {
    /// Whether trying again may help (connection trouble, 5xx, truncation).
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            ArchiveError::Connect { .. } | ArchiveError::Truncated { .. } => true,
            ArchiveError::HttpStatus { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

impl crossroot_hint::Hint for ArchiveError {
    /// What the user can do about it.
    fn hint(&self) -> Option<String> {
        Some(match self {
            ArchiveError::Connect { .. } | ArchiveError::HttpStatus { .. } => {
                "check the mirror (--mirror, CROSSROOT_MIRROR, or the host's apt sources) and the network; \
                 with a warm cache, --offline works without it"
                    .to_string()
            }
            ArchiveError::NotFound { .. } => {
                "the mirror may be mid-update or lack this release/architecture; try again, or pick another mirror with --mirror".to_string()
            }
            ArchiveError::Truncated { .. } => "the connection dropped; run the command again".to_string(),
            ArchiveError::HashMismatch { .. } | ArchiveError::SizeMismatch { .. } => {
                "the mirror served a file that does not match the signed index (mid-sync or tampered); \
                 nothing was used — try again later or use another mirror"
                    .to_string()
            }
            ArchiveError::BadSignature { .. } => {
                "the mirror's InRelease is not signed by a Debian archive key; check the mirror, or point \
                 CROSSROOT_KEYRING at the right keyring"
                    .to_string()
            }
            ArchiveError::NotInRelease { .. } => {
                "this mirror does not carry that architecture/component for the release".to_string()
            }
            ArchiveError::OfflineMissing { .. } => {
                "run the same command once without --offline to download them".to_string()
            }
            ArchiveError::LockWouldChange { .. } => {
                "run without --locked to update crossroot.lock, then commit it".to_string()
            }
            ArchiveError::Lockfile { path, .. } => format!(
                "fix or delete `{}`; crossroot writes it again",
                path.display()
            ),
            ArchiveError::Manifest { .. } => {
                "run `crossroot sysroot remove` for that target and add the packages again".to_string()
            }
            ArchiveError::Extract { source, .. } => return source.hint(),
            ArchiveError::NoSecurityMirror { .. } => {
                "give it with --security-mirror URL, CROSSROOT_SECURITY_MIRROR or `security-mirror` in \
                 [package.metadata.crossroot]"
                    .to_string()
            }
            ArchiveError::UpdateSuite { .. } => {
                "try again later, use another mirror, or pass --no-updates to read the release \
                 alone"
                    .to_string()
            }
            ArchiveError::UnknownArchive { .. } => {
                "crossroot.lock was written by a newer crossroot, or edited; update crossroot or delete the entry"
                    .to_string()
            }
            ArchiveError::BadEnv { var, .. } => format!("set {var} to a whole number, or unset it"),
            ArchiveError::Deadline { .. } => format!(
                "the mirror or the network is slow; try again, use a closer mirror, or allow more \
                 time per file with {HTTP_TIMEOUT_VAR}=<seconds>"
            ),
            ArchiveError::TooSlow { .. } => format!(
                "the mirror or the network stalled; try again or use another mirror. On a slow \
                 link, lower {HTTP_LOW_SPEED_LIMIT_VAR} (bytes/s, 0 turns the check off) or raise \
                 {HTTP_LOW_SPEED_TIME_VAR} (seconds)"
            ),
            ArchiveError::Oversized { signed: true, .. } => {
                "the mirror served a file that does not match the signed index (mid-sync or tampered); \
                 nothing was kept — try again later or use another mirror"
                    .to_string()
            }
            ArchiveError::Oversized { signed: false, url, .. } if url.ends_with("InRelease") => {
                "this is not a Debian InRelease; check the mirror URL".to_string()
            }
            ArchiveError::Oversized { signed: false, .. } => format!(
                "nothing signed vouches for this file's size (--insecure-skip-verify); check the \
                 mirror, or raise the cap with {HTTP_MAX_UNSIGNED_SIZE_VAR}=<bytes>"
            ),
            ArchiveError::Write { path, .. } => format!(
                "check the free space and permissions where `{}` lives (the cache, see \
                 `crossroot cache dir`); `crossroot cache prune` frees space",
                path.display()
            ),
            ArchiveError::ReleaseCheck {
                source: source @ crossroot_debian::verify::ReleaseCheckError::Older { .. },
                ..
            } => format!(
                "{} — if you pinned an older mirror snapshot on purpose, set {ALLOW_ROLLBACK_VAR}=1 \
                 to accept it (the cached index is then replaced); the packages a project's \
                 crossroot.lock pins are built without reading the index",
                source.hint().unwrap_or_default()
            ),
            ArchiveError::ReleaseCheck { source, .. } => return source.hint(),
            ArchiveError::DamagedCache {
                path,
                removed: true,
                ..
            } => format!(
                "crossroot removed it; run the command again without --offline to download it \
                 again (`crossroot cache clean` empties the whole cache; the file was `{}`)",
                path.display()
            ),
            ArchiveError::DamagedCache { path, .. } => format!(
                "delete `{}` (or run `crossroot cache clean`) and run the command again",
                path.display()
            ),
            ArchiveError::UnpacksTooLarge { .. } => "the signed index and the package disagree; \
                 the mirror may be compromised: try another mirror (`--mirror`), and report it if \
                 it persists"
                .to_string(),
            ArchiveError::Store(e) => return e.hint(),
            _ => return None,
        })
    }
}

pub(crate) fn boxed(
    e: impl std::error::Error + Send + Sync + 'static,
) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(e)
}

impl ArchiveError {
    /// A file a verified `InRelease` lists is missing or not what it says (not a signature or
    /// policy failure): what [`ArchiveError::UpdateSuite`] wraps for an update suite.
    pub fn is_inconsistency(&self) -> bool {
        matches!(
            self,
            ArchiveError::NotFound { .. }
                | ArchiveError::HashMismatch { .. }
                | ArchiveError::SizeMismatch { .. }
                | ArchiveError::Truncated { .. }
                | ArchiveError::NotInRelease { .. }
        )
    }

    /// `self`, wrapped as [`ArchiveError::UpdateSuite`] when it is an inconsistency of the
    /// update suite `suite` (`<release>-updates`, `<release>-security`).
    pub(crate) fn in_suite(self, suite: &str) -> ArchiveError {
        let update = suite.ends_with("-updates") || suite.ends_with("-security");
        if update && self.is_inconsistency() {
            ArchiveError::UpdateSuite {
                suite: suite.to_string(),
                source: Box::new(self),
            }
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;

    #[test]
    fn an_extract_error_brings_its_hint() {
        let inner = || crossroot_extract::ExtractError::SymlinkEscape {
            member: "./usr/lib/libx.so".into(),
            target: "../../../../etc/passwd".into(),
        };
        let err = ArchiveError::Extract {
            deb: "libx_1_arm64.deb".into(),
            source: inner(),
        };
        let hint = err.hint().expect("a hint");
        assert_eq!(Some(hint.as_str()), inner().hint().as_deref());
        assert!(hint.contains("outside the sysroot"), "{hint}");
    }
}
