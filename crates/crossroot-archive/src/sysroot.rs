//! Sysroots and host tool trees in the cache.
//!
//! Layout: `sysroots-v1/<triple>/<release>/<hash-of-package-set>/{root/, manifest.json}` plus a
//! `current` file naming the hash last built for that target and release, and a `.lock`.
//! (`tools-v1/<name>-<arch>-<release>/…` the same for host tool trees, whose hash also covers the
//! [`PathFilter`] they were unpacked with, so a lean tree and a full one never share a
//! directory.) A tree is present only
//! when its `manifest.json` exists: the manifest is written into the staging directory last,
//! and the directory is renamed into place in one step, so a killed process leaves at worst a
//! `.tmp-*` staging directory, which the next run removes under the lock. Beside the manifest,
//! `libraries.json` records which package shipped each shared library (for `inspect` and the
//! `--static-deps` check); it is optional, so trees built before it existed still load.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ArchiveError, boxed};
use crate::lockfile::{LockedPackage, LockedTarget, Lockfile};
use crate::{ArchiveClient, Cache, Release, debian};
use crossroot_extract::PathFilter;

/// One installed package (the same record as in the lockfile).
pub type InstalledPackage = LockedPackage;

const MANIFEST: &str = "manifest.json";
/// Which package shipped each shared library of the tree (file name → package), next to
/// `root/`. Trees built before crossroot recorded it have none ([`library_owners`] is empty).
const OWNERS: &str = "libraries.json";
const CURRENT: &str = "current";
/// 2: trees record which package shipped each shared library (`libraries.json`). A tree of an
/// older format is not found, so it is built again (from the cached `.deb`s, no download).
const FORMAT: u32 = 2;

/// What a finished tree contains; written last, so its presence marks the tree complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Rust triple for sysroots; the tree's name for host trees.
    pub name: String,
    pub release: String,
    pub arch: String,
    /// Packages asked for (besides the base set).
    pub requested: Vec<String>,
    pub packages: Vec<InstalledPackage>,
    /// Fingerprint of the [`PathFilter`] a host tree was unpacked with (`None`: everything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The suites the packages were resolved from (see [`crate::suites`]); empty in trees built
    /// before crossroot read the update suites, which means the release alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<String>,
}

/// A ready sysroot.
#[derive(Debug, Clone)]
pub struct Sysroot {
    /// The directory to pass as `--sysroot`.
    pub root: PathBuf,
    /// The Rust triple.
    pub target: &'static str,
    pub release: Release,
    pub packages: Vec<InstalledPackage>,
    /// The packages asked for besides the base set.
    pub requested: Vec<String>,
    /// The suites the packages were resolved from, the release's first.
    pub suites: Vec<String>,
}

/// A ready tree of host-architecture packages (clang/lld, qemu-user-static, …).
#[derive(Debug, Clone)]
pub struct HostTree {
    /// Unpacked packages: `<root>/usr/bin/…`, `<root>/usr/lib/<triplet>/…`.
    pub root: PathBuf,
    pub name: String,
    pub arch: String,
    pub release: Release,
    pub packages: Vec<InstalledPackage>,
}

/// What kind of tree, for the shared build logic.
struct TreeSpec<'a> {
    /// Directory holding the hash directories, `current` and `.lock`.
    parent: PathBuf,
    name: &'a str,
    arch: &'a str,
    release: Release,
    /// Whether the base set (libc6-dev, libgcc-N-dev, linux-libc-dev) is added.
    base: bool,
    /// The members unpacked.
    filter: &'a PathFilter,
    /// The suites to resolve from, the release first.
    suites: Vec<crate::Suite>,
}

impl TreeSpec<'_> {
    fn suite_names(&self) -> Vec<String> {
        self.suites.iter().map(|s| s.name.clone()).collect()
    }
}

/// The suites a manifest or lock entry records; none recorded means the release alone.
fn recorded_suites(recorded: &[String], release: &str) -> Vec<String> {
    if recorded.is_empty() {
        vec![release.to_string()]
    } else {
        recorded.to_vec()
    }
}

impl ArchiveClient {
    /// Ensure `target`'s sysroot exists with the base set plus `packages`; honours and updates
    /// `lock`. With a lockfile entry (or an existing sysroot) that covers the request and a warm
    /// cache, this reads two small files and touches no network.
    pub fn ensure_sysroot(
        &self,
        target: &crossroot_target::Target,
        release: Release,
        packages: &[String],
        lock: Option<&mut Lockfile>,
    ) -> Result<Sysroot, ArchiveError> {
        let spec = TreeSpec {
            parent: sysroot_parent(&self.opts.cache, target.triple(), release),
            name: target.triple(),
            arch: target.spec.debian_arch,
            release,
            base: true,
            filter: &PathFilter::all(),
            suites: crate::suites(release, self.opts.updates, self.opts.security.is_some()),
        };
        let (root, manifest) = self.ensure_tree(&spec, packages, lock)?;
        Ok(Sysroot {
            root,
            target: target.triple(),
            release,
            suites: recorded_suites(&manifest.suites, release.name()),
            packages: manifest.packages,
            requested: manifest.requested,
        })
    }

    /// Ensure a tree of host-architecture packages, e.g. `name = "llvm"`, `arch = "amd64"`,
    /// `packages = ["clang-14", "lld-14"]`, under `tools-v1`; returns its root. Dependencies are
    /// resolved like for sysroots (no Recommends, the same skip rule); no base set is added.
    /// Only the members `filter` keeps are unpacked; symlinks left dangling by it are removed.
    /// The tree's key covers the filter: other rules make another tree (the `.deb`s are shared).
    pub fn ensure_host_tree(
        &self,
        name: &str,
        arch: &str,
        release: Release,
        packages: &[String],
        filter: &PathFilter,
    ) -> Result<HostTree, ArchiveError> {
        let spec = TreeSpec {
            parent: host_tree_parent(&self.opts.cache, name, arch, release),
            name,
            arch,
            release,
            base: false,
            filter,
            suites: crate::suites(release, false, false),
        };
        let (root, manifest) = self.ensure_tree(&spec, packages, None)?;
        Ok(HostTree {
            root,
            name: name.to_string(),
            arch: arch.to_string(),
            release,
            packages: manifest.packages,
        })
    }

    fn ensure_tree(
        &self,
        spec: &TreeSpec<'_>,
        packages: &[String],
        lock: Option<&mut Lockfile>,
    ) -> Result<(PathBuf, Manifest), ArchiveError> {
        // An empty or malformed name fails here, before any lock, download or resolution.
        for p in packages {
            crossroot_debian::resolve::check_request(p).map_err(|e| ArchiveError::Resolve {
                arch: spec.arch.to_string(),
                release: spec.release.name().to_string(),
                source: boxed(e),
            })?;
        }
        let wanted: BTreeSet<String> = packages.iter().map(|p| p.trim().to_string()).collect();
        let cache = &self.opts.cache;
        // Held until the tree is returned, so `cache clean` or `prune` never empties the cache
        // under this build, nor halfway through a tree the fast path would then report ready.
        let _in_use = cache.lock_in_use(|| {
            self.reporter.status(
                "Waiting",
                "for another crossroot process to finish cleaning the cache",
            );
        })?;
        if let Some(found) = self.fast_path(spec, &wanted, lock.as_deref())? {
            return Ok(found);
        }
        let _guard = cache.lock(&spec.parent.join(".lock"), || {
            self.reporter.status(
                "Waiting",
                &format!(
                    "for another crossroot process to finish with `{}`",
                    spec.name
                ),
            );
        })?;
        // Leftovers of a killed process; nobody else can be staging while we hold the lock.
        cache.clean_staging(&spec.parent)?;
        if let Some(found) = self.fast_path(spec, &wanted, lock.as_deref())? {
            return Ok(found);
        }

        let entry = lock
            .as_deref()
            .and_then(|l| l.target(spec.name, spec.release.name()))
            .filter(|e| e.arch == spec.arch)
            .cloned();
        let current = read_current(&spec.parent)
            .map(|h| read_manifest(&spec.parent.join(h)))
            .transpose()?
            .flatten();
        let suites = spec.suite_names();
        let release_name = spec.release.name();
        let same_suites = |recorded: &[String]| recorded_suites(recorded, release_name) == suites;
        let mut requested = wanted.clone();
        match (&entry, &lock) {
            (Some(e), _) => requested.extend(e.requested.iter().cloned()),
            (None, None) => {
                if let Some(m) = &current {
                    requested.extend(m.requested.iter().cloned());
                }
            }
            (None, Some(_)) => {}
        }
        // The suites the packages stand for: those asked for, unless a resolution offline had
        // to leave out one it has never seen (then a later online run resolves again).
        let mut suites = suites.clone();
        let packages: Vec<LockedPackage> = match (&entry, &current) {
            (Some(e), _)
                if same_suites(&e.suites) && satisfied(&requested, &e.requested, &e.packages) =>
            {
                e.packages.clone()
            }
            _ if self.opts.locked && lock.is_some() => {
                return Err(ArchiveError::LockWouldChange {
                    target: spec.name.to_string(),
                    reason: match &entry {
                        None => "it has no entry for this target".to_string(),
                        Some(e) if e.release != spec.release.name() => {
                            format!("it locks release {}, not {}", e.release, spec.release)
                        }
                        Some(e) if !same_suites(&e.suites) => format!(
                            "it was resolved from {}, not {}",
                            recorded_suites(&e.suites, release_name).join(", "),
                            suites.join(", ")
                        ),
                        Some(_) => format!(
                            "these packages are not in it: {}",
                            wanted
                                .iter()
                                .filter(|w| !entry.iter().any(|e| e.requested.contains(w)))
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                });
            }
            (_, Some(m))
                if m.release == spec.release.name()
                    && same_suites(&m.suites)
                    && satisfied(&requested, &m.requested, &m.packages) =>
            {
                m.packages.clone()
            }
            _ => {
                let (packages, read) = self.resolve(spec, &requested)?;
                suites = read;
                packages
            }
        };

        let hash = tree_hash(&packages, spec.filter);
        let dest = spec.parent.join(&hash);
        let manifest = match read_manifest(&dest)? {
            // The same packages, resolved from other suites (none newer there): record the
            // suites asked for now, so the fast path finds the tree next time.
            Some(mut m) if recorded_suites(&m.suites, release_name) != suites => {
                m.suites = suites.clone();
                let json = serde_json::to_vec_pretty(&m).map_err(|e| ArchiveError::Manifest {
                    path: dest.join(MANIFEST),
                    source: boxed(e),
                })?;
                crossroot_store::write_atomic(&dest.join(MANIFEST), &json)?;
                m
            }
            Some(m) => m,
            None => {
                let manifest = Manifest {
                    format: FORMAT,
                    name: spec.name.to_string(),
                    release: spec.release.name().to_string(),
                    arch: spec.arch.to_string(),
                    requested: requested.iter().cloned().collect(),
                    packages: packages.clone(),
                    filter: spec.filter.fingerprint(),
                    suites: suites.clone(),
                };
                self.build_tree(spec, &manifest, &dest)?;
                manifest
            }
        };
        crossroot_store::write_atomic(&spec.parent.join(CURRENT), hash.as_bytes())?;
        if let Some(lock) = lock {
            lock.set_target(LockedTarget {
                triple: spec.name.to_string(),
                release: spec.release.name().to_string(),
                arch: spec.arch.to_string(),
                requested: requested.iter().cloned().collect(),
                suites,
                packages,
            });
        }
        Ok((dest.join("root"), manifest))
    }

    /// A finished tree that already satisfies the request, found by reading at most two small
    /// files (no lock, no network).
    fn fast_path(
        &self,
        spec: &TreeSpec<'_>,
        wanted: &BTreeSet<String>,
        lock: Option<&Lockfile>,
    ) -> Result<Option<(PathBuf, Manifest)>, ArchiveError> {
        let hash = match lock {
            Some(lock) => {
                let Some(entry) = lock
                    .target(spec.name, spec.release.name())
                    .filter(|e| e.arch == spec.arch)
                else {
                    return Ok(None);
                };
                if recorded_suites(&entry.suites, spec.release.name()) != spec.suite_names()
                    || !satisfied(wanted, &entry.requested, &entry.packages)
                {
                    return Ok(None);
                }
                set_hash(&entry.packages)
            }
            None => match read_current(&spec.parent) {
                Some(h) => h,
                None => return Ok(None),
            },
        };
        let dir = spec.parent.join(&hash);
        let Some(manifest) = read_manifest(&dir)? else {
            return Ok(None);
        };
        if manifest.release != spec.release.name()
            || recorded_suites(&manifest.suites, spec.release.name()) != spec.suite_names()
            || manifest.filter != spec.filter.fingerprint()
            || !satisfied(wanted, &manifest.requested, &manifest.packages)
        {
            return Ok(None);
        }
        Ok(Some((dir.join("root"), manifest)))
    }

    /// Resolve `requested` from `spec`'s suites. Also returns the suites the result stands
    /// for: every suite read or found missing on the mirror, but not one skipped offline for
    /// want of a cached index.
    fn resolve(
        &self,
        spec: &TreeSpec<'_>,
        requested: &BTreeSet<String>,
    ) -> Result<(Vec<LockedPackage>, Vec<String>), ArchiveError> {
        let mut indexes = Vec::new();
        let mut covered = Vec::new();
        for (i, suite) in spec.suites.iter().enumerate() {
            let root = match (suite.security, &self.opts.security) {
                (false, _) => &self.opts.mirror,
                (true, Some(root)) => root,
                (true, None) => continue,
            };
            // The release itself must be there; the others are skipped when missing.
            let optional = i > 0;
            match self
                .packages_index(root, &suite.name, spec.arch, optional)
                .map_err(|e| e.in_suite(&suite.name))?
            {
                Some(index) => {
                    covered.push(suite.name.clone());
                    indexes.push((suite.clone(), index));
                }
                None if self.opts.offline => self.reporter.note(&format!(
                    "skipping {}: not in the cache, and --offline",
                    suite.name
                )),
                None => {
                    covered.push(suite.name.clone());
                    self.reporter.note(&format!(
                    "skipping {name}: {root} has no dists/{name}/InRelease (or no {arch} index in it)",
                    name = suite.name,
                    arch = spec.arch
                    ));
                }
            }
        }
        let suite_list = indexes
            .iter()
            .map(|(s, _)| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        self.reporter.status(
            "Resolving",
            &format!(
                "{} for {} ({suite_list})",
                if requested.is_empty() {
                    "the base set".to_string()
                } else {
                    requested.iter().cloned().collect::<Vec<_>>().join(", ")
                },
                spec.arch
            ),
        );
        let requested: Vec<String> = requested.iter().cloned().collect();
        let packages = debian::resolve(&indexes, spec.arch, spec.release, &requested, spec.base)?;
        self.reporter.status(
            "Resolved",
            &format!(
                "{} packages ({})",
                packages.len(),
                crate::build::human_bytes(packages.iter().map(|p| p.size).sum())
            ),
        );
        Ok((packages, covered))
    }

    fn build_tree(
        &self,
        spec: &TreeSpec<'_>,
        manifest: &Manifest,
        dest: &Path,
    ) -> Result<(), ArchiveError> {
        let staged = self.opts.cache.stage_dir(&spec.parent)?;
        let root = staged.path().join("root");
        fs_err::create_dir(&root)?;
        let owners = self.fetch_and_unpack(&manifest.packages, Some(&root), spec.filter)?;
        let report = crossroot_extract::finalize_tree(&root, spec.release.merged_usr()).map_err(
            |source| ArchiveError::Extract {
                deb: format!("the tree of `{}`", spec.name),
                source,
            },
        )?;
        if !spec.filter.is_all() {
            // Links to members the filter left out (`ld64.lld -> lld` when only `ld.lld` is
            // kept…) lead nowhere: a filtered tree holds none.
            for link in &report.dangling {
                fs_err::remove_file(root.join(link))?;
            }
        }
        let json = serde_json::to_vec_pretty(manifest).map_err(|e| ArchiveError::Manifest {
            path: dest.join(MANIFEST),
            source: boxed(e),
        })?;
        let owners = serde_json::to_vec_pretty(&owners).map_err(|e| ArchiveError::Manifest {
            path: dest.join(OWNERS),
            source: boxed(e),
        })?;
        crossroot_store::write_atomic(&staged.path().join(OWNERS), &owners)?;
        crossroot_store::write_atomic(&staged.path().join(MANIFEST), &json)?;
        staged.persist(dest)?;
        self.reporter.status(
            "Ready",
            &format!(
                "{} ({} packages) at {}",
                spec.name,
                manifest.packages.len(),
                dest.join("root").display()
            ),
        );
        Ok(())
    }
}

/// Whether a tree asked for `requested` and holding `packages` already has everything in
/// `wanted`: each was asked for, or is installed by that name (the base set's `libc6-dev`, a
/// dependency such as `libssl3`), so adding it changes nothing.
fn satisfied(wanted: &BTreeSet<String>, requested: &[String], packages: &[LockedPackage]) -> bool {
    wanted
        .iter()
        .all(|w| requested.contains(w) || packages.iter().any(|p| p.name == *w))
}

/// Which package of the tree whose root is `root` ships each shared library (`libssl.so.3` →
/// `libssl3`), as recorded when the tree was built. Empty for a tree built before crossroot
/// recorded it, or a directory that is not one of crossroot's trees.
pub fn library_owners(root: &Path) -> std::collections::BTreeMap<String, String> {
    root.parent()
        .and_then(|dir| fs_err::read(dir.join(OWNERS)).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The sysroot `target` would use now without building anything: the lockfile's if it is
/// built, else the last one built. `None` if there is none.
pub fn find_sysroot(
    cache: &Cache,
    target: &crossroot_target::Target,
    release: Release,
    lock: Option<&Lockfile>,
) -> Result<Option<Sysroot>, ArchiveError> {
    let parent = sysroot_parent(cache, target.triple(), release);
    let from_lock = lock
        .and_then(|l| l.target(target.triple(), release.name()))
        .map(|e| set_hash(&e.packages));
    let hash = match from_lock {
        Some(h) => Some(h),
        None => read_current(&parent),
    };
    let Some(hash) = hash else { return Ok(None) };
    let Some(manifest) = read_manifest(&parent.join(&hash))? else {
        return Ok(None);
    };
    Ok(Some(Sysroot {
        root: parent.join(&hash).join("root"),
        target: target.triple(),
        release,
        suites: recorded_suites(&manifest.suites, release.name()),
        packages: manifest.packages,
        requested: manifest.requested,
    }))
}

/// The host tool tree `name` (built by [`ArchiveClient::ensure_host_tree`] with the same `arch`,
/// `release` and `filter`) as it is now, if it is finished and holds every package of
/// `packages`.
/// Reads two small files and never touches the network, so callers can skip creating a client.
pub fn find_host_tree(
    cache: &Cache,
    name: &str,
    arch: &str,
    release: Release,
    packages: &[&str],
    filter: &PathFilter,
) -> Result<Option<HostTree>, ArchiveError> {
    let parent = host_tree_parent(cache, name, arch, release);
    let Some(hash) = read_current(&parent) else {
        return Ok(None);
    };
    let Some(manifest) = read_manifest(&parent.join(&hash))? else {
        return Ok(None);
    };
    if !packages
        .iter()
        .all(|p| manifest.requested.iter().any(|r| r == p))
        || manifest.filter != filter.fingerprint()
    {
        return Ok(None);
    }
    Ok(Some(HostTree {
        root: parent.join(&hash).join("root"),
        name: name.to_string(),
        arch: arch.to_string(),
        release,
        packages: manifest.packages,
    }))
}

fn host_tree_parent(cache: &Cache, name: &str, arch: &str, release: Release) -> PathBuf {
    cache
        .bucket(crossroot_store::TOOLS)
        .join(format!("{name}-{arch}-{release}"))
}

fn sysroot_parent(cache: &Cache, triple: &str, release: Release) -> PathBuf {
    cache
        .bucket(crossroot_store::SYSROOTS)
        .join(triple)
        .join(release.name())
}

/// The directory name of a tree: [`set_hash`], plus the filter's fingerprint when it has one.
fn tree_hash(packages: &[LockedPackage], filter: &PathFilter) -> String {
    match filter.fingerprint() {
        None => set_hash(packages),
        Some(f) => {
            let text = format!("{}\nfilter {f}\n", set_hash(packages));
            crossroot_store::sha256_hex(text.as_bytes())[..16].to_string()
        }
    }
}

/// A short, stable name for an exact package set.
fn set_hash(packages: &[LockedPackage]) -> String {
    let mut lines: Vec<String> = packages
        .iter()
        .map(|p| format!("{} {} {} {}\n", p.name, p.arch, p.version, p.sha256))
        .collect();
    lines.sort();
    lines.dedup();
    let text = format!("crossroot-tree-v{FORMAT}\n{}", lines.concat());
    crossroot_store::sha256_hex(text.as_bytes())[..16].to_string()
}

fn read_current(parent: &Path) -> Option<String> {
    let text = fs_err::read_to_string(parent.join(CURRENT)).ok()?;
    let hash = text.trim();
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash.to_string())
}

fn read_manifest(dir: &Path) -> Result<Option<Manifest>, ArchiveError> {
    let path = dir.join(MANIFEST);
    let bytes = match fs_err::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| ArchiveError::Manifest {
            path: path.clone(),
            source: boxed(e),
        })?;
    Ok((manifest.format == FORMAT).then_some(manifest))
}

/// Every current sysroot in the cache (optionally of one triple): `(root, manifest)`.
pub fn list_sysroots(
    cache: &Cache,
    triple: Option<&str>,
) -> Result<Vec<(PathBuf, Manifest)>, ArchiveError> {
    let mut out = Vec::new();
    let bucket = cache.bucket(crossroot_store::SYSROOTS);
    let Ok(triples) = fs_err::read_dir(&bucket) else {
        return Ok(out);
    };
    let mut triples: Vec<_> = triples.filter_map(Result::ok).map(|e| e.path()).collect();
    triples.sort();
    for tdir in triples {
        let name = tdir.file_name().map(|n| n.to_string_lossy().into_owned());
        if triple.is_some() && name.as_deref() != triple {
            continue;
        }
        let Ok(releases) = fs_err::read_dir(&tdir) else {
            continue;
        };
        let mut releases: Vec<_> = releases.filter_map(Result::ok).map(|e| e.path()).collect();
        releases.sort();
        for rdir in releases {
            if let Some(hash) = read_current(&rdir) {
                if let Some(m) = read_manifest(&rdir.join(&hash))? {
                    out.push((rdir.join(hash).join("root"), m));
                }
            }
        }
    }
    Ok(out)
}

/// Remove every sysroot of `triple` (each release under its lock). Returns bytes freed.
pub fn remove_sysroots(cache: &Cache, triple: &str) -> Result<u64, ArchiveError> {
    let _in_use = cache.lock_in_use(|| {})?;
    let tdir = cache.bucket(crossroot_store::SYSROOTS).join(triple);
    let mut freed = 0;
    let Ok(releases) = fs_err::read_dir(&tdir) else {
        return Ok(0);
    };
    for rdir in releases.filter_map(Result::ok).map(|e| e.path()) {
        let _guard = cache.lock(&rdir.join(".lock"), || {})?;
        for entry in fs_err::read_dir(&rdir)?.filter_map(Result::ok) {
            if entry.file_name() == ".lock" {
                continue;
            }
            freed += crossroot_store::disk_usage(&entry.path());
            crossroot_store::remove_any(&entry.path())?;
        }
    }
    crossroot_store::remove_any(&tdir)?;
    Ok(freed)
}

/// Remove trees that are not current (they can be rebuilt from a lockfile) and `.deb`s no
/// remaining tree uses. Returns bytes freed. Runs alone: it waits until no other process builds
/// in the cache (`on_wait` is called once if it has to), and they wait for it.
pub fn prune(cache: &Cache, on_wait: impl FnOnce()) -> Result<u64, ArchiveError> {
    let _all = cache.lock_all(on_wait)?;
    let mut freed = 0;
    let mut keep: BTreeSet<String> = BTreeSet::new();
    for bucket in [crossroot_store::SYSROOTS, crossroot_store::TOOLS] {
        let base = cache.bucket(bucket);
        // sysroots-v1/<triple>/<release>/ and tools-v1/<name>/ hold the hash directories.
        let mut parents = Vec::new();
        for l1 in read_dirs(&base) {
            if bucket == crossroot_store::SYSROOTS {
                parents.extend(read_dirs(&l1));
            } else {
                parents.push(l1);
            }
        }
        for parent in parents {
            let _guard = cache.lock(&parent.join(".lock"), || {})?;
            cache.clean_staging(&parent)?;
            let current = read_current(&parent);
            for dir in read_dirs(&parent) {
                let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
                if name.is_some() && name == current {
                    if let Some(m) = read_manifest(&dir)? {
                        keep.extend(m.packages.into_iter().map(|p| p.sha256));
                    }
                } else {
                    freed += crossroot_store::disk_usage(&dir);
                    crossroot_store::remove_any(&dir)?;
                }
            }
        }
    }
    freed += cache.prune_debs(|sha| keep.contains(sha))?;
    Ok(freed)
}

fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
