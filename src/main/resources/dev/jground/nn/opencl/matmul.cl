// y [M, N] = x [M, K] · wᵀ (+ bias [N]), w [N, K] in its stored dtype: torch.nn.functional.linear.
// The textbook tiled GEMM: a TILE×TILE work-group computes a TILE×TILE block of y, walking K
// one tile at a time through local memory. Correct on any size; the fast kernels come later.
// Work-item (c, r) of group (gn, gm) owns y[gm*TILE + r, gn*TILE + c].
kernel void matmul(global float *y,
                   global const void *x, int xdt,
                   global const void *w, int wdt,
                   global const void *bias, int bdt, int has_bias,
                   int m, int n, int k) {
    int c = get_local_id(0), r = get_local_id(1);
    int i = get_group_id(1) * TILE + r;        // row of x and y
    int j = get_group_id(0) * TILE + c;        // row of w, column of y
    int wrow = get_group_id(0) * TILE + r;     // the row of w this work-item stages
    local float xs[TILE][TILE];
    local float ws[TILE][TILE + 1];            // +1: column reads below would hit one bank
    float acc = 0.0f;
    for (int k0 = 0; k0 < k; k0 += TILE) {
        int kk = k0 + c;
        xs[r][c] = (i < m && kk < k) ? ld(x, xdt, (size_t) i * k + kk) : 0.0f;
        ws[r][c] = (wrow < n && kk < k) ? ld(w, wdt, (size_t) wrow * k + kk) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int t = 0; t < TILE; t++) acc += xs[r][t] * ws[c][t];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < m && j < n) y[(size_t) i * n + j] = acc + (has_bias ? ld(bias, bdt, j) : 0.0f);
}
