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
 * <p>The Vector API of JDK 25 has no half-float conversion, so F16 uses integer arithmetic:
 * the 15 magnitude bits shifted into float position and multiplied by 2^112 (the exponent
 * bias difference 127 - 15) give every normal and subnormal half exactly; Inf/NaN get the
 * all-ones exponent OR-ed in (payload kept, a signalling NaN made quiet as the JDK's
 * vcvtph2ps intrinsic does) and the sign is OR-ed back last. BF16 is the top
 * half of a float32, so it is a 16-bit shift. The vector-level forms are public so that
 * matmul can convert in registers as it streams weights.
 */
public final class Convert {
    private Convert() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Shorts in half a float vector: one load of these widens to exactly one float vector. */
    static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** dst[dstOff .. dstOff + n) = the n binary16 values at {@code src + byteOffset}. */
    public static void f16ToF32(MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        check(src, byteOffset, 2, dst, dstOff, n);
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(H, src, byteOffset + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0);
            f16(h.and(0x7FFF), h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = Half.f16ToF32(src.get(TensorView.I16, byteOffset + 2L * i));
    }

    /**
     * Binary16 to float32 in int lanes: {@code mag} holds the 15 magnitude bits, {@code sign} the
     * sign already at bit 31. Matmul's F16 GEMV loop spells this out inline (C2 would not inline
     * it there, and a call that returns a vector boxes it); keep the two in step.
     */
    static FloatVector f16(IntVector mag, IntVector sign) {
        return mag.lanewise(VectorOperators.LSHL, 13).add(0x3800_0000)
                .blend(mag.convert(VectorOperators.I2F, 0).reinterpretAsFloats().mul(0x1p-24f).reinterpretAsInts(),
                        mag.compare(VectorOperators.LT, 0x400))
                .lanewise(VectorOperators.OR, 0x7F80_0000, mag.compare(VectorOperators.GE, 0x7C00))
                .lanewise(VectorOperators.OR, 0x0040_0000, mag.compare(VectorOperators.GT, 0x7C00))
                .or(sign).reinterpretAsFloats();
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
