//! Several targets in one command, `crossroot nextest` and `crossroot cargo`: what fails before
//! anything is provisioned, with a message and a hint (no network, no QEMU).

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");

fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CROSSROOT_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cwd.join("cache"))
        .env("CROSSROOT_APT_ROOT", cwd.join("no-apt"))
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn stderr(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    // Temp paths differ per run.
    text.lines()
        .map(|l| {
            regex::Regex::new(r"`/[^`]*/Cargo.toml`")
                .expect("regex")
                .replace_all(l, "`[TEMP]/Cargo.toml`")
                .into_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn project(targets: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs_err::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[package.metadata.crossroot]\ntargets = {targets}\n"
        ),
    )
    .expect("write Cargo.toml");
    dir
}

#[test]
fn a_bad_target_in_a_list_fails_the_command_before_anything_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["test", "--target", "aarch64-linux,s390x-linx"][..],
        &["build", "--target", "aarch64-linux", "--target=s390x-linx"],
    ] {
        let out = run(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert_eq!(
            err, "error: unknown target `s390x-linx`\n  hint: did you mean `s390x-linux`?",
            "{args:?}"
        );
        assert!(
            !dir.path().join("cache").exists(),
            "nothing was provisioned"
        );
    }
}

#[test]
fn run_refuses_several_targets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(
        dir.path(),
        &["run", "--target", "aarch64-linux,s390x-linux"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("run_several_targets", stderr(&out));
}

#[test]
fn the_projects_targets_list_is_used_and_its_errors_name_the_file() {
    let dir = project(r#"["aarch64-linux", "s390x-linx"]"#);
    let out = run(dir.path(), &["build"], &[]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("bad_targets_list", stderr(&out));

    // `run` counts the list's targets, as if they were given with `--target`.
    let dir = project(r#"["aarch64-linux", "arm64", "s390x-linux"]"#);
    let out = run(dir.path(), &["run"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: `crossroot run` runs one program for one target, got 2 targets: `aarch64-unknown-linux-gnu`, `s390x-unknown-linux-gnu`"),
        "duplicates are dropped: {err}"
    );
}

#[test]
fn without_a_target_the_hint_names_every_way_to_give_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(dir.path(), &["test"], &[]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("no_target", stderr(&out));
}

#[test]
fn nextest_missing_says_how_to_install_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(
        dir.path(),
        &["nextest", "run", "--target", "aarch64-linux"],
        &[("CARGO", "/bin/false")],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("nextest_missing", stderr(&out));
}

#[test]
fn pass_through_commands_take_one_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(
        dir.path(),
        &["cargo", "llvm-cov", "--target", "aarch64-linux,s390x-linux"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("cargo_several_targets", stderr(&out));

    let out = run(dir.path(), &["cargo", "hack", "check"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: `crossroot cargo hack` needs a target"),
        "{err}"
    );
}

#[test]
fn provisioning_errors_come_per_target_in_target_order() {
    // No mirror anywhere: every sysroot fails while the targets are provisioned (in parallel).
    let dir = project("[]");
    fs_err::create_dir_all(dir.path().join("src")).expect("src");
    fs_err::write(dir.path().join("src/main.rs"), "fn main() {}\n").expect("main.rs");
    let out = run(
        dir.path(),
        &["build", "--target", "s390x-linux,aarch64-linux"],
        &[],
    );
    assert!(!out.status.success());
    let text = stderr(&out);
    // The first target in the list is the one reported, with the single-target message.
    assert!(
        text.starts_with("error: provisioning `s390x-unknown-linux-gnu`"),
        "{text}"
    );
    assert!(
        text.contains("could not provision the sysroot for `s390x-unknown-linux-gnu`"),
        "{text}"
    );
    assert!(text.contains("no Debian mirror configured"), "{text}");
    assert!(!text.contains("aarch64"), "{text}");

    // With --keep-going every target's error is shown, in order, and the summary has both.
    let out = run(
        dir.path(),
        &[
            "build",
            "--keep-going",
            "--target",
            "s390x-linux,aarch64-linux",
        ],
        &[],
    );
    assert!(!out.status.success());
    let text = stderr(&out);
    let s390x = text
        .find("sysroot for `s390x-unknown-linux-gnu`")
        .expect(&text);
    let arm = text
        .find("sysroot for `aarch64-unknown-linux-gnu`")
        .expect(&text);
    assert!(s390x < arm, "{text}");
    assert!(text.contains("2 targets: 0 ok, 2 failed"), "{text}");
}
