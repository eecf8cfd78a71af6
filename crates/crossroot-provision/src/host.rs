//! What the host already has: the Rust toolchain and its standard libraries, QEMU user
//! binaries, clang, cached sysroots and tool trees, the filesystem type of a directory,
//! binfmt_misc.
//!
//! The pipeline and the [plan](crate::plan) ask these same functions, so `doctor` and
//! `targets` report what a build would actually do. [`parse_mountinfo_fs_type`] is pure and
//! unit-tested.

use std::path::{Path, PathBuf};
use std::process::Command;

use crossroot_target::TargetSpec;
use crossroot_toolchain::clang::ProbeCache;
use crossroot_toolchain::rust::RustToolchain;

/// Run a program and return its stdout, if it ran and succeeded.
fn stdout_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The first line of `rustup --version`, if rustup is on PATH.
pub fn rustup_version() -> Option<String> {
    stdout_of("rustup", &["--version"]).and_then(|s| s.lines().next().map(str::to_string))
}

/// The first line of `rustc --version`, if rustc is on PATH.
pub fn rustc_version() -> Option<String> {
    stdout_of("rustc", &["--version"]).and_then(|s| s.lines().next().map(str::to_string))
}

/// The active Rust toolchain, found the way provisioning finds it.
pub fn rust_toolchain(cwd: &Path, env: &crate::HostEnv) -> Option<RustToolchain> {
    crossroot_toolchain::rust::locate(cwd, &|k| env.get(k)).ok()
}

/// The ELF machine of the host crossroot runs on (0 when the host is not in the table).
pub fn host_machine() -> u16 {
    crossroot_target::host().map_or(0, |h| h.elf_machine)
}

/// The host as a table entry: its Debian architecture is the one of the tool packages (clang,
/// QEMU, pkgconf) crossroot provisions, and its multiarch dir is where their libraries live.
pub fn host_spec() -> Result<&'static TargetSpec, crate::Error> {
    crossroot_target::host().ok_or(crate::Error::UnsupportedHost {
        arch: std::env::consts::ARCH,
    })
}

/// Whether `spec` runs on this host without a runner.
pub fn runs_natively(spec: &TargetSpec) -> bool {
    crossroot_runner::kind(spec, host_machine()) == crossroot_runner::Kind::Native
}

/// Remembered `--version` answers, shared with provisioning (read only here).
pub fn probes(cache_dir: &Path) -> ProbeCache {
    ProbeCache::load(
        &cache_dir
            .join(crossroot_store::TOOLCHAIN)
            .join("probes.json"),
    )
}

/// The root of a finished host tool tree that provisioning built (`clang`, `qemu`) holding
/// `packages`, if any: the same lookup the pipeline makes before fetching.
pub fn cached_host_tree(
    cache_dir: &Path,
    name: &str,
    packages: &[&str],
    filter: &crossroot_archive::PathFilter,
) -> Option<PathBuf> {
    find_cached_host_tree(cache_dir, name, packages, filter).map(|t| t.root)
}

/// [`cached_host_tree`] with the tree's manifest (its packages and their versions).
pub fn find_cached_host_tree(
    cache_dir: &Path,
    name: &str,
    packages: &[&str],
    filter: &crossroot_archive::PathFilter,
) -> Option<crossroot_archive::HostTree> {
    find_cached_tree_of(
        cache_dir,
        crossroot_target::host()?.debian_arch,
        name,
        packages,
        filter,
    )
}

/// [`find_cached_host_tree`] of the Debian architecture `arch` (Wine's 32-bit side is an
/// `i386` tree on an `amd64` host): the lookup [`crate::Provisioner::host_tree_of`] makes.
pub fn find_cached_tree_of(
    cache_dir: &Path,
    arch: &str,
    name: &str,
    packages: &[&str],
    filter: &crossroot_archive::PathFilter,
) -> Option<crossroot_archive::HostTree> {
    let cache = crossroot_store::Cache::new(cache_dir.to_path_buf());
    crossroot_archive::find_host_tree(
        &cache,
        name,
        arch,
        crate::HOST_TOOLS_RELEASE,
        packages,
        filter,
    )
    .ok()
    .flatten()
}

/// Where a QEMU user binary for `spec` was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QemuFound {
    Path(PathBuf),
    Cache(PathBuf),
}

impl QemuFound {
    pub fn path(&self) -> &Path {
        match self {
            QemuFound::Path(p) | QemuFound::Cache(p) => p,
        }
    }
}

/// The QEMU provisioning would use: a recent enough `qemu-<arch>[-static]` on PATH, else the
/// one in the cached `qemu-<arch>` tree.
pub fn find_qemu(
    spec: &TargetSpec,
    cache_dir: &Path,
    probes: &mut ProbeCache,
    path: Option<&std::ffi::OsStr>,
) -> Option<QemuFound> {
    if let Some(p) = crossroot_runner::find_host_qemu(spec, path, |p| {
        probes.version(p, &["--version"], crossroot_runner::parse_qemu_version)
    }) {
        return Some(QemuFound::Path(p));
    }
    let tree = cached_host_tree(
        cache_dir,
        crossroot_runner::qemu_tree_name(spec),
        crossroot_runner::QEMU_TREE_PACKAGES,
        &crossroot_archive::PathFilter::parse(&crossroot_runner::qemu_tree_filter(spec)).ok()?,
    )?;
    crossroot_runner::qemu_in_tree(&tree, spec)
        .ok()
        .map(QemuFound::Cache)
}

/// Whether the cache holds a finished, current sysroot for `triple` (what `crossroot sysroot
/// list` shows).
pub fn sysroot_present(cache_dir: &Path, triple: &str) -> bool {
    let cache = crossroot_store::Cache::new(cache_dir.to_path_buf());
    crossroot_archive::list_sysroots(&cache, Some(triple)).is_ok_and(|v| !v.is_empty())
}

/// The C toolchain provisioning would pick on the host (clang >= 14 with an archiver), if any.
pub fn host_c_toolchain(
    rust: Option<&RustToolchain>,
    probes: &mut ProbeCache,
    path: Option<std::ffi::OsString>,
) -> Option<crossroot_toolchain::clang::CToolchain> {
    let (clang, version) = crossroot_toolchain::clang::find_host_clang(path.as_deref(), probes)?;
    crossroot_toolchain::clang::host_toolchain(
        clang,
        version,
        rust.and_then(RustToolchain::rust_lld),
        path.as_deref(),
    )
}

/// The filesystem type holding `path`: the longest mount point in /proc/self/mountinfo that
/// contains it. `path` should be absolute and canonical.
pub fn fs_type_of(path: &Path) -> Option<String> {
    let text = fs_err::read_to_string("/proc/self/mountinfo").ok()?;
    let existing = path.ancestors().find(|p| p.exists())?;
    let canonical = fs_err::canonicalize(existing).ok()?;
    parse_mountinfo_fs_type(&text, &canonical)
}

/// Pure part of [`fs_type_of`]: in mountinfo `text`, the type of the longest mount point that is
/// a prefix of `path` (later mounts win ties, as they shadow earlier ones).
pub fn parse_mountinfo_fs_type(text: &str, path: &Path) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for line in text.lines() {
        // `id parent maj:min root mountpoint opts [optional…] - fstype source superopts`
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let Some(mount_point) = left.split(' ').nth(4) else {
            continue;
        };
        let Some(fs_type) = right.split(' ').next() else {
            continue;
        };
        let mount_point = unescape_mountinfo(mount_point);
        if path.starts_with(&mount_point) {
            let len = mount_point.len();
            if best.as_ref().is_none_or(|(l, _)| len >= *l) {
                best = Some((len, fs_type.to_string()));
            }
        }
    }
    best.map(|(_, t)| t)
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo` octal.
fn unescape_mountinfo(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() {
            let oct = &bytes[i + 1..i + 4];
            if oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                let value = oct
                    .iter()
                    .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
                if let Ok(b) = u8::try_from(value) {
                    out.push(b);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Filesystems whose directory cookies (`d_off`) can exceed 32 bits, so a 32-bit program built
/// without large-file support gets EOVERFLOW from `readdir` (ext4 hashes directory entries;
/// network filesystems pass the server's cookies on; overlayfs passes its lower layer's on).
pub fn has_64bit_dir_cookies(fs_type: &str) -> bool {
    matches!(
        fs_type,
        "ext2"
            | "ext3"
            | "ext4"
            | "nfs"
            | "nfs4"
            | "ceph"
            | "cifs"
            | "smb3"
            | "overlay"
            | "fuse.glusterfs"
    )
}

/// Whether binfmt_misc is mounted (information only: crossroot never needs it).
pub fn binfmt_misc_mounted() -> bool {
    fs_err::read_to_string("/proc/self/mountinfo")
        .map(|t| t.lines().any(|l| l.contains(" - binfmt_misc ")))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw
40 27 0:50 / /home/u/my\\040cache rw,relatime shared:1 - btrfs /dev/vdb rw
41 27 0:51 / /tmp rw,relatime - tmpfs tmpfs rw
42 41 0:52 / /tmp rw,relatime - xfs /dev/vdc rw
43 27 0:53 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw
";

    #[test]
    fn longest_mount_prefix_wins() {
        let t = |p: &str| parse_mountinfo_fs_type(MOUNTINFO, Path::new(p));
        assert_eq!(t("/").as_deref(), Some("ext4"));
        assert_eq!(t("/root/.cache/crossroot").as_deref(), Some("ext4"));
        assert_eq!(t("/dev/shm/x").as_deref(), Some("tmpfs"));
        // Escaped space in the mount point, and optional fields before ` - `.
        assert_eq!(t("/home/u/my cache/crossroot").as_deref(), Some("btrfs"));
        // A path component prefix is not a mount prefix.
        assert_eq!(t("/home/u/my cachex").as_deref(), Some("ext4"));
        // The later of two mounts on the same point shadows the earlier one.
        assert_eq!(t("/tmp/work").as_deref(), Some("xfs"));
        assert_eq!(parse_mountinfo_fs_type("garbage\n", Path::new("/")), None);
    }

    #[test]
    fn cookie_filesystems() {
        assert!(has_64bit_dir_cookies("ext4"));
        assert!(has_64bit_dir_cookies("nfs4"));
        assert!(!has_64bit_dir_cookies("tmpfs"));
        assert!(!has_64bit_dir_cookies("btrfs"));
    }

    /// A finished tree as the archive crate leaves it: `<parent>/current` names the hash
    /// directory, which holds `manifest.json` and `root/`.
    pub(crate) fn fake_tree(
        parent: &Path,
        name: &str,
        arch: &str,
        requested: &[&str],
        filter: Option<String>,
    ) -> PathBuf {
        let hash = "0123456789abcdef";
        let dir = parent.join(hash);
        let requested = format!(
            "[{}]",
            requested
                .iter()
                .map(|r| format!("\"{r}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        fs_err::create_dir_all(dir.join("root")).unwrap();
        fs_err::write(
            dir.join("manifest.json"),
            format!(
                r#"{{"format":2,"name":"{name}","release":"bookworm","arch":"{arch}","requested":{requested},"packages":[],"filter":{}}}"#,
                filter.map_or("null".to_string(), |f| format!("\"{f}\""))
            ),
        )
        .unwrap();
        fs_err::write(parent.join("current"), hash).unwrap();
        dir.join("root")
    }

    #[test]
    fn sysroot_needs_a_finished_current_tree() {
        let dir = tempfile::tempdir().unwrap();
        let t = "aarch64-unknown-linux-gnu";
        assert!(!sysroot_present(dir.path(), t));
        let parent = dir
            .path()
            .join(crossroot_store::SYSROOTS)
            .join(t)
            .join("bookworm");
        // A staging directory with a manifest, but no `current`: nothing yet.
        let staging = parent.join(".tmp-123");
        fs_err::create_dir_all(staging.join("root")).unwrap();
        fs_err::write(staging.join("manifest.json"), "{}").unwrap();
        assert!(!sysroot_present(dir.path(), t));
        fake_tree(&parent, t, "arm64", &[], None);
        assert!(sysroot_present(dir.path(), t));
        assert!(!sysroot_present(dir.path(), "s390x-unknown-linux-gnu"));
    }

    #[test]
    fn cached_qemu_is_found_in_the_provisioned_tree() {
        let dir = tempfile::tempdir().unwrap();
        let spec = crossroot_target::by_triple("s390x-unknown-linux-gnu").unwrap();
        let parent = dir.path().join(crossroot_store::TOOLS).join(format!(
            "qemu-s390x-{}-bookworm",
            crossroot_target::host().unwrap().debian_arch
        ));
        let filter =
            crossroot_archive::PathFilter::parse(&crossroot_runner::qemu_tree_filter(spec))
                .unwrap();
        let qemu = |d: &Path, name: &str| {
            cached_host_tree(d, name, crossroot_runner::QEMU_TREE_PACKAGES, &filter)
        };
        assert_eq!(qemu(dir.path(), "qemu-s390x"), None);
        let root = fake_tree(
            &parent,
            "qemu-s390x",
            "amd64",
            crossroot_runner::QEMU_TREE_PACKAGES,
            filter.fingerprint(),
        );
        assert_eq!(qemu(dir.path(), "qemu-s390x"), Some(root.clone()));
        assert_eq!(
            cached_host_tree(dir.path(), "clang", &["clang-14"], &filter),
            None
        );
        // Another target's QEMU lives in another tree.
        assert_eq!(qemu(dir.path(), "qemu-aarch64"), None);
        // A tree built for other packages does not count.
        assert_eq!(
            cached_host_tree(dir.path(), "qemu-s390x", &["qemu-user"], &filter),
            None
        );
        // A tree unpacked with other rules (here: everything) does not count either.
        assert_eq!(
            cached_host_tree(
                dir.path(),
                "qemu-s390x",
                crossroot_runner::QEMU_TREE_PACKAGES,
                &crossroot_archive::PathFilter::all()
            ),
            None
        );
        fs_err::create_dir_all(root.join("usr/bin")).unwrap();
        fs_err::write(root.join("usr/bin/qemu-s390x-static"), "").unwrap();
        assert_eq!(
            crossroot_runner::qemu_in_tree(&root, spec).ok(),
            Some(root.join("usr/bin/qemu-s390x-static"))
        );
        // Removing the manifest makes the tree unfinished.
        fs_err::remove_file(parent.join("0123456789abcdef/manifest.json")).unwrap();
        assert_eq!(qemu(dir.path(), "qemu-s390x"), None);
    }
}
