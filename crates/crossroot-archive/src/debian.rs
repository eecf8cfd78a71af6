//! The seam to `crossroot-debian`: keyring loading, clearsign verification, the signed release
//! entry of an index, and resolution of a package set into exact `.deb`s.

use std::path::Path;

use crossroot_debian::{index, resolve, verify};

use crate::Release;
use crate::error::{ArchiveError, boxed};
use crate::http::Expect;
use crate::lockfile::LockedPackage;

/// The keyring `InRelease` is verified with, and where it came from (for messages).
pub(crate) struct Keyring {
    keys: Option<verify::Keyring>,
    pub(crate) label: String,
}

impl Keyring {
    /// No verification at all (`--insecure-skip-verify`).
    pub(crate) fn none() -> Self {
        Keyring {
            keys: None,
            label: "(verification disabled)".into(),
        }
    }

    /// `path` if given (only its keys are trusted); else the host's Debian archive keyring
    /// when present, together with the keyring crossroot carries (so a host keyring older than
    /// a release still works); else the carried one alone.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, ArchiveError> {
        if let Some(path) = path {
            let bytes = fs_err::read(path)?;
            let keys = verify::Keyring::from_bytes(&bytes).map_err(|e| ArchiveError::Keyring {
                path: path.to_path_buf(),
                source: boxed(e),
            })?;
            return Ok(Keyring {
                keys: Some(keys),
                label: path.display().to_string(),
            });
        }
        let mut keys = verify::Keyring::bundled();
        let mut label = "crossroot's bundled Debian archive keyring".to_string();
        let host = Path::new(crate::HOST_KEYRING);
        if let Ok(bytes) = std::fs::read(host) {
            if let Ok(host_keys) = verify::Keyring::from_bytes(&bytes) {
                keys.extend(host_keys);
                label = format!("{} + {label}", host.display());
            }
        }
        Ok(Keyring {
            keys: Some(keys),
            label,
        })
    }
}

/// The cleartext of a clearsigned document, WITHOUT checking the signature (only for
/// `--insecure-skip-verify`). Text that is not clearsigned is returned as it is.
pub(crate) fn strip_clearsign(text: &str) -> String {
    let Some(rest) = text.split_once("-----BEGIN PGP SIGNED MESSAGE-----") else {
        return text.to_string();
    };
    // Armor headers (`Hash: …`) end at the first empty line.
    let body = match rest.1.split_once("\n\n") {
        Some((_, b)) => b,
        None => rest.1,
    };
    let body = body
        .split_once("\n-----BEGIN PGP SIGNATURE-----")
        .map(|(b, _)| b)
        .unwrap_or(body);
    let mut out = String::with_capacity(body.len() + 1);
    for line in body.lines() {
        out.push_str(line.strip_prefix("- ").unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Verify a clearsigned `InRelease` and return only the signed text.
pub(crate) fn verify_clearsigned(
    keyring: &Keyring,
    text: &str,
    url: &str,
) -> Result<String, ArchiveError> {
    let Some(keys) = &keyring.keys else {
        return Ok(strip_clearsign(text));
    };
    keys.verify_clearsigned(text.as_bytes())
        .map(|v| v.text)
        .map_err(|e| ArchiveError::BadSignature {
            url: url.to_string(),
            keyring: keyring.label.clone(),
            source: boxed(e),
        })
}

/// The signed entry of the `Packages` index for `arch`: its path relative to the suite,
/// expected hash and size, and whether the mirror serves files by hash.
pub(crate) struct IndexEntry {
    pub path: String,
    pub expect: Expect,
    pub by_hash: bool,
}

pub(crate) fn release_entry(
    signed: &str,
    arch: &str,
    release_url: &str,
) -> Result<IndexEntry, ArchiveError> {
    let release = index::parse_release(signed).map_err(|e| ArchiveError::Parse {
        what: release_url.to_string(),
        source: boxed(e),
    })?;
    let entry = release
        .packages_entry("main", arch)
        .map_err(|e| ArchiveError::Parse {
            what: release_url.to_string(),
            source: boxed(e),
        })?;
    Ok(IndexEntry {
        path: entry.path.clone(),
        expect: Expect {
            sha256: entry.sha256.to_hex(),
            size: entry.size,
        },
        by_hash: release.acquire_by_hash,
    })
}

/// Bytes of index text parsed at a time.
const PARSE_SLICE: usize = 1 << 20;

pub(crate) fn resolve(
    index: crate::index::VerifiedIndex,
    arch: &str,
    release: Release,
    requested: &[String],
    base: bool,
) -> Result<Vec<LockedPackage>, ArchiveError> {
    let resolve_err = |e: resolve::ResolveError| ArchiveError::Resolve {
        arch: arch.to_string(),
        release: release.name().to_string(),
        source: boxed(e),
    };
    // Parse in slices of whole stanzas so the parser's intermediate form never holds the whole
    // index at once (it is several times the size of the text).
    let mut entries = Vec::new();
    let mut rest = index.text.as_str();
    while !rest.is_empty() {
        let cut = if rest.len() <= PARSE_SLICE {
            rest.len()
        } else {
            rest[PARSE_SLICE..]
                .find("\n\n")
                .map(|i| PARSE_SLICE + i + 2)
                .unwrap_or(rest.len())
        };
        let (slice, tail) = rest.split_at(cut);
        rest = tail;
        entries.extend(
            index::parse_packages(slice).map_err(|e| ArchiveError::Parse {
                what: format!("the {release} Packages index for {arch}"),
                source: boxed(e),
            })?,
        );
    }
    // The text is not needed once parsed: free it before resolving.
    drop(index);
    let universe = resolve::Universe::new(entries);
    let mut wanted: Vec<String> = Vec::new();
    let cxx = requested.iter().any(|r| r.starts_with("libstdc++"));
    if base {
        wanted.extend(
            universe
                .base_packages(arch, cxx)
                .map_err(resolve_err)?
                .packages,
        );
    }
    for r in requested {
        if !wanted.contains(r) {
            wanted.push(r.clone());
        }
    }
    let mut options = resolve::ResolveOptions::new(arch);
    options.cxx = cxx;
    let resolution = universe.resolve(&wanted, &options).map_err(resolve_err)?;
    Ok(resolution
        .packages
        .into_iter()
        .map(|p| LockedPackage {
            name: p.name,
            version: p.version.to_string(),
            arch: p.arch,
            sha256: p.sha256.to_hex(),
            size: p.size,
            filename: p.filename,
        })
        .collect())
}
