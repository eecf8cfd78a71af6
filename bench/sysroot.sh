#!/usr/bin/env bash
# Benchmark `crossroot sysroot add --target arm64 libssl-dev` against the mirror crossroot finds
# (--mirror / CROSSROOT_MIRROR / config / the host's apt sources). Not a test: prints numbers.
#
#   bench/sysroot.sh            # 3 cold runs, 3 cold-with-lockfile runs, 20 warm runs
#   RUNS=5 bench/sysroot.sh
#
# cold            empty cache: InRelease + Packages.xz + every .deb, resolve, unpack
# cold, locked    empty cache but a crossroot.lock: no index needed, .debs only
# warm            everything cached: must send no request (checked: no "downloaded" in output)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WARM_RUNS=${WARM_RUNS:-20}
export CARGO_BUILD_BUILD_DIR=${CARGO_BUILD_BUILD_DIR:-/work/build-shared}
cargo build --release -p crossroot --quiet
BIN=$PWD/target/release/crossroot
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time (/usr/bin/time) for peak memory" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/project/src"
printf '[package]\nname = "bench"\nversion = "0.1.0"\nedition = "2021"\n' >"$tmp/project/Cargo.toml"
: >"$tmp/project/src/lib.rs"

# run LABEL DIR -> prints "LABEL wall_s rss_kb downloaded"
run() {
  local label=$1 dir=$2
  ( cd "$dir" && "$TIME" -f '%e %M' -o "$tmp/time" "$BIN" sysroot add --target arm64 libssl-dev \
      >"$tmp/out" 2>"$tmp/err" ) || { cat "$tmp/err" >&2; exit 1; }
  local dl
  dl=$(grep -o '[0-9.]* [kM]B downloaded' "$tmp/err" | sed 's/ downloaded//' || true)
  read -r wall rss <"$tmp/time"
  printf '%-14s %6.2f s  %7d KB peak RSS  %s\n' "$label" "$wall" "$rss" "${dl:-0 B (no request)}"
}

echo "== cold (empty cache)"
for i in $(seq "$RUNS"); do
  export CROSSROOT_CACHE_DIR=$tmp/cache-cold-$i
  run cold "$tmp"
done

echo "== cold with crossroot.lock (empty cache, no index needed)"
export CROSSROOT_CACHE_DIR=$tmp/cache-lock
run lock-create "$tmp/project" >/dev/null
for i in $(seq "$RUNS"); do
  rm -rf "$CROSSROOT_CACHE_DIR"
  run cold-locked "$tmp/project"
done

echo "== warm re-run ($WARM_RUNS runs, lockfile present)"
python3 - "$BIN" "$WARM_RUNS" "$tmp/project" <<'PY'
import statistics, subprocess, sys, time
binary, runs, cwd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times = []
for _ in range(runs):
    t = time.perf_counter()
    p = subprocess.run([binary, "sysroot", "add", "--target", "arm64", "libssl-dev"],
                       cwd=cwd, capture_output=True, text=True)
    times.append((time.perf_counter() - t) * 1000)
    assert p.returncode == 0, p.stderr
    assert "downloaded" not in p.stderr, p.stderr
print(f"warm           median {statistics.median(times):.1f} ms  min {min(times):.1f} ms  "
      f"max {max(times):.1f} ms  (no request: nothing downloaded)")
PY
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
