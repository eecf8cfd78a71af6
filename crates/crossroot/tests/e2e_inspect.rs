//! End-to-end: `crossroot inspect` on binaries crossroot built, and glibc floors in builds.
//! Needs the network (the Debian mirror from the host's apt sources) and runs only with
//! `CROSSROOT_E2E=1`. Shares the cache, target dir and example copies of the other e2e suites
//! (`e2e_support`), so the `hello-threads` builds of `e2e_cross` are reused, not redone.

#![allow(clippy::print_stderr)]

mod e2e_support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

use e2e_support::{copy_dir, crossroot, enabled, example, show, target_dir, text};

static SERIAL: Mutex<()> = Mutex::new(());

fn run_ok(cmd: &mut std::process::Command, what: &str) -> Output {
    let o = cmd.output().expect("run crossroot");
    assert!(o.status.success(), "{what} failed\n{}", show(&o));
    o
}

fn inspect(args: &[&str], file: &Path) -> Output {
    crossroot()
        .arg("inspect")
        .args(args)
        .arg(file)
        .output()
        .expect("run crossroot inspect")
}

/// Snapshot filters for what differs between machines and toolchain versions: the target dir,
/// build-ids, the Rust std's glibc symbol list and LLVM's RISC-V ISA string.
fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(
        &regex::escape(&target_dir().display().to_string()),
        "[TARGET]",
    );
    s.add_filter(r"build-id:(\s+)[0-9a-f]+", "build-id:$1[BUILD-ID]");
    s.add_filter(r"(glibc:\s+>= 2\.\d+): .*", "$1: [SYMBOLS]");
    s.add_filter(r"RVC, rv64\S+", "RVC, [ISA]");
    s
}

/// (alias, triple, fact the report must show, a target the binary does not fit).
const TARGETS: &[(&str, &str, &str, &str)] = &[
    (
        "aarch64-linux",
        "aarch64-unknown-linux-gnu",
        "ELF64 little-endian AArch64, PIE executable",
        "armv7-linux",
    ),
    (
        "armv7-linux",
        "armv7-unknown-linux-gnueabihf",
        "EABI5, hard-float, ARMv7-A",
        "arm-unknown-linux-gnueabi",
    ),
    (
        "riscv64-linux",
        "riscv64gc-unknown-linux-gnu",
        "double-float ABI",
        "aarch64-linux",
    ),
    (
        "s390x-linux",
        "s390x-unknown-linux-gnu",
        "ELF64 big-endian S/390",
        "powerpc64le-linux",
    ),
    (
        "x86_64-musl",
        "x86_64-unknown-linux-musl",
        "static-pie executable",
        "x86_64-linux",
    ),
];

/// `hello-threads` built by crossroot for five targets: the human report (snapshot), the fact
/// each target is known for, `--expect-target` match and mismatch, `--target` resolving the
/// NEEDED libraries in the target's sysroot, and `--json`.
#[test]
fn inspect_hello_threads_built_for_five_targets() {
    if !enabled("inspect_hello_threads_built_for_five_targets") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let settings = snapshot_settings();
    for (alias, triple, fact, other) in TARGETS {
        run_ok(
            crossroot()
                .current_dir(example("hello-threads"))
                .args(["build", "--target", alias]),
            &format!("crossroot build --target {alias}"),
        );
        let bin = target_dir().join(triple).join("debug/hello-threads");

        let o = inspect(&[], &bin);
        assert!(o.status.success(), "{}", show(&o));
        let report = text(&o.stdout);
        assert!(report.contains(fact), "{alias}: no `{fact}` in\n{report}");
        assert!(
            report.contains(&format!("targets:     {triple}\n")),
            "{alias}: {report}"
        );
        settings.bind(|| insta::assert_snapshot!(format!("e2e-inspect-{triple}"), report));

        let o = inspect(&["--expect-target", alias], &bin);
        assert_eq!(o.status.code(), Some(0), "{alias}: {}", show(&o));
        assert!(text(&o.stdout).contains(&format!("fits {triple}")));

        let o = inspect(&["--expect-target", other], &bin);
        assert_eq!(o.status.code(), Some(1), "{alias} vs {other}: {}", show(&o));
        assert!(text(&o.stdout).contains("does NOT fit"), "{}", show(&o));
        assert!(text(&o.stderr).contains("does not fit"), "{}", show(&o));

        let o = inspect(&["--target", alias], &bin);
        assert_eq!(o.status.code(), Some(0), "{alias}: {}", show(&o));
        let stdout = text(&o.stdout);
        assert!(!stdout.contains("MISSING"), "{stdout}");
        if !triple.ends_with("musl") {
            assert!(stdout.contains("libc.so.6 => "), "{stdout}");
        }

        let o = inspect(&["--json", "--expect-target", alias], &bin);
        assert!(o.status.success(), "{}", show(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(doc["schema"], 1);
        assert_eq!(doc["ok"], true);
        let file = &doc["files"][0];
        assert_eq!(file["expect_target"]["target"], *triple);
        assert_eq!(file["elf"]["targets"][0], *triple);
        assert!(file["elf"]["build_id"].is_string());
    }
}

fn touch(file: &Path) {
    fs_err::File::options()
        .write(true)
        .open(file)
        .and_then(|f| f.file().set_modified(std::time::SystemTime::now()))
        .expect("touch");
}

/// `aarch64-unknown-linux-gnu.2.31`: the build uses bullseye's sysroot, passes its floor check
/// and inspect confirms GLIBC <= 2.31. Linked against bookworm instead (a linker the user set,
/// which crossroot keeps), the build fails naming the symbols — also on the no-op rebuild.
#[test]
fn floor_2_31_builds_against_bullseye_and_fails_above_it() {
    if !enabled("floor_2_31_builds_against_bullseye_and_fails_above_it") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A copy: the floor changes the project's crossroot.lock.
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("hello-threads");
    copy_dir(&example("hello-threads"), &project);
    let bin = target_dir().join("aarch64-unknown-linux-gnu/release/hello-threads");
    let build = |env: Option<(&str, &str)>| {
        let mut cmd = crossroot();
        cmd.current_dir(&project).args([
            "-v",
            "build",
            "--release",
            "--target",
            "aarch64-linux.2.31",
        ]);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        cmd.output().expect("run crossroot build")
    };

    let o = build(None);
    assert!(o.status.success(), "{}", show(&o));
    assert!(
        text(&o.stderr).contains("Checked 1 artefact against the glibc 2.31 floor: ok"),
        "{}",
        show(&o)
    );
    assert!(
        text(&o.stderr).contains("(Debian bullseye), C compiler"),
        "{}",
        show(&o)
    );
    let o = run_ok(
        crossroot().current_dir(&project).args([
            "sysroot",
            "path",
            "--target",
            "aarch64-linux.2.31",
        ]),
        "sysroot path",
    );
    assert!(text(&o.stdout).contains("/bullseye/"), "{}", show(&o));
    let o = inspect(&["--glibc", "2.31"], &bin);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        text(&o.stdout).contains("glibc floor: 2.31: ok"),
        "{}",
        show(&o)
    );

    // The user's own linker for the target, wired to bookworm (glibc 2.36).
    let o = run_ok(
        crossroot().current_dir(tmp.path()).args([
            "env",
            "--target",
            "aarch64-linux",
            "--format",
            "json",
        ]),
        "crossroot env",
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let key = "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER";
    let linker = doc["env"][key].as_str().expect("linker").to_string();
    touch(&project.join("src/main.rs"));
    for attempt in ["relinked", "no-op rebuild"] {
        let o = build(Some((key, &linker)));
        assert_eq!(o.status.code(), Some(1), "{attempt}: {}", show(&o));
        let err = text(&o.stderr);
        assert!(
            err.contains("1 artefact needs a newer glibc than 2.31, the floor of `aarch64-unknown-linux-gnu.2.31`"),
            "{attempt}: {err}"
        );
        assert!(
            err.contains(
                "release/hello-threads needs glibc 2.34: __libc_start_main@GLIBC_2.34 (libc.so.6)"
            ),
            "{attempt}: {err}"
        );
        assert!(err.contains("hint: "), "{attempt}: {err}");
    }

    // Back to crossroot's own linker: relinked against bullseye, the check passes again.
    touch(&project.join("src/main.rs"));
    let o = build(None);
    assert!(o.status.success(), "{}", show(&o));
    let o = inspect(&["--glibc", "2.31"], &bin);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}

/// A binary calling `arc4random` (glibc 2.36), built for bookworm: `-v` says it needs 2.36 and
/// `inspect --glibc 2.31` refuses it, naming the symbol.
#[test]
fn arc4random_needs_glibc_2_36() {
    if !enabled("arc4random_needs_glibc_2_36") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Rebuilt every time (only this invocation's artefacts are reported).
    let project = example("glibc-new");
    touch(&project.join("src/main.rs"));
    let o = run_ok(
        crossroot()
            .current_dir(&project)
            .args(["-v", "build", "--target", "aarch64-linux"]),
        "crossroot -v build",
    );
    let bin: PathBuf = target_dir().join("aarch64-unknown-linux-gnu/debug/glibc-new");
    let err = text(&o.stderr);
    assert!(
        err.contains("glibc-new needs glibc >= 2.36 (arc4random@GLIBC_2.36)"),
        "{err}"
    );

    let o = inspect(&["--glibc", "2.31"], &bin);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let err = text(&o.stderr);
    assert!(err.contains("needs glibc 2.36, newer than 2.31"), "{err}");
    assert!(err.contains("arc4random@GLIBC_2.36 (libc.so.6)"), "{err}");
    let o = inspect(&["--glibc", "2.36"], &bin);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}
