package dev.jground.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.*;

class TensorViewTest {

    @Test void rowsViewTheSameBytes() {
        float[] v = new float[5 * 3];
        for (int i = 0; i < v.length; i++) v[i] = i;
        TensorView t = TensorView.of("w", v, 5, 3);
        TensorView r = t.rows(2, 4);
        assertArrayEquals(new int[] {2, 3}, r.shape());
        assertArrayEquals(new float[] {6, 7, 8, 9, 10, 11}, r.toFloatArray());
        assertEquals("w[2:4]", r.name());
        assertEquals(0, t.rows(5, 5).numel());

        short[] half = new short[4 * 2];
        for (int i = 0; i < half.length; i++) half[i] = Half.f32ToF16(i + 0.5f);
        TensorView h = new TensorView("h", DType.F16, new int[] {4, 2}, MemorySegment.ofArray(half));
        assertArrayEquals(new float[] {4.5f, 5.5f, 6.5f, 7.5f}, h.rows(2, 4).toFloatArray());
    }

    @Test void rowsOutsideTheTensorAreNamed() {
        TensorView t = TensorView.of("w", new float[6], 3, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> t.rows(1, 4));
        assertEquals("tensor 'w': rows [1, 4) of [3, 2]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.rows(2, 1));
    }
}
