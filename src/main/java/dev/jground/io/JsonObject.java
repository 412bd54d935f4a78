package dev.jground.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed reads from a parsed JSON object, for config files. An explicit JSON {@code null}
 * counts as absent: Hugging Face configs write {@code null} for "use the default".
 * Wrong types and missing required keys throw {@link JsonException} naming the source
 * and the key path ({@code config.json: text_config.hidden_size: expected an integer, got "4096"}).
 */
public final class JsonObject {
    private final Map<String, Object> map;
    private final String source;   // "config.json" or "config.json: text_config"

    private JsonObject(Map<String, Object> map, String source) {
        this.map = map;
        this.source = source;
    }

    public static JsonObject parse(Path file) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return of(Json.parse(file), name);
    }

    public static JsonObject parse(String text, String source) { return of(Json.parse(text, source, false), source); }

    public static JsonObject of(Map<String, Object> map) { return new JsonObject(map, "json"); }

    public static JsonObject of(Map<String, Object> map, String source) { return new JsonObject(map, source); }

    @SuppressWarnings("unchecked")
    private static JsonObject of(Object parsed, String source) {
        if (!(parsed instanceof Map<?, ?> m)) throw new JsonException(source + ": expected a JSON object, got " + kind(parsed));
        return new JsonObject((Map<String, Object>) m, source);
    }

    /** Where this object came from, for error messages. */
    public String source() { return source; }

    public boolean has(String key) { return map.get(key) != null; }

    public Set<String> keys() { return Collections.unmodifiableSet(map.keySet()); }

    public Map<String, Object> map() { return Collections.unmodifiableMap(map); }

    /** The raw value, or null when absent. */
    public Object get(String key) { return map.get(key); }

    public String string(String key) { return require(key, string(key, null), "a string"); }

    public String string(String key, String def) {
        Object v = map.get(key);
        if (v == null) return def;
        if (v instanceof String s) return s;
        throw wrong(key, "a string", v);
    }

    public int integer(String key) { return require(key, integerOrNull(key), "an integer"); }

    public int integer(String key, int def) {
        Integer v = integerOrNull(key);
        return v == null ? def : v;
    }

    public long longValue(String key) { return require(key, longOrNull(key), "an integer"); }

    public long longValue(String key, long def) {
        Long v = longOrNull(key);
        return v == null ? def : v;
    }

    public double number(String key) { return require(key, numberOrNull(key), "a number"); }

    public double number(String key, double def) {
        Double v = numberOrNull(key);
        return v == null ? def : v;
    }

    public boolean bool(String key, boolean def) {
        Object v = map.get(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        throw wrong(key, "true or false", v);
    }

    /** The nested object; an absent (or null) key gives an empty object, so defaults apply. */
    @SuppressWarnings("unchecked")
    public JsonObject object(String key) {
        Object v = map.get(key);
        String where = path(key);
        if (v == null) return new JsonObject(new LinkedHashMap<>(), where);
        if (v instanceof Map<?, ?> m) return new JsonObject((Map<String, Object>) m, where);
        throw wrong(key, "an object", v);
    }

    /** The list; an absent key throws (use {@link #has} first for optional lists). */
    @SuppressWarnings("unchecked")
    public List<Object> list(String key) {
        Object v = map.get(key);
        if (v == null) throw missing(key, "a list");
        if (v instanceof List<?> l) return Collections.unmodifiableList((List<Object>) l);
        throw wrong(key, "a list", v);
    }

    public int[] intArray(String key) {
        List<Object> l = list(key);
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long n) || n != n.intValue()) throw wrong(key + "[" + i + "]", "an integer", l.get(i));
            out[i] = n.intValue();
        }
        return out;
    }

    public double[] doubleArray(String key) {
        List<Object> l = list(key);
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number n)) throw wrong(key + "[" + i + "]", "a number", l.get(i));
            out[i] = n.doubleValue();
        }
        return out;
    }

    public List<String> stringList(String key) {
        List<Object> l = list(key);
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) throw wrong(key + "[" + i + "]", "a string", l.get(i));
            out.add(s);
        }
        return List.copyOf(out);
    }

    private Integer integerOrNull(String key) {
        Long v = longOrNull(key);
        if (v == null) return null;
        if (v != v.intValue()) throw wrong(key, "an integer that fits 32 bits", v);
        return v.intValue();
    }

    private Long longOrNull(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (v instanceof Long n) return n;
        // 2.0 is an integer to Python's json too once a config passes through float math.
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) return d.longValue();
        throw wrong(key, "an integer", v);
    }

    private Double numberOrNull(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        throw wrong(key, "a number", v);
    }

    private <T> T require(String key, T v, String what) {
        if (v == null) throw missing(key, what);
        return v;
    }

    private String path(String key) { return source + (source.contains(": ") ? "." : ": ") + key; }

    private JsonException missing(String key, String what) {
        return new JsonException(path(key) + ": missing (expected " + what + ")");
    }

    private JsonException wrong(String key, String what, Object v) {
        return new JsonException(path(key) + ": expected " + what + ", got " + kind(v));
    }

    static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "a list";
            default -> v.toString();
        };
    }

    @Override public String toString() { return source + " " + Json.write(map); }
}
