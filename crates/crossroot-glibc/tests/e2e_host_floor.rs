//! End to end on an x86_64 glibc host with gcc: stubs of the host's own glibc for floor 2.17,
//! a C program linked against them needs nothing newer than 2.17 and runs natively, and a call
//! newer than the floor fails to link with a message naming the symbol and its glibc.
//!
//! Gated by `CROSSROOT_E2E=1` (needs the host's gcc and glibc development files).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crossroot_glibc::{Compiler, StubInputs, StubSet, build_stubs, undefined_symbols};
use crossroot_target::GlibcVersion;

const MULTIARCH: &str = "x86_64-linux-gnu";

fn enabled() -> bool {
    if std::env::var_os("CROSSROOT_E2E").is_some_and(|v| v == "1") {
        return cfg!(all(
            target_arch = "x86_64",
            target_os = "linux",
            target_env = "gnu"
        ));
    }
    eprintln!("note: set CROSSROOT_E2E=1 to run this end-to-end test");
    false
}

fn gcc() -> Compiler {
    Compiler {
        program: PathBuf::from("gcc"),
        args: Vec::new(),
    }
}

fn stubs(dir: &Path, floor: GlibcVersion) -> StubSet {
    build_stubs(
        &StubInputs::debian(Path::new("/"), MULTIARCH),
        floor,
        &gcc(),
        dir,
    )
    .expect("stubs build from the host's glibc")
}

/// `gcc main.c -L<stubs> -o <out>`: the stub directory first on the search path, so `-lc`
/// (implicit), `-lpthread` and the loader resolve to the stubs.
fn link(stubs: &StubSet, source: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let src = out.with_extension("c");
    fs_err::write(&src, source).unwrap();
    Command::new("gcc")
        .arg(&src)
        .arg("-o")
        .arg(out)
        .arg(format!("-L{}", stubs.dir.display()))
        .args(extra)
        .output()
        .expect("gcc runs")
}

const THREADS: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char buf[32];

static void *worker(void *arg) {
    memcpy(buf, arg, strlen(arg) + 1);
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, argc > 1 ? argv[1] : "none") != 0) return 2;
    pthread_join(t, NULL);
    printf("copied %s\n", buf);
    return 0;
}
"#;

const GETRANDOM: &str = r#"
#include <sys/random.h>
int main(void) {
    unsigned char b[8];
    return getrandom(b, sizeof b, 0) == sizeof b ? 0 : 1;
}
"#;

#[test]
fn a_floor_of_2_17_links_against_stubs_and_runs_natively() {
    if !enabled() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let floor = GlibcVersion::new(2, 17);
    let set = stubs(&tmp.path().join("stubs"), floor);
    // The host's glibc is ≥ 2.34: libpthread & co. are carved out of its libc.so.6, and the
    // host's crt files and libc_nonshared.a are too new for a 2.17 binary that must run on
    // 2.17 (fine for this test, which runs it on the host's glibc).
    assert!(set.carved_split_libraries);
    assert!(
        set.sysroot_glibc
            .is_some_and(|g| g >= GlibcVersion::new(2, 34))
    );
    assert_eq!(
        set.traps,
        [
            crossroot_glibc::SysrootTrap::StatWrappers,
            crossroot_glibc::SysrootTrap::StartMain
        ]
    );
    let names: Vec<&str> = set.stubs.iter().map(|s| s.soname.as_str()).collect();
    for want in [
        "libc.so.6",
        "ld-linux-x86-64.so.2",
        "libm.so.6",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "libutil.so.1",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    // The stubs themselves say what a link binds to.
    let libc_stub =
        crossroot_glibc::read_library(&fs_err::read(set.dir.join("libc.so.6")).unwrap()).unwrap();
    let memcpy: Vec<_> = libc_stub
        .symbols
        .iter()
        .filter(|s| s.name == "memcpy")
        .map(|s| (s.version.as_str(), s.default))
        .collect();
    assert_eq!(memcpy, [("GLIBC_2.14", true), ("GLIBC_2.2.5", false)]);
    assert!(libc_stub.symbols.iter().all(|s| s.name != "getrandom"));

    let exe = tmp.path().join("threads");
    // Like Rust's std: every split library on the line, as-needed.
    let out = link(
        &set,
        THREADS,
        &exe,
        &[
            "-Wl,--as-needed",
            "-lpthread",
            "-ldl",
            "-lrt",
            "-lutil",
            "-lm",
        ],
    );
    assert!(
        out.status.success(),
        "link failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let report = crossroot_inspect::inspect_path(&exe).unwrap();
    let v = &report.versions;
    assert!(
        v.glibc.is_some_and(|g| g <= floor),
        "needs glibc {:?}: {}",
        v.glibc,
        crossroot_inspect::symbol_list(&v.glibc_symbols, 10)
    );
    let bound = |name: &str| {
        v.symbols
            .iter()
            .find(|s| s.symbol == name)
            .map(|s| format!("{}@{} ({})", s.symbol, s.version, s.library))
    };
    // The newest memcpy not above the floor: 2.14 (the default since), not 2.2.5.
    assert_eq!(
        bound("memcpy").as_deref(),
        Some("memcpy@GLIBC_2.14 (libc.so.6)")
    );
    // pthread_create binds to libpthread, as against glibc 2.17, so the binary starts there.
    assert_eq!(
        bound("pthread_create").as_deref(),
        Some("pthread_create@GLIBC_2.2.5 (libpthread.so.0)")
    );
    assert!(
        report.needed.iter().any(|n| n == "libpthread.so.0"),
        "{:?}",
        report.needed
    );
    assert_eq!(
        report.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );

    let run = Command::new(&exe).arg("hello").output().unwrap();
    assert!(run.status.success(), "{run:?}");
    assert_eq!(String::from_utf8_lossy(&run.stdout), "copied hello\n");

    // Below 2.14 the old memcpy is the default again.
    let set = stubs(&tmp.path().join("stubs-2.13"), GlibcVersion::new(2, 13));
    let exe = tmp.path().join("threads-2.13");
    let out = link(&set, THREADS, &exe, &["-pthread"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = crossroot_inspect::inspect_path(&exe).unwrap();
    let memcpy = report
        .versions
        .symbols
        .iter()
        .find(|s| s.symbol == "memcpy")
        .unwrap();
    assert_eq!(memcpy.version, "GLIBC_2.2.5");
    assert!(
        report
            .versions
            .glibc
            .is_some_and(|g| g <= GlibcVersion::new(2, 13))
    );
    let run = Command::new(&exe).arg("old").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "copied old\n");
}

#[test]
fn a_symbol_newer_than_the_floor_fails_to_link_and_is_explained() {
    if !enabled() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let set = stubs(&tmp.path().join("stubs-2.17"), GlibcVersion::new(2, 17));
    let out = link(&set, GETRANDOM, &tmp.path().join("rnd"), &[]);
    assert!(!out.status.success(), "linked although getrandom is 2.25");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let undefined = undefined_symbols(&stderr);
    assert_eq!(undefined, ["getrandom"], "{stderr}");
    let why = set
        .catalog
        .explain("getrandom", set.floor)
        .expect("the catalog knows getrandom");
    assert_eq!(
        why.to_string(),
        "`getrandom` needs glibc 2.25 (`getrandom@GLIBC_2.25` in `libc.so.6`), newer than the floor 2.17"
    );

    // At floor 2.25 the same program links and runs.
    let set = stubs(&tmp.path().join("stubs-2.25"), GlibcVersion::new(2, 25));
    let exe = tmp.path().join("rnd-2.25");
    let out = link(&set, GETRANDOM, &exe, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = crossroot_inspect::inspect_path(&exe).unwrap();
    assert_eq!(report.versions.glibc, Some(GlibcVersion::new(2, 25)));
    assert!(Command::new(&exe).status().unwrap().success());
}
