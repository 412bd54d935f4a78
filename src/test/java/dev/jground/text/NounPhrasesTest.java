package dev.jground.text;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Noun chunks against {@code text/noun-chunks.tsv}: LLaVA-style descriptions whose expected chunks and
 * roots were hand-checked against spaCy v3's {@code noun_chunks} rules, not produced by this code.
 * Rows marked with a reason are known differences of our POS-only rules (a tagger mistake); they are
 * counted in the agreement rate and must still differ, so a fix forces the mark to be removed.
 */
class NounPhrasesTest {
    static final Path CASES = Path.of("src/test/resources/text/noun-chunks.tsv");
    static NounPhrases np;

    @BeforeAll static void load() { np = NounPhrases.load(); }

    record Case(String sentence, List<String> expected, String knownDifference) {}

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (String line : Files.readAllLines(CASES)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            out.add(new Case(f[0], List.of(f[1].split(";")), f.length > 2 ? f[2] : null));
        }
        return out;
    }

    static List<String> actual(String sentence) {
        List<String> out = new ArrayList<>();
        for (NounPhrases.Chunk c : np.chunks(sentence)) out.add(c.text() + "|" + c.root());
        return out;
    }

    @Test void agreesWithSpacyOnHandCheckedSentences() throws IOException {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 40, "at least 40 sentences");
        int exact = 0;
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            List<String> got = actual(c.sentence());
            boolean same = got.equals(c.expected());
            if (same) exact++;
            if (c.knownDifference() == null && !same)
                failures.add(c.sentence() + "\n   expected " + c.expected() + "\n   got      " + got);
            if (c.knownDifference() != null && same)
                failures.add(c.sentence() + "\n   marked as a known difference (" + c.knownDifference() + ") but now agrees");
        }
        System.out.printf("noun chunks: %d of %d sentences agree exactly with the hand-checked spaCy chunks%n", exact, cases.size());
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test void offsetsPointAtTheChunkAndItsRoot() throws IOException {
        for (Case c : cases()) {
            String s = c.sentence();
            int prevEnd = 0;
            for (NounPhrases.Chunk k : np.chunks(s)) {
                assertEquals(k.text(), s.substring(k.start(), k.end()), s);
                assertEquals(k.root(), s.substring(k.rootStart(), k.rootEnd()), s);
                assertEquals(k.end(), k.rootEnd(), "spaCy's root is the chunk's last token: " + s);
                assertTrue(k.start() >= prevEnd, "chunks in order, not overlapping: " + s);
                prevEnd = k.end();
            }
        }
    }

    @Test void emptyAndNounlessText() {
        assertEquals(List.of(), np.chunks(""));
        assertEquals(List.of(), np.chunks("Very quickly, and then slowly."));
    }

    @Test void loadsOnce() { assertSame(np, NounPhrases.load()); }

    // ---- token groups with the real LLaMA-2 tokenizer ----

    static Tokenizer tok() { return Tokenizer.load(Path.of("src/test/resources/fixtures/llama2-tokenizer/tokenizer.json")); }

    static String pieces(Tokenizer t, int[] ids, int[] which) {
        StringBuilder sb = new StringBuilder();
        for (int j : which) sb.append(sb.isEmpty() ? "" : " ").append(t.piece(ids[j]));
        return sb.toString();
    }
}
