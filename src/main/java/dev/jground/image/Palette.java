package dev.jground.image;

/**
 * Colours for phrases, one each: Kelly's 22 colours of maximum contrast without white and black,
 * in his order, where each colour is as far as possible from all before it (K. L. Kelly, "Twenty-two
 * colors of maximum contrast", Color Engineering 3(6), 1965; sRGB as the ISCC-NBS centroids are
 * usually given). The 21st phrase takes the first colour again.
 */
public final class Palette {
    private Palette() {}

    private static final int[] KELLY = {
            0xF3C300, 0x875692, 0xF38400, 0xA1CAF1, 0xBE0032, 0xC2B280, 0x848482, 0x008856, 0xE68FAC, 0x0067A5,
            0xF99379, 0x604E97, 0xF6A600, 0xB3446C, 0xDCD300, 0x882D17, 0x8DB600, 0x654522, 0xE25822, 0x2B3D26};

    public static final int SIZE = KELLY.length;

    /** Colour of phrase i (0-based) as 0xRRGGBB. */
    public static int color(int i) { return KELLY[Math.floorMod(i, SIZE)]; }

    /** The same as CSS, "#rrggbb". */
    public static String css(int i) { return String.format("#%06x", color(i)); }
}
