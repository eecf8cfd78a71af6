#!/usr/bin/env python3
"""What a glibc floor below every Debian release costs (issue: glibc floors). Ratios from one run.

  python3 bench/floor.py [--runs N] [--noop-runs M]

For examples/cc-libm (Rust + C through cc-rs, libm, pthreads), on aarch64:
  1. clean `crossroot build --release --target aarch64-unknown-linux-gnu` (bookworm, no stubs)
     vs the same with `.2.17` (bullseye + link-only glibc stubs): wall and CPU (user+sys of
     every child), sides alternated, median of N;
  2. no-op `crossroot build` of both, median of M.
Provisioning (sysroots, clang, QEMU, the stubs) happens once beforehand and is not counted.
Uses only Python's standard library.
"""
import argparse, os, resource, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAIN = "aarch64-unknown-linux-gnu"
FLOOR = "aarch64-unknown-linux-gnu.2.17"


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, cwd, env):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{r.stderr.decode(errors='replace')}")


def measured(cmd, cwd, env):
    c, t = cpu(), time.perf_counter()
    run(cmd, cwd, env)
    return time.perf_counter() - t, cpu() - c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--noop-runs", type=int, default=20)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "crossroot"], cwd=ROOT, check=True)
    cr = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "crossroot")
    ex = os.path.join(ROOT, "examples", "cc-libm")
    work = tempfile.mkdtemp(prefix="crossroot-floor-bench-")
    env = dict(os.environ)
    env.setdefault("CROSSROOT_CACHE_DIR", os.path.join(ROOT, "target", "bench-cache"))
    env.pop("CARGO_BUILD_BUILD_DIR", None)
    for t in (PLAIN, FLOOR):  # one-time provisioning, not counted
        run([cr, "build", "--release", "--target", t], ex, {**env, "CARGO_TARGET_DIR": os.path.join(work, "warm")})
    sides = {PLAIN: [], FLOOR: []}
    for i in range(args.runs):
        for t in (PLAIN, FLOOR) if i % 2 == 0 else (FLOOR, PLAIN):
            d = os.path.join(work, f"{i}-{t}")
            sides[t].append(measured([cr, "build", "--release", "--target", t], ex, {**env, "CARGO_TARGET_DIR": d}))
    noop = {}
    for t in (PLAIN, FLOOR):
        d = os.path.join(work, f"noop-{t}")
        e = {**env, "CARGO_TARGET_DIR": d}
        run([cr, "build", "--target", t], ex, e)
        noop[t] = statistics.median(measured([cr, "build", "--target", t], ex, e)[0] for _ in range(args.noop_runs))
    med = lambda xs, k: statistics.median(x[k] for x in xs)
    pw, fw = med(sides[PLAIN], 0), med(sides[FLOOR], 0)
    pc, fc = med(sides[PLAIN], 1), med(sides[FLOOR], 1)
    print(f"clean build --release, wall: {PLAIN} {pw:.2f} s, {FLOOR} {fw:.2f} s, ratio {fw / pw:.2f}x")
    print(f"clean build --release, CPU:  {PLAIN} {pc:.2f} s, {FLOOR} {fc:.2f} s, ratio {fc / pc:.2f}x")
    print(f"no-op build, median of {args.noop_runs}: {PLAIN} {noop[PLAIN] * 1000:.1f} ms, "
          f"{FLOOR} {noop[FLOOR] * 1000:.1f} ms, ratio {noop[FLOOR] / noop[PLAIN]:.2f}x")


if __name__ == "__main__":
    main()
