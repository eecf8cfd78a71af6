//! What the host already has, for `crossroot targets` and `crossroot doctor`: the Rust standard
//! libraries rustup installed, QEMU user binaries, clang/lld, cached sysroots and tools, the
//! filesystem type of a directory, binfmt_misc.
//!
//! Probes run programs and read files; the parsers they use ([`parse_mountinfo_fs_type`],
//! [`parse_clang_version`]) are pure and unit-tested.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crossroot_target::TargetSpec;

/// The cache bucket holding sysroots: `<cache>/sysroots-v1/<triple>/<id>/`.
pub const SYSROOTS_BUCKET: &str = "sysroots-v1";
/// The cache bucket holding provisioned host tools (clang, QEMU): `<cache>/tools-v1/<name>/`.
pub const TOOLS_BUCKET: &str = "tools-v1";

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

/// The active toolchain's sysroot (`rustc --print sysroot`).
pub fn rustc_sysroot() -> Option<PathBuf> {
    stdout_of("rustc", &["--print", "sysroot"]).map(|s| PathBuf::from(s.trim()))
}

/// The host triple (`rustc -vV`).
pub fn rustc_host() -> Option<String> {
    stdout_of("rustc", &["-vV"])?
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(|h| h.trim().to_string()))
}

/// Which Rust standard libraries are installed, and how that was found out.
#[derive(Debug, Clone)]
pub enum StdProbe {
    Known {
        installed: BTreeSet<String>,
        via: &'static str,
    },
    /// Neither rustup nor rustc could tell.
    Unknown,
}

impl StdProbe {
    /// Ask `rustup target list --installed` once; without rustup, look into the active rustc's
    /// sysroot (`lib/rustlib/<triple>/lib`).
    pub fn run() -> StdProbe {
        if let Some(out) = stdout_of("rustup", &["target", "list", "--installed"]) {
            return StdProbe::Known {
                installed: out.lines().map(|l| l.trim().to_string()).collect(),
                via: "rustup",
            };
        }
        if let Some(sysroot) = rustc_sysroot() {
            let installed = fs_err::read_dir(sysroot.join("lib/rustlib"))
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .filter(|e| e.path().join("lib").is_dir())
                        .filter_map(|e| e.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default();
            return StdProbe::Known {
                installed,
                via: "rustc sysroot",
            };
        }
        StdProbe::Unknown
    }

    pub fn has(&self, triple: &str) -> Option<bool> {
        match self {
            StdProbe::Known { installed, .. } => Some(installed.contains(triple)),
            StdProbe::Unknown => None,
        }
    }
}

/// Whether `spec` runs on this host without QEMU.
pub fn runs_natively(spec: &TargetSpec) -> bool {
    let machine = match std::env::consts::ARCH {
        "x86_64" => crossroot_target::elf_machine::EM_X86_64,
        "aarch64" => crossroot_target::elf_machine::EM_AARCH64,
        "riscv64" => crossroot_target::elf_machine::EM_RISCV,
        "powerpc64" => crossroot_target::elf_machine::EM_PPC64,
        "s390x" => crossroot_target::elf_machine::EM_S390,
        _ => return false,
    };
    let endian_ok = match spec.endian {
        crossroot_target::Endian::Little => cfg!(target_endian = "little"),
        crossroot_target::Endian::Big => cfg!(target_endian = "big"),
    };
    spec.runs_natively_on(machine) && endian_ok
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

/// `qemu-<arch>` or `qemu-<arch>-static` on PATH, else in the cache under
/// `tools-v1/qemu*/**/usr/bin/`.
pub fn find_qemu(spec: &TargetSpec, cache_dir: &Path) -> Option<QemuFound> {
    let names = [spec.qemu.to_string(), format!("{}-static", spec.qemu)];
    for name in &names {
        if let Ok(p) = which::which(name) {
            return Some(QemuFound::Path(p));
        }
    }
    find_cached_tool(cache_dir, "qemu", &names).map(QemuFound::Cache)
}

/// A file named one of `names` in a `usr/bin` directory below `tools-v1/<prefix>*/`.
pub fn find_cached_tool(cache_dir: &Path, prefix: &str, names: &[String]) -> Option<PathBuf> {
    let tools = fs_err::read_dir(cache_dir.join(TOOLS_BUCKET)).ok()?;
    let mut dirs: Vec<PathBuf> = tools
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.into_iter().find_map(|dir| {
        walkdir::WalkDir::new(dir)
            .max_depth(8)
            .into_iter()
            .filter_map(Result::ok)
            .find(|e| {
                names.iter().any(|n| e.file_name() == n.as_str())
                    && e.path().parent().is_some_and(|p| p.ends_with("usr/bin"))
            })
            .map(|e| e.into_path())
    })
}

/// Whether the cache holds a completed sysroot for `triple`.
///
/// This is the one place that knows what "completed" means: some directory
/// `sysroots-v1/<triple>/<id>/` holding a `manifest.toml` or a `.complete` marker, which the
/// archive/store crates write last, after extraction finished. Point it at the store crate's
/// own check once that exists.
pub fn sysroot_present(cache_dir: &Path, triple: &str) -> bool {
    let Ok(dir) = fs_err::read_dir(cache_dir.join(SYSROOTS_BUCKET).join(triple)) else {
        return false;
    };
    dir.filter_map(Result::ok).any(|e| {
        let p = e.path();
        p.is_dir() && (p.join("manifest.toml").is_file() || p.join(".complete").exists())
    })
}

/// A C compiler or linker found on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    pub path: PathBuf,
    pub version: Option<(u32, u32, u32)>,
}

/// `clang` (or the newest `clang-NN`) on PATH, with its version.
pub fn find_clang() -> Option<Tool> {
    let mut candidates: Vec<String> = vec!["clang".into()];
    candidates.extend((14..=30).rev().map(|v| format!("clang-{v}")));
    candidates.iter().find_map(|name| {
        let path = which::which(name).ok()?;
        let out = Command::new(&path).arg("--version").output().ok()?;
        let version = parse_clang_version(&String::from_utf8_lossy(&out.stdout));
        Some(Tool { path, version })
    })
}

/// `ld.lld` (or `ld.lld-NN`) on PATH.
pub fn find_lld() -> Option<PathBuf> {
    std::iter::once("ld.lld".to_string())
        .chain((14..=30).rev().map(|v| format!("ld.lld-{v}")))
        .find_map(|n| which::which(n).ok())
}

/// rustup's `rust-lld` in the active toolchain.
pub fn find_rust_lld() -> Option<PathBuf> {
    let sysroot = rustc_sysroot()?;
    let host = rustc_host()?;
    let p = sysroot.join("lib/rustlib").join(host).join("bin/rust-lld");
    p.is_file().then_some(p)
}

/// clang in the cache (`tools-v1/clang*/…/usr/bin/clang-NN`).
pub fn find_cached_clang(cache_dir: &Path) -> Option<PathBuf> {
    let names: Vec<String> = std::iter::once("clang".to_string())
        .chain((14..=30).map(|v| format!("clang-{v}")))
        .collect();
    find_cached_tool(cache_dir, "clang", &names)
        .or_else(|| find_cached_tool(cache_dir, "llvm", &names))
}

/// The version in `clang --version` output (`… clang version 14.0.6 …`).
pub fn parse_clang_version(text: &str) -> Option<(u32, u32, u32)> {
    let line = text.lines().find(|l| l.contains("clang version "))?;
    let rest = &line[line.find("clang version ")? + "clang version ".len()..];
    let word = rest
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()?;
    let mut parts = word.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
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
    fn clang_versions() {
        assert_eq!(
            parse_clang_version("Debian clang version 14.0.6\nTarget: x86_64-pc-linux-gnu\n"),
            Some((14, 0, 6))
        );
        assert_eq!(
            parse_clang_version("Ubuntu clang version 18.1.3 (1ubuntu1)\n"),
            Some((18, 1, 3))
        );
        assert_eq!(parse_clang_version("clang version 19\n"), Some((19, 0, 0)));
        assert_eq!(parse_clang_version("gcc (Debian 12.2.0-14) 12.2.0\n"), None);
    }

    #[test]
    fn cookie_filesystems() {
        assert!(has_64bit_dir_cookies("ext4"));
        assert!(has_64bit_dir_cookies("nfs4"));
        assert!(!has_64bit_dir_cookies("tmpfs"));
        assert!(!has_64bit_dir_cookies("btrfs"));
    }

    #[test]
    fn sysroot_needs_a_completion_marker() {
        let dir = tempfile::tempdir().unwrap();
        let t = "aarch64-unknown-linux-gnu";
        assert!(!sysroot_present(dir.path(), t));
        let sr = dir
            .path()
            .join(SYSROOTS_BUCKET)
            .join(t)
            .join("bookworm-abc");
        fs_err::create_dir_all(&sr).unwrap();
        assert!(
            !sysroot_present(dir.path(), t),
            "an unfinished sysroot does not count"
        );
        fs_err::write(sr.join("manifest.toml"), "").unwrap();
        assert!(sysroot_present(dir.path(), t));
        assert!(!sysroot_present(dir.path(), "s390x-unknown-linux-gnu"));
    }

    #[test]
    fn cached_qemu_is_found_in_the_tools_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir
            .path()
            .join(TOOLS_BUCKET)
            .join("qemu-user-static-1/root/usr/bin");
        fs_err::create_dir_all(&bin).unwrap();
        fs_err::write(bin.join("qemu-s390x-static"), "").unwrap();
        let names = ["qemu-s390x".to_string(), "qemu-s390x-static".to_string()];
        assert_eq!(
            find_cached_tool(dir.path(), "qemu", &names),
            Some(bin.join("qemu-s390x-static"))
        );
        assert_eq!(find_cached_tool(dir.path(), "clang", &names), None);
    }
}
