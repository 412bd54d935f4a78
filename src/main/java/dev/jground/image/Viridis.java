package dev.jground.image;

/**
 * Matplotlib's viridis colormap (perceptually uniform, readable in grey and by colour-blind
 * readers), linearly interpolated between 18 of its 256 entries: indices 0, 16, ..., 240, then 248
 * and 255 where the blue channel turns, of {@code _viridis_data} in matplotlib's {@code _cm_listed.py}
 * (CC0), rounded to 8 bits. In between it stays within about 2 of 255 levels of the full table.
 */
public final class Viridis {
    private Viridis() {}

    private static final int[] INDEX = {0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 248, 255};
    private static final int[][] RGB = {
            {68, 1, 84}, {72, 24, 106}, {71, 45, 123}, {66, 64, 134}, {59, 82, 139}, {51, 99, 141}, {44, 114, 142},
            {38, 130, 142}, {33, 145, 140}, {31, 160, 136}, {40, 174, 128}, {63, 188, 115}, {94, 201, 98},
            {132, 212, 75}, {173, 220, 48}, {216, 226, 25}, {236, 229, 27}, {253, 231, 37}};

    /** The colour at t in [0, 1] (clamped; NaN reads as 0) as 0xRRGGBB. */
    public static int rgb(double t) {
        double at = t > 0 ? Math.min(t, 1) * 255 : 0;
        int k = 1;
        while (INDEX[k] < at) k++;
        double f = (at - INDEX[k - 1]) / (INDEX[k] - INDEX[k - 1]);
        int out = 0;
        for (int c = 0; c < 3; c++) out = out << 8 | (int) Math.round(RGB[k - 1][c] + f * (RGB[k][c] - RGB[k - 1][c]));
        return out;
    }
}
