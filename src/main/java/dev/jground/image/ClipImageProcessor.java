package dev.jground.image;

/**
 * transformers' CLIPImageProcessor as LLaVA-1.5 uses it: optional pad to a square in the mean
 * colour (LLaVA's expand2square, image_aspect_ratio 'pad'), resize the shortest edge with
 * Pillow's bicubic, centre crop, rescale by 1/255, normalise, channels first.
 */
public record ClipImageProcessor(int shortestEdge, int cropHeight, int cropWidth, double rescaleFactor,
                                 float[] mean, float[] std, boolean padToSquare) {

    /** OpenAI CLIP's normalisation constants (transformers OPENAI_CLIP_MEAN / STD). */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** The resized and cropped image and the model input [3, cropHeight, cropWidth]. */
    public record Result(RgbImage resized, float[] pixelValues) {}

    public Result preprocess(RgbImage image) {
        RgbImage square = padToSquare ? expandToSquare(image) : image;
        RgbImage resized = resizeShortestEdge(square);
        return new Result(resized, normalize(centerCrop(resized)));
    }

    /** llava/mm_utils.py expand2square: the image centred on a square of tuple(int(m * 255)). */
    public RgbImage expandToSquare(RgbImage image) {
        int w = image.width(), h = image.height();
        if (w == h) return image;
        int side = Math.max(w, h);
        return image.pasteOnto(side, (side - w) / 2, (side - h) / 2,
                (int) (mean[0] * 255.0), (int) (mean[1] * 255.0), (int) (mean[2] * 255.0));
    }

    /** transformers get_resize_output_image_size(default_to_square=False): the long side truncates. */
    public RgbImage resizeShortestEdge(RgbImage image) {
        int w = image.width(), h = image.height();
        int shortSide = Math.min(w, h), longSide = Math.max(w, h);
        int newLong = (int) ((double) shortestEdge * longSide / shortSide);
        int newW = w <= h ? shortestEdge : newLong, newH = w <= h ? newLong : shortestEdge;
        return PilResize.resize(image, newW, newH, PilResize.Filter.BICUBIC);
    }

    public RgbImage centerCrop(RgbImage image) {
        if (image.width() < cropWidth || image.height() < cropHeight)
            throw new IllegalArgumentException("centre crop " + cropWidth + "x" + cropHeight + " of a smaller "
                    + image.width() + "x" + image.height() + " image");
        return image.crop((image.width() - cropWidth) / 2, (image.height() - cropHeight) / 2, cropWidth, cropHeight);
    }

    /** Rescale in double then round to float, normalise in float: what transformers' numpy code does. */
    public float[] normalize(RgbImage image) {
        int hw = image.width() * image.height();
        float[] out = new float[3 * hw];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < hw; i++) {
                float v = (float) ((image.pixels()[i * 3 + c] & 0xFF) * rescaleFactor);
                out[c * hw + i] = (v - mean[c]) / std[c];
            }
        return out;
    }
}
