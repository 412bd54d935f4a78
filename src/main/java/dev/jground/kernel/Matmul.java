package dev.jground.kernel;

import dev.jground.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * y [M, N] = x [M, K] · Wᵀ (+ bias [N]), W [N, K] in its stored dtype (F32, F16 or BF16): the
 * {@code nn.Linear} of PyTorch; and its channels-first form y [N, M] = W · x [K, M], which is
 * conv2d (after unfolding its patches, or as is for a 1×1 kernel).
 *
 * <p>Two regimes. Few rows of x (decode: M = 1) make this a matrix-vector product bound by
 * memory bandwidth: each thread streams its share of W's rows once, widening them on the way.
 * Many rows make it compute-bound, and it runs as a blocked GEMM (the BLIS loop nest): x is
 * packed transposed (lanes run along M) in tiles of {@link #MR} rows; a thread's chunk of W's
 * rows is widened {@link #KC} columns at a time and packed column by column into panels of
 * {@link #NR} rows ([KC][NR], so a step's NR values are adjacent) that stay in L2; each x tile's
 * KC slice (32 KiB) then stays in L1 while every panel of the chunk passes it; and an MR × NR
 * micro-kernel keeps 24 vector accumulators in registers, each step being 2 vector loads of x,
 * NR broadcasts of W and 2·NR fused multiply-adds. In both, threads take chunks of W's rows
 * (N) in turn; no large weight matrix is ever widened whole.
 */
public final class Matmul {
    private Matmul() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Rows of W per micro-tile: each is broadcast, so they cost no vector register. */
    static final int NR = 12;
    /** Rows of x per micro-tile: two vectors of lanes (32 with 512-bit vectors). */
    static final int MR = 2 * L;
    /** K block: an x tile's slice of MR × KC (32 KiB with 512-bit vectors) stays in L1 while the chunk's panels pass. */
    static final int KC = 256;
    /**
     * At most this many rows of x per block (672 with 512-bit vectors) when K ≥ KC, so a packed
     * MC × KC slice of x (0.7 MiB) stays in L2 beside a packed chunk of W; every block widens W
     * again (unless W is packed whole), so CLIP-L's 577 tokens fit one. Shorter rows allow
     * proportionally more.
     */
    static final int MC = 21 * MR;
    /** W rows per unit of work handed to a thread (their packed K block: 192 KiB, in L2): many units per thread. */
    static final int GEMM_CHUNK = 16 * NR;
    /** W rows per unit of work of the matrix-vector path: four streams of 64 rows (512 KiB of F16 at K 4096). */
    static final int GEMV_CHUNK = 256;
    /** Below this many rows of x the matrix-vector path wins: GEMM tiles would be mostly padding. */
    static final int SMALL_M = 8;
    /**
     * Below this many multiply-adds (a tenth of a millisecond on one core) a product runs on the
     * calling thread alone: waking another costs more, and far more on a loaded machine.
     */
    static final long SERIAL_WORK = 1 << 20;

    private static final ThreadLocal<float[]> PACKED_X = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> W_ROWS = ThreadLocal.withInitial(() -> new float[NR * KC]);
    private static final ThreadLocal<float[]> W_CHUNK = ThreadLocal.withInitial(() -> new float[roundUp(GEMM_CHUNK, NR) * KC]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * y[i, j] = Σ_k x[i, k] · W[j, k] + bias[j] for i < m, j < N, with x row-major [m, K] at the
     * start of {@code x}, y row-major [m, N] at the start of {@code y} (overwritten; anything past
     * m·N is left alone), bias [N] or null. Runs on {@code par}'s threads.
     */
    public static void matmul(float[] x, int m, WeightMatrix w, float[] bias, float[] y, Parallel par) {
        multiply(x, false, m, w, bias, y, par);
    }

    /**
     * The channels-first form: y [N, m] = W · x + bias per row, with x [K, m] (a map of K channels
     * over m positions: a 1×1 convolution, or a convolution's unfolded patches) and y [N, m].
     * The same sums in the same order as {@link #matmul} of xᵀ, transposed; x needs no transpose
     * (the GEMM packs it by rows) and y is written along its rows.
     */
    public static void matmulColumns(float[] x, int m, WeightMatrix w, float[] bias, float[] y, Parallel par) {
        multiply(x, true, m, w, bias, y, par);
    }

    private static void multiply(float[] x, boolean columns, int m, WeightMatrix w, float[] bias, float[] y, Parallel par) {
        int n = w.rows(), k = w.cols();
        if (m < 0) throw new IllegalArgumentException("matmul: row count m = " + m + " is negative");
        if (x.length < (long) m * k) throw shapeError(m, w, "x has " + x.length + " floats, needs " + (long) m * k);
        if (y.length < (long) m * n) throw shapeError(m, w, "y has " + y.length + " floats, needs " + (long) m * n);
        if (bias != null && bias.length != n) throw shapeError(m, w, "bias has " + bias.length + " floats, needs " + n);
        if (m == 0 || n == 0) return;
        if (k == 0) {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) y[columns ? j * m + i : i * n + j] = bias == null ? 0f : bias[j];
            return;
        }
        if ((long) m * n * k < SERIAL_WORK) par = Parallel.SERIAL;
        if (m >= SMALL_M) {
            gemm(x, columns, m, w, bias, y, par);
        } else if (!columns) {
            gemv(x, m, w, bias, y, par);
        } else {   // a few positions: as rows, then back
            float[] rows = new float[m * k], out = new float[m * n];
            Transpose.transpose(x, k, m, rows, Parallel.SERIAL);
            gemv(rows, m, w, bias, out, par);
            Transpose.transpose(out, m, n, y, Parallel.SERIAL);
        }
    }

    private static IllegalArgumentException shapeError(int m, WeightMatrix w, String what) {
        return new IllegalArgumentException("matmul x [" + m + ", " + w.cols() + "] · W [" + w.rows() + ", " + w.cols() + "]ᵀ: " + what);
    }

    // ---- few rows: stream W once, four rows at a time, widened in registers ----

    private static void gemv(float[] x, int m, WeightMatrix w, float[] bias, float[] y, Parallel par) {
        int n = w.rows(), k = w.cols();
        DType dt = w.dtype();
        boolean halves = dt == DType.F16 && fitsHalfScale(x, m * k) && !w.hasNonFinite(par);
        float[] xs = dt == DType.BF16 ? pairSplit(x, m, k, 1f) : halves ? pairSplit(x, m, k, HALF_SCALE) : x;
        par.forChunks(n, GEMV_CHUNK, (n0, n1) -> {
            float[] sums = new float[4 * L];   // the four rows' accumulators, stored to be summed (Lanes.sumEach)
            // the four rows read together come one from each quarter of the chunk: four long sequential
            // streams, which the prefetchers keep up with, where four adjacent rows start four new
            // streams every 32 KiB (1.3× the weight bandwidth over the 7B checkpoint on Zen 5; docs/PERFORMANCE.md)
            int quarter = (n1 - n0) / 4;
            for (int j = n0; j < n0 + quarter; j++)
                for (int i = 0; i < m; i++) gemvRows(x, xs, halves, i, w, bias, y, j, quarter, 4, sums);
            int rest = n0 + 4 * quarter;
            if (rest < n1)
                for (int i = 0; i < m; i++) gemvRows(x, xs, halves, i, w, bias, y, rest, 1, n1 - rest, sums);
        });
    }

    /**
     * BF16 weights are read as int lanes, each holding the element pair (2l, 2l+1) of a block of
     * 2L, so widening needs no cross-lane shuffle; x is reordered to match: per block, the L
     * even-indexed values, then the L odd-indexed ones (a tail shorter than a block stays as is).
     */
    private static float[] pairSplit(float[] x, int m, int k, float scale) {
        float[] xs = new float[m * k];
        int kv = k - k % (2 * L);
        for (int i = 0; i < m; i++) {
            int o = i * k;
            for (int b = 0; b < kv; b += 2 * L)
                for (int l = 0; l < L; l++) {
                    xs[o + b + l] = x[o + b + 2 * l] * scale;
                    xs[o + b + L + l] = x[o + b + 2 * l + 1] * scale;
                }
            System.arraycopy(x, o + kv, xs, o + kv, k - kv);
        }
        return xs;
    }

    /**
     * F16 rows are read as int lanes too, each pair of binary16 values h moved into float bits
     * with two or three integer operations: the sign to bit 31 and the other 15 bits to 13-27.
     * That float is h · 2^-112 exactly (h's exponent bias is 15, a float's 127; a subnormal h
     * lands on a subnormal float, also exactly), so x is taken times 2^112 (exact) instead and
     * each product is h · x with one rounding, as from the widened value. Widening so reads F16
     * as fast as BF16, 2.5 times as fast as the hardware conversion through an L1 panel
     * ({@link #dotF16}), which stays for what this cannot do: an x whose scaled values would
     * overflow, and a matrix holding inf or NaN (exponent 31 would read as a finite value).
     */
    private static final float HALF_SCALE = 0x1p112f;

    /** Whether every finite value of x[0 .. n) stays finite times {@link #HALF_SCALE}. */
    private static boolean fitsHalfScale(float[] x, int n) {
        for (int i = 0; i < n; i++) if (Math.abs(x[i]) >= 0x1p16f && Float.isFinite(x[i])) return false;
        return true;
    }

    /** y[i, j + r·stride] for r < rows ≤ 4; a short group repeats its last row and drops the repeats. */
    private static void gemvRows(float[] x, float[] xs, boolean halves, int i, WeightMatrix w, float[] bias, float[] y, int j, int stride, int rows, float[] sums) {
        int n = w.rows(), k = w.cols(), xo = i * k;
        DType dt = w.dtype();
        long rowBytes = (long) dt.byteSize() * k;
        // each row its own slice, read from offset 0: C2 then checks the bounds once per row, not per
        // load (offsets into the whole matrix kept ~20 scalar instructions of checks on every load)
        MemorySegment seg = w.data();
        int last = j + (rows - 1) * stride;
        MemorySegment r0 = seg.asSlice(j * rowBytes, rowBytes), r1 = seg.asSlice(Math.min(j + stride, last) * rowBytes, rowBytes),
                      r2 = seg.asSlice(Math.min(j + 2 * stride, last) * rowBytes, rowBytes), r3 = seg.asSlice(Math.min(j + 3 * stride, last) * rowBytes, rowBytes);
        int kv;
        if (dt == DType.F32) {
            kv = dotF32(r0, r1, r2, r3, x, xo, k, sums);
        } else if (halves) {
            kv = k - k % (2 * L);
            dotHalves(r0, r1, r2, r3, xs, xo, kv, sums);
        } else if (dt == DType.F16) {
            kv = k;
            dotF16(r0, r1, r2, r3, x, xo, k, sums);
        } else {
            kv = k - k % (2 * L);
            dotBf16(r0, r1, r2, r3, xs, xo, kv, sums);
        }
        for (int r = 0; r < rows; r++) {
            int row = j + r * stride;
            float t = sums[r];
            for (int kk = kv; kk < k; kk++) t += x[xo + kk] * w.get(row, kk);
            y[i * n + row] = bias == null ? t : t + bias[row];
        }
    }

    /** sums[r] = row r (slices r0..r3) · x[xo ..] over the vector part of K; returns its length. */
    private static int dotF32(MemorySegment r0, MemorySegment r1, MemorySegment r2, MemorySegment r3, float[] x, int xo, int k, float[] sums) {
        int kv = k - k % L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int kk = 0; kk < kv; kk += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + kk);
            long o = 4L * kk;
            a0 = FloatVector.fromMemorySegment(F, r0, o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, r1, o, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, r2, o, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, r3, o, LE).fma(xv, a3);
        }
        a0.intoArray(sums, 0); a1.intoArray(sums, L); a2.intoArray(sums, 2 * L); a3.intoArray(sums, 3 * L);
        Lanes.sumEach(sums, 4);
        return kv;
    }

    /** As {@link #dotF32} for BF16 rows, against x reordered by {@link #pairSplit}. */
    private static void dotBf16(MemorySegment r0, MemorySegment r1, MemorySegment r2, MemorySegment r3, float[] xs, int xo, int kv, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int kk = 0; kk < kv; kk += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xs, xo + kk), xd = FloatVector.fromArray(F, xs, xo + kk + L);
            long o = 2L * kk;
            IntVector v0 = IntVector.fromMemorySegment(Convert.I, r0, o, LE), v1 = IntVector.fromMemorySegment(Convert.I, r1, o, LE),
                      v2 = IntVector.fromMemorySegment(Convert.I, r2, o, LE), v3 = IntVector.fromMemorySegment(Convert.I, r3, o, LE);
            a0 = v0.and(0xFFFF_0000).reinterpretAsFloats().fma(xd, v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0));
            a1 = v1.and(0xFFFF_0000).reinterpretAsFloats().fma(xd, v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1));
            a2 = v2.and(0xFFFF_0000).reinterpretAsFloats().fma(xd, v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2));
            a3 = v3.and(0xFFFF_0000).reinterpretAsFloats().fma(xd, v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3));
        }
        a0.intoArray(sums, 0); a1.intoArray(sums, L); a2.intoArray(sums, 2 * L); a3.intoArray(sums, 3 * L);
        Lanes.sumEach(sums, 4);
    }

    /** As {@link #dotBf16} for F16 rows, against x reordered and scaled by {@link #pairSplit} (see {@link #HALF_SCALE}). */
    private static void dotHalves(MemorySegment r0, MemorySegment r1, MemorySegment r2, MemorySegment r3, float[] xs, int xo, int kv, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int kk = 0; kk < kv; kk += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xs, xo + kk), xd = FloatVector.fromArray(F, xs, xo + kk + L);
            long o = 2L * kk;
            IntVector v0 = IntVector.fromMemorySegment(Convert.I, r0, o, LE), v1 = IntVector.fromMemorySegment(Convert.I, r1, o, LE),
                      v2 = IntVector.fromMemorySegment(Convert.I, r2, o, LE), v3 = IntVector.fromMemorySegment(Convert.I, r3, o, LE);
            a0 = highHalf(v0).fma(xd, lowHalf(v0).fma(xe, a0));
            a1 = highHalf(v1).fma(xd, lowHalf(v1).fma(xe, a1));
            a2 = highHalf(v2).fma(xd, lowHalf(v2).fma(xe, a2));
            a3 = highHalf(v3).fma(xd, lowHalf(v3).fma(xe, a3));
        }
        a0.intoArray(sums, 0); a1.intoArray(sums, L); a2.intoArray(sums, 2 * L); a3.intoArray(sums, 3 * L);
        Lanes.sumEach(sums, 4);
    }

    /** Each lane's low binary16 h as float bits of h · 2^-112: up to bit 31, back 3 with the sign, the sign's copies cleared. */
    private static FloatVector lowHalf(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFF_FFFF).reinterpretAsFloats();
    }

    /** Each lane's high binary16 the same way: back 3 with the sign, the low half's bits and the sign's copies cleared. */
    private static FloatVector highHalf(IntVector v) {
        return v.lanewise(VectorOperators.ASHR, 3).and(0x8FFF_E000).reinterpretAsFloats();
    }

    /**
     * sums[r] = row r · x[xo ..] over all of K for F16 rows. Each PANEL-long chunk of the four rows is
     * widened into a panel by {@link Convert#f16ToF32} (the hardware conversion), then dotted from
     * L1: cheaper than widening in Vector API registers with integer arithmetic.
     */
    private static void dotF16(MemorySegment r0, MemorySegment r1, MemorySegment r2, MemorySegment r3, float[] x, int xo, int k, float[] sums) {
        float[] p = F16_PANEL.get();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int kc = 0;
        for (; kc + PANEL <= k; kc += PANEL) {
            long o = 2L * kc;
            Convert.f16ToF32(r0, o, p, 0, PANEL);
            Convert.f16ToF32(r1, o, p, PANEL, PANEL);
            Convert.f16ToF32(r2, o, p, 2 * PANEL, PANEL);
            Convert.f16ToF32(r3, o, p, 3 * PANEL, PANEL);
            for (int c = 0; c < PANEL; c += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + kc + c);
                a0 = FloatVector.fromArray(F, p, c).fma(xv, a0);
                a1 = FloatVector.fromArray(F, p, PANEL + c).fma(xv, a1);
                a2 = FloatVector.fromArray(F, p, 2 * PANEL + c).fma(xv, a2);
                a3 = FloatVector.fromArray(F, p, 3 * PANEL + c).fma(xv, a3);
            }
        }
        a0.intoArray(sums, 0); a1.intoArray(sums, L); a2.intoArray(sums, 2 * L); a3.intoArray(sums, 3 * L);
        Lanes.sumEach(sums, 4);
        if (kc < k) {   // the last partial chunk, one element at a time, in order
            MemorySegment[] rows = {r0, r1, r2, r3};
            for (int r = 0; r < 4; r++) {
                Convert.f16ToF32(rows[r], 2L * kc, p, 0, k - kc);
                float t = sums[r];
                for (int c = 0; c < k - kc; c++) t += p[c] * x[xo + kc + c];
                sums[r] = t;
            }
        }
    }

    /**
     * F16 values widened per row at a time by the matrix-vector path: four rows of PANEL floats
     * (4 KiB) in L1. The four rows are read in turns of PANEL values, so a shorter turn keeps more
     * of their streams in flight: over the 7B checkpoint's mapped matrices 256 read 18.8 GB/s where
     * 512 read 16.5, 1024 14.4 and 64 13.5 (same JVM, alternating).
     */
    private static final int PANEL = 256;
    private static final ThreadLocal<float[]> F16_PANEL = ThreadLocal.withInitial(() -> new float[4 * PANEL]);

    // ---- many rows: blocked GEMM ----

    /**
     * x is packed whole first (one pass over it, in parallel), then threads take units of (block of
     * MC rows, chunk of W rows, group of the block's tiles) in that order; a narrow W (few chunks)
     * is shared out by tile groups as well, so every thread has work.
     */
    private static void gemm(float[] x, boolean columns, int m, WeightMatrix w, float[] bias, float[] y, Parallel par) {
        int n = w.rows(), k = w.cols(), tiles = (m + MR - 1) / MR;
        float[] xp = PACKED_X.get();
        if (xp.length < (long) tiles * MR * k) {
            if ((long) tiles * MR * k > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("matmul: x [" + m + ", " + k + "] too large");
            PACKED_X.set(xp = new float[tiles * MR * k]);
        }
        float[] packed = xp;
        par.forChunks(tiles, Math.max(1, Activations.GRAIN / (MR * k)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                if (columns) packColumns(x, m, k, t, packed);
                else packTile(x, m, k, t, packed);
            }
        });
        // short rows leave L2 room for more of them: MC rows of KC, whatever K is
        int blockTiles = Math.max(1, MC * KC / Math.min(k, KC) / MR);
        int blocks = (tiles + blockTiles - 1) / blockTiles;
        blockTiles = (tiles + blocks - 1) / blocks;
        int chunks = (n + GEMM_CHUNK - 1) / GEMM_CHUNK;
        int groups = chunks >= 4 * par.threads() ? 1 : Math.min(blockTiles, (4 * par.threads() + chunks - 1) / chunks);
        int perBlock = chunks * groups, bt = blockTiles;
        // W widened and packed once for all units when more than one unit would widen the same rows
        // (several blocks of x, or a narrow W shared out by tile groups) and the copy is small
        float[] wp = blocks * groups > 1 && (long) roundUp(n, NR) * k <= PACK_ONCE ? packAll(w, par) : null;
        par.forChunks(blocks * perBlock, 1, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int b = u / perBlock, c = u % perBlock / groups, g = u % groups;
                int first = b * bt, count = Math.min(tiles, first + bt) - first;
                gemmPanels(packed, first + count * g / groups, first + count * (g + 1) / groups, m, columns, w, wp, bias, y,
                        c * GEMM_CHUNK, Math.min(n, (c + 1) * GEMM_CHUNK));
            }
        });
    }

    /** At most this many floats (16 MiB) of W are packed whole for one product. */
    static final long PACK_ONCE = 1 << 22;

    private static final ThreadLocal<float[]> PACKED_W = ThreadLocal.withInitial(() -> new float[0]);

    /** All of W packed: panel P (rows P·NR ..) as [K][NR] at P·NR·K, so its K block from k0 starts at P·NR·K + k0·NR. */
    private static float[] packAll(WeightMatrix w, Parallel par) {
        int n = w.rows(), k = w.cols(), panels = (n + NR - 1) / NR;
        float[] wp = PACKED_W.get();
        if (wp.length < panels * NR * k) PACKED_W.set(wp = new float[panels * NR * k]);
        float[] out = wp;
        par.forChunks(panels, 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int k0 = 0; k0 < k; k0 += KC) packBlock(w, p * NR, Math.min(NR, n - p * NR), k0, Math.min(KC, k - k0), out, p * NR * k + k0 * NR);
        });
        return out;
    }

    /** W rows [j0, j0 + rows), columns [k0, k0 + kc) widened and packed ({@link #pack}) at panel[pOff ..]. */
    private static void packBlock(WeightMatrix w, int j0, int rows, int k0, int kc, float[] panel, int pOff) {
        DType dt = w.dtype();
        long rowBytes = (long) dt.byteSize() * w.cols();
        float[] rowsBuf = W_ROWS.get();
        for (int c = 0; c < rows; c++)
            Convert.toF32(dt, w.data(), (j0 + c) * rowBytes + (long) k0 * dt.byteSize(), rowsBuf, c * kc, kc);
        pack(rowsBuf, 0, kc, rows, kc, panel, pOff);
    }

    /** Tile t: xp[(t·K + k)·MR + lane] = x[t·MR + lane, k] for x [m, K], zero past the last row. */
    private static void packTile(float[] x, int m, int k, int t, float[] xp) {
        int base = t * k * MR, i0 = t * MR, lanes = Math.min(MR, m - i0);
        Transpose.columns(x, i0 * k, k, lanes, k, xp, base, MR);
        if (lanes < MR)
            for (int kk = 0; kk < k; kk++) java.util.Arrays.fill(xp, base + kk * MR + lanes, base + (kk + 1) * MR, 0f);
    }

    /** The same tile of x given as columns [K, m]: each of its K rows is one copy. */
    private static void packColumns(float[] x, int m, int k, int t, float[] xp) {
        int base = t * k * MR, i0 = t * MR, lanes = Math.min(MR, m - i0);
        for (int kk = 0; kk < k; kk++) {
            System.arraycopy(x, kk * m + i0, xp, base + kk * MR, lanes);
            if (lanes < MR) java.util.Arrays.fill(xp, base + kk * MR + lanes, base + (kk + 1) * MR, 0f);
        }
    }

    /**
     * y for W rows [n0, n1) and x tiles [t0, t1). The sums of all K blocks gather in {@code acc}
     * in the micro-kernel's own layout (panel p, tile t: [NR][MR]), so a K block costs the kernel
     * a vector load and store per accumulator, and y's stores happen once.
     */
    private static void gemmPanels(float[] xp, int t0, int t1, int m, boolean columns, WeightMatrix w, float[] wp, float[] bias,
                                   float[] y, int n0, int n1) {
        int n = w.rows(), k = w.cols(), panels = (n1 - n0 + NR - 1) / NR, tileSize = NR * MR, tiles = t1 - t0;
        if (tiles <= 0) return;
        float[] chunk = W_CHUNK.get(), acc = ACC.get();
        if (acc.length < panels * tiles * tileSize) ACC.set(acc = new float[panels * tiles * tileSize]);
        java.util.Arrays.fill(acc, 0, panels * tiles * tileSize, 0f);
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            // panel p of this K block: in the chunk's buffer, or in W packed whole (j0 a multiple of NR)
            float[] src = wp == null ? chunk : wp;
            int first = wp == null ? 0 : n0 * k + k0 * NR, step = wp == null ? NR * kc : NR * k;
            if (wp == null)
                for (int p = 0; p < panels; p++) {
                    int j0 = n0 + p * NR;
                    packBlock(w, j0, Math.min(NR, n1 - j0), k0, kc, chunk, p * NR * kc);
                }
            for (int t = t0; t < t1; t++) {   // the x tile stays in L1 while the chunk's panels pass
                // a last tile of at most L rows (m = 36: a 12×12 map's Winograd tiles, a 6×6 map) needs half the work
                boolean half = m - t * MR <= L;
                for (int p = 0; p < panels; p++)
                    if (half) kernelHalf(xp, (t * k + k0) * MR, src, first + p * step, kc, acc, (p * tiles + t - t0) * tileSize);
                    else kernel(xp, (t * k + k0) * MR, src, first + p * step, kc, acc, (p * tiles + t - t0) * tileSize);
            }
        }
        for (int p = 0; p < panels; p++) {
            int j0 = n0 + p * NR, cols = Math.min(NR, n1 - j0);
            for (int t = t0; t < t1; t++) {
                int a = (p * tiles + t - t0) * tileSize, i0 = t * MR, tileRows = Math.min(MR, m - i0);
                if (columns) storeColumns(acc, a, bias, y, m, i0, tileRows, j0, cols);
                else storeRows(acc, a, bias, y, n, i0, tileRows, j0, cols);
            }
        }
    }

    /** y [N, m] rows j0 .. j0 + cols, positions i0 .. i0 + tileRows: a tile's sums are y's rows already. */
    private static void storeColumns(float[] acc, int a, float[] bias, float[] y, int m, int i0, int tileRows, int j0, int cols) {
        int iv = tileRows - tileRows % L;
        for (int c = 0; c < cols; c++) {
            float b = bias == null ? 0f : bias[j0 + c];
            int yo = (j0 + c) * m + i0, ao = a + c * MR;
            for (int i = 0; i < iv; i += L) FloatVector.fromArray(F, acc, ao + i).add(b).intoArray(y, yo + i);
            for (int i = iv; i < tileRows; i++) y[yo + i] = acc[ao + i] + b;
        }
    }

    /**
     * y [m, N] rows i0 .. i0 + tileRows, columns j0 .. j0 + cols: each row of y is a column of the
     * tile's sums, gathered at once (NR lanes MR apart) when the panel is whole and fits a vector.
     */
    private static void storeRows(float[] acc, int a, float[] bias, float[] y, int n, int i0, int tileRows, int j0, int cols) {
        if (cols == NR && L >= NR) {
            FloatVector b = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, j0, ROW_LANES);
            for (int i = 0; i < tileRows; i++)
                FloatVector.fromArray(F, acc, a + i, ROW_GATHER, 0, ROW_LANES).add(b).intoArray(y, (i0 + i) * n + j0, ROW_LANES);
            return;
        }
        for (int i = 0; i < tileRows; i++)
            for (int c = 0, yo = (i0 + i) * n + j0; c < cols; c++) y[yo + c] = acc[a + c * MR + i] + (bias == null ? 0f : bias[j0 + c]);
    }

    /** Lane c < NR of a row of y is sum c of its tile: acc[c·MR + i]. */
    private static final int[] ROW_GATHER = new int[Math.max(L, NR)];
    static { for (int c = 0; c < NR; c++) ROW_GATHER[c] = c * MR; }
    private static final jdk.incubator.vector.VectorMask<Float> ROW_LANES = F.indexInRange(0, NR);

    /**
     * panel[pOff + kk·NR + c] = src[off + c·stride + kk] for c < rows, kk < kc, and 0 for the rows
     * from {@code rows} to NR: NR rows of W packed column by column, as {@link #kernel} reads them.
     */
    static void pack(float[] src, int off, int stride, int rows, int kc, float[] panel, int pOff) {
        int kv = 0;
        if (rows == NR) {   // L steps at a time: NR vectors, each gathered from across the rows
            int[] map = packMap(stride);
            for (; kv + L <= kc; kv += L)
                for (int v = 0; v < NR; v++)
                    FloatVector.fromArray(F, src, off + kv, map, v * L).intoArray(panel, pOff + kv * NR + v * L);
        }
        packColumns(src, off, stride, rows, NR, kv, kc, panel, pOff);
    }

    /**
     * Steps [from, kc) of {@link #pack} one element at a time, for panels of {@code nr} rows: this
     * GEMM's NR, or {@link QueryTile}'s (keys, value channels, position tables).
     */
    static void packColumns(float[] src, int off, int stride, int rows, int nr, int from, int kc, float[] panel, int pOff) {
        for (int c = 0; c < rows; c++)
            for (int kk = from, o = off + c * stride; kk < kc; kk++) panel[pOff + kk * nr + c] = src[o + kk];
        for (int c = rows; c < nr; c++)
            for (int kk = from; kk < kc; kk++) panel[pOff + kk * nr + c] = 0f;
    }

    /** For L steps of NR rows {@code stride} apart: map[kk·NR + c] = c·stride + kk, the source of each packed element. */
    private static int[] packMap(int stride) {
        int[] map = PACK_MAP.get();
        if (map[1] != stride) {   // element (kk 0, c 1) is the stride itself
            for (int kk = 0; kk < L; kk++)
                for (int c = 0; c < NR; c++) map[kk * NR + c] = c * stride + kk;
        }
        return map;
    }

    private static final ThreadLocal<int[]> PACK_MAP = ThreadLocal.withInitial(() -> new int[L * NR]);

    /**
     * acc[ao + c·MR + i] += Σ_kk xp[xo + kk·MR + i] · panel[po + kk·NR + c] for i < MR, c < NR: x
     * packed by {@link #packTile}, W by {@link #pack}.
     */
    static void kernel(float[] xp, int xo, float[] panel, int po, int kc, float[] acc, int ao) {
        FloatVector c00 = FloatVector.fromArray(F, acc, ao), c01 = FloatVector.fromArray(F, acc, ao + L),
                c10 = FloatVector.fromArray(F, acc, ao + MR), c11 = FloatVector.fromArray(F, acc, ao + MR + L),
                c20 = FloatVector.fromArray(F, acc, ao + 2 * MR), c21 = FloatVector.fromArray(F, acc, ao + 2 * MR + L),
                c30 = FloatVector.fromArray(F, acc, ao + 3 * MR), c31 = FloatVector.fromArray(F, acc, ao + 3 * MR + L),
                c40 = FloatVector.fromArray(F, acc, ao + 4 * MR), c41 = FloatVector.fromArray(F, acc, ao + 4 * MR + L),
                c50 = FloatVector.fromArray(F, acc, ao + 5 * MR), c51 = FloatVector.fromArray(F, acc, ao + 5 * MR + L),
                c60 = FloatVector.fromArray(F, acc, ao + 6 * MR), c61 = FloatVector.fromArray(F, acc, ao + 6 * MR + L),
                c70 = FloatVector.fromArray(F, acc, ao + 7 * MR), c71 = FloatVector.fromArray(F, acc, ao + 7 * MR + L),
                c80 = FloatVector.fromArray(F, acc, ao + 8 * MR), c81 = FloatVector.fromArray(F, acc, ao + 8 * MR + L),
                c90 = FloatVector.fromArray(F, acc, ao + 9 * MR), c91 = FloatVector.fromArray(F, acc, ao + 9 * MR + L),
                c100 = FloatVector.fromArray(F, acc, ao + 10 * MR), c101 = FloatVector.fromArray(F, acc, ao + 10 * MR + L),
                c110 = FloatVector.fromArray(F, acc, ao + 11 * MR), c111 = FloatVector.fromArray(F, acc, ao + 11 * MR + L);
        for (int kk = 0; kk < kc; kk++) {
            // W's NR values of a step are adjacent, so the twelve broadcasts address one pointer
            // (as NR separate rows, C2 kept a pointer per row, hoisted the broadcasts to the top
            // of the loop and spilled accumulators to the stack)
            int xi = xo + kk * MR, wi = po + kk * NR;
            FloatVector x0 = FloatVector.fromArray(F, xp, xi);
            FloatVector x1 = FloatVector.fromArray(F, xp, xi + L);
            FloatVector b = FloatVector.broadcast(F, panel[wi]);
            c00 = x0.fma(b, c00); c01 = x1.fma(b, c01);
            b = FloatVector.broadcast(F, panel[wi + 1]);
            c10 = x0.fma(b, c10); c11 = x1.fma(b, c11);
            b = FloatVector.broadcast(F, panel[wi + 2]);
            c20 = x0.fma(b, c20); c21 = x1.fma(b, c21);
            b = FloatVector.broadcast(F, panel[wi + 3]);
            c30 = x0.fma(b, c30); c31 = x1.fma(b, c31);
            b = FloatVector.broadcast(F, panel[wi + 4]);
            c40 = x0.fma(b, c40); c41 = x1.fma(b, c41);
            b = FloatVector.broadcast(F, panel[wi + 5]);
            c50 = x0.fma(b, c50); c51 = x1.fma(b, c51);
            b = FloatVector.broadcast(F, panel[wi + 6]);
            c60 = x0.fma(b, c60); c61 = x1.fma(b, c61);
            b = FloatVector.broadcast(F, panel[wi + 7]);
            c70 = x0.fma(b, c70); c71 = x1.fma(b, c71);
            b = FloatVector.broadcast(F, panel[wi + 8]);
            c80 = x0.fma(b, c80); c81 = x1.fma(b, c81);
            b = FloatVector.broadcast(F, panel[wi + 9]);
            c90 = x0.fma(b, c90); c91 = x1.fma(b, c91);
            b = FloatVector.broadcast(F, panel[wi + 10]);
            c100 = x0.fma(b, c100); c101 = x1.fma(b, c101);
            b = FloatVector.broadcast(F, panel[wi + 11]);
            c110 = x0.fma(b, c110); c111 = x1.fma(b, c111);
        }
        c00.intoArray(acc, ao); c01.intoArray(acc, ao + L); c10.intoArray(acc, ao + MR); c11.intoArray(acc, ao + MR + L);
        c20.intoArray(acc, ao + 2 * MR); c21.intoArray(acc, ao + 2 * MR + L); c30.intoArray(acc, ao + 3 * MR); c31.intoArray(acc, ao + 3 * MR + L);
        c40.intoArray(acc, ao + 4 * MR); c41.intoArray(acc, ao + 4 * MR + L); c50.intoArray(acc, ao + 5 * MR); c51.intoArray(acc, ao + 5 * MR + L);
        c60.intoArray(acc, ao + 6 * MR); c61.intoArray(acc, ao + 6 * MR + L); c70.intoArray(acc, ao + 7 * MR); c71.intoArray(acc, ao + 7 * MR + L);
        c80.intoArray(acc, ao + 8 * MR); c81.intoArray(acc, ao + 8 * MR + L); c90.intoArray(acc, ao + 9 * MR); c91.intoArray(acc, ao + 9 * MR + L);
        c100.intoArray(acc, ao + 10 * MR); c101.intoArray(acc, ao + 10 * MR + L); c110.intoArray(acc, ao + 11 * MR); c111.intoArray(acc, ao + 11 * MR + L);
    }

    /** {@link #kernel} for the first L rows of the tile only (the rest are padding): lanes L .. MR of acc are left alone. */
    static void kernelHalf(float[] xp, int xo, float[] panel, int po, int kc, float[] acc, int ao) {
        FloatVector c0 = FloatVector.fromArray(F, acc, ao), c1 = FloatVector.fromArray(F, acc, ao + MR), c2 = FloatVector.fromArray(F, acc, ao + 2 * MR),
                c3 = FloatVector.fromArray(F, acc, ao + 3 * MR), c4 = FloatVector.fromArray(F, acc, ao + 4 * MR), c5 = FloatVector.fromArray(F, acc, ao + 5 * MR),
                c6 = FloatVector.fromArray(F, acc, ao + 6 * MR), c7 = FloatVector.fromArray(F, acc, ao + 7 * MR), c8 = FloatVector.fromArray(F, acc, ao + 8 * MR),
                c9 = FloatVector.fromArray(F, acc, ao + 9 * MR), c10 = FloatVector.fromArray(F, acc, ao + 10 * MR), c11 = FloatVector.fromArray(F, acc, ao + 11 * MR);
        for (int kk = 0; kk < kc; kk++) {
            int wi = po + kk * NR;
            FloatVector x0 = FloatVector.fromArray(F, xp, xo + kk * MR);
            c0 = x0.fma(FloatVector.broadcast(F, panel[wi]), c0);
            c1 = x0.fma(FloatVector.broadcast(F, panel[wi + 1]), c1);
            c2 = x0.fma(FloatVector.broadcast(F, panel[wi + 2]), c2);
            c3 = x0.fma(FloatVector.broadcast(F, panel[wi + 3]), c3);
            c4 = x0.fma(FloatVector.broadcast(F, panel[wi + 4]), c4);
            c5 = x0.fma(FloatVector.broadcast(F, panel[wi + 5]), c5);
            c6 = x0.fma(FloatVector.broadcast(F, panel[wi + 6]), c6);
            c7 = x0.fma(FloatVector.broadcast(F, panel[wi + 7]), c7);
            c8 = x0.fma(FloatVector.broadcast(F, panel[wi + 8]), c8);
            c9 = x0.fma(FloatVector.broadcast(F, panel[wi + 9]), c9);
            c10 = x0.fma(FloatVector.broadcast(F, panel[wi + 10]), c10);
            c11 = x0.fma(FloatVector.broadcast(F, panel[wi + 11]), c11);
        }
        c0.intoArray(acc, ao); c1.intoArray(acc, ao + MR); c2.intoArray(acc, ao + 2 * MR); c3.intoArray(acc, ao + 3 * MR);
        c4.intoArray(acc, ao + 4 * MR); c5.intoArray(acc, ao + 5 * MR); c6.intoArray(acc, ao + 6 * MR); c7.intoArray(acc, ao + 7 * MR);
        c8.intoArray(acc, ao + 8 * MR); c9.intoArray(acc, ao + 9 * MR); c10.intoArray(acc, ao + 10 * MR); c11.intoArray(acc, ao + 11 * MR);
    }

    static int roundUp(int v, int to) { return (v + to - 1) / to * to; }
}
