//! Mirror URLs that cannot work: each gives an `error:` naming where the URL came from, with a
//! hint, a non-zero exit and never a panic; a password in the URL is never printed back.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");

/// The binary with a private cache and an empty apt root, run in `cwd` with `env` set.
fn run(cwd: &Path, env: &[(&str, &OsStr)], args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CROSSROOT_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cwd.join("cache"))
        .env("CROSSROOT_APT_ROOT", cwd.join("no-apt"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn malformed_mirror_flags_are_clear_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    // (URL, what the error says is wrong)
    let cases = [
        ("http:/éx", "needs `//` and a host after the scheme"),
        ("http://", "has no host"),
        (
            "ftp://mirror.invalid/debian",
            "has a scheme crossroot cannot fetch",
        ),
        ("mirror.invalid/debian", "has no scheme"),
        ("file:debian", "has a relative path"),
        ("file://srv/debian", "names a host"),
        ("http://mirror.invalid:70000/debian", "has an invalid port"),
        ("", "is empty"),
    ];
    for (url, problem) in cases {
        let out = run(
            dir.path(),
            &[],
            &["--mirror", url, "sysroot", "path", "--target", "arm64"],
        );
        assert_eq!(out.status.code(), Some(1), "{url}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("error: mirror `{url}` (from --mirror) {problem}")),
            "{url}: {err}"
        );
        assert!(err.contains("hint:"), "{url}: {err}");
    }
}

#[test]
fn malformed_mirror_from_environment_and_config_names_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[("CROSSROOT_MIRROR", OsStr::new("http:/éx"))],
        &["sysroot", "path", "--target", "arm64"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: mirror `http:/éx` (from CROSSROOT_MIRROR)"),
        "{}",
        stderr(&out)
    );

    fs_err::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\n[package.metadata.crossroot]\nmirror = \"file:./debian\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &[], &["sysroot", "path", "--target", "arm64"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("(from `mirror` in ") && err.contains("Cargo.toml) has a relative path"),
        "{err}"
    );
    assert!(err.contains("file:///absolute/path"), "{err}");
}

#[test]
fn a_password_in_a_bad_mirror_is_not_printed_back() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "http://user:s3cret@mirror.invalid:99999/debian",
        "http://user:s3/cret@mirror.invalid/debian",
        "user:s3cret@mirror.invalid/debian",
    ] {
        let out = run(
            dir.path(),
            &[],
            &[
                "-v", "--mirror", url, "sysroot", "path", "--target", "arm64",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{url}");
        let err = stderr(&out);
        assert!(err.starts_with("error: mirror `"), "{err}");
        assert!(err.contains("***@mirror.invalid"), "{err}");
        assert!(!err.contains("s3") && !err.contains("user:"), "{err}");
    }
}

#[test]
fn an_unreachable_mirror_with_a_password_is_shown_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[],
        &[
            "-v",
            "--mirror",
            "http://user:s3cret@127.0.0.1:9/debian",
            "sysroot",
            "path",
            "--target",
            "arm64",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("mirror http://***@127.0.0.1:9/debian (from --mirror)"),
        "{err}"
    );
    assert!(
        err.contains("error: cannot reach `http://***@127.0.0.1:9/debian/dists/"),
        "{err}"
    );
    assert!(!err.contains("s3cret") && !err.contains("user:"), "{err}");
}

#[cfg(unix)]
#[test]
fn variables_that_are_not_utf8_are_errors_naming_them() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let bad = OsStr::from_bytes(b"/srv/\xffdebian");
    for var in ["CROSSROOT_MIRROR", "CROSSROOT_CACHE_DIR"] {
        let out = run(
            dir.path(),
            &[(var, bad)],
            &["sysroot", "path", "--target", "arm64"],
        );
        assert_eq!(out.status.code(), Some(1), "{var}");
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: the environment variable `{var}` is set to a value that is not UTF-8"
            )),
            "{err}"
        );
        assert!(err.contains("hint:"), "{err}");
    }
}
