package dev.jground.text;

import dev.jground.io.Json;
import dev.jground.io.JsonObject;
import dev.jground.io.SafeTensorsFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The real LLaMA-2 tokenizer against cases made by an independent implementation (transformers.js). */
class Llama2TokenizerTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/llama2-tokenizer");
    static final Path LLAVA = Path.of("src/test/resources/golden/llava-tiny");
    static Tokenizer tok;

    @BeforeAll static void load() { tok = Tokenizer.load(DIR.resolve("tokenizer.json")); }

    record Case(String text, int[] ids, List<String> tokens, String decoded, String decodedWithSpecial) {
        @Override public String toString() { return Json.write(text.length() > 50 ? text.substring(0, 50) + "..." : text); }
    }

    static Stream<Case> cases() throws IOException {
        return Files.readAllLines(DIR.resolve("cases.jsonl")).stream().filter(l -> !l.isBlank()).map(l -> {
            JsonObject o = JsonObject.parse(l, "cases.jsonl");
            return new Case(o.string("text"), o.intArray("ids"), o.stringList("tokens"), o.string("decoded"), o.string("decoded_with_special"));
        });
    }

    @Test void all62Cases() throws IOException { assertEquals(62, cases().count()); }

    @ParameterizedTest @MethodSource("cases")
    void encodes(Case c) {
        assertArrayEquals(c.ids(), tok.encode(c.text(), true));
        assertEquals(c.tokens(), Arrays.stream(c.ids()).mapToObj(tok::piece).toList());
        int[] noBos = tok.encode(c.text(), false);
        assertArrayEquals(Arrays.copyOfRange(c.ids(), 1, c.ids().length), noBos);
    }

    @ParameterizedTest @MethodSource("cases")
    void decodes(Case c) {
        assertEquals(c.decoded(), tok.decode(c.ids(), true));
        assertEquals(c.decodedWithSpecial(), tok.decode(c.ids(), false));
    }

    @ParameterizedTest @MethodSource("cases")
    void streamsLikeTheFullDecode(Case c) {
        assertEquals(c.decoded(), stream(tok, c.ids(), true));
        assertEquals(c.decodedWithSpecial(), stream(tok, c.ids(), false));
    }

    static String stream(Tokenizer t, int[] ids, boolean skipSpecial) {
        Tokenizer.StreamDecoder d = t.streamDecoder(skipSpecial);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String s = d.push(id);
            // Nothing half a character: no lone surrogate and no U+FFFD from a split byte sequence.
            assertFalse(!s.isEmpty() && Character.isHighSurrogate(s.charAt(s.length() - 1)), s);
            assertFalse(s.contains("\uFFFD"), s);
            sb.append(s);
        }
        return sb.append(d.flush()).toString();
    }

    @Test void wellKnownIds() {
        assertEquals(32000, tok.vocabSize());
        assertEquals(1, tok.bos());
        assertEquals(2, tok.eos());
        assertEquals(15043, tok.id("▁Hello"));
        assertEquals(29871, tok.id("▁"));
        assertEquals(13, tok.id("<0x0A>"));
        assertEquals(-1, tok.id("<image>"));
        assertNull(tok.piece(32000));
        assertTrue(tok.isSpecial(0) && tok.isSpecial(1) && tok.isSpecial(2) && !tok.isSpecial(15043));
    }

    /** Emoji 🙂 is bytes F0 9F 99 82 = ids 243 162 156 133 (<0xXX> is id 3 + XX): text only once all four arrived. */
    @Test void streamHoldsBackPartialUtf8() {
        Tokenizer.StreamDecoder d = tok.streamDecoder(true);
        assertEquals("Hi", d.push(tok.id("▁Hi")));
        assertEquals(" ", d.push(29871));
        assertEquals("", d.push(3 + 0xF0));
        assertEquals("", d.push(3 + 0x9F));
        assertEquals("", d.push(3 + 0x99));
        assertEquals("🙂", d.push(3 + 0x82));
        assertEquals("", d.push(3 + 0xE4));   // first of 3 bytes of 世 (E4 B8 96), then the stream ends
        assertEquals("\uFFFD", d.flush());
    }

    @Test void firstStreamedSpaceIsStrippedOnlyOnce() {
        Tokenizer.StreamDecoder d = tok.streamDecoder(true);
        assertEquals("", d.push(1));        // <s> skipped
        assertEquals("", d.push(29871));    // "▁" -> " ", the decoder's one leading strip
        assertEquals(" leading", d.push(tok.id("▁leading")));
        assertEquals(" space", d.push(tok.id("▁space")));
    }

    @Test void invalidByteRunDecodesToReplacementPerByte() {
        // tokenizers' ByteFallback: a run that is not UTF-8 gives one U+FFFD per byte.
        assertEquals("a\uFFFD\uFFFDb", tok.decode(new int[] {tok.id("▁a"), 3 + 0xE4, 3 + 0xB8, tok.id("b")}, true));
    }

    @Test void decodeSkipsIdsOutsideTheVocabulary() {
        assertEquals("Hello", tok.decode(new int[] {15043, 32005}, true));
    }

    // ---- LLaVA ----

    static final String PROMPT = "USER: <image>\nDescribe the image in detail. ASSISTANT:";

    static long[] goldenInputIds() {
        try (SafeTensorsFile f = SafeTensorsFile.open(LLAVA.resolve("golden.safetensors"))) {
            return f.tensor("in.input_ids").toLongArray();
        }
    }

    @Test void llavaPromptWithImageTokenMatchesTheGolden() {
        Tokenizer llava = tok.withAddedToken("<image>", 32000).withAddedToken("<pad>", 32001);
        int[] ids = llava.encode(PROMPT, true);
        assertArrayEquals(goldenInputIds(), Arrays.stream(ids).asLongStream().toArray());
        assertEquals(32002, llava.vocabSize());
        assertEquals("<image>", llava.piece(32000));
        assertTrue(llava.isSpecial(32001));
        // "▁" on each side of the image token: transformers' own LLaVA example prints "USER:  \nWhat's ...".
        assertEquals("USER:  \nDescribe the image in detail. ASSISTANT:", llava.decode(ids, true));
        assertEquals("<s> USER: <image> \nDescribe the image in detail. ASSISTANT:", llava.decode(ids, false));
    }

    /** LLaVA's tokenizer_image_token: chunks around "<image>" each tokenised with BOS, BOS kept on the first only. */
    @Test void llavaChunkwiseTokenisationIsTheSame() {
        String[] chunks = PROMPT.split("<image>", -1);
        int[] first = tok.encode(chunks[0], true), second = tok.encode(chunks[1], true);
        assertEquals(1, second[0]);
        int[] chunkwise = new int[first.length + second.length];
        System.arraycopy(first, 0, chunkwise, 0, first.length);
        chunkwise[first.length] = 32000;
        System.arraycopy(second, 1, chunkwise, first.length + 1, second.length - 1);
        assertArrayEquals(goldenInputIds(), Arrays.stream(chunkwise).asLongStream().toArray());
    }

    @Test void withoutTheImageTokenThePromptIsPlainText() {
        JsonObject prompt = JsonObject.parse(LLAVA.resolve("golden.json")).object("prompt");
        assertArrayEquals(prompt.intArray("base_tokenizer_ids_without_image_token"), tok.encode(PROMPT, true));
        assertArrayEquals(prompt.intArray("input_ids"),
                tok.withAddedToken("<image>", 32000).encode(prompt.string("text"), true));
    }

    @Test void addingAnExistingTokenAgainIsHarmlessButAClashIsAnError() {
        Tokenizer llava = tok.withAddedToken("<image>", 32000);
        assertSame(llava, llava.withAddedToken("<image>", 32000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.withAddedToken("<image>", 15043));
        assertTrue(e.getMessage().contains("'<image>' has id 15043, which the vocabulary gives to '▁Hello'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> llava.withAddedToken("<image>", 32001));
        assertTrue(e.getMessage().contains("two ids, 32000 and 32001"), e.getMessage());
        // Re-declaring <image> as a plain (non-special) token replaces the special one.
        Tokenizer plain = llava.withAddedToken(new AddedToken("<image>", 32000, false, false, false, false, false));
        assertArrayEquals(new int[] {1, 263, 32000}, plain.encode("a<image>", true));
        assertEquals("a<image>", plain.decode(new int[] {1, 263, 32000}, true));
        assertEquals("a", llava.decode(new int[] {1, 263, 32000}, true));
    }

    @Test void longTextIsOneChunkAndRoundTrips() {
        // 5 KB, one BPE word in the legacy layout: every "▁" joins the word after it, so the
        // text is the first sentence's ids 100 times over.
        String sentence = "The cat sat on the mat and looked at the 日本 sign.";
        int[] one = tok.encode(sentence, false);
        int[] ids = tok.encode((sentence + " ").repeat(99) + sentence, false);
        assertEquals(100 * one.length, ids.length);
        for (int i = 0; i < ids.length; i++) assertEquals(one[i % one.length], ids[i], "id " + i);
        assertEquals((sentence + " ").repeat(99) + sentence, tok.decode(ids, true));
    }
}
