package dev.jground.nn;

import dev.jground.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The backend contract on OpenCL (PoCL in CI), plus what only a device backend has to show. */
class OpenClBackendTest extends BackendContractTest {

    @Override protected Backend backend() { return OpenClTests.openOrSkip(); }

    private OpenClBackend cl() { return (OpenClBackend) b; }

    @Test void aChainOfOpsUploadsEachInputOnceAndDownloadsOnce() {
        Random rnd = new Random(1);
        int m = 7, n = 33, k = 257;
        float[] x = random(rnd, m * k, 1), residual = random(rnd, m * n, 1);
        Weights w = weights(DType.F16, rnd, n, k, 1), bias = vector(DType.F16, rnd, n, 1);

        ClContext.Transfers before = cl().stats();
        Tensor y = b.softmax(b.add(b.matmul(b.upload(x, m, k), b.weight(w.view()), b.weight(bias.view())), b.upload(residual, m, n)));
        ClContext.Transfers queued = cl().stats();
        float[] got = b.download(y);
        ClContext.Transfers after = cl().stats();

        assertEquals(4, queued.uploads() - before.uploads(), "x, weight, bias and residual, each once");
        assertEquals((long) m * k * 4 + (long) n * k * 2 + n * 2 + (long) m * n * 4, queued.uploadBytes() - before.uploadBytes());
        assertEquals(0, queued.downloads() - before.downloads(), "no op reads anything back");
        assertEquals(1, after.downloads() - before.downloads());
        assertEquals((long) m * n * 4, after.downloadBytes() - before.downloadBytes());
        assertEquals(queued.uploads(), after.uploads());

        float[] logits = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = bias.values()[j];
                for (int t = 0; t < k; t++) s += (double) x[i * k + t] * w.values()[j * k + t];
                logits[i * n + j] = (float) s + residual[i * n + j];
            }
        float[] want = new float[m * n];
        for (int i = 0; i < m; i++) {
            double mx = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < n; j++) mx = Math.max(mx, logits[i * n + j]);
            for (int j = 0; j < n; j++) sum += Math.exp(logits[i * n + j] - mx);
            for (int j = 0; j < n; j++) want[i * n + j] = (float) (Math.exp(logits[i * n + j] - mx) / sum);
        }
        assertArrayEquals(want, got, 1e-4f);
    }

    @Test void aDecoderLayerStaysOnTheDeviceAndOnlyTheRecordedProbabilitiesComeBack() {
        Random rnd = new Random(4);
        int t = 5, heads = 2, d = 8, width = heads * d;
        Tensor x = b.upload(random(rnd, t * width, 1), t, width);
        Tensor norm = b.weight(vector(DType.F16, rnd, width, 1).view());
        Tensor wq = b.weight(weights(DType.F16, rnd, width, width, 0.3f).view());
        Tensor wk = b.weight(weights(DType.BF16, rnd, width, width, 0.3f).view());
        b.rope(x, heads, 0, 1e4f);   // rope's frequency table is uploaded on first use, once per head size and theta

        ClContext.Transfers before = cl().stats();
        Tensor h = b.rmsNorm(x, norm, 1e-6f);
        Tensor q = b.rope(b.matmul(h, wq, null), heads, 3, 1e4f), k = b.rope(b.matmul(h, wk, null), heads, 3, 1e4f);
        float[] probs = new float[heads * t * t];
        Tensor y = b.add(x, b.swiglu(b.attention(q, k, h, t, heads, heads, 0.35f, true, probs), b.gelu(h)));
        ClContext.Transfers after = cl().stats();

        assertEquals(0, after.uploads() - before.uploads(), "no op uploads anything");
        assertEquals(1, after.downloads() - before.downloads(), "the probabilities, once");
        assertEquals((long) heads * t * t * Float.BYTES, after.downloadBytes() - before.downloadBytes());
        assertEquals(1f, probs[0], 0f, "the first query sees only the first key");
        assertEquals(0f, probs[1], "and no later one");
        assertEquals(t * width, b.download(y).length);
    }

    @Test void addReadsASixteenBitRowWithoutConverting() {
        Random rnd = new Random(2);
        float[] x = random(rnd, 3 * 7, 1);
        Weights row = vector(DType.BF16, rnd, 7, 1);
        assertArrayEquals(addRef(x, row.values(), 7), b.download(b.add(b.upload(x, 3, 7), b.weight(row.view()))), 0f);
    }

    @Test void aReshapeOutlivesTheTensorItCameFrom() {
        float[] data = random(new Random(3), 6, 1);
        Tensor t = b.upload(data, 2, 3);
        Tensor r = b.reshape(t, 6);
        t.close();
        assertThrows(IllegalStateException.class, () -> b.download(t));
        assertArrayEquals(data, b.download(r));
        r.close();
    }

    @Test void aBufferCountsAsResidentUntilItsLastHandleCloses() throws InterruptedException {
        // a context of its own: the shared one's earlier tensors may be collected meanwhile
        try (OpenClBackend cl = OpenClTests.openOrSkip()) {
            ClContext ctx = cl.context();
            assertEquals(0, ctx.residentBytes());
            Tensor t = cl.upload(new float[100], 4, 25);
            assertEquals(400, ctx.residentBytes());
            Tensor r = cl.reshape(t, 100);
            assertEquals(400, ctx.residentBytes(), "a reshape shares the buffer");
            Tensor y = cl.scale(r, 2f);
            assertEquals(800, ctx.residentBytes(), "an op's output is a new buffer");
            t.close();
            assertEquals(800, OpenClTests.residentOnceAtMost(ctx, 400), "the reshape still holds it");
            r.close();
            y.close();
            assertEquals(0, OpenClTests.residentOnceAtMost(ctx, 0));
        }
    }

    @Test void aHeadTooLargeForRelPosAttentionSaysItComesLater() {
        int d = 129;
        Tensor qkv = b.upload(new float[3 * d], 1, 1, 3 * d), table = b.upload(new float[d], 1, d);
        var e = assertThrows(UnsupportedOperationException.class, () -> b.relPosAttention(qkv, 1, 1, 1f, table, table, null));
        assertEquals("opencl backend: relPosAttention with head size 129 > 128 is not implemented yet (the full OpenCL backend is a later issue)",
                e.getMessage());
    }

    @Test void aTensorFromElsewhereIsRejected() {
        Tensor foreign = new Tensor() {
            @Override public int[] shape() { return new int[] {2}; }
            @Override public DType dtype() { return DType.F32; }
        };
        var e = assertThrows(IllegalArgumentException.class, () -> b.scale(foreign, 2f));
        assertTrue(e.getMessage().contains("not a tensor of this backend"), e.getMessage());
    }

    @Test void aBrokenKernelIsOneLineNamingTheDeviceAndTheBuildLogsError() {
        ClContext ctx = cl().context();
        // through build(), the path every kernel source takes on its first use
        var e = assertThrows(ClException.class,
                () -> ctx.build("broken", "kernel void broken(global float *y) {\n  y[0] = no_such_variable;\n}"));
        String m = e.getMessage();
        assertTrue(m.startsWith("opencl: building broken.cl for device '" + ctx.device().name()
                + "' failed with CL_BUILD_PROGRAM_FAILURE (-11): "), m);
        assertTrue(m.contains("error") && m.contains("no_such_variable"), m);
        assertFalse(m.contains("\n"), "one line: " + m);
    }

    @Test void theBuildLogsFirstErrorLineIsQuoted() {
        assertEquals("<source>:2:8: error: use of undeclared identifier 'x'",
                ClContext.firstError("In file included from <built-in>:1:\n<source>:2:8: error: use of undeclared identifier 'x'\n"
                        + "  y[0] = x;\n<source>:3:1: error: another\n"));
        assertEquals("warning: something odd", ClContext.firstError("\n  warning: something odd\nmore\n"));
        assertEquals("(empty build log)", ClContext.firstError("\n"));
    }

    @Test void eachKernelSourceIsBuiltOncePerContext() {
        Random rnd = new Random(6);
        Tensor x = b.upload(random(rnd, 12, 1), 3, 4);
        b.silu(x);   // activation.cl built here, if no earlier test did
        long built = cl().context().programsBuilt();
        b.gelu(b.quickGelu(b.geluTanh(x)));   // other kernels of the same source
        b.silu(x);
        assertEquals(built, cl().context().programsBuilt(), "activation.cl is not built again");
        b.relu(x);   // elementwise.cl: built now unless an earlier op already needed it
        long afterRelu = cl().context().programsBuilt();
        assertTrue(afterRelu - built <= 1, "at most the one new source");
        b.scale(b.add(x, x), 2f);
        assertEquals(afterRelu, cl().context().programsBuilt());
    }

    @Test void devicesListsTheOneInUse() {
        ClDevice d = cl().context().device();
        assertEquals(d, OpenCl.devices().get(d.index()));
        assertFalse(d.name().isEmpty());
        assertTrue(d.computeUnits() > 0 && d.globalMemBytes() > 0 && d.maxWorkGroupSize() > 0, d.toString());
        assertTrue(d.version().startsWith("OpenCL "), d.version());
        assertThrows(IllegalArgumentException.class, () -> OpenCl.device(OpenCl.devices().size()));
    }
}
