package dev.jground.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which category a noun phrase names, by words instead of the word vectors of the official
 * instance_seg.py (aas-spec §4.1, cosine of spaCy vectors >= 0.5): the phrase's head noun, lower
 * case and singular, against each category's name and synonyms treated the same way. A name of
 * several words ("traffic light", "hot dog") must end the phrase ("two red traffic lights"); of
 * several names that fit, the longest wins, so "hot dog" beats "dog". Only the candidates given
 * count: the official code considers the categories of the image's ground truth only.
 */
public final class CategoryMatcher {

    private record Name(int category, List<String> words) {}

    private final List<Name> names = new ArrayList<>();

    public CategoryMatcher(Collection<CocoDataset.Category> categories) {
        for (CocoDataset.Category c : categories) {
            names.add(new Name(c.id(), words(c.name())));
            for (String s : c.synonyms()) names.add(new Name(c.id(), words(s)));
        }
        names.removeIf(n -> n.words.isEmpty());
    }

    /**
     * The category the phrase names among the candidates, or -1.
     *
     * @param text the noun phrase ("the two red circles")
     * @param root its head noun ("circles"); the phrase is read up to its last occurrence
     */
    public int match(String text, String root, Set<Integer> candidates) {
        List<String> phrase = surface(text), head = surface(root);
        if (head.isEmpty()) return -1;
        int end = phrase.lastIndexOf(head.getLast());
        phrase = new ArrayList<>(end < 0 ? head : phrase.subList(0, end + 1));
        phrase.set(phrase.size() - 1, singular(phrase.getLast()));
        int best = -1, bestLength = 0;
        for (Name n : names) {
            if (!candidates.contains(n.category) || n.words.size() <= bestLength || n.words.size() > phrase.size()) continue;
            if (phrase.subList(phrase.size() - n.words.size(), phrase.size()).equals(n.words)) {
                best = n.category;
                bestLength = n.words.size();
            }
        }
        return best;
    }

    /** Lower-case words, letters and digits only. */
    private static List<String> surface(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    /** A name's words, the last (its head noun) singular. */
    private static List<String> words(String s) {
        List<String> out = surface(s);
        if (!out.isEmpty()) out.set(out.size() - 1, singular(out.getLast()));
        return out;
    }

    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("men", "man"), Map.entry("women", "woman"), Map.entry("people", "person"),
            Map.entry("children", "child"), Map.entry("feet", "foot"), Map.entry("teeth", "tooth"),
            Map.entry("mice", "mouse"), Map.entry("geese", "goose"), Map.entry("oxen", "ox"),
            Map.entry("knives", "knife"), Map.entry("wives", "wife"), Map.entry("lives", "life"),
            Map.entry("leaves", "leaf"), Map.entry("halves", "half"), Map.entry("shelves", "shelf"),
            Map.entry("wolves", "wolf"), Map.entry("loaves", "loaf"), Map.entry("calves", "calf"),
            Map.entry("scarves", "scarf"), Map.entry("thieves", "thief"), Map.entry("buses", "bus"),
            Map.entry("potatoes", "potato"), Map.entry("tomatoes", "tomato"), Map.entry("heroes", "hero"),
            Map.entry("echoes", "echo"), Map.entry("ties", "tie"), Map.entry("pies", "pie"),
            Map.entry("movies", "movie"), Map.entry("cookies", "cookie"), Map.entry("lies", "lie"),
            Map.entry("dice", "die"), Map.entry("cacti", "cactus"), Map.entry("skis", "ski"), Map.entry("taxis", "taxi"));

    /** Words whose plural is the word itself, or that have no singular. */
    private static final Set<String> INVARIANT = Set.copyOf(Arrays.asList("sheep", "deer", "fish", "series", "species",
            "scissors", "pants", "jeans", "shorts", "trousers", "news", "aircraft", "bison", "moose"));

    /**
     * English plural to singular by the regular rules (circles -> circle, boxes -> box, berries
     * -> berry, glasses stays) plus a short list of irregular nouns; words already singular are
     * left alone (bus, glass, cactus, tennis).
     */
    public static String singular(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        String irregular = IRREGULAR.get(w);
        if (irregular != null) return irregular;
        if (INVARIANT.contains(w) || w.length() <= 3) return w;
        if (w.endsWith("ies")) return w.substring(0, w.length() - 3) + "y";
        if (w.endsWith("sses") || w.endsWith("shes") || w.endsWith("ches") || w.endsWith("xes") || w.endsWith("zzes"))
            return w.substring(0, w.length() - 2);
        if (w.endsWith("ss") || w.endsWith("us") || w.endsWith("is")) return w;
        if (w.endsWith("s")) return w.substring(0, w.length() - 1);
        return w;
    }
}
