package dev.jground.kernel;

/** y [M, N] = x [M, K] · Wᵀ (+ bias [N]), W [N, K] in its stored dtype. */
public final class Matmul {
    private Matmul() {}

    // Placeholder reference loop; the blocked SIMD kernel replaces it.
    public static void matmul(float[] x, int m, WeightMatrix w, float[] bias, float[] y, Parallel par) {
        int n = w.rows(), k = w.cols();
        if (x.length < (long) m * k || y.length < (long) m * n)
            throw new IllegalArgumentException("matmul: x or y too small for [" + m + ", " + k + "] x [" + n + ", " + k + "]^T");
        par.forRange(n, (n0, n1) -> {
            float[] row = new float[k];
            for (int j = n0; j < n1; j++) {
                w.readRow(j, row, 0);
                for (int i = 0; i < m; i++) {
                    float s = 0;
                    for (int kk = 0; kk < k; kk++) s += x[i * k + kk] * row[kk];
                    y[i * n + j] = s + (bias == null ? 0f : bias[j]);
                }
            }
        });
    }
}
