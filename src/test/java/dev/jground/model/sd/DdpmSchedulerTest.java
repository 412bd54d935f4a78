package dev.jground.model.sd;

import dev.jground.io.JsonObject;
import dev.jground.io.config.DdpmSchedulerConfig;
import dev.jground.nn.CpuBackend;
import dev.jground.nn.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DdpmSchedulerTest {
    private static final Path SD15 = Path.of("src/test/resources/fixtures/real-layouts/stable-diffusion-v1-5/scheduler/scheduler_config.json");

    /** The values difflmm-spec.md gives for SD-1.5 at t = 100 (diffusers in float32). */
    @Test void sd15AtTimestep100() {
        DdpmScheduler s = new DdpmScheduler(DdpmSchedulerConfig.load(SD15));
        assertEquals(1000, s.numTrainTimesteps());
        assertEquals(0.94563371, s.sqrtAlphaProd(100), 3e-8);
        assertEquals(0.32523352, s.sqrtOneMinusAlphaProd(100), 3e-8);
        // the first step is 1 - beta_start exactly as a float, the schedule falls monotonically
        assertEquals(1f - 0.00085f, s.alphaCumprod(0), 1e-9);
        for (int t = 1; t < 1000; t++) assertTrue(s.alphaCumprod(t) < s.alphaCumprod(t - 1), "t = " + t);
    }

    @Test void linspaceHitsBothEndsExactlyAndStepsEvenly() {
        float[] v = DdpmScheduler.linspace(0.1f, 0.7f, 7);
        assertEquals(0.1f, v[0]);
        assertEquals(0.7f, v[6]);
        for (int i = 0; i < 7; i++) assertEquals(0.1 + 0.1 * i, v[i], 1e-7, "i = " + i);
    }

    @Test void addNoiseMixesSampleAndNoise() {
        DdpmScheduler s = new DdpmScheduler(DdpmSchedulerConfig.parse(JsonObject.parse("{\"beta_schedule\": \"linear\", \"beta_start\": 0.1, \"beta_end\": 0.2, \"num_train_timesteps\": 3}", "test")));
        assertEquals(0.9 * 0.85, s.alphaCumprod(1), 3e-7);   // betas 0.1, 0.15, 0.2
        try (CpuBackend b = new CpuBackend(1)) {
            Tensor x = b.upload(new float[] {1f, -2f}, 2, 1, 1), noise = b.upload(new float[] {0.5f, 3f}, 2, 1, 1);
            float[] y = b.download(s.addNoise(b, x, noise, 1));
            double a = 0.9 * 0.85;
            assertEquals(Math.sqrt(a) * 1 + Math.sqrt(1 - a) * 0.5, y[0], 1e-6);
            assertEquals(Math.sqrt(a) * -2 + Math.sqrt(1 - a) * 3, y[1], 1e-6);
        }
    }

    @Test void badSchedulesAndTimestepsAreNamed() {
        var c = DdpmSchedulerConfig.parse(JsonObject.parse("{\"beta_schedule\": \"squaredcos_cap_v2\"}", "test"));
        var e = assertThrows(IllegalArgumentException.class, () -> new DdpmScheduler(c));
        assertTrue(e.getMessage().contains("squaredcos_cap_v2"), e.getMessage());
        DdpmScheduler s = new DdpmScheduler(DdpmSchedulerConfig.load(SD15));
        e = assertThrows(IllegalArgumentException.class, () -> s.sqrtAlphaProd(1000));
        assertTrue(e.getMessage().contains("timestep 1000"), e.getMessage());
    }
}
