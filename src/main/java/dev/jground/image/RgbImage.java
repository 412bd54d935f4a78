package dev.jground.image;

/** An 8-bit RGB image, rows top to bottom, pixels interleaved (HWC), as PIL and numpy hold it. */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size " + width + "x" + height);
        if (pixels.length != (long) width * height * 3)
            throw new IllegalArgumentException(pixels.length + " bytes for a " + width + "x" + height + " RGB image");
    }

    /** Channel c (0 red, 1 green, 2 blue) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) { return pixels[(y * width + x) * 3 + c] & 0xFF; }

    /** The w x h window whose top-left corner is (left, top); it must lie inside the image. */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || left + w > width || top + h > height)
            throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + left + ", " + top + ") leaves the "
                    + width + "x" + height + " image");
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) System.arraycopy(pixels, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        return new RgbImage(w, h, out);
    }

    /** A side x side canvas of one colour with this image pasted at (left, top). */
    public RgbImage pasteOnto(int side, int left, int top, int r, int g, int b) {
        byte[] out = new byte[side * side * 3];
        for (int i = 0; i < side * side; i++) {
            out[i * 3] = (byte) r;
            out[i * 3 + 1] = (byte) g;
            out[i * 3 + 2] = (byte) b;
        }
        for (int y = 0; y < height; y++) System.arraycopy(pixels, y * width * 3, out, ((top + y) * side + left) * 3, width * 3);
        return new RgbImage(side, side, out);
    }
}
