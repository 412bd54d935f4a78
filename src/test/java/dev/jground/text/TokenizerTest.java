package dev.jground.text;

import dev.jground.io.Json;
import dev.jground.io.JsonException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Hand-made tokenizer.json files: merge order, both LLaMA layouts, byte fallback, unk, bad files. */
class TokenizerTest {
    @TempDir Path dir;

    static final String[] PIECES = {"<unk>", "<s>", "</s>", "<0xC3>", "<0xA9>", "▁", "a", "b", "c", "ab", "bc", "▁a",
            "aa", "h", "i", "hi", "▁hi", "▁▁", "a▁"};
    // Priority order; "a ▁" first so that a word spanning two "▁" shows whether Metaspace split.
    static final String[][] MERGES = {{"a", "▁"}, {"b", "c"}, {"a", "b"}, {"a", "a"}, {"h", "i"}, {"▁", "hi"}, {"▁", "a"}, {"▁", "▁"}};

    static final Map<String, Object> LEGACY_NORMALIZER = Map.of("type", "Sequence", "normalizers", List.of(
            Map.of("type", "Prepend", "prepend", "▁"),
            Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "▁")));
    static final Map<String, Object> LEGACY_DECODER = Map.of("type", "Sequence", "decoders", List.of(
            Map.of("type", "Replace", "pattern", Map.of("String", "▁"), "content", " "),
            Map.of("type", "ByteFallback"), Map.of("type", "Fuse"),
            Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0)));

    static Map<String, Object> metaspace(String scheme, boolean split) {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("type", "Metaspace", "replacement", "▁", "split", split));
        if (scheme != null) m.put("prepend_scheme", scheme); else m.put("add_prefix_space", true);   // pre-0.19 files
        return m;
    }

    /** A tokenizer.json; {@code arrayMerges} writes merges the tokenizers >= 0.20 way. */
    static Map<String, Object> file(Object normalizer, Object preTokenizer, Object decoder, boolean arrayMerges) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int i = 0; i < PIECES.length; i++) vocab.put(PIECES[i], i);
        List<Object> merges = new ArrayList<>();
        for (String[] m : MERGES) merges.add(arrayMerges ? List.of(m[0], m[1]) : m[0] + " " + m[1]);
        Map<String, Object> model = new LinkedHashMap<>(Map.of("type", "BPE", "vocab", vocab, "merges", merges,
                "unk_token", "<unk>", "byte_fallback", true, "fuse_unk", true));
        List<Object> added = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            added.add(Map.of("id", i, "content", PIECES[i], "special", true, "normalized", false,
                    "lstrip", false, "rstrip", false, "single_word", false));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("added_tokens", added);
        root.put("normalizer", normalizer);
        root.put("pre_tokenizer", preTokenizer);
        root.put("post_processor", Map.of("type", "TemplateProcessing",
                "single", List.of(Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0)), Map.of("Sequence", Map.of("id", "A", "type_id", 0))),
                "special_tokens", Map.of("<s>", Map.of("id", "<s>", "ids", List.of(1), "tokens", List.of("<s>")))));
        root.put("decoder", decoder);
        root.put("model", model);
        return root;
    }

    Tokenizer load(Map<String, Object> json) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, Json.write(json));
        return Tokenizer.load(p);
    }

    Tokenizer legacy() throws IOException { return load(file(LEGACY_NORMALIZER, null, LEGACY_DECODER, false)); }

    Tokenizer newer(String scheme, boolean split) throws IOException {
        return load(file(null, metaspace(scheme, split), metaspace(scheme, split), true));
    }

    @Test void lowestRankMergesFirstNotLeftToRight() throws IOException {
        // ▁ a b c: "b c" (rank 1) beats "a b" (2) and "▁ a" (6), then "▁ a" -> ▁a bc.
        assertArrayEquals(new int[] {1, 11, 10}, legacy().encode("abc", true));
    }

    @Test void equalRanksMergeLeftmostFirst() throws IOException {
        // ▁ a a a: both "a a" have rank 3; the left one wins -> ▁ aa a (a right-first merge would give ▁a aa).
        assertArrayEquals(new int[] {5, 12, 6}, legacy().encode("aaa", false));
    }

    @Test void legacyLayoutPrefixesEveryChunk() throws IOException {
        Tokenizer t = legacy();
        assertArrayEquals(new int[] {16, 1, 16}, t.encode("hi<s>hi", false));
        // " hi" -> "▁▁hi": h i (rank 4) -> "▁ hi" (5) at the second ▁ -> ▁ ▁hi.
        assertArrayEquals(new int[] {5, 16}, t.encode(" hi", false));
        assertArrayEquals(new int[] {1}, t.encode("", true));
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
    }

    @Test void metaspaceFirstPrefixesOnlyTheStartOfTheText() throws IOException {
        Tokenizer t = newer("first", true);
        assertArrayEquals(new int[] {1, 16, 1, 15}, t.encode("hi<s>hi", true));
        assertArrayEquals(new int[] {1, 15}, t.encode("<s>hi", false));
        assertArrayEquals(new int[] {16}, t.encode(" hi", false));   // already starts with ▁: no second one
        assertArrayEquals(new int[] {16, 16}, t.encode("hi hi", false));
        assertEquals("hi hi", t.decode(new int[] {1, 16, 16}, true));
        assertEquals("<s> hi", t.decode(new int[] {1, 16}, false));
    }

    @Test void metaspaceAlwaysAndNever() throws IOException {
        assertArrayEquals(new int[] {16, 1, 16}, newer("always", true).encode("hi<s>hi", false));
        assertArrayEquals(new int[] {16, 1, 16}, newer(null, true).encode("hi<s>hi", false));   // add_prefix_space: true
        Tokenizer never = newer("never", true);
        assertArrayEquals(new int[] {15, 1, 15}, never.encode("hi<s>hi", false));
        assertEquals(" hi", never.decode(new int[] {16}, true));   // nothing to strip when nothing was prepended
    }

    @Test void metaspaceSplitKeepsMergesInsideWords() throws IOException {
        // "▁a▁a": split gives two words ▁a ▁a; unsplit, "a ▁" (rank 0) merges across the boundary.
        assertArrayEquals(new int[] {11, 11}, newer("first", true).encode("a a", false));
        assertArrayEquals(new int[] {5, 18, 6}, newer("first", false).encode("a a", false));
        assertArrayEquals(new int[] {5, 18, 6}, legacy().encode("a a", false));   // legacy: one word too
    }

    @Test void byteFallbackAndUnk() throws IOException {
        Tokenizer t = legacy();
        assertArrayEquals(new int[] {5, 3, 4}, t.encode("é", false));        // C3 A9
        assertEquals("é", t.decode(new int[] {5, 3, 4}, true));
        // 'z' is neither a piece nor a known byte: <unk>, and fuse_unk makes one of "zz".
        assertArrayEquals(new int[] {5, 0, 6}, t.encode("zza", false));
        assertEquals("a", t.decode(new int[] {5, 0, 6}, true));
        assertEquals("<unk>a", t.decode(new int[] {5, 0, 6}, false));
    }

    @Test void addedTokensStripAndSingleWord() throws IOException {
        Tokenizer t = legacy()
                .withAddedToken(new AddedToken("<x>", 40, true, true, true, false, false))
                .withAddedToken(new AddedToken("ab", 41, false, false, false, false, true));
        // lstrip/rstrip swallow the spaces around <x>.
        assertArrayEquals(new int[] {16, 40, 16}, t.encode("hi  <x> hi", false));
        // "ab" alone is the added token; inside "abc" it is not a single word, so BPE sees it.
        assertArrayEquals(new int[] {41}, t.encode("ab", false));
        assertArrayEquals(new int[] {11, 10}, t.encode("abc", false));
        assertEquals(42, t.vocabSize());
        assertEquals("hihi", t.decode(new int[] {16, 40, 15}, true));
    }

    @Test void metaspaceDecoderDropsEveryReplacementOfTheFirstPiece() throws IOException {
        // tokenizers' Metaspace decoder: "▁" is dropped in piece 0, a space elsewhere; Strip(1) drops one space.
        Tokenizer newer = newer("first", true), legacy = legacy();
        assertEquals("", newer.decode(new int[] {17}, true));
        assertEquals(" ", legacy.decode(new int[] {17}, true));
        assertEquals("hi", newer.decode(new int[] {1, 17, 15}, true));
        assertEquals("<s>  hi", newer.decode(new int[] {1, 17, 15}, false));
        for (Tokenizer t : List.of(newer, legacy)) {
            for (int[] ids : List.of(new int[] {17}, new int[] {1, 17, 15}, new int[] {16, 16}, new int[] {5, 3, 4, 16})) {
                for (boolean skip : new boolean[] {true, false})
                    assertEquals(t.decode(ids, skip), Llama2TokenizerTest.stream(t, ids, skip), Json.write(ids) + " skip " + skip);
            }
        }
    }

    @Test void normalizedAddedTokensMatchTheirNormalisedContent() throws IOException {
        AddedToken bc = new AddedToken("bc", 45, false, false, false, true, false);
        // Legacy: the pattern is Prepend+Replace("bc") = "▁bc", found in "▁a▁bc" but not in "▁abc".
        Tokenizer legacy = legacy().withAddedToken(bc);
        assertArrayEquals(new int[] {11, 45}, legacy.encode("a bc", false));
        assertArrayEquals(new int[] {11, 10}, legacy.encode("abc", false));
        // No normalizer: the pattern is "bc"; "a " is then pre-tokenized alone: "▁a▁" -> ▁a ▁.
        Tokenizer newer = newer("first", true).withAddedToken(bc);
        assertArrayEquals(new int[] {11, 45}, newer.encode("abc", false));
        assertArrayEquals(new int[] {11, 5, 45}, newer.encode("a bc", false));
        assertEquals("a bc", newer.decode(new int[] {11, 5, 45}, true));
    }

    @Test void streamDecoderOnTheNewerLayout() throws IOException {
        Tokenizer t = newer("first", true);
        Tokenizer.StreamDecoder d = t.streamDecoder(true);
        assertEquals("", d.push(1));
        assertEquals("hi", d.push(16));
        assertEquals(" hi", d.push(16));
        assertEquals("", d.flush());
    }

    @Test void badFilesNameTheProblem() throws IOException {
        Map<String, Object> f = file(LEGACY_NORMALIZER, null, LEGACY_DECODER, false);
        @SuppressWarnings("unchecked") Map<String, Object> model = (Map<String, Object>) f.get("model");
        model.put("merges", List.of("h i", "x y"));
        assertMessage("tokenizer.json: model.merges[1] 'x y' names a piece that is not in the vocabulary", f);
        model.put("merges", List.of("hi"));
        assertMessage("tokenizer.json: model.merges[0]: expected \"a b\" or [\"a\", \"b\"], got hi", f);
        model.put("merges", List.of());
        model.put("type", "Unigram");
        assertMessage("tokenizer.json: model.type: 'Unigram' is not supported (BPE only)", f);
        model.put("type", "BPE");
        f.put("normalizer", Map.of("type", "Replace", "pattern", Map.of("Regex", " +"), "content", "▁"));
        assertMessage("tokenizer.json: normalizer.pattern: only {\"String\": ...} patterns are supported, got [Regex]", f);
        f.put("normalizer", null);
        f.put("decoder", Map.of("type", "WordPiece"));
        assertMessage("tokenizer.json: decoder: decoder type 'WordPiece' is not supported", f);
        f.put("decoder", Map.of("type", "Sequence", "decoders", List.of(Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0))));
        assertMessage("tokenizer.json: decoder.decoders[0]: Strip before Fuse (stripping every piece) is not supported", f);

        JsonException missing = assertThrows(JsonException.class, () -> Tokenizer.load(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("nope.json: cannot read"), missing.getMessage());
    }

    private void assertMessage(String expected, Map<String, Object> json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(json));
        assertEquals(expected, e.getMessage());
    }
}
