package dev.jground.image;

/** Binary masks as pictures: white on black, and tinted over the image they belong to. */
public final class MaskImages {
    private MaskImages() {}

    /** SAM's demo colour (show_mask): dodger blue at 60% opacity. */
    public static final int[] TINT = {30, 144, 255};
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
        check(mask, image.width(), image.height());
        byte[] px = image.pixels().clone();
        for (int i = 0; i < mask.length; i++)
            if (mask[i] != 0)
                for (int c = 0; c < 3; c++)
                    px[3 * i + c] = (byte) Math.round((1 - TINT_ALPHA) * (px[3 * i + c] & 0xFF) + TINT_ALPHA * TINT[c]);
        return new RgbImage(image.width(), image.height(), px);
    }

    private static void check(byte[] mask, int width, int height) {
        if (mask.length != (long) width * height)
            throw new IllegalArgumentException("a mask of " + mask.length + " pixels for a " + width + "x" + height + " image");
    }
}
