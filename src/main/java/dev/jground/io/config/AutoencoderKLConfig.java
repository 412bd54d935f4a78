package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;
import java.util.List;

/**
 * diffusers' {@code AutoencoderKL} (the SD VAE) with its v0.15 defaults; SD-1.5's
 * {@code vae/config.json} has no {@code scaling_factor}, which defaults to 0.18215.
 */
public record AutoencoderKLConfig(
        int inChannels, int outChannels, List<String> downBlockTypes, List<String> upBlockTypes,
        int[] blockOutChannels, int layersPerBlock, String actFn, int latentChannels, int normNumGroups,
        int sampleSize, double scalingFactor) {

    public static AutoencoderKLConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static AutoencoderKLConfig parse(JsonObject c) {
        List<String> down = c.has("down_block_types") ? c.stringList("down_block_types") : List.of("DownEncoderBlock2D");
        List<String> up = c.has("up_block_types") ? c.stringList("up_block_types") : List.of("UpDecoderBlock2D");
        int[] channels = c.has("block_out_channels") ? c.intArray("block_out_channels") : new int[] {64};
        if (channels.length != down.size())
            throw new JsonException(c.source() + ": block_out_channels has " + channels.length + " entries for "
                    + down.size() + " down blocks");
        return new AutoencoderKLConfig(c.integer("in_channels", 3), c.integer("out_channels", 3), down, up, channels,
                c.integer("layers_per_block", 1), c.string("act_fn", "silu"), c.integer("latent_channels", 4),
                c.integer("norm_num_groups", 32), c.integer("sample_size", 32), c.number("scaling_factor", 0.18215));
    }

    @Override public int[] blockOutChannels() { return blockOutChannels.clone(); }
}
