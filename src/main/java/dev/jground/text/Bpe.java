package dev.jground.text;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The BPE model of a Hugging Face {@code tokenizer.json} ({@code model.type = "BPE"}): a
 * vocabulary, merges in priority order, and SentencePiece's byte fallback. {@link #encode}
 * follows {@code tokenizers}' {@code Word::merge_all}: start from one symbol per character and
 * repeatedly merge the adjacent pair of lowest merge rank (leftmost on ties).
 */
final class Bpe {
    private final Map<String, Integer> vocab;
    private final String[] pieces;                 // id -> piece; null where the vocab skips an id
    private final PairMap mergeRank;               // (left id, right id) -> rank
    private final int[] mergeResult;               // rank -> id of the merged piece
    private final int unkId;                       // -1: none
    private final boolean byteFallback, fuseUnk, ignoreMerges;
    private final int[] byteIds = new int[256];    // byte -> id of "<0xXX>", -1 where absent

    Bpe(Map<String, Integer> vocab, List<String[]> merges, String unkToken,
        boolean byteFallback, boolean fuseUnk, boolean ignoreMerges, String source) {
        this.vocab = vocab;
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (maxId > 2 * vocab.size() + 1024)   // ids index an array: refuse a sparse vocabulary rather than allocate for it
            throw new IllegalArgumentException(source + ": model.vocab: id " + maxId + " is far beyond the " + vocab.size() + " pieces");
        pieces = new String[maxId + 1];
        vocab.forEach((piece, id) -> {
            if (id < 0) throw new IllegalArgumentException(source + ": model.vocab: negative id " + id + " for '" + piece + "'");
            pieces[id] = piece;
        });
        mergeRank = new PairMap(merges.size());
        mergeResult = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer a = vocab.get(m[0]), b = vocab.get(m[1]), ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null || ab == null)
                throw new IllegalArgumentException(source + ": model.merges[" + rank + "] '" + m[0] + " " + m[1]
                        + "' names a piece that is not in the vocabulary");
            mergeRank.putIfAbsent(a, b, rank);
            mergeResult[rank] = ab;
        }
        if (unkToken != null && !vocab.containsKey(unkToken))
            throw new IllegalArgumentException(source + ": model.unk_token '" + unkToken + "' is not in the vocabulary");
        unkId = unkToken == null ? -1 : vocab.get(unkToken);
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(bytePiece(b), -1);
    }

    /** SentencePiece's name for a raw byte: {@code <0x0A>}. */
    static String bytePiece(int b) { return String.format("<0x%02X>", b); }

    int size() { return pieces.length; }

    /** The piece of {@code id}, or null if the vocabulary has none. */
    String piece(int id) { return id >= 0 && id < pieces.length ? pieces[id] : null; }

    int id(String piece) { return vocab.getOrDefault(piece, -1); }

    /** Appends the ids of one pre-tokenized word to {@code out}. */
    void encode(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) { out.add(whole); return; }
        }
        // Symbols form a doubly linked list over array slots; a merged-away slot gets id -1.
        int n = word.length();
        int[] ids = new int[4 * n], prev = new int[4 * n], next = new int[4 * n];
        int count = 0;
        for (int i = 0; i < n; ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            Integer id = vocab.get(word.substring(i, i + len));
            i += len;
            if (id != null) { ids[count++] = id; continue; }
            byte[] utf8 = byteFallback ? new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8) : null;
            if (utf8 != null && allBytesKnown(utf8)) {
                for (byte b : utf8) ids[count++] = byteIds[b & 0xFF];
            } else if (unkId < 0) {
                throw new IllegalArgumentException("character U+" + Integer.toHexString(cp).toUpperCase()
                        + " is not in the vocabulary and the tokenizer has no unk_token");
            } else if (!(fuseUnk && count > 0 && ids[count - 1] == unkId)) {
                ids[count++] = unkId;
            }
        }
        for (int s = 0; s < count; s++) { prev[s] = s - 1; next[s] = s + 1 < count ? s + 1 : -1; }

        LongHeap queue = new LongHeap(count);
        for (int s = 0; s + 1 < count; s++) offer(queue, ids, s, next[s]);
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32), s = (int) top;
            int t = next[s] < 0 || ids[s] < 0 ? -1 : next[s];
            // Stale entry: the symbol was merged away or its right neighbour changed since.
            if (t < 0 || mergeRank.get(ids[s], ids[t]) != rank) continue;
            ids[s] = mergeResult[rank];
            ids[t] = -1;
            next[s] = next[t];
            if (next[t] >= 0) prev[next[t]] = s;
            if (prev[s] >= 0) offer(queue, ids, prev[s], s);
            if (next[s] >= 0) offer(queue, ids, s, next[s]);
        }
        for (int s = count > 0 ? 0 : -1; s >= 0; s = next[s]) out.add(ids[s]);
    }

    private boolean allBytesKnown(byte[] utf8) {
        for (byte b : utf8) if (byteIds[b & 0xFF] < 0) return false;
        return true;
    }

    private void offer(LongHeap queue, int[] ids, int s, int t) {
        int rank = mergeRank.get(ids[s], ids[t]);
        if (rank >= 0) queue.add(((long) rank << 32) | s);   // min (rank, position) first
    }

    /** A binary min-heap of longs, so the merge queue boxes nothing. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) { a = new long[Math.max(4, capacity)]; }

        boolean isEmpty() { return size == 0; }

        void add(long v) {
            if (size == a.length) a = Arrays.copyOf(a, 2 * size);
            int i = size++;
            while (i > 0 && a[(i - 1) / 2] > v) { a[i] = a[(i - 1) / 2]; i = (i - 1) / 2; }
            a[i] = v;
        }

        long poll() {
            long top = a[0], last = a[--size];
            int i = 0;
            while (2 * i + 1 < size) {
                int c = 2 * i + 1;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (a[c] >= last) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
