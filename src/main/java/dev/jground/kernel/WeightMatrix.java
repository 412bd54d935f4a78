package dev.jground.kernel;

import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix W [rows = N, cols = K] in its stored dtype (F32, F16 or BF16), read in
 * place from its memory segment (a mapped checkpoint or a heap copy). Kernels dequantise
 * as they read; a matrix is never widened to F32 in memory as a whole.
 */
public final class WeightMatrix {
    private final DType dtype;
    private final int rows, cols;
    private final MemorySegment data;
    /** For F16: whether some element is inf or NaN; found on first asking ({@link #hasNonFinite}). */
    private volatile Boolean nonFinite;

    public WeightMatrix(DType dtype, int rows, int cols, MemorySegment data) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16)
            throw new IllegalArgumentException("matmul weights must be F32, F16 or BF16, got " + dtype);
        if (data.byteSize() != (long) rows * cols * dtype.byteSize())
            throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] " + dtype
                    + " needs " + (long) rows * cols * dtype.byteSize() + " bytes, segment has " + data.byteSize());
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    public DType dtype() { return dtype; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public MemorySegment data() { return data; }

    /**
     * Whether this F16 matrix holds an inf or a NaN: read once, on both threads, the first time
     * it is asked (a pass over the matrix, about as long as one product with a vector), then
     * remembered. False for other dtypes.
     */
    boolean hasNonFinite(Parallel par) {
        Boolean b = nonFinite;
        if (b == null) {
            if (dtype != DType.F16) {
                b = false;
            } else {
                long rowBytes = 2L * cols;
                java.util.concurrent.atomic.AtomicBoolean found = new java.util.concurrent.atomic.AtomicBoolean();
                par.forChunks(rows, 64, (r0, r1) -> {
                    if (Convert.maxF16Magnitude(data, r0 * rowBytes, (r1 - r0) * rowBytes) >= 0x7C00) found.set(true);
                });
                b = found.get();
            }
            nonFinite = b;
        }
        return b;
    }

    /** A tensor of rank >= 2 read as [dim 0, product of the rest] (a conv kernel [O, C, kh, kw] is [O, C*kh*kw]). */
    public static WeightMatrix of(TensorView t) {
        int[] s = t.shape();
        if (s.length < 2)
            throw new IllegalArgumentException("tensor '" + t.name() + "' " + Shapes.str(s) + " is not a matrix");
        return new WeightMatrix(t.dtype(), s[0], Math.toIntExact(t.numel() / s[0]), t.data());
    }

    /** A heap F32 matrix (tests, converted weights). */
    public static WeightMatrix ofF32(float[] w, int rows, int cols) {
        return new WeightMatrix(DType.F32, rows, cols, MemorySegment.ofArray(w.clone()));
    }

    /** A heap F16 or BF16 matrix from raw 16-bit patterns. */
    public static WeightMatrix ofBits(DType dtype, short[] bits, int rows, int cols) {
        return new WeightMatrix(dtype, rows, cols, MemorySegment.ofArray(bits.clone()));
    }

    /** Element (n, k) widened to float: the scalar reference every fast path is tested against. */
    public float get(int n, int k) {
        long i = (long) n * cols + k;
        return switch (dtype) {
            case F32 -> data.get(TensorView.F32, i * 4);
            case F16 -> Half.f16ToF32(data.get(TensorView.I16, i * 2));
            case BF16 -> Half.bf16ToF32(data.get(TensorView.I16, i * 2));
            default -> throw new AssertionError(dtype);
        };
    }

    /** Row n widened into dst[off .. off + cols). */
    public void readRow(int n, float[] dst, int off) {
        for (int k = 0; k < cols; k++) dst[off + k] = get(n, k);
    }

    public long byteSize() { return data.byteSize(); }
}
