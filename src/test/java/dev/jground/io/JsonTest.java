package dev.jground.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonTest {

    private static JsonException fails(String text) {
        return assertThrows(JsonException.class, () -> Json.parse(text, "t.json", false));
    }

    @Test void scalarsAndTypes() {
        assertEquals(42L, Json.parse("42"));
        assertEquals(-7L, Json.parse(" -7 "));
        assertEquals(0L, Json.parse("0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808e18, Json.parse("9223372036854775808"));   // too big for a long
        assertEquals(1e-5, Json.parse("1e-05"));
        assertEquals(1.5, Json.parse("1.5"));
        assertEquals(-0.25e3, Json.parse("-0.25E+3"));
        assertEquals(10000.0, Json.parse("10000.0"));
        assertEquals(Boolean.TRUE, Json.parse("true"));
        assertEquals(Boolean.FALSE, Json.parse("false"));
        assertNull(Json.parse("null"));
        assertEquals("", Json.parse("\"\""));
    }

    @Test void containersKeepOrderAndTypes() {
        Object v = Json.parse("{\"z\": [1, 2.0, \"x\", null, {}], \"a\": {\"b\": []}}");
        assertInstanceOf(LinkedHashMap.class, v);
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("z", "a"), new ArrayList<>(m.keySet()));
        List<?> z = (List<?>) m.get("z");
        assertInstanceOf(ArrayList.class, z);
        assertEquals(Arrays.asList(1L, 2.0, "x", null, Map.of()), z);
        assertEquals(Map.of("b", List.of()), m.get("a"));
    }

    @Test void stringEscapes() {
        assertEquals("a\"b\\c/d\b\f\n\r\t", Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
        assertEquals("é▁", Json.parse("\"\\u00e9\\u2581\""));
        assertEquals("é▁", Json.parse("\"é▁\""));               // raw UTF-16 passes through
        String pair = (String) Json.parse("\"x\\uD83D\\uDE00y\"");  // U+1F600 as a surrogate pair
        assertEquals("x\uD83D\uDE00y", pair);
        assertEquals(0x1F600, pair.codePointAt(1));
        assertEquals("<0x0A>", Json.parse("\"\\u003c0x0A\\u003e\""));
    }

    @Test void errorsNameSourceLineAndColumn() {
        assertEquals("t.json:2:6: expected ':'", fails("{\"a\": 1,\n \"b\" 2}").getMessage());
        assertEquals("t.json:1:10: expected ',' or ']' in the array opened at 1:1", fails("[1, 2, 3 4]").getMessage());
        assertEquals("t.json:1:3: expected ',' or ']' in the array opened at 1:1", fails("[1}").getMessage());
        assertEquals("t.json:3:2: expected ',' or '}' in the object opened at 2:2", fails("[\n {\"a\": 1\n ]}").getMessage());
    }

    @Test void rejectsMalformedInput() {
        assertTrue(fails("{\"a\": 1} x").getMessage().contains("1:10: unexpected 'x' after the JSON value"));
        assertTrue(fails("[1, 2").getMessage().contains("at end of input"));
        assertTrue(fails("").getMessage().contains("unexpected end of input"));
        assertTrue(fails("\"abc").getMessage().contains("unterminated string"));
        assertTrue(fails("\"a\\qb\"").getMessage().contains("1:3: invalid escape '\\q'"));
        assertTrue(fails("\"a\\u12G4\"").getMessage().contains("invalid \\u escape"));
        assertTrue(fails("\"a\tb\"").getMessage().contains("control character U+0009"));
        assertTrue(fails("[01]").getMessage().contains("expected ',' or ']'"));
        assertTrue(fails("[1.]").getMessage().contains("digit expected after '.'"));
        assertTrue(fails("[1e]").getMessage().contains("digit expected in the exponent"));
        assertTrue(fails("[-]").getMessage().contains("invalid number"));
        assertTrue(fails("[tru]").getMessage().contains("expected a value"));
        assertTrue(fails("{a: 1}").getMessage().contains("expected a string key"));
        assertTrue(fails("[1,]").getMessage().contains("1:4: unexpected ']', expected a value"));
        assertTrue(fails("NaN").getMessage().contains("unexpected 'N'"));
    }

    @Test void duplicateKeysAllowedUnlessRejected() {
        Map<?, ?> m = (Map<?, ?>) Json.parse("{\"a\": 1, \"a\": 2}");
        assertEquals(2L, m.get("a"));   // last wins, like Python's json
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\"x\": {},\n \"a\": 1, \"a\": 2}", "h", true));
        assertEquals("h:2:10: duplicate key \"a\" in the object opened at 1:1", e.getMessage());
    }

    @Test void parseFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("broken.json");
        Files.writeString(f, "{\n  \"a\": [1, 2,\n}");
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(f));
        assertTrue(e.getMessage().startsWith("broken.json:3:1: "), e.getMessage());
        JsonException missing = assertThrows(JsonException.class, () -> Json.parse(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("nope.json: cannot read"), missing.getMessage());
        Files.write(f, new byte[] {'"', (byte) 0xC3, '"'});
        assertEquals("broken.json: not valid UTF-8", assertThrows(JsonException.class, () -> Json.parse(f)).getMessage());
    }

    @Test void writeIsCompactAndRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "q\"\\\n\u0001é");
        m.put("n", List.of(1L, -2, 2.5, 1e-5, 10000.0));
        m.put("b", true);
        m.put("z", null);
        m.put("arr", new int[] {3, 4});
        m.put("longs", new long[] {0, 1L << 40});
        String text = Json.write(m);
        assertEquals("{\"s\":\"q\\\"\\\\\\n\\u0001é\",\"n\":[1,-2,2.5,1.0E-5,10000.0],\"b\":true,\"z\":null,"
                + "\"arr\":[3,4],\"longs\":[0,1099511627776]}", text);
        Map<?, ?> back = (Map<?, ?>) Json.parse(text);
        assertEquals(m.get("s"), back.get("s"));
        assertEquals(List.of(1L, -2L, 2.5, 1e-5, 10000.0), back.get("n"));
        assertEquals(List.of(3L, 4L), back.get("arr"));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    }

    @Test void parsesTheLlamaTokenizer() {
        // Speed sanity only (no timing assertion): 2 MB, ~32k vocab entries, ~61k merges.
        Path p = Path.of("src/test/resources/fixtures/llama2-tokenizer/tokenizer.json");
        JsonObject t = JsonObject.parse(p);
        JsonObject model = t.object("model");
        assertEquals("BPE", model.string("type"));
        assertEquals(32000, model.object("vocab").keys().size());
        assertEquals(0L, model.object("vocab").get("<unk>"));
        assertEquals(13L, model.object("vocab").get("<0x0A>"));
        assertEquals(29871L, model.object("vocab").get("\u2581"));
        assertTrue(model.list("merges").size() > 60000);
    }
}
