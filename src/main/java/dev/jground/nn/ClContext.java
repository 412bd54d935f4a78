package dev.jground.nn;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CLMemObjectDestructorCallback;
import org.lwjgl.system.MemoryStack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.lwjgl.opencl.CL10.*;
import static org.lwjgl.opencl.CL11.clSetMemObjectDestructorCallback;
import static org.lwjgl.system.MemoryUtil.memAddress;

/**
 * A context and one in-order command queue on one device, with the programs built for it.
 * Each kernel source ({@code opencl/NAME.cl} beside this class, after {@code common.cl}) is
 * compiled once, on first use. Every host-device copy goes through {@link #write} and
 * {@link #read}, which count them, so a test can prove a chain of ops stays on the device.
 */
public final class ClContext implements AutoCloseable {

    /** Host-device copies since the context was opened. */
    public record Transfers(long uploads, long uploadBytes, long downloads, long downloadBytes) {}

    private final ClDevice device;
    private final long context, queue;
    private final Map<String, Long> programs = new HashMap<>();
    private final Map<String, Long> kernels = new HashMap<>();
    private final AtomicLong uploads = new AtomicLong(), uploadBytes = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong(), downloadBytes = new AtomicLong();
    private final AtomicLong built = new AtomicLong();
    private final AtomicLong resident = new AtomicLong();
    /**
     * The runtime calls it when a buffer is really freed (its last reference dropped and its
     * last queued kernel done), with the buffer's size as user data. Never freed itself: a
     * buffer may outlive the context's close.
     */
    private final CLMemObjectDestructorCallback freed = CLMemObjectDestructorCallback.create((mem, bytes) -> resident.addAndGet(-bytes));
    private boolean closed;

    private ClContext(ClDevice device) {
        this.device = device;
        try (MemoryStack s = MemoryStack.stackPush()) {
            var err = s.mallocInt(1);
            PointerBuffer props = s.mallocPointer(3).put(CL_CONTEXT_PLATFORM).put(device.platformId()).put(0).flip();
            context = clCreateContext(props, device.deviceId(), null, 0, err);
            ClException.check(err.get(0), "clCreateContext on " + device.name());
            queue = clCreateCommandQueue(context, device.deviceId(), 0, err);   // in order: ops need no events between them
            if (err.get(0) != 0) clReleaseContext(context);
            ClException.check(err.get(0), "clCreateCommandQueue on " + device.name());
        }
    }

    /** A context on device {@code index} of {@link OpenCl#devices()}. */
    public static ClContext open(int index) { return new ClContext(OpenCl.device(index)); }

    public ClDevice device() { return device; }

    public Transfers transfers() {
        return new Transfers(uploads.get(), uploadBytes.get(), downloads.get(), downloadBytes.get());
    }

    /**
     * Bytes of the buffers this context holds now: weights, caches, activations not yet freed.
     * A tensor's buffer is freed once its last handle (it and its reshapes) is closed or garbage
     * collected and the kernels queued on it are done.
     */
    public long residentBytes() { return resident.get(); }

    /** Programs compiled so far: each kernel source once per context, whatever number of kernels it holds. */
    public long programsBuilt() { return built.get(); }

    // ---- programs ----------------------------------------------------------------------

    /** Kernel {@code name} from {@code opencl/<source>.cl}, building the file the first time it is asked for. */
    synchronized long kernel(String source, String name) {
        checkOpen();
        String key = source + "/" + name;
        Long k = kernels.get(key);
        if (k != null) return k;
        long program = programs.containsKey(source) ? programs.get(source)
                : build(source, resource("common") + "\n" + resource(source));
        programs.putIfAbsent(source, program);
        try (MemoryStack s = MemoryStack.stackPush()) {
            var err = s.mallocInt(1);
            long kernel = clCreateKernel(program, name, err);
            ClException.check(err.get(0), "clCreateKernel '" + name + "' from " + source + ".cl");
            kernels.put(key, kernel);
            return kernel;
        }
    }

    /** Compiles {@code source}; a failure is one line naming the device and quoting the build log's first error. */
    synchronized long build(String name, String source) {
        checkOpen();
        try (MemoryStack s = MemoryStack.stackPush()) {
            var err = s.mallocInt(1);
            long program = clCreateProgramWithSource(context, source, err);
            ClException.check(err.get(0), "clCreateProgramWithSource " + name);
            int status = clBuildProgram(program, device.deviceId(), "-DTILE=" + matmulTile(), null, 0);
            if (status != 0) {
                String log = OpenCl.infoString((buf, size) ->
                        clGetProgramBuildInfo(program, device.deviceId(), CL_PROGRAM_BUILD_LOG, buf, size), "clGetProgramBuildInfo");
                clReleaseProgram(program);
                throw new ClException("opencl: building " + name + ".cl for device '" + device.name() + "' failed with "
                        + ClException.codeName(status) + ": " + firstError(log));
            }
            built.incrementAndGet();
            return program;
        }
    }

    /** Side of the square matmul tile: 16×16 work-groups where the device allows 256 work-items. */
    int matmulTile() { return device.maxWorkGroupSize() >= 256 ? 16 : device.maxWorkGroupSize() >= 64 ? 8 : 4; }

    /** Work-items of a group that reduces one row in local memory: a power of two, at most 256. */
    int reductionGroup() { return (int) Math.min(256, Long.highestOneBit(device.maxWorkGroupSize())); }

    private static String resource(String source) {
        try (InputStream in = ClContext.class.getResourceAsStream("opencl/" + source + ".cl")) {
            if (in == null) throw new IllegalStateException("kernel source opencl/" + source + ".cl is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel source " + source + ".cl", e);
        }
    }

    /**
     * The build log's first line that says "error" (PoCL's clang and NVIDIA's compiler both write
     * "<source>:line:col: error: ..."), else its first line: the CLI prints one line per error.
     */
    static String firstError(String log) {
        String first = null;
        for (String line : log.strip().split("\n")) {
            if (line.isBlank()) continue;
            if (first == null) first = line.strip();
            if (line.toLowerCase(java.util.Locale.ROOT).contains("error")) return line.strip();
        }
        return first == null ? "(empty build log)" : first;
    }

    // ---- buffers -----------------------------------------------------------------------

    /** A new device buffer holding a copy of {@code bytes} (one counted upload). */
    long write(MemorySegment bytes) {
        checkOpen();
        long size = Math.max(bytes.byteSize(), 4);   // a zero-size buffer is CL_INVALID_BUFFER_SIZE
        try (Arena arena = Arena.ofConfined(); MemoryStack s = MemoryStack.stackPush()) {
            MemorySegment host = bytes;
            if (!bytes.isNative() || bytes.byteSize() == 0) {
                host = arena.allocate(size, 64);
                MemorySegment.copy(bytes, 0, host, 0, bytes.byteSize());
            }
            var err = s.mallocInt(1);
            long mem = nclCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, size, host.address(), memAddress(err));
            ClException.check(err.get(0), "clCreateBuffer of " + size + " bytes on " + device.name());
            uploads.incrementAndGet();
            uploadBytes.addAndGet(bytes.byteSize());
            track(mem, size);
            return mem;
        }
    }

    /** A new uninitialised device buffer, for an op's output (no transfer). */
    long allocate(long bytes) {
        checkOpen();
        try (MemoryStack s = MemoryStack.stackPush()) {
            var err = s.mallocInt(1);
            long mem = clCreateBuffer(context, CL_MEM_READ_WRITE, Math.max(bytes, 4), err);
            ClException.check(err.get(0), "clCreateBuffer of " + bytes + " bytes on " + device.name());
            track(mem, Math.max(bytes, 4));
            return mem;
        }
    }

    /** Counts the buffer as resident until the runtime says it is freed (OpenCL 1.1's destructor callback). */
    private void track(long mem, long bytes) {
        resident.addAndGet(bytes);
        ClException.check(clSetMemObjectDestructorCallback(mem, freed, bytes), "clSetMemObjectDestructorCallback on " + device.name());
    }

    /** Copies a whole buffer into {@code dst} after every op queued before it (one counted download). */
    void read(long mem, MemorySegment dst) {
        checkOpen();
        if (dst.byteSize() == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = dst.isNative() ? dst : arena.allocate(dst.byteSize(), 64);
            ClException.check(nclEnqueueReadBuffer(queue, mem, CL_TRUE, 0, host.byteSize(), host.address(), 0, 0, 0),
                    "clEnqueueReadBuffer of " + dst.byteSize() + " bytes on " + device.name());
            if (host != dst) MemorySegment.copy(host, 0, dst, 0, dst.byteSize());
        }
        downloads.incrementAndGet();
        downloadBytes.addAndGet(dst.byteSize());
    }

    // ---- launching ---------------------------------------------------------------------

    /** Marks an argument as {@code bytes} of local memory. */
    record Local(long bytes) {}

    /**
     * Sets the arguments (ClTensor, Integer, Float or Local) and enqueues an NDRange. {@code local}
     * may be null to let the runtime choose. Synchronised: kernel objects hold their arguments.
     */
    synchronized void run(long kernel, long[] global, long[] local, Object... args) {
        checkOpen();
        for (long g : global) if (g == 0) return;   // an empty tensor: nothing to compute
        for (int i = 0; i < args.length; i++) {
            int err = switch (args[i]) {
                case ClTensor t -> clSetKernelArg1p(kernel, i, t.mem());
                case Integer v -> clSetKernelArg1i(kernel, i, v);
                case Float v -> clSetKernelArg1f(kernel, i, v);
                case Local l -> clSetKernelArg(kernel, i, l.bytes());
                default -> throw new IllegalArgumentException("kernel argument " + i + ": unsupported " + args[i].getClass());
            };
            ClException.check(err, "clSetKernelArg " + i);
        }
        try (MemoryStack s = MemoryStack.stackPush()) {
            PointerBuffer g = s.mallocPointer(global.length);
            for (int d = 0; d < global.length; d++) g.put(d, global[d]);
            PointerBuffer l = null;
            if (local != null) {
                l = s.mallocPointer(local.length);
                for (int d = 0; d < local.length; d++) l.put(d, local[d]);
            }
            ClException.check(clEnqueueNDRangeKernel(queue, kernel, global.length, null, g, l, null, null),
                    "clEnqueueNDRangeKernel on " + device.name());
        }
    }

    /** Waits for every queued op. */
    public void finish() { ClException.check(clFinish(queue), "clFinish"); }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("opencl context on '" + device.name() + "' is closed");
    }

    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        clFinish(queue);
        kernels.values().forEach(k -> clReleaseKernel(k));
        programs.values().forEach(p -> clReleaseProgram(p));
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
