//! Several targets in one command (`crossroot test --target aarch64-linux,s390x-linux`): what
//! each target's cargo run gave, read from libtest's `test result:` lines in cargo's output, and
//! the one summary at the end, as a table for people and as JSON for machines (the shape is
//! documented in `docs/summary-json.md`). Pure: the caller feeds the bytes cargo wrote and times
//! the runs; nothing here runs, reads or prints anything.

use serde::Serialize;

/// The schema of the JSON shape ([`Summary::to_json`]); bumped on an incompatible change.
pub const SUMMARY_JSON_SCHEMA: u32 = 1;

/// Test counts, summed over every test binary and doctest run of one target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TestCounts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl std::ops::AddAssign for TestCounts {
    fn add_assign(&mut self, other: TestCounts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// One libtest result line: `test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0
/// filtered out; finished in 0.01s` (also `FAILED.`, with colour codes, or with a `\r`).
pub fn parse_result_line(line: &str) -> Option<TestCounts> {
    let line = strip_ansi(line);
    let rest = line.trim().strip_prefix("test result: ")?;
    let (verdict, rest) = rest.split_once(". ")?;
    if verdict != "ok" && verdict != "FAILED" {
        return None;
    }
    let mut counts = TestCounts::default();
    let mut seen_passed = false;
    for part in rest.split(';') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        match what {
            "passed" => {
                counts.passed = n;
                seen_passed = true;
            }
            "failed" => counts.failed = n,
            "ignored" => counts.ignored = n,
            _ => {}
        }
    }
    seen_passed.then_some(counts)
}

/// `line` without ANSI colour sequences (`ESC [ … letter`).
fn strip_ansi(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.clone().next() == Some('[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Reads cargo's output as it comes, in chunks of any size, and sums every result line.
#[derive(Debug, Default)]
pub struct TestTally {
    partial: Vec<u8>,
    counts: TestCounts,
    suites: u32,
}

impl TestTally {
    /// Take the next bytes cargo wrote (lines may be split anywhere).
    pub fn feed(&mut self, mut chunk: &[u8]) {
        while let Some(end) = chunk.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&chunk[..end]);
            self.line();
            chunk = &chunk[end + 1..];
        }
        self.partial.extend_from_slice(chunk);
    }

    /// The sum of every result line seen, or `None` if there was none (nothing ran).
    pub fn finish(mut self) -> Option<TestCounts> {
        if !self.partial.is_empty() {
            self.line();
        }
        (self.suites > 0).then_some(self.counts)
    }

    fn line(&mut self) {
        if let Some(c) = parse_result_line(&String::from_utf8_lossy(&self.partial)) {
            self.counts += c;
            self.suites += 1;
        }
        self.partial.clear();
    }
}

/// How one target's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    /// Not run: an earlier target failed and the command stops at the first failure.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One target's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRun {
    /// The target as crossroot knows it: the Rust triple, with a glibc floor if one was asked
    /// for (`aarch64-unknown-linux-gnu.2.31`).
    pub target: String,
    pub result: Outcome,
    /// cargo's exit code (`None` when cargo did not run or was killed by a signal).
    pub exit_code: Option<i32>,
    /// The summed libtest counts (`test` only; `None` when no test ran or for other commands).
    pub tests: Option<TestCounts>,
    /// Wall time of cargo's run (and the glibc floor check), in seconds; 0 when skipped.
    pub seconds: f64,
    /// Why it failed, when it was not cargo's own failure (provisioning, the glibc floor).
    pub message: Option<String>,
}

impl TargetRun {
    /// A target not run because an earlier one failed.
    pub fn skipped(target: impl Into<String>) -> TargetRun {
        TargetRun {
            target: target.into(),
            result: Outcome::Skipped,
            exit_code: None,
            tests: None,
            seconds: 0.0,
            message: None,
        }
    }
}

/// Every target's row, in the order the targets were given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// [`SUMMARY_JSON_SCHEMA`].
    pub schema: u32,
    /// The cargo subcommand (`test`, `build`, …).
    pub command: String,
    /// Whether every target ran and succeeded.
    pub ok: bool,
    pub targets: Vec<TargetRun>,
}

impl Summary {
    pub fn new(command: impl Into<String>, targets: Vec<TargetRun>) -> Summary {
        Summary {
            schema: SUMMARY_JSON_SCHEMA,
            command: command.into(),
            ok: targets.iter().all(|t| t.result == Outcome::Ok),
            targets,
        }
    }

    /// The table for people: one row per target, test counts only for `test`.
    ///
    /// ```text
    /// target                     result   passed  failed   time
    /// aarch64-unknown-linux-gnu  ok            4       0   3.2s
    /// s390x-unknown-linux-gnu    failed        3       1   5.0s
    /// ```
    pub fn table(&self) -> String {
        let tests = self.command == "test";
        let width = self
            .targets
            .iter()
            .map(|t| t.target.len())
            .chain(["target".len()])
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        let mut row = |target: &str, result: &str, passed: &str, failed: &str, time: &str| {
            let mut line = format!("{target:<width$}  {result:<7}");
            if tests {
                line.push_str(&format!("  {passed:>6}  {failed:>6}"));
            }
            line.push_str(&format!("  {time:>7}"));
            out.push_str(line.trim_end());
            out.push('\n');
        };
        row("target", "result", "passed", "failed", "time");
        for t in &self.targets {
            let count = |f: fn(&TestCounts) -> u64| {
                t.tests
                    .as_ref()
                    .map_or_else(|| "-".into(), |c| f(c).to_string())
            };
            let time = match t.result {
                Outcome::Skipped => "-".to_string(),
                _ => format!("{:.1}s", t.seconds),
            };
            row(
                &t.target,
                t.result.as_str(),
                &count(|c| c.passed),
                &count(|c| c.failed),
                &time,
            );
        }
        out
    }

    /// One line under the table: `2 targets: 1 ok, 1 failed`.
    pub fn verdict(&self) -> String {
        let n = |o: Outcome| self.targets.iter().filter(|t| t.result == o).count();
        let mut parts = vec![format!("{} ok", n(Outcome::Ok))];
        for o in [Outcome::Failed, Outcome::Skipped] {
            if n(o) > 0 {
                parts.push(format!("{} {}", n(o), o.as_str()));
            }
        }
        format!("{} targets: {}", self.targets.len(), parts.join(", "))
    }

    /// The JSON document `--summary-json FILE` writes (see `docs/summary-json.md`).
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(passed: u64, failed: u64, ignored: u64) -> TestCounts {
        TestCounts {
            passed,
            failed,
            ignored,
        }
    }

    #[test]
    fn result_lines_are_read_and_everything_else_is_not() {
        let cases: &[(&str, Option<TestCounts>)] = &[
            (
                "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
                Some(counts(3, 0, 0)),
            ),
            (
                "test result: FAILED. 2 passed; 1 failed; 4 ignored; 0 measured; 0 filtered out; finished in 1.23s",
                Some(counts(2, 1, 4)),
            ),
            // Doctests print the same line; `--color always` wraps the verdict in escapes.
            (
                "test result: \u{1b}[32mok\u{1b}[0m. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.31s\r",
                Some(counts(1, 0, 0)),
            ),
            (
                "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
                Some(counts(0, 0, 0)),
            ),
            // Older libtest without `filtered out` / `finished in`.
            (
                "test result: ok. 5 passed; 0 failed; 2 ignored; 0 measured",
                Some(counts(5, 0, 2)),
            ),
            ("test it_works ... ok", None),
            ("test result: ok.", None),
            ("running 3 tests", None),
            ("error: test failed, to rerun pass `--lib`", None),
            ("    test result: maybe. 1 passed", None),
            ("", None),
        ];
        for (line, want) in cases {
            assert_eq!(parse_result_line(line), *want, "{line:?}");
        }
    }

    const ONE_TARGET: &str = "\
running 3 tests
test tests::a ... ok
test tests::b ... ok
test tests::c ... FAILED

test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

running 2 tests
test src/lib.rs - add (line 3) ... ok
test src/lib.rs - sub (line 9) ... ignored

test result: ok. 1 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.40s
";

    #[test]
    fn the_tally_sums_every_suite_including_doctests_whatever_the_chunks() {
        for size in [1, 2, 7, 64, ONE_TARGET.len()] {
            let mut tally = TestTally::default();
            for chunk in ONE_TARGET.as_bytes().chunks(size) {
                tally.feed(chunk);
            }
            assert_eq!(tally.finish(), Some(counts(3, 1, 1)), "chunks of {size}");
        }
        // The last line needs no newline; no result line at all is `None`.
        let mut tally = TestTally::default();
        tally.feed(b"test result: ok. 4 passed; 0 failed; 0 ignored");
        assert_eq!(tally.finish(), Some(counts(4, 0, 0)));
        let mut none = TestTally::default();
        none.feed(b"   Compiling x v0.1.0\n");
        assert_eq!(none.finish(), None);
    }

    fn run(target: &str, result: Outcome, tests: Option<TestCounts>, secs: f64) -> TargetRun {
        TargetRun {
            target: target.into(),
            result,
            exit_code: match result {
                Outcome::Ok => Some(0),
                Outcome::Failed => Some(101),
                Outcome::Skipped => None,
            },
            tests,
            seconds: secs,
            message: None,
        }
    }

    #[test]
    fn the_table_has_one_row_per_target() {
        let s = Summary::new(
            "test",
            vec![
                run(
                    "aarch64-unknown-linux-gnu",
                    Outcome::Ok,
                    Some(counts(4, 0, 0)),
                    3.24,
                ),
                run(
                    "s390x-unknown-linux-gnu",
                    Outcome::Failed,
                    Some(counts(3, 1, 0)),
                    5.0,
                ),
                TargetRun::skipped("armv7-unknown-linux-gnueabihf"),
            ],
        );
        assert!(!s.ok);
        assert_eq!(
            s.table(),
            "\
target                         result   passed  failed     time
aarch64-unknown-linux-gnu      ok            4       0     3.2s
s390x-unknown-linux-gnu        failed        3       1     5.0s
armv7-unknown-linux-gnueabihf  skipped       -       -        -
"
        );
        assert_eq!(s.verdict(), "3 targets: 1 ok, 1 failed, 1 skipped");

        let b = Summary::new(
            "build",
            vec![run("aarch64-unknown-linux-gnu", Outcome::Ok, None, 12.0)],
        );
        assert!(b.ok);
        assert_eq!(
            b.table(),
            "\
target                     result      time
aarch64-unknown-linux-gnu  ok         12.0s
"
        );
        assert_eq!(b.verdict(), "1 targets: 1 ok");
    }

    #[test]
    fn json_has_the_documented_shape() {
        let s = Summary::new(
            "test",
            vec![
                run(
                    "aarch64-unknown-linux-gnu",
                    Outcome::Ok,
                    Some(counts(4, 0, 1)),
                    2.5,
                ),
                TargetRun::skipped("s390x-unknown-linux-gnu"),
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&s.to_json()).expect("JSON");
        assert_eq!(
            v,
            serde_json::json!({
                "schema": 1,
                "command": "test",
                "ok": false,
                "targets": [
                    {
                        "target": "aarch64-unknown-linux-gnu",
                        "result": "ok",
                        "exit_code": 0,
                        "tests": {"passed": 4, "failed": 0, "ignored": 1},
                        "seconds": 2.5,
                        "message": null
                    },
                    {
                        "target": "s390x-unknown-linux-gnu",
                        "result": "skipped",
                        "exit_code": null,
                        "tests": null,
                        "seconds": 0.0,
                        "message": null
                    }
                ]
            })
        );
    }
}
