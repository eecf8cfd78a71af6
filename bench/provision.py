#!/usr/bin/env python3
"""First cross test on an empty crossroot cache, and the disk its tool trees take, for two builds
of crossroot side by side (e.g. the main branch's and this one's).

  python3 bench/provision.py --bin before=/path/to/old/crossroot --bin after=target/release/crossroot [--runs 3]
      [--targets aarch64-linux,s390x-linux,armv7-linux]

Each run, for each binary in turn (the order alternates between runs, so a busy machine hurts
both alike): a fresh CROSSROOT_CACHE_DIR and a fresh CARGO_TARGET_DIR, then
`crossroot test --target aarch64-unknown-linux-gnu` in examples/hello-threads, which provisions
the sysroot, the compiler (clang, unless the host has one) and the runner (QEMU, unless the host
has one), builds and runs the tests. Measured: wall time, the CPU time (user + sys) of crossroot
and its children, and `du` of the cache's buckets. The Rust std for aarch64 must be installed
beforehand (`rustup target add aarch64-unknown-linux-gnu`): its download is not crossroot's.
With `--targets a,b,c`, one `crossroot test --target a,b,c` instead (several targets provisioned
first, then tested one after another). The scratch caches live under target/ and are deleted.
Needs the network (the Debian mirror of the host's apt sources). Python standard library only.
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.join(ROOT, "examples", "hello-threads")
TRIPLE = "aarch64-unknown-linux-gnu"


def du(path):
    """Bytes on disk under `path` (like `du -s`; hard links counted once)."""
    if not os.path.exists(path):
        return 0
    out = subprocess.run(["du", "-s", "-B1", path], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def first_test(binary, work, triple):
    cache = tempfile.mkdtemp(prefix="cache-", dir=work)
    target = tempfile.mkdtemp(prefix="target-", dir=work)
    env = {**os.environ, "CROSSROOT_CACHE_DIR": cache, "CARGO_TARGET_DIR": target}
    env.pop("CARGO_BUILD_BUILD_DIR", None)
    cpu, t = children_cpu(), time.perf_counter()
    r = subprocess.run([binary, "test", "--target", triple], cwd=PROJECT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - t, children_cpu() - cpu
    if r.returncode != 0:
        sys.exit(f"{binary} test failed:\n{r.stderr}")
    tools = os.path.join(cache, "tools-v1")
    trees = {name: du(os.path.join(tools, name)) for name in sorted(os.listdir(tools))} if os.path.isdir(tools) else {}
    sizes = {
        "tools": du(tools),
        "sysroots": du(os.path.join(cache, "sysroots-v1")),
        "debs": du(os.path.join(cache, "debs-v1")),
        "cache": du(cache),
    }
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    return wall, cpu, sizes, trees


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", action="append", required=True, metavar="NAME=PATH",
                    help="a crossroot binary to measure (give two)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--targets", default=TRIPLE, help="comma-separated, for one multi-target `test`")
    args = ap.parse_args()
    bins = [(n, os.path.abspath(p)) for n, p in (b.split("=", 1) for b in args.bin)]
    for name, path in bins:
        if not os.access(path, os.X_OK):
            sys.exit(f"{name}: `{path}` is not an executable")
    os.makedirs(os.path.join(ROOT, "target"), exist_ok=True)
    work = tempfile.mkdtemp(prefix="bench-provision-", dir=os.path.join(ROOT, "target"))
    results = {name: [] for name, _ in bins}
    try:
        for i in range(args.runs):
            order = bins if i % 2 == 0 else list(reversed(bins))
            for name, path in order:
                res = first_test(path, work, args.targets)
                results[name].append(res)
                print(f"run {i + 1} {name}: {res[0]:.1f} s wall, {res[1]:.1f} s CPU, "
                      f"tool trees {res[2]['tools'] / 1e6:.0f} MB", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    mb = lambda b: f"{b / 1e6:.0f} MB"
    print(f"median of {args.runs} runs, interleaved; `du` of the cache after the first test:")
    print("| | " + " | ".join(name for name, _ in bins) + " |")
    print("| --- |" + " --- |" * len(bins))
    med = lambda name, f: statistics.median(f(r) for r in results[name])
    rows = [
        ("first `test` wall time", lambda r: r[0], lambda v: f"{v:.1f} s"),
        ("CPU time (user + sys)", lambda r: r[1], lambda v: f"{v:.1f} s"),
        ("tool trees (`tools-v1`)", lambda r: r[2]["tools"], mb),
        ("sysroot (`sysroots-v1`)", lambda r: r[2]["sysroots"], mb),
        ("downloaded `.deb`s (`debs-v1`)", lambda r: r[2]["debs"], mb),
        ("whole cache", lambda r: r[2]["cache"], mb),
    ]
    for label, f, fmt in rows:
        print(f"| {label} | " + " | ".join(fmt(med(name, f)) for name, _ in bins) + " |")
    for name, _ in bins:
        trees = results[name][-1][3]
        print(f"{name} trees: " + ", ".join(f"{t} {mb(s)}" for t, s in trees.items()))
    if len(bins) == 2:
        (a, _), (b, _) = bins
        for label, f, _ in rows[:3]:
            print(f"{label}: {b}/{a} = {med(b, f) / med(a, f):.2f}")


if __name__ == "__main__":
    main()
