package dev.jground.io;

import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes {@code .safetensors} files: header JSON compact, {@code __metadata__} first,
 * space-padded so the data area starts at a multiple of 8 (as safetensors >= 0.3 does),
 * tensors in the order given. Output goes to a temporary file in the target directory and
 * is moved into place at the end, so a failed write leaves nothing at {@code file}.
 */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {}

    public static void write(Path file, List<TensorView> tensors, Map<String, String> metadata) {
        List<TensorSpec> specs = new ArrayList<>(tensors.size());
        for (TensorView t : tensors) specs.add(new TensorSpec(t.name(), t.dtype(), t.shape()));
        byte[] header = header(file, specs, metadata);
        writeAtomically(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                writeFully(ch, prefix(header));
                // Copied through a byte[] chunk: a view may be any segment (mapped, native, or a
                // heap float[] that asByteBuffer cannot wrap).
                byte[] chunk = new byte[1 << 20];
                MemorySegment chunkSegment = MemorySegment.ofArray(chunk);
                for (TensorView t : tensors) {
                    MemorySegment data = t.data();
                    for (long off = 0; off < data.byteSize(); off += chunk.length) {
                        int len = (int) Math.min(chunk.length, data.byteSize() - off);
                        MemorySegment.copy(data, off, chunkSegment, 0, len);
                        writeFully(ch, ByteBuffer.wrap(chunk, 0, len));
                    }
                }
            }
        });
    }

    /**
     * A file with a full header whose data area is a hole ({@code setLength}, nothing
     * written): it reads as zeros and takes next to no disk. For tests that emulate
     * multi-GB checkpoints.
     */
    public static void writeSparse(Path file, List<TensorSpec> specs, Map<String, String> metadata) {
        byte[] header = header(file, specs, metadata);
        long dataBytes = 0;
        for (TensorSpec s : specs) dataBytes = Math.addExact(dataBytes, s.byteSize());
        long total = 8L + header.length + dataBytes;
        writeAtomically(file, tmp -> {
            try (RandomAccessFile raf = new RandomAccessFile(tmp.toFile(), "rw")) {
                raf.write(prefix(header).array());
                raf.setLength(total);
            }
        });
    }

    /** Writes one tensor's bytes into its place in the file. */
    @FunctionalInterface
    public interface Filler { void fill(TensorSpec spec, MemorySegment data); }

    /**
     * A file whose tensors' bytes the filler writes in place through a mapping, one tensor at a
     * time: for generated checkpoints too large to hold in memory (random benchmark weights). The
     * filler may hand the segment to other threads.
     */
    public static void writeGenerated(Path file, List<TensorSpec> specs, Map<String, String> metadata, Filler filler) {
        byte[] header = header(file, specs, metadata);
        long dataBytes = 0;
        for (TensorSpec s : specs) dataBytes = Math.addExact(dataBytes, s.byteSize());
        long start = 8L + header.length, total = start + dataBytes;
        writeAtomically(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
                writeFully(ch, prefix(header));
                long at = start;
                for (TensorSpec s : specs) {
                    if (s.byteSize() > 0) {
                        ch.position(at + s.byteSize() - 1);
                        writeFully(ch, ByteBuffer.wrap(new byte[1]));      // extend the file before mapping
                        filler.fill(s, ch.map(FileChannel.MapMode.READ_WRITE, at, s.byteSize(), arena));
                    }
                    at += s.byteSize();
                }
                if (ch.size() != total) throw new IOException("wrote " + ch.size() + " bytes, expected " + total);
            }
        });
    }

    /** The header JSON bytes, padded with spaces to a multiple of 8. */
    static byte[] header(Path file, List<TensorSpec> specs, Map<String, String> metadata) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) root.put(SafeTensorsFile.METADATA_KEY, new LinkedHashMap<>(metadata));
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (TensorSpec s : specs) {
            if (s.name().equals(SafeTensorsFile.METADATA_KEY) || !seen.add(s.name()))
                throw new SafeTensorsException(file.getFileName() + ": cannot write tensor name '" + s.name() + "' twice"
                        + " (or as the metadata key)");
            for (int d : s.shape())
                if (d < 0) throw new SafeTensorsException(file.getFileName() + ": tensor '" + s.name() + "' has negative shape "
                        + Shapes.str(s.shape()));
            long end = Math.addExact(offset, s.byteSize());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", s.dtype().name());
            entry.put("shape", s.shape());
            entry.put("data_offsets", new long[] {offset, end});
            root.put(s.name(), entry);
            offset = end;
        }
        byte[] json = Json.write(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static ByteBuffer prefix(byte[] header) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.flip();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private interface Body { void write(Path tmp) throws IOException; }

    private static void writeAtomically(Path file, Body body) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            body.write(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new SafeTensorsException(file + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* the write error matters more */ }
            }
        }
    }
}
