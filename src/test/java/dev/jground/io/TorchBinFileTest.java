package dev.jground.io;

import dev.jground.io.TorchZip.Pickle;
import dev.jground.io.TorchZip.Tensor;
import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Real torch.save output (tools/make_torch_fixtures.py, torch 1.13) and files written by {@link TorchZip}. */
class TorchBinFileTest {
    static final Path REAL = Path.of("src/test/resources/torch-bin");

    @TempDir Path dir;

    private static String fail(Path p) {
        return assertThrows(SafeTensorsException.class, () -> TorchBinFile.open(p).close()).getMessage();
    }

    @Test void realStateDictWithSeveralDtypesAndASharedStorage() {
        try (TorchBinFile f = TorchBinFile.open(REAL.resolve("state_dict.bin"))) {
            assertEquals(List.of("weight", "bias", "half.a", "half.b", "bf16", "ids", "scalar", "flag"), f.names());
            TensorView w = f.tensor("weight");
            assertEquals(DType.F32, w.dtype());
            assertArrayEquals(new int[] {2, 3}, w.shape());
            for (int i = 0; i < 6; i++) assertEquals(0.5f * i - 1, w.getFloat(i));
            assertArrayEquals(new float[] {10, -20}, f.tensor("bias").toFloatArray());

            TensorView a = f.tensor("half.a"), b = f.tensor("half.b");
            assertEquals(DType.F16, a.dtype());
            assertArrayEquals(new int[] {4}, a.shape());
            assertArrayEquals(new int[] {2, 2}, b.shape());
            for (int i = 0; i < 4; i++) assertEquals((2 + i) / 4f, a.getFloat(i));
            for (int i = 0; i < 4; i++) assertEquals((6 + i) / 4f, b.getFloat(i));
            // One storage of 10 halves: a starts at element 2, b at element 6.
            assertEquals(8, f.fileOffset("half.b") - f.fileOffset("half.a"));

            TensorView bf = f.tensor("bf16");
            assertEquals(DType.BF16, bf.dtype());
            assertArrayEquals(new float[] {1.5f, -2.25f, 1024f}, bf.toFloatArray());
            TensorView ids = f.tensor("ids");
            assertEquals(DType.I64, ids.dtype());
            assertArrayEquals(new long[] {1, -2, 3, 1L << 40}, ids.toLongArray());
            TensorView scalar = f.tensor("scalar");
            assertEquals(0, scalar.rank());
            assertEquals(7f, scalar.getFloat(0));
            TensorView flag = f.tensor("flag");
            assertEquals(DType.BOOL, flag.dtype());
            assertArrayEquals(new long[] {1, 0, 1}, flag.toLongArray());
            assertEquals(0, f.fileOffset("weight") % 64);   // torch aligns storages to 64 bytes
            assertEquals(Map.of(), f.metadata());
            assertEquals(Files.size(REAL.resolve("state_dict.bin")), f.fileSize());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test void realParametersInAPlainDict() {
        try (TorchBinFile f = TorchBinFile.open(REAL.resolve("parameters.bin"))) {
            assertEquals(List.of("p"), f.names());
            assertArrayEquals(new float[] {3, 3, 3, 3}, f.tensor("p").toFloatArray());
            assertArrayEquals(new int[] {2, 2}, f.spec("p").shape());
        }
    }

    @Test void realTransposedTensorIsRefused() {
        String m = fail(REAL.resolve("transposed.bin"));
        assertEquals("transposed.bin: tensor 't': size [3, 2] with stride [1, 3] is not contiguous row-major"
                + " (state dicts are; call .contiguous() before saving)", m);
    }

    @Test void realNonTensorValueIsRefused() {
        assertEquals("not_a_state_dict.bin: state dict entry 'epoch' holds 3, not a tensor", fail(REAL.resolve("not_a_state_dict.bin")));
    }

    @Test void realShardsWithAnIndexLoadLikeSafetensors() {
        try (Checkpoint c = Checkpoint.open(REAL.resolve("sharded"))) {
            assertEquals(List.of("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight"), c.names());
            assertEquals(2, c.shards().size());
            assertEquals("pytorch_model-00002-of-00002.bin", c.shardOf("lm_head.weight").path().getFileName().toString());
            float[] head = c.tensor("lm_head.weight").toFloatArray();
            for (int i = 0; i < 8; i++) assertEquals(-(float) i, head[i]);   // -0.0 first, as torch negates 0
            assertEquals(DType.F16, c.spec("model.embed_tokens.weight").dtype());
            assertArrayEquals(new int[] {4, 2}, c.spec("model.embed_tokens.weight").shape());
            assertArrayEquals(new float[] {1, 1}, c.tensor("model.norm.weight").toFloatArray());
        }
    }

    /** Our writer, folder "archive" (torch >= 2.x), storages shared by two tensors and one with an offset. */
    @Test void writtenFileWithOffsetsAndSharedStorage() throws Exception {
        Path p = dir.resolve("model.bin");
        ByteBuffer floats = ByteBuffer.allocate(4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) floats.putFloat(i * i);
        TorchZip.write(p, "archive", List.of(
                new Tensor("first", "FloatStorage", "0", 8, 0, 2, 2),
                new Tensor("second", "FloatStorage", "0", 8, 5, 3),
                new Tensor("bytes", "ByteStorage", "1", 3, 0, 3)),
                Map.of("0", floats.array(), "1", new byte[] {7, (byte) 200, 9}), false);
        try (TorchBinFile f = TorchBinFile.open(p)) {
            assertArrayEquals(new float[] {0, 1, 4, 9}, f.tensor("first").toFloatArray());
            assertArrayEquals(new float[] {25, 36, 49}, f.tensor("second").toFloatArray());
            assertArrayEquals(new long[] {7, 200, 9}, f.tensor("bytes").toLongArray());
        }
    }

    /** java.util.zip's writer (another independent zip), STORED entries without torch's padding. */
    @Test void zipWrittenByJavaUtilZip() throws Exception {
        Path p = dir.resolve("jdk.bin");
        byte[] pickle = TorchZip.stateDict(List.of(new Tensor("v", "IntStorage", "0", 2, 0, 2)));
        byte[] data = {1, 0, 0, 0, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        try (OutputStream o = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(o)) {
            stored(z, "jdk/data.pkl", pickle);
            stored(z, "jdk/data/0", data);
            stored(z, "jdk/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        }
        try (Checkpoint c = Checkpoint.open(p)) {
            assertArrayEquals(new long[] {1, -2}, c.tensor("v").toLongArray());
            assertEquals(DType.I32, c.spec("v").dtype());
        }
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws Exception {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    @Test void compressedEntryIsRefused() throws Exception {
        Path p = dir.resolve("deflated.bin");
        try (OutputStream o = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("x/data.pkl"));
            z.write(TorchZip.stateDict(List.of()));
            z.closeEntry();
        }
        assertEquals("deflated.bin: zip entry 'x/data.pkl' is compressed (method 8); torch.save writes stored entries", fail(p));
    }

    @Test void bigEndianIsRefused() {
        Path p = dir.resolve("be.bin");
        try (var w = new TorchZip.Writer(p)) {
            w.entry("a/data.pkl", TorchZip.stateDict(List.of())).entry("a/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("be.bin: byteorder is 'big'; only little-endian files are supported", fail(p));
    }

    @Test void truncatedFileIsRefused() {
        Path p = dir.resolve("cut.bin");
        try (var w = new TorchZip.Writer(p).truncateAt(300)) {
            w.entry("a/data.pkl", TorchZip.stateDict(List.of(new Tensor("w", "FloatStorage", "0", 4, 0, 4))))
                    .entry("a/data/0", new byte[16]);
        }
        assertEquals("cut.bin: not a zip archive, or truncated (no end of central directory record)", fail(p));
    }

    @Test void missingPickleIsRefused() {
        Path p = dir.resolve("nopkl.bin");
        try (var w = new TorchZip.Writer(p)) {
            w.entry("a/data/0", new byte[4]).entry("a/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("nopkl.bin: zip archive without <folder>/data.pkl: not a torch.save file", fail(p));
    }

    @Test void missingStorageIsRefused() {
        Path p = dir.resolve("nostorage.bin");
        try (var w = new TorchZip.Writer(p)) {
            w.entry("a/data.pkl", TorchZip.stateDict(List.of(new Tensor("w", "FloatStorage", "7", 4, 0, 4))))
                    .entry("a/data/0", new byte[16]);
        }
        assertEquals("nostorage.bin: tensor 'w': its storage '7' is missing (no entry a/data/7)", fail(p));
    }

    @Test void tensorBeyondItsStorageIsRefused() {
        Path p = dir.resolve("beyond.bin");
        TorchZip.write(p, "a", List.of(new Tensor("w", "HalfStorage", "0", 4, 3, 2)), Map.of("0", new byte[8]), false);
        assertEquals("beyond.bin: tensor 'w': elements [3, +2) lie outside its storage '0' of 4 elements", fail(p));
    }

    @Test void storageEntryTooShortIsRefused() {
        Path p = dir.resolve("short.bin");
        try (var w = new TorchZip.Writer(p)) {
            w.entry("a/data.pkl", TorchZip.stateDict(List.of(new Tensor("w", "FloatStorage", "0", 4, 0, 4))))
                    .entry("a/data/0", new byte[12]);
        }
        assertEquals("short.bin: tensor 'w': storage '0' has 12 bytes, too few for torch.FloatStorage of 4 elements", fail(p));
    }

    @Test void unknownStorageTypeIsRefused() {
        Path p = dir.resolve("complex.bin");
        TorchZip.write(p, "a", List.of(new Tensor("w", "ComplexFloatStorage", "0", 1, 0, 1)), Map.of("0", new byte[1]), false);
        String m = fail(p);
        assertTrue(m.startsWith("complex.bin: a/data.pkl: unsupported storage type torch.ComplexFloatStorage (supported: "), m);
    }

    /** A pickle that would run a shell command: refused at the GLOBAL, before anything could call it. */
    @Test void osSystemIsRefusedNotCalled() {
        Path marker = dir.resolve("pwned");
        byte[] evil = new Pickle().proto(2).global("os", "system").unicode("touch " + marker).op(0x85).op('R').op('.').bytes();
        Path p = writePickle("evil.bin", evil);
        assertEquals("evil.bin: a/data.pkl: global os.system is not allowed in a state dict (refused, not called)", fail(p));
        assertFalse(Files.exists(marker));
    }

    @Test void builtinsEvalIsRefused() {
        byte[] evil = new Pickle().proto(2).op('}').unicode("w").global("builtins", "eval")
                .unicode("__import__('os').system('true')").op(0x85).op('R').op('s').op('.').bytes();
        assertEquals("eval.bin: a/data.pkl: global builtins.eval is not allowed in a state dict (refused, not called)",
                fail(writePickle("eval.bin", evil)));
    }

    /** torch.storage._load_from_bytes unpickles nested bytes (legacy storages): never allowed. */
    @Test void loadFromBytesIsRefused() {
        byte[] p = new Pickle().proto(2).global("torch.storage", "_load_from_bytes").op('.').bytes();
        assertEquals("lfb.bin: a/data.pkl: global torch.storage._load_from_bytes is not allowed in a state dict (refused, not called)",
                fail(writePickle("lfb.bin", p)));
    }

    /** INST ('i') imports and calls by name in one opcode; like every opcode not on the list, refused. */
    @Test void unknownOpcodeIsRefused() {
        byte[] p = new Pickle().proto(2).mark().op('i').raw("os\nsystem\n".getBytes(StandardCharsets.US_ASCII)).op('.').bytes();
        assertEquals("inst.bin: a/data.pkl: pickle opcode 0x69 ('i') at byte 3 is not allowed in a state dict",
                fail(writePickle("inst.bin", p)));
    }

    /** Lists (EMPTY_LIST, APPEND, APPENDS) are plain data the machine builds; a state dict holds none. */
    @Test void listValueIsBuiltThenRefused() {
        byte[] p = new Pickle().proto(2).op('}').unicode("l").op(']').integer(1).op('a').mark().integer(2).integer(3).op('e')
                .op('s').op('.').bytes();
        assertEquals("list.bin: state dict entry 'l' holds a list of 3, not a tensor", fail(writePickle("list.bin", p)));
    }

    @Test void truncatedPickleIsRefused() {
        byte[] p = new Pickle().proto(2).op('}').op('X').raw(TorchZip.le(100, 4)).raw(new byte[3]).bytes();
        assertEquals("trunc.bin: a/data.pkl: string of 100 bytes runs past the end of the pickle", fail(writePickle("trunc.bin", p)));
    }

    @Test void legacyFormatIsRefused() throws Exception {
        Path p = dir.resolve("old.bin");
        Files.write(p, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertEquals("old.bin: a legacy torch.save file (before PyTorch 1.6, not a zip); re-save it with a newer torch", fail(p));
    }

    private Path writePickle(String name, byte[] pickle) {
        Path p = dir.resolve(name);
        try (var w = new TorchZip.Writer(p)) {
            w.entry("a/data.pkl", pickle);
        }
        return p;
    }
}
