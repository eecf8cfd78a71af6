//! README.md stays true: its targets table is what `crossroot targets --json` says, its Quick
//! start holds exactly two commands, and `.ci/run` runs the README's test command.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_crossroot");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme() -> String {
    fs_err::read_to_string(repo().join("README.md")).expect("README.md")
}

/// The text between `<!-- begin: NAME -->` and `<!-- end: NAME -->`.
fn block<'a>(text: &'a str, name: &str) -> &'a str {
    let begin = format!("<!-- begin: {name} -->\n");
    let end = format!("<!-- end: {name} -->");
    let start = text.find(&begin).map(|i| i + begin.len());
    let start = start.unwrap_or_else(|| panic!("README.md has no `{begin}` marker"));
    let len = text[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("README.md has no `{end}` marker"));
    &text[start..start + len]
}

/// The single shell command in a fenced block.
fn one_command(block: &str) -> String {
    let lines: Vec<&str> = block
        .lines()
        .filter(|l| !l.starts_with("```") && !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one command line in:\n{block}"
    );
    lines[0].to_string()
}

/// `crossroot targets --json`, run with an empty cache.
fn targets_json() -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(BIN)
        .args(["targets", "--json"])
        .current_dir(dir.path())
        .env("CROSSROOT_CACHE_DIR", dir.path().join("cache"))
        .env_remove("CROSSROOT_MIRROR")
        .output()
        .expect("run crossroot");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The glibc floors table the README must hold, built from the binary's JSON: every glibc
/// target, the lowest floor, and what it builds against.
fn floors_table_from_binary() -> String {
    let mut out = String::from(
        "| Target | Rust's minimum glibc | Lowest floor | Built against | Tests run on |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for r in targets_json().as_array().expect("array") {
        let (Some(min), Some(lowest), Some(release)) = (
            r["min_glibc"].as_str(),
            r["lowest_floor"].as_str(),
            r["lowest_floor_release"].as_str(),
        ) else {
            continue;
        };
        let runs = if r["triple"] == "x86_64-unknown-linux-gnu" {
            "the host (natively) on x86_64, else QEMU".to_string()
        } else {
            format!("QEMU, with {release}'s glibc")
        };
        out.push_str(&format!(
            "| `{}.{lowest}` | {min} | {lowest} | {release} + stubs | {runs} |\n",
            r["triple"].as_str().expect("triple"),
        ));
    }
    out
}

/// The Markdown table the README must hold, built from the binary's JSON.
fn table_from_binary() -> String {
    let rows = targets_json();
    let list = |v: &serde_json::Value, code: bool| -> String {
        v.as_array()
            .expect("array")
            .iter()
            .map(|s| {
                let s = s.as_str().expect("string");
                if code {
                    format!("`{s}`")
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::from(
        "| Target | Debian arch | Debian releases | libc | Runner | Loader | Also accepted as |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in rows.as_array().expect("array") {
        let s = |k: &str| r[k].as_str().expect(k).to_string();
        let libc = match s("libc").as_str() {
            "gnu" => "glibc".to_string(),
            other => other.to_string(),
        };
        // Windows targets run under Wine and have no ELF loader.
        let runner = match s("qemu").as_str() {
            "" => s("runner_kind"),
            qemu => qemu.to_string(),
        };
        let loader = match s("loader").as_str() {
            "" => "—".to_string(),
            loader => format!("`{loader}`"),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {libc} | {runner} | {loader} | {} |\n",
            s("triple"),
            s("debian_arch"),
            list(&r["releases"], false),
            list(&r["aliases"], true),
        ));
    }
    out
}

#[test]
fn readme_targets_table_matches_the_binary() {
    let readme = readme();
    let want = table_from_binary();
    let have = block(&readme, "targets-table");
    assert!(
        have == want,
        "README.md's targets table is out of date; replace the lines between the targets-table markers with:\n\n{want}"
    );
}

#[test]
fn readme_floors_table_matches_the_binary() {
    let readme = readme();
    let want = floors_table_from_binary();
    let have = block(&readme, "floors-table");
    assert!(
        have == want,
        "README.md's floors table is out of date; replace the lines between the floors-table markers with:\n\n{want}"
    );
}

#[test]
fn quick_start_has_exactly_two_commands() {
    let readme = readme();
    let start = readme
        .find("## Quick start")
        .expect("a Quick start section");
    let end = readme[start + 1..]
        .find("\n## ")
        .map_or(readme.len(), |i| start + 1 + i);
    let section = &readme[start..end];
    let fences = section.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fences, 4, "Quick start must hold exactly two code blocks");
    let main = one_command(block(section, "main-command"));
    let test = one_command(block(section, "test-command"));
    assert!(main.contains("--target"), "{main}");
    assert!(test.contains("cargo test --workspace"), "{test}");
    assert!(
        test.contains("CROSSROOT_E2E=1"),
        "the test command must run the e2e tests: {test}"
    );
    // An example named by the main command is a project under examples/ that exists (once
    // the examples are in the tree).
    if let Some(path) = main.split_whitespace().find(|w| w.starts_with("examples/")) {
        assert!(path.ends_with("Cargo.toml"), "{main}");
        if repo().join("examples").is_dir() {
            assert!(
                repo().join(path).is_file(),
                "{path} named in README.md does not exist"
            );
        }
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = fs_err::read_to_string(repo().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.starts_with("#!/usr/bin/env bash\n"),
        ".ci/run must be a bash script"
    );
    assert!(ci.contains("set -euo pipefail"));
    assert!(
        ci.contains("<!-- begin: test-command -->") && ci.contains("<!-- end: test-command -->"),
        ".ci/run must read the test command from README.md's markers"
    );
    for step in [
        "cargo fmt --all -- --check",
        "cargo clippy --workspace --all-targets",
        "-D warnings",
        "cargo doc --workspace --no-deps",
    ] {
        assert!(ci.contains(step), ".ci/run must run `{step}`");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs_err::metadata(repo().join(".ci/run"))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, ".ci/run must be executable");
    }
    // The extraction in .ci/run finds the same command this test does.
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            "sed -n '/<!-- begin: test-command -->/,/<!-- end: test-command -->/p' README.md \
             | grep -v -e '^<!--' -e '^```' -e '^[[:space:]]*$'",
        )
        .current_dir(repo())
        .output()
        .expect("bash");
    let extracted = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(extracted, one_command(block(&readme(), "test-command")));
}
