package dev.jground.text;

import dev.jground.io.Json;
import dev.jground.io.JsonObject;
import org.junit.jupiter.api.BeforeAll;
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

/**
 * 300 random texts (special-token strings, runs of spaces, CJK, emoji, control characters)
 * tokenised by Tokenizers.js with the LLaMA-2 vocabulary in the legacy layout and in the newer
 * Metaspace layout, both with LLaVA's {@code <image>} and {@code <pad>}; see
 * {@code tools/tokenizer-crosscheck.mjs}.
 */
class TokenizersJsCrosscheckTest {
    static final Path CASES = Path.of("src/test/resources/text/llama2-crosscheck.jsonl");
    @TempDir static Path dir;
    static Tokenizer llava, metaspace;

    @BeforeAll static void load() throws IOException {
        Path fixture = Llama2TokenizerTest.DIR.resolve("tokenizer.json");
        llava = Tokenizer.load(fixture).withAddedToken("<image>", 32000).withAddedToken("<pad>", 32001);
        metaspace = Tokenizer.load(newerLayout(fixture, dir.resolve("tokenizer.json")));
    }

    /** The fixture rewritten as newer files are: Metaspace pre-tokenizer, array merges, LLaVA's added tokens in the file. */
    @SuppressWarnings("unchecked")
    static Path newerLayout(Path legacy, Path out) throws IOException {
        Map<String, Object> root = (Map<String, Object>) Json.parse(legacy);
        root.put("normalizer", null);
        root.put("pre_tokenizer", Map.of("type", "Metaspace", "replacement", "▁", "prepend_scheme", "first", "split", false));
        Map<String, Object> model = (Map<String, Object>) root.get("model");
        List<Object> merges = new ArrayList<>();
        for (Object m : (List<Object>) model.get("merges")) merges.add(List.of(((String) m).split(" ")));
        model.put("merges", merges);
        List<Object> added = new ArrayList<>((List<Object>) root.get("added_tokens"));
        for (String content : List.of("<image>", "<pad>")) {
            Map<String, Object> t = new LinkedHashMap<>(Map.of("id", content.equals("<image>") ? 32000 : 32001, "content", content,
                    "single_word", false, "lstrip", false, "rstrip", false, "normalized", false, "special", true));
            added.add(t);
        }
        root.put("added_tokens", added);
        return Files.writeString(out, Json.write(root));
    }

    @Test void legacyLayoutWithLlavaTokens() throws IOException { check("llava", llava); }

    @Test void metaspaceLayoutWithLlavaTokens() throws IOException { check("metaspace", metaspace); }

    private static void check(String variant, Tokenizer t) throws IOException {
        int n = 0;
        for (String line : Files.readAllLines(CASES)) {
            JsonObject row = JsonObject.parse(line, CASES.getFileName().toString());
            String text = row.string("text");
            JsonObject expected = row.object(variant);
            int[] ids = expected.intArray("ids");
            String what = variant + " " + Json.write(text);
            assertArrayEquals(ids, t.encode(text, true), what);
            assertEquals(expected.string("decoded"), t.decode(ids, true), what);
            assertEquals(expected.string("decoded_with_special"), t.decode(ids, false), what);
            assertEquals(expected.string("decoded"), Llama2TokenizerTest.stream(t, ids, true), what);
            n++;
        }
        assertEquals(300, n);
    }
}
