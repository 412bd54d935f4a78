package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.Half;
import dev.jground.tensor.TensorView;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A peft LoRA adapter ({@code adapter_config.json} + {@code adapter_model.safetensors} or
 * {@code .bin}) and its merge into base weights: {@code W' = W + (alpha / r) * B @ A}, as peft's
 * {@code LoraLayer.merge} / {@code get_delta_weight} (no fan_in_fan_out, no DoRA, no rsLoRA).
 * Adapter names are peft's saved ones: {@code base_model.model.<base name minus .weight>.lora_A.weight}.
 */
public final class LoraAdapter implements AutoCloseable {
    private static final String PREFIX = "base_model.model.";

    /** The adapter's A [r, in] and B [out, r] for the base weight {@code base} [out, in]. */
    public record Pair(String base, String a, String b) {}

    private final Checkpoint weights;
    private final int rank;
    private final float scale;
    private final List<String> targets;
    private final Map<String, Pair> pairs;   // by base name, adapter order

    private LoraAdapter(Checkpoint weights, int rank, float scale, List<String> targets, Map<String, Pair> pairs) {
        this.weights = weights;
        this.rank = rank;
        this.scale = scale;
        this.targets = targets;
        this.pairs = pairs;
    }

    public static LoraAdapter open(Path dir) {
        Path configFile = dir.resolve("adapter_config.json");
        JsonObject c = JsonObject.parse(configFile);
        if (!"LORA".equals(c.string("peft_type")))
            throw new SafeTensorsException(configFile + ": peft_type is " + c.string("peft_type") + ", not LORA");
        if (c.has("fan_in_fan_out") && Boolean.TRUE.equals(c.map().get("fan_in_fan_out")))
            throw new SafeTensorsException(configFile + ": fan_in_fan_out adapters are not supported");
        if (Boolean.TRUE.equals(c.map().get("use_rslora")) || Boolean.TRUE.equals(c.map().get("use_dora")))
            throw new SafeTensorsException(configFile + ": rsLoRA and DoRA adapters are not supported");
        int r = (int) c.longValue("r");
        double alpha = ((Number) c.map().get("lora_alpha")).doubleValue();
        if (r <= 0) throw new SafeTensorsException(configFile + ": r is " + r);
        List<String> targets = c.list("target_modules").stream().map(String::valueOf).toList();

        Path file = Files.isRegularFile(dir.resolve("adapter_model.safetensors"))
                ? dir.resolve("adapter_model.safetensors") : dir.resolve("adapter_model.bin");
        Checkpoint weights = Checkpoint.open(file);
        try {
            return new LoraAdapter(weights, r, (float) (alpha / r), targets, pairs(file, weights, targets));
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** Pairs every lora_A with its lora_B; refuses strays and modules the config does not target. */
    static Map<String, Pair> pairs(Path file, Checkpoint weights, List<String> targets) {
        Map<String, Pair> out = new LinkedHashMap<>();
        for (String name : weights.names()) {
            if (name.endsWith(".lora_B.weight")) {
                if (!weights.has(name.replace(".lora_B.weight", ".lora_A.weight")))
                    throw new SafeTensorsException(file + ": '" + name + "' has no lora_A");
                continue;
            }
            if (!name.startsWith(PREFIX) || !name.endsWith(".lora_A.weight"))
                throw new SafeTensorsException(file + ": '" + name + "' is not a LoRA weight (" + PREFIX + "...lora_A/B.weight)");
            String module = name.substring(PREFIX.length(), name.length() - ".lora_A.weight".length());
            String b = name.replace(".lora_A.weight", ".lora_B.weight");
            if (!weights.has(b)) throw new SafeTensorsException(file + ": '" + name + "' has no lora_B ('" + b + "')");
            String leaf = module.substring(module.lastIndexOf('.') + 1);
            if (!targets.contains(leaf))
                throw new SafeTensorsException(file + ": '" + name + "' adapts " + leaf + ", not in target_modules " + targets);
            out.put(module + ".weight", new Pair(module + ".weight", name, b));
        }
        return out;
    }

    /** Adapter tensor name -> the base weight it changes, e.g. {@code model.layers.0.self_attn.q_proj.weight}. */
    public static String baseName(String adapterName) {
        if (!adapterName.startsWith(PREFIX) || !adapterName.matches(".*\\.lora_[AB]\\.weight"))
            throw new IllegalArgumentException("not a peft LoRA weight name: " + adapterName);
        return adapterName.substring(PREFIX.length(), adapterName.length() - ".lora_A.weight".length()) + ".weight";
    }

    public int rank() { return rank; }

    /** {@code lora_alpha / r}. */
    public float scale() { return scale; }

    public List<String> targets() { return targets; }

    /** The base weights this adapter changes, with their A and B names. */
    public Map<String, Pair> pairs() { return pairs; }

    /**
     * {@code base + scale * B @ A}, accumulated in F32 row by row, written as F16 into {@code out}
     * ({@code out} F16 of the base's shape, shared: rows are independent and run on the common pool).
     */
    public void merge(TensorView base, MemorySegment out) {
        Pair p = pairs.get(base.name());
        if (p == null) throw new SafeTensorsException("adapter: no LoRA for '" + base.name() + "'");
        TensorView a = weights.tensor(p.a), b = weights.tensor(p.b);
        int rows = base.dim(0), cols = base.dim(1);
        if (base.rank() != 2 || a.rank() != 2 || b.rank() != 2 || a.dim(0) != rank || a.dim(1) != cols
                || b.dim(0) != rows || b.dim(1) != rank)
            throw new SafeTensorsException("adapter: '" + p.a + "' " + java.util.Arrays.toString(a.shape()) + " and '" + p.b + "' "
                    + java.util.Arrays.toString(b.shape()) + " do not fit '" + base.name() + "' "
                    + java.util.Arrays.toString(base.shape()) + " with r " + rank);
        float[] aF = a.toFloatArray();
        IntStream.range(0, rows).parallel().forEach(row -> {
            float[] acc = new float[cols];
            for (int k = 0; k < rank; k++) {
                float s = scale * b.getFloat((long) row * rank + k);
                if (s == 0) continue;
                for (int j = 0, off = k * cols; j < cols; j++) acc[j] += s * aF[off + j];
            }
            for (int j = 0; j < cols; j++) {
                long i = (long) row * cols + j;
                out.set(TensorView.I16, i * 2, Half.f32ToF16(base.getFloat(i) + acc[j]));
            }
        });
    }

    /** The dtype merged weights are stored in. */
    public static final DType MERGED = DType.F16;

    @Override public void close() { weights.close(); }
}
