package dev.jground.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A named, typed, shaped window onto bytes that live elsewhere (usually a memory-mapped
 * checkpoint). Nothing is copied. Reads are little-endian and unaligned: a safetensors
 * data area may start at any byte (the SD-1.5 UNet's header length is not a multiple of 8).
 */
public record TensorView(String name, DType dtype, int[] shape, MemorySegment data) {

    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public TensorView {
        shape = shape.clone();
        long bytes = Shapes.numel(shape) * dtype.byteSize();
        if (data.byteSize() != bytes)
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes for "
                    + dtype + " " + Shapes.str(shape) + " (expected " + bytes + ")");
    }

    /** A heap F32 tensor (model outputs, tests). */
    public static TensorView of(String name, float[] data, int... shape) {
        return new TensorView(name, DType.F32, shape, MemorySegment.ofArray(data.clone()));
    }

    /** A heap I64 tensor. */
    public static TensorView ofLongs(String name, long[] data, int... shape) {
        return new TensorView(name, DType.I64, shape, MemorySegment.ofArray(data.clone()));
    }

    /** A heap U8 tensor (images HWC, masks). */
    public static TensorView ofBytes(String name, byte[] data, int... shape) {
        return new TensorView(name, DType.U8, shape, MemorySegment.ofArray(data.clone()));
    }

    /** Rows [from, to) along the first dimension, as a view of the same bytes. */
    public TensorView rows(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to)
            throw new IllegalArgumentException("tensor '" + name + "': rows [" + from + ", " + to + ") of " + Shapes.str(shape));
        long rowBytes = shape[0] == 0 ? 0 : data.byteSize() / shape[0];
        int[] s = shape.clone();
        s[0] = to - from;
        return new TensorView(name + "[" + from + ":" + to + "]", dtype, s, data.asSlice(from * rowBytes, (to - from) * rowBytes));
    }

    @Override public int[] shape() { return shape.clone(); }

    public long numel() { return Shapes.numel(shape); }

    public int rank() { return shape.length; }

    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    /** Element i (flat, row-major) widened to float; any dtype. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.get(F32, i * 4);
            case F16 -> Half.f16ToF32(data.get(I16, i * 2));
            case BF16 -> Half.bf16ToF32(data.get(I16, i * 2));
            case F64 -> (float) data.get(F64, i * 8);
            default -> (float) getLong(i);
        };
    }

    /** Element i as a long; integer and boolean dtypes (floats are truncated toward zero). */
    public long getLong(long i) {
        return switch (dtype) {
            case I64 -> data.get(I64, i * 8);
            case I32 -> data.get(I32, i * 4);
            case I16 -> data.get(I16, i * 2);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            default -> (long) getDouble(i);
        };
    }

    public double getDouble(long i) {
        return dtype == DType.F64 ? data.get(F64, i * 8) : dtype.isFloat() ? getFloat(i) : getLong(i);
    }

    /** A heap copy widened to float32. */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) out[i] = getFloat(i);
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) out[i] = getLong(i);
        return out;
    }
}
