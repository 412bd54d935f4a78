package dev.jground.nn;

import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

import static org.lwjgl.opencl.CL10.clReleaseMemObject;
import static org.lwjgl.opencl.CL10.clRetainMemObject;

/**
 * A tensor in an OpenCL buffer (cl_mem) of one {@link ClContext}. Reshapes share the buffer
 * through OpenCL's own reference count; {@link #close()} drops this handle's reference, and a
 * Cleaner drops it if the handle is garbage collected first.
 */
public final class ClTensor implements Tensor {
    private static final Cleaner CLEANER = Cleaner.create();

    private final ClContext ctx;
    private final int[] shape;
    private final DType dtype;
    private final long mem;
    private final Cleaner.Cleanable release;
    private volatile boolean closed;

    /** Takes ownership of one reference to {@code mem}. */
    ClTensor(ClContext ctx, long mem, DType dtype, int[] shape) {
        this.ctx = ctx;
        this.mem = mem;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.release = CLEANER.register(this, () -> clReleaseMemObject(mem));   // must not capture this
    }

    /** A new uninitialised F32 tensor of {@code shape}, an op's output (no transfer). */
    static ClTensor allocate(ClContext ctx, int[] shape) {
        return new ClTensor(ctx, ctx.allocate(Shapes.numel(shape) * Float.BYTES), DType.F32, shape);
    }

    /** A new tensor holding a copy of {@code data} (one counted upload). */
    static ClTensor upload(ClContext ctx, float[] data, int[] shape) {
        return new ClTensor(ctx, ctx.write(MemorySegment.ofArray(data)), DType.F32, shape);
    }

    /** The same buffer under another shape. */
    ClTensor view(int[] newShape) {
        ClException.check(clRetainMemObject(mem()), "clRetainMemObject");
        return new ClTensor(ctx, mem, dtype, newShape);
    }

    ClContext context() { return ctx; }

    long mem() {
        if (closed) throw new IllegalStateException("opencl tensor " + Shapes.str(shape) + " was closed");
        return mem;
    }

    /** Kernels read any stored dtype through common.cl's ld(); this is its dtype code. */
    int dtypeCode() {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            default -> throw new AssertionError(dtype);
        };
    }

    @Override public int[] shape() { return shape.clone(); }

    @Override public DType dtype() { return dtype; }

    /** Releases the buffer; kernels already queued on it still finish (OpenCL defers the free). */
    @Override public void close() {
        closed = true;
        release.clean();
    }

    @Override public String toString() { return "ClTensor" + Shapes.str(shape) + " " + dtype; }
}
