package dev.jground.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

class PageCacheTest {

    /** Pages of the mapping that are in the page cache, by mincore(2) (which faults nothing in). */
    private static long residentPages(MemorySegment mapped) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mincore = linker.downcallHandle(linker.defaultLookup().find("mincore").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        long pages = (mapped.byteSize() + 4095) / 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vec = arena.allocate(pages);
            assertEquals(0, (int) mincore.invokeExact(mapped, mapped.byteSize(), vec), "mincore");
            long resident = 0;
            for (long i = 0; i < pages; i++) resident += vec.get(ValueLayout.JAVA_BYTE, i) & 1;
            return resident;
        }
    }

    @Test
    void aWrittenFileLeavesThePageCacheWithItsDataIntact(@TempDir Path dir) throws Throwable {
        assumeLinux();
        Path f = dir.resolve("w.bin");
        int n = 16 << 20;
        byte[] data = new byte[n];
        new java.util.Random(2).nextBytes(data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) ch.write(b);
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, n, arena);
            long before = residentPages(m), pages = n / 4096;
            assertTrue(before > pages / 2, "just written, most pages should be cached: " + before + " of " + pages);
            assertTrue(PageCache.evict(f));
            long after = residentPages(m);
            assertTrue(after < pages / 10, "after eviction " + after + " of " + pages + " pages are still cached");
        }
        assertArrayEquals(data, Files.readAllBytes(f));
    }

    @Test
    void aMissingFileIsAnError(@TempDir Path dir) {
        assertThrows(java.io.IOException.class, () -> PageCache.evict(dir.resolve("absent.bin")));
    }

    private static void assumeLinux() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name", "").equals("Linux"), "page cache control is Linux's");
    }
}
