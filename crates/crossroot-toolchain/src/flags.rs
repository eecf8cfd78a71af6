//! The flags that pin a clang to a target and its sysroot (pure: no I/O).

use std::path::{Path, PathBuf};

use crossroot_target::{Libc, TargetSpec};

/// Directory name Debian's `musl-dev` uses for headers and libraries of this target
/// (`aarch64-linux-musl`, `arm-linux-musleabihf`, `x86_64-linux-musl`).
pub fn musl_triplet(spec: &TargetSpec) -> String {
    spec.multiarch.replace("-gnu", "-musl")
}

/// The include and library directories of the target's C library inside `sysroot`.
pub fn libc_dirs(spec: &TargetSpec, sysroot: &Path) -> (PathBuf, Vec<PathBuf>) {
    match spec.libc {
        Libc::Gnu => (
            sysroot.join("usr/include").join(spec.multiarch),
            vec![
                sysroot.join("lib").join(spec.multiarch),
                sysroot.join("usr/lib").join(spec.multiarch),
            ],
        ),
        Libc::Musl => {
            let t = musl_triplet(spec);
            (
                sysroot.join("usr/include").join(&t),
                vec![sysroot.join("usr/lib").join(&t)],
            )
        }
        // The mingw-w64 tree: `usr/x86_64-w64-mingw32/{include,lib}`.
        Libc::Msvcrt => {
            let base = sysroot.join("usr").join(spec.multiarch);
            (base.join("include"), vec![base.join("lib")])
        }
    }
}

/// Flags for compiling C/C++ for `spec` against `sysroot` (also what bindgen's libclang needs).
/// For Windows targets `sysroot` is the mingw-w64 tree: these are the flags for clang (bindgen);
/// the mingw gcc itself needs none ([`crate::files::wrapper_args`]).
pub fn compile_args(spec: &TargetSpec, sysroot: &Path) -> Vec<String> {
    if spec.libc == Libc::Msvcrt {
        // clang's MinGW driver looks for `<sysroot>/<triplet>/{include,lib}`.
        return vec![
            format!("--target={}", spec.clang_target),
            format!("--sysroot={}", sysroot.join("usr").display()),
        ];
    }
    let mut args = vec![
        format!("--target={}", spec.clang_target),
        format!("--sysroot={}", sysroot.display()),
    ];
    let (include, _) = libc_dirs(spec, sysroot);
    match spec.libc {
        Libc::Gnu => {
            // clang 14 does not search the multiarch include dir of a riscv64 sysroot by itself.
            if spec.triple.starts_with("riscv64") {
                args.push("-isystem".into());
                args.push(include.display().to_string());
            }
        }
        Libc::Msvcrt => {}
        Libc::Musl => {
            // For *-linux-musl clang searches `<sysroot>/usr/include`, which holds glibc's
            // headers in a Debian tree: drop the system dirs (keep clang's own) and use musl's.
            args.push("-nostdlibinc".into());
            args.push("-isystem".into());
            args.push(include.display().to_string());
        }
    }
    args
}

/// Extra C flags that are defaults, not requirements (they go into `CFLAGS_<t>`, which the user
/// may override).
pub fn default_cflags(spec: &TargetSpec) -> Vec<String> {
    let mut flags = Vec::new();
    if spec.is_32bit() && spec.libc == Libc::Gnu {
        // 64-bit file offsets: without them readdir() fails with EOVERFLOW on ext4 under QEMU.
        flags.push("-D_FILE_OFFSET_BITS=64".into());
    }
    flags
}

/// Flags for linking with clang as the driver: lld, and a specific `ld.lld` when given (rust-lld
/// handles RISC-V relaxations that lld 14 cannot).
pub fn link_args(ld_path: Option<&Path>) -> Vec<String> {
    let mut args = vec!["-fuse-ld=lld".to_string()];
    if let Some(ld) = ld_path {
        args.push(format!("--ld-path={}", ld.display()));
    }
    // The same wrapper compiles (where link flags are unused) and links.
    args.push("-Wno-unused-command-line-argument".into());
    args
}

/// A glibc floor older than the sysroot's glibc: the directory of link-only stubs and the
/// header forced into every compile (it binds calls the sysroot's newer headers redirect, such
/// as `fcntl` → `fcntl64`, to symbols the floor already had).
#[derive(Debug, Clone, Copy)]
pub struct GlibcFloor<'a> {
    pub stubs: &'a Path,
    pub header: &'a Path,
}

/// `-L<stubs>` before the caller's `-L` and before every library directory the driver adds for
/// the sysroot, so `-lc`, `-lm`, `-lpthread`… and the loader resolve to the stubs. (The header
/// is added by the wrapper itself, once it exists: the stubs are built through the wrapper.)
pub fn floor_args(floor: Option<GlibcFloor<'_>>) -> Vec<String> {
    floor
        .map(|f| format!("-L{}", f.stubs.display()))
        .into_iter()
        .collect()
}

/// Flags placed after the caller's arguments when linking: for musl, the sysroot's musl library
/// dir (for `-lm`, `-lpthread` stubs). After the caller's so that rustc's self-contained musl
/// (its `-L` comes first) keeps precedence.
pub fn trailing_link_args(spec: &TargetSpec, sysroot: &Path) -> Vec<String> {
    match spec.libc {
        Libc::Gnu | Libc::Msvcrt => Vec::new(),
        Libc::Musl => {
            let (_, libs) = libc_dirs(spec, sysroot);
            libs.iter().map(|d| format!("-L{}", d.display())).collect()
        }
    }
}

/// `CMAKE_SYSTEM_PROCESSOR` for the target (uname -m style).
pub fn cmake_processor(spec: &TargetSpec) -> &'static str {
    match spec.triple.split('-').next().unwrap_or_default() {
        "aarch64" => "aarch64",
        "armv7" => "armv7l",
        "arm" => "arm",
        "i686" => "i686",
        "x86_64" => "x86_64",
        "riscv64gc" => "riscv64",
        "powerpc64le" => "ppc64le",
        "s390x" => "s390x",
        _ => "unknown",
    }
}

/// meson's `(cpu_family, cpu)` for the target.
pub fn meson_cpu(spec: &TargetSpec) -> (&'static str, &'static str) {
    match cmake_processor(spec) {
        "aarch64" => ("aarch64", "aarch64"),
        "armv7l" => ("arm", "armv7"),
        "arm" => ("arm", "armv5te"),
        "i686" => ("x86", "i686"),
        "x86_64" => ("x86_64", "x86_64"),
        "riscv64" => ("riscv64", "riscv64"),
        "ppc64le" => ("ppc64", "ppc64le"),
        "s390x" => ("s390x", "s390x"),
        _ => ("unknown", "unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_target::{TARGETS, by_triple};

    fn spec(t: &str) -> &'static TargetSpec {
        by_triple(t).expect("known triple")
    }

    #[test]
    fn gnu_targets_get_target_and_sysroot_only() {
        let args = compile_args(spec("aarch64-unknown-linux-gnu"), Path::new("/sr"));
        assert_eq!(args, ["--target=aarch64-linux-gnu", "--sysroot=/sr"]);
    }

    #[test]
    fn riscv64_gets_multiarch_include() {
        let args = compile_args(spec("riscv64gc-unknown-linux-gnu"), Path::new("/sr"));
        assert!(
            args.windows(2)
                .any(|w| w == ["-isystem", "/sr/usr/include/riscv64-linux-gnu"])
        );
    }

    #[test]
    fn musl_targets_use_musl_headers_not_glibc() {
        let args = compile_args(spec("aarch64-unknown-linux-musl"), Path::new("/sr"));
        assert!(args.contains(&"-nostdlibinc".to_string()));
        assert!(
            args.windows(2)
                .any(|w| w == ["-isystem", "/sr/usr/include/aarch64-linux-musl"])
        );
        assert_eq!(
            musl_triplet(spec("armv7-unknown-linux-musleabihf")),
            "arm-linux-musleabihf"
        );
    }

    #[test]
    fn only_32bit_glibc_targets_get_large_file_support() {
        for t in TARGETS {
            let has = default_cflags(t).contains(&"-D_FILE_OFFSET_BITS=64".to_string());
            assert_eq!(has, t.is_32bit() && t.libc == Libc::Gnu, "{}", t.triple);
        }
    }

    #[test]
    fn every_target_has_cmake_and_meson_names() {
        for t in TARGETS {
            assert_ne!(cmake_processor(t), "unknown", "{}", t.triple);
            assert_ne!(meson_cpu(t).0, "unknown", "{}", t.triple);
        }
    }
}
