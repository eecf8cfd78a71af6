#!/usr/bin/env python3
"""Emulated test speed (issue 12, part 5): a real published crate's test suite, native vs every
emulated Linux target of crossroot's table, as ratios measured in one run. Prints a table.

  python3 bench/emulation.py [--crate bytes@1.12.1]
      [--targets aarch64-unknown-linux-gnu,s390x-unknown-linux-gnu] [--startup-runs 20]
      [--crossroot PATH]

For the native side (plain `cargo`, host target) and each target (`crossroot … --target T`), in one
fresh target dir, three stages of a clean `cargo test`, each timed:
  compile   `test --no-run`: the library, its dev-dependencies and every test binary;
  tests     `test --tests`: running the test binaries (cargo finds everything fresh);
  doctests  `test --doc`: rustdoc compiles each doctest and runs it, one process each.
Then, per target: QEMU start-up (an empty `fn main` under the runner, median of N, against the
same program natively), the cost of `-E LD_LIBRARY_PATH=…` (crossroot's runner against plain
`qemu -L <sysroot>`), the test binaries run directly under QEMU with the runner's own arguments
(what `crossroot test` adds on top: cargo and crossroot, once per command), and `crossroot exec`
of the empty program (crossroot's own layer when it runs a program itself).

Targets whose Rust std cannot be installed here (`rustup target add` fails, see FIELD-NOTES) are
skipped and listed. The crate comes from the registry through cargo (`cargo fetch` in a scratch
project, then its unpacked source is copied). Python standard library only; nothing is installed
by hand. Takes 15-30 minutes on a busy 2-core machine (doctests are compiled once per target).
"""
import argparse, json, os, re, resource, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "x86_64-unknown-linux-gnu"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CPU = {"last": 0.0}


def run(cmd, cwd=None, env=None, check=True):
    """Run `cmd`, return (seconds, combined output); its CPU (user + sys) goes to CPU["last"]."""
    t, c = time.perf_counter(), children_cpu()
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t
    CPU["last"] = children_cpu() - c
    if check and r.returncode != 0:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-4000:]}")
    return dt, r.stdout


def median_time(n, cmd, env=None):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}")
    return statistics.median(times)


RESULT = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")


def counts(out):
    """(processes that ran tests, tests passed, failed, ignored) from libtest's summary lines."""
    p = f = i = 0
    for m in RESULT.finditer(out):
        p, f, i = p + int(m[1]), f + int(m[2]), i + int(m[3])
    return len(RESULT.findall(out)), p, f, i


def emulated_targets(cr, env, cwd):
    """(target, libc) rows of `crossroot targets` whose programs run under QEMU here."""
    _, out = run([cr, "targets"], cwd=cwd, env=env)
    rows = []
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 8 and "-linux-" in cols[0] and cols[7] == "qemu":
            rows.append(cols[0])
    return rows


def has_std(target):
    installed = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True).stdout.split()
    if target in installed:
        return True
    log(f"  rustup target add {target} ...")
    return subprocess.run(["rustup", "target", "add", target], capture_output=True).returncode == 0


def fetch_crate(spec, work, env):
    """Fetch `name@version` through cargo and copy its unpacked source into `work`."""
    name, version = spec.split("@")
    scratch = os.path.join(work, "fetch")
    os.makedirs(os.path.join(scratch, "src"))
    with open(os.path.join(scratch, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n\n'
                f'[dependencies]\n{name} = "={version}"\n')
    open(os.path.join(scratch, "src", "lib.rs"), "w").close()
    run(["cargo", "fetch"], cwd=scratch, env=env)
    _, out = run(["cargo", "metadata", "--format-version", "1"], cwd=scratch, env=env)
    pkg = next(p for p in json.loads(out)["packages"] if p["name"] == name)
    src = os.path.join(work, name)
    shutil.copytree(os.path.dirname(pkg["manifest_path"]), src)
    run(["cargo", "generate-lockfile"], cwd=src, env=env)
    run(["cargo", "fetch"], cwd=src, env=env)
    return src


def test_binaries(cmd, cwd, env):
    """Executables of `cmd` (a `test --no-run --message-format=json` command)."""
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=True)
    exes = []
    for line in r.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and msg["profile"]["test"]:
            exes.append(msg["executable"])
    return exes


def stages(prefix, target_args, src, env):
    """Time the three stages of a clean `cargo test`; return a dict of numbers."""
    r = {}
    r["compile"], _ = run(prefix + ["test", "--no-run"] + target_args, cwd=src, env=env)
    r["compile_cpu"] = CPU["last"]
    r["tests"], out = run(prefix + ["test", "--tests"] + target_args, cwd=src, env=env)
    r["tests_cpu"] = CPU["last"]
    r["bins"], r["unit_passed"], f1, _ = counts(out)
    r["doc"], out = run(prefix + ["test", "--doc"] + target_args, cwd=src, env=env)
    r["doc_cpu"] = CPU["last"]
    _, r["doc_passed"], f2, r["doc_ignored"] = counts(out)
    r["failed"] = f1 + f2
    r["total"] = r["compile"] + r["tests"] + r["doc"]
    r["cpu"] = r["compile_cpu"] + r["tests_cpu"] + r["doc_cpu"]
    return r


def native_stages(src, env):
    """The native side from scratch (host-side build scripts stay warm, as for the targets)."""
    shutil.rmtree(os.path.join(env["CARGO_TARGET_DIR"], HOST), ignore_errors=True)
    return stages(["cargo"], ["--target", HOST], src, env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crate", default="bytes@1.12.1", help="name@version from the registry")
    ap.add_argument("--targets", help="comma-separated triples (default: every emulated Linux target)")
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--crossroot", help="crossroot binary (default: build target/release/crossroot)")
    args = ap.parse_args()

    env = dict(os.environ)
    env.setdefault("CROSSROOT_CACHE_DIR", os.path.join(ROOT, "target", "bench-cache"))
    env.pop("CARGO_BUILD_BUILD_DIR", None)
    env.pop("RUSTC_WRAPPER", None)
    cr = args.crossroot
    if not cr:
        log("building crossroot (release)...")
        run(["cargo", "build", "--release", "-q", "-p", "crossroot"], cwd=ROOT)
        cr = os.path.join(env.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "crossroot")
    cr = os.path.abspath(cr)

    work = tempfile.mkdtemp(prefix="crossroot-emu-")
    try:
        env["CARGO_TARGET_DIR"] = os.path.join(work, "target")
        log(f"fetching {args.crate} through cargo into {work} ...")
        src = fetch_crate(args.crate, work, env)
        targets = args.targets.split(",") if args.targets else emulated_targets(cr, env, src)
        skipped = [t for t in targets if not has_std(t)]
        targets = [t for t in targets if t not in skipped]

        # An empty program for start-up, built natively and for every target.
        tiny = os.path.join(work, "tiny")
        os.makedirs(os.path.join(tiny, "src"))
        with open(os.path.join(tiny, "Cargo.toml"), "w") as f:
            f.write('[package]\nname = "tiny"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n')
        with open(os.path.join(tiny, "src", "main.rs"), "w") as f:
            f.write("fn main() {}\n")
        tenv = {**env, "CARGO_TARGET_DIR": os.path.join(work, "tiny-target")}
        run(["cargo", "build", "--release", "--target", HOST], cwd=tiny, env=tenv)
        tiny_native = os.path.join(work, "tiny-target", HOST, "release", "tiny")
        start_native = median_time(args.startup_runs, [tiny_native])

        # Build scripts and proc-macros are host code that every side shares through the one
        # target dir: build them once beforehand so the first side measured does not pay alone.
        log("warming the host-side artefacts ...")
        run(["cargo", "test", "--no-run", "--target", HOST], cwd=src, env=env)
        shutil.rmtree(os.path.join(env["CARGO_TARGET_DIR"], HOST))
        # Native is measured right before each target, so every ratio compares two runs made
        # minutes apart at most (the machine is shared: its load drifts).
        natives = []
        rows = []
        for t in targets:
            log(f"native, then {t}: cargo test / crossroot test (compile, tests, doctests) ...")
            nat = native_stages(src, env)
            natives.append(nat)
            r = stages([cr], ["--target", t], src, env)
            log(f"  native {nat}\n  {t} {r}")
            _, out = run([cr, "env", "--target", t, "--format", "json"], cwd=src, env=env)
            runner = json.loads(out)["runner"]
            # Start-up of an empty program: crossroot's runner, plain `qemu -L`, `crossroot exec`.
            run([cr, "build", "--release", "--target", t], cwd=tiny, env=tenv)
            tiny_x = os.path.join(work, "tiny-target", t, "release", "tiny")
            r["start"] = median_time(args.startup_runs, runner + [tiny_x])
            r["start_plain"] = median_time(args.startup_runs, runner[:3] + [tiny_x])
            r["start_exec"] = median_time(max(5, args.startup_runs // 2), [cr, "exec", "--target", t, tiny_x], env=tenv)
            # The test binaries straight under QEMU with the runner's arguments, no cargo/crossroot,
            # right after the same binaries through `crossroot test --tests`.
            exes = test_binaries([cr, "test", "--no-run", "--message-format=json", "--target", t], src, env)
            r["tests_again"], _ = run([cr, "test", "--tests", "--target", t], cwd=src, env=env)
            t0 = time.perf_counter()
            for exe in exes:
                subprocess.run(runner + [exe], cwd=src, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            r["tests_direct"] = time.perf_counter() - t0
            rows.append((t, r, nat))

        first = natives[0]
        print(f"\n{args.crate}: {first['bins']} test binaries, {first['unit_passed']} tests, "
              f"{first['doc_passed']} doctests run ({first['doc_ignored']} ignored). Wall times in seconds; "
              f"each target against the native run made just before it (native totals ranged "
              f"{min(n['total'] for n in natives):.1f}-{max(n['total'] for n in natives):.1f} s).\n")
        print("| target | compile | tests run | doctests (compile + run) | total | native total | **× native** | tests × | doctests × | doctests' share | CPU × native |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for t, r, nat in rows:
            bad = f" ({r['failed']} FAILED)" if r["failed"] else ""
            print(f"| {t}{bad} | {r['compile']:.1f} | {r['tests']:.2f} | {r['doc']:.1f} | {r['total']:.1f} | "
                  f"{nat['total']:.1f} | **{r['total'] / nat['total']:.2f}** | {r['tests'] / nat['tests']:.1f} | "
                  f"{r['doc'] / nat['doc']:.2f} | {r['doc'] / r['total']:.0%} | {r['cpu'] / nat['cpu']:.2f} |")
        print(f"\nNative stages (median over the runs): compile {statistics.median(n['compile'] for n in natives):.1f} s, "
              f"tests {statistics.median(n['tests'] for n in natives):.2f} s, doctests {statistics.median(n['doc'] for n in natives):.1f} s.")

        print(f"\nPer process (empty `fn main`, median of {args.startup_runs}; native {start_native * 1000:.1f} ms):\n")
        print("| target | processes | QEMU start-up (crossroot's runner) | plain `qemu -L` | `-E LD_LIBRARY_PATH` costs | start-up × processes | doctest extra run time each | `crossroot exec` | `test --tests` vs binaries under QEMU directly |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for t, r, nat in rows:
            procs = r["bins"] + r["doc_passed"]
            per_doc = (r["doc"] - nat["doc"]) / max(1, r["doc_passed"])
            print(f"| {t} | {procs} | {r['start'] * 1000:.1f} ms | {r['start_plain'] * 1000:.1f} ms | "
                  f"{(r['start'] - r['start_plain']) * 1000:+.1f} ms | {procs * (r['start'] - start_native):.1f} s | "
                  f"{per_doc * 1000:.0f} ms | {r['start_exec'] * 1000:.0f} ms | "
                  f"{r['tests_again']:.2f} s vs {r['tests_direct']:.2f} s ({(r['tests_again'] - r['tests_direct']) * 1000:+.0f} ms) |")
        if skipped:
            print(f"\nSkipped (Rust std cannot be installed here, `rustup target add` failed): {', '.join(skipped)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
