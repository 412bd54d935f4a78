package dev.jground.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.*;

/** The Stable Diffusion goldens (diffusers v0.15.0): every stage of the UNet and of the VAE encoder. */
class SdVerifyTest {

    @ParameterizedTest
    @CsvSource({"unet-tiny, 13, out.time_proj, out.up_block.1, out.sample",
                "vae-encoder-tiny, 11, out.mid_block, out.latent_logvar, out.latents_scaled"})
    void passesEveryOutput(String name, int outputs, String first, String middle, String last) {
        String out = MainTest.run(0, "verify", VerifyTest.GOLDEN.resolve(name).toString(), "--threads", "2")[0];
        assertFalse(out.contains("FAIL"), out);
        for (String o : new String[] {first, middle, last}) assertTrue(out.contains(String.format("%-40s PASS", o)), out);
        assertTrue(out.endsWith(outputs + " passed, 0 failed, 0 skipped\n"), out);
    }
}
