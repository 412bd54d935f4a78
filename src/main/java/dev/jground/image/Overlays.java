package dev.jground.image;

import java.util.List;

/**
 * Pictures of grounded phrases over their image: every mask in its own {@link Palette} colour with
 * its point and a numbered legend, and one phrase's attention as a heat map.
 */
public final class Overlays {
    private Overlays() {}

    /** How far a mask's pixels move towards its colour; its outline is drawn solid. */
    public static final double MASK_ALPHA = 0.5;
    /** How far a pixel moves towards the heat map's colour. */
    public static final double HEAT_ALPHA = 0.6;
    /** Longest legend line, in characters, before "..." cuts it. */
    public static final int LEGEND_CHARS = 40;

    /**
     * The image with mask i tinted in {@link Palette#color}(i), its point marked and a legend
     * "i+1 label" at the top left. Masks are 0/1 [height, width] row-major; points {x, y} in pixels.
     */
    public static RgbImage overlay(RgbImage image, List<byte[]> masks, List<int[]> points, List<String> labels) {
        if (points.size() != masks.size() || labels.size() != masks.size())
            throw new IllegalArgumentException(masks.size() + " masks, " + points.size() + " points, " + labels.size() + " labels");
        int w = image.width(), h = image.height();
        Canvas canvas = new Canvas(image);
        for (int i = 0; i < masks.size(); i++) {
            byte[] m = masks.get(i);
            MaskImages.check(m, w, h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (m[y * w + x] != 0)
                        canvas.blend(x, y, Palette.color(i), MaskImages.onEdge(m, w, h, x, y) ? 1 : MASK_ALPHA);
        }
        for (int i = 0; i < points.size(); i++) canvas.marker(points.get(i)[0], points.get(i)[1], markerRadius(w, h), Palette.color(i));
        legend(canvas, labels);
        return canvas.toImage();
    }

    /**
     * The heat map over the image: the map [height, width] row-major stretched from its minimum
     * (0) to its maximum (1), a constant map all 0, through {@link Viridis}, blended at
     * {@link #HEAT_ALPHA}, with the point (x, y) marked in markerRgb.
     */
    public static RgbImage heatMap(RgbImage image, float[] map, int x, int y, int markerRgb) {
        int w = image.width(), h = image.height();
        if (map.length != (long) w * h)
            throw new IllegalArgumentException("a heat map of " + map.length + " values for a " + w + "x" + h + " image");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (float v : map) if (Float.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        double range = hi > lo ? hi - lo : 0;
        int[] colours = new int[HEAT_LEVELS];   // viridis looked up once per level, not once per pixel
        for (int k = 0; k < HEAT_LEVELS; k++) colours[k] = Viridis.rgb(k / (HEAT_LEVELS - 1.0));
        Canvas canvas = new Canvas(image);
        for (int i = 0; i < map.length; i++) {
            double t = range > 0 && Float.isFinite(map[i]) ? (map[i] - lo) / range : 0;
            canvas.blend(i % w, i / w, colours[(int) Math.round(t * (HEAT_LEVELS - 1))], HEAT_ALPHA);
        }
        canvas.marker(x, y, markerRadius(w, h), markerRgb);
        return canvas.toImage();
    }

    /** Colour levels of a heat map: finer than the 8-bit steps any channel can show. */
    static final int HEAT_LEVELS = 1024;

    /** Font scale for an image: 1 below 480 pixels on the short side, then one more per 240. */
    public static int textScale(int width, int height) { return Math.max(1, Math.min(width, height) / 240); }

    static int markerRadius(int width, int height) { return Math.max(2, Math.min(width, height) / 80); }

    /** Truncates to at most max code points, ending in "..." when cut and there is room for it. */
    public static String fit(String text, int max) {
        int n = text.codePointCount(0, text.length());
        if (n <= max) return text;
        if (max <= 3) return text.substring(0, text.offsetByCodePoints(0, Math.max(max, 0)));
        return text.substring(0, text.offsetByCodePoints(0, max - 3)) + "...";
    }

    /** A dark box at the top left: per label a colour swatch and "n label" in white, cut to fit the image. */
    private static void legend(Canvas canvas, List<String> labels) {
        if (labels.isEmpty()) return;
        int s = textScale(canvas.width(), canvas.height());
        int pad = 2 * s, margin = 2 * s, line = BitmapFont.LINE_HEIGHT * s, swatch = BitmapFont.GLYPH_WIDTH * s;
        int textX = margin + pad + swatch + BitmapFont.ADVANCE * s;
        int room = (canvas.width() - textX - pad - margin) / (BitmapFont.ADVANCE * s);
        int chars = Math.min(LEGEND_CHARS, Math.max(room, 0));
        String[] lines = new String[labels.size()];
        int widest = 0;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = fit((i + 1) + " " + labels.get(i), chars);
            widest = Math.max(widest, BitmapFont.width(lines[i], s));
        }
        canvas.fill(margin, margin, textX - margin + widest + pad, pad * 2 + line * lines.length - s, 0x000000, 0.6);
        for (int i = 0; i < lines.length; i++) {
            int y = margin + pad + i * line;
            canvas.fill(margin + pad, y, swatch, BitmapFont.GLYPH_HEIGHT * s - s, Palette.color(i), 1);
            BitmapFont.draw(canvas, lines[i], textX, y, s, 0xFFFFFF);
        }
    }
}
