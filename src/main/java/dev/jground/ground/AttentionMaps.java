package dev.jground.ground;

import dev.jground.kernel.Resample;

import java.util.ArrayList;
import java.util.List;

/**
 * From per-token attention maps over the visual grid to points in the original image
 * (aas-spec §2.1, §2.4, §2.5; official aas/gcg.py).
 */
public final class AttentionMaps {
    private AttentionMaps() {}

    /** Each map minus the mean map over the whole answer (paper Eq. 3): what is special to a token, not to the image. */
    public static List<float[]> normalize(List<float[]> maps) {
        if (maps.isEmpty()) return List.of();
        int n = maps.getFirst().length;
        float[] mean = mean(maps);
        List<float[]> out = new ArrayList<>(maps.size());
        for (float[] m : maps) {
            float[] d = new float[n];
            for (int i = 0; i < n; i++) d[i] = m[i] - mean[i];
            out.add(d);
        }
        return out;
    }

    /** The mean of several maps (a phrase's tokens). */
    public static float[] mean(List<float[]> maps) {
        float[] out = new float[maps.getFirst().length];
        for (float[] m : maps) for (int i = 0; i < out.length; i++) out[i] += m[i];
        for (int i = 0; i < out.length; i++) out[i] /= maps.size();
        return out;
    }

    /**
     * A grid x grid map upsampled (PyTorch bicubic, align_corners=False) to the square LLaVA
     * padded the image to, with the padding cropped away: [height, width] in original pixels.
     */
    public static float[] toImage(float[] map, int grid, int width, int height) {
        if (map.length != grid * grid) throw new IllegalArgumentException("map of " + map.length + " is not " + grid + "x" + grid);
        int side = Math.max(width, height), top = (side - height) / 2, left = (side - width) / 2;
        // on the host, not the backend: a few grid cells in, one image out, read by host code next;
        // only the unpadded window of the square is computed
        float[] out = new float[width * height];
        Resample.bicubicCrop(map, grid, grid, side, side, top, left, height, width, out);
        return out;
    }

    /** The (x, y) of the first maximum, as torch.argmax over the flattened map. */
    public static int[] peak(float[] image, int width) {
        int best = 0;
        for (int i = 1; i < image.length; i++) if (image[i] > image[best]) best = i;
        return new int[] {best % width, best / width};
    }
}
