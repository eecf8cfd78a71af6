//! Running target programs on the host: QEMU user mode with the target's sysroot, or Wine for
//! the Windows targets ([`wine`]).
//!
//! Owns: finding a usable QEMU (host `qemu-<arch>[-static]` >= 7, or one in a provisioned tree of
//! Debian's `qemu-user-static`), and the exact invocation — as a command, as cargo's
//! `CARGO_TARGET_<T>_RUNNER` value, as a CMake/meson emulator list, or as a generated wrapper
//! when a path has spaces.
//!
//! The invocation guarantees that the dynamic loader and libc come from the same sysroot and that
//! nothing falls back to the host's files: `-L <sysroot>` makes QEMU load the sysroot's loader,
//! and `-E LD_LIBRARY_PATH=<sysroot's library dirs as absolute host paths>` makes that loader find
//! the sysroot's libc first. The textbook `-L` alone falls back to the host's `/etc/ld.so.cache`
//! and multiarch libraries, mixes glibc builds and hangs at the first `pthread_create`; on 32-bit
//! ARM QEMU does not apply `-L` to `statx`, so without the absolute paths the loader misses
//! `libgcc_s.so.1`.
//!
//! Must not: download QEMU (the archive provisions trees), or decide about compilers.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crossroot_target::{Libc, RunnerKind, TargetSpec};

pub mod wine;

/// The oldest QEMU crossroot trusts (7.2 is bookworm's).
pub const MIN_QEMU: u32 = 7;

/// Host-architecture Debian package (bookworm) whose static QEMU binaries run anywhere.
pub const QEMU_TREE_PACKAGES: &[&str] = &["qemu-user-static"];

/// The provisioned QEMU tree for `spec`: one per QEMU binary (`qemu-aarch64`), so each holds one
/// 13–17 MB binary instead of the package's 371 MB for every architecture, a later target adds
/// its own tree, and all of them unpack the same cached `.deb`.
pub fn qemu_tree_name(spec: &TargetSpec) -> &'static str {
    spec.qemu
}

/// What the tree [`qemu_tree_name`] keeps of [`QEMU_TREE_PACKAGES`]: `spec`'s binary, nothing
/// else. Rules in the syntax of `crossroot_archive::PathFilter` (last match wins).
pub fn qemu_tree_filter(spec: &TargetSpec) -> Vec<String> {
    let mut rules = vec!["-**".to_string()];
    rules.extend(qemu_names(spec).iter().map(|n| format!("+usr/bin/{n}")));
    rules
}

/// Why a runner cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no `{qemu}` in the provisioned QEMU tree at `{tree}`")]
    NotInTree { qemu: &'static str, tree: PathBuf },
    #[error("the Wine tree at `{tree}` has no `{missing}`")]
    WineTree { tree: PathBuf, missing: PathBuf },
    #[error("failed to run `{program}`")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed\n{stderr}")]
    Failed { command: String, stderr: String },
    #[error("failed to write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl crossroot_hint::Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Error::NotInTree { tree, .. } => Some(format!(
                "the cached tree may be damaged: remove `{}` and run again",
                tree.display()
            )),
            Error::WineTree { tree, .. } => Some(format!(
                "the cached tree may be damaged: remove `{}` and run again",
                tree.display()
            )),
            Error::Write { .. } | Error::Spawn { .. } | Error::Failed { .. } => None,
        }
    }
}

/// `qemu-aarch64 version 7.2.0 (Debian 1:7.2+dfsg-7)` → 7.
pub fn parse_qemu_version(out: &str) -> Option<u32> {
    let rest = out.split(" version ").nth(1)?;
    rest.split('.').next()?.trim().parse().ok()
}

/// Names a QEMU binary for `spec` may have: `qemu-aarch64`, `qemu-aarch64-static`.
pub fn qemu_names(spec: &TargetSpec) -> [String; 2] {
    [spec.qemu.to_string(), format!("{}-static", spec.qemu)]
}

/// A QEMU on `path` (a `PATH`-style list) whose version (asked through `version_of`) is recent
/// enough.
pub fn find_host_qemu(
    spec: &TargetSpec,
    path: Option<&OsStr>,
    mut version_of: impl FnMut(&Path) -> Option<u32>,
) -> Option<PathBuf> {
    let path = path?;
    for name in qemu_names(spec) {
        for dir in std::env::split_paths(path) {
            let candidate = dir.join(&name);
            if candidate.is_file() && version_of(&candidate).is_some_and(|v| v >= MIN_QEMU) {
                return Some(candidate);
            }
        }
    }
    None
}

/// The QEMU binary for `spec` in a provisioned tree (`usr/bin/qemu-<arch>-static` from
/// `qemu-user-static`, or `usr/bin/qemu-<arch>` from trixie's `qemu-user`).
pub fn qemu_in_tree(root: &Path, spec: &TargetSpec) -> Result<PathBuf, Error> {
    let [plain, stat] = qemu_names(spec);
    [stat, plain]
        .iter()
        .map(|n| root.join("usr/bin").join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| Error::NotInTree {
            qemu: spec.qemu,
            tree: root.to_path_buf(),
        })
}

/// How target programs run on a host. One more way to run them (Wine, a WASI runtime) is one
/// more kind here, decided by [`kind`] and provisioned in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The host runs them itself: no runner.
    Native,
    /// QEMU user mode with the sysroot as loader prefix.
    Qemu,
    /// Wine with a private prefix (Windows targets).
    Wine,
}

/// How programs of `spec` run on a host whose ELF machine is `host_machine`.
pub fn kind(spec: &TargetSpec, host_machine: u16) -> Kind {
    if spec.runs_natively_on(host_machine) {
        Kind::Native
    } else {
        match spec.runner {
            RunnerKind::Qemu => Kind::Qemu,
            RunnerKind::Wine => Kind::Wine,
        }
    }
}

/// How to run a target program: the prefix to put before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// The runner for `spec` on a host whose ELF machine is `host_machine`, or `None` when target
/// programs run natively.
pub fn runner_for(
    spec: &TargetSpec,
    host_machine: u16,
    qemu: &Path,
    sysroot: &Path,
) -> Option<Runner> {
    if spec.runs_natively_on(host_machine) {
        return None;
    }
    let mut args = vec!["-L".to_string(), sysroot.display().to_string()];
    if spec.libc == Libc::Gnu {
        args.push("-E".into());
        args.push(format!(
            "LD_LIBRARY_PATH={}",
            library_path(spec, sysroot)
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(":")
        ));
    }
    Some(Runner {
        program: qemu.to_path_buf(),
        args,
    })
}

/// The sysroot's library directories, as absolute host paths, in search order.
pub fn library_path(spec: &TargetSpec, sysroot: &Path) -> Vec<PathBuf> {
    vec![
        sysroot.join("lib").join(spec.multiarch),
        sysroot.join("usr/lib").join(spec.multiarch),
        sysroot.join("lib"),
        sysroot.join("usr/lib"),
    ]
}

impl Runner {
    /// Program and arguments as one list (CMake's `CMAKE_CROSSCOMPILING_EMULATOR`, meson's
    /// `exe_wrapper`).
    pub fn argv(&self) -> Vec<String> {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().cloned())
            .collect()
    }

    /// The value for `CARGO_TARGET_<T>_RUNNER`, which cargo splits on spaces: `None` if any part
    /// contains whitespace (then use [`Runner::write_wrapper`]).
    pub fn cargo_value(&self) -> Option<String> {
        let argv = self.argv();
        if argv.iter().any(|a| a.chars().any(char::is_whitespace)) {
            return None;
        }
        Some(argv.join(" "))
    }

    /// A POSIX sh wrapper that only `exec`s the runner.
    pub fn wrapper_script(&self) -> String {
        let mut s = String::from(
            "#!/bin/sh\n# Generated by crossroot; rewritten only when it changes.\nexec",
        );
        for a in self.argv() {
            s.push(' ');
            s.push('\'');
            s.push_str(&a.replace('\'', "'\\''"));
            s.push('\'');
        }
        s.push_str(" \"$@\"\n");
        s
    }

    /// Write [`Runner::wrapper_script`] to `path` unless it already has that content.
    pub fn write_wrapper(&self, path: &Path) -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let content = self.wrapper_script();
        if fs_err::read(path).is_ok_and(|old| old == content.as_bytes()) {
            return Ok(());
        }
        let err = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            fs_err::create_dir_all(dir).map_err(err)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        fs_err::write(&tmp, content).map_err(err)?;
        fs_err::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).map_err(err)?;
        fs_err::rename(&tmp, path).map_err(err)
    }

    /// A command running `program args…` under this runner.
    pub fn command(&self, program: &OsStr, args: &[OsString]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).arg(program).args(args);
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_target::{by_triple, elf_machine::EM_X86_64};

    fn spec(t: &str) -> &'static TargetSpec {
        by_triple(t).expect("known")
    }

    #[test]
    fn gnu_runner_pins_loader_and_libc_to_the_sysroot() {
        let r = runner_for(
            spec("armv7-unknown-linux-gnueabihf"),
            EM_X86_64,
            Path::new("/q/qemu-arm"),
            Path::new("/sr"),
        )
        .expect("needs qemu");
        assert_eq!(
            r.cargo_value().as_deref(),
            Some(
                "/q/qemu-arm -L /sr -E LD_LIBRARY_PATH=/sr/lib/arm-linux-gnueabihf:/sr/usr/lib/arm-linux-gnueabihf:/sr/lib:/sr/usr/lib"
            )
        );
    }

    #[test]
    fn musl_runner_needs_no_library_path_and_native_targets_no_runner() {
        let r = runner_for(
            spec("aarch64-unknown-linux-musl"),
            EM_X86_64,
            Path::new("/q/qemu-aarch64"),
            Path::new("/sr"),
        )
        .expect("needs qemu");
        assert_eq!(r.args, ["-L", "/sr"]);
        assert_eq!(
            runner_for(
                spec("x86_64-unknown-linux-musl"),
                EM_X86_64,
                Path::new("/q"),
                Path::new("/sr")
            ),
            None
        );
        assert_eq!(
            runner_for(
                spec("x86_64-unknown-linux-gnu"),
                EM_X86_64,
                Path::new("/q"),
                Path::new("/sr")
            ),
            None
        );
        // i686 has no loader on an x86_64 host: it goes through QEMU with its sysroot.
        assert!(
            runner_for(
                spec("i686-unknown-linux-gnu"),
                EM_X86_64,
                Path::new("/q"),
                Path::new("/sr")
            )
            .is_some()
        );
    }

    #[test]
    fn paths_with_spaces_need_the_wrapper() {
        let r = runner_for(
            spec("s390x-unknown-linux-gnu"),
            EM_X86_64,
            Path::new("/q/qemu-s390x"),
            Path::new("/my sr"),
        )
        .expect("needs qemu");
        assert_eq!(r.cargo_value(), None);
        let dir = tempfile::tempdir().expect("tempdir");
        let w = dir.path().join("runner");
        r.write_wrapper(&w).expect("write");
        let text = fs_err::read_to_string(&w).expect("read");
        assert!(
            text.contains("exec '/q/qemu-s390x' '-L' '/my sr'"),
            "{text}"
        );
        // It prints nothing of its own: test listers (cargo-nextest) read the program's stdout
        // through the runner.
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert!(lines[0].starts_with("exec "), "{text}");
    }

    #[test]
    fn qemu_versions_parse() {
        assert_eq!(
            parse_qemu_version("qemu-aarch64 version 7.2.0 (Debian 1:7.2+dfsg-7)\nCopyright"),
            Some(7)
        );
        assert_eq!(parse_qemu_version("qemu-riscv64 version 10.0.2"), Some(10));
        assert_eq!(parse_qemu_version("nonsense"), None);
    }

    #[test]
    fn a_qemu_tree_keeps_only_its_own_binary() {
        let aarch64 = spec("aarch64-unknown-linux-gnu");
        let filter =
            crossroot_archive::PathFilter::parse(&qemu_tree_filter(aarch64)).expect("valid rules");
        let keeps = |p: &str| filter.keeps(Path::new(p));
        assert!(keeps("usr/bin/qemu-aarch64-static"));
        assert!(keeps("usr/bin/qemu-aarch64"));
        for dropped in [
            "usr/bin/qemu-aarch64_be-static",
            "usr/bin/qemu-arm-static",
            "usr/bin/qemu-riscv64-static",
            "usr/share/man/man1/qemu-aarch64-static.1.gz",
            "usr/share/doc/qemu-user-static/copyright",
            "usr/libexec/qemu-binfmt/aarch64-binfmt-P",
        ] {
            assert!(!keeps(dropped), "{dropped}");
        }
        // What the tree keeps is what `qemu_in_tree` looks for.
        let dir = tempfile::tempdir().expect("tempdir");
        fs_err::create_dir_all(dir.path().join("usr/bin")).expect("mkdir");
        fs_err::write(dir.path().join("usr/bin/qemu-aarch64-static"), "").expect("write");
        assert!(qemu_in_tree(dir.path(), aarch64).is_ok());
        // Two targets, two trees: neither is taken for the other.
        let s390x = spec("s390x-unknown-linux-gnu");
        assert_ne!(qemu_tree_name(aarch64), qemu_tree_name(s390x));
        assert_ne!(qemu_tree_filter(aarch64), qemu_tree_filter(s390x));
    }

    #[test]
    fn tree_lookup_prefers_static_binaries_and_names_what_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = qemu_in_tree(dir.path(), spec("aarch64-unknown-linux-gnu")).expect_err("empty");
        assert!(err.to_string().contains("qemu-aarch64"));
        fs_err::create_dir_all(dir.path().join("usr/bin")).expect("mkdir");
        fs_err::write(dir.path().join("usr/bin/qemu-aarch64-static"), "").expect("write");
        assert_eq!(
            qemu_in_tree(dir.path(), spec("aarch64-unknown-linux-gnu")).expect("found"),
            dir.path().join("usr/bin/qemu-aarch64-static")
        );
    }
}
