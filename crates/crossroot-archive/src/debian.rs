//! The seam to `crossroot-debian`: keyring loading, clearsign verification, the signed release
//! entry of an index, and resolution of a package set into exact `.deb`s.

use std::path::Path;

use crossroot_debian::{index, prefilter, resolve, verify};

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
        if let Ok(bytes) = fs_err::read(host) {
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

/// Verify a clearsigned `InRelease` and return only the signed text.
pub(crate) fn verify_clearsigned(
    keyring: &Keyring,
    text: &str,
    url: &str,
) -> Result<String, ArchiveError> {
    let Some(keys) = &keyring.keys else {
        return Ok(verify::unverified_cleartext(text));
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

/// Resolve `requested` (plus the base set when `base`) against verified indexes: the release's
/// first, then the other suites read with it (`-updates`, `-security`). Every version of every
/// suite is a candidate and the resolver prefers the newest, as apt does with equal pins; each
/// package records the suite (and archive root) that listed it, the first such when several do.
///
/// A suite has ~60k packages, a sysroot needs a few dozen. Before the real parse, a cheap pass
/// over the text keeps only the stanzas reachable from the request through any `Depends`,
/// `Pre-Depends` alternative or `Provides` (a superset of what the resolver can look at), so the
/// resolver's universe is small. Should that resolution fail, it is redone on the whole index so
/// the error (and its "did you mean") is exactly what the full index says.
pub(crate) fn resolve(
    indexes: &[(crate::Suite, crate::index::VerifiedIndex)],
    arch: &str,
    release: Release,
    requested: &[String],
    base: bool,
) -> Result<Vec<LockedPackage>, ArchiveError> {
    let texts: Vec<&str> = indexes.iter().map(|(_, i)| i.text.as_str()).collect();
    let suites: Vec<&crate::Suite> = indexes.iter().map(|(s, _)| s).collect();
    let reachable = prefilter::reachable_stanzas_in(&texts, requested, base);
    let kept: Vec<&str> = reachable.iter().map(String::as_str).collect();
    match resolve_text(&kept, &suites, arch, release, requested, base) {
        Ok(packages) => Ok(packages),
        Err(_) => {
            drop(kept);
            drop(reachable);
            resolve_text(&texts, &suites, arch, release, requested, base)
        }
    }
}

fn resolve_text(
    texts: &[&str],
    suites: &[&crate::Suite],
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
    // `parse_packages` converts stanza by stanza: no intermediate form of the whole index.
    let mut entries = Vec::new();
    let mut origin: std::collections::HashMap<[u8; 32], usize> = std::collections::HashMap::new();
    for (i, (text, suite)) in texts.iter().zip(suites).enumerate() {
        let parsed = index::parse_packages(text).map_err(|e| ArchiveError::Parse {
            what: format!("the {} Packages index for {arch}", suite.name),
            source: boxed(e),
        })?;
        for p in &parsed {
            origin.entry(*p.sha256.as_bytes()).or_insert(i);
        }
        entries.extend(parsed);
    }
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
        .map(|p| {
            let suite = origin
                .get(p.sha256.as_bytes())
                .and_then(|&i| suites.get(i))
                .copied();
            LockedPackage {
                suite: suite.map(|s| s.name.clone()),
                archive: suite
                    .filter(|s| s.security)
                    .map(|_| crate::SECURITY_ARCHIVE.to_string()),
                name: p.name,
                version: p.version.to_string(),
                arch: p.arch,
                sha256: p.sha256.to_hex(),
                size: p.size,
                filename: p.filename,
                installed_size: p.installed_size,
            }
        })
        .collect())
}
