package dev.jground.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class SamVerifyTest {

    @ParameterizedTest
    @ValueSource(strings = {"sam-tiny", "sam-tiny-f16"})
    void samTinyPassesEveryOutput(String name) {
        String out = MainTest.run(0, "verify", VerifyTest.GOLDEN.resolve(name).toString(), "--threads", "2")[0];
        assertFalse(out.contains("FAIL"), out);
        assertTrue(out.contains("out.encoder_layer_1                      PASS"), out);
        assertTrue(out.contains("out.masks_5                              PASS"), out);
        assertTrue(out.endsWith("69 passed, 0 failed, 0 skipped\n"), out);
    }
}
