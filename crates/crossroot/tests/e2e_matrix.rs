//! End-to-end: several targets in one command (one summary, fail-fast and `--no-fail-fast`),
//! and cargo-nextest through crossroot (run, archive, run from the archive elsewhere,
//! partitions). Needs the network and QEMU, so it runs only with `CROSSROOT_E2E=1`; the nextest
//! test also needs cargo-nextest and says so when it is missing.

#![allow(clippy::print_stderr)] // progress notes of a long suite go to the test log

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

mod e2e_support;
use e2e_support::{crossroot, e2e_dir, enabled, example};

static SERIAL: Mutex<()> = Mutex::new(());

fn text(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs_err::read(path).expect("summary file")).expect("summary JSON")
}

/// (target, result, tests passed) of each row of a summary file.
fn rows(summary: &serde_json::Value) -> Vec<(String, String, Option<u64>)> {
    summary["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["target"].as_str().expect("target").to_string(),
                t["result"].as_str().expect("result").to_string(),
                t["tests"]["passed"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn three_targets_one_summary() {
    if !enabled("three_targets_one_summary") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let json = e2e_dir().join("three-targets-summary.json");
    let out = crossroot()
        .current_dir(example("hello-threads"))
        .args([
            "test",
            "--target",
            "aarch64-linux,s390x-linux,armv7-linux",
            "--summary-json",
        ])
        .arg(&json)
        .output()
        .expect("run crossroot");
    assert!(out.status.success(), "{}", text(&out));
    // Each target's own test output is still there, on stdout.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.matches("test result: ok.").count(),
        9,
        "3 suites per target: {}",
        text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let table: Vec<Vec<&str>> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("target "))
        .take(4)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(table.len(), 4, "{}", text(&out));
    assert_eq!(
        table[0],
        ["target", "result", "passed", "failed", "time"],
        "{}",
        text(&out)
    );
    for (row, triple) in table[1..].iter().zip([
        "aarch64-unknown-linux-gnu",
        "s390x-unknown-linux-gnu",
        "armv7-unknown-linux-gnueabihf",
    ]) {
        // hello-threads: 3 unit tests and 1 doctest.
        assert_eq!(row[..4], [triple, "ok", "4", "0"], "{}", text(&out));
    }
    assert!(stderr.contains("3 targets: 3 ok"), "{}", text(&out));
    let s = summary(&json);
    assert_eq!(s["ok"], true);
    assert_eq!(
        rows(&s),
        [
            ("aarch64-unknown-linux-gnu".into(), "ok".into(), Some(4)),
            ("s390x-unknown-linux-gnu".into(), "ok".into(), Some(4)),
            ("armv7-unknown-linux-gnueabihf".into(), "ok".into(), Some(4)),
        ]
    );
}

/// A project whose one test fails on big-endian targets.
fn little_endian_only() -> PathBuf {
    let dir = e2e_dir().join("projects/little-endian-only");
    let files = [
        (
            "Cargo.toml",
            "[package]\nname = \"little-endian-only\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        ),
        (
            "src/lib.rs",
            "#[test]\nfn little_endian() {\n    assert!(cfg!(target_endian = \"little\"), \"this test fails on big-endian targets\");\n}\n",
        ),
    ];
    for (rel, body) in files {
        let path = dir.join(rel);
        fs_err::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        if fs_err::read_to_string(&path).ok().as_deref() != Some(body) {
            fs_err::write(&path, body).expect("write");
        }
    }
    dir
}

#[test]
fn a_failing_target_stops_the_rest_unless_no_fail_fast() {
    if !enabled("a_failing_target_stops_the_rest_unless_no_fail_fast") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let project = little_endian_only();
    let json = e2e_dir().join("fail-fast-summary.json");
    for (extra, aarch64) in [(None, "skipped"), (Some("--no-fail-fast"), "ok")] {
        let out = crossroot()
            .current_dir(&project)
            .args([
                "test",
                "--target",
                "s390x-linux",
                "--target",
                "aarch64-linux",
            ])
            .args(extra)
            .arg("--summary-json")
            .arg(&json)
            .output()
            .expect("run crossroot");
        assert!(!out.status.success(), "{}", text(&out));
        let s = summary(&json);
        assert_eq!(s["ok"], false);
        let rows = rows(&s);
        assert_eq!(
            (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2),
            ("s390x-unknown-linux-gnu", "failed", Some(0)),
            "{extra:?}: {}",
            text(&out)
        );
        assert_eq!(
            (rows[1].0.as_str(), rows[1].1.as_str()),
            ("aarch64-unknown-linux-gnu", aarch64),
            "{extra:?}: {}",
            text(&out)
        );
        assert_eq!(s["targets"][0]["tests"]["failed"], 1, "{}", text(&out));
    }
}

/// Whether `cargo nextest` can run here; prints why the test is skipped otherwise.
fn nextest_installed(name: &str) -> bool {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let ok = Command::new(cargo)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "note: skipping {name}: cargo-nextest is not installed (`cargo install cargo-nextest --locked`)"
        );
    }
    ok
}

#[test]
fn nextest_runs_archives_and_runs_from_the_archive_elsewhere() {
    let name = "nextest_runs_archives_and_runs_from_the_archive_elsewhere";
    if !enabled(name) || !nextest_installed(name) {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let project = example("hello-threads");
    let passed = |out: &Output, n: usize| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}", text(out));
        assert!(
            stderr.contains(&format!("{n} tests run: {n} passed")),
            "{}",
            text(out)
        );
    };

    let out = crossroot()
        .current_dir(&project)
        .args(["nextest", "run", "--target", "s390x-linux"])
        .output()
        .expect("run crossroot nextest");
    passed(&out, 3);
    // The runner keeps stdout clean: nextest lists tests through it.
    let out = crossroot()
        .current_dir(&project)
        .args(["nextest", "list", "--target", "s390x-linux"])
        .output()
        .expect("run crossroot nextest list");
    assert!(out.status.success(), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listed.matches("tests::").count(), 3, "{}", text(&out));

    // Archive here, run from another directory against a copy of the workspace.
    let archive = e2e_dir().join("hello-threads-aarch64.tar.zst");
    let out = crossroot()
        .current_dir(&project)
        .args([
            "nextest",
            "archive",
            "--target",
            "aarch64-linux",
            "--archive-file",
        ])
        .arg(&archive)
        .output()
        .expect("run crossroot nextest archive");
    assert!(out.status.success(), "{}", text(&out));
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let workspace = elsewhere.path().join("workspace");
    e2e_support::copy_dir(&project, &workspace);
    let from_archive = |extra: &[&str]| {
        crossroot()
            .current_dir(elsewhere.path())
            .args([
                "nextest",
                "run",
                "--target",
                "aarch64-linux",
                "--archive-file",
            ])
            .arg(&archive)
            .arg("--workspace-remap")
            .arg(&workspace)
            .args(extra)
            .output()
            .expect("run crossroot nextest run --archive-file")
    };
    passed(&from_archive(&[]), 3);
    // Partitions: every test runs in exactly one of the two shards.
    let shards: Vec<usize> = ["count:1/2", "count:2/2"]
        .iter()
        .map(|p| {
            let out = from_archive(&["--partition", p]);
            assert!(out.status.success(), "{}", text(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            stderr.matches("PASS [").count()
        })
        .collect();
    assert_eq!(shards.iter().sum::<usize>(), 3, "{shards:?}");
    assert!(shards.iter().all(|&n| n > 0), "{shards:?}");
}

/// The test step's command of a `crossroot ci github` workflow for the first cell of its
/// matrix (every `${{ matrix.* }}` replaced by that cell's value), run on `project`.
fn run_first_job(project: &Path, ci_args: &[&str]) -> (String, Output) {
    let out = crossroot()
        .current_dir(project)
        .args(["ci", "github"])
        .args(ci_args)
        .output()
        .expect("run crossroot ci github");
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).expect("the workflow is YAML");
    let job = &doc["jobs"]["test"];
    let mut run = job["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .rev()
        .find_map(|s| s["run"].as_str())
        .expect("a run step")
        .trim()
        .to_string();
    let matrix = job["strategy"]["matrix"].as_mapping().expect("a matrix");
    for (key, values) in matrix {
        let key = key.as_str().expect("a matrix key");
        let first = match &values[0] {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            other => panic!("unexpected matrix value {other:?}"),
        };
        run = run.replace(&format!("${{{{ matrix.{key} }}}}"), &first);
    }
    assert!(
        !run.contains("${{"),
        "every expression is the matrix's: {run}"
    );
    let words: Vec<&str> = run.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"crossroot"), "{run}");
    let out = crossroot()
        .current_dir(project)
        .args(&words[1..])
        .output()
        .expect("run the job's command");
    (run, out)
}

/// The workflow of `crossroot ci github` works: its test step's command, for one target of its
/// matrix, passes on a real project; with `--partitions`, so does the first partition's
/// `crossroot nextest run`.
#[test]
fn ci_github_job_command_runs() {
    let name = "ci_github_job_command_runs";
    if !enabled(name) {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let project = example("hello-threads");
    let (run, out) = run_first_job(&project, &["--target", "s390x-linux,aarch64-linux"]);
    assert_eq!(run, "crossroot test --target s390x-unknown-linux-gnu");
    assert!(out.status.success(), "`{run}`: {}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("test result: ok."), "{}", text(&out));
    assert!(!stdout.contains("FAILED"), "{}", text(&out));

    if !nextest_installed(name) {
        return;
    }
    let (run, out) = run_first_job(
        &project,
        &["--target", "aarch64-linux", "--partitions", "2"],
    );
    assert_eq!(
        run,
        "crossroot nextest run --target aarch64-unknown-linux-gnu --partition count:1/2"
    );
    assert!(out.status.success(), "`{run}`: {}", text(&out));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("PASS"), "{}", text(&out));
    assert!(!all.contains("FAIL ["), "{}", text(&out));
}
