// Rotary position embedding in Hugging Face's rotate_half layout (pairs (i, i + d/2)), as
// dev.jground.kernel.Rope: x [rows, heads * d], row t at position pos0 + t, inv_freq [d / 2]
// the CPU's float table; angle = float(pos) inv_freq[i] in float. One work item per
// (row * heads + head, i).
#pragma OPENCL FP_CONTRACT OFF   // x1 cos - x2 sin with each product rounded, as torch's

kernel void rope(global float *y, global const void *x, int xdt, global const float *inv_freq, int heads, int d, int pos0) {
    size_t rh = get_global_id(0);
    int i = get_global_id(1), t = rh / heads;
    float angle = (float) (pos0 + t) * inv_freq[i];
    float c = cos(angle), s = sin(angle);
    size_t lo = rh * d + i, hi = lo + d / 2;
    float x1 = ld(x, xdt, lo), x2 = ld(x, xdt, hi);
    y[lo] = x1 * c - x2 * s;   // rotate_half(x) = [-x2, x1]
    y[hi] = x2 * c + x1 * s;
}
