#!/usr/bin/python3
"""Peer figures for jground's matmul speed targets (see docs/PERFORMANCE.md).

  sgemm: numpy float32 x[512, 4096] @ W[4096, 4096].T through OpenBLAS, GFLOP/s (median of runs)
  triad: STREAM-like a = b + s*c on arrays far larger than the caches, GB/s counting
         3 arrays x 4 bytes per element (the STREAM convention), median of runs

Both use --threads threads: OpenBLAS's pool is limited with threadpoolctl; numpy's own
`b + s*c` is single threaded and makes two passes over memory, so the triad splits the arrays
over Python threads and works in L2-sized blocks (see triad()). Needs Debian's python3-numpy,
python3-threadpoolctl and libopenblas0-pthread (apt-get install -y ...).

OpenBLAS picks its kernel at load time from the CPU model or OPENBLAS_CORETYPE; the kernel used
is printed. Usage: tools/peer_bench.py [sgemm|triad|both] [--threads 2] [--runs 5] [--triad-floats N]
"""
import argparse
import statistics
import sys
import threading
import time

import numpy as np
import threadpoolctl


def sgemm(threads, runs, m=512, n=4096, k=4096):
    info = threadpoolctl.threadpool_info()
    blas = [i for i in info if i.get("user_api") == "blas"]
    if not blas or blas[0].get("internal_api") != "openblas":
        sys.exit("peer_bench: numpy is not using OpenBLAS (%s); apt-get install -y libopenblas0-pthread" % blas)
    kernel = blas[0].get("architecture")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((m, k), dtype=np.float32)
    w = rng.standard_normal((n, k), dtype=np.float32)
    with threadpoolctl.threadpool_limits(threads, user_api="blas"):
        x @ w.T  # warm-up: thread pool start, page faults of the result
        rates = []
        for _ in range(runs):
            t = time.perf_counter()
            x @ w.T
            rates.append(2.0 * m * n * k / (time.perf_counter() - t) / 1e9)
    med = statistics.median(rates)
    print("peer sgemm runs: " + " ".join("%.1f" % r for r in rates))
    print("peer sgemm m=%d n=%d k=%d threads=%d openblas=%s kernel=%s: %.2f GFLOP/s"
          % (m, n, k, threads, blas[0].get("version"), kernel, med))
    return med


def triad(threads, runs, floats, block=256 * 1024):
    """a = b + s*c, each thread on its own contiguous share, in blocks of 1 MiB whose temporary
    s*c stays in L2, so memory sees one read of b and c and one write of a (numpy's ufuncs
    release the GIL, so the threads run in parallel)."""
    b = np.full(floats, 1.0, dtype=np.float32)
    c = np.full(floats, 2.0, dtype=np.float32)
    a = np.zeros(floats, dtype=np.float32)
    s = np.float32(3.0)

    def part(lo, hi):
        tmp = np.empty(block, dtype=np.float32)
        for i in range(lo, hi, block):
            j = min(i + block, hi)
            t = tmp[: j - i]
            np.multiply(c[i:j], s, out=t)
            np.add(t, b[i:j], out=a[i:j])

    bounds = [floats * p // threads for p in range(threads + 1)]

    def once():
        ts = [threading.Thread(target=part, args=(bounds[p], bounds[p + 1])) for p in range(threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.perf_counter() - t0

    once()  # warm-up: faults every page of a in
    rates = [3 * 4 * floats / once() / 1e9 for _ in range(runs)]
    if a[floats // 2] != 7.0 or a[-1] != 7.0:
        sys.exit("peer_bench: triad gave %r, want 7.0" % a[floats // 2])
    med = statistics.median(rates)
    print("peer triad runs: " + " ".join("%.1f" % r for r in rates))
    print("peer triad floats=%d (%.0f MB per array) threads=%d numpy=%s: %.2f GB/s"
          % (floats, floats * 4 / 1e6, threads, np.__version__, med))
    return med


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", nargs="?", default="both", choices=["sgemm", "triad", "both"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    # 128 Mi floats = 512 MiB per array, 1.5 GiB in all: > 5x the 300 MB L3 per array
    p.add_argument("--triad-floats", type=int, default=128 * 1024 * 1024)
    a = p.parse_args()
    if a.what in ("sgemm", "both"):
        sgemm(a.threads, a.runs)
    if a.what in ("triad", "both"):
        triad(a.threads, a.runs, a.triad_floats)


if __name__ == "__main__":
    main()
