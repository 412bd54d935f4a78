package dev.jground.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Cuts added tokens out of a text as {@code tokenizers}' {@code AddedVocabulary.find_matches}
 * does: non-overlapping leftmost-longest matches (there an Aho-Corasick automaton; added
 * tokens are few, so a per-first-character list does), a {@code single_word} match touching a
 * word character is skipped, {@code lstrip}/{@code rstrip} widen a match over the whitespace
 * beside it.
 */
final class TokenSplitter {
    /** {@code [start, end)} of the text; {@code tokenId} is -1 for plain text between tokens. */
    record Segment(int start, int end, int tokenId) {}

    private record Entry(String pattern, AddedToken token) {}

    // Rust regex's Unicode \w and \s, which tokenizers uses for these checks.
    private static final Pattern WORD = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPACE = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<Character, List<Entry>> byFirstChar = new HashMap<>();

    /** {@code pattern}: the text a token matches (its content, or its normalised content). */
    TokenSplitter(List<AddedToken> tokens, Function<AddedToken, String> pattern) {
        for (AddedToken t : tokens) {
            String p = pattern.apply(t);
            if (!p.isEmpty()) byFirstChar.computeIfAbsent(p.charAt(0), c -> new ArrayList<>()).add(new Entry(p, t));
        }
        byFirstChar.values().forEach(l -> l.sort(Comparator.comparingInt((Entry e) -> e.pattern().length()).reversed()));
    }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int textStart = 0;
        for (int i = 0; i < text.length(); ) {
            Entry e = longestAt(text, i);
            if (e == null) { i++; continue; }
            AddedToken t = e.token();
            int start = i, end = i + e.pattern().length();
            if (t.singleWord() && (isWordBefore(text, start) || isWordAt(text, end))) { i = end; continue; }
            if (t.lstrip()) while (start > textStart && isSpace(text.codePointBefore(start))) start -= Character.charCount(text.codePointBefore(start));
            if (t.rstrip()) while (end < text.length() && isSpace(text.codePointAt(end))) end += Character.charCount(text.codePointAt(end));
            if (start > textStart) out.add(new Segment(textStart, start, -1));
            out.add(new Segment(start, end, t.id()));
            textStart = i = end;
        }
        if (textStart < text.length()) out.add(new Segment(textStart, text.length(), -1));
        return out;
    }

    private Entry longestAt(String text, int i) {
        List<Entry> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (Entry e : candidates) if (text.startsWith(e.pattern(), i)) return e;
        return null;
    }

    private static boolean isWordBefore(String text, int i) { return i > 0 && isWord(text.codePointBefore(i)); }

    private static boolean isWordAt(String text, int i) { return i < text.length() && isWord(text.codePointAt(i)); }

    private static boolean isWord(int cp) { return WORD.matcher(Character.toString(cp)).matches(); }

    private static boolean isSpace(int cp) { return SPACE.matcher(Character.toString(cp)).matches(); }
}
