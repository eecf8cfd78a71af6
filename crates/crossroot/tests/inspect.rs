//! `crossroot inspect` run as a user runs it, on the fixtures of crossroot-inspect
//! (`crates/crossroot-inspect/tests/fixtures`, rebuilt by `make.sh` there).
//!
//! Snapshots live in `tests/snapshots/`; paths that vary (temp dirs, the fixture dir) are
//! filtered, so snapshots of binaries built elsewhere (e.g. by crossroot itself) can be added
//! with [`snapshot_settings`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crossroot-inspect/tests/fixtures")
}

/// Run `crossroot inspect ARGS` in the fixture directory.
fn inspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossroot"))
        .arg("inspect")
        .args(args)
        .current_dir(fixtures())
        .env_remove("CI")
        .output()
        .expect("run crossroot")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// insta settings with filters for paths that differ between machines.
fn snapshot_settings(extra: &[(&Path, &str)]) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    for (path, name) in extra {
        settings.add_filter(&regex::escape(&path.display().to_string()), *name);
    }
    let fixtures = fixtures().canonicalize().expect("fixture directory");
    settings.add_filter(
        &regex::escape(&fixtures.display().to_string()),
        "[FIXTURES]",
    );
    settings
}

/// The cross-built fixtures: one per architecture the issue names.
const CROSS: &[&str] = &[
    "aarch64-gnu",
    "armv7-gnueabihf",
    "arm-softfloat-static",
    "riscv64-gnu",
    "s390x-gnu",
    "x86_64-musl-static",
    "aarch64-static-pie",
];

#[test]
fn human_report_per_fixture() {
    let settings = snapshot_settings(&[]);
    for name in CROSS.iter().chain(&["glibc236", "cxx", "libfixture.so.1"]) {
        let o = inspect(&[name]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{name}");
        settings.bind(|| insta::assert_snapshot!(format!("human-{name}"), stdout(&o)));
    }
}

#[test]
fn human_report_shows_what_the_issue_asks_for() {
    let o = inspect(&[
        "armv7-gnueabihf",
        "s390x-gnu",
        "x86_64-musl-static",
        "riscv64-gnu",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("arm:         EABI5, hard-float, ARMv7-A"),
        "{out}"
    );
    assert!(
        out.contains("s390x-gnu: ELF64 big-endian S/390, PIE executable"),
        "{out}"
    );
    assert!(out.contains("x86_64-musl-static: ELF64 little-endian x86-64, static executable"));
    assert!(out.contains("libc:        musl"));
    assert!(out.contains("riscv:       double-float ABI, RVC"));
}

#[test]
fn json_report_snapshot() {
    let o = inspect(&[
        "--json",
        "aarch64-gnu",
        "armv7-gnueabihf",
        "x86_64-musl-static",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    snapshot_settings(&[]).bind(|| insta::assert_snapshot!("json-three-fixtures", stdout(&o)));
}

/// The key structure of `actual` must equal the documented example's, recursively (null and
/// empty arrays in either stand for "any").
fn same_shape(doc: &serde_json::Value, actual: &serde_json::Value, at: &str) {
    use serde_json::Value::*;
    match (doc, actual) {
        (Object(d), Object(a)) => {
            let dk: Vec<_> = d.keys().collect();
            let ak: Vec<_> = a.keys().collect();
            assert_eq!(dk, ak, "keys of {at}");
            for (k, v) in d {
                same_shape(v, &a[k], &format!("{at}.{k}"));
            }
        }
        (Array(d), Array(a)) => {
            if let (Some(d0), Some(a0)) = (d.first(), a.first()) {
                for item in a {
                    same_shape(d0, item, &format!("{at}[]"));
                }
                let _ = a0;
            }
        }
        (Null, _) | (_, Null) => {}
        (d, a) => assert_eq!(
            std::mem::discriminant(d),
            std::mem::discriminant(a),
            "type of {at}: documented {d}, got {a}"
        ),
    }
}

#[test]
fn json_output_has_the_documented_shape() {
    let doc = fs_err::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/inspect-json.md"),
    )
    .unwrap();
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("docs/inspect-json.md has a json example");
    let documented: serde_json::Value = serde_json::from_str(example).unwrap();

    let root = tempfile::tempdir().unwrap();
    let lib = root.path().join("lib/arm-linux-gnueabihf");
    fs_err::create_dir_all(&lib).unwrap();
    std::fs::copy(fixtures().join("armv7-gnueabihf"), lib.join("libc.so.6")).unwrap();
    let sysroot = root.path().to_str().unwrap();
    let o = inspect(&[
        "armv7-gnueabihf",
        "not-elf-pe.exe",
        "--expect-target",
        "armhf",
        "--glibc",
        "2.31",
        "--sysroot",
        sysroot,
        "--json",
    ]);
    let actual: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(actual["schema"], 1);
    same_shape(&documented, &actual, "$");
    // Every fixture, read or not, has the same shape too.
    for name in CROSS
        .iter()
        .chain(&["glibc236", "cxx", "libfixture.so.1", "host-true"])
    {
        let o = inspect(&["--json", name]);
        let one: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        same_shape(
            &documented["files"][0]["elf"],
            &one["files"][0]["elf"],
            name,
        );
    }
}

#[test]
fn expect_target_match_exits_zero() {
    for (file, target) in [
        ("aarch64-gnu", "aarch64-unknown-linux-gnu"),
        ("aarch64-gnu", "arm64"),
        ("armv7-gnueabihf", "armhf"),
        ("arm-softfloat-static", "armel"),
        ("riscv64-gnu", "riscv64"),
        ("s390x-gnu", "s390x"),
        ("x86_64-musl-static", "x86_64-unknown-linux-musl"),
        ("glibc236", "amd64"),
    ] {
        let o = inspect(&[file, "--expect-target", target]);
        assert!(o.status.success(), "{file} vs {target}: {}", stderr(&o));
        assert!(stdout(&o).contains("expected:    fits"), "{file}");
    }
}

#[test]
fn expect_target_mismatch_names_the_property() {
    for (file, target, says) in [
        (
            "armv7-gnueabihf",
            "armel",
            "float ABI: the target has soft-float, the file has hard-float",
        ),
        (
            "arm-softfloat-static",
            "armhf",
            "float ABI: the target has hard-float, the file has soft-float",
        ),
        (
            "s390x-gnu",
            "ppc64el",
            "endianness: the target has little-endian, the file has big-endian",
        ),
        (
            "aarch64-gnu",
            "armhf",
            "class: the target has ELF32, the file has ELF64",
        ),
        (
            "x86_64-musl-static",
            "x86_64-unknown-linux-gnu",
            "libc: the target has glibc, the file has musl",
        ),
        (
            "riscv64-gnu",
            "aarch64",
            "machine: the target has AArch64, the file has RISC-V",
        ),
    ] {
        let o = inspect(&[file, "--expect-target", target]);
        assert_eq!(o.status.code(), Some(1), "{file} vs {target}");
        let err = stderr(&o);
        assert!(err.contains(says), "{file} vs {target}: {err}");
        assert!(
            err.starts_with(&format!("error: `{file}` does not fit `")),
            "{err}"
        );
    }
}

#[test]
fn glibc_floor_violation_names_the_symbols() {
    let o = inspect(&["glibc236", "--glibc", "2.31"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: `glibc236` needs glibc 2.36, newer than 2.31: arc4random@GLIBC_2.36 (libc.so.6), \
         __libc_start_main@GLIBC_2.34 (libc.so.6)\n"
    );
    assert!(stdout(&o).contains("glibc floor: 2.31: needs 2.36"));

    let o = inspect(&["glibc236", "--glibc", "2.36"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // A floor on the expected target counts as --glibc.
    let o = inspect(&[
        "aarch64-gnu",
        "--expect-target",
        "aarch64-unknown-linux-gnu.2.31",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("__libc_start_main@GLIBC_2.34 (libc.so.6)"));

    // Static musl binaries need no glibc.
    let o = inspect(&["x86_64-musl-static", "--glibc", "2.17"]);
    assert!(o.status.success());
}

#[test]
fn bad_glibc_version_is_a_usage_error_with_a_hint() {
    let o = inspect(&["glibc236", "--glibc", "two"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: invalid glibc version `two`\n  hint: write it as `2.31`\n"
    );
}

#[test]
fn non_elf_inputs_get_one_line_each_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.bin");
    fs_err::write(&garbage, [0x13u8, 0x37, 0x00, 0xff, 0x80, 0x01, 0x02, 0x03]).unwrap();
    let empty = dir.path().join("empty");
    fs_err::write(&empty, b"").unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            "not-elf-pe.exe".into(),
            "`not-elf-pe.exe` is an MZ file but not a PE image",
        ),
        (
            "not-elf-macho".into(),
            "`not-elf-macho` is a 64-bit Mach-O (macOS) binary, not ELF",
        ),
        (
            "not-elf.wasm".into(),
            "`not-elf.wasm` is a WebAssembly module, not ELF",
        ),
        (
            "not-elf.txt".into(),
            "`not-elf.txt` is a text file, not ELF",
        ),
        ("make.sh".into(), "`make.sh` is a script, not ELF"),
        (
            "truncated-elf".into(),
            "`truncated-elf`: truncated ELF: section headers extend past end of file (1716 bytes)",
        ),
        ("src".into(), "`src` is a directory, not an ELF file"),
        ("no-such-file".into(), "`no-such-file` does not exist"),
        ("/dev/zero".into(), "`/dev/zero` is not a regular file"),
        (
            garbage.display().to_string(),
            "is unrecognised data, not ELF",
        ),
        (empty.display().to_string(), "is empty, not ELF"),
    ];
    for (file, says) in &cases {
        let o = inspect(&[file]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{file}");
        assert!(!err.contains("panicked"), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(err.starts_with("error: "), "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
        assert_eq!(stdout(&o), "", "{file}");
    }
    // All at once: every one reported, still one line each.
    let files: Vec<&str> = cases.iter().map(|(f, _)| f.as_str()).collect();
    let o = inspect(&files);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o).lines().count(), cases.len());
}

#[test]
fn several_files_report_all_and_fail_if_any_failed() {
    let o = inspect(&["aarch64-gnu", "not-elf.txt", "s390x-gnu"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("aarch64-gnu: ELF64 little-endian AArch64"));
    assert!(out.contains("s390x-gnu: ELF64 big-endian S/390"));
    assert_eq!(stderr(&o), "error: `not-elf.txt` is a text file, not ELF\n");

    let o = inspect(&["--json", "aarch64-gnu", "not-elf.txt"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["files"][0]["ok"], true);
    assert_eq!(v["files"][1]["elf"], serde_json::Value::Null);
}

#[test]
fn sysroot_lookup_flags_what_is_missing() {
    let root = tempfile::tempdir().unwrap();
    let lib = root.path().join("usr/lib/aarch64-linux-gnu");
    fs_err::create_dir_all(&lib).unwrap();
    std::fs::copy(fixtures().join("aarch64-gnu"), lib.join("libc.so.6")).unwrap();
    let sysroot = root.path().canonicalize().unwrap();
    let settings = snapshot_settings(&[(&sysroot, "[SYSROOT]")]);

    // Loader missing: non-zero, and both the report and the error say which.
    let o = inspect(&["aarch64-gnu", "--sysroot", sysroot.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    settings.bind(|| {
        insta::assert_snapshot!(
            "sysroot-missing-loader",
            format!("{}---\n{}", stdout(&o), stderr(&o))
        )
    });

    // Add the loader as Debian ships it (an absolute symlink): everything resolves.
    std::os::unix::fs::symlink(
        "/usr/lib/aarch64-linux-gnu/libc.so.6",
        sysroot.join("usr/lib/ld-linux-aarch64.so.1"),
    )
    .unwrap();
    std::os::unix::fs::symlink("usr/lib", sysroot.join("lib")).unwrap();
    let o = inspect(&[
        "aarch64-gnu",
        "--target",
        "arm64",
        "--sysroot",
        sysroot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("libc.so.6 => "));

    // A library of another architecture is flagged, not accepted.
    let o = inspect(&[
        "armv7-gnueabihf",
        "--target",
        "armhf",
        "--sysroot",
        sysroot.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/lib/ld-linux-armhf.so.3 (missing), libc.so.6 (missing)"));
}

/// `--target` without `--sysroot` uses the target's provisioned sysroot; offline with an empty
/// cache that cannot be had, and the error says how to point at a tree instead.
#[test]
fn target_without_sysroot_offline_and_uncached_says_what_to_do() {
    let cache = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_crossroot"))
        .args(["--offline", "inspect", "aarch64-gnu", "--target", "arm64"])
        .current_dir(fixtures())
        .env("CROSSROOT_CACHE_DIR", cache.path())
        .env_remove("CI")
        .output()
        .expect("run crossroot");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("could not provision the sysroot of `aarch64-unknown-linux-gnu`"),
        "{err}"
    );
    assert!(err.contains("pass `--sysroot <DIR>`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
