package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsWriterTest {
    @TempDir Path dir;

    private static TensorView heap(String name, DType dtype, int[] shape, byte[] bytes) {
        return new TensorView(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    @Test void writesTheReferenceLayoutByteForByte() throws Exception {
        Path out = dir.resolve("w.safetensors");
        byte[] a = StFiles.le(1f, -2f);
        byte[] b = {7, 8, 9};
        SafeTensorsWriter.write(out, List.of(heap("b", DType.U8, new int[] {3}, b), heap("a", DType.F32, new int[] {1, 2}, a)),
                Map.of("format", "pt"));
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[3,11]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer expected = ByteBuffer.allocate(8 + padded + 11).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(padded).put((json + " ".repeat(padded - json.length())).getBytes(StandardCharsets.US_ASCII)).put(b).put(a);
        assertArrayEquals(expected.array(), Files.readAllBytes(out));
    }

    @Test void roundTripsAGoldenFileExactly() throws Exception {
        // Read a reference-written file, write its tensors back in data order, compare bytes.
        Path src = Path.of("src/test/resources/golden/clip-vision-tiny/model.safetensors");
        Path out = dir.resolve("copy.safetensors");
        try (SafeTensorsFile f = SafeTensorsFile.open(src)) {
            List<TensorView> views = f.names().stream().map(f::tensor).toList();
            SafeTensorsWriter.write(out, views, f.metadata());
            try (SafeTensorsFile g = SafeTensorsFile.open(out)) {
                assertEquals(f.names(), g.names());
                assertEquals(f.metadata(), g.metadata());
                for (String n : f.names()) {
                    assertArrayEquals(f.tensor(n).shape(), g.tensor(n).shape());
                    assertEquals(-1, f.tensor(n).data().mismatch(g.tensor(n).data()), n);
                }
            }
        }
        byte[] original = Files.readAllBytes(src), copy = Files.readAllBytes(out);
        // Data areas identical; the header is the same JSON up to the writer's key order within entries.
        long dataStart = 8 + ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long copyStart = 8 + ByteBuffer.wrap(copy, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(original.length - dataStart, copy.length - copyStart);
        assertArrayEquals(Arrays.copyOfRange(original, (int) dataStart, original.length), Arrays.copyOfRange(copy, (int) copyStart, copy.length));
        assertEquals(0, copyStart % 8);
    }

    @Test void failedWriteLeavesNothing() throws Exception {
        Path out = dir.resolve("fail.safetensors");
        TensorView a = heap("a", DType.U8, new int[] {1}, new byte[] {1});
        SafeTensorsException e = assertThrows(SafeTensorsException.class,
                () -> SafeTensorsWriter.write(out, List.of(a, a), Map.of()));
        assertEquals("fail.safetensors: cannot write tensor name 'a' twice (or as the metadata key)", e.getMessage());
        // A source whose memory dies mid-write: the temp file is removed, no output appears.
        Path src = StFiles.raw(dir, "src.safetensors", "{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[] {1, 2});
        SafeTensorsFile f = SafeTensorsFile.open(src);
        TensorView x = f.tensor("x");
        f.close();
        assertThrows(IllegalStateException.class, () -> SafeTensorsWriter.write(out, List.of(a, x), Map.of()));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of("src.safetensors"), listing.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test void sparseFileHasHolesAndReadsZeros() throws Exception {
        Path out = dir.resolve("sparse.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("big", DType.F16, new int[] {65536, 16384}),   // 2 GiB
                new TensorSpec("after", DType.F32, new int[] {3}));
        SafeTensorsWriter.writeSparse(out, specs, Map.of("format", "pt"));
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertEquals(List.of("big", "after"), f.names());
            assertEquals((1L << 31) + 12, f.fileSize() - f.dataStart());
            assertEquals(1L << 31, f.dataOffset("after"));
            assertEquals(0f, f.tensor("after").getFloat(2));
            assertEquals(0f, f.tensor("big").getFloat((1L << 30) - 1));
        }
        long allocated = allocatedBytes(out);
        assertTrue(allocated < (1 << 20), "sparse file allocated " + allocated + " bytes");
    }

    /** Disk actually used, from stat(1); skips the check where there is no GNU stat. */
    static long allocatedBytes(Path file) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException noStat) {
            org.junit.jupiter.api.Assumptions.abort("no stat command");
            return -1;
        }
        String outText = new String(p.getInputStream().readAllBytes()).trim();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0 && outText.matches("\\d+ \\d+"), "stat: " + outText);
        String[] parts = outText.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
