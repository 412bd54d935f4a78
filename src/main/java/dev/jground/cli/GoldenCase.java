package dev.jground.cli;

import dev.jground.io.Checkpoint;
import dev.jground.io.JsonObject;
import dev.jground.io.config.ModelKind;
import dev.jground.io.SafeTensorsFile;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One golden case directory: config.json, model weights, golden.safetensors ({@code in.*}
 * inputs and {@code out.*} reference outputs) and golden.json (meaning and tolerance of each).
 */
public final class GoldenCase implements AutoCloseable {
    private final Path dir;
    private final JsonObject config;
    private final JsonObject golden;
    private final SafeTensorsFile tensors;
    private Checkpoint weights;

    private GoldenCase(Path dir, JsonObject config, JsonObject golden, SafeTensorsFile tensors) {
        this.dir = dir;
        this.config = config;
        this.golden = golden;
        this.tensors = tensors;
    }

    public static GoldenCase open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": not a golden case directory");
        for (String f : List.of("config.json", "golden.json", "golden.safetensors"))
            if (!Files.isRegularFile(dir.resolve(f))) throw new IOException(dir + ": missing " + f);
        return new GoldenCase(dir, JsonObject.parse(dir.resolve("config.json")),
                JsonObject.parse(dir.resolve("golden.json")), SafeTensorsFile.open(dir.resolve("golden.safetensors")));
    }

    public Path dir() { return dir; }

    public String name() { return golden.string("case", dir.getFileName().toString()); }

    public JsonObject config() { return config; }

    public JsonObject golden() { return golden; }

    public ModelKind kind() { return ModelKind.detect(config); }

    /** The model weights beside the case (opened on first use). */
    public synchronized Checkpoint weights() throws IOException {
        if (weights == null) weights = Checkpoint.open(dir);
        return weights;
    }

    public TensorView tensor(String name) { return tensors.tensor(name); }

    public boolean has(String name) { return tensors.has(name); }

    /** Every {@code out.*} tensor of golden.safetensors, in file order. */
    public List<String> outputs() {
        List<String> out = new ArrayList<>();
        for (String n : tensors.names()) if (n.startsWith("out.")) out.add(n);
        return out;
    }

    /** The comparison rule golden.json gives this output (its own tolerance, else the case's). */
    public Comparison comparison(String output) {
        JsonObject meta = golden.object("tensors").object(output);
        JsonObject tol = meta.has("tolerance") ? meta.object("tolerance") : golden.object("tolerance");
        int maxMismatch = meta.has("max_mismatch") ? meta.integer("max_mismatch") : 0;
        return new Comparison(tol.number("abs", 0), tol.number("rel", 0), maxMismatch);
    }

    @Override public void close() {
        tensors.close();
        if (weights != null) weights.close();
    }
}
