package dev.jground.text;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class ImagePromptTest {
    static final Tokenizer TOKENIZER = Tokenizer.load(Path.of("src/test/resources/fixtures/llama2-tokenizer/tokenizer.json"))
            .withAddedToken(ChatTemplate.IMAGE, 32000);

    @Test void llavaHfPromptGivesTheGoldenIds() {
        // llava-tiny's golden.json "prompt.input_ids", made by the reference's tokenizer_image_token
        int[] expected = {1, 3148, 1001, 29901, 29871, 32000, 29871, 13, 4002, 29581, 278, 1967, 297, 9493, 29889, 319, 1799,
                9047, 13566, 29901};
        assertArrayEquals(expected, ImagePrompt.ids(TOKENIZER, ChatTemplate.LLAVA_HF.prompt("Describe the image in detail."), 32000));
    }

    @Test void paperTemplateStartsWithTheSystemSentenceAndSplitsAtTheImage() {
        String prompt = ChatTemplate.LLAVA_V1.prompt("Describe the image in detail.");
        assertEquals(ChatTemplate.SYSTEM + " USER: <image>\nDescribe the image in detail. ASSISTANT:", prompt);
        int[] ids = ImagePrompt.ids(TOKENIZER, prompt, 32000);
        int at = Arrays.stream(ids).boxed().toList().indexOf(32000);
        assertEquals(1, ids[0]);
        assertEquals(1, Arrays.stream(ids).filter(i -> i == 1).count(), "one BOS only");
        // each chunk gets its own SentencePiece prefix: the text after the image starts "▁" then "\n"
        assertEquals(29871, ids[at + 1]);
        assertEquals(13, ids[at + 2]);
        // the chunk before the image is the system sentence + " USER: ", encoded on its own
        int[] before = TOKENIZER.encode(ChatTemplate.SYSTEM + " USER: ", true);
        assertArrayEquals(before, Arrays.copyOf(ids, at));
        // and the same ids come from encoding the whole prompt with <image> as an added token (aas-spec §1.2)
        assertArrayEquals(TOKENIZER.encode(prompt, true), ids);
    }

    @Test void textWithoutImageIsPlainEncoding() {
        assertArrayEquals(TOKENIZER.encode("Hello world", true), ImagePrompt.ids(TOKENIZER, "Hello world", 32000));
    }
}
