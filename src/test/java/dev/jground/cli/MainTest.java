package dev.jground.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {

    static String[] run(int expectedStatus, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8), e = err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, "stdout:\n" + o + "\nstderr:\n" + e);
        return new String[] {o, e};
    }

    @Test void helpListsTheVerbs() {
        String out = run(0, "help")[0];
        for (String verb : List.of("info", "verify", "bench matmul", "devices")) assertTrue(out.contains(verb), verb);
    }

    @Test void badCommandLinesAreOneLineErrors() {
        assertEquals("jground frobnicate: unknown verb 'frobnicate' (jground help lists the verbs)\n", run(2, "frobnicate")[1]);
        assertEquals("jground verify: give at least one golden case directory (jground help lists the verbs)\n", run(2, "verify")[1]);
        assertEquals("jground verify: --backend must be cpu or opencl, got 'tpu' (jground help lists the verbs)\n",
                run(2, "verify", "x", "--backend", "tpu")[1]);
    }

    @Test void missingCaseDirectoryNamesIt() {
        String err = run(2, "verify", "/nonexistent/case")[1];
        assertEquals("jground verify: /nonexistent/case: not a golden case directory\n", err);
    }
}
