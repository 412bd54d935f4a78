package dev.jground.text;

import dev.jground.io.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The text side of a SentencePiece-style {@code tokenizer.json}: its {@code normalizer} and
 * {@code pre_tokenizer}. Two layouts occur in LLaMA-family files:
 * <ul>
 * <li>legacy ({@code LlamaTokenizerFast} before transformers 4.41): normalizer
 *     {@code Sequence[Prepend("▁"), Replace(" ", "▁")]}, no pre-tokenizer; each chunk between
 *     added tokens gets its own "▁", and a whole chunk is one BPE word;</li>
 * <li>newer: no normalizer, pre-tokenizer {@code Metaspace(replacement "▁", prepend_scheme,
 *     split)}; with {@code first} only text at offset 0 of the input gets the "▁".</li>
 * </ul>
 */
final class Normalizer {
    private sealed interface Step permits Prepend, Replace, Unicode {}
    private record Prepend(String prefix) implements Step {}
    private record Replace(String from, String to) implements Step {}
    private record Unicode(java.text.Normalizer.Form form) implements Step {}

    enum PrependScheme { ALWAYS, FIRST, NEVER }

    private record Metaspace(String replacement, PrependScheme scheme, boolean split) {}

    private final List<Step> steps = new ArrayList<>();
    private final Metaspace metaspace;   // null: no pre-tokenizer, the whole chunk is one word

    Normalizer(JsonObject root) {
        if (root.has("normalizer")) addNormalizer(root.object("normalizer"));
        metaspace = root.has("pre_tokenizer") ? preTokenizer(root.object("pre_tokenizer")) : null;
    }

    private void addNormalizer(JsonObject n) {
        switch (n.string("type")) {
            case "Sequence" -> objects(n, "normalizers").forEach(this::addNormalizer);
            case "Prepend" -> steps.add(new Prepend(n.string("prepend")));
            case "Replace" -> steps.add(new Replace(stringPattern(n), n.string("content")));
            case "NFC" -> steps.add(new Unicode(java.text.Normalizer.Form.NFC));
            case "NFD" -> steps.add(new Unicode(java.text.Normalizer.Form.NFD));
            case "NFKC" -> steps.add(new Unicode(java.text.Normalizer.Form.NFKC));
            case "NFKD" -> steps.add(new Unicode(java.text.Normalizer.Form.NFKD));
            default -> throw new IllegalArgumentException(n.source() + ": normalizer type '" + n.string("type") + "' is not supported");
        }
    }

    /** The objects of a JSON list, each named by its index for error messages. */
    @SuppressWarnings("unchecked")
    static List<JsonObject> objects(JsonObject o, String key) {
        List<Object> list = o.list(key);
        List<JsonObject> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String where = o.source() + (o.source().contains(": ") ? "." : ": ") + key + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new IllegalArgumentException(where + ": expected an object");
            out.add(JsonObject.of((Map<String, Object>) m, where));
        }
        return out;
    }

    static String stringPattern(JsonObject step) {
        JsonObject p = step.object("pattern");
        if (!p.has("String"))
            throw new IllegalArgumentException(p.source() + ": only {\"String\": ...} patterns are supported, got " + p.keys());
        return p.string("String");
    }

    private static Metaspace preTokenizer(JsonObject p) {
        String type = p.string("type");
        if (type.equals("Sequence") && p.list("pretokenizers").size() == 1) return preTokenizer(objects(p, "pretokenizers").getFirst());
        if (!type.equals("Metaspace"))
            throw new IllegalArgumentException(p.source() + ": pre_tokenizer type '" + type + "' is not supported (Metaspace only)");
        return new Metaspace(p.string("replacement"), prependScheme(p), p.bool("split", true));
    }

    /** {@code prepend_scheme} (tokenizers >= 0.19) or the older {@code add_prefix_space}. */
    static PrependScheme prependScheme(JsonObject p) {
        if (!p.has("prepend_scheme")) return p.bool("add_prefix_space", true) ? PrependScheme.ALWAYS : PrependScheme.NEVER;
        return switch (p.string("prepend_scheme")) {
            case "always" -> PrependScheme.ALWAYS;
            case "first" -> PrependScheme.FIRST;
            case "never" -> PrependScheme.NEVER;
            default -> throw new IllegalArgumentException(p.source() + ".prepend_scheme: expected always, first or never, got '"
                    + p.string("prepend_scheme") + "'");
        };
    }

    String normalize(String chunk) {
        String s = chunk;
        for (Step step : steps) {
            s = switch (step) {
                case Prepend p -> s.isEmpty() ? s : p.prefix() + s;   // tokenizers' Prepend skips empty text
                case Replace r -> s.replace(r.from(), r.to());
                case Unicode u -> java.text.Normalizer.normalize(s, u.form());
            };
        }
        return s;
    }

    /** Adds the BPE words of one normalised piece; {@code atTextStart}: the piece begins the input text. */
    void words(String piece, boolean atTextStart, List<String> out) {
        if (metaspace == null) { if (!piece.isEmpty()) out.add(piece); return; }
        String r = metaspace.replacement();
        String s = piece.replace(" ", r);
        boolean prepend = switch (metaspace.scheme()) {
            case ALWAYS -> true;
            case FIRST -> atTextStart;
            case NEVER -> false;
        };
        if (prepend && !s.startsWith(r)) s = r + s;
        if (!metaspace.split()) { if (!s.isEmpty()) out.add(s); return; }
        // Split before every replacement character (tokenizers' MergedWithNext).
        int start = 0;
        for (int i = s.indexOf(r, 1); i > 0; i = s.indexOf(r, i + r.length())) {
            out.add(s.substring(start, i));
            start = i;
        }
        if (start < s.length()) out.add(s.substring(start));
    }
}
