package dev.jground.ground;

import dev.jground.image.RgbImage;

import java.util.List;

/**
 * What attend-and-segment found in one image: the answer the model wrote about it and, for each
 * noun phrase of the answer, the point its attention chose and the mask SAM drew there.
 *
 * @param image   the image as read (original pixels, before any padding or resizing)
 * @param prompt  the question asked
 * @param answer  the decoded answer (what the phrases' character spans index)
 * @param tokens  the generated token ids, in order (the EOS included when it was generated)
 * @param phrases in the order they occur in the answer
 */
public record Grounding(RgbImage image, String prompt, String answer, int[] tokens, List<Phrase> phrases) {

    /**
     * One grounded noun phrase.
     *
     * @param text    answer.substring(start, end), code-unit offsets of the Java string
     * @param root    the chunk's head noun, whose tokens' maps make the phrase's map
     * @param tokens  indices into {@link Grounding#tokens} of the head noun's tokens
     * @param x       the point SAM was prompted with, original pixels
     * @param y       likewise
     * @param score   SAM's predicted IoU of the kept mask
     * @param mask    0/1 [height, width] of the image, row-major
     * @param heatMap the phrase's normalised attention upsampled to the image, [height, width] row-major
     */
    public record Phrase(String text, int start, int end, String root, int[] tokens, int x, int y, float score,
                         byte[] mask, float[] heatMap) {}
}
