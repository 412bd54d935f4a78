package dev.jground.ground;

import dev.jground.image.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

/** One generation read out many ways gives what a generation per read-out gives. */
class GrounderAnswerTest {
    static Grounder grounder;
    static RgbImage image;

    @BeforeAll static void load() throws IOException {
        GrounderTest.load();   // the tiny golden models and the golden's photo
        grounder = GrounderTest.grounder;
        image = GrounderTest.image;
    }

    @AfterAll static void close() { GrounderTest.close(); }

    @Test void everyVariantFromOneAnswer() {
        Grounder.Options tiny = GrounderTest.TINY.withMaxTokens(24);
        Grounder.Answer answer = grounder.answer(image, GrounderTest.QUESTION, tiny, null);
        assertFalse(answer.chunks().isEmpty(), answer.text());
        assertEquals(answer.tokens().length, answer.maps().get(Grounder.Heads.ALL).size(), "a map per step");
        for (Evaluation.Variant v : Evaluation.VARIANTS)
            for (Grounder.MaskChoice mask : Grounder.MaskChoice.values()) {
                Grounder.Options o = v.apply(tiny).withMask(mask);
                assertSame(grounder.ground(answer, o), grounder.ground(image, GrounderTest.QUESTION, o, null), v.name());
            }
        // listed pairs are recorded when the answer is asked with them, and only then
        int[][] pairs = {{0, 1}, {2, 3}};
        Grounder.Answer listed = grounder.answer(image, GrounderTest.QUESTION, tiny.withPairs(pairs), null);
        assertSame(grounder.ground(listed, tiny.withPairs(pairs)),
                grounder.ground(image, GrounderTest.QUESTION, tiny.withPairs(pairs), null), "listed");
        assertThrows(IllegalArgumentException.class, () -> grounder.ground(answer, tiny.withPairs(pairs)));
        assertThrows(IllegalArgumentException.class, () -> grounder.ground(listed, tiny.withPairs(new int[][] {{1, 1}})));
    }

    @Test void segmentIsSamAtThePoint() {
        Grounder.Segmented third = grounder.segment(image, 10, 20, Grounder.MaskChoice.THIRD);
        Grounder.Segmented best = grounder.segment(image, 10, 20, Grounder.MaskChoice.BEST);
        assertEquals(image.width() * image.height(), third.mask().length);
        assertTrue(best.score() >= third.score());
        // asked again, or after another image, the same answer
        grounder.segment(new RgbImage(8, 8, new byte[8 * 8 * 3]), 1, 1, Grounder.MaskChoice.BEST);
        Grounder.Segmented again = grounder.segment(image, 10, 20, Grounder.MaskChoice.THIRD);
        assertEquals(third.score(), again.score());
        assertArrayEquals(third.mask(), again.mask());
    }

    private static void assertSame(Grounding got, Grounding want, String what) {
        assertEquals(want.answer(), got.answer(), what);
        assertArrayEquals(want.tokens(), got.tokens(), what);
        assertEquals(want.phrases().size(), got.phrases().size(), what);
        for (int i = 0; i < want.phrases().size(); i++) {
            Grounding.Phrase p = got.phrases().get(i), q = want.phrases().get(i);
            assertEquals(q.text(), p.text(), what);
            assertArrayEquals(q.map(), p.map(), what + " " + q.text());
            assertEquals(q.x(), p.x(), what + " " + q.text());
            assertEquals(q.y(), p.y(), what + " " + q.text());
            assertEquals(q.score(), p.score(), what + " " + q.text());
            assertArrayEquals(q.mask(), p.mask(), what + " " + q.text());
        }
    }
}
