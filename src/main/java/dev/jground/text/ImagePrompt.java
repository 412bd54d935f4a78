package dev.jground.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * LLaVA's tokenizer_image_token (llava/mm_utils.py): each {@code <image>}-separated chunk is
 * tokenised on its own with BOS and the SentencePiece prefix space, BOS is kept on the first
 * chunk only, and the chunks are joined by the image token id. So the text after the image
 * starts with "▁" then "\n", as the model saw in training.
 */
public final class ImagePrompt {
    private ImagePrompt() {}

    /** A LLaVA tokenizer.json; the image token is added when the file lacks it (Vicuna's does). */
    public static Tokenizer loadTokenizer(Path file, int imageTokenId) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no tokenizer.json (give one with --tokenizer)");
        Tokenizer t = Tokenizer.load(file);
        return t.id(ChatTemplate.IMAGE) < 0 ? t.withAddedToken(ChatTemplate.IMAGE, imageTokenId) : t;
    }

    public static int[] ids(Tokenizer tokenizer, String prompt, int imageTokenId) {
        String[] chunks = prompt.split(ChatTemplate.IMAGE, -1);
        int[] out = new int[0];
        for (int c = 0; c < chunks.length; c++) {
            int[] ids = tokenizer.encode(chunks[c], true);
            if (c > 0) {
                out = append(out, new int[] {imageTokenId});
                if (ids.length > 0 && ids[0] == tokenizer.bos()) ids = Arrays.copyOfRange(ids, 1, ids.length);
            }
            out = append(out, ids);
        }
        return out;
    }

    private static int[] append(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
