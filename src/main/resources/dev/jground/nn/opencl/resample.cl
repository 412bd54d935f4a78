// PyTorch's upsampling on x [c, h, w] -> y [c, oh, ow] with the float index arithmetic of
// dev.jground.kernel.Resample (ATen UpSample.h), the same operations in the same order, so the
// results are the CPU's. One work item per output element; the scales come from the host.
#pragma OPENCL FP_CONTRACT OFF   // each product rounded, as Java's

// mode='nearest': src = min(floor(dst (in / out)), in - 1)
kernel void upsample_nearest(global float *y, global const void *x, int xdt, int h, int w, int oh, int ow,
                             float scaleH, float scaleW) {
    size_t o = get_global_id(0);
    int ox = o % ow;
    size_t t = o / ow;
    int oy = t % oh, ch = t / oh;
    int sy = min((int) floor((float) oy * scaleH), h - 1), sx = min((int) floor((float) ox * scaleW), w - 1);
    y[o] = ld(x, xdt, ((size_t) ch * h + sy) * w + sx);
}

// Keys' cubic convolution with A = -0.75 (ATen's get_cubic_upsample_coefficients)
inline float cubic1(float x, float a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }
inline float cubic2(float x, float a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }

// Resample.taps: the source indices and weights of output index i along an axis of n inputs, two
// (linear: the source index clamped at 0) or four (cubic: unclamped, the taps clamped to the border)
inline void taps(int i, int n, int out, float scale, int align, int cubic, int *index, float *weight) {
    float src = align ? scale * i : scale * (i + 0.5f) - 0.5f;
    if (!cubic && src < 0) src = 0.0f;
    int i0 = min((int) floor(src), n - 1);   // guard_index_and_lambda
    float t = fmin(fmax(src - i0, 0.0f), 1.0f);
    if (cubic) {
        const float a = -0.75f;
        weight[0] = cubic2(t + 1.0f, a);
        weight[1] = cubic1(t, a);
        weight[2] = cubic1(1.0f - t, a);
        weight[3] = cubic2(1.0f - t + 1.0f, a);
        for (int j = 0; j < 4; j++) index[j] = clamp(i0 - 1 + j, 0, n - 1);
    } else if (n == out) {   // PyTorch copies along an axis whose size is unchanged
        index[0] = index[1] = i;
        weight[0] = 1.0f;
        weight[1] = 0.0f;
    } else {
        index[0] = i0;
        index[1] = i0 < n - 1 ? i0 + 1 : i0;
        weight[0] = 1.0f - t;
        weight[1] = t;
    }
}

// mode='bilinear' (cubic 0) or 'bicubic' (cubic 1): each tapped row interpolated across the width,
// then those combined down the height, in the CPU's order; an unchanged size is a copy
kernel void resize(global float *y, global const void *x, int xdt, int h, int w, int oh, int ow,
                   float scaleH, float scaleW, int align, int cubic) {
    size_t o = get_global_id(0);
    if (h == oh && w == ow) {
        y[o] = ld(x, xdt, o);
        return;
    }
    int ox = o % ow;
    size_t t = o / ow;
    int oy = t % oh, ch = t / oh, n = cubic ? 4 : 2;
    int iy[4], ix[4];
    float wy[4], wx[4];
    taps(oy, h, oh, scaleH, align, cubic, iy, wy);
    taps(ox, w, ow, scaleW, align, cubic, ix, wx);
    float sum = 0.0f;
    for (int a = 0; a < n; a++) {
        size_t row = ((size_t) ch * h + iy[a]) * w;
        float v = ld(x, xdt, row + ix[0]) * wx[0];
        for (int b = 1; b < n; b++) v += ld(x, xdt, row + ix[b]) * wx[b];
        sum += v * wy[a];
    }
    y[o] = sum;
}
