#!/usr/bin/env bash
# The matmul speed targets of the foundation issue, ours against the peer in the same run:
#   1. F32 matmul x[512,4096] · W[4096,4096]ᵀ, 2 threads: >= 0.8 x OpenBLAS sgemm via numpy
#   2. F16 GEMV x[1,4096] · W[11008,4096]ᵀ, 2 threads: weights read at >= 0.7 x a STREAM-like triad
# Ours and the peer's runs are interleaved ROUNDS times (default 3); the medians and ratios close.
# Builds nothing: needs target/jground.jar (mvn -q -B -o package -DskipTests). Peer needs: apt-get install -y python3-numpy
# python3-threadpoolctl libopenblas0-pthread. See docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
# ours runs through the launcher, with the JVM flags every jground command gets
[ -f target/jground.jar ] || { echo "perf_targets: build first: mvn -q -B -o package -DskipTests" >&2; exit 1; }
ours() { ./jground bench matmul "$@" 2>/dev/null; }
# OpenBLAS 0.3.21 does not know this CPU model and falls back to its SSE3 "Prescott" kernel; the
# fair peer is its AVX-512 kernel, so PEER_CORETYPE (default SkylakeX) is forced, and
# OPENBLAS_L2_SIZE, which this machine may set, is dropped. The kernel used is printed.
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="${PEER_CORETYPE:-SkylakeX}" \
           /usr/bin/python3 tools/peer_bench.py "$@"; }
value() { awk '{ v = $(NF-1) } END { print v }'; }          # the figure before the unit on the last line

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %T UTC')"
gemm_ours=(); gemm_peer=(); gemv_ours=(); triad_peer=()
for r in $(seq "$ROUNDS"); do
  out=$(ours --m 512 --n 4096 --k 4096 --dtype f32 --threads 2 --warmup 12 --runs 9)   # C2 compiles the kernel after ~1 s
  echo "round $r ours : $(tail -1 <<<"$out")"; gemm_ours+=("$(value <<<"$out")")
  out=$(peer sgemm --threads 2 --runs 7)
  echo "round $r peer : $(tail -1 <<<"$out")"; gemm_peer+=("$(value <<<"$out")")
  # 60 warm-ups: with both cores busy C2 may take longer than ten calls to compile the GEMV
  out=$(ours --m 1 --n 11008 --k 4096 --dtype f16 --threads 2 --warmup 60 --runs 31)
  gbs=$(grep '^weights read' <<<"$out" | awk '{ print $3 }')
  echo "round $r ours : $(tail -1 <<<"$out") = $gbs GB/s of F16 weights"; gemv_ours+=("$gbs")
  out=$(peer triad --threads 2 --runs 5)
  echo "round $r peer : $(tail -1 <<<"$out")"; triad_peer+=("$(value <<<"$out")")
done
/usr/bin/python3 - "${gemm_ours[*]}" "${gemm_peer[*]}" "${gemv_ours[*]}" "${triad_peer[*]}" <<'PY'
import statistics, sys
go, gp, vo, tp = (statistics.median(map(float, a.split())) for a in sys.argv[1:5])
print("F32 matmul 512x4096x4096, 2 threads: ours %.1f GFLOP/s, OpenBLAS %.1f GFLOP/s, ratio %.2f (target >= 0.80) %s"
      % (go, gp, go / gp, "MET" if go / gp >= 0.8 else "MISSED"))
print("F16 GEMV 1x4096x11008, 2 threads: ours %.2f GB/s of weights, triad %.2f GB/s, ratio %.2f (target >= 0.70) %s"
      % (vo, tp, vo / tp, "MET" if vo / tp >= 0.7 else "MISSED"))
PY
