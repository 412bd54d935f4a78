package dev.jground.nn;

/**
 * One OpenCL device as {@link OpenCl#devices()} lists it. {@code index} is its position in
 * that list (what {@code --device N} selects); the two ids are the raw cl_platform_id and
 * cl_device_id handles.
 */
public record ClDevice(int index, String platformName, String name, String type, long globalMemBytes,
                       int computeUnits, long maxWorkGroupSize, String version, boolean fp16,
                       long platformId, long deviceId) {

    /** One line for listings: {@code #0 NAME [PLATFORM] CPU, OpenCL 3.0 ..., 2 compute units, 15.6 GiB, ...}. */
    public String summary() {
        return String.format("#%d %s [%s] %s, %s, %d compute units, %.1f GiB global memory, max work-group %d, fp16 %s",
                index, name, platformName, type, version, computeUnits, globalMemBytes / (double) (1L << 30),
                maxWorkGroupSize, fp16 ? "yes" : "no");
    }
}
