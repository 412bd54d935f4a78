package dev.jground.ground;

import dev.jground.image.RgbImage;

import java.util.List;

/**
 * What attend-and-segment found in one image: the answer the model wrote about it and, for each
 * noun phrase of the answer, the point its attention chose and the mask SAM drew there.
 *
 * @param image   the image as read (original pixels, before any padding or resizing)
 * @param prompt  the question asked
 * @param answer  the decoded answer, which the phrases' spans index
 * @param tokens  the generated token ids, in order (the EOS included when it was generated)
 * @param grid    the visual grid's side: each phrase's map is grid x grid
 * @param phrases in the order they occur in the answer
 */
public record Grounding(RgbImage image, String prompt, String answer, int[] tokens, int grid, List<Phrase> phrases) {

    /**
     * One grounded noun phrase.
     *
     * @param text   the noun chunk, answer[start:end] in code points, as Python slices a str
     * @param root   the chunk's head noun, whose tokens' maps make the phrase's map
     * @param tokens indices into {@link Grounding#tokens} of the head noun's tokens
     * @param map    the phrase's attention over the visual grid, [grid * grid] row-major (normalised
     *               by the answer's mean map unless that was switched off, so it may be negative)
     * @param x      the point SAM was prompted with, original pixels
     * @param y      likewise
     * @param score  SAM's predicted IoU of the kept mask
     * @param mask   0/1 [height, width] of the image, row-major
     */
    public record Phrase(String text, int start, int end, String root, int[] tokens, float[] map, int x, int y,
                         float score, byte[] mask) {}

    /** A phrase's map upsampled over the original image as its point was chosen: [height, width] row-major. */
    public float[] heatMap(Phrase p) { return heatMap(p, image.width(), image.height()); }

    /** The same over the image shown at width x height (a preview of another size). */
    public float[] heatMap(Phrase p, int width, int height) { return AttentionMaps.toImage(p.map(), grid, width, height); }

    /** answer[start:end] with code-point offsets, as result.json's consumers (Python) slice it. */
    public String span(int start, int end) {
        return answer.substring(answer.offsetByCodePoints(0, start), answer.offsetByCodePoints(0, end));
    }
}
