package dev.jground.io;

import dev.jground.tensor.DType;
import dev.jground.tensor.TensorView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.jground.io.StFiles.raw;
import static org.junit.jupiter.api.Assertions.*;

/** One hand-built file per validation rule of huggingface/safetensors, plus what must be accepted. */
class SafeTensorsFileTest {
    @TempDir Path dir;

    private String error(String header, int dataBytes) {
        Path p = raw(dir, "model.safetensors", header, new byte[dataBytes]);
        return assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p)).getMessage();
    }

    private static String f32(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private static void assertStarts(String expectedPrefix, String message) {
        assertTrue(message.startsWith(expectedPrefix), () -> "message: " + message);
    }

    @Test void readsValuesMetadataAndOrder() {
        // Header lists b before a; data order (a then b) decides names().
        String header = "{\"__metadata__\":{\"format\":\"pt\"}," + f32("b", "[2]", 8, 16) + "," + f32("a", "[1,2]", 0, 8) + "}";
        Path p = raw(dir, "m.safetensors", header, StFiles.le(1f, 2f, -3.5f, 4f));
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertEquals(List.of("a", "b"), f.names());
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(8 + header.length(), f.dataStart());
            assertEquals(p, f.path());
            assertTrue(f.has("a"));
            assertFalse(f.has("c"));
            TensorView a = f.tensor("a");
            assertArrayEquals(new int[] {1, 2}, a.shape());
            assertEquals(DType.F32, a.dtype());
            assertArrayEquals(new float[] {1f, 2f}, a.toFloatArray());
            assertArrayEquals(new float[] {-3.5f, 4f}, f.tensor("b").toFloatArray());
            assertEquals(8, f.dataOffset("b"));
            assertEquals("m.safetensors: no tensor 'c'", assertThrows(SafeTensorsException.class, () -> f.tensor("c")).getMessage());
            f.close();
            assertEquals("m.safetensors: already closed", assertThrows(SafeTensorsException.class, () -> f.tensor("a")).getMessage());
            assertThrows(IllegalStateException.class, () -> a.getFloat(0));   // views die with the mapping
        }
    }

    @Test void acceptsEmptyZeroSizedAndNullMetadata() {
        try (SafeTensorsFile f = SafeTensorsFile.open(raw(dir, "e.safetensors", "{}", new byte[0]))) {
            assertEquals(List.of(), f.names());
            assertEquals(Map.of(), f.metadata());
        }
        String header = "{\"__metadata__\":null,\"z\":{\"dtype\":\"U8\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"s\":{\"dtype\":\"I8\",\"shape\":[],\"data_offsets\":[0,1]}}   ";
        try (SafeTensorsFile f = SafeTensorsFile.open(raw(dir, "z.safetensors", header, new byte[] {-5}))) {
            assertEquals(List.of("z", "s"), f.names());
            assertEquals(0, f.tensor("z").numel());
            assertEquals(-5, f.tensor("s").getLong(0));
        }
    }

    @Test void unalignedDataStartReadsEveryDtype() {
        // Old writers leave the header unpadded (SD-1.5's UNet): data at an odd address.
        String body = "{\"f\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[16,18]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[18,34]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[34,42]}}";
        StringBuilder header = new StringBuilder(body);
        while ((8 + header.length()) % 8 != 3) header.append(' ');
        ByteBuffer data = ByteBuffer.allocate(42).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2.25f).putFloat(1e-3f);
        data.putShort((short) 0x3C00).putShort((short) 0xB800);   // F16 1.0, -0.5
        data.putShort((short) 0xC040);                               // BF16 -3.0
        data.putLong(1L << 40).putLong(-3L);
        data.putDouble(Math.PI);
        try (SafeTensorsFile f = SafeTensorsFile.open(raw(dir, "u.safetensors", header.toString(), data.array()))) {
            assertEquals(3, f.dataStart() % 8);
            assertArrayEquals(new float[] {1.5f, -2.25f, 1e-3f}, f.tensor("f").toFloatArray());
            assertArrayEquals(new float[] {1.0f, -0.5f}, f.tensor("h").toFloatArray());
            assertEquals(-3.0f, f.tensor("b").getFloat(0));
            assertArrayEquals(new long[] {1L << 40, -3L}, f.tensor("i").toLongArray());
            assertEquals(Math.PI, f.tensor("d").getDouble(0));
        }
    }

    // ---- one test per rule ----

    @Test void fileShorterThanEightBytes() throws Exception {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 0, 0, 0, 0});
        assertEquals("short.safetensors: file is 5 bytes, too short to hold the 8-byte header length",
                assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p)).getMessage());
    }

    @Test void missingFile() {
        Path p = dir.resolve("none.safetensors");
        assertEquals(p + ": no such file", assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p)).getMessage());
    }

    @Test void headerLengthPastTheFile() {
        Path p = raw(dir, "cut.safetensors", 100, "{}".getBytes(StandardCharsets.UTF_8), new byte[10]);
        assertEquals("cut.safetensors: header length 100 runs past the end of the file (20 bytes)",
                assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p)).getMessage());
    }

    @Test void absurdHeaderLength() {
        Path p = raw(dir, "big.safetensors", 100_000_001, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertEquals("big.safetensors: header length 100000001 is absurd (the limit is 100000000 bytes)",
                assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p)).getMessage());
        Path q = raw(dir, "huge.safetensors", -1, new byte[0], new byte[0]);
        assertStarts("huge.safetensors: header length 18446744073709551615 is absurd",
                assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(q)).getMessage());
    }

    @Test void headerNotUtf8() {
        Path p = raw(dir, "bad.safetensors", 4, new byte[] {'{', (byte) 0xFF, ' ', '}'}, new byte[0]);
        assertEquals("bad.safetensors: header: not valid UTF-8",
                assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p)).getMessage());
    }

    @Test void headerNotJson() {
        assertEquals("model.safetensors: header:1:8: expected ',' or '}' in the object opened at 1:1",
                error("{\"a\":1 \"b\":2}", 0));
        assertStarts("model.safetensors: header:1:3: unexpected 'x' after the JSON value", error("{}x", 0));
    }

    @Test void headerNotAnObject() {
        assertEquals("model.safetensors: header is not a JSON object (got a list)", error("[]    ", 0));
    }

    @Test void tensorEntryNotAnObject() {
        assertEquals("model.safetensors: tensor 'a': expected an object with dtype, shape, data_offsets, got 3", error("{\"a\":3}", 0));
    }

    @Test void unknownOrMissingDtype() {
        assertStarts("model.safetensors: tensor 'a' has unsupported dtype 'F8_E4M3' (supported: [F64, F32",
                error("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertEquals("model.safetensors: tensor 'a': dtype must be a string, got null",
                error("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
    }

    @Test void shapeNotAListOfNonNegativeInts() {
        String prefix = "model.safetensors: tensor 'a': shape must be a list of non-negative integers, got ";
        assertEquals(prefix + "[2,-1]", error("{" + f32("a", "[2,-1]", 0, 0) + "}", 0));
        assertEquals(prefix + "[1.5]", error("{" + f32("a", "[1.5]", 0, 4) + "}", 4));
        assertEquals(prefix + "\"2\"", error("{" + f32("a", "\"2\"", 0, 8) + "}", 8));
        assertEquals(prefix + "null", error("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", 0));
        assertEquals("model.safetensors: tensor 'a': dimension 3000000000 is larger than jground supports (2^31 - 1)",
                error("{\"a\":{\"dtype\":\"U8\",\"shape\":[3000000000],\"data_offsets\":[0,0]}}", 0));
    }

    @Test void dataOffsetsNotTwoInts() {
        String prefix = "model.safetensors: tensor 'a': data_offsets must be two non-negative integers, got ";
        assertEquals(prefix + "[0]", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4));
        assertEquals(prefix + "[0,4,8]", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4));
        assertEquals(prefix + "[\"0\",4]", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 4));
        assertEquals(prefix + "[-4,0]", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4));
        assertEquals(prefix + "nothing", error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4));
    }

    @Test void beginAfterEnd() {
        assertEquals("model.safetensors: tensor 'a': data_offsets [8, 4] begin after end", error("{" + f32("a", "[1]", 8, 4) + "}", 8));
    }

    @Test void offsetsOutsideTheDataArea() {
        assertEquals("model.safetensors: tensor 'a': data_offsets [0, 32] run past the end of the data area (16 bytes)",
                error("{" + f32("a", "[8]", 0, 32) + "}", 16));
    }

    @Test void overlappingTensors() {
        assertEquals("model.safetensors: tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]",
                error("{" + f32("a", "[2]", 0, 8) + "," + f32("b", "[2]", 4, 12) + "}", 12));
    }

    @Test void gapBetweenTensors() {
        assertEquals("model.safetensors: tensor 'b': data_offsets [12, 20] leave a gap of 4 bytes after tensor 'a' (ends at 8)",
                error("{" + f32("a", "[2]", 0, 8) + "," + f32("b", "[2]", 12, 20) + "}", 20));
    }

    @Test void firstTensorNotAtZero() {
        assertEquals("model.safetensors: tensor 'a': data_offsets [4, 12] leave a gap of 4 bytes after the start of the data area",
                error("{" + f32("a", "[2]", 4, 12) + "}", 12));
    }

    @Test void trailingBytesAfterTheLastTensor() {
        assertEquals("model.safetensors: 4 trailing bytes after the last tensor (tensors cover 8 of the 12-byte data area)",
                error("{" + f32("a", "[2]", 0, 8) + "}", 12));
        assertEquals("model.safetensors: 3 trailing bytes after the last tensor (tensors cover 0 of the 3-byte data area)",
                error("{}", 3));
    }

    @Test void byteSizeDisagreesWithShape() {
        assertEquals("model.safetensors: tensor 'a.weight' has 12 bytes but F32 [2, 2] needs 16",
                error("{" + f32("a.weight", "[2,2]", 0, 12) + "}", 12));
    }

    @Test void byteSizeOverflow() {
        assertEquals("model.safetensors: tensor 'a': F64 [2147483647, 2147483647, 2147483647] overflows a 64-bit byte count",
                error("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,0]}}", 0));
    }

    @Test void duplicateTensorNames() {
        assertEquals("model.safetensors: header:1:55: duplicate key \"a\" in the object opened at 1:1",
                error("{" + f32("a", "[1]", 0, 4) + "," + f32("a", "[1]", 4, 8) + "}", 8));
    }

    @Test void metadataNotAnObjectOfStrings() {
        assertEquals("model.safetensors: __metadata__ must be an object of strings, got \"pt\"",
                error("{\"__metadata__\":\"pt\"}", 0));
        assertEquals("model.safetensors: __metadata__ value 'total' must be a string, got 3",
                error("{\"__metadata__\":{\"format\":\"pt\",\"total\":3}}", 0));
    }
}
