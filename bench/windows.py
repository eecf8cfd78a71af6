#!/usr/bin/env python3
"""Windows benchmark for crossroot (issue 10). Prints a table measured in one run.

  python3 bench/windows.py [--bin PATH] [--runs N]

1. The first Windows test on a bare host: an empty CROSSROOT_CACHE_DIR and CARGO_TARGET_DIR
   under target/ (deleted afterwards), then `crossroot test --target x86_64-pc-windows-gnu` in
   examples/hello-threads: it fetches the mingw-w64 and Wine trees, fixes and strips Wine,
   creates the prefix, builds and runs the tests. Reports the download (the .debs and indexes the
   cache stored), the disk the cache takes (`du`, hard links counted once), the Wine tree plus its
   prefix, and the wall time.
2. The per-process cost of the test binary: the hello-threads unit-test .exe run through
   crossroot's Wine runner with the wineserver kept alive, against the same tests built and run
   natively for x86_64-linux (median of N runs each), as a ratio.
Uses only Python's standard library; needs the network (the Debian mirror crossroot finds) and the
x86_64-pc-windows-gnu Rust std installed. `--bin` defaults to target/debug/crossroot (crossroot's
own speed is not what is measured here).
"""
import argparse, glob, json, os, re, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "hello-threads")
TARGET = "x86_64-pc-windows-gnu"


def run(cmd, env, cwd=EXAMPLE, quiet=True):
    out = subprocess.DEVNULL if quiet else None
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=out)
    if r.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}")


def timed(cmd, env, **kw):
    t = time.perf_counter()
    run(cmd, env, **kw)
    return time.perf_counter() - t


def timed_cpu(cmd, env):
    """(wall, CPU user+sys of the child and what it waited for) of one run."""
    before = os.times()
    wall = timed(cmd, env)
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def du_mb(*paths):
    """Disk use of `paths` together in 10^6 bytes (hard links counted once, as du does)."""
    paths = [p for p in paths if os.path.exists(p)]
    if not paths:
        return 0.0
    out = subprocess.run(["du", "-s", "-B1", "-c", *paths], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1].split()[0]) / 1e6


def test_exe(cmd, env):
    """The unit-test executable of `cmd` (a `--no-run --lib --message-format=json` build)."""
    out = subprocess.run(cmd, cwd=EXAMPLE, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{out.stderr}")
    for line in out.stdout.splitlines():
        msg = json.loads(line) if line.startswith("{") else {}
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            return msg["executable"]
    sys.exit(f"no test executable from {' '.join(cmd)}")


def stop_wineserver(cache):
    """Stop the scratch prefix's wineserver (it would write the registry back into the deleted
    cache when it ends by itself)."""
    for runner in glob.glob(os.path.join(cache, "toolchain-v1", "*", "bin", "wine-runner")):
        values = dict(re.findall(r"^(WINE[A-Z]+)='([^']*)'$", open(runner).read(), re.M))
        if "WINESERVER" in values and "WINEPREFIX" in values:
            subprocess.run([values["WINESERVER"], "-k"], env={**os.environ, "WINEPREFIX": values["WINEPREFIX"]},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run([values["WINESERVER"], "-w"], env={**os.environ, "WINEPREFIX": values["WINEPREFIX"]},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def one(pattern):
    found = sorted(glob.glob(pattern))
    if not found:
        sys.exit(f"nothing matches {pattern}")
    return max(found, key=os.path.getmtime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "crossroot"))
    ap.add_argument("--runs", type=int, default=20, help="runs of each test binary")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        run(["cargo", "build", "-q", "-p", "crossroot"], dict(os.environ), cwd=ROOT, quiet=False)
    scratch = os.path.join(ROOT, "target", "bench-windows")
    shutil.rmtree(scratch, ignore_errors=True)
    cache = os.path.join(scratch, "cache")
    env = dict(os.environ)
    env.update(CROSSROOT_CACHE_DIR=cache, CARGO_TARGET_DIR=os.path.join(scratch, "target"))
    env.pop("CARGO_BUILD_TARGET", None)
    env.pop("RUSTFLAGS", None)
    try:
        # Fetch the example's crates first so the timing below is crossroot's, not the registry's.
        run(["cargo", "fetch", "-q"], env)
        print(f"first `crossroot test --target {TARGET}` with an empty cache...", file=sys.stderr)
        first = timed([args.bin, "test", "--target", TARGET], env, quiet=False)
        download = du_mb(os.path.join(cache, "debs-v1"), os.path.join(cache, "indexes-v1"))
        disk = du_mb(cache)
        wine = du_mb(*glob.glob(os.path.join(cache, "tools-v1", "wine-*", "*", "root")),
                     os.path.join(cache, "wine-prefixes-v1"))
        mingw = du_mb(*glob.glob(os.path.join(cache, "tools-v1", "mingw-*", "*", "root")))
        second = timed([args.bin, "test", "--target", TARGET], env)

        # The unit-test binary, under Wine (server kept alive by the previous run) and natively.
        runner = one(os.path.join(cache, "toolchain-v1", f"{TARGET}-*", "bin", "wine-runner"))
        no_run = ["test", "--no-run", "--lib", "--message-format=json"]
        exe = test_exe([args.bin, *no_run, "--target", TARGET], env)
        native = test_exe(["cargo", *no_run], env)
        run([runner, exe], env)  # warm: the wineserver is up and the files are cached
        wine_runs = [timed_cpu([runner, exe], env) for _ in range(args.runs)]
        native_runs = [timed_cpu([native], env) for _ in range(args.runs)]
    finally:
        stop_wineserver(cache)
        shutil.rmtree(scratch, ignore_errors=True)

    w, n = (statistics.median(r[0] for r in runs) for runs in (wine_runs, native_runs))
    wc, nc = (statistics.median(r[1] for r in runs) for runs in (wine_runs, native_runs))
    rows = [
        ("download (.debs + indexes)", f"{download:.0f} MB"),
        ("cache on disk after the first test", f"{disk:.0f} MB"),
        ("  of which Wine tree + prefix", f"{wine:.0f} MB (goal <= 400)"),
        ("  of which mingw-w64 tree", f"{mingw:.0f} MB"),
        ("first `test` (fetch, unpack, fix, prefix, build, run)", f"{first:.1f} s"),
        ("second `test` (warm cache, built)", f"{second:.1f} s"),
        (f"unit-test binary under Wine, median of {args.runs}", f"{w * 1000:.0f} ms (goal <= 150)"),
        (f"same tests native x86_64-linux, median of {args.runs}", f"{n * 1000:.1f} ms"),
        ("Wine / native", f"{w / n:.1f}x (+{(w - n) * 1000:.0f} ms per process)"),
        ("CPU (user+sys) per process: Wine, native", f"{wc * 1000:.0f} ms, {nc * 1000:.1f} ms (the wineserver's own not counted)"),
        ("load average at the end (1 min), CPUs", f"{os.getloadavg()[0]:.1f}, {os.cpu_count()}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'what'.ljust(width)} | value |")
    print(f"| {'-' * width} | --- |")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")


if __name__ == "__main__":
    main()
