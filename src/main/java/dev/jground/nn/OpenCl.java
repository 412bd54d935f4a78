package dev.jground.nn;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;
import org.lwjgl.system.Platform;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.lwjgl.opencl.CL10.*;

/** Finds the OpenCL runtime and its devices. Contexts for one device are {@link ClContext}s. */
public final class OpenCl {
    private OpenCl() {}

    /** No OpenCL library could be loaded, or it has no platform (no ICD registered). */
    public static final class NoRuntimeException extends ClException {
        NoRuntimeException(String message, Throwable cause) { super(message, cause); }
    }

    private static final String INSTALL_HINT =
            "install an ICD such as pocl-opencl-icd (Debian/Ubuntu, with ocl-icd-libopencl1) or your GPU vendor's OpenCL driver";

    private static boolean loaded;
    private static NoRuntimeException loadFailure;

    /**
     * Loads libOpenCL once. LWJGL asks for "libOpenCL.so", which on Debian only the -dev
     * package provides; the ICD loader itself installs "libOpenCL.so.1". So on Linux, unless
     * {@code org.lwjgl.opencl.libname} says otherwise, we ask for that first.
     */
    static synchronized void load() {
        if (loaded) return;
        if (loadFailure != null) throw loadFailure;
        Configuration.OPENCL_EXPLICIT_INIT.set(true);
        String configured = Configuration.OPENCL_LIBRARY_NAME.get();
        try {
            if (configured != null) CL.create(configured);
            else if (Platform.get() != Platform.LINUX) CL.create();
            else {
                try {
                    CL.create("libOpenCL.so.1");
                } catch (Throwable e) {
                    CL.create();
                }
            }
            loaded = true;
        } catch (Throwable e) {
            loadFailure = new NoRuntimeException("no OpenCL runtime found (could not load "
                    + (configured != null ? configured : "libOpenCL") + ": " + e.getMessage() + "): " + INSTALL_HINT, e);
            throw loadFailure;
        }
    }

    /** Every device of every platform, in platform order; throws {@link NoRuntimeException} when there is none to ask. */
    public static List<ClDevice> devices() {
        load();
        List<ClDevice> out = new ArrayList<>();
        for (long platform : platforms()) {
            String platformName = platformString(platform, CL_PLATFORM_NAME);
            for (long device : deviceIds(platform)) out.add(describe(out.size(), platform, platformName, device));
        }
        return out;
    }

    /** The device at {@code index} of {@link #devices()}, or a one-line error listing how many there are. */
    public static ClDevice device(int index) {
        List<ClDevice> all = devices();
        if (all.isEmpty()) throw new NoRuntimeException("no OpenCL device found on any platform: " + INSTALL_HINT, null);
        if (index < 0 || index >= all.size())
            throw new IllegalArgumentException("--device " + index + ": there are " + all.size()
                    + " OpenCL devices (0.." + (all.size() - 1) + "); run 'jground devices' to list them");
        return all.get(index);
    }

    private static long[] platforms() {
        try (MemoryStack s = MemoryStack.stackPush()) {
            int[] count = new int[1];
            int err = clGetPlatformIDs(null, count);
            if (err == -1001 || (err == 0 && count[0] == 0))   // CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no vendor
                throw new NoRuntimeException("no OpenCL platform found (libOpenCL loaded but no ICD is registered in /etc/OpenCL/vendors): "
                        + INSTALL_HINT, null);
            ClException.check(err, "clGetPlatformIDs");
            PointerBuffer ids = s.mallocPointer(count[0]);
            ClException.check(clGetPlatformIDs(ids, (int[]) null), "clGetPlatformIDs");
            long[] out = new long[count[0]];
            for (int i = 0; i < out.length; i++) out[i] = ids.get(i);
            return out;
        }
    }

    private static long[] deviceIds(long platform) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            int[] count = new int[1];
            int err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, count);
            if (err == CL_DEVICE_NOT_FOUND) return new long[0];
            ClException.check(err, "clGetDeviceIDs");
            PointerBuffer ids = s.mallocPointer(count[0]);
            ClException.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids, (int[]) null), "clGetDeviceIDs");
            long[] out = new long[count[0]];
            for (int i = 0; i < out.length; i++) out[i] = ids.get(i);
            return out;
        }
    }

    private static ClDevice describe(int index, long platform, String platformName, long device) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            var l = s.mallocLong(1);
            var i = s.mallocInt(1);
            var p = s.mallocPointer(1);
            ClException.check(clGetDeviceInfo(device, CL_DEVICE_TYPE, l, null), "clGetDeviceInfo");
            long typeBits = l.get(0);
            ClException.check(clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE, l, null), "clGetDeviceInfo");
            long memory = l.get(0);
            ClException.check(clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, i, null), "clGetDeviceInfo");
            int units = i.get(0);
            ClException.check(clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, p, null), "clGetDeviceInfo");
            long maxGroup = p.get(0);
            String extensions = deviceString(device, CL_DEVICE_EXTENSIONS);
            return new ClDevice(index, platformName, deviceString(device, CL_DEVICE_NAME), typeName(typeBits), memory,
                    units, maxGroup, deviceString(device, CL_DEVICE_VERSION),
                    List.of(extensions.split(" ")).contains("cl_khr_fp16"), platform, device);
        }
    }

    private static String typeName(long bits) {
        if ((bits & CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((bits & CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((bits & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        return "other";
    }

    private static String platformString(long platform, int param) {
        return infoString((buf, size) -> clGetPlatformInfo(platform, param, buf, size), "clGetPlatformInfo");
    }

    private static String deviceString(long device, int param) {
        return infoString((buf, size) -> clGetDeviceInfo(device, param, buf, size), "clGetDeviceInfo");
    }

    interface InfoQuery { int get(ByteBuffer value, PointerBuffer sizeRet); }

    /** The usual two-call dance for a string property: ask the size, then the bytes (NUL-terminated). */
    static String infoString(InfoQuery query, String call) {
        try (MemoryStack s = MemoryStack.stackPush()) {
            PointerBuffer size = s.mallocPointer(1);
            ClException.check(query.get(null, size), call);
            int n = (int) size.get(0);
            if (n <= 1) return "";
            ByteBuffer buf = MemoryUtil.memAlloc(n);
            try {
                ClException.check(query.get(buf, null), call);
                return MemoryUtil.memUTF8(buf, n - 1).trim();
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }
}
