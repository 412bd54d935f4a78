package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;

/**
 * The noise schedule of a diffusers scheduler config ({@code scheduler_config.json}; SD-1.5
 * ships a PNDMScheduler one, but only the betas matter for one-step noising). Defaults are
 * {@code DDPMScheduler}'s.
 *
 * @param className {@code _class_name}, e.g. "PNDMScheduler"; empty when absent
 */
public record DdpmSchedulerConfig(String className, int numTrainTimesteps, double betaStart, double betaEnd,
                                  String betaSchedule, String predictionType, int stepsOffset) {

    public static DdpmSchedulerConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static DdpmSchedulerConfig parse(JsonObject c) {
        if (c.has("trained_betas"))
            throw new JsonException(c.source() + ": trained_betas is not supported (give beta_start/beta_end/beta_schedule)");
        return new DdpmSchedulerConfig(c.string("_class_name", ""), c.integer("num_train_timesteps", 1000),
                c.number("beta_start", 0.0001), c.number("beta_end", 0.02), c.string("beta_schedule", "linear"),
                c.string("prediction_type", "epsilon"), c.integer("steps_offset", 0));
    }
}
