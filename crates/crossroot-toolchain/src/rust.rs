//! The active Rust toolchain: where its sysroot is, whether it has a target's std, and adding it.
//!
//! The fast path reads rustup's settings the way rustup resolves them (`RUSTUP_TOOLCHAIN`, then
//! the default toolchain, when no override file or directory override applies) so a no-op build
//! runs no `rustc`/`rustup` process; anything unusual falls back to asking `rustc`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result};

/// Where the active toolchain lives and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustToolchain {
    /// `rustc --print sysroot`.
    pub sysroot: PathBuf,
    /// The rustup toolchain name when rustup manages it.
    pub rustup_name: Option<String>,
}

impl RustToolchain {
    /// Whether the std for `triple` is installed.
    pub fn has_std(&self, triple: &str) -> bool {
        self.sysroot
            .join("lib/rustlib")
            .join(triple)
            .join("lib")
            .is_dir()
    }

    /// The `ld.lld` front-end of the toolchain's `rust-lld`, if shipped.
    pub fn rust_lld(&self) -> Option<PathBuf> {
        let rustlib = self.sysroot.join("lib/rustlib");
        let entries = std::fs::read_dir(&rustlib).ok()?;
        entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin/gcc-ld/ld.lld"))
            .find(|p| p.is_file())
    }
}

/// The active toolchain for a project in `cwd`. `env` reads the environment.
pub fn locate(cwd: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> Result<RustToolchain> {
    if let Some(tc) = locate_fast(cwd, env) {
        return Ok(tc);
    }
    locate_slow(cwd, env)
}

fn rustup_home(env: &dyn Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    env("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".rustup")))
        .filter(|p| p.join("toolchains").is_dir())
}

fn locate_fast(cwd: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> Option<RustToolchain> {
    if env("RUSTC").is_some() {
        return None;
    }
    let home = rustup_home(env)?;
    let name = match env("RUSTUP_TOOLCHAIN") {
        Some(n) => n.into_string().ok()?,
        None => {
            // Override files anywhere up the tree: let rustc answer.
            if cwd.ancestors().any(|d| {
                d.join("rust-toolchain.toml").exists() || d.join("rust-toolchain").exists()
            }) {
                return None;
            }
            let settings = fs_err::read_to_string(home.join("settings.toml")).ok()?;
            let settings: toml::Table = settings.parse().ok()?;
            if let Some(overrides) = settings.get("overrides").and_then(|o| o.as_table()) {
                if overrides.keys().any(|dir| cwd.starts_with(dir)) {
                    return None;
                }
            }
            settings.get("default_toolchain")?.as_str()?.to_string()
        }
    };
    let toolchains = home.join("toolchains");
    let exact = toolchains.join(&name);
    let dir = if exact.join("lib/rustlib").is_dir() {
        exact
    } else {
        let host = host_triple();
        let full = toolchains.join(format!("{name}-{host}"));
        if !full.join("lib/rustlib").is_dir() {
            return None;
        }
        full
    };
    let rustup_name = dir.file_name()?.to_str()?.to_string();
    Some(RustToolchain {
        sysroot: dir,
        rustup_name: Some(rustup_name),
    })
}

fn host_triple() -> &'static str {
    if cfg!(target_arch = "x86_64") {
        "x86_64-unknown-linux-gnu"
    } else if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-gnu"
    } else {
        "unknown"
    }
}

fn locate_slow(cwd: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> Result<RustToolchain> {
    let rustc = env("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .current_dir(cwd)
        .output()
        .map_err(|_| Error::NoRustc)?;
    if !out.status.success() {
        return Err(Error::Failed {
            command: format!("{} --print sysroot", rustc.to_string_lossy()),
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let rustup_name = rustup_home(env)
        .filter(|h| sysroot.starts_with(h.join("toolchains")))
        .and_then(|_| sysroot.file_name()?.to_str().map(String::from));
    Ok(RustToolchain {
        sysroot,
        rustup_name,
    })
}

/// The command that installs the std for `triple` into `tc` (the rustup call), or an error with
/// the exact fix when rustup does not manage the toolchain.
pub fn add_std_command(tc: &RustToolchain, triple: &str) -> Result<Command> {
    let Some(name) = &tc.rustup_name else {
        return Err(Error::NoRustup {
            triple: triple.to_string(),
            sysroot: tc.sysroot.clone(),
        });
    };
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", "--toolchain", name, triple]);
    Ok(cmd)
}

/// Run `rustup target add` for `triple`.
pub fn add_std(tc: &RustToolchain, triple: &str) -> Result<()> {
    let mut cmd = add_std_command(tc, triple)?;
    let status = cmd.status().map_err(|source| Error::Spawn {
        program: "rustup".into(),
        source,
    })?;
    if !status.success() {
        return Err(Error::Failed {
            command: format!("rustup target add {triple}"),
            status,
            stderr: String::new(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;
    use std::collections::HashMap;

    fn fake_rustup(dir: &Path, default: &str, toolchains: &[&str]) {
        fs_err::write(
            dir.join("settings.toml"),
            format!("version = \"12\"\ndefault_toolchain = \"{default}\"\n\n[overrides]\n\"/pinned\" = \"nightly\"\n"),
        )
        .expect("write");
        for t in toolchains {
            fs_err::create_dir_all(
                dir.join("toolchains")
                    .join(t)
                    .join("lib/rustlib/x86_64-unknown-linux-gnu/lib"),
            )
            .expect("mkdir");
        }
    }

    fn env_of(map: HashMap<&'static str, OsString>) -> impl Fn(&str) -> Option<OsString> {
        move |k| map.get(k).cloned()
    }

    #[test]
    fn default_toolchain_is_found_without_running_rustc() {
        let home = tempfile::tempdir().expect("tempdir");
        fake_rustup(
            home.path(),
            "stable-x86_64-unknown-linux-gnu",
            &["stable-x86_64-unknown-linux-gnu"],
        );
        let env = env_of(HashMap::from([("RUSTUP_HOME", home.path().into())]));
        let tc = locate_fast(Path::new("/work/project"), &env).expect("fast path");
        assert_eq!(
            tc.rustup_name.as_deref(),
            Some("stable-x86_64-unknown-linux-gnu")
        );
        assert!(tc.has_std("x86_64-unknown-linux-gnu"));
        assert!(!tc.has_std("aarch64-unknown-linux-gnu"));
    }

    #[test]
    fn short_names_and_env_override_resolve() {
        let home = tempfile::tempdir().expect("tempdir");
        fake_rustup(
            home.path(),
            "stable",
            &[
                "stable-x86_64-unknown-linux-gnu",
                "1.95.0-x86_64-unknown-linux-gnu",
            ],
        );
        let env = env_of(HashMap::from([
            ("RUSTUP_HOME", home.path().into()),
            ("RUSTUP_TOOLCHAIN", "1.95.0".into()),
        ]));
        let tc = locate_fast(Path::new("/x"), &env).expect("fast path");
        assert_eq!(
            tc.rustup_name.as_deref(),
            Some("1.95.0-x86_64-unknown-linux-gnu")
        );
    }

    #[test]
    fn overrides_and_toolchain_files_take_the_slow_path() {
        let home = tempfile::tempdir().expect("tempdir");
        fake_rustup(home.path(), "stable", &["stable-x86_64-unknown-linux-gnu"]);
        let env = env_of(HashMap::from([("RUSTUP_HOME", home.path().into())]));
        assert_eq!(locate_fast(Path::new("/pinned/sub"), &env), None);
        let proj = tempfile::tempdir().expect("tempdir");
        fs_err::write(
            proj.path().join("rust-toolchain.toml"),
            "[toolchain]\nchannel = \"nightly\"\n",
        )
        .expect("write");
        assert_eq!(locate_fast(proj.path(), &env), None);
    }

    #[test]
    fn without_rustup_the_error_names_the_fix() {
        let tc = RustToolchain {
            sysroot: "/usr/lib/rust".into(),
            rustup_name: None,
        };
        let err = add_std_command(&tc, "aarch64-unknown-linux-gnu").expect_err("no rustup");
        let hint = err.hint().expect("hint");
        assert!(
            hint.contains("rustup target add aarch64-unknown-linux-gnu"),
            "{hint}"
        );
    }
}
