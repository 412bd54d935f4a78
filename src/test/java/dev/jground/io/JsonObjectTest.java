package dev.jground.io;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class JsonObjectTest {
    private final JsonObject c = JsonObject.parse("""
            {"s": "silu", "i": 4096, "big": 8000000000, "f": 1e-05, "two": 2.0, "t": true, "n": null,
             "o": {"x": 1, "deep": {"y": "z"}}, "ints": [2, 5, 8], "mixed": [1, "a"], "strs": ["a", "b"], "ds": [0.5, 1]}""",
            "config.json");

    private String fails(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(JsonException.class, e).getMessage();
    }

    @Test void typedReadsAndDefaults() {
        assertEquals("silu", c.string("s"));
        assertEquals("gelu", c.string("missing", "gelu"));
        assertEquals(4096, c.integer("i"));
        assertEquals(7, c.integer("missing", 7));
        assertEquals(2, c.integer("two"));   // 2.0 is an integer value
        assertEquals(8_000_000_000L, c.longValue("big"));
        assertEquals(1e-5, c.number("f", 0));
        assertEquals(4096.0, c.number("i", 0));
        assertTrue(c.bool("t", false));
        assertFalse(c.bool("missing", false));
        assertArrayEquals(new int[] {2, 5, 8}, c.intArray("ints"));
        assertArrayEquals(new double[] {0.5, 1.0}, c.doubleArray("ds"));
        assertEquals(List.of("a", "b"), c.stringList("strs"));
        assertEquals(List.of(1L, "a"), c.list("mixed"));
        assertEquals(1, c.object("o").integer("x"));
        assertEquals("z", c.object("o").object("deep").string("y"));
        assertEquals(Set.of("s", "i", "big", "f", "two", "t", "n", "o", "ints", "mixed", "strs", "ds"), c.keys());
        assertEquals(12, c.map().size());
    }

    @Test void nullCountsAsAbsent() {
        assertFalse(c.has("n"));
        assertFalse(c.has("missing"));
        assertTrue(c.has("s"));
        assertEquals(3, c.integer("n", 3));
        assertEquals("d", c.string("n", "d"));
        assertEquals(Set.of(), c.object("n").keys());
        assertEquals(Set.of(), c.object("missing").keys());
    }

    @Test void errorsNameSourceAndKeyPath() {
        assertEquals("config.json: hidden: missing (expected an integer)", fails(() -> c.integer("hidden")));
        assertEquals("config.json: s: expected an integer, got \"silu\"", fails(() -> c.integer("s")));
        assertEquals("config.json: big: expected an integer that fits 32 bits, got 8000000000", fails(() -> c.integer("big")));
        assertEquals("config.json: f: expected an integer, got 1.0E-5", fails(() -> c.integer("f", 1)));
        assertEquals("config.json: i: expected a string, got 4096", fails(() -> c.string("i")));
        assertEquals("config.json: s: expected true or false, got \"silu\"", fails(() -> c.bool("s", true)));
        assertEquals("config.json: o.deep.y: expected a number, got \"z\"", fails(() -> c.object("o").object("deep").number("y", 0)));
        assertEquals("config.json: o.x: expected an object, got 1", fails(() -> c.object("o").object("x")));
        assertEquals("config.json: mixed[1]: expected an integer, got \"a\"", fails(() -> c.intArray("mixed")));
        assertEquals("config.json: nope: missing (expected a list)", fails(() -> c.list("nope")));
        assertEquals("config.json: s: expected a list, got \"silu\"", fails(() -> c.stringList("s")));
        assertEquals("cfg: expected a JSON object, got a list", fails(() -> JsonObject.parse("[1]", "cfg")));
        assertEquals("json: a: missing (expected a string)", fails(() -> JsonObject.of(Map.of()).string("a")));
    }
}
