package dev.jground.cli;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.*;

class MatmulBenchTest {

    private static String[] run(int wantExit, String... args) {
        String[] bench = new String[args.length + 2];
        bench[0] = "bench";
        bench[1] = "matmul";
        System.arraycopy(args, 0, bench, 2, args.length);
        String[] io = MainTest.run(wantExit, bench);
        return (wantExit == 0 ? io[0] : io[1]).strip().split("\n");
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
        String help = " (jground help lists the verbs)";
        assertEquals("jground bench: --dtype must be f32, f16 or bf16, got 'q8'" + help, run(2, "--dtype", "q8")[0]);
        assertEquals("jground bench: --m expects an integer, got 'x'" + help, run(2, "--m", "x")[0]);
        assertEquals("jground bench: --threads must be at least 1, got 0" + help, run(2, "--threads", "0")[0]);
        assertEquals("jground bench: unknown option --size" + help, run(2, "--size", "3")[0]);
        assertEquals("jground bench: --runs needs a value" + help, run(2, "--runs")[0]);
    }
}
