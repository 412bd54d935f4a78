package dev.jground.kernel;

import dev.jground.tensor.Half;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

class ConvertTest {

    private static final ValueLayout.OfShort LE16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** All 65536 patterns at byte offset {@code off} of a native segment. */
    private static MemorySegment allPatterns(Arena arena, int off) {
        MemorySegment s = arena.allocate(off + 2L * 65536, 64);
        for (int i = 0; i < 65536; i++) s.set(LE16, off + 2L * i, (short) i);
        return s;
    }

    @Test
    void f16MatchesJdkOnEveryPatternBitForBit() {
        // Raw bits are compared for every input. NaNs: the JDK's Java code keeps a signalling NaN
        // signalling, but its x86 intrinsic (vcvtph2ps, used even by the interpreter) sets the quiet bit
        // 0x0040_0000 and keeps the rest of the payload; the kernel does the same, so for NaN inputs the
        // reference is compared with that bit set (a no-op where the JDK already quiets).
        try (Arena arena = Arena.ofConfined()) {
            for (int off : new int[] {0, 1, 3}) {
                MemorySegment s = allPatterns(arena, off);
                float[] got = new float[65536 + 5];
                Convert.f16ToF32(s, off, got, 5, 65536);
                for (int i = 0; i < 65536; i++) {
                    int want = Float.floatToRawIntBits(Float.float16ToFloat((short) i));
                    if ((i & 0x7FFF) > 0x7C00) want |= 0x0040_0000;
                    int have = Float.floatToRawIntBits(got[5 + i]);
                    if (want != have)
                        fail(String.format("f16 0x%04x at offset %d: want 0x%08x, got 0x%08x", i, off, want, have));
                }
            }
        }
    }

    @Test
    void bf16MatchesScalarOnEveryPatternBitForBit() {
        try (Arena arena = Arena.ofConfined()) {
            for (int off : new int[] {0, 1, 3}) {
                MemorySegment s = allPatterns(arena, off);
                float[] got = new float[65536];
                Convert.bf16ToF32(s, off, got, 0, 65536);
                for (int i = 0; i < 65536; i++) {
                    int want = Float.floatToRawIntBits(Half.bf16ToF32((short) i));
                    assertEquals(want, Float.floatToRawIntBits(got[i]), String.format("bf16 0x%04x at offset %d", i, off));
                }
            }
        }
    }

    @Test
    void oddLengthsAndTailsWriteExactlyTheirRange() {
        java.util.Random r = new java.util.Random(7);
        short[] bits = new short[1100];
        for (int i = 0; i < bits.length; i++) bits[i] = (short) (0x3000 + r.nextInt(0x1000)); // finite, |x| ~ 0.1 .. 2
        MemorySegment heap = MemorySegment.ofArray(bits);
        for (int n : new int[] {0, 1, 3, 7, 15, 16, 17, 33, 257, 1000}) {
            for (int startElem : new int[] {0, 1, 5}) {
                float[] f16 = new float[n + 4], bf16 = new float[n + 4];
                java.util.Arrays.fill(f16, -7f);
                java.util.Arrays.fill(bf16, -7f);
                Convert.f16ToF32(heap, 2L * startElem, f16, 2, n);
                Convert.bf16ToF32(heap, 2L * startElem, bf16, 2, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.float16ToFloat(bits[startElem + i]), f16[2 + i], "f16 n=" + n + " i=" + i);
                    assertEquals(Half.bf16ToF32(bits[startElem + i]), bf16[2 + i], "bf16 n=" + n + " i=" + i);
                }
                for (int i : new int[] {0, 1, n + 2, n + 3}) {
                    assertEquals(-7f, f16[i], "f16 wrote outside its range, n=" + n);
                    assertEquals(-7f, bf16[i], "bf16 wrote outside its range, n=" + n);
                }
            }
        }
    }

    /** The scan the F16 GEMV asks before widening by bit moves: every length (vector body and tail), every place of the largest. */
    @Test
    void maxF16MagnitudeMatchesAScalarScanOnOddLengths() {
        java.util.Random r = new java.util.Random(11);
        for (int n : new int[] {0, 1, 7, 33, 1031}) {
            short[] bits = new short[n + 3];
            for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToFloat16((float) r.nextGaussian());
            MemorySegment s = MemorySegment.ofArray(bits);
            for (int at = 0; at < n; at += Math.max(1, n / 5)) {
                for (short big : new short[] {(short) 0x7BFF, (short) 0xFC00, (short) 0x7E01}) {
                    short kept = bits[at + 1];
                    bits[at + 1] = big;
                    int want = 0;
                    for (int i = 1; i <= n; i++) want = Math.max(want, bits[i] & 0x7FFF);
                    assertEquals(want, Convert.maxF16Magnitude(s, 2, 2L * n), "n=" + n + " largest at " + at);
                    bits[at + 1] = kept;
                }
            }
            // the values just outside the range are not read
            bits[0] = (short) 0x7C00;
            bits[n + 1] = (short) 0x7C00;
            assertTrue(Convert.maxF16Magnitude(s, 2, 2L * n) < 0x7C00, "n=" + n + ": read outside its range");
        }
        assertThrows(IndexOutOfBoundsException.class, () -> Convert.maxF16Magnitude(MemorySegment.ofArray(new short[4]), 2, 8));
    }

    @Test
    void f32CopiesFromUnalignedLittleEndianBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4 * 300 + 3);
            for (int i = 0; i < 300; i++) s.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 3 + 4L * i, i * 0.5f - 7);
            float[] got = new float[300];
            Convert.toF32(dev.jground.tensor.DType.F32, s, 3, got, 0, 300);
            for (int i = 0; i < 300; i++) assertEquals(i * 0.5f - 7, got[i]);
        }
    }

    @Test
    void overrunsAreRejectedWithAMessage() {
        MemorySegment s = MemorySegment.ofArray(new byte[20]);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Convert.f16ToF32(s, 2, new float[10], 0, 10));
        assertTrue(e.getMessage().contains("20 bytes"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Convert.bf16ToF32(s, 0, new float[5], 0, 10));
    }
}
