//! The seam to `crossroot-debian`: keyring loading, clearsign verification, the signed release
//! entry of an index, and resolution of a package set into exact `.deb`s.

use std::path::Path;

use crate::Release;
use crate::error::ArchiveError;
use crate::http::Expect;
use crate::lockfile::LockedPackage;

/// The keyring `InRelease` is verified with.
pub(crate) struct Keyring {
    pub(crate) label: String,
}

impl Keyring {
    pub(crate) fn none() -> Self {
        Keyring {
            label: "(none)".into(),
        }
    }

    pub(crate) fn load(path: Option<&Path>) -> Result<Self, ArchiveError> {
        let _ = path;
        Ok(Keyring {
            label: "pending".into(),
        })
    }
}

pub(crate) fn strip_clearsign(text: &str) -> String {
    text.to_string()
}

pub(crate) fn verify_clearsigned(
    keyring: &Keyring,
    text: &str,
    url: &str,
) -> Result<String, ArchiveError> {
    let _ = (keyring, url);
    Ok(text.to_string())
}

pub(crate) fn release_entry(
    signed: &str,
    path: &str,
    release_url: &str,
) -> Result<Option<Expect>, ArchiveError> {
    let _ = (signed, path, release_url);
    Ok(None)
}

pub(crate) fn resolve(
    index: &str,
    arch: &str,
    release: Release,
    requested: &[String],
    base: bool,
) -> Result<Vec<LockedPackage>, ArchiveError> {
    let _ = (index, arch, release, requested, base);
    Ok(Vec::new())
}
