//! Fetch `.deb`s into the content-addressed cache several at a time and, when building a tree,
//! unpack each one as soon as it is there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::ArchiveClient;
use crate::error::{ArchiveError, boxed};
use crate::http::Expect;
use crate::lockfile::LockedPackage;
use crossroot_extract::PathFilter;

/// Parallel downloads. The mirror is usually far from the bottleneck; a handful of connections
/// hides per-request latency without hammering it.
const WORKERS: usize = 6;

impl ArchiveClient {
    /// `.deb`s of `packages` that are not in the cache, as `name version (filename)` lines.
    pub(crate) fn missing_debs(&self, packages: &[LockedPackage]) -> Vec<String> {
        packages
            .iter()
            .filter(|p| !self.opts.cache.deb_path(&p.sha256).exists())
            .map(|p| match self.root_of(p) {
                Ok(root) => format!("{} {} ({})", p.name, p.version, root.join(&p.filename)),
                Err(e) => format!("{} {} ({e})", p.name, p.version),
            })
            .collect()
    }

    /// Make sure every `.deb` is in the cache, then (when `into` is given) unpack into that
    /// directory the members of each that `filter` keeps. Downloads and unpacking overlap;
    /// several run at once. Returns the shared libraries each package wrote (file name →
    /// package), for [`crate::library_owners`].
    pub(crate) fn fetch_and_unpack(
        &self,
        packages: &[LockedPackage],
        into: Option<&Path>,
        filter: &PathFilter,
    ) -> Result<BTreeMap<String, String>, ArchiveError> {
        if self.opts.offline {
            let missing = self.missing_debs(packages);
            if !missing.is_empty() {
                return Err(ArchiveError::OfflineMissing { missing });
            }
        }
        // Partial downloads of killed processes.
        self.opts
            .cache
            .clean_dead_temps(&self.opts.cache.bucket(crossroot_store::DEBS))?;
        let to_fetch: Vec<&LockedPackage> = packages
            .iter()
            .filter(|p| !self.opts.cache.deb_path(&p.sha256).exists())
            .collect();
        let fetch_bytes: u64 = to_fetch.iter().map(|p| p.size).sum();
        if !to_fetch.is_empty() {
            self.reporter.status(
                "Downloading",
                &format!(
                    "{} package{} ({})",
                    to_fetch.len(),
                    if to_fetch.len() == 1 { "" } else { "s" },
                    human_bytes(fetch_bytes)
                ),
            );
        }
        // Biggest first, so the long downloads start early.
        let mut order: Vec<&LockedPackage> = packages.iter().collect();
        order.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
        self.reporter.begin(
            if into.is_some() {
                "Unpacking"
            } else {
                "Downloading"
            },
            order.len() as u64,
            Some(fetch_bytes),
        );
        let owners: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error: Mutex<Option<ArchiveError>> = Mutex::new(None);
        let delay = test_delay();
        let workers = WORKERS.min(order.len()).max(1);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        if failed.load(Ordering::Relaxed) {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(pkg) = order.get(i) else { return };
                        let fetched = self.ensure_deb(pkg).map_err(|e| match &pkg.suite {
                            Some(suite) => e.in_suite(suite),
                            None => e,
                        });
                        let result = fetched.and_then(|deb| match into {
                            Some(root) => {
                                let r =
                                    self.unpack_or_refetch(pkg, &deb, root, filter)
                                        .map(|paths| {
                                            let mut owners =
                                                owners.lock().unwrap_or_else(|p| p.into_inner());
                                            for name in shared_libraries(&paths) {
                                                owners
                                                    .entry(name)
                                                    .or_insert_with(|| pkg.name.clone());
                                            }
                                        });
                                if let Some(d) = delay {
                                    std::thread::sleep(d);
                                }
                                r
                            }
                            None => Ok(()),
                        });
                        match result {
                            Ok(()) => self.reporter.item_done(&pkg.name),
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                let mut slot =
                                    first_error.lock().unwrap_or_else(|p| p.into_inner());
                                slot.get_or_insert(e);
                                return;
                            }
                        }
                    }
                });
            }
        });
        self.reporter.end();
        match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(owners.into_inner().unwrap_or_else(|p| p.into_inner())),
        }
    }

    /// The cached `.deb` of `pkg`, downloading and verifying it if needed.
    fn ensure_deb(&self, pkg: &LockedPackage) -> Result<PathBuf, ArchiveError> {
        let dest = self.opts.cache.deb_path(&pkg.sha256);
        if dest.exists() {
            return Ok(dest);
        }
        let url = self.root_of(pkg)?.join(&pkg.filename);
        let expect = self.opts.verify.then(|| Expect {
            sha256: pkg.sha256.clone(),
            size: pkg.size,
        });
        let file_name = pkg
            .filename
            .rsplit('/')
            .next()
            .unwrap_or(&pkg.filename)
            .to_string();
        let reporter = &self.reporter;
        self.http
            .download(&url, &file_name, &dest, expect.as_ref(), &|n| {
                reporter.advance_bytes(n)
            })?;
        if !self.opts.verify {
            // Without a verified hash the name cannot be trusted as content address: store it
            // under its real hash too, so a later verified run never picks up a wrong file.
            let (actual, _) = crate::http::hash_file(&dest)?;
            if actual != pkg.sha256 {
                let real = self.opts.cache.deb_path(&actual);
                fs_err::rename(&dest, &real)?;
                return Ok(real);
            }
        }
        Ok(dest)
    }

    /// Unpack the cached `deb`; should that fail, check whether the cached file is still the
    /// one the index signed. A damaged one is evicted and downloaded once more (or, offline,
    /// reported with what to do), so it cannot fail the same way on every run.
    fn unpack_or_refetch(
        &self,
        pkg: &LockedPackage,
        deb: &Path,
        root: &Path,
        filter: &PathFilter,
    ) -> Result<Vec<PathBuf>, ArchiveError> {
        let first = match self.unpack(pkg, deb, root, filter) {
            Ok(paths) => return Ok(paths),
            Err(e) => e,
        };
        if !self.opts.verify {
            return Err(first);
        }
        let intact = crate::http::hash_file(deb)
            .is_ok_and(|(sha, len)| sha == pkg.sha256 && len == pkg.size);
        if intact {
            // The signed package itself is what failed.
            return Err(first);
        }
        let removed = match fs_err::remove_file(deb) {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if self.opts.offline || !removed {
            return Err(ArchiveError::DamagedCache {
                deb: deb_name(pkg),
                path: deb.to_path_buf(),
                removed,
                source: boxed(first),
            });
        }
        self.reporter.status(
            "Refetching",
            &format!("{} (the cached copy was damaged)", deb_name(pkg)),
        );
        let deb = self.ensure_deb(pkg)?;
        self.unpack(pkg, &deb, root, filter)
    }

    fn unpack(
        &self,
        pkg: &LockedPackage,
        deb: &Path,
        root: &Path,
        filter: &PathFilter,
    ) -> Result<Vec<PathBuf>, ArchiveError> {
        let file = fs_err::File::open(deb)?;
        let reader = std::io::BufReader::with_capacity(256 * 1024, file);
        let defaults = crossroot_extract::ExtractOptions::default();
        let opts = crossroot_extract::ExtractOptions {
            filter: filter.clone(),
            max_unpacked_bytes: unpack_limit(pkg.installed_size, defaults.max_unpacked_bytes),
            ..defaults
        };
        crossroot_extract::extract_deb(reader, root, &opts)
            .map(|d| d.paths)
            .map_err(|source| match (source, pkg.installed_size) {
                (crossroot_extract::ExtractError::TooLarge { limit }, Some(installed_kib)) => {
                    ArchiveError::UnpacksTooLarge {
                        deb: deb_name(pkg),
                        installed_kib,
                        limit,
                    }
                }
                (source, _) => ArchiveError::Extract {
                    deb: deb_name(pkg),
                    source,
                },
            })
    }
}

/// The most a package's data tarball may unpack to: twice its signed `Installed-Size` (KiB)
/// plus 1 MiB, never more than `general`. `Installed-Size` counts each file rounded up to a
/// KiB and every other entry as one KiB, while the tarball spends 512 bytes of header on each
/// entry and pads data to 512 bytes, so an honest package stays well inside twice its size;
/// the MiB covers the tarball's end blocks and small packages.
fn unpack_limit(installed_kib: Option<u64>, general: u64) -> u64 {
    match installed_kib {
        Some(kib) => kib
            .saturating_mul(2 * 1024)
            .saturating_add(1024 * 1024)
            .min(general),
        None => general,
    }
}

fn deb_name(pkg: &LockedPackage) -> String {
    format!("{}_{}_{}.deb", pkg.name, pkg.version, pkg.arch)
}

/// The file names of the shared libraries among `paths` (`libssl.so.3`, `libz.so`): files
/// named `*.so*` under `lib/` or `usr/lib/`.
fn shared_libraries(paths: &[PathBuf]) -> impl Iterator<Item = String> + '_ {
    paths.iter().filter_map(|p| {
        let p = p.strip_prefix(".").unwrap_or(p);
        let name = p.file_name()?.to_str()?;
        let in_lib = p.starts_with("lib") || p.starts_with("usr/lib");
        (in_lib && name.contains(".so")).then(|| name.to_string())
    })
}

fn test_delay() -> Option<std::time::Duration> {
    std::env::var(crate::TEST_EXTRACT_DELAY_VAR)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
}

/// `14.8 MB`.
pub fn human_bytes(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else if n >= 1_000 {
        format!("{:.1} kB", n as f64 / 1e3)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::unpack_limit;

    #[test]
    fn the_unpack_limit_follows_the_signed_installed_size() {
        let general = 8 << 30;
        assert_eq!(unpack_limit(Some(0), general), 1 << 20);
        assert_eq!(unpack_limit(Some(300), general), 600 * 1024 + (1 << 20));
        // Without a signed size (an older lockfile), and never above the general limit.
        assert_eq!(unpack_limit(None, general), general);
        assert_eq!(unpack_limit(Some(u64::MAX), general), general);
    }
}
