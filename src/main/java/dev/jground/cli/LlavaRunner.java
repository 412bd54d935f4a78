package dev.jground.cli;

import dev.jground.ground.AttentionMaps;
import dev.jground.image.RgbImage;
import dev.jground.io.config.LlavaConfig;
import dev.jground.model.clip.ClipPreprocessorConfig;
import dev.jground.model.clip.ClipVisionModel;
import dev.jground.model.llama.AttentionRecorder;
import dev.jground.model.llama.Generator;
import dev.jground.model.llama.KvCache;
import dev.jground.model.llama.LlamaForCausalLM;
import dev.jground.model.llama.Sampler;
import dev.jground.model.llava.LlavaForConditionalGeneration;
import dev.jground.model.llava.VisualAttention;
import dev.jground.model.llama.Recorders;
import dev.jground.nn.Backend;
import dev.jground.nn.Tensor;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jground.cli.ClipVisionRunner.put;

/**
 * llava-tiny, stage by stage: preprocessing; the vision tower on the golden pixel_values; the
 * projector; the decoder's prompt pass on the golden inputs_embeds; greedy decoding with the
 * KV cache; the attend-and-segment maps and points from the same passes.
 */
final class LlavaRunner implements GoldenRunner {

    @Override public Map<String, TensorView> run(GoldenCase golden, Backend b) throws IOException {
        LlavaConfig c = LlavaConfig.parse(golden.config());
        LlavaForConditionalGeneration model = new LlavaForConditionalGeneration(golden.weights(), b, c);
        Map<String, TensorView> out = new LinkedHashMap<>();

        int[] ids = toInts(golden.tensor("in.input_ids").toLongArray());
        int patches = c.vision().numPatches();
        long[] expanded = new long[ids.length - 1 + patches], positions = new long[patches];
        for (int i = 0, j = 0; i < ids.length; i++) {
            if (ids[i] != c.imageTokenIndex()) { expanded[j++] = ids[i]; continue; }
            for (int p = 0; p < patches; p++) { positions[p] = j; expanded[j++] = ids[i]; }
        }
        out.put("out.input_ids_expanded", TensorView.ofLongs("out.input_ids_expanded", expanded, expanded.length));
        out.put("out.image_token_positions", TensorView.ofLongs("out.image_token_positions", positions, patches));

        ClipVisionRunner.putPreprocessing(out, golden, ClipPreprocessorConfig.load(golden.dir(), c.vision().imageSize(), true));
        ClipVisionModel.Output vision = ClipVisionRunner.forwardGoldenPixels(golden, b, model.visionTower());
        ClipVisionRunner.putTower(out, b, "out.vision_", vision, c.vision().numAttentionHeads());
        Tensor features = model.project(b, vision.hiddenStates().get(model.featureLayer()));
        put(out, b, "out.image_features", features);
        put(out, b, "out.inputs_embeds", model.inputsEmbeds(b, ids, features));

        // the decoder is fed the golden's own inputs_embeds, so an upstream error cannot hide here
        LlamaForCausalLM lm = model.languageModel();
        TensorView goldenEmbeds = golden.tensor("out.inputs_embeds");
        Tensor embeds = b.upload(goldenEmbeds.toFloatArray(), goldenEmbeds.shape());
        int t = embeds.shape()[0], heads = c.text().numAttentionHeads(), layers = lm.layers();
        List<Tensor> hidden = new ArrayList<>();
        List<float[]> prefillProbs = new ArrayList<>();
        KvCache cache = lm.newCache(b, t);
        AttentionRecorder every = new AttentionRecorder() {   // the golden holds the prefill's every row
            @Override public void layer(int layer, float[] probs, int heads, int queries, int keys) { prefillProbs.add(probs); }

            @Override public boolean everyQuery() { return true; }
        };
        Tensor logits = lm.forward(b, embeds, cache, every, true, hidden);
        for (int i = 0; i < hidden.size(); i++) put(out, b, "out.prefill_hidden_states." + i, hidden.get(i));
        for (int i = 0; i < layers; i++)
            out.put("out.prefill_attentions." + i, TensorView.of("out.prefill_attentions." + i, prefillProbs.get(i), heads, t, t));
        put(out, b, "out.prefill_logits", logits);

        int steps = golden.tensor("out.generated_ids").dim(0), vocab = c.text().vocabSize();
        int imageAt = indexOf(ids, c.imageTokenIndex());
        LastRowRecorder rows = new LastRowRecorder(layers);
        VisualAttention all = VisualAttention.allHeads(imageAt, patches, layers, heads);
        VisualAttention official = VisualAttention.headOfEveryLayer(imageAt, patches, layers, heads, heads - 2);
        float[] stepLogits = new float[steps * vocab];
        List<Integer> generated = new Generator(lm).generate(b, embeds, steps, Sampler.greedy(), -1, Recorders.of(rows, all, official),
                (step, token, row) -> System.arraycopy(row, 0, stepLogits, step * vocab, vocab));
        out.put("out.step_logits", TensorView.of("out.step_logits", stepLogits, steps, vocab));
        for (int i = 0; i < generated.size(); i++) {
            String name = "out.step_attentions." + i;
            out.put(name, TensorView.of(name, rows.passes.get(i), layers, heads, t + i));
        }
        long[] gen = generated.stream().mapToLong(Integer::longValue).toArray();
        out.put("out.generated_ids", TensorView.ofLongs("out.generated_ids", gen, gen.length));

        RgbImage image = Images.fromHwc(golden.tensor("in.image"));
        int grid = c.vision().gridSize();
        putMaps(out, b, "out.aas_", all.maps(), grid, image);
        putMaps(out, b, "out.aas_official_", official.maps(), grid, image);
        float[] up0 = AttentionMaps.toImage(AttentionMaps.normalize(all.maps()).getFirst(), grid, image.width(), image.height());
        out.put("out.aas_upsampled_0", TensorView.of("out.aas_upsampled_0", up0, image.height(), image.width()));
        return out;
    }

    /** raw_maps, norm_maps and points of one head selection. */
    private static void putMaps(Map<String, TensorView> out, Backend b, String prefix, List<float[]> raw, int grid, RgbImage image) {
        List<float[]> norm = AttentionMaps.normalize(raw);
        long[] points = new long[norm.size() * 2];
        for (int i = 0; i < norm.size(); i++) {
            int[] p = AttentionMaps.peak(AttentionMaps.toImage(norm.get(i), grid, image.width(), image.height()), image.width());
            points[2 * i] = p[0];
            points[2 * i + 1] = p[1];
        }
        out.put(prefix + "raw_maps", TensorView.of(prefix + "raw_maps", concat(raw), raw.size(), grid, grid));
        out.put(prefix + "norm_maps", TensorView.of(prefix + "norm_maps", concat(norm), norm.size(), grid, grid));
        out.put(prefix + "points", TensorView.ofLongs(prefix + "points", points, norm.size(), 2));
    }

    private static float[] concat(List<float[]> maps) {
        int n = maps.getFirst().length;
        float[] out = new float[maps.size() * n];
        for (int i = 0; i < maps.size(); i++) System.arraycopy(maps.get(i), 0, out, i * n, n);
        return out;
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == id) return i;
        throw new IllegalArgumentException("no image token " + id + " in the prompt");
    }

    /** Each pass's last query row, every layer and head: [layers, heads, keys] per generated token. */
    static final class LastRowRecorder implements AttentionRecorder {
        final List<float[]> passes = new ArrayList<>();
        private final int layers;

        LastRowRecorder(int layers) { this.layers = layers; }

        @Override public void layer(int layer, float[] probs, int heads, int queries, int keys) {
            if (layer == 0) passes.add(new float[layers * heads * keys]);
            float[] pass = passes.getLast();
            for (int h = 0; h < heads; h++)
                System.arraycopy(probs, (h * queries + queries - 1) * keys, pass, (layer * heads + h) * keys, keys);
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }
}
