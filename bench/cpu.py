#!/usr/bin/env python3
"""CPU time of a clean `build --release` cross vs native, and where the difference goes.

  python3 bench/cpu.py [--crossroot target/release/crossroot] [--example zlib-sys] [--runs 5]

For one example crate (default examples/zlib-sys: libz-sys with the system zlib through
pkg-config), measures the CPU time (user + sys of every child process, from getrusage) of
  native: cargo build --release --target x86_64-unknown-linux-gnu
  cross:  crossroot build --release --target aarch64-unknown-linux-gnu
each in a fresh target dir, interleaved, median of --runs. Then one more build of each side
through a RUSTC_WRAPPER that records each rustc's own CPU time by crate, which splits the total
into rustc per crate and "the rest" (cargo, build scripts, the C compiler, pkg-config).
The crossroot cache is warmed first (the sysroot, clang and QEMU are provisioned once, not
measured). Python standard library only.
"""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "x86_64-unknown-linux-gnu"
CROSS = "aarch64-unknown-linux-gnu"

WRAPPER = r'''#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
name = args[args.index("--crate-name") + 1] if "--crate-name" in args else "(probe)"
target = args[args.index("--target") + 1] if "--target" in args else "host"
pid = os.fork()
if pid == 0:
    os.execvp(args[0], args)
_, status, ru = os.wait4(pid, 0)
with open(os.environ["BENCH_RUSTC_LOG"], "a") as f:
    f.write(f"{name}\t{target}\t{ru.ru_utime + ru.ru_stime}\n")
sys.exit(os.waitstatus_to_exitcode(status))
'''


def cpu_of(cmd, cwd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crossroot", default=os.path.join(ROOT, "target", "release", "crossroot"))
    ap.add_argument("--example", default="zlib-sys")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    project = os.path.join(ROOT, "examples", args.example)
    work = tempfile.mkdtemp(prefix="crossroot-bench-cpu-")
    env = dict(os.environ)
    env.setdefault("CROSSROOT_CACHE_DIR", os.path.join(ROOT, "target", "bench-cache"))
    env.pop("CARGO_BUILD_BUILD_DIR", None)
    native_cmd = ["cargo", "build", "--release", "--target", HOST]
    cross_cmd = [args.crossroot, "build", "--release", "--target", CROSS]
    try:
        # Warm: provisioning and the registry are not what is measured.
        for cmd in (native_cmd, cross_cmd):
            cpu_of(cmd, project, {**env, "CARGO_TARGET_DIR": os.path.join(work, "warm")})
        native, cross = [], []
        for i in range(args.runs):
            sides = [("n", native_cmd, native), ("c", cross_cmd, cross)]
            for tag, cmd, out in (sides if i % 2 == 0 else sides[::-1]):
                d = os.path.join(work, f"{tag}{i}")
                out.append(cpu_of(cmd, project, {**env, "CARGO_TARGET_DIR": d}))
                shutil.rmtree(d, ignore_errors=True)
        n, c = statistics.median(native), statistics.median(cross)
        print(f"clean build --release of examples/{args.example}, CPU (user + sys), median of {args.runs}:")
        print(f"  native {n:.2f} s, crossroot {c:.2f} s, ratio {c / n:.3f}")
        print(f"  native runs: {', '.join(f'{x:.2f}' for x in native)}")
        print(f"  cross runs:  {', '.join(f'{x:.2f}' for x in cross)}")

        wrapper = os.path.join(work, "rustc-wrapper")
        with open(wrapper, "w") as f:
            f.write(WRAPPER)
        os.chmod(wrapper, 0o755)
        for tag, cmd in (("native", native_cmd), ("cross", cross_cmd)):
            log = os.path.join(work, f"{tag}.log")
            total = cpu_of(cmd, project, {**env, "CARGO_TARGET_DIR": os.path.join(work, f"w-{tag}"),
                                           "RUSTC_WRAPPER": wrapper, "BENCH_RUSTC_LOG": log})
            per = {}
            for line in open(log):
                name, target, secs = line.rstrip("\n").split("\t")
                key = f"{name} ({'build' if target == 'host' else 'target'})"
                per[key] = per.get(key, 0.0) + float(secs)
            rustc = sum(per.values())
            print(f"{tag}: total {total:.2f} s = rustc {rustc:.2f} s + rest {total - rustc:.2f} s "
                  f"(cargo, build scripts, C compiler, pkg-config, the wrapper itself)")
            for k, v in sorted(per.items(), key=lambda kv: -kv[1]):
                print(f"    {k}: {v:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
