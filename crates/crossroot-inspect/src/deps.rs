//! Libraries outside glibc: which NEEDED entries a file has beyond glibc's own libraries and the
//! toolchain runtime, which package of a sysroot provides each, and (after a `--static-deps`
//! build) which crate asked for it.
//!
//! Owns: the list of libraries every glibc system has ([`is_glibc_runtime`]), reading cargo's
//! build-script outputs for `rustc-link-lib` requests ([`parse_build_output`], pure, and
//! [`link_requests`], the I/O edge), and the typed [`StaticDepsError`] naming each file, each
//! library, its package and the crates that linked it.
//!
//! Must not: print, run cargo, or know how a sysroot records who owns a file (the caller passes
//! a soname → package map).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crossroot_target::Target;

use crate::ElfReport;

/// Shared libraries of glibc itself (the loader is matched by prefix), and `libgcc_s.so.1`,
/// which Rust links on every gnu target and every glibc system has.
pub const GLIBC_RUNTIME: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
    "libmvec.so.1",
    "libgcc_s.so.1",
];

/// Whether every glibc system has `soname` (glibc's libraries, its loaders, libgcc_s).
pub fn is_glibc_runtime(soname: &str) -> bool {
    GLIBC_RUNTIME.contains(&soname)
        || soname.starts_with("ld-linux")
        || soname.starts_with("ld64.so")
        || soname.starts_with("ld.so")
}

/// The NEEDED entries of `report` outside glibc's own libraries, in the file's order.
pub fn foreign_needed(report: &ElfReport) -> Vec<&str> {
    report
        .needed
        .iter()
        .map(String::as_str)
        .filter(|n| !is_glibc_runtime(n))
        .collect()
}

/// `libssl.so.3` → `ssl` (the name `-l` and `rustc-link-lib` use).
pub fn link_name(soname: &str) -> &str {
    let base = soname.strip_prefix("lib").unwrap_or(soname);
    base.split(".so").next().unwrap_or(base)
}

/// The library names a build script's `output` asks rustc to link (`cargo:rustc-link-lib=…`
/// and `cargo::rustc-link-lib=…`, with or without a `static=`/`dylib=` kind and modifiers).
pub fn parse_build_output(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("cargo::rustc-link-lib=")
                .or_else(|| l.strip_prefix("cargo:rustc-link-lib="))
        })
        .map(|v| {
            let name = v.rsplit_once('=').map_or(v, |(_, n)| n);
            // `name:rename`
            name.split(':').next().unwrap_or(name).trim().to_string()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// `openssl-sys-1a2b3c4d5e6f7788` → `openssl-sys` (a build directory's crate name).
pub fn crate_of_build_dir(dir: &str) -> &str {
    match dir.rsplit_once('-') {
        Some((name, hash)) if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name
        }
        _ => dir,
    }
}

/// Library name → the crates whose build scripts asked to link it, from every
/// `<build>/<crate>-<hash>/output` under `build` (`<build-dir>/<triple>/<profile>/build`).
/// Unreadable files are skipped: this only improves a message.
pub fn link_requests(build: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Ok(entries) = fs_err::read_dir(build) else {
        return out;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(text) = fs_err::read_to_string(entry.path().join("output")) else {
            continue;
        };
        for lib in parse_build_output(&text) {
            out.entry(lib)
                .or_default()
                .insert(crate_of_build_dir(&name).to_string());
        }
    }
    out
}

/// One library outside glibc that a file still needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignLibrary {
    pub soname: String,
    /// The sysroot package that ships it, when known.
    pub package: Option<String>,
    /// The crates whose build scripts asked to link it.
    pub crates: Vec<String>,
}

/// One artefact that still needs libraries outside glibc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicArtefact {
    /// The file, relative to the working directory when inside it.
    pub path: PathBuf,
    pub libraries: Vec<ForeignLibrary>,
}

/// The libraries outside glibc each of `artefacts` needs, with package and crates when known
/// (pure).
pub fn dynamic_artefacts<'a>(
    artefacts: impl IntoIterator<Item = (PathBuf, &'a ElfReport)>,
    owners: &BTreeMap<String, String>,
    requests: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<DynamicArtefact> {
    artefacts
        .into_iter()
        .filter_map(|(path, report)| {
            let libraries: Vec<ForeignLibrary> = foreign_needed(report)
                .into_iter()
                .map(|soname| ForeignLibrary {
                    soname: soname.to_string(),
                    package: owners.get(soname).cloned(),
                    crates: requests
                        .get(link_name(soname))
                        .map(|c| c.iter().cloned().collect())
                        .unwrap_or_default(),
                })
                .collect();
            (!libraries.is_empty()).then_some(DynamicArtefact { path, libraries })
        })
        .collect()
}

/// `--static-deps`, and artefacts still need libraries outside glibc.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct StaticDepsError {
    pub target: Target,
    pub artefacts: Vec<DynamicArtefact>,
}

impl fmt::Display for StaticDepsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.artefacts.len();
        write!(
            f,
            "--static-deps: {n} artefact{} for `{}` still need{} libraries outside glibc:",
            if n == 1 { "" } else { "s" },
            self.target,
            if n == 1 { "s" } else { "" },
        )?;
        for a in &self.artefacts {
            let libs: Vec<String> = a.libraries.iter().map(ForeignLibrary::describe).collect();
            write!(f, "\n    {} needs {}", a.path.display(), libs.join(", "))?;
        }
        Ok(())
    }
}

impl ForeignLibrary {
    /// `libssl.so.3 (package libssl3, linked by openssl-sys)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.package {
            parts.push(format!("package {p}"));
        }
        if !self.crates.is_empty() {
            parts.push(format!("linked by {}", self.crates.join(", ")));
        }
        if parts.is_empty() {
            self.soname.clone()
        } else {
            format!("{} ({})", self.soname, parts.join(", "))
        }
    }
}

impl crossroot_hint::Hint for StaticDepsError {
    fn hint(&self) -> Option<String> {
        Some(
            "the sysroot has no static archive for these, or the crate that links them ignores \
             pkg-config's static mode: add the package's `-dev` package (it ships the `.a`) to \
             `debian-packages`, enable the crate's bundled/vendored feature, or drop \
             `--static-deps` and install the packages named here on the machines you ship to"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_and_the_toolchain_runtime_are_not_foreign() {
        for lib in [
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libgcc_s.so.1",
            "ld-linux-aarch64.so.1",
            "ld64.so.1",
            "ld-linux-x86-64.so.2",
        ] {
            assert!(is_glibc_runtime(lib), "{lib}");
        }
        for lib in [
            "libssl.so.3",
            "libz.so.1",
            "libstdc++.so.6",
            "libcrypt.so.1",
        ] {
            assert!(!is_glibc_runtime(lib), "{lib}");
        }
    }

    #[test]
    fn link_names_and_build_outputs() {
        assert_eq!(link_name("libssl.so.3"), "ssl");
        assert_eq!(link_name("libstdc++.so.6"), "stdc++");
        assert_eq!(link_name("libz.so"), "z");
        let out = "cargo:rustc-link-search=native=/sr/usr/lib\n\
                   cargo:rustc-link-lib=ssl\n\
                   cargo:rustc-link-lib=static=crypto\n\
                   cargo::rustc-link-lib=dylib:+verbatim=z\n\
                   cargo:rustc-link-lib=foo:bar\n\
                   cargo:warning=rustc-link-lib=nope\n";
        assert_eq!(parse_build_output(out), ["ssl", "crypto", "z", "foo"]);
        assert_eq!(
            crate_of_build_dir("openssl-sys-1a2b3c4d5e6f7788"),
            "openssl-sys"
        );
        assert_eq!(crate_of_build_dir("libz-sys"), "libz-sys");
    }

    #[test]
    fn the_error_names_file_library_package_and_crate() {
        let err = StaticDepsError {
            target: crossroot_target::parse("aarch64-linux").expect("target"),
            artefacts: vec![DynamicArtefact {
                path: "target/aarch64-unknown-linux-gnu/debug/app".into(),
                libraries: vec![
                    ForeignLibrary {
                        soname: "libssl.so.3".into(),
                        package: Some("libssl3".into()),
                        crates: vec!["openssl-sys".into()],
                    },
                    ForeignLibrary {
                        soname: "libfoo.so.1".into(),
                        package: None,
                        crates: vec![],
                    },
                ],
            }],
        };
        assert_eq!(
            err.to_string(),
            "--static-deps: 1 artefact for `aarch64-unknown-linux-gnu` still needs libraries \
             outside glibc:\n    target/aarch64-unknown-linux-gnu/debug/app needs libssl.so.3 \
             (package libssl3, linked by openssl-sys), libfoo.so.1"
        );
        assert!(crossroot_hint::Hint::hint(&err).is_some());
    }

    #[test]
    fn link_requests_read_every_build_output() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sys = dir.path().join("openssl-sys-0123456789abcdef");
        fs_err::create_dir_all(&sys).expect("mkdir");
        fs_err::write(sys.join("output"), "cargo:rustc-link-lib=ssl\n").expect("write");
        fs_err::create_dir_all(dir.path().join("no-output-0123")).expect("mkdir");
        let req = link_requests(dir.path());
        assert_eq!(
            req.get("ssl")
                .map(|c| c.iter().cloned().collect::<Vec<_>>()),
            Some(vec!["openssl-sys".to_string()])
        );
        assert!(link_requests(&dir.path().join("missing")).is_empty());
    }
}
