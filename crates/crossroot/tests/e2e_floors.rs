//! End-to-end: glibc floors older than every Debian release. `crossroot test --target T.2.17`
//! builds against the oldest release carrying the architecture (bullseye), links against
//! link-only stubs of its glibc, runs the tests under QEMU (natively for the host) against the
//! release's real glibc, and `crossroot inspect --glibc 2.17` accepts every test binary. A call
//! newer than the floor fails with a message naming it and the glibc that introduced it.
//!
//! Needs the network (the Debian mirror from the host's apt sources, rustup) and QEMU, so it
//! runs only with `CROSSROOT_E2E=1`; it shares the e2e cache and target dir (see
//! `e2e_support`).

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

mod e2e_support;
use e2e_support::{crossroot, e2e_dir, enabled, example, passed_counts, show, text};

static SERIAL: Mutex<()> = Mutex::new(());

/// The test binaries cargo ran: `Running unittests src/lib.rs (<path>)`.
fn test_binaries(o: &Output, cwd: &Path) -> Vec<PathBuf> {
    text(&o.stderr)
        .lines()
        .filter(|l| l.trim_start().starts_with("Running "))
        .filter_map(|l| {
            let inner = l.rsplit_once('(')?.1.strip_suffix(')')?;
            Some(cwd.join(inner))
        })
        .collect()
}

/// `crossroot test --target <target>` on `ex` passes with `want` tests per binary, and
/// `inspect --glibc <floor>` accepts every test binary it ran.
fn floor_test(target: &str, floor: &str, ex: &str, want: &[u32]) {
    floor_test_with(target, floor, ex, want, &[]);
}

/// [`floor_test`] with extra crossroot arguments (which get their own target dir, so their
/// link flags do not rebuild the shared one); returns the test binaries it checked.
fn floor_test_with(
    target: &str,
    floor: &str,
    ex: &str,
    want: &[u32],
    extra: &[&str],
) -> Vec<PathBuf> {
    let dir = example(ex);
    let mut cmd = crossroot();
    if !extra.is_empty() {
        cmd.env("CARGO_TARGET_DIR", e2e_dir().join("target-floor-extra"));
    }
    let o = cmd
        .current_dir(&dir)
        .args(["test", "--target", target])
        .args(extra)
        .output()
        .expect("run crossroot test");
    assert!(o.status.success(), "{ex} on {target}: {}", show(&o));
    assert_eq!(passed_counts(&o), want, "{ex} on {target}: {}", show(&o));
    // crossroot's own floor check reports only what this run linked; `inspect` below checks
    // every binary, rebuilt or not.
    let err = text(&o.stderr);
    let bins = test_binaries(&o, &dir);
    assert!(
        !bins.is_empty(),
        "{ex} on {target}: no test binary in {err}"
    );
    let o = crossroot()
        .current_dir(&dir)
        .args(["inspect", "--glibc", floor])
        .args(&bins)
        .output()
        .expect("run crossroot inspect");
    assert_eq!(o.status.code(), Some(0), "{ex} on {target}: {}", show(&o));
    eprintln!(
        "ok: {ex} on {target}: {want:?} tests passed, {} binaries run on glibc {floor}",
        bins.len()
    );
    bins
}

#[test]
fn aarch64_floor_2_17_under_qemu() {
    if !enabled("aarch64_floor_2_17_under_qemu") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let target = "aarch64-unknown-linux-gnu.2.17";
    floor_test(target, "2.17", "hello-threads", &[3, 0, 1]);
    floor_test(target, "2.17", "cc-libm", &[3, 0]);
}

/// C code whose Rust side bindgen generates (libclang) builds and passes under a floor: the
/// stubs only change the link, never the headers bindgen reads.
#[test]
fn bindgen_under_a_floor() {
    if !enabled("bindgen_under_a_floor") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    floor_test(
        "aarch64-unknown-linux-gnu.2.17",
        "2.17",
        "bindgen-layout",
        &[2, 0],
    );
}

/// `--static-deps` together with a floor: bullseye's `libz.a`, `libssl.a`/`libcrypto.a` and
/// `libsqlite3.a` are linked in, their own glibc symbols stay within 2.17 (the floor check covers them),
/// and nothing outside glibc is left in NEEDED.
#[test]
fn static_deps_under_a_floor() {
    if !enabled("static_deps_under_a_floor") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // bullseye's libsqlite3.a calls `fcntl64` (2.28): the floor's compat object serves it.
    for (target, ex, libs) in [
        ("aarch64-unknown-linux-gnu.2.17", "zlib-sys", &["libz"][..]),
        (
            "aarch64-unknown-linux-gnu.2.17",
            "openssl-sys",
            &["libssl", "libcrypto"][..],
        ),
        (
            "aarch64-unknown-linux-gnu.2.17",
            "sqlite-sys",
            &["libsqlite3", "libz"][..],
        ),
        (
            "armv7-unknown-linux-gnueabihf.2.17",
            "sqlite-sys",
            &["libsqlite3", "libz"][..],
        ),
    ] {
        let bins = floor_test_with(target, "2.17", ex, &[2, 0], &["--static-deps"]);
        for bin in bins {
            let o = crossroot()
                .args(["inspect", "--json", "--target", target])
                .arg(&bin)
                .output()
                .expect("run crossroot inspect");
            assert!(o.status.success(), "{}", show(&o));
            let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
            let file = &doc["files"][0];
            let needed = file["elf"]["needed"].to_string();
            assert!(
                !libs.iter().any(|l| needed.contains(l)),
                "{ex}: {libs:?} must be linked statically: {needed}"
            );
            assert_eq!(
                file["runs_on"]["outside_glibc"],
                serde_json::json!([]),
                "{ex}"
            );
        }
    }
}

/// C code that locks a file with `fcntl` on 32-bit targets: crossroot compiles it with
/// `_FILE_OFFSET_BITS=64`, so bullseye's headers turn the call into `fcntl64` (glibc 2.28).
/// Under `.2.17` the floor's forced-include header binds it to the old `fcntl` (same ABI): the
/// link succeeds, the binary runs on 2.17, and the locks work against the real glibc.
#[test]
fn fcntl_on_32_bit_below_2_28() {
    if !enabled("fcntl_on_32_bit_below_2_28") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs_err::create_dir_all(root.join("src")).expect("mkdir");
    for (name, body) in [
        (
            "Cargo.toml",
            "[package]\nname = \"fcntl-floor\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [workspace]\n\n[build-dependencies]\ncc = \"1\"\n",
        ),
        (
            "build.rs",
            "fn main() { cc::Build::new().file(\"lock.c\").compile(\"lock\"); }\n",
        ),
        (
            "lock.c",
            "#include <fcntl.h>\n#include <stdio.h>\n#include <unistd.h>\n\
             int lock_and_query(void) {\n\
             \x20   FILE *f = tmpfile();\n\
             \x20   if (!f) return -1;\n\
             \x20   int fd = fileno(f);\n\
             \x20   struct flock l = {0};\n\
             \x20   l.l_type = F_WRLCK; l.l_whence = SEEK_SET;\n\
             \x20   if (fcntl(fd, F_SETLK, &l) != 0) return -2;\n\
             \x20   l.l_type = F_WRLCK;\n\
             \x20   if (fcntl(fd, F_GETLK, &l) != 0) return -3;\n\
             \x20   if (l.l_type != F_UNLCK) return -4;\n\
             \x20   return fcntl(fd, F_GETFL) >= 0 ? 1 : -5;\n}\n",
        ),
        (
            "src/lib.rs",
            "extern \"C\" {\n    fn lock_and_query() -> i32;\n}\n\n\
             #[test]\nfn locks_a_file() {\n    assert_eq!(unsafe { lock_and_query() }, 1);\n}\n",
        ),
    ] {
        fs_err::write(root.join(name), body).expect("write the crate");
    }
    for target in [
        "armv7-unknown-linux-gnueabihf.2.17",
        "i686-unknown-linux-gnu.2.17",
    ] {
        let o = crossroot()
            .current_dir(root)
            .env("CARGO_TARGET_DIR", root.join("target"))
            .args(["test", "--target", target])
            .output()
            .expect("run crossroot test");
        assert!(o.status.success(), "{target}: {}", show(&o));
        assert_eq!(passed_counts(&o), [1, 0], "{target}: {}", show(&o));
        let bins = test_binaries(&o, root);
        assert!(!bins.is_empty(), "{target}: {}", show(&o));
        let o = crossroot()
            .args(["inspect", "--glibc", "2.17"])
            .args(&bins)
            .output()
            .expect("run crossroot inspect");
        assert_eq!(o.status.code(), Some(0), "{target}: {}", show(&o));
        eprintln!("ok: fcntl locks from C on {target}");
    }
}

/// 32-bit ARM: the same stubs, derived from armhf's own bullseye glibc (whose oldest symbol
/// version is GLIBC_2.4, not x86_64's GLIBC_2.2.5).
#[test]
fn armv7_floors_under_qemu() {
    if !enabled("armv7_floors_under_qemu") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let t217 = "armv7-unknown-linux-gnueabihf.2.17";
    let t228 = "armv7-unknown-linux-gnueabihf.2.28";
    floor_test(t217, "2.17", "hello-threads", &[3, 0, 1]);
    floor_test(t228, "2.28", "hello-threads", &[3, 0, 1]);
    floor_test(t228, "2.28", "cc-libm", &[3, 0]);
}

/// The host's own triple with a floor runs natively, against the host's (newer) glibc, while
/// the linker is pinned to the bullseye sysroot and the stubs.
#[test]
fn x86_64_floor_2_17_runs_natively() {
    if !enabled("x86_64_floor_2_17_runs_natively") {
        return;
    }
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("note: skipping: the host is not x86_64");
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let target = "x86_64-unknown-linux-gnu.2.17";
    let outside = tempfile::tempdir().expect("tempdir");
    let o = crossroot()
        .current_dir(outside.path())
        .args(["env", "--target", target, "--format", "json"])
        .output()
        .expect("run crossroot env");
    assert!(o.status.success(), "{}", show(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let env = &doc["env"];
    assert!(
        env.get("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER")
            .is_none(),
        "no runner for the host's own architecture: {env}"
    );
    let linker = env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"]
        .as_str()
        .expect("a linker");
    let wrapper = fs_err::read_to_string(linker).expect("the linker wrapper");
    assert!(wrapper.contains("/bullseye/"), "{wrapper}");
    assert!(
        wrapper.contains("-L") && wrapper.contains("/glibc-stubs-v3/"),
        "{wrapper}"
    );

    floor_test(target, "2.17", "hello-threads", &[3, 0, 1]);
    floor_test(target, "2.17", "cc-libm", &[3, 0]);
}

/// `getrandom` (Rust, through the `libc` crate) and `getentropy` (C, through cc-rs) are glibc
/// 2.25: under `.2.17` the link fails naming both and 2.25; under `.2.25` the tests pass.
#[test]
fn a_function_newer_than_the_floor_is_named() {
    if !enabled("a_function_newer_than_the_floor_is_named") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = example("glibc-getrandom");
    let o = crossroot()
        .current_dir(&dir)
        .args(["test", "--target", "aarch64-unknown-linux-gnu.2.17"])
        .output()
        .expect("run crossroot test");
    assert!(
        !o.status.success(),
        "linked although getrandom is 2.25: {}",
        show(&o)
    );
    let err = text(&o.stderr);
    for want in [
        "error: 2 symbols the link needs are newer than the floor 2.17:",
        "`getrandom` needs glibc 2.25 (`getrandom@GLIBC_2.25` in `libc.so.6`), newer than the floor 2.17",
        "`getentropy` needs glibc 2.25 (`getentropy@GLIBC_2.25` in `libc.so.6`), newer than the floor 2.17",
        "hint: raise the floor to 2.25 (`--target aarch64-unknown-linux-gnu.2.25`)",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
    floor_test(
        "aarch64-unknown-linux-gnu.2.25",
        "2.25",
        "glibc-getrandom",
        &[3, 0],
    );
}
