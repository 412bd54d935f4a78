package dev.jground.text;

/**
 * A token matched in the raw text before normalisation and BPE, as in {@code tokenizer.json}'s
 * {@code added_tokens}: {@code <s>}, {@code </s>}, {@code <unk>}, LLaVA's {@code <image>} and
 * {@code <pad>}. {@code special} tokens are dropped by {@code decode(ids, skipSpecial=true)};
 * {@code lstrip}/{@code rstrip} let a match swallow the whitespace beside it; {@code singleWord}
 * matches only where no word character touches it; {@code normalized} tokens are matched by
 * their normalised content in the normalised text rather than verbatim in the raw text.
 */
public record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean singleWord) {
    public AddedToken {
        if (content.isEmpty()) throw new IllegalArgumentException("added token " + id + " has empty content");
        if (id < 0) throw new IllegalArgumentException("added token '" + content + "' has negative id " + id);
    }

    /** A special token matched verbatim: how LLaVA's {@code <image>} and {@code <pad>} are declared. */
    public static AddedToken special(String content, int id) {
        return new AddedToken(content, id, true, false, false, false, false);
    }
}
