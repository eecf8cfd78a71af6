//! Shared set-up of the end-to-end suites (`tests/e2e_*.rs`): the `CROSSROOT_E2E=1` gate, one
//! crossroot cache (`CROSSROOT_E2E_CACHE_DIR`, default `target/e2e/cache`) and one cargo target
//! dir (`target/e2e/target`) for every suite, so each sysroot, clang and QEMU is provisioned
//! once and built artefacts are reused across suites; examples are built from copies under
//! `target/e2e/examples`.

#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the end-to-end suite runs; prints why a test is skipped otherwise.
pub fn enabled(name: &str) -> bool {
    let on = std::env::var("CROSSROOT_E2E").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("note: skipping {name}: set CROSSROOT_E2E=1 to run the end-to-end suite");
    }
    on
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/crossroot is two levels down")
        .to_path_buf()
}

pub fn e2e_dir() -> PathBuf {
    workspace().join("target/e2e")
}

/// The cargo target dir every e2e suite builds into.
pub fn target_dir() -> PathBuf {
    e2e_dir().join("target")
}

pub fn cache_dir() -> PathBuf {
    std::env::var_os("CROSSROOT_E2E_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| e2e_dir().join("cache"))
}

/// A copy of `examples/<name>` under `target/e2e/examples`, so runs never write into the source
/// tree (crossroot keeps `crossroot.lock` next to `Cargo.lock`). Files are copied only when
/// changed, so cargo's fingerprints stay valid between runs.
pub fn example(name: &str) -> PathBuf {
    let dst = e2e_dir().join("examples").join(name);
    sync_dir(&workspace().join("examples").join(name), &dst);
    dst
}

fn sync_dir(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).expect("mkdir");
    for e in fs_err::read_dir(from).expect("read example").flatten() {
        let name = e.file_name();
        if name == "target" || name == "crossroot.lock" {
            continue;
        }
        let dst = to.join(&name);
        if e.path().is_dir() {
            sync_dir(&e.path(), &dst);
        } else {
            let new = fs_err::read(e.path()).expect("read");
            if fs_err::read(&dst).ok().as_deref() != Some(new.as_slice()) {
                fs_err::write(&dst, new).expect("write");
            }
        }
    }
}

/// The crossroot binary with the shared cache and target dir. The suites that use it test
/// cross builds, not the update suites (`e2e_security` does): they read the release alone, so
/// a mirror whose `-security` indexes are mid-sync does not fail them.
pub fn crossroot() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crossroot"));
    cmd.env("CROSSROOT_CACHE_DIR", cache_dir())
        .env("CROSSROOT_UPDATES", "0")
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CROSSROOT_E2E_BUILD_HOST_ARCH", std::env::consts::ARCH)
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS");
    cmd
}

/// Copy a project (without its `target/` and `crossroot.lock`) where a test may change it.
pub fn copy_dir(from: &Path, to: &Path) {
    sync_dir(from, to);
}

/// Bytes of a child's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A child's status, stdout and stderr, for an assertion message.
pub fn show(o: &std::process::Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    )
}

/// The `N` of every `test result: ok. N passed` line cargo test printed, in order.
pub fn passed_counts(o: &std::process::Output) -> Vec<u32> {
    text(&o.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect()
}
