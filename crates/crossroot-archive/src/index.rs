//! The signed chain from `InRelease` to `Packages.xz`, cached in `indexes-v1` with conditional
//! requests. An index that disagrees with the signed `InRelease` is refused, never used.

use std::path::PathBuf;

use crossroot_config::{Mirror, MirrorFile};
use crossroot_debian::prefilter::keep_needed_fields;
use crossroot_debian::{index, verify};

use crate::ArchiveClient;
use crate::debian;
use crate::error::{ArchiveError, boxed};
use crate::http::{Conditional, Validators, hash_file};

/// The most crossroot reads of an `InRelease` (nothing signs its size); Debian's are ~150 KiB.
const MAX_IN_RELEASE: u64 = 16 << 20;

fn parse_release(url: &MirrorFile, signed: &str) -> Result<index::ReleaseFile, ArchiveError> {
    index::parse_release(signed).map_err(|e| ArchiveError::Parse {
        what: url.to_string(),
        source: boxed(e),
    })
}

fn check(url: &MirrorFile, r: Result<(), verify::ReleaseCheckError>) -> Result<(), ArchiveError> {
    r.map_err(|source| ArchiveError::ReleaseCheck {
        url: url.to_string(),
        source,
    })
}

/// `CROSSROOT_ALLOW_RELEASE_ROLLBACK=1`: a deliberate pin to an older snapshot.
fn rollback_allowed() -> bool {
    std::env::var(crate::ALLOW_ROLLBACK_VAR).is_ok_and(|v| v.trim() == "1")
}

/// A verified, decompressed `Packages` index for one suite and architecture.
pub(crate) struct VerifiedIndex {
    pub text: String,
}

impl ArchiveClient {
    /// Where the indexes of `suite` on the archive root `root` are cached: keyed by the root
    /// and the suite, so `bookworm-security` of two roots never share a copy.
    fn index_dir(&self, root: &Mirror, suite: &str) -> PathBuf {
        // The shown URL: the same cache for any credentials (and none of them on disk).
        let key = &crossroot_store::sha256_hex(root.redacted().as_bytes())[..16];
        self.opts
            .cache
            .bucket(crossroot_store::INDEXES)
            .join(key)
            .join(suite)
    }

    /// The signed text of `dists/<suite>/InRelease` on `root` (verified unless verification is
    /// off), checked to be `suite`'s and, when a copy is cached, not older than that copy. A
    /// refused document never replaces the cached one. `None` when `optional` and the suite is
    /// not there (404, or offline with no cached copy).
    fn in_release(
        &self,
        root: &Mirror,
        suite: &str,
        optional: bool,
    ) -> Result<Option<String>, ArchiveError> {
        let url = root.join(&format!("dists/{suite}/InRelease"));
        let dir = self.index_dir(root, suite);
        let path = dir.join("InRelease");
        let meta_path = dir.join("InRelease.validators.json");
        let cached = fs_err::read(&path).ok();
        let raw = if self.opts.offline {
            match cached {
                Some(c) => c,
                None if optional => return Ok(None),
                None => {
                    return Err(ArchiveError::OfflineMissing {
                        missing: vec![format!("{url} (index, cached at `{}`)", path.display())],
                    });
                }
            }
        } else {
            let validators: Option<Validators> = cached.as_ref().and_then(|_| {
                fs_err::read(&meta_path)
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
            });
            let got =
                match self
                    .http
                    .get_conditional(&url, validators.as_ref(), MAX_IN_RELEASE, &path)
                {
                    Err(ArchiveError::NotFound { .. }) if optional => return Ok(None),
                    got => got?,
                };
            match got {
                Conditional::NotModified => match cached {
                    Some(c) => c,
                    None => {
                        return Err(ArchiveError::HttpStatus {
                            url: url.to_string(),
                            status: 304,
                        });
                    }
                },
                Conditional::Fresh { body, validators } => {
                    // Verify and check before caching so a bad file never lands in the cache.
                    let text = String::from_utf8_lossy(&body);
                    let signed = self.check_signature(&url, &text)?;
                    let release = parse_release(&url, &signed)?;
                    check(&url, verify::check_release_identity(&release, suite))?;
                    if let Some(cached) = cached.as_deref() {
                        self.check_not_older(&url, &release, cached)?;
                    }
                    self.opts.cache.write_atomic(&path, &body)?;
                    if let Ok(json) = serde_json::to_vec(&validators) {
                        self.opts.cache.write_atomic(&meta_path, &json)?;
                    }
                    return Ok(Some(signed));
                }
            }
        };
        let text = String::from_utf8_lossy(&raw);
        let signed = self.check_signature(&url, &text)?;
        // A copy cached before these checks existed is held to them too.
        let release = parse_release(&url, &signed)?;
        check(&url, verify::check_release_identity(&release, suite))?;
        Ok(Some(signed))
    }

    /// Refuse a served release older than the cached copy, unless the user allowed it.
    fn check_not_older(
        &self,
        url: &MirrorFile,
        served: &index::ReleaseFile,
        cached: &[u8],
    ) -> Result<(), ArchiveError> {
        // The cached copy was verified before it was written; only its Date is read here.
        let cached_text =
            crossroot_debian::verify::unverified_cleartext(&String::from_utf8_lossy(cached));
        let Ok(cached) = index::parse_release(&cached_text) else {
            return Ok(());
        };
        match verify::check_not_older(served, &cached) {
            Err(e) if !rollback_allowed() => Err(ArchiveError::ReleaseCheck {
                url: url.to_string(),
                source: e,
            }),
            _ => Ok(()),
        }
    }

    fn check_signature(&self, url: &MirrorFile, text: &str) -> Result<String, ArchiveError> {
        if !self.opts.verify {
            return Ok(crossroot_debian::verify::unverified_cleartext(text));
        }
        debian::verify_clearsigned(self.keyring()?, text, &url.to_string())
    }

    /// The verified `Packages` index of `main/binary-<arch>` in `suite` on the archive root
    /// `root`. `None` when `optional` and the suite (or its index for `arch`) is not there; a
    /// suite that is there but fails verification is an error either way.
    pub(crate) fn packages_index(
        &self,
        root: &Mirror,
        suite: &str,
        arch: &str,
        optional: bool,
    ) -> Result<Option<VerifiedIndex>, ArchiveError> {
        let release_url = root.join(&format!("dists/{suite}/InRelease")).to_string();
        // Partial downloads of killed processes.
        self.opts
            .cache
            .clean_dead_temps(&self.index_dir(root, suite))?;
        let Some(signed) = self.in_release(root, suite, optional)? else {
            return Ok(None);
        };
        let entry = match debian::release_entry(&signed, arch, &release_url) {
            Err(_) if optional => return Ok(None),
            entry => entry?,
        };
        let expect = self.opts.verify.then(|| entry.expect.clone());
        let rel_path = entry.path.clone();
        let url = root.join(&format!("dists/{suite}/{rel_path}"));
        let dir = self.index_dir(root, suite);
        let file_name = rel_path.replace('/', "_");
        let path = dir.join(&file_name);
        // A cached copy is used only if it matches the signed hash.
        let cached_ok = path.exists()
            && hash_file(&path)
                .is_ok_and(|(sha, len)| sha == entry.expect.sha256 && len == entry.expect.size);
        if !cached_ok {
            if self.opts.offline {
                return Err(ArchiveError::OfflineMissing {
                    missing: vec![format!("{url} (index, cached at `{}`)", path.display())],
                });
            }
            self.reporter
                .status("Fetching", &format!("{suite}/{rel_path}"));
            // By-hash URLs never change under a mirror sync; fall back to the plain path.
            let by_hash_url = root.join(&format!(
                "dists/{suite}/{}/by-hash/SHA256/{}",
                rel_path.rsplit_once('/').map(|(d, _)| d).unwrap_or(""),
                entry.expect.sha256
            ));
            let reporter = &self.reporter;
            let progress = |n: u64| reporter.advance_bytes(n);
            self.reporter.begin("Fetching", 1, Some(entry.expect.size));
            let first = if entry.by_hash {
                self.http
                    .download(&by_hash_url, &rel_path, &path, expect.as_ref(), &progress)
            } else {
                Err(ArchiveError::NotFound {
                    url: by_hash_url.to_string(),
                })
            };
            match first {
                Ok(()) => {}
                Err(ArchiveError::NotFound { .. }) => {
                    let r = self
                        .http
                        .download(&url, &rel_path, &path, expect.as_ref(), &progress);
                    if let Err(e) = r {
                        self.reporter.end();
                        return Err(e);
                    }
                }
                Err(e) => {
                    self.reporter.end();
                    return Err(e);
                }
            }
            self.reporter.end();
        }
        let file = fs_err::File::open(&path)?;
        let reader = std::io::BufReader::with_capacity(1 << 20, file);
        let read = if rel_path.ends_with(".xz") {
            let xz = liblzma::read::XzDecoder::new(reader);
            keep_needed_fields(std::io::BufReader::with_capacity(1 << 20, xz))
        } else {
            keep_needed_fields(reader)
        };
        let text = read.map_err(|e| ArchiveError::Parse {
            what: url.to_string(),
            source: boxed(e),
        })?;
        Ok(Some(VerifiedIndex { text }))
    }
}
