//! End to end against the real Debian mirror (found through crossroot's own discovery of the
//! host's apt sources): the update suites reach the sysroot, and `cache clean` waits for a
//! running `exec`. Runs only with `CROSSROOT_E2E=1`; uses the shared e2e cache
//! (`CROSSROOT_E2E_CACHE_DIR`) and never cleans it (the clean test works on a linked copy).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod e2e_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crossroot_archive::Lockfile;
use crossroot_debian::version::Version;

fn crossroot(cache: &Path, cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_crossroot"))
        .current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cache)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "crossroot {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A project in `dir` whose `crossroot.lock` records what `sysroot add` resolved.
fn project(dir: &Path) -> PathBuf {
    fs_err::create_dir_all(dir.join("src")).unwrap();
    fs_err::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"sec\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    fs_err::write(dir.join("src/lib.rs"), "").unwrap();
    dir.to_path_buf()
}

#[test]
fn a_bookworm_sysroot_holds_the_security_and_update_versions() {
    if !e2e_support::enabled("a_bookworm_sysroot_holds_the_security_and_update_versions") {
        return;
    }
    let cache = e2e_support::cache_dir();
    let work = tempfile::tempdir().unwrap();
    let with = project(&work.path().join("with"));
    let without = project(&work.path().join("without"));
    let args = [
        "sysroot",
        "add",
        "--target",
        "aarch64-linux",
        "--debian-release",
        "bookworm",
        "libssl-dev",
    ];
    let out = crossroot(&cache, &with, &[&["-v"][..], &args].concat());
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    let no_updates = [&["--no-updates"][..], &args].concat();
    crossroot(&cache, &without, &no_updates);

    let triple = "aarch64-unknown-linux-gnu";
    let lock = |dir: &Path| {
        Lockfile::load(&dir.join("crossroot.lock"))
            .unwrap()
            .target(triple, "bookworm")
            .unwrap()
            .clone()
    };
    let (with, without) = (lock(&with), lock(&without));
    assert_eq!(
        with.suites,
        ["bookworm", "bookworm-updates", "bookworm-security"]
    );
    assert!(without.suites.is_empty() || without.suites == ["bookworm"]);
    let mut newer = Vec::new();
    for p in &with.packages {
        let suite = p.suite.as_deref().unwrap();
        if suite == "bookworm" {
            continue;
        }
        // A package of an update suite is newer than the release's own version.
        let main = without
            .packages
            .iter()
            .find(|m| m.name == p.name && m.arch == p.arch)
            .unwrap_or_else(|| panic!("{} not in the --no-updates sysroot", p.name));
        let (v, m): (Version, Version) =
            (p.version.parse().unwrap(), main.version.parse().unwrap());
        assert!(
            v > m,
            "{} {} from {suite} is not newer than {}",
            p.name,
            p.version,
            main.version
        );
        assert_eq!(
            p.archive.as_deref(),
            (suite == "bookworm-security").then_some("security")
        );
        newer.push(format!(
            "{} {} ({suite}; bookworm has {})",
            p.name, p.version, main.version
        ));
    }
    eprintln!("from the update suites: {newer:#?}");
    assert!(
        with.packages
            .iter()
            .any(|p| p.suite.as_deref() == Some("bookworm-security")),
        "no package of the sysroot comes from bookworm-security: {newer:?}"
    );
}

/// Hard links of the shared cache's buckets under `dst` (no lock files: a lock taken on a linked
/// lock file would be the shared cache's).
fn link_cache(src: &Path, dst: &Path) {
    fs_err::create_dir_all(dst).unwrap();
    for bucket in [
        "debs-v1",
        "indexes-v1",
        "tools-v1",
        "toolchain-v1",
        "sysroots-v1",
    ] {
        if !src.join(bucket).is_dir() {
            continue;
        }
        let st = Command::new("cp")
            .arg("-al")
            .arg(src.join(bucket))
            .arg(dst)
            .status()
            .unwrap();
        assert!(st.success());
    }
    let st = Command::new("find")
        .arg(dst)
        .args(["-name", ".lock", "-type", "f", "-delete"])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn cache_clean_waits_for_a_running_exec() {
    if !e2e_support::enabled("cache_clean_waits_for_a_running_exec") {
        return;
    }
    let scratch = e2e_support::e2e_dir().join("clean-during-exec");
    let _ = fs_err::remove_dir_all(&scratch);
    let cache = scratch.join("cache");
    link_cache(&e2e_support::cache_dir(), &cache);
    let work = scratch.join("work");
    fs_err::create_dir_all(&work).unwrap();
    // Provisioned first, so the exec below starts its program at once.
    crossroot(
        &cache,
        &work,
        &["exec", "--target", "x86_64-linux", "--", "true"],
    );
    let sysroot = String::from_utf8_lossy(
        &crossroot(
            &cache,
            &work,
            &["sysroot", "path", "--target", "x86_64-linux"],
        )
        .stdout,
    )
    .trim()
    .to_string();
    assert!(Path::new(&sysroot).is_dir());

    // The program says it started, sleeps, then checks that its sysroot is still there.
    let script = format!(
        "touch started; sleep 3; test -f '{sysroot}/usr/include/stdio.h' && touch sysroot-intact"
    );
    let mut exec = Command::new(env!("CARGO_BIN_EXE_crossroot"))
        .current_dir(&work)
        .env("CROSSROOT_CACHE_DIR", &cache)
        .args([
            "exec",
            "--target",
            "x86_64-linux",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !work.join("started").exists() {
        assert!(std::time::Instant::now() < until, "exec did not start");
        assert!(exec.try_wait().unwrap().is_none(), "exec ended early");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let clean = crossroot(&cache, &work, &["cache", "clean"]);
    let stderr = String::from_utf8_lossy(&clean.stderr);
    // clean waited for the exec: it has ended, and its sysroot was there until then.
    let status = exec.try_wait().unwrap();
    assert!(
        status.is_some(),
        "cache clean returned while exec was running:\n{stderr}"
    );
    assert!(status.unwrap().success());
    assert!(stderr.contains("Waiting"), "{stderr}");
    assert!(stderr.contains("`exec`"), "{stderr}");
    assert!(work.join("sysroot-intact").exists(), "{stderr}");
    assert!(!Path::new(&sysroot).exists(), "clean removed nothing");
    fs_err::remove_dir_all(&scratch).unwrap();
}

/// With the defaults (update suites on), targets whose `-security` or `-updates` the mirror
/// serves inconsistently still work: the sysroot is built from the release alone, with a
/// warning that says so. On a consistent mirror there is no warning and the updates are used.
#[test]
fn an_inconsistent_update_suite_falls_back_to_the_release_with_a_warning() {
    if !e2e_support::enabled(
        "an_inconsistent_update_suite_falls_back_to_the_release_with_a_warning",
    ) {
        return;
    }
    for target in ["armv7-linux", "aarch64-linux.2.17"] {
        let out = Command::new(env!("CARGO_BIN_EXE_crossroot"))
            .current_dir(e2e_support::example("hello-threads"))
            .env("CROSSROOT_CACHE_DIR", e2e_support::cache_dir())
            .env("CARGO_TARGET_DIR", e2e_support::target_dir())
            .env_remove("CROSSROOT_UPDATES")
            .args(["test", "--target", target])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{target}:\n{stderr}");
        assert_eq!(e2e_support::passed_counts(&out), [3, 0, 1], "{target}");
        if let Some(w) = stderr.lines().find(|l| l.starts_with("warning:")) {
            assert!(
                w.contains("is inconsistent") && w.contains("alone, without the fixes"),
                "{target}: {w}"
            );
            eprintln!("note: {target}: {w}");
        }
    }
}
