package dev.jground.kernel;

import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import dev.jground.tensor.TensorView;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Widening of stored 16-bit floats (IEEE binary16 "F16" and bfloat16 "BF16") to float32,
 * bit-exact with {@link Float#float16ToFloat} and {@link Half#bf16ToF32}.
 *
 * <p>F16 goes through the JDK's own conversion in a loop C2 vectorises; BF16 is the top half
 * of a float32, so it is a 16-bit shift in Vector API int lanes.
 */
public final class Convert {
    private Convert() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Shorts in half a float vector: one load of these widens to exactly one float vector. */
    static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int L = F.length();
    /** Shorts in a whole float vector's bits. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * dst[dstOff .. dstOff + n) = the n binary16 values at {@code src + byteOffset}. A plain loop
     * over {@link Float#float16ToFloat}: C2 compiles it to the hardware conversion (vcvtph2ps on
     * x86, sixteen lanes at a time), about twice as fast as widening with Vector API integer
     * arithmetic, which has no half-float operation.
     */
    public static void f16ToF32(MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        check(src, byteOffset, 2, dst, dstOff, n);
        for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(TensorView.I16, byteOffset + 2L * i));
    }

    /**
     * The largest |h| of the binary16 values in [byteOffset, byteOffset + bytes) as the bits h & 0x7FFF:
     * 0x7C00 and above are inf and NaN.
     */
    public static int maxF16Magnitude(MemorySegment src, long byteOffset, long bytes) {
        if (byteOffset < 0 || bytes < 0 || byteOffset + bytes > src.byteSize())
            throw new IndexOutOfBoundsException("convert: " + bytes + " bytes at byte " + byteOffset + " overrun a segment of " + src.byteSize() + " bytes");
        ShortVector m = ShortVector.zero(S);
        long o = byteOffset, end = byteOffset + bytes, vend = end - (bytes % S.vectorByteSize());
        for (; o < vend; o += S.vectorByteSize()) m = m.max(ShortVector.fromMemorySegment(S, src, o, LE).and((short) 0x7FFF));
        int r = m.reduceLanes(VectorOperators.MAX);
        for (; o + 2 <= end; o += 2) r = Math.max(r, src.get(TensorView.I16, o) & 0x7FFF);
        return r;
    }

    /** dst[dstOff .. dstOff + n) = the n bfloat16 values at {@code src + byteOffset}. */
    public static void bf16ToF32(MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        check(src, byteOffset, 2, dst, dstOff, n);
        int i = 0;
        for (int end = n - L; i <= end; i += L)
            ((IntVector) ShortVector.fromMemorySegment(H, src, byteOffset + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = Half.bf16ToF32(src.get(TensorView.I16, byteOffset + 2L * i));
    }

    /** dst[dstOff .. dstOff + n) = the n little-endian float32 values at {@code src + byteOffset}. */
    public static void f32(MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        check(src, byteOffset, 4, dst, dstOff, n);
        int i = 0;
        for (int end = n - L; i <= end; i += L)
            FloatVector.fromMemorySegment(F, src, byteOffset + 4L * i, LE).intoArray(dst, dstOff + i);
        for (; i < n; i++) dst[dstOff + i] = src.get(TensorView.F32, byteOffset + 4L * i);
    }

    /** n values of {@code dtype} (F32, F16 or BF16) at {@code src + byteOffset} widened into dst. */
    public static void toF32(DType dtype, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        switch (dtype) {
            case F32 -> f32(src, byteOffset, dst, dstOff, n);
            case F16 -> f16ToF32(src, byteOffset, dst, dstOff, n);
            case BF16 -> bf16ToF32(src, byteOffset, dst, dstOff, n);
            default -> throw new IllegalArgumentException("cannot widen " + dtype + " to F32");
        }
    }

    private static void check(MemorySegment src, long byteOffset, int size, float[] dst, int dstOff, int n) {
        if (n < 0 || byteOffset < 0 || byteOffset + (long) size * n > src.byteSize())
            throw new IndexOutOfBoundsException("convert: " + n + " values of " + size + " bytes at byte "
                    + byteOffset + " overrun a segment of " + src.byteSize() + " bytes");
        if (dstOff < 0 || (long) dstOff + n > dst.length)
            throw new IndexOutOfBoundsException("convert: " + n + " values at " + dstOff
                    + " overrun a destination of " + dst.length);
    }
}
