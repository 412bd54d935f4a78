// PyTorch's convolutions on feature maps x [c, h, w], weights in their stored dtype. Plain direct
// kernels, one work item per output element summing its taps in float: correct first; an
// im2col or tiled kernel is the fast one's work.

// Conv2d (zero padding, no dilation, groups 1), w [o, c, kh, kw]: y [o, oh, ow]; global (oh * ow, o)
kernel void conv2d(global float *y, global const void *x, int xdt, global const void *w, int wdt,
                   global const void *bias, int bdt, int hasBias, int c, int h, int wd, int kh, int kw,
                   int stride, int padding, int oh, int ow) {
    int pos = get_global_id(0), o = get_global_id(1);
    int oy = pos / ow, ox = pos % ow;
    size_t wo = (size_t) o * c * kh * kw;
    float acc = 0.0f;
    for (int ch = 0; ch < c; ch++)
        for (int ky = 0; ky < kh; ky++) {
            int iy = oy * stride - padding + ky;
            if (iy < 0 || iy >= h) continue;
            size_t row = ((size_t) ch * h + iy) * wd, wrow = wo + ((size_t) ch * kh + ky) * kw;
            for (int kx = 0; kx < kw; kx++) {
                int ix = ox * stride - padding + kx;
                if (ix >= 0 && ix < wd) acc += ld(x, xdt, row + ix) * ld(w, wdt, wrow + kx);
            }
        }
    y[(size_t) o * oh * ow + pos] = acc + (hasBias ? ld(bias, bdt, o) : 0.0f);
}

// ConvTranspose2d with kernel 2 and stride 2, w [c, o, 2, 2]: the taps never overlap, so
// y[o, 2i + a, 2j + b] = bias[o] + sum over ch of x[ch, i, j] w[ch, o, a, b]. y [o, 2h, 2w], one item per element.
kernel void conv_transpose_2x2(global float *y, global const void *x, int xdt, global const void *w, int wdt,
                               global const void *bias, int bdt, int hasBias, int c, int o, int h, int wd) {
    size_t e = get_global_id(0);
    int ox = e % (2 * wd);
    size_t t = e / (2 * wd);
    int oy = t % (2 * h), oc = t / (2 * h);
    int i = oy / 2, j = ox / 2, tap = (oy % 2) * 2 + ox % 2;
    float acc = 0.0f;
    for (int ch = 0; ch < c; ch++)
        acc += ld(x, xdt, ((size_t) ch * h + i) * wd + j) * ld(w, wdt, ((size_t) ch * o + oc) * 4 + tap);
    y[e] = acc + (hasBias ? ld(bias, bdt, oc) : 0.0f);
}
