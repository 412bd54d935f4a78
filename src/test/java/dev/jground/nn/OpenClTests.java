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

    /**
     * The context's resident bytes once they are at most {@code bytes}, waiting up to two
     * seconds: the runtime frees a buffer after the kernels queued on it finish, and PoCL tells
     * its destructor callback from its own thread, a little after clFinish returns.
     */
    public static long residentOnceAtMost(ClContext ctx, long bytes) throws InterruptedException {
        ctx.finish();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (ctx.residentBytes() > bytes && System.nanoTime() < deadline) Thread.sleep(5);
        return ctx.residentBytes();
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
