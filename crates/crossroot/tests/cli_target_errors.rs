//! Target names that cannot work: each gives an error with a hint and a non-zero exit, never a
//! panic, whichever command and calling convention is used.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");
const CARGO_BIN: &str = env!("CARGO_BIN_EXE_cargo-crossroot");

fn run(bin: &str, cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CROSSROOT_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cwd.join("cache"))
        .env("CROSSROOT_APT_ROOT", cwd.join("no-apt"))
        .args(args)
        .output()
        .expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn misspelt_target_suggests_the_nearest_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(BIN, dir.path(), &["build", "--target", "aarch64-linx"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("did you mean `aarch64-linux`"), "{err}");
    insta::assert_snapshot!("misspelt_target", err);
}

#[test]
fn target_of_another_os_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        BIN,
        dir.path(),
        &["build", "--target", "aarch64-apple-darwin"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("macOS"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    insta::assert_snapshot!("apple_target", err);

    let out = run(
        BIN,
        dir.path(),
        &["test", "--target=x86_64-pc-windows-msvc"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("Windows"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn cargo_subcommand_form_reports_the_same_errors() {
    let dir = tempfile::tempdir().unwrap();
    let direct = run(BIN, dir.path(), &["build", "--target", "aarch64-linx"]);
    let via_cargo = run(
        CARGO_BIN,
        dir.path(),
        &["crossroot", "build", "--target", "aarch64-linx"],
    );
    assert_eq!(via_cargo.status.code(), Some(1));
    assert_eq!(stderr(&via_cargo), stderr(&direct));
}

#[test]
fn every_command_with_a_target_rejects_bad_names() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["doctor", "--target", "aarch64-linx"][..],
        &["check", "--target", "aarch64-linx"],
        &["test", "--target", "aarch64-linx", "--", "--nocapture"],
    ] {
        let out = run(BIN, dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("did you mean `aarch64-linux`"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = run(
        BIN,
        dir.path(),
        &["doctor", "--target", "wasm32-unknown-unknown"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
}

#[test]
fn a_missing_target_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(BIN, dir.path(), &["build", "--release"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("needs a target"), "{err}");
    assert!(err.contains("hint: add `--target <TARGET>`"), "{err}");
}
