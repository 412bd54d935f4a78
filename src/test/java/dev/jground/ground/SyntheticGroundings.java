package dev.jground.ground;

import dev.jground.image.RgbImage;

import java.util.ArrayList;
import java.util.List;

/**
 * Groundings made by hand for the result-file tests: a 96x64 picture of a red disc, a blue square
 * and a green bar on a grey gradient, and an answer naming them with markup characters, quotes and
 * an emoji (so code-point spans differ from Java char offsets after it).
 */
final class SyntheticGroundings {
    private SyntheticGroundings() {}

    static final int W = 96, H = 64, GRID = 4;
    static final String PROMPT = "What is \"in\" <this> image?\u0007";
    static final String ANSWER = "A <b>red disc</b> & a \"blue square\" \uD83D\uDE42 next to 'green bars'.\nThat's all.";

    /** The picture: the disc centred (24, 32) radius 12, the square [50, 70) x [20, 40), the bar [80, 90) x [5, 60). */
    static RgbImage image() {
        byte[] px = new byte[W * H * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int[] c = {100 + x, 100 + x, 100 + y};
                if (disc(x, y)) c = new int[] {220, 30, 30};
                else if (square(x, y)) c = new int[] {30, 30, 220};
                else if (bar(x, y)) c = new int[] {30, 200, 30};
                for (int k = 0; k < 3; k++) px[(y * W + x) * 3 + k] = (byte) c[k];
            }
        return new RgbImage(W, H, px);
    }

    static boolean disc(int x, int y) { return (x - 24) * (x - 24) + (y - 32) * (y - 32) <= 144; }

    static boolean square(int x, int y) { return x >= 50 && x < 70 && y >= 20 && y < 40; }

    static boolean bar(int x, int y) { return x >= 80 && x < 90 && y >= 5 && y < 60; }

    interface Shape { boolean has(int x, int y); }

    static byte[] mask(Shape s) {
        byte[] m = new byte[W * H];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) if (s.has(x, y)) m[y * W + x] = 1;
        return m;
    }

    /** A grid map peaking at cell (cx, cy), negative elsewhere, as a mean-normalised map is. */
    static float[] map(int cx, int cy) {
        float[] m = new float[GRID * GRID];
        for (int y = 0; y < GRID; y++) for (int x = 0; x < GRID; x++) m[y * GRID + x] = (float) (1.0 / (1 + Math.abs(x - cx) + Math.abs(y - cy)) - 0.3);
        return m;
    }

    /** Code points [start, end) of the answer, counted here independently of Grounding.span. */
    static int[] codePointSpan(String text) {
        int from = ANSWER.indexOf(text);
        return new int[] {ANSWER.codePointCount(0, from), ANSWER.codePointCount(0, from + text.length())};
    }

    static Grounding.Phrase phrase(String text, String root, int x, int y, float score, byte[] mask, float[] map) {
        int[] span = codePointSpan(text);
        return new Grounding.Phrase(text, span[0], span[1], root, new int[] {span[0] + 1}, map, x, y, score, mask);
    }

    /** All three phrases, in answer order. */
    static Grounding three() {
        return of(List.of(
                phrase("<b>red disc</b>", "disc", 24, 32, 0.93f, mask(SyntheticGroundings::disc), map(1, 2)),
                phrase("blue square", "square", 60, 30, 0.875f, mask(SyntheticGroundings::square), map(2, 1)),
                phrase("green bars", "bars", 85, 32, 0.5f, mask(SyntheticGroundings::bar), map(3, 2))));
    }

    static Grounding of(List<Grounding.Phrase> phrases) {
        return new Grounding(image(), PROMPT, ANSWER, new int[] {1, 319, 2, 29889, 2}, GRID, new ArrayList<>(phrases));
    }

    static final ResultFiles.Source SOURCE = new ResultFiles.Source("/photos/<shapes> & \"co\".png", "llava-tiny", "sam-vit-b");
}
