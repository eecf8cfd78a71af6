//! Reading pkg-config files for `--static-deps`: which libraries a static link of a module
//! needs (`Libs` and `Libs.private`), so the `-dev` packages that ship their `.a` files can be
//! added to the sysroot before cargo runs instead of failing in the linker.

use std::path::{Path, PathBuf};

use crossroot_target::{Libc, TargetSpec};

use crate::files::GLIBC_LINK_NAMES;

/// The `-l` names of a `.pc` file's `Libs` and `Libs.private` fields (pure). Variables and
/// other flags are skipped; glibc's own libraries are left out (they stay dynamic).
pub fn static_link_names(pc: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in pc.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !matches!(key.trim(), "Libs" | "Libs.private") {
            continue;
        }
        let mut words = value.split_whitespace();
        while let Some(w) = words.next() {
            let name = match w.strip_prefix("-l") {
                Some("") => words.next().unwrap_or_default(),
                Some(n) => n,
                None => continue,
            };
            if name.is_empty()
                || name.contains('$')
                || GLIBC_LINK_NAMES.contains(&name)
                || names.iter().any(|n| n == name)
            {
                continue;
            }
            names.push(name.to_string());
        }
    }
    names
}

/// The pkg-config directories of `spec`'s sysroot (what `PKG_CONFIG_LIBDIR` lists): the
/// target's `.pc` files, never the host's. For Windows targets, the mingw-w64 tree's
/// (`usr/<triplet>/lib/pkgconfig`, where Debian's `libz-mingw-w64-dev` and friends put theirs).
/// For musl only musl's own directory: the glibc `.pc` files of a Debian tree would put glibc's
/// library directory (and its `libc.a`) on a musl link line.
pub fn pc_dirs(spec: &TargetSpec, sysroot: &Path) -> Vec<PathBuf> {
    if spec.is_windows() {
        let base = sysroot.join("usr").join(spec.multiarch);
        return vec![base.join("lib/pkgconfig"), base.join("share/pkgconfig")];
    }
    if spec.libc == Libc::Musl {
        return vec![
            sysroot
                .join("usr/lib")
                .join(crate::flags::musl_triplet(spec))
                .join("pkgconfig"),
        ];
    }
    vec![
        sysroot
            .join("usr/lib")
            .join(spec.multiarch)
            .join("pkgconfig"),
        sysroot.join("usr/lib/pkgconfig"),
        sysroot.join("usr/share/pkgconfig"),
    ]
}

/// Libraries that some `.pc` file of the sysroot links (publicly or privately) but whose
/// static archive `lib<name>.a` the sysroot lacks, sorted. A static link of that module would
/// fail with "unable to find library `-l<name>`".
pub fn missing_static_libs(spec: &TargetSpec, sysroot: &Path) -> Vec<String> {
    let multiarch = spec.multiarch;
    let lib_dirs = [
        sysroot.join("usr/lib").join(multiarch),
        sysroot.join("usr/lib"),
        sysroot.join("lib").join(multiarch),
    ];
    let mut missing: Vec<String> = Vec::new();
    for dir in pc_dirs(spec, sysroot) {
        let Ok(entries) = fs_err::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "pc") {
                continue;
            }
            let Ok(text) = fs_err::read_to_string(&path) else {
                continue;
            };
            for name in static_link_names(&text) {
                let archive = format!("lib{name}.a");
                if !lib_dirs.iter().any(|d| d.join(&archive).exists()) && !missing.contains(&name) {
                    missing.push(name);
                }
            }
        }
    }
    missing.sort();
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_public_and_private_libs_without_glibc_s() {
        let pc = "prefix=/usr\nlibdir=${prefix}/lib/aarch64-linux-gnu\n\
                  Name: SQLite\nLibs: -L${libdir} -lsqlite3\nLibs.private: -lm -lz -pthread \n\
                  Cflags: -I${includedir}\n";
        assert_eq!(static_link_names(pc), ["sqlite3", "z"]);
        assert_eq!(
            static_link_names("Libs: -l ssl -lcrypto -lssl -ldl -l${x}\n"),
            ["ssl", "crypto"]
        );
        assert!(static_link_names("Name: x\nRequires: zlib\n").is_empty());
    }

    #[test]
    fn finds_the_archives_a_sysroot_lacks() {
        let root = tempfile::tempdir().expect("tempdir");
        let lib = root.path().join("usr/lib/aarch64-linux-gnu");
        fs_err::create_dir_all(lib.join("pkgconfig")).expect("mkdir");
        fs_err::write(
            lib.join("pkgconfig/sqlite3.pc"),
            "Libs: -L${libdir} -lsqlite3\nLibs.private: -lm -lz\n",
        )
        .expect("write");
        fs_err::write(lib.join("libsqlite3.a"), b"!<arch>\n").expect("write");
        let spec = crossroot_target::by_triple("aarch64-unknown-linux-gnu").expect("known");
        assert_eq!(missing_static_libs(spec, root.path()), ["z"]);
        fs_err::write(lib.join("libz.a"), b"!<arch>\n").expect("write");
        assert!(missing_static_libs(spec, root.path()).is_empty());
    }
}
