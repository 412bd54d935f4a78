package dev.jground.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import opennlp.tools.postag.POSModel;
import opennlp.tools.postag.POSTaggerME;
import opennlp.tools.tokenize.TokenizerME;
import opennlp.tools.tokenize.TokenizerModel;
import opennlp.tools.util.Sequence;
import opennlp.tools.util.Span;

/**
 * Noun chunks of English text without spaCy: OpenNLP's UD English (EWT) tokenizer and POS tagger,
 * then a few rules over the UPOS tags that imitate spaCy v3's {@code noun_chunks}
 * ({@code spacy/lang/en/syntax_iterators.py}, aas-spec §3 item 3). spaCy walks a dependency parse;
 * we have tags only, so a chunk is a maximal run of pre-modifiers ending at its last noun, which is
 * what spaCy's {@code [left_edge, noun]} span is for ordinary noun phrases. Differences are measured
 * by {@code NounPhrasesTest} on hand-checked sentences.
 *
 * <p>{@link #phrases} ties chunks to generated tokens (aas-spec §3 items 2, 4, 5).
 * Instances are safe to share; OpenNLP's taggers are not, so calls are serialised.
 */
public final class NounPhrases {

    static final String TOKENIZER_MODEL = "opennlp-en-ud-ewt-tokens-1.3-2.5.4.bin";  // opennlp-models-tokenizer-en 1.3.0
    static final String POS_MODEL = "opennlp-en-ud-ewt-pos-1.3-2.5.4.bin";            // opennlp-models-pos-en 1.3.0

    /** A noun chunk; offsets are Java {@code String} (UTF-16) indices into the text given to {@link #chunks}. */
    public record Chunk(String text, int start, int end, String root, int rootStart, int rootEnd) {}

    /**
     * A chunk of the decoded answer and the generated tokens of its root (head noun). Offsets here are
     * code points, as Python's {@code str} counts them (aas-spec §3 item 2), not UTF-16 indices.
     */
    public record Phrase(String text, int start, int end, String root, int rootStart, int rootEnd, int[] tokens) {}

    /** The decode of the generated ids and each id's code-point span in it (zero-width for skipped specials). */
    public record Decoded(String text, int[] starts, int[] ends) {}

    private record Word(String text, int start, int end, String tag) {}

    private static NounPhrases instance;

    private final TokenizerME tokenizer;
    private final POSTaggerME tagger;

    private NounPhrases(TokenizerME tokenizer, POSTaggerME tagger) {
        this.tokenizer = tokenizer;
        this.tagger = tagger;
    }

    /** The models from the classpath, read once per JVM. */
    public static synchronized NounPhrases load() {
        if (instance == null) {
            quietLogging();
            try (InputStream t = resource(TOKENIZER_MODEL); InputStream p = resource(POS_MODEL)) {
                instance = new NounPhrases(new TokenizerME(new TokenizerModel(t)), new POSTaggerME(new POSModel(p)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the OpenNLP models: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    /**
     * OpenNLP logs through SLF4J, which without a provider on the classpath prints a three-line
     * warning on first use. An application with its own provider keeps it; otherwise SLF4J's own
     * no-op provider is named explicitly, which it loads without a word.
     */
    private static void quietLogging() {
        if (System.getProperty("slf4j.provider") != null) return;
        if (java.util.ServiceLoader.load(org.slf4j.spi.SLF4JServiceProvider.class).findFirst().isPresent()) return;
        System.setProperty("slf4j.provider", org.slf4j.helpers.NOP_FallbackServiceProvider.class.getName());
        if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "WARN");
    }

    private static InputStream resource(String name) {
        InputStream in = NounPhrases.class.getClassLoader().getResourceAsStream(name);
        if (in == null) throw new IllegalStateException("OpenNLP model " + name + " is not on the classpath");
        return in;
    }

    /** The noun chunks of {@code text} in order, not overlapping. */
    public List<Chunk> chunks(String text) {
        List<Word> words = tag(text);
        List<Chunk> out = new ArrayList<>();
        int i = 0;
        while (i < words.size()) {
            if (isPronounChunk(words, i)) {
                // spaCy: a PRON that is a subject/object/... ("it", "they", "which", "this") is a one-token chunk
                Word w = words.get(i);
                out.add(new Chunk(w.text, w.start, w.end, w.text, w.start, w.end));
                i++;
                continue;
            }
            if (!startsRun(words, i)) { i++; continue; }
            int j = i, head = -1;
            while (j < words.size() && (j == i || continuesRun(words, j))) {
                if (isNoun(words.get(j))) head = j;
                j++;
            }
            // spaCy: the chunk is [noun.left_edge, noun]: modifiers before the head, nothing after it;
            // a run without a noun ("the left", "some") is no chunk
            if (head >= 0) {
                Word first = words.get(i), root = words.get(head);
                out.add(new Chunk(text.substring(first.start, root.end), first.start, root.end,
                        root.text, root.start, root.end));
            }
            i = j;
        }
        return out;
    }

    // ---- the rules ----

    private static final Set<String> POSSESSIVES = Set.of("my", "your", "his", "her", "its", "our", "their");
    private static final Set<String> ARTICLES = Set.of("a", "an", "the");
    private static final Set<String> PRONOUNS = Set.of("i", "me", "you", "he", "him", "she", "her", "it", "we", "us",
            "they", "them", "my", "your", "his", "its", "our", "their", "mine", "yours", "hers", "ours", "theirs",
            "myself", "yourself", "himself", "herself", "itself", "ourselves", "themselves", "this", "that",
            "these", "those", "which", "who", "whom", "whose", "what", "there", "one", "ones", "each", "other", "others",
            "some", "any", "all", "both", "none", "many", "few", "several", "something", "anything", "everything",
            "nothing", "someone", "anyone", "everyone", "somebody", "anybody", "everybody", "nobody");
    private static final Set<String> NOT_CHUNKS = Set.of("there", "one", "some", "any", "all", "both", "none",
            "many", "few", "several", "each", "another");
    private static final Set<String> DEGREE = Set.of("very", "quite", "rather", "pretty", "fairly", "so", "too",
            "most", "more", "less", "extremely", "really", "slightly", "somewhat", "brightly", "partially");

    private static boolean isNoun(Word w) { return w.tag.equals("NOUN") || w.tag.equals("PROPN"); }

    private static boolean isPossessiveDeterminer(List<Word> ws, int i) {
        Word w = ws.get(i);
        if (!POSSESSIVES.contains(lower(w))) return false;
        // "her" is possessive only before what it modifies ("her dog"), an object otherwise ("holding her")
        return !lower(w).equals("her") || (i + 1 < ws.size() && isModifier(ws.get(i + 1)));
    }

    private static boolean isModifier(Word w) {
        return isNoun(w) || switch (w.tag) { case "DET", "NUM", "ADJ" -> true; default -> false; };
    }

    private static boolean isPronounChunk(List<Word> ws, int i) {
        Word w = ws.get(i);
        if (!w.tag.equals("PRON") || isPossessiveDeterminer(ws, i)) return false;
        // spaCy: existential "there" is `expl`, not a chunk label; "one", "some", "all", "both", ... are
        // NUM/DET/ADJ there (Penn CD/DT/JJ), not PRON, so they are no chunks either
        return !NOT_CHUNKS.contains(lower(w));
    }

    /** spaCy's left edge of a noun: a determiner, possessive, numeral, adjective, degree adverb or the noun itself. */
    private static boolean startsRun(List<Word> ws, int i) {
        Word w = ws.get(i);
        return isModifier(w) || isPossessiveDeterminer(ws, i) || isDegreeAdverb(ws, i);
    }

    /** Whether word j (not the first) still belongs to the run it follows. */
    private static boolean continuesRun(List<Word> ws, int j) {
        Word w = ws.get(j), prev = ws.get(j - 1);
        boolean afterNoun = isNoun(prev);
        switch (w.tag) {
            case "NOUN", "PROPN", "ADJ", "NUM":
                return true;                       // compounds ("coffee mug"), amod, nummod
            case "DET":
                return !afterNoun;                 // "the dog a bone": a new determiner starts a new noun phrase
            default:
        }
        if (isClitic(w, "'s") || isClitic(w, "'")) return afterNoun;   // poss "the man's dog", "the dogs' bowls"
        if (isPossessiveDeterminer(ws, j)) return prev.tag.equals("DET");       // predet: "all their toys"
        if (isDegreeAdverb(ws, j)) return true;                        // advmod of an amod: "a very large dog"
        // a hyphenated compound written without spaces ("a flat-screen TV") stays one modifier
        if (w.text.equals("-") && prev.end == w.start && j + 1 < ws.size() && ws.get(j + 1).start == w.end)
            return isModifier(ws.get(j + 1));
        // coordinated adjectives ("a black and white cat"): spaCy puts them left of the noun
        if (w.tag.equals("CCONJ") && prev.tag.equals("ADJ") && j + 1 < ws.size()) return ws.get(j + 1).tag.equals("ADJ");
        // participles used as adjectives ("a parked car", "a smiling woman") are amod in spaCy
        if (w.tag.equals("VERB") && !afterNoun && j + 1 < ws.size() && isModifier(ws.get(j + 1)))
            return lower(w).endsWith("ed") || lower(w).endsWith("ing");
        return false;
    }

    private static boolean isDegreeAdverb(List<Word> ws, int i) {
        Word w = ws.get(i);
        return w.tag.equals("ADV") && DEGREE.contains(lower(w)) && i + 1 < ws.size()
                && (ws.get(i + 1).tag.equals("ADJ") || isDegreeAdverb(ws, i + 1));
    }

    private static boolean isClitic(Word w, String s) { return lower(w).equals(s) || lower(w).equals(s.replace('\'', '’')); }

    private static String lower(Word w) { return w.text.toLowerCase(Locale.ROOT); }

    // ---- tagging ----

    /**
     * Words with UD UPOS tags, one sentence at a time. The UD tokenizer keeps "man's" whole and tags it
     * "NOUN+PART"; we split it as spaCy does.
     */
    private synchronized List<Word> tag(String text) {
        Span[] spans = tokenizer.tokenizePos(text);
        String[] words = Span.spansToStrings(spans, text);
        List<Word> out = new ArrayList<>(words.length + 4);
        for (int from = 0, to; from < words.length; from = to) {
            to = from + 1;
            while (to < words.length && !isSentenceEnd(words[to - 1])) to++;
            String[] sentence = Arrays.copyOfRange(words, from, to);
            String[] tags = bestTags(sentence);
            for (int k = 0; k < sentence.length; k++) {
                int s = spans[from + k].getStart(), e = spans[from + k].getEnd();
                int plus = tags[k].indexOf('+');
                int cut = plus < 0 ? -1 : cliticStart(sentence[k]);
                if (cut <= 0) {
                    out.add(new Word(sentence[k], s, e, plus < 0 ? tags[k] : tags[k].substring(0, plus)));
                } else {
                    out.add(new Word(sentence[k].substring(0, cut), s, s + cut, tags[k].substring(0, plus)));
                    out.add(new Word(sentence[k].substring(cut), s + cut, e, tags[k].substring(plus + 1)));
                }
            }
        }
        return out;
    }

    private static boolean isSentenceEnd(String w) { return w.equals(".") || w.equals("!") || w.equals("?"); }

    /**
     * Of the tagger's k best taggings, the first that breaks the fewest of a few facts of English that
     * the small UD model sometimes misses on unseen nouns ("a red coffee mug/ADV", "its back/ADV",
     * "a woman's handbag rests/NOUN on", "parked/PRON cars"). spaCy's larger tagger rarely needs this.
     */
    private String[] bestTags(String[] words) {
        String[] best = null;
        int fewest = Integer.MAX_VALUE;
        for (Sequence seq : tagger.topKSequences(words)) {
            String[] tags = seq.getOutcomes().toArray(String[]::new);
            int v = violations(words, tags);
            if (v < fewest) { fewest = v; best = tags; }
        }
        return best != null ? best : tagger.tag(words);
    }

    static int violations(String[] words, String[] tags) {
        int v = 0;
        boolean verb = false;
        for (int i = 0; i < words.length; i++) {
            String w = words[i].toLowerCase(Locale.ROOT), t = upos(tags[i]);
            verb |= t.equals("VERB") || t.equals("AUX");
            // an article or possessive determiner has a head noun after its modifiers
            if (ARTICLES.contains(w) || (POSSESSIVES.contains(w) && !w.equals("her"))) {
                int j = i + 1;
                while (j < words.length && Set.of("ADJ", "NUM", "ADV").contains(upos(tags[j]))) j++;
                if (j == words.length || !(upos(tags[j]).equals("NOUN") || upos(tags[j]).equals("PROPN"))) v++;
            }
            // pronouns are a closed class
            if (t.equals("PRON") && !PRONOUNS.contains(w)) v++;
            // a noun phrase is not closed by an adverb before a full stop or comma ("a red coffee mug/ADV.")
            if (t.equals("ADV") && i > 0 && upos(tags[i - 1]).matches("NOUN|PROPN")
                    && (i + 1 == words.length || words[i + 1].matches("[.,!?]"))) v++;
        }
        // a sentence with a verb is likelier than a fragment ("a woman's handbag rests/NOUN on the bench")
        if (!verb) v++;
        return v;
    }

    private static String upos(String tag) { int plus = tag.indexOf('+'); return plus < 0 ? tag : tag.substring(0, plus); }

    /** Where an English clitic ('s, n't, 're, 'll, ...) starts in a multiword token, or -1. */
    private static int cliticStart(String w) {
        String l = w.toLowerCase(Locale.ROOT).replace('’', '\'');
        if (l.endsWith("n't")) return w.length() - 3;
        int q = l.lastIndexOf('\'');
        return q > 0 ? q : -1;
    }

    // ---- token groups (aas-spec §3 items 2, 4, 5) ----

    /**
     * Each generated id's span in the decode of all of them, by prefix decoding as {@code aas/utils.py}
     * does: span i = [len(decode(ids[..i))), len(decode(ids[..i]))) with special tokens skipped, lengths in
     * code points. An unfinished UTF-8 character decodes to U+FFFDs in a prefix, as in Hugging Face.
     */
    public static Decoded decode(Tokenizer tokenizer, int[] ids) {
        int[] starts = new int[ids.length], ends = new int[ids.length];
        int cur = 0;
        String seq = "";
        for (int i = 0; i < ids.length; i++) {
            starts[i] = cur;
            seq = tokenizer.decode(Arrays.copyOf(ids, i + 1), true);
            cur = seq.codePointCount(0, seq.length());
            ends[i] = cur;
        }
        return new Decoded(seq, starts, ends);
    }

    /**
     * The noun phrases of the generated ids' decode, each with the ids (indices into {@code ids}) whose
     * spans overlap its root half-open: only the head noun's tokens, as {@code group_tokens} does.
     */
    public List<Phrase> phrases(Tokenizer tokenizer, int[] ids) { return phrases(decode(tokenizer, ids)); }

    /** As {@link #phrases(Tokenizer, int[])} from the ids' {@link #decode}. */
    public List<Phrase> phrases(Decoded d) {
        int n = d.starts().length;
        String text = d.text();
        List<Phrase> out = new ArrayList<>();
        for (Chunk c : chunks(text)) {
            int start = cp(text, c.start()), end = cp(text, c.end());
            int rootStart = cp(text, c.rootStart()), rootEnd = cp(text, c.rootEnd());
            List<Integer> tokens = new ArrayList<>();
            for (int j = 0; j < n; j++)
                if (d.starts()[j] < rootEnd && d.ends()[j] > rootStart) tokens.add(j);
            out.add(new Phrase(c.text(), start, end, c.root(), rootStart, rootEnd,
                    tokens.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }

    private static int cp(String text, int charIndex) { return text.codePointCount(0, charIndex); }
}
