package dev.jground.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts added tokens out of a text, leftmost-longest like {@code tokenizers}' {@code AddedVocabulary}
 * (which uses an Aho-Corasick automaton; added tokens are few, so a per-first-character list does).
 */
final class TokenSplitter {
    /** {@code [start, end)} of the text; {@code tokenId} is -1 for plain text between tokens. */
    record Segment(int start, int end, int tokenId) {}

    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    TokenSplitter(List<AddedToken> tokens) {
        for (AddedToken t : tokens) byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed()));
    }

    boolean isEmpty() { return byFirstChar.isEmpty(); }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int textStart = 0;
        for (int i = 0; i < text.length(); ) {
            AddedToken t = longestAt(text, i);
            if (t == null) { i++; continue; }
            int start = i, end = i + t.content().length();
            if (t.lstrip()) while (start > textStart && Character.isWhitespace(text.charAt(start - 1))) start--;
            if (t.rstrip()) while (end < text.length() && Character.isWhitespace(text.charAt(end))) end++;
            if (start > textStart) out.add(new Segment(textStart, start, -1));
            out.add(new Segment(start, end, t.id()));
            textStart = i = end;
        }
        if (textStart < text.length()) out.add(new Segment(textStart, text.length(), -1));
        return out;
    }

    private AddedToken longestAt(String text, int i) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (AddedToken t : candidates) {
            int end = i + t.content().length();
            if (!text.startsWith(t.content(), i)) continue;
            if (t.singleWord() && (isWordChar(text, i - 1) || isWordChar(text, end))) continue;
            return t;
        }
        return null;
    }

    private static boolean isWordChar(String text, int i) {
        if (i < 0 || i >= text.length()) return false;
        char c = text.charAt(i);
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
