package dev.jground.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TokenizeTest {
    static final String TOKENIZER = "src/test/resources/fixtures/llama2-tokenizer/tokenizer.json";
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String stdin, String... args) { return run(stdin.getBytes(StandardCharsets.UTF_8), args); }

    private static Result run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Tokenize.run(List.of(args), new ByteArrayInputStream(stdin),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    // Ids from fixtures/llama2-tokenizer/cases.jsonl.
    @Test void oneArrayPerLine() {
        Result r = run("Hello world\n\nHello world!\r\na<unk>b", "--tokenizer", TOKENIZER);
        assertEquals(0, r.code(), r.err());
        assertEquals("[1,15043,3186]\n[1]\n[1,15043,3186,29991]\n[1,263,0,289]\n", r.out());
        assertEquals("", r.err());
    }

    @Test void noBos() {
        Result r = run("Hello world\n", "--no-bos", "--tokenizer", TOKENIZER);
        assertEquals(0, r.code(), r.err());
        assertEquals("[15043,3186]\n", r.out());
    }

    @Test void emptyInputPrintsNothing() {
        Result r = run("", "--tokenizer", TOKENIZER);
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out());
    }

    @Test void jsonInputHoldsNewlines() {
        Result r = run("\"line one\\nline two\"\n\"\\u65e5\\u672c\\u8a9e\\u306e\\u30c6\\u30ad\\u30b9\\u30c8\"\n\"\"\n",
                "--tokenizer", TOKENIZER, "--json-input");
        assertEquals(0, r.code(), r.err());
        assertEquals("[1,1196,697,13,1220,1023]\n[1,29871,30325,30346,30968,30199,30572,30454,30255,30279]\n[1]\n", r.out());
    }

    @Test void badJsonLineIsNamedByNumber() {
        Result r = run("\"Hello world\"\nHello\n", "--tokenizer", TOKENIZER, "--json-input");
        assertEquals(2, r.code());
        assertEquals("[1,15043,3186]\n", r.out());   // lines before the bad one were already written
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("jground tokenize: stdin line 2:"), r.err());
        Result notString = run("[1, 2]\n", "--tokenizer", TOKENIZER, "--json-input");
        assertEquals(2, notString.code());
        assertEquals("jground tokenize: stdin line 1: expected a JSON string literal, got [1, 2]\n", notString.err());
    }

    @Test void missingOrBadTokenizerFile() throws IOException {
        Result none = run("x\n");
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("jground tokenize: --tokenizer <tokenizer.json> is required"), none.err());
        Result missing = run("x\n", "--tokenizer", dir.resolve("missing.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("jground tokenize: ") && missing.err().contains("missing.json: cannot read"), missing.err());
        Path bad = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\"}}");
        Result wrong = run("x\n", "--tokenizer", bad.toString());
        assertEquals(2, wrong.code());
        assertEquals("jground tokenize: tokenizer.json: model.type: 'WordPiece' is not supported (BPE only)\n", wrong.err());
        Result unknown = run("x\n", "--tokenizer", TOKENIZER, "--eos");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("jground tokenize: unknown option --eos"), unknown.err());
        assertEquals(1, unknown.err().lines().count());
    }

    @Test void invalidUtf8OnStdin() {
        Result r = run(new byte[] {'a', (byte) 0xFF, '\n'}, "--tokenizer", TOKENIZER);
        assertEquals(2, r.code());
        assertEquals("jground tokenize: stdin is not valid UTF-8\n", r.err());
    }

    @Test void manyLinesStayInOrder() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) lines.add(i % 2 == 0 ? "Hello world" : "a");
        Result r = run(String.join("\n", lines) + "\n", "--tokenizer", TOKENIZER);
        assertEquals(0, r.code(), r.err());
        List<String> out = r.out().lines().toList();
        assertEquals(200, out.size());
        for (int i = 0; i < 200; i++) assertEquals(i % 2 == 0 ? "[1,15043,3186]" : "[1,263]", out.get(i), "line " + i);
    }
}
