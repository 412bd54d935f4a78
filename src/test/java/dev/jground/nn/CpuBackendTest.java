package dev.jground.nn;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The backend contract on the CPU, with two threads so the parallel paths run. */
class CpuBackendTest extends BackendContractTest {
    @Override protected Backend backend() { return new CpuBackend(2); }

    // the Stable Diffusion ops, not yet on OpenCL; their kernels are tested against twins in kernel/
    @Test void padClampAndExpOnTheBackend() {
        try (CpuBackend b = new CpuBackend(2)) {
            Tensor x = b.upload(new float[] {1, -2, 3, -40, 5, 60}, 1, 2, 3);
            Tensor p = b.pad(x, 0, 1, 0, 1);
            assertArrayEquals(new int[] {1, 3, 4}, p.shape());
            assertArrayEquals(new float[] {1, -2, 3, 0, -40, 5, 60, 0, 0, 0, 0, 0}, b.download(p));
            assertArrayEquals(new float[] {1, -2, 3, -30, 5, 20}, b.download(b.clamp(x, -30, 20)));
            assertArrayEquals(new float[] {(float) Math.E, (float) Math.exp(-2), (float) Math.exp(3)},
                    Arrays.copyOf(b.download(b.exp(x)), 3), 1e-5f);
            var e = assertThrows(IllegalArgumentException.class, () -> b.pad(b.upload(new float[4], 2, 2), 0, 1, 0, 1));
            assertTrue(e.getMessage().startsWith("pad: input F32 [2, 2] is not [C, H, W]"), e.getMessage());
        }
    }
}
