//! `crossroot sysroot` and `crossroot cache` against a signed fixture archive served on
//! 127.0.0.1, running the real binary.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crossroot_test::pgp::TestSigner;
use crossroot_test::{ArchiveBuilder, BuiltArchive, DebSpec, Entry, Fault, TestServer};

const TRIPLET: &str = "aarch64-linux-gnu";

/// A minimal ELF header for `machine`.
fn elf(machine: u16) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little-endian
    h[6] = 1;
    h[16] = 3; // ET_DYN
    h[18..20].copy_from_slice(&machine.to_le_bytes());
    h
}

fn lib(path: &str) -> String {
    format!("lib/{TRIPLET}/{path}")
}

fn usrlib(path: &str) -> String {
    format!("usr/lib/{TRIPLET}/{path}")
}

/// A bookworm-like arm64 archive: libc, libgcc, linux headers, openssl, zlib, a sanitizer
/// runtime that only libgcc-12-dev pulls in, and a default `gcc`.
fn debs() -> Vec<DebSpec> {
    vec![
        DebSpec::new("gcc", "4:12.2.0-3", "arm64")
            .depends("cpp (= 4:12.2.0-3), gcc-12 (>= 12.2.0-1~)"),
        DebSpec::new("gcc-12-base", "12.2.0-14", "arm64")
            .field("Source", "gcc-12")
            .field("Multi-Arch", "same")
            .file("usr/share/doc/gcc-12-base/README", "gcc"),
        DebSpec::new("libgcc-s1", "12.2.0-14", "arm64")
            .field("Source", "gcc-12")
            .field("Multi-Arch", "same")
            .depends("gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)")
            .file(&lib("libgcc_s.so.1"), elf(183)),
        DebSpec::new("libc6", "2.36-9+deb12u4", "arm64")
            .field("Multi-Arch", "same")
            .depends("libgcc-s1")
            .file(&lib("libc.so.6"), elf(183))
            .file(&lib("libm.so.6"), elf(183))
            .file("lib/ld-linux-aarch64.so.1", elf(183)),
        DebSpec::new("libc6-dev", "2.36-9+deb12u4", "arm64")
            .field("Multi-Arch", "same")
            .depends("libc6 (= 2.36-9+deb12u4), linux-libc-dev")
            .file(&usrlib("crt1.o"), elf(183))
            .file(
                &usrlib("libc.so"),
                format!(
                    "GROUP ( /lib/{TRIPLET}/libc.so.6 AS_NEEDED ( /lib/ld-linux-aarch64.so.1 ) )\n"
                ),
            )
            .symlink(&usrlib("libm.so"), &format!("/lib/{TRIPLET}/libm.so.6")),
        DebSpec::new("linux-libc-dev", "6.1.158-1", "arm64")
            .field("Multi-Arch", "same")
            .file(
                "usr/include/linux/version.h",
                "#define LINUX_VERSION_CODE 393472\n",
            ),
        DebSpec::new("libasan8", "12.2.0-14", "arm64")
            .field("Source", "gcc-12")
            .field("Multi-Arch", "same")
            .depends("gcc-12-base (= 12.2.0-14), libc6 (>= 2.34)")
            .file(&usrlib("libasan.so.8"), elf(183)),
        DebSpec::new("libgcc-12-dev", "12.2.0-14", "arm64")
            .field("Source", "gcc-12")
            .field("Multi-Arch", "same")
            .depends("gcc-12-base (= 12.2.0-14), libgcc-s1 (>= 12.2.0-14), libasan8 (>= 12.2.0-14)")
            .file(&format!("usr/lib/gcc/{TRIPLET}/12/crtbegin.o"), elf(183)),
        DebSpec::new("libssl3", "3.0.17-1~deb12u2", "arm64")
            .field("Multi-Arch", "same")
            .depends("libc6 (>= 2.34)")
            .file(&usrlib("libssl.so.3"), elf(183)),
        DebSpec::new("libssl-dev", "3.0.17-1~deb12u2", "arm64")
            .field("Multi-Arch", "same")
            .depends("libssl3 (= 3.0.17-1~deb12u2)")
            .file("usr/include/openssl/ssl.h", "/* ssl */\n")
            .symlink(&usrlib("libssl.so"), "libssl.so.3"),
        DebSpec::new("zlib1g", "1:1.2.13.dfsg-1", "arm64")
            .field("Multi-Arch", "same")
            .depends("libc6 (>= 2.17)")
            .file(&lib("libz.so.1"), elf(183)),
        DebSpec::new("zlib1g-dev", "1:1.2.13.dfsg-1", "arm64")
            .field("Multi-Arch", "same")
            .field("Provides", "libz-dev")
            .depends("zlib1g (= 1:1.2.13.dfsg-1)")
            .file("usr/include/zlib.h", "/* zlib */\n")
            .symlink(&usrlib("libz.so"), &format!("/lib/{TRIPLET}/libz.so.1")),
    ]
}

struct Env {
    archive: BuiltArchive,
    /// Other suites served beside the archive (kept alive with it).
    suites: Vec<BuiltArchive>,
    server: TestServer,
    home: tempfile::TempDir,
    keyring: PathBuf,
}

fn fixture() -> Env {
    fixture_signed_by(None)
}

/// The fixture archive's signing key (the same key every time).
fn archive_key() -> TestSigner {
    TestSigner::generate_with_signing_subkey("crossroot test archive <test@example.invalid>")
        .unwrap()
}

/// The fixture's packages as an archive of `suite`, signed by [`archive_key`], dated `date`
/// (default: the builder's).
fn build_archive(suite: &str, date: Option<&str>) -> BuiltArchive {
    build_archive_with(suite, date, Vec::new())
}

/// [`build_archive`] with `extra` packages besides the fixture's.
fn build_archive_with(suite: &str, date: Option<&str>, extra: Vec<DebSpec>) -> BuiltArchive {
    let mut builder = ArchiveBuilder::new(suite).arch("arm64");
    for d in debs().into_iter().chain(extra) {
        builder = builder.deb(d);
    }
    if let Some(date) = date {
        builder = builder.date(date);
    }
    let signer = archive_key();
    builder
        .sign_with(move |text| signer.clearsign(text).unwrap())
        .build()
}

/// The archive, signed by a fresh key; the keyring given to crossroot is that key's unless
/// `trusted` says otherwise.
fn fixture_signed_by(trusted: Option<&TestSigner>) -> Env {
    fixture_of(build_archive("bookworm", None), trusted)
}

/// The fixture with `extra` packages in its archive.
fn fixture_with(extra: Vec<DebSpec>) -> Env {
    fixture_of(build_archive_with("bookworm", None, extra), None)
}

fn fixture_of(archive: BuiltArchive, trusted: Option<&TestSigner>) -> Env {
    let key = archive_key();
    let server = TestServer::start(archive.root().to_path_buf());
    let home = tempfile::tempdir().unwrap();
    let keyring = home.path().join("keyring.asc");
    let public = trusted.unwrap_or(&key).public_keyring_armored().unwrap();
    fs_err::write(&keyring, public).unwrap();
    Env {
        archive,
        suites: Vec::new(),
        server,
        home,
        keyring,
    }
}

/// An archive of `suite` holding only `debs`, signed by `signer`.
fn build_suite(suite: &str, debs: Vec<DebSpec>, signer: TestSigner) -> BuiltArchive {
    let mut builder = ArchiveBuilder::new(suite).arch("arm64");
    for d in debs {
        builder = builder.deb(d);
    }
    builder
        .sign_with(move |text| signer.clearsign(text).unwrap())
        .build()
}

/// The fixture plus `bookworm-updates` (a newer `linux-libc-dev`) on the same archive root and
/// `bookworm-security` (a newer `libssl3`/`libssl-dev`) on `/debian-security`, the root
/// crossroot derives from a mirror ending in `/debian`. `security_key` signs the latter.
fn fixture_with_update_suites(security_key: TestSigner) -> Env {
    let mut env = fixture();
    let updates = build_suite(
        "bookworm-updates",
        vec![
            DebSpec::new("linux-libc-dev", "6.1.159-1", "arm64")
                .field("Multi-Arch", "same")
                .file(
                    "usr/include/linux/version.h",
                    "#define LINUX_VERSION_CODE 393473\n",
                ),
        ],
        archive_key(),
    );
    let security = build_suite(
        "bookworm-security",
        vec![
            DebSpec::new("libssl3", "3.0.17-1~deb12u3", "arm64")
                .field("Multi-Arch", "same")
                .depends("libc6 (>= 2.34)")
                .file(&usrlib("libssl.so.3"), elf(183)),
            DebSpec::new("libssl-dev", "3.0.17-1~deb12u3", "arm64")
                .field("Multi-Arch", "same")
                .depends("libssl3 (= 3.0.17-1~deb12u3)")
                .file("usr/include/openssl/ssl.h", "/* ssl, fixed */\n")
                .symlink(&usrlib("libssl.so"), "libssl.so.3"),
        ],
        security_key,
    );
    env.server.serve("debian", updates.root());
    env.server.serve("debian-security", security.root());
    env.suites = vec![updates, security];
    env
}

impl Env {
    /// An empty library crate `demo` in the fixture's home (so crossroot writes
    /// `crossroot.lock` next to it).
    fn project(&self) -> PathBuf {
        let project = self.home.path().join("project");
        fs_err::create_dir_all(project.join("src")).unwrap();
        fs_err::write(
            project.join("Cargo.toml"),
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .unwrap();
        fs_err::write(project.join("src/lib.rs"), "").unwrap();
        project
    }

    fn cache(&self) -> PathBuf {
        self.home.path().join("cache")
    }

    fn cmd_in(&self, cwd: &Path, args: &[&str]) -> Command {
        self.cmd_with_mirror(cwd, &self.server.url(), args)
    }

    fn cmd_with_mirror(&self, cwd: &Path, mirror: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crossroot"));
        cmd.current_dir(cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("CROSSROOT_CACHE_DIR", self.cache())
            .env("CROSSROOT_KEYRING", &self.keyring)
            .env("CI", "1")
            .arg("--mirror")
            .arg(mirror)
            .args(args);
        cmd
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        self.cmd_in(cwd, args).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        let cwd = self.home.path().join("work");
        fs_err::create_dir_all(&cwd).unwrap();
        self.run_in(&cwd, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "crossroot {args:?} failed:\n{}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Run with extra environment variables; the test fails if crossroot has not finished
    /// within a minute (a hang is what the callers look for).
    fn run_bounded(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let cwd = self.home.path().join("work");
        fs_err::create_dir_all(&cwd).unwrap();
        let out_dir = tempfile::tempdir().unwrap();
        let (stdout, stderr) = (out_dir.path().join("out"), out_dir.path().join("err"));
        let mut cmd = self.cmd_in(&cwd, args);
        cmd.envs(vars.iter().copied())
            .stdout(fs_err::File::create(&stdout).unwrap().into_parts().0)
            .stderr(fs_err::File::create(&stderr).unwrap().into_parts().0);
        let mut child = cmd.spawn().unwrap();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > until {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!(
                    "crossroot {args:?} did not finish within a minute:\n{}",
                    fs_err::read_to_string(&stderr).unwrap()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        Output {
            status,
            stdout: fs_err::read(&stdout).unwrap(),
            stderr: fs_err::read(&stderr).unwrap(),
        }
    }

    /// The cached `InRelease` of the fixture's suite, if any.
    fn cached_in_release(&self) -> Option<PathBuf> {
        walk(&self.cache().join("indexes-v1"))
            .into_iter()
            .find(|p| p.ends_with("bookworm/InRelease"))
    }

    fn fail(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "crossroot {args:?} should fail:\n{}",
            text(&out.stdout)
        );
        text(&out.stderr)
    }

    fn staging_leftovers(&self) -> Vec<PathBuf> {
        walk(&self.cache())
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
            })
            .collect()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn last_line(s: &str) -> PathBuf {
    PathBuf::from(s.lines().last().unwrap_or_default().trim())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

/// What a user checks in a sysroot: the files a link needs, and no link leading out.
fn assert_sane_sysroot(root: &Path) {
    assert!(root.join("usr/include/linux/version.h").is_file());
    assert!(root.join(usrlib("crt1.o")).is_file());
    assert!(root.join(usrlib("libc.so")).is_file());
    // The absolute libm.so link now resolves inside the sysroot.
    let libm = std::fs::canonicalize(root.join(usrlib("libm.so"))).unwrap();
    assert!(
        libm.starts_with(std::fs::canonicalize(root).unwrap()),
        "{libm:?}"
    );
    for p in walk(root) {
        let meta = p.symlink_metadata().unwrap();
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&p).unwrap();
            assert!(!target.is_absolute(), "{p:?} -> {target:?} is absolute");
            if let Ok(real) = std::fs::canonicalize(&p) {
                assert!(
                    real.starts_with(std::fs::canonicalize(root).unwrap()),
                    "{p:?} leads outside to {real:?}"
                );
            }
        }
    }
}

fn e_machine(path: &Path) -> u16 {
    let bytes = fs_err::read(path).unwrap();
    u16::from_le_bytes([bytes[18], bytes[19]])
}

#[test]
fn add_builds_a_verified_sysroot_with_the_base_set() {
    let env = fixture();
    let out = env.ok(&["sysroot", "add", "--target", "aarch64-linux", "libssl-dev"]);
    let root = last_line(&out);
    assert!(root.starts_with(env.cache()), "{root:?}");
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    let libssl = std::fs::canonicalize(root.join(usrlib("libssl.so"))).unwrap();
    assert!(libssl.starts_with(std::fs::canonicalize(&root).unwrap()));
    assert_eq!(e_machine(&libssl), 183);
    assert_sane_sysroot(&root);
    // Which package shipped each shared library is recorded, for `inspect` and --static-deps.
    let owners = crossroot_archive::library_owners(&root);
    assert_eq!(
        owners.get("libssl.so.3").map(String::as_str),
        Some("libssl3")
    );
    assert_eq!(owners.get("libz.so.1"), None, "zlib was not asked for");
    assert_eq!(owners.get("libc.so.6").map(String::as_str), Some("libc6"));
    assert!(!owners.contains_key("ssl.h"));
    // The sanitizer runtime that only libgcc-12-dev wants is skipped.
    assert!(!root.join(usrlib("libasan.so.8")).exists());

    // `path` prints the same directory, and only it, on stdout.
    let path_out = env.ok(&["sysroot", "path", "--target", "arm64"]);
    assert_eq!(path_out.trim(), root.to_string_lossy());

    let list = env.ok(&["sysroot", "list"]);
    assert!(list.contains("libssl-dev 3.0.17-1~deb12u2 arm64"), "{list}");
    assert!(list.contains("libc6-dev 2.36-9+deb12u4 arm64"), "{list}");
    assert!(!list.contains("libasan8"), "{list}");
    assert!(env.staging_leftovers().is_empty());
}

#[test]
fn a_warm_rerun_sends_no_request() {
    let env = fixture();
    let first = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    env.server.clear_log();
    let again = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    assert_eq!(first, again);
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn add_is_additive() {
    let env = fixture();
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    env.server.clear_log();
    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "zlib1g-dev"]));
    // The index is revalidated with a conditional request and reused; only zlib's .debs come.
    let log = env.server.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("304 ") && l.ends_with("/InRelease")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.contains("Packages")), "{log:?}");
    let debs: Vec<_> = log.iter().filter(|l| l.ends_with(".deb")).collect();
    assert_eq!(debs.len(), 2, "{log:?}");
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    assert!(root.join("usr/include/zlib.h").is_file());
    assert_eq!(
        std::fs::canonicalize(root.join(usrlib("libz.so"))).unwrap(),
        std::fs::canonicalize(root.join(lib("libz.so.1"))).unwrap()
    );
    // A second add needs no new index or .deb downloads beyond zlib's.
    env.server.clear_log();
    env.ok(&[
        "sysroot",
        "add",
        "--target",
        "arm64",
        "zlib1g-dev",
        "libssl-dev",
    ]);
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn lockfile_pins_the_packages_and_enables_offline_and_locked() {
    let env = fixture();
    let project = env.project();
    let run = |args: &[&str]| env.run_in(&project, args);

    let out = run(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let root = last_line(&text(&out.stdout));
    let lock = fs_err::read_to_string(project.join("crossroot.lock")).unwrap();
    let ssl = env.archive.deb("libssl3");
    assert!(lock.contains(&ssl.sha256), "{lock}");
    assert!(
        lock.contains("triple = \"aarch64-unknown-linux-gnu\""),
        "{lock}"
    );
    assert!(lock.contains("release = \"bookworm\""), "{lock}");

    // Sysroot gone, .debs cached: rebuilt from the lock without the network.
    assert!(
        run(&["sysroot", "remove", "--target", "arm64"])
            .status
            .success()
    );
    env.server.clear_log();
    let out = run(&[
        "--offline",
        "--locked",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libssl-dev",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(last_line(&text(&out.stdout)), root);
    assert_eq!(env.server.log(), Vec::<String>::new());
    assert_sane_sysroot(&root);

    // --locked refuses to add a package the lock does not have.
    let out = run(&[
        "--locked",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "zlib1g-dev",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("crossroot.lock would change"), "{err}");
    assert!(err.contains("zlib1g-dev"), "{err}");
    assert_eq!(
        fs_err::read_to_string(project.join("crossroot.lock")).unwrap(),
        lock
    );

    // --offline with an empty cache names exactly the missing files.
    fs_err::remove_dir_all(env.cache()).unwrap();
    let out = run(&[
        "--offline",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libssl-dev",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&ssl.filename), "{err}");
    assert!(err.contains("without --offline"), "{err}");
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn a_signature_by_an_unknown_key_is_refused() {
    let other =
        TestSigner::generate_with_signing_subkey("someone else <x@example.invalid>").unwrap();
    let env = fixture_signed_by(Some(&other));
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(err.contains("signature"), "{err}");
    assert!(err.contains("InRelease"), "{err}");
    assert!(
        !env.cache()
            .join("sysroots-v1/aarch64-unknown-linux-gnu/bookworm/current")
            .exists()
    );
    assert!(!env.cache().join("debs-v1").exists() || walk(&env.cache().join("debs-v1")).is_empty());
}

#[test]
fn a_deb_with_the_wrong_hash_is_refused_naming_file_and_hashes() {
    let env = fixture();
    let ssl = env.archive.deb("libssl3").clone();
    // Same size, one byte changed: only the hash can tell.
    let mut bytes = fs_err::read(env.archive.path(&ssl.filename)).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    env.server.fault(&ssl.filename, Fault::Replace(bytes));
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    let file = ssl.filename.rsplit('/').next().unwrap();
    assert!(err.contains(file), "{err}");
    assert!(err.contains("SHA-256 mismatch"), "{err}");
    assert!(err.contains(&format!("expected {}", ssl.sha256)), "{err}");
    assert!(
        !env.cache()
            .join(format!("debs-v1/{}.deb", ssl.sha256))
            .exists()
    );
}

#[test]
fn an_index_that_disagrees_with_inrelease_is_refused() {
    let env = fixture();
    let rel = env.archive.packages_xz("arm64");
    env.server
        .fault(&rel, Fault::Replace(b"\xfd7zXZ\0 tampered".to_vec()));
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(err.contains("Packages.xz"), "{err}");
    assert!(err.contains("mismatch"), "{err}");
}

#[test]
fn transient_errors_are_retried_and_404_is_not() {
    let env = fixture();
    let ssl = env.archive.deb("libssl3").clone();
    let zlib = env.archive.deb("libssl-dev").clone();
    env.server.fault(&ssl.filename, Fault::ServerError(2));
    env.server.fault(&zlib.filename, Fault::Truncate(1));
    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    assert!(root.join(usrlib("libssl.so.3")).is_file());
    let tries = |name: &str| {
        env.server
            .log()
            .iter()
            .filter(|l| l.ends_with(name))
            .count()
    };
    assert_eq!(tries(&ssl.filename), 3);
    assert_eq!(tries(&zlib.filename), 2);

    let z = env.archive.deb("zlib1g").clone();
    env.server.fault(&z.filename, Fault::NotFound);
    env.server.clear_log();
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "zlib1g-dev"]);
    assert!(err.contains("404"), "{err}");
    assert_eq!(tries(&z.filename), 1);
}

#[test]
fn an_unknown_package_suggests_near_names() {
    let env = fixture();
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-devv"]);
    assert!(err.contains("libssl-devv"), "{err}");
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn insecure_mode_warns_loudly() {
    let env = fixture();
    let out = env.run(&[
        "--insecure-skip-verify",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "zlib1g-dev",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(
        err.matches("NOT checking").count(),
        1,
        "warned once:\n{err}"
    );
}

/// `--offline`, `--frozen` and cargo's `--config net.offline=true` written among cargo's
/// arguments (after `--target`) reach crossroot too: on an empty cache it says it is offline
/// and sends nothing to the mirror (and never runs `rustup target add`).
#[test]
fn offline_among_cargo_arguments_fetches_nothing() {
    let env = fixture();
    let project = env.project();
    for args in [
        &["build", "--target", "arm64", "--offline"][..],
        &["test", "--target=arm64", "--frozen"],
        &["check", "--target", "arm64", "--config", "net.offline=true"],
        &["--offline", "build", "--target", "arm64"],
    ] {
        env.server.clear_log();
        let mut cmd = env.cmd_in(&project, args);
        // The real Rust toolchain (rustup finds it through these, not through the test HOME).
        let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        cmd.env(
            "RUSTUP_HOME",
            std::env::var_os("RUSTUP_HOME").unwrap_or_else(|| home.join(".rustup").into()),
        );
        if let Some(t) = std::env::var_os("RUSTUP_TOOLCHAIN") {
            cmd.env("RUSTUP_TOOLCHAIN", t);
        }
        let out = cmd.output().unwrap();
        let err = text(&out.stderr);
        assert!(
            !out.status.success(),
            "{args:?} should fail offline:\n{err}"
        );
        // `--frozen` is also `--locked`: with no crossroot.lock entry that is said first.
        assert!(
            err.contains("offline") || err.contains("crossroot.lock would change"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("Installing"), "{args:?} ran rustup: {err}");
        assert_eq!(env.server.log(), Vec::<String>::new(), "{args:?} fetched");
        let built = walk(&env.cache())
            .into_iter()
            .filter(|p| p.ends_with("manifest.json"))
            .collect::<Vec<_>>();
        assert_eq!(built, Vec::<PathBuf>::new(), "{args:?} built a tree");
    }
}

/// A malformed mirror is a clear error, never a panic.
#[test]
fn a_malformed_mirror_is_an_error_not_a_panic() {
    let env = fixture();
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    for mirror in ["http:/\u{e9}x", "ftp://x/debian", "", "http://"] {
        let out = env
            .cmd_with_mirror(&cwd, mirror, &["sysroot", "path", "--target", "arm64"])
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{mirror:?}: {err}");
        assert!(err.starts_with("error:"), "{mirror:?}: {err}");
        assert!(!err.contains("panicked"), "{mirror:?}: {err}");
    }
}

#[test]
fn two_processes_adding_at_once_both_succeed() {
    let env = fixture();
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    let a = env
        .cmd_in(&cwd, &["sysroot", "add", "--target", "arm64", "libssl-dev"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let b = env
        .cmd_in(&cwd, &["sysroot", "add", "--target", "arm64", "zlib1g-dev"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert!(b.status.success(), "{}", text(&b.stderr));
    let root = last_line(&env.ok(&["sysroot", "path", "--target", "arm64"]));
    let list = env.ok(&["sysroot", "list", "--target", "arm64"]);
    // Whichever ran second built on the first's sysroot.
    assert!(
        list.contains("libssl-dev") && list.contains("zlib1g-dev"),
        "{list}"
    );
    assert!(root.join("usr/include/zlib.h").is_file());
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    assert_sane_sysroot(&root);
    assert!(
        env.staging_leftovers().is_empty(),
        "{:?}",
        env.staging_leftovers()
    );
}

#[test]
fn a_process_killed_during_extraction_is_repaired_by_the_next_run() {
    let env = fixture();
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    let mut child = env
        .cmd_in(&cwd, &["sysroot", "add", "--target", "arm64", "libssl-dev"])
        .env("CROSSROOT_TEST_EXTRACT_DELAY_MS", "400")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until it is unpacking into a staging directory, then kill -9.
    let parent = env
        .cache()
        .join("sysroots-v1/aarch64-unknown-linux-gnu/bookworm");
    let mut staged = false;
    for _ in 0..400 {
        if walk(&parent)
            .iter()
            .any(|p| p.to_string_lossy().contains(".tmp-") && p.ends_with("usr"))
        {
            staged = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staged, "the first run never started unpacking");
    assert!(
        !parent.join("current").exists(),
        "a half-built sysroot was published"
    );
    assert!(!env.staging_leftovers().is_empty());

    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    assert_sane_sysroot(&root);
    assert!(
        env.staging_leftovers().is_empty(),
        "{:?}",
        env.staging_leftovers()
    );
}

#[test]
fn cache_commands() {
    let env = fixture();
    assert_eq!(last_line(&env.ok(&["cache", "dir"])), env.cache());
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    env.ok(&["sysroot", "remove", "--target", "arm64"]);
    assert!(env.ok(&["sysroot", "list"]).trim().is_empty());
    // No sysroot uses the cached .debs any more: prune removes them.
    let debs = env.cache().join("debs-v1");
    assert!(!walk(&debs).is_empty());
    env.ok(&["cache", "prune"]);
    assert!(walk(&debs).is_empty(), "{:?}", walk(&debs));
    env.ok(&["cache", "clean"]);
    assert!(!env.cache().join("indexes-v1").exists());
}

#[test]
fn a_file_url_mirror_works_too() {
    let env = fixture();
    let url = format!("file://{}", env.archive.root().display());
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    let out = env
        .cmd_with_mirror(
            &cwd,
            &url,
            &["sysroot", "add", "--target", "arm64", "libssl-dev"],
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let root = last_line(&text(&out.stdout));
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    assert_sane_sysroot(&root);
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn every_file_url_spelling_reaches_the_same_folder() {
    let env = fixture();
    let root = env.archive.root().display().to_string();
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    for (i, url) in [
        format!("file:{root}/"),
        format!("FILE://localhost{root}"),
        format!("  File://{root}//  "),
    ]
    .iter()
    .enumerate()
    {
        let cache = env.home.path().join(format!("cache-{i}"));
        let out = env
            .cmd_with_mirror(&cwd, url, &["sysroot", "path", "--target", "arm64"])
            .env("CROSSROOT_CACHE_DIR", &cache)
            .output()
            .unwrap();
        assert!(out.status.success(), "{url}: {}", text(&out.stderr));
        assert!(last_line(&text(&out.stdout)).join("usr/include").is_dir());
    }
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn mirror_credentials_are_sent_but_never_shown_or_stored() {
    let env = fixture();
    let url = env
        .server
        .url()
        .replacen("http://", "http://user:s3cret@", 1);
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    let run = |args: &[&str]| env.cmd_with_mirror(&cwd, &url, args).output().unwrap();
    let never_shown = |out: &Output| {
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains("s3cret") && !all.contains("user:"), "{all}");
        all
    };

    let out = run(&["-v", "sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = never_shown(&out);
    assert!(all.contains("mirror http://***@127.0.0.1:"), "{all}");
    // ureq sends the user info as HTTP basic authentication ("user:s3cret" in base64).
    let auth = env.server.authorizations();
    assert!(!auth.is_empty());
    assert!(
        auth.iter().all(|a| a == "Basic dXNlcjpzM2NyZXQ="),
        "{auth:?}"
    );
    // Nothing crossroot wrote (cache, lockfile) holds the password.
    for file in walk(env.home.path()) {
        let bytes = fs_err::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(6).any(|w| w == b"s3cret"),
            "{}",
            file.display()
        );
    }

    // A failed request names the redacted URL.
    let out = run(&[
        "-v",
        "--debian-release",
        "trixie",
        "sysroot",
        "path",
        "--target",
        "arm64",
    ]);
    assert!(!out.status.success());
    let all = never_shown(&out);
    assert!(
        all.contains("http://***@127.0.0.1:") && all.contains("/dists/trixie/InRelease"),
        "{all}"
    );

    let out = run(&["doctor"]);
    let all = never_shown(&out);
    assert!(
        all.contains("Debian mirror: http://***@127.0.0.1:"),
        "{all}"
    );
}

#[test]
fn a_release_signed_for_another_suite_is_refused_naming_both() {
    let env = fixture();
    // Validly signed by the archive key, same packages, but bullseye's: a replay.
    let bullseye = build_archive("bullseye", None);
    env.server.fault(
        "dists/bookworm/InRelease",
        Fault::Replace(bullseye.in_release()),
    );
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(
        err.contains("bullseye") && err.contains("bookworm"),
        "{err}"
    );
    assert!(env.cached_in_release().is_none(), "the replay was cached");
    assert!(
        !env.cache()
            .join("sysroots-v1/aarch64-unknown-linux-gnu/bookworm/current")
            .exists()
    );
}

#[test]
fn an_older_release_is_refused_and_never_replaces_the_cached_one() {
    let env = fixture();
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    let cached = env.cached_in_release().unwrap();
    let newer = fs_err::read(&cached).unwrap();
    let older = build_archive("bookworm", Some("Sat, 10 Jun 2023 08:53:33 UTC"));
    env.server.fault(
        "dists/bookworm/InRelease",
        Fault::Replace(older.in_release()),
    );
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "zlib1g-dev"]);
    assert!(err.contains("10 Jun 2023"), "{err}");
    assert!(err.contains("01 Nov 2025"), "{err}");
    assert!(err.contains("CROSSROOT_ALLOW_RELEASE_ROLLBACK"), "{err}");
    assert_eq!(fs_err::read(&cached).unwrap(), newer);

    // A deliberate pin to the older snapshot is possible, and then replaces the cached copy.
    let out = env.run_bounded(
        &[("CROSSROOT_ALLOW_RELEASE_ROLLBACK", "1")],
        &["sysroot", "add", "--target", "arm64", "zlib1g-dev"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fs_err::read(&cached).unwrap(), older.in_release());
}

#[test]
fn a_trickling_or_stalled_server_fails_naming_the_limit() {
    let env = fixture();
    let ssl = env.archive.deb("libssl3").clone();
    env.server.fault(
        &ssl.filename,
        Fault::Trickle(std::time::Duration::from_millis(300)),
    );
    let out = env.run_bounded(
        &[("CROSSROOT_HTTP_LOW_SPEED_TIME", "1")],
        &["sysroot", "add", "--target", "arm64", "libssl-dev"],
    );
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains(&ssl.filename), "{err}");
    assert!(err.contains("CROSSROOT_HTTP_LOW_SPEED_LIMIT"), "{err}");
    // Too slow is not retried: one try per file.
    let tries = env
        .server
        .log()
        .iter()
        .filter(|l| l.ends_with(&ssl.filename))
        .count();
    assert_eq!(tries, 1, "{:?}", env.server.log());

    // Headers, then silence: the per-file deadline ends it even with no rate minimum.
    env.server.clear_faults();
    env.server.fault("dists/bookworm/InRelease", Fault::Stall);
    let out = env.run_bounded(
        &[
            ("CROSSROOT_HTTP_TIMEOUT", "2"),
            ("CROSSROOT_HTTP_LOW_SPEED_LIMIT", "0"),
        ],
        &["sysroot", "add", "--target", "arm64", "zlib1g-dev"],
    );
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("InRelease"), "{err}");
    assert!(err.contains("CROSSROOT_HTTP_TIMEOUT"), "{err}");
}

#[test]
fn bodies_are_bounded_by_the_signed_size_or_a_cap() {
    let env = fixture();
    // No size is signed for InRelease: a cap, named in the error.
    env.server.fault(
        "dists/bookworm/InRelease",
        Fault::Append {
            extra: 20 << 20,
            announce: false,
        },
    );
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(err.contains("InRelease") && err.contains("16 MiB"), "{err}");
    assert!(env.cached_in_release().is_none());

    // A .deb longer than its signed size, with and without a Content-Length saying so.
    env.server.clear_faults();
    let ssl = env.archive.deb("libssl3").clone();
    for announce in [false, true] {
        env.server.fault(
            &ssl.filename,
            Fault::Append {
                extra: 64 << 20,
                announce,
            },
        );
        let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
        assert!(err.contains(&ssl.filename), "{err}");
        assert!(
            err.contains(&format!("signed size of {} bytes", ssl.size)),
            "{err}"
        );
        let debs = walk(&env.cache().join("debs-v1"));
        assert!(
            !debs
                .iter()
                .any(|p| p.to_string_lossy().contains(&ssl.sha256)),
            "{debs:?}"
        );
        assert!(
            env.staging_leftovers().is_empty(),
            "{:?}",
            env.staging_leftovers()
        );
    }
}

#[test]
fn a_damaged_cached_deb_is_fetched_again() {
    let env = fixture();
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    env.ok(&["sysroot", "remove", "--target", "arm64"]);
    let ssl = env.archive.deb("libssl3").clone();
    let cached = env.cache().join(format!("debs-v1/{}.deb", ssl.sha256));
    let damage = || {
        let mut bytes = fs_err::read(&cached).unwrap();
        let at = bytes.len() - 8;
        bytes[at] ^= 0xff;
        fs_err::write(&cached, bytes).unwrap();
    };
    damage();
    env.server.clear_log();
    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    assert!(root.join(usrlib("libssl.so.3")).is_file());
    let fetched: Vec<_> = env
        .server
        .log()
        .into_iter()
        .filter(|l| l.ends_with(".deb"))
        .collect();
    assert_eq!(fetched, vec![format!("200 /debian/{}", ssl.filename)]);
    assert_eq!(
        fs_err::read(&cached).unwrap(),
        fs_err::read(env.archive.path(&ssl.filename)).unwrap()
    );

    // Offline, it cannot be fetched: the error says which file and what to do.
    env.ok(&["sysroot", "remove", "--target", "arm64"]);
    damage();
    let err = env.fail(&[
        "--offline",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libssl-dev",
    ]);
    assert!(err.contains("damaged"), "{err}");
    assert!(err.contains("libssl3_"), "{err}");
    assert!(err.contains("without --offline"), "{err}");
    // It was evicted, so the next online run fetches it.
    assert!(!cached.exists());
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
}

#[test]
fn a_package_unpacking_beyond_its_signed_installed_size_is_refused() {
    let env = fixture_with(vec![
        // Honest: 3 MiB of data, Installed-Size 3 MiB.
        DebSpec::new("libbig1", "1.0-1", "arm64")
            .installed_size(3 << 10)
            .entry(Entry::zeros(&usrlib("libbig.a"), 3 << 20)),
        // A bomb: a few KB of .deb claiming 4 KiB installed, unpacking 64 MiB.
        DebSpec::new("libbomb1", "1.0-1", "arm64")
            .installed_size(4)
            .file(&usrlib("libbomb.so.1"), elf(183))
            .entry(Entry::zeros(&usrlib("libbomb.a"), 64 << 20)),
    ]);
    assert!(env.archive.deb("libbomb1").size < 64 << 10);
    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libbig1"]));
    assert_eq!(
        fs_err::metadata(root.join(usrlib("libbig.a")))
            .unwrap()
            .len(),
        3 << 20
    );

    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libbomb1"]);
    assert!(err.contains("libbomb1_1.0-1_arm64.deb"), "{err}");
    assert!(err.contains("Installed-Size is 4 KiB"), "{err}");
    // Nothing of it reached a ready sysroot, and no half-unpacked tree is left behind.
    let now = last_line(&env.ok(&["sysroot", "path", "--target", "arm64"]));
    assert_eq!(now, root);
    assert!(!now.join(usrlib("libbomb.a")).exists());
    let list = env.ok(&["sysroot", "list", "--target", "arm64"]);
    assert!(!list.contains("libbomb1"), "{list}");
    assert!(
        env.staging_leftovers().is_empty(),
        "{:?}",
        env.staging_leftovers()
    );
}

/// Every file and link the fixture's `.deb`s of `packages` hold, relative to the sysroot.
fn fixture_paths(packages: &[String]) -> Vec<String> {
    debs()
        .into_iter()
        .filter(|d| packages.contains(&d.name))
        .flat_map(|d| d.entries)
        .filter_map(|e| match e {
            Entry::File { path, .. } | Entry::Symlink { path, .. } => Some(path),
            _ => None,
        })
        .collect()
}

#[test]
fn cache_clean_or_prune_during_add_waits_and_never_leaves_a_broken_sysroot() {
    let env = fixture();
    let cwd = env.home.path().join("work");
    fs_err::create_dir_all(&cwd).unwrap();
    let parent = env
        .cache()
        .join("sysroots-v1/aarch64-unknown-linux-gnu/bookworm");
    for round in 0..4 {
        let cleaner = if round % 2 == 0 { "clean" } else { "prune" };
        // So that the add has a tree to build (a prune keeps the current one).
        env.ok(&["sysroot", "remove", "--target", "arm64"]);
        let add = env
            .cmd_in(&cwd, &["sysroot", "add", "--target", "arm64", "libssl-dev"])
            .env("CROSSROOT_TEST_EXTRACT_DELAY_MS", "300")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once it is unpacking into its staging directory, clean (or prune) the cache.
        let mut staged = false;
        for _ in 0..400 {
            if walk(&parent)
                .iter()
                .any(|p| p.to_string_lossy().contains(".tmp-") && p.ends_with("usr"))
            {
                staged = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        let clean = env.run(&["cache", cleaner]);
        let add = add.wait_with_output().unwrap();
        assert!(staged, "round {round}: the add never started unpacking");
        assert!(
            clean.status.success(),
            "round {round}: cache {cleaner}: {}",
            text(&clean.stderr)
        );
        assert!(
            text(&clean.stderr).contains("Waiting for other crossroot processes"),
            "round {round}: cache {cleaner} did not wait for the add: {}",
            text(&clean.stderr)
        );
        assert!(
            add.status.success(),
            "round {round}: add during cache {cleaner}: {}",
            text(&add.stderr)
        );
        // The sysroot add printed is complete, or (after a clean) gone as a whole: a tree
        // marked ready (its manifest is there) holds every file of its packages.
        let root = last_line(&text(&add.stdout));
        let manifest = root.parent().unwrap().join("manifest.json");
        if cleaner == "prune" {
            assert!(manifest.is_file(), "round {round}: prune removed {root:?}");
        }
        if manifest.is_file() {
            let manifest: serde_json::Value =
                serde_json::from_slice(&fs_err::read(&manifest).unwrap()).unwrap();
            let names: Vec<String> = manifest["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            assert!(names.contains(&"libssl-dev".to_string()), "{names:?}");
            for path in fixture_paths(&names) {
                assert!(
                    root.join(&path).symlink_metadata().is_ok(),
                    "round {round}: `{path}` is missing from the ready sysroot {root:?}"
                );
            }
            assert_sane_sysroot(&root);
        } else {
            assert!(
                !root.exists(),
                "round {round}: half a sysroot is left at {root:?}"
            );
        }
    }
    // And the cache still works.
    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    assert!(
        env.staging_leftovers().is_empty(),
        "{:?}",
        env.staging_leftovers()
    );
}

#[test]
fn exec_of_a_missing_program_says_so_before_provisioning() {
    let env = fixture();
    for (program, says) in [
        (
            "./target/aarch64-unknown-linux-gnu/debug/nope",
            "no such file",
        ),
        ("no-such-program-xyz", "not on PATH"),
    ] {
        let out = env.run(&["exec", "--target", "arm64", "--", program]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("error: program `{program}` not found")),
            "{err}"
        );
        assert!(err.contains(says), "{err}");
        assert!(
            err.contains("hint:") && err.contains("target/aarch64-unknown-linux-gnu/debug/"),
            "{err}"
        );
    }
    // Nothing was provisioned for a program that cannot run.
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn empty_or_absurd_package_names_and_floors_are_refused_before_any_download() {
    let env = fixture();
    let long = "a".repeat(10_000);
    for (args, says) in [
        (
            vec!["sysroot", "add", "--target", "arm64", ""],
            "the package name is empty",
        ),
        (
            vec!["sysroot", "add", "--target", "arm64", long.as_str()],
            "10000 characters",
        ),
        (
            vec!["sysroot", "path", "--target", "arm64.2.99"],
            "glibc floor 2.99",
        ),
    ] {
        // Bounded: the long name used to take half a minute of CPU before its error.
        let out = env.run_bounded(&[], &args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(err.contains("hint:"), "{args:?}: {err}");
        assert!(err.len() < 2_000, "the error repeats the input: {err}");
    }
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn adding_packages_already_in_the_sysroot_sends_no_request() {
    let env = fixture();
    let first = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]));
    env.server.clear_log();
    // The base set, a dependency, and what was asked for before: all already installed.
    for package in ["libc6-dev", "libssl3", "libssl-dev"] {
        let again = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", package]));
        assert_eq!(again, first, "{package}");
    }
    let both = env.ok(&[
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libc6-dev",
        "linux-libc-dev",
    ]);
    assert_eq!(last_line(&both), first);
    assert_eq!(env.server.log(), Vec::<String>::new());
    // Something new still resolves and builds.
    let root = last_line(&env.ok(&["sysroot", "add", "--target", "arm64", "zlib1g-dev"]));
    assert!(root.join("usr/include/zlib.h").is_file());
    assert!(root.join("usr/include/openssl/ssl.h").is_file());
}

#[test]
fn the_newest_version_across_the_update_suites_wins_and_the_lockfile_names_its_suite() {
    let env = fixture_with_update_suites(archive_key());
    let project = env.project();
    let run = |args: &[&str]| env.run_in(&project, args);
    let out = run(&["-v", "sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("security mirror http://127.0.0.1:")
            && stderr.contains("/debian-security (derived from the mirror)"),
        "{stderr}"
    );
    let root = last_line(&text(&out.stdout));
    assert_eq!(
        fs_err::read_to_string(root.join("usr/include/openssl/ssl.h")).unwrap(),
        "/* ssl, fixed */\n"
    );
    let list = env.ok(&["sysroot", "list"]);
    assert!(list.contains("libssl-dev 3.0.17-1~deb12u3 arm64"), "{list}");
    assert!(list.contains("libssl3 3.0.17-1~deb12u3 arm64"), "{list}");
    assert!(list.contains("linux-libc-dev 6.1.159-1 arm64"), "{list}");
    assert!(list.contains("libc6 2.36-9+deb12u4 arm64"), "{list}");

    let lock = fs_err::read_to_string(project.join("crossroot.lock")).unwrap();
    let block = |name: &str| {
        lock.split("[[target.package]]")
            .find(|b| b.contains(&format!("name = \"{name}\"\n")))
            .unwrap_or_else(|| panic!("{name} not in {lock}"))
            .to_string()
    };
    assert!(
        block("libssl3").contains("suite = \"bookworm-security\"\narchive = \"security\""),
        "{lock}"
    );
    assert!(
        block("linux-libc-dev").contains("suite = \"bookworm-updates\"\n"),
        "{lock}"
    );
    assert!(!block("linux-libc-dev").contains("archive ="), "{lock}");
    assert!(block("libc6").contains("suite = \"bookworm\"\n"), "{lock}");

    // A locked run with an empty cache fetches each package from the root it was locked from.
    fs_err::remove_dir_all(env.cache()).unwrap();
    env.server.clear_log();
    let out = run(&[
        "--locked",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libssl-dev",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = env.server.log();
    let ssl = env.suites[1].deb("libssl3");
    assert!(
        log.contains(&format!("200 /debian-security/{}", ssl.filename)),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("InRelease")),
        "a locked run reads no index: {log:?}"
    );
}

#[test]
fn no_updates_reads_the_release_alone_and_a_later_run_with_them_resolves_again() {
    let env = fixture_with_update_suites(archive_key());
    let out = env.ok(&[
        "--no-updates",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libssl-dev",
    ]);
    assert!(!out.is_empty());
    let list = env.ok(&["sysroot", "list"]);
    assert!(list.contains("libssl-dev 3.0.17-1~deb12u2 arm64"), "{list}");
    assert!(list.contains("linux-libc-dev 6.1.158-1 arm64"), "{list}");
    let log = env.server.log();
    assert!(
        !log.iter()
            .any(|l| l.contains("-updates") || l.contains("-security")),
        "{log:?}"
    );
    // Offline, the update suites (never fetched) are left out, and the sysroot says so...
    let out = env.run(&[
        "-v",
        "--offline",
        "sysroot",
        "add",
        "--target",
        "arm64",
        "libssl-dev",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("skipping bookworm-security: not in the cache"),
        "{}",
        text(&out.stderr)
    );
    let list = env.ok(&["sysroot", "list"]);
    assert!(list.contains("libssl-dev 3.0.17-1~deb12u2 arm64"), "{list}");
    // ...so the same request online reads them: another sysroot, not the cached one.
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    let list = env.ok(&["sysroot", "list"]);
    assert!(list.contains("libssl-dev 3.0.17-1~deb12u3 arm64"), "{list}");
    assert!(list.contains("linux-libc-dev 6.1.159-1 arm64"), "{list}");
}

#[test]
fn a_bad_signature_on_the_security_suite_fails() {
    let other =
        TestSigner::generate_with_signing_subkey("someone else <x@example.invalid>").unwrap();
    let env = fixture_with_update_suites(other);
    let err = env.fail(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(err.contains("signature"), "{err}");
    assert!(
        err.contains("/debian-security/dists/bookworm-security/InRelease"),
        "{err}"
    );
    assert!(
        !env.cache()
            .join("sysroots-v1/aarch64-unknown-linux-gnu/bookworm/current")
            .exists()
    );
}

#[test]
fn missing_update_suites_are_skipped_with_a_note() {
    // The plain fixture has neither bookworm-updates nor a /debian-security root.
    let env = fixture();
    let out = env.run(&["-v", "sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("skipping bookworm-updates"), "{stderr}");
    assert!(stderr.contains("skipping bookworm-security"), "{stderr}");
    let log = env.server.log();
    assert!(
        log.contains(&"404 /debian/dists/bookworm-updates/InRelease".to_string()),
        "{log:?}"
    );
    let list = env.ok(&["sysroot", "list"]);
    assert!(list.contains("libssl-dev 3.0.17-1~deb12u2 arm64"), "{list}");
    // A warm rerun does not ask for the missing suites again.
    env.server.clear_log();
    env.ok(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
    assert_eq!(env.server.log(), Vec::<String>::new());
}

#[test]
fn insecure_downloads_are_bounded_by_a_cap() {
    let env = fixture();
    let ssl = env.archive.deb("libssl3").clone();
    for announce in [false, true] {
        env.server.clear_faults();
        env.server.fault(
            &ssl.filename,
            Fault::Append {
                extra: 64 << 20,
                announce,
            },
        );
        let out = env.run_bounded(
            &[("CROSSROOT_HTTP_MAX_UNSIGNED_SIZE", "1000000")],
            &[
                "--insecure-skip-verify",
                "sysroot",
                "add",
                "--target",
                "arm64",
                "libssl-dev",
            ],
        );
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains(&ssl.filename), "{err}");
        assert!(err.contains("larger than 1000000 bytes"), "{err}");
        assert!(err.contains("CROSSROOT_HTTP_MAX_UNSIGNED_SIZE"), "{err}");
        // Nothing near the 64 MiB body was written.
        let written: u64 = walk(&env.cache())
            .iter()
            .filter_map(|p| p.symlink_metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
        assert!(written < 4 << 20, "{written} bytes in the cache");
    }
}

/// A `-security` suite whose signed `InRelease` verifies but whose index (or a package it
/// lists) the mirror does not serve intact: the sysroot comes from the release alone, with a
/// warning naming the suite and the file.
/// Nothing unverified is used; a bad signature stays an error (above).
#[test]
fn an_inconsistent_security_suite_falls_back_to_the_release_with_a_warning() {
    for fault in ["index", "deb"] {
        let env = fixture_with_update_suites(archive_key());
        let security = &env.suites[1];
        match fault {
            "index" => env.server.fault(
                &format!("/debian-security/{}", security.packages_xz("arm64")),
                Fault::Replace(b"\xfd7zXZ\0 mid-sync".to_vec()),
            ),
            _ => env
                .server
                .fault(&security.deb("libssl3").filename, Fault::NotFound),
        }
        let out = env.run(&["sysroot", "add", "--target", "arm64", "libssl-dev"]);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{fault}: {stderr}");
        assert!(
            stderr.contains("warning: the mirror's `bookworm-security` is inconsistent")
                && stderr.contains("built from `bookworm` alone"),
            "{fault}: {stderr}"
        );
        let list = env.ok(&["sysroot", "list"]);
        assert!(
            list.contains("libssl-dev 3.0.17-1~deb12u2 arm64"),
            "{fault}: {list}"
        );
        assert!(
            list.contains("linux-libc-dev 6.1.158-1 arm64"),
            "{fault}: {list}"
        );
    }
}
