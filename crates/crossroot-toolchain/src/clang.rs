//! Choosing the C compiler and linker: a host clang >= 14, else a clang tree provisioned from
//! the Debian archive (bookworm amd64 `clang-14` and friends, run with `LD_LIBRARY_PATH`).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The oldest clang crossroot drives.
pub const MIN_CLANG: u32 = 14;

/// Host-architecture Debian packages (bookworm) that make a working clang + lld + libclang.
pub const CLANG_TREE_PACKAGES: &[&str] = &["clang-14", "lld-14", "libclang1-14"];

/// What the clang tree keeps of [`CLANG_TREE_PACKAGES`] and their dependencies (which bring
/// binutils, libc6-dev, libstdc++-12-dev, ICU, Kerberos…: 398 MB unpacked): only what crossroot
/// runs or loads. Rules in the syntax of `crossroot_archive::PathFilter` (last match wins);
/// changing them changes the tree's cache key.
pub const CLANG_TREE_FILTER: &[&str] = &[
    "-**",
    // The drivers and the linker (`-fuse-ld=lld` finds `ld.lld` next to clang when rust-lld is
    // absent); LLVM's binutils, used when a package of the set ships them.
    "+usr/lib/llvm-*/bin/clang",
    "+usr/lib/llvm-*/bin/clang++",
    "+usr/lib/llvm-*/bin/lld",
    "+usr/lib/llvm-*/bin/ld.lld",
    "+usr/lib/llvm-*/bin/llvm-ar",
    "+usr/lib/llvm-*/bin/llvm-ranlib",
    "+usr/lib/llvm-*/bin/llvm-nm",
    "+usr/lib/llvm-*/bin/llvm-objcopy",
    "+usr/lib/llvm-*/bin/llvm-strip",
    // clang's resource directory headers (`stddef.h`, `arm_neon.h`…), also bindgen's.
    "+usr/lib/llvm-*/lib/clang/*/include",
    // libclang-cpp, and libclang for bindgen (`LIBCLANG_PATH` is `usr/lib/llvm-14/lib`).
    "+usr/lib/llvm-*/lib/libclang*",
    // The shared libraries those load (their `NEEDED` closure, minus glibc and libgcc_s, which
    // come from the host: see `is_host_runtime_library`). bookworm's libtinfo, libz and liblzma
    // live in `lib/`, which is not linked: the host's are used.
    "+usr/lib/*/libLLVM-*.so*",
    "+usr/lib/*/libclang*.so*",
    "+usr/lib/*/libz3.so*",
    "+usr/lib/*/libxml2.so*",
    "+usr/lib/*/libicuuc.so*",
    "+usr/lib/*/libicudata.so*",
    "+usr/lib/*/libffi.so*",
    "+usr/lib/*/libedit.so*",
    "+usr/lib/*/libbsd.so*",
    "+usr/lib/*/libmd.so*",
    "+usr/lib/*/libstdc++.so*",
    // Static libraries (compiler-rt for the host…): crossroot links the sysroot's, never these.
    "-**/*.a",
];

/// Where the C toolchain came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolSource {
    Host,
    Provisioned,
}

/// A clang able to compile for any target, plus the linker and archiver to use with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CToolchain {
    pub clang: PathBuf,
    pub clangxx: PathBuf,
    /// Major version.
    pub version: u32,
    /// Directories the compiler needs in `LD_LIBRARY_PATH` (provisioned trees).
    pub lib_path: Vec<PathBuf>,
    /// The `ld.lld` to pass with `--ld-path` (rust-lld's when available).
    pub ld_lld: Option<PathBuf>,
    pub ar: PathBuf,
    /// Directory with `libclang.so` for bindgen, when provisioned.
    pub libclang_dir: Option<PathBuf>,
    /// clang's resource directory (`stddef.h` and friends), when libclang cannot find it itself.
    pub resource_dir: Option<PathBuf>,
    pub source: ToolSource,
}

/// Every executable called `name` on `path` (a `PATH`-style list), first match first.
pub fn find_on_path(name: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A host clang that is recent enough, with its major version.
///
/// `clang-NN` names and `…/llvm-NN/bin/clang` link targets give the version away; anything else
/// is asked once (`clang --version`) and remembered in `probes`.
pub fn find_host_clang(path: Option<&OsStr>, probes: &mut ProbeCache) -> Option<(PathBuf, u32)> {
    let mut names: Vec<String> = vec!["clang".into()];
    names.extend((MIN_CLANG..=30).rev().map(|v| format!("clang-{v}")));
    for name in names {
        let Some(found) = find_on_path(&name, path) else {
            continue;
        };
        let version = name
            .strip_prefix("clang-")
            .and_then(|v| v.parse().ok())
            .or_else(|| version_from_llvm_dir(&found))
            .or_else(|| probes.version(&found, &["--version"], parse_clang_version));
        if let Some(v) = version {
            if v >= MIN_CLANG {
                return Some((found, v));
            }
        }
    }
    None
}

fn version_from_llvm_dir(clang: &Path) -> Option<u32> {
    let real = std::fs::canonicalize(clang).ok()?;
    real.components()
        .find_map(|c| c.as_os_str().to_str()?.strip_prefix("llvm-")?.parse().ok())
}

/// `clang version 14.0.6` (any vendor prefix) → 14.
pub fn parse_clang_version(out: &str) -> Option<u32> {
    let rest = out.split("clang version ").nth(1)?;
    rest.split(['.', ' ']).next()?.parse().ok()
}

/// The host clang found on PATH, wired with `ld_lld` and the best archiver on PATH.
pub fn host_toolchain(
    clang: PathBuf,
    version: u32,
    ld_lld: Option<PathBuf>,
    path: Option<&OsStr>,
) -> Option<CToolchain> {
    let dir = clang.parent()?.to_path_buf();
    let name = clang.file_name()?.to_string_lossy().into_owned();
    let xx = dir.join(name.replacen("clang", "clang++", 1));
    let clangxx = if is_executable(&xx) {
        xx
    } else {
        clang.clone()
    };
    let ar = host_archiver(version, path, None)?;
    Some(CToolchain {
        clang,
        clangxx,
        version,
        lib_path: Vec::new(),
        ld_lld,
        ar,
        libclang_dir: None,
        resource_dir: None,
        source: ToolSource::Host,
    })
}

fn host_archiver(version: u32, path: Option<&OsStr>, tree_ar: Option<PathBuf>) -> Option<PathBuf> {
    find_on_path("llvm-ar", path)
        .or_else(|| find_on_path(&format!("llvm-ar-{version}"), path))
        .or(tree_ar)
        .or_else(|| find_on_path("ar", path))
}

/// Whether a shared library belongs to glibc itself (`libc.so.6`, `libm.so.6`, the loader…) or
/// to GCC's runtime. A provisioned tree carries its own copies, but loading them with the host's
/// dynamic loader mixes two glibc builds: they must come from the host.
pub fn is_host_runtime_library(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "ld-linux",
        "libc.so",
        "libc-",
        "libc_malloc_debug",
        "libm.so",
        "libm-",
        "libmvec",
        "libpthread",
        "libdl.so",
        "libdl-",
        "librt.so",
        "librt-",
        "libresolv",
        "libutil",
        "libanl",
        "libBrokenLocale",
        "libthread_db",
        "libnss_",
        "libmemusage",
        "libpcprofile",
        "libcidn",
        "libnsl.so.1",
        "libgcc_s",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Make `dest` a directory of symlinks to the tree's host libraries (in
/// `usr/lib/<host_multiarch>`) except glibc's own (see [`is_host_runtime_library`]), for
/// `LD_LIBRARY_PATH`. Existing links are kept.
pub fn link_tree_libraries(root: &Path, host_multiarch: &str, dest: &Path) -> Result<PathBuf> {
    let src = root.join("usr/lib").join(host_multiarch);
    fs_err::create_dir_all(dest)?;
    for entry in fs_err::read_dir(&src)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(n) = name.to_str() else { continue };
        if !n.contains(".so") || is_host_runtime_library(n) {
            continue;
        }
        let link = dest.join(&name);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(entry.path(), &link).map_err(|e| {
                std::io::Error::new(e.kind(), format!("linking `{}`: {e}", link.display()))
            })?;
        }
    }
    Ok(dest.to_path_buf())
}

/// The clang tree provisioned under `root` (an unpacked set of [`CLANG_TREE_PACKAGES`]), with
/// `lib_dir` from [`link_tree_libraries`].
pub fn tree_toolchain(
    root: &Path,
    lib_dir: PathBuf,
    ld_lld: Option<PathBuf>,
    path: Option<&OsStr>,
    triple: &str,
) -> Result<CToolchain> {
    let llvm = root.join("usr/lib/llvm-14");
    let clang = llvm.join("bin/clang");
    for needed in [&clang, &llvm.join("bin/ld.lld")] {
        if !needed.exists() {
            return Err(Error::IncompleteTree {
                root: root.to_path_buf(),
                missing: needed.clone(),
            });
        }
    }
    let tree_ar = Some(llvm.join("bin/llvm-ar")).filter(|p| p.exists());
    let ar = host_archiver(14, path, tree_ar).ok_or_else(|| Error::NoArchiver {
        triple: triple.to_string(),
        tree: root.to_path_buf(),
    })?;
    Ok(CToolchain {
        clangxx: llvm.join("bin/clang++"),
        clang,
        version: 14,
        lib_path: vec![lib_dir, llvm.join("lib")],
        // Without rust-lld, the tree's own lld (found next to clang by -fuse-ld=lld).
        ld_lld,
        ar,
        libclang_dir: Some(llvm.join("lib")),
        // Loaded from the cache, libclang does not find its headers by itself.
        resource_dir: fs_err::read_dir(llvm.join("lib/clang"))
            .ok()
            .and_then(|mut d| d.find_map(|e| e.ok().map(|e| e.path()))),
        source: ToolSource::Provisioned,
    })
}

/// Remembered answers of `tool --version`, keyed by path and invalidated when the file changes,
/// so the fast path of a no-op build runs no extra processes.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ProbeCache {
    entries: BTreeMap<PathBuf, Probe>,
    #[serde(skip)]
    dirty: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Probe {
    len: u64,
    mtime_ns: i128,
    version: Option<u32>,
}

fn stamp(path: &Path) -> Option<(u64, i128)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as i128;
    Some((m.len(), mtime))
}

impl ProbeCache {
    /// Load from `file` (a missing or unreadable file is an empty cache).
    pub fn load(file: &Path) -> Self {
        fs_err::read(file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Save if anything changed.
    pub fn save(&self, file: &Path) -> Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::files::write_if_changed(file, &json, false)?;
        Ok(())
    }

    /// The version `parse` finds in the output of `tool args…`, asked once per file version.
    pub fn version(
        &mut self,
        tool: &Path,
        args: &[&str],
        parse: fn(&str) -> Option<u32>,
    ) -> Option<u32> {
        let (len, mtime_ns) = stamp(tool)?;
        if let Some(p) = self.entries.get(tool) {
            if p.len == len && p.mtime_ns == mtime_ns {
                return p.version;
            }
        }
        let version = Command::new(tool)
            .args(args)
            .output()
            .ok()
            .and_then(|o| parse(&String::from_utf8_lossy(&o.stdout)));
        self.entries.insert(
            tool.to_path_buf(),
            Probe {
                len,
                mtime_ns,
                version,
            },
        );
        self.dirty = true;
        version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clang_versions_parse_across_vendors() {
        assert_eq!(
            parse_clang_version("Debian clang version 14.0.6\nTarget: x"),
            Some(14)
        );
        assert_eq!(
            parse_clang_version("Ubuntu clang version 18.1.3 (1ubuntu1)"),
            Some(18)
        );
        assert_eq!(parse_clang_version("Apple LLVM"), None);
    }

    #[test]
    fn an_old_or_missing_clang_is_not_chosen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut probes = ProbeCache::default();
        assert_eq!(
            find_host_clang(Some(dir.path().as_os_str()), &mut probes),
            None
        );
        // A `clang-13` is too old whatever it says.
        let old = dir.path().join("clang-13");
        fs_err::write(&old, "#!/bin/sh\necho 'clang version 13.0.0'\n").expect("write");
        set_exec(&old);
        assert_eq!(
            find_host_clang(Some(dir.path().as_os_str()), &mut probes),
            None
        );
        // A plain `clang` is asked for its version.
        let new = dir.path().join("clang");
        fs_err::write(&new, "#!/bin/sh\necho 'Ubuntu clang version 18.1.3'\n").expect("write");
        set_exec(&new);
        assert_eq!(
            find_host_clang(Some(dir.path().as_os_str()), &mut probes),
            Some((new, 18))
        );
    }

    #[test]
    fn glibc_and_gcc_runtime_stay_with_the_host() {
        for n in [
            "libc.so.6",
            "libm.so.6",
            "ld-linux-x86-64.so.2",
            "libpthread.so.0",
            "libgcc_s.so.1",
        ] {
            assert!(is_host_runtime_library(n), "{n}");
        }
        for n in [
            "libLLVM-14.so.1",
            "libclang-cpp.so.14",
            "libz3.so.4",
            "libxml2.so.2",
            "libstdc++.so.6",
            "libcrypt.so.1",
        ] {
            assert!(!is_host_runtime_library(n), "{n}");
        }
    }

    #[test]
    fn the_lean_clang_tree_keeps_what_crossroot_runs_and_loads() {
        let filter = crossroot_archive::PathFilter::parse(CLANG_TREE_FILTER).expect("valid rules");
        let keeps = |p: &str| filter.keeps(Path::new(p));
        let ma = "usr/lib/x86_64-linux-gnu";
        // What `tree_toolchain` checks, runs and hands to bindgen.
        for p in [
            "usr/lib/llvm-14/bin/clang",
            "usr/lib/llvm-14/bin/clang++",
            "usr/lib/llvm-14/bin/ld.lld",
            "usr/lib/llvm-14/bin/lld",
            "usr/lib/llvm-14/bin/llvm-ar",
            "usr/lib/llvm-14/lib/clang/14.0.6/include/stddef.h",
            "usr/lib/llvm-14/lib/clang/14.0.6/include/arm_neon.h",
            "usr/lib/llvm-14/lib/libclang-cpp.so.14",
            "usr/lib/llvm-14/lib/libclang.so.1",
            "usr/lib/llvm-14/lib/libclang-14.so.1",
        ] {
            assert!(keeps(p), "{p}");
        }
        // The NEEDED closure of clang, lld and libclang (bookworm amd64), through the links.
        for lib in [
            "libLLVM-14.so.1",
            "libclang-cpp.so.14",
            "libclang-14.so.1",
            "libclang-14.so.13",
            "libclang-14.so.14.0.6",
            "libz3.so.4",
            "libxml2.so.2.9.14",
            "libicuuc.so.72.1",
            "libicudata.so.72.1",
            "libffi.so.8.1.2",
            "libedit.so.2.0.70",
            "libbsd.so.0.11.7",
            "libmd.so.0.0.5",
            "libstdc++.so.6.0.30",
        ] {
            assert!(keeps(&format!("{ma}/{lib}")), "{lib}");
        }
        // Docs, man pages, unused tools, host headers and static libraries stay out.
        for p in [
            "usr/share/doc/clang-14/copyright",
            "usr/share/man/man1/clang-14.1.gz",
            "usr/share/locale/de/LC_MESSAGES/bfd.mo",
            "usr/bin/x86_64-linux-gnu-ld.bfd",
            "usr/bin/clang-14",
            "usr/lib/llvm-14/bin/wasm-ld",
            "usr/lib/llvm-14/bin/clang-cpp",
            "usr/lib/llvm-14/lib/LLVMPolly.so",
            "usr/lib/llvm-14/lib/cmake/clang/ClangConfig.cmake",
            "usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.a",
            "usr/include/stdio.h",
            "usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a",
            "usr/lib/x86_64-linux-gnu/libc.a",
            "usr/lib/x86_64-linux-gnu/libicui18n.so.72.1",
            "usr/lib/x86_64-linux-gnu/libbfd-2.40-system.so",
            "usr/lib/x86_64-linux-gnu/libclang_rt.a",
        ] {
            assert!(!keeps(p), "{p}");
        }
    }

    fn set_exec(p: &Path) {
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}
