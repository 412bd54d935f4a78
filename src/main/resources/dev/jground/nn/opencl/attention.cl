// SAM's ViT attention with decomposed relative positions in size x size windows cut from one
// gh x gw grid (Backend.relPosAttention): one work item per (grid token, head); keys past the
// grid's edge are the pad row (hasPad 0: zeros). The softmax is taken online (running max and
// sum, the output rescaled as the max grows) so no row of scores is ever stored. A plain kernel,
// correct first; the tiled one is the full OpenCL backend's work.
#define MAX_HEAD_DIM 128

kernel void rel_pos_attention(global float *out, global const void *qkv, int qdt, int heads, int gh, int gw, int size,
                              int d, float scale, global const void *relh, int rhdt, global const void *relw, int rwdt,
                              global const void *pad, int pdt, int hasPad) {
    int token = get_global_id(0), hd = get_global_id(1);
    int width = heads * d, row = 3 * width, gy = token / gw, gx = token % gw;
    int y0 = gy / size * size, x0 = gx / size * size, yi = gy - y0, xi = gx - x0;
    size_t qo = (size_t) token * row + hd * d;
    float acc[MAX_HEAD_DIM];
    for (int c = 0; c < d; c++) acc[c] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    for (int j = 0; j < size * size; j++) {
        int yj = j / size, xj = j % size, ky = y0 + yj, kx = x0 + xj;
        int inside = ky < gh && kx < gw;
        size_t ko = inside ? (size_t) (ky * gw + kx) * row + width + hd * d : (size_t) width + hd * d, vo = ko + width;
        size_t ho = (size_t) (yi - yj + size - 1) * d, wo = (size_t) (xi - xj + size - 1) * d;
        float s = 0.0f;
        for (int c = 0; c < d; c++) {
            float q = ld(qkv, qdt, qo + c);
            float k = inside ? ld(qkv, qdt, ko + c) : hasPad ? ld(pad, pdt, ko + c) : 0.0f;
            s += (q * scale) * k + q * (ld(relh, rhdt, ho + c) + ld(relw, rwdt, wo + c));
        }
        float mNew = fmax(m, s), corr = exp(m - mNew), p = exp(s - mNew);
        l = l * corr + p;
        for (int c = 0; c < d; c++) {
            float v = inside ? ld(qkv, qdt, vo + c) : hasPad ? ld(pad, pdt, vo + c) : 0.0f;
            acc[c] = acc[c] * corr + p * v;
        }
        m = mNew;
    }
    size_t oo = (size_t) token * width + hd * d;
    for (int c = 0; c < d; c++) out[oo + c] = acc[c] / l;
}

// Scaled dot-product attention (Backend.attention) in three steps: these scores, softmax.cl's
// softmax over each row of them in place, then attention_output. s [heads, tq, tk] = q·k scale,
// -inf where the causal mask hides key j from query i (j > tk - tq + i), so its probability is
// exactly 0. q [tq, heads d], k and v rows of kvHeads d; query head h reads kv head h / group.
// Global (tk, tq, heads).
kernel void attention_scores(global float *s, global const void *q, int qdt, global const void *k, int kdt,
                             int tq, int tk, int heads, int kvHeads, int d, float scale, int causal) {
    int j = get_global_id(0), i = get_global_id(1), h = get_global_id(2);
    size_t so = ((size_t) h * tq + i) * tk + j;
    if (causal && j > tk - tq + i) {
        s[so] = -INFINITY;
        return;
    }
    size_t qo = ((size_t) i * heads + h) * d, ko = ((size_t) j * kvHeads + h / (heads / kvHeads)) * d;
    float dot = 0.0f;
    for (int c = 0; c < d; c++) dot += ld(q, qdt, qo + c) * ld(k, kdt, ko + c);
    s[so] = dot * scale;
}

// y [tq, heads d]: y[i, h d + c] = sum over j < tk of p[h, i, j] v[j, kvh d + c]. Global (d, tq, heads).
kernel void attention_output(global float *y, global const float *p, global const void *v, int vdt,
                             int tq, int tk, int heads, int kvHeads, int d) {
    int c = get_global_id(0), i = get_global_id(1), h = get_global_id(2);
    size_t po = ((size_t) h * tq + i) * tk, vo = (size_t) (h / (heads / kvHeads)) * d + c, stride = (size_t) kvHeads * d;
    float acc = 0.0f;
    for (int j = 0; j < tk; j++) acc += p[po + j] * ld(v, vdt, vo + j * stride);
    y[((size_t) i * heads + h) * d + c] = acc;
}
