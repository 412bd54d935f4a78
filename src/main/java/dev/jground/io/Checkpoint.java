package dev.jground.io;

import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A model's weights, in one {@code .safetensors} or PyTorch {@code .bin} file, or sharded
 * across several by a Hugging Face index ({@code {"metadata": {...}, "weight_map": {tensor:
 * shard file}}}). Both formats load alike ({@link TensorFile}); in a directory holding both,
 * safetensors wins, as in transformers' {@code from_pretrained}.
 *
 * <p>With an index, the checkpoint holds exactly the tensors the index names. A shard that
 * also holds tensors the index does not name is accepted and those extras are left out of
 * {@link #names()} (transformers likewise loads by the index's keys and ignores unexpected
 * ones); {@link #unindexed()} lists them and {@link #shards()} still reaches them.
 */
public final class Checkpoint implements AutoCloseable {
    public static final List<String> INDEX_NAMES =
            List.of("model.safetensors.index.json", "diffusion_pytorch_model.safetensors.index.json");
    public static final List<String> SINGLE_NAMES = List.of("model.safetensors", "diffusion_pytorch_model.safetensors");
    /** The PyTorch pickles, looked for when there is no safetensors file. */
    public static final List<String> BIN_INDEX_NAMES =
            List.of("pytorch_model.bin.index.json", "diffusion_pytorch_model.bin.index.json");
    public static final List<String> BIN_SINGLE_NAMES = List.of("pytorch_model.bin", "diffusion_pytorch_model.bin");

    private final Path root;
    private final List<TensorFile> shards;
    private final Map<String, TensorFile> owners;   // shard order, then data order within a shard
    private final List<String> unindexed;

    private Checkpoint(Path root, List<TensorFile> shards, Map<String, TensorFile> owners, List<String> unindexed) {
        this.root = root;
        this.shards = List.copyOf(shards);
        this.owners = Collections.unmodifiableMap(owners);
        this.unindexed = List.copyOf(unindexed);
    }

    /** A model directory, a {@code .safetensors} or {@code .bin} file, or an index {@code .json}. */
    public static Checkpoint open(Path fileOrDir) {
        if (!Files.exists(fileOrDir)) throw new SafeTensorsException(fileOrDir + ": no such file or directory");
        if (Files.isDirectory(fileOrDir)) return openDirectory(fileOrDir);
        if (fileOrDir.getFileName().toString().endsWith(".json")) return openIndex(fileOrDir, fileOrDir);
        return single(fileOrDir, fileOrDir);
    }

    private static Checkpoint openDirectory(Path dir) {
        Checkpoint c = openDirectory(dir, INDEX_NAMES, SINGLE_NAMES);
        if (c == null) c = openDirectory(dir, BIN_INDEX_NAMES, BIN_SINGLE_NAMES);
        if (c != null) return c;
        List<String> others = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors") || n.endsWith(".bin"))
                    .sorted().forEach(others::add);
        } catch (IOException e) {
            throw new SafeTensorsException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
        throw new SafeTensorsException(dir + ": no weights found (looked for " + String.join(", ", INDEX_NAMES) + ", "
                + String.join(", ", SINGLE_NAMES) + ", " + String.join(", ", BIN_INDEX_NAMES) + ", "
                + String.join(", ", BIN_SINGLE_NAMES) + ")"
                + (others.isEmpty() ? "" : "; it has " + String.join(", ", others) + ": pass one of them"));
    }

    /** The first index present, else the one single file present; null when none is. */
    private static Checkpoint openDirectory(Path dir, List<String> indexNames, List<String> singleNames) {
        for (String index : indexNames) {
            Path p = dir.resolve(index);
            if (Files.isRegularFile(p)) return openIndex(dir, p);
        }
        List<Path> found = singleNames.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
        if (found.size() == 1) return single(dir, found.getFirst());
        if (found.size() > 1)
            throw new SafeTensorsException(dir + ": holds both " + singleNames.get(0) + " and " + singleNames.get(1)
                    + "; pass the file to use");
        return null;
    }

    private static Checkpoint single(Path root, Path file) {
        TensorFile f = TensorFile.open(file);
        Map<String, TensorFile> owners = new LinkedHashMap<>();
        for (String n : f.names()) owners.put(n, f);
        return new Checkpoint(root, List.of(f), owners, List.of());
    }

    private static Checkpoint openIndex(Path root, Path indexFile) {
        String indexName = indexFile.getFileName().toString();
        JsonObject index;
        Map<String, Object> weightMap;
        try {
            index = JsonObject.parse(indexFile);
            weightMap = index.object("weight_map").map();
        } catch (JsonException e) {
            throw new SafeTensorsException(e.getMessage(), e);   // already names the index file
        }
        if (weightMap.isEmpty()) throw new SafeTensorsException(indexFile + ": weight_map is missing or empty");

        // Shards open in file-name order (model-00001-of-00003 first), tensors grouped by shard.
        TreeMap<String, List<String>> byShard = new TreeMap<>();
        for (Map.Entry<String, Object> e : weightMap.entrySet()) {
            if (!(e.getValue() instanceof String shard))
                throw new SafeTensorsException(indexFile + ": weight_map['" + e.getKey() + "'] must be a file name, got "
                        + JsonObject.kind(e.getValue()));
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
        }
        Path dir = indexFile.toAbsolutePath().getParent();
        List<TensorFile> shards = new ArrayList<>();
        Map<String, TensorFile> owners = new LinkedHashMap<>();
        List<String> unindexed = new ArrayList<>();
        try {
            for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
                Path shardPath = dir.resolve(e.getKey());
                if (!Files.isRegularFile(shardPath))
                    throw new SafeTensorsException(indexFile + ": shard " + e.getKey() + " (holding " + e.getValue().size()
                            + " tensors, e.g. '" + e.getValue().getFirst() + "') is missing: " + shardPath + " does not exist");
                TensorFile shard = TensorFile.open(shardPath);
                shards.add(shard);
                for (String name : e.getValue())
                    if (!shard.has(name))
                        throw new SafeTensorsException(indexName + " puts tensor '" + name + "' in " + e.getKey()
                                + ", which does not hold it (" + shardPath + ")");
                for (String name : shard.names()) {
                    if (weightMap.containsKey(name) && e.getKey().equals(weightMap.get(name))) owners.put(name, shard);
                    else unindexed.add(e.getKey() + ": " + name);
                }
            }
        } catch (RuntimeException e) {
            shards.forEach(TensorFile::close);
            throw e;
        }
        return new Checkpoint(root, shards, owners, unindexed);
    }

    /** What was opened: the directory, file or index path given to {@link #open}. */
    public Path root() { return root; }

    /** Tensor names: shard by shard, in data order within each. */
    public List<String> names() { return List.copyOf(owners.keySet()); }

    public int size() { return owners.size(); }

    public boolean has(String name) { return owners.containsKey(name); }

    public TensorView tensor(String name) { return owner(name).tensor(name); }

    public TensorSpec spec(String name) { return owner(name).spec(name); }

    /** The shard file holding {@code name}. */
    public TensorFile shardOf(String name) { return owner(name); }

    public List<TensorFile> shards() { return shards; }

    /** Tensors held by a shard but not named by the index, as {@code "shard file: name"}; ignored otherwise. */
    public List<String> unindexed() { return unindexed; }

    private TensorFile owner(String name) {
        TensorFile f = owners.get(name);
        if (f == null)
            throw new SafeTensorsException(root + ": no tensor '" + name + "' (" + owners.size() + " tensors in "
                    + shards.size() + (shards.size() == 1 ? " file)" : " shards)"));
        return f;
    }

    @Override public void close() { shards.forEach(TensorFile::close); }

    @Override public String toString() { return "Checkpoint[" + root + ", " + owners.size() + " tensors]"; }
}
