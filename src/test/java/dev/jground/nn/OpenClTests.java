package dev.jground.nn;

import org.junit.jupiter.api.Assumptions;

import java.util.List;

/** Opening OpenCL in a test: skipped without a runtime, except under CI, which installs PoCL. */
public final class OpenClTests {
    private OpenClTests() {}

    /** Device {@code -Djground.opencl.device=N} (default 0). */
    public static OpenClBackend openOrSkip() {
        devicesOrSkip();
        return OpenClBackend.open(Integer.getInteger("jground.opencl.device", 0));
    }

    /** Every device, or the test is skipped (a failure under CI) when there is no runtime. */
    public static List<ClDevice> devicesOrSkip() {
        try {
            return OpenCl.devices();
        } catch (OpenCl.NoRuntimeException e) {
            if (System.getenv("CI") != null) throw new AssertionError("CI is set, so OpenCL must be installed: " + e.getMessage(), e);
            Assumptions.abort("skipped, " + e.getMessage());
            throw e;
        }
    }
}
