package dev.jground.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * torch.save-format files for tests, written byte by byte from APPNOTE.TXT and pickle.py's
 * opcode table (not by the reader under test): a {@link Pickle} assembler and a stored-entry
 * zip {@link Writer} that can leave entries' data as holes (sparse multi-GB files) and switches
 * to ZIP64 records past 4 GiB.
 */
public final class TorchZip {
    private TorchZip() {}

    /** One tensor of a state dict: a contiguous view of {@code storage} unless strides are given. */
    public record Tensor(String name, String storageClass, String key, long storageNumel, long offset, long[] shape, long[] stride) {
        public Tensor(String name, String storageClass, String key, long storageNumel, long offset, long... shape) {
            this(name, storageClass, key, storageNumel, offset, shape, rowMajor(shape));
        }

        static long[] rowMajor(long[] shape) {
            long[] s = new long[shape.length];
            long n = 1;
            for (int i = shape.length - 1; i >= 0; i--) { s[i] = n; n *= shape[i]; }
            return s;
        }
    }

    /** The pickle torch 1.13 writes for {@code torch.save(OrderedDict(tensors))}, protocol 2. */
    static byte[] stateDict(List<Tensor> tensors) {
        Pickle p = new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple().op('R').mark();
        for (Tensor t : tensors) {
            p.unicode(t.name).global("torch._utils", "_rebuild_tensor_v2").mark()
                    .mark().unicode("storage").global("torch", t.storageClass).unicode(t.key).unicode("cpu").integer(t.storageNumel)
                    .op('t').op('Q')
                    .integer(t.offset).tuple(t.shape).tuple(t.stride).op(0x89)
                    .global("collections", "OrderedDict").emptyTuple().op('R')
                    .op('t').op('R');
        }
        return p.op('u').op('.').bytes();
    }

    /** Pickle opcodes by hand; names as in CPython's Lib/pickle.py. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int opcode) { out.write(opcode); return this; }

        Pickle proto(int v) { return op(0x80).op(v); }

        Pickle mark() { return op('('); }

        Pickle emptyTuple() { return op(')'); }

        Pickle global(String module, String name) {
            return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        Pickle unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return op('X').raw(le(b.length, 4)).raw(b);
        }

        /** BININT1, BININT2, BININT or LONG1, the smallest that holds {@code v} (pickle.py save_long). */
        Pickle integer(long v) {
            if (v >= 0 && v < 256) return op('K').op((int) v);
            if (v >= 0 && v < 65536) return op('M').raw(le(v, 2));
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return op('J').raw(le(v, 4));
            return op(0x8a).op(8).raw(le(v, 8));
        }

        Pickle tuple(long[] values) {
            if (values.length == 0) return emptyTuple();
            mark();
            for (long v : values) integer(v);
            return op('t');
        }

        Pickle raw(byte[] b) { out.writeBytes(b); return this; }

        byte[] bytes() { return out.toByteArray(); }
    }

    static byte[] le(long v, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (v >>> 8 * i);
        return b;
    }

    /**
     * A zip of stored entries, data aligned to 64 bytes like torch's writer. Sizes are in the
     * local headers (no data descriptors); entries at or past 4 GiB, or of 4 GiB or more, get
     * a ZIP64 extra field in the central directory, and then the ZIP64 end records are written.
     */
    static final class Writer implements AutoCloseable {
        private record Central(byte[] name, long offset, long size, long crc) {}

        private final RandomAccessFile file;
        private final List<Central> central = new ArrayList<>();
        private boolean zip64;
        private long truncateTo = -1;

        Writer(Path path) {
            try {
                file = new RandomAccessFile(path.toFile(), "rw");
                file.setLength(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Writer entry(String name, byte[] data) {
            CRC32 crc = new CRC32();
            crc.update(data);
            return write(name, data.length, crc.getValue(), data);
        }

        /** An entry of {@code size} bytes that are never written: a hole in the file (reads as zeros). */
        Writer hole(String name, long size) { return write(name, size, 0, null); }

        private Writer write(String name, long size, long crc, byte[] data) {
            try {
                byte[] n = name.getBytes(StandardCharsets.UTF_8);
                long offset = file.length();
                int pad = (int) ((64 - (offset + 30 + n.length + 4) % 64) % 64);
                ByteBuffer h = ByteBuffer.allocate(30 + n.length + 4 + pad).order(ByteOrder.LITTLE_ENDIAN);
                h.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                        .putShort((short) 0).putShort((short) 0).putInt((int) crc)
                        .putInt((int) Math.min(size, 0xFFFFFFFFL)).putInt((int) Math.min(size, 0xFFFFFFFFL))
                        .putShort((short) n.length).putShort((short) (4 + pad)).put(n)
                        .putShort((short) 0x4246).putShort((short) pad);   // padding as an unknown extra field
                file.seek(offset);
                file.write(h.array());
                if (data != null) file.write(data);
                else file.setLength(file.length() + size);
                central.add(new Central(n, offset, size, crc));
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Cuts the file after {@code bytes} at close (a truncated download). */
        Writer truncateAt(long bytes) { truncateTo = bytes; return this; }

        @Override public void close() {
            try {
                long dirStart = file.length();
                ByteArrayOutputStream dir = new ByteArrayOutputStream();
                for (Central c : central) {
                    boolean big = c.size >= 0xFFFFFFFFL || c.offset >= 0xFFFFFFFFL;
                    zip64 |= big;
                    ByteBuffer extra = ByteBuffer.allocate(big ? 4 + 24 : 0).order(ByteOrder.LITTLE_ENDIAN);
                    if (big) extra.putShort((short) 1).putShort((short) 24).putLong(c.size).putLong(c.size).putLong(c.offset);
                    ByteBuffer h = ByteBuffer.allocate(46 + c.name.length).order(ByteOrder.LITTLE_ENDIAN);
                    h.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                            .putShort((short) 0).putShort((short) 0).putInt((int) c.crc)
                            .putInt(big ? -1 : (int) c.size).putInt(big ? -1 : (int) c.size)
                            .putShort((short) c.name.length).putShort((short) extra.capacity()).putShort((short) 0)
                            .putShort((short) 0).putShort((short) 0).putInt(0).putInt(big ? -1 : (int) c.offset).put(c.name);
                    dir.writeBytes(h.array());
                    dir.writeBytes(extra.array());
                }
                long dirSize = dir.size();
                zip64 |= dirStart + dirSize >= 0xFFFFFFFFL;
                file.seek(dirStart);
                file.write(dir.toByteArray());
                if (zip64) {
                    long end64 = file.length();
                    ByteBuffer r = ByteBuffer.allocate(56 + 20).order(ByteOrder.LITTLE_ENDIAN);
                    r.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                            .putLong(central.size()).putLong(central.size()).putLong(dirSize).putLong(dirStart);
                    r.putInt(0x07064b50).putInt(0).putLong(end64).putInt(1);
                    file.write(r.array());
                }
                ByteBuffer e = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
                e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                        .putShort((short) (zip64 ? 0xFFFF : central.size())).putShort((short) (zip64 ? 0xFFFF : central.size()))
                        .putInt(zip64 ? -1 : (int) dirSize).putInt(zip64 ? -1 : (int) dirStart).putShort((short) 0);
                file.write(e.array());
                if (truncateTo >= 0) file.setLength(truncateTo);
                file.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A whole torch.save file: {@code folder/data.pkl}, each storage's bytes (or a hole), {@code folder/version}. */
    public static void write(Path path, String folder, List<Tensor> tensors, Map<String, byte[]> storages, boolean sparse) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (Tensor t : tensors) sizes.putIfAbsent(t.key, t.storageNumel * elementBytes(t.storageClass));
        try (Writer w = new Writer(path)) {
            w.entry(folder + "/data.pkl", stateDict(tensors));
            for (Map.Entry<String, Long> s : sizes.entrySet()) {
                if (sparse) w.hole(folder + "/data/" + s.getKey(), s.getValue());
                else w.entry(folder + "/data/" + s.getKey(), storages.get(s.getKey()));
            }
            w.entry(folder + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The storage class torch.save names for a dtype (torch/storage.py's legacy classes). */
    static String storageClass(dev.jground.tensor.DType dtype) {
        return switch (dtype) {
            case F64 -> "DoubleStorage"; case F32 -> "FloatStorage"; case F16 -> "HalfStorage"; case BF16 -> "BFloat16Storage";
            case I64 -> "LongStorage"; case I32 -> "IntStorage"; case I16 -> "ShortStorage"; case I8 -> "CharStorage";
            case U8 -> "ByteStorage"; case BOOL -> "BoolStorage";
        };
    }

    static int elementBytes(String storageClass) {
        return switch (storageClass) {
            case "DoubleStorage", "LongStorage" -> 8;
            case "FloatStorage", "IntStorage" -> 4;
            case "HalfStorage", "BFloat16Storage", "ShortStorage" -> 2;
            default -> 1;
        };
    }
}
