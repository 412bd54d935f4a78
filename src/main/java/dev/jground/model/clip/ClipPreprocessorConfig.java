package dev.jground.model.clip;

import dev.jground.image.ClipImageProcessor;
import dev.jground.io.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** preprocessor_config.json of a CLIPImageProcessor, with transformers' defaults. */
public final class ClipPreprocessorConfig {
    private ClipPreprocessorConfig() {}

    /**
     * Reads dir/preprocessor_config.json, or CLIP's defaults at the vision tower's image size when
     * absent; refuses a file whose crop is not the vision tower's input.
     */
    public static ClipImageProcessor load(Path dir, int imageSize, boolean padToSquare) throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(file))
            return new ClipImageProcessor(imageSize, imageSize, imageSize, 1 / 255.0,
                    ClipImageProcessor.CLIP_MEAN, ClipImageProcessor.CLIP_STD, padToSquare);
        return checkFits(parse(JsonObject.parse(file), padToSquare), imageSize);
    }

    /** The processor, if its crop is the vision tower's imageSize x imageSize input. */
    public static ClipImageProcessor checkFits(ClipImageProcessor p, int imageSize) {
        if (p.cropHeight() != imageSize || p.cropWidth() != imageSize)
            throw new IllegalArgumentException("preprocessor crops " + p.cropWidth() + "x" + p.cropHeight()
                    + " but the vision tower takes " + imageSize + "x" + imageSize);
        return p;
    }

    public static ClipImageProcessor parse(JsonObject j, boolean padToSquare) {
        // older files write size and crop_size as plain ints
        int shortest = j.has("size") && j.map().get("size") instanceof Number n ? n.intValue()
                : j.object("size").integer("shortest_edge", 224);
        int cropH, cropW;
        if (j.map().get("crop_size") instanceof Number n) cropH = cropW = n.intValue();
        else {
            JsonObject crop = j.object("crop_size");
            cropH = crop.integer("height", 224);
            cropW = crop.integer("width", 224);
        }
        int resample = j.integer("resample", 3);
        if (resample != 3) throw new IllegalArgumentException("preprocessor_config.json: resample " + resample + " is not bicubic (3)");
        return new ClipImageProcessor(shortest, cropH, cropW, j.number("rescale_factor", 1 / 255.0),
                floats(j, "image_mean", ClipImageProcessor.CLIP_MEAN), floats(j, "image_std", ClipImageProcessor.CLIP_STD),
                padToSquare);
    }

    private static float[] floats(JsonObject j, String key, float[] def) {
        if (!j.has(key)) return def;
        double[] d = j.doubleArray(key);
        if (d.length != 3) throw new IllegalArgumentException("preprocessor_config.json: " + key + " needs 3 values, has " + d.length);
        return new float[] {(float) d[0], (float) d[1], (float) d[2]};
    }
}
