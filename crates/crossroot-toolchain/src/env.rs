//! The cross environment for one target, as data (pure: no I/O).
//!
//! [`cross_env`] lists every variable crossroot would set, each with where its value comes from;
//! [`decide`] applies the rule that a value the user already set wins.

use std::ffi::OsString;
use std::path::Path;

use serde::Serialize;

use crossroot_target::TargetSpec;

use crate::flags;

/// Why a variable has the value crossroot gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// The generated compiler wrapper (clang pinned to the target and sysroot).
    CompilerWrapper,
    /// The archiver chosen for the target.
    Archiver,
    /// Default compile flags for the target.
    TargetCflags,
    /// Paths into the target's sysroot.
    Sysroot,
    /// The pkg-config binary run on the host.
    PkgConfig,
    /// The provisioned libclang (for bindgen).
    Libclang,
    /// The generated CMake toolchain file.
    CmakeToolchain,
    /// The QEMU runner.
    Runner,
    /// `--static-deps`: link the sysroot's static C libraries.
    StaticDeps,
}

/// One variable crossroot sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    pub key: String,
    pub value: String,
    pub provenance: Provenance,
}

/// The inputs of the cross environment: where everything is.
#[derive(Debug, Clone)]
pub struct CrossSetup<'a> {
    pub spec: &'static TargetSpec,
    pub sysroot: &'a Path,
    /// C and C++ compiler wrappers (also the linker for cargo).
    pub cc: &'a Path,
    pub cxx: &'a Path,
    pub ar: &'a Path,
    /// pkg-config to run, when crossroot provides one (else the host's is found on PATH).
    pub pkg_config: Option<&'a Path>,
    /// Directory holding `libclang.so`, when crossroot provisioned it.
    pub libclang_dir: Option<&'a Path>,
    /// clang resource dir to hand to libclang (bindgen), when it cannot find its own.
    pub resource_dir: Option<&'a Path>,
    pub cmake_toolchain_file: Option<&'a Path>,
    /// `CARGO_TARGET_<T>_RUNNER` value, if the target needs one on this host.
    pub runner: Option<String>,
    /// `--static-deps`: ask the `-sys` crates for the sysroot's static libraries.
    pub static_deps: bool,
}

/// What `--static-deps` sets, besides `<TARGET>_OPENSSL_STATIC`: pkg-config's static mode
/// (`--static`, so `Libs.private` comes along; pkg-config-rs reads only the plain name, and
/// keeps host libraries under `/usr` dynamic) and the switches of `-sys` crates that do not go
/// through it or decide before asking it. `libssh2-sys`, `zstd-sys` and `curl-sys` build their
/// bundled copy unless told to use pkg-config, so they need nothing. `libz-sys` is left to
/// pkg-config's static mode on purpose: it links the sysroot's own `libz.a` (verified, with the
/// release's fixes), where `LIBZ_SYS_STATIC` would compile its bundled zlib instead.
pub const STATIC_DEPS_VARS: &[&str] = &[
    // pkg-config-rs: `--static` for every library (its `_<target>` forms are not read).
    "PKG_CONFIG_ALL_STATIC",
    // libsqlite3-sys: `static=sqlite3`.
    "SQLITE3_STATIC",
];

/// Every variable crossroot sets for the target.
pub fn cross_env(setup: &CrossSetup<'_>) -> Vec<EnvVar> {
    let spec = setup.spec;
    let t = spec.cc_env_key();
    let big = spec.cargo_env_key();
    let sr = setup.sysroot;
    let mut vars = Vec::new();
    let mut push = |key: String, value: String, provenance| {
        vars.push(EnvVar {
            key,
            value,
            provenance,
        })
    };
    let cc = setup.cc.display().to_string();
    push(
        format!("CARGO_TARGET_{big}_LINKER"),
        cc.clone(),
        Provenance::CompilerWrapper,
    );
    if let Some(runner) = &setup.runner {
        push(
            format!("CARGO_TARGET_{big}_RUNNER"),
            runner.clone(),
            Provenance::Runner,
        );
    }
    push(format!("CC_{t}"), cc, Provenance::CompilerWrapper);
    push(
        format!("CXX_{t}"),
        setup.cxx.display().to_string(),
        Provenance::CompilerWrapper,
    );
    push(
        format!("AR_{t}"),
        setup.ar.display().to_string(),
        Provenance::Archiver,
    );
    let cflags = flags::default_cflags(spec).join(" ");
    if !cflags.is_empty() {
        push(
            format!("CFLAGS_{t}"),
            cflags.clone(),
            Provenance::TargetCflags,
        );
        push(format!("CXXFLAGS_{t}"), cflags, Provenance::TargetCflags);
    }
    push(
        format!("PKG_CONFIG_SYSROOT_DIR_{t}"),
        sr.display().to_string(),
        Provenance::Sysroot,
    );
    push(
        format!("PKG_CONFIG_LIBDIR_{t}"),
        pkg_config_libdir(spec, sr),
        Provenance::Sysroot,
    );
    // pkg-config-rs prefers `PKG_CONFIG_PATH_<t>` over a generic `PKG_CONFIG_PATH`, which on a
    // developer's machine points at the host's `.pc` files: empty it for the target so host
    // libraries never leak into a cross build (a user's own `PKG_CONFIG_PATH_<t>` still wins).
    push(
        format!("PKG_CONFIG_PATH_{t}"),
        String::new(),
        Provenance::Sysroot,
    );
    push(
        format!("PKG_CONFIG_ALLOW_CROSS_{t}"),
        "1".into(),
        Provenance::Sysroot,
    );
    if let Some(pc) = setup.pkg_config {
        push(
            format!("PKG_CONFIG_{t}"),
            pc.display().to_string(),
            Provenance::PkgConfig,
        );
    }
    push(
        format!("BINDGEN_EXTRA_CLANG_ARGS_{t}"),
        flags::compile_args(spec, sr)
            .iter()
            // The same defines as C code gets, so generated bindings match its ABI.
            .chain(flags::default_cflags(spec).iter())
            .chain(
                setup
                    .resource_dir
                    .map(|d| format!("-resource-dir={}", d.display()))
                    .iter(),
            )
            .map(|a| shell_word(a))
            .collect::<Vec<_>>()
            .join(" "),
        Provenance::Sysroot,
    );
    if let Some(dir) = setup.libclang_dir {
        push(
            "LIBCLANG_PATH".into(),
            dir.display().to_string(),
            Provenance::Libclang,
        );
    }
    if let Some(file) = setup.cmake_toolchain_file {
        push(
            format!("CMAKE_TOOLCHAIN_FILE_{t}"),
            file.display().to_string(),
            Provenance::CmakeToolchain,
        );
    }
    if setup.static_deps {
        // openssl-sys reads `<TARGET>_OPENSSL_STATIC` before `OPENSSL_STATIC`: the target's
        // spelling leaves a host build of openssl-sys (a build script's dependency) alone.
        push(
            format!("{big}_OPENSSL_STATIC"),
            "1".into(),
            Provenance::StaticDeps,
        );
        for key in STATIC_DEPS_VARS {
            push((*key).to_string(), "1".into(), Provenance::StaticDeps);
        }
    }
    vars
}

/// `PKG_CONFIG_LIBDIR` for the sysroot: [`crate::pkgconfig::pc_dirs`], joined.
pub fn pkg_config_libdir(spec: &TargetSpec, sysroot: &Path) -> String {
    crate::pkgconfig::pc_dirs(spec, sysroot)
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// What happens to one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// crossroot sets it.
    Set(EnvVar),
    /// The user already set it; their value stays.
    UserSet { var: EnvVar, user_value: OsString },
}

impl Decision {
    pub fn var(&self) -> &EnvVar {
        match self {
            Decision::Set(v) | Decision::UserSet { var: v, .. } => v,
        }
    }
}

/// Keep every value the user already set (`lookup` reads their environment).
pub fn decide(vars: Vec<EnvVar>, lookup: impl Fn(&str) -> Option<OsString>) -> Vec<Decision> {
    vars.into_iter()
        .map(|var| {
            // cc-rs and pkg-config also read the dashed spelling (`CC_aarch64-unknown-linux-gnu`).
            let user = lookup(&var.key)
                .or_else(|| dashed_alias(&var.key).and_then(|k| lookup(&k)))
                .or_else(|| generic_flags(&var).iter().find_map(|k| lookup(k)));
            match user {
                Some(user_value) => Decision::UserSet { var, user_value },
                None => Decision::Set(var),
            }
        })
        .collect()
}

/// Variables whose value, when the user set it, is their choice about `var` too. cc-rs takes the
/// first of `CFLAGS_<t>`, `TARGET_CFLAGS`, `CFLAGS`: setting ours would hide a user's generic
/// flags. The static switches: a user's plain `OPENSSL_STATIC` (or an `OPENSSL_DIR` of their
/// own), and pkg-config's `PKG_CONFIG_ALL_DYNAMIC` (which `PKG_CONFIG_ALL_STATIC` would
/// silently beat), are their answer.
fn generic_flags(var: &EnvVar) -> &'static [&'static str] {
    if var.key.starts_with("CFLAGS_") {
        &["TARGET_CFLAGS", "CFLAGS"]
    } else if var.key.starts_with("CXXFLAGS_") {
        &["TARGET_CXXFLAGS", "CXXFLAGS"]
    } else if var.key.ends_with("_OPENSSL_STATIC") {
        &["OPENSSL_STATIC", "OPENSSL_DIR", "OPENSSL_LIB_DIR"]
    } else if var.key == "PKG_CONFIG_ALL_STATIC" {
        &["PKG_CONFIG_ALL_DYNAMIC"]
    } else if var.key == "SQLITE3_STATIC" {
        &["SQLITE3_LIB_DIR"]
    } else {
        &[]
    }
}

/// `CC_aarch64_unknown_linux_gnu` → `CC_aarch64-unknown-linux-gnu` (the other spelling tools read).
fn dashed_alias(key: &str) -> Option<String> {
    let (prefix, triple) = crossroot_target::TARGETS.iter().find_map(|t| {
        let k = t.cc_env_key();
        key.strip_suffix(&k).map(|p| (p.to_string(), t.triple))
    })?;
    if prefix.is_empty() || !prefix.ends_with('_') || prefix.starts_with("CARGO_TARGET_") {
        return None;
    }
    Some(format!("{prefix}{triple}"))
}

/// Quote a word for a POSIX shell only when needed.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_target::by_triple;

    fn setup(triple: &str) -> Vec<EnvVar> {
        with_static(triple, false)
    }

    fn with_static(triple: &str, static_deps: bool) -> Vec<EnvVar> {
        let spec = by_triple(triple).expect("known");
        cross_env(&CrossSetup {
            spec,
            sysroot: Path::new("/c/sr"),
            cc: Path::new("/c/bin/cc"),
            cxx: Path::new("/c/bin/c++"),
            ar: Path::new("/usr/bin/ar"),
            pkg_config: None,
            libclang_dir: None,
            resource_dir: None,
            cmake_toolchain_file: Some(Path::new("/c/toolchain.cmake")),
            runner: Some("/q/qemu-aarch64 -L /c/sr".into()),
            static_deps,
        })
    }

    fn get<'a>(vars: &'a [EnvVar], key: &str) -> Option<&'a str> {
        vars.iter().find(|v| v.key == key).map(|v| v.value.as_str())
    }

    #[test]
    fn aarch64_env_wires_linker_cc_pkg_config_and_runner() {
        let vars = setup("aarch64-unknown-linux-gnu");
        assert_eq!(
            get(&vars, "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"),
            Some("/c/bin/cc")
        );
        assert_eq!(
            get(&vars, "CC_aarch64_unknown_linux_gnu"),
            Some("/c/bin/cc")
        );
        assert_eq!(
            get(&vars, "CXX_aarch64_unknown_linux_gnu"),
            Some("/c/bin/c++")
        );
        assert_eq!(
            get(&vars, "AR_aarch64_unknown_linux_gnu"),
            Some("/usr/bin/ar")
        );
        assert_eq!(
            get(&vars, "PKG_CONFIG_SYSROOT_DIR_aarch64_unknown_linux_gnu"),
            Some("/c/sr")
        );
        assert_eq!(
            get(&vars, "PKG_CONFIG_PATH_aarch64_unknown_linux_gnu"),
            Some(""),
            "a host PKG_CONFIG_PATH must not reach the target's pkg-config"
        );
        let libdir = get(&vars, "PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu").unwrap_or("");
        assert!(libdir.starts_with("/c/sr/usr/lib/aarch64-linux-gnu/pkgconfig:"));
        assert!(!libdir.split(':').any(|d| !d.starts_with("/c/sr/")));
        assert_eq!(
            get(&vars, "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER"),
            Some("/q/qemu-aarch64 -L /c/sr")
        );
        assert_eq!(
            get(&vars, "BINDGEN_EXTRA_CLANG_ARGS_aarch64_unknown_linux_gnu"),
            Some("--target=aarch64-linux-gnu --sysroot=/c/sr")
        );
        assert_eq!(
            get(&vars, "CMAKE_TOOLCHAIN_FILE_aarch64_unknown_linux_gnu"),
            Some("/c/toolchain.cmake")
        );
        // 64-bit: no large-file define needed.
        assert_eq!(get(&vars, "CFLAGS_aarch64_unknown_linux_gnu"), None);
    }

    #[test]
    fn armv7_gets_large_file_cflags() {
        let vars = setup("armv7-unknown-linux-gnueabihf");
        assert_eq!(
            get(&vars, "CFLAGS_armv7_unknown_linux_gnueabihf"),
            Some("-D_FILE_OFFSET_BITS=64")
        );
    }

    #[test]
    fn user_values_win_in_either_spelling() {
        let vars = setup("aarch64-unknown-linux-gnu");
        let decisions = decide(vars, |k| match k {
            "CC_aarch64-unknown-linux-gnu" => Some("my-cc".into()),
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER" => Some("my-runner".into()),
            _ => None,
        });
        let user: Vec<&str> = decisions
            .iter()
            .filter(|d| matches!(d, Decision::UserSet { .. }))
            .map(|d| d.var().key.as_str())
            .collect();
        assert_eq!(
            user,
            [
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER",
                "CC_aarch64_unknown_linux_gnu"
            ]
        );
    }

    #[test]
    fn generic_cflags_of_the_user_are_not_hidden() {
        let vars = setup("armv7-unknown-linux-gnueabihf");
        let decisions = decide(vars, |k| (k == "CFLAGS").then(|| "-O2 -g".into()));
        let kept: Vec<&str> = decisions
            .iter()
            .filter(|d| matches!(d, Decision::UserSet { .. }))
            .map(|d| d.var().key.as_str())
            .collect();
        assert_eq!(kept, ["CFLAGS_armv7_unknown_linux_gnueabihf"]);
    }

    #[test]
    fn static_deps_sets_pkg_config_static_mode_and_the_sys_crate_switches() {
        let plain = with_static("aarch64-unknown-linux-gnu", false);
        assert!(plain.iter().all(|v| v.provenance != Provenance::StaticDeps));
        assert_eq!(get(&plain, "PKG_CONFIG_ALL_STATIC"), None);
        let vars = with_static("aarch64-unknown-linux-gnu", true);
        for key in [
            "PKG_CONFIG_ALL_STATIC",
            "SQLITE3_STATIC",
            "AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_STATIC",
        ] {
            assert_eq!(get(&vars, key), Some("1"), "{key}");
        }
        // openssl-sys of the host (a build script's dependency) is left alone, and libz-sys
        // keeps taking the sysroot's libz.a through pkg-config rather than its bundled copy.
        assert_eq!(get(&vars, "OPENSSL_STATIC"), None);
        assert_eq!(get(&vars, "LIBZ_SYS_STATIC"), None);
    }

    #[test]
    fn a_users_own_static_or_dynamic_choice_wins() {
        let vars = with_static("s390x-unknown-linux-gnu", true);
        let decisions = decide(vars, |k| match k {
            "OPENSSL_STATIC" => Some("0".into()),
            "PKG_CONFIG_ALL_DYNAMIC" => Some("1".into()),
            "SQLITE3_STATIC" => Some("0".into()),
            _ => None,
        });
        let kept: Vec<&str> = decisions
            .iter()
            .filter(|d| matches!(d, Decision::UserSet { .. }))
            .map(|d| d.var().key.as_str())
            .collect();
        assert_eq!(
            kept,
            [
                "S390X_UNKNOWN_LINUX_GNU_OPENSSL_STATIC",
                "PKG_CONFIG_ALL_STATIC",
                "SQLITE3_STATIC"
            ]
        );
    }

    #[test]
    fn musl_pkg_config_never_sees_glibc_pc_files() {
        let vars = with_static("x86_64-unknown-linux-musl", false);
        assert_eq!(
            get(&vars, "PKG_CONFIG_LIBDIR_x86_64_unknown_linux_musl"),
            Some("/c/sr/usr/lib/x86_64-linux-musl/pkgconfig")
        );
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("--sysroot=/a/b"), "--sysroot=/a/b");
        assert_eq!(shell_word("/a b"), "'/a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
