package dev.jground.image;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ColoursTest {

    private static int[] rgb(int c) { return new int[] {c >> 16 & 0xFF, c >> 8 & 0xFF, c & 0xFF}; }

    /** Entries of matplotlib's _viridis_data (index: r, g, b in 0..1), at and between our control points. */
    @Test void viridisFollowsMatplotlib() {
        double[][] entries = {
                {0, 0.267004, 0.004874, 0.329415}, {8, 0.277018, 0.050344, 0.375715}, {64, 0.229739, 0.322361, 0.545706},
                {100, 0.166617, 0.463708, 0.558119}, {140, 0.119423, 0.611141, 0.538982}, {170, 0.208030, 0.718701, 0.472873},
                {200, 0.440137, 0.811138, 0.340967}, {244, 0.886271, 0.892374, 0.095374}, {252, 0.964894, 0.902323, 0.123941}, {255, 0.993248, 0.906157, 0.143936}};
        for (double[] e : entries) {
            int[] got = rgb(Viridis.rgb(e[0] / 255));
            for (int c = 0; c < 3; c++)
                assertEquals(e[1 + c] * 255, got[c], 2.5, "entry " + (int) e[0] + " channel " + c);
        }
        assertEquals(0x440154, Viridis.rgb(0));
        assertEquals(0xFDE725, Viridis.rgb(1));
        assertEquals(Viridis.rgb(0), Viridis.rgb(-2));
        assertEquals(Viridis.rgb(0), Viridis.rgb(Double.NaN));
        assertEquals(Viridis.rgb(1), Viridis.rgb(7));
    }

    @Test void viridisGetsLighterAllTheWay() {
        double last = -1;
        for (int i = 0; i <= 100; i++) {
            int[] c = rgb(Viridis.rgb(i / 100.0));
            double luma = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
            assertTrue(luma > last, "at " + i + "%");
            last = luma;
        }
    }

    private static double distance(int a, int b) {
        int[] x = rgb(Palette.color(a)), y = rgb(Palette.color(b));
        return Math.sqrt(Math.pow(x[0] - y[0], 2) + Math.pow(x[1] - y[1], 2) + Math.pow(x[2] - y[2], 2));
    }

    @Test void paletteHasTwentyDistinctColoursThenRepeats() {
        Set<Integer> colours = new HashSet<>();
        for (int i = 0; i < Palette.SIZE; i++) colours.add(Palette.color(i));
        assertEquals(20, colours.size());
        assertFalse(colours.contains(0xFFFFFF) || colours.contains(0x000000), "no white or black, the marker's rings");
        assertEquals(Palette.color(0), Palette.color(20));
        assertEquals("#f3c300", Palette.css(0));
        // Kelly's order puts what is most distinct first: the first ten (most answers have fewer
        // phrases) are all far apart in plain RGB, and each colour is far from the one before it
        for (int a = 0; a < 10; a++)
            for (int b = a + 1; b < 10; b++) assertTrue(distance(a, b) > 45, a + " and " + b + " are " + distance(a, b) + " apart");
        for (int a = 0; a + 1 < 20; a++) assertTrue(distance(a, a + 1) > 70, a + " and the next");
    }
}
