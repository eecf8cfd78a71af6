//! `crossroot targets` and `crossroot targets --json`, run as a user would run them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crossroot_target::TARGETS;

/// The binary with a private cache, no CROSSROOT_* settings from the caller, run in `cwd`.
fn crossroot(bin: &str, cwd: &Path, cache: &Path) -> Command {
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CROSSROOT_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cache)
        .env("CROSSROOT_APT_ROOT", cwd.join("no-apt"))
        .env_remove("CI");
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");
const CARGO_BIN: &str = env!("CARGO_BIN_EXE_cargo-crossroot");

#[test]
fn targets_lists_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crossroot(BIN, dir.path(), &dir.path().join("cache"));
    cmd.arg("targets");
    let out = run(cmd);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for spec in TARGETS {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(spec.triple))
            .unwrap_or_else(|| panic!("{} missing:\n{stdout}", spec.triple));
        assert!(line.contains(spec.debian_arch), "{line}");
        assert!(line.contains(spec.qemu), "{line}");
        assert!(line.contains(spec.loader), "{line}");
    }
    // The host-dependent columns (std installed, runner, sysroot) are masked; the facts are not.
    insta::with_settings!({filters => vec![
        (r"(?m)(yes|no|\?) +(native|none|wine|qemu \(host\)|qemu \(cache\)) +(yes|no)$", "[STD] [RUNNER] [SYSROOT]"),
        (r"STD +RUNNER +SYSROOT", "STD RUNNER SYSROOT"),
    ]}, {
        insta::assert_snapshot!("targets_table", stdout);
    });
}

const JSON_KEYS: &[&str] = &[
    "aliases",
    "debian_arch",
    "default_release",
    "elf_class",
    "endian",
    "float_abi",
    "libc",
    "loader",
    "lowest_floor",
    "lowest_floor_release",
    "min_glibc",
    "multiarch",
    "os",
    "pe_machine",
    "qemu",
    "qemu_available",
    "qemu_path",
    "qemu_source",
    "releases",
    "runner_kind",
    "runs_natively",
    "rust_std_installed",
    "sysroot_cached",
    "triple",
];

#[test]
fn targets_json_is_valid_with_stable_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crossroot(BIN, dir.path(), &dir.path().join("cache"));
    cmd.args(["targets", "--json"]);
    let out = run(cmd);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), TARGETS.len());
    for (row, spec) in rows.iter().zip(TARGETS) {
        let obj = row.as_object().expect("objects");
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, JSON_KEYS, "keys of {}", spec.triple);
        assert_eq!(obj["triple"], spec.triple);
        assert_eq!(obj["debian_arch"], spec.debian_arch);
        let releases: Vec<&str> = spec.releases.iter().map(|r| r.name()).collect();
        assert_eq!(obj["releases"], serde_json::json!(releases));
        assert_eq!(obj["sysroot_cached"], false, "empty cache: {}", spec.triple);
    }
}

/// A PATH with only the Rust toolchain on it, so no host QEMU is found.
fn toolchain_only_path() -> PathBuf {
    let cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .expect("cargo sets CARGO");
    cargo.parent().expect("cargo's directory").to_path_buf()
}

/// A finished tree as the archive crate leaves it, built for `requested`; returns its `root/`.
fn fake_tree(
    parent: &Path,
    name: &str,
    arch: &str,
    requested: &str,
    filter: Option<String>,
) -> PathBuf {
    let hash = "0123456789abcdef";
    let dir = parent.join(hash);
    fs_err::create_dir_all(dir.join("root")).expect("tree dir");
    fs_err::write(
        dir.join("manifest.json"),
        format!(
            r#"{{"format":2,"name":"{name}","release":"bookworm","arch":"{arch}","requested":[{requested}],"packages":[],"filter":{}}}"#,
            filter.map_or("null".to_string(), |f| format!("\"{f}\""))
        ),
    )
    .expect("manifest");
    fs_err::write(parent.join("current"), hash).expect("current");
    dir.join("root")
}

#[test]
fn targets_sees_cached_sysroots_and_qemu() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // The archive crate's layout: `<bucket>/<triple or tool>/<release>/` holds `current`, naming
    // the hash directory with `manifest.json` (written last) and `root/`.
    fake_tree(
        &cache.join("sysroots-v1/s390x-unknown-linux-gnu/bookworm"),
        "s390x-unknown-linux-gnu",
        "s390x",
        "",
        None,
    );
    // An unfinished sysroot (no manifest, no `current`) does not count.
    fs_err::create_dir_all(cache.join("sysroots-v1/aarch64-unknown-linux-gnu/bookworm/4567/root"))
        .unwrap();
    // One QEMU tree per QEMU binary (`qemu-s390x`), holding just that binary.
    let root = fake_tree(
        &cache.join("tools-v1/qemu-s390x-amd64-bookworm"),
        "qemu-s390x",
        "amd64",
        r#""qemu-user-static""#,
        crossroot_archive::PathFilter::parse(&crossroot_runner::qemu_tree_filter(
            crossroot_target::by_triple("s390x-unknown-linux-gnu").unwrap(),
        ))
        .unwrap()
        .fingerprint(),
    );
    let bin = root.join("usr/bin");
    fs_err::create_dir_all(&bin).unwrap();
    fs_err::write(bin.join("qemu-s390x-static"), "").unwrap();

    let mut cmd = crossroot(BIN, dir.path(), &cache);
    cmd.args(["targets", "--json"])
        .env("PATH", toolchain_only_path());
    let out = run(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |triple: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["triple"] == triple)
            .unwrap()
            .clone()
    };
    let s390x = row("s390x-unknown-linux-gnu");
    assert_eq!(s390x["sysroot_cached"], true);
    assert_eq!(s390x["qemu_available"], true);
    assert_eq!(s390x["qemu_source"], "cache");
    assert_eq!(
        s390x["qemu_path"],
        bin.join("qemu-s390x-static").display().to_string()
    );
    let aarch64 = row("aarch64-unknown-linux-gnu");
    assert_eq!(aarch64["sysroot_cached"], false);
    assert_eq!(aarch64["qemu_available"], false);
    assert_eq!(aarch64["qemu_source"], serde_json::Value::Null);

    // The table says the same.
    let mut cmd = crossroot(BIN, dir.path(), &cache);
    cmd.arg("targets").env("PATH", toolchain_only_path());
    let table = text(&run(cmd).stdout);
    let line = table
        .lines()
        .find(|l| l.starts_with("s390x-unknown-linux-gnu"))
        .unwrap();
    assert!(line.ends_with("qemu (cache)  yes"), "{line}");
}

#[test]
fn cargo_subcommand_form_works() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut direct = crossroot(BIN, dir.path(), &cache);
    direct.arg("targets");
    let direct = run(direct);
    // `cargo crossroot targets` makes cargo run `cargo-crossroot crossroot targets`.
    let mut via_cargo = crossroot(CARGO_BIN, dir.path(), &cache);
    via_cargo.args(["crossroot", "targets"]);
    let via_cargo = run(via_cargo);
    assert!(via_cargo.status.success(), "{}", text(&via_cargo.stderr));
    assert_eq!(text(&via_cargo.stdout), text(&direct.stdout));
    // Run directly under its own name, it takes the same arguments as `crossroot`.
    let mut plain = crossroot(CARGO_BIN, dir.path(), &cache);
    plain.args(["targets", "--json"]);
    let plain = run(plain);
    assert!(plain.status.success());
    serde_json::from_slice::<serde_json::Value>(&plain.stdout).expect("valid JSON");
}
