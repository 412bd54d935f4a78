package dev.jground.tensor;

/** Element types a checkpoint may store, named as safetensors names them. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int byteSize;

    DType(int byteSize) { this.byteSize = byteSize; }

    public int byteSize() { return byteSize; }

    public boolean isFloat() { return this == F64 || this == F32 || this == F16 || this == BF16; }

    /** The safetensors spelling ("F16", "BOOL", ...), or null when unknown. */
    public static DType parse(String name) {
        for (DType t : values()) if (t.name().equals(name)) return t;
        return null;
    }
}
