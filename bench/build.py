#!/usr/bin/env python3
"""Build benchmarks for crossroot (issue: toolchain). Prints ratios measured in one run.

  python3 bench/build.py [--runs N]

Measures, for examples/cc-libm (C code through cc-rs) and examples/hello-threads:
  1. clean `crossroot build --release --target aarch64-linux` vs clean native `cargo build --release`
     (provisioning is done once beforehand and not counted: it is a one-time download);
  2. no-op `crossroot build --target aarch64-linux` vs no-op `cargo build` (median of many runs);
  3. a test suite under QEMU vs native (`cargo test --release` binaries run directly), and
  4. QEMU's per-process start-up (a tiny program under the runner vs natively).
Uses only Python's standard library; needs network the first time (sysroot, clang, QEMU).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(ROOT, "examples")


def run(cmd, cwd=None, env=None, quiet=True):
    out = subprocess.DEVNULL if quiet else None
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=out)
    if r.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}")


def timed(cmd, **kw):
    t = time.perf_counter()
    run(cmd, **kw)
    return time.perf_counter() - t


def median_of(n, cmd, **kw):
    return statistics.median(timed(cmd, **kw) for _ in range(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="clean builds per side")
    ap.add_argument("--noop-runs", type=int, default=30)
    args = ap.parse_args()

    print("building crossroot (release)...", file=sys.stderr)
    run(["cargo", "build", "--release", "-q", "-p", "crossroot"], cwd=ROOT, quiet=False)
    cr = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "crossroot")
    work = tempfile.mkdtemp(prefix="crossroot-bench-")
    env = dict(os.environ)
    env.setdefault("CROSSROOT_CACHE_DIR", os.path.join(ROOT, "target", "bench-cache"))
    env.pop("CARGO_BUILD_BUILD_DIR", None)  # each measured build owns its target dir
    cc_libm = os.path.join(EX, "cc-libm")

    # Provisioning happens once; fetch the cc crate too so no build below touches the network.
    print("provisioning aarch64 (one-time)...", file=sys.stderr)
    t_prov = timed([cr, "test", "--target", "aarch64-linux"], cwd=cc_libm,
                   env={**env, "CARGO_TARGET_DIR": os.path.join(work, "warm")}, quiet=False)

    # 1. clean release builds, alternating sides.
    native, cross = [], []
    for i in range(args.runs):
        d = os.path.join(work, f"n{i}")
        native.append(timed(["cargo", "build", "--release"], cwd=cc_libm, env={**env, "CARGO_TARGET_DIR": d}))
        d = os.path.join(work, f"c{i}")
        cross.append(timed([cr, "build", "--release", "--target", "aarch64-linux"], cwd=cc_libm,
                           env={**env, "CARGO_TARGET_DIR": d}))
    clean_native, clean_cross = statistics.median(native), statistics.median(cross)

    # 2. no-op builds in the same target dir.
    d = os.path.join(work, "noop")
    e = {**env, "CARGO_TARGET_DIR": d}
    run(["cargo", "build"], cwd=cc_libm, env=e)
    run([cr, "build", "--target", "aarch64-linux"], cwd=cc_libm, env=e)
    noop_native = median_of(args.noop_runs, ["cargo", "build"], cwd=cc_libm, env=e)
    noop_cross = median_of(args.noop_runs, [cr, "build", "--target", "aarch64-linux"], cwd=cc_libm, env=e)

    # 3./4. test binaries under QEMU vs native.
    ht = os.path.join(EX, "hello-threads")
    d = os.path.join(work, "tests")
    e = {**env, "CARGO_TARGET_DIR": d}
    run(["cargo", "test", "--release", "--no-run"], cwd=ht, env=e)
    run([cr, "test", "--release", "--no-run", "--target", "aarch64-linux"], cwd=ht, env=e)
    info = json.loads(subprocess.run([cr, "env", "--target", "aarch64-linux", "--format", "json"],
                                     cwd=ht, env=e, capture_output=True, check=True).stdout)
    runner = info["runner"]

    def test_bin(triple_dir):
        deps = os.path.join(d, *triple_dir, "release", "deps")
        cands = [os.path.join(deps, f) for f in os.listdir(deps)
                 if f.startswith("hello_threads-") and "." not in f]
        # the library's test binary is the one with 3 tests
        for c in cands:
            out = subprocess.run(([] if not triple_dir else runner) + [c, "--list"], capture_output=True, text=True).stdout
            if "token_ring_hops" in out:
                return c
        sys.exit("test binary not found")

    nat_bin, x_bin = test_bin([]), test_bin(["aarch64-unknown-linux-gnu"])
    suite_native = median_of(10, [nat_bin])
    suite_qemu = median_of(10, runner + [x_bin])
    tiny_nat = os.path.join(d, "release", "hello-threads")
    tiny_x = os.path.join(d, "aarch64-unknown-linux-gnu", "release", "hello-threads")
    run(["cargo", "build", "--release"], cwd=ht, env=e)
    run([cr, "build", "--release", "--target", "aarch64-linux"], cwd=ht, env=e)
    start_native = median_of(20, [tiny_nat])
    start_qemu = median_of(20, runner + [tiny_x])

    shutil.rmtree(work, ignore_errors=True)
    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"one-time provisioning + first cross test of cc-libm: {t_prov:.1f} s")
    print(f"clean release build, cc-libm: native {clean_native:.2f} s, crossroot aarch64 {clean_cross:.2f} s, "
          f"ratio {clean_cross / clean_native:.2f} (goal <= 1.05)")
    print(f"no-op build: cargo {ms(noop_native)}, crossroot {ms(noop_cross)}, "
          f"overhead {ms(noop_cross - noop_native)} (goal <= +20 ms)")
    print(f"hello-threads test binary: native {ms(suite_native)}, QEMU {ms(suite_qemu)}, ratio {suite_qemu / suite_native:.1f}")
    print(f"per-process start-up (tiny program): native {ms(start_native)}, QEMU {ms(start_qemu)}, "
          f"QEMU start-up ~{ms(start_qemu - start_native)}")


if __name__ == "__main__":
    main()
