// SAM's ViT attention with decomposed relative positions (Backend.relPosAttention): one work
// item per (query, head, grid), the softmax taken online (running max and sum, the output
// rescaled as the max grows) so no row of scores is ever stored. A plain kernel, correct
// first; the tiled one is the full OpenCL backend's work.
#define MAX_HEAD_DIM 128

kernel void rel_pos_attention(global float *out, global const void *qkv, int qdt, int heads, int h, int w, int d, float scale,
                              global const void *relh, int rhdt, global const void *relw, int rwdt) {
    int i = get_global_id(0), hd = get_global_id(1), g = get_global_id(2);
    int t = h * w, width = heads * d, row = 3 * width;
    size_t base = (size_t) g * t * row, qo = base + (size_t) i * row + hd * d;
    int yi = i / w, xi = i % w;
    float acc[MAX_HEAD_DIM];
    for (int c = 0; c < d; c++) acc[c] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    for (int j = 0; j < t; j++) {
        size_t ko = base + (size_t) j * row + width + hd * d, vo = ko + width;
        size_t ho = (size_t) (yi - j / w + h - 1) * d, wo = (size_t) (xi - j % w + w - 1) * d;
        float s = 0.0f;
        for (int c = 0; c < d; c++) {
            float q = ld(qkv, qdt, qo + c);
            // the official (q * scale) @ kᵀ, and the unscaled q for the position terms
            s += (q * scale) * ld(qkv, qdt, ko + c) + q * (ld(relh, rhdt, ho + c) + ld(relw, rwdt, wo + c));
        }
        float mNew = fmax(m, s), corr = exp(m - mNew), p = exp(s - mNew);
        l = l * corr + p;
        for (int c = 0; c < d; c++) acc[c] = acc[c] * corr + p * ld(qkv, qdt, vo + c);
        m = mNew;
    }
    size_t oo = ((size_t) g * t + i) * width + hd * d;
    for (int c = 0; c < d; c++) out[oo + c] = acc[c] / l;
}
