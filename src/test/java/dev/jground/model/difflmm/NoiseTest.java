package dev.jground.model.difflmm;

import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NoiseTest {

    @Test void aSeedGivesTheSameDrawsAndTheyAreStandardNormal() {
        try (CpuBackend b = new CpuBackend(1)) {
            Noise first = Noise.seeded(7), again = Noise.seeded(7), other = Noise.seeded(8);
            float[] a = b.download(first.next(b, 4, 100, 100)), a2 = b.download(first.next(b, 4, 100, 100));
            assertArrayEquals(a, b.download(again.next(b, 4, 100, 100)));
            assertArrayEquals(a2, b.download(again.next(b, 4, 100, 100)));
            assertFalse(java.util.Arrays.equals(a, a2), "the second draw is a new one");
            assertFalse(java.util.Arrays.equals(a, b.download(other.next(b, 4, 100, 100))));
            double sum = 0, squares = 0;
            for (float v : a) { sum += v; squares += v * v; }
            double mean = sum / a.length, variance = squares / a.length - mean * mean;
            // 40000 draws: the mean's standard error is 0.005, the variance's about 0.007
            assertEquals(0, mean, 0.025);
            assertEquals(1, variance, 0.035);
        }
    }

    @Test void givenDrawsComeInOrderAndAreCheckedAgainstTheLatents() {
        try (CpuBackend b = new CpuBackend(1)) {
            Tensor vae = b.upload(new float[8], 2, 2, 2), diffusion = b.upload(new float[8], 2, 2, 2);
            Noise n = Noise.given(vae, diffusion);
            assertSame(vae, n.next(b, 2, 2, 2));
            assertSame(diffusion, n.next(b, 2, 2, 2));
            assertEquals("noise: only two draws were given", assertThrows(IllegalStateException.class, () -> n.next(b, 2, 2, 2)).getMessage());
            assertEquals("noise: draw 1 is [2, 2, 2], the latents are [4, 2, 2]",
                    assertThrows(IllegalArgumentException.class, () -> Noise.given(vae, diffusion).next(b, 4, 2, 2)).getMessage());
        }
    }
}
