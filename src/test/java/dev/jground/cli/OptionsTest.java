package dev.jground.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OptionsTest {

    @Test void valuesFlagsAndPositionals() {
        Options o = Options.parse(List.of("a", "--threads", "3", "--backend=opencl", "--multimask", "b"),
                List.of("threads", "backend"), List.of("multimask"));
        assertEquals(List.of("a", "b"), o.positional());
        assertEquals(3, o.integer("threads", 1));
        assertEquals("opencl", o.get("backend", "cpu"));
        assertTrue(o.flag("multimask"));
        assertEquals(7, o.integer("device", 7));
    }

    @Test void errorsNameTheOption() {
        assertEquals("unknown option --bogus",
                assertThrows(UsageException.class, () -> Options.parse(List.of("--bogus"), List.of())).getMessage());
        assertEquals("--threads needs a value",
                assertThrows(UsageException.class, () -> Options.parse(List.of("--threads"), List.of("threads"))).getMessage());
        Options o = Options.parse(List.of("--threads", "x"), List.of("threads"));
        assertEquals("--threads expects an integer, got 'x'", assertThrows(UsageException.class, () -> o.integer("threads", 1)).getMessage());
    }
}
