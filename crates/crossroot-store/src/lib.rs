//! crossroot's cache on disk.
//!
//! Owns: the cache root and its versioned buckets (`debs-v1`, `indexes-v1`, `sysroots-v1`,
//! `tools-v1`), file locks with a timeout (per tree, and one cache-wide lock that builders share
//! and `clean`/`prune` take alone), atomic persist (stage inside the bucket, rename into
//! place), content-addressed files, garbage collection — and the [`Reporter`] trait through which
//! libraries report progress.
//! Must not: know about Debian formats, targets' toolchains, or the terminal (`indicatif` lives
//! only in the binary).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

mod reporter;

pub use reporter::{Reporter, SilentReporter};

/// Bucket of `.deb` files, content-addressed by SHA-256: `debs-v1/<sha256>.deb`.
pub const DEBS: &str = "debs-v1";
/// Bucket of archive index files (`InRelease`, `Packages.xz`) and their HTTP validators.
pub const INDEXES: &str = "indexes-v1";
/// Bucket of sysroots: `sysroots-v1/<triple>/<release>/<hash-of-package-set>/`.
pub const SYSROOTS: &str = "sysroots-v1";
/// Bucket of host tool trees (clang/lld, qemu-user-static): `tools-v1/<name>-<arch>/<hash>/`.
pub const TOOLS: &str = "tools-v1";
/// Bucket of generated toolchain files (compiler wrappers, CMake/meson files, tool probes):
/// `toolchain-v1/<triple>-<hash>/`, `toolchain-v1/probes.json`.
pub const TOOLCHAIN: &str = "toolchain-v1";
/// Bucket of link-only glibc stub libraries for floors older than a sysroot's glibc:
/// `glibc-stubs-v3/<triple>-<hash-of-sysroot>-<floor>/`.
pub const GLIBC_STUBS: &str = "glibc-stubs-v3";
/// Every bucket this version of crossroot writes.
pub const BUCKETS: &[&str] = &[DEBS, INDEXES, SYSROOTS, TOOLS, TOOLCHAIN, GLIBC_STUBS];

/// The environment variable that sets how long to wait for a lock, in seconds.
pub const LOCK_TIMEOUT_VAR: &str = "CROSSROOT_LOCK_TIMEOUT";
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(600);
/// The cache-wide lock file, at the cache root: held shared by every process that builds in the
/// cache ([`Cache::lock_in_use`]), exclusively by [`Cache::clean`] and by pruning
/// ([`Cache::lock_all`]), so the cache is never emptied under a build.
pub const CACHE_LOCK: &str = ".lock";
/// Names of staging entries start with this; anything with it left after a crash is garbage.
pub const STAGING_PREFIX: &str = ".tmp-";

/// What can go wrong in the cache.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(
        "timed out after {waited_secs} s waiting for the lock on `{path}` (held by another crossroot process)"
    )]
    LockTimeout { path: PathBuf, waited_secs: u64 },
    #[error("`{value}` in {LOCK_TIMEOUT_VAR} is not a number of seconds")]
    BadLockTimeout { value: String },
    #[error("cannot decide where the cache lives: no CROSSROOT_CACHE_DIR, XDG_CACHE_HOME or HOME")]
    NoCacheDir,
}

impl crossroot_hint::Hint for StoreError {
    /// What the user can do about it.
    fn hint(&self) -> Option<String> {
        match self {
            StoreError::LockTimeout { .. } => Some(format!(
                "wait for the other crossroot process to finish, or set {LOCK_TIMEOUT_VAR}=<seconds> to wait longer"
            )),
            StoreError::BadLockTimeout { .. } => Some(format!(
                "set {LOCK_TIMEOUT_VAR} to a whole number of seconds, e.g. 600"
            )),
            StoreError::NoCacheDir => {
                Some("set CROSSROOT_CACHE_DIR to a writable directory".to_string())
            }
            StoreError::Io(_) => None,
        }
    }
}

/// The cache root. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache rooted at `root` (created lazily).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Cache { root: root.into() }
    }

    /// The default cache location: `CROSSROOT_CACHE_DIR`, else `$XDG_CACHE_HOME/crossroot`, else
    /// `~/.cache/crossroot`. (The binary normally asks `crossroot-config`; this is the same rule.)
    pub fn from_env() -> Result<Self, StoreError> {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = var("CROSSROOT_CACHE_DIR") {
            return Ok(Cache::new(dir));
        }
        if let Some(dir) = var("XDG_CACHE_HOME") {
            return Ok(Cache::new(dir.join("crossroot")));
        }
        if let Some(home) = var("HOME") {
            return Ok(Cache::new(home.join(".cache").join("crossroot")));
        }
        Err(StoreError::NoCacheDir)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A bucket directory (not created).
    pub fn bucket(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Where the `.deb` with this SHA-256 lives (it may not exist yet).
    pub fn deb_path(&self, sha256: &str) -> PathBuf {
        self.bucket(DEBS).join(format!("{sha256}.deb"))
    }

    /// Take an exclusive lock on `path` (a lock file, created if needed), waiting up to
    /// `CROSSROOT_LOCK_TIMEOUT` seconds. `on_wait` is called once if the lock is busy.
    pub fn lock(&self, path: &Path, on_wait: impl FnOnce()) -> Result<LockGuard, StoreError> {
        lock_file(path, false, lock_timeout()?, on_wait)
    }

    /// Take the cache-wide [`CACHE_LOCK`] shared, for as long as the guard lives: the cache is
    /// in use (a tree is built, files are written), so [`Cache::clean`] and pruning wait. Any
    /// number of processes hold it at once. `on_wait` is called once if a clean is running.
    /// Never call [`Cache::clean`] or [`Cache::lock_all`] while holding it (it would wait for
    /// itself).
    pub fn lock_in_use(&self, on_wait: impl FnOnce()) -> Result<LockGuard, StoreError> {
        lock_file(&self.root.join(CACHE_LOCK), true, lock_timeout()?, on_wait)
    }

    /// Take the cache-wide [`CACHE_LOCK`] exclusively: no other process is building in the
    /// cache until the guard is dropped. `on_wait` is called once if one is.
    pub fn lock_all(&self, on_wait: impl FnOnce()) -> Result<LockGuard, StoreError> {
        lock_file(&self.root.join(CACHE_LOCK), false, lock_timeout()?, on_wait)
    }

    /// Stage a new directory inside `parent` (created if needed) to be persisted later with
    /// [`Staged::persist`]. Dropped without persisting, it is removed.
    pub fn stage_dir(&self, parent: &Path) -> Result<Staged, StoreError> {
        fs_err::create_dir_all(parent)?;
        let path = parent.join(format!(
            "{STAGING_PREFIX}{}-{}",
            std::process::id(),
            unique()
        ));
        fs_err::create_dir(&path)?;
        Ok(Staged { path: Some(path) })
    }

    /// Remove staging leftovers (from killed processes) directly inside `dir`. Call only while
    /// holding the lock that guards `dir`, so no live stage is removed.
    pub fn clean_staging(&self, dir: &Path) -> Result<usize, StoreError> {
        let mut removed = 0;
        let entries = match fs_err::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        for entry in entries {
            let entry = entry?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(STAGING_PREFIX)
            {
                remove_any(&entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Remove temp files in `dir` (e.g. `debs-v1`) left by processes that no longer run. Temp
    /// names carry the writer's pid (`.tmp-<pid>-…`); a live writer's files are left alone, so
    /// this needs no lock.
    pub fn clean_dead_temps(&self, dir: &Path) -> Result<usize, StoreError> {
        let mut removed = 0;
        let Ok(entries) = fs_err::read_dir(dir) else {
            return Ok(0);
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix(STAGING_PREFIX)
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !process_alive(pid) {
                remove_any(&entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Write `bytes` to `dest` atomically (temp file in the same directory, then rename).
    pub fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        write_atomic(dest, bytes)
    }

    /// Copy `reader` into the content-addressed `debs-v1` bucket, checking SHA-256 and size.
    /// Returns the final path. Used for files that arrive from elsewhere than the fetcher.
    pub fn persist_blob(
        &self,
        mut reader: impl Read,
        sha256: &str,
    ) -> Result<Option<PathBuf>, StoreError> {
        let dest = self.deb_path(sha256);
        let dir = self.bucket(DEBS);
        fs_err::create_dir_all(&dir)?;
        let tmp = dir.join(format!(
            "{STAGING_PREFIX}{}-{}",
            std::process::id(),
            unique()
        ));
        let mut file = fs_err::File::create(&tmp)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])?;
        }
        file.sync_all()?;
        drop(file);
        if hex::encode(hasher.finalize()) != sha256 {
            let _ = fs_err::remove_file(&tmp);
            return Ok(None);
        }
        fs_err::rename(&tmp, &dest)?;
        Ok(Some(dest))
    }

    /// Remove everything in the cache, once no other process uses it (under [`Cache::lock_all`];
    /// `on_wait` is called once if that has to wait).
    pub fn clean(&self, on_wait: impl FnOnce()) -> Result<u64, StoreError> {
        let _guard = self.lock_all(on_wait)?;
        let mut freed = 0;
        for bucket in BUCKETS {
            let path = self.bucket(bucket);
            if path.exists() {
                freed += disk_usage(&path);
                remove_any(&path)?;
            }
        }
        Ok(freed)
    }

    /// Remove `.deb`s for which `keep` returns false, staging leftovers older than an hour,
    /// and buckets of older cache versions. Returns bytes freed.
    pub fn prune_debs(&self, keep: impl Fn(&str) -> bool) -> Result<u64, StoreError> {
        let mut freed = 0;
        let dir = self.bucket(DEBS);
        if let Ok(entries) = fs_err::read_dir(&dir) {
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = entry.path();
                let stale_tmp = name.starts_with(STAGING_PREFIX) && older_than(&path, 3600);
                let unused = name.strip_suffix(".deb").is_some_and(|sha| !keep(sha));
                if stale_tmp || unused {
                    freed += disk_usage(&path);
                    remove_any(&path)?;
                }
            }
        }
        // Buckets of other cache versions (`debs-v0`, …) are never read by this version.
        if let Ok(entries) = fs_err::read_dir(&self.root) {
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let versioned = name
                    .rsplit_once("-v")
                    .is_some_and(|(_, v)| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()));
                if versioned && !BUCKETS.contains(&name.as_str()) {
                    freed += disk_usage(&entry.path());
                    remove_any(&entry.path())?;
                }
            }
        }
        Ok(freed)
    }
}

/// A held exclusive lock; released on drop.
#[derive(Debug)]
pub struct LockGuard {
    _file: fs_err::File,
    path: PathBuf,
}

impl LockGuard {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn lock_timeout() -> Result<Duration, StoreError> {
    match std::env::var(LOCK_TIMEOUT_VAR) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| StoreError::BadLockTimeout { value: v }),
        _ => Ok(DEFAULT_LOCK_TIMEOUT),
    }
}

fn lock_file(
    path: &Path,
    shared: bool,
    timeout: Duration,
    on_wait: impl FnOnce(),
) -> Result<LockGuard, StoreError> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let file = fs_err::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    let mut delay = Duration::from_millis(5);
    loop {
        let tried = if shared {
            fs4::FileExt::try_lock_shared(file.file())
        } else {
            fs4::FileExt::try_lock(file.file())
        };
        match tried {
            Ok(()) => {
                return Ok(LockGuard {
                    _file: file,
                    path: path.to_path_buf(),
                });
            }
            Err(fs4::TryLockError::WouldBlock) => {}
            Err(fs4::TryLockError::Error(e)) => {
                return Err(StoreError::Io(std::io::Error::new(
                    e.kind(),
                    format!("failed to lock `{}`: {e}", path.display()),
                )));
            }
        }
        if let Some(f) = on_wait.take() {
            f();
        }
        if start.elapsed() >= timeout {
            return Err(StoreError::LockTimeout {
                path: path.to_path_buf(),
                waited_secs: timeout.as_secs(),
            });
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

/// A directory being built; persisted atomically with [`Staged::persist`], removed on drop.
#[derive(Debug)]
pub struct Staged {
    path: Option<PathBuf>,
}

impl Staged {
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// Rename the staged directory to `dest`. An existing `dest` is moved aside first and removed
    /// afterwards (the caller holds the lock guarding `dest`).
    pub fn persist(mut self, dest: &Path) -> Result<PathBuf, StoreError> {
        let Some(path) = self.path.take() else {
            return Ok(dest.to_path_buf());
        };
        if let Some(parent) = dest.parent() {
            fs_err::create_dir_all(parent)?;
        }
        let mut old = None;
        if dest.symlink_metadata().is_ok() {
            let parent = dest.parent().unwrap_or(Path::new("."));
            let aside = parent.join(format!(
                "{STAGING_PREFIX}old-{}-{}",
                std::process::id(),
                unique()
            ));
            fs_err::rename(dest, &aside)?;
            old = Some(aside);
        }
        if let Err(e) = fs_err::rename(&path, dest) {
            let _ = remove_any(&path);
            return Err(e.into());
        }
        if let Some(old) = old {
            remove_any(&old)?;
        }
        Ok(dest.to_path_buf())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = remove_any(&path);
        }
    }
}

/// Write `bytes` to `dest` atomically (temp file beside it, then rename).
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        "{STAGING_PREFIX}{}-{}",
        std::process::id(),
        unique()
    ));
    let mut file = fs_err::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs_err::rename(&tmp, dest)?;
    Ok(())
}

/// Remove a file, symlink or directory tree, making read-only directories writable first.
pub fn remove_any(path: &Path) -> Result<(), StoreError> {
    let meta = match path.symlink_metadata() {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if meta.is_dir() {
        match fs_err::remove_dir_all(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                make_writable(path);
                fs_err::remove_dir_all(path)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    } else {
        match fs_err::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755));
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(e.path());
                }
            }
        }
    }
}

/// Bytes used on disk by `path` (files counted by length; symlinks not followed).
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = path.symlink_metadata() else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    let mut total = 0;
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                match e.file_type() {
                    Ok(t) if t.is_dir() => stack.push(e.path()),
                    Ok(_) => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                    Err(_) => {}
                }
            }
        }
    }
    total
}

fn older_than(path: &Path, secs: u64) -> bool {
    path.symlink_metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age.as_secs() > secs)
}

/// Whether a process with this pid exists (Linux: `/proc/<pid>`).
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists() || !Path::new("/proc/self").exists()
}

/// Prefix for temp files this process creates: `.tmp-<pid>-`.
pub fn temp_prefix() -> String {
    format!("{STAGING_PREFIX}{}-", std::process::id())
}

/// A process-unique counter mixed with the time, for temp names.
fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:08x}{n}")
}

/// SHA-256 of some bytes as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests;
