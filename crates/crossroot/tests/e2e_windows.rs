//! End-to-end: Windows from a Linux host. `crossroot test --target x86_64-pc-windows-gnu` builds
//! `examples/hello-threads` with the mingw-w64 GCC from the archive and runs its tests under Wine
//! from the archive (private prefix in the cache); `crossroot run` and `inspect` on the `.exe`.
//! Needs the network, so it runs only with `CROSSROOT_E2E=1` (shared cache and target dir of the
//! e2e suites).

#![allow(clippy::print_stderr)]

use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod e2e_support;
use e2e_support::{crossroot, enabled, example, target_dir};

static SERIAL: Mutex<()> = Mutex::new(());

const TARGET: &str = "x86_64-pc-windows-gnu";

fn show(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Wait for `child`, killing it (and failing) if it has not ended after `limit`: a hang
/// detector, not a timing assertion.
fn wait_or_kill(mut child: std::process::Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("{what} did not end within {limit:?}\n{}", show(&out));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn windows_tests_run_under_wine_and_a_pipe_ends() {
    if !enabled("windows_tests_run_under_wine_and_a_pipe_ends") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = example("hello-threads");
    // `crossroot test … | cat`: Wine's helper processes must not keep the pipe open, so `cat`
    // sees the end of its input and the pipeline ends with crossroot.
    let bin = env!("CARGO_BIN_EXE_crossroot");
    let env = crossroot();
    let mut sh = Command::new("bash");
    sh.arg("-c")
        .arg(format!(
            "'{bin}' test --target {TARGET} 2>&1 | cat; exit ${{PIPESTATUS[0]}}"
        ))
        .current_dir(&dir)
        .envs(env.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = wait_or_kill(
        sh.spawn().expect("spawn bash"),
        Duration::from_secs(1800),
        "`crossroot test | cat`",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", show(&out));
    let passed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("test result: ok. "))
        .collect();
    assert_eq!(passed.len(), 3, "{stdout}");
    assert!(
        passed[0].starts_with("test result: ok. 3 passed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test src/lib.rs - parallel_sum (line 9) ... ok"),
        "{stdout}"
    );
    eprintln!("ok: hello-threads on {TARGET} under Wine, through a pipe");
}

#[test]
fn windows_run_and_inspect_the_exe() {
    if !enabled("windows_run_and_inspect_the_exe") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = example("hello-threads");
    let out = crossroot()
        .current_dir(&dir)
        .args(["run", "--target", "win64"])
        .output()
        .expect("run crossroot");
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("hello from windows x86_64 (64-bit, little endian)"),
        "{}",
        show(&out)
    );
    assert!(stdout.contains("sum = 500500"), "{}", show(&out));

    let exe = target_dir().join(TARGET).join("debug/hello-threads.exe");
    let out = crossroot()
        .args(["inspect", "--json", "--expect-target", "win64"])
        .arg(&exe)
        .output()
        .expect("run crossroot");
    assert!(out.status.success(), "{}", show(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let pe = &doc["files"][0]["pe"];
    assert_eq!(pe["format"], "PE32+", "{doc}");
    assert_eq!(pe["machine"]["name"], "x86-64", "{doc}");
    assert_eq!(pe["subsystem"]["name"], "console", "{doc}");
    assert_eq!(pe["type"], "executable", "{doc}");
    assert_eq!(pe["targets"], serde_json::json!([TARGET]), "{doc}");
    let imports: Vec<String> = pe["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|v| v.as_str().expect("string").to_ascii_lowercase())
        .collect();
    assert!(imports.contains(&"kernel32.dll".to_string()), "{doc}");
    // Rust links libgcc and winpthreads statically: nothing has to ship beside the .exe.
    assert_eq!(pe["must_ship"], serde_json::json!([]), "{doc}");
    // The same file is no Linux binary.
    let out = crossroot()
        .args(["inspect", "--expect-target", "x86_64-unknown-linux-gnu"])
        .arg(&exe)
        .output()
        .expect("run crossroot");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("format: the target has ELF (Linux)"),
        "{}",
        show(&out)
    );
}

/// The path in `(…)` at the end of doctor's `name:` line.
fn doctor_path(doctor: &str, name: &str) -> std::path::PathBuf {
    let line = doctor
        .lines()
        .find(|l| l.starts_with(&format!("ok    {name}: ")))
        .unwrap_or_else(|| panic!("no ok `{name}` line:\n{doctor}"));
    let start = line.find('(').expect("a path in parentheses") + 1;
    let end = start + line[start..].find(')').expect("closing parenthesis");
    std::path::PathBuf::from(&line[start..end])
}

/// Whether a wineserver of `prefix` is running (its environment names the prefix).
fn wineserver_alive(prefix: &std::path::Path) -> bool {
    let wanted = format!("WINEPREFIX={}", prefix.display());
    fs_err::read_dir("/proc")
        .expect("read /proc")
        .flatten()
        .any(|p| {
            let comm = fs_err::read_to_string(p.path().join("comm")).unwrap_or_default();
            comm.trim() == "wineserver64"
                && fs_err::read(p.path().join("environ"))
                    .unwrap_or_default()
                    .split(|b| *b == 0)
                    .any(|v| v == wanted.as_bytes())
        })
}

#[test]
fn two_runs_starting_together_without_a_wineserver_both_end() {
    if !enabled("two_runs_starting_together_without_a_wineserver_both_end") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = example("hello-threads");
    // Build (and provision) first, so both runs below only start Wine.
    let out = crossroot()
        .current_dir(&dir)
        .args(["run", "--target", "win64"])
        .output()
        .expect("run crossroot");
    assert!(out.status.success(), "{}", show(&out));
    // doctor names the prefix and the Wine tree: stop the prefix's wineserver.
    let out = crossroot()
        .current_dir(&dir)
        .args(["doctor", "--target", "win64"])
        .output()
        .expect("run crossroot doctor");
    let doctor = String::from_utf8_lossy(&out.stdout).into_owned();
    let prefix = doctor_path(&doctor, "Wine prefix");
    let tree = doctor_path(&doctor, "Wine");
    let stop = Command::new(tree.join("usr/lib/wine/wineserver64"))
        .arg("-k")
        .env("WINEPREFIX", &prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run wineserver -k");
    eprintln!("wineserver -k: {stop}");
    let stopping = Instant::now();
    while wineserver_alive(&prefix) {
        assert!(
            stopping.elapsed() < Duration::from_secs(60),
            "the wineserver of {} did not stop",
            prefix.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let bin = env!("CARGO_BIN_EXE_crossroot");
    let env = crossroot();
    let start = || {
        Command::new("bash")
            .arg("-c")
            .arg(format!(
                "'{bin}' run --target win64 2>&1 | cat; exit ${{PIPESTATUS[0]}}"
            ))
            .current_dir(&dir)
            .envs(env.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn bash")
    };
    let (first, second) = (start(), start());
    let limit = Duration::from_secs(300);
    let outs = [
        wait_or_kill(first, limit, "the first `crossroot run | cat`"),
        wait_or_kill(second, limit, "the second `crossroot run | cat`"),
    ];
    // Had a Wine helper inherited a pipe, `cat` would have seen its end only when the
    // wineserver exited (30 s after the last program): it must still be up now.
    assert!(
        wineserver_alive(&prefix),
        "both pipes ended only when the wineserver did"
    );
    for out in &outs {
        assert!(out.status.success(), "{}", show(out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("sum = 500500"),
            "{}",
            show(out)
        );
    }
}
