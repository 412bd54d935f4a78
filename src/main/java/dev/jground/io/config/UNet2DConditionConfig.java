package dev.jground.io.config;

import dev.jground.io.JsonException;
import dev.jground.io.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * diffusers' {@code UNet2DConditionModel} configuration with the v0.15 defaults (SD-1.5's
 * {@code unet/config.json} omits several: norm_eps 1e-5, flip_sin_to_cos true, ...).
 *
 * @param attentionHeadDim per down block: the NUMBER of heads (diffusers' misnomer); a single
 *                         int in the file applies to every block. The mid block uses the last
 *                         entry, the up blocks the list reversed.
 * @param sampleSize       latent side, or 0 when the config gives none
 * @param extensions       keys of later diffusers versions set to something other than their
 *                         off value (class or added embeddings, skip-time resnets, ...): the
 *                         SD-1.x/2.x model has none, and a model that ignored them would be wrong
 */
public record UNet2DConditionConfig(
        int sampleSize, int inChannels, int outChannels, boolean centerInputSample,
        boolean flipSinToCos, int freqShift, List<String> downBlockTypes, String midBlockType, List<String> upBlockTypes,
        boolean onlyCrossAttention, int[] blockOutChannels, int layersPerBlock, int downsamplePadding,
        double midBlockScaleFactor, String actFn, int normNumGroups, double normEps, int crossAttentionDim,
        int[] attentionHeadDim, boolean useLinearProjection, boolean upcastAttention,
        String resnetTimeScaleShift, String timeEmbeddingType, int convInKernel, int convOutKernel, List<String> extensions) {

    /** Keys whose value changes the architecture unless it is the one given (null: absent or null). */
    private static final Map<String, Object> OFF = offValues();

    private static Map<String, Object> offValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("class_embed_type", "addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type", "time_cond_proj_dim",
                "num_class_embeds", "projection_class_embeddings_input_dim", "time_embedding_act_fn", "timestep_post_act",
                "cross_attention_norm", "time_embedding_dim", "attention_type", "num_attention_heads"))
            m.put(k, null);
        m.put("resnet_skip_time_act", false);
        m.put("dual_cross_attention", false);
        m.put("class_embeddings_concat", false);
        m.put("resnet_out_scale_factor", 1.0);
        m.put("transformer_layers_per_block", 1.0);
        return m;
    }

    public static UNet2DConditionConfig load(Path configJson) { return parse(JsonObject.parse(configJson)); }

    public static UNet2DConditionConfig parse(JsonObject c) {
        List<String> down = c.has("down_block_types") ? c.stringList("down_block_types")
                : List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D");
        List<String> up = c.has("up_block_types") ? c.stringList("up_block_types")
                : List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D");
        int[] channels = c.has("block_out_channels") ? c.intArray("block_out_channels") : new int[] {320, 640, 1280, 1280};
        if (channels.length != down.size() || up.size() != down.size())
            throw new JsonException(c.source() + ": block_out_channels (" + channels.length + "), down_block_types ("
                    + down.size() + ") and up_block_types (" + up.size() + ") must have the same length");
        if (c.get("layers_per_block") instanceof List<?> || c.get("only_cross_attention") instanceof List<?>
                || c.get("cross_attention_dim") instanceof List<?>)
            throw new JsonException(c.source() + ": per-block layers_per_block / only_cross_attention / cross_attention_dim"
                    + " lists are not supported (diffusers 0.15 takes single values)");
        return new UNet2DConditionConfig(
                c.integer("sample_size", 0), c.integer("in_channels", 4), c.integer("out_channels", 4),
                c.bool("center_input_sample", false), c.bool("flip_sin_to_cos", true), c.integer("freq_shift", 0),
                down, c.string("mid_block_type", "UNetMidBlock2DCrossAttn"), up, c.bool("only_cross_attention", false),
                channels, c.integer("layers_per_block", 2), c.integer("downsample_padding", 1),
                c.number("mid_block_scale_factor", 1.0), c.string("act_fn", "silu"), c.integer("norm_num_groups", 32),
                c.number("norm_eps", 1e-5), c.integer("cross_attention_dim", 1280),
                perBlock(c, "attention_head_dim", 8, down.size()), c.bool("use_linear_projection", false),
                c.bool("upcast_attention", false), c.string("resnet_time_scale_shift", "default"),
                c.string("time_embedding_type", "positional"), c.integer("conv_in_kernel", 3), c.integer("conv_out_kernel", 3),
                extensions(c));
    }

    private static List<String> extensions(JsonObject c) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : OFF.entrySet()) {
            Object v = c.get(e.getKey());
            if (v == null || v.equals(e.getValue())) continue;
            if (v instanceof Number n && e.getValue() instanceof Double d && n.doubleValue() == d) continue;
            out.add(e.getKey() + "=" + v);
        }
        return List.copyOf(out);
    }

    /** An int applies to every block; a list must have one entry per block. */
    static int[] perBlock(JsonObject c, String key, int def, int blocks) {
        if (c.get(key) instanceof List<?>) {
            int[] v = c.intArray(key);
            if (v.length != blocks)
                throw new JsonException(c.source() + ": " + key + " has " + v.length + " entries for " + blocks + " blocks");
            return v;
        }
        int[] v = new int[blocks];
        Arrays.fill(v, c.integer(key, def));
        return v;
    }

    @Override public int[] blockOutChannels() { return blockOutChannels.clone(); }

    @Override public int[] attentionHeadDim() { return attentionHeadDim.clone(); }

    /** Channels of the timestep embedding: 4 x the first block's channels. */
    public int timeEmbedDim() { return blockOutChannels[0] * 4; }
}
