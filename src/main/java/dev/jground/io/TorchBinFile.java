package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch state dict as {@code torch.save} writes it since 1.6 ({@code torch/serialization.py},
 * {@code _save}, and {@code caffe2/serialize/inline_container.h}): a zip of stored entries under
 * one folder, {@code <folder>/data.pkl} (the pickled dict, tensors as persistent ids naming
 * storages) and {@code <folder>/data/<key>} (each storage's raw little-endian elements), with
 * {@code version} and, since torch 2.1, {@code byteorder}. The file is mapped once; a tensor is
 * a zero-copy slice of its storage at the tensor's offset. The pickle runs on {@link TorchPickle},
 * which refuses anything but plain data.
 *
 * <p>Only what a state dict holds is accepted: a dict of tensors (no other values), each a
 * contiguous row-major view of a storage; several tensors may share a storage.
 */
public final class TorchBinFile implements TensorFile {
    /** Far above any state dict's pickle (Vicuna-7B's shards: tens of KB). */
    public static final long MAX_PICKLE_BYTES = 100_000_000L;

    private record Entry(String name, DType dtype, int[] shape, long start, long bytes) {}

    private final Path path;
    private final String fileName;
    private final Map<String, Entry> entries;   // in state-dict order
    private final Arena arena;
    private final MemorySegment mapping;

    private TorchBinFile(Path path, String fileName, Map<String, Entry> entries, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.fileName = fileName;
        this.entries = entries;
        this.arena = arena;
        this.mapping = mapping;
    }

    /** True when {@code file} starts with a zip local header ("PK\3\4"); false when unreadable. */
    static boolean isZip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        } catch (IOException e) {
            return false;
        }
    }

    public static TorchBinFile open(Path file) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            if (mapping.byteSize() >= 2 && mapping.get(ValueLayout.JAVA_BYTE, 0) == (byte) 0x80
                    && mapping.get(ValueLayout.JAVA_BYTE, 1) == 2)
                throw new SafeTensorsException(name + ": a legacy torch.save file (before PyTorch 1.6, not a zip);"
                        + " re-save it with a newer torch");
            Map<String, Entry> entries = readEntries(name, mapping);
            return new TorchBinFile(file, name, entries, arena, mapping);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SafeTensorsException(file + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new SafeTensorsException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, Entry> readEntries(String name, MemorySegment mapping) {
        Map<String, ZipDirectory.Entry> zip = ZipDirectory.read(name, mapping);
        List<String> pickles = zip.keySet().stream()
                .filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()).toList();
        if (pickles.isEmpty())
            throw new SafeTensorsException(name + ": zip archive without <folder>/data.pkl: not a torch.save file");
        if (pickles.size() > 1)
            throw new SafeTensorsException(name + ": zip archive holds several pickles (" + String.join(", ", pickles) + ")");
        String folder = pickles.getFirst().substring(0, pickles.getFirst().length() - "data.pkl".length());

        ZipDirectory.Entry byteOrder = zip.get(folder + "byteorder");
        if (byteOrder != null) {   // absent before torch 2.1, which wrote only little-endian in practice
            String order = new String(bytes(mapping, byteOrder), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little"))
                throw new SafeTensorsException(name + ": byteorder is '" + order + "'; only little-endian files are supported");
        }
        ZipDirectory.Entry pkl = zip.get(pickles.getFirst());
        if (pkl.size() > MAX_PICKLE_BYTES)
            throw new SafeTensorsException(name + ": " + pkl.name() + " is " + pkl.size() + " bytes, more than a state dict needs");
        Object root = TorchPickle.load(name + ": " + pkl.name(), bytes(mapping, pkl));
        if (!(root instanceof Map<?, ?> dict))
            throw new SafeTensorsException(name + ": holds " + TorchPickle.show(root) + ", not a state dict");

        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<?, ?> kv : dict.entrySet()) {
            if (!(kv.getKey() instanceof String key))
                throw new SafeTensorsException(name + ": state dict key " + TorchPickle.show(kv.getKey()) + " is not a string");
            if (!(kv.getValue() instanceof TorchPickle.Tensor t))
                throw new SafeTensorsException(name + ": state dict entry '" + key + "' holds "
                        + TorchPickle.show(kv.getValue()) + ", not a tensor");
            entries.put(key, entry(name, key, t, zip.get(folder + "data/" + t.storage().key()), folder));
        }
        return Collections.unmodifiableMap(entries);
    }

    /** Where tensor {@code key}'s bytes lie, after checking its view lies inside its storage. */
    private static Entry entry(String file, String key, TorchPickle.Tensor t, ZipDirectory.Entry data, String folder) {
        String where = file + ": tensor '" + key + "'";
        TorchPickle.Storage s = t.storage();
        if (data == null)
            throw new SafeTensorsException(where + ": its storage '" + s.key() + "' is missing (no entry " + folder + "data/"
                    + s.key() + ")");
        long elem = s.dtype().byteSize();
        if (s.numel() > data.size() / elem)
            throw new SafeTensorsException(where + ": storage '" + s.key() + "' has " + data.size() + " bytes, too few for "
                    + s.typeName() + " of " + s.numel() + " elements");
        long[] shape = t.shape(), stride = t.stride();
        if (stride.length != shape.length)
            throw new SafeTensorsException(where + ": size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                    + " differ in rank");
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE)
                throw new SafeTensorsException(where + ": dimension " + shape[i] + " of " + Arrays.toString(shape) + " is out of range");
            dims[i] = (int) shape[i];
        }
        long numel;
        try {
            numel = Math.multiplyExact(Shapes.numel(dims), elem) / elem;
        } catch (ArithmeticException overflow) {
            throw new SafeTensorsException(where + ": size " + Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        long expected = 1;
        for (int i = shape.length - 1; i >= 0 && numel > 0; i--) {
            if (shape[i] != 1 && stride[i] != expected)   // a size-1 dimension's stride is never used
                throw new SafeTensorsException(where + ": size " + Arrays.toString(shape) + " with stride "
                        + Arrays.toString(stride) + " is not contiguous row-major (state dicts are; call .contiguous() before saving)");
            expected *= shape[i];
        }
        if (t.offset() < 0 || numel > s.numel() || t.offset() > s.numel() - numel)
            throw new SafeTensorsException(where + ": elements [" + t.offset() + ", +" + numel + ") lie outside its storage '"
                    + s.key() + "' of " + s.numel() + " elements");
        return new Entry(key, s.dtype(), dims, data.start() + t.offset() * elem, numel * elem);
    }

    private static byte[] bytes(MemorySegment mapping, ZipDirectory.Entry e) {
        return mapping.asSlice(e.start(), e.size()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override public Path path() { return path; }

    @Override public List<String> names() { return List.copyOf(entries.keySet()); }

    @Override public int size() { return entries.size(); }

    @Override public boolean has(String name) { return entries.containsKey(name); }

    @Override public TensorSpec spec(String name) {
        Entry e = entry(name);
        return new TensorSpec(e.name, e.dtype, e.shape);
    }

    @Override public TensorView tensor(String name) {
        Entry e = entry(name);
        if (!arena.scope().isAlive()) throw new SafeTensorsException(fileName + ": already closed");
        return new TensorView(e.name, e.dtype, e.shape, mapping.asSlice(e.start, e.bytes));
    }

    /** Absolute file offset of a tensor's first byte. */
    public long fileOffset(String name) { return entry(name).start; }

    @Override public long fileSize() { return mapping.byteSize(); }

    @Override public Map<String, String> metadata() { return Map.of(); }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new SafeTensorsException(fileName + ": no tensor '" + name + "'");
        return e;
    }

    @Override public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override public String toString() { return "TorchBinFile[" + path + ", " + entries.size() + " tensors]"; }
}
