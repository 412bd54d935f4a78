package dev.jground.nn;

/**
 * One OpenCL device as {@link OpenCl#devices()} lists it. {@code index} is its position in
 * that list (what {@code --device N} selects); the two ids are the raw cl_platform_id and
 * cl_device_id handles.
 */
public record ClDevice(int index, String platformName, String name, String type, long globalMemBytes,
                       int computeUnits, long maxWorkGroupSize, String version, boolean fp16,
                       long platformId, long deviceId) {}
