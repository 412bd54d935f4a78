package dev.jground.image;

/**
 * A copy of an image to draw on. Every call clips to the image, so a label or marker that does
 * not fit is cut off, never an error: the same drawing code serves a 1x1 and a 4000x3000 image.
 * Colours are 0xRRGGBB.
 */
public final class Canvas {
    private final int width, height;
    private final byte[] px;

    public Canvas(RgbImage image) {
        width = image.width();
        height = image.height();
        px = image.pixels().clone();
    }

    public int width() { return width; }

    public int height() { return height; }

    /** Pixel (x, y) moved alpha of the way towards rgb (alpha 1 paints it); outside the image nothing happens. */
    public void blend(int x, int y, int rgb, double alpha) {
        if (x < 0 || y < 0 || x >= width || y >= height) return;
        int i = (y * width + x) * 3;
        for (int c = 0; c < 3; c++) {
            int target = rgb >> (16 - 8 * c) & 0xFF;
            px[i + c] = (byte) Math.round((1 - alpha) * (px[i + c] & 0xFF) + alpha * target);
        }
    }

    /** The w x h rectangle at (x, y), blended at alpha. */
    public void fill(int x, int y, int w, int h, int rgb, double alpha) {
        int x0 = Math.max(x, 0), y0 = Math.max(y, 0);
        int x1 = (int) Math.min((long) x + w, width), y1 = (int) Math.min((long) y + h, height);
        for (int yy = y0; yy < y1; yy++) for (int xx = x0; xx < x1; xx++) blend(xx, yy, rgb, alpha);
    }

    /**
     * A point marker centred on (cx, cy): a disc of the given colour inside a white ring inside a
     * black one, so it shows on dark and light pixels and on its own mask alike.
     */
    public void marker(int cx, int cy, int radius, int rgb) {
        int outer = radius + Math.max(2, radius / 2);
        for (int dy = -outer; dy <= outer; dy++)
            for (int dx = -outer; dx <= outer; dx++) {
                double d = Math.sqrt(dx * dx + dy * dy);
                if (d > outer + 0.5) continue;
                int colour = d <= radius - 0.5 ? rgb : d <= outer - 0.5 ? 0xFFFFFF : 0x000000;
                blend(cx + dx, cy + dy, colour, 1);
            }
    }

    public RgbImage toImage() { return new RgbImage(width, height, px.clone()); }
}
