package dev.jground.model.llava;

import dev.jground.io.TensorSpec;
import dev.jground.io.config.ClipVisionConfig;
import dev.jground.io.config.LlamaConfig;
import dev.jground.io.config.LlavaConfig;
import dev.jground.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor a LlavaForConditionalGeneration checkpoint holds for a config, under
 * llava-hf's names (the transformers <= 4.51 layout): what a generated checkpoint must contain.
 */
public final class LlavaLayout {
    private LlavaLayout() {}

    public static List<TensorSpec> specs(LlavaConfig c, DType dtype) {
        List<TensorSpec> out = new ArrayList<>();
        ClipVisionConfig v = c.vision();
        String vm = "vision_tower.vision_model.";
        int dv = v.hiddenSize(), iv = v.intermediateSize(), p = v.patchSize();
        out.add(new TensorSpec(vm + "embeddings.class_embedding", dtype, new int[] {dv}));
        out.add(new TensorSpec(vm + "embeddings.patch_embedding.weight", dtype, new int[] {dv, v.numChannels(), p, p}));
        out.add(new TensorSpec(vm + "embeddings.position_embedding.weight", dtype, new int[] {v.numPositions(), dv}));
        norm(out, vm + "pre_layrnorm", dv, dtype, true);
        for (int i = 0; i < v.numHiddenLayers(); i++) {
            String l = vm + "encoder.layers." + i + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) linear(out, l + "self_attn." + proj, dv, dv, dtype, true);
            norm(out, l + "layer_norm1", dv, dtype, true);
            linear(out, l + "mlp.fc1", dv, iv, dtype, true);
            linear(out, l + "mlp.fc2", iv, dv, dtype, true);
            norm(out, l + "layer_norm2", dv, dtype, true);
        }
        norm(out, vm + "post_layernorm", dv, dtype, true);

        LlamaConfig t = c.text();
        int d = t.hiddenSize(), hd = t.headDim(), q = t.numAttentionHeads() * hd, kv = t.numKeyValueHeads() * hd;
        boolean bias = c.multimodalProjectorBias();
        linear(out, "multi_modal_projector.linear_1", dv, d, dtype, bias);
        linear(out, "multi_modal_projector.linear_2", d, d, dtype, bias);
        String lm = "language_model.model.";
        out.add(new TensorSpec(lm + "embed_tokens.weight", dtype, new int[] {t.vocabSize(), d}));
        for (int i = 0; i < t.numHiddenLayers(); i++) {
            String l = lm + "layers." + i + ".";
            linear(out, l + "self_attn.q_proj", d, q, dtype, t.attentionBias());
            linear(out, l + "self_attn.k_proj", d, kv, dtype, t.attentionBias());
            linear(out, l + "self_attn.v_proj", d, kv, dtype, t.attentionBias());
            linear(out, l + "self_attn.o_proj", q, d, dtype, t.attentionBias());
            linear(out, l + "mlp.gate_proj", d, t.intermediateSize(), dtype, t.mlpBias());
            linear(out, l + "mlp.up_proj", d, t.intermediateSize(), dtype, t.mlpBias());
            linear(out, l + "mlp.down_proj", t.intermediateSize(), d, dtype, t.mlpBias());
            norm(out, l + "input_layernorm", d, dtype, false);
            norm(out, l + "post_attention_layernorm", d, dtype, false);
        }
        norm(out, lm + "norm", d, dtype, false);
        if (!t.tieWordEmbeddings()) out.add(new TensorSpec("language_model.lm_head.weight", dtype, new int[] {t.vocabSize(), d}));
        return out;
    }

    private static void linear(List<TensorSpec> out, String name, int in, int outDim, DType dtype, boolean bias) {
        out.add(new TensorSpec(name + ".weight", dtype, new int[] {outDim, in}));
        if (bias) out.add(new TensorSpec(name + ".bias", dtype, new int[] {outDim}));
    }

    private static void norm(List<TensorSpec> out, String name, int dim, DType dtype, boolean bias) {
        out.add(new TensorSpec(name + ".weight", dtype, new int[] {dim}));
        if (bias) out.add(new TensorSpec(name + ".bias", dtype, new int[] {dim}));
    }
}
