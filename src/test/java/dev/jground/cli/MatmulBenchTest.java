package dev.jground.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MatmulBenchTest {

    private static String[] run(int wantExit, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = MatmulBench.run(List.of(args), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(wantExit, rc, out);
        return out.strip().split("\n");
    }

    @Test
    void lastLineHasTheAgreedFormat() {
        for (String dt : new String[] {"f32", "f16", "bf16"}) {
            String[] lines = run(0, "--m", "9", "--n", "33", "--k", "40", "--dtype", dt, "--threads", "2", "--warmup", "1", "--runs", "3");
            String last = lines[lines.length - 1];
            assertTrue(last.matches("matmul m=9 n=33 k=40 dtype=" + dt + " threads=2: [0-9]+\\.[0-9]{2} GFLOP/s"), last);
            assertTrue(lines[lines.length - 2].startsWith("weights read: "), lines[lines.length - 2]);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("bench matmul: --dtype must be f32, f16 or bf16, got 'q8'", run(2, "--dtype", "q8")[0]);
        assertEquals("bench matmul: --m needs an integer, got 'x'", run(2, "--m", "x")[0]);
        assertEquals("bench matmul: --threads must be at least 1, got 0", run(2, "--threads", "0")[0]);
        assertEquals("bench matmul: unknown option '--size'", run(2, "--size", "3")[0]);
        assertEquals("bench matmul: option --runs needs a value", run(2, "--runs")[0]);
    }
}
