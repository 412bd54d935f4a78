package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.Shapes;
import dev.jground.tensor.TensorView;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length N,
 * N bytes of JSON, then the data area. Tensors are zero-copy {@link TensorView} slices of
 * one long-lived mapping, valid until {@link #close()}.
 *
 * <p>Validation follows huggingface/safetensors ({@code safetensors/src/tensor.rs},
 * {@code read_metadata} and {@code Metadata::validate}): header at most 100 MB and inside
 * the file, UTF-8 JSON object, and the tensors sorted by {@code data_offsets} must tile
 * the data area exactly (first at 0, each where the previous ended, the last at the end of
 * the file), each exactly {@code dtype size x product(shape)} bytes. On top of the reference
 * (whose JSON map silently keeps the last of two equal keys) a duplicate name is an error.
 */
public final class SafeTensorsFile implements TensorFile {
    /** The reference's {@code MAX_HEADER_SIZE}. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    public static final String METADATA_KEY = "__metadata__";

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {}

    private final Path path;
    private final String fileName;
    private final long fileSize;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, Entry> entries;   // in data-offset order
    private final Arena arena;
    private final MemorySegment mapping;

    private SafeTensorsFile(Path path, String fileName, long fileSize, long dataStart, Map<String, String> metadata,
                            Map<String, Entry> entries, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.fileName = fileName;
        this.fileSize = fileSize;
        this.dataStart = dataStart;
        this.metadata = metadata;
        this.entries = entries;
        this.arena = arena;
        this.mapping = mapping;
    }

    public static SafeTensorsFile open(Path file) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8)
                throw new SafeTensorsException(name + ": file is " + size + " bytes, too short to hold the 8-byte header length");
            long n = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 0 || n > MAX_HEADER_BYTES)   // n < 0: an unsigned length above 2^63
                throw new SafeTensorsException(name + ": header length " + Long.toUnsignedString(n)
                        + " is absurd (the limit is " + MAX_HEADER_BYTES + " bytes)");
            if (8 + n > size)
                throw new SafeTensorsException(name + ": header length " + n + " runs past the end of the file ("
                        + size + " bytes)");
            ByteBuffer headerBytes = readFully(ch, 8, (int) n);
            Object header;
            try {
                String text = Json.decodeUtf8(headerBytes.array(), name + ": header");
                header = Json.parse(text, name + ": header", true);
            } catch (JsonException e) {
                throw new SafeTensorsException(e.getMessage(), e);
            }
            long dataStart = 8 + n;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> list = parseHeader(name, header, metadata);
            validateLayout(name, list, size - dataStart);

            Map<String, Entry> entries = new LinkedHashMap<>();
            for (Entry e : list) entries.put(e.name, e);
            Arena arena = Arena.ofShared();
            MemorySegment mapping;
            try {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
            return new SafeTensorsFile(file, name, size, dataStart, Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(entries), arena, mapping);
        } catch (NoSuchFileException e) {
            throw new SafeTensorsException(file + ": no such file");
        } catch (IOException e) {
            throw new SafeTensorsException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
        return buf.flip();
    }

    private static List<Entry> parseHeader(String file, Object header, Map<String, String> metadata) {
        if (!(header instanceof Map<?, ?> root))
            throw new SafeTensorsException(file + ": header is not a JSON object (got " + JsonObject.kind(header) + ")");
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<?, ?> kv : root.entrySet()) {
            String name = (String) kv.getKey();
            Object v = kv.getValue();
            if (name.equals(METADATA_KEY)) {
                if (v == null) continue;   // serde reads Option<HashMap>: null is "no metadata"
                if (!(v instanceof Map<?, ?> m))
                    throw new SafeTensorsException(file + ": __metadata__ must be an object of strings, got " + JsonObject.kind(v));
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String s))
                        throw new SafeTensorsException(file + ": __metadata__ value '" + me.getKey()
                                + "' must be a string, got " + JsonObject.kind(me.getValue()));
                    metadata.put((String) me.getKey(), s);
                }
                continue;
            }
            list.add(parseEntry(file, name, v));
        }
        return list;
    }

    private static Entry parseEntry(String file, String name, Object v) {
        String where = file + ": tensor '" + name + "'";
        if (!(v instanceof Map<?, ?> m))
            throw new SafeTensorsException(where + ": expected an object with dtype, shape, data_offsets, got " + JsonObject.kind(v));
        if (!(m.get("dtype") instanceof String dtypeName))
            throw new SafeTensorsException(where + ": dtype must be a string, got " + JsonObject.kind(m.get("dtype")));
        DType dtype = DType.parse(dtypeName);
        if (dtype == null)
            throw new SafeTensorsException(where + " has unsupported dtype '" + dtypeName + "' (supported: "
                    + Arrays.toString(DType.values()) + ")");
        if (!(m.get("shape") instanceof List<?> shapeList))
            throw new SafeTensorsException(where + ": shape must be a list of non-negative integers, got " + JsonObject.kind(m.get("shape")));
        int[] shape = new int[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0)
                throw new SafeTensorsException(where + ": shape must be a list of non-negative integers, got " + Json.write(shapeList));
            if (d > Integer.MAX_VALUE)
                throw new SafeTensorsException(where + ": dimension " + d + " is larger than jground supports (2^31 - 1)");
            shape[i] = d.intValue();
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end) || begin < 0 || end < 0)
            throw new SafeTensorsException(where + ": data_offsets must be two non-negative integers, got "
                    + (m.get("data_offsets") == null ? "nothing" : Json.write(m.get("data_offsets"))));
        if (begin > end)
            throw new SafeTensorsException(where + ": data_offsets [" + begin + ", " + end + "] begin after end");
        return new Entry(name, dtype, shape, begin, end);
    }

    /** The reference's rule: sorted by offset, the tensors tile [0, dataBytes) with no gap or overlap. */
    private static void validateLayout(String file, List<Entry> list, long dataBytes) {
        list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : list) {
            String where = file + ": tensor '" + e.name + "'";
            if (e.end > dataBytes)
                throw new SafeTensorsException(where + ": data_offsets [" + e.begin + ", " + e.end
                        + "] run past the end of the data area (" + dataBytes + " bytes)");
            if (e.begin < expected)
                throw new SafeTensorsException(where + ": data_offsets [" + e.begin + ", " + e.end + "] overlap tensor '"
                        + previous.name + "' [" + previous.begin + ", " + previous.end + "]");
            if (e.begin > expected)
                throw new SafeTensorsException(where + ": data_offsets [" + e.begin + ", " + e.end + "] leave a gap of "
                        + (e.begin - expected) + " bytes after " + (previous == null ? "the start of the data area"
                        : "tensor '" + previous.name + "' (ends at " + previous.end + ")"));
            long needed;
            try {
                needed = Math.multiplyExact(Shapes.numel(e.shape), (long) e.dtype.byteSize());
            } catch (ArithmeticException overflow) {
                throw new SafeTensorsException(where + ": " + e.dtype + " " + Shapes.str(e.shape) + " overflows a 64-bit byte count");
            }
            if (e.end - e.begin != needed)
                throw new SafeTensorsException(where + " has " + (e.end - e.begin) + " bytes but " + e.dtype + " "
                        + Shapes.str(e.shape) + " needs " + needed);
            expected = e.end;
            previous = e;
        }
        if (expected != dataBytes)
            throw new SafeTensorsException(file + ": " + (dataBytes - expected) + " trailing bytes after the last tensor"
                    + " (tensors cover " + expected + " of the " + dataBytes + "-byte data area)");
    }

    public Path path() { return path; }

    /** The {@code __metadata__} strings (e.g. {@code format: pt}); empty when absent. */
    public Map<String, String> metadata() { return metadata; }

    /** Tensor names in the order their data lies in the file. */
    public List<String> names() { return List.copyOf(entries.keySet()); }

    public int size() { return entries.size(); }

    public boolean has(String name) { return entries.containsKey(name); }

    /** Name, dtype and shape without touching the data. */
    public TensorSpec spec(String name) {
        Entry e = entry(name);
        return new TensorSpec(e.name, e.dtype, e.shape);
    }

    /** A zero-copy view of the mapped bytes; valid until {@link #close()}. */
    public TensorView tensor(String name) {
        Entry e = entry(name);
        if (!arena.scope().isAlive()) throw new SafeTensorsException(fileName + ": already closed");
        return new TensorView(e.name, e.dtype, e.shape, mapping.asSlice(dataStart + e.begin, e.end - e.begin));
    }

    /** Offset of tensor data relative to {@link #dataStart()}. */
    public long dataOffset(String name) { return entry(name).begin; }

    /** Absolute file offset of the data area (8 + header length); need not be a multiple of 8. */
    public long dataStart() { return dataStart; }

    public long fileSize() { return fileSize; }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new SafeTensorsException(fileName + ": no tensor '" + name + "'");
        return e;
    }

    /** Unmaps the file; views handed out before become unusable. Idempotent. */
    @Override public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override public String toString() { return "SafeTensorsFile[" + path + ", " + entries.size() + " tensors]"; }
}
