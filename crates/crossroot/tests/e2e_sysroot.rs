//! End to end against the real Debian mirror (found through crossroot's own discovery: flag,
//! `CROSSROOT_MIRROR`, config, or the host's apt sources). Runs only with `CROSSROOT_E2E=1`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn enabled(name: &str) -> bool {
    let on = std::env::var("CROSSROOT_E2E").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("skipping {name}: set CROSSROOT_E2E=1 to run tests against the real mirror");
    }
    on
}

/// Run `crossroot sysroot add` with a fresh cache in `cache` (a cold run, as a user's first).
fn add(cache: &Path, args: &[&str]) -> PathBuf {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossroot"))
        .current_dir(work.path())
        .env("CROSSROOT_CACHE_DIR", cache)
        // The release alone: the update suites are `e2e_security`'s.
        .env("CROSSROOT_UPDATES", "0")
        .args(["sysroot", "add"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "crossroot sysroot add {args:?}:\n{stderr}"
    );
    eprintln!("{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(stdout.lines().last().unwrap().trim())
}

fn e_machine(path: &Path) -> u16 {
    let bytes = fs_err::read(path).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF", "{path:?} is not an ELF file");
    assert_eq!(bytes[5], 1, "little-endian expected");
    u16::from_le_bytes([bytes[18], bytes[19]])
}

fn assert_no_escaping_symlinks(root: &Path) {
    let real_root = std::fs::canonicalize(root).unwrap();
    let mut stack = vec![root.to_path_buf()];
    let mut links = 0;
    while let Some(d) = stack.pop() {
        for e in fs_err::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_symlink() {
                links += 1;
                let target = fs_err::read_link(e.path()).unwrap();
                assert!(!target.is_absolute(), "{:?} -> {target:?}", e.path());
                if let Ok(real) = std::fs::canonicalize(e.path()) {
                    assert!(
                        real.starts_with(&real_root),
                        "{:?} leads to {real:?}",
                        e.path()
                    );
                }
            }
        }
    }
    assert!(links > 0);
}

#[test]
fn arm64_libssl_dev_sysroot() {
    if !enabled("arm64_libssl_dev_sysroot") {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let root = add(cache.path(), &["--target", "aarch64-linux", "libssl-dev"]);
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    let libssl = std::fs::canonicalize(root.join("usr/lib/aarch64-linux-gnu/libssl.so")).unwrap();
    assert!(
        libssl.starts_with(std::fs::canonicalize(&root).unwrap()),
        "{libssl:?}"
    );
    let spec = crossroot_target::parse("aarch64-linux").unwrap().spec;
    assert_eq!(
        e_machine(&libssl),
        spec.elf_machine,
        "libssl.so is not an aarch64 ELF"
    );
    assert!(root.join("usr/lib/aarch64-linux-gnu/crt1.o").is_file());
    assert!(root.join("usr/lib/aarch64-linux-gnu/libc.so").is_file());
    // bookworm's absolute libm.so link must resolve inside the sysroot (else lld links libm.a).
    let libm = std::fs::canonicalize(root.join("usr/lib/aarch64-linux-gnu/libm.so")).unwrap();
    assert!(
        libm.starts_with(std::fs::canonicalize(&root).unwrap()),
        "{libm:?}"
    );
    assert_no_escaping_symlinks(&root);
}

#[test]
fn riscv64_trixie_base_sysroot() {
    if !enabled("riscv64_trixie_base_sysroot") {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let root = add(
        cache.path(),
        &["--target", "riscv64gc-unknown-linux-gnu", "linux-libc-dev"],
    );
    assert!(root.to_string_lossy().contains("/trixie/"), "{root:?}");
    // The loader path the ELF interpreter names resolves inside the (merged-/usr) sysroot.
    let spec = crossroot_target::parse("riscv64").unwrap().spec;
    let loader = root.join(spec.loader.trim_start_matches('/'));
    let real = std::fs::canonicalize(&loader).unwrap();
    assert!(
        real.starts_with(std::fs::canonicalize(&root).unwrap()),
        "{real:?}"
    );
    assert_eq!(e_machine(&real), spec.elf_machine);
    assert!(root.join("usr/lib/riscv64-linux-gnu/crt1.o").is_file());
    assert_no_escaping_symlinks(&root);
}
