package dev.jground.image;

/** Binary masks as pictures: white on black, tinted over the image they belong to, or as a see-through layer. */
public final class MaskImages {
    private MaskImages() {}

    /** SAM's demo colour (show_mask): dodger blue at 60% opacity. */
    public static final int TINT = 0x1E90FF;
    public static final double TINT_ALPHA = 0.6;

    /** mask [height, width] of 0/1 -> white where 1, black where 0. */
    public static RgbImage mask(byte[] mask, int width, int height) {
        check(mask, width, height);
        byte[] px = new byte[mask.length * 3];
        for (int i = 0; i < mask.length; i++) if (mask[i] != 0) px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = (byte) 255;
        return new RgbImage(width, height, px);
    }

    /** The image with the mask's pixels blended towards {@link #TINT}. */
    public static RgbImage overlay(RgbImage image, byte[] mask) {
        int w = image.width();
        check(mask, w, image.height());
        Canvas canvas = new Canvas(image);
        for (int i = 0; i < mask.length; i++) if (mask[i] != 0) canvas.blend(i % w, i / w, TINT, TINT_ALPHA);
        return canvas.toImage();
    }

    /**
     * The mask as an RGBA layer to stack over its image: rgb at alpha 255 on its outline, at
     * {@code interiorAlpha} (0..1) inside, fully transparent outside. [height, width, 4] row-major.
     */
    public static byte[] layer(byte[] mask, int width, int height, int rgb, double interiorAlpha) {
        check(mask, width, height);
        byte[] out = new byte[mask.length * 4];
        byte inside = (byte) Math.round(255 * interiorAlpha);
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) continue;
            out[4 * i] = (byte) (rgb >> 16);
            out[4 * i + 1] = (byte) (rgb >> 8);
            out[4 * i + 2] = (byte) rgb;
            out[4 * i + 3] = onEdge(mask, width, height, i % width, i / width) ? (byte) 255 : inside;
        }
        return out;
    }

    /** Whether set pixel (x, y) touches an unset pixel or the image border (4-neighbourhood). */
    static boolean onEdge(byte[] mask, int width, int height, int x, int y) {
        return x == 0 || y == 0 || x == width - 1 || y == height - 1
                || mask[y * width + x - 1] == 0 || mask[y * width + x + 1] == 0
                || mask[(y - 1) * width + x] == 0 || mask[(y + 1) * width + x] == 0;
    }

    static void check(byte[] mask, int width, int height) {
        if (mask.length != (long) width * height)
            throw new IllegalArgumentException("a mask of " + mask.length + " pixels for a " + width + "x" + height + " image");
    }
}
