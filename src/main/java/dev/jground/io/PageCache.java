package dev.jground.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Drops a file's pages from the Linux page cache, for benchmarks that have just written the
 * file they time. Pages that came in by writing are 4 KiB folios, mapped a page at a time; the
 * same file read from disk comes in as 2 MiB folios that a mapping holds with one PMD each. On
 * the AMD test machine a 7B decode streamed 20 GB/s of weights from the first and 30 from the
 * second, so a benchmark that times a file it wrote must let it be read back from disk as a
 * user's checkpoint would be.
 */
public final class PageCache {
    private PageCache() {}

    private static final int O_RDONLY = 0, POSIX_FADV_DONTNEED = 4;
    private static final Optional<MethodHandle> OPEN = function("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT)),
            FADVISE = function("posix_fadvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)),
            CLOSE = function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static Optional<MethodHandle> function(String name, FunctionDescriptor d) {
        if (!System.getProperty("os.name", "").equals("Linux")) return Optional.empty();
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(f -> linker.downcallHandle(f, d));
    }

    /**
     * Writes the file's data to disk, then asks the kernel to drop its cached pages. Returns
     * whether it was asked (false off Linux); the data is unchanged either way.
     */
    public static boolean evict(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);   // dirty pages are not dropped
        }
        if (OPEN.isEmpty() || FADVISE.isEmpty() || CLOSE.isEmpty()) return false;
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.get().invokeExact(arena.allocateFrom(file.toAbsolutePath().toString()), O_RDONLY);
            if (fd < 0) throw new IOException(file + ": cannot open it to drop its cached pages");
            int rc = (int) FADVISE.get().invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
            int closed = (int) CLOSE.get().invokeExact(fd);
            if (rc != 0 || closed != 0) throw new IOException(file + ": dropping its cached pages failed (posix_fadvise " + rc + ")");
            return true;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(file + ": dropping its cached pages failed: " + t, t);
        }
    }
}
