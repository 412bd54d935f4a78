package dev.jground.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small RFC 8259 JSON parser and compact writer. Values map to {@link LinkedHashMap}
 * (key order kept), {@link ArrayList}, {@link String}, {@link Long} (integers that fit),
 * {@link Double}, {@link Boolean} and {@code null}.
 */
public final class Json {
    private final String text;
    private final String source;
    private final boolean rejectDuplicateKeys;
    private int pos;

    private Json(String text, String source, boolean rejectDuplicateKeys) {
        this.text = text;
        this.source = source;
        this.rejectDuplicateKeys = rejectDuplicateKeys;
    }

    public static Object parse(String text) { return parse(text, "json", false); }

    /**
     * Parses {@code text}; errors read {@code "<source>:<line>:<col>: ..."}. With
     * {@code rejectDuplicateKeys} an object naming a key twice is an error (JSON allows it,
     * safetensors headers must not, since the last one would silently win).
     */
    public static Object parse(String text, String source, boolean rejectDuplicateKeys) {
        Json p = new Json(text, source, rejectDuplicateKeys);
        p.skipSpace();
        Object v = p.value();
        p.skipSpace();
        if (p.pos < text.length()) throw p.error("unexpected '" + text.charAt(p.pos) + "' after the JSON value");
        return v;
    }

    public static Object parse(Path file) { return parse(file, false); }

    public static Object parse(Path file, boolean rejectDuplicateKeys) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return parse(readUtf8(file, name), name, rejectDuplicateKeys);
    }

    /** Strict UTF-8 decode: a malformed byte is an error, not a silent U+FFFD. */
    static String decodeUtf8(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException(source + ": not valid UTF-8");
        }
    }

    private static String readUtf8(Path file, String name) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JsonException(file + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
        return decodeUtf8(bytes, name);
    }

    // ---- parser ----

    private Object value() {
        if (pos >= text.length()) throw error("unexpected end of input, expected a value");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected '" + c + "', expected a value");
            }
        };
    }

    private Map<String, Object> object() {
        int start = pos;
        pos++; // '{'
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') { pos++; return map; }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("expected a string key");
            int keyPos = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object v = value();
            if (map.containsKey(key) && rejectDuplicateKeys) {
                pos = keyPos;
                throw error("duplicate key \"" + key + "\" in the object opened at " + lineCol(start));
            }
            map.put(key, v);
            skipSpace();
            char c = peek();
            if (c == ',') { pos++; continue; }
            if (c == '}') { pos++; return map; }
            throw error("expected ',' or '}' in the object opened at " + lineCol(start));
        }
    }

    private List<Object> array() {
        int start = pos;
        pos++; // '['
        ArrayList<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') { pos++; return list; }
        while (true) {
            skipSpace();
            list.add(value());
            skipSpace();
            char c = peek();
            if (c == ',') { pos++; continue; }
            if (c == ']') { pos++; return list; }
            throw error("expected ',' or ']' in the array opened at " + lineCol(start));
        }
    }

    private String string() {
        int start = ++pos; // after '"'
        // Fast path: no escapes, one substring.
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') { pos = i + 1; return text.substring(start, i); }
            if (c == '\\') break;
            if (c < 0x20) { pos = i; throw error("control character U+" + hex4(c) + " in a string"); }
        }
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos);
            if (c == '"') { pos++; return sb.toString(); }
            if (c < 0x20) throw error("control character U+" + hex4(c) + " in a string");
            if (c != '\\') { sb.append(c); pos++; continue; }
            if (pos + 1 >= text.length()) throw error("unterminated string");
            char e = text.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                // A surrogate pair arrives as two \\u escapes; appending both halves rebuilds it.
                case 'u' -> sb.append(unicodeEscape());
                default -> { pos -= 2; throw error("invalid escape '\\" + e + "'"); }
            }
        }
    }

    private char unicodeEscape() {
        if (pos + 4 > text.length()) { pos -= 2; throw error("truncated \\u escape"); }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) { pos -= 2; throw error("invalid \\u escape"); }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') pos++;
        else if (isDigit(peek())) { while (isDigit(peek())) pos++; }
        else throw error("invalid number");
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) throw error("invalid number: digit expected after '.'");
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("invalid number: digit expected in the exponent");
            while (isDigit(peek())) pos++;
        }
        String s = text.substring(start, pos);
        if (integral && pos - start <= 20) {   // 19 digits and a sign
            try { return Long.parseLong(s); } catch (NumberFormatException tooBig) { /* falls through to double */ }
        }
        return Double.parseDouble(s);
    }

    private Object literal(String word, Object v) {
        if (!text.startsWith(word, pos)) throw error("unexpected '" + text.charAt(pos) + "', expected a value");
        pos += word.length();
        return v;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private char peek() { return pos < text.length() ? text.charAt(pos) : '\0'; }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'");
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            pos++;
        }
    }

    private String lineCol(int at) {
        int line = 1, col = 1;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') { line++; col = 1; } else col++;
        }
        return line + ":" + col;
    }

    private JsonException error(String what) {
        if (pos >= text.length() && !what.startsWith("unexpected end")) what += " (at end of input)";
        return new JsonException(source + ":" + lineCol(pos) + ": " + what);
    }

    private static String hex4(int c) { return String.format("%04X", c); }

    // ---- writer ----

    /**
     * Compact JSON, no spaces, maps in their iteration order; accepts what {@link #parse}
     * returns plus any {@link Number}, {@link Collection}, {@code int[]}, {@code long[]}.
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> writeDouble(sb, d);
            case Float f -> writeDouble(sb, f.doubleValue());
            case Number n -> sb.append(n.longValue());
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    writeString(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) sb.append(',');
                    first = false;
                    write(sb, o);
                }
                sb.append(']');
            }
            case int[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) sb.append(i == 0 ? "" : ",").append(a[i]);
                sb.append(']');
            }
            case long[] a -> {
                sb.append('[');
                for (int i = 0; i < a.length; i++) sb.append(i == 0 ? "" : ",").append(a[i]);
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static void writeDouble(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
        if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d).append(".0");
        else sb.append(d);
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append("\\u").append(hex4(c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
