package dev.jground.cli;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonException;
import dev.jground.io.LoraAdapter;
import dev.jground.io.SafeTensorsException;
import dev.jground.io.SafeTensorsWriter;
import dev.jground.io.TensorSpec;
import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jground convert difflmm --base VICUNA_DIR --adapter ADAPTER_DIR --out DIR}: the DiffLMM
 * release (Shengcao1006/difflmm-llava-v1.5-7b-lora: a LoRA on lmsys/vicuna-7b-v1.5 plus
 * {@code non_lora_trainables.bin}) merged into one {@code model.safetensors} with the release's
 * {@code config.json}. Tensors stream from the mapped inputs into the mapped output one at a time.
 */
public final class Convert {
    static final String USAGE = "usage: jground convert difflmm --base VICUNA_DIR --adapter ADAPTER_DIR --out DIR";

    private Convert() {}

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.getFirst().equals("difflmm")) {
            err.println(USAGE);
            return 2;
        }
        Options o = Options.parse(args.subList(1, args.size()), List.of("base", "adapter", "out"));
        Path base = Path.of(o.required("base")), adapter = Path.of(o.required("adapter")), outDir = Path.of(o.required("out"));
        try {
            Files.createDirectories(outDir);
            int n = difflmm(base, adapter, outDir);
            out.println("wrote " + outDir.resolve("model.safetensors") + ": " + n + " tensors");
            return 0;
        } catch (SafeTensorsException | JsonException e) {
            err.println("jground convert: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("jground convert: " + outDir + ": " + e.getMessage());
            return 2;
        }
    }

    /** LLaVA's load_pretrained_model: drop peft's {@code base_model.}, then the leading {@code model.}. */
    static String trainableName(String saved) {
        String s = saved.startsWith("base_model.") ? saved.substring("base_model.".length()) : saved;
        return s.startsWith("model.") ? s.substring("model.".length()) : s;
    }

    /** Writes {@code out/model.safetensors} and {@code out/config.json}; returns the tensor count. */
    static int difflmm(Path baseDir, Path adapterDir, Path out) throws IOException {
        Path trainablesFile = adapterDir.resolve("non_lora_trainables.bin"), config = adapterDir.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new SafeTensorsException(config + ": missing (the release's LLaVA config)");
        try (Checkpoint base = Checkpoint.open(baseDir); LoraAdapter lora = LoraAdapter.open(adapterDir);
             Checkpoint trainables = Files.isRegularFile(trainablesFile) ? Checkpoint.open(trainablesFile) : null) {
            for (String w : lora.pairs().keySet())
                if (!base.has(w)) throw new SafeTensorsException(baseDir + ": the adapter changes '" + w + "', which the base lacks");

            Map<String, TensorView> sources = new LinkedHashMap<>();   // output name -> input (merged if LoRA)
            List<TensorSpec> specs = new ArrayList<>();
            for (String n : base.names()) {
                if (n.endsWith(".rotary_emb.inv_freq")) continue;   // a buffer transformers >= 4.32 recomputes
                TensorSpec s = base.spec(n);
                DType dtype = lora.pairs().containsKey(n) ? LoraAdapter.MERGED : s.dtype();
                specs.add(new TensorSpec(n, dtype, s.shape()));
                sources.put(n, base.tensor(n));
            }
            if (trainables != null) {
                Set<String> seen = new HashSet<>(sources.keySet());
                for (String n : trainables.names()) {
                    String name = trainableName(n);
                    if (!seen.add(name)) throw new SafeTensorsException(trainablesFile + ": '" + n + "' maps to '" + name
                            + "', which the base already has");
                    TensorView v = trainables.tensor(n);
                    specs.add(new TensorSpec(name, v.dtype(), v.shape()));
                    sources.put(name, v);
                }
            }
            SafeTensorsWriter.writeGenerated(out.resolve("model.safetensors"), specs, Map.of("format", "pt"), (spec, data) -> {
                TensorView src = sources.get(spec.name());
                if (lora.pairs().containsKey(spec.name())) lora.merge(src, data);
                else MemorySegment.copy(src.data(), 0, data, 0, src.data().byteSize());
            });
            copyAtomically(config, out.resolve("config.json"));
            return specs.size();
        }
    }

    private static void copyAtomically(Path from, Path to) throws IOException {
        Path tmp = Files.createTempFile(to.toAbsolutePath().getParent(), ".config.json.", ".tmp");
        try {
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
