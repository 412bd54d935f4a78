package dev.jground.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CategoryMatcherTest {

    @Test void pluralsBecomeSingular() {
        String[][] cases = {{"circles", "circle"}, {"boxes", "box"}, {"squares", "square"}, {"triangles", "triangle"},
                {"berries", "berry"}, {"glasses", "glass"}, {"dishes", "dish"}, {"benches", "bench"}, {"knives", "knife"},
                {"shelves", "shelf"}, {"gloves", "glove"}, {"people", "person"}, {"women", "woman"}, {"children", "child"},
                {"mice", "mouse"}, {"buses", "bus"}, {"horses", "horse"}, {"shoes", "shoe"}, {"tomatoes", "tomato"},
                {"ties", "tie"}, {"cookies", "cookie"}, {"skis", "ski"}, {"Dogs", "dog"},
                // already singular, or without a singular
                {"circle", "circle"}, {"bus", "bus"}, {"glass", "glass"}, {"cactus", "cactus"}, {"tennis", "tennis"},
                {"sheep", "sheep"}, {"scissors", "scissors"}, {"gas", "gas"}};
        for (String[] c : cases) assertEquals(c[1], CategoryMatcher.singular(c[0]), c[0]);
    }

    static final List<CocoDataset.Category> CATEGORIES = List.of(
            new CocoDataset.Category(1, "circle", List.of("disc", "ring")),
            new CocoDataset.Category(2, "square", List.of("box")),
            new CocoDataset.Category(3, "triangle", List.of()),
            new CocoDataset.Category(4, "dog", List.of()),
            new CocoDataset.Category(5, "hot dog", List.of()),
            new CocoDataset.Category(6, "traffic light", List.of()));

    @Test void headNounAgainstNamesAndSynonyms() {
        CategoryMatcher m = new CategoryMatcher(CATEGORIES);
        Set<Integer> all = Set.of(1, 2, 3, 4, 5, 6);
        assertEquals(1, m.match("a red circle", "circle", all));
        assertEquals(1, m.match("two small Discs", "Discs", all), "synonym, plural, capitalised");
        assertEquals(2, m.match("the blue boxes", "boxes", all));
        assertEquals(3, m.match("triangles", "triangles", all));
        assertEquals(-1, m.match("the background", "background", all));
        assertEquals(-1, m.match("a red circle", "circle", Set.of(2, 3)), "only the image's categories count");
        // several words: the name must end the phrase; the longer name wins
        assertEquals(5, m.match("a hot dog", "dog", all));
        assertEquals(4, m.match("a brown dog", "dog", all));
        assertEquals(4, m.match("a hot dog", "dog", Set.of(4)), "without hot dog in the image, the dog");
        assertEquals(6, m.match("two traffic lights", "lights", all));
        assertEquals(-1, m.match("the light", "light", all));
        // the phrase is read up to its head noun
        assertEquals(2, m.match("boxes of circles", "boxes", all));
    }
}
