//! The signed chain from `InRelease` to `Packages.xz`, cached in `indexes-v1` with conditional
//! requests. An index that disagrees with the signed `InRelease` is refused, never used.

use std::io::Read;
use std::path::PathBuf;

use crate::ArchiveClient;
use crate::debian;
use crate::error::{ArchiveError, boxed};
use crate::http::{Conditional, Expect, Validators, hash_file};

/// A verified, decompressed `Packages` index for one suite and architecture.
pub(crate) struct VerifiedIndex {
    pub text: String,
}

impl ArchiveClient {
    fn index_dir(&self, suite: &str) -> PathBuf {
        let key = &crossroot_store::sha256_hex(self.mirror.as_bytes())[..16];
        self.opts
            .cache
            .bucket(crossroot_store::INDEXES)
            .join(key)
            .join(suite)
    }

    /// The signed text of `dists/<suite>/InRelease` (verified unless verification is off).
    fn in_release(&self, suite: &str) -> Result<String, ArchiveError> {
        let url = format!("{}/dists/{suite}/InRelease", self.mirror);
        let dir = self.index_dir(suite);
        let path = dir.join("InRelease");
        let meta_path = dir.join("InRelease.validators.json");
        let cached = fs_err::read(&path).ok();
        let raw = if self.opts.offline {
            cached.ok_or_else(|| ArchiveError::OfflineMissing {
                missing: vec![format!("{url} (index, cached at `{}`)", path.display())],
            })?
        } else {
            let validators: Option<Validators> = cached.as_ref().and_then(|_| {
                fs_err::read(&meta_path)
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
            });
            match self.http.get_conditional(&url, validators.as_ref())? {
                Conditional::NotModified => match cached {
                    Some(c) => c,
                    None => {
                        return Err(ArchiveError::HttpStatus {
                            url: url.clone(),
                            status: 304,
                        });
                    }
                },
                Conditional::Fresh { body, validators } => {
                    // Verify before caching so a bad file never lands in the cache.
                    let text = String::from_utf8_lossy(&body).into_owned();
                    self.check_signature(&url, &text)?;
                    self.opts.cache.write_atomic(&path, &body)?;
                    if let Ok(json) = serde_json::to_vec(&validators) {
                        self.opts.cache.write_atomic(&meta_path, &json)?;
                    }
                    return self.check_signature(&url, &text);
                }
            }
        };
        let text = String::from_utf8_lossy(&raw).into_owned();
        self.check_signature(&url, &text)
    }

    fn check_signature(&self, url: &str, text: &str) -> Result<String, ArchiveError> {
        if !self.opts.verify {
            return Ok(debian::strip_clearsign(text));
        }
        debian::verify_clearsigned(&self.keyring, text, url)
    }

    /// The verified `Packages` index of `main/binary-<arch>` in `suite`.
    pub(crate) fn packages_index(
        &self,
        suite: &str,
        arch: &str,
    ) -> Result<VerifiedIndex, ArchiveError> {
        let release_url = format!("{}/dists/{suite}/InRelease", self.mirror);
        let signed = self.in_release(suite)?;
        let rel_path = format!("main/binary-{arch}/Packages.xz");
        let expect = debian::release_entry(&signed, &rel_path, &release_url)?;
        let expect = match (expect, self.opts.verify) {
            (Some(e), _) => Some(e),
            (None, false) => None,
            (None, true) => {
                return Err(ArchiveError::NotInRelease {
                    path: rel_path,
                    release_url,
                });
            }
        };
        let url = format!("{}/dists/{suite}/{rel_path}", self.mirror);
        let dir = self.index_dir(suite);
        let path = dir.join(format!("Packages-{arch}.xz"));
        // A cached copy is used only if it matches the signed hash.
        let cached_ok = match (&expect, path.exists()) {
            (Some(e), true) => {
                hash_file(&path).is_ok_and(|(sha, len)| sha == e.sha256 && len == e.size)
            }
            (None, exists) => exists && self.opts.offline,
            _ => false,
        };
        if !cached_ok {
            if self.opts.offline {
                return Err(ArchiveError::OfflineMissing {
                    missing: vec![format!("{url} (index, cached at `{}`)", path.display())],
                });
            }
            self.reporter
                .status("Fetching", &format!("{suite}/{rel_path}"));
            self.http
                .download(&url, &rel_path, &path, expect.as_ref(), &|_| {})?;
        }
        let file = fs_err::File::open(&path)?;
        let mut text = String::new();
        liblzma::read::XzDecoder::new(std::io::BufReader::with_capacity(1 << 20, file))
            .read_to_string(&mut text)
            .map_err(|e| ArchiveError::Parse {
                what: url.clone(),
                source: boxed(e),
            })?;
        Ok(VerifiedIndex { text })
    }
}

/// An expected hash from the signed release file.
pub(crate) fn expect(sha256: &str, size: u64) -> Expect {
    Expect {
        sha256: sha256.to_ascii_lowercase(),
        size,
    }
}
