//! `crossroot doctor`: every check reports a status and a fix line; the mirror and cache checks
//! are deterministic with a private cache and an explicit mirror.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");

/// The binary with a private cache and an empty apt root, run in `cwd`.
fn doctor(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CROSSROOT_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cwd.join("cache"))
        .env("CROSSROOT_APT_ROOT", cwd.join("apt"))
        .arg("doctor")
        .args(args);
    cmd
}

fn run(mut cmd: Command) -> (Output, String, String) {
    let out = cmd.output().expect("run crossroot");
    let stdout = String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout");
    let stderr = String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out, stdout, stderr)
}

/// (status, check name, detail) of each check, and whether each is followed by a fix line.
fn checks(stdout: &str) -> Vec<(String, String, String)> {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((status, rest)) = line.split_once(' ') else {
            continue;
        };
        if !["ok", "info", "warn", "fail"].contains(&status) {
            continue;
        }
        let (name, detail) = rest.trim_start().split_once(": ").expect("`name: detail`");
        let fix = lines.get(i + 1).copied().unwrap_or_default();
        assert!(
            fix.starts_with("      fix: ") && fix.len() > "      fix: ".len(),
            "check `{name}` has no fix line:\n{stdout}"
        );
        out.push((status.to_string(), name.to_string(), detail.to_string()));
    }
    out
}

fn names(checks: &[(String, String, String)]) -> Vec<&str> {
    checks.iter().map(|(_, n, _)| n.as_str()).collect()
}

#[test]
fn doctor_reports_each_check_with_a_fix_line() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(doctor(
        dir.path(),
        &[
            "--target",
            "aarch64-linux",
            "--mirror",
            "http://mirror.invalid/debian/",
        ],
    ));
    let checks = checks(&stdout);
    assert_eq!(
        names(&checks),
        [
            "rustup",
            "Rust std",
            "C compiler/linker",
            "QEMU",
            "binfmt_misc",
            "Debian mirror",
            "Debian release",
            "cache dir",
        ],
        "{stdout}"
    );
    let failed = checks.iter().any(|(s, _, _)| s == "fail");
    assert_eq!(
        out.status.success(),
        !failed,
        "exit code follows the checks:\n{stdout}{stderr}"
    );
    let dir_text = dir.path().display().to_string();
    let filters: Vec<(String, String)> = vec![
        (regex::escape(&dir_text), "[TEMP]".into()),
        (
            r"(?m)^(ok|info|warn|fail) +(rustup|Rust std|C compiler/linker|QEMU|binfmt_misc): .*\n      fix: .*$".into(),
            "[$2: depends on the host]".into(),
        ),
        (r"\d+(\.\d)? (GiB|MiB) free".into(), "[N] free".into()),
        (r"\d+ ok, \d+ info, \d+ warnings?, \d+ failed".into(), "[summary]".into()),
    ];
    let filters: Vec<(&str, &str)> = filters
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("doctor_aarch64", stdout);
    });
    // Doctor made the cache dir and left nothing in it.
    let left: Vec<_> = fs_err::read_dir(dir.path().join("cache"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn doctor_for_windows_reports_mingw_wine_and_the_prefix_instead_of_clang_and_qemu() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stdout, _) = run(doctor(
        dir.path(),
        &[
            "--target",
            "win64",
            "--mirror",
            "http://mirror.invalid/debian/",
        ],
    ));
    let found = checks(&stdout);
    assert_eq!(
        names(&found),
        [
            "rustup",
            "Rust std",
            "mingw-w64 toolchain",
            "Wine",
            "Wine prefix",
            "Debian mirror",
            "Debian release",
            "cache dir",
        ],
        "{stdout}"
    );
    let dir_text = dir.path().display().to_string();
    let filters: Vec<(String, String)> = vec![
        (regex::escape(&dir_text), "[TEMP]".into()),
        (
            r"(?m)^(ok|info|warn|fail) +(rustup|Rust std): .*\n      fix: .*$".into(),
            "[$2: depends on the host]".into(),
        ),
        (r"\d+(\.\d)? (GiB|MiB) free".into(), "[N] free".into()),
        (
            r"\d+ ok, \d+ info, \d+ warnings?, \d+ failed".into(),
            "[summary]".into(),
        ),
    ];
    let filters: Vec<(&str, &str)> = filters
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("doctor_win64_empty_cache", stdout);
    });

    // Offline with an empty cache: the trees cannot be fetched, and doctor says how to fix it;
    // i686's Wine is the 32-bit side (`wine32`, an i386 tree).
    let (_, stdout, _) = run(doctor(dir.path(), &["--target", "win32", "--offline"]));
    let offline = checks(&stdout);
    let find = |name: &str| {
        offline
            .iter()
            .find(|(_, n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}:\n{stdout}"))
            .clone()
    };
    let mingw = find("mingw-w64 toolchain");
    assert_eq!(mingw.0, "warn", "{stdout}");
    assert!(mingw.2.contains("gcc-mingw-w64-i686-posix"), "{stdout}");
    assert!(
        stdout.contains("fix: run once without --offline"),
        "{stdout}"
    );
    assert_eq!(find("Wine").0, "warn", "{stdout}");
    assert!(find("Wine").2.contains("wine32"), "{stdout}");
    assert!(!names(&offline).contains(&"QEMU"), "{stdout}");
}

#[test]
fn doctor_without_a_target_skips_target_checks() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stdout, _) = run(doctor(
        dir.path(),
        &["--mirror", "http://127.0.0.1:9/debian"],
    ));
    assert_eq!(
        names(&checks(&stdout)),
        [
            "rustup",
            "C compiler/linker",
            "binfmt_misc",
            "Debian mirror",
            "cache dir"
        ],
        "{stdout}"
    );
    assert!(stdout.contains("pass --target T"), "{stdout}");
}

#[test]
fn doctor_fails_without_a_mirror_and_says_how_to_set_one() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout, _) = run(doctor(dir.path(), &["--target", "arm64"]));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let checks = checks(&stdout);
    let mirror = checks
        .iter()
        .find(|(_, n, _)| n == "Debian mirror")
        .unwrap();
    assert_eq!(mirror.0, "fail", "{stdout}");
    assert!(stdout.contains(
        "fix: pass --mirror URL, set CROSSROOT_MIRROR, or `mirror = \"URL\"` in [package.metadata.crossroot]"
    ), "{stdout}");
    // Nothing to provision clang or QEMU from: unless the host has them, those checks say so
    // instead of claiming success.
    for name in ["C compiler/linker", "QEMU"] {
        let (status, _, detail) = checks.iter().find(|(_, n, _)| n == name).unwrap();
        match status.as_str() {
            "ok" => assert!(
                detail.contains("host") || detail.contains("on PATH"),
                "{stdout}"
            ),
            "warn" => assert!(detail.ends_with("but no mirror is configured"), "{stdout}"),
            other => panic!("{name}: unexpected {other}:\n{stdout}"),
        }
    }
}

#[test]
fn doctor_finds_the_mirror_in_apt_sources() {
    let dir = tempfile::tempdir().unwrap();
    let sources = dir.path().join("apt/etc/apt/sources.list.d");
    fs_err::create_dir_all(&sources).unwrap();
    fs_err::write(
        sources.join("debian.sources"),
        "Types: deb\nURIs: http://127.0.0.1:9/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n\
         Types: deb\nURIs: http://127.0.0.1:9/debian-security\nSuites: bookworm-security\nComponents: main\n",
    )
    .unwrap();
    let (_, stdout, _) = run(doctor(dir.path(), &[]));
    let want = format!(
        "ok    Debian mirror: http://127.0.0.1:9/debian (from apt sources ({}))",
        sources.join("debian.sources").display()
    );
    assert!(stdout.contains(&want), "{stdout}");
}

#[test]
fn doctor_mirror_from_env_and_project_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = doctor(dir.path(), &[]);
    cmd.env("CROSSROOT_MIRROR", "http://127.0.0.1:8/debian");
    let (_, stdout, _) = run(cmd);
    assert!(
        stdout.contains("ok    Debian mirror: http://127.0.0.1:8/debian (from CROSSROOT_MIRROR)"),
        "{stdout}"
    );

    fs_err::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\n[package.metadata.crossroot]\nmirror = \"http://127.0.0.1:7/debian\"\nmirorr = 1\n",
    )
    .unwrap();
    let (_, stdout, stderr) = run(doctor(dir.path(), &[]));
    assert!(
        stdout.contains(&format!(
            "ok    Debian mirror: http://127.0.0.1:7/debian (from `mirror` in {})",
            dir.path().join("Cargo.toml").display()
        )),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("unknown key `mirorr`")
            && stderr.contains("did you mean `mirror`?"),
        "{stderr}"
    );
}

#[test]
fn doctor_warns_about_directory_cookies_for_32_bit_targets_only() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = "http://127.0.0.1:9/debian";
    let (_, stdout, _) = run(doctor(
        dir.path(),
        &["--target", "armhf", "--mirror", mirror],
    ));
    let checks = checks(&stdout);
    let hazard = checks
        .iter()
        .find(|(_, n, _)| n == "32-bit directory listing")
        .unwrap_or_else(|| panic!("no hazard check:\n{stdout}"));
    // Whether it warns depends on the filesystem the temp dir is on; what it says does not.
    match hazard.0.as_str() {
        "warn" => {
            assert!(hazard.2.contains("EOVERFLOW"), "{stdout}");
            assert!(stdout.contains("_FILE_OFFSET_BITS=64"), "{stdout}");
        }
        "ok" => assert!(hazard.2.contains("no 64-bit directory cookies"), "{stdout}"),
        other => panic!("unexpected status {other}:\n{stdout}"),
    }
    let (_, stdout, _) = run(doctor(
        dir.path(),
        &["--target", "aarch64-linux", "--mirror", mirror],
    ));
    assert!(!stdout.contains("32-bit directory listing"), "{stdout}");
}

#[test]
fn doctor_fails_on_a_release_without_the_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout, _) = run(doctor(
        dir.path(),
        &[
            "--target",
            "riscv64",
            "--debian-release",
            "bookworm",
            "--mirror",
            "http://127.0.0.1:9/debian",
        ],
    ));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains(
            "fail  Debian release: Debian bookworm does not carry the `riscv64` architecture"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: releases that carry it: trixie, forky, sid"),
        "{stdout}"
    );
}

#[test]
fn doctor_fails_when_the_cache_is_not_writable() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the cache directory should be.
    fs_err::write(dir.path().join("cache"), "").unwrap();
    let (out, stdout, _) = run(doctor(
        dir.path(),
        &["--mirror", "http://127.0.0.1:9/debian"],
    ));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("fail  cache dir: cannot create"),
        "{stdout}"
    );
    assert!(stdout.contains("fix: set CROSSROOT_CACHE_DIR"), "{stdout}");
}
