package dev.jground.image;

/**
 * Segment Anything's preprocessing, as the official SamPredictor does it: ResizeLongestSide
 * (Pillow bilinear on the uint8 image, new size {@code int(side * target / max(h, w) + 0.5)}),
 * then Sam.preprocess: {@code (x - pixel_mean) / pixel_std} in float32, THEN zero padding at
 * the bottom and right to target x target (zero = the mean colour). Prompt coordinates are
 * scaled into the resized frame by the same ratios.
 */
public record SamImageProcessor(int target) {

    /** Sam.pixel_mean and pixel_std (ImageNet's, times 255). */
    public static final float[] PIXEL_MEAN = {123.675f, 116.28f, 103.53f};
    public static final float[] PIXEL_STD = {58.395f, 57.12f, 57.375f};

    public SamImageProcessor {
        if (target < 1) throw new IllegalArgumentException("SAM image size " + target);
    }

    /** The resized image and the encoder input [3, target, target]. */
    public record Result(RgbImage resized, float[] pixelValues) {}

    /** ResizeLongestSide.get_preprocess_shape: {height, width}. */
    public int[] resizedShape(int height, int width) {
        double scale = target * 1.0 / Math.max(height, width);
        return new int[] {(int) (height * scale + 0.5), (int) (width * scale + 0.5)};
    }

    public Result preprocess(RgbImage image) {
        int[] size = resizedShape(image.height(), image.width());
        RgbImage resized = PilResize.resize(image, size[1], size[0], PilResize.Filter.BILINEAR);
        int h = resized.height(), w = resized.width(), plane = target * target;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    out[c * plane + y * target + x] = (resized.get(x, y, c) - PIXEL_MEAN[c]) / PIXEL_STD[c];
        return new Result(resized, out);
    }

    /**
     * ResizeLongestSide.apply_coords: x, y pairs in original pixels -> the resized frame,
     * x * (new_w / old_w), y * (new_h / old_h) in double as numpy does, then rounded to float32.
     * A box (x0, y0, x1, y1) is two such pairs.
     */
    public float[] applyCoords(float[] xy, int height, int width) {
        int[] size = resizedShape(height, width);
        double sx = (double) size[1] / width, sy = (double) size[0] / height;
        float[] out = new float[xy.length];
        for (int i = 0; i + 1 < xy.length; i += 2) {
            out[i] = (float) (xy[i] * sx);
            out[i + 1] = (float) (xy[i + 1] * sy);
        }
        return out;
    }
}
