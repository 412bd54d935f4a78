// LayerNorm, RMSNorm and GroupNorm with dev.jground.kernel.Norms' statistics, accumulated in
// float: one work-group per row (LayerNorm, RMSNorm) or per group of channels (GroupNorm), a
// strided pass over it per statistic, each pass's partial sums added by a tree in local memory
// (the group size is a power of two). Variances are two-pass and biased, as torch's.
#pragma OPENCL FP_CONTRACT OFF   // each product rounded, as the CPU's

// The sum of every work item's v, returned to all of them; scratch holds get_local_size(0) floats.
inline float group_sum(local float *scratch, float v) {
    int t = get_local_id(0);
    scratch[t] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (t < s) scratch[t] += scratch[t + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);   // everyone has read it before scratch is reused
    return total;
}

// The mean of x[off, off + n) as hi + lo. Summed relative to x[off]: with values 1000 ± 2 the
// float sums carry the ±2, not the 1000. shift + m is then split exactly (Knuth's TwoSum), so
// that x - hi - lo keeps the rounding of the mean out of every output (Norms.lowPart).
inline float2 mean_of(global const void *x, int xdt, size_t off, int n, local float *scratch) {
    float shift = ld(x, xdt, off), s = 0.0f;
    for (int i = get_local_id(0); i < n; i += get_local_size(0)) s += ld(x, xdt, off + i) - shift;
    float m = group_sum(scratch, s) / n;
    float hi = shift + m, b = hi - shift;
    return (float2) (hi, (shift - (hi - b)) + (m - b));
}

// 1 / sqrt(var + eps) of x[off, off + n) around hi + lo
inline float rstd_of(global const void *x, int xdt, size_t off, int n, float2 mean, float eps, local float *scratch) {
    float s = 0.0f;
    for (int i = get_local_id(0); i < n; i += get_local_size(0)) {
        float d = ld(x, xdt, off + i) - mean.x - mean.y;
        s += d * d;
    }
    return 1.0f / sqrt(group_sum(scratch, s) / n + eps);
}

// torch.nn.LayerNorm over rows of d; affine bit 0: w given, bit 1: b given
kernel void layer_norm(global float *y, global const void *x, int xdt, global const void *w, int wdt,
                       global const void *b, int bdt, int affine, int d, float eps, local float *scratch) {
    size_t off = (size_t) get_group_id(0) * d;
    float2 mean = mean_of(x, xdt, off, d, scratch);
    float rstd = rstd_of(x, xdt, off, d, mean, eps, scratch);
    for (int i = get_local_id(0); i < d; i += get_local_size(0)) {
        float v = (ld(x, xdt, off + i) - mean.x - mean.y) * rstd;
        if (affine & 1) v *= ld(w, wdt, i);
        if (affine & 2) v += ld(b, bdt, i);
        y[off + i] = v;
    }
}

// HF LlamaRMSNorm: x rsqrt(mean(x²) + eps), then times w when hasW
kernel void rms_norm(global float *y, global const void *x, int xdt, global const void *w, int wdt, int hasW,
                     int d, float eps, local float *scratch) {
    size_t off = (size_t) get_group_id(0) * d;
    float s = 0.0f;
    for (int i = get_local_id(0); i < d; i += get_local_size(0)) {
        float v = ld(x, xdt, off + i);
        s += v * v;
    }
    float rstd = 1.0f / sqrt(group_sum(scratch, s) / d + eps);
    for (int i = get_local_id(0); i < d; i += get_local_size(0)) {
        float v = ld(x, xdt, off + i) * rstd;
        y[off + i] = hasW ? v * ld(w, wdt, i) : v;
    }
}

// torch.nn.GroupNorm on x [channels, spatial]: group g is channels [g perGroup, (g + 1) perGroup),
// contiguous; the affine is per channel (missing w is 1, missing b 0, as the CPU's)
kernel void group_norm(global float *y, global const void *x, int xdt, global const void *w, int wdt,
                       global const void *b, int bdt, int affine, int perGroup, int spatial, float eps,
                       local float *scratch) {
    int g = get_group_id(0), n = perGroup * spatial;
    size_t off = (size_t) g * n;
    float2 mean = mean_of(x, xdt, off, n, scratch);
    float rstd = rstd_of(x, xdt, off, n, mean, eps, scratch);
    for (int i = get_local_id(0); i < n; i += get_local_size(0)) {
        int ch = g * perGroup + i / spatial;
        float scale = rstd * ((affine & 1) ? ld(w, wdt, ch) : 1.0f);
        y[off + i] = (ld(x, xdt, off + i) - mean.x - mean.y) * scale + ((affine & 2) ? ld(b, bdt, ch) : 0.0f);
    }
}
