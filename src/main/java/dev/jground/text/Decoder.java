package dev.jground.text;

import dev.jground.io.JsonObject;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tokenizer.json}'s {@code decoder} for SentencePiece-style files, reduced to what its steps
 * do together: per-piece replacements ({@code Replace("▁", " ")}), {@code ByteFallback} (runs of
 * {@code <0xXX>} pieces become their UTF-8 text, or one U+FFFD per byte if the run is not valid
 * UTF-8, as {@code tokenizers} does), {@code Fuse}, and {@code Strip} of the fused text's ends.
 * A {@code Metaspace} decoder replaces "▁" by " " and drops the "▁"s of the first piece.
 */
final class Decoder {
    private final List<String[]> replacements = new ArrayList<>();   // {from, to}, applied per piece in order
    private boolean byteFallback, fused;
    private String firstPieceDrop;   // Metaspace: removed from the first piece, not made a space
    private char stripChar = ' ';
    private int stripStart, stripStop;

    Decoder(JsonObject root) {
        if (root.has("decoder")) add(root.object("decoder"));
    }

    private void add(JsonObject d) {
        switch (d.string("type")) {
            case "Sequence" -> Normalizer.objects(d, "decoders").forEach(this::add);
            case "Replace" -> replacements.add(new String[] {Normalizer.stringPattern(d), d.string("content")});
            case "ByteFallback" -> byteFallback = true;
            case "Fuse" -> fused = true;   // decode returns one string anyway
            case "Strip" -> {
                if (!fused) throw new IllegalArgumentException(d.source() + ": Strip before Fuse (stripping every piece) is not supported");
                String content = d.string("content");
                if (content.length() != 1) throw new IllegalArgumentException(d.source() + ".content: expected one character");
                stripChar = content.charAt(0);
                stripStart = d.integer("start");
                stripStop = d.integer("stop");
            }
            case "Metaspace" -> {
                replacements.add(new String[] {d.string("replacement"), " "});
                if (Normalizer.prependScheme(d) != Normalizer.PrependScheme.NEVER) firstPieceDrop = d.string("replacement");
            }
            default -> throw new IllegalArgumentException(d.source() + ": decoder type '" + d.string("type") + "' is not supported");
        }
    }

    /** The piece after the per-piece replacements; {@code first}: it is the first piece decoded. */
    String replace(String piece, boolean first) {
        if (first && firstPieceDrop != null) piece = piece.replace(firstPieceDrop, "");
        for (String[] r : replacements) piece = piece.replace(r[0], r[1]);
        return piece;
    }

    /** The byte of a {@code <0xXX>} piece, or -1. */
    int byteOf(String piece) {
        if (!byteFallback || piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = Character.digit(piece.charAt(3), 16), lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    String decode(List<String> pieces) {
        StringBuilder sb = new StringBuilder();
        ByteRun run = new ByteRun();
        for (int i = 0; i < pieces.size(); i++) {
            String piece = replace(pieces.get(i), i == 0);
            int b = byteOf(piece);
            if (b >= 0) { run.add(b); continue; }
            run.flushInto(sb);
            sb.append(piece);
        }
        run.flushInto(sb);
        int start = 0, end = sb.length();
        while (start < stripStart && start < end && sb.charAt(start) == stripChar) start++;
        for (int k = 0; k < stripStop && end > start && sb.charAt(end - 1) == stripChar; k++) end--;
        return sb.substring(start, end);
    }

    int stripStart() { return stripStart; }

    char stripChar() { return stripChar; }

    /** Consecutive byte-fallback bytes waiting to become text. */
    static final class ByteRun {
        private byte[] bytes = new byte[8];
        private int size;

        void add(int b) {
            if (size == bytes.length) bytes = java.util.Arrays.copyOf(bytes, 2 * size);
            bytes[size++] = (byte) b;
        }

        boolean isEmpty() { return size == 0; }

        /** 1: the bytes are complete UTF-8; 0: valid so far but the last character is unfinished; -1: invalid. */
        int status() {
            CharsetDecoder dec = strictUtf8();
            ByteBuffer in = ByteBuffer.wrap(bytes, 0, size);
            CoderResult r = dec.decode(in, CharBuffer.allocate(2 * size + 2), false);
            if (r.isError()) return -1;
            return in.hasRemaining() ? 0 : 1;
        }

        /** Appends the run's text (one U+FFFD per byte if it is not valid UTF-8, as tokenizers' ByteFallback) and empties it. */
        void flushInto(StringBuilder sb) {
            if (size == 0) return;
            if (status() == 1) sb.append(new String(bytes, 0, size, StandardCharsets.UTF_8));
            else sb.repeat('\uFFFD', size);
            size = 0;
        }

        private static CharsetDecoder strictUtf8() {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
    }
}
