//! `crossroot ci github`: the workflow for a project's targets (no network, no QEMU). The file
//! is proven to run by `e2e_matrix::ci_github_job_command_runs`.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");

fn run(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CROSSROOT_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .current_dir(cwd)
        .env("CROSSROOT_CACHE_DIR", cwd.join("cache"))
        .env("CROSSROOT_APT_ROOT", cwd.join("no-apt"))
        .args(args)
        .output()
        .expect("run crossroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

/// A project whose `[package.metadata.crossroot]` lists three targets (aliases).
fn three_target_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs_err::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n\n[package.metadata.crossroot]\n\
         targets = [\"aarch64-linux\", \"s390x-linux\", \"armv7-linux\"]\n",
    )
    .expect("write manifest");
    dir
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn yaml(text: &str) -> serde_yaml::Value {
    serde_yaml::from_str(text).expect("the workflow is YAML")
}

fn strings(v: &serde_yaml::Value) -> Vec<String> {
    v.as_sequence()
        .expect("a list")
        .iter()
        .map(|x| match x {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// The `run:` texts of the job's steps, in order.
fn runs(doc: &serde_yaml::Value) -> Vec<String> {
    doc["jobs"]["test"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str().map(|r| r.trim_end().to_string()))
        .collect()
}

#[test]
fn three_targets_from_the_manifest() {
    let dir = three_target_project();
    let text = stdout(&run(dir.path(), &["ci", "github"]));
    insta::assert_snapshot!("ci_github_three_targets", text);
    let doc = yaml(&text);
    let job = &doc["jobs"]["test"];
    assert_eq!(
        strings(&job["strategy"]["matrix"]["target"]),
        [
            "aarch64-unknown-linux-gnu",
            "s390x-unknown-linux-gnu",
            "armv7-unknown-linux-gnueabihf"
        ]
    );
    assert!(job["strategy"]["matrix"]["partition"].is_null());
    assert_eq!(
        runs(&doc),
        [
            "cargo install --locked crossroot",
            "crossroot test --target ${{ matrix.target }}"
        ]
    );
    let cache = doc["jobs"]["test"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .find(|s| s["uses"].as_str() == Some("actions/cache@v4"))
        .expect("an actions/cache step");
    let key = cache["with"]["key"].as_str().expect("key");
    assert!(key.contains("${{ matrix.target }}"), "{key}");
    assert!(key.contains("${{ hashFiles('crossroot.lock') }}"), "{key}");
    assert_eq!(
        job["env"]["CROSSROOT_CACHE_DIR"].as_str(),
        Some("${{ github.workspace }}/.crossroot-cache")
    );
    assert_eq!(cache["with"]["path"].as_str(), Some(".crossroot-cache"));
    // Deterministic: the same project gives the same bytes.
    assert_eq!(text, stdout(&run(dir.path(), &["ci", "github"])));
}

#[test]
fn nextest_partitions_multiply_the_matrix() {
    let dir = three_target_project();
    let text = stdout(&run(
        dir.path(),
        &[
            "ci",
            "github",
            "--target",
            "aarch64-linux,s390x-linux",
            "--partitions",
            "2",
        ],
    ));
    insta::assert_snapshot!("ci_github_nextest_partitions", text);
    let doc = yaml(&text);
    let matrix = &doc["jobs"]["test"]["strategy"]["matrix"];
    // --target wins over the manifest's list.
    assert_eq!(
        strings(&matrix["target"]),
        ["aarch64-unknown-linux-gnu", "s390x-unknown-linux-gnu"]
    );
    assert_eq!(strings(&matrix["partition"]), ["1", "2"]);
    assert_eq!(
        runs(&doc),
        [
            "cargo install --locked crossroot",
            "cargo install cargo-nextest --locked",
            "crossroot nextest run --target ${{ matrix.target }} --partition count:${{ matrix.partition }}/2"
        ]
    );
}

#[test]
fn install_mirror_and_output_file() {
    let dir = three_target_project();
    let out = run(
        dir.path(),
        &[
            "--mirror",
            "http://mirror.invalid/debian",
            "ci",
            "github",
            "--nextest",
            "--install",
            "cargo install --locked --git https://git.invalid/crossroot crossroot",
            "--output",
            ".github/workflows/crossroot.yml",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let text = fs_err::read_to_string(dir.path().join(".github/workflows/crossroot.yml"))
        .expect("the file was written");
    let doc = yaml(&text);
    assert_eq!(
        doc["env"]["CROSSROOT_MIRROR"].as_str(),
        Some("http://mirror.invalid/debian")
    );
    assert_eq!(
        runs(&doc),
        [
            "cargo install --locked --git https://git.invalid/crossroot crossroot",
            "cargo install cargo-nextest --locked",
            "crossroot nextest run --target ${{ matrix.target }}"
        ]
    );
}

#[test]
fn no_targets_and_bad_targets_fail_with_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs_err::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\n",
    )
    .expect("write manifest");
    let out = run(dir.path(), &["ci", "github"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`crossroot ci github` needs a target"),
        "{err}"
    );
    assert!(err.contains("targets = [\"aarch64-linux\"]"), "{err}");
    let out = run(
        dir.path(),
        &["ci", "github", "--target", "aarch64-linux,arm64-lnux"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`arm64-lnux`"), "{err}");
    assert!(out.stdout.is_empty(), "{err}");
}

#[test]
fn crossroot_flags_reach_the_jobs_command() {
    let dir = three_target_project();
    let text = stdout(&run(
        dir.path(),
        &[
            "--debian-release",
            "bullseye",
            "--static-deps",
            "--insecure-skip-verify",
            "ci",
            "github",
            "--target",
            "arm64",
        ],
    ));
    let doc = yaml(&text);
    assert_eq!(
        runs(&doc).last().map(String::as_str),
        Some(
            "crossroot --debian-release bullseye --static-deps test --target ${{ matrix.target }}"
        )
    );
    assert!(!text.contains("insecure"), "{text}");
}
