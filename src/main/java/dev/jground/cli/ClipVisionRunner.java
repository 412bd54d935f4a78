package dev.jground.cli;

import dev.jground.image.ClipImageProcessor;
import dev.jground.image.RgbImage;
import dev.jground.io.config.ClipVisionConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.Weights;
import dev.jground.model.clip.ClipVisionModel;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** clip-vision-tiny: the vision tower fed the golden's own pixel_values, every stage compared. */
final class ClipVisionRunner implements GoldenRunner {

    @Override public Map<String, TensorView> run(GoldenCase golden, Backend b) throws IOException {
        ClipVisionConfig c = ClipVisionConfig.parse(golden.config());
        ClipVisionModel model = new ClipVisionModel(Weights.of(golden.weights(), b).at("vision_model"), c);
        Map<String, TensorView> out = new LinkedHashMap<>();
        ClipImageProcessor processor = ClipPreprocessorConfig.load(golden.dir(), c.imageSize(), false);
        putPreprocessing(out, golden, processor);
        ClipVisionModel.Output o = forwardGoldenPixels(golden, b, model);
        putTower(out, b, "out.", o, c.numAttentionHeads());
        put(out, b, "out.last_hidden_state", o.lastHiddenState());
        if (o.pooled() != null) put(out, b, "out.pooler_output", b.reshape(o.pooled(), c.hiddenSize()));
        return out;
    }

    /** out.resized_image and out.pixel_values from the case's photo: preprocessing checked on its own. */
    static void putPreprocessing(Map<String, TensorView> out, GoldenCase golden, ClipImageProcessor processor) {
        ClipImageProcessor.Result pre = processor.preprocess(Images.fromHwc(golden.tensor("in.image")));
        RgbImage r = pre.resized();
        out.put("out.resized_image", TensorView.ofBytes("out.resized_image", r.pixels(), r.height(), r.width(), 3));
        out.put("out.pixel_values", TensorView.of("out.pixel_values", pre.pixelValues(), 1, 3, processor.cropHeight(), processor.cropWidth()));
    }

    /** The tower fed the golden's own pixel_values [1, 3, S, S], so a preprocessing bug cannot hide a model bug. */
    static ClipVisionModel.Output forwardGoldenPixels(GoldenCase golden, Backend b, ClipVisionModel tower) {
        TensorView px = golden.tensor("out.pixel_values");
        int[] s = px.shape();
        return tower.forward(b, b.upload(px.toFloatArray(), s[1], s[2], s[3]), true);
    }

    /** {prefix}embeddings, {prefix}hidden_states.i and {prefix}attentions.i [heads, T, T]. */
    static void putTower(Map<String, TensorView> out, Backend b, String prefix, ClipVisionModel.Output o, int heads) {
        put(out, b, prefix + "embeddings", o.embeddings());
        for (int i = 0; i < o.hiddenStates().size(); i++) put(out, b, prefix + "hidden_states." + i, o.hiddenStates().get(i));
        int t = o.embeddings().shape()[0];
        for (int i = 0; i < o.attentions().size(); i++)
            out.put(prefix + "attentions." + i, TensorView.of(prefix + "attentions." + i, o.attentions().get(i), heads, t, t));
    }

    static void put(Map<String, TensorView> out, Backend b, String name, Tensor t) {
        out.put(name, TensorView.of(name, b.download(t), t.shape()));
    }
}
