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
