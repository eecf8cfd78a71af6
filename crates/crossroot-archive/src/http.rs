//! HTTP: one `ureq` agent, retries with backoff on transient errors, hashing while streaming,
//! conditional requests for index files, and a count of bytes fetched. Files are named by
//! [`MirrorFile`]: requests go to its URL with credentials, errors carry its redacted `Display`,
//! and a `file:` mirror is read from its local path.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossroot_config::MirrorFile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ArchiveError, boxed};

const ATTEMPTS: u32 = 4;

/// What the cached copy of a URL was served with, for `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
pub enum Conditional {
    NotModified,
    Fresh {
        body: Vec<u8>,
        validators: Validators,
    },
}

/// What a caller expects of a file: SHA-256 (hex) and size, when verification is on.
#[derive(Debug, Clone)]
pub struct Expect {
    pub sha256: String,
    pub size: u64,
}

pub struct Http {
    agent: ureq::Agent,
    bytes: AtomicU64,
    requests: AtomicU64,
}

impl Http {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_per_read(Some(Duration::from_secs(30)))
            .user_agent(concat!("crossroot/", env!("CARGO_PKG_VERSION")))
            .max_idle_connections_per_host(16)
            .build();
        Http {
            agent: config.new_agent(),
            bytes: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    /// Bytes received from the network so far (bodies only).
    pub fn bytes_fetched(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn with_retries<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, ArchiveError>,
    ) -> Result<T, ArchiveError> {
        let mut delay = Duration::from_millis(200);
        let mut n = 1;
        loop {
            match attempt() {
                Err(e) if e.is_transient() && n < ATTEMPTS => {
                    std::thread::sleep(delay);
                    delay *= 2;
                    n += 1;
                }
                other => return other,
            }
        }
    }

    fn send(
        &self,
        url: &MirrorFile,
        validators: Option<&Validators>,
    ) -> Result<ureq::http::Response<ureq::Body>, ArchiveError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self.agent.get(url.request_url());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header("If-None-Match", etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header("If-Modified-Since", lm);
            }
        }
        let resp = req.call().map_err(|e| ArchiveError::Connect {
            url: url.to_string(),
            source: boxed(e),
        })?;
        let status = resp.status().as_u16();
        match status {
            200..=299 | 304 => Ok(resp),
            404 | 410 => Err(ArchiveError::NotFound {
                url: url.to_string(),
            }),
            _ => Err(ArchiveError::HttpStatus {
                url: url.to_string(),
                status,
            }),
        }
    }

    /// A body reader and its announced length, for `http(s)://` or `file://` URLs.
    fn open(&self, url: &MirrorFile) -> Result<(Box<dyn Read + Send>, Option<u64>), ArchiveError> {
        if let Some(path) = url.local_path() {
            self.requests.fetch_add(1, Ordering::Relaxed);
            return match fs_err::File::open(path) {
                Ok(f) => {
                    let len = f.metadata().ok().map(|m| m.len());
                    Ok((Box::new(f), len))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ArchiveError::NotFound {
                    url: url.to_string(),
                }),
                Err(e) => Err(e.into()),
            };
        }
        let resp = self.send(url, None)?;
        let content_length = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        Ok((Box::new(resp.into_body().into_reader()), content_length))
    }

    /// GET a small file into memory, conditionally on `validators` (`file://`: always read).
    pub fn get_conditional(
        &self,
        url: &MirrorFile,
        validators: Option<&Validators>,
    ) -> Result<Conditional, ArchiveError> {
        if url.local_path().is_some() {
            let (mut reader, _) = self.open(url)?;
            let mut body = Vec::new();
            copy_counting(&mut reader, &mut body, &self.bytes, &|_| {})?;
            return Ok(Conditional::Fresh {
                body,
                validators: Validators::default(),
            });
        }
        self.with_retries(|| {
            let resp = self.send(url, validators)?;
            if resp.status().as_u16() == 304 {
                return Ok(Conditional::NotModified);
            }
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let new_validators = Validators {
                etag: header("etag"),
                last_modified: header("last-modified"),
            };
            let expected = header("content-length").and_then(|v| v.parse::<u64>().ok());
            let mut body = Vec::new();
            let mut reader = resp.into_body().into_reader();
            let got = copy_counting(&mut reader, &mut body, &self.bytes, &|_| {});
            let got = got.map_err(|e| truncation(url, e, expected))?;
            if let Some(expected) = expected {
                if got < expected {
                    return Err(ArchiveError::Truncated {
                        url: url.to_string(),
                        got,
                        expected,
                    });
                }
            }
            Ok(Conditional::Fresh {
                body,
                validators: new_validators,
            })
        })
    }

    /// GET `url` into `dest`, streaming through a SHA-256 hasher into a temp file beside `dest`,
    /// checked against `expect` (when given) before the rename. `progress` gets byte counts.
    pub fn download(
        &self,
        url: &MirrorFile,
        file_name: &str,
        dest: &Path,
        expect: Option<&Expect>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), ArchiveError> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        fs_err::create_dir_all(dir)?;
        self.with_retries(|| {
            let (mut reader, content_length) = self.open(url)?;
            let tmp = tempfile_in(dir)?;
            let mut file = std::io::BufWriter::with_capacity(256 * 1024, tmp.as_file());
            let mut hasher = HashingWriter {
                inner: &mut file,
                hasher: Sha256::new(),
            };
            let got = copy_counting(&mut reader, &mut hasher, &self.bytes, progress)
                .map_err(|e| truncation(url, e, content_length))?;
            let digest = hex::encode(hasher.hasher.finalize());
            file.flush()?;
            drop(file);
            // Fewer bytes than the server announced: the connection dropped (retried).
            // A complete response of the wrong size is a mismatch (not retried).
            if let Some(announced) = content_length {
                if got < announced {
                    return Err(ArchiveError::Truncated {
                        url: url.to_string(),
                        got,
                        expected: announced,
                    });
                }
            }
            if let Some(expect) = expect {
                if got != expect.size {
                    return Err(ArchiveError::SizeMismatch {
                        file: file_name.to_string(),
                        expected: expect.size,
                        actual: got,
                    });
                }
                if digest != expect.sha256 {
                    return Err(ArchiveError::HashMismatch {
                        file: file_name.to_string(),
                        expected: expect.sha256.clone(),
                        actual: digest,
                    });
                }
            }
            tmp.persist(dest).map_err(|e| ArchiveError::Io(e.error))?;
            Ok(())
        })
    }
}

impl Default for Http {
    fn default() -> Self {
        Http::new()
    }
}

fn truncation(url: &MirrorFile, e: std::io::Error, expected: Option<u64>) -> ArchiveError {
    // ureq reports a body that ends before Content-Length as an I/O error; treat every body
    // read error as transient.
    ArchiveError::Connect {
        url: url.to_string(),
        source: boxed(std::io::Error::new(
            e.kind(),
            match expected {
                Some(n) => format!("body ended early (expected {n} bytes): {e}"),
                None => format!("body ended early: {e}"),
            },
        )),
    }
}

fn copy_counting(
    reader: &mut dyn Read,
    writer: &mut dyn Write,
    counter: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        writer.write_all(&buf[..n])?;
        total += n as u64;
        counter.fetch_add(n as u64, Ordering::Relaxed);
        progress(n as u64);
    }
}

struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn tempfile_in(dir: &Path) -> Result<tempfile::NamedTempFile, ArchiveError> {
    tempfile::Builder::new()
        .prefix(&crossroot_store::temp_prefix())
        .tempfile_in(dir)
        .map_err(|e| {
            ArchiveError::Io(std::io::Error::new(
                e.kind(),
                format!("cannot create a temp file in `{}`: {e}", dir.display()),
            ))
        })
}

/// SHA-256 and length of a file on disk.
pub fn hash_file(path: &Path) -> Result<(String, u64), ArchiveError> {
    let mut file = fs_err::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), len))
}
