//! HTTP: one `ureq` agent, retries with backoff on transient errors, hashing while streaming,
//! conditional requests for index files, and a count of bytes fetched. Files are named by
//! [`MirrorFile`]: requests go to its URL with credentials, errors carry its redacted `Display`,
//! and a `file:` mirror is read from its local path.
//!
//! Every body is bounded: by its signed size when it has one (reading stops there, the excess
//! is never written), else by a cap the caller names. Every file has a deadline (all tries
//! together) and a minimum transfer rate, so neither a stalled nor a trickling server can hold a
//! run for long; see [`HttpLimits`].

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossroot_config::MirrorFile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ArchiveError, boxed};

const ATTEMPTS: u32 = 4;

/// Seconds one file may take at most, all tries included.
pub const HTTP_TIMEOUT_VAR: &str = "CROSSROOT_HTTP_TIMEOUT";
/// Fewest bytes per second a transfer must average over [`HTTP_LOW_SPEED_TIME_VAR`] seconds
/// (`0` turns the check off).
pub const HTTP_LOW_SPEED_LIMIT_VAR: &str = "CROSSROOT_HTTP_LOW_SPEED_LIMIT";
/// The window, in seconds, over which [`HTTP_LOW_SPEED_LIMIT_VAR`] is judged; also the longest
/// a connection may stay silent.
pub const HTTP_LOW_SPEED_TIME_VAR: &str = "CROSSROOT_HTTP_LOW_SPEED_TIME";
/// The environment variable with the most bytes crossroot downloads of a file whose size no
/// signed index vouches for (every file with `--insecure-skip-verify`).
pub const HTTP_MAX_UNSIGNED_SIZE_VAR: &str = "CROSSROOT_HTTP_MAX_UNSIGNED_SIZE";

/// Time and rate limits for each file fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Most time one file may take, all tries included (`CROSSROOT_HTTP_TIMEOUT`).
    pub deadline: Duration,
    /// Fewest bytes per second over `low_speed_time` before the transfer is given up; 0: no
    /// minimum (`CROSSROOT_HTTP_LOW_SPEED_LIMIT`).
    pub low_speed_limit: u64,
    /// The window for `low_speed_limit` (`CROSSROOT_HTTP_LOW_SPEED_TIME`).
    pub low_speed_time: Duration,
    /// Most bytes of a download without a signed size (`CROSSROOT_HTTP_MAX_UNSIGNED_SIZE`).
    pub max_unsigned: u64,
}

impl Default for HttpLimits {
    /// 15 minutes per file (a 70 MB package over a 1 Mbit/s link fits), at least 1 KiB/s over
    /// 30 s.
    fn default() -> Self {
        HttpLimits {
            deadline: Duration::from_secs(900),
            low_speed_limit: 1024,
            low_speed_time: Duration::from_secs(30),
            // Debian's largest `.deb`s are a few hundred MiB.
            max_unsigned: 1 << 30,
        }
    }
}

impl HttpLimits {
    /// The defaults, changed by the `CROSSROOT_HTTP_*` variables of the process environment.
    pub fn from_env() -> Result<Self, ArchiveError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The defaults, changed by the `CROSSROOT_HTTP_*` variables that `var` returns.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ArchiveError> {
        let mut limits = HttpLimits::default();
        let number =
            |name: &'static str, what: &'static str| -> Result<Option<u64>, ArchiveError> {
                match var(name).map(|v| v.trim().to_string()) {
                    None => Ok(None),
                    Some(v) if v.is_empty() => Ok(None),
                    Some(v) => v
                        .parse::<u64>()
                        .map(Some)
                        .map_err(|_| ArchiveError::BadEnv {
                            var: name,
                            value: v,
                            expected: what,
                        }),
                }
            };
        let secs = |name: &'static str| -> Result<Option<Duration>, ArchiveError> {
            match number(name, "a whole number of seconds, at least 1")? {
                Some(0) => Err(ArchiveError::BadEnv {
                    var: name,
                    value: "0".into(),
                    expected: "a whole number of seconds, at least 1",
                }),
                other => Ok(other.map(Duration::from_secs)),
            }
        };
        if let Some(d) = secs(HTTP_TIMEOUT_VAR)? {
            limits.deadline = d;
        }
        if let Some(d) = secs(HTTP_LOW_SPEED_TIME_VAR)? {
            limits.low_speed_time = d;
        }
        if let Some(n) = number(
            HTTP_LOW_SPEED_LIMIT_VAR,
            "a whole number of bytes per second",
        )? {
            limits.low_speed_limit = n;
        }
        match number(
            HTTP_MAX_UNSIGNED_SIZE_VAR,
            "a whole number of bytes, at least 1",
        )? {
            Some(0) => {
                return Err(ArchiveError::BadEnv {
                    var: HTTP_MAX_UNSIGNED_SIZE_VAR,
                    value: "0".into(),
                    expected: "a whole number of bytes, at least 1",
                });
            }
            Some(n) => limits.max_unsigned = n,
            None => {}
        }
        Ok(limits)
    }
}

/// The most a body may hold: its signed size, or a cap for a file whose size nothing vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Signed(u64),
    Cap(u64),
}

impl Bound {
    fn bytes(self) -> u64 {
        match self {
            Bound::Signed(n) | Bound::Cap(n) => n,
        }
    }
}

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
    limits: HttpLimits,
    bytes: AtomicU64,
    requests: AtomicU64,
}

impl Http {
    pub fn new(limits: HttpLimits) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .user_agent(concat!("crossroot/", env!("CARGO_PKG_VERSION")))
            .max_idle_connections_per_host(16)
            .build();
        Http {
            agent: config.new_agent(),
            limits,
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

    /// Run `attempt` (given the file's deadline) until it succeeds, fails for good, or the
    /// deadline leaves no room for another try.
    fn with_retries<T>(
        &self,
        mut attempt: impl FnMut(Instant) -> Result<T, ArchiveError>,
    ) -> Result<T, ArchiveError> {
        let deadline = Instant::now() + self.limits.deadline;
        let mut delay = Duration::from_millis(200);
        let mut n = 1;
        loop {
            match attempt(deadline) {
                Err(e) if e.is_transient() && n < ATTEMPTS && Instant::now() + delay < deadline => {
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
        deadline: Instant,
    ) -> Result<ureq::http::Response<ureq::Body>, ArchiveError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.deadline_error(url));
        }
        let silence = (self.limits.low_speed_limit > 0).then_some(self.limits.low_speed_time);
        let mut req = self
            .agent
            .get(url.request_url())
            .config()
            .timeout_global(Some(remaining))
            .timeout_per_read(silence)
            .build();
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header("If-None-Match", etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header("If-Modified-Since", lm);
            }
        }
        let resp = req.call().map_err(|e| match e {
            ureq::Error::Timeout(_) if Instant::now() >= deadline => self.deadline_error(url),
            ureq::Error::Timeout(_) => self.slow_error(url, 0),
            e => ArchiveError::Connect {
                url: url.to_string(),
                source: boxed(e),
            },
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

    fn deadline_error(&self, url: &MirrorFile) -> ArchiveError {
        ArchiveError::Deadline {
            url: url.to_string(),
            secs: self.limits.deadline.as_secs(),
        }
    }

    fn slow_error(&self, url: &MirrorFile, got: u64) -> ArchiveError {
        ArchiveError::TooSlow {
            url: url.to_string(),
            got,
            secs: self.limits.low_speed_time.as_secs(),
            limit: self.limits.low_speed_limit,
        }
    }

    /// Copy a body with the limits of this client and `bound`, mapping what went wrong to the
    /// error a user can act on. `dest` names where the bytes go (for a failed write).
    #[allow(clippy::too_many_arguments)]
    fn copy_body(
        &self,
        url: &MirrorFile,
        reader: &mut dyn Read,
        writer: &mut dyn Write,
        announced: Option<u64>,
        bound: Option<Bound>,
        deadline: Instant,
        dest: &Path,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64, ArchiveError> {
        let body = Body {
            limits: &self.limits,
            deadline,
            bound,
            counter: &self.bytes,
            progress,
        };
        body.copy(reader, writer).map_err(|e| match e {
            BodyError::Read(e) => truncation(url, e, announced),
            BodyError::Write(source) => ArchiveError::Write {
                path: dest.to_path_buf(),
                source,
            },
            BodyError::Deadline => self.deadline_error(url),
            BodyError::TooSlow { got } => self.slow_error(url, got),
            BodyError::TooLarge { bound } => ArchiveError::Oversized {
                url: url.to_string(),
                limit: bound.bytes(),
                signed: matches!(bound, Bound::Signed(_)),
            },
        })
    }

    /// A body reader and its announced length, for `http(s)://` or `file://` URLs.
    fn open(
        &self,
        url: &MirrorFile,
        deadline: Instant,
    ) -> Result<(Box<dyn Read + Send>, Option<u64>), ArchiveError> {
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
        let resp = self.send(url, None, deadline)?;
        let content_length = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        Ok((Box::new(resp.into_body().into_reader()), content_length))
    }

    /// GET a small file into memory, conditionally on `validators` (`file://`: always read).
    /// The body may hold at most `cap` bytes; `cache_path` is where the caller keeps it (named
    /// when memory runs out).
    pub fn get_conditional(
        &self,
        url: &MirrorFile,
        validators: Option<&Validators>,
        cap: u64,
        cache_path: &Path,
    ) -> Result<Conditional, ArchiveError> {
        let bound = Some(Bound::Cap(cap));
        if url.local_path().is_some() {
            let deadline = Instant::now() + self.limits.deadline;
            let (mut reader, len) = self.open(url, deadline)?;
            let mut body = Vec::new();
            self.copy_body(
                url,
                &mut reader,
                &mut body,
                len,
                bound,
                deadline,
                cache_path,
                &|_| {},
            )?;
            return Ok(Conditional::Fresh {
                body,
                validators: Validators::default(),
            });
        }
        self.with_retries(|deadline| {
            let resp = self.send(url, validators, deadline)?;
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
            let got = self.copy_body(
                url,
                &mut reader,
                &mut body,
                expected,
                bound,
                deadline,
                cache_path,
                &|_| {},
            )?;
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
    /// With `expect`, reading stops at its size: a longer body is refused before its excess is
    /// written.
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
        // Without a signed size (verification off), a cap still bounds what is written.
        let bound = Some(match expect {
            Some(e) => Bound::Signed(e.size),
            None => Bound::Cap(self.limits.max_unsigned),
        });
        self.with_retries(|deadline| {
            let (mut reader, content_length) = self.open(url, deadline)?;
            if let (Some(announced), Some(bound)) = (content_length, bound) {
                // Refused before the first byte: the server says it will send too much.
                if announced > bound.bytes() {
                    return Err(ArchiveError::Oversized {
                        url: url.to_string(),
                        limit: bound.bytes(),
                        signed: matches!(bound, Bound::Signed(_)),
                    });
                }
            }
            let tmp = tempfile_in(dir)?;
            let tmp_path = tmp.path().to_path_buf();
            let mut file = std::io::BufWriter::with_capacity(256 * 1024, tmp.as_file());
            let mut hasher = HashingWriter {
                inner: &mut file,
                hasher: Sha256::new(),
            };
            let got = self.copy_body(
                url,
                &mut reader,
                &mut hasher,
                content_length,
                bound,
                deadline,
                &tmp_path,
                progress,
            )?;
            let digest = hex::encode(hasher.hasher.finalize());
            file.flush().map_err(|source| ArchiveError::Write {
                path: tmp_path.clone(),
                source,
            })?;
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
        Http::new(HttpLimits::default())
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

/// What stopped a body copy.
#[derive(Debug)]
enum BodyError {
    /// The connection failed while reading (retried by the callers).
    Read(std::io::Error),
    /// Writing the bytes failed (a full disk, permissions): not a network problem.
    Write(std::io::Error),
    /// The file's deadline passed.
    Deadline,
    /// Fewer than the minimum bytes arrived in a window (`got` of them).
    TooSlow { got: u64 },
    /// More than `bound` bytes.
    TooLarge { bound: Bound },
}

/// One body copy: its limits, its deadline and where it reports bytes.
struct Body<'a> {
    limits: &'a HttpLimits,
    deadline: Instant,
    bound: Option<Bound>,
    counter: &'a AtomicU64,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl Body<'_> {
    /// Copy `reader` into `writer`. Never writes more than the bound: a read that goes past it
    /// is refused whole.
    fn copy(&self, reader: &mut dyn Read, writer: &mut dyn Write) -> Result<u64, BodyError> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        let mut window_start = Instant::now();
        let mut window_bytes = 0u64;
        loop {
            // One byte more than the bound allows, to see whether the body goes past it.
            let want = match self.bound {
                Some(b) => {
                    let room = b.bytes().saturating_sub(total).saturating_add(1);
                    usize::try_from(room).unwrap_or(usize::MAX).min(buf.len())
                }
                None => buf.len(),
            };
            let n = match reader.read(&mut buf[..want]) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => {
                    return Err(if Instant::now() >= self.deadline {
                        BodyError::Deadline
                    } else {
                        BodyError::TooSlow { got: window_bytes }
                    });
                }
                Err(e) => return Err(BodyError::Read(e)),
            };
            let n64 = n as u64;
            if let Some(bound) = self.bound {
                if total + n64 > bound.bytes() {
                    return Err(BodyError::TooLarge { bound });
                }
            }
            writer.write_all(&buf[..n]).map_err(BodyError::Write)?;
            total += n64;
            window_bytes += n64;
            self.counter.fetch_add(n64, Ordering::Relaxed);
            (self.progress)(n64);
            let now = Instant::now();
            if now >= self.deadline {
                return Err(BodyError::Deadline);
            }
            let window = self.limits.low_speed_time;
            if self.limits.low_speed_limit > 0 && now.duration_since(window_start) >= window {
                let needed = self
                    .limits
                    .low_speed_limit
                    .saturating_mul(window.as_secs().max(1));
                if window_bytes < needed {
                    return Err(BodyError::TooSlow { got: window_bytes });
                }
                window_start = now;
                window_bytes = 0;
            }
        }
    }
}

/// Whether a body read failed because a timeout ran out (the socket's, or one of ureq's).
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ) || e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        .is_some_and(|u| match u {
            ureq::Error::Timeout(_) => true,
            ureq::Error::Io(io) => matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ),
            _ => false,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body<'a>(limits: &'a HttpLimits, bound: Option<Bound>, counter: &'a AtomicU64) -> Body<'a> {
        Body {
            limits,
            deadline: Instant::now() + Duration::from_secs(60),
            bound,
            counter,
            progress: &|_| {},
        }
    }

    #[test]
    fn a_body_longer_than_its_signed_size_is_refused_without_writing_the_excess() {
        let limits = HttpLimits::default();
        let counter = AtomicU64::new(0);
        let mut written = Vec::new();
        let mut reader = std::io::Cursor::new(vec![7u8; 1100]);
        let err = body(&limits, Some(Bound::Signed(1000)), &counter)
            .copy(&mut reader, &mut written)
            .unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { .. }), "{err:?}");
        assert!(written.len() <= 1000, "{} bytes written", written.len());
        // Exactly the signed size is fine.
        let mut written = Vec::new();
        let mut reader = std::io::Cursor::new(vec![7u8; 1000]);
        let n = body(&limits, Some(Bound::Signed(1000)), &counter)
            .copy(&mut reader, &mut written)
            .unwrap();
        assert_eq!((n, written.len()), (1000, 1000));
    }

    #[test]
    fn a_full_disk_is_not_a_network_error() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "No space left on device",
                ))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let http = Http::new(HttpLimits::default());
        let url = crossroot_config::Mirror::parse(
            "http://mirror.invalid/debian",
            crossroot_config::MirrorSource::Flag,
        )
        .expect("a valid mirror")
        .join("pool/x.deb");
        let err = http
            .copy_body(
                &url,
                &mut std::io::Cursor::new(vec![1u8; 10]),
                &mut Full,
                Some(10),
                None,
                Instant::now() + Duration::from_secs(60),
                Path::new("/cache/debs-v1/.tmp-x"),
                &|_| {},
            )
            .unwrap_err();
        assert!(matches!(err, ArchiveError::Write { .. }), "{err:?}");
        assert!(!err.is_transient(), "a full disk is retried: {err:?}");
        assert!(err.to_string().contains("/cache/debs-v1/.tmp-x"), "{err}");
        let hint = crossroot_hint::Hint::hint(&err).unwrap();
        assert!(hint.contains("free space"), "{hint}");
    }

    #[test]
    fn limits_come_from_the_environment_and_bad_values_name_the_variable() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            HttpLimits::from_lookup(vars(&[])).unwrap(),
            HttpLimits::default()
        );
        let l = HttpLimits::from_lookup(vars(&[
            (HTTP_TIMEOUT_VAR, "2"),
            (HTTP_LOW_SPEED_LIMIT_VAR, "0"),
            (HTTP_LOW_SPEED_TIME_VAR, " 5 "),
            (HTTP_MAX_UNSIGNED_SIZE_VAR, "4096"),
        ]))
        .unwrap();
        assert_eq!(l.max_unsigned, 4096);
        assert_eq!(l.deadline, Duration::from_secs(2));
        assert_eq!(l.low_speed_limit, 0);
        assert_eq!(l.low_speed_time, Duration::from_secs(5));
        for (var, value) in [
            (HTTP_TIMEOUT_VAR, "2s"),
            (HTTP_TIMEOUT_VAR, "0"),
            (HTTP_LOW_SPEED_LIMIT_VAR, "-1"),
            (HTTP_MAX_UNSIGNED_SIZE_VAR, "0"),
            (HTTP_MAX_UNSIGNED_SIZE_VAR, "1G"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(var, value)].into_boxed_slice());
            let err = HttpLimits::from_lookup(vars(pairs)).unwrap_err();
            assert!(err.to_string().contains(var), "{err}");
        }
    }
}
