package dev.jground.tensor;

/** Scalar 16-bit float conversions. The vectorised twins live in {@code kernel.Convert}. */
public final class Half {
    private Half() {}

    public static float f16ToF32(short h) { return Float.float16ToFloat(h); }

    public static short f32ToF16(float f) { return Float.floatToFloat16(f); }

    /** bfloat16 is the top half of an IEEE float32, so widening is a shift. */
    public static float bf16ToF32(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }

    /** Round to nearest even, as PyTorch does; NaN stays a (quiet) NaN. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
