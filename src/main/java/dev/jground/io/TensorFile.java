package dev.jground.io;

import dev.jground.tensor.TensorView;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One checkpoint file of named tensors, memory-mapped: a {@code .safetensors} file or a
 * PyTorch {@code torch.save} zip ({@code .bin}). Views are zero-copy and valid until
 * {@link #close()}; a {@link Checkpoint} reads its shards through this and does not care which.
 */
public sealed interface TensorFile extends AutoCloseable permits SafeTensorsFile, TorchBinFile {

    /** A zip archive, or a {@code .bin}/{@code .pt}/{@code .pth} file, is read as torch.save; anything else as safetensors. */
    static TensorFile open(Path file) {
        String name = String.valueOf(file.getFileName());
        boolean torch = name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth");
        return torch || TorchBinFile.isZip(file) ? TorchBinFile.open(file) : SafeTensorsFile.open(file);
    }

    Path path();

    /** Tensor names in file order (safetensors: data order; torch: the state dict's order). */
    List<String> names();

    int size();

    boolean has(String name);

    /** Name, dtype and shape without touching the data. */
    TensorSpec spec(String name);

    TensorView tensor(String name);

    long fileSize();

    /** Free-form strings the file carries (safetensors {@code __metadata__}); empty when none. */
    Map<String, String> metadata();

    /** Unmaps the file; views handed out before become unusable. Idempotent. */
    @Override void close();
}
