package dev.jground.nn;

import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;

/**
 * An opaque handle to a tensor that a {@link Backend} keeps where it likes: host memory on
 * the CPU, a device buffer on OpenCL. Model code passes handles between ops and never
 * touches the numbers; {@link Backend#download} is the one door back to the host.
 */
public interface Tensor extends AutoCloseable {

    int[] shape();

    /** F32 for activations; weights keep their stored dtype (F32, F16, BF16). */
    DType dtype();

    default long numel() { return Shapes.numel(shape()); }

    /** Frees device memory now instead of at garbage collection; a no-op on the CPU. */
    @Override default void close() {}

    /**
     * Closes each of a pass's intermediates once the ops that read them are queued: a device
     * then frees them as those ops finish, rather than whenever the JVM next collects (a
     * 7B prompt pass would otherwise hold gigabytes of dead activations).
     */
    static void close(Tensor... intermediates) {
        for (Tensor t : intermediates) t.close();
    }
}
