package dev.jground.cli;

import dev.jground.io.Json;
import dev.jground.io.JsonException;
import dev.jground.text.Tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jground tokenize --tokenizer <tokenizer.json> [--no-bos] [--json-input]}: one text per
 * line on stdin, one JSON array of ids per line on stdout. Lines end at "\n" (a "\r" before it is
 * dropped); with {@code --json-input} each line is a JSON string literal, so a text may hold
 * newlines. Exit status 2 with a one-line message on bad arguments, files or input lines.
 */
public final class Tokenize {
    static final String USAGE = "usage: jground tokenize --tokenizer <tokenizer.json> [--no-bos] [--json-input] < texts";

    private Tokenize() {}

    public static int run(List<String> args, InputStream in, PrintStream out) { return run(args, in, out, System.err); }

    public static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) { out.println(USAGE); return 0; }
        try {
            Options o = Options.parse(args, List.of("tokenizer"), List.of("no-bos", "json-input"));
            if (!o.positional().isEmpty()) throw new UsageException("unexpected argument '" + o.positional().getFirst() + "'");
            String file = o.get("tokenizer", null);
            if (file == null) throw new UsageException("--tokenizer <tokenizer.json> is required");
            Tokenizer tokenizer = Tokenizer.load(Path.of(file));
            tokenizeLines(tokenizer, !o.flag("no-bos"), o.flag("json-input"), in, out);
            return 0;
        } catch (UsageException e) {
            err.println("jground tokenize: " + e.getMessage() + " (" + USAGE + ")");
            return 2;
        } catch (JsonException | IllegalArgumentException e) {
            err.println("jground tokenize: " + e.getMessage());
            return 2;
        } catch (CharacterCodingException e) {
            err.println("jground tokenize: stdin is not valid UTF-8");
            return 2;
        } catch (IOException e) {
            err.println("jground tokenize: cannot read stdin (" + e.getMessage() + ")");
            return 2;
        }
    }

    private static void tokenizeLines(Tokenizer tokenizer, boolean bos, boolean jsonInput, InputStream in, PrintStream out)
            throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        StringBuilder line = new StringBuilder();
        int lineNo = 0;
        for (int c = reader.read(); c >= 0 || !line.isEmpty(); c = reader.read()) {
            if (c >= 0 && c != '\n') { line.append((char) c); continue; }
            lineNo++;
            if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') line.setLength(line.length() - 1);
            String text = jsonInput ? jsonString(line.toString(), lineNo) : line.toString();
            out.print(Json.write(tokenizer.encode(text, bos)) + "\n");
            out.flush();
            line.setLength(0);
            if (c < 0) break;
        }
    }

    private static String jsonString(String line, int lineNo) {
        Object v;
        try {
            v = Json.parse(line, "stdin line " + lineNo, false);
        } catch (JsonException e) {
            throw new IllegalArgumentException(e.getMessage() + " (--json-input expects one JSON string literal per line)");
        }
        if (!(v instanceof String s))
            throw new IllegalArgumentException("stdin line " + lineNo + ": expected a JSON string literal, got "
                    + (line.length() > 40 ? line.substring(0, 40) + "..." : line));
        return s;
    }
}
