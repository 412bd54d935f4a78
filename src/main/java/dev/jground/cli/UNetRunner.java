package dev.jground.cli;

import dev.jground.io.config.UNet2DConditionConfig;
import dev.jground.model.sd.UNet2DConditionModel;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** unet-tiny: the whole UNet on the golden's sample, timestep and context, every stage compared. */
final class UNetRunner implements GoldenRunner {

    @Override public Map<String, TensorView> run(GoldenCase golden, Backend b) throws IOException {
        UNet2DConditionModel unet = new UNet2DConditionModel(golden.weights(), b, UNet2DConditionConfig.parse(golden.config()));
        Tensor sample = unbatched(b, golden.tensor("in.sample"));
        Tensor context = unbatched(b, golden.tensor("in.encoder_hidden_states"));
        float t = golden.tensor("in.timestep").getLong(0);
        UNet2DConditionModel.Output o = unet.forward(b, sample, t, context);
        Map<String, TensorView> out = new LinkedHashMap<>();
        put(out, golden, b, "out.time_proj", o.timeProj());
        put(out, golden, b, "out.time_embedding", o.timeEmbedding());
        put(out, golden, b, "out.conv_in", o.convIn());
        for (int i = 0; i < o.downBlocks().size(); i++) put(out, golden, b, "out.down_block." + i, o.downBlocks().get(i));
        put(out, golden, b, "out.mid_block", o.midBlock());
        for (int i = 0; i < o.upBlocks().size(); i++) put(out, golden, b, "out.up_block." + i, o.upBlocks().get(i));
        put(out, golden, b, "out.sample", o.sample());
        return out;
    }

    /** A golden input [1, ...] on the backend without its batch dimension. */
    static Tensor unbatched(Backend b, TensorView v) {
        int[] s = v.shape();
        if (s.length < 2 || s[0] != 1) throw new IllegalArgumentException("golden input '" + v.name() + "' " + Arrays.toString(s) + " is not one batch item");
        return b.upload(v.toFloatArray(), Arrays.copyOfRange(s, 1, s.length));
    }

    /** An output under the golden's shape (which adds the batch dimension) when the element counts agree, else its own. */
    static void put(Map<String, TensorView> out, GoldenCase golden, Backend b, String name, Tensor t) {
        int[] shape = golden.has(name) && golden.tensor(name).numel() == t.numel() ? golden.tensor(name).shape() : t.shape();
        out.put(name, TensorView.of(name, b.download(t), shape));
    }
}
