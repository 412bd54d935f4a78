package dev.jground.io;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Sparse copies of the real checkpoints described in {@code fixtures/real-layouts}: each file
 * of a {@code tensors.json} becomes a safetensors file with the real header and a data area
 * that is all holes (multi-GB apparent size, a few KB on disk).
 */
public final class RealLayouts {
    public static final Path ROOT = Path.of("src/test/resources/fixtures/real-layouts");

    private RealLayouts() {}

    /** {@code file name -> tensors} of a {@code tensors.json}, in file order. */
    public static Map<String, List<TensorSpec>> manifest(Path tensorsJson) { return TensorSpec.readManifest(tensorsJson); }

    /**
     * Each file of a PyTorch-pickle manifest as a sparse torch.save zip: one storage per tensor
     * (keys "0", "1", ... in state-dict order), every storage a hole. Returns file name -> tensors.
     */
    public static Map<String, List<TensorSpec>> writeSparseBin(Path manifest, Path out) {
        Map<String, List<TensorSpec>> files = manifest(manifest);
        for (Map.Entry<String, List<TensorSpec>> e : files.entrySet()) {
            List<TorchZip.Tensor> tensors = new java.util.ArrayList<>();
            for (TensorSpec s : e.getValue()) {
                long[] shape = java.util.Arrays.stream(s.shape()).asLongStream().toArray();
                tensors.add(new TorchZip.Tensor(s.name(), TorchZip.storageClass(s.dtype()), String.valueOf(tensors.size()),
                        s.numel(), 0, shape));
            }
            TorchZip.write(out.resolve(e.getKey()), "archive", tensors, Map.of(), true);
        }
        return files;
    }

    /** Writes the sparse files of {@code layout}/tensors.json into {@code out}, plus the layout's JSON files. */
    public static Map<String, List<TensorSpec>> writeSparse(String layout, Path out) {
        Path src = ROOT.resolve(layout);
        Map<String, List<TensorSpec>> files = manifest(src.resolve("tensors.json"));
        for (Map.Entry<String, List<TensorSpec>> e : files.entrySet())
            SafeTensorsWriter.writeSparse(out.resolve(e.getKey()), e.getValue(), Map.of("format", "pt"));
        try (var listing = Files.list(src)) {
            for (Path p : listing.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".json") && !n.startsWith("tensors")) Files.copy(p, out.resolve(n));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }
}
