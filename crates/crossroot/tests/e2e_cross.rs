//! End-to-end: `crossroot test` cross-builds the examples and runs their tests under QEMU, on the
//! targets the project promises. Needs the network (the Debian mirror from the host's apt
//! sources, rustup's downloads) and time, so it runs only with `CROSSROOT_E2E=1`.
//!
//! The suite shares one cache (`CROSSROOT_E2E_CACHE_DIR`, default `target/e2e/cache`) and one
//! cargo target dir (`target/e2e/target`) so each sysroot, clang and QEMU is provisioned once.
//! Tests run one at a time (they would only wait on cargo's target-dir lock otherwise).

#![allow(clippy::print_stderr)] // progress notes of a long suite go to the test log

use std::process::{Command, Output};
use std::sync::Mutex;

mod e2e_support;
use std::path::{Path, PathBuf};

use e2e_support::{crossroot, e2e_dir, enabled, example};

static SERIAL: Mutex<()> = Mutex::new(());

/// The `N` of every `test result: ok. N passed` line, in order; panics on a failed suite.
fn passed_counts(out: &Output) -> Vec<u32> {
    assert!(
        out.status.success(),
        "crossroot test failed: {}",
        e2e_support::show(out)
    );
    e2e_support::passed_counts(out)
}

/// Expected `passed` counts per example: library tests, then binaries, then doctests.
fn expected(example: &str) -> Vec<u32> {
    match example {
        "hello-threads" => vec![3, 0, 1],
        "cc-libm" => vec![3, 0],
        "openssl-sys" => vec![2, 0],
        "build-script" => vec![2, 0],
        "bindgen-layout" => vec![2, 0],
        "zlib-sys" => vec![2, 0],
        "sqlite-sys" => vec![2, 0],
        other => panic!("no expectation for {other}"),
    }
}

fn cross_test(target: &str, examples: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for ex in examples {
        let out = crossroot()
            .current_dir(example(ex))
            .args(["test", "--target", target])
            .output()
            .expect("run crossroot");
        let counts = passed_counts(&out);
        assert_eq!(
            counts,
            expected(ex),
            "{ex} on {target}: unexpected test counts\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        eprintln!("ok: {ex} on {target}: {counts:?} tests passed");
    }
}

macro_rules! target_suite {
    ($name:ident, $target:expr, [$($ex:expr),+ $(,)?]) => {
        #[test]
        fn $name() {
            if enabled(stringify!($name)) {
                cross_test($target, &[$($ex),+]);
            }
        }
    };
}

target_suite!(
    aarch64_gnu,
    "aarch64-linux",
    [
        "hello-threads",
        "cc-libm",
        "openssl-sys",
        "build-script",
        "zlib-sys"
    ]
);
target_suite!(
    armv7_gnueabihf,
    "armv7-linux",
    ["hello-threads", "cc-libm", "openssl-sys", "bindgen-layout"]
);
target_suite!(
    riscv64gc_gnu,
    "riscv64-linux",
    ["hello-threads", "cc-libm", "build-script"]
);
target_suite!(
    s390x_gnu,
    "s390x-linux",
    ["hello-threads", "cc-libm", "openssl-sys"]
);
target_suite!(
    powerpc64le_gnu,
    "powerpc64le-linux",
    ["hello-threads", "cc-libm"]
);
target_suite!(i686_gnu, "i686-linux", ["hello-threads", "cc-libm"]);
target_suite!(
    x86_64_musl,
    "x86_64-musl",
    ["hello-threads", "cc-libm", "build-script"]
);
target_suite!(aarch64_musl, "aarch64-musl", ["hello-threads", "cc-libm"]);
// A glibc floor builds against Debian bullseye (glibc 2.31, OpenSSL 1.1) and runs with it.
target_suite!(
    aarch64_glibc_floor_2_31,
    "aarch64-linux.2.31",
    ["hello-threads", "openssl-sys"]
);

/// `crossroot exec` runs a target binary; big-endian s390x says so from inside QEMU.
#[test]
fn exec_runs_target_binaries() {
    if !enabled("exec_runs_target_binaries") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (target, triple, want) in [
        (
            "s390x-linux",
            "s390x-unknown-linux-gnu",
            "hello from linux s390x (64-bit, big endian)",
        ),
        (
            "armv7-linux",
            "armv7-unknown-linux-gnueabihf",
            "hello from linux arm (32-bit, little endian)",
        ),
    ] {
        let build = crossroot()
            .current_dir(example("hello-threads"))
            .args(["build", "--target", target])
            .output()
            .expect("run crossroot build");
        assert!(
            build.status.success(),
            "{}",
            String::from_utf8_lossy(&build.stderr)
        );
        let bin = e2e_dir()
            .join("target")
            .join(triple)
            .join("debug/hello-threads");
        // Outside any cargo project, so no crossroot.lock is written into this repository.
        let outside = tempfile::tempdir().expect("tempdir");
        let out = crossroot()
            .current_dir(outside.path())
            .args(["exec", "--target", target, "--"])
            .arg(&bin)
            .output()
            .expect("run crossroot exec");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(want), "{target}: {stdout}");
        assert!(stdout.contains("sum = 500500"), "{target}: {stdout}");
    }
}

/// `crossroot env` gives a C build what it needs: a compiler that produces target objects.
#[test]
fn env_wires_a_plain_c_build() {
    if !enabled("env_wires_a_plain_c_build") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let outside = tempfile::tempdir().expect("tempdir");
    let out = crossroot()
        .current_dir(outside.path())
        .args(["env", "--target", "aarch64-linux", "--format", "json"])
        .output()
        .expect("run crossroot env");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cc = doc["env"]["CC_aarch64_unknown_linux_gnu"]
        .as_str()
        .expect("CC for the target");
    let cmake = doc["cmake_toolchain_file"].as_str().expect("cmake file");
    assert!(
        fs_err::read_to_string(cmake)
            .expect("cmake file exists")
            .contains("CMAKE_SYSROOT")
    );
    // Compile, link and run a threaded C program with nothing but that environment.
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("t.c");
    fs_err::write(
        &src,
        "#include <pthread.h>\n#include <math.h>\n#include <stdio.h>\n\
         static void *f(void *a) { (void)a; return 0; }\n\
         int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0);\n\
         printf(\"c ok %.1f\\n\", sqrt(6.25)); return 0; }\n",
    )
    .expect("write");
    let exe = dir.path().join("t");
    let status = Command::new(cc)
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .args(["-lm", "-pthread"])
        .status()
        .expect("run cc");
    assert!(status.success());
    let run = crossroot()
        .args(["exec", "--target", "aarch64-linux", "--"])
        .arg(&exe)
        .output()
        .expect("exec");
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "c ok 2.5");
}

/// The rootless promise: an unprivileged user, no clang, lld, QEMU or pkg-config on PATH, fresh
/// caches, a project using the target's system OpenSSL —
/// crossroot provisions everything itself. As root, the test drops to `nobody` with its own
/// rustup home; as a normal user it runs as that user.
#[test]
fn rootless_without_clang_or_qemu() {
    if !enabled("rootless_without_clang_or_qemu") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let uid = Command::new("id").arg("-u").output().expect("id -u");
    let is_root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let base = tempfile::Builder::new()
        .prefix("crossroot-rootless-")
        .tempdir()
        .expect("tempdir");
    let root = base.path();
    chmod(root, 0o1777);

    // A PATH with every host tool except compilers for other targets and emulators.
    let bin = root.join("bin");
    fs_err::create_dir_all(&bin).expect("mkdir");
    for dir in ["/usr/local/bin", "/usr/bin", "/bin"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let hidden = [
                "clang",
                "lld",
                "ld.lld",
                "qemu-",
                "llvm-",
                "pkg-config",
                "pkgconf",
            ]
            .iter()
            .any(|p| name.starts_with(p));
            if !hidden && !bin.join(&name).exists() {
                let _ = std::os::unix::fs::symlink(e.path(), bin.join(&name));
            }
        }
    }

    // The project, copied where the user can write.
    let project = root.join("openssl-sys");
    copy_dir(&example("openssl-sys"), &project);

    let crossroot_bin = root.join("crossroot");
    std::fs::copy(env!("CARGO_BIN_EXE_crossroot"), &crossroot_bin).expect("copy crossroot");
    let home = root.join("home");
    fs_err::create_dir_all(&home).expect("mkdir");

    let mut path = format!("{}", bin.display());
    let mut envs: Vec<(String, String)> = vec![
        ("HOME".into(), home.display().to_string()),
        (
            "CROSSROOT_CACHE_DIR".into(),
            root.join("cache").display().to_string(),
        ),
        (
            "CARGO_TARGET_DIR".into(),
            root.join("target").display().to_string(),
        ),
    ];
    if is_root {
        // nobody cannot read root's rustup home: give it its own, with the same Rust version.
        let rustup = which_in_env("rustup").expect("rustup on PATH");
        let init = root.join("rustup-init");
        std::fs::copy(rustup, &init).expect("copy rustup");
        let version = rustc_version();
        let rhome = root.join("rustup");
        let chome = root.join("cargo");
        envs.push(("RUSTUP_HOME".into(), rhome.display().to_string()));
        envs.push(("CARGO_HOME".into(), chome.display().to_string()));
        let st = as_user(is_root, &envs, &path)
            .arg(&init)
            .args([
                "-y",
                "--no-modify-path",
                "--profile",
                "minimal",
                "--default-toolchain",
                &version,
            ])
            .status()
            .expect("rustup-init");
        assert!(st.success(), "rustup-init as nobody failed");
        path = format!("{}:{}", chome.join("bin").display(), path);
    } else {
        eprintln!("note: not root: running the rootless test as the current (unprivileged) user");
        let cargo_bin = which_in_env("cargo").expect("cargo on PATH");
        path = format!("{}:{}", cargo_bin.parent().expect("dir").display(), path);
    }
    let out = as_user(is_root, &envs, &path)
        .current_dir(&project)
        .arg(&crossroot_bin)
        .args(["test", "--target", "aarch64-linux"])
        .output()
        .expect("run crossroot as an unprivileged user");
    let counts = passed_counts(&out);
    assert_eq!(counts, expected("openssl-sys"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // It had to provision clang, QEMU and pkg-config itself.
    for tool in ["clang", "qemu", "pkgconf"] {
        assert!(
            stderr.contains(tool),
            "{tool} was not provisioned:\n{stderr}"
        );
    }
}

fn as_user(is_root: bool, envs: &[(String, String)], path: &str) -> Command {
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c
    } else {
        Command::new("env")
    };
    cmd.env_clear()
        .env("PATH", path)
        .env("LANG", "C.UTF-8")
        .envs(envs.iter().map(|(k, v)| (k, v)));
    cmd
}

fn which_in_env(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn rustc_version() -> String {
    let out = Command::new("rustc").arg("-V").output().expect("rustc -V");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("rustc X.Y.Z")
        .to_string()
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn copy_dir(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).expect("mkdir");
    chmod(to, 0o777);
    for e in std::fs::read_dir(from).expect("read example").flatten() {
        let name = e.file_name();
        if name == "target" {
            continue;
        }
        let dst = to.join(&name);
        if e.path().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).expect("copy");
            chmod(&dst, 0o666);
        }
    }
}

/// The test executables of `triple` under `target_dir` whose names start with `prefix`.
fn test_binaries(target_dir: &Path, triple: &str, prefix: &str) -> Vec<PathBuf> {
    let deps = target_dir.join(triple).join("debug/deps");
    fs_err::read_dir(&deps)
        .expect("deps dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && !n.contains('.'))
        })
        .collect()
}

/// `--static-deps`: the openssl-sys example links Debian's `libssl.a`/`libcrypto.a` and the
/// zlib-sys example Debian's `libz.a` (its test checks the linked zlib is the sysroot's, not
/// libz-sys's bundled copy), the sqlite-sys example `libsqlite3.a` and the `libz.a` its
/// `Libs.private` needs (which crossroot adds to the sysroot); all pass their tests under QEMU, and `inspect` finds nothing but
/// glibc in NEEDED.
#[test]
fn static_deps_links_system_libraries_statically() {
    if !enabled("static_deps_links_system_libraries_statically") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Its own target dir: the same crates with other link flags would rebuild the shared one.
    let target_dir = e2e_dir().join("target-static-deps");
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "openssl-sys",
            "openssl_sys_example-",
            &["libssl", "libcrypto"],
        ),
        ("zlib-sys", "zlib_sys_example-", &["libz"]),
        // sqlite3.pc links zlib privately: crossroot adds zlib's -dev package by itself.
        ("sqlite-sys", "sqlite_sys_example-", &["libsqlite3", "libz"]),
    ];
    for (target, triple) in [
        ("aarch64-linux", "aarch64-unknown-linux-gnu"),
        ("s390x-linux", "s390x-unknown-linux-gnu"),
    ] {
        for (ex, prefix, libs) in cases {
            static_deps_case(&target_dir, target, triple, ex, prefix, libs);
        }
    }
}

fn static_deps_case(
    target_dir: &Path,
    target: &str,
    triple: &str,
    ex: &str,
    prefix: &str,
    libs: &[&str],
) {
    // The check covers what this run links: with a warm target dir from an earlier run,
    // remove the test binaries so they are linked (and checked) again.
    if target_dir.join(triple).join("debug/deps").is_dir() {
        for bin in test_binaries(target_dir, triple, prefix) {
            fs_err::remove_file(bin).expect("remove an old test binary");
        }
    }
    let out = crossroot()
        .current_dir(example(ex))
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["test", "--target", target, "--static-deps"])
        .output()
        .expect("run crossroot");
    assert_eq!(passed_counts(&out), expected(ex), "{ex} on {target}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no library outside glibc (--static-deps)"),
        "{ex} on {target}: {stderr}"
    );
    let bins = test_binaries(target_dir, triple, prefix);
    assert!(!bins.is_empty(), "{ex} on {target}: no test binary found");
    for bin in bins {
        let out = crossroot()
            .current_dir(example(ex))
            .args(["inspect", "--json", "--target", target])
            .arg(&bin)
            .output()
            .expect("run crossroot inspect");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let needed: Vec<&str> = doc["files"][0]["elf"]["needed"]
            .as_array()
            .expect("needed")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(
            !needed
                .iter()
                .any(|n| libs.iter().any(|l| n.starts_with(&format!("{l}.")))),
            "{ex} on {target}: {needed:?}"
        );
        assert_eq!(
            doc["files"][0]["runs_on"]["outside_glibc"],
            serde_json::json!([]),
            "{ex} on {target}"
        );
    }
    eprintln!("ok: {ex} --static-deps on {target}");
}

/// `--static-deps` with a library that stays dynamic (the user's `PKG_CONFIG_ALL_DYNAMIC`
/// wins): the build fails naming the library, its Debian package and the crate.
#[test]
fn static_deps_names_a_library_left_dynamic() {
    if !enabled("static_deps_names_a_library_left_dynamic") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let target_dir = e2e_dir().join("target-static-deps-dynamic");
    let out = crossroot()
        .current_dir(example("openssl-sys"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("PKG_CONFIG_ALL_DYNAMIC", "1")
        .args([
            "test",
            "--target",
            "aarch64-linux",
            "--static-deps",
            "--no-run",
        ])
        .output()
        .expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--static-deps: 1 artefact for `aarch64-unknown-linux-gnu` still needs"),
        "{stderr}"
    );
    assert!(
        stderr.contains("libcrypto.so.3 (package libssl3, linked by openssl-sys)"),
        "{stderr}"
    );
}

/// musl with a Debian library is refused before anything is built, naming the package and
/// what to do instead.
#[test]
fn musl_with_a_debian_library_is_refused_before_building() {
    if !enabled("musl_with_a_debian_library_is_refused_before_building") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    fs_err::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"muslz\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[workspace]\n\
         [package.metadata.crossroot]\ndebian-packages = [\"zlib1g-dev\"]\n",
    )
    .expect("write");
    fs_err::create_dir_all(dir.path().join("src")).expect("mkdir");
    fs_err::write(dir.path().join("src/lib.rs"), "pub fn f() {}\n").expect("write");
    let target_dir = dir.path().join("target");
    let out = crossroot()
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", &target_dir)
        .args(["test", "--target", "x86_64-musl"])
        .output()
        .expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.starts_with(
            "error: `x86_64-unknown-linux-musl` cannot use the Debian package `zlib1g-dev`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("`libz-sys` with `static`"), "{stderr}");
    assert!(
        stderr.contains("`x86_64-unknown-linux-gnu` with `--static-deps`"),
        "{stderr}"
    );
    assert!(!target_dir.exists(), "nothing was built");
}
