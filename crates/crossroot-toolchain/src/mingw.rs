//! The mingw-w64 toolchain for the Windows targets: Debian's cross GCC, binutils, headers and
//! import libraries, unpacked as a host tree (no Debian sysroot of the target: the tree is the
//! sysroot, `usr/<triplet>/{include,lib}`).
//!
//! The unpacked GCC is relocatable (it finds `cc1`, `as`, `ld` and its libraries from its own
//! path); its host libraries (gmp, mpfr, mpc, isl, zstd) come from the tree when the resolver
//! brought them, else from the host. Debian's update-alternatives makes the unversioned
//! `<triplet>-gcc`, which an unpacked tree lacks: the `-posix` names are used (Rust's std needs
//! the posix thread model: winpthreads).

use std::path::{Path, PathBuf};

use crossroot_target::TargetSpec;

use crate::clang::{CToolchain, ToolSource};
use crate::{Error, Result};

/// The Debian name part of a mingw-w64 architecture: `x86-64` or `i686`.
fn debian_arch_part(spec: &TargetSpec) -> &'static str {
    if spec.is_32bit() { "i686" } else { "x86-64" }
}

/// Host-architecture Debian packages (bookworm) that make the mingw-w64 toolchain of `spec`:
/// the C and C++ compilers (posix threads), binutils and the headers and import libraries
/// (`mingw-w64-common`, `gcc-mingw-w64-base` and the runtime come in as dependencies).
pub fn tree_packages(spec: &TargetSpec) -> Vec<String> {
    let a = debian_arch_part(spec);
    vec![
        format!("gcc-mingw-w64-{a}-posix"),
        format!("g++-mingw-w64-{a}-posix"),
        format!("binutils-mingw-w64-{a}"),
        format!("mingw-w64-{a}-dev"),
    ]
}

/// The tree's name in the cache: one per triplet.
pub fn tree_name(spec: &TargetSpec) -> String {
    format!("mingw-{}", spec.multiarch)
}

/// What the tree keeps: the triplet's tools, GCC's internals, the headers and libraries, and
/// the host libraries GCC loads. Documentation, locales and other triplets are dropped.
/// Rules in the syntax of `crossroot_archive::PathFilter` (last match wins).
pub fn tree_filter(spec: &TargetSpec) -> Vec<String> {
    let t = spec.multiarch;
    let mut rules = vec![
        "-**".to_string(),
        format!("+usr/bin/{t}-*"),
        format!("+usr/lib/gcc/{t}"),
        format!("+usr/libexec/gcc/{t}"),
        format!("+usr/{t}"),
        // `usr/<triplet>/include/*.h` are links into the headers `mingw-w64-common` ships here.
        "+usr/share/mingw-w64".to_string(),
    ];
    for lib in ["libgmp", "libmpfr", "libmpc", "libisl", "libzstd"] {
        rules.push(format!("+usr/lib/*/{lib}.so*"));
    }
    rules
}

/// The toolchain in the unpacked tree at `root`, with `lib_dir` (from
/// [`crate::clang::link_tree_libraries`]) for GCC's host libraries.
pub fn tree_toolchain(
    root: &Path,
    lib_dir: Option<PathBuf>,
    spec: &TargetSpec,
) -> Result<CToolchain> {
    let bin = root.join("usr/bin");
    let t = spec.multiarch;
    let gcc = bin.join(format!("{t}-gcc-posix"));
    let gxx = bin.join(format!("{t}-g++-posix"));
    let ar = bin.join(format!("{t}-ar"));
    for needed in [&gcc, &gxx, &ar] {
        if !needed.exists() {
            return Err(Error::IncompleteTree {
                root: root.to_path_buf(),
                missing: needed.clone(),
            });
        }
    }
    Ok(CToolchain {
        clang: gcc,
        clangxx: gxx,
        version: 12,
        lib_path: lib_dir.into_iter().collect(),
        ld_lld: None,
        ar,
        libclang_dir: None,
        resource_dir: None,
        source: ToolSource::Provisioned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(t: &str) -> &'static TargetSpec {
        crossroot_target::by_triple(t).expect("known")
    }

    #[test]
    fn packages_and_tree_follow_the_architecture() {
        let w64 = spec("x86_64-pc-windows-gnu");
        assert_eq!(
            tree_packages(w64),
            [
                "gcc-mingw-w64-x86-64-posix",
                "g++-mingw-w64-x86-64-posix",
                "binutils-mingw-w64-x86-64",
                "mingw-w64-x86-64-dev"
            ]
        );
        assert_eq!(
            tree_packages(spec("i686-pc-windows-gnu"))[0],
            "gcc-mingw-w64-i686-posix"
        );
        assert_ne!(tree_name(w64), tree_name(spec("i686-pc-windows-gnu")));
    }

    #[test]
    fn the_filter_keeps_the_compiler_and_drops_the_rest() {
        let w64 = spec("x86_64-pc-windows-gnu");
        let filter = crossroot_archive::PathFilter::parse(&tree_filter(w64)).expect("valid");
        let keeps = |p: &str| filter.keeps(Path::new(p));
        for kept in [
            "usr/bin/x86_64-w64-mingw32-gcc-posix",
            "usr/bin/x86_64-w64-mingw32-ar",
            "usr/lib/gcc/x86_64-w64-mingw32/12-posix/libgcc.a",
            "usr/libexec/gcc/x86_64-w64-mingw32/12-posix/cc1",
            "usr/x86_64-w64-mingw32/include/windows.h",
            "usr/x86_64-w64-mingw32/lib/libkernel32.a",
            "usr/lib/x86_64-linux-gnu/libisl.so.23",
            "usr/share/mingw-w64/include/windows.h",
        ] {
            assert!(keeps(kept), "{kept}");
        }
        for dropped in [
            "usr/share/doc/gcc-mingw-w64-base/copyright",
            "usr/bin/i686-w64-mingw32-gcc-posix",
            "usr/i686-w64-mingw32/include/windows.h",
            "usr/share/man/man1/x86_64-w64-mingw32-gcc.1.gz",
            "usr/lib/x86_64-linux-gnu/libc.so.6",
        ] {
            assert!(!keeps(dropped), "{dropped}");
        }
    }

    #[test]
    fn an_incomplete_tree_names_what_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = tree_toolchain(dir.path(), None, spec("x86_64-pc-windows-gnu"))
            .expect_err("empty tree");
        assert!(
            err.to_string().contains("x86_64-w64-mingw32-gcc-posix"),
            "{err}"
        );
    }
}
