package dev.jground.cli;

import dev.jground.image.RgbImage;
import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

/** Golden images are U8 tensors [H, W, 3]. */
final class Images {
    private Images() {}

    static RgbImage fromHwc(TensorView t) {
        int[] s = t.shape();
        if (t.dtype() != DType.U8 || s.length != 3 || s[2] != 3)
            throw new IllegalArgumentException("tensor '" + t.name() + "' is " + t.dtype() + " " + Shapes.str(s) + ", expected U8 [H, W, 3]");
        byte[] px = new byte[Math.toIntExact(t.numel())];
        for (int i = 0; i < px.length; i++) px[i] = (byte) t.getLong(i);
        return new RgbImage(s[1], s[0], px);
    }
}
