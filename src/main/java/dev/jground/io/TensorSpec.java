package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;

/** A tensor's name, dtype and shape without its data: what a safetensors header entry says. */
public record TensorSpec(String name, DType dtype, int[] shape) {
    public TensorSpec {
        shape = shape.clone();
    }

    @Override public int[] shape() { return shape.clone(); }

    public long numel() { return Shapes.numel(shape); }

    public long byteSize() { return Math.multiplyExact(numel(), (long) dtype.byteSize()); }
}
