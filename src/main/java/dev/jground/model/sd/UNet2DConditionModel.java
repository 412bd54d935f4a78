package dev.jground.model.sd;

import dev.jground.io.Checkpoint;
import dev.jground.io.config.UNet2DConditionConfig;
import dev.jground.model.Weights;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The Stable Diffusion UNet (diffusers 0.15 unet_2d_condition.py UNet2DConditionModel with
 * SD-1.5's blocks): timestep embedding, conv_in, down blocks that leave skips, the mid block,
 * up blocks that join them, then conv_norm_out, SiLU, conv_out. {@link #forward} can stop
 * after any up block: DiffLMM reads up block 1 and nothing after it is computed.
 */
public final class UNet2DConditionModel {

    /**
     * Every stage's output, each without the batch dimension: the sinusoid [1, C0], the time
     * embedding [1, 4 C0], conv_in, each down block's hidden state, the mid block, the up blocks
     * that ran, and the output sample (null when the pass stopped early).
     */
    public record Output(Tensor timeProj, Tensor timeEmbedding, Tensor convIn, List<Tensor> downBlocks, Tensor midBlock,
                         List<Tensor> upBlocks, Tensor sample) {}

    private final UNet2DConditionConfig config;
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn, convOut;
    private final DownBlock2D[] downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final UpBlock2D[] upBlocks;
    private final GroupNorm convNormOut;

    public UNet2DConditionModel(Checkpoint checkpoint, Backend b, UNet2DConditionConfig c) {
        checkSupported(c);
        config = c;
        Weights w = Weights.of(checkpoint, b);
        int[] channels = c.blockOutChannels(), heads = c.attentionHeadDim();
        int n = channels.length, temb = c.timeEmbedDim();
        timeEmbedding = new TimestepEmbedding(w.at("time_embedding"), channels[0], temb);
        convIn = Conv2d.same(w, "conv_in", c.inChannels(), channels[0], c.convInKernel());

        ResnetBlock2D.Settings resnet = new ResnetBlock2D.Settings(c.normNumGroups(), (float) c.normEps(), temb, 1f);
        downBlocks = new DownBlock2D[n];
        for (int i = 0; i < n; i++) {
            Transformer2DModel.Settings a = c.downBlockTypes().get(i).equals("CrossAttnDownBlock2D") ? attention(c, heads[i]) : null;
            downBlocks[i] = new DownBlock2D(w.at("down_blocks." + i), i == 0 ? channels[0] : channels[i - 1], channels[i],
                    c.layersPerBlock(), resnet, a, i < n - 1, c.downsamplePadding());
        }
        ResnetBlock2D.Settings mid = new ResnetBlock2D.Settings(c.normNumGroups(), (float) c.normEps(), temb, (float) c.midBlockScaleFactor());
        midBlock = new UNetMidBlock2DCrossAttn(w.at("mid_block"), channels[n - 1], mid, attention(c, heads[n - 1]));
        upBlocks = new UpBlock2D[n];
        for (int i = 0; i < n; i++) {
            int out = channels[n - 1 - i], prev = channels[n - 1 - Math.max(i - 1, 0)], in = channels[Math.max(n - 2 - i, 0)];
            Transformer2DModel.Settings a = c.upBlockTypes().get(i).equals("CrossAttnUpBlock2D") ? attention(c, heads[n - 1 - i]) : null;
            upBlocks[i] = new UpBlock2D(w.at("up_blocks." + i), in, out, prev, c.layersPerBlock() + 1, resnet, a, i < n - 1);
        }
        convNormOut = new GroupNorm(w.at("conv_norm_out"), c.normNumGroups(), channels[0], (float) c.normEps());
        convOut = Conv2d.same(w, "conv_out", channels[0], c.outChannels(), c.convOutKernel());
    }

    private static Transformer2DModel.Settings attention(UNet2DConditionConfig c, int heads) {
        return new Transformer2DModel.Settings(heads, c.crossAttentionDim(), c.useLinearProjection());
    }

    /** What this port does not implement is refused by name rather than run wrongly. */
    private static void checkSupported(UNet2DConditionConfig c) {
        for (String t : c.downBlockTypes())
            if (!t.equals("CrossAttnDownBlock2D") && !t.equals("DownBlock2D")) throw unsupported("down block type " + t);
        for (String t : c.upBlockTypes())
            if (!t.equals("CrossAttnUpBlock2D") && !t.equals("UpBlock2D")) throw unsupported("up block type " + t);
        if (!c.midBlockType().equals("UNetMidBlock2DCrossAttn")) throw unsupported("mid_block_type " + c.midBlockType());
        if (!c.actFn().equals("silu")) throw unsupported("act_fn " + c.actFn());
        if (c.onlyCrossAttention()) throw unsupported("only_cross_attention");
        if (c.centerInputSample()) throw unsupported("center_input_sample");
        if (!c.resnetTimeScaleShift().equals("default")) throw unsupported("resnet_time_scale_shift " + c.resnetTimeScaleShift());
        if (!c.timeEmbeddingType().equals("positional")) throw unsupported("time_embedding_type " + c.timeEmbeddingType());
        if (c.convInKernel() % 2 == 0 || c.convOutKernel() % 2 == 0) throw unsupported("even conv_in/conv_out kernels");
        if (!c.extensions().isEmpty()) throw unsupported(String.join(", ", c.extensions()));
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("UNet2DConditionModel config: " + what + " is not supported (SD-1.x/2.x UNets are)");
    }

    public UNet2DConditionConfig config() { return config; }

    public int upBlockCount() { return upBlocks.length; }

    /** The whole UNet: sample [in, H, W], the timestep, context [S, cross_attention_dim]. */
    public Output forward(Backend b, Tensor sample, float timestep, Tensor context) {
        return forward(b, sample, timestep, context, upBlocks.length - 1);
    }

    /**
     * The UNet through up block {@code lastUpBlock} (0-based) and no further; the output sample
     * is computed only when every up block ran.
     */
    public Output forward(Backend b, Tensor sample, float timestep, Tensor context, int lastUpBlock) {
        if (lastUpBlock < 0 || lastUpBlock >= upBlocks.length)
            throw new IllegalArgumentException("UNet: up block " + lastUpBlock + " asked of " + upBlocks.length);
        int[] s = sample.shape();
        if (s.length != 3 || s[0] != config.inChannels())
            throw new IllegalArgumentException("UNet: sample " + Arrays.toString(s) + " is not [" + config.inChannels() + ", H, W]");
        int c0 = config.blockOutChannels()[0];
        Tensor timeProj = b.upload(TimestepEmbedding.sinusoid(timestep, c0, config.flipSinToCos(), config.freqShift()), 1, c0);
        Tensor emb = timeEmbedding.forward(b, timeProj);
        Tensor tembAct = b.silu(emb);   // every resnet applies SiLU to the embedding before its projection

        Tensor x = convIn.forward(b, sample);
        Tensor convInOut = x;
        List<Tensor> skips = new ArrayList<>(List.of(x)), downs = new ArrayList<>();
        for (DownBlock2D block : downBlocks) {
            x = block.forward(b, x, tembAct, context, skips);
            downs.add(x);
        }
        x = midBlock.forward(b, x, tembAct, context);
        Tensor mid = x;
        List<Tensor> ups = new ArrayList<>();
        for (int i = 0; i <= lastUpBlock; i++) {
            x = upBlocks[i].forward(b, x, tembAct, context, skips);
            ups.add(x);
        }
        Tensor out = null;
        if (lastUpBlock == upBlocks.length - 1) {
            out = convOut.forward(b, b.silu(convNormOut.forward(b, x)));
        }
        return new Output(timeProj, emb, convInOut, Collections.unmodifiableList(downs), mid, Collections.unmodifiableList(ups), out);
    }
}
