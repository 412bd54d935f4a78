package dev.jground.text;

import dev.jground.io.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The LLaMA / Vicuna / LLaVA tokenizer: SentencePiece-style BPE with byte fallback, read from a
 * Hugging Face {@code tokenizer.json}. Encoding follows {@code tokenizers}: added tokens are cut
 * out of the raw text first, each text chunk between them is normalised and pre-tokenized on its
 * own (legacy LLaMA files give every chunk its own leading "▁"), BPE-encoded, and the
 * post-processor's template adds BOS.
 */
public final class Tokenizer {
    private final String source;
    private final Bpe bpe;
    private final Normalizer normalizer;
    private final Decoder decoder;
    private final List<AddedToken> added;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final TokenSplitter rawSplitter, normalizedSplitter;
    private final int[] prefix, suffix;   // the post-processor's template around the text ($A)

    private Tokenizer(String source, Bpe bpe, Normalizer normalizer, Decoder decoder,
                      List<AddedToken> added, int[] prefix, int[] suffix) {
        this.source = source;
        this.bpe = bpe;
        this.normalizer = normalizer;
        this.decoder = decoder;
        this.added = List.copyOf(added);
        for (AddedToken t : added) {
            AddedToken sameId = addedById.put(t.id(), t), sameContent = addedByContent.put(t.content(), t);
            if (sameId != null && !sameId.content().equals(t.content()))
                throw new IllegalArgumentException(source + ": added tokens '" + sameId.content() + "' and '" + t.content() + "' share id " + t.id());
            if (sameContent != null && sameContent.id() != t.id())
                throw new IllegalArgumentException(source + ": added token '" + t.content() + "' has two ids, " + sameContent.id() + " and " + t.id());
            String inVocab = bpe.piece(t.id());
            if (inVocab != null && !inVocab.equals(t.content()))
                throw new IllegalArgumentException(source + ": added token '" + t.content() + "' has id " + t.id()
                        + ", which the vocabulary gives to '" + inVocab + "'");
        }
        rawSplitter = new TokenSplitter(added.stream().filter(t -> !t.normalized()).toList(), AddedToken::content);
        // tokenizers matches a normalized token by its normalised content ("▁hi" for "hi" in legacy files).
        normalizedSplitter = new TokenSplitter(added.stream().filter(AddedToken::normalized).toList(),
                t -> normalizer.normalize(t.content()));
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /** Reads a {@code tokenizers} JSON file whose model is BPE (SentencePiece-converted LLaMA family). */
    public static Tokenizer load(Path tokenizerJson) {
        JsonObject root = JsonObject.parse(tokenizerJson);
        String source = root.source();
        JsonObject model = root.object("model");
        String type = model.string("type", "BPE");
        if (!type.equals("BPE")) throw new IllegalArgumentException(model.source() + ".type: '" + type + "' is not supported (BPE only)");
        if (model.has("continuing_subword_prefix") || model.has("end_of_word_suffix"))
            throw new IllegalArgumentException(model.source() + ": continuing_subword_prefix / end_of_word_suffix are not supported");
        JsonObject v = model.object("vocab");
        Map<String, Integer> vocab = HashMap.newHashMap(v.keys().size());
        for (String piece : v.keys()) vocab.put(piece, v.integer(piece));
        Bpe bpe = new Bpe(vocab, merges(model), model.string("unk_token", null), model.bool("byte_fallback", false),
                model.bool("fuse_unk", false), model.bool("ignore_merges", false), source);

        List<AddedToken> added = new ArrayList<>();
        if (root.has("added_tokens")) {
            for (JsonObject t : Normalizer.objects(root, "added_tokens"))
                added.add(new AddedToken(t.string("content"), t.integer("id"), t.bool("special", false), t.bool("lstrip", false),
                        t.bool("rstrip", false), t.bool("normalized", !t.bool("special", false)), t.bool("single_word", false)));
        }
        int[][] template = root.has("post_processor") ? template(root.object("post_processor"), bpe, added) : new int[][] {{}, {}};
        return new Tokenizer(source, bpe, new Normalizer(root), new Decoder(root), added, template[0], template[1]);
    }

    /** Merges as {@code "a b"} strings (older files) or {@code ["a", "b"]} pairs (tokenizers >= 0.20). */
    private static List<String[]> merges(JsonObject model) {
        List<Object> list = model.has("merges") ? model.list("merges") : List.of();
        List<String[]> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object m = list.get(i);
            if (m instanceof String s && s.indexOf(' ', 1) > 0) {
                int sp = s.indexOf(' ', 1);   // a piece never holds ' ' (SentencePiece writes "▁")
                out.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
            } else if (m instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) {
                out.add(new String[] {a, b});
            } else {
                throw new IllegalArgumentException(model.source() + ".merges[" + i + "]: expected \"a b\" or [\"a\", \"b\"], got " + m);
            }
        }
        return out;
    }

    /** The ids a {@code TemplateProcessing} post-processor puts before and after the single sequence. */
    private static int[][] template(JsonObject p, Bpe bpe, List<AddedToken> added) {
        if (p.string("type").equals("Sequence")) {
            for (JsonObject q : Normalizer.objects(p, "processors"))
                if (q.string("type").equals("TemplateProcessing")) return template(q, bpe, added);
        }
        if (!p.string("type").equals("TemplateProcessing"))
            throw new IllegalArgumentException(p.source() + ": post_processor type '" + p.string("type") + "' is not supported");
        IntList before = new IntList(), after = new IntList();
        boolean seenText = false;
        for (JsonObject item : Normalizer.objects(p, "single")) {
            if (item.has("Sequence")) { seenText = true; continue; }
            String name = item.object("SpecialToken").string("id");
            JsonObject special = p.object("special_tokens").object(name);
            for (int id : special.intArray("ids")) {
                if (bpe.piece(id) == null && added.stream().noneMatch(t -> t.id() == id))
                    throw new IllegalArgumentException(special.source() + ".ids: " + id + " is not in the vocabulary");
                (seenText ? after : before).add(id);
            }
        }
        return new int[][] {before.toArray(), after.toArray()};
    }

    /** This tokenizer plus one special token matched verbatim, e.g. LLaVA's {@code <image>} = 32000 and {@code <pad>} = 32001. */
    public Tokenizer withAddedToken(String content, int id) { return withAddedToken(AddedToken.special(content, id)); }

    /** This tokenizer plus {@code token}; one with the same content and id is replaced (a different id is an error). */
    public Tokenizer withAddedToken(AddedToken token) {
        AddedToken existing = addedByContent.get(token.content());
        if (token.equals(existing)) return this;
        List<AddedToken> more = new ArrayList<>(added);
        more.removeIf(t -> t.content().equals(token.content()) && t.id() == token.id());
        more.add(token);
        return new Tokenizer(source, bpe, normalizer, decoder, more, prefix, suffix);
    }

    /** The ids of {@code text}; {@code addBos} applies the post-processor's template ({@code <s> $A} for LLaMA). */
    public int[] encode(String text, boolean addBos) {
        IntList out = new IntList();
        if (addBos) out.addAll(prefix);
        List<String> words = new ArrayList<>();
        for (TokenSplitter.Segment seg : rawSplitter.split(text)) {
            if (seg.tokenId() >= 0) { out.add(seg.tokenId()); continue; }
            String chunk = normalizer.normalize(text.substring(seg.start(), seg.end()));
            for (TokenSplitter.Segment piece : normalizedSplitter.split(chunk)) {
                if (piece.tokenId() >= 0) { out.add(piece.tokenId()); continue; }
                words.clear();
                normalizer.words(chunk.substring(piece.start(), piece.end()), seg.start() == 0 && piece.start() == 0, words);
                for (String w : words) bpe.encode(w, out);
            }
        }
        if (addBos) out.addAll(suffix);
        return out.toArray();
    }

    /** The text of {@code ids}, as {@code tokenizers}' decode; ids outside the vocabulary are skipped as there. */
    public String decode(int[] ids, boolean skipSpecial) {
        List<String> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (skipSpecial && isSpecial(id)) continue;
            String p = piece(id);
            if (p != null) pieces.add(p);
        }
        return decoder.decode(pieces);
    }

    /** The piece of {@code id} ({@code "▁Hello"}, {@code "<0x0A>"}, {@code "<image>"}), or null if no token has that id. */
    public String piece(int id) {
        AddedToken t = addedById.get(id);
        return t != null ? t.content() : bpe.piece(id);
    }

    /** The id of {@code piece}, or -1. */
    public int id(String piece) {
        AddedToken t = addedByContent.get(piece);
        return t != null ? t.id() : bpe.id(piece);
    }

    public boolean isSpecial(int id) {
        AddedToken t = addedById.get(id);
        return t != null && t.special();
    }

    /** The first id the template puts before the text, else {@code <s>}'s id, else -1. */
    public int bos() { return prefix.length > 0 ? prefix[0] : id("<s>"); }

    /** {@code </s>}'s id, or -1 ({@code tokenizer.json} does not say which token ends a sequence; LLaMA uses {@code </s>}). */
    public int eos() { return id("</s>"); }

    /** One more than the largest id of the vocabulary and the added tokens (32002 for llava-hf). */
    public int vocabSize() {
        int n = bpe.size();
        for (AddedToken t : added) n = Math.max(n, t.id() + 1);
        return n;
    }

    /** Where this tokenizer was read from. */
    public String source() { return source; }

    public StreamDecoder streamDecoder(boolean skipSpecial) { return new StreamDecoder(skipSpecial); }

    /**
     * Decodes ids as they are generated. {@link #push} returns the text that became complete: a
     * byte-fallback sequence is held back until its UTF-8 character is whole, and the decoder's
     * leading strip (one space for LLaMA) applies to the start of the whole stream, so the
     * concatenated pushes and {@link #flush} equal {@link #decode} of all ids. Two exceptions:
     * invalid UTF-8 (a broken byte run gives U+FFFD per byte from where it broke, where decode
     * replaces the whole run) and a decoder {@code Strip} of trailing characters (LLaMA strips none).
     */
    public final class StreamDecoder {
        private final boolean skipSpecial;
        private final Decoder.ByteRun run = new Decoder.ByteRun();
        private int stripLeft = decoder.stripStart();
        private boolean first = true;

        private StreamDecoder(boolean skipSpecial) { this.skipSpecial = skipSpecial; }

        public String push(int id) {
            if (skipSpecial && isSpecial(id)) return "";
            String p = piece(id);
            if (p == null) return "";
            StringBuilder sb = new StringBuilder();
            String piece = decoder.replace(p, first);
            first = false;
            int b = decoder.byteOf(piece);
            if (b >= 0) {
                run.add(b);
                if (run.status() != 0) run.flushInto(sb);   // a whole character, or bytes that can never become one
            } else {
                run.flushInto(sb);
                sb.append(piece);
            }
            return strip(sb);
        }

        /** The text still held back at the end of the stream (U+FFFD for each byte of an unfinished character). */
        public String flush() {
            StringBuilder sb = new StringBuilder();
            run.flushInto(sb);
            return strip(sb);
        }

        private String strip(StringBuilder sb) {
            int start = 0;
            while (stripLeft > 0 && start < sb.length() && sb.charAt(start) == decoder.stripChar()) { start++; stripLeft--; }
            if (start < sb.length()) stripLeft = 0;
            return sb.substring(start);
        }
    }

    @Override public String toString() {
        return "Tokenizer[" + source + ", " + vocabSize() + " ids, " + added.size() + " added tokens]";
    }
}
